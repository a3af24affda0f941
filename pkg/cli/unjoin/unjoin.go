// Package unjoin implements `kubectl karmada unjoin`: remove a member cluster registered by join.
package unjoin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

const (
	// DefaultWait is how long unjoin waits for the control plane to finish removing the Cluster.
	DefaultWait = 2 * time.Minute

	// probeTimeout bounds the reachability check of the member.
	probeTimeout = 10 * time.Second
	pollInterval = time.Second
	// reportInterval is how often unjoin repeats that it is still waiting.
	reportInterval = 10 * time.Second
)

const unjoinLong = `Remove a member cluster from the Karmada control plane.

unjoin deletes the Cluster and waits until it is gone: the control plane first removes what it
propagated to the member (including ClusterRole and ClusterRoleBinding karmada-impersonator,
which it pushed there itself) and the execution namespace karmada-es-<name>. Then it deletes the
Secrets <name> and <name>-impersonator in namespace karmada-cluster of the control plane and,
when --cluster-kubeconfig is given, the credentials join created in the member: ClusterRole and
ClusterRoleBinding karmada-controller-manager:karmada-<name>, ServiceAccounts karmada-<name> and
karmada-impersonator with their token Secrets, and the namespace karmada-cluster.

The impersonator ServiceAccount and the namespace are kept while another Cluster is registered
for the same member. Anything already gone is skipped, so unjoin can be run again. If the member
cannot be reached the control-plane side is still removed and the member-side credentials are
listed as left.`

const unjoinExample = `  # Unjoin member1 and remove the credentials join created in it
  %[1]s unjoin member1 --cluster-kubeconfig=$HOME/.kube/member1.config

  # Unjoin a member that is gone for good (its credentials stay in it)
  %[1]s unjoin member1`

// Options are the inputs of unjoin.
type Options struct {
	ClusterName       string
	ClusterNamespace  string
	ClusterKubeConfig string
	ClusterContext    string
	Wait              time.Duration

	commandPath string
}

// NewCmdUnjoin builds the unjoin command. parent is the display name of the root command.
func NewCmdUnjoin(f *util.Factory, parent string) *cobra.Command {
	o := &Options{ClusterNamespace: util.DefaultClusterNamespace, Wait: DefaultWait, commandPath: parent}
	cmd := &cobra.Command{
		Use:                   "unjoin CLUSTER_NAME --cluster-kubeconfig=<KUBECONFIG>",
		DisableFlagsInUseLine: true,
		Short:                 "Remove a cluster from the Karmada control plane",
		Long:                  unjoinLong,
		Example:               fmt.Sprintf(unjoinExample, parent),
		SilenceUsage:          true,
		ValidArgsFunction:     util.CompleteClusterNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.ClusterKubeConfig, "cluster-kubeconfig", "", "Path of the member cluster's kubeconfig; without it the credentials join created in the member are left there.")
	fs.StringVar(&o.ClusterContext, "cluster-context", "", "Context of the member cluster in --cluster-kubeconfig. The current context is used by default.")
	fs.StringVar(&o.ClusterNamespace, "cluster-namespace", o.ClusterNamespace, "Namespace, in the control plane and in the member, that holds the member's access credentials.")
	fs.DurationVar(&o.Wait, "wait", o.Wait, "How long to wait for the control plane to finish removing the Cluster.")
	_ = cmd.MarkFlagFilename("cluster-kubeconfig")
	_ = cmd.RegisterFlagCompletionFunc("cluster-context", util.CompleteContextsOf("cluster-kubeconfig"))
	return cmd
}

// Complete reads the positional argument.
func (o *Options) Complete(args []string) error {
	switch len(args) {
	case 0:
		return fmt.Errorf("a cluster name is required: %s unjoin CLUSTER_NAME --cluster-kubeconfig=<KUBECONFIG>", o.commandPath)
	case 1:
		o.ClusterName = args[0]
		return nil
	default:
		return fmt.Errorf("only one argument, the cluster name, is allowed; got %d: %v", len(args), args)
	}
}

// Validate checks the options without talking to any server.
func (o *Options) Validate() error {
	if err := util.ValidateClusterName(o.ClusterName); err != nil {
		return err
	}
	if errs := kubevalidation.IsDNS1123Label(o.ClusterNamespace); len(errs) > 0 {
		return fmt.Errorf("invalid --cluster-namespace %q: %v", o.ClusterNamespace, errs)
	}
	if o.Wait <= 0 {
		return fmt.Errorf("--wait=%s must be positive, e.g. --wait=2m", o.Wait)
	}
	return nil
}

// MemberObject names one object join creates in a member.
type MemberObject struct {
	Kind      string
	Namespace string
	Name      string
}

func (m MemberObject) String() string {
	if m.Namespace == "" {
		return m.Kind + " " + m.Name
	}
	return m.Kind + " " + m.Namespace + "/" + m.Name
}

// MemberObjects lists, in deletion order, what join creates in a member registered as cluster
// with its credentials in namespace. The impersonator ServiceAccount, its token and the namespace
// are shared by every registration of the member, so they are listed only when withShared is
// true. The impersonator's ClusterRole and ClusterRoleBinding are not listed: the control plane
// put them there through Works, and removes them with the Cluster (as for karmadactl's unjoin).
func MemberObjects(cluster, namespace string, withShared bool) []MemberObject {
	sa := util.MemberServiceAccountName(cluster)
	objs := []MemberObject{
		{Kind: "ClusterRoleBinding", Name: util.MemberClusterRoleBindingName(cluster)},
		{Kind: "ClusterRole", Name: util.MemberClusterRoleName(cluster)},
		{Kind: "Secret", Namespace: namespace, Name: util.ServiceAccountTokenSecretName(sa)},
		{Kind: "ServiceAccount", Namespace: namespace, Name: sa},
	}
	if withShared {
		objs = append(objs,
			MemberObject{Kind: "Secret", Namespace: namespace, Name: util.ServiceAccountTokenSecretName(util.ImpersonatorServiceAccountName)},
			MemberObject{Kind: "ServiceAccount", Namespace: namespace, Name: util.ImpersonatorServiceAccountName},
			MemberObject{Kind: "Namespace", Name: namespace},
		)
	}
	return objs
}

// OtherRegistrations are the names of the Clusters, other than name, registered for the member
// whose kube-system namespace has uid id. While there are any, the member objects they share
// with name (impersonator, namespace) must stay.
func OtherRegistrations(clusters []clusterv1alpha1.Cluster, name, id string) []string {
	var others []string
	for i := range clusters {
		if c := &clusters[i]; c.Name != name && id != "" && c.Spec.ID == id {
			others = append(others, c.Name)
		}
	}
	return others
}

// Run unjoins the cluster.
func (o *Options) Run(ctx context.Context, f *util.Factory, out, errOut io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// A wrong member kubeconfig is a mistake to report before anything is deleted.
	var access *util.MemberAccess
	if o.ClusterKubeConfig != "" {
		var err error
		if access, err = util.LoadMemberAccess(o.ClusterKubeConfig, o.ClusterContext); err != nil {
			return err
		}
	}
	controlPlaneKube, err := f.KubeClient()
	if err != nil {
		return err
	}
	controlPlaneKarmada, err := f.KarmadaClient()
	if err != nil {
		return err
	}

	cluster, err := controlPlaneKarmada.ClusterV1alpha1().Clusters().Get(ctx, o.ClusterName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		cluster = nil
	} else if err != nil {
		return fmt.Errorf("cannot read cluster(%s): %w", o.ClusterName, err)
	}

	var (
		member        kubernetes.Interface
		memberProblem error
		withShared    = true
	)
	if access != nil {
		var memberID string
		member, memberID, memberProblem = o.probeMember(ctx, access, cluster)
		var wrong *wrongMemberError
		if errors.As(memberProblem, &wrong) {
			return wrong
		}
		if member != nil {
			clusters, err := controlPlaneKarmada.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
			if err != nil {
				return fmt.Errorf("cannot list the clusters of the Karmada control plane: %w", err)
			}
			if others := OtherRegistrations(clusters.Items, o.ClusterName, memberID); len(others) > 0 {
				withShared = false
				fmt.Fprintf(errOut, "The member is also registered as %v; its impersonator and namespace %s stay for that registration.\n", others, o.ClusterNamespace)
			}
		}
	}

	if cluster != nil {
		if err := o.deleteCluster(ctx, controlPlaneKarmada, errOut); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(errOut, "cluster(%s) is not registered in the control plane; removing what is left of it\n", o.ClusterName)
	}

	for _, name := range []string{util.ClusterSecretName(o.ClusterName), util.ImpersonatorSecretName(o.ClusterName)} {
		err := controlPlaneKube.CoreV1().Secrets(o.ClusterNamespace).Delete(ctx, name, metav1.DeleteOptions{})
		if err = util.IgnoreNotFound(err); err != nil {
			return fmt.Errorf("cannot delete Secret %s/%s in the control plane: %w", o.ClusterNamespace, name, err)
		}
	}

	switch {
	case access == nil:
		fmt.Fprintf(errOut, "Warning: no --cluster-kubeconfig given, so the credentials join creates in the member were not removed:\n%s\n"+
			"Run `%s unjoin %s --cluster-kubeconfig=<KUBECONFIG>` to remove them (it is safe to run again).\n",
			o.leftList(), o.commandPath, o.ClusterName)
	case member == nil:
		fmt.Fprintf(errOut, "Warning: the member at %s could not be used (%v), so the credentials join created in it were left there:\n%s\n"+
			"Run this command again when the member is reachable to remove them. If the control plane could not reach the member either, "+
			"ClusterRole and ClusterRoleBinding %s, which it had put there, are left too; delete them in the member by hand.\n",
			access.Server, memberProblem, o.leftList(), util.ImpersonatorClusterRoleName)
	default:
		if err := o.deleteMemberObjects(ctx, member, withShared); err != nil {
			return fmt.Errorf("the cluster is removed from the control plane, but cleaning up the member failed: %w; run this command again to retry", err)
		}
	}

	fmt.Fprintf(out, "cluster(%s) is unjoined successfully\n", o.ClusterName)
	return nil
}

type wrongMemberError struct{ msg string }

func (e *wrongMemberError) Error() string { return e.msg }

// probeMember checks that the member answers and, when the Cluster still exists, that it is the
// member that Cluster was registered for (so credentials are never removed from the wrong one).
// It returns the member's client and id, or nil and the reason when the member cannot be used.
func (o *Options) probeMember(ctx context.Context, access *util.MemberAccess, cluster *clusterv1alpha1.Cluster) (kubernetes.Interface, string, error) {
	member, err := kubernetes.NewForConfig(access.Config)
	if err != nil {
		return nil, "", err
	}
	probeCtx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	kubeSystem, err := member.CoreV1().Namespaces().Get(probeCtx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return nil, "", err
	}
	if cluster != nil && cluster.Spec.ID != "" && cluster.Spec.ID != string(kubeSystem.UID) {
		return nil, "", &wrongMemberError{msg: fmt.Sprintf("--cluster-kubeconfig=%s (context %s) reaches a different cluster (kube-system uid %s) than cluster(%s) (id %s); "+
			"nothing was deleted. Give the kubeconfig of that member, or leave out --cluster-kubeconfig to remove only the control-plane side",
			o.ClusterKubeConfig, access.Context, kubeSystem.UID, o.ClusterName, cluster.Spec.ID)}
	}
	return member, string(kubeSystem.UID), nil
}

// deleteCluster deletes the Cluster and waits until the control plane's cluster controller has
// cleaned up and removed its finalizer.
func (o *Options) deleteCluster(ctx context.Context, karmada karmadaclientset.Interface, errOut io.Writer) error {
	clusters := karmada.ClusterV1alpha1().Clusters()
	if err := util.IgnoreNotFound(clusters.Delete(ctx, o.ClusterName, metav1.DeleteOptions{})); err != nil {
		return fmt.Errorf("cannot delete cluster(%s): %w", o.ClusterName, err)
	}
	fmt.Fprintf(errOut, "Waiting for the control plane to remove cluster %s (up to %s)...\n", o.ClusterName, o.Wait)
	start, lastReport := time.Now(), time.Now()
	var last *clusterv1alpha1.Cluster
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.Wait, true, func(ctx context.Context) (bool, error) {
		c, err := clusters.Get(ctx, o.ClusterName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			klog.FromContext(ctx).V(2).Info("Reading cluster failed; retrying", "cluster", o.ClusterName, "err", err)
			return false, nil
		}
		last = c
		if time.Since(lastReport) >= reportInterval {
			fmt.Fprintf(errOut, "  cluster %s is still being removed, finalizers %v (%s elapsed)\n", o.ClusterName, c.Finalizers, time.Since(start).Round(time.Second))
			lastReport = time.Now()
		}
		return false, nil
	})
	if err == nil {
		return nil
	}
	if !wait.Interrupted(err) {
		return err
	}
	finalizers := "unknown"
	if last != nil {
		finalizers = fmt.Sprint(last.Finalizers)
	}
	return fmt.Errorf("cluster(%s) is still being removed after %s (finalizers %s). The control plane's cluster controller removes its finalizer %s "+
		"once the execution namespace %s%s is cleaned up and no binding targets the cluster; check `kubectl get cluster %s -o yaml` and the control plane logs, "+
		"then run unjoin again (it is safe) or give a larger --wait. The access Secrets and the member-side credentials were kept, as the control plane still needs them",
		o.ClusterName, o.Wait, finalizers, clusterv1alpha1.ClusterControllerFinalizer, clusterv1alpha1.ExecutionSpacePrefix, o.ClusterName, o.ClusterName)
}

// deleteMemberObjects removes what join created in the member; missing objects are skipped.
func (o *Options) deleteMemberObjects(ctx context.Context, member kubernetes.Interface, withShared bool) error {
	var failed []string
	for _, obj := range MemberObjects(o.ClusterName, o.ClusterNamespace, withShared) {
		var err error
		switch obj.Kind {
		case "ClusterRoleBinding":
			err = member.RbacV1().ClusterRoleBindings().Delete(ctx, obj.Name, metav1.DeleteOptions{})
		case "ClusterRole":
			err = member.RbacV1().ClusterRoles().Delete(ctx, obj.Name, metav1.DeleteOptions{})
		case "Secret":
			err = member.CoreV1().Secrets(obj.Namespace).Delete(ctx, obj.Name, metav1.DeleteOptions{})
		case "ServiceAccount":
			err = member.CoreV1().ServiceAccounts(obj.Namespace).Delete(ctx, obj.Name, metav1.DeleteOptions{})
		case "Namespace":
			err = member.CoreV1().Namespaces().Delete(ctx, obj.Name, metav1.DeleteOptions{})
		}
		if err = util.IgnoreNotFound(err); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", obj, err))
			continue
		}
		klog.FromContext(ctx).V(2).Info("Deleted member object", "object", obj.String())
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func (o *Options) leftList() string {
	var b strings.Builder
	for _, obj := range MemberObjects(o.ClusterName, o.ClusterNamespace, true) {
		b.WriteString("  " + obj.String() + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
