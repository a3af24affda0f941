package unifiedauth

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"
	rbachelpers "k8s.io/kubernetes/pkg/apis/rbac/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Names shared with Karmada (karmadactl join and its unified-auth controller), so members
// joined by either tool, and either control plane, agree on them.
const (
	// ImpersonatorName names, in the member, the ServiceAccount whose token the cluster
	// proxy uses, and the ClusterRole and ClusterRoleBinding this controller gives it.
	ImpersonatorName = "karmada-impersonator"

	clusterProxyResource, proxySubresource = "clusters", "proxy"
	searchProxyResource                    = "proxying"
)

// ruleGrantsProxy tells whether rule reaches the proxy of cluster (of some cluster when
// cluster is empty): clusters/proxy in cluster.karmada.io, or the merged view's
// proxying/proxy in search.karmada.io, wildcards included, as RBAC evaluates them. Verbs
// do not count (as in Karmada): whoever may send any request through the proxy must be
// impersonable.
func ruleGrantsProxy(rule *rbacv1.PolicyRule, cluster string) bool {
	if rbachelpers.APIGroupMatches(rule, clusterv1alpha1.GroupName) &&
		rbachelpers.ResourceMatches(rule, clusterProxyResource+"/"+proxySubresource, proxySubresource) &&
		(cluster == "" || rbachelpers.ResourceNameMatches(rule, cluster)) {
		return true
	}
	return rbachelpers.APIGroupMatches(rule, searchv1alpha1.GroupName) &&
		rbachelpers.ResourceMatches(rule, searchProxyResource+"/"+proxySubresource, proxySubresource)
}

// roleGrantsProxy tells whether any rule of role reaches the proxy of cluster ("" for any).
func roleGrantsProxy(role *rbacv1.ClusterRole, cluster string) bool {
	for i := range role.Rules {
		if ruleGrantsProxy(&role.Rules[i], cluster) {
			return true
		}
	}
	return false
}

// ProxySubjects are the subjects of the control plane's ClusterRoleBindings whose
// ClusterRole reaches the proxy of cluster: the identities the cluster proxy and the
// merged view may have to impersonate in that member. Namespaced Roles do not count (as in
// Karmada): clusters and the view are cluster-scoped.
func ProxySubjects(cluster string, roles []*rbacv1.ClusterRole, bindings []*rbacv1.ClusterRoleBinding) []rbacv1.Subject {
	granting := sets.New[string]()
	for _, r := range roles {
		if roleGrantsProxy(r, cluster) {
			granting.Insert(r.Name)
		}
	}
	var subjects []rbacv1.Subject
	for _, b := range bindings {
		if b.RoleRef.Kind == "ClusterRole" && granting.Has(b.RoleRef.Name) {
			subjects = append(subjects, b.Subjects...)
		}
	}
	return subjects
}

// ImpersonationRules let the impersonator act as the named subjects only: one rule per
// kind (users, serviceaccounts, groups, in this order), each naming the sorted,
// deduplicated names of that kind; a kind without subjects gets no rule. A ServiceAccount's
// namespace is dropped, as in Karmada: the name is allowed in every namespace.
func ImpersonationRules(subjects []rbacv1.Subject) []rbacv1.PolicyRule {
	byKind := map[string]sets.Set[string]{}
	for _, s := range subjects {
		if byKind[s.Kind] == nil {
			byKind[s.Kind] = sets.New[string]()
		}
		byKind[s.Kind].Insert(s.Name)
	}
	rules := []rbacv1.PolicyRule{} // never nil: an empty list must replace older rules in the member
	for _, k := range []struct{ kind, resource string }{
		{rbacv1.UserKind, "users"}, {rbacv1.ServiceAccountKind, "serviceaccounts"}, {rbacv1.GroupKind, "groups"},
	} {
		if n := byKind[k.kind]; n.Len() > 0 {
			rules = append(rules, rbacv1.PolicyRule{
				Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{k.resource}, ResourceNames: sets.List(n),
			})
		}
	}
	return rules
}

// ImpersonatorClusterRole is the member ClusterRole with rules.
func ImpersonatorClusterRole(rules []rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName, Labels: map[string]string{clusterv1alpha1.KarmadaSystemLabel: "true"}},
		Rules:      rules,
	}
}

// ImpersonatorClusterRoleBinding binds ImpersonatorClusterRole to the ServiceAccount
// karmada-impersonator in namespace (karmadactl join uses the same namespace, by default
// karmada-cluster, in the member and, for the Secrets, in the control plane).
func ImpersonatorClusterRoleBinding(namespace string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: ImpersonatorName, Labels: map[string]string{clusterv1alpha1.KarmadaSystemLabel: "true"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ImpersonatorName},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: ImpersonatorName}},
	}
}

// DesiredWorks are the Works that put the impersonator's ClusterRole and binding into
// cluster, from the subjects allowed to use its proxy. The manifests take over objects of
// the same name the member already has (an older `kubectl karmada join` created them
// directly), instead of reporting a conflict.
func DesiredWorks(cluster *clusterv1alpha1.Cluster, subjects []rbacv1.Subject) ([]binding.DesiredWork, error) {
	owner := *metav1.NewControllerRef(cluster, clusterv1alpha1.SchemeGroupVersion.WithKind(clusterv1alpha1.ResourceKindCluster))
	ns := names.GenerateExecutionSpaceName(cluster.Name)
	var works []binding.DesiredWork
	for _, obj := range []runtime.Object{
		ImpersonatorClusterRole(ImpersonationRules(subjects)),
		ImpersonatorClusterRoleBinding(cluster.Spec.ImpersonatorSecretRef.Namespace),
	} {
		raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		m := &unstructured.Unstructured{Object: raw}
		name := names.GenerateWorkName(m.GetKind(), m.GetName(), "")
		binding.PrepareManifest(m, ns, name, nil, map[string]string{
			workv1alpha2.ResourceConflictResolutionAnnotation: workv1alpha2.ResourceConflictResolutionOverwrite,
		})
		works = append(works, binding.DesiredWork{Namespace: ns, Name: name, Manifest: m, OwnerReferences: []metav1.OwnerReference{owner}})
	}
	return works, nil
}

// reconcile keeps the impersonation Works of one cluster in line with the control plane's
// RBAC. A cluster without impersonatorSecretRef (nothing to proxy with) or being deleted
// (its Works go with its execution namespace) is left alone.
func (u *controller) reconcile(ctx context.Context, name string) (time.Duration, error) {
	logger := klog.FromContext(ctx).WithValues("cluster", name)
	cluster, err := u.clusters.Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if cluster.DeletionTimestamp != nil || cluster.Spec.ImpersonatorSecretRef == nil {
		logger.V(4).Info("Skipping cluster: being deleted or without spec.impersonatorSecretRef")
		return 0, nil
	}
	execNS := names.GenerateExecutionSpaceName(name)
	if ns, err := u.namespaces.Get(execNS); apierrors.IsNotFound(err) || (err == nil && ns.DeletionTimestamp != nil) {
		// The cluster controller creates it; its Add event brings the cluster back.
		logger.V(4).Info("Waiting for the execution namespace", "namespace", execNS)
		return 0, nil
	} else if err != nil {
		return 0, err
	}

	changed, err := u.sync(ctx, cluster)
	if err != nil {
		u.recorder.Event(cluster, corev1.EventTypeWarning, events.SyncImpersonationConfigFailed, err.Error())
		return 0, err
	}
	if changed {
		u.recorder.Event(cluster, corev1.EventTypeNormal, events.SyncImpersonationConfigSucceed, "Sync impersonation config succeed.")
	}
	logger.V(2).Info("Synced impersonation config", "changed", changed)
	return 0, nil
}

// sync writes the cluster's Works where they differ and reports whether any was written.
func (u *controller) sync(ctx context.Context, cluster *clusterv1alpha1.Cluster) (bool, error) {
	roles, err := u.roles.List(labels.Everything())
	if err != nil {
		return false, err
	}
	bindings, err := u.bindings.List(labels.Everything())
	if err != nil {
		return false, err
	}
	works, err := DesiredWorks(cluster, ProxySubjects(cluster.Name, roles, bindings))
	if err != nil {
		return false, err
	}
	changed := false
	for _, d := range works {
		if w, err := u.works.Works(d.Namespace).Get(d.Name); err == nil && w.DeletionTimestamp != nil {
			// Its Delete event brings the cluster back, and the Work is created anew.
			klog.FromContext(ctx).V(4).Info("Work is being deleted; waiting to re-create it", "work", d.Namespace+"/"+d.Name)
			continue
		}
		written, err := binding.EnsureWork(ctx, u.c.KarmadaClient, u.works, d)
		if err != nil {
			return changed, fmt.Errorf("writing Work %s/%s (%s): %w", d.Namespace, d.Name, d.Manifest.GetKind(), err)
		}
		changed = changed || written
	}
	return changed, nil
}

// anyGrantsProxy tells whether one of roles (nil ones skipped) reaches some cluster's
// proxy; the event filters use it.
func anyGrantsProxy(roles ...*rbacv1.ClusterRole) bool {
	return slices.ContainsFunc(roles, func(r *rbacv1.ClusterRole) bool { return r != nil && roleGrantsProxy(r, "") })
}
