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

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func deploy(ns, name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"replicas": int64(3),
			"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{
					"name": "c", "image": "nginx",
					"resources": map[string]any{"requests": map[string]any{"cpu": "100m"}},
				}},
			}},
		},
	}}
	u.SetLabels(labels)
	u.SetUID("uid-1")
	u.SetResourceVersion("42")
	return u
}

func clusterRole(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "ClusterRole",
		"metadata":   map[string]any{"name": name},
	}}
	u.SetUID("uid-cr")
	return u
}

func depSel(name string, ls *metav1.LabelSelector) policyv1alpha1.ResourceSelector {
	return policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: name, LabelSelector: ls}
}

func pp(ns, name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.PropagationPolicy {
	p := &policyv1alpha1.PropagationPolicy{}
	p.Namespace, p.Name = ns, name
	p.Labels = map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "id-" + ns + "-" + name}
	if prio != 0 {
		p.Spec.Priority = ptr.To(prio)
	}
	p.Spec.ResourceSelectors = sels
	return p
}

func cpp(name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.ClusterPropagationPolicy {
	p := &policyv1alpha1.ClusterPropagationPolicy{}
	p.Name = name
	p.Labels = map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "cid-" + name}
	if prio != 0 {
		p.Spec.Priority = ptr.To(prio)
	}
	p.Spec.ResourceSelectors = sels
	return p
}

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

func TestBuildBinding(t *testing.T) {
	full := pp("default", "nginx-pp", 0, depSel("nginx", nil))
	full.Spec.PropagateDeps = true
	full.Spec.Placement = policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}}}
	full.Spec.ConflictResolution = policyv1alpha1.ConflictOverwrite
	full.Spec.SchedulerName = "my-scheduler"
	full.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{}}
	full.Spec.Suspension = &policyv1alpha1.Suspension{Dispatching: ptr.To(true)}
	full.Spec.PreserveResourcesOnDeletion = ptr.To(true)

	t.Run("namespaced template", func(t *testing.T) {
		obj := deploy("default", "nginx", nil)
		b, err := BuildBinding(obj, FromPropagationPolicy(full))
		if err != nil {
			t.Fatal(err)
		}
		if b.IsCluster() || b.RB == nil {
			t.Fatal("want a ResourceBinding")
		}
		rb := b.RB
		if rb.Kind != "ResourceBinding" || rb.APIVersion != "work.karmada.io/v1alpha2" {
			t.Errorf("TypeMeta = %v", rb.TypeMeta)
		}
		if rb.Name != "nginx-deployment" || rb.Namespace != "default" {
			t.Errorf("name = %s/%s", rb.Namespace, rb.Name)
		}
		if len(rb.OwnerReferences) != 1 {
			t.Fatalf("ownerReferences = %v", rb.OwnerReferences)
		}
		o := rb.OwnerReferences[0]
		if o.APIVersion != "apps/v1" || o.Kind != "Deployment" || o.Name != "nginx" || o.UID != "uid-1" ||
			!ptr.Deref(o.Controller, false) || !ptr.Deref(o.BlockOwnerDeletion, false) {
			t.Errorf("ownerReference = %+v", o)
		}
		if len(rb.Finalizers) != 1 || rb.Finalizers[0] != workv1alpha2.BindingControllerFinalizer {
			t.Errorf("finalizers = %v", rb.Finalizers)
		}
		if rb.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "id-default-nginx-pp" ||
			rb.Annotations[policyv1alpha1.PropagationPolicyNamespaceAnnotation] != "default" ||
			rb.Annotations[policyv1alpha1.PropagationPolicyNameAnnotation] != "nginx-pp" {
			t.Errorf("claim = %v %v", rb.Labels, rb.Annotations)
		}
		if !IsClaimedBy(rb, FromPropagationPolicy(full)) {
			t.Error("binding not claimed by its policy")
		}
		want := workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx", UID: "uid-1", ResourceVersion: "42"}
		if rb.Spec.Resource != want {
			t.Errorf("resource = %+v", rb.Spec.Resource)
		}
		s := rb.Spec
		if !s.PropagateDeps || s.ConflictResolution != policyv1alpha1.ConflictOverwrite || s.SchedulerName != "my-scheduler" ||
			s.Placement == nil || len(s.Placement.ClusterAffinity.ClusterNames) != 2 || s.Failover == nil || s.Failover.Application == nil ||
			s.Suspension == nil || !ptr.Deref(s.Suspension.Dispatching, false) || !ptr.Deref(s.PreserveResourcesOnDeletion, false) {
			t.Errorf("spec not copied: %+v", s)
		}
		if s.Clusters != nil {
			t.Errorf("clusters set: %v", s.Clusters)
		}
		if s.Replicas != 3 {
			t.Errorf("replicas = %d", s.Replicas)
		}
		if s.ReplicaRequirements == nil || !s.ReplicaRequirements.ResourceRequest.Cpu().Equal(resource.MustParse("100m")) {
			t.Errorf("replicaRequirements = %+v", s.ReplicaRequirements)
		}
		// deep copies: mutating the binding leaves the policy alone
		s.Placement.ClusterAffinity.ClusterNames[0] = "x"
		*s.PreserveResourcesOnDeletion = false
		if full.Spec.Placement.ClusterAffinity.ClusterNames[0] != "member1" || !*full.Spec.PreserveResourcesOnDeletion {
			t.Error("binding shares memory with the policy")
		}
	})

	t.Run("defaults", func(t *testing.T) {
		obj := deploy("default", "nginx", nil)
		b, err := BuildBinding(obj, FromClusterPropagationPolicy(cpp("all", 0, depSel("", nil))))
		if err != nil {
			t.Fatal(err)
		}
		if b.RB == nil {
			t.Fatal("a namespaced template claimed by a cpp gets a ResourceBinding")
		}
		s := b.RB.Spec
		if s.SchedulerName != policyv1alpha1.DefaultSchedulerName || s.Placement == nil || s.Suspension != nil ||
			s.Failover != nil || s.PreserveResourcesOnDeletion != nil {
			t.Errorf("spec = %+v", s)
		}
		if b.RB.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] != "cid-all" ||
			b.RB.Annotations[policyv1alpha1.ClusterPropagationPolicyAnnotation] != "all" {
			t.Errorf("claim = %v %v", b.RB.Labels, b.RB.Annotations)
		}
	})

	t.Run("cluster-scoped template", func(t *testing.T) {
		obj := clusterRole("system:viewer")
		b, err := BuildBinding(obj, FromClusterPropagationPolicy(cpp("all", 0)))
		if err != nil {
			t.Fatal(err)
		}
		if !b.IsCluster() {
			t.Fatal("want a ClusterResourceBinding")
		}
		crb := b.CRB
		if crb.Kind != "ClusterResourceBinding" || crb.Name != "system.viewer-clusterrole" || crb.Namespace != "" {
			t.Errorf("crb = %s %s/%s", crb.Kind, crb.Namespace, crb.Name)
		}
		if len(crb.Finalizers) != 1 || crb.Finalizers[0] != workv1alpha2.ClusterResourceBindingControllerFinalizer {
			t.Errorf("finalizers = %v", crb.Finalizers)
		}
		if crb.Spec.Replicas != 0 || crb.Spec.ReplicaRequirements != nil {
			t.Errorf("replicas for a kind without replicas: %d %v", crb.Spec.Replicas, crb.Spec.ReplicaRequirements)
		}
		if b.Object().GetName() != crb.Name || b.Spec() != &crb.Spec {
			t.Error("accessors")
		}
	})

	t.Run("errors", func(t *testing.T) {
		if _, err := BuildBinding(clusterRole("x"), FromPropagationPolicy(pp("default", "p", 0))); err == nil {
			t.Error("pp claiming a cluster-scoped template")
		}
		if _, err := BuildBinding(deploy("other", "x", nil), FromPropagationPolicy(pp("default", "p", 0))); err == nil {
			t.Error("pp claiming a template of another namespace")
		}
		if _, err := BuildBinding(deploy("default", "x", nil), Policy{}); err == nil {
			t.Error("zero policy")
		}
	})
}

func TestMergeBinding(t *testing.T) {
	obj := deploy("default", "nginx", nil)
	p1 := pp("default", "p1", 0, depSel("", nil))
	desired, err := BuildBinding(obj, FromPropagationPolicy(p1))
	if err != nil {
		t.Fatal(err)
	}
	existing := &Binding{RB: desired.RB.DeepCopy()}
	existing.RB.Labels["resourcebinding.karmada.io/permanent-id"] = "rb-id"
	existing.RB.Finalizers = append(existing.RB.Finalizers, "other")
	existing.RB.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 3}}

	if _, changed := MergeBinding(existing, desired); changed {
		t.Error("no-op merge reported a change")
	}

	obj.Object["spec"].(map[string]any)["replicas"] = int64(5)
	p2 := pp("default", "p2", 0, depSel("", nil))
	p2.Spec.SchedulerName = "s2"
	desired2, err := BuildBinding(obj, FromPropagationPolicy(p2))
	if err != nil {
		t.Fatal(err)
	}
	merged, changed := MergeBinding(existing, desired2)
	if !changed {
		t.Fatal("merge reported no change")
	}
	rb := merged.RB
	if rb.Spec.Replicas != 5 || rb.Spec.SchedulerName != "s2" {
		t.Errorf("spec not updated: %+v", rb.Spec)
	}
	if len(rb.Spec.Clusters) != 1 || rb.Spec.Clusters[0].Name != "member1" {
		t.Errorf("spec.clusters overwritten: %v", rb.Spec.Clusters)
	}
	if rb.Labels["resourcebinding.karmada.io/permanent-id"] != "rb-id" || len(rb.Finalizers) != 2 {
		t.Errorf("foreign metadata lost: %v %v", rb.Labels, rb.Finalizers)
	}
	if !IsClaimedBy(rb, FromPropagationPolicy(p2)) || IsClaimedBy(rb, FromPropagationPolicy(p1)) {
		t.Errorf("claim not switched: %v %v", rb.Labels, rb.Annotations)
	}
	if existing.RB.Spec.Replicas != 3 || !IsClaimedBy(existing.RB, FromPropagationPolicy(p1)) {
		t.Error("MergeBinding modified existing")
	}
}
