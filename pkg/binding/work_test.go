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

package binding

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
)

const (
	workNS   = "karmada-es-member1"
	workName = "nginx-687f7fb96f"
)

// template is a Deployment as read from the control plane, with server-set fields.
func template(replicas int64) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata": map[string]any{
			"namespace":         "default",
			"name":              "nginx",
			"uid":               "uid-1",
			"resourceVersion":   "42",
			"generation":        int64(3),
			"creationTimestamp": "2024-01-01T00:00:00Z",
			"labels":            map[string]any{"app": "nginx"},
			"annotations":       map[string]any{"deployment.kubernetes.io/revision": "2", "note": "x"},
			"finalizers":        []any{"example.io/f"},
			"ownerReferences":   []any{map[string]any{"apiVersion": "v1", "kind": "Foo", "name": "o", "uid": "u"}},
		},
		"spec":   map[string]any{"replicas": replicas},
		"status": map[string]any{"readyReplicas": int64(1)},
	}}
}

func preparedManifest(replicas int64) *unstructured.Unstructured {
	m := template(replicas)
	PrepareManifest(m, workNS, workName, nil, nil)
	return m
}

func desiredWork(replicas int64) DesiredWork {
	return DesiredWork{
		Namespace: workNS, Name: workName,
		Labels:      map[string]string{"owner": "rb", workv1alpha2.ResourceBindingPermanentIDLabel: "rb-id"},
		Annotations: map[string]string{workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default", workv1alpha2.ResourceBindingNameAnnotationKey: "nginx-deployment"},
		Manifest:    preparedManifest(replicas),
	}
}

// workEnv is a fake clientset and a Work lister the test fills from it (sync), so what
// EnsureWork sees is exactly what the test decides.
type workEnv struct {
	client  *fake.Clientset
	indexer cache.Indexer
	lister  worklisters.WorkLister
}

func newWorkEnv(t *testing.T, works ...*workv1alpha1.Work) *workEnv {
	t.Helper()
	e := &workEnv{client: fake.NewSimpleClientset()}
	e.indexer = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	e.lister = worklisters.NewWorkLister(e.indexer)
	for _, w := range works {
		if err := e.client.Tracker().Add(w); err != nil {
			t.Fatal(err)
		}
	}
	e.sync(t)
	return e
}

// sync makes the lister hold what the fake API server holds, and clears the actions.
func (e *workEnv) sync(t *testing.T) {
	t.Helper()
	list, err := e.client.WorkV1alpha1().Works(metav1.NamespaceAll).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		if err := e.indexer.Update(list.Items[i].DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	e.client.ClearActions()
}

func (e *workEnv) ensure(t *testing.T, d DesiredWork) bool {
	t.Helper()
	wrote, err := EnsureWork(context.Background(), e.client, e.lister, d)
	if err != nil {
		t.Fatal(err)
	}
	return wrote
}

func (e *workEnv) work(t *testing.T) *workv1alpha1.Work {
	t.Helper()
	w, err := e.client.WorkV1alpha1().Works(workNS).Get(context.Background(), workName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (e *workEnv) writes() []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range e.client.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" && v != "watch" {
			out = append(out, a)
		}
	}
	return out
}

// onlyPatch returns the body of the one write, which must be a strategic merge patch of
// the Work.
func (e *workEnv) onlyPatch(t *testing.T) string {
	t.Helper()
	w := e.writes()
	if len(w) != 1 {
		t.Fatalf("want one patch, got %s", describe(w))
	}
	p, ok := w[0].(k8stesting.PatchAction)
	if !ok || p.GetResource().Resource != "works" || p.GetNamespace() != workNS || p.GetName() != workName {
		t.Fatalf("want a patch of Work %s/%s, got %s", workNS, workName, describe(w))
	}
	if p.GetPatchType() != types.StrategicMergePatchType {
		t.Errorf("patch type = %s, want strategic merge", p.GetPatchType())
	}
	return string(p.GetPatch())
}

func manifestOf(t *testing.T, w *workv1alpha1.Work) *unstructured.Unstructured {
	t.Helper()
	if len(w.Spec.Workload.Manifests) != 1 {
		t.Fatalf("Work has %d manifests, want 1", len(w.Spec.Workload.Manifests))
	}
	m := &unstructured.Unstructured{}
	if err := m.UnmarshalJSON(w.Spec.Workload.Manifests[0].Raw); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPrepareManifest(t *testing.T) {
	t.Run("template", func(t *testing.T) {
		m := template(2)
		PrepareManifest(m, workNS, workName, map[string]string{"extra": "l"}, map[string]string{"extra": "a"})
		wantLabels := map[string]string{"app": "nginx", "extra": "l", policyv1alpha1.ManagedByKarmadaLabel: policyv1alpha1.ManagedByKarmadaLabelValue}
		if got := m.GetLabels(); !maps.Equal(got, wantLabels) {
			t.Errorf("labels = %v, want %v", got, wantLabels)
		}
		wantAnn := map[string]string{"note": "x", "extra": "a", workv1alpha2.WorkNamespaceAnnotation: workNS, workv1alpha2.WorkNameAnnotation: workName}
		if got := m.GetAnnotations(); !maps.Equal(got, wantAnn) {
			t.Errorf("annotations = %v, want %v (the Deployment revision pruned)", got, wantAnn)
		}
		for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "finalizers", "ownerReferences"} {
			if _, ok := m.Object["metadata"].(map[string]any)[f]; ok {
				t.Errorf("metadata.%s kept", f)
			}
		}
		if _, ok := m.Object["status"]; ok {
			t.Error("status kept")
		}
		if r, _, _ := unstructured.NestedInt64(m.Object, "spec", "replicas"); r != 2 || m.GetName() != "nginx" || m.GetNamespace() != "default" {
			t.Errorf("manifest = %v", m.Object)
		}
	})
	t.Run("no labels or annotations", func(t *testing.T) {
		m := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}}}
		PrepareManifest(m, "ns1", "w1", nil, nil)
		if got := m.GetLabels(); !maps.Equal(got, map[string]string{policyv1alpha1.ManagedByKarmadaLabel: policyv1alpha1.ManagedByKarmadaLabelValue}) {
			t.Errorf("labels = %v", got)
		}
		if got := m.GetAnnotations(); !maps.Equal(got, map[string]string{workv1alpha2.WorkNamespaceAnnotation: "ns1", workv1alpha2.WorkNameAnnotation: "w1"}) {
			t.Errorf("annotations = %v", got)
		}
	})
	t.Run("the control plane's keys win", func(t *testing.T) {
		m := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{
			"name":        "c",
			"labels":      map[string]any{policyv1alpha1.ManagedByKarmadaLabel: "false"},
			"annotations": map[string]any{workv1alpha2.WorkNameAnnotation: "stale"},
		}}}
		PrepareManifest(m, "ns1", "w1", map[string]string{policyv1alpha1.ManagedByKarmadaLabel: "no"}, map[string]string{workv1alpha2.WorkNamespaceAnnotation: "bad"})
		if got := m.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel]; got != policyv1alpha1.ManagedByKarmadaLabelValue {
			t.Errorf("managed label = %q", got)
		}
		if a := m.GetAnnotations(); a[workv1alpha2.WorkNamespaceAnnotation] != "ns1" || a[workv1alpha2.WorkNameAnnotation] != "w1" {
			t.Errorf("annotations = %v", a)
		}
	})
}

func TestEnsureWorkCreate(t *testing.T) {
	e := newWorkEnv(t)
	d := desiredWork(2)
	d.SuspendDispatching = ptr.To(true)
	d.PreserveResourcesOnDeletion = ptr.To(true)
	owner := metav1.OwnerReference{APIVersion: "v1", Kind: "Namespace", Name: "default", UID: "ns-uid"}
	d.OwnerReferences = []metav1.OwnerReference{owner}
	before := d.Manifest.DeepCopy()

	if !e.ensure(t, d) {
		t.Error("EnsureWork reported nothing written for a new Work")
	}
	if w := e.writes(); len(w) != 1 || w[0].GetVerb() != "create" || w[0].GetNamespace() != workNS {
		t.Fatalf("want one create in %s, got %s", workNS, describe(w))
	}
	w := e.work(t)
	if !slices.Equal(w.Finalizers, []string{workv1alpha1.ExecutionControllerFinalizer}) {
		t.Errorf("finalizers = %v, want the execution finalizer", w.Finalizers)
	}
	if !maps.Equal(w.Labels, d.Labels) || !maps.Equal(w.Annotations, d.Annotations) {
		t.Errorf("labels %v, annotations %v; want %v, %v", w.Labels, w.Annotations, d.Labels, d.Annotations)
	}
	if !ptr.Deref(w.Spec.SuspendDispatching, false) || !ptr.Deref(w.Spec.PreserveResourcesOnDeletion, false) {
		t.Errorf("suspendDispatching %v, preserveResourcesOnDeletion %v; want both true", w.Spec.SuspendDispatching, w.Spec.PreserveResourcesOnDeletion)
	}
	if len(w.OwnerReferences) != 1 || w.OwnerReferences[0].UID != "ns-uid" {
		t.Errorf("ownerReferences = %v", w.OwnerReferences)
	}
	m := manifestOf(t, w)
	if m.GetKind() != "Deployment" || m.GetName() != "nginx" || m.GetNamespace() != "default" {
		t.Errorf("manifest is %s %s/%s", m.GetKind(), m.GetNamespace(), m.GetName())
	}
	if r, _, _ := unstructured.NestedInt64(m.Object, "spec", "replicas"); r != 2 {
		t.Errorf("manifest replicas = %d, want 2", r)
	}
	if m.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel] != policyv1alpha1.ManagedByKarmadaLabelValue {
		t.Errorf("manifest labels = %v, want the managed label", m.GetLabels())
	}
	a := m.GetAnnotations()
	if a[workv1alpha2.WorkNamespaceAnnotation] != workNS || a[workv1alpha2.WorkNameAnnotation] != workName {
		t.Errorf("manifest annotations = %v, want the Work's namespace and name", a)
	}
	if a[workv1alpha2.ManagedLabels] != "app,"+policyv1alpha1.ManagedByKarmadaLabel {
		t.Errorf("managed-labels = %q", a[workv1alpha2.ManagedLabels])
	}
	if !strings.Contains(a[workv1alpha2.ManagedAnnotation], workv1alpha2.WorkNameAnnotation) {
		t.Errorf("managed-annotations = %q, want it to list %s", a[workv1alpha2.ManagedAnnotation], workv1alpha2.WorkNameAnnotation)
	}
	if !apiequality.Semantic.DeepEqual(d.Manifest, before) {
		t.Error("EnsureWork changed the caller's manifest")
	}
}

func TestEnsureWorkIdempotent(t *testing.T) {
	e := newWorkEnv(t)
	d := desiredWork(2)
	d.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: "default", UID: "ns-uid"}}
	d.DropAnnotations = []string{"absent"}
	e.ensure(t, d)
	e.sync(t)
	for i := range 2 {
		if e.ensure(t, desiredWorkLike(d)) {
			t.Errorf("call %d: EnsureWork wrote an unchanged Work: %s", i+2, describe(e.writes()))
		}
		if w := e.writes(); len(w) != 0 {
			t.Errorf("call %d: want no writes, got %s", i+2, describe(w))
		}
	}
}

// desiredWorkLike is d with a freshly built manifest, as a controller's next reconcile
// builds it.
func desiredWorkLike(d DesiredWork) DesiredWork {
	d.Manifest = preparedManifest(2)
	return d
}

func TestEnsureWorkPermanentID(t *testing.T) {
	e := newWorkEnv(t)
	d := desiredWork(2)
	e.ensure(t, d)
	// The API server gives the Work its permanent id; the manifest carries it too.
	w := e.work(t)
	w.Labels[workv1alpha1.WorkPermanentIDLabel] = "work-id"
	if _, err := e.client.WorkV1alpha1().Works(workNS).Update(context.Background(), w, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if !e.ensure(t, d) {
		t.Fatal("EnsureWork did not write the permanent id into the manifest")
	}
	e.onlyPatch(t)
	w = e.work(t)
	if got := manifestOf(t, w).GetLabels()[workv1alpha1.WorkPermanentIDLabel]; got != "work-id" {
		t.Errorf("manifest permanent id = %q, want work-id", got)
	}
	if w.Labels[workv1alpha1.WorkPermanentIDLabel] != "work-id" {
		t.Errorf("Work labels = %v, want the permanent id kept", w.Labels)
	}
	e.sync(t)
	if e.ensure(t, d) {
		t.Errorf("EnsureWork wrote again: %s", describe(e.writes()))
	}
}

func TestEnsureWorkUpdates(t *testing.T) {
	owner := metav1.OwnerReference{APIVersion: "v1", Kind: "Namespace", Name: "default", UID: "ns-uid"}
	cases := []struct {
		name string
		// edit changes the desired Work from the one created.
		edit func(d *DesiredWork)
		// check verifies the stored Work; patch is the patch body.
		check func(t *testing.T, w *workv1alpha1.Work, patch string)
	}{
		{"manifest changed", func(d *DesiredWork) { d.Manifest = preparedManifest(5) }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if r, _, _ := unstructured.NestedInt64(manifestOf(t, w).Object, "spec", "replicas"); r != 5 {
				t.Errorf("manifest replicas = %d, want 5", r)
			}
		}},
		{"label value changed", func(d *DesiredWork) { d.Labels["owner"] = "crb" }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if w.Labels["owner"] != "crb" || w.Labels["foreign"] != "kept" {
				t.Errorf("labels = %v, want owner=crb and foreign kept", w.Labels)
			}
			if strings.Contains(patch, "workload") {
				t.Errorf("label patch %s sends the manifest", patch)
			}
		}},
		{"label added", func(d *DesiredWork) { d.Labels["new"] = "v" }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if w.Labels["new"] != "v" || w.Labels["owner"] != "rb" {
				t.Errorf("labels = %v", w.Labels)
			}
		}},
		{"annotation changed", func(d *DesiredWork) { d.Annotations[workv1alpha2.ResourceBindingNameAnnotationKey] = "other" }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if w.Annotations[workv1alpha2.ResourceBindingNameAnnotationKey] != "other" {
				t.Errorf("annotations = %v", w.Annotations)
			}
		}},
		{"annotation dropped", func(d *DesiredWork) { d.DropAnnotations = []string{"policy.karmada.io/applied-overrides"} }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if _, ok := w.Annotations["policy.karmada.io/applied-overrides"]; ok {
				t.Errorf("annotations = %v, want the dropped one gone", w.Annotations)
			}
			if w.Annotations[workv1alpha2.ResourceBindingNameAnnotationKey] != "nginx-deployment" {
				t.Errorf("annotations = %v, want the others kept", w.Annotations)
			}
		}},
		{"dispatching suspended", func(d *DesiredWork) { d.SuspendDispatching = ptr.To(true) }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if !ptr.Deref(w.Spec.SuspendDispatching, false) {
				t.Error("suspendDispatching not set")
			}
		}},
		{"preserve on deletion", func(d *DesiredWork) { d.PreserveResourcesOnDeletion = ptr.To(true) }, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if !ptr.Deref(w.Spec.PreserveResourcesOnDeletion, false) {
				t.Error("preserveResourcesOnDeletion not set")
			}
		}},
		{"owner reference added", func(d *DesiredWork) {
			d.OwnerReferences = append(d.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "c", UID: "cm-uid"})
		}, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			if len(w.OwnerReferences) != 2 || w.OwnerReferences[0].UID != "ns-uid" || w.OwnerReferences[1].UID != "cm-uid" {
				t.Errorf("ownerReferences = %v", w.OwnerReferences)
			}
		}},
		{"owner re-created under the same name", func(d *DesiredWork) {
			d.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: "default", UID: "ns-uid-2"}}
		}, func(t *testing.T, w *workv1alpha1.Work, patch string) {
			// Owner references are matched by UID: the new owner is added.
			if len(w.OwnerReferences) != 2 || w.OwnerReferences[1].UID != "ns-uid-2" {
				t.Errorf("ownerReferences = %v", w.OwnerReferences)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newWorkEnv(t)
			d := desiredWork(2)
			d.OwnerReferences = []metav1.OwnerReference{owner}
			e.ensure(t, d)
			// Others' label and annotation on the Work, which EnsureWork leaves alone.
			w := e.work(t)
			w.Labels["foreign"] = "kept"
			w.Annotations["policy.karmada.io/applied-overrides"] = "[]"
			if _, err := e.client.WorkV1alpha1().Works(workNS).Update(context.Background(), w, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			e.sync(t)

			d = desiredWorkLike(d)
			d.Labels, d.Annotations = maps.Clone(d.Labels), maps.Clone(d.Annotations)
			c.edit(&d)
			if !e.ensure(t, d) {
				t.Fatal("EnsureWork reported nothing written")
			}
			patch := e.onlyPatch(t)
			if strings.Contains(patch, "resourceVersion") {
				t.Errorf("patch %s carries a resourceVersion", patch)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(patch), &body); err != nil {
				t.Fatalf("patch %s: %v", patch, err)
			}
			w = e.work(t)
			if w.Labels["foreign"] != "kept" {
				t.Errorf("labels = %v, want foreign kept", w.Labels)
			}
			if !slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
				t.Errorf("finalizers = %v", w.Finalizers)
			}
			c.check(t, w, patch)

			e.sync(t)
			if e.ensure(t, d) {
				t.Errorf("EnsureWork wrote again after the update: %s", describe(e.writes()))
			}
		})
	}
}

func TestEnsureWorkRestoresFinalizer(t *testing.T) {
	e := newWorkEnv(t)
	d := desiredWork(2)
	e.ensure(t, d)
	w := e.work(t)
	w.Finalizers = []string{"example.io/other"}
	if _, err := e.client.WorkV1alpha1().Works(workNS).Update(context.Background(), w, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if !e.ensure(t, desiredWorkLike(d)) {
		t.Fatal("EnsureWork did not restore the execution finalizer")
	}
	e.onlyPatch(t)
	if got := e.work(t).Finalizers; !slices.Contains(got, workv1alpha1.ExecutionControllerFinalizer) || !slices.Contains(got, "example.io/other") {
		t.Errorf("finalizers = %v, want the execution finalizer added and the other kept", got)
	}
}

func TestEnsureWorkBeingDeleted(t *testing.T) {
	now := metav1.Now()
	deleting := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{
		Namespace: workNS, Name: workName, DeletionTimestamp: &now,
		Finalizers: []string{workv1alpha1.ExecutionControllerFinalizer},
	}}
	e := newWorkEnv(t, deleting)
	wrote, err := EnsureWork(context.Background(), e.client, e.lister, desiredWork(2))
	if err == nil || wrote {
		t.Fatalf("EnsureWork on a Work being deleted = %v, %v; want an error", wrote, err)
	}
	if !errors.Is(err, errWorkDeleting) {
		t.Errorf("error = %v, want errWorkDeleting", err)
	}
	if w := e.writes(); len(w) != 0 {
		t.Errorf("want no writes, got %s", describe(w))
	}
}
