package util

import (
	"bytes"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// MemberPolicyRules is what the control plane's ServiceAccount may do in a member: everything
// on every resource, and GET on every non-resource URL (/readyz, /version, discovery). Same as
// karmadactl's ClusterPolicyRules.
func MemberPolicyRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{
			Verbs:     []string{rbacv1.VerbAll},
			APIGroups: []string{rbacv1.APIGroupAll},
			Resources: []string{rbacv1.ResourceAll},
		},
		{
			Verbs:           []string{"get"},
			NonResourceURLs: []string{rbacv1.NonResourceAll},
		},
	}
}

// MemberNamespace is the labelled namespace join creates for the credentials (in the member for
// the ServiceAccounts, in the control plane for the access Secrets).
func MemberNamespace(namespace string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace, Labels: SystemLabels()}}
}

// ServiceAccount builds a labelled ServiceAccount.
func ServiceAccount(namespace, name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: SystemLabels()}}
}

// ServiceAccountTokenSecret asks the member's token controller for a long-lived token of
// serviceAccount (bound tokens from TokenRequest expire; the control plane needs one that
// does not).
func ServiceAccountTokenSecret(namespace, serviceAccount string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   namespace,
			Name:        ServiceAccountTokenSecretName(serviceAccount),
			Labels:      SystemLabels(),
			Annotations: map[string]string{corev1.ServiceAccountNameKey: serviceAccount},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}
}

// MemberClusterRole grants the control plane's ServiceAccount full access to the member.
func MemberClusterRole(cluster string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: MemberClusterRoleName(cluster), Labels: SystemLabels()},
		Rules:      MemberPolicyRules(),
	}
}

// MemberClusterRoleBinding binds MemberClusterRole to the ServiceAccount karmada-<cluster>.
func MemberClusterRoleBinding(cluster, namespace string) *rbacv1.ClusterRoleBinding {
	return clusterRoleBinding(MemberClusterRoleBindingName(cluster), MemberClusterRoleName(cluster),
		namespace, MemberServiceAccountName(cluster))
}

func clusterRoleBinding(name, role, namespace, serviceAccount string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: SystemLabels()},
		Subjects: []rbacv1.Subject{{
			Kind:      rbacv1.ServiceAccountKind,
			Namespace: namespace,
			Name:      serviceAccount,
		}},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
	}
}

// ControlPlaneSecretData is the content of a control-plane access Secret: the member token and
// the CA that verifies the member's serving certificate. The CA comes from the member kubeconfig
// (it is what the user's own client trusts); only when the kubeconfig has none does it fall back
// to the ca.crt of the member's token Secret (the member's root CA), as karmadactl does.
func ControlPlaneSecretData(token, kubeconfigCA, tokenSecretCA []byte) map[string][]byte {
	ca := kubeconfigCA
	if len(ca) == 0 {
		ca = tokenSecretCA
	}
	data := map[string][]byte{clusterv1alpha1.SecretTokenKey: token}
	if len(ca) > 0 {
		data[clusterv1alpha1.SecretCADataKey] = ca
	}
	return data
}

// ControlPlaneSecret builds the Secret <name> in namespace with data. When owner is not nil the
// Secret is controlled by that Cluster, so the garbage collector removes it with the Cluster
// (karmadactl sets the same owner reference).
func ControlPlaneSecret(namespace, name string, data map[string][]byte, owner *clusterv1alpha1.Cluster) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: SystemLabels()},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
	if owner != nil && owner.UID != "" {
		s.OwnerReferences = []metav1.OwnerReference{ClusterOwnerReference(owner)}
	}
	return s
}

// ClusterOwnerReference is a controller reference to cluster.
func ClusterOwnerReference(cluster *clusterv1alpha1.Cluster) metav1.OwnerReference {
	return *metav1.NewControllerRef(cluster, clusterv1alpha1.SchemeGroupVersion.WithKind(clusterv1alpha1.ResourceKindCluster))
}

// ClusterRegistration is what join writes into a Cluster object. Provider, Region and Zones are
// pointers: nil means the flag was not given and a re-join keeps whatever the Cluster has.
type ClusterRegistration struct {
	Name string
	// Namespace holds the Secrets named by secretRef and impersonatorSecretRef.
	Namespace string
	// ID is the UID of the member's kube-system namespace.
	ID          string
	APIEndpoint string
	ProxyURL    string
	// InsecureSkipTLSVerification mirrors insecure-skip-tls-verify of the member kubeconfig.
	InsecureSkipTLSVerification bool

	Provider *string
	Region   *string
	Zones    *[]string
}

// NewCluster builds the Cluster object for a first join.
func (r ClusterRegistration) NewCluster() *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: r.Name}}
	r.ApplyTo(c)
	return c
}

// ApplyTo sets the fields join owns on c and reports whether anything changed. Fields join does
// not own (taints, resource models, labels, status) are left alone.
func (r ClusterRegistration) ApplyTo(c *clusterv1alpha1.Cluster) bool {
	old := c.Spec.DeepCopy()
	s := &c.Spec
	s.SyncMode = clusterv1alpha1.Push
	s.ID = r.ID
	s.APIEndpoint = r.APIEndpoint
	s.ProxyURL = r.ProxyURL
	s.InsecureSkipTLSVerification = r.InsecureSkipTLSVerification
	s.SecretRef = &clusterv1alpha1.LocalSecretReference{Namespace: r.Namespace, Name: ClusterSecretName(r.Name)}
	s.ImpersonatorSecretRef = &clusterv1alpha1.LocalSecretReference{Namespace: r.Namespace, Name: ImpersonatorSecretName(r.Name)}
	if r.Provider != nil {
		s.Provider = *r.Provider
	}
	if r.Region != nil {
		s.Region = *r.Region
	}
	if r.Zones != nil {
		s.Zones = slices.Clone(*r.Zones)
		if len(s.Zones) == 0 {
			s.Zones = nil
		}
	}
	return !equality.Semantic.DeepEqual(*old, c.Spec)
}

// MergeLabels adds want to have and reports whether have changed.
func MergeLabels(have *map[string]string, want map[string]string) bool {
	changed := false
	for k, v := range want {
		if cur, ok := (*have)[k]; ok && cur == v {
			continue
		}
		if *have == nil {
			*have = map[string]string{}
		}
		(*have)[k] = v
		changed = true
	}
	return changed
}

// MergeServiceAccountTokenSecret brings an existing token Secret in line with want. The type
// of a Secret cannot change, and a token Secret bound to another ServiceAccount must not be
// reused, so both cases ask for the Secret to be recreated.
func MergeServiceAccountTokenSecret(have, want *corev1.Secret) MergeResult {
	if have.Type != want.Type || have.Annotations[corev1.ServiceAccountNameKey] != want.Annotations[corev1.ServiceAccountNameKey] {
		return Recreate
	}
	return changedIf(MergeLabels(&have.Labels, want.Labels))
}

// MergeControlPlaneSecret brings an existing control-plane Secret in line with want: labels,
// data and, when want has one, the owner reference.
func MergeControlPlaneSecret(have, want *corev1.Secret) MergeResult {
	if have.Type != want.Type {
		return Recreate
	}
	changed := MergeLabels(&have.Labels, want.Labels)
	if !maps.EqualFunc(have.Data, want.Data, bytes.Equal) {
		have.Data = maps.Clone(want.Data)
		changed = true
	}
	if len(want.OwnerReferences) > 0 && !equality.Semantic.DeepEqual(have.OwnerReferences, want.OwnerReferences) {
		have.OwnerReferences = slices.Clone(want.OwnerReferences)
		changed = true
	}
	return changedIf(changed)
}

// MergeClusterRole brings an existing ClusterRole in line with want.
func MergeClusterRole(have, want *rbacv1.ClusterRole) MergeResult {
	changed := MergeLabels(&have.Labels, want.Labels)
	if !equality.Semantic.DeepEqual(have.Rules, want.Rules) {
		have.Rules = want.Rules
		changed = true
	}
	return changedIf(changed)
}

// MergeClusterRoleBinding brings an existing ClusterRoleBinding in line with want; its roleRef
// cannot change, so a different one asks for the binding to be recreated.
func MergeClusterRoleBinding(have, want *rbacv1.ClusterRoleBinding) MergeResult {
	if have.RoleRef != want.RoleRef {
		return Recreate
	}
	changed := MergeLabels(&have.Labels, want.Labels)
	if !equality.Semantic.DeepEqual(have.Subjects, want.Subjects) {
		have.Subjects = want.Subjects
		changed = true
	}
	return changedIf(changed)
}

func changedIf(changed bool) MergeResult {
	if changed {
		return Changed
	}
	return Unchanged
}
