package descheduler

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func targets(kv ...interface{}) []workv1alpha2.TargetCluster {
	var out []workv1alpha2.TargetCluster
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, workv1alpha2.TargetCluster{Name: kv[i].(string), Replicas: int32(kv[i+1].(int))})
	}
	return out
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name        string
		clusters    []workv1alpha2.TargetCluster
		seen        map[string]Observation
		want        []workv1alpha2.TargetCluster
		wantChanges string
	}{
		{
			name:     "nothing unschedulable",
			clusters: targets("member1", 2, "member2", 1),
			seen:     map[string]Observation{"member1": {Ready: 2}, "member2": {Ready: 1}},
			want:     targets("member1", 2, "member2", 1),
		},
		{
			name:        "lowered by the unschedulable pods",
			clusters:    targets("member1", 3, "member2", 1),
			seen:        map[string]Observation{"member1": {Unschedulable: 2, Ready: 1}},
			want:        targets("member1", 1, "member2", 1),
			wantChanges: "member1 3→1 (2 unschedulable)",
		},
		{
			name:        "to zero, kept listed for the scheduler",
			clusters:    targets("member1", 1, "member2", 1),
			seen:        map[string]Observation{"member1": {Unschedulable: 1}, "member2": {Ready: 1}},
			want:        targets("member1", 0, "member2", 1),
			wantChanges: "member1 1→0 (1 unschedulable)",
		},
		{
			name:        "never below zero (more pending pods than assigned, e.g. during a rollout)",
			clusters:    targets("member1", 2),
			seen:        map[string]Observation{"member1": {Unschedulable: 5}},
			want:        targets("member1", 0),
			wantChanges: "member1 2→0 (5 unschedulable)",
		},
		{
			name:        "never below the Ready pods",
			clusters:    targets("member1", 3),
			seen:        map[string]Observation{"member1": {Unschedulable: 2, Ready: 2}},
			want:        targets("member1", 2),
			wantChanges: "member1 3→2 (2 unschedulable)",
		},
		{
			name:     "Ready pods covering the assignment: no change",
			clusters: targets("member1", 2),
			seen:     map[string]Observation{"member1": {Unschedulable: 1, Ready: 3}},
			want:     targets("member1", 2),
		},
		{
			name:        "several clusters",
			clusters:    targets("member1", 2, "member2", 2, "member3", 2),
			seen:        map[string]Observation{"member1": {Unschedulable: 1, Ready: 1}, "member2": {}, "member3": {Unschedulable: 2}},
			want:        targets("member1", 1, "member2", 2, "member3", 0),
			wantChanges: "member1 2→1 (1 unschedulable), member3 2→0 (2 unschedulable)",
		},
		{
			name:     "clusters not observed are kept",
			clusters: targets("member1", 2),
			seen:     map[string]Observation{},
			want:     targets("member1", 2),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]workv1alpha2.TargetCluster(nil), tc.clusters...)
			got, changes := Decide(tc.clusters, tc.seen)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("clusters %v, want %v", got, tc.want)
			}
			if d := Describe(changes); d != tc.wantChanges {
				t.Errorf("changes %q, want %q", d, tc.wantChanges)
			}
			if !reflect.DeepEqual(before, tc.clusters) {
				t.Error("input modified")
			}
		})
	}
}

func dynamicBinding() *workv1alpha2.ResourceBinding {
	return &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app-deployment", Generation: 3},
		Spec: workv1alpha2.ResourceBindingSpec{
			Replicas: 2,
			Clusters: targets("member1", 1, "member2", 1),
			Placement: &policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
				ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
				WeightPreference:          &policyv1alpha1.ClusterPreferences{DynamicWeight: policyv1alpha1.DynamicWeightByAvailableReplicas},
			}},
		},
		Status: workv1alpha2.ResourceBindingStatus{
			SchedulerObservedGeneration: 3,
			Conditions:                  []metav1.Condition{{Type: workv1alpha2.Scheduled, Status: metav1.ConditionTrue}},
		},
	}
}

func TestEligible(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(b *workv1alpha2.ResourceBinding)
		want   string // "" = eligible
	}{
		{"dynamic weight", func(*workv1alpha2.ResourceBinding) {}, ""},
		{"aggregated", func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Placement.ReplicaScheduling.ReplicaDivisionPreference = policyv1alpha1.ReplicaDivisionPreferenceAggregated
			b.Spec.Placement.ReplicaScheduling.WeightPreference = nil
		}, ""},
		{"divided by default type", func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Placement.ReplicaScheduling.ReplicaSchedulingType = ""
			b.Spec.Placement.ReplicaScheduling.ReplicaDivisionPreference = ""
		}, ""},
		{"static weights", func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Placement.ReplicaScheduling.WeightPreference = &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{{Weight: 1}}}
		}, "replicas are not divided by available capacity"},
		{"no weight preference", func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Placement.ReplicaScheduling.WeightPreference = nil
		}, "replicas are not divided by available capacity"},
		{"duplicated", func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Placement.ReplicaScheduling.ReplicaSchedulingType = policyv1alpha1.ReplicaSchedulingTypeDuplicated
		}, "replicas are not divided by available capacity"},
		{"no replica scheduling", func(b *workv1alpha2.ResourceBinding) { b.Spec.Placement.ReplicaScheduling = nil }, "replicas are not divided by available capacity"},
		{"no placement", func(b *workv1alpha2.ResourceBinding) { b.Spec.Placement = nil }, "replicas are not divided by available capacity"},
		{"no replicas", func(b *workv1alpha2.ResourceBinding) { b.Spec.Replicas = 0 }, "no replicas scheduled"},
		{"not scheduled yet", func(b *workv1alpha2.ResourceBinding) { b.Spec.Clusters = nil }, "no replicas scheduled"},
		{"other scheduler", func(b *workv1alpha2.ResourceBinding) { b.Spec.SchedulerName = "mine" }, "scheduled by mine"},
		{"scheduler behind", func(b *workv1alpha2.ResourceBinding) { b.Generation = 4 }, "the scheduler has not seen the current spec yet"},
		{"scheduling failed", func(b *workv1alpha2.ResourceBinding) { b.Status.Conditions[0].Status = metav1.ConditionFalse }, "not scheduled successfully"},
		{"deleting", func(b *workv1alpha2.ResourceBinding) { now := metav1.Now(); b.DeletionTimestamp = &now }, "being deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := dynamicBinding()
			tc.change(b)
			ok, why := Eligible(b)
			if ok != (tc.want == "") || why != tc.want {
				t.Errorf("Eligible = %v %q, want %q", ok, why, tc.want)
			}
		})
	}
}

func TestCountPods(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	unschedulableSince := func(name string, ago time.Duration) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				LastTransitionTime: metav1.NewTime(now.Add(-ago)),
			}}},
		}
	}
	ready := &corev1.Pod{
		Spec: corev1.PodSpec{NodeName: "n1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	notReady := ready.DeepCopy()
	notReady.Status.Conditions[1].Status = corev1.ConditionFalse
	deleting := unschedulableSince("deleting", time.Hour)
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	otherReason := unschedulableSince("other", time.Hour)
	otherReason.Status.Conditions[0].Reason = "SchedulerError"
	failed := unschedulableSince("failed", time.Hour)
	failed.Status.Phase = corev1.PodFailed
	pendingBound := unschedulableSince("bound", time.Hour)
	pendingBound.Spec.NodeName = "n1"

	got := CountPods([]*corev1.Pod{
		unschedulableSince("old", 10*time.Minute),
		unschedulableSince("exactly", 5*time.Minute),
		unschedulableSince("young", time.Minute),
		ready, notReady, deleting, otherReason, failed, pendingBound,
	}, now, 5*time.Minute)
	if want := (Observation{Unschedulable: 2, Ready: 1}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestPodSelector(t *testing.T) {
	obj := func(apiVersion, kind string, selector interface{}) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": apiVersion, "kind": kind,
			"metadata": map[string]interface{}{"name": "app", "namespace": "default"}, "spec": map[string]interface{}{}}}
		if selector != nil {
			u.Object["spec"].(map[string]interface{})["selector"] = selector
		}
		return u
	}
	for _, tc := range []struct {
		name    string
		obj     *unstructured.Unstructured
		matches labels.Set
		misses  labels.Set
		err     string
	}{
		{"deployment matchLabels", obj("apps/v1", "Deployment", map[string]interface{}{"matchLabels": map[string]interface{}{"app": "app"}}),
			labels.Set{"app": "app", "pod-template-hash": "x"}, labels.Set{"app": "other"}, ""},
		{"statefulset matchExpressions", obj("apps/v1", "StatefulSet", map[string]interface{}{"matchExpressions": []interface{}{
			map[string]interface{}{"key": "tier", "operator": "In", "values": []interface{}{"web"}}}}),
			labels.Set{"tier": "web"}, labels.Set{"tier": "db"}, ""},
		{"job by job-name", obj("batch/v1", "Job", map[string]interface{}{"matchLabels": map[string]interface{}{"batch.kubernetes.io/controller-uid": "cp-uid"}}),
			labels.Set{JobNameLabel: "app", "batch.kubernetes.io/controller-uid": "member-uid"}, labels.Set{JobNameLabel: "other"}, ""},
		{"no selector", obj("apps/v1", "Deployment", nil), nil, nil, "has no spec.selector"},
		{"selects everything", obj("apps/v1", "Deployment", map[string]interface{}{}), nil, nil, "selects every pod"},
		{"bad selector", obj("apps/v1", "Deployment", map[string]interface{}{"matchExpressions": []interface{}{
			map[string]interface{}{"key": "tier", "operator": "Bogus"}}}), nil, nil, "spec.selector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := PodSelector(tc.obj)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sel.Matches(tc.matches) || sel.Matches(tc.misses) {
				t.Errorf("selector %s: matches %v=%v, %v=%v", sel, tc.matches, sel.Matches(tc.matches), tc.misses, sel.Matches(tc.misses))
			}
		})
	}
}
