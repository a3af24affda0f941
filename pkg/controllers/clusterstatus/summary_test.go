package clusterstatus

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
)

func node(name, cpu, mem string, ready bool) *corev1.Node {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}},
		},
	}
}

func pod(nodeName, cpu, mem string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
		}}}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func rng(name clusterv1alpha1.ResourceName, min, max string) clusterv1alpha1.ResourceModelRange {
	return clusterv1alpha1.ResourceModelRange{Name: name, Min: resource.MustParse(min), Max: resource.MustParse(max)}
}

// The guide's three-grade model: [0,1)C [0,4Gi) · [1,2)C [4Gi,16Gi) · [2,∞)C [16Gi,∞).
var guideModels = []clusterv1alpha1.ResourceModel{
	{Grade: 0, Ranges: []clusterv1alpha1.ResourceModelRange{rng("cpu", "0", "1"), rng("memory", "0", "4Gi")}},
	{Grade: 1, Ranges: []clusterv1alpha1.ResourceModelRange{rng("cpu", "1", "2"), rng("memory", "4Gi", "16Gi")}},
	{Grade: 2, Ranges: []clusterv1alpha1.ResourceModelRange{rng("cpu", "2", "9223372036854775807"), rng("memory", "16Gi", "9223372036854775807")}},
}

func TestResourceSummaryAndGuideModelGrades(t *testing.T) {
	nodes := []*corev1.Node{
		node("small", "1", "4Gi", true),   // 0.5C/2Gi free after its pod ⇒ grade 0
		node("medium", "2", "12Gi", true), // 1.5C/10Gi free ⇒ grade 1
		node("big", "8", "64Gi", false),   // all free ⇒ grade 2 (grading ignores readiness)
	}
	pods := []*corev1.Pod{
		pod("small", "500m", "2Gi", corev1.PodRunning),
		pod("medium", "500m", "2Gi", corev1.PodRunning),
		pod("medium", "4", "4Gi", corev1.PodSucceeded), // finished: frees its requests
		pod("", "250m", "1Gi", corev1.PodPending),      // not scheduled: allocating
	}
	s := resourceSummary(nodes, pods, guideModels)
	check := func(what string, l corev1.ResourceList, r corev1.ResourceName, want string) {
		t.Helper()
		got := l[r]
		if got.Cmp(resource.MustParse(want)) != 0 {
			t.Errorf("%s[%s] = %s, want %s", what, r, got.String(), want)
		}
	}
	check("allocatable", s.Allocatable, corev1.ResourceCPU, "11")
	check("allocatable", s.Allocatable, corev1.ResourceMemory, "80Gi")
	check("allocated", s.Allocated, corev1.ResourceCPU, "1")
	check("allocated", s.Allocated, corev1.ResourceMemory, "4Gi")
	check("allocated", s.Allocated, corev1.ResourcePods, "2")
	check("allocating", s.Allocating, corev1.ResourceCPU, "250m")
	check("allocating", s.Allocating, corev1.ResourcePods, "1")
	want := []clusterv1alpha1.AllocatableModeling{{Grade: 0, Count: 1}, {Grade: 1, Count: 1}, {Grade: 2, Count: 1}}
	for i := range want {
		if s.AllocatableModelings[i] != want[i] {
			t.Fatalf("allocatableModelings = %+v, want %+v", s.AllocatableModelings, want)
		}
	}
	if ns := nodeSummary(nodes); ns.TotalNum != 3 || ns.ReadyNum != 2 {
		t.Errorf("nodeSummary = %+v", ns)
	}
}

func TestGradeNeedsEveryResource(t *testing.T) {
	// 3 CPUs but only 2Gi free: cpu alone would be grade 2, memory keeps it at 0.
	free := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3"), corev1.ResourceMemory: resource.MustParse("2Gi")}
	if got := gradeIndex(free, guideModels); got != 0 {
		t.Fatalf("grade index = %d, want 0", got)
	}
}

func TestAPIEnablementsSkipSubresourcesAndSort(t *testing.T) {
	got := apiEnablements([]*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Kind: "Pod"}, {Name: "pods/log", Kind: "Pod"}, {Name: "configmaps", Kind: "ConfigMap"}}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "deployments", Kind: "Deployment"}}},
	})
	if len(got) != 2 || got[0].GroupVersion != "apps/v1" || got[1].GroupVersion != "v1" {
		t.Fatalf("order: %+v", got)
	}
	if len(got[1].Resources) != 2 || got[1].Resources[0].Name != "configmaps" || got[1].Resources[1].Name != "pods" {
		t.Fatalf("resources: %+v", got[1].Resources)
	}
}

func TestThresholds(t *testing.T) {
	now := time.Unix(1000, 0)
	ctrl := &Controller{c: &controllers.Context{Options: controllers.Options{ClusterSuccessThreshold: 30 * time.Second, ClusterFailureThreshold: 30 * time.Second}},
		health: map[string]*observation{}, now: func() time.Time { return now }}
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "m1"}}

	// First observation is published at once.
	if obs, _ := ctrl.publishedHealth(c, healthy, "ok"); obs.status != healthy {
		t.Fatalf("first observation not published: %v", obs.status)
	}
	c.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: ReasonClusterReady}}

	// A failure is held back until it has lasted the failure threshold.
	obs, after := ctrl.publishedHealth(c, unreachable, "down")
	if obs.status != healthy || after != 30*time.Second {
		t.Fatalf("failure published too early: %v, requeue %s", obs.status, after)
	}
	now = now.Add(20 * time.Second)
	if obs, after := ctrl.publishedHealth(c, unreachable, "down"); obs.status != healthy || after != 10*time.Second {
		t.Fatalf("at 20s: %v, requeue %s", obs.status, after)
	}
	// A blip back to healthy resets the clock.
	if obs, _ := ctrl.publishedHealth(c, healthy, "ok"); obs.status != healthy {
		t.Fatal("healthy again")
	}
	now = now.Add(time.Second)
	if obs, _ := ctrl.publishedHealth(c, unreachable, "down"); obs.status != healthy {
		t.Fatal("clock was not reset by the healthy observation")
	}
	now = now.Add(30 * time.Second)
	if obs, after := ctrl.publishedHealth(c, unreachable, "down"); obs.status != unreachable || after != 0 {
		t.Fatalf("after the threshold: %v, requeue %s", obs.status, after)
	}
}
