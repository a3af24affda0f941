// Package deploymentreplicassyncer writes the members' replicas back into a Deployment
// template whose replicas the members own (label resourcetemplate.karmada.io/retain-
// replicas=true, set by hpaScaleTargetMarker when an HPA is propagated with it), as
// Karmada's deploymentReplicasSyncer does, so that `kubectl get deploy` in the control
// plane shows what really runs.
//
// Only replicas divided between clusters are written back: with Duplicated scheduling
// each member runs the template's spec.replicas on its own and a sum would mean nothing.
// The write waits until the sum is trustworthy: the binding carries the template's
// current replicas, the scheduler has seen them, every scheduled member has reported a
// positive count, and the template's status.replicas already is their sum.
package deploymentreplicassyncer

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// Divided tells whether p divides replicas between clusters. A placement without
// replicaScheduling duplicates; one with an empty type was defaulted to Divided.
func Divided(p *policyv1alpha1.Placement) bool {
	if p == nil || p.ReplicaScheduling == nil {
		return false
	}
	t := p.ReplicaScheduling.ReplicaSchedulingType
	return t == policyv1alpha1.ReplicaSchedulingTypeDivided || t == ""
}

// Decide returns the replicas to write into the template's spec and whether to write
// them; when not, why (for the log).
func Decide(d *appsv1.Deployment, rb *workv1alpha2.ResourceBinding) (replicas int32, write bool, why string) {
	switch {
	case d.Labels[workv1alpha2.RetainReplicasLabel] != workv1alpha2.RetainReplicasValue:
		return 0, false, "the members do not own the replicas"
	case rb == nil:
		return 0, false, "no binding"
	case !Divided(rb.Spec.Placement):
		return 0, false, "replicas are not divided between clusters"
	case d.Spec.Replicas != nil && *d.Spec.Replicas == d.Status.Replicas:
		return 0, false, "spec already equals status"
	case d.Spec.Replicas == nil || *d.Spec.Replicas != rb.Spec.Replicas:
		return 0, false, "the binding does not carry the template's replicas yet"
	case rb.Generation != rb.Status.SchedulerObservedGeneration:
		return 0, false, "the scheduler has not seen the binding yet"
	case len(rb.Status.AggregatedStatus) != len(rb.Spec.Clusters):
		return 0, false, "not every scheduled cluster has reported"
	}
	var sum int32
	for _, item := range rb.Status.AggregatedStatus {
		if item.Status == nil {
			return 0, false, fmt.Sprintf("no status from cluster %s yet", item.ClusterName)
		}
		var s appsv1.DeploymentStatus
		if err := json.Unmarshal(item.Status.Raw, &s); err != nil {
			return 0, false, fmt.Sprintf("status from cluster %s unreadable: %v", item.ClusterName, err)
		}
		// An autoscaled copy has at least minReplicas (≥ 1): zero means not reported yet.
		if s.Replicas <= 0 {
			return 0, false, fmt.Sprintf("no replicas reported by cluster %s yet", item.ClusterName)
		}
		sum += s.Replicas
	}
	if d.Status.Replicas != sum {
		return 0, false, "the template's status does not show the members' sum yet"
	}
	return d.Status.Replicas, true, ""
}
