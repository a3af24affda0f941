package cronfederatedhpa

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mt(s string) *metav1.Time { return &metav1.Time{Time: at(s)} }

func TestDecide(t *testing.T) {
	rule := func(name, sched string) autoscalingv1alpha1.CronFederatedHPARule {
		return autoscalingv1alpha1.CronFederatedHPARule{Name: name, Schedule: sched, TargetReplicas: ptr.To[int32](3), TimeZone: ptr.To("UTC")}
	}
	suspended := rule("s", "*/5 * * * *")
	suspended.Suspend = ptr.To(true)
	berlin := rule("b", "0 9 * * *")
	berlin.TimeZone = ptr.To("Europe/Berlin")
	cases := []struct {
		name      string
		rules     []autoscalingv1alpha1.CronFederatedHPARule
		histories []autoscalingv1alpha1.ExecutionHistory
		now       string
		wantNext  []string // "" for nil
		wantDue   []string // slots
		wantAfter time.Duration
	}{
		{name: "new rule waits for its next slot", rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("a", "*/5 * * * *")},
			now: "2026-01-01T10:02:30Z", wantNext: []string{"2026-01-01T10:05:00Z"}, wantAfter: 150 * time.Second},
		{name: "recorded next passed: due once", rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("a", "*/5 * * * *")},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "a", NextExecutionTime: mt("2026-01-01T10:05:00Z")}},
			now:       "2026-01-01T10:05:01Z", wantNext: []string{"2026-01-01T10:10:00Z"}, wantDue: []string{"2026-01-01T10:05:00Z"}, wantAfter: 299 * time.Second},
		{name: "slot already recorded (restart after the status write): not run again", rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("a", "*/5 * * * *")},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "a", NextExecutionTime: mt("2026-01-01T10:05:00Z"),
				SuccessfulExecutions: []autoscalingv1alpha1.SuccessfulExecution{{ScheduleTime: mt("2026-01-01T10:05:00Z")}}}},
			now: "2026-01-01T10:06:00Z", wantNext: []string{"2026-01-01T10:10:00Z"}, wantAfter: 4 * time.Minute},
		{name: "down for long: only the latest missed slot runs", rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("a", "*/5 * * * *")},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "a", NextExecutionTime: mt("2026-01-01T10:05:00Z")}},
			now:       "2026-01-01T10:31:00Z", wantNext: []string{"2026-01-01T10:35:00Z"}, wantDue: []string{"2026-01-01T10:30:00Z"}, wantAfter: 4 * time.Minute},
		{name: "schedule changed: next recomputed, nothing runs", rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("a", "0 * * * *")},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "a", NextExecutionTime: mt("2026-01-01T10:05:00Z")}},
			now:       "2026-01-01T10:02:00Z", wantNext: []string{"2026-01-01T11:00:00Z"}, wantAfter: 58 * time.Minute},
		{name: "suspended rule: no next time, history kept, nothing runs", rules: []autoscalingv1alpha1.CronFederatedHPARule{suspended},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "s", NextExecutionTime: mt("2026-01-01T10:05:00Z")}},
			now:       "2026-01-01T10:06:00Z", wantNext: []string{""}},
		{name: "time zone: 09:00 Berlin is 08:00 UTC in winter", rules: []autoscalingv1alpha1.CronFederatedHPARule{berlin},
			now: "2026-01-01T07:00:00Z", wantNext: []string{"2026-01-01T08:00:00Z"}, wantAfter: time.Hour},
		{name: "deleted rule's history dropped; order of rules kept; two due run oldest first",
			rules: []autoscalingv1alpha1.CronFederatedHPARule{rule("late", "*/10 * * * *"), rule("early", "*/5 * * * *")},
			histories: []autoscalingv1alpha1.ExecutionHistory{{RuleName: "gone"},
				{RuleName: "early", NextExecutionTime: mt("2026-01-01T10:05:00Z")}, {RuleName: "late", NextExecutionTime: mt("2026-01-01T10:10:00Z")}},
			now: "2026-01-01T10:12:00Z", wantNext: []string{"2026-01-01T10:20:00Z", "2026-01-01T10:15:00Z"},
			wantDue: []string{"2026-01-01T10:10:00Z", "2026-01-01T10:10:00Z"}, wantAfter: 3 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &autoscalingv1alpha1.CronFederatedHPA{Spec: autoscalingv1alpha1.CronFederatedHPASpec{Rules: tc.rules},
				Status: autoscalingv1alpha1.CronFederatedHPAStatus{ExecutionHistories: tc.histories}}
			p := Decide(c, at(tc.now))
			if len(p.Histories) != len(tc.wantNext) {
				t.Fatalf("histories %v, want %d", p.Histories, len(tc.wantNext))
			}
			for i, w := range tc.wantNext {
				h := p.Histories[i]
				if h.RuleName != tc.rules[i].Name {
					t.Errorf("history %d is %s, want %s", i, h.RuleName, tc.rules[i].Name)
				}
				if w == "" {
					if h.NextExecutionTime != nil {
						t.Errorf("next of %s = %v, want none", h.RuleName, h.NextExecutionTime)
					}
				} else if h.NextExecutionTime == nil || !h.NextExecutionTime.Time.Equal(at(w)) {
					t.Errorf("next of %s = %v, want %s", h.RuleName, h.NextExecutionTime, w)
				}
			}
			if len(p.Due) != len(tc.wantDue) {
				t.Fatalf("due %v, want %v", p.Due, tc.wantDue)
			}
			for i, w := range tc.wantDue {
				if !p.Due[i].Slot.Equal(at(w)) {
					t.Errorf("due %d slot %v, want %s", i, p.Due[i].Slot, w)
				}
			}
			if p.Requeue != tc.wantAfter {
				t.Errorf("requeue %v, want %v", p.Requeue, tc.wantAfter)
			}
		})
	}
}

func TestRecordKeepsLimits(t *testing.T) {
	r := autoscalingv1alpha1.CronFederatedHPARule{Name: "a", TargetReplicas: ptr.To[int32](4), SuccessfulHistoryLimit: ptr.To[int32](2), FailedHistoryLimit: ptr.To[int32](0)}
	h := &autoscalingv1alpha1.ExecutionHistory{RuleName: "a"}
	for i, s := range []string{"2026-01-01T10:00:00Z", "2026-01-01T10:05:00Z", "2026-01-01T10:10:00Z"} {
		Record(h, r, at(s), at(s).Add(time.Second), "")
		if i == 0 && (h.SuccessfulExecutions[0].AppliedReplicas == nil || *h.SuccessfulExecutions[0].AppliedReplicas != 4) {
			t.Fatalf("applied replicas not recorded: %+v", h.SuccessfulExecutions[0])
		}
	}
	Record(h, r, at("2026-01-01T10:15:00Z"), at("2026-01-01T10:15:01Z"), "boom")
	if len(h.SuccessfulExecutions) != 2 || !h.SuccessfulExecutions[0].ScheduleTime.Time.Equal(at("2026-01-01T10:10:00Z")) {
		t.Errorf("successful = %+v, want the 2 newest, newest first", h.SuccessfulExecutions)
	}
	if len(h.FailedExecutions) != 0 {
		t.Errorf("failed = %+v, want none kept with limit 0", h.FailedExecutions)
	}
}
