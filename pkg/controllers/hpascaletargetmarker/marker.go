// Package hpascaletargetmarker labels the scale target of a propagated
// HorizontalPodAutoscaler with resourcetemplate.karmada.io/retain-replicas=true, as
// Karmada's hpaScaleTargetMarker controller does: the HPA runs in the members, so the
// members' replicas are theirs to keep (pkg/interpreter retains them under that label).
//
// Which HPAs count: autoscaling/v2 HPAs in the control plane claimed by a
// PropagationPolicy (they carry propagationpolicy.karmada.io/permanent-id; HPAs claimed
// by a ClusterPropagationPolicy do not count, as in Karmada). The label is added when
// such an HPA appears or changes, and removed from a target when an HPA pointing at it
// is deleted or re-pointed elsewhere. Losing the policy claim does not remove it.
//
// Unlike Karmada, whose worker acts on each event in turn, every decision here is taken
// from the current state: a target keeps its label while any propagated HPA still points
// at it, whatever the order of the events; and a Deployment created after its HPA is
// labelled as soon as it appears.
package hpascaletargetmarker

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime/schema"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// Target is an HPA's scale target: the object it scales, in the HPA's namespace.
type Target struct {
	Namespace string
	Group     string
	Kind      string
	Name      string
}

// GroupKind of the target.
func (t Target) GroupKind() schema.GroupKind { return schema.GroupKind{Group: t.Group, Kind: t.Kind} }

func (t Target) String() string {
	return fmt.Sprintf("%s %s/%s", t.GroupKind(), t.Namespace, t.Name)
}

// TargetOf returns the scale target of hpa. Versions do not matter: apps/v1 and a
// later apps version name the same object.
func TargetOf(hpa *autoscalingv2.HorizontalPodAutoscaler) Target {
	ref := hpa.Spec.ScaleTargetRef
	gv, _ := schema.ParseGroupVersion(ref.APIVersion)
	return Target{Namespace: hpa.Namespace, Group: gv.Group, Kind: ref.Kind, Name: ref.Name}
}

// Propagated tells whether hpa counts: claimed by a PropagationPolicy.
func Propagated(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	_, ok := hpa.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel]
	return ok
}

// Wanted tells whether t should carry the label: some propagated HPA (of hpas, those
// of t's namespace) scales it and is not being deleted.
func Wanted(t Target, hpas []*autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, h := range hpas {
		if h.DeletionTimestamp == nil && Propagated(h) && TargetOf(h) == t {
			return true
		}
	}
	return false
}

// LabelPatch is the JSON merge patch that gives labels the retain-replicas label
// (want) or takes it away (!want); nil when nothing is to change. A value other than
// "true" set by someone else is overwritten when the label is wanted, and removed
// with it otherwise.
func LabelPatch(labels map[string]string, want bool) []byte {
	v, has := labels[workv1alpha2.RetainReplicasLabel]
	switch {
	case want && (!has || v != workv1alpha2.RetainReplicasValue):
		return []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, workv1alpha2.RetainReplicasLabel, workv1alpha2.RetainReplicasValue))
	case !want && has:
		return []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, workv1alpha2.RetainReplicasLabel))
	}
	return nil
}

// A queue key is the target and whether it was queued because an HPA stopped pointing
// at it (only then may the label be taken away).
type key struct {
	Target
	release bool
}

const sep = "|"

func (k key) String() string {
	mode := "mark"
	if k.release {
		mode = "release"
	}
	return strings.Join([]string{mode, k.Namespace, k.Group, k.Kind, k.Name}, sep)
}

func parseKey(s string) (key, error) {
	p := strings.Split(s, sep)
	if len(p) != 5 || (p[0] != "mark" && p[0] != "release") {
		return key{}, fmt.Errorf("malformed key %q", s)
	}
	return key{Target: Target{Namespace: p[1], Group: p[2], Kind: p[3], Name: p[4]}, release: p[0] == "release"}, nil
}
