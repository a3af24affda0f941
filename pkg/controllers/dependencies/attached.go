package dependencies

import (
	"fmt"
	"slices"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// strategy is what one referrer asks of the dependencies it shares with others: whether
// their copies may take over existing objects in a member, and whether they stay in the
// members when the dependency is deleted.
type strategy struct {
	ConflictResolution          policyv1alpha1.ConflictResolution
	PreserveResourcesOnDeletion *bool
}

func strategyOf(rb *workv1alpha2.ResourceBinding) strategy {
	return strategy{ConflictResolution: rb.Spec.ConflictResolution, PreserveResourcesOnDeletion: rb.Spec.PreserveResourcesOnDeletion}
}

// The conflict hints, in the order Karmada lists them in a DependencyPolicyConflict Event.
const (
	conflictResolutionConflict = "ConflictResolution conflicted (Overwrite vs Abort)"
	preserveConflict           = "PreserveResourcesOnDeletion conflicted (true vs false)"
)

// effectiveStrategy resolves the values a dependency shared by several workloads takes,
// as Karmada (v1.16+) does: the most permissive wins, so that no referrer loses what it
// asked for — Overwrite if any referrer overwrites (an empty value is Abort), and
// preserved on deletion if any referrer preserves (nil is false). conflicts lists the
// fields the referrers disagree on, as the hints of the DependencyPolicyConflict Event.
// Without referrers the result is Abort and false, without conflicts.
func effectiveStrategy(referrers []strategy) (cr policyv1alpha1.ConflictResolution, preserve bool, conflicts []string) {
	var overwrite, abort, preserved, dropped bool
	for _, r := range referrers {
		if r.ConflictResolution == policyv1alpha1.ConflictOverwrite {
			overwrite = true
		} else {
			abort = true
		}
		if ptr.Deref(r.PreserveResourcesOnDeletion, false) {
			preserved = true
		} else {
			dropped = true
		}
	}
	cr = policyv1alpha1.ConflictAbort
	if overwrite {
		cr = policyv1alpha1.ConflictOverwrite
	}
	if overwrite && abort {
		conflicts = append(conflicts, conflictResolutionConflict)
	}
	if preserved && dropped {
		conflicts = append(conflicts, preserveConflict)
	}
	return cr, preserved, conflicts
}

// conflictMessage is the message of the DependencyPolicyConflict Event, word for word
// Karmada's.
func conflictMessage(conflicts []string) string {
	return fmt.Sprintf("Dependency policy conflict detected: %s.", strings.Join(conflicts, "; "))
}

// isAttached tells whether a binding exists for its referrers only: no policy placed it.
// A binding a policy also claims keeps the policy's conflictResolution and
// preserveResourcesOnDeletion.
func isAttached(b *workv1alpha2.ResourceBinding) bool {
	return b.Spec.Placement == nil
}

// setStrategy writes the resolved values of an attached binding's referrers: explicit
// (Abort, false) while it has referrers, cleared ("" and nil) when none remain, as Karmada
// does. lookup finds a referrer by namespace and name; one it cannot find (already gone)
// does not count. It returns the conflict hints.
func setStrategy(b *workv1alpha2.ResourceBinding, lookup func(namespace, name string) (strategy, bool)) []string {
	if len(b.Spec.RequiredBy) == 0 {
		b.Spec.ConflictResolution, b.Spec.PreserveResourcesOnDeletion = "", nil
		return nil
	}
	var referrers []strategy
	for _, r := range b.Spec.RequiredBy {
		if s, ok := lookup(r.Namespace, r.Name); ok {
			referrers = append(referrers, s)
		}
	}
	cr, preserve, conflicts := effectiveStrategy(referrers)
	b.Spec.ConflictResolution, b.Spec.PreserveResourcesOnDeletion = cr, ptr.To(preserve)
	return conflicts
}

// mergeRequiredBy records snap among a binding's referrers the way Karmada does: an
// existing referrer's clusters are replaced in place, a new referrer is appended, so the
// list keeps the order in which referrers arrived.
func mergeRequiredBy(existing []workv1alpha2.BindingSnapshot, snap workv1alpha2.BindingSnapshot) []workv1alpha2.BindingSnapshot {
	out := slices.Clone(existing)
	i := slices.IndexFunc(out, func(s workv1alpha2.BindingSnapshot) bool { return s.Namespace == snap.Namespace && s.Name == snap.Name })
	if i < 0 {
		return append(out, snap)
	}
	out[i].Clusters = snap.Clusters
	return out
}

// mergeAttached returns existing (the binding of a dependency) updated for referrer rb:
// rb among its referrers (labelled and in requiredBy), spec.resource pointing at the
// dependency as it is now (ref), and, when it is an attached binding, the values resolved
// from all its referrers. changed says whether anything but spec.resource.resourceVersion
// differs from existing: a newer resourceVersion of the dependency alone is no reason to
// rewrite the binding (the detector does the same for the bindings it owns), but is
// carried along with any other change. conflicts are the hints of the referrers'
// disagreement (none for a binding a policy claims). existing is not modified.
func mergeAttached(existing, rb *workv1alpha2.ResourceBinding, labelKey, labelValue string, ref workv1alpha2.ObjectReference,
	lookup func(namespace, name string) (strategy, bool)) (b *workv1alpha2.ResourceBinding, changed bool, conflicts []string) {
	b = existing.DeepCopy()
	if b.Labels == nil {
		b.Labels = map[string]string{}
	}
	b.Labels[labelKey] = labelValue
	b.Spec.RequiredBy = mergeRequiredBy(b.Spec.RequiredBy, snapshotOf(rb))
	if isAttached(b) {
		conflicts = setStrategy(b, func(ns, name string) (strategy, bool) {
			if ns == rb.Namespace && name == rb.Name {
				return strategyOf(rb), true // the freshest copy of the referrer at hand
			}
			return lookup(ns, name)
		})
	}
	b.Spec.Resource = ref
	probe := b.Spec
	probe.Resource.ResourceVersion = existing.Spec.Resource.ResourceVersion
	changed = !apiequality.Semantic.DeepEqual(b.Labels, existing.Labels) || !apiequality.Semantic.DeepEqual(probe, existing.Spec)
	return b, changed, conflicts
}

// withdrawnFrom returns existing without referrer namespace/name: its depended-by label
// (labelKey) and requiredBy entry removed and, for an attached binding, the values
// resolved again from the referrers that remain. existing is not modified.
func withdrawnFrom(existing *workv1alpha2.ResourceBinding, namespace, name, labelKey string, lookup func(namespace, name string) (strategy, bool)) *workv1alpha2.ResourceBinding {
	b := existing.DeepCopy()
	delete(b.Labels, labelKey)
	b.Spec.RequiredBy = slices.DeleteFunc(b.Spec.RequiredBy, func(s workv1alpha2.BindingSnapshot) bool { return s.Namespace == namespace && s.Name == name })
	if isAttached(b) {
		setStrategy(b, lookup)
	}
	return b
}

// newAttached builds the binding that carries dependency obj for its first referrer rb:
// named like a policy's binding of obj would be, controlled by obj (so it goes when obj
// goes), without placement, and with rb's values resolved (explicit Abort/false).
func newAttached(rb *workv1alpha2.ResourceBinding, obj *unstructured.Unstructured, name, labelKey, labelValue string, ref workv1alpha2.ObjectReference) *workv1alpha2.ResourceBinding {
	b := &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: obj.GetNamespace(),
			Labels: map[string]string{labelKey: labelValue},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Name: obj.GetName(), UID: obj.GetUID(),
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
			Finalizers: []string{workv1alpha2.BindingControllerFinalizer},
		},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource:   ref,
			RequiredBy: []workv1alpha2.BindingSnapshot{snapshotOf(rb)},
		},
	}
	setStrategy(b, func(string, string) (strategy, bool) { return strategyOf(rb), true })
	return b
}

// referenceTo is spec.resource of a binding of obj.
func referenceTo(obj *unstructured.Unstructured) workv1alpha2.ObjectReference {
	return workv1alpha2.ObjectReference{
		APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(),
		Name: obj.GetName(), UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
	}
}

func snapshotOf(rb *workv1alpha2.ResourceBinding) workv1alpha2.BindingSnapshot {
	return workv1alpha2.BindingSnapshot{Namespace: rb.Namespace, Name: rb.Name, Clusters: slices.Clone(rb.Spec.Clusters)}
}
