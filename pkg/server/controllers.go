package server

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/controller-manager/pkg/informerfactory"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
	"k8s.io/kubernetes/pkg/controller/garbagecollector"
	namespacecontroller "k8s.io/kubernetes/pkg/controller/namespace"
	serviceaccountcontroller "k8s.io/kubernetes/pkg/controller/serviceaccount"
	"k8s.io/kubernetes/pkg/serviceaccount"

	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
	bindingcontroller "github.com/karmada-one/karmada-one/pkg/controllers/binding"
	clustercontroller "github.com/karmada-one/karmada-one/pkg/controllers/cluster"
	"github.com/karmada-one/karmada-one/pkg/controllers/clusterstatus"
	"github.com/karmada-one/karmada-one/pkg/controllers/cronfederatedhpa"
	"github.com/karmada-one/karmada-one/pkg/controllers/dependencies"
	"github.com/karmada-one/karmada-one/pkg/controllers/deploymentreplicassyncer"
	"github.com/karmada-one/karmada-one/pkg/controllers/descheduler"
	detectorcontroller "github.com/karmada-one/karmada-one/pkg/controllers/detector"
	"github.com/karmada-one/karmada-one/pkg/controllers/execution"
	"github.com/karmada-one/karmada-one/pkg/controllers/failover"
	"github.com/karmada-one/karmada-one/pkg/controllers/federatedhpa"
	"github.com/karmada-one/karmada-one/pkg/controllers/federatedresourcequota"
	"github.com/karmada-one/karmada-one/pkg/controllers/hpascaletargetmarker"
	"github.com/karmada-one/karmada-one/pkg/controllers/mciservicelocations"
	"github.com/karmada-one/karmada-one/pkg/controllers/multiclusterservice"
	namespacesync "github.com/karmada-one/karmada-one/pkg/controllers/namespace"
	schedulercontroller "github.com/karmada-one/karmada-one/pkg/controllers/scheduler"
	"github.com/karmada-one/karmada-one/pkg/controllers/serviceexport"
	"github.com/karmada-one/karmada-one/pkg/controllers/serviceimport"
	"github.com/karmada-one/karmada-one/pkg/controllers/unifiedauth"
	"github.com/karmada-one/karmada-one/pkg/controllers/workloadrebalancer"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	interpreterwebhook "github.com/karmada-one/karmada-one/pkg/interpreter/webhook"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	"github.com/karmada-one/karmada-one/pkg/metrics"
	"github.com/karmada-one/karmada-one/pkg/registry/eventstore"
)

// karmadaControllers run, in this order, while this replica holds the Lease.
var karmadaControllers = []struct {
	name  string
	start controllers.Starter
}{
	{"cluster", clustercontroller.Start},
	{"cluster-status", clusterstatus.Start},
	{"resource-detector", detectorcontroller.Start},
	{"scheduler", schedulercontroller.Start},
	{"binding", bindingcontroller.Start},
	{"execution", execution.Start},
	{"namespace-sync", namespacesync.Start},
	{"dependencies-distributor", dependencies.Start},
	{"unified-auth", unifiedauth.Start},
	{"service-export", serviceexport.Start},
	{"service-import", serviceimport.Start},
	// With the MultiClusterService feature gate, as in Karmada.
	{"multiclusterservice", multiclusterservice.Start},
	{"endpointslice-collect", multiclusterservice.StartCollect},
	{"endpointslice-dispatch", multiclusterservice.StartDispatch},
	{"mci-service-locations", mciservicelocations.Start},
	{"taint-manager", failover.StartTaintManager},
	{"application-failover", failover.StartApplicationFailover},
	{"graceful-eviction", failover.StartGracefulEviction},
	{"cronfederatedhpa", cronfederatedhpa.Start},
	{"federatedhpa", federatedhpa.Start},
	// Idle until switched on with `kubectl karmada addons enable karmada-descheduler`.
	{"descheduler", descheduler.Start},
	{"workload-rebalancer", workloadrebalancer.Start},
	{"federated-resource-quota", federatedresourcequota.Start},
	// Idle unless the FederatedQuotaEnforcement gate is on.
	{"federated-resource-quota-enforcement", federatedresourcequota.StartEnforcement},
	// Off by default, as in Karmada: --controllers=*,hpaScaleTargetMarker,deploymentReplicasSyncer.
	{"hpa-scale-target-marker", hpascaletargetmarker.Start},
	{"deployment-replicas-syncer", deploymentreplicassyncer.Start},
}

// runControllers waits for the Lease (when --leader-elect) and then starts kube's
// housekeeping controllers and ours. Losing the Lease ends the process, as in kube's
// controller manager: a fresh start is the simplest way to drop every cached decision.
// events is where Events are written (nil: through the loopback client).
// waitReady polls the server's /readyz until it answers ok or ctx ends.
func waitReady(ctx context.Context, client kubernetes.Interface) error {
	return wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	})
}

func runControllers(ctx context.Context, opts *Completed, loopback *rest.Config, members *membercluster.Registry, events record.EventSink) {
	cfg := rest.CopyConfig(loopback)
	cfg.QPS, cfg.Burst = -1, 0 // our own loopback: never throttle the embedded controllers
	client := kubernetes.NewForConfigOrDie(cfg)
	// Like kube-controller-manager, start once the API server is ready: before that RBAC
	// and the built-in CRDs are still being written, and informers listing in the meantime
	// only take CPU from the start-up that readiness waits for.
	if err := waitReady(ctx, client); err != nil {
		return
	}
	run := func(ctx context.Context) {
		if err := startControllers(ctx, opts, cfg, client, members, events); err != nil {
			klog.ErrorS(err, "Starting controllers failed")
			os.Exit(1)
		}
	}
	if !opts.LeaderElect {
		run(ctx)
		return
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, "karmada-system", "karmada-controllers",
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: opts.leaderIdentity()})
	if err != nil {
		klog.ErrorS(err, "Creating leader-election lock failed")
		os.Exit(1)
	}
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		ReleaseOnCancel: true,
		Name:            "karmada-controllers",
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: run,
			OnStoppedLeading: func() {
				if ctx.Err() == nil {
					klog.Error("Lost the controllers Lease; exiting so a fresh start can take over")
					os.Exit(1)
				}
			},
		},
	})
}

func startControllers(ctx context.Context, opts *Completed, cfg *rest.Config, client kubernetes.Interface, members *membercluster.Registry, events record.EventSink) error {
	logger := klog.FromContext(ctx)
	factory := informers.NewSharedInformerFactory(client, 0)
	metadataClient, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	metadataInformers := metadatainformer.NewSharedInformerFactory(metadataClient, 0)
	cached := memory.NewMemCacheClient(client.Discovery())
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	go wait.UntilWithContext(ctx, func(context.Context) { mapper.Reset() }, 30*time.Second)
	informersStarted := make(chan struct{})

	if err := startKubeControllers(ctx, opts, client, metadataClient, mapper, factory, metadataInformers, informersStarted); err != nil {
		return err
	}
	kc, err := newControllerContext(ctx, opts, cfg, client, members, events, factory, mapper)
	if err != nil {
		return err
	}
	enableDefaultAddons(ctx, opts, client)
	for _, c := range karmadaControllers {
		if !controllerEnabled(opts.EnabledControllers, c.name) {
			logger.Info("Controller is disabled", "controller", c.name)
			continue
		}
		if err := c.start(ctx, kc); err != nil {
			return fmt.Errorf("starting %s: %w", c.name, err)
		}
		logger.Info("Started controller", "controller", c.name)
	}

	factory.Start(ctx.Done())
	kc.KarmadaInformers.Start(ctx.Done())
	metadataInformers.Start(ctx.Done())
	close(informersStarted)
	logger.Info("Embedded controllers started")
	return nil
}

// startKubeControllers runs the controllers kube-controller-manager would run for what
// the control plane stores itself: namespace deletion, garbage collection, legacy
// service-account tokens and ClusterRole aggregation.
func startKubeControllers(ctx context.Context, opts *Completed, client kubernetes.Interface, metadataClient metadata.Interface,
	mapper *restmapper.DeferredDiscoveryRESTMapper, factory informers.SharedInformerFactory,
	metadataInformers metadatainformer.SharedInformerFactory, informersStarted <-chan struct{}) error {
	logger := klog.FromContext(ctx)
	// Namespace deletion removes everything in the namespace.
	nsc := namespacecontroller.NewNamespaceController(ctx, client, metadataClient, client.Discovery().ServerPreferredNamespacedResources,
		factory.Core().V1().Namespaces(), 5*time.Minute, corev1.FinalizerKubernetes)
	go nsc.Run(ctx, 5)

	// Owner references: deleting an owner deletes what it controls.
	objOrMeta := informerfactory.NewInformerFactory(factory, metadataInformers)
	gc, err := garbagecollector.NewGarbageCollector(ctx, client, metadataClient, mapper, garbagecollector.DefaultIgnoredResources(), objOrMeta, informersStarted)
	if err != nil {
		return err
	}
	go gc.Run(ctx, 10, 30*time.Second)
	go gc.Sync(ctx, client.Discovery(), 30*time.Second)

	// Legacy service-account token Secrets (kubernetes.io/service-account-token).
	key, err := keyutil.PrivateKeyFromFile(opts.PKI.ServiceAccountKey)
	if err != nil {
		return err
	}
	gen, err := serviceaccount.JWTTokenGenerator(serviceaccount.LegacyIssuer, key)
	if err != nil {
		return err
	}
	rootCA, err := os.ReadFile(opts.PKI.CACert)
	if err != nil {
		return err
	}
	tokens, err := serviceaccountcontroller.NewTokensController(logger, factory.Core().V1().ServiceAccounts(), factory.Core().V1().Secrets(), client,
		serviceaccountcontroller.TokensControllerOptions{TokenGenerator: gen, RootCA: rootCA})
	if err != nil {
		return err
	}
	go tokens.Run(ctx, 2)

	// aggregationRule on ClusterRoles (admin/edit/view gain rules from labelled roles).
	agg := clusterroleaggregation.NewClusterRoleAggregation(factory.Rbac().V1().ClusterRoles(), client.RbacV1())
	go agg.Run(ctx, 2)

	return nil
}

// newControllerContext builds what Karmada's controllers share: the clients, the shared
// informer factories, the resource interpreter, the template cache and the Event recorders.
func newControllerContext(ctx context.Context, opts *Completed, cfg *rest.Config, client kubernetes.Interface, members *membercluster.Registry,
	events record.EventSink, factory informers.SharedInformerFactory, mapper *restmapper.DeferredDiscoveryRESTMapper) (*controllers.Context, error) {
	// Karmada's kinds have no protobuf encoding; their client speaks JSON.
	jsonCfg := rest.CopyConfig(cfg)
	jsonCfg.ContentType = "application/json"
	jsonCfg.AcceptContentTypes = "application/json"
	karmada, err := karmadaclient.NewForConfig(jsonCfg)
	if err != nil {
		return nil, err
	}
	// No controller reads managedFields; keeping them would hold a second, larger copy
	// of every binding's and Work's field sets in memory.
	karmadaFactory := karmadainformers.NewSharedInformerFactoryWithOptions(karmada, 0, karmadainformers.WithTransform(controllers.StripManagedFields))
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	if events == nil {
		events = eventstore.CountWrites(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	}
	broadcaster.StartRecordingToSink(events)
	go func() { <-ctx.Done(); broadcaster.Shutdown() }()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	metrics.Register()
	kc := &controllers.Context{
		Dynamic: dyn,
		Mapper:  mapper,
		// Karmada's order: the user's customizations (Lua), then the interpreter
		// webhooks, then the bundled customizations, then the built-in rules. Listers
		// follow the configurations as they change, without a restart.
		Interpreter: interpreter.Customized(
			interpreterwebhook.Wrap(interpreter.Customized(interpreter.Default(), interpreter.BundledRules()),
				interpreterwebhook.NewHooks(karmadaFactory.Config().V1alpha1().ResourceInterpreterWebhookConfigurations().Lister(),
					karmadaFactory.Config().V1alpha1().ResourceInterpreterWebhookConfigurations().Informer().HasSynced,
					factory.Core().V1().Services().Lister())),
			interpreter.ListerRules(karmadaFactory.Config().V1alpha1().ResourceInterpreterCustomizations().Lister())),
		Templates:          controllers.NewTemplates(ctx, dyn, mapper, cache.Indexers{detectorcontroller.ClaimIndex: detectorcontroller.ClaimIndexFunc}),
		Options:            opts.Controllers,
		ControlPlaneConfig: cfg,
		ControlPlaneClient: client,
		KarmadaClient:      karmada,
		KubeInformers:      factory,
		KarmadaInformers:   karmadaFactory,
		Members:            members,
		EventRecorder: func(component string) record.EventRecorder {
			return broadcaster.NewRecorder(legacyscheme.Scheme, corev1.EventSource{Component: component})
		},
	}
	return kc, nil
}

// enableDefaultAddons records the addons --enable-scheduler-estimator and
// --enable-descheduler name as enabled.
func enableDefaultAddons(ctx context.Context, opts *Completed, client kubernetes.Interface) {
	var defaults []string
	if opts.EnableSchedulerEstimator {
		defaults = append(defaults, addons.SchedulerEstimator)
	}
	if opts.EnableDescheduler {
		defaults = append(defaults, addons.Descheduler)
	}
	if len(defaults) > 0 {
		// In the background: the controllers watch the ConfigMap and switch the addons on
		// (with an AddonEnabled Event) as soon as it records them.
		go func() {
			if err := addons.EnsureEnabledByDefault(ctx, client, defaults...); err != nil && ctx.Err() == nil {
				klog.FromContext(ctx).Error(err, "Switching on the addons named by --enable-scheduler-estimator/--enable-descheduler failed; `kubectl karmada addons enable` still works", "addons", defaults)
			}
		}()
	}
}
