package hpascaletargetmarker

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func hpa(ns, apiVersion, kind, name string, propagated bool) *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "h-" + name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: apiVersion, Kind: kind, Name: name},
		},
	}
	if propagated {
		h.Labels = map[string]string{"propagationpolicy.karmada.io/permanent-id": "5e0d4e3c"}
	}
	return h
}

var web = Target{Namespace: "ns", Group: "apps", Kind: "Deployment", Name: "web"}

func TestWanted(t *testing.T) {
	deleting := hpa("ns", "apps/v1", "Deployment", "web", true)
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	byCPP := hpa("ns", "apps/v1", "Deployment", "web", false)
	byCPP.Labels = map[string]string{"clusterpropagationpolicy.karmada.io/permanent-id": "x"}
	for _, tc := range []struct {
		name string
		hpas []*autoscalingv2.HorizontalPodAutoscaler
		want bool
	}{
		{"propagated HPA on the target", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1", "Deployment", "web", true)}, true},
		{"another apps version names the same target", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1beta2", "Deployment", "web", true)}, true},
		{"HPA not claimed by a policy", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1", "Deployment", "web", false)}, false},
		{"HPA claimed by a ClusterPropagationPolicy", []*autoscalingv2.HorizontalPodAutoscaler{byCPP}, false},
		{"HPA on another Deployment", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1", "Deployment", "api", true)}, false},
		{"HPA on a StatefulSet of the same name", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1", "StatefulSet", "web", true)}, false},
		{"HPA in another namespace", []*autoscalingv2.HorizontalPodAutoscaler{hpa("other", "apps/v1", "Deployment", "web", true)}, false},
		{"HPA being deleted", []*autoscalingv2.HorizontalPodAutoscaler{deleting}, false},
		{"one of two HPAs still points at it", []*autoscalingv2.HorizontalPodAutoscaler{hpa("ns", "apps/v1", "Deployment", "api", true), hpa("ns", "apps/v1", "Deployment", "web", true)}, true},
		{"no HPA", nil, false},
	} {
		if got := Wanted(web, tc.hpas); got != tc.want {
			t.Errorf("%s: Wanted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLabelPatch(t *testing.T) {
	const key = "resourcetemplate.karmada.io/retain-replicas"
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   bool
		patch  string
	}{
		{"add to an unlabelled target", map[string]string{"app": "web"}, true, `{"metadata":{"labels":{"resourcetemplate.karmada.io/retain-replicas":"true"}}}`},
		{"add to a target without labels", nil, true, `{"metadata":{"labels":{"resourcetemplate.karmada.io/retain-replicas":"true"}}}`},
		{"already labelled", map[string]string{key: "true"}, true, ""},
		{"another value is corrected", map[string]string{key: "false"}, true, `{"metadata":{"labels":{"resourcetemplate.karmada.io/retain-replicas":"true"}}}`},
		{"remove", map[string]string{key: "true", "app": "web"}, false, `{"metadata":{"labels":{"resourcetemplate.karmada.io/retain-replicas":null}}}`},
		{"nothing to remove", map[string]string{"app": "web"}, false, ""},
	} {
		if got := string(LabelPatch(tc.labels, tc.want)); got != tc.patch {
			t.Errorf("%s: patch = %s, want %s", tc.name, got, tc.patch)
		}
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, k := range []key{{Target: web}, {Target: web, release: true}, {Target: Target{Namespace: "ns", Kind: "ReplicationController", Name: "rc"}}} {
		got, err := parseKey(k.String())
		if err != nil || got != k {
			t.Errorf("parseKey(%q) = %+v, %v; want %+v", k.String(), got, err, k)
		}
	}
	if _, err := parseKey("mark|ns|apps|Deployment"); err == nil {
		t.Error("a short key was accepted")
	}
}
