// Package join implements `kubectl karmada join`: register a member cluster in Push mode.
package join

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

const (
	// DefaultWait is how long join waits for the cluster to become Ready.
	DefaultWait = 2 * time.Minute

	// tokenTimeout bounds the wait for the member's token controller.
	tokenTimeout = time.Minute
	// namespaceTimeout bounds the wait for a terminating karmada-cluster namespace to go away.
	namespaceTimeout = time.Minute
	// pollInterval is how often join reads the Cluster while waiting for Ready.
	pollInterval = 2 * time.Second
	// reportInterval is how often join repeats an unchanged status while waiting.
	reportInterval = 15 * time.Second
	// minProxyAccessWait is the least join waits for the impersonation Works once the cluster
	// is Ready (they are applied moments after), even when Ready took most of --wait.
	minProxyAccessWait = 10 * time.Second
)

const joinLong = `Register a member cluster with the Karmada control plane in Push mode.

In the member (reached with --cluster-kubeconfig and --cluster-context) join creates the
namespace karmada-cluster with:
  - ServiceAccount karmada-<name>, bound by ClusterRole/ClusterRoleBinding
    karmada-controller-manager:karmada-<name> to full access, and its long-lived token Secret;
  - ServiceAccount karmada-impersonator (used by the cluster proxy and the merged view to act
    as their callers) and its token Secret.
In the control plane it creates the Secrets <name> and <name>-impersonator in namespace
karmada-cluster (keys token and caBundle) and the Cluster <name> (syncMode Push, apiEndpoint
from the kubeconfig, id = uid of the member's kube-system namespace). Then it waits until the
cluster is Ready and the control plane has given karmada-impersonator its rights in the member:
as with karmadactl, the control plane's unified-auth controller pushes ClusterRole and
ClusterRoleBinding karmada-impersonator there (Works karmada-impersonator-* in
karmada-es-<name>), allowing it to impersonate exactly the users, groups and service accounts
that may use the cluster proxy or the merged view in the control plane.

Running join again for the same member updates what differs and succeeds. Flags
--cluster-provider, --cluster-region and --cluster-zones change the Cluster only when given.`

const joinExample = `  # Join the member reached by the current context of member1.config as "member1"
  %[1]s join member1 --cluster-kubeconfig=$HOME/.kube/member1.config

  # Use a context of a kubeconfig with several clusters, and describe where it runs
  %[1]s join member2 --cluster-kubeconfig=$HOME/.kube/members --cluster-context=member2 \
      --cluster-provider=aws --cluster-region=eu-west-1 --cluster-zones=eu-west-1a,eu-west-1b

  # Register without waiting for the cluster to become Ready
  %[1]s join member1 --cluster-kubeconfig=$HOME/.kube/member1.config --wait=0`

// Options are the inputs of join.
type Options struct {
	ClusterName       string
	ClusterNamespace  string
	ClusterKubeConfig string
	ClusterContext    string
	ClusterProvider   string
	ClusterRegion     string
	ClusterZones      []string
	Wait              time.Duration

	// The location flags only change the Cluster when given, so a re-join without them keeps
	// what an earlier join (or the user) set.
	ProviderSet, RegionSet, ZonesSet bool

	// commandPath names the command in hints, e.g. "kubectl karmada".
	commandPath string
}

// NewCmdJoin builds the join command. parent is the display name of the root command.
func NewCmdJoin(f *util.Factory, parent string) *cobra.Command {
	o := &Options{ClusterNamespace: util.DefaultClusterNamespace, Wait: DefaultWait, commandPath: parent}
	cmd := &cobra.Command{
		Use:                   "join CLUSTER_NAME --cluster-kubeconfig=<KUBECONFIG>",
		DisableFlagsInUseLine: true,
		Short:                 "Register a cluster with the Karmada control plane in Push mode",
		Long:                  joinLong,
		Example:               fmt.Sprintf(joinExample, parent),
		SilenceUsage:          true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.ClusterKubeConfig, "cluster-kubeconfig", "", "Path of the member cluster's kubeconfig (required).")
	fs.StringVar(&o.ClusterContext, "cluster-context", "", "Context of the member cluster in --cluster-kubeconfig. The current context is used by default.")
	fs.StringVar(&o.ClusterNamespace, "cluster-namespace", o.ClusterNamespace, "Namespace, in the control plane and in the member, that holds the member's access credentials.")
	fs.StringVar(&o.ClusterProvider, "cluster-provider", "", "Cloud provider of the member cluster, for spreading workloads across providers.")
	fs.StringVar(&o.ClusterRegion, "cluster-region", "", "Region of the member cluster, for spreading workloads across regions.")
	fs.StringSliceVar(&o.ClusterZones, "cluster-zones", nil, "Comma-separated failure zones the member cluster spans, for spreading workloads across zones.")
	fs.DurationVar(&o.Wait, "wait", o.Wait, "How long to wait for the cluster to become Ready; 0 registers without waiting.")
	_ = cmd.MarkFlagFilename("cluster-kubeconfig")
	_ = cmd.RegisterFlagCompletionFunc("cluster-context", util.CompleteContextsOf("cluster-kubeconfig"))
	return cmd
}

// Complete reads the positional argument and which optional flags were given.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return fmt.Errorf("a cluster name is required: %s join CLUSTER_NAME --cluster-kubeconfig=<KUBECONFIG>", o.commandPath)
	case 1:
		o.ClusterName = args[0]
	default:
		return fmt.Errorf("only one argument, the cluster name, is allowed; got %d: %v", len(args), args)
	}
	if cmd != nil {
		o.ProviderSet = cmd.Flags().Changed("cluster-provider")
		o.RegionSet = cmd.Flags().Changed("cluster-region")
		o.ZonesSet = cmd.Flags().Changed("cluster-zones")
	}
	return nil
}

// Validate checks the options without talking to any server.
func (o *Options) Validate() error {
	if err := util.ValidateClusterName(o.ClusterName); err != nil {
		return err
	}
	if o.ClusterKubeConfig == "" {
		return fmt.Errorf("--cluster-kubeconfig is required: give the path of a kubeconfig that reaches cluster %s, e.g. %s join %s --cluster-kubeconfig=$HOME/.kube/%s.config",
			o.ClusterName, o.commandPath, o.ClusterName, o.ClusterName)
	}
	if errs := kubevalidation.IsDNS1123Label(o.ClusterNamespace); len(errs) > 0 {
		return fmt.Errorf("invalid --cluster-namespace %q: %v", o.ClusterNamespace, errs)
	}
	for _, z := range o.ClusterZones {
		if z == "" {
			return errors.New("--cluster-zones has an empty zone; give a comma-separated list such as --cluster-zones=zone-a,zone-b")
		}
	}
	if o.Wait < 0 {
		return fmt.Errorf("--wait=%s must not be negative (0 skips waiting)", o.Wait)
	}
	return nil
}

// Registration is what join writes into the Cluster for the member reached by access, whose
// kube-system namespace has uid id.
func (o *Options) Registration(access *util.MemberAccess, id string) util.ClusterRegistration {
	r := util.ClusterRegistration{
		Name:                        o.ClusterName,
		Namespace:                   o.ClusterNamespace,
		ID:                          id,
		APIEndpoint:                 access.Server,
		ProxyURL:                    access.ProxyURL,
		InsecureSkipTLSVerification: access.Insecure,
	}
	if o.ProviderSet {
		r.Provider = &o.ClusterProvider
	}
	if o.RegionSet {
		r.Region = &o.ClusterRegion
	}
	if o.ZonesSet {
		r.Zones = &o.ClusterZones
	}
	return r
}

// Run joins the cluster.
func (o *Options) Run(ctx context.Context, f *util.Factory, out, errOut io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.ClusterNamespace == "karmada-system" {
		fmt.Fprintln(errOut, "Warning: karmada-system is reserved for the control plane; storing member credentials there risks their removal by mistake.")
	}
	access, err := util.LoadMemberAccess(o.ClusterKubeConfig, o.ClusterContext)
	if err != nil {
		return err
	}
	memberClient, err := kubernetes.NewForConfig(access.Config)
	if err != nil {
		return err
	}
	controlPlaneKube, err := f.KubeClient()
	if err != nil {
		return err
	}
	controlPlaneKarmada, err := f.KarmadaClient()
	if err != nil {
		return err
	}

	kubeSystem, err := memberClient.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("cannot read namespace kube-system of the member at %s (context %s of %s), needed for the cluster id: %w",
			access.Server, access.Context, o.ClusterKubeConfig, err)
	}
	id := string(kubeSystem.UID)
	reg := o.Registration(access, id)

	clusters, err := controlPlaneKarmada.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("cannot list the clusters of the Karmada control plane: %w", err)
	}
	if err := util.CheckClusterIdentity(clusters.Items, o.ClusterName, id); err != nil {
		return err
	}
	for i := range clusters.Items {
		if c := &clusters.Items[i]; c.Name == o.ClusterName && c.DeletionTimestamp != nil {
			return fmt.Errorf("cluster(%s) is being unjoined (deleted); wait until `kubectl get cluster %s` no longer finds it and run join again", o.ClusterName, o.ClusterName)
		}
	}

	fmt.Fprintf(errOut, "Preparing member cluster %s at %s (context %s): namespace %s, ServiceAccounts %s and %s...\n",
		o.ClusterName, access.Server, access.Context, o.ClusterNamespace, util.MemberServiceAccountName(o.ClusterName), util.ImpersonatorServiceAccountName)
	token, impersonatorToken, err := o.prepareMember(ctx, memberClient)
	if err != nil {
		return fmt.Errorf("member cluster %s: %w", o.ClusterName, err)
	}

	fmt.Fprintf(errOut, "Registering cluster %s in the control plane (Cluster %s, Secrets %s/%s and %s/%s)...\n", o.ClusterName, o.ClusterName,
		o.ClusterNamespace, util.ClusterSecretName(o.ClusterName), o.ClusterNamespace, util.ImpersonatorSecretName(o.ClusterName))
	cluster, err := o.register(ctx, controlPlaneKube, controlPlaneKarmada, reg, access.CAData, token, impersonatorToken)
	if err != nil {
		return err
	}

	if o.Wait > 0 {
		start := time.Now()
		if err := o.waitForReady(ctx, controlPlaneKarmada, cluster, errOut); err != nil {
			return err
		}
		if err := o.waitForProxyAccess(ctx, controlPlaneKarmada, max(o.Wait-time.Since(start), minProxyAccessWait), errOut); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "cluster(%s) is joined successfully\n", o.ClusterName)
	return nil
}

// prepareMember creates the member-side objects and returns the filled token Secrets of the
// control plane's ServiceAccount and of the impersonator. The impersonator's RBAC is not among
// them: the control plane pushes it (see joinLong), as for clusters karmadactl joined.
func (o *Options) prepareMember(ctx context.Context, member kubernetes.Interface) (token, impersonator *corev1.Secret, err error) {
	ns := o.ClusterNamespace
	logger := klog.FromContext(ctx)
	op, err := util.EnsureNamespace(ctx, member, ns, namespaceTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("namespace %s: %w", ns, err)
	}
	logger.V(2).Info("Member object", "kind", "Namespace", "name", ns, "operation", op)

	serviceAccounts := member.CoreV1().ServiceAccounts(ns)
	secrets := member.CoreV1().Secrets(ns)
	roles := member.RbacV1().ClusterRoles()
	bindings := member.RbacV1().ClusterRoleBindings()

	steps := []struct {
		kind, name string
		apply      func() (util.Operation, error)
	}{
		{"ServiceAccount", util.MemberServiceAccountName(o.ClusterName), func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, serviceAccounts, util.ServiceAccount(ns, util.MemberServiceAccountName(o.ClusterName)), util.MergeLabelsOnly[*corev1.ServiceAccount])
			return op, err
		}},
		{"ClusterRole", util.MemberClusterRoleName(o.ClusterName), func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, roles, util.MemberClusterRole(o.ClusterName), util.MergeClusterRole)
			return op, err
		}},
		{"ClusterRoleBinding", util.MemberClusterRoleBindingName(o.ClusterName), func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, bindings, util.MemberClusterRoleBinding(o.ClusterName, ns), util.MergeClusterRoleBinding)
			return op, err
		}},
		{"Secret", util.ServiceAccountTokenSecretName(util.MemberServiceAccountName(o.ClusterName)), func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, secrets, util.ServiceAccountTokenSecret(ns, util.MemberServiceAccountName(o.ClusterName)), util.MergeServiceAccountTokenSecret)
			return op, err
		}},
		{"ServiceAccount", util.ImpersonatorServiceAccountName, func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, serviceAccounts, util.ServiceAccount(ns, util.ImpersonatorServiceAccountName), util.MergeLabelsOnly[*corev1.ServiceAccount])
			return op, err
		}},
		{"Secret", util.ServiceAccountTokenSecretName(util.ImpersonatorServiceAccountName), func() (util.Operation, error) {
			_, op, err := util.CreateOrUpdate(ctx, secrets, util.ServiceAccountTokenSecret(ns, util.ImpersonatorServiceAccountName), util.MergeServiceAccountTokenSecret)
			return op, err
		}},
	}
	for _, s := range steps {
		op, err := s.apply()
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", s.kind, s.name, err)
		}
		logger.V(2).Info("Member object", "kind", s.kind, "name", s.name, "operation", op)
	}

	token, err = waitForToken(ctx, secrets, util.ServiceAccountTokenSecretName(util.MemberServiceAccountName(o.ClusterName)))
	if err != nil {
		return nil, nil, err
	}
	impersonator, err = waitForToken(ctx, secrets, util.ServiceAccountTokenSecretName(util.ImpersonatorServiceAccountName))
	if err != nil {
		return nil, nil, err
	}
	return token, impersonator, nil
}

type secretGetter interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error)
}

// waitForToken waits until the member's token controller has put a token into the Secret.
func waitForToken(ctx context.Context, secrets secretGetter, name string) (*corev1.Secret, error) {
	var secret *corev1.Secret
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, tokenTimeout, true, func(ctx context.Context) (bool, error) {
		s, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err != nil && ctx.Err() != nil) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		secret = s
		return len(s.Data[util.ServiceAccountTokenKey]) > 0, nil
	})
	if wait.Interrupted(err) {
		return nil, fmt.Errorf("the member's token controller did not fill Secret %s within %s: check that kube-controller-manager runs in the member "+
			"with the serviceaccount-token controller and --service-account-private-key-file", name, tokenTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("Secret %s: %w", name, err)
	}
	return secret, nil
}

// register writes the access Secrets and the Cluster into the control plane. The Secrets are
// written first so the controllers find them as soon as they see the Cluster; once the Cluster
// exists the Secrets get it as their owner, so deleting the Cluster also removes them.
func (o *Options) register(ctx context.Context, kube kubernetes.Interface, karmada karmadaclientset.Interface, reg util.ClusterRegistration,
	kubeconfigCA []byte, token, impersonatorToken *corev1.Secret) (*clusterv1alpha1.Cluster, error) {
	logger := klog.FromContext(ctx)
	if _, err := util.EnsureNamespace(ctx, kube, o.ClusterNamespace, namespaceTimeout); err != nil {
		return nil, fmt.Errorf("control plane namespace %s: %w", o.ClusterNamespace, err)
	}
	clusters := karmada.ClusterV1alpha1().Clusters()
	secrets := kube.CoreV1().Secrets(o.ClusterNamespace)

	existing, err := clusters.Get(ctx, o.ClusterName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		existing = nil
	} else if err != nil {
		return nil, fmt.Errorf("cannot read cluster(%s): %w", o.ClusterName, err)
	}

	credentials := util.ControlPlaneSecretData(token.Data[util.ServiceAccountTokenKey], kubeconfigCA, token.Data[util.ServiceAccountCAKey])
	impersonation := util.ControlPlaneSecretData(impersonatorToken.Data[util.ServiceAccountTokenKey], kubeconfigCA, impersonatorToken.Data[util.ServiceAccountCAKey])
	applySecrets := func(owner *clusterv1alpha1.Cluster) error {
		for name, data := range map[string]map[string][]byte{
			util.ClusterSecretName(o.ClusterName):      credentials,
			util.ImpersonatorSecretName(o.ClusterName): impersonation,
		} {
			_, op, err := util.CreateOrUpdate(ctx, secrets, util.ControlPlaneSecret(o.ClusterNamespace, name, data, owner), util.MergeControlPlaneSecret)
			if err != nil {
				return fmt.Errorf("control plane Secret %s/%s: %w", o.ClusterNamespace, name, err)
			}
			logger.V(2).Info("Control plane object", "kind", "Secret", "namespace", o.ClusterNamespace, "name", name, "operation", op)
		}
		return nil
	}
	if err := applySecrets(existing); err != nil {
		return nil, err
	}

	var mergeErr error
	cluster, op, err := util.CreateOrUpdate(ctx, clusters, reg.NewCluster(), func(have, _ *clusterv1alpha1.Cluster) util.MergeResult {
		// Re-checked on the fresh read: the name may have been taken since the first check.
		if mergeErr = util.CheckClusterIdentity([]clusterv1alpha1.Cluster{*have}, o.ClusterName, reg.ID); mergeErr != nil {
			return util.Unchanged
		}
		if reg.ApplyTo(have) {
			return util.Changed
		}
		return util.Unchanged
	})
	if mergeErr != nil {
		return nil, mergeErr
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write cluster(%s): %w", o.ClusterName, err)
	}
	logger.V(2).Info("Control plane object", "kind", "Cluster", "name", o.ClusterName, "operation", op)

	if existing == nil || existing.UID != cluster.UID {
		if err := applySecrets(cluster); err != nil {
			return nil, err
		}
	}
	return cluster, nil
}

// waitForReady polls the Cluster until its Ready condition is True, printing each change of the
// condition (and, while nothing changes, a reminder now and then) to errOut.
func (o *Options) waitForReady(ctx context.Context, karmada karmadaclientset.Interface, cluster *clusterv1alpha1.Cluster, errOut io.Writer) error {
	fmt.Fprintf(errOut, "Waiting for cluster %s to become Ready (up to %s)...\n", o.ClusterName, o.Wait)
	start := time.Now()
	last := util.ClusterReadyState(cluster)
	lastReport := time.Time{}
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.Wait, true, func(ctx context.Context) (bool, error) {
		c, err := karmada.ClusterV1alpha1().Clusters().Get(ctx, o.ClusterName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Errorf("cluster(%s) was deleted while waiting for it to become Ready", o.ClusterName)
		}
		if err != nil {
			lastErr = err // transient: keep waiting
			return false, nil
		}
		lastErr = nil
		state := util.ClusterReadyState(c)
		if state.Ready {
			return true, nil
		}
		if state.Summary != last.Summary || time.Since(lastReport) >= reportInterval {
			fmt.Fprintf(errOut, "  cluster %s: %s (%s elapsed)\n", o.ClusterName, state.Summary, time.Since(start).Round(time.Second))
			lastReport = time.Now()
		}
		last = state
		return false, nil
	})
	if err == nil {
		return nil
	}
	if !wait.Interrupted(err) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while waiting for cluster %s to become Ready; it is registered, check it with `kubectl get cluster %s`", o.ClusterName, o.ClusterName)
	}
	msg := fmt.Sprintf("cluster(%s) is registered but not Ready after %s; last status: %s", o.ClusterName, o.Wait, last.Summary)
	if lastErr != nil {
		msg += fmt.Sprintf(" (last read failed: %v)", lastErr)
	}
	return fmt.Errorf("%s.\nCheck that the control plane can reach %s (the Cluster's apiEndpoint), that Secret %s/%s holds a token the member accepts, "+
		"and the control plane's cluster status controller logs; `kubectl get cluster %s -o yaml` shows the conditions. "+
		"Running join again is safe (use a larger --wait to wait longer)",
		msg, cluster.Spec.APIEndpoint, o.ClusterNamespace, util.ClusterSecretName(o.ClusterName), o.ClusterName)
}

// waitForProxyAccess waits until the Works that give the member's impersonator its rights are
// Applied, so that the cluster proxy and the merged view reach the member as soon as join
// returns.
func (o *Options) waitForProxyAccess(ctx context.Context, karmada karmadaclientset.Interface, timeout time.Duration, errOut io.Writer) error {
	ns := clusterv1alpha1.ExecutionSpacePrefix + o.ClusterName
	works := util.ImpersonationWorkNames()
	fmt.Fprintf(errOut, "Waiting for the control plane to grant %s its rights in the member (Works %s in %s)...\n",
		util.ImpersonatorServiceAccountName, strings.Join(works, ", "), ns)
	var last string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		for _, name := range works {
			w, err := karmada.WorkV1alpha1().Works(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				last = fmt.Sprintf("Work %s: %v", name, err)
				return false, nil
			}
			if cond := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied); cond == nil || cond.Status != metav1.ConditionTrue {
				last = fmt.Sprintf("Work %s is not applied yet", name)
				if cond != nil && cond.Message != "" {
					last += ": " + cond.Message
				}
				return false, nil
			}
		}
		return true, nil
	})
	if err == nil {
		return nil
	}
	if !wait.Interrupted(err) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while waiting for the impersonation rights of cluster %s; it is registered and Ready, check `kubectl get work -n %s`", o.ClusterName, ns)
	}
	return fmt.Errorf("cluster(%s) is Ready, but after %s the control plane has not given %s its rights in the member (%s), so the cluster proxy and "+
		"the merged view cannot act as their callers there yet. `kubectl get work -n %s` and the Events of cluster %s (SyncImpersonationConfigFailed) "+
		"and of the Works (ApplyFailed, ApplyConflict) tell why. Running join again is safe",
		o.ClusterName, timeout.Round(time.Second), util.ImpersonatorServiceAccountName, last, ns, o.ClusterName)
}
