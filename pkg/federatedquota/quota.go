// Package federatedquota is the arithmetic of Karmada's FederatedResourceQuota
// enforcement (the FederatedQuotaEnforcement gate): what a ResourceBinding uses, how
// much an update changes that, whether the change fits a quota's spec.overall, and the
// namespace's overall usage. It has no I/O; the admission plugin and the accounting
// controller both call it, so they always count the same way.
//
// The counting is Karmada's: a binding uses spec.replicaRequirements.resourceRequest
// times the replicas it has been given (the sum of spec.clusters[*].replicas); a binding
// that is not scheduled, or has no requests, uses nothing. Resource names are compared
// as they are written: a quota on "requests.cpu" does not count a binding's "cpu"
// request, and a quota counts only the resources listed in its spec.overall.
package federatedquota

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// ScheduledReplicas is the sum of the replicas in spec.clusters.
func ScheduledReplicas(spec *workv1alpha2.ResourceBindingSpec) int64 {
	var n int64
	for _, c := range spec.Clusters {
		n += int64(c.Replicas)
	}
	return n
}

func requests(spec *workv1alpha2.ResourceBindingSpec) corev1.ResourceList {
	if spec == nil || spec.ReplicaRequirements == nil {
		return nil
	}
	return spec.ReplicaRequirements.ResourceRequest
}

// Usage is what a binding uses: each per-replica request times the scheduled replicas.
// Zero requests are left out; an unscheduled binding (or a nil spec) uses nothing.
func Usage(spec *workv1alpha2.ResourceBindingSpec) corev1.ResourceList {
	out := corev1.ResourceList{}
	req := requests(spec)
	if len(req) == 0 {
		return out
	}
	n := ScheduledReplicas(spec)
	if n <= 0 {
		return out
	}
	for name, q := range req {
		if q.IsZero() || q.Sign() < 0 {
			continue
		}
		total := q.DeepCopy()
		total.Mul(n)
		out[name] = total
	}
	return out
}

// Relevant tells whether an update from old to cur can change what the binding uses:
// its per-replica requests or its scheduled replica total changed. Other changes
// (labels, status, a move between clusters with the same total) are never checked.
func Relevant(old, cur *workv1alpha2.ResourceBindingSpec) bool {
	if old == nil || cur == nil {
		return true
	}
	if !equalLists(requests(old), requests(cur)) {
		return true
	}
	return ScheduledReplicas(old) != ScheduledReplicas(cur)
}

func equalLists(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for name, qa := range a {
		qb, ok := b[name]
		if !ok || qa.Cmp(qb) != 0 {
			return false
		}
	}
	return true
}

// Delta is cur - old per resource, only the non-zero differences (negative when the
// binding shrinks).
func Delta(cur, old corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, name := range names(cur, old) {
		d := cur[name].DeepCopy()
		d.Sub(old[name])
		if !d.IsZero() {
			out[name] = d
		}
	}
	return out
}

func names(lists ...corev1.ResourceList) []corev1.ResourceName {
	seen := map[corev1.ResourceName]bool{}
	var out []corev1.ResourceName
	for _, l := range lists {
		for n := range l {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Add returns a + b per resource (neither is changed).
func Add(a, b corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, name := range names(a, b) {
		s := a[name].DeepCopy()
		s.Add(b[name])
		out[name] = s
	}
	return out
}

// Only keeps the resources of list that keys names.
func Only(list, keys corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name := range keys {
		if q, ok := list[name]; ok {
			out[name] = q.DeepCopy()
		}
	}
	return out
}

// Decision is the outcome of Check for one quota.
type Decision struct {
	// Counted is false when the quota is not concerned: it has no spec.overall, or the
	// change touches none of its resources. Its status is then left alone.
	Counted bool
	// NewUsed is status.overallUsed with the change added (when Counted and allowed).
	NewUsed corev1.ResourceList
	// Refusal is Karmada's message when the change would exceed spec.overall; empty
	// when the change fits.
	Refusal string
}

// Check adds delta (the change of one binding's usage) to the quota's
// status.overallUsed and compares the result with spec.overall. A resource is over
// when its new sum is above its limit; resources not in spec.overall are not counted.
// Resources are examined in name order, so the message names the same one every time.
func Check(q *policyv1alpha1.FederatedResourceQuota, delta corev1.ResourceList) Decision {
	if q.Spec.Overall == nil {
		return Decision{}
	}
	d := Only(delta, q.Spec.Overall)
	nonZero := false
	for _, v := range d {
		if !v.IsZero() {
			nonZero = true
		}
	}
	if !nonZero {
		return Decision{}
	}
	used := Add(q.Status.OverallUsed, d)
	for _, name := range names(used) {
		sum := used[name]
		limit, ok := q.Spec.Overall[name]
		if !ok || sum.IsZero() {
			continue
		}
		if sum.Cmp(limit) > 0 {
			return Decision{Counted: true, Refusal: ExceededMessage(q.Namespace, q.Name, name, &sum, &limit)}
		}
	}
	return Decision{Counted: true, NewUsed: used}
}

// ExceededMessage is Karmada's refusal message.
func ExceededMessage(namespace, name string, resource corev1.ResourceName, sum, limit interface{ String() string }) string {
	return fmt.Sprintf("FederatedResourceQuota(%s/%s) exceeded for resource %s: requested sum %s, limit %s.",
		namespace, name, resource, sum.String(), limit.String())
}

// OverallUsed is a quota's status.overallUsed computed from every binding of its
// namespace: the sum of their usage, restricted to the resources of spec.overall (a
// resource nothing uses is absent, as in Karmada).
func OverallUsed(overall corev1.ResourceList, specs []*workv1alpha2.ResourceBindingSpec) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, s := range specs {
		sum = Add(sum, Usage(s))
	}
	out := corev1.ResourceList{}
	for name := range overall {
		if q, ok := sum[name]; ok {
			out[name] = q.DeepCopy()
		}
	}
	return out
}
