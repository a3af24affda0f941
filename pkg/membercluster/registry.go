package membercluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// Member is the control plane's connection to one member cluster. Informers start
// when a controller first asks for one and stop when the member is removed or its
// connection details change.
type Member struct {
	Name    string
	Config  *rest.Config
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// Informers are typed informers on the member, shared by every controller.
	Informers informers.SharedInformerFactory
	// DynamicInformers cover any kind (propagated templates, CRDs).
	DynamicInformers dynamicinformer.DynamicSharedInformerFactory

	fingerprint string
	ctx         context.Context
	cancel      context.CancelFunc
}

// Done is closed when this connection is dropped.
func (m *Member) Done() <-chan struct{} { return m.ctx.Done() }

// Context ends when this connection is dropped.
func (m *Member) Context() context.Context { return m.ctx }

// StartInformers starts every informer requested so far; call it after asking for
// informers (it is cheap to call often).
func (m *Member) StartInformers() {
	m.Informers.Start(m.ctx.Done())
	m.DynamicInformers.Start(m.ctx.Done())
}

// NewMember returns a connection on the given clients (fakes, in tests), dropped when
// ctx ends.
func NewMember(ctx context.Context, name string, client kubernetes.Interface, dyn dynamic.Interface) *Member {
	ctx, cancel := context.WithCancel(ctx)
	return &Member{
		Name: name, Client: client, Dynamic: dyn,
		Informers:        informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(StripManagedFields)),
		DynamicInformers: dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0),
		ctx:              ctx, cancel: cancel,
	}
}

// Registry keeps one Member per Cluster.
type Registry struct {
	secrets SecretGetter
	mu      sync.Mutex
	members map[string]*Member
}

// NewRegistry returns an empty registry that reads cluster Secrets with secrets.
func NewRegistry(secrets SecretGetter) *Registry {
	return &Registry{secrets: secrets, members: map[string]*Member{}}
}

// Get returns the member connection for c, building it on first use and rebuilding
// it when the endpoint, credentials or proxy settings change.
func (r *Registry) Get(c *clusterv1alpha1.Cluster) (*Member, error) {
	cfg, err := RESTConfig(c, r.secrets)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(c, cfg)
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.members[c.Name]; ok {
		if m.fingerprint == fp {
			return m, nil
		}
		klog.InfoS("Member connection details changed; reconnecting", "cluster", c.Name)
		m.cancel()
		delete(r.members, c.Name)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Member{
		Name:             c.Name,
		Config:           cfg,
		Client:           client,
		Dynamic:          dyn,
		Informers:        informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(StripManagedFields)),
		DynamicInformers: dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0),
		fingerprint:      fp,
		ctx:              ctx,
		cancel:           cancel,
	}
	r.members[c.Name] = m
	return m, nil
}

// Lookup returns the current connection of a member, if any.
func (r *Registry) Lookup(name string) (*Member, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[name]
	return m, ok
}

// Remove drops the connection to a member and stops its informers.
func (r *Registry) Remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.members[name]; ok {
		m.cancel()
		delete(r.members, name)
	}
}

func fingerprint(c *clusterv1alpha1.Cluster, cfg *rest.Config) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%x\x00%v\x00%s\x00%v", cfg.Host, cfg.BearerToken, cfg.TLSClientConfig.CAData, cfg.TLSClientConfig.Insecure, c.Spec.ProxyURL, c.Spec.ProxyHeader)
	return hex.EncodeToString(h.Sum(nil))
}

// StripManagedFields keeps member objects in the cache without managedFields, which
// are often the larger half of an object and are never read by the control plane.
func StripManagedFields(obj interface{}) (interface{}, error) {
	if a, ok := obj.(interface {
		SetManagedFields([]metav1.ManagedFieldsEntry)
	}); ok {
		a.SetManagedFields(nil)
	}
	return obj, nil
}
