package eventstore

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// EventResources are the resources kept in memory. core/v1 and events.k8s.io/v1
// Events share one storage in kube (the events.k8s.io REST asks for the core
// resource), so both end up on the same Store; the second name is here in case a
// provider asks for it by its own group.
var EventResources = []schema.GroupResource{
	{Group: "", Resource: "events"},
	{Group: "events.k8s.io", Resource: "events"},
}

// Backend hands the generic registry one in-memory Store per resource prefix for the
// EventResources, in place of etcd and the watch cache.
type Backend struct {
	maxObjects int

	mu         sync.Mutex
	byPrefix   map[string]*Store
	byResource map[schema.GroupResource]*Store
	running    context.Context
}

// NewBackend returns a backend whose stores keep at most maxObjects objects each
// (DefaultMaxObjects when 0).
func NewBackend(maxObjects int) *Backend {
	return &Backend{maxObjects: maxObjects, byPrefix: map[string]*Store{}, byResource: map[schema.GroupResource]*Store{}}
}

// RESTOptionsGetter wraps the generic control plane's getter: for the
// EventResources the storage decorator returns the Backend's Store (no watch cache on
// top, which would only hold a second copy); everything else is unchanged.
func (b *Backend) RESTOptionsGetter(delegate generic.RESTOptionsGetter) generic.RESTOptionsGetter {
	return &optionsGetter{delegate: delegate, backend: b}
}

// Store returns the store serving gr, or nil if no REST storage was built for it yet.
func (b *Backend) Store(gr schema.GroupResource) *Store {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byResource[gr]
}

// Run expires objects in every store (present and future) until ctx ends.
func (b *Backend) Run(ctx context.Context) {
	b.mu.Lock()
	b.running = ctx
	for _, s := range b.byPrefix {
		go s.Run(ctx)
	}
	b.mu.Unlock()
	<-ctx.Done()
}

func (b *Backend) storeFor(gr schema.GroupResource, prefix string, newFunc func() runtime.Object) *Store {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.byPrefix[prefix]
	if !ok {
		s = New(Options{NewFunc: newFunc, ResourcePrefix: prefix, MaxObjects: b.maxObjects})
		b.byPrefix[prefix] = s
		if b.running != nil {
			go s.Run(b.running)
		}
	}
	b.byResource[gr] = s
	return s
}

var _ generic.RESTOptionsGetter = &optionsGetter{}

type optionsGetter struct {
	delegate generic.RESTOptionsGetter
	backend  *Backend
}

func (g *optionsGetter) GetRESTOptions(gr schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.delegate.GetRESTOptions(gr, example)
	if err != nil || !isEventResource(gr) {
		return opts, err
	}
	opts.Decorator = func(_ *storagebackend.ConfigForResource, resourcePrefix string, _ func(runtime.Object) (string, error),
		newFunc, _ func() runtime.Object, _ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
		if resourcePrefix == "" || resourcePrefix == "/" {
			return nil, nil, fmt.Errorf("in-memory storage for %s needs a resource prefix", gr)
		}
		// The store outlives any one REST storage using it (two share it); Run ends it.
		return g.backend.storeFor(gr, resourcePrefix, newFunc), func() {}, nil
	}
	return opts, nil
}

func isEventResource(gr schema.GroupResource) bool {
	for _, r := range EventResources {
		if r == gr {
			return true
		}
	}
	return false
}
