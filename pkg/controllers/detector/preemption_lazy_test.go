package detector

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/names"
)

var deploymentsGVR = controllertest.Deployments

// fixture is the detector on fake clients (controllertest): policies and bindings in a
// fake Karmada clientset, templates in a fake dynamic client, Events in a fake recorder.
type fixture struct {
	d   *controller
	rec *record.FakeRecorder
	key string
}

func policyOn(name string, prio int32, cluster string) *policyv1alpha1.PropagationPolicy {
	p := &policyv1alpha1.PropagationPolicy{}
	p.Namespace, p.Name = "default", name
	p.Labels = map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "id-" + name}
	p.Spec.Priority = ptr.To(prio)
	p.Spec.ResourceSelectors = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "web"}}
	p.Spec.Placement.ClusterAffinity = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{cluster}}
	return p
}

func webTemplate() *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default", "uid": "uid-web", "resourceVersion": "1"},
		"spec": map[string]interface{}{"replicas": int64(2), "template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c", "image": "pause"}}}}},
	}}
	return u
}

// claimedBy returns the template and its binding as the detector left them when policy
// claimed the template and the scheduler placed it on cluster.
func claimedBy(t *testing.T, policy detector.Policy, cluster string) (*unstructured.Unstructured, *workv1alpha2.ResourceBinding) {
	t.Helper()
	u := webTemplate()
	detector.ApplyClaim(u, policy)
	b, err := binding.BuildWith(interpreter.Default(), u, policy)
	if err != nil {
		t.Fatal(err)
	}
	rb := b.ResourceBinding()
	rb.UID = "uid-binding"
	rb.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: cluster, Replicas: 2}}
	return u, rb
}

func newFixture(t *testing.T, gate bool, template *unstructured.Unstructured, karmadaObjs ...runtime.Object) *fixture {
	t.Helper()
	var templates []runtime.Object
	if template != nil {
		templates = append(templates, template)
	}
	env := controllertest.New(t, controllertest.Objects{Karmada: karmadaObjs, Templates: templates,
		TemplateIndexers: cache.Indexers{ClaimIndex: ClaimIndexFunc}})
	c, kinf := env.C, env.C.KarmadaInformers
	d := &controller{
		c: c, recorder: env.Recorder, templates: c.Templates,
		queue:             controllers.NewQueue("test-detector"),
		ppLister:          kinf.Policy().V1alpha1().PropagationPolicies().Lister(),
		cppLister:         kinf.Policy().V1alpha1().ClusterPropagationPolicies().Lister(),
		store:             binding.NewAccessor(c.KarmadaClient, kinf),
		pcLister:          c.KubeInformers.Scheduling().V1().PriorityClasses().Lister(),
		preemptionEnabled: func() bool { return gate },
	}
	t.Cleanup(d.queue.ShutDown)
	env.Start(t, controllertest.Deployments)
	return &fixture{d: d, rec: env.Recorder, key: templateKey(controllertest.Deployments, "default", "web")}
}

func (f *fixture) reconcile(t *testing.T) {
	t.Helper()
	if _, err := f.d.reconcile(context.Background(), f.key); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
}

func (f *fixture) template(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	u, err := f.d.c.Dynamic.Resource(deploymentsGVR).Namespace("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) binding(t *testing.T) *workv1alpha2.ResourceBinding {
	t.Helper()
	b, err := f.d.c.KarmadaClient.WorkV1alpha2().ResourceBindings("default").Get(context.Background(),
		names.GenerateBindingName("Deployment", "web"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func placementClusters(b *workv1alpha2.ResourceBinding) string {
	if b.Spec.Placement == nil || b.Spec.Placement.ClusterAffinity == nil {
		return ""
	}
	return strings.Join(b.Spec.Placement.ClusterAffinity.ClusterNames, ",")
}

// TestPreemptionRepointsBinding: with the gate on, a higher-priority PropagationPolicy with
// preemption Always takes a template from a lower one: the template's claim switches, the
// same binding (same uid, scheduling result kept for the scheduler to redo) now carries
// the new claim and placement, and Karmada's PreemptPolicySucceed Event is on the template.
// With the gate off nothing changes.
func TestPreemptionRepointsBinding(t *testing.T) {
	for _, gate := range []bool{true, false} {
		low, high := policyOn("low", 1, "member1"), policyOn("high", 2, "member2")
		high.Spec.Preemption = policyv1alpha1.PreemptAlways
		u, rb := claimedBy(t, detector.FromPropagationPolicy(low), "member1")
		f := newFixture(t, gate, u, low, high, rb)
		f.reconcile(t)

		tpl, b := f.template(t), f.binding(t)
		evs := f.events()
		if !gate {
			if !detector.IsClaimedBy(tpl, detector.FromPropagationPolicy(low)) || placementClusters(b) != "member1" {
				t.Errorf("gate off: template claim %v, binding placement %q; want both unchanged", tpl.GetLabels(), placementClusters(b))
			}
			for _, e := range evs {
				if strings.Contains(e, "Preempt") {
					t.Errorf("gate off: unexpected event %q", e)
				}
			}
			continue
		}
		if !detector.IsClaimedBy(tpl, detector.FromPropagationPolicy(high)) || !claimMetadataExact(tpl, detector.FromPropagationPolicy(high)) {
			t.Errorf("template labels %v annotations %v, want exactly high's claim", tpl.GetLabels(), tpl.GetAnnotations())
		}
		if b.UID != "uid-binding" {
			t.Errorf("binding uid %q: it was recreated, want it re-pointed", b.UID)
		}
		if !detector.IsClaimedBy(b, detector.FromPropagationPolicy(high)) || b.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "id-high" {
			t.Errorf("binding labels %v, want high's claim", b.Labels)
		}
		if placementClusters(b) != "member2" {
			t.Errorf("binding placement %q, want member2", placementClusters(b))
		}
		want := "Normal PreemptPolicySucceed Propagation policy(default/high) preempted propagation policy(default/low) successfully"
		found := false
		for _, e := range evs {
			found = found || e == want
		}
		if !found {
			t.Errorf("events %q, want %q", evs, want)
		}
	}
}

// TestPreemptionOfClusterPolicy: a PropagationPolicy with preemption Always takes a template
// claimed by a ClusterPropagationPolicy of higher priority; the CPP claim is gone from the
// template and its binding.
func TestPreemptionOfClusterPolicy(t *testing.T) {
	base := &policyv1alpha1.ClusterPropagationPolicy{}
	base.Name = "base"
	base.Labels = map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "cid-base"}
	base.Spec.Priority = ptr.To[int32](100)
	base.Spec.ResourceSelectors = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}}
	base.Spec.Placement.ClusterAffinity = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}
	pp := policyOn("mine", 0, "member2")
	pp.Spec.Preemption = policyv1alpha1.PreemptAlways
	u, rb := claimedBy(t, detector.FromClusterPropagationPolicy(base), "member1")
	f := newFixture(t, true, u, base, pp, rb)
	f.reconcile(t)

	tpl, b := f.template(t), f.binding(t)
	for _, o := range []metav1.Object{tpl, b} {
		if _, ok := o.GetLabels()[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel]; ok {
			t.Errorf("%s still has the CPP claim: %v", o.GetName(), o.GetLabels())
		}
		if !detector.IsClaimedBy(o, detector.FromPropagationPolicy(pp)) {
			t.Errorf("%s not claimed by the PP: %v %v", o.GetName(), o.GetLabels(), o.GetAnnotations())
		}
	}
	if b.UID != "uid-binding" || placementClusters(b) != "member2" {
		t.Errorf("binding uid %q placement %q, want the same binding placed on member2", b.UID, placementClusters(b))
	}
	want := "Normal PreemptPolicySucceed Propagation policy(default/mine) preempted cluster propagation policy(base) successfully"
	if evs := f.events(); !strings.Contains(strings.Join(evs, "\n"), want) {
		t.Errorf("events %q, want %q", evs, want)
	}
}

// TestLazyActivation: a reconcile caused by a policy change leaves a Lazy policy's binding as
// it was; the next reconcile after the template's own change brings it up to date.
func TestLazyActivation(t *testing.T) {
	lazy := policyOn("lazy", 0, "member2") // was member1 when it claimed the template
	lazy.Spec.ActivationPreference = policyv1alpha1.LazyActivation
	old := lazy.DeepCopy()
	old.Spec.Placement.ClusterAffinity.ClusterNames = []string{"member1"}
	u, rb := claimedBy(t, detector.FromPropagationPolicy(old), "member1")
	f := newFixture(t, true, u, lazy, rb)

	f.reconcile(t) // what the policy update enqueues
	if b := f.binding(t); placementClusters(b) != "member1" {
		t.Fatalf("policy change reached the binding of a Lazy policy: placement %q", placementClusters(b))
	}
	f.d.markUserChange(f.key) // the template's informer saw a user change
	f.reconcile(t)
	if b := f.binding(t); placementClusters(b) != "member2" {
		t.Fatalf("template change did not activate the Lazy policy: placement %q", placementClusters(b))
	}
	if f.d.takeUserChange(f.key) {
		t.Error("the template change is still pending after a successful reconcile")
	}
}

// TestLazyPolicyHit: a Lazy policy created after the template claims it at once but makes
// no binding until the template changes.
func TestLazyPolicyHit(t *testing.T) {
	lazy := policyOn("lazy", 0, "member1")
	lazy.Spec.ActivationPreference = policyv1alpha1.LazyActivation
	f := newFixture(t, false, webTemplate(), lazy)
	f.reconcile(t)
	if tpl := f.template(t); !detector.IsClaimedBy(tpl, detector.FromPropagationPolicy(lazy)) {
		t.Fatalf("template not claimed: %v", tpl.GetLabels())
	}
	if _, err := f.d.c.KarmadaClient.WorkV1alpha2().ResourceBindings("default").Get(context.Background(),
		names.GenerateBindingName("Deployment", "web"), metav1.GetOptions{}); err == nil {
		t.Fatal("a binding was made before the template changed")
	}
	f.d.markUserChange(f.key)
	// The claim patch reaches the informer asynchronously; retry until the binding exists.
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.reconcile(t)
		f.d.markUserChange(f.key)
		if _, err := f.d.c.KarmadaClient.WorkV1alpha2().ResourceBindings("default").Get(context.Background(),
			names.GenerateBindingName("Deployment", "web"), metav1.GetOptions{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no binding after the template changed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
