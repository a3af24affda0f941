package replicas

import (
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// DefaultDownscaleStabilization is kube's --horizontal-pod-autoscaler-downscale-stabilization.
const DefaultDownscaleStabilization = 5 * time.Minute

// Recommendation is an earlier desired count, kept for the stabilization windows.
type Recommendation struct {
	At       time.Time
	Replicas int32
}

// Event is an earlier change of the replica count, kept for the scaling policies.
type Event struct {
	At    time.Time
	Delta int32 // positive when scaled up
}

// Limit is the outcome of normalization and the ScalingLimited condition it implies.
type Limit struct {
	Replicas int32
	// Limited is ScalingLimited's status; Reason and Message are kube's.
	Limited bool
	Reason  string
	Message string
	// Stabilized (AbleToScale reason ScaleUpStabilized/ScaleDownStabilized, or
	// ReadyForNewScale) says whether the windows held the recommendation back.
	AbleReason, AbleMessage string
}

// Normalize bounds desired by the stabilization windows over history (recommendations
// of the last windows, desired included by the caller afterwards), the scaling
// policies over events, and min/max, as kube's HPA with behavior does. A nil behavior
// takes kube's defaults for every rule.
func Normalize(now time.Time, current, desired, min, max int32, b *autoscalingv2.HorizontalPodAutoscalerBehavior, history []Recommendation, events []Event) Limit {
	up, down := rules(b)
	upWindow := time.Duration(*up.StabilizationWindowSeconds) * time.Second
	downWindow := DefaultDownscaleStabilization
	if down.StabilizationWindowSeconds != nil {
		downWindow = time.Duration(*down.StabilizationWindowSeconds) * time.Second
	}
	upRec, downRec := desired, desired
	for _, r := range history {
		if r.At.After(now.Add(-upWindow)) && r.Replicas < upRec {
			upRec = r.Replicas
		}
		if r.At.After(now.Add(-downWindow)) && r.Replicas > downRec {
			downRec = r.Replicas
		}
	}
	rec := current
	if rec < upRec {
		rec = upRec
	}
	if rec > downRec {
		rec = downRec
	}
	l := Limit{AbleReason: "ReadyForNewScale", AbleMessage: "recommended size matches current size"}
	if rec != desired {
		if desired > rec {
			l.AbleReason, l.AbleMessage = "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
		} else {
			l.AbleReason, l.AbleMessage = "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
		}
	}

	l.Replicas, l.Reason, l.Message = rec, "DesiredWithinRange", "the desired count is within the acceptable range"
	switch {
	case rec > current:
		limit := scaleUpLimit(now, current, events, up)
		if limit < current {
			limit = current
		}
		allowed, reason, msg := max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if limit < max {
			allowed, reason, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if rec > allowed {
			l.Replicas, l.Limited, l.Reason, l.Message = allowed, true, reason, msg
		}
	case rec < current:
		limit := scaleDownLimit(now, current, events, down)
		if limit > current {
			limit = current
		}
		allowed, reason, msg := min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if limit > min {
			allowed, reason, msg = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if rec < allowed {
			l.Replicas, l.Limited, l.Reason, l.Message = allowed, true, reason, msg
		}
	default:
		// Even unchanged, the count must lie within min and max.
		if rec > max {
			l.Replicas, l.Limited, l.Reason, l.Message = max, true, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		} else if rec < min {
			l.Replicas, l.Limited, l.Reason, l.Message = min, true, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		}
	}
	return l
}

func rules(b *autoscalingv2.HorizontalPodAutoscalerBehavior) (up, down *autoscalingv2.HPAScalingRules) {
	var u, d *autoscalingv2.HPAScalingRules
	if b != nil {
		u, d = b.ScaleUp, b.ScaleDown
	}
	return fill(u, true), fill(d, false)
}

// fill completes rules with kube's defaults (scale up: no window, the larger of 4
// pods or 100% per 15 s; scale down: 100% per 15 s).
func fill(r *autoscalingv2.HPAScalingRules, up bool) *autoscalingv2.HPAScalingRules {
	out := &autoscalingv2.HPAScalingRules{}
	if r != nil {
		out = r.DeepCopy()
	}
	maxPolicy := autoscalingv2.MaxChangePolicySelect
	if out.SelectPolicy == nil {
		out.SelectPolicy = &maxPolicy
	}
	if up && out.StabilizationWindowSeconds == nil {
		zero := int32(0)
		out.StabilizationWindowSeconds = &zero
	}
	if out.Policies == nil {
		if up {
			out.Policies = []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}, {Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}
		} else {
			out.Policies = []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}
		}
	}
	return out
}

// changes sums the scale-ups and scale-downs within the last period seconds.
func changes(now time.Time, period int32, events []Event) (added, deleted int32) {
	cutoff := now.Add(-time.Duration(period) * time.Second)
	for _, e := range events {
		if e.At.After(cutoff) {
			if e.Delta > 0 {
				added += e.Delta
			} else {
				deleted -= e.Delta
			}
		}
	}
	return
}

func scaleUpLimit(now time.Time, current int32, events []Event, r *autoscalingv2.HPAScalingRules) int32 {
	if *r.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return current
	}
	result := int32(math.MinInt32)
	if *r.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		result = math.MaxInt32
	}
	for _, p := range r.Policies {
		added, deleted := changes(now, p.PeriodSeconds, events)
		start := current - added + deleted
		var proposed int32
		if p.Type == autoscalingv2.PodsScalingPolicy {
			proposed = start + p.Value
		} else {
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		if *r.SelectPolicy == autoscalingv2.MinChangePolicySelect {
			result = minInt(result, proposed)
		} else {
			result = maxInt(result, proposed)
		}
	}
	return result
}

func scaleDownLimit(now time.Time, current int32, events []Event, r *autoscalingv2.HPAScalingRules) int32 {
	if *r.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return current
	}
	result := int32(math.MaxInt32)
	if *r.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		result = math.MinInt32
	}
	for _, p := range r.Policies {
		added, deleted := changes(now, p.PeriodSeconds, events)
		start := current - added + deleted
		var proposed int32
		if p.Type == autoscalingv2.PodsScalingPolicy {
			proposed = start - p.Value
		} else {
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		if *r.SelectPolicy == autoscalingv2.MinChangePolicySelect {
			result = maxInt(result, proposed)
		} else {
			result = minInt(result, proposed)
		}
	}
	return result
}

func minInt(a, b int32) int32 {
	if a < b {
		return a
	}
	return b
}

func maxInt(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
