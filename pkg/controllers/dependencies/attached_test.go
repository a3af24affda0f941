package dependencies

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

const (
	overwrite = policyv1alpha1.ConflictOverwrite
	abort     = policyv1alpha1.ConflictAbort
)

func TestEffectiveStrategy(t *testing.T) {
	tests := []struct {
		name         string
		referrers    []strategy
		wantCR       policyv1alpha1.ConflictResolution
		wantPreserve bool
		wantHints    []string
	}{
		{name: "no referrers", wantCR: abort},
		{name: "one, empty values", referrers: []strategy{{}}, wantCR: abort},
		{name: "one, explicit Abort/false", referrers: []strategy{{abort, ptr.To(false)}}, wantCR: abort},
		{name: "one, Overwrite/true", referrers: []strategy{{overwrite, ptr.To(true)}}, wantCR: overwrite, wantPreserve: true},
		{name: "agreeing Overwrite/true", referrers: []strategy{{overwrite, ptr.To(true)}, {overwrite, ptr.To(true)}}, wantCR: overwrite, wantPreserve: true},
		{name: "empty and nil agree with Abort/false", referrers: []strategy{{"", nil}, {abort, ptr.To(false)}}, wantCR: abort},
		{
			name:      "Overwrite vs Abort",
			referrers: []strategy{{abort, ptr.To(false)}, {overwrite, ptr.To(false)}},
			wantCR:    overwrite,
			wantHints: []string{"ConflictResolution conflicted (Overwrite vs Abort)"},
		},
		{
			name:      "Overwrite vs empty",
			referrers: []strategy{{overwrite, nil}, {"", nil}},
			wantCR:    overwrite,
			wantHints: []string{"ConflictResolution conflicted (Overwrite vs Abort)"},
		},
		{
			name:         "true vs nil",
			referrers:    []strategy{{abort, nil}, {abort, ptr.To(true)}},
			wantCR:       abort,
			wantPreserve: true,
			wantHints:    []string{"PreserveResourcesOnDeletion conflicted (true vs false)"},
		},
		{
			name:         "both, hints in Karmada's order",
			referrers:    []strategy{{abort, ptr.To(true)}, {overwrite, ptr.To(false)}, {abort, ptr.To(false)}},
			wantCR:       overwrite,
			wantPreserve: true,
			wantHints: []string{
				"ConflictResolution conflicted (Overwrite vs Abort)",
				"PreserveResourcesOnDeletion conflicted (true vs false)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr, preserve, hints := effectiveStrategy(tt.referrers)
			eq(t, tt.wantCR, cr)
			eq(t, tt.wantPreserve, preserve)
			eq(t, tt.wantHints, hints)
		})
	}
}

func TestConflictMessage(t *testing.T) {
	_, _, hints := effectiveStrategy([]strategy{{overwrite, ptr.To(true)}, {abort, ptr.To(false)}})
	eq(t, "Dependency policy conflict detected: ConflictResolution conflicted (Overwrite vs Abort); PreserveResourcesOnDeletion conflicted (true vs false).",
		conflictMessage(hints))
	eq(t, "Dependency policy conflict detected: PreserveResourcesOnDeletion conflicted (true vs false).",
		conflictMessage([]string{preserveConflict}))
}

// The GetDependenciesSucceed message prints the dependencies the way Karmada prints its
// DependentObjectReference slice.
func TestGetDependenciesMessage(t *testing.T) {
	deps := []interpreter.Dependency{{APIVersion: "v1", Kind: "ConfigMap", Namespace: "default", Name: "my-config"}}
	eq(t, "Get dependencies([{APIVersion:v1 Kind:ConfigMap Namespace:default Name:my-config LabelSelector:nil}]) succeed.",
		fmt.Sprintf("Get dependencies(%+v) succeed.", deps))
	var none []interpreter.Dependency
	eq(t, "Get dependencies([]) succeed.", fmt.Sprintf("Get dependencies(%+v) succeed.", none))
}

func snap(name string, clusters ...string) workv1alpha2.BindingSnapshot {
	s := workv1alpha2.BindingSnapshot{Namespace: "ns", Name: name}
	for _, c := range clusters {
		s.Clusters = append(s.Clusters, workv1alpha2.TargetCluster{Name: c})
	}
	return s
}

func snapNames(ss []workv1alpha2.BindingSnapshot) string {
	var out []string
	for _, s := range ss {
		var cs []string
		for _, c := range s.Clusters {
			cs = append(cs, c.Name)
		}
		out = append(out, s.Name+"="+strings.Join(cs, "+"))
	}
	return strings.Join(out, ",")
}

func TestMergeRequiredBy(t *testing.T) {
	tests := []struct {
		name     string
		existing []workv1alpha2.BindingSnapshot
		snap     workv1alpha2.BindingSnapshot
		want     string
	}{
		{name: "first", snap: snap("b", "m1"), want: "b=m1"},
		{name: "new one appended, not sorted", existing: []workv1alpha2.BindingSnapshot{snap("z", "m1")}, snap: snap("a", "m2"), want: "z=m1,a=m2"},
		{name: "existing one updated in place", existing: []workv1alpha2.BindingSnapshot{snap("z", "m1"), snap("a", "m2"), snap("m")},
			snap: snap("a", "m1", "m3"), want: "z=m1,a=m1+m3,m="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapNames(tt.existing)
			eq(t, tt.want, snapNames(mergeRequiredBy(tt.existing, tt.snap)))
			eq(t, before, snapNames(tt.existing), "existing modified")
		})
	}
}

func referrer(name string, cr policyv1alpha1.ConflictResolution, preserve *bool, clusters ...string) *workv1alpha2.ResourceBinding {
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	rb.Spec.ConflictResolution, rb.Spec.PreserveResourcesOnDeletion = cr, preserve
	for _, c := range clusters {
		rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: c})
	}
	return rb
}

// lookupOf finds referrers among rbs.
func lookupOf(rbs ...*workv1alpha2.ResourceBinding) func(ns, name string) (strategy, bool) {
	return func(ns, name string) (strategy, bool) {
		for _, rb := range rbs {
			if rb.Namespace == ns && rb.Name == name {
				return strategyOf(rb), true
			}
		}
		return strategy{}, false
	}
}

func configMap(uid, rv string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("ns")
	u.SetName("cm")
	u.SetUID(k8stypes.UID("uid-" + uid))
	u.SetResourceVersion(rv)
	return u
}

func TestNewAttached(t *testing.T) {
	a := referrer("a-deployment", "", nil, "m1")
	b := newAttached(a, configMap("1", "7"), "cm-configmap", "depended-by-a", "id-a", referenceTo(configMap("1", "7")))
	eq(t, (*policyv1alpha1.Placement)(nil), b.Spec.Placement)
	eq(t, abort, b.Spec.ConflictResolution, "explicit Abort, never empty")
	eq(t, ptr.To(false), b.Spec.PreserveResourcesOnDeletion, "explicit false, never absent")
	eq(t, "a-deployment=m1", snapNames(b.Spec.RequiredBy))
	eq(t, map[string]string{"depended-by-a": "id-a"}, b.Labels)
	eq(t, "7", b.Spec.Resource.ResourceVersion)
	eq(t, ptr.To(true), b.OwnerReferences[0].Controller)

	o := referrer("o-deployment", overwrite, ptr.To(true))
	b = newAttached(o, configMap("1", "7"), "cm-configmap", "k", "v", referenceTo(configMap("1", "7")))
	eq(t, overwrite, b.Spec.ConflictResolution)
	eq(t, ptr.To(true), b.Spec.PreserveResourcesOnDeletion)
}

func TestMergeAttached(t *testing.T) {
	a := referrer("a-deployment", overwrite, ptr.To(true), "m1")
	b := referrer("b-deployment", abort, ptr.To(false), "m2")
	existing := newAttached(a, configMap("1", "7"), "cm-configmap", "depended-by-a", "id-a", referenceTo(configMap("1", "7")))
	existing.Labels["someone-else"] = "keep"

	t.Run("second referrer: appended, values resolved, conflicts reported", func(t *testing.T) {
		got, changed, conflicts := mergeAttached(existing, b, "depended-by-b", "id-b", referenceTo(configMap("1", "8")), lookupOf(a, b))
		eq(t, true, changed)
		eq(t, []string{conflictResolutionConflict, preserveConflict}, conflicts)
		eq(t, "a-deployment=m1,b-deployment=m2", snapNames(got.Spec.RequiredBy))
		eq(t, overwrite, got.Spec.ConflictResolution)
		eq(t, ptr.To(true), got.Spec.PreserveResourcesOnDeletion)
		eq(t, map[string]string{"depended-by-a": "id-a", "depended-by-b": "id-b", "someone-else": "keep"}, got.Labels)
		eq(t, "8", got.Spec.Resource.ResourceVersion, "spec.resource refreshed")
		eq(t, "a-deployment=m1", snapNames(existing.Spec.RequiredBy), "existing modified")
	})

	t.Run("the referrer at hand counts with its own values, not the cached ones", func(t *testing.T) {
		stale := referrer("a-deployment", abort, nil, "m1")
		fresh := referrer("a-deployment", abort, nil, "m1", "m3")
		got, changed, conflicts := mergeAttached(existing, fresh, "depended-by-a", "id-a", referenceTo(configMap("1", "7")), lookupOf(stale))
		eq(t, true, changed)
		eq(t, []string(nil), conflicts)
		eq(t, abort, got.Spec.ConflictResolution)
		eq(t, ptr.To(false), got.Spec.PreserveResourcesOnDeletion)
		eq(t, "a-deployment=m1+m3", snapNames(got.Spec.RequiredBy))
	})

	t.Run("a newer resourceVersion alone changes nothing", func(t *testing.T) {
		_, changed, _ := mergeAttached(existing, a, "depended-by-a", "id-a", referenceTo(configMap("1", "9")), lookupOf(a))
		eq(t, false, changed)
	})

	t.Run("a new uid is written", func(t *testing.T) {
		got, changed, _ := mergeAttached(existing, a, "depended-by-a", "id-a", referenceTo(configMap("2", "9")), lookupOf(a))
		eq(t, true, changed)
		eq(t, "uid-2", string(got.Spec.Resource.UID))
		eq(t, "9", got.Spec.Resource.ResourceVersion)
	})

	t.Run("a referrer already gone does not count", func(t *testing.T) {
		withB, _, _ := mergeAttached(existing, b, "depended-by-b", "id-b", referenceTo(configMap("1", "7")), lookupOf(a, b))
		got, _, conflicts := mergeAttached(withB, b, "depended-by-b", "id-b", referenceTo(configMap("1", "7")), lookupOf())
		eq(t, []string(nil), conflicts)
		eq(t, abort, got.Spec.ConflictResolution)
	})

	t.Run("a binding a policy claims keeps its values", func(t *testing.T) {
		claimed := existing.DeepCopy()
		claimed.Spec.Placement = &policyv1alpha1.Placement{}
		claimed.Spec.ConflictResolution, claimed.Spec.PreserveResourcesOnDeletion = "", nil
		got, changed, conflicts := mergeAttached(claimed, b, "depended-by-b", "id-b", referenceTo(configMap("1", "7")), lookupOf(a, b))
		eq(t, true, changed)
		eq(t, []string(nil), conflicts)
		eq(t, policyv1alpha1.ConflictResolution(""), got.Spec.ConflictResolution)
		eq(t, (*bool)(nil), got.Spec.PreserveResourcesOnDeletion)
		eq(t, "a-deployment=m1,b-deployment=m2", snapNames(got.Spec.RequiredBy))
	})
}

func TestWithdrawnFrom(t *testing.T) {
	a := referrer("a-deployment", overwrite, ptr.To(true), "m1")
	b := referrer("b-deployment", abort, ptr.To(false), "m2")
	one := newAttached(a, configMap("1", "7"), "cm-configmap", "depended-by-a", "id-a", referenceTo(configMap("1", "7")))
	both, _, _ := mergeAttached(one, b, "depended-by-b", "id-b", referenceTo(configMap("1", "7")), lookupOf(a, b))
	eq(t, overwrite, both.Spec.ConflictResolution)

	t.Run("the remaining referrers decide", func(t *testing.T) {
		got := withdrawnFrom(both, "ns", "a-deployment", "depended-by-a", lookupOf(a, b))
		eq(t, "b-deployment=m2", snapNames(got.Spec.RequiredBy))
		eq(t, map[string]string{"depended-by-b": "id-b"}, got.Labels)
		eq(t, abort, got.Spec.ConflictResolution)
		eq(t, ptr.To(false), got.Spec.PreserveResourcesOnDeletion)
		eq(t, overwrite, both.Spec.ConflictResolution, "existing modified")
	})

	t.Run("none remain: cleared", func(t *testing.T) {
		got := withdrawnFrom(one, "ns", "a-deployment", "depended-by-a", lookupOf(a))
		eq(t, 0, len(got.Spec.RequiredBy))
		eq(t, policyv1alpha1.ConflictResolution(""), got.Spec.ConflictResolution)
		eq(t, (*bool)(nil), got.Spec.PreserveResourcesOnDeletion)
	})

	t.Run("a binding a policy claims keeps its values", func(t *testing.T) {
		claimed := both.DeepCopy()
		claimed.Spec.Placement = &policyv1alpha1.Placement{}
		got := withdrawnFrom(claimed, "ns", "b-deployment", "depended-by-b", lookupOf(a, b))
		eq(t, overwrite, got.Spec.ConflictResolution)
		eq(t, ptr.To(true), got.Spec.PreserveResourcesOnDeletion)
		eq(t, "a-deployment=m1", snapNames(got.Spec.RequiredBy))
	})
}

// eq fails the test when got differs from want (reflect.DeepEqual).
func eq(t *testing.T, want, got interface{}, what ...string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", strings.Join(what, " "), got, want)
	}
}
