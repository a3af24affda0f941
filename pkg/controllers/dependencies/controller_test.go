package dependencies

import (
	"errors"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

func deployment(mutate func(u *unstructured.Unstructured)) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{
			"name": "web", "namespace": "ns", "resourceVersion": "1", "generation": int64(1),
			"labels":        map[string]interface{}{"app": "web"},
			"managedFields": []interface{}{map[string]interface{}{"manager": "kubectl"}},
		},
		"spec":   map[string]interface{}{"replicas": int64(2)},
		"status": map[string]interface{}{"readyReplicas": int64(0)},
	}}
	if mutate != nil {
		mutate(u)
	}
	return u
}

func TestTemplateChanged(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(u *unstructured.Unstructured)
		want   bool
	}{
		{name: "nothing", want: false},
		{name: "status", mutate: func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(2), "status", "readyReplicas")
		}, want: false},
		{name: "resourceVersion and managedFields", mutate: func(u *unstructured.Unstructured) {
			u.SetResourceVersion("2")
			u.SetManagedFields(nil)
		}, want: false},
		{name: "spec", mutate: func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(3), "spec", "replicas")
		}, want: true},
		{name: "labels", mutate: func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"app": "other"}) }, want: true},
		{name: "deletion", mutate: func(u *unstructured.Unstructured) { u.SetDeletionTimestamp(&metav1.Time{}) }, want: true},
		{name: "data of a ConfigMap", mutate: func(u *unstructured.Unstructured) { u.Object["data"] = map[string]interface{}{"k": "v"} }, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eq(t, tt.want, templateChanged(deployment(nil), deployment(tt.mutate)))
		})
	}
}

func TestReferrersLook(t *testing.T) {
	base := &workv1alpha2.ResourceBinding{}
	base.Spec.RequiredBy = []workv1alpha2.BindingSnapshot{snap("a", "m1")}
	base.Spec.ConflictResolution = abort
	tests := []struct {
		name   string
		mutate func(b *workv1alpha2.ResourceBinding)
		want   bool
	}{
		{name: "nothing", mutate: func(*workv1alpha2.ResourceBinding) {}, want: false},
		{name: "clusters of the binding", mutate: func(b *workv1alpha2.ResourceBinding) {
			b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "m1"}}
		}, want: false},
		{name: "requiredBy", mutate: func(b *workv1alpha2.ResourceBinding) { b.Spec.RequiredBy[0].Clusters = nil }, want: true},
		{name: "claimed by a policy", mutate: func(b *workv1alpha2.ResourceBinding) { b.Spec.Placement = &policyv1alpha1.Placement{} }, want: true},
		{name: "conflictResolution of an attached binding", mutate: func(b *workv1alpha2.ResourceBinding) { b.Spec.ConflictResolution = "" }, want: true},
		{name: "preserveResourcesOnDeletion of an attached binding", mutate: func(b *workv1alpha2.ResourceBinding) {
			b.Spec.PreserveResourcesOnDeletion = ptr.To(true)
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base.DeepCopy()
			tt.mutate(n)
			eq(t, tt.want, referrersLook(base, n))
		})
	}
	claimed := base.DeepCopy()
	claimed.Spec.Placement = &policyv1alpha1.Placement{}
	changed := claimed.DeepCopy()
	changed.Spec.ConflictResolution = overwrite
	eq(t, false, referrersLook(claimed, changed), "a policy's own values")
}

// A referrer is reconciled again when its spec, its deletion or its recorded dependencies
// change; status, clusters and other annotations alone do not bring it back.
func TestReferrerLooksAgain(t *testing.T) {
	base := &workv1alpha2.ResourceBinding{}
	base.Generation = 1
	base.Spec.PropagateDeps = true
	now := metav1.Now()
	tests := []struct {
		name   string
		mutate func(b *workv1alpha2.ResourceBinding)
		want   bool
	}{
		{name: "nothing", mutate: func(*workv1alpha2.ResourceBinding) {}, want: false},
		{name: "status", mutate: func(b *workv1alpha2.ResourceBinding) {
			b.Status.AggregatedStatus = []workv1alpha2.AggregatedStatusItem{{ClusterName: "m1"}}
		}, want: false},
		{name: "another annotation", mutate: func(b *workv1alpha2.ResourceBinding) {
			b.Annotations = map[string]string{"note": "x"}
		}, want: false},
		{name: "generation", mutate: func(b *workv1alpha2.ResourceBinding) { b.Generation = 2 }, want: true},
		{name: "deletion", mutate: func(b *workv1alpha2.ResourceBinding) { b.DeletionTimestamp = &now }, want: true},
		{name: "dependencies recorded", mutate: func(b *workv1alpha2.ResourceBinding) {
			b.Annotations = map[string]string{workv1alpha2.BindingDependenciesAnnotationKey: `[{"apiVersion":"v1","kind":"Service","namespace":"ns","name":"derived-serve"}]`}
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base.DeepCopy()
			tt.mutate(n)
			eq(t, tt.want, referrerLooksAgain(base, n))
		})
	}
}

// stubInterpreter answers GetDependencies with deps or err.
type stubInterpreter struct {
	interpreter.Interpreter
	deps []interpreter.Dependency
	err  error
}

func (s *stubInterpreter) GetDependencies(*unstructured.Unstructured) ([]interpreter.Dependency, error) {
	return s.deps, s.err
}

// events drains the recorder.
func drain(r *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestEventsOncePerState(t *testing.T) {
	rec := record.NewFakeRecorder(100)
	stub := &stubInterpreter{deps: []interpreter.Dependency{{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "cfg"}}}
	d := &controller{c: &controllers.Context{Interpreter: stub}, recorder: rec, memory: newMemory()}
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-deployment", UID: "u1", Generation: 1}}
	tmpl := deployment(nil)
	const succeed = "Normal GetDependenciesSucceed Get dependencies([{APIVersion:v1 Kind:ConfigMap Namespace:ns Name:cfg LabelSelector:nil}]) succeed."
	const annotation = `[{"apiVersion":"v1","kind":"ConfigMap","namespace":"ns","name":"cfg"}]`

	step := func(what string, want ...string) {
		t.Helper()
		eq(t, want, drain(rec), what)
	}
	_, value, err := d.dependencies(rb, tmpl)
	eq(t, nil, err)
	eq(t, annotation, value)
	step("first time", succeed)
	_, _, _ = d.dependencies(rb, tmpl)
	step("again, annotation not seen written yet")
	rb.Annotations = map[string]string{workv1alpha2.BindingDependenciesAnnotationKey: annotation}
	_, _, _ = d.dependencies(rb, tmpl)
	step("recorded")

	stub.err = errors.New("boom")
	_, _, _ = d.dependencies(rb, tmpl)
	_, _, _ = d.dependencies(rb, tmpl)
	step("failing twice alike", "Warning GetDependenciesFailed boom")
	stub.err = errors.New("bang")
	_, _, _ = d.dependencies(rb, tmpl)
	step("another failure", "Warning GetDependenciesFailed bang")
	stub.err = nil
	_, _, _ = d.dependencies(rb, tmpl)
	step("recovered", succeed)

	stub.deps = nil
	_, value, _ = d.dependencies(rb, tmpl)
	eq(t, "null", value, "no dependencies, as Karmada records them")
	step("dependencies gone", "Normal GetDependenciesSucceed Get dependencies([]) succeed.")

	// Sync results.
	const synced = "Normal SyncScheduleResultToDependenciesSucceed Sync schedule results to dependencies succeed."
	d.recordSync(rb, true, nil)
	step("not scheduled yet")
	rb.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "m1"}}
	d.recordSync(rb, false, nil)
	step("first sync of generation 1 with clusters", synced)
	d.recordSync(rb, false, nil)
	step("nothing new")
	d.recordSync(rb, true, nil)
	step("wrote something", synced)
	d.recordSync(rb, false, errors.Join(errors.New("e1")))
	d.recordSync(rb, false, errors.Join(errors.New("e1")))
	step("failing twice alike", "Warning SyncScheduleResultToDependenciesFailed e1")
	d.recordSync(rb, false, nil)
	step("recovered", synced)
	rb.Generation = 2
	d.recordSync(rb, false, nil)
	step("generation 2", synced)

	// Conflicts on an attached binding.
	attached := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cfg-configmap"}}
	both := []string{conflictResolutionConflict, preserveConflict}
	const conflict = "Warning DependencyPolicyConflict Dependency policy conflict detected: ConflictResolution conflicted (Overwrite vs Abort); PreserveResourcesOnDeletion conflicted (true vs false)."
	d.recordConflict(attached, both, true)
	step("new conflict", conflict)
	d.recordConflict(attached, both, false)
	step("same conflict, nothing written")
	d.recordConflict(attached, both, true)
	step("same conflict, binding written", conflict)
	d.recordConflict(attached, nil, true)
	step("resolved")
	d.recordConflict(attached, both, false)
	step("back", conflict)

	d.memory.forget(binding.RB("ns", "web-deployment"))
	d.memory.forget(binding.RB("ns", "cfg-configmap"))
	eq(t, 0, d.memory.len(), "memory after the bindings went")
}
