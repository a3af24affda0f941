// Package federatedresourcequota runs Karmada's federated-resource-quota sync and
// status controllers in one: every FederatedResourceQuota becomes a ResourceQuota of the
// same name and namespace in every member cluster (through a Work per cluster, labelled
// with the quota's namespace and name), holding the cluster's static assignment (an
// empty one when the cluster is not assigned: no limit there); the members'
// ResourceQuota status comes back as status.aggregatedStatus, summed into
// status.overallUsed, with status.overall copied from spec.overall.
package federatedresourcequota

import (
	"encoding/json"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// HardFor is the hard limit of cluster: its static assignment, or nil (no limit).
func HardFor(spec *policyv1alpha1.FederatedResourceQuotaSpec, cluster string) corev1.ResourceList {
	for i := range spec.StaticAssignments {
		if spec.StaticAssignments[i].ClusterName == cluster {
			return spec.StaticAssignments[i].Hard
		}
	}
	return nil
}

// MemberStatus is one cluster's reflected ResourceQuota status (raw JSON from the Work).
type MemberStatus struct {
	Cluster string
	Raw     []byte
}

// Aggregate turns the members' ResourceQuota statuses into the per-cluster list (sorted
// by cluster, clusters without a status left out) and the sum of their usage.
// Undecodable statuses are skipped.
func Aggregate(members []MemberStatus) ([]policyv1alpha1.ClusterQuotaStatus, corev1.ResourceList) {
	var out []policyv1alpha1.ClusterQuotaStatus
	for _, m := range members {
		if len(m.Raw) == 0 {
			continue
		}
		var st corev1.ResourceQuotaStatus
		if err := json.Unmarshal(m.Raw, &st); err != nil {
			continue
		}
		out = append(out, policyv1alpha1.ClusterQuotaStatus{ClusterName: m.Cluster, ResourceQuotaStatus: st})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClusterName < out[j].ClusterName })
	used := corev1.ResourceList{}
	for _, c := range out {
		used = Add(used, c.Used)
	}
	if len(used) == 0 {
		used = nil
	}
	return out, used
}

// Add returns a + b per resource name (a and b are not changed).
func Add(a, b corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for n, q := range a {
		out[n] = q.DeepCopy()
	}
	for n, q := range b {
		sum, ok := out[n]
		if !ok {
			sum = resource.Quantity{Format: q.Format}
		}
		sum.Add(q)
		out[n] = sum
	}
	return out
}
