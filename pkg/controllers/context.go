// Package controllers holds the control plane's own controllers, one folder each,
// and what they share.
package controllers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// Options are the controllers' tunables (flags of karmada-apiserver).
type Options struct {
	// ClusterStatusUpdateFrequency is how often each member's health and status are collected.
	ClusterStatusUpdateFrequency time.Duration
	// ClusterSuccessThreshold is how long a member must stay healthy before Ready flips to True.
	ClusterSuccessThreshold time.Duration
	// ClusterFailureThreshold is how long a member must stay unhealthy before Ready flips to False.
	ClusterFailureThreshold time.Duration
	// Workers is the number of concurrent reconciles of each propagation controller.
	Workers int
	// WorkSyncs is the number of Works the execution controller applies at once. Each
	// waits on a member's API server, so it is larger than Workers.
	WorkSyncs int
	// DeschedulingInterval is how often the descheduler examines bindings (while enabled).
	DeschedulingInterval time.Duration
	// UnschedulableThreshold is how long a replica must stay unschedulable before the
	// descheduler moves it.
	UnschedulableThreshold time.Duration
	// EnableNoExecuteTaintEviction lets the taint manager evict workloads from clusters with
	// NoExecute taints they do not tolerate (with the Failover feature gate).
	EnableNoExecuteTaintEviction bool
	// NoExecuteTaintEvictionPurgeMode is how the taint manager removes the old copy when the
	// policy sets no failover.cluster.purgeMode: Gracefully or Directly.
	NoExecuteTaintEvictionPurgeMode string
	// GracefulEvictionTimeout is how long a graceful-eviction task keeps the old copy at most.
	GracefulEvictionTimeout time.Duration
}

// Context is what every controller is started with.
type Context struct {
	Options Options
	// ControlPlaneConfig talks to this control plane (loopback, full rights).
	ControlPlaneConfig *rest.Config
	ControlPlaneClient kubernetes.Interface
	KarmadaClient      karmadaclient.Interface
	KubeInformers      informers.SharedInformerFactory
	KarmadaInformers   karmadainformers.SharedInformerFactory
	Members            *membercluster.Registry
	EventRecorder      func(component string) record.EventRecorder

	// Dynamic reaches any kind in the control plane (resource templates).
	Dynamic dynamic.Interface
	// Templates are informers on resource templates, one per kind, started on first use.
	Templates *Templates
	// Mapper maps kinds to resources; it is reset when discovery changes.
	Mapper meta.ResettableRESTMapper
	// Interpreter answers per-kind questions (replicas, status, health).
	Interpreter interpreter.Interpreter
}

// Starter starts a controller; it returns at once and runs until ctx ends.
type Starter func(ctx context.Context, c *Context) error

// Templates hands out informers on the control plane's resource templates. The
// first request for a kind creates and starts its informer; later ones share it. An
// informer whose kind stops being served (a deleted CRD) stops and is forgotten; if
// the kind comes back, the next request starts a new one, and the OnNewInformer hooks
// run for it again.
type Templates struct {
	mapper    meta.RESTMapper
	informers *DynamicInformers

	mu      sync.Mutex
	onNew   []func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer)
	indexer cache.Indexers
}

// NewTemplates returns a template informer set on client, running until ctx ends.
// indexers are added to every informer.
func NewTemplates(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper, indexers cache.Indexers) *Templates {
	t := &Templates{mapper: mapper, indexer: indexers}
	t.informers = NewDynamicInformers(ctx, client, nil, t.setup)
	return t
}

// setup prepares a new informer: managedFields dropped, the shared indexers, and every
// registered hook.
func (t *Templates) setup(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer) {
	_ = inf.SetTransform(StripManagedFields)
	if len(t.indexer) > 0 {
		_ = inf.AddIndexers(t.indexer)
	}
	t.mu.Lock()
	hooks := slices.Clone(t.onNew)
	t.mu.Unlock()
	for _, fn := range hooks {
		fn(gvr, inf)
	}
}

// OnNewInformer registers fn to be called (synchronously, before the informer starts)
// for every informer created after this call.
func (t *Templates) OnNewInformer(fn func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onNew = append(t.onNew, fn)
}

// Informer returns the (started) informer of gvr.
func (t *Templates) Informer(gvr schema.GroupVersionResource) cache.SharedIndexInformer {
	inf, _ := t.informers.Informer(gvr)
	return inf
}

// Known lists the kinds with a running informer.
func (t *Templates) Known() []schema.GroupVersionResource {
	return t.informers.Known()
}

// Forget stops the informer of gvr (a kind that is not served any more).
func (t *Templates) Forget(gvr schema.GroupVersionResource) {
	t.informers.Stop(gvr)
}

// Mapping resolves apiVersion/kind to its resource.
func (t *Templates) Mapping(apiVersion, kind string) (*meta.RESTMapping, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	return t.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
}

// Synced waits (bounded by ctx) until the informer of gvr has listed everything.
func (t *Templates) Synced(ctx context.Context, gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
	inf := t.Informer(gvr)
	if inf.HasSynced() {
		return inf, nil
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !cache.WaitForCacheSync(wctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("informer on %s did not sync", gvr)
	}
	return inf, nil
}

// StripManagedFields drops managedFields from cached objects: they are often the
// larger half of an object and no controller reads them.
func StripManagedFields(obj interface{}) (interface{}, error) {
	if a, err := meta.Accessor(obj); err == nil {
		a.SetManagedFields(nil)
	}
	return obj, nil
}

// StoreKey is the informer store key of namespace/name ("name" when cluster-scoped).
func StoreKey(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// IgnoreNotFound returns nil for a NotFound error, err otherwise.
func IgnoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// TemplateRef refers to a binding's resource template, for Events on it.
func TemplateRef(spec *workv1alpha2.ResourceBindingSpec) *corev1.ObjectReference {
	return &corev1.ObjectReference{
		APIVersion: spec.Resource.APIVersion, Kind: spec.Resource.Kind, Namespace: spec.Resource.Namespace,
		Name: spec.Resource.Name, UID: spec.Resource.UID,
	}
}
