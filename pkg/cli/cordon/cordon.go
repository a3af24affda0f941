// Package cordon implements `kubectl karmada cordon` and `uncordon`: mark member clusters
// unschedulable, or schedulable again, with the taint cluster.karmada.io/unschedulable:NoSchedule.
package cordon

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/taint"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

// UnschedulableTaint is the taint cordon adds and uncordon removes.
func UnschedulableTaint() corev1.Taint {
	return corev1.Taint{Key: clusterv1alpha1.TaintClusterUnscheduler, Effect: corev1.TaintEffectNoSchedule}
}

const cordonLong = `Mark a member cluster as unschedulable: cordon adds the taint
cluster.karmada.io/unschedulable:NoSchedule to the Cluster, so the scheduler places no new
workload there unless its policy tolerates the taint. Workloads already scheduled to the
cluster stay where they are. uncordon removes the taint again.`

const cordonExample = `  # Mark cluster "member1" as unschedulable
  %[1]s cordon member1

  # Show what would change, without changing it
  %[1]s cordon member1 --dry-run`

const uncordonLong = `Mark a member cluster as schedulable again: uncordon removes the taint
cluster.karmada.io/unschedulable:NoSchedule that cordon added.`

const uncordonExample = `  # Mark cluster "member1" as schedulable
  %[1]s uncordon member1`

// Options are the inputs of cordon and uncordon.
type Options struct {
	// Names are the clusters to change.
	Names []string
	// Cordon is true for cordon, false for uncordon.
	Cordon bool
	DryRun taint.DryRun

	commandPath string
}

// NewCmdCordon builds the cordon command. parent is the display name of the root command.
func NewCmdCordon(f *util.Factory, parent string) *cobra.Command {
	return newCommand(f, parent, true)
}

// NewCmdUncordon builds the uncordon command.
func NewCmdUncordon(f *util.Factory, parent string) *cobra.Command {
	return newCommand(f, parent, false)
}

func newCommand(f *util.Factory, parent string, cordon bool) *cobra.Command {
	o := &Options{Cordon: cordon, commandPath: parent}
	name, short, long, example := "cordon", "Mark cluster as unschedulable", cordonLong, cordonExample
	if !cordon {
		name, short, long, example = "uncordon", "Mark cluster as schedulable", uncordonLong, uncordonExample
	}
	cmd := &cobra.Command{
		Use:                   name + " CLUSTER_NAME",
		DisableFlagsInUseLine: true,
		Short:                 short,
		Long:                  long,
		Example:               fmt.Sprintf(example, parent),
		SilenceUsage:          true,
		ValidArgsFunction:     util.CompleteClusterNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := taint.GetDryRun(cmd)
			if err != nil {
				return err
			}
			o.DryRun = d
			if err := o.Complete(args); err != nil {
				return err
			}
			client, err := f.KarmadaClient()
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), client, cmd.OutOrStdout())
		},
	}
	taint.AddDryRunFlag(cmd)
	return cmd
}

func (o *Options) verb() string {
	if o.Cordon {
		return "cordon"
	}
	return "uncordon"
}

// Complete reads and checks the cluster names.
func (o *Options) Complete(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("a cluster name is required: %s %s CLUSTER_NAME (`kubectl get clusters` lists them)", o.commandPath, o.verb())
	}
	for _, n := range args {
		if err := util.ValidateClusterName(n); err != nil {
			return err
		}
	}
	o.Names = args
	return nil
}

// Run cordons or uncordons every cluster and prints `cluster/<name> cordoned` (or `already
// cordoned` when there was nothing to do), like kubectl cordon does for nodes.
func (o *Options) Run(ctx context.Context, client karmadaclientset.Interface, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var errs []error
	for _, name := range o.Names {
		_, changed, err := taint.UpdateClusterTaints(ctx, client, name, o.DryRun, func(c *clusterv1alpha1.Cluster) (string, []corev1.Taint, error) {
			return "", SetUnschedulable(c.Spec.Taints, o.Cordon), nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", o.verb(), name, err))
			continue
		}
		if changed {
			fmt.Fprintf(out, "cluster/%s %sed%s\n", name, o.verb(), o.DryRun.Suffix())
		} else {
			fmt.Fprintf(out, "cluster/%s already %sed\n", name, o.verb())
		}
	}
	return errors.Join(errs...)
}

// SetUnschedulable returns taints with the unschedulable taint added (cordon) or removed
// (uncordon); the other taints are kept in order and taints is not modified.
func SetUnschedulable(taints []corev1.Taint, cordon bool) []corev1.Taint {
	want := UnschedulableTaint()
	var result []corev1.Taint
	found := false
	for i := range taints {
		if taints[i].MatchTaint(&want) {
			if !cordon || found {
				continue
			}
			found = true
		}
		result = append(result, taints[i])
	}
	if cordon && !found {
		result = append(result, want)
	}
	return result
}
