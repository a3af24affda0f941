package workloadrebalancer

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
)

func ref(name string) appsv1alpha1.ObjectReference {
	return appsv1alpha1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: name}
}

func TestObserved(t *testing.T) {
	ok := appsv1alpha1.RebalanceSuccessful
	failed := appsv1alpha1.RebalanceFailed
	cases := []struct {
		name string
		spec []appsv1alpha1.ObjectReference
		prev []appsv1alpha1.ObservedWorkload
		want []appsv1alpha1.ObservedWorkload
	}{
		{"new workloads start pending, sorted", []appsv1alpha1.ObjectReference{ref("b"), ref("a")}, nil,
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a")}, {Workload: ref("b")}}},
		{"still listed keeps its result", []appsv1alpha1.ObjectReference{ref("a")},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a"), Result: failed, Reason: appsv1alpha1.RebalanceObjectNotFound}},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a"), Result: failed, Reason: appsv1alpha1.RebalanceObjectNotFound}}},
		{"removed and successful is kept", []appsv1alpha1.ObjectReference{ref("b")},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a"), Result: ok}},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a"), Result: ok}, {Workload: ref("b")}}},
		{"removed and failed is dropped", []appsv1alpha1.ObjectReference{ref("b")},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a"), Result: failed}},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("b")}}},
		{"removed and pending is dropped", []appsv1alpha1.ObjectReference{ref("b")},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("a")}, {Workload: ref("b"), Result: ok}},
			[]appsv1alpha1.ObservedWorkload{{Workload: ref("b"), Result: ok}}},
	}
	for _, c := range cases {
		r := &appsv1alpha1.WorkloadRebalancer{Spec: appsv1alpha1.WorkloadRebalancerSpec{Workloads: c.spec}, Status: appsv1alpha1.WorkloadRebalancerStatus{ObservedWorkloads: c.prev}}
		if got := Observed(r); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestNeedsTrigger(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	before := metav1.NewTime(t0.Add(-time.Second))
	after := metav1.NewTime(t0.Add(time.Second))
	cases := []struct {
		name string
		at   *metav1.Time
		want bool
	}{
		{"never triggered", nil, true},
		{"triggered before the rebalancer", &before, true},
		{"already triggered by this rebalancer (restart)", &t0, false},
		{"triggered by a newer rebalancer", &after, false},
	}
	for _, c := range cases {
		if got := NeedsTrigger(t0, c.at); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTimeLeft(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	fin := metav1.NewTime(now.Add(-4 * time.Second))
	ttl := func(s int32) *int32 { return &s }
	cases := []struct {
		name   string
		ttl    *int32
		finish *metav1.Time
		left   time.Duration
		ok     bool
	}{
		{"no ttl: kept", nil, &fin, 0, false},
		{"not finished: kept", ttl(5), nil, 0, false},
		{"ttl running", ttl(10), &fin, 6 * time.Second, true},
		{"ttl over", ttl(3), &fin, 0, true},
		{"ttl zero", ttl(0), &fin, 0, true},
	}
	for _, c := range cases {
		r := &appsv1alpha1.WorkloadRebalancer{Spec: appsv1alpha1.WorkloadRebalancerSpec{TTLSecondsAfterFinished: c.ttl}, Status: appsv1alpha1.WorkloadRebalancerStatus{FinishTime: c.finish}}
		left, ok := TimeLeft(r, now)
		if left != c.left || ok != c.ok {
			t.Errorf("%s: got %v,%v want %v,%v", c.name, left, ok, c.left, c.ok)
		}
	}
}
