package controllers

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// DynamicInformers hands out one informer per resource, each started on first request
// and each with its own lifetime. When a resource stops being served (its CRD was
// deleted, in the control plane or in a member) its informer stops and is forgotten
// instead of retrying and logging "Failed to watch" for ever; a later request starts a
// fresh one. (client-go's dynamic informer factory can only stop all its informers at
// once.)
type DynamicInformers struct {
	ctx    context.Context
	client dynamic.Interface
	tweak  dynamicinformer.TweakListOptionsFunc
	// setup prepares a new informer before it starts (transform, indexers, handlers).
	setup func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer)

	mu      sync.Mutex
	running map[schema.GroupVersionResource]*runningInformer
}

type runningInformer struct {
	inf    cache.SharedIndexInformer
	cancel context.CancelFunc
}

// NewDynamicInformers returns an empty set whose informers list and watch through
// client (with tweak applied to every request, when not nil) until ctx ends. setup, when
// not nil, is called for every new informer before it starts.
func NewDynamicInformers(ctx context.Context, client dynamic.Interface, tweak dynamicinformer.TweakListOptionsFunc,
	setup func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer)) *DynamicInformers {
	return &DynamicInformers{ctx: ctx, client: client, tweak: tweak, setup: setup, running: map[schema.GroupVersionResource]*runningInformer{}}
}

// Informer returns the running informer of gvr, starting it when there is none. The
// second result tells whether it was started by this call.
func (d *DynamicInformers) Informer(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.running[gvr]; ok {
		return r.inf, false
	}
	inf := dynamicinformer.NewFilteredDynamicInformer(d.client, gvr, metav1.NamespaceAll, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, d.tweak).Informer()
	ctx, cancel := context.WithCancel(d.ctx)
	r := &runningInformer{inf: inf, cancel: cancel}
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, reflector *cache.Reflector, err error) {
		if NotServed(err) {
			klog.FromContext(ctx).V(2).Info("Resource is not served any more; stopping its informer", "resource", gvr.String())
			d.drop(gvr, r)
			return
		}
		cache.DefaultWatchErrorHandler(ctx, reflector, err)
	})
	if d.setup != nil {
		d.setup(gvr, inf)
	}
	d.running[gvr] = r
	go inf.RunWithContext(ctx)
	return inf, true
}

// Known lists the resources with a running informer.
func (d *DynamicInformers) Known() []schema.GroupVersionResource {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]schema.GroupVersionResource, 0, len(d.running))
	for gvr := range d.running {
		out = append(out, gvr)
	}
	return out
}

// Stop stops and forgets the informer of gvr, if any.
func (d *DynamicInformers) Stop(gvr schema.GroupVersionResource) {
	d.mu.Lock()
	r := d.running[gvr]
	d.mu.Unlock()
	if r != nil {
		d.drop(gvr, r)
	}
}

// StopAll stops every informer.
func (d *DynamicInformers) StopAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for gvr, r := range d.running {
		r.cancel()
		delete(d.running, gvr)
	}
}

// drop stops r and forgets it, unless gvr has been given a newer informer meanwhile.
func (d *DynamicInformers) drop(gvr schema.GroupVersionResource, r *runningInformer) {
	r.cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running[gvr] == r {
		delete(d.running, gvr)
	}
}

// NotServed tells whether err says the resource itself does not exist on the server
// (as opposed to one object of it).
func NotServed(err error) bool {
	return apierrors.IsNotFound(err) || meta.IsNoMatchError(err)
}
