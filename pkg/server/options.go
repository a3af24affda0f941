package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/sets"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/kubernetes/pkg/controlplane/apiserver/options"
	kubeoptions "k8s.io/kubernetes/pkg/kubeapiserver/options"
	netutils "k8s.io/utils/net"

	"github.com/karmada-one/karmada-one/pkg/admission/deletionprotection"
	"github.com/karmada-one/karmada-one/pkg/admission/federatedquota"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/descheduler"
	"github.com/karmada-one/karmada-one/pkg/failover"
	"github.com/karmada-one/karmada-one/pkg/features"
)

// Options is everything the karmada-apiserver command line can set: kube's generic
// control-plane options plus the few that make the binary self-contained.
type Options struct {
	ControlPlane *options.Options

	// DataDir holds the embedded etcd, the generated PKI and the admin kubeconfig.
	DataDir string
	// LeaderElect makes the embedded controllers take a Lease before acting, so several
	// replicas can share one external etcd.
	LeaderElect bool
	// MemoryLimit is the Go runtime's soft memory limit ("" or "0" = none). GOMEMLIMIT in
	// the environment wins.
	MemoryLimit string
	// ServiceClusterIPRange is the range Service templates get ClusterIPs from.
	ServiceClusterIPRange string
	// EtcdUnsafeNoFsync trades durability for speed in tests; never for real data.
	EtcdUnsafeNoFsync bool
	// Controllers can be switched off to serve only the API (tests of the storage layer).
	DisableControllers bool
	// Controllers are the embedded controllers' tunables.
	Controllers controllers.Options
	// EnabledControllers is --controllers, in karmada-controller-manager's syntax.
	EnabledControllers []string
	// EnableSchedulerEstimator and EnableDescheduler switch those addons on at start unless
	// `kubectl karmada addons` has recorded a choice for them.
	EnableSchedulerEstimator bool
	EnableDescheduler        bool
}

// NewOptions returns options with the defaults a local, secure, self-contained control
// plane needs.
func NewOptions() *Options {
	cp := options.NewOptions()
	addAdmissionPlugins(cp.Admission.GenericAdmission)
	cp.Admission.GenericAdmission.DefaultOffPlugins = defaultOffAdmissionPlugins()
	cp.SecureServing.BindPort = 5443
	cp.SecureServing.BindAddress = netutils.ParseIPSloppy("127.0.0.1")
	cp.Authorization.Modes = []string{"RBAC"}
	cp.SystemNamespaces = []string{"kube-system", "kube-public", "default", "karmada-system", "karmada-cluster"}
	cp.Authentication.ServiceAccounts.Issuers = []string{"https://kubernetes.default.svc.cluster.local"}
	cp.Authentication.APIAudiences = []string{"https://kubernetes.default.svc.cluster.local"}
	return &Options{
		ControlPlane:          cp,
		DataDir:               "_data",
		LeaderElect:           true,
		MemoryLimit:           "768Mi",
		ServiceClusterIPRange: "10.96.0.0/12",
		EnabledControllers:    []string{"*"},
		Controllers: controllers.Options{
			ClusterStatusUpdateFrequency:    10 * time.Second,
			Workers:                         8,
			WorkSyncs:                       32,
			DeschedulingInterval:            descheduler.DefaultInterval,
			UnschedulableThreshold:          descheduler.DefaultUnschedulableThreshold,
			NoExecuteTaintEvictionPurgeMode: string(policyv1alpha1.PurgeModeGracefully),
			GracefulEvictionTimeout:         failover.DefaultGracefulEvictionTimeout,
			ClusterSuccessThreshold:         30 * time.Second,
			ClusterFailureThreshold:         30 * time.Second,
		},
	}
}

// AddFlags registers our flags in their own section first, then kube's.
func (o *Options) AddFlags(fss *cliflag.NamedFlagSets) {
	fs := fss.FlagSet("karmada")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Directory for the embedded etcd data, the generated certificates and the admin kubeconfig (karmada-apiserver.config).")
	fs.StringVar(&o.MemoryLimit, "memory-limit", o.MemoryLimit, "Soft memory limit of the process (Kubernetes quantity, e.g. 768Mi; 0 for none): the garbage collector works harder and returns memory to the system sooner as the heap nears it. It is not a cap: a larger working set is served, at some CPU cost. The GOMEMLIMIT environment variable, when set, wins.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Run the embedded controllers only while holding the Lease karmada-system/karmada-controllers, so several replicas can share an external etcd.")
	fs.StringVar(&o.ServiceClusterIPRange, "service-cluster-ip-range", o.ServiceClusterIPRange, "CIDR from which Service templates are allocated ClusterIPs, as in kube-apiserver.")
	fs.BoolVar(&o.EtcdUnsafeNoFsync, "embedded-etcd-unsafe-no-fsync", o.EtcdUnsafeNoFsync, "Disable fsync in the embedded etcd. Only for throwaway test data.")
	fs.BoolVar(&o.DisableControllers, "disable-controllers", o.DisableControllers, "Serve the API only; run no embedded controller.")
	fs.StringSliceVar(&o.EnabledControllers, "controllers", o.EnabledControllers, controllersFlagHelp())
	fs.DurationVar(&o.Controllers.ClusterStatusUpdateFrequency, "cluster-status-update-frequency", o.Controllers.ClusterStatusUpdateFrequency, "How often each member cluster's health and status are collected.")
	fs.DurationVar(&o.Controllers.ClusterSuccessThreshold, "cluster-success-threshold", o.Controllers.ClusterSuccessThreshold, "How long a member must stay healthy before it is reported Ready.")
	fs.IntVar(&o.Controllers.Workers, "concurrent-workers", o.Controllers.Workers, "Concurrent reconciles of each propagation controller (detector, scheduler, binding, binding status).")
	fs.IntVar(&o.Controllers.WorkSyncs, "concurrent-work-syncs", o.Controllers.WorkSyncs, "Works applied to member clusters at once by the execution controller; each waits on a member's API server.")
	fs.BoolVar(&o.EnableSchedulerEstimator, "enable-scheduler-estimator", o.EnableSchedulerEstimator, "Switch the karmada-scheduler-estimator addon on at start (node-by-node estimates from each member's nodes and pods), unless `kubectl karmada addons` has recorded a choice for it.")
	fs.BoolVar(&o.EnableDescheduler, "enable-descheduler", o.EnableDescheduler, "Switch the karmada-descheduler addon on at start, unless `kubectl karmada addons` has recorded a choice for it.")
	fs.DurationVar(&o.Controllers.DeschedulingInterval, "descheduling-interval", o.Controllers.DeschedulingInterval, "How often the descheduler examines dynamically divided bindings (while the karmada-descheduler addon is on).")
	fs.DurationVar(&o.Controllers.UnschedulableThreshold, "unschedulable-threshold", o.Controllers.UnschedulableThreshold, "How long a replica must stay unschedulable in a member before the descheduler moves it elsewhere.")
	fs.BoolVar(&o.Controllers.EnableNoExecuteTaintEviction, "enable-no-execute-taint-eviction", o.Controllers.EnableNoExecuteTaintEviction, "Evict workloads from clusters with NoExecute taints they do not tolerate (needs --feature-gates=Failover=true). Off by default, as in Karmada: a taint then only keeps new workloads away.")
	fs.StringVar(&o.Controllers.NoExecuteTaintEvictionPurgeMode, "no-execute-taint-eviction-purge-mode", o.Controllers.NoExecuteTaintEvictionPurgeMode, "How a NoExecute eviction removes the old copy when the policy sets no failover.cluster.purgeMode: Gracefully (after the replacement is healthy or --graceful-eviction-timeout) or Directly.")
	fs.DurationVar(&o.Controllers.GracefulEvictionTimeout, "graceful-eviction-timeout", o.Controllers.GracefulEvictionTimeout, "How long an evicted cluster keeps its copy at most while the replacement becomes healthy.")
	fs.DurationVar(&o.Controllers.ClusterFailureThreshold, "cluster-failure-threshold", o.Controllers.ClusterFailureThreshold, "How long a member must stay unhealthy before it is reported not Ready.")
	o.ControlPlane.AddFlags(fss)
}

// AddFlagSet is a convenience for callers that hold one flat pflag.FlagSet (tests).
func (o *Options) AddFlagSet(fs *pflag.FlagSet) {
	var fss cliflag.NamedFlagSets
	o.AddFlags(&fss)
	for _, f := range fss.FlagSets {
		fs.AddFlagSet(f)
	}
}

// Completed holds options after defaults that depend on other options were filled in.
type Completed struct {
	*Options
	ControlPlane options.CompletedOptions
	PKI          *pki
	// EmbeddedEtcdDir is empty when an external etcd is used.
	EmbeddedEtcdDir string
	KubeconfigPath  string
	ServiceIPRange  net.IPNet
}

// Complete generates the PKI if needed, points kube's options at it and fills the
// defaults derived from --data-dir. Flags the user gave always win.
func (o *Options) Complete(ctx context.Context) (*Completed, error) {
	if o.Controllers.Workers < 1 {
		return nil, fmt.Errorf("--concurrent-workers=%d: must be at least 1", o.Controllers.Workers)
	}
	if o.Controllers.WorkSyncs < 1 {
		return nil, fmt.Errorf("--concurrent-work-syncs=%d: must be at least 1", o.Controllers.WorkSyncs)
	}
	switch policyv1alpha1.PurgeMode(o.Controllers.NoExecuteTaintEvictionPurgeMode) {
	case policyv1alpha1.PurgeModeGracefully, policyv1alpha1.PurgeModeDirectly:
	default:
		return nil, fmt.Errorf("--no-execute-taint-eviction-purge-mode=%q: must be Gracefully or Directly", o.Controllers.NoExecuteTaintEvictionPurgeMode)
	}
	if o.Controllers.GracefulEvictionTimeout <= 0 {
		return nil, fmt.Errorf("--graceful-eviction-timeout=%s: must be positive (e.g. 10m)", o.Controllers.GracefulEvictionTimeout)
	}
	if err := validateControllers(o.EnabledControllers); err != nil {
		return nil, err
	}
	if o.Controllers.DeschedulingInterval <= 0 {
		return nil, fmt.Errorf("--descheduling-interval=%s: must be positive (e.g. 2m)", o.Controllers.DeschedulingInterval)
	}
	if o.Controllers.UnschedulableThreshold <= 0 {
		return nil, fmt.Errorf("--unschedulable-threshold=%s: must be positive (e.g. 5m)", o.Controllers.UnschedulableThreshold)
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", o.DataDir, err)
	}
	o.DataDir = dataDir
	cp := o.ControlPlane

	_, ipRange, err := netutils.ParseCIDRSloppy(o.ServiceClusterIPRange)
	if err != nil {
		return nil, fmt.Errorf("--service-cluster-ip-range %q: %w", o.ServiceClusterIPRange, err)
	}

	p := newPKI(filepath.Join(dataDir, "pki"))
	hosts := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "karmada-apiserver", "karmada-apiserver.karmada-system.svc"}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if b := cp.SecureServing.BindAddress; b != nil && !b.IsUnspecified() && !b.IsLoopback() {
		ips = append(ips, b)
	}
	if err := p.ensure(hosts, ips); err != nil {
		return nil, fmt.Errorf("generating certificates in %s: %w", p.Dir, err)
	}

	if cp.SecureServing.ServerCert.CertKey.CertFile == "" {
		cp.SecureServing.ServerCert.CertKey.CertFile = p.ServingCert
		cp.SecureServing.ServerCert.CertKey.KeyFile = p.ServingKey
	}
	if cp.Authentication.ClientCert != nil && cp.Authentication.ClientCert.ClientCA == "" {
		cp.Authentication.ClientCert.ClientCA = p.CACert
	}
	if sa := cp.Authentication.ServiceAccounts; sa != nil && len(sa.KeyFiles) == 0 {
		sa.KeyFiles = []string{p.ServiceAccountPub}
	}
	if cp.ServiceAccountSigningKeyFile == "" && cp.ServiceAccountSigningEndpoint == "" {
		cp.ServiceAccountSigningKeyFile = p.ServiceAccountKey
	}
	if rh := cp.Authentication.RequestHeader; rh != nil && rh.ClientCAFile == "" {
		rh.ClientCAFile = p.FrontProxyCACert
		rh.AllowedNames = []string{"front-proxy-client"}
		rh.UsernameHeaders = []string{"X-Remote-User"}
		rh.UIDHeaders = []string{"X-Remote-Uid"}
		rh.GroupHeaders = []string{"X-Remote-Group"}
		rh.ExtraHeaderPrefixes = []string{"X-Remote-Extra-"}
	}
	if cp.ProxyClientCertFile == "" {
		cp.ProxyClientCertFile = p.FrontProxyClientCert
		cp.ProxyClientKeyFile = p.FrontProxyClientKey
	}

	c := &Completed{Options: o, PKI: p, KubeconfigPath: filepath.Join(dataDir, "karmada-apiserver.config"), ServiceIPRange: *ipRange}
	if len(cp.Etcd.StorageConfig.Transport.ServerList) == 0 {
		c.EmbeddedEtcdDir = filepath.Join(dataDir, "etcd")
		// The real address is known once etcd runs; Validate needs a value now.
		cp.Etcd.StorageConfig.Transport.ServerList = []string{"http://127.0.0.1:2379"}
	}

	completed, err := cp.Complete(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return nil, fmt.Errorf("invalid options: %v", errs)
	}
	c.ControlPlane = completed
	return c, nil
}

// leaderIdentity is stable for one data dir and port on one host, so a replica that
// is killed and restarted takes its own Lease back at once instead of waiting for it
// to expire.
func (c *Completed) leaderIdentity() string {
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s:%d", c.DataDir, c.ControlPlane.SecureServing.BindPort)))
	return host + "_" + hex.EncodeToString(sum[:6])
}

// defaultOffAdmissionPlugins keeps the plugins that make kube-apiserver store a
// template exactly as a cluster would, and switches off those that would act on
// templates: webhooks configured for member clusters (Istio's injector, say) are stored
// but never called here, and pods get no service-account token volume.
func defaultOffAdmissionPlugins() sets.Set[string] {
	on := sets.New[string](
		"NamespaceLifecycle",
		"DefaultTolerationSeconds",
		"ResourceQuota",
		"CertificateApproval",
		"CertificateSigning",
		"ClusterTrustBundleAttest",
		"CertificateSubjectRestriction",
		"ValidatingAdmissionPolicy",
		"MutatingAdmissionPolicy",
	)
	return sets.New(kubeoptions.AllOrderedPlugins...).Difference(on)
}

// addAdmissionPlugins registers what Karmada's webhooks do that is not done in the
// storage strategies: ResourceDeletionProtection (Karmada's resourcedeletionprotection
// webhook) and FederatedResourceQuotaEnforcement (the quota check of Karmada's
// resourcebinding webhook, idle unless the FederatedQuotaEnforcement gate is on), on by
// default, in the validating phase right after the validating webhooks, where Karmada's
// webhooks would run.
func addAdmissionPlugins(a *genericoptions.AdmissionOptions) {
	deletionprotection.Register(a.Plugins)
	federatedquota.Register(a.Plugins)
	// A new slice: RecommendedPluginOrder is kube's package-level list.
	order := make([]string, 0, len(a.RecommendedPluginOrder)+2)
	for _, name := range a.RecommendedPluginOrder {
		order = append(order, name)
		if name == "ValidatingAdmissionWebhook" {
			order = append(order, deletionprotection.PluginName, federatedquota.PluginName)
		}
	}
	a.RecommendedPluginOrder = order
}

func init() {
	features.MustRegister(utilfeature.DefaultMutableFeatureGate)
}
