package binding

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/detector"
)

// Object is what a ResourceBinding and a ClusterResourceBinding have in common.
type Object interface {
	metav1.Object
	runtime.Object
}

// Binding is a ResourceBinding or a ClusterResourceBinding seen through what the two
// share: Spec and Status point into Object, so changing them changes Object.
type Binding struct {
	Object Object
	Spec   *workv1alpha2.ResourceBindingSpec
	Status *workv1alpha2.ResourceBindingStatus
}

// Wrap returns the Binding view of a *ResourceBinding or *ClusterResourceBinding (also
// inside a cache.DeletedFinalStateUnknown); ok is false for anything else. The object is
// not copied.
func Wrap(obj any) (*Binding, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	switch o := obj.(type) {
	case *workv1alpha2.ResourceBinding:
		if o == nil {
			return nil, false
		}
		return &Binding{Object: o, Spec: &o.Spec, Status: &o.Status}, true
	case *workv1alpha2.ClusterResourceBinding:
		if o == nil {
			return nil, false
		}
		return &Binding{Object: o, Spec: &o.Spec, Status: &o.Status}, true
	}
	return nil, false
}

// New returns an empty binding of ref's kind with ref's namespace and name and its
// TypeMeta set.
func New(ref Ref) *Binding {
	return assemble(ref.Cluster, metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name}, workv1alpha2.ResourceBindingSpec{})
}

// assemble makes a ClusterResourceBinding (cluster) or ResourceBinding of meta and spec.
func assemble(cluster bool, meta metav1.ObjectMeta, spec workv1alpha2.ResourceBindingSpec) *Binding {
	if cluster {
		b, _ := Wrap(&workv1alpha2.ClusterResourceBinding{TypeMeta: metav1.TypeMeta{
			APIVersion: workv1alpha2.SchemeGroupVersion.String(), Kind: workv1alpha2.ResourceKindClusterResourceBinding,
		}, ObjectMeta: meta, Spec: spec})
		return b
	}
	b, _ := Wrap(&workv1alpha2.ResourceBinding{TypeMeta: metav1.TypeMeta{
		APIVersion: workv1alpha2.SchemeGroupVersion.String(), Kind: workv1alpha2.ResourceKindResourceBinding,
	}, ObjectMeta: meta, Spec: spec})
	return b
}

// Ref returns the binding's reference.
func (b *Binding) Ref() Ref {
	if b.Cluster() {
		return CRB(b.Object.GetName())
	}
	return RB(b.Object.GetNamespace(), b.Object.GetName())
}

// Cluster tells whether b is a ClusterResourceBinding.
func (b *Binding) Cluster() bool {
	_, ok := b.Object.(*workv1alpha2.ClusterResourceBinding)
	return ok
}

// PermanentID is the binding's permanent id, empty until the API server set it.
func (b *Binding) PermanentID() string {
	return b.Object.GetLabels()[b.Ref().PermanentIDLabel()]
}

// Claimed tells whether the binding carries a propagation policy's claim. Bindings of
// dependencies and bindings released by a deleted policy carry none.
func (b *Binding) Claimed() bool {
	_, ok := detector.ClaimOf(b.Object)
	return ok
}

// DeepCopy returns a Binding over a deep copy of the object.
func (b *Binding) DeepCopy() *Binding {
	c, _ := Wrap(b.Object.DeepCopyObject())
	return c
}

// ResourceBinding returns the object when b is a ResourceBinding, else nil.
func (b *Binding) ResourceBinding() *workv1alpha2.ResourceBinding {
	rb, _ := b.Object.(*workv1alpha2.ResourceBinding)
	return rb
}

// ClusterResourceBinding returns the object when b is a ClusterResourceBinding, else nil.
func (b *Binding) ClusterResourceBinding() *workv1alpha2.ClusterResourceBinding {
	crb, _ := b.Object.(*workv1alpha2.ClusterResourceBinding)
	return crb
}
