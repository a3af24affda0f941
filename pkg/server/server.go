package server

import (
	"context"
	"fmt"
	"k8s.io/apimachinery/pkg/api/resource"
	"os"
	"runtime/debug"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/util/notfoundhandler"
	"k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	aggregatorapiserver "k8s.io/kube-aggregator/pkg/apiserver"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"
	openapicommon "k8s.io/kube-openapi/pkg/common"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/controlplane"
	controlplaneapiserver "k8s.io/kubernetes/pkg/controlplane/apiserver"
	"k8s.io/kubernetes/pkg/controlplane/controller/defaultservicecidr"
	kubegeneratedopenapi "k8s.io/kubernetes/pkg/generated/openapi"
	kubeletclient "k8s.io/kubernetes/pkg/kubelet/client"
	appsrest "k8s.io/kubernetes/pkg/registry/apps/rest"
	autoscalingrest "k8s.io/kubernetes/pkg/registry/autoscaling/rest"
	batchrest "k8s.io/kubernetes/pkg/registry/batch/rest"
	corerest "k8s.io/kubernetes/pkg/registry/core/rest"
	discoveryrest "k8s.io/kubernetes/pkg/registry/discovery/rest"
	networkingrest "k8s.io/kubernetes/pkg/registry/networking/rest"
	noderest "k8s.io/kubernetes/pkg/registry/node/rest"
	policyrest "k8s.io/kubernetes/pkg/registry/policy/rest"
	resourcerest "k8s.io/kubernetes/pkg/registry/resource/rest"
	schedulingrest "k8s.io/kubernetes/pkg/registry/scheduling/rest"
	storagerest "k8s.io/kubernetes/pkg/registry/storage/rest"

	karmadaopenapi "github.com/karmada-one/karmada-one/pkg/generated/openapi"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	"github.com/karmada-one/karmada-one/pkg/registry"
	"github.com/karmada-one/karmada-one/pkg/registry/eventstore"
	"github.com/karmada-one/karmada-one/pkg/view/merged"
)

// Config is every piece of the server, built but not yet wired together.
type Config struct {
	Options       *Completed
	Aggregator    *aggregatorapiserver.Config
	ControlPlane  *controlplaneapiserver.Config
	APIExtensions *apiextensionsapiserver.Config
	// Events keeps core/v1 and events.k8s.io/v1 Events in memory; nil (in etcd) with an
	// external etcd, which several replicas may share.
	Events *eventstore.Backend
}

type completedConfig struct {
	Options       *Completed
	Aggregator    aggregatorapiserver.CompletedConfig
	ControlPlane  controlplaneapiserver.CompletedConfig
	APIExtensions apiextensionsapiserver.CompletedConfig
	Events        *eventstore.Backend
}

// CompletedConfig can only be made by Config.Complete, so a half-built config cannot
// be run by mistake.
type CompletedConfig struct{ *completedConfig }

// Complete finishes each part's own defaults.
func (c *Config) Complete() CompletedConfig {
	return CompletedConfig{&completedConfig{
		Options:       c.Options,
		Aggregator:    c.Aggregator.Complete(),
		ControlPlane:  c.ControlPlane.Complete(),
		APIExtensions: c.APIExtensions.Complete(),
		Events:        c.Events,
	}}
}

// openAPIDefinitions serves kube's definitions and ours in one document.
func openAPIDefinitions(ref openapicommon.ReferenceCallback) map[string]openapicommon.OpenAPIDefinition {
	defs := kubegeneratedopenapi.GetOpenAPIDefinitions(ref)
	for k, v := range karmadaopenapi.GetOpenAPIDefinitions(ref) {
		defs[k] = v
	}
	return defs
}

// NewConfig builds kube's generic control plane with the full set of kube resource
// groups enabled (templates of every built-in kind) plus Karmada's groups.
func NewConfig(opts *Completed) (*Config, error) {
	registry.Install(legacyscheme.Scheme)

	resources := controlplane.DefaultAPIResourceConfigSource()
	registry.EnableVersions(resources)

	genericConfig, versionedInformers, storageFactory, err := controlplaneapiserver.BuildGenericConfig(
		opts.ControlPlane,
		[]*runtime.Scheme{legacyscheme.Scheme, apiextensionsapiserver.Scheme, aggregatorscheme.Scheme},
		resources,
		openAPIDefinitions,
		nil,
	)
	if err != nil {
		return nil, err
	}
	registry.ConfigureStorage(storageFactory)
	var events *eventstore.Backend
	if opts.EmbeddedEtcdDir != "" {
		// One process by construction: Events (best-effort, expiring, ≈25 writes per
		// propagated Deployment) stay in memory, written in process by the controllers.
		events = eventstore.NewBackend(eventstore.DefaultMaxObjects)
		genericConfig.RESTOptionsGetter = events.RESTOptionsGetter(genericConfig.RESTOptionsGetter)
	}
	genericConfig.OpenAPIConfig.Info.Title = "Karmada"
	genericConfig.OpenAPIV3Config.Info.Title = "Karmada"

	serviceResolver := webhook.NewDefaultServiceResolver()
	cp, pluginInitializer, err := controlplaneapiserver.CreateConfig(opts.ControlPlane, genericConfig, versionedInformers, nil, storageFactory, serviceResolver, nil)
	if err != nil {
		return nil, err
	}
	authInfoResolver := webhook.NewDefaultAuthenticationInfoResolverWrapper(cp.ProxyTransport, cp.Generic.EgressSelector, cp.Generic.LoopbackClientConfig, cp.Generic.TracerProvider)
	apiExtensions, err := controlplaneapiserver.CreateAPIExtensionsConfig(*cp.Generic, cp.VersionedInformers, pluginInitializer, opts.ControlPlane, apiServerCount(opts), serviceResolver, authInfoResolver)
	if err != nil {
		return nil, err
	}
	aggregator, err := controlplaneapiserver.CreateAggregatorConfig(*cp.Generic, opts.ControlPlane, cp.VersionedInformers, serviceResolver, cp.ProxyTransport, cp.Extra.PeerProxy, pluginInitializer)
	if err != nil {
		return nil, err
	}
	aggregator.ExtraConfig.DisableRemoteAvailableConditionController = true
	return &Config{Options: opts, ControlPlane: cp, APIExtensions: apiExtensions, Aggregator: aggregator, Events: events}, nil
}

// storageProviders lists every API group served: kube's (in kube-apiserver's order,
// so short names resolve the same way) and then Karmada's.
func (c CompletedConfig) storageProviders(client kubernetes.Interface, view registry.ViewHandler) ([]controlplaneapiserver.RESTStorageProvider, error) {
	cp := c.ControlPlane
	legacy, err := corerest.New(corerest.Config{
		GenericConfig: *cp.NewCoreGenericConfig(),
		Proxy: corerest.ProxyConfig{
			Transport: cp.Extra.ProxyTransport,
			// Templates never run, so there is no kubelet to reach; pods/log on the
			// control plane answers with a connection error instead.
			KubeletClientConfig: kubeletclient.KubeletClientConfig{Port: 10250, ReadOnlyPort: 10255, PreferredAddressTypes: []string{"InternalIP"}, HTTPTimeout: 5 * time.Second},
		},
		Services: corerest.ServicesConfig{
			ClusterIPRange:   c.Options.ServiceIPRange,
			NodePortRange:    utilnet.PortRange{Base: 30000, Size: 2768},
			IPRepairInterval: 3 * time.Minute,
		},
		EndpointSliceGetter: cp.Extra.EndpointSliceGetter,
		Authorizer:          cp.Generic.Authorization.Authorizer,
	}, cp.Generic.Authorization.Authorizer)
	if err != nil {
		return nil, err
	}
	generic, err := cp.GenericStorageProviders(client.Discovery())
	if err != nil {
		return nil, err
	}
	providers := []controlplaneapiserver.RESTStorageProvider{legacy}
	// The generic list starts with the reduced core group; the full one replaces it.
	providers = append(providers, generic[1:]...)
	providers = append(providers,
		autoscalingrest.RESTStorageProvider{},
		batchrest.RESTStorageProvider{},
		discoveryrest.StorageProvider{},
		networkingrest.RESTStorageProvider{},
		noderest.RESTStorageProvider{},
		policyrest.RESTStorageProvider{},
		schedulingrest.RESTStorageProvider{},
		storagerest.RESTStorageProvider{},
		appsrest.StorageProvider{},
		resourcerest.RESTStorageProvider{NamespaceClient: client.CoreV1().Namespaces(), Authorizer: cp.Generic.Authorization.Authorizer},
	)
	providers = append(providers, registry.StorageProviders(registry.Deps{
		Secrets: c.secrets(),
		View:    view,
	})...)
	return providers, nil
}

// secrets reads the control plane's Secrets (member credentials) from its informers.
func (c CompletedConfig) secrets() membercluster.SecretGetter {
	lister := c.ControlPlane.Extra.VersionedInformers.Core().V1().Secrets().Lister()
	return func(ns, name string) (*corev1.Secret, error) { return lister.Secrets(ns).Get(name) }
}

// New wires the delegation chain: aggregator → kube + Karmada APIs → CRDs → 404.
func (c CompletedConfig) New() (*aggregatorapiserver.APIAggregator, error) {
	notFound := notfoundhandler.New(c.ControlPlane.Generic.Serializer, genericapifilters.NoMuxAndDiscoveryIncompleteKey)
	apiExtensionsServer, err := c.APIExtensions.New(genericapiserver.NewEmptyDelegateWithCustomHandler(notFound))
	if err != nil {
		return nil, fmt.Errorf("creating apiextensions server: %w", err)
	}
	crdAPIEnabled := c.APIExtensions.GenericConfig.MergedResourceConfig.ResourceEnabled(apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"))

	native, err := c.ControlPlane.New("karmada-apiserver", apiExtensionsServer.GenericAPIServer)
	if err != nil {
		return nil, fmt.Errorf("creating control plane: %w", err)
	}
	client, err := kubernetes.NewForConfig(c.ControlPlane.Generic.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	// One connection per member cluster, shared by the view and the controllers.
	members := membercluster.NewRegistry(c.secrets())
	view := merged.New(c.secrets(), members)
	providers, err := c.storageProviders(client, view)
	if err != nil {
		return nil, err
	}
	native.GenericAPIServer.AddPostStartHookOrDie("start-merged-view", func(hc genericapiserver.PostStartHookContext) error {
		return view.Start(hc, c.ControlPlane.Generic.LoopbackClientConfig)
	})
	if err := native.InstallAPIs(providers...); err != nil {
		return nil, fmt.Errorf("installing APIs: %w", err)
	}

	// Service templates get ClusterIPs from ServiceCIDR objects; keep the default one.
	native.GenericAPIServer.AddPostStartHookOrDie("start-default-service-cidr-controller", func(hc genericapiserver.PostStartHookContext) error {
		defaultservicecidr.NewController(c.Options.ServiceIPRange, emptyIPNet, client).Start(hc)
		return nil
	})
	// ServiceExport/ServiceImport are served by default, as CRDs (see installBuiltinCRDs).
	if crdAPIEnabled {
		native.GenericAPIServer.AddPostStartHookOrDie("install-mcs-crds", func(hc genericapiserver.PostStartHookContext) error {
			if err := installBuiltinCRDs(hc, c.ControlPlane.Generic.LoopbackClientConfig); err != nil {
				klog.ErrorS(err, "Installing the ServiceExport and ServiceImport CRDs failed; apply artifacts/crds/mcs by hand")
			}
			return nil
		})
	}
	eventSink := c.eventSink(native.GenericAPIServer)
	if !c.Options.DisableControllers {
		native.GenericAPIServer.AddPostStartHookOrDie("start-karmada-controllers", func(hc genericapiserver.PostStartHookContext) error {
			go runControllers(hc, c.Options, c.ControlPlane.Generic.LoopbackClientConfig, members, eventSink)
			return nil
		})
	}

	aggregator, err := controlplaneapiserver.CreateAggregatorServer(c.Aggregator, native.GenericAPIServer, apiExtensionsServer.Informers.Apiextensions().V1().CustomResourceDefinitions(), crdAPIEnabled, apiServicePriorities())
	if err != nil {
		return nil, fmt.Errorf("creating aggregator: %w", err)
	}
	return aggregator, nil
}

// eventSink is where the controllers' Events go: straight into the in-memory store
// (whose expiry runs with the server), or nil for the HTTP client with an external etcd
// (or when no Event API is served at all).
func (c CompletedConfig) eventSink(server *genericapiserver.GenericAPIServer) record.EventSink {
	if c.Events == nil {
		return nil
	}
	server.AddPostStartHookOrDie("start-event-store", func(hc genericapiserver.PostStartHookContext) error {
		go c.Events.Run(hc)
		return nil
	})
	store := c.Events.Store(schema.GroupResource{Resource: "events"})
	if store == nil {
		return nil
	}
	return eventstore.NewSink(store, c.ControlPlane.Extra.EventTTL)
}

// Run starts etcd (when embedded), writes the admin kubeconfig and serves until ctx ends.
func Run(ctx context.Context, opts *Completed) error {
	klog.InfoS("Starting karmada-apiserver", "dataDir", opts.DataDir, "pid", os.Getpid())
	if err := setMemoryLimit(opts.MemoryLimit); err != nil {
		return err
	}
	var etcd *embeddedEtcd
	if opts.EmbeddedEtcdDir != "" {
		var err error
		etcd, err = startEmbeddedEtcd(ctx, opts.EmbeddedEtcdDir, opts.EtcdUnsafeNoFsync)
		if err != nil {
			return err
		}
		defer etcd.Close()
		opts.ControlPlane.Etcd.StorageConfig.Transport.ServerList = []string{etcd.clientURL}
	}
	if err := writeAdminKubeconfig(opts); err != nil {
		return err
	}
	config, err := NewConfig(opts)
	if err != nil {
		return err
	}
	server, err := config.Complete().New()
	if err != nil {
		return err
	}
	prepared, err := server.PrepareRun()
	if err != nil {
		return err
	}
	go releaseStartupMemory(ctx)
	return prepared.Run(ctx)
}

// releaseStartupMemory hands the garbage of start-up (OpenAPI specs are built and
// discarded, informers list everything once) back to the OS once the server has
// settled, instead of waiting for the background scavenger. Idle RSS is what an
// operator sees first.
func releaseStartupMemory(ctx context.Context) {
	for _, d := range []time.Duration{10 * time.Second, 30 * time.Second} {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
			debug.FreeOSMemory()
		}
	}
}

// setMemoryLimit applies --memory-limit unless GOMEMLIMIT is set.
func setMemoryLimit(limit string) error {
	if os.Getenv("GOMEMLIMIT") != "" || limit == "" || limit == "0" {
		return nil
	}
	q, err := resource.ParseQuantity(limit)
	if err != nil {
		return fmt.Errorf("--memory-limit %q: %w (use a quantity such as 768Mi, or 0 for none)", limit, err)
	}
	if q.Value() <= 0 {
		return nil
	}
	debug.SetMemoryLimit(q.Value())
	klog.InfoS("Soft memory limit set", "limit", limit)
	return nil
}

// apiServerCount is the number of replicas the CRD machinery assumes. With more than one,
// a new CRD is marked Established only after a 5 s grace so that every replica's handler
// has seen it; an embedded etcd means this process is the only replica, so a CRD is
// served as soon as its names are accepted (this keeps the first start's built-in CRDs
// off the /readyz critical path).
func apiServerCount(opts *Completed) int {
	if opts.EmbeddedEtcdDir != "" {
		return 1
	}
	return 3
}
