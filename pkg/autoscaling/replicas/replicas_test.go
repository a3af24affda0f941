package replicas

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/utils/ptr"
)

func ready(usage, request int64) Pod {
	return Pod{Ready: true, HasMetric: true, Usage: usage, Request: request}
}

func TestForUtilization(t *testing.T) {
	cases := []struct {
		name      string
		current   int32
		pods      []Pod
		target    int32
		want      int32
		wantUtil  int32
		wantValid bool
	}{
		{"double the target: double the pods", 2, []Pod{ready(200, 100), ready(200, 100)}, 100, 4, 200, true},
		{"pods in two members summed", 3, []Pod{ready(90, 100), ready(90, 100), ready(90, 100)}, 50, 6, 90, true},
		{"within tolerance: unchanged", 4, []Pod{ready(105, 100), ready(105, 100), ready(105, 100), ready(105, 100)}, 100, 4, 105, true},
		{"low usage: scale down", 4, []Pod{ready(20, 100), ready(20, 100), ready(20, 100), ready(20, 100)}, 80, 1, 20, true},
		{"missing pod counts as 100% when scaling down", 3, []Pod{ready(10, 100), ready(10, 100), {Ready: true, Request: 100}}, 50, 3, 10, true},
		{"missing pod counts as 0 when scaling up", 3, []Pod{ready(150, 100), ready(150, 100), {Ready: true, Request: 100}}, 50, 6, 150, true},
		{"unready pod counts as 0 when scaling up", 2, []Pod{ready(200, 100), {HasMetric: true, Usage: 500, Request: 100}}, 100, 2, 200, true},
		{"no metrics at all", 2, []Pod{{Ready: true, Request: 100}}, 50, 0, 0, false},
		{"no request", 2, []Pod{ready(100, 0)}, 50, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ForUtilization(tc.current, tc.pods, tc.target)
			if ok != tc.wantValid {
				t.Fatalf("ok = %v, want %v", ok, tc.wantValid)
			}
			if ok && (got.Replicas != tc.want || got.Utilization != tc.wantUtil) {
				t.Errorf("got %+v, want replicas %d utilization %d", got, tc.want, tc.wantUtil)
			}
		})
	}
}

func TestForAverageValue(t *testing.T) {
	got, ok := ForAverageValue(2, []Pod{ready(300, 0), ready(300, 0)}, 100)
	if !ok || got.Replicas != 6 || got.AverageValue != 300 {
		t.Errorf("got %+v %v, want 6 replicas at 300m", got, ok)
	}
	got, _ = ForAverageValue(4, []Pod{ready(50, 0), ready(50, 0), {Ready: true}, {Ready: true}}, 100)
	if got.Replicas != 3 { // the missing two count as 100m each: 300/100 = 3
		t.Errorf("with missing pods got %+v, want 3", got)
	}
}

func TestNormalize(t *testing.T) {
	now := time.Unix(10000, 0)
	ago := func(s int) time.Time { return now.Add(-time.Duration(s) * time.Second) }
	fast := &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](0)}}
	disabled := &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv2.DisabledPolicySelect)}}
	cases := []struct {
		name                       string
		current, desired, min, max int32
		b                          *autoscalingv2.HorizontalPodAutoscalerBehavior
		history                    []Recommendation
		events                     []Event
		want                       int32
		reason, able               string
	}{
		{"within range", 2, 4, 1, 10, nil, nil, nil, 4, "DesiredWithinRange", "ReadyForNewScale"},
		{"capped by max", 2, 20, 1, 6, nil, nil, nil, 6, "TooManyReplicas", "ReadyForNewScale"},
		{"scale-up rate: max(4 pods, 100%) per 15s", 3, 20, 1, 50, nil, nil, nil, 7, "ScaleUpLimit", "ReadyForNewScale"},
		{"scale-up rate counts recent scale-ups", 7, 20, 1, 50, nil, nil, []Event{{At: ago(5), Delta: 4}}, 7, "ScaleUpLimit", "ReadyForNewScale"},
		{"scale-up disabled", 3, 5, 1, 10, disabled, nil, nil, 3, "ScaleUpLimit", "ReadyForNewScale"},
		{"default 5 min downscale window keeps the high recommendation", 6, 2, 1, 10, nil, []Recommendation{{At: ago(60), Replicas: 5}}, nil, 5, "DesiredWithinRange", "ScaleDownStabilized"},
		{"old recommendation outside the window", 6, 2, 1, 10, nil, []Recommendation{{At: ago(400), Replicas: 5}}, nil, 2, "DesiredWithinRange", "ReadyForNewScale"},
		{"no window: straight to min", 6, 0, 2, 10, fast, nil, nil, 2, "TooFewReplicas", "ReadyForNewScale"},
		{"below min while steady", 1, 1, 2, 10, nil, nil, nil, 2, "TooFewReplicas", "ReadyForNewScale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := Normalize(now, tc.current, tc.desired, tc.min, tc.max, tc.b, tc.history, tc.events)
			if l.Replicas != tc.want || l.Reason != tc.reason || l.AbleReason != tc.able {
				t.Errorf("got %+v, want %d %s %s", l, tc.want, tc.reason, tc.able)
			}
			if l.Limited != (tc.reason != "DesiredWithinRange") {
				t.Errorf("limited = %v for reason %s", l.Limited, l.Reason)
			}
		})
	}
}
