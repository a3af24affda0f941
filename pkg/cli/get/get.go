// Package get implements `kubectl karmada get`: kubectl get against the control plane, the
// merged view of the member clusters, or both. The members are read through the control
// plane's view endpoint (Karmada's search proxy URL), which already merges the members' lists
// and adds the CLUSTER and ADOPTION columns, so this command only chooses the URL and lets
// kubectl's own get do the rest: every output format, selectors, watch and chunking behave as
// in kubectl.
package get

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectlget "k8s.io/kubectl/pkg/cmd/get"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/completion"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const getLong = `Display one or many resources of the Karmada control plane, of the member clusters, or of both.

--operation-scope chooses where to read:

  karmada  (default) the control plane: resource templates, policies, clusters and the other
           objects of the Karmada API, exactly as 'kubectl get' shows them.
  members  the member clusters, through the control plane's merged view: one list of the objects
           of all Ready members, with a CLUSTER column after NAME and an ADOPTION column (Y when
           the object is managed by Karmada) at the end. -C narrows it to some clusters.
  all      first the control plane's result, then the members' result (the one with the CLUSTER
           column). They are printed one after the other rather than merged, so each keeps its
           own columns; with -o yaml the two parts are separate YAML documents, with -o json two
           JSON documents. --watch needs a single scope.

The members are read with the caller's own identity, so what a user may see in each member is
decided by the member's RBAC. A member that is not Ready is left out, and the server says so
with a warning. The scopes are found from the server of the control plane's context, also when
that context already points at the view (such as the "karmada" context of the admin kubeconfig).

All flags of 'kubectl get' work the same way (-o, -l, --field-selector, -A, -w, --chunk-size,
--show-labels, --sort-by, ...). 'kubectl api-resources' lists the resource types.`

const getExample = `  # List the deployment templates in the control plane
  %[1]s get deployments

  # List the deployments running in all member clusters (with CLUSTER and ADOPTION columns)
  %[1]s get deployments --operation-scope members

  # List the pods of app nginx in member1 and member2 only
  %[1]s get pods -l app=nginx --operation-scope members -C member1,member2

  # Show the template and then the objects the members run from it
  %[1]s get deployment nginx --operation-scope all

  # Watch the pods of all namespaces in the members
  %[1]s get pods -A -w --operation-scope members`

// Options are the inputs of get.
type Options struct {
	Scope *util.ScopeFlag
	// Clusters narrows the members' view (-C); empty means all Ready members.
	Clusters  []string
	Namespace string

	get         *kubectlget.GetOptions
	commandPath string
}

// NewCmdGet builds the get command. parent is the display name of the root command. The
// command reads and writes the streams of the cobra command.
func NewCmdGet(f *util.Factory, parent string) *cobra.Command {
	// kubectl's messages suggest "<CmdParent> api-resources"; that command is kubectl's.
	o := &Options{
		Scope:       util.NewScopeFlag(util.ScopeKarmada, util.ScopeMembers, util.ScopeAll),
		get:         kubectlget.NewGetOptions("kubectl", genericiooptions.IOStreams{}),
		commandPath: parent,
	}
	cmd := &cobra.Command{
		Use:                   "get [(-o|--output=)" + strings.Join(o.get.PrintFlags.AllowedFormats(), "|") + "] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [--operation-scope karmada|members|all] [-C CLUSTER,...]",
		DisableFlagsInUseLine: true,
		Short:                 "Display one or many resources of the control plane or the member clusters",
		Long:                  getLong,
		Example:               fmt.Sprintf(getExample, parent),
		SuggestFor:            []string{"list", "ls"},
		SilenceUsage:          true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd, f, args)
		},
	}
	o.AddFlags(cmd)
	// Completion runs after the flags are parsed, so it completes from the chosen scope.
	scoped := f.KubectlFactory(&o.Namespace, nil, func(base string) string {
		if o.Scope.Value == util.ScopeMembers {
			return util.ViewHost(base, o.Clusters)
		}
		return base
	})
	cmd.ValidArgsFunction = completion.ResourceTypeAndNameCompletionFunc(scoped)
	_ = cmd.RegisterFlagCompletionFunc("namespace", completion.ResourceNameCompletionFunc(scoped, "namespace"))
	_ = cmd.RegisterFlagCompletionFunc("clusters", util.CompleteClusterList(f))
	return cmd
}

// AddFlags registers the flags of kubectl get (as kubectl's NewCmdGet does), -n, and the
// scope flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	g := o.get
	g.PrintFlags.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&g.Raw, "raw", g.Raw, "Raw URI to request from the server.  Uses the transport specified by the kubeconfig file.")
	fs.BoolVarP(&g.Watch, "watch", "w", g.Watch, "After listing/getting the requested object, watch for changes.")
	fs.BoolVar(&g.WatchOnly, "watch-only", g.WatchOnly, "Watch for changes to the requested object(s), without listing/getting first.")
	fs.BoolVar(&g.OutputWatchEvents, "output-watch-events", g.OutputWatchEvents, "Output watch event objects when --watch or --watch-only is used. Existing objects are output as initial ADDED events.")
	fs.BoolVar(&g.IgnoreNotFound, "ignore-not-found", g.IgnoreNotFound, "If set to true, suppresses NotFound error for specific objects that do not exist. Using this flag with commands that query for collections of resources has no effect when no resources are found.")
	fs.StringVar(&g.FieldSelector, "field-selector", g.FieldSelector, "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.")
	fs.BoolVarP(&g.AllNamespaces, "all-namespaces", "A", g.AllNamespaces, "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.")
	fs.BoolVar(&g.ServerPrint, "server-print", g.ServerPrint, "If true, have the server return the appropriate table output. Supports extension APIs and CRDs.")
	cmdutil.AddFilenameOptionFlags(cmd, &g.FilenameOptions, "identifying the resource to get from a server.")
	cmdutil.AddChunkSizeFlag(cmd, &g.ChunkSize)
	cmdutil.AddLabelSelectorFlagVar(cmd, &g.LabelSelector)
	cmdutil.AddSubresourceFlags(cmd, &g.Subresource, "If specified, gets the subresource of the requested object.")

	fs.StringVarP(&o.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request.")
	util.AddScopeFlag(cmd, o.Scope, "Where to read: karmada (the control plane), members (the member clusters, with CLUSTER and ADOPTION columns) or all (the control plane, then the members).")
	fs.StringSliceVarP(&o.Clusters, "clusters", "C", nil, "Comma-separated member clusters to read (e.g. -C member1,member2); only with --operation-scope members or all. Default: all Ready members.")
}

// Validate checks the scope flags without talking to any server.
func (o *Options) Validate() error {
	scope := o.Scope.Value
	if len(o.Clusters) > 0 && scope == util.ScopeKarmada {
		return fmt.Errorf("--clusters (-C) selects member clusters and needs --operation-scope members or all, e.g. %s get pods --operation-scope members -C %s",
			o.commandPath, strings.Join(o.Clusters, ","))
	}
	if err := util.ValidateClusterNames("--clusters", o.Clusters); err != nil {
		return err
	}
	if scope == util.ScopeAll && (o.get.Watch || o.get.WatchOnly) {
		return errors.New("--watch needs a single scope: watch the control plane (--operation-scope karmada) and the members (--operation-scope members) in two commands")
	}
	return nil
}

// part is one scope's request: its factory and a label for messages.
type part struct {
	label   string
	factory cmdutil.Factory
}

// parts are the factories of the scope, in printing order.
func (o *Options) parts(f *util.Factory, errOut io.Writer) []part {
	karmada := part{"the control plane", f.KubectlFactory(&o.Namespace, errOut, nil)}
	members := part{"the member clusters", f.KubectlFactory(&o.Namespace, errOut, func(base string) string {
		return util.ViewHost(base, o.Clusters)
	})}
	switch o.Scope.Value {
	case util.ScopeMembers:
		return []part{members}
	case util.ScopeAll:
		return []part{karmada, members}
	default:
		return []part{karmada}
	}
}

// Run checks the clusters named with -C and runs kubectl get for each part of the scope.
func (o *Options) Run(cmd *cobra.Command, f *util.Factory, args []string) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if len(o.Clusters) > 0 {
		client, err := f.ControlPlaneKarmadaClient()
		if err != nil {
			return err
		}
		if err := util.CheckClusters(cmd.Context(), client, o.Clusters, errOut); err != nil {
			return err
		}
	}
	parts := o.parts(f, errOut)
	g := o.get
	g.IOStreams = genericiooptions.IOStreams{In: cmd.InOrStdin(), Out: out, ErrOut: errOut}
	if err := g.Complete(parts[0].factory, cmd, args); err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if len(parts) == 1 {
		return g.Run(parts[0].factory, args)
	}

	// Several parts: separate their outputs, and say which part found nothing.
	var errs []error
	written := &countingWriter{w: out}
	for i, p := range parts {
		g.Out = written
		if i > 0 && written.n > 0 {
			g.Out = &separatingWriter{w: written, sep: o.separator()}
		}
		g.ErrOut = &labellingWriter{w: errOut, label: p.label}
		if err := g.Run(p.factory, args); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.label, err))
		}
	}
	return errors.Join(errs...)
}

// separator goes between the outputs of two parts: an empty line between tables (as kubectl
// separates the tables of two resource types), a document separator between YAML documents.
func (o *Options) separator() string {
	format := ""
	if o.get.PrintFlags.OutputFormat != nil {
		format = *o.get.PrintFlags.OutputFormat
	}
	switch format {
	case "", "wide":
		return "\n"
	case "yaml":
		return "---\n"
	default:
		return ""
	}
}

type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// separatingWriter writes sep before the first non-empty write.
type separatingWriter struct {
	w    io.Writer
	sep  string
	done bool
}

func (s *separatingWriter) Write(p []byte) (int, error) {
	if len(p) > 0 && !s.done {
		s.done = true
		if _, err := io.WriteString(s.w, s.sep); err != nil {
			return 0, err
		}
	}
	return s.w.Write(p)
}

// labellingWriter adds which part kubectl's "No resources found ..." line is about.
type labellingWriter struct {
	w     io.Writer
	label string
}

func (l *labellingWriter) Write(p []byte) (int, error) {
	s := string(p)
	if strings.HasPrefix(s, "No resources found") && strings.HasSuffix(s, "\n") {
		line, prep := strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "."), "in"
		if strings.Contains(line, " in ") {
			prep = "of" // No resources found in default namespace of the control plane.
		}
		if _, err := fmt.Fprintf(l.w, "%s %s %s.\n", line, prep, l.label); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return l.w.Write(p)
}
