package validation

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
)

func TestValidateFederatedHPA(t *testing.T) {
	base := func() *autoscalingv1alpha1.FederatedHPA {
		f := &autoscalingv1alpha1.FederatedHPA{ObjectMeta: metav1.ObjectMeta{Name: "f", Namespace: "default"},
			Spec: autoscalingv1alpha1.FederatedHPASpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}, MaxReplicas: 5}}
		autoscalingv1alpha1.SetDefaultsFederatedHPA(f)
		return f
	}
	cases := []struct {
		name string
		mut  func(*autoscalingv1alpha1.FederatedHPA)
		want string // field path in the first error; "" for valid
	}{
		{"valid", func(*autoscalingv1alpha1.FederatedHPA) {}, ""},
		{"min 0 refused (no scale to zero)", func(f *autoscalingv1alpha1.FederatedHPA) { f.Spec.MinReplicas = ptr.To[int32](0) }, "spec.minReplicas"},
		{"max below min", func(f *autoscalingv1alpha1.FederatedHPA) { f.Spec.MinReplicas = ptr.To[int32](6) }, "spec.maxReplicas"},
		{"max unset", func(f *autoscalingv1alpha1.FederatedHPA) { f.Spec.MaxReplicas = 0 }, "spec.maxReplicas"},
		{"target without name", func(f *autoscalingv1alpha1.FederatedHPA) { f.Spec.ScaleTargetRef.Name = "" }, "spec.scaleTargetRef.name"},
		{"utilization of 0", func(f *autoscalingv1alpha1.FederatedHPA) {
			f.Spec.Metrics[0].Resource.Target.AverageUtilization = ptr.To[int32](0)
		},
			"spec.metrics[0].resource.target.averageUtilization"},
		{"bad select policy", func(f *autoscalingv1alpha1.FederatedHPA) {
			f.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv2.ScalingPolicySelect("Most"))}}
		}, "spec.behavior.scaleUp.selectPolicy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			tc.mut(f)
			errs := ValidateFederatedHPA(f)
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Field != tc.want {
				t.Fatalf("errors %v, want one on %s", errs, tc.want)
			}
		})
	}
}

func TestDefaultsFederatedHPA(t *testing.T) {
	f := &autoscalingv1alpha1.FederatedHPA{Spec: autoscalingv1alpha1.FederatedHPASpec{MaxReplicas: 3,
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](10)}}}}
	autoscalingv1alpha1.SetDefaultsFederatedHPA(f)
	if *f.Spec.MinReplicas != 1 || len(f.Spec.Metrics) != 1 || *f.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("defaults: %+v", f.Spec)
	}
	b := f.Spec.Behavior
	if *b.ScaleDown.StabilizationWindowSeconds != 10 || *b.ScaleUp.StabilizationWindowSeconds != 0 || len(b.ScaleUp.Policies) != 2 || *b.ScaleDown.SelectPolicy != autoscalingv2.MaxChangePolicySelect {
		t.Errorf("behavior defaults: %+v %+v", b.ScaleUp, b.ScaleDown)
	}
}

func TestValidateCronFederatedHPA(t *testing.T) {
	base := func() *autoscalingv1alpha1.CronFederatedHPA {
		return &autoscalingv1alpha1.CronFederatedHPA{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"},
			Spec: autoscalingv1alpha1.CronFederatedHPASpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"},
				Rules:          []autoscalingv1alpha1.CronFederatedHPARule{{Name: "up", Schedule: "*/1 * * * *", TargetReplicas: ptr.To[int32](3)}}}}
	}
	fhpaRef := autoscalingv2.CrossVersionObjectReference{APIVersion: "autoscaling.karmada.io/v1alpha1", Kind: "FederatedHPA", Name: "f"}
	cases := []struct {
		name, field, msg string
		mut              func(*autoscalingv1alpha1.CronFederatedHPA)
	}{
		{"valid", "", "", func(*autoscalingv1alpha1.CronFederatedHPA) {}},
		{"bad schedule", "spec.rules[0].schedule", "invalid cron format", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.Rules[0].Schedule = "every minute" }},
		{"seconds field refused", "spec.rules[0].schedule", "invalid cron format", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.Rules[0].Schedule = "*/5 * * * * *" }},
		{"bad time zone", "spec.rules[0].timeZone", "unknown time zone", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.Rules[0].TimeZone = ptr.To("Mars/Olympus") }},
		{"duplicate rule", "spec.rules[1].name", "Duplicate", func(c *autoscalingv1alpha1.CronFederatedHPA) {
			c.Spec.Rules = append(c.Spec.Rules, c.Spec.Rules[0])
		}},
		{"workload without targetReplicas", "spec.rules[0]", "targetReplicas cannot be nil if you want to scale Deployment", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.Rules[0].TargetReplicas = nil }},
		{"FederatedHPA without min or max", "spec.rules[0]", "targetMinReplicas and targetMaxReplicas cannot be nil", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.ScaleTargetRef = fhpaRef }},
		{"FederatedHPA with max", "", "", func(c *autoscalingv1alpha1.CronFederatedHPA) {
			c.Spec.ScaleTargetRef = fhpaRef
			c.Spec.Rules[0].TargetMaxReplicas = ptr.To[int32](9)
		}},
		{"other kind of the group", "spec.scaleTargetRef.kind", "only support FederatedHPA", func(c *autoscalingv1alpha1.CronFederatedHPA) {
			c.Spec.ScaleTargetRef.APIVersion, c.Spec.ScaleTargetRef.Kind = "autoscaling.karmada.io/v1alpha1", "CronFederatedHPA"
		}},
		{"history limit", "spec.rules[0].successfulHistoryLimit", "between 1 and 32", func(c *autoscalingv1alpha1.CronFederatedHPA) {
			c.Spec.Rules[0].SuccessfulHistoryLimit = ptr.To[int32](0)
		}},
		{"long name", "spec.rules[0].name", "32", func(c *autoscalingv1alpha1.CronFederatedHPA) { c.Spec.Rules[0].Name = strings.Repeat("x", 33) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mut(c)
			errs := ValidateCronFederatedHPA(c)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Field != tc.field || !strings.Contains(errs.ToAggregate().Error(), tc.msg) {
				t.Fatalf("errors %v, want one on %s saying %q", errs, tc.field, tc.msg)
			}
		})
	}
}
