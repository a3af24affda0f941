package cronfederatedhpa

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	autoscalingvalidation "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/validation"
)

// Due is one rule execution to do now: the rule and the schedule slot it is for.
type Due struct {
	Rule autoscalingv1alpha1.CronFederatedHPARule
	Slot time.Time
}

// Plan is what one look at a CronFederatedHPA decides.
type Plan struct {
	// Histories are the new status histories, one per rule in rule order, with
	// nextExecutionTime recomputed; executions are not yet recorded in them.
	Histories []autoscalingv1alpha1.ExecutionHistory
	// Due are the executions to run, oldest slot first (so the latest wins).
	Due []Due
	// Requeue is when to look again (zero: no active rule).
	Requeue time.Duration
}

// Decide works out, from the spec and the recorded status alone, which rules are due
// at now. A rule is due when its recorded nextExecutionTime has passed; it runs once,
// for the latest slot of its schedule at or before now, unless that slot is already
// recorded (a restart never runs a slot twice). A slot missed while the controller was
// down is run late, once; older missed slots are skipped. A new or resumed rule, or one
// whose schedule or time zone changed, waits for its next slot. Suspended rules keep
// their history with no nextExecutionTime.
func Decide(c *autoscalingv1alpha1.CronFederatedHPA, now time.Time) Plan {
	old := map[string]autoscalingv1alpha1.ExecutionHistory{}
	for _, h := range c.Status.ExecutionHistories {
		old[h.RuleName] = h
	}
	var p Plan
	var soonest time.Time
	for _, r := range c.Spec.Rules {
		prev := old[r.Name]
		h := *prev.DeepCopy()
		h.RuleName = r.Name
		if r.Suspend != nil && *r.Suspend {
			h.NextExecutionTime = nil
			p.Histories = append(p.Histories, h)
			continue
		}
		sched, err := autoscalingvalidation.ParseSchedule(r.Schedule, r.TimeZone)
		if err != nil {
			h.NextExecutionTime = nil
			p.Histories = append(p.Histories, h)
			continue
		}
		next := sched.Next(now)
		if h.NextExecutionTime != nil && !h.NextExecutionTime.After(now) {
			// Due: find the latest slot not after now, starting at the recorded one.
			slot := h.NextExecutionTime.Time
			for s := sched.Next(slot); !s.After(now); s = sched.Next(s) {
				slot = s
			}
			if !recorded(h, slot) {
				p.Due = append(p.Due, Due{Rule: r, Slot: slot})
			}
		}
		h.NextExecutionTime = &metav1.Time{Time: next}
		if soonest.IsZero() || next.Before(soonest) {
			soonest = next
		}
		p.Histories = append(p.Histories, h)
	}
	sort.SliceStable(p.Due, func(i, j int) bool { return p.Due[i].Slot.Before(p.Due[j].Slot) })
	if !soonest.IsZero() {
		p.Requeue = soonest.Sub(now)
		if p.Requeue <= 0 {
			p.Requeue = time.Second
		}
	}
	return p
}

func recorded(h autoscalingv1alpha1.ExecutionHistory, slot time.Time) bool {
	for _, e := range h.SuccessfulExecutions {
		if e.ScheduleTime != nil && e.ScheduleTime.Time.Equal(slot) {
			return true
		}
	}
	for _, e := range h.FailedExecutions {
		if e.ScheduleTime != nil && e.ScheduleTime.Time.Equal(slot) {
			return true
		}
	}
	return false
}

// Record adds an execution of slot to h, newest first, within the rule's limits.
// errMsg empty means success.
func Record(h *autoscalingv1alpha1.ExecutionHistory, r autoscalingv1alpha1.CronFederatedHPARule, slot, at time.Time, errMsg string) {
	st, et := &metav1.Time{Time: slot}, &metav1.Time{Time: at}
	if errMsg == "" {
		e := autoscalingv1alpha1.SuccessfulExecution{ScheduleTime: st, ExecutionTime: et,
			AppliedReplicas: r.TargetReplicas, AppliedMinReplicas: r.TargetMinReplicas, AppliedMaxReplicas: r.TargetMaxReplicas}
		h.SuccessfulExecutions = append([]autoscalingv1alpha1.SuccessfulExecution{e}, h.SuccessfulExecutions...)
		if n := limit(r.SuccessfulHistoryLimit); len(h.SuccessfulExecutions) > n {
			h.SuccessfulExecutions = h.SuccessfulExecutions[:n]
		}
		return
	}
	e := autoscalingv1alpha1.FailedExecution{ScheduleTime: st, ExecutionTime: et, Message: errMsg}
	h.FailedExecutions = append([]autoscalingv1alpha1.FailedExecution{e}, h.FailedExecutions...)
	n := limit(r.FailedHistoryLimit)
	if len(h.FailedExecutions) > n {
		h.FailedExecutions = h.FailedExecutions[:n]
	}
	if len(h.FailedExecutions) == 0 {
		h.FailedExecutions = nil
	}
}

func limit(l *int32) int {
	if l == nil {
		return 3
	}
	return int(*l)
}
