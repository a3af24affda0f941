package binding

import (
	"context"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
)

// Accessor reads both binding kinds from the shared informers and writes them through
// the API server, so a controller handles a ResourceBinding and a ClusterResourceBinding
// with the same calls.
type Accessor struct {
	client karmadaclient.Interface
	rbs    worklisters.ResourceBindingLister
	crbs   worklisters.ClusterResourceBindingLister
	rbInf  cache.SharedIndexInformer
	crbInf cache.SharedIndexInformer
}

// NewAccessor returns an accessor over the factory's binding informers (registering them
// with the factory) and client.
func NewAccessor(client karmadaclient.Interface, f karmadainformers.SharedInformerFactory) *Accessor {
	rb := f.Work().V1alpha2().ResourceBindings()
	crb := f.Work().V1alpha2().ClusterResourceBindings()
	return &Accessor{
		client: client,
		rbs:    rb.Lister(), crbs: crb.Lister(),
		rbInf: rb.Informer(), crbInf: crb.Informer(),
	}
}

// AddEventHandler registers h on both kinds' informers.
func (a *Accessor) AddEventHandler(h cache.ResourceEventHandler) error {
	if _, err := a.rbInf.AddEventHandler(h); err != nil {
		return err
	}
	_, err := a.crbInf.AddEventHandler(h)
	return err
}

// HasSynced tells whether both informers have synced.
func (a *Accessor) HasSynced() bool { return a.rbInf.HasSynced() && a.crbInf.HasSynced() }

// Get returns the cached binding; it is shared with every other reader, so copy it
// (Binding.DeepCopy) before changing it.
func (a *Accessor) Get(ref Ref) (*Binding, error) {
	var obj any
	var err error
	if ref.Cluster {
		obj, err = a.crbs.Get(ref.Name)
	} else {
		obj, err = a.rbs.ResourceBindings(ref.Namespace).Get(ref.Name)
	}
	if err != nil {
		return nil, err
	}
	b, _ := Wrap(obj)
	return b, nil
}

// Fetch reads the binding ref from the API server (not the cache): for a read-modify-write
// that must start from the latest version. The result is the caller's to change.
func (a *Accessor) Fetch(ctx context.Context, ref Ref) (*Binding, error) {
	var obj any
	var err error
	if ref.Cluster {
		obj, err = a.client.WorkV1alpha2().ClusterResourceBindings().Get(ctx, ref.Name, metav1.GetOptions{})
	} else {
		obj, err = a.client.WorkV1alpha2().ResourceBindings(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	}
	return wrapResult(obj, err)
}

// List returns every cached binding of both kinds matching sel.
func (a *Accessor) List(sel labels.Selector) ([]*Binding, error) {
	rbs, err := a.rbs.List(sel)
	if err != nil {
		return nil, err
	}
	crbs, err := a.crbs.List(sel)
	if err != nil {
		return nil, err
	}
	out := make([]*Binding, 0, len(rbs)+len(crbs))
	for _, o := range rbs {
		b, _ := Wrap(o)
		out = append(out, b)
	}
	for _, o := range crbs {
		b, _ := Wrap(o)
		out = append(out, b)
	}
	return out, nil
}

// ListResourceBindings returns the cached ResourceBindings of namespace (every namespace
// when empty) matching sel.
func (a *Accessor) ListResourceBindings(namespace string, sel labels.Selector) ([]*workv1alpha2.ResourceBinding, error) {
	if namespace == "" {
		return a.rbs.List(sel)
	}
	return a.rbs.ResourceBindings(namespace).List(sel)
}

// Create creates b.
func (a *Accessor) Create(ctx context.Context, b *Binding) (*Binding, error) {
	var obj any
	var err error
	if crb := b.ClusterResourceBinding(); crb != nil {
		obj, err = a.client.WorkV1alpha2().ClusterResourceBindings().Create(ctx, crb, metav1.CreateOptions{})
	} else {
		rb := b.ResourceBinding()
		obj, err = a.client.WorkV1alpha2().ResourceBindings(rb.Namespace).Create(ctx, rb, metav1.CreateOptions{})
	}
	return wrapResult(obj, err)
}

// Update writes b whole, with optimistic concurrency on its resourceVersion.
func (a *Accessor) Update(ctx context.Context, b *Binding) (*Binding, error) {
	var obj any
	var err error
	if crb := b.ClusterResourceBinding(); crb != nil {
		obj, err = a.client.WorkV1alpha2().ClusterResourceBindings().Update(ctx, crb, metav1.UpdateOptions{})
	} else {
		rb := b.ResourceBinding()
		obj, err = a.client.WorkV1alpha2().ResourceBindings(rb.Namespace).Update(ctx, rb, metav1.UpdateOptions{})
	}
	return wrapResult(obj, err)
}

// Patch sends the strategic merge patch that turns old into cur (two versions of one
// binding), without a resourceVersion: only the fields the caller changed are written, so
// controllers owning other fields are never overwritten with a stale copy. It returns
// the binding as written, or cur and false when there was nothing to write.
func (a *Accessor) Patch(ctx context.Context, old, cur *Binding) (*Binding, bool, error) {
	return a.patch(ctx, old, cur)
}

// PatchStatus writes st as b's status the same way: only the status fields that differ
// from b's are sent. It reports whether it wrote.
func (a *Accessor) PatchStatus(ctx context.Context, b *Binding, st *workv1alpha2.ResourceBindingStatus) (bool, error) {
	cur := b.DeepCopy()
	*cur.Status = *st
	_, wrote, err := a.patch(ctx, b, cur, "status")
	return wrote, err
}

func (a *Accessor) patch(ctx context.Context, old, cur *Binding, subresources ...string) (*Binding, bool, error) {
	p, ok, err := controllers.StrategicPatch(old.Object, cur.Object)
	if err != nil || !ok {
		return cur, false, err
	}
	out, err := a.RawPatch(ctx, cur.Ref(), types.StrategicMergePatchType, p, subresources...)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// RawPatch sends patch data of type pt to the binding ref (or its subresource).
func (a *Accessor) RawPatch(ctx context.Context, ref Ref, pt types.PatchType, data []byte, subresources ...string) (*Binding, error) {
	var obj any
	var err error
	if ref.Cluster {
		obj, err = a.client.WorkV1alpha2().ClusterResourceBindings().Patch(ctx, ref.Name, pt, data, metav1.PatchOptions{}, subresources...)
	} else {
		obj, err = a.client.WorkV1alpha2().ResourceBindings(ref.Namespace).Patch(ctx, ref.Name, pt, data, metav1.PatchOptions{}, subresources...)
	}
	return wrapResult(obj, err)
}

// RemoveFinalizer drops finalizer from b (a binding that is gone counts as done).
func (a *Accessor) RemoveFinalizer(ctx context.Context, b *Binding, finalizer string) error {
	if !slices.Contains(b.Object.GetFinalizers(), finalizer) {
		return nil
	}
	c := b.DeepCopy()
	c.Object.SetFinalizers(slices.DeleteFunc(c.Object.GetFinalizers(), func(s string) bool { return s == finalizer }))
	_, err := a.Update(ctx, c)
	return controllers.IgnoreNotFound(err)
}

// ReleaseClaim removes a propagation policy's claim from the binding ref, which then
// keeps its clusters but is no longer scheduled; a missing or unclaimed binding is left
// as it is.
func (a *Accessor) ReleaseClaim(ctx context.Context, ref Ref) error {
	b, err := a.Get(ref)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	b = b.DeepCopy()
	if !detector.RemoveClaim(b.Object) {
		return nil
	}
	_, err = a.Update(ctx, b)
	return controllers.IgnoreNotFound(err)
}

// wrapResult turns a client call's typed result into a Binding; a failed call's typed
// nil becomes a nil Binding.
func wrapResult(obj any, err error) (*Binding, error) {
	if err != nil {
		return nil, err
	}
	b, _ := Wrap(obj)
	return b, nil
}
