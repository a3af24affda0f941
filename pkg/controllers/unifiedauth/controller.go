// Package unifiedauth lets the cluster proxy and the merged view act as their callers in
// every member: it grants the member's impersonator ServiceAccount the right to
// impersonate exactly the users, groups and ServiceAccounts that may use a member's proxy
// in the control plane, as Karmada's unified-auth controller does. The ClusterRole and
// ClusterRoleBinding `karmada-impersonator` travel as Works (in karmada-es-<cluster>, named
// as Karmada names them), so the execution controller applies them with the cluster's own
// credentials, and they leave the member with the Cluster.
package unifiedauth

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	corelisters "k8s.io/client-go/listers/core/v1"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/events"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
)

const name = events.ComponentUnifiedAuth

type controller struct {
	c          *controllers.Context
	queue      workqueue.TypedRateLimitingInterface[string] // cluster names
	clusters   clusterlisters.ClusterLister
	roles      rbaclisters.ClusterRoleLister
	bindings   rbaclisters.ClusterRoleBindingLister
	namespaces corelisters.NamespaceLister
	works      worklisters.WorkLister
	recorder   record.EventRecorder
}

// workNames are the names of this controller's Works in every execution namespace.
var workNames = sets.New(
	names.GenerateWorkName("ClusterRole", ImpersonatorName, ""),
	names.GenerateWorkName("ClusterRoleBinding", ImpersonatorName, ""),
)

// Start runs the unified-auth controller.
func Start(ctx context.Context, c *controllers.Context) error {
	rbac := c.KubeInformers.Rbac().V1()
	u := &controller{
		c:          c,
		queue:      controllers.NewQueue(name),
		clusters:   c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		roles:      rbac.ClusterRoles().Lister(),
		bindings:   rbac.ClusterRoleBindings().Lister(),
		namespaces: c.KubeInformers.Core().V1().Namespaces().Lister(),
		works:      c.KarmadaInformers.Work().V1alpha1().Works().Lister(),
		recorder:   c.EventRecorder(name),
	}
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer()
	if _, err := clusterInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: controllers.EnqueueName(u.queue),
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*clusterv1alpha1.Cluster), obj.(*clusterv1alpha1.Cluster)
			// Status updates (every few seconds) change nothing here.
			if !apiequality.Semantic.DeepEqual(o.Spec.ImpersonatorSecretRef, n.Spec.ImpersonatorSecretRef) ||
				(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
				u.queue.Add(n.Name)
			}
		},
	}); err != nil {
		return err
	}
	roleInf := rbac.ClusterRoles().Informer()
	if _, err := roleInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { u.onRoles(obj) },
		UpdateFunc: func(oldObj, obj interface{}) {
			// The aggregation controller and kube's own reconciler touch roles often;
			// only a change of the rules of a role that reaches a proxy matters.
			if !apiequality.Semantic.DeepEqual(oldObj.(*rbacv1.ClusterRole).Rules, obj.(*rbacv1.ClusterRole).Rules) {
				u.onRoles(oldObj, obj)
			}
		},
		DeleteFunc: func(obj interface{}) { u.onRoles(obj) },
	}); err != nil {
		return err
	}
	bindingInf := rbac.ClusterRoleBindings().Informer()
	if _, err := bindingInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { u.onBindings(obj) },
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*rbacv1.ClusterRoleBinding), obj.(*rbacv1.ClusterRoleBinding)
			if o.RoleRef != n.RoleRef || !apiequality.Semantic.DeepEqual(o.Subjects, n.Subjects) {
				u.onBindings(oldObj, obj)
			}
		},
		DeleteFunc: func(obj interface{}) { u.onBindings(obj) },
	}); err != nil {
		return err
	}
	// The Works can only be written once the cluster controller made the execution namespace.
	nsInf := c.KubeInformers.Core().V1().Namespaces().Informer()
	if _, err := nsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			if ns, ok := obj.(*corev1.Namespace); ok {
				if cluster, err := names.GetClusterName(ns.Name); err == nil {
					u.queue.Add(cluster)
				}
			}
		},
	}); err != nil {
		return err
	}
	// A Work of ours that somebody changed or deleted is written again.
	workInf := c.KarmadaInformers.Work().V1alpha1().Works().Informer()
	if _, err := workInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*workv1alpha1.Work), obj.(*workv1alpha1.Work)
			if o.Generation != n.Generation || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
				!apiequality.Semantic.DeepEqual(o.OwnerReferences, n.OwnerReferences) {
				u.onWork(n)
			}
		},
		DeleteFunc: u.onWork,
	}); err != nil {
		return err
	}

	go u.ensureAdminProxyAccess(ctx)
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), clusterInf.HasSynced, roleInf.HasSynced, bindingInf.HasSynced, nsInf.HasSynced, workInf.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, name, u.queue, 2, u.reconcile)
	}()
	return nil
}

// enqueueAll looks at every cluster again (the RBAC that decides their rules changed).
func (u *controller) enqueueAll() {
	clusters, _ := u.clusters.List(labels.Everything())
	for _, c := range clusters {
		u.queue.Add(c.Name)
	}
}

// onRoles re-syncs every cluster when one of the ClusterRoles (before or after a change)
// reaches some cluster's proxy.
func (u *controller) onRoles(objs ...interface{}) {
	var roles []*rbacv1.ClusterRole
	for _, obj := range objs {
		if r, ok := tombstone(obj).(*rbacv1.ClusterRole); ok {
			roles = append(roles, r)
		}
	}
	if anyGrantsProxy(roles...) {
		u.enqueueAll()
	}
}

// onBindings re-syncs every cluster when one of the ClusterRoleBindings binds a role
// that reaches some cluster's proxy. A binding whose role is not known yet is skipped:
// the role's own Add event comes later and covers it.
func (u *controller) onBindings(objs ...interface{}) {
	var roles []*rbacv1.ClusterRole
	for _, obj := range objs {
		b, ok := tombstone(obj).(*rbacv1.ClusterRoleBinding)
		if !ok || b.RoleRef.Kind != "ClusterRole" {
			continue
		}
		if r, err := u.roles.Get(b.RoleRef.Name); err == nil {
			roles = append(roles, r)
		}
	}
	if anyGrantsProxy(roles...) {
		u.enqueueAll()
	}
}

func (u *controller) onWork(obj interface{}) {
	w, ok := tombstone(obj).(*workv1alpha1.Work)
	if !ok || !workNames.Has(w.Name) {
		return
	}
	if cluster, err := names.GetClusterName(w.Namespace); err == nil {
		u.queue.Add(cluster)
	}
}

func tombstone(obj interface{}) interface{} {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

// AdminUser is the user of the admin kubeconfig karmada-apiserver writes (the CN of its
// client certificate, see pkg/server/pki.go).
const AdminUser = "karmada-admin"

// AdminProxyAccessName names the ClusterRole and ClusterRoleBinding that give AdminUser
// the cluster proxy, like the cluster-proxy-admin RBAC Karmada's installers create for
// system:admin.
const AdminProxyAccessName = "cluster-proxy-admin"

// ensureAdminProxyAccess creates, when missing, the ClusterRole and ClusterRoleBinding
// AdminProxyAccessName. The admin may do anything in the control plane through its group
// system:masters, but a member checks that the impersonator may impersonate the admin's
// user name as well as its groups, and user names come only from bindings naming a
// User. Existing objects are left as they are (an operator may have changed them).
func (u *controller) ensureAdminProxyAccess(ctx context.Context) {
	system := map[string]string{clusterv1alpha1.KarmadaSystemLabel: "true"}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: AdminProxyAccessName, Labels: system},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{clusterv1alpha1.GroupName}, Resources: []string{clusterProxyResource + "/" + proxySubresource}, Verbs: []string{"*"},
		}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: AdminProxyAccessName, Labels: system},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: AdminProxyAccessName},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: AdminUser}},
	}
	client := u.c.ControlPlaneClient.RbacV1()
	_ = wait.PollUntilContextCancel(ctx, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := client.ClusterRoles().Create(ctx, role, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			_, err = client.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{})
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			if ctx.Err() == nil {
				klog.FromContext(ctx).Error(err, "Creating the admin's cluster-proxy RBAC failed; retrying", "name", AdminProxyAccessName)
			}
			return false, nil
		}
		return true, nil
	})
}
