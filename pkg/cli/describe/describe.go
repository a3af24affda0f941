// Package describe implements `kubectl karmada describe`: kubectl describe against the
// control plane, or against one member cluster through the control plane's cluster proxy.
// Describing reads related objects (events, a Deployment's ReplicaSets, a pod's node) from the
// same cluster as the object, so a member object is described inside its member rather than
// through the merged view, where those lookups would mix clusters.
package describe

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectldescribe "k8s.io/kubectl/pkg/cmd/describe"
	"k8s.io/kubectl/pkg/util/completion"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const describeLong = `Show details of a specific resource or group of resources in the Karmada control plane or in a
member cluster.

With --operation-scope karmada (the default) it is 'kubectl describe' against the control plane:
resource templates, policies, bindings, clusters. With --operation-scope members it describes
the objects of the one member cluster given with -C, through the control plane's cluster proxy
and with the caller's identity, including their events in that member.

To find which cluster runs an object, list it with
'%[1]s get TYPE --operation-scope members' (the CLUSTER column).

All flags of 'kubectl describe' work the same way (-l, -A, -f, --show-events, --chunk-size).`

const describeExample = `  # Describe the deployment template nginx in the control plane
  %[1]s describe deployment nginx

  # Describe the cluster member1
  %[1]s describe cluster member1

  # Describe the pods of app nginx in member1
  %[1]s describe pods -l app=nginx --operation-scope members -C member1

  # Describe deployment nginx as it runs in member1
  %[1]s describe deployment/nginx --operation-scope members -C member1`

// Options are the inputs of describe.
type Options struct {
	Scope *util.ScopeFlag
	// Cluster is the member cluster to describe objects of (-C), for --operation-scope members.
	Cluster   string
	Namespace string

	describe    *kubectldescribe.DescribeFlags
	commandPath string
}

// NewCmdDescribe builds the describe command. parent is the display name of the root command.
func NewCmdDescribe(f *util.Factory, parent string) *cobra.Command {
	o := &Options{Scope: util.NewScopeFlag(util.ScopeKarmada, util.ScopeMembers), commandPath: parent}
	// Completion runs after the flags are parsed, so it completes from the chosen cluster.
	factory := f.KubectlFactory(&o.Namespace, nil, o.Host)
	o.describe = kubectldescribe.NewDescribeFlags(factory, genericiooptions.IOStreams{})
	cmd := &cobra.Command{
		Use:                   "describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [--operation-scope karmada|members -C CLUSTER]",
		DisableFlagsInUseLine: true,
		Short:                 "Show details of a specific resource or group of resources in the control plane or a member cluster",
		Long:                  fmt.Sprintf(describeLong, parent),
		Example:               fmt.Sprintf(describeExample, parent),
		SuggestFor:            []string{"inspect"},
		SilenceUsage:          true,
		ValidArgsFunction:     completion.ResourceTypeAndNameCompletionFunc(factory),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd, f, args)
		},
	}
	o.describe.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request.")
	util.AddScopeFlag(cmd, o.Scope, "Where the objects are: karmada (the control plane) or members (the member cluster given with -C).")
	fs.StringVarP(&o.Cluster, "cluster", "C", "", "The member cluster to describe objects of (e.g. -C member1); required with --operation-scope members.")
	_ = cmd.RegisterFlagCompletionFunc("cluster", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return util.CompleteClusterNames(f)(cmd, nil, toComplete)
	})
	_ = cmd.RegisterFlagCompletionFunc("namespace", completion.ResourceNameCompletionFunc(factory, "namespace"))
	return cmd
}

// Host is where the scope's requests go, for the control plane at base.
func (o *Options) Host(base string) string {
	if o.Scope.Value == util.ScopeMembers && o.Cluster != "" {
		return util.ProxyHost(base, o.Cluster)
	}
	return base
}

// Validate checks the scope and cluster flags without talking to any server.
func (o *Options) Validate() error {
	switch o.Scope.Value {
	case util.ScopeMembers:
		if o.Cluster == "" {
			return fmt.Errorf("--operation-scope members needs the member cluster: add -C CLUSTER, e.g. -C member1 ('%s get TYPE --operation-scope members' shows the CLUSTER of each object)", o.commandPath)
		}
		if err := util.ValidateClusterName(o.Cluster); err != nil {
			return fmt.Errorf("--cluster: %w", err)
		}
	default:
		if o.Cluster != "" {
			return fmt.Errorf("--cluster (-C) %s selects a member cluster and needs --operation-scope members, e.g. %s describe pod NAME --operation-scope members -C %s",
				o.Cluster, o.commandPath, o.Cluster)
		}
	}
	return nil
}

// Run checks the member cluster and runs kubectl describe.
func (o *Options) Run(cmd *cobra.Command, f *util.Factory, args []string) error {
	errOut := cmd.ErrOrStderr()
	if o.Cluster != "" {
		client, err := f.ControlPlaneKarmadaClient()
		if err != nil {
			return err
		}
		if err := util.CheckClusters(cmd.Context(), client, []string{o.Cluster}, errOut); err != nil {
			return err
		}
	}
	o.describe.Factory = f.KubectlFactory(&o.Namespace, errOut, o.Host)
	o.describe.IOStreams = genericiooptions.IOStreams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), ErrOut: errOut}
	// kubectl's messages suggest "<parent> api-resources"; that command is kubectl's.
	d, err := o.describe.ToOptions("kubectl", args)
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return d.Run()
}
