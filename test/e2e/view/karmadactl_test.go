package view

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
	cpframework "github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// karmadactlNamespace is where karmadactl join keeps the credentials, in the member and in
// the control plane.
const karmadactlNamespace = "karmada-cluster"

// ctlRun runs kubectl-karmada with the admin kubeconfig.
func (e *env) ctlRun(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, e.Ctl, append([]string{"--kubeconfig", e.CP.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// startExtraMember starts one more member the way setup starts member1..3; it is stopped
// when the test ends.
func (e *env) startExtraMember(t *testing.T, name string) *members.Member {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bins, err := members.EnsureBinaries(ctx, cpframework.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	nodes := []members.NodeSpec{{Name: name + "-node", CPU: "8", Memory: "32Gi", Pods: "110"}}
	m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(t.TempDir(), name), Nodes: nodes, DieWithParent: true})
	if err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	return m
}

// registerLikeKarmadactl registers the member as Karmada's `karmadactl join` (v1.19, Push)
// does, without our join: in the member the namespace karmada-cluster, ServiceAccounts
// karmada-<name> (bound to ClusterRole karmada-controller-manager:karmada-<name>) and
// karmada-impersonator (no RBAC at all) with their legacy token Secrets; in the control
// plane the Opaque Secrets <name> (caBundle and token) and <name>-impersonator (token only)
// and the Cluster, which then owns both Secrets.
func (e *env) registerLikeKarmadactl(t *testing.T, name string, m *members.Member, member kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	ns := karmadactlNamespace
	mustCreate := func(what string, err error) {
		t.Helper()
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("creating %s: %v", what, err)
		}
	}

	// The member.
	_, err := member.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	mustCreate("namespace "+ns+" in the member", err)
	sa := "karmada-" + name
	const impersonator = "karmada-impersonator"
	for _, n := range []string{sa, impersonator} {
		_, err := member.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		mustCreate("ServiceAccount "+n, err)
		_, err = member.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: n, Annotations: map[string]string{corev1.ServiceAccountNameKey: n}},
			Type:       corev1.SecretTypeServiceAccountToken,
		}, metav1.CreateOptions{})
		mustCreate("token Secret "+n, err)
	}
	role := "karmada-controller-manager:" + sa
	_, err = member.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: role}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"*"}},
	}}, metav1.CreateOptions{})
	mustCreate("ClusterRole "+role, err)
	_, err = member.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}},
	}, metav1.CreateOptions{})
	mustCreate("ClusterRoleBinding "+role, err)
	tokens := map[string]*corev1.Secret{}
	framework.Eventually(t, framework.WaitTimeout, "the member's token controller to fill the token Secrets", func() error {
		for _, n := range []string{sa, impersonator} {
			s, err := member.CoreV1().Secrets(ns).Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(s.Data["token"]) == 0 || len(s.Data["ca.crt"]) == 0 {
				return fmt.Errorf("secret %s has keys %v", n, slices.Sorted(maps.Keys(s.Data)))
			}
			tokens[n] = s
		}
		return nil
	})
	kubeSystem, err := member.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The control plane.
	cp := e.CP.Client
	_, err = cp.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	mustCreate("namespace "+ns+" in the control plane", err)
	secrets := map[string]map[string][]byte{
		name:                   {"caBundle": tokens[sa].Data["ca.crt"], "token": tokens[sa].Data["token"]},
		name + "-impersonator": {"token": tokens[impersonator].Data["token"]},
	}
	for n, data := range secrets {
		_, err := cp.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: n}, Data: data}, metav1.CreateOptions{})
		mustCreate("control-plane Secret "+n, err)
	}
	cluster, err := e.Karmada.ClusterV1alpha1().Clusters().Create(ctx, &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: clusterv1alpha1.ClusterSpec{
			SyncMode:              clusterv1alpha1.Push,
			APIEndpoint:           m.Server,
			ID:                    string(kubeSystem.UID),
			SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: ns, Name: name},
			ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: ns, Name: name + "-impersonator"},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating Cluster %s: %v", name, err)
	}
	owner, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"ownerReferences": []metav1.OwnerReference{
		*metav1.NewControllerRef(cluster, clusterv1alpha1.SchemeGroupVersion.WithKind("Cluster")),
	}}})
	for n := range secrets {
		if _, err := cp.CoreV1().Secrets(ns).Patch(ctx, n, types.MergePatchType, owner, metav1.PatchOptions{}); err != nil {
			t.Fatalf("owner of Secret %s: %v", n, err)
		}
	}
	// The impersonator Secret really is karmadactl's: a token and nothing else.
	s, err := cp.CoreV1().Secrets(ns).Get(ctx, name+"-impersonator", metav1.GetOptions{})
	if err != nil || len(s.Data) != 1 || s.Type != corev1.SecretTypeOpaque {
		t.Fatalf("impersonator Secret: %v %s %d keys", err, s.Type, len(s.Data))
	}
}

// unregister deletes what a test placed on cluster (templates and policies in ns), then the
// Cluster, and waits until the control plane has let it go.
func (e *env) unregister(t *testing.T, name, ns string) {
	t.Helper()
	ctx := context.Background()
	if ns != "" {
		_, _ = e.CP.Kubectl(t, "", "delete", "deployments,propagationpolicies", "--all", "-n", ns, "--wait=false")
	}
	if err := e.Karmada.ClusterV1alpha1().Clusters().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting Cluster %s: %v", name, err)
		return
	}
	framework.Eventually(t, 2*framework.WaitTimeout, "Cluster "+name+" to be removed", func() error {
		c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there, finalizers %v", c.Finalizers)
	})
}

// testKarmadactlJoinedMember: a member registered exactly as Karmada's `karmadactl join`
// leaves it (no caBundle in the impersonator Secret, no RBAC for the impersonator in the
// member) works with the cluster proxy, the merged view and promote: the control plane's
// unified-auth controller pushes the impersonator's ClusterRole and binding to it.
func testKarmadactlJoinedMember(t *testing.T, e *env) {
	const name = "member4"
	ctx := context.Background()
	m := e.startExtraMember(t, name)
	member := kubernetes.NewForConfigOrDie(m.RESTConfig())
	e.registerLikeKarmadactl(t, name, m, member)
	ns := "karmadactl-joined"
	// Unregistered before the member stops (cleanups run last-in first-out), so that the
	// subtests after this one see member1..3 only.
	t.Cleanup(func() { e.unregister(t, name, ns) })
	e.waitClustersReady(t, name)

	execNS := names.GenerateExecutionSpaceName(name)
	t.Run("ImpersonationWorks", func(t *testing.T) {
		for _, w := range []string{"karmada-impersonator-7cbb6bd5c9", "karmada-impersonator-84f8c8f8c6"} {
			framework.Eventually(t, framework.WaitTimeout, "Work "+execNS+"/"+w+" Applied", func() error {
				work, err := e.Karmada.WorkV1alpha1().Works(execNS).Get(ctx, w, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if !meta.IsStatusConditionTrue(work.Status.Conditions, workv1alpha1.WorkApplied) {
					return fmt.Errorf("conditions %+v", work.Status.Conditions)
				}
				if len(work.OwnerReferences) != 1 || work.OwnerReferences[0].Name != name || !slices.Contains(work.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
					return fmt.Errorf("owners %+v finalizers %v", work.OwnerReferences, work.Finalizers)
				}
				return nil
			})
		}
		role, err := member.RbacV1().ClusterRoles().Get(ctx, "karmada-impersonator", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if role.Labels["karmada.io/managed"] != "true" || role.Labels["karmada.io/system"] != "true" {
			t.Errorf("member ClusterRole labels %v", role.Labels)
		}
		// The admin is karmada-admin in group system:masters (cluster-admin's group, and the
		// user of the control plane's cluster-proxy-admin binding): both must be impersonable.
		impersonable := map[string][]string{}
		for _, r := range role.Rules {
			if slices.Equal(r.Verbs, []string{"impersonate"}) && slices.Equal(r.APIGroups, []string{""}) && len(r.Resources) == 1 {
				impersonable[r.Resources[0]] = r.ResourceNames
			}
		}
		t.Logf("%s may impersonate: %v", name, impersonable)
		if !slices.Contains(impersonable["groups"], "system:masters") || !slices.Contains(impersonable["users"], "karmada-admin") {
			t.Errorf("member ClusterRole karmada-impersonator does not name the admin (group system:masters, user karmada-admin): %+v", role.Rules)
		}
		binding, err := member.RbacV1().ClusterRoleBindings().Get(ctx, "karmada-impersonator", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "ServiceAccount" || binding.Subjects[0].Name != "karmada-impersonator" ||
			binding.Subjects[0].Namespace != karmadactlNamespace || binding.RoleRef.Name != "karmada-impersonator" {
			t.Errorf("member ClusterRoleBinding karmada-impersonator: %+v %+v", binding.RoleRef, binding.Subjects)
		}
		framework.Eventually(t, framework.WaitTimeout, "Event SyncImpersonationConfigSucceed on Cluster "+name, func() error {
			events, err := e.CP.Client.CoreV1().Events("").List(ctx, metav1.ListOptions{
				FieldSelector: "involvedObject.kind=Cluster,involvedObject.name=" + name + ",reason=SyncImpersonationConfigSucceed",
			})
			if err != nil {
				return err
			}
			for _, ev := range events.Items {
				if ev.Type == corev1.EventTypeNormal && ev.Message == "Sync impersonation config succeed." && ev.Source.Component == "unified-auth-controller" {
					return nil
				}
			}
			return fmt.Errorf("events %+v", events.Items)
		})
	})

	// A Deployment made in the member directly, in a namespace the control plane propagated.
	e.namespace(t, ns)
	framework.Eventually(t, framework.WaitTimeout, "namespace "+ns+" in "+name, func() error {
		_, err := member.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err
	})
	const app = "direct-app"
	if out, err := exec.Command(e.kubectl, "--kubeconfig", m.Kubeconfig, "create", "deployment", app, "--image", "nginx", "-n", ns).CombinedOutput(); err != nil {
		t.Fatalf("creating deployment in %s: %v\n%s", name, err, out)
	}

	t.Run("ClusterProxy", func(t *testing.T) {
		server := strings.TrimSuffix(e.CP.Config.Host, "/") + "/apis/cluster.karmada.io/v1alpha1/clusters/" + name + "/proxy"
		framework.Eventually(t, framework.WaitTimeout, "the pod of "+app+" through the cluster proxy", func() error {
			stdout, stderr, err := e.run(ctx, e.CP.Kubeconfig, "--server", server, "get", "pods", "-A")
			if err != nil {
				return fmt.Errorf("%v: %s%s", err, stdout, stderr)
			}
			if !strings.Contains(stdout, app+"-") || !strings.Contains(stdout, ns) {
				return fmt.Errorf("no pod of %s:\n%s", app, stdout)
			}
			return nil
		})
	})

	t.Run("MergedView", func(t *testing.T) {
		framework.Eventually(t, framework.WaitTimeout, app+" in get --operation-scope members -C "+name, func() error {
			out, err := e.ctlRun(ctx, "get", "deployments", "-n", ns, "--operation-scope", "members", "-C", name)
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			tb := parseTable(out)
			rows := tb.find(app)
			if len(rows) != 1 || tb.get(rows[0], "CLUSTER") != name || tb.get(rows[0], "ADOPTION") != "N" {
				return fmt.Errorf("want one row for %s in %s, not adopted:\n%s", app, name, out)
			}
			if strings.Contains(out, "Warning") {
				return fmt.Errorf("warnings:\n%s", out)
			}
			return nil
		})
		out, err := e.ctlRun(ctx, "describe", "deployment", app, "-n", ns, "--operation-scope", "members", "-C", name)
		if err != nil || !strings.Contains(out, "Name:") || !strings.Contains(out, app) || !strings.Contains(out, "Replicas:") {
			t.Errorf("describe through the view: %v\n%s", err, out)
		}
	})

	t.Run("Promote", func(t *testing.T) {
		if out, err := e.ctlRun(ctx, "promote", "deployment", app, "-n", ns, "-C", name); err != nil {
			t.Fatalf("promote: %v\n%s", err, out)
		}
		bindingName := names.GenerateBindingName("Deployment", app)
		framework.Eventually(t, framework.WaitTimeout, "ResourceBinding "+ns+"/"+bindingName+" placing "+app+" on "+name, func() error {
			rb, err := e.Karmada.WorkV1alpha2().ResourceBindings(ns).Get(ctx, bindingName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(rb.Spec.Clusters) != 1 || rb.Spec.Clusters[0].Name != name {
				return fmt.Errorf("clusters %+v", rb.Spec.Clusters)
			}
			return nil
		})
		work := names.GenerateWorkName("Deployment", app, ns)
		framework.Eventually(t, framework.WaitTimeout, "Work "+execNS+"/"+work+" Applied and the member's copy adopted", func() error {
			w, err := e.Karmada.WorkV1alpha1().Works(execNS).Get(ctx, work, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !meta.IsStatusConditionTrue(w.Status.Conditions, workv1alpha1.WorkApplied) {
				return fmt.Errorf("conditions %+v", w.Status.Conditions)
			}
			d, err := member.AppsV1().Deployments(ns).Get(ctx, app, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if d.Labels["karmada.io/managed"] != "true" {
				return fmt.Errorf("member deployment labels %v", d.Labels)
			}
			return nil
		})
	})

	t.Run("Unregister", func(t *testing.T) {
		e.unregister(t, name, ns)
		// The impersonator's RBAC went with its Works; karmadactl's own objects stay (its
		// unjoin removes them).
		for _, get := range []func() error{
			func() error {
				_, err := member.RbacV1().ClusterRoles().Get(ctx, "karmada-impersonator", metav1.GetOptions{})
				return err
			},
			func() error {
				_, err := member.RbacV1().ClusterRoleBindings().Get(ctx, "karmada-impersonator", metav1.GetOptions{})
				return err
			},
		} {
			if err := get(); !apierrors.IsNotFound(err) {
				t.Errorf("the impersonator's RBAC is still in the member after the Cluster was removed: %v", err)
			}
		}
		if _, err := member.CoreV1().ServiceAccounts(karmadactlNamespace).Get(ctx, "karmada-impersonator", metav1.GetOptions{}); err != nil {
			t.Errorf("karmadactl's ServiceAccount karmada-impersonator: %v", err)
		}
	})
}
