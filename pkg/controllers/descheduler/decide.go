package descheduler

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// Observation is what the descheduler saw of a workload's pods in one member cluster.
type Observation struct {
	// Unschedulable counts pods the member's scheduler has reported Unschedulable for longer
	// than the threshold.
	Unschedulable int32
	// Ready counts Ready pods: replicas that run are never taken away.
	Ready int32
}

// Change is one cluster's replicas before and after descheduling.
type Change struct {
	Cluster       string
	From, To      int32
	Unschedulable int32
}

func (c Change) String() string {
	return fmt.Sprintf("%s %d→%d (%d unschedulable)", c.Cluster, c.From, c.To, c.Unschedulable)
}

// Describe lists changes for an Event or a log line.
func Describe(changes []Change) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// Decide lowers every target cluster's replicas by its unschedulable pods, never below the
// pods that are Ready there nor below 0, and returns the new spec.clusters (a copy; clusters
// lowered to 0 stay listed with 0 — the scheduler drops them once it has placed the
// difference) together with what changed. The scheduler sees spec.clusters sum to less than
// spec.replicas and scales up: it keeps every remaining assignment and divides only the
// missing replicas among the clusters with room (docs/design/scheduling.md, "Assign
// replicas": scale up).
func Decide(clusters []workv1alpha2.TargetCluster, seen map[string]Observation) ([]workv1alpha2.TargetCluster, []Change) {
	out := make([]workv1alpha2.TargetCluster, len(clusters))
	copy(out, clusters)
	var changes []Change
	for i := range out {
		o, ok := seen[out[i].Name]
		if !ok || o.Unschedulable <= 0 {
			continue
		}
		from := out[i].Replicas
		to := from - o.Unschedulable
		if floor := min(o.Ready, from); to < floor {
			to = floor
		}
		if to < 0 {
			to = 0
		}
		if to != from {
			out[i].Replicas = to
			changes = append(changes, Change{Cluster: out[i].Name, From: from, To: to, Unschedulable: o.Unschedulable})
		}
	}
	return out, changes
}

// Eligible tells whether the descheduler may touch a binding, and if not, why. Only replicas
// divided by capacity can move: with static weights or duplication the scheduler would put
// them straight back. Bindings the scheduler has not fully placed (Scheduled is not True, or
// it has not seen the current spec yet) are left alone: there is nowhere to move replicas to,
// or the scheduler is about to decide anyway.
func Eligible(b *workv1alpha2.ResourceBinding) (bool, string) {
	switch {
	case b.DeletionTimestamp != nil:
		return false, "being deleted"
	case b.Spec.Replicas <= 0 || len(b.Spec.Clusters) == 0:
		return false, "no replicas scheduled"
	case b.Spec.SchedulerName != "" && b.Spec.SchedulerName != policyv1alpha1.DefaultSchedulerName:
		return false, "scheduled by " + b.Spec.SchedulerName
	case !DynamicDivision(b.Spec.Placement):
		return false, "replicas are not divided by available capacity"
	case b.Status.SchedulerObservedGeneration != b.Generation:
		return false, "the scheduler has not seen the current spec yet"
	case !meta.IsStatusConditionTrue(b.Status.Conditions, workv1alpha2.Scheduled):
		return false, "not scheduled successfully"
	}
	return true, ""
}

// DynamicDivision tells whether a placement divides replicas by the clusters' free capacity:
// Divided with Aggregated, or Divided/Weighted with dynamicWeight.
func DynamicDivision(p *policyv1alpha1.Placement) bool {
	if p == nil || p.ReplicaScheduling == nil {
		return false
	}
	rs := p.ReplicaScheduling
	if rs.ReplicaSchedulingType != "" && rs.ReplicaSchedulingType != policyv1alpha1.ReplicaSchedulingTypeDivided {
		return false
	}
	switch rs.ReplicaDivisionPreference {
	case policyv1alpha1.ReplicaDivisionPreferenceAggregated:
		return true
	case policyv1alpha1.ReplicaDivisionPreferenceWeighted, "":
		return rs.WeightPreference != nil && rs.WeightPreference.DynamicWeight != ""
	}
	return false
}

// CountPods observes a workload's pods in one member at now: pods the member's scheduler has
// marked Unschedulable (PodScheduled=False, reason Unschedulable) for at least threshold, and
// Ready pods. Pods being deleted count as neither.
func CountPods(pods []*corev1.Pod, now time.Time, threshold time.Duration) Observation {
	var o Observation
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, c := range p.Status.Conditions {
			switch {
			case c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue:
				o.Ready++
			case c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable &&
				p.Spec.NodeName == "" && !c.LastTransitionTime.IsZero() && now.Sub(c.LastTransitionTime.Time) >= threshold:
				o.Unschedulable++
			}
		}
	}
	return o
}

// JobNameLabel is the label the Job controller puts on a Job's pods. A Job template's own
// spec.selector (if any) names the control plane's Job uid, which member pods never carry.
const JobNameLabel = "batch.kubernetes.io/job-name"

// PodSelector returns the selector of a workload template's pods: spec.selector (Deployments,
// StatefulSets, ReplicaSets and any kind shaped like them), or for Jobs the job-name label. A
// template without a selector, or whose selector selects everything, is refused: counting
// every pod in the namespace would move replicas of other workloads.
func PodSelector(obj *unstructured.Unstructured) (labels.Selector, error) {
	if obj.GetKind() == "Job" && strings.HasPrefix(obj.GetAPIVersion(), "batch/") {
		return labels.SelectorFromSet(labels.Set{JobNameLabel: obj.GetName()}), nil
	}
	raw, found, err := unstructured.NestedMap(obj.Object, "spec", "selector")
	if err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%s %s has no spec.selector", obj.GetKind(), obj.GetName())
	}
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	if sel.Empty() {
		return nil, fmt.Errorf("%s %s selects every pod", obj.GetKind(), obj.GetName())
	}
	return sel, nil
}
