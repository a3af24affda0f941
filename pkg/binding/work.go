package binding

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// DesiredWork is a Work as a controller wants it.
type DesiredWork struct {
	Namespace, Name string
	Labels          map[string]string
	Annotations     map[string]string
	// DropAnnotations are removed from the Work when present (e.g. applied overrides
	// that no longer apply).
	DropAnnotations []string
	// Manifest is the object for the member, as PrepareManifest left it (pruned and
	// marked), before the record of managed keys, which EnsureWork adds so that
	// comparing with the stored Work is exact.
	Manifest                    *unstructured.Unstructured
	SuspendDispatching          *bool
	PreserveResourcesOnDeletion *bool
	// OwnerReferences are added to the Work when missing (matched by UID); others stay.
	OwnerReferences []metav1.OwnerReference
}

// PrepareManifest marks m as the control plane's: the managed label, the owning Work's
// name, and the record of which label and annotation keys the control plane owns.
func PrepareManifest(m *unstructured.Unstructured, workNamespace, workName string, extraLabels, extraAnnotations map[string]string) {
	interpreter.PruneIrrelevantFields(m)
	l := m.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	maps.Copy(l, extraLabels)
	l[policyv1alpha1.ManagedByKarmadaLabel] = policyv1alpha1.ManagedByKarmadaLabelValue
	m.SetLabels(l)
	a := m.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	maps.Copy(a, extraAnnotations)
	a[workv1alpha2.WorkNamespaceAnnotation] = workNamespace
	a[workv1alpha2.WorkNameAnnotation] = workName
	m.SetAnnotations(a)
}

// EnsureWork creates the Work or updates it when anything the caller owns differs.
// It writes nothing when the Work is already as desired.
func EnsureWork(ctx context.Context, client karmadaclient.Interface, lister worklisters.WorkLister, d DesiredWork) (bool, error) {
	existing, err := lister.Works(d.Namespace).Get(d.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return false, err
	}
	m := d.Manifest.DeepCopy()
	if existing != nil {
		if id := existing.Labels[workv1alpha1.WorkPermanentIDLabel]; id != "" {
			l := m.GetLabels()
			if l == nil {
				l = map[string]string{}
			}
			l[workv1alpha1.WorkPermanentIDLabel] = id
			m.SetLabels(l)
		}
	}
	interpreter.RecordManagedKeys(m)
	raw, err := m.MarshalJSON()
	if err != nil {
		return false, err
	}
	if existing == nil {
		w := &workv1alpha1.Work{
			ObjectMeta: metav1.ObjectMeta{
				Name: d.Name, Namespace: d.Namespace, Labels: d.Labels, Annotations: d.Annotations,
				Finalizers:      []string{workv1alpha1.ExecutionControllerFinalizer},
				OwnerReferences: d.OwnerReferences,
			},
			Spec: workv1alpha1.WorkSpec{
				Workload:                    workv1alpha1.WorkloadTemplate{Manifests: []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}},
				SuspendDispatching:          d.SuspendDispatching,
				PreserveResourcesOnDeletion: d.PreserveResourcesOnDeletion,
			},
		}
		_, err := client.WorkV1alpha1().Works(d.Namespace).Create(ctx, w, metav1.CreateOptions{})
		return err == nil, err
	}
	if existing.DeletionTimestamp != nil {
		return false, errWorkDeleting
	}
	w := existing.DeepCopy()
	changed := false
	if len(w.Spec.Workload.Manifests) != 1 || !sameJSON(w.Spec.Workload.Manifests[0].Raw, raw) {
		w.Spec.Workload.Manifests = []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}
		changed = true
	}
	if ptr.Deref(w.Spec.SuspendDispatching, false) != ptr.Deref(d.SuspendDispatching, false) {
		w.Spec.SuspendDispatching, changed = d.SuspendDispatching, true
	}
	if ptr.Deref(w.Spec.PreserveResourcesOnDeletion, false) != ptr.Deref(d.PreserveResourcesOnDeletion, false) {
		w.Spec.PreserveResourcesOnDeletion, changed = d.PreserveResourcesOnDeletion, true
	}
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	for k, v := range d.Labels {
		if w.Labels[k] != v {
			w.Labels[k], changed = v, true
		}
	}
	if w.Annotations == nil {
		w.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if w.Annotations[k] != v {
			w.Annotations[k], changed = v, true
		}
	}
	for _, k := range d.DropAnnotations {
		if _, ok := w.Annotations[k]; ok {
			delete(w.Annotations, k)
			changed = true
		}
	}
	if !slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
		w.Finalizers, changed = append(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer), true
	}
	for _, ref := range d.OwnerReferences {
		if !slices.ContainsFunc(w.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == ref.UID }) {
			w.OwnerReferences, changed = append(w.OwnerReferences, ref), true
		}
	}
	if !changed {
		return false, nil
	}
	patch, ok, err := controllers.StrategicPatch(existing, w)
	if err != nil || !ok {
		return false, err
	}
	_, err = client.WorkV1alpha1().Works(d.Namespace).Patch(ctx, d.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err == nil, err
}

type workError string

func (e workError) Error() string { return string(e) }

const errWorkDeleting = workError("the Work is being deleted; it will be re-created when it is gone")

// sameJSON compares two JSON documents by value.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true // both are canonical (sorted keys): the common case costs no decoding
	}
	var va, vb interface{}
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}
