package detector

import (
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// kindWide is policyOn without the name in its selector: it selects every Deployment.
func kindWide(name string, prio int32, cluster string) *policyv1alpha1.PropagationPolicy {
	p := policyOn(name, prio, cluster)
	p.Spec.ResourceSelectors[0].Name = ""
	return p
}

func clusterPolicyOn(name string, prio int32, cluster string) *policyv1alpha1.ClusterPropagationPolicy {
	p := &policyv1alpha1.ClusterPropagationPolicy{}
	p.Name = name
	p.Labels = map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "cid-" + name}
	p.Spec.Priority = ptr.To(prio)
	p.Spec.ResourceSelectors = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}}
	p.Spec.Placement.ClusterAffinity = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{cluster}}
	return p
}

// claimName is the policy an object's claim names: "pp:ns/name", "cpp:name" or "".
func claimName(o metav1.Object) string {
	c, ok := detector.ClaimOf(o)
	switch {
	case !ok:
		return ""
	case c.Cluster:
		return "cpp:" + c.Name
	default:
		return "pp:" + c.Namespace + "/" + c.Name
	}
}

func (f *fixture) maybeBinding(t *testing.T) *workv1alpha2.ResourceBinding {
	t.Helper()
	b, err := f.d.c.KarmadaClient.WorkV1alpha2().ResourceBindings("default").Get(t.Context(), names.GenerateBindingName("Deployment", "web"), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReconcileClaims: which policy claims a template, and the binding that follows.
func TestReconcileClaims(t *testing.T) {
	cases := []struct {
		name     string
		template func(t *testing.T) *unstructured.Unstructured
		policies []runtime.Object
		// wantClaim is the claim on the template and on its binding; "" for none.
		wantClaim string
		// wantPlacement is the binding's placement clusters; "-" when there is no binding.
		wantPlacement string
		wantEvent     string
	}{
		{name: "a matching policy claims the template and makes its binding",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{policyOn("web-pp", 0, "member1")},
			wantClaim: "pp:default/web-pp", wantPlacement: "member1",
			wantEvent: "Normal ApplyPolicySucceed Apply policy(default/web-pp) succeed"},
		{name: "no policy: nothing",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			wantClaim: "", wantPlacement: "-"},
		{name: "a policy for another object: nothing",
			template: func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies: []runtime.Object{func() runtime.Object {
				p := policyOn("other", 0, "member1")
				p.Spec.ResourceSelectors[0].Name = "api"
				return p
			}()},
			wantClaim: "", wantPlacement: "-"},
		{name: "conflicting policies: the higher priority wins",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{policyOn("low", 1, "member1"), kindWide("high", 5, "member2")},
			wantClaim: "pp:default/high", wantPlacement: "member2"},
		{name: "equal priority: selecting by name beats selecting the kind",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{kindWide("a-all", 3, "member1"), policyOn("z-named", 3, "member2")},
			wantClaim: "pp:default/z-named", wantPlacement: "member2"},
		{name: "equal priority and selector: the smaller name wins",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{policyOn("b", 0, "member2"), policyOn("a", 0, "member1")},
			wantClaim: "pp:default/a", wantPlacement: "member1"},
		{name: "a PropagationPolicy beats a ClusterPropagationPolicy of higher priority",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{clusterPolicyOn("all", 100, "member1"), policyOn("mine", 0, "member2")},
			wantClaim: "pp:default/mine", wantPlacement: "member2"},
		{name: "a ClusterPropagationPolicy when no PropagationPolicy matches",
			template:  func(*testing.T) *unstructured.Unstructured { return webTemplate() },
			policies:  []runtime.Object{clusterPolicyOn("all", 0, "member3")},
			wantClaim: "cpp:all", wantPlacement: "member3",
			wantEvent: "Normal ApplyPolicySucceed Apply cluster policy(all) succeed"},
		{name: "a claimed template keeps its policy against a higher one (no preemption)",
			template: func(t *testing.T) *unstructured.Unstructured {
				u, _ := claimedBy(t, detector.FromPropagationPolicy(policyOn("first", 0, "member1")), "member1")
				return u
			},
			policies:  []runtime.Object{policyOn("first", 0, "member1"), policyOn("later", 9, "member2")},
			wantClaim: "pp:default/first", wantPlacement: "member1"},
		{name: "the claiming policy no longer selects it: released, the binding stays unclaimed",
			template: func(t *testing.T) *unstructured.Unstructured {
				u, _ := claimedBy(t, detector.FromPropagationPolicy(policyOn("gone-astray", 0, "member1")), "member1")
				return u
			},
			policies: []runtime.Object{func() runtime.Object {
				p := policyOn("gone-astray", 0, "member1")
				p.Spec.ResourceSelectors[0].Name = "api"
				return p
			}(), func() runtime.Object {
				_, rb := claimedBy(t, detector.FromPropagationPolicy(policyOn("gone-astray", 0, "member1")), "member1")
				return rb
			}()},
			wantClaim: "", wantPlacement: "member1",
			wantEvent: "Normal PolicyReleased Released from its propagation policy: no policy selects it anymore"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false, tc.template(t), tc.policies...)
			f.reconcile(t)
			tpl, b := f.template(t), f.maybeBinding(t)
			if got := claimName(tpl); got != tc.wantClaim {
				t.Errorf("template claim %q, want %q (labels %v annotations %v)", got, tc.wantClaim, tpl.GetLabels(), tpl.GetAnnotations())
			}
			evs := f.events()
			if tc.wantPlacement == "-" {
				if b != nil {
					t.Errorf("a binding was made: %v", b.Labels)
				}
				if len(evs) != 0 {
					t.Errorf("events %q, want none", evs)
				}
				return
			}
			if b == nil {
				t.Fatal("no binding")
			}
			if got := claimName(b); got != tc.wantClaim {
				t.Errorf("binding claim %q, want %q", got, tc.wantClaim)
			}
			if got := placementClusters(b); got != tc.wantPlacement {
				t.Errorf("binding placement %q, want %q", got, tc.wantPlacement)
			}
			if tc.wantClaim != "" {
				r := b.Spec.Resource
				if r.APIVersion != "apps/v1" || r.Kind != "Deployment" || r.Namespace != "default" || r.Name != "web" || r.UID != "uid-web" || b.Spec.Replicas != 2 {
					t.Errorf("binding spec.resource %+v replicas %d", r, b.Spec.Replicas)
				}
				if o := metav1.GetControllerOf(b); o == nil || o.UID != "uid-web" || o.Kind != "Deployment" {
					t.Errorf("binding controller %+v, want the template", o)
				}
			}
			if tc.wantEvent != "" && !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, tc.wantEvent) }) {
				t.Errorf("events %q, want %q", evs, tc.wantEvent)
			}
		})
	}
}

// TestPolicyDeleted: a deleted policy releases what it claimed (the binding and what it
// propagated stay), lets go of its finalizer, and another policy may claim the template.
func TestPolicyDeleted(t *testing.T) {
	old := policyOn("old", 5, "member1")
	old.Finalizers = []string{policyv1alpha1.PropagationPolicyControllerFinalizer}
	now := metav1.Now()
	old.DeletionTimestamp = &now
	next := kindWide("next", 0, "member2")
	u, rb := claimedBy(t, detector.FromPropagationPolicy(policyOn("old", 5, "member1")), "member1")
	f := newFixture(t, false, u, old, next, rb)

	if _, err := f.d.reconcilePolicy(t.Context(), "pp|default|old"); err != nil {
		t.Fatalf("reconcilePolicy: %v", err)
	}
	tpl, b := f.template(t), f.binding(t)
	if claimName(tpl) != "" || claimName(b) != "" {
		t.Errorf("claims after the policy was deleted: template %q binding %q, want none", claimName(tpl), claimName(b))
	}
	if b.UID != "uid-binding" || placementClusters(b) != "member1" {
		t.Errorf("binding uid %q placement %q: it must stay as it was", b.UID, placementClusters(b))
	}
	pp, err := f.d.c.KarmadaClient.PolicyV1alpha1().PropagationPolicies("default").Get(t.Context(), "old", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(pp.Finalizers, policyv1alpha1.PropagationPolicyControllerFinalizer) {
		t.Errorf("policy finalizers %v, want released", pp.Finalizers)
	}
	evs := f.events()
	if want := "Normal PolicyReleased Released from its propagation policy: its policy PropagationPolicy default/old was deleted"; !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, want) }) {
		t.Errorf("events %q, want %q", evs, want)
	}
	if n := f.d.queue.Len(); n != 1 {
		t.Errorf("%d keys queued, want the released template's", n)
	}

	// At the template's next reconcile (once the cache has the release) the policy left claims it.
	controllertest.Eventually(t, "the template claimed by the policy left", func() bool {
		f.reconcile(t)
		return claimName(f.template(t)) == "pp:default/next" && f.maybeBinding(t) != nil && claimName(f.maybeBinding(t)) == "pp:default/next"
	})
	if b := f.binding(t); claimName(b) != "pp:default/next" || placementClusters(b) != "member2" || b.UID != "uid-binding" {
		t.Errorf("binding after the next policy claimed the template: claim %q placement %q uid %q", claimName(b), placementClusters(b), b.UID)
	}
}
