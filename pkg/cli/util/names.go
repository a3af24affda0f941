// Package util holds what the kubectl-karmada commands share: building clients from kubeconfig
// flags, the names of the objects join creates (the same names karmadactl uses, so clusters
// joined by either tool can be unjoined by the other), pure builders for those objects, and
// create-or-update helpers.
package util

import (
	"fmt"
	"strings"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	clustervalidation "github.com/karmada-one/karmada-one/pkg/apis/cluster/validation"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Names and labels shared with karmadactl (pkg/karmadactl/options, pkg/util/names,
// pkg/controllers/unifiedauth in karmada-io/karmada).
const (
	// DefaultClusterNamespace is where the access Secrets live: in the control plane the
	// Secrets <cluster> and <cluster>-impersonator, in the member the ServiceAccounts and their
	// token Secrets.
	DefaultClusterNamespace = "karmada-cluster"

	// KarmadaSystemLabelValue is the value of clusterv1alpha1.KarmadaSystemLabel on every
	// object join creates, so they can be told apart from the user's own objects.
	KarmadaSystemLabelValue = "true"

	// ImpersonatorServiceAccountName is the member ServiceAccount whose token the cluster proxy
	// uses to impersonate the caller (karmadactl: names.GenerateServiceAccountName("impersonator")).
	// There is one per member, whatever name the member is joined under.
	ImpersonatorServiceAccountName = "karmada-impersonator"

	// ImpersonatorClusterRoleName names both the member ClusterRole that allows impersonation and
	// its ClusterRoleBinding. join does not create them: the control plane's unified-auth
	// controller pushes them to the member through Works (as Karmada's does, with the same names).
	ImpersonatorClusterRoleName = "karmada-impersonator"

	// ServiceAccountTokenKey is the key the member's token controller fills in a
	// kubernetes.io/service-account-token Secret.
	ServiceAccountTokenKey = "token"

	// ServiceAccountCAKey is the key holding the member's root CA in a token Secret.
	ServiceAccountCAKey = "ca.crt"
)

// MemberServiceAccountName is the member ServiceAccount the control plane acts as: karmada-<cluster>.
func MemberServiceAccountName(cluster string) string {
	return "karmada-" + cluster
}

// MemberClusterRoleName names the member ClusterRole (and its ClusterRoleBinding) that grants
// the control plane's ServiceAccount full access: karmada-controller-manager:karmada-<cluster>.
func MemberClusterRoleName(cluster string) string {
	return "karmada-controller-manager:" + MemberServiceAccountName(cluster)
}

// MemberClusterRoleBindingName is the same as MemberClusterRoleName, as in karmadactl.
func MemberClusterRoleBindingName(cluster string) string {
	return MemberClusterRoleName(cluster)
}

// ServiceAccountTokenSecretName is the long-lived token Secret of a member ServiceAccount; it
// has the ServiceAccount's name, as in karmadactl.
func ServiceAccountTokenSecretName(serviceAccount string) string {
	return serviceAccount
}

// ClusterSecretName is the control-plane Secret holding the member's token and CA: <cluster>.
func ClusterSecretName(cluster string) string {
	return cluster
}

// ImpersonatorSecretName is the control-plane Secret holding the impersonator token:
// <cluster>-impersonator.
func ImpersonatorSecretName(cluster string) string {
	return cluster + "-impersonator"
}

// ImpersonationWorkNames are the Works, in the member's execution namespace, that carry the
// impersonator's ClusterRole and ClusterRoleBinding to the member.
func ImpersonationWorkNames() []string {
	return []string{
		names.GenerateWorkName("ClusterRole", ImpersonatorClusterRoleName, ""),
		names.GenerateWorkName("ClusterRoleBinding", ImpersonatorClusterRoleName, ""),
	}
}

// SystemLabels are the labels put on every object join creates.
func SystemLabels() map[string]string {
	return map[string]string{clusterv1alpha1.KarmadaSystemLabel: KarmadaSystemLabelValue}
}

// ValidateClusterName says what is wrong with a cluster name given on the command line, in
// the same terms as the control plane's validation (a DNS-1123 label of at most 48 characters).
func ValidateClusterName(name string) error {
	if name == "" {
		return fmt.Errorf("a cluster name is required, e.g. member1")
	}
	if errs := clustervalidation.ValidateClusterName(name, false); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", name, strings.Join(errs, "; "))
	}
	return nil
}
