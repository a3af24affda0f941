// Package binding is the domain of ResourceBindings and ClusterResourceBindings: a typed
// reference to either kind, one accessor that reads and writes both through the same
// calls, how a binding is built from a template and its policy, and how a binding's
// Works are written (docs/design/pipeline.md). Controllers use it instead of switching
// on the two Go types themselves.
package binding

import (
	"fmt"
	"strings"

	"k8s.io/client-go/tools/cache"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Ref names one binding: a ClusterResourceBinding when Cluster is set (Namespace is then
// empty), else a ResourceBinding. It is comparable, so it serves as a map or queue key.
type Ref struct {
	Cluster   bool
	Namespace string
	Name      string
}

// RB returns the reference of ResourceBinding namespace/name.
func RB(namespace, name string) Ref { return Ref{Namespace: namespace, Name: name} }

// CRB returns the reference of ClusterResourceBinding name.
func CRB(name string) Ref { return Ref{Cluster: true, Name: name} }

// ForTemplate returns the reference of the binding of a template: a ResourceBinding in the
// template's namespace, or a ClusterResourceBinding for a cluster-scoped template.
func ForTemplate(namespace, kind, name string) Ref {
	n := names.GenerateBindingName(kind, name)
	if namespace == "" {
		return CRB(n)
	}
	return RB(namespace, n)
}

const (
	rbPrefix  = "rb:"
	crbPrefix = "crb:"
)

// String is "rb:<namespace>/<name>" or "crb:<name>"; Parse reads it back.
func (r Ref) String() string {
	if r.Cluster {
		return crbPrefix + r.Name
	}
	return rbPrefix + r.Namespace + "/" + r.Name
}

// Parse reads a reference written by Ref.String.
func Parse(s string) (Ref, error) {
	switch {
	case strings.HasPrefix(s, crbPrefix):
		name := strings.TrimPrefix(s, crbPrefix)
		if name == "" || strings.Contains(name, "/") {
			break
		}
		return CRB(name), nil
	case strings.HasPrefix(s, rbPrefix):
		ns, name, ok := strings.Cut(strings.TrimPrefix(s, rbPrefix), "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			break
		}
		return RB(ns, name), nil
	}
	return Ref{}, fmt.Errorf("binding reference %q: want rb:<namespace>/<name> or crb:<name>", s)
}

// Kind is "ResourceBinding" or "ClusterResourceBinding".
func (r Ref) Kind() string {
	if r.Cluster {
		return workv1alpha2.ResourceKindClusterResourceBinding
	}
	return workv1alpha2.ResourceKindResourceBinding
}

// Display is how Karmada's messages name a binding: "ResourceBinding(ns/name)" or
// "ClusterResourceBinding(name)".
func (r Ref) Display() string {
	if r.Cluster {
		return r.Kind() + "(" + r.Name + ")"
	}
	return r.Kind() + "(" + r.Namespace + "/" + r.Name + ")"
}

// Finalizer is the finalizer the detector puts on a binding of this kind; the binding
// controller removes it once the binding's Works are gone.
func (r Ref) Finalizer() string {
	if r.Cluster {
		return workv1alpha2.ClusterResourceBindingControllerFinalizer
	}
	return workv1alpha2.BindingControllerFinalizer
}

// PermanentIDLabel is the label holding a binding's permanent id (set by the API server
// on create); Works carry it too, which is how a binding finds its Works.
func (r Ref) PermanentIDLabel() string {
	if r.Cluster {
		return workv1alpha2.ClusterResourceBindingPermanentIDLabel
	}
	return workv1alpha2.ResourceBindingPermanentIDLabel
}

// RefOf returns the reference of a ResourceBinding or ClusterResourceBinding (also inside
// a cache.DeletedFinalStateUnknown); ok is false for anything else.
func RefOf(obj any) (Ref, bool) {
	b, ok := Wrap(obj)
	if !ok {
		return Ref{}, false
	}
	return b.Ref(), true
}

// OwnerOfWork returns the binding a Work was rendered from, read from the Work's
// annotations; ok is false for Works no binding rendered.
func OwnerOfWork(obj any) (Ref, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	w, ok := obj.(*workv1alpha1.Work)
	if !ok {
		return Ref{}, false
	}
	if n := w.Annotations[workv1alpha2.ClusterResourceBindingAnnotationKey]; n != "" {
		return CRB(n), true
	}
	if n := w.Annotations[workv1alpha2.ResourceBindingNameAnnotationKey]; n != "" {
		return RB(w.Annotations[workv1alpha2.ResourceBindingNamespaceAnnotationKey], n), true
	}
	return Ref{}, false
}

// WorkAnnotations are the annotations by which a Work names the binding it renders (read
// back by OwnerOfWork); the member copy carries them too.
func (r Ref) WorkAnnotations() map[string]string {
	if r.Cluster {
		return map[string]string{workv1alpha2.ClusterResourceBindingAnnotationKey: r.Name}
	}
	return map[string]string{
		workv1alpha2.ResourceBindingNamespaceAnnotationKey: r.Namespace,
		workv1alpha2.ResourceBindingNameAnnotationKey:      r.Name,
	}
}
