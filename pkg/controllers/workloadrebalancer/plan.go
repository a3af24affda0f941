// Package workloadrebalancer runs Karmada's workload-rebalancer controller: each
// workload a WorkloadRebalancer lists gets one fresh scheduling, requested by setting
// its binding's spec.rescheduleTriggeredAt to the rebalancer's creation time (the
// scheduler then divides the replicas as if none were placed). The per-workload result
// goes to status.observedWorkloads; once every workload has one, status.finishTime is
// set and, with spec.ttlSecondsAfterFinished, the rebalancer is deleted that much later.
//
// Because the trigger time is the creation time, running the controller again (after a
// restart, or on a resync) never asks for a second rescheduling: a binding already
// triggered at or after that time is left alone.
package workloadrebalancer

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
)

// Observed merges the spec's workloads into the previous status, as Karmada does: a
// workload still listed keeps its result; one no longer listed is kept only when it
// succeeded; a new one starts without result. The list is sorted by apiVersion, kind,
// namespace and name.
func Observed(r *appsv1alpha1.WorkloadRebalancer) []appsv1alpha1.ObservedWorkload {
	want := map[appsv1alpha1.ObjectReference]bool{}
	for _, w := range r.Spec.Workloads {
		want[w] = true
	}
	out := []appsv1alpha1.ObservedWorkload{}
	for _, o := range r.Status.ObservedWorkloads {
		switch {
		case want[o.Workload]:
			out = append(out, o)
			delete(want, o.Workload)
		case o.Result == appsv1alpha1.RebalanceSuccessful:
			out = append(out, o)
		}
	}
	for w := range want {
		out = append(out, appsv1alpha1.ObservedWorkload{Workload: w})
	}
	sort.Slice(out, func(i, j int) bool { return sortKey(out[i].Workload) < sortKey(out[j].Workload) })
	return out
}

func sortKey(w appsv1alpha1.ObjectReference) string {
	return w.APIVersion + " " + w.Kind + " " + w.Namespace + " " + w.Name
}

// NeedsTrigger reports whether a binding last triggered at triggeredAt still has to be
// triggered for a rebalancer created at created.
func NeedsTrigger(created metav1.Time, triggeredAt *metav1.Time) bool {
	return triggeredAt == nil || created.After(triggeredAt.Time)
}

// TimeLeft is how long a finished rebalancer is kept still; ok is false when it is kept
// for good (no TTL, or not finished).
func TimeLeft(r *appsv1alpha1.WorkloadRebalancer, now time.Time) (left time.Duration, ok bool) {
	if r.Spec.TTLSecondsAfterFinished == nil || r.Status.FinishTime == nil {
		return 0, false
	}
	left = r.Status.FinishTime.Add(time.Duration(*r.Spec.TTLSecondsAfterFinished) * time.Second).Sub(now)
	if left < 0 {
		left = 0
	}
	return left, true
}
