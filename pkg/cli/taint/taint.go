// Package taint implements `kubectl karmada taint`: add, change and remove taints of member
// clusters (Cluster spec.taints), with the syntax and messages of `kubectl taint nodes`. It also
// holds the Cluster update helpers cordon uses.
package taint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

const taintLong = `Update the taints on one or more member clusters (spec.taints of the Cluster objects).

  * A taint consists of a key, value, and effect. As an argument here, it is expressed as key=value:effect.
  * The key must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and
    underscores, up to 253 characters; optionally it begins with a DNS subdomain prefix and a single
    '/', like example.com/my-app.
  * The value is optional. If given, it must begin with a letter or number, and may contain letters,
    numbers, hyphens, dots, and underscores, up to 63 characters.
  * The effect must be NoSchedule, PreferNoSchedule or NoExecute.
  * KEY:EFFECT- removes the taint with that key and effect; KEY- removes every taint with that key.

The scheduler places a workload on a cluster only when its policy tolerates the cluster's
NoSchedule and NoExecute taints (spec.placement.clusterTolerations). The taints
cluster.karmada.io/not-ready and cluster.karmada.io/unreachable are managed by the control plane;
cluster.karmada.io/unschedulable is what cordon and uncordon set.`

const taintExample = `  # Taint cluster 'member1' with key 'dedicated', value 'special-user' and effect 'NoSchedule';
  # if a taint with that key and effect already exists, --overwrite replaces its value
  %[1]s taint clusters member1 dedicated=special-user:NoSchedule

  # Remove from cluster 'member1' the taint with key 'dedicated' and effect 'NoSchedule'
  %[1]s taint clusters member1 dedicated:NoSchedule-

  # Remove from cluster 'member1' all the taints with key 'dedicated'
  %[1]s taint clusters member1 dedicated-

  # Add a taint with key 'bar' and no value to every cluster labelled env=test
  %[1]s taint clusters -l env=test bar:NoSchedule`

// Options are the inputs of taint.
type Options struct {
	// Names are the clusters named on the command line.
	Names    []string
	All      bool
	Selector string

	Overwrite bool
	DryRun    DryRun

	Add, Remove []corev1.Taint

	commandPath string
}

// NewCmdTaint builds the taint command. parent is the display name of the root command.
func NewCmdTaint(f *util.Factory, parent string) *cobra.Command {
	o := &Options{commandPath: parent}
	cmd := &cobra.Command{
		Use:                   "taint clusters NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N",
		DisableFlagsInUseLine: true,
		Short:                 "Update the taints on one or more clusters",
		Long:                  taintLong,
		Example:               fmt.Sprintf(taintExample, parent),
		SilenceUsage:          true,
		ValidArgsFunction:     completeTaintArgs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			client, err := f.KarmadaClient()
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), client, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.Overwrite, "overwrite", false, "If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.")
	fs.BoolVar(&o.All, "all", false, "Select all clusters.")
	fs.StringVarP(&o.Selector, "selector", "l", "", "Selector (label query) to filter clusters on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2).")
	AddDryRunFlag(cmd)
	return cmd
}

// Complete splits the arguments into clusters and taint changes and parses the changes.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	if cmd != nil {
		d, err := GetDryRun(cmd)
		if err != nil {
			return err
		}
		o.DryRun = d
	}
	resources, changes, err := SplitArgs(args)
	if err != nil {
		return err
	}
	if len(resources) < 1 {
		return fmt.Errorf("one or more resources must be specified as <resource> <name>, e.g. %s taint clusters member1 dedicated=special-user:NoSchedule", o.commandPath)
	}
	if len(changes) < 1 {
		return fmt.Errorf("at least one taint update is required, e.g. %s taint clusters %s dedicated=special-user:NoSchedule", o.commandPath, strings.Join(resources[1:], " "))
	}
	if o.Names, err = ParseResourceArgs(resources); err != nil {
		return err
	}
	if o.Add, o.Remove, err = ParseTaints(changes); err != nil {
		return err
	}
	return nil
}

// ParseResourceArgs reads `clusters NAME...` or `cluster/NAME...` and returns the names.
func ParseResourceArgs(resources []string) ([]string, error) {
	if strings.Contains(resources[0], "/") {
		var names []string
		for _, r := range resources {
			kind, name, ok := strings.Cut(r, "/")
			if !ok {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form: give cluster/%s, not %s", r, r)
			}
			if err := checkResourceType(kind); err != nil {
				return nil, err
			}
			if name == "" {
				return nil, fmt.Errorf("resource name may not be empty in %q", r)
			}
			names = append(names, name)
		}
		return names, nil
	}
	if err := checkResourceType(resources[0]); err != nil {
		return nil, err
	}
	return resources[1:], nil
}

func checkResourceType(t string) error {
	switch strings.ToLower(t) {
	case "cluster", "clusters", "cluster.cluster.karmada.io", "clusters.cluster.karmada.io":
		return nil
	}
	return fmt.Errorf("invalid resource type %s, only cluster types are supported (e.g. taint clusters member1 key=value:NoSchedule)", t)
}

// Validate checks the options without talking to the control plane.
func (o *Options) Validate() error {
	if o.All && o.Selector != "" {
		return errors.New("setting 'all' parameter with a non empty selector is prohibited")
	}
	if !o.All && o.Selector == "" && len(o.Names) == 0 {
		return errors.New("at least one resource name must be specified since 'all' parameter is not set")
	}
	if (o.All || o.Selector != "") && len(o.Names) > 0 {
		return errors.New("name cannot be provided when a selector or --all is specified")
	}
	if o.Selector != "" {
		if _, err := labels.Parse(o.Selector); err != nil {
			return fmt.Errorf("invalid --selector %q: %w", o.Selector, err)
		}
	}
	for _, n := range o.Names {
		if err := util.ValidateClusterName(n); err != nil {
			return err
		}
	}
	return CheckConflicts(o.Add, o.Remove)
}

// Run changes the taints of every selected cluster and prints one line per cluster, like
// `cluster/member1 tainted`. It goes on with the other clusters after a failure and returns
// all failures.
func (o *Options) Run(ctx context.Context, client karmadaclientset.Interface, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	names := o.Names
	if o.All || o.Selector != "" {
		list, err := client.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
		if err != nil {
			return fmt.Errorf("cannot list the clusters of the control plane: %w", err)
		}
		names = nil
		for _, c := range list.Items {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return fmt.Errorf("no clusters match; `kubectl get clusters --show-labels` shows the clusters and their labels")
		}
	}
	var errs []error
	for _, name := range names {
		op, _, err := UpdateClusterTaints(ctx, client, name, o.DryRun, o.change)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(out, "cluster/%s %s%s\n", name, op, o.DryRun.Suffix())
	}
	return errors.Join(errs...)
}

func (o *Options) change(c *clusterv1alpha1.Cluster) (string, []corev1.Taint, error) {
	if !o.Overwrite {
		if keys := Existing(c.Spec.Taints, o.Add); len(keys) > 0 {
			return "", nil, fmt.Errorf("cluster %s already has %s taint(s) with same effect(s) and --overwrite is false", c.Name, strings.Join(keys, ","))
		}
	}
	return Reorganize(c.Spec.Taints, o.Overwrite, o.Add, o.Remove)
}

// completeTaintArgs completes `clusters`, then cluster names.
func completeTaintArgs(f *util.Factory) cobra.CompletionFunc {
	names := util.CompleteClusterNames(f)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return []cobra.Completion{"clusters"}, cobra.ShellCompDirectiveNoFileComp
		}
		return names(cmd, nil, toComplete)
	}
}
