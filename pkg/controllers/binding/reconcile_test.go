package binding

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/names"
)

var rbKey = bindings.RB("default", "web-deployment")

var workName = names.GenerateWorkName("Deployment", "web", "default")

// newBinding is the binding controller (and its status half) on fake clients holding
// the Deployment template default/web and objs, informers synced.
func newBinding(t *testing.T, objs ...runtime.Object) (*controller, *controllertest.Env) {
	t.Helper()
	env := controllertest.New(t, controllertest.Objects{Karmada: objs, Templates: []runtime.Object{webTemplate()}})
	b := newController(env.C)
	t.Cleanup(b.queue.ShutDown)
	t.Cleanup(b.status.ShutDown)
	if err := b.works.AddIndexers(cache.Indexers{WorkBindingIndex: workBindingIndexFunc}); err != nil {
		t.Fatal(err)
	}
	env.Start(t, controllertest.Deployments)
	return b, env
}

func webTemplate() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default", "uid": "uid-web", "generation": int64(4),
			"labels": map[string]interface{}{"app": "web"}},
		"spec": map[string]interface{}{"replicas": int64(3), "template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c", "image": "nginx"}}}}},
	}}
}

// scheduled is the ResourceBinding of default/web, placed on clusters.
func scheduled(clusters ...workv1alpha2.TargetCluster) *workv1alpha2.ResourceBinding {
	return &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-deployment", Generation: 2,
			Labels: map[string]string{workv1alpha2.ResourceBindingPermanentIDLabel: "rb-id",
				policyv1alpha1.PropagationPolicyPermanentIDLabel: "pp-id"},
			Annotations: map[string]string{policyv1alpha1.PropagationPolicyNamespaceAnnotation: "default",
				policyv1alpha1.PropagationPolicyNameAnnotation: "web"},
			Finalizers: []string{workv1alpha2.BindingControllerFinalizer}},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "web", UID: "uid-web"},
			Replicas: 3,
			Placement: &policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDivided}},
			Clusters: clusters,
		},
	}
}

// overrideOn is an OverridePolicy for default/web that applies overriders on cluster.
func overrideOn(name, cluster string, o policyv1alpha1.Overriders) *policyv1alpha1.OverridePolicy {
	op := &policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
	op.Spec.ResourceSelectors = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}}
	op.Spec.OverrideRules = []policyv1alpha1.RuleWithCluster{{
		TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{cluster}}, Overriders: o}}
	return op
}

// work is an existing Work of the binding rb-id (or another) in cluster's execution namespace.
func work(cluster, bindingID string, applied *metav1.Condition, status string) *workv1alpha1.Work {
	w := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Namespace: names.GenerateExecutionSpaceName(cluster), Name: workName,
		Labels: map[string]string{workv1alpha2.ResourceBindingPermanentIDLabel: bindingID},
		Annotations: map[string]string{workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default",
			workv1alpha2.ResourceBindingNameAnnotationKey: "web-deployment"}}}
	if applied != nil {
		w.Status.Conditions = []metav1.Condition{*applied}
	}
	if status != "" {
		w.Status.ManifestStatuses = []workv1alpha1.ManifestStatus{{
			Identifier: workv1alpha1.ResourceIdentifier{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespace: "default", Name: "web"},
			Status:     &runtime.RawExtension{Raw: []byte(status)}, Health: workv1alpha1.ResourceHealthy,
		}}
	}
	return w
}

func manifest(t *testing.T, w *workv1alpha1.Work) *unstructured.Unstructured {
	t.Helper()
	if len(w.Spec.Workload.Manifests) != 1 {
		t.Fatalf("work %s/%s has %d manifests", w.Namespace, w.Name, len(w.Spec.Workload.Manifests))
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(w.Spec.Workload.Manifests[0].Raw); err != nil {
		t.Fatal(err)
	}
	return u
}

func has(evs []string, prefix string) bool {
	return slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, prefix) })
}

// TestReconcileWorks: one Work per target cluster, each with that cluster's replicas and the
// overrides that target it; a cluster no longer targeted loses its Work.
func TestReconcileWorks(t *testing.T) {
	label := overrideOn("edge-label", "member2", policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
		{Operator: policyv1alpha1.OverriderOpAdd, Value: map[string]string{"tier": "edge"}}}})
	stale := work("member3", "rb-id", nil, "")
	foreign := work("member3", "other-id", nil, "")
	foreign.Name = "other-work"
	b, env := newBinding(t, scheduled(workv1alpha2.TargetCluster{Name: "member1", Replicas: 2}, workv1alpha2.TargetCluster{Name: "member2", Replicas: 1}),
		controllertest.Cluster("member1"), controllertest.Cluster("member2"), label, stale, foreign)
	if _, err := b.reconcile(env.Ctx, rbKey); err != nil {
		t.Fatalf("reconcile: %v", err)
	}

	for _, tc := range []struct {
		cluster  string
		replicas int64
		tier     string
		applied  string
	}{
		{"member1", 2, "", ""},
		{"member2", 1, "edge", "edge-label"},
	} {
		w, err := env.Karmada.WorkV1alpha1().Works(names.GenerateExecutionSpaceName(tc.cluster)).Get(env.Ctx, workName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.cluster, err)
		}
		if w.Labels[workv1alpha2.ResourceBindingPermanentIDLabel] != "rb-id" || w.Annotations[workv1alpha2.ResourceBindingNameAnnotationKey] != "web-deployment" ||
			!slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
			t.Errorf("%s: work labels %v annotations %v finalizers %v", tc.cluster, w.Labels, w.Annotations, w.Finalizers)
		}
		m := manifest(t, w)
		if r, _, _ := unstructured.NestedInt64(m.Object, "spec", "replicas"); r != tc.replicas {
			t.Errorf("%s: replicas %d, want %d", tc.cluster, r, tc.replicas)
		}
		l, a := m.GetLabels(), m.GetAnnotations()
		if l["tier"] != tc.tier || l[policyv1alpha1.ManagedByKarmadaLabel] != policyv1alpha1.ManagedByKarmadaLabelValue ||
			l[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "pp-id" || l["app"] != "web" {
			t.Errorf("%s: manifest labels %v", tc.cluster, l)
		}
		if a[workv1alpha2.ResourceTemplateUIDAnnotation] != "uid-web" || a[workv1alpha2.WorkNameAnnotation] != workName ||
			a[workv1alpha2.ResourceConflictResolutionAnnotation] != workv1alpha2.ResourceConflictResolutionAbort {
			t.Errorf("%s: manifest annotations %v", tc.cluster, a)
		}
		if got := w.Annotations[policyv1alpha1.AppliedOverrides]; (tc.applied == "") != (got == "") || !strings.Contains(got, tc.applied) {
			t.Errorf("%s: applied-overrides annotation %q, want it to name %q", tc.cluster, got, tc.applied)
		}
	}
	if _, err := env.Karmada.WorkV1alpha1().Works("karmada-es-member3").Get(env.Ctx, workName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Work of the cluster no longer targeted: %v, want NotFound", err)
	}
	if _, err := env.Karmada.WorkV1alpha1().Works("karmada-es-member3").Get(env.Ctx, "other-work", metav1.GetOptions{}); err != nil {
		t.Errorf("another binding's Work was touched: %v", err)
	}
	evs := env.Events()
	for _, want := range []string{
		"Normal SyncWorkSucceed Sync work of ResourceBinding(default/web-deployment) successful.",
		"Normal ApplyOverridePolicySucceed Apply override policy(default/edge-label) for cluster(member2) succeed.",
	} {
		if !has(evs, want) {
			t.Errorf("events %q, want %q", evs, want)
		}
	}

	// Once the informer has the Works, a second pass writes nothing and says nothing.
	controllertest.Eventually(t, "the Works in the informer", func() bool {
		ws, _ := b.works.GetIndexer().ByIndex(WorkBindingIndex, "rb-id")
		return len(ws) == 2 && !slices.ContainsFunc(ws, func(o interface{}) bool {
			return o.(*workv1alpha1.Work).Namespace == "karmada-es-member3" // the stale one, deleted
		})
	})
	env.Karmada.ClearActions()
	if _, err := b.reconcile(env.Ctx, rbKey); err != nil {
		t.Fatal(err)
	}
	for _, a := range env.Karmada.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			t.Errorf("second reconcile wrote: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if evs := env.Events(); len(evs) != 0 {
		t.Errorf("second reconcile recorded %q", evs)
	}
}

// TestReconcileOverrideFails: an override that does not apply holds back that cluster's
// Work only, is not retried, and shows in Events and in the binding's status.
func TestReconcileOverrideFails(t *testing.T) {
	bad := overrideOn("bad", "member2", policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{
		{Path: "/spec/nothere/x", Operator: policyv1alpha1.OverriderOpReplace, Value: apiextensionsv1.JSON{Raw: []byte(`"v"`)}}}})
	b, env := newBinding(t, scheduled(workv1alpha2.TargetCluster{Name: "member1", Replicas: 2}, workv1alpha2.TargetCluster{Name: "member2", Replicas: 1}),
		controllertest.Cluster("member1"), controllertest.Cluster("member2"), bad)
	if _, err := b.reconcile(env.Ctx, rbKey); err != nil {
		t.Fatalf("reconcile returned %v; a render error is not retried", err)
	}
	if _, err := env.Karmada.WorkV1alpha1().Works("karmada-es-member1").Get(env.Ctx, workName, metav1.GetOptions{}); err != nil {
		t.Errorf("member1's Work: %v", err)
	}
	if _, err := env.Karmada.WorkV1alpha1().Works("karmada-es-member2").Get(env.Ctx, workName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("member2's Work: %v, want none", err)
	}
	evs := env.Events()
	if !has(evs, "Warning ApplyOverridePolicyFailed Apply override policy(default/bad) for cluster(member2) failed.") || !has(evs, "Warning SyncWorkFailed ") {
		t.Errorf("events %q", evs)
	}
	controllertest.Eventually(t, "member1's Work in the informer", func() bool {
		_, err := b.workLister.Works("karmada-es-member1").Get(workName)
		return err == nil
	})
	if _, err := b.reconcileStatus(env.Ctx, rbKey); err != nil {
		t.Fatal(err)
	}
	rb, _ := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
	if len(rb.Status.AggregatedStatus) != 2 || rb.Status.AggregatedStatus[1].ClusterName != "member2" ||
		!strings.Contains(rb.Status.AggregatedStatus[1].AppliedMessage, "/spec/nothere/x") {
		t.Errorf("aggregatedStatus %+v, want member2's render error", rb.Status.AggregatedStatus)
	}
}

// TestReconcileStatus: the Works' status is aggregated into the binding (aggregatedStatus,
// FullyApplied) and into the template's status.
func TestReconcileStatus(t *testing.T) {
	ok := &metav1.Condition{Type: workv1alpha1.WorkApplied, Status: metav1.ConditionTrue, Reason: "AppliedSuccessful"}
	failed := &metav1.Condition{Type: workv1alpha1.WorkApplied, Status: metav1.ConditionFalse, Reason: "AppliedFailed", Message: "boom"}
	const st = `{"replicas":2,"readyReplicas":2,"availableReplicas":2,"updatedReplicas":2,"observedGeneration":4}`
	cases := []struct {
		name      string
		works     []runtime.Object
		wantFully metav1.ConditionStatus
		wantItems string // cluster:applied:message
	}{
		{"all applied", []runtime.Object{work("member1", "rb-id", ok, st), work("member2", "rb-id", ok, st)},
			metav1.ConditionTrue, "member1:true:,member2:true:"},
		{"one failed", []runtime.Object{work("member1", "rb-id", ok, st), work("member2", "rb-id", failed, "")},
			metav1.ConditionFalse, "member1:true:,member2:false:boom"},
		{"one Work missing", []runtime.Object{work("member1", "rb-id", ok, st)},
			metav1.ConditionFalse, "member1:true:,member2:false:the Work for this cluster does not exist yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := append([]runtime.Object{scheduled(workv1alpha2.TargetCluster{Name: "member1", Replicas: 2}, workv1alpha2.TargetCluster{Name: "member2", Replicas: 1})}, tc.works...)
			b, env := newBinding(t, objs...)
			if _, err := b.reconcileStatus(env.Ctx, rbKey); err != nil {
				t.Fatalf("reconcileStatus: %v", err)
			}
			rb, _ := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
			var items []string
			for _, it := range rb.Status.AggregatedStatus {
				items = append(items, it.ClusterName+":"+map[bool]string{true: "true", false: "false"}[it.Applied]+":"+it.AppliedMessage)
			}
			if got := strings.Join(items, ","); got != tc.wantItems {
				t.Errorf("aggregatedStatus %q, want %q", got, tc.wantItems)
			}
			if c := meta.FindStatusCondition(rb.Status.Conditions, workv1alpha2.FullyApplied); c == nil || c.Status != tc.wantFully {
				t.Errorf("FullyApplied %+v, want %s", c, tc.wantFully)
			}
			if !has(env.Events(), "Normal AggregateStatusSucceed Update ResourceBinding(default/web-deployment) with AggregatedStatus successfully.") {
				t.Error("no AggregateStatusSucceed Event on the binding")
			}
			tmpl, err := env.Dynamic.Resource(controllertest.Deployments).Namespace("default").Get(env.Ctx, "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := int64(2 * strings.Count(tc.wantItems, ":true:"))
			if got, _, _ := unstructured.NestedInt64(tmpl.Object, "status", "readyReplicas"); got != want {
				raw, _ := json.Marshal(tmpl.Object["status"])
				t.Errorf("template status %s: readyReplicas %d, want %d (the members' sum)", raw, got, want)
			}
		})
	}
}

// TestReconcileDeletedBinding: a binding being deleted takes its Works with it and then
// lets go of its finalizer.
func TestReconcileDeletedBinding(t *testing.T) {
	rb := scheduled(workv1alpha2.TargetCluster{Name: "member1", Replicas: 3})
	now := metav1.Now()
	rb.DeletionTimestamp = &now
	b, env := newBinding(t, rb, work("member1", "rb-id", nil, ""))
	if _, err := b.reconcile(env.Ctx, rbKey); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Karmada.WorkV1alpha1().Works("karmada-es-member1").Get(env.Ctx, workName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Work: %v, want deleted", err)
	}
	got, err := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(got.Finalizers, workv1alpha2.BindingControllerFinalizer) {
		t.Errorf("finalizers %v, want the binding controller's gone", got.Finalizers)
	}
}
