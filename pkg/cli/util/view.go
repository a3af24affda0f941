package util

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

// Paths of the control plane's endpoints for member clusters, below its server URL.
const (
	// ViewPathPrefix starts the merged view of the members (Karmada's search proxy URL):
	// ViewPathPrefix + <clusters> + "/proxy" + any Kubernetes path.
	ViewPathPrefix = "/apis/search.karmada.io/v1alpha1/proxying/"
	// AllClustersView is the <clusters> part of the view of all Ready members.
	AllClustersView = "karmada"
	// ProxyPathPrefix starts the proxy to one member: ProxyPathPrefix + <cluster> + "/proxy".
	ProxyPathPrefix = "/apis/cluster.karmada.io/v1alpha1/clusters/"
)

// ViewPath is the path of the merged view of clusters: of all Ready members when clusters is
// empty, else of exactly those (sorted and deduplicated, because the server names a narrowed
// view by the sorted list, and the kubectl discovery cache then has one entry per view).
func ViewPath(clusters []string) string {
	name := AllClustersView
	if len(clusters) > 0 {
		sorted := slices.Clone(clusters)
		slices.Sort(sorted)
		name = strings.Join(slices.Compact(sorted), ",")
	}
	return ViewPathPrefix + name + "/proxy"
}

// ProxyPath is the path of the proxy to one member cluster.
func ProxyPath(cluster string) string {
	return ProxyPathPrefix + cluster + "/proxy"
}

// ControlPlaneHost is the control plane's own server URL for a kubeconfig server URL: host
// itself, without a trailing slash, or, when host already points at the merged view or at a
// member proxy (a kubeconfig written by `config view`, or the admin kubeconfig's view
// context), the control plane's URL that view or proxy hangs off. Every operation scope is
// derived from it, so the commands work from any of these contexts.
func ControlPlaneHost(host string) string {
	for _, prefix := range []string{ViewPathPrefix, ProxyPathPrefix} {
		if i := strings.Index(host, prefix); i >= 0 {
			host = host[:i]
		}
	}
	return strings.TrimRight(host, "/")
}

// ViewHost is the server URL of the merged view of clusters (all Ready members when empty)
// for the control plane at base: a rest.Config or kubeconfig with this Host makes any
// Kubernetes client read the members as one cluster.
func ViewHost(base string, clusters []string) string {
	return ControlPlaneHost(base) + ViewPath(clusters)
}

// ProxyHost is the server URL of member cluster through the control plane at base: plain
// Kubernetes clients (logs, exec, describe) reach the member with the caller's identity.
func ProxyHost(base, cluster string) string {
	return ControlPlaneHost(base) + ProxyPath(cluster)
}

// OperationScope says where a command reads: the control plane, the members, or both
// (karmadactl's --operation-scope).
type OperationScope string

// Operation scopes.
const (
	// ScopeKarmada is the control plane: resource templates, policies, Karmada's own objects.
	ScopeKarmada OperationScope = "karmada"
	// ScopeMembers is the member clusters, through the merged view or a member proxy.
	ScopeMembers OperationScope = "members"
	// ScopeAll is the control plane and then the members.
	ScopeAll OperationScope = "all"
)

// ScopeFlag is a pflag.Value for --operation-scope that accepts only the given scopes, so a
// wrong value fails at parsing with the flag's name and the valid values.
type ScopeFlag struct {
	Value   OperationScope
	Allowed []OperationScope
}

// NewScopeFlag is a ScopeFlag defaulting to ScopeKarmada.
func NewScopeFlag(allowed ...OperationScope) *ScopeFlag {
	return &ScopeFlag{Value: ScopeKarmada, Allowed: allowed}
}

// String implements pflag.Value.
func (s *ScopeFlag) String() string { return string(s.Value) }

// Type implements pflag.Value; help shows it as the value's placeholder.
func (s *ScopeFlag) Type() string { return "string" }

// Set implements pflag.Value.
func (s *ScopeFlag) Set(v string) error {
	if !slices.Contains(s.Allowed, OperationScope(v)) {
		return fmt.Errorf("%q is not a valid operation scope: use one of %s", v, s.AllowedList())
	}
	s.Value = OperationScope(v)
	return nil
}

// AllowedList is the valid values, comma-separated, for help and errors.
func (s *ScopeFlag) AllowedList() string {
	var names []string
	for _, a := range s.Allowed {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// AddScopeFlag registers --operation-scope with value completion.
func AddScopeFlag(cmd *cobra.Command, s *ScopeFlag, usage string) {
	cmd.Flags().Var(s, "operation-scope", usage)
	_ = cmd.RegisterFlagCompletionFunc("operation-scope", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var names []cobra.Completion
		for _, a := range s.Allowed {
			names = append(names, string(a))
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// CompleteClusterList completes a comma-separated list of registered clusters (-C a,b).
func CompleteClusterList(f *Factory) cobra.CompletionFunc {
	names := CompleteClusterNames(f)
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		prefix, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			prefix, last = toComplete[:i+1], toComplete[i+1:]
		}
		got, dir := names(cmd, nil, last)
		for i := range got {
			got[i] = prefix + got[i]
		}
		return got, dir
	}
}

// KubectlFactory is a kubectl factory for the kubeconfig of the control plane (the global
// --kubeconfig and --karmada-context) and the namespace flag's value, whose requests go to
// host(ControlPlaneHost(server)): the control plane itself, ViewHost or ProxyHost. host is
// called when the first client is built, after the flags are parsed, so it may read them.
//
// Server warnings (the view's "member X is down, its objects are omitted") are printed to
// errOut as `Warning: ...`, like kubectl does. Unlike Factory.RESTConfig no client timeout is
// set, because watches, `logs -f` and exec sessions last as long as the user wants.
func (f *Factory) KubectlFactory(namespace *string, errOut io.Writer, host func(base string) string) cmdutil.Factory {
	cf := genericclioptions.NewConfigFlags(true)
	cf.KubeConfig = &f.KubeConfig
	cf.Context = &f.KarmadaContext
	cf.Namespace = namespace
	// One writer for all the factory's clients, so that a warning repeated by discovery and by
	// the request itself is printed once.
	var warnings rest.WarningHandler
	if errOut != nil {
		warnings = rest.NewWarningWriter(errOut, rest.WarningWriterOptions{Deduplicate: true})
	}
	cf.WrapConfigFn = func(c *rest.Config) *rest.Config {
		c = rest.CopyConfig(c)
		base := ControlPlaneHost(c.Host)
		c.Host = base
		if host != nil {
			c.Host = host(base)
		}
		if f.UserAgent != "" {
			c.UserAgent = f.UserAgent
		}
		if warnings != nil {
			c.WarningHandler = warnings
		}
		return c
	}
	// As kubectl does: the match-version wrapper gives the REST config the core API's defaults
	// (group version, serializer) that exec's own REST client needs.
	return cmdutil.NewFactory(cmdutil.NewMatchVersionFlags(cf))
}

// ControlPlaneKarmadaClient is a Karmada client for the control plane itself, also when the
// kubeconfig context points at the merged view or a member proxy.
func (f *Factory) ControlPlaneKarmadaClient() (karmadaclientset.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.Host = ControlPlaneHost(cfg.Host)
	return karmadaclientset.NewForConfig(cfg)
}

// CheckClusters makes sure every wanted cluster is registered, naming the unknown ones and the
// registered ones, and warns on errOut about wanted clusters that are not Ready (the view omits
// them; a proxy request to them is likely to fail).
func CheckClusters(ctx context.Context, client karmadaclientset.Interface, wanted []string, errOut io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	list, err := client.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		// A user may be allowed to use the view or the proxy without listing Clusters; the
		// server then answers for an unknown cluster itself.
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot list the member clusters of the control plane to check %s: %w", strings.Join(wanted, ", "), err)
	}
	var registered []string
	for _, c := range list.Items {
		registered = append(registered, c.Name)
	}
	slices.Sort(registered)
	if err := CheckClustersExist(wanted, registered); err != nil {
		return err
	}
	if errOut != nil {
		for i := range list.Items {
			c := &list.Items[i]
			if !slices.Contains(wanted, c.Name) {
				continue
			}
			if s := ClusterReadyState(c); !s.Ready {
				fmt.Fprintf(errOut, "Warning: cluster %s is not ready (%s); its objects may be missing or the request may fail.\n", c.Name, s.Summary)
			}
		}
	}
	return nil
}

// CheckClustersExist fails for every wanted cluster that is not registered, naming the
// registered ones (registered sorted).
func CheckClustersExist(wanted, registered []string) error {
	var missing []string
	for _, c := range wanted {
		if !slices.Contains(registered, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	known := "none is registered yet; join one with `kubectl karmada join`"
	if len(registered) > 0 {
		known = "registered clusters: " + strings.Join(registered, ", ")
	}
	return fmt.Errorf("cluster(s) %s not found (%s)", strings.Join(missing, ", "), known)
}

// ValidateClusterNames checks the syntax of cluster names given with -C.
func ValidateClusterNames(flag string, clusters []string) error {
	for _, c := range clusters {
		if err := ValidateClusterName(c); err != nil {
			return fmt.Errorf("%s: %w", flag, err)
		}
	}
	return nil
}

// RequireMemberCluster fails when a command that works inside one member cluster (logs, exec)
// was not told which (-C), and says how to find out.
func RequireMemberCluster(cluster, commandPath, example string) error {
	if cluster == "" {
		return fmt.Errorf("-C/--cluster is required: the member cluster that runs the pod, e.g. %s (`%s get pods --operation-scope members` shows the CLUSTER of each pod)",
			example, commandPath)
	}
	if err := ValidateClusterName(cluster); err != nil {
		return fmt.Errorf("--cluster: %w", err)
	}
	return nil
}

// MemberOrViewHost is where a command about one member's pods sends its requests: the proxy of
// cluster, or the merged view while no cluster is chosen yet (completion of pod names).
func MemberOrViewHost(cluster *string) func(base string) string {
	return func(base string) string {
		if *cluster == "" {
			return ViewHost(base, nil)
		}
		return ProxyHost(base, *cluster)
	}
}
