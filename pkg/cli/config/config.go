// Package config implements `kubectl karmada config view`: print a kubeconfig whose current
// context reads the member clusters through the control plane's merged view, so that plain
// kubectl (and any other Kubernetes client) lists the objects of all members, with CLUSTER and
// ADOPTION columns, without the plugin.
package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/tools/clientcmd/api/latest"
	"k8s.io/kubectl/pkg/scheme"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

// ViewContextName is the name of the view's context (and cluster entry) in the printed
// kubeconfig when it shows all members: the name the control plane's generated admin kubeconfig
// gives its view context.
const ViewContextName = "karmada"

// NewCmdConfig builds the config command group. parent is the display name of the root command.
func NewCmdConfig(f *util.Factory, parent string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Print kubeconfig files for the merged view of the member clusters",
		Long: `Print kubeconfig files for the Karmada control plane's merged view of the member clusters.

'config view' prints a kubeconfig whose current context points at the view, for plain kubectl.`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(NewCmdView(f, parent))
	return cmd
}

const viewLong = `Print a kubeconfig whose current context reads the member clusters through the Karmada
control plane's merged view.

The view's server is the control plane's server followed by
/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy (or, with -C, the listed clusters instead
of "karmada"); it uses the CA, credentials and namespace of the control plane's context
(--karmada-context, default the current context). Plain kubectl with this kubeconfig lists the
objects of all Ready members as one cluster, with a CLUSTER column after NAME and an ADOPTION
column at the end, and sends writes, logs and exec to the member that has the object.

The context and its cluster entry are named karmada (karmada-<clusters> with -C; another name
when the kubeconfig already uses that one for something else). The output is the merged
kubeconfig with this context added and made current, like 'kubectl config view'; --minify keeps
only the view's context, cluster and user. As in kubectl, certificate and key data are shown as
DATA+OMITTED and tokens as REDACTED unless --raw (or --flatten) is given.

The cluster names given with -C are not checked against the control plane, so the command
works offline; '%[1]s get clusters' lists them.`

const viewExample = `  # Show the kubeconfig with the view as the current context
  %[1]s config view

  # Write a self-contained kubeconfig for the view and use it with kubectl
  %[1]s config view --minify --flatten > karmada-view.kubeconfig
  kubectl --kubeconfig karmada-view.kubeconfig get deployments -A

  # A view of member1 and member2 only, as JSON
  %[1]s config view --minify --raw -C member1,member2 -o json`

// ViewOptions are the inputs of config view.
type ViewOptions struct {
	// Clusters narrows the view (-C); empty means all Ready members.
	Clusters []string
	Minify   bool
	Raw      bool
	Flatten  bool

	PrintFlags *genericclioptions.PrintFlags
}

// NewCmdView builds config view.
func NewCmdView(f *util.Factory, parent string) *cobra.Command {
	o := &ViewOptions{PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(scheme.Scheme).WithDefaultOutput("yaml")}
	cmd := &cobra.Command{
		Use:                   "view [--minify] [--raw | --flatten] [-C CLUSTER,...] [-o yaml|json]",
		DisableFlagsInUseLine: true,
		Short:                 "Print a kubeconfig whose current context is the merged view of the member clusters",
		Long:                  fmt.Sprintf(viewLong, parent),
		Example:               fmt.Sprintf(viewExample, parent),
		Args:                  cobra.NoArgs,
		SilenceUsage:          true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			raw, contextName, err := loadControlPlaneConfig(f)
			if err != nil {
				return err
			}
			return o.Run(raw, contextName, cmd.OutOrStdout())
		},
	}
	o.PrintFlags.AddFlags(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&o.Minify, "minify", false, "Remove all information not used by the view's context from the output.")
	fs.BoolVar(&o.Raw, "raw", false, "Display raw byte data and sensitive data.")
	fs.BoolVar(&o.Flatten, "flatten", false, "Inline the files the kubeconfig refers to (CA, client certificate and key), for a self-contained kubeconfig; implies --raw.")
	fs.StringSliceVarP(&o.Clusters, "clusters", "C", nil, "Comma-separated member clusters the view shows (e.g. -C member1,member2). Default: all Ready members.")
	_ = cmd.RegisterFlagCompletionFunc("clusters", util.CompleteClusterList(f))
	return cmd
}

// Validate checks the flags without reading any kubeconfig.
func (o *ViewOptions) Validate() error {
	return util.ValidateClusterNames("--clusters", o.Clusters)
}

// loadControlPlaneConfig is the merged kubeconfig the global flags name and the control
// plane's context in it.
func loadControlPlaneConfig(f *util.Factory) (*clientcmdapi.Config, string, error) {
	raw, err := f.ClientConfig().RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("cannot load the kubeconfig of the Karmada control plane: %w", err)
	}
	if clientcmdapi.IsConfigEmpty(&raw) {
		return nil, "", errors.New("no kubeconfig for the Karmada control plane: give --kubeconfig=<file>, set KUBECONFIG, or create ~/.kube/config")
	}
	name := f.KarmadaContext
	if name == "" {
		name = raw.CurrentContext
	}
	return &raw, name, nil
}

// Run prints the kubeconfig built from raw, whose context contextName is the control plane's.
func (o *ViewOptions) Run(raw *clientcmdapi.Config, contextName string, out io.Writer) error {
	cfg, err := o.ViewConfig(raw, contextName)
	if err != nil {
		return err
	}
	printer, err := o.PrintFlags.ToPrinter()
	if err != nil {
		return err
	}
	versioned, err := latest.Scheme.ConvertToVersion(cfg, latest.ExternalVersion)
	if err != nil {
		return err
	}
	return printer.PrintObj(versioned, out)
}

// ViewConfig is raw (not modified) with the view's cluster entry and context added and made
// current, minified, flattened or redacted as asked.
func (o *ViewOptions) ViewConfig(raw *clientcmdapi.Config, contextName string) (*clientcmdapi.Config, error) {
	cfg := raw.DeepCopy()
	contexts := slices.Sorted(maps.Keys(cfg.Contexts))
	if contextName == "" {
		return nil, fmt.Errorf("the kubeconfig has no current context; choose the control plane's with --karmada-context (one of: %s)", strings.Join(contexts, ", "))
	}
	cpContext, ok := cfg.Contexts[contextName]
	if !ok {
		return nil, fmt.Errorf("context %q is not in the kubeconfig (it has: %s); choose the control plane's with --karmada-context", contextName, strings.Join(contexts, ", "))
	}
	cpCluster, ok := cfg.Clusters[cpContext.Cluster]
	if !ok || cpCluster.Server == "" {
		return nil, fmt.Errorf("context %q refers to cluster %q, which is not in the kubeconfig or has no server", contextName, cpContext.Cluster)
	}

	cluster := cpCluster.DeepCopy()
	cluster.Server = util.ViewHost(cpCluster.Server, o.Clusters)
	context := &clientcmdapi.Context{AuthInfo: cpContext.AuthInfo, Namespace: cpContext.Namespace}
	name := pickName(cfg, viewName(o.Clusters), cluster.Server, context)
	context.Cluster = name
	cfg.Clusters[name] = cluster
	cfg.Contexts[name] = context
	cfg.CurrentContext = name

	if o.Minify {
		if err := clientcmdapi.MinifyConfig(cfg); err != nil {
			return nil, err
		}
	}
	switch {
	case o.Flatten:
		if err := clientcmdapi.FlattenConfig(cfg); err != nil {
			return nil, err
		}
	case !o.Raw:
		if err := clientcmdapi.RedactSecrets(cfg); err != nil {
			return nil, err
		}
		clientcmdapi.ShortenConfig(cfg)
	}
	return cfg, nil
}

// viewName is the preferred name of the view's context: karmada, or karmada-<clusters>.
func viewName(clusters []string) string {
	if len(clusters) == 0 {
		return ViewContextName
	}
	sorted := slices.Clone(clusters)
	slices.Sort(sorted)
	return ViewContextName + "-" + strings.Join(slices.Compact(sorted), ",")
}

// pickName is want, or want-view, want-view-2, ...: the first name whose context and cluster
// entries are free in cfg or already are this very view (so printing from a kubeconfig that has
// the view, such as the generated admin kubeconfig, keeps one copy of it). Other contexts and
// clusters, the control plane's in particular, are never replaced.
func pickName(cfg *clientcmdapi.Config, want, server string, context *clientcmdapi.Context) string {
	usable := func(name string) bool {
		if c, ok := cfg.Clusters[name]; ok && c.Server != server {
			return false
		}
		if c, ok := cfg.Contexts[name]; ok && (c.Cluster != name || c.AuthInfo != context.AuthInfo || c.Namespace != context.Namespace) {
			return false
		}
		return true
	}
	if usable(want) {
		return want
	}
	for i := 1; ; i++ {
		name := want + "-view"
		if i > 1 {
			name = fmt.Sprintf("%s-view-%d", want, i)
		}
		if usable(name) {
			return name
		}
	}
}
