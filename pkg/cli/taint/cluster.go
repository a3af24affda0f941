package taint

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

// DryRun is kubectl's --dry-run strategy.
type DryRun int

// The --dry-run strategies.
const (
	// DryRunNone changes the objects.
	DryRunNone DryRun = iota
	// DryRunClient computes and prints the change without sending it.
	DryRunClient
	// DryRunServer sends the change as a server-side dry run: validated, not stored.
	DryRunServer
)

// AddDryRunFlag registers kubectl's --dry-run=none|client|server; a bare --dry-run means client.
func AddDryRunFlag(cmd *cobra.Command) {
	cmd.Flags().String("dry-run", "none",
		`Must be "none", "server", or "client". If client strategy, only print the change that would be made, without sending it. If server strategy, submit a server-side request without persisting the change.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
}

// GetDryRun reads --dry-run (also accepting true/false, as karmadactl's boolean flag did).
func GetDryRun(cmd *cobra.Command) (DryRun, error) {
	v, err := cmd.Flags().GetString("dry-run")
	if err != nil {
		return DryRunNone, err
	}
	return ParseDryRun(v)
}

// ParseDryRun reads a --dry-run value.
func ParseDryRun(v string) (DryRun, error) {
	switch v {
	case "", "none":
		return DryRunNone, nil
	case "client":
		return DryRunClient, nil
	case "server":
		return DryRunServer, nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		if b {
			return DryRunClient, nil
		}
		return DryRunNone, nil
	}
	return DryRunNone, fmt.Errorf(`invalid --dry-run value %q: must be "none", "server", or "client"`, v)
}

// Suffix is what kubectl appends to a result line in dry-run mode.
func (d DryRun) Suffix() string {
	switch d {
	case DryRunClient:
		return " (dry run)"
	case DryRunServer:
		return " (server dry run)"
	}
	return ""
}

// ChangeFunc decides the new taints of a Cluster from its current ones: the operation word to
// print and the taints, or an error that stops the change.
type ChangeFunc func(c *clusterv1alpha1.Cluster) (operation string, taints []corev1.Taint, err error)

// UpdateClusterTaints reads cluster name, applies change to its taints and writes the Cluster
// back when the taints differ (retrying on conflicts with a fresh read, so concurrent writers
// such as the cluster controller are never overwritten). It returns the operation and whether
// the taints changed. With DryRunClient nothing is sent; with DryRunServer the update is sent
// as a dry run.
func UpdateClusterTaints(ctx context.Context, client karmadaclientset.Interface, name string, dryRun DryRun, change ChangeFunc) (string, bool, error) {
	clusters := client.ClusterV1alpha1().Clusters()
	var (
		op      string
		changed bool
	)
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		c, err := clusters.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("cluster %q not found: `kubectl get clusters` lists the registered clusters", name)
			}
			return fmt.Errorf("cannot read cluster %s: %w", name, err)
		}
		var taints []corev1.Taint
		op, taints, err = change(c)
		if err != nil {
			return err
		}
		changed = !equality.Semantic.DeepEqual(normalize(c.Spec.Taints), normalize(taints))
		if !changed || dryRun == DryRunClient {
			return nil
		}
		c.Spec.Taints = taints
		opts := metav1.UpdateOptions{}
		if dryRun == DryRunServer {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		_, err = clusters.Update(ctx, c, opts)
		return err
	})
	if err != nil {
		return "", false, err
	}
	return op, changed, nil
}

func normalize(t []corev1.Taint) []corev1.Taint {
	if len(t) == 0 {
		return nil
	}
	return t
}
