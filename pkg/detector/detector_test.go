/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package detector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/detector/detectortest"
)

var (
	deploy      = detectortest.Deploy
	clusterRole = detectortest.ClusterRole
	depSel      = detectortest.DepSel
	pp          = detectortest.PP
	cpp         = detectortest.CPP
)

func TestSelectorPriority(t *testing.T) {
	obj := deploy("default", "nginx", map[string]string{"app": "nginx"})
	cases := []struct {
		name    string
		sel     policyv1alpha1.ResourceSelector
		want    int
		matched bool
	}{
		{"name equal", depSel("nginx", nil), 3, true},
		{"name differs", depSel("other", nil), 0, false},
		{"name wins over non-matching labels", depSel("nginx", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}), 3, true},
		{"all of kind", depSel("", nil), 1, true},
		{"labels match", depSel("", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}}), 2, true},
		{"labels differ", depSel("", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}), 0, false},
		{"empty selector matches all labels", depSel("", &metav1.LabelSelector{}), 2, true},
		{"expression", depSel("", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"nginx", "x"}}}}), 2, true},
		{"invalid selector", depSel("", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}), 0, false},
		{"kind differs", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "StatefulSet"}, 0, false},
		{"apiVersion differs", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1beta1", Kind: "Deployment"}, 0, false},
		{"namespace equal", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default"}, 1, true},
		{"namespace differs", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "other", Name: "nginx"}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := SelectorPriority(c.sel, obj)
			if got != c.want || ok != c.matched {
				t.Errorf("SelectorPriority = (%d, %v), want (%d, %v)", got, ok, c.want, c.matched)
			}
		})
	}
}

func TestImplicitPriority(t *testing.T) {
	obj := deploy("default", "nginx", map[string]string{"app": "nginx"})
	labels := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}}
	cases := []struct {
		name    string
		sels    []policyv1alpha1.ResourceSelector
		want    int
		matched bool
	}{
		{"none", nil, 0, false},
		{"no match", []policyv1alpha1.ResourceSelector{depSel("x", nil)}, 0, false},
		{"max of all/labels/name", []policyv1alpha1.ResourceSelector{depSel("", nil), depSel("nginx", nil), depSel("", labels)}, 3, true},
		{"max of all/labels", []policyv1alpha1.ResourceSelector{depSel("", nil), depSel("", labels), depSel("x", nil)}, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ImplicitPriority(c.sels, obj)
			if got != c.want || ok != c.matched {
				t.Errorf("ImplicitPriority = (%d, %v), want (%d, %v)", got, ok, c.want, c.matched)
			}
		})
	}
}

func TestChoosePolicy(t *testing.T) {
	labels := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}}
	deleting := pp("default", "a-deleting", 100, depSel("nginx", nil))
	deleting.DeletionTimestamp = &metav1.Time{}
	crSel := policyv1alpha1.ResourceSelector{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}
	nsSel := policyv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Namespace"}

	cases := []struct {
		name     string
		obj      *unstructured.Unstructured
		pps      []*policyv1alpha1.PropagationPolicy
		cpps     []*policyv1alpha1.ClusterPropagationPolicy
		wantNS   string // "" for a CPP
		wantName string // "" for no match
	}{
		{name: "nothing", obj: deploy("default", "nginx", nil)},
		{name: "single pp", obj: deploy("default", "nginx", nil),
			pps: []*policyv1alpha1.PropagationPolicy{pp("default", "p", 0, depSel("", nil))}, wantNS: "default", wantName: "p"},
		{name: "pp of another namespace ignored", obj: deploy("default", "nginx", nil),
			pps: []*policyv1alpha1.PropagationPolicy{pp("other", "p", 0, depSel("", nil))}},
		{name: "explicit priority wins over implicit", obj: deploy("default", "nginx", map[string]string{"app": "nginx"}),
			pps:    []*policyv1alpha1.PropagationPolicy{pp("default", "by-name", 0, depSel("nginx", nil)), pp("default", "all", 1, depSel("", nil))},
			wantNS: "default", wantName: "all"},
		{name: "implicit priority: name > labels > all", obj: deploy("default", "nginx", map[string]string{"app": "nginx"}),
			pps:    []*policyv1alpha1.PropagationPolicy{pp("default", "a-all", 0, depSel("", nil)), pp("default", "b-labels", 0, depSel("", labels)), pp("default", "c-name", 0, depSel("nginx", nil))},
			wantNS: "default", wantName: "c-name"},
		{name: "implicit priority: labels > all", obj: deploy("default", "nginx", map[string]string{"app": "nginx"}),
			pps:    []*policyv1alpha1.PropagationPolicy{pp("default", "a-all", 0, depSel("", nil)), pp("default", "b-labels", 0, depSel("", labels))},
			wantNS: "default", wantName: "b-labels"},
		{name: "tie broken by smaller name", obj: deploy("default", "nginx", nil),
			pps:    []*policyv1alpha1.PropagationPolicy{pp("default", "zeta", 0, depSel("", nil)), pp("default", "alpha", 0, depSel("", nil)), pp("default", "mid", 0, depSel("", nil))},
			wantNS: "default", wantName: "alpha"},
		{name: "pp beats higher-priority cpp", obj: deploy("default", "nginx", nil),
			pps:    []*policyv1alpha1.PropagationPolicy{pp("default", "p", 0, depSel("", nil))},
			cpps:   []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 1000, depSel("nginx", nil))},
			wantNS: "default", wantName: "p"},
		{name: "cpp when no pp matches", obj: deploy("default", "nginx", nil),
			pps:      []*policyv1alpha1.PropagationPolicy{pp("default", "p", 0, depSel("other", nil))},
			cpps:     []*policyv1alpha1.ClusterPropagationPolicy{cpp("b", 0, depSel("", nil)), cpp("a", 0, depSel("other", nil)), cpp("c", 0, depSel("nginx", nil))},
			wantName: "c"},
		{name: "cpp priority", obj: deploy("default", "nginx", nil),
			cpps:     []*policyv1alpha1.ClusterPropagationPolicy{cpp("b", 5, depSel("", nil)), cpp("a", 0, depSel("nginx", nil))},
			wantName: "b"},
		{name: "deleting policy skipped", obj: deploy("default", "nginx", nil),
			pps:    []*policyv1alpha1.PropagationPolicy{deleting, pp("default", "z", 0, depSel("", nil))},
			wantNS: "default", wantName: "z"},
		{name: "cluster-scoped only cpp", obj: clusterRole("viewer"),
			pps:      []*policyv1alpha1.PropagationPolicy{pp("", "p", 0, crSel), pp("default", "p2", 0, crSel)},
			cpps:     []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, crSel)},
			wantName: "c"},
		{name: "cluster-scoped, no cpp", obj: clusterRole("viewer"),
			pps: []*policyv1alpha1.PropagationPolicy{pp("default", "p", 0, crSel)}},
		{name: "kube-system never matches", obj: deploy("kube-system", "nginx", nil),
			pps:  []*policyv1alpha1.PropagationPolicy{pp("kube-system", "p", 0, depSel("", nil))},
			cpps: []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, depSel("", nil))}},
		{name: "karmada-system never matches", obj: deploy("karmada-system", "nginx", nil),
			cpps: []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, depSel("", nil))}},
		{name: "karmada-cluster never matches", obj: deploy("karmada-cluster", "nginx", nil),
			cpps: []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, depSel("", nil))}},
		{name: "karmada-es-* never matches", obj: deploy("karmada-es-member1", "nginx", nil),
			cpps: []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, depSel("", nil))}},
		{name: "karmada-other is not reserved", obj: deploy("karmada-other", "nginx", nil),
			cpps:     []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, depSel("", nil))},
			wantName: "c"},
		{name: "reserved Namespace object never matches", obj: &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "kube-public"}}},
			cpps: []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, nsSel)}},
		{name: "ordinary Namespace object", obj: &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "apps"}}},
			cpps:     []*policyv1alpha1.ClusterPropagationPolicy{cpp("c", 0, nsSel)},
			wantName: "c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ChoosePolicy(c.obj, c.pps, c.cpps)
			if c.wantName == "" {
				if ok {
					t.Fatalf("ChoosePolicy chose %s/%s, want none", got.Namespace(), got.Name())
				}
				return
			}
			if !ok {
				t.Fatalf("ChoosePolicy chose none, want %s/%s", c.wantNS, c.wantName)
			}
			if got.IsCluster() != (c.wantNS == "") || got.Namespace() != c.wantNS || got.Name() != c.wantName {
				t.Errorf("ChoosePolicy = %s/%s (cluster=%v), want %s/%s", got.Namespace(), got.Name(), got.IsCluster(), c.wantNS, c.wantName)
			}
		})
	}
}

func TestClaimMetadataAndIsClaimedBy(t *testing.T) {
	p := FromPropagationPolicy(pp("default", "nginx-pp", 0))
	c := FromClusterPropagationPolicy(cpp("all", 0))
	noID := FromPropagationPolicy(&policyv1alpha1.PropagationPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "fresh"}})

	cases := []struct {
		name            string
		policy          Policy
		wantLabels      map[string]string
		wantAnnotations map[string]string
	}{
		{"pp", p,
			map[string]string{"propagationpolicy.karmada.io/permanent-id": "id-default-nginx-pp"},
			map[string]string{"propagationpolicy.karmada.io/namespace": "default", "propagationpolicy.karmada.io/name": "nginx-pp"}},
		{"cpp", c,
			map[string]string{"clusterpropagationpolicy.karmada.io/permanent-id": "cid-all"},
			map[string]string{"clusterpropagationpolicy.karmada.io/name": "all"}},
		{"pp without id yet", noID,
			map[string]string{},
			map[string]string{"propagationpolicy.karmada.io/namespace": "default", "propagationpolicy.karmada.io/name": "fresh"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, a := ClaimMetadata(tc.policy)
			if !mapsEqual(l, tc.wantLabels) || !mapsEqual(a, tc.wantAnnotations) {
				t.Fatalf("ClaimMetadata = %v %v, want %v %v", l, a, tc.wantLabels, tc.wantAnnotations)
			}
			obj := deploy("default", "nginx", map[string]string{"app": "nginx"})
			if IsClaimedBy(obj, tc.policy) {
				t.Fatal("unclaimed object reported claimed")
			}
			if !ApplyClaim(obj, tc.policy) {
				t.Fatal("ApplyClaim reported no change")
			}
			if ApplyClaim(obj, tc.policy) {
				t.Fatal("second ApplyClaim reported a change")
			}
			if !IsClaimedBy(obj, tc.policy) {
				t.Fatal("claimed object not reported claimed")
			}
			if obj.GetLabels()["app"] != "nginx" {
				t.Fatal("ApplyClaim dropped a user label")
			}
			if _, ok := ClaimOf(obj); !ok {
				t.Fatal("ClaimOf found no claim")
			}
			if !RemoveClaim(obj) || IsClaimedBy(obj, tc.policy) {
				t.Fatal("RemoveClaim did not remove the claim")
			}
			if _, ok := ClaimOf(obj); ok {
				t.Fatal("ClaimOf found a claim after RemoveClaim")
			}
			if RemoveClaim(obj) {
				t.Fatal("second RemoveClaim reported a change")
			}
		})
	}

	t.Run("other policy / recreated policy", func(t *testing.T) {
		obj := deploy("default", "nginx", nil)
		ApplyClaim(obj, p)
		if IsClaimedBy(obj, c) {
			t.Error("claimed by pp, reported claimed by cpp")
		}
		recreated := pp("default", "nginx-pp", 0)
		recreated.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] = "new-id"
		if IsClaimedBy(obj, FromPropagationPolicy(recreated)) {
			t.Error("a re-created policy with another permanent id must not own the claim")
		}
		ApplyClaim(obj, c)
		if IsClaimedBy(obj, p) || !IsClaimedBy(obj, c) {
			t.Error("ApplyClaim did not switch the claim to the cpp")
		}
		if _, ok := obj.GetAnnotations()[policyv1alpha1.PropagationPolicyNameAnnotation]; ok {
			t.Error("old pp annotation left behind")
		}
		cl, _ := ClaimOf(obj)
		if cl != (Claim{Cluster: true, Name: "all", PermanentID: "cid-all"}) {
			t.Errorf("ClaimOf = %+v", cl)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
