package util

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/pkg/version"
)

// RequestTimeout bounds every single request to the control plane or a member, so an
// unreachable server fails a command instead of hanging it.
const RequestTimeout = 30 * time.Second

// Factory builds clients for the Karmada control plane from the global flags --kubeconfig and
// --karmada-context (karmadactl's names), resolved like kubectl: --kubeconfig, else the files in
// $KUBECONFIG, else ~/.kube/config.
type Factory struct {
	KubeConfig     string
	KarmadaContext string

	// UserAgent identifies the binary in the servers' logs and audit events.
	UserAgent string
}

// NewFactory returns a Factory whose clients identify as binaryName.
func NewFactory(binaryName string) *Factory {
	return &Factory{UserAgent: binaryName + "/" + version.Version}
}

// AddFlags registers --kubeconfig and --karmada-context.
func (f *Factory) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.KubeConfig, "kubeconfig", "",
		"Path to the kubeconfig file of the Karmada control plane. Defaults to $KUBECONFIG, then ~/.kube/config.")
	fs.StringVar(&f.KarmadaContext, "karmada-context", "",
		"Name of the context of the Karmada control plane in the kubeconfig. The current context is used by default.")
}

// ClientConfig is the kubeconfig loader behind the flags.
func (f *Factory) ClientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.KubeConfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.KarmadaContext})
}

// RESTConfig is the control plane's REST config.
func (f *Factory) RESTConfig() (*rest.Config, error) {
	cfg, err := f.ClientConfig().ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, errors.New("no kubeconfig for the Karmada control plane: give --kubeconfig=<file>, set KUBECONFIG, or create ~/.kube/config")
		}
		return nil, fmt.Errorf("cannot load the kubeconfig of the Karmada control plane (%s): %w", f.describe(), err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = RequestTimeout
	}
	if f.UserAgent != "" {
		cfg.UserAgent = f.UserAgent
	}
	return cfg, nil
}

// KubeClient talks Kubernetes APIs (namespaces, Secrets) to the control plane.
func (f *Factory) KubeClient() (kubernetes.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// KarmadaClient talks Karmada APIs (Clusters, policies) to the control plane.
func (f *Factory) KarmadaClient() (karmadaclientset.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	return karmadaclientset.NewForConfig(cfg)
}

func (f *Factory) describe() string {
	var parts []string
	if f.KubeConfig != "" {
		parts = append(parts, "--kubeconfig="+f.KubeConfig)
	}
	if f.KarmadaContext != "" {
		parts = append(parts, "--karmada-context="+f.KarmadaContext)
	}
	if len(parts) == 0 {
		return "from $KUBECONFIG or ~/.kube/config, current context"
	}
	return strings.Join(parts, " ")
}

// MemberAccess is how a member kubeconfig reaches the member: the REST config for the user's own
// client, and the parts join copies into the Cluster object and its Secret.
type MemberAccess struct {
	// Config authenticates as the kubeconfig's user (for creating the member-side objects).
	Config *rest.Config
	// Context is the kubeconfig context used.
	Context string
	// Server is the member's API server URL, the Cluster's apiEndpoint.
	Server string
	// CAData is the CA the kubeconfig trusts for Server (inline or read from its file).
	CAData []byte
	// Insecure is the kubeconfig's insecure-skip-tls-verify.
	Insecure bool
	// ProxyURL is the kubeconfig's proxy-url.
	ProxyURL string
}

// LoadKubeconfigFile reads the kubeconfig at path, with relative file references resolved
// against its directory. It does not merge $KUBECONFIG: a member is always named explicitly.
func LoadKubeconfigFile(path string) (*clientcmdapi.Config, error) {
	raw, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	if err := clientcmd.ResolveLocalPaths(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// MemberAccessFromKubeconfig picks contextName (the current context when empty) from raw and
// returns how it reaches its cluster. CA files are read, so the CA can be copied.
func MemberAccessFromKubeconfig(raw *clientcmdapi.Config, contextName string) (*MemberAccess, error) {
	if contextName == "" {
		contextName = raw.CurrentContext
	}
	contexts := slices.Sorted(maps.Keys(raw.Contexts))
	if contextName == "" {
		return nil, fmt.Errorf("the kubeconfig has no current context; choose one with --cluster-context (one of: %s)", strings.Join(contexts, ", "))
	}
	kctx, ok := raw.Contexts[contextName]
	if !ok {
		return nil, fmt.Errorf("context %q is not in the kubeconfig (it has: %s)", contextName, strings.Join(contexts, ", "))
	}
	cluster, ok := raw.Clusters[kctx.Cluster]
	if !ok {
		return nil, fmt.Errorf("context %q refers to cluster %q, which is not in the kubeconfig", contextName, kctx.Cluster)
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, contextName, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", contextName, err)
	}
	if err := rest.LoadTLSFiles(cfg); err != nil {
		return nil, fmt.Errorf("context %q: %w", contextName, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = RequestTimeout
	}
	return &MemberAccess{
		Config:   cfg,
		Context:  contextName,
		Server:   cfg.Host,
		CAData:   cfg.CAData,
		Insecure: cfg.Insecure,
		ProxyURL: cluster.ProxyURL,
	}, nil
}

// LoadMemberAccess is LoadKubeconfigFile followed by MemberAccessFromKubeconfig, with errors
// that name the file.
func LoadMemberAccess(path, contextName string) (*MemberAccess, error) {
	raw, err := LoadKubeconfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load --cluster-kubeconfig=%s: %w", path, err)
	}
	access, err := MemberAccessFromKubeconfig(raw, contextName)
	if err != nil {
		return nil, fmt.Errorf("--cluster-kubeconfig=%s: %w", path, err)
	}
	return access, nil
}
