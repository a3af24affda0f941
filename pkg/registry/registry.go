// Package registry serves Karmada's API groups from typed REST storage inside the
// control plane: no CRDs and no webhooks, the strategies do their work.
package registry

import (
	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	controlplaneapiserver "k8s.io/kubernetes/pkg/controlplane/apiserver"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

// group is one served API group: its versions in preference order and their kinds.
type group struct {
	name     string
	versions []schema.GroupVersion
	install  []func(*runtime.Scheme) error
	kinds    []karmadarest.Kind
	// storage adds resources that are not stored kinds (the merged view's proxying).
	storage func() map[string]rest.Storage
	// options are connect-option types registered for the internal version too.
	options []runtime.Object
}

// Deps are what some storage needs from the rest of the server.
type Deps struct {
	// Secrets reads control-plane Secrets (cluster credentials for the proxy).
	Secrets membercluster.SecretGetter
	// View serves the merged multi-cluster view.
	View ViewHandler
}

func groups(deps Deps) []group {
	return []group{
		{
			name:     clusterv1alpha1.GroupName,
			versions: []schema.GroupVersion{clusterv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{clusterv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{clusterKind(deps)},
		},
		{
			name:     configv1alpha1.GroupName,
			versions: []schema.GroupVersion{configv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{configv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{resourceInterpreterCustomizationKind(), resourceInterpreterWebhookConfigurationKind()},
		},
		{
			name:     policyv1alpha1.GroupName,
			versions: []schema.GroupVersion{policyv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{policyv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{propagationPolicyKind(), clusterPropagationPolicyKind(), overridePolicyKind(), clusterOverridePolicyKind(), federatedResourceQuotaKind()},
		},
		{
			name:     workv1alpha2.GroupName,
			versions: []schema.GroupVersion{workv1alpha2.SchemeGroupVersion, workv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{workv1alpha2.AddToScheme, workv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{workKind(), resourceBindingKind(), clusterResourceBindingKind()},
		},
		{
			name:     networkingv1alpha1.GroupName,
			versions: []schema.GroupVersion{networkingv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{networkingv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{multiClusterIngressKind(), multiClusterServiceKind()},
		},
		{
			name:     autoscalingv1alpha1.GroupName,
			versions: []schema.GroupVersion{autoscalingv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{autoscalingv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{federatedHPAKind(), cronFederatedHPAKind()},
		},
		{
			name:     appsv1alpha1.GroupName,
			versions: []schema.GroupVersion{appsv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{appsv1alpha1.AddToScheme},
			kinds:    []karmadarest.Kind{workloadRebalancerKind()},
		},
		{
			name:     searchv1alpha1.GroupName,
			versions: []schema.GroupVersion{searchv1alpha1.SchemeGroupVersion},
			install:  []func(*runtime.Scheme) error{searchv1alpha1.AddToScheme},
			options:  []runtime.Object{&searchv1alpha1.ProxyingOptions{}},
			storage: func() map[string]rest.Storage {
				return map[string]rest.Storage{"proxying": &ProxyingREST{view: deps.View}}
			},
		},
	}
}

// Install registers Karmada's kinds in scheme. Each versioned type is also registered
// as the group's internal version: the API has one version per kind, so storage and
// serving need no conversion functions. Safe to call more than once.
func Install(scheme *runtime.Scheme) {
	for _, g := range groups(Deps{}) {
		for _, add := range g.install {
			if err := add(scheme); err != nil {
				panic(err)
			}
		}
		internal := schema.GroupVersion{Group: g.name, Version: runtime.APIVersionInternal}
		for _, k := range g.kinds {
			scheme.AddKnownTypes(internal, k.New(), k.NewList())
		}
		if g.name == clusterv1alpha1.GroupName {
			scheme.AddKnownTypes(internal, &clusterv1alpha1.ClusterProxyOptions{})
		}
		for _, o := range g.options {
			scheme.AddKnownTypes(internal, o)
		}
		if err := scheme.SetVersionPriority(g.versions...); err != nil {
			panic(err)
		}
	}
}

// GroupVersions lists every served Karmada group version, for discovery ordering.
func GroupVersions() []schema.GroupVersion {
	var out []schema.GroupVersion
	for _, g := range groups(Deps{}) {
		out = append(out, g.versions...)
	}
	return out
}

// EnableVersions switches Karmada's group versions on in the resource config.
func EnableVersions(rc *serverstorage.ResourceConfig) {
	rc.EnableVersions(GroupVersions()...)
}

// ConfigureStorage stores Karmada's kinds as JSON (they have no protobuf encoding)
// under /registry/<group>/<resource>, each in the version it is served in.
func ConfigureStorage(f *serverstorage.DefaultStorageFactory) {
	type encodingSetter interface {
		SetResourceEncoding(schema.GroupResource, schema.GroupVersion, schema.GroupVersion)
	}
	for _, g := range groups(Deps{}) {
		for _, k := range g.kinds {
			f.SetSerializer(k.Resource, runtime.ContentTypeJSON, legacyscheme.Codecs)
			f.SetResourceEtcdPrefix(k.Resource, k.Resource.Group+"/"+k.Resource.Resource)
			if s, ok := f.ResourceEncodingConfig.(encodingSetter); ok {
				s.SetResourceEncoding(k.Resource, k.GroupVersion, schema.GroupVersion{Group: g.name, Version: runtime.APIVersionInternal})
			}
		}
	}
}

// provider serves one group.
type provider struct{ g group }

func (p provider) GroupName() string { return p.g.name }

func (p provider) NewRESTStorage(rc serverstorage.APIResourceConfigSource, optsGetter generic.RESTOptionsGetter) (genericapiserver.APIGroupInfo, error) {
	info := genericapiserver.NewDefaultAPIGroupInfo(p.g.name, legacyscheme.Scheme, legacyscheme.ParameterCodec, legacyscheme.Codecs)
	info.NegotiatedSerializer = withoutProtobuf{legacyscheme.Codecs}
	for _, k := range p.g.kinds {
		if !rc.ResourceEnabled(k.GroupVersion.WithResource(k.Resource.Resource)) {
			continue
		}
		main, status, extra, err := karmadarest.NewStorageWithSubresources(k, optsGetter)
		if err != nil {
			return info, err
		}
		v := k.GroupVersion.Version
		if info.VersionedResourcesStorageMap[v] == nil {
			info.VersionedResourcesStorageMap[v] = map[string]rest.Storage{}
		}
		info.VersionedResourcesStorageMap[v][k.Resource.Resource] = main
		if status != nil {
			info.VersionedResourcesStorageMap[v][k.Resource.Resource+"/status"] = status
		}
		for sub, st := range extra {
			info.VersionedResourcesStorageMap[v][k.Resource.Resource+"/"+sub] = st
		}
	}
	if p.g.storage != nil {
		v := p.g.versions[0].Version
		if info.VersionedResourcesStorageMap[v] == nil {
			info.VersionedResourcesStorageMap[v] = map[string]rest.Storage{}
		}
		for name, st := range p.g.storage() {
			info.VersionedResourcesStorageMap[v][name] = st
		}
	}
	return info, nil
}

// StorageProviders returns one provider per Karmada group.
func StorageProviders(deps Deps) []controlplaneapiserver.RESTStorageProvider {
	var out []controlplaneapiserver.RESTStorageProvider
	for _, g := range groups(deps) {
		out = append(out, provider{g})
	}
	return out
}

// setPermanentID labels obj with a fresh UUID under key unless it already has one:
// Karmada's ids survive updates and identify an object across renames of nothing.
func setPermanentID(obj runtime.Object, key string) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	labels := m.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	if labels[key] == "" {
		labels[key] = uuid.NewString()
	}
	m.SetLabels(labels)
}

// keepPermanentID restores old's id when an update drops it (the id is immutable;
// an update that changes it to another value is rejected by validation).
func keepPermanentID(obj, old runtime.Object, key string) {
	nm, err1 := meta.Accessor(obj)
	om, err2 := meta.Accessor(old)
	if err1 != nil || err2 != nil {
		return
	}
	id := om.GetLabels()[key]
	if id == "" {
		return
	}
	labels := nm.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	if _, ok := labels[key]; !ok {
		labels[key] = id
		nm.SetLabels(labels)
	}
}

func addFinalizer(obj runtime.Object, f string) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	for _, x := range m.GetFinalizers() {
		if x == f {
			return
		}
	}
	m.SetFinalizers(append(m.GetFinalizers(), f))
}

// withoutProtobuf serves Karmada's kinds as JSON, YAML and CBOR only: they have no
// protobuf encoding, and advertising it would make protobuf-preferring clients (the
// namespace and garbage collectors' metadata clients) fail instead of falling back.
type withoutProtobuf struct{ runtime.NegotiatedSerializer }

func (w withoutProtobuf) SupportedMediaTypes() []runtime.SerializerInfo {
	var out []runtime.SerializerInfo
	for _, info := range w.NegotiatedSerializer.SupportedMediaTypes() {
		if info.MediaType != runtime.ContentTypeProtobuf {
			out = append(out, info)
		}
	}
	return out
}
