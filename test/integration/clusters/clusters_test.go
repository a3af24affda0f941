// Package clusters tests member clusters end to end: real members, joined with
// kubectl-karmada, status collected, readiness and taints, the cluster proxy, unjoin.
package clusters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(discard{})
	os.Exit(m.Run())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	if err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok, nil
	}); err != nil {
		t.Fatalf("timed out after %s waiting for %s (last: %v)", timeout, what, last)
	}
}

type env struct {
	cp      *framework.Server
	karmada karmadaclient.Interface
	ctl     string // kubectl-karmada binary
	members map[string]*members.Member
}

func (e *env) karmadactl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(e.ctl, append([]string{"--kubeconfig", e.cp.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *env) cluster(t *testing.T, name string) *clusterv1alpha1.Cluster {
	t.Helper()
	c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func setup(t *testing.T) *env {
	root := framework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{members: map[string]*members.Member{}}
	// member1's nodes are chosen for the guide's resource-model example: with one
	// 500m/2Gi pod each, node a has 0.5C/2Gi free (grade 0) and node b 1.5C/10Gi (grade 1).
	specs := map[string][]members.NodeSpec{
		"member1": {{Name: "member1-a", CPU: "1", Memory: "4Gi", Pods: "110"}, {Name: "member1-b", CPU: "2", Memory: "12Gi", Pods: "110"}},
		"member2": {{Name: "member2-a", CPU: "8", Memory: "32Gi", Pods: "110"}},
	}
	for _, name := range []string{"member1", "member2"} {
		m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(t.TempDir(), name), Nodes: specs[name], DieWithParent: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Stop() })
		e.members[name] = m
	}
	e.cp = framework.StartInProcess(t, framework.Options{Controllers: true, ExtraFlags: []string{
		"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s",
	}})
	e.karmada = karmadaclient.NewForConfigOrDie(e.cp.Config)
	e.ctl = framework.KarmadactlPath(t)
	return e
}

func TestMemberClusters(t *testing.T) {
	e := setup(t)

	// Namespaces made before any member joined reach members when they join, unless
	// labelled to stay in the control plane.
	e.cp.MustKubectl(t, "", "create", "namespace", "before-join")
	e.cp.MustKubectl(t, "", "create", "namespace", "stays-here")
	e.cp.MustKubectl(t, "", "label", "namespace", "stays-here", "namespace.karmada.io/skip-auto-propagation=true")

	t.Run("Join", func(t *testing.T) {
		// member1 carries what an older kubectl-karmada join left there: an impersonator
		// ClusterRole and binding made directly, allowed to impersonate anybody.
		oldJoin := kubernetes.NewForConfigOrDie(e.members["member1"].RESTConfig())
		system := map[string]string{"karmada.io/system": "true"}
		if _, err := oldJoin.RbacV1().ClusterRoles().Create(context.Background(), &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "karmada-impersonator", Labels: system},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := oldJoin.RbacV1().ClusterRoleBindings().Create(context.Background(), &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "karmada-impersonator", Labels: system},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "karmada-impersonator"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "karmada-cluster", Name: "karmada-impersonator"}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		out, err := e.karmadactl(t, "join", "member1", "--cluster-kubeconfig", e.members["member1"].Kubeconfig,
			"--cluster-provider", "aws", "--cluster-region", "us-east-1", "--cluster-zones", "us-east-1a,us-east-1b")
		if err != nil || !strings.Contains(out, "cluster(member1) is joined successfully") {
			t.Fatalf("join member1: %v\n%s", err, out)
		}
		if out, err := e.karmadactl(t, "join", "member2", "--cluster-kubeconfig", e.members["member2"].Kubeconfig); err != nil {
			t.Fatalf("join member2: %v\n%s", err, out)
		}
		// Joining again is safe.
		if out, err := e.karmadactl(t, "join", "member2", "--cluster-kubeconfig", e.members["member2"].Kubeconfig); err != nil {
			t.Fatalf("join member2 again: %v\n%s", err, out)
		}
		out = e.cp.MustKubectl(t, "", "get", "clusters")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME VERSION MODE READY AGE" {
			t.Fatalf("kubectl get clusters:\n%s", out)
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if f[1] != "v1.37.2" || f[2] != "Push" || f[3] != "True" {
				t.Errorf("cluster row %q: want VERSION v1.37.2, MODE Push, READY True", l)
			}
		}
		wide := e.cp.MustKubectl(t, "", "get", "cluster", "member1", "-o", "wide")
		for _, want := range []string{"us-east-1a,us-east-1b", "us-east-1", "aws", e.members["member1"].Server} {
			if !strings.Contains(wide, want) {
				t.Errorf("-o wide lacks %q:\n%s", want, wide)
			}
		}
		c := e.cluster(t, "member1")
		if !containsString(c.Finalizers, clusterv1alpha1.ClusterControllerFinalizer) {
			t.Errorf("finalizers %v", c.Finalizers)
		}
		ns, err := e.cp.Client.CoreV1().Namespaces().Get(context.Background(), "karmada-es-member1", metav1.GetOptions{})
		if err != nil || ns.Labels["karmada.io/system"] != "true" {
			t.Errorf("execution namespace: %v %v", err, ns)
		}
		if len(c.Spec.Taints) != 0 {
			t.Errorf("a Ready cluster has taints %v", c.Spec.Taints)
		}
		if cond := meta.FindStatusCondition(c.Status.Conditions, "CompleteAPIEnablements"); cond == nil || cond.Status != metav1.ConditionTrue {
			t.Errorf("CompleteAPIEnablements = %+v", cond)
		}
		if !hasAPI(c, "apps/v1", "deployments") || hasAPI(c, "v1", "pods/log") {
			t.Errorf("apiEnablements wrong: %+v", c.Status.APIEnablements)
		}
		// join returns once the control plane's Works have given the impersonator its rights:
		// member1's old, unrestricted ClusterRole is taken over and narrowed to who may use
		// the proxy (the admin: group system:masters, user karmada-admin), member2 gets one.
		for _, name := range []string{"member1", "member2"} {
			role, err := kubernetes.NewForConfigOrDie(e.members[name].RESTConfig()).RbacV1().ClusterRoles().Get(context.Background(), "karmada-impersonator", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if role.Labels["karmada.io/managed"] != "true" || role.Annotations["work.karmada.io/name"] != "karmada-impersonator-7cbb6bd5c9" {
				t.Errorf("%s: ClusterRole karmada-impersonator is not the control plane's: %v %v", name, role.Labels, role.Annotations)
			}
			if got := impersonable(role); !containsString(got["users"], "karmada-admin") || !containsString(got["groups"], "system:masters") || len(got["users"]) == 0 ||
				len(role.Rules) != len(got) {
				t.Errorf("%s: ClusterRole karmada-impersonator rules %+v", name, role.Rules)
			}
		}
	})

	t.Run("NamespacesFollowJoin", func(t *testing.T) {
		for _, name := range []string{"member1", "member2"} {
			mc := kubernetes.NewForConfigOrDie(e.members[name].RESTConfig())
			eventually(t, time.Minute, "namespace before-join in "+name, func() (bool, error) {
				ns, err := mc.CoreV1().Namespaces().Get(context.Background(), "before-join", metav1.GetOptions{})
				if err != nil {
					return false, err
				}
				return ns.Labels["karmada.io/managed"] == "true", fmt.Errorf("labels %v", ns.Labels)
			})
			// The namespace every member already had is used, never taken over.
			def, err := mc.CoreV1().Namespaces().Get(context.Background(), "default", metav1.GetOptions{})
			if err != nil || def.Labels["karmada.io/managed"] != "" {
				t.Errorf("%s: default namespace taken over: %v %v", name, err, def.Labels)
			}
			if _, err := mc.CoreV1().Namespaces().Get(context.Background(), "stays-here", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("%s: namespace labelled skip-auto-propagation was propagated (err %v)", name, err)
			}
		}
	})
	t.Run("ResourceSummaryAndModels", func(t *testing.T) { testResourceSummary(t, e) })
	t.Run("Proxy", func(t *testing.T) { testProxy(t, e) })
	t.Run("NotReadyAndBack", func(t *testing.T) { testNotReady(t, e) })
	t.Run("UnjoinAndJoinAgain", func(t *testing.T) { testUnjoin(t, e) })
}

// impersonable maps each resource (users, groups, serviceaccounts) of role's impersonate
// rules to the names it allows.
func impersonable(role *rbacv1.ClusterRole) map[string][]string {
	out := map[string][]string{}
	for _, r := range role.Rules {
		if len(r.Verbs) == 1 && r.Verbs[0] == "impersonate" && len(r.Resources) == 1 {
			out[r.Resources[0]] = r.ResourceNames
		}
	}
	return out
}

func hasAPI(c *clusterv1alpha1.Cluster, gv, resource string) bool {
	for _, e := range c.Status.APIEnablements {
		if e.GroupVersion == gv {
			for _, r := range e.Resources {
				if r.Name == resource {
					return true
				}
			}
		}
	}
	return false
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func qty(l corev1.ResourceList, r corev1.ResourceName) resource.Quantity { return l[r] }

func testResourceSummary(t *testing.T, e *env) {
	ctx := context.Background()
	// allocatable is the sum of the KWOK nodes'.
	eventually(t, 30*time.Second, "resourceSummary.allocatable", func() (bool, error) {
		c := e.cluster(t, "member1")
		if c.Status.ResourceSummary == nil || c.Status.NodeSummary == nil {
			return false, fmt.Errorf("no summary yet")
		}
		cpu, mem := qty(c.Status.ResourceSummary.Allocatable, "cpu"), qty(c.Status.ResourceSummary.Allocatable, "memory")
		return cpu.Cmp(resource.MustParse("3")) == 0 && mem.Cmp(resource.MustParse("16Gi")) == 0 &&
			c.Status.NodeSummary.TotalNum == 2 && c.Status.NodeSummary.ReadyNum == 2, fmt.Errorf("allocatable %v nodes %+v", c.Status.ResourceSummary.Allocatable, c.Status.NodeSummary)
	})
	// The guide's three-grade model.
	e.cp.MustKubectl(t, "", "patch", "cluster", "member1", "--type=merge", "-p", `{"spec":{"resourceModels":[
		{"grade":0,"ranges":[{"name":"cpu","min":"0","max":"1"},{"name":"memory","min":"0","max":"4Gi"}]},
		{"grade":1,"ranges":[{"name":"cpu","min":"1","max":"2"},{"name":"memory","min":"4Gi","max":"16Gi"}]},
		{"grade":2,"ranges":[{"name":"cpu","min":"2","max":"9223372036854775807"},{"name":"memory","min":"16Gi","max":"9223372036854775807"}]}]}}`)
	// One 500m/2Gi pod on each node, bound by the member's scheduler is not needed:
	// nodeName pins them, as a user's pods would be after scheduling.
	member := kubernetes.NewForConfigOrDie(e.members["member1"].RESTConfig())
	for _, n := range []string{"member1-a", "member1-b"} {
		_, err := member.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "load-" + n},
			Spec: corev1.PodSpec{NodeName: n, Containers: []corev1.Container{{Name: "c", Image: "busybox", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("2Gi")},
			}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, "allocated and allocatableModelings", func() (bool, error) {
		c := e.cluster(t, "member1")
		s := c.Status.ResourceSummary
		if s == nil {
			return false, nil
		}
		cpu, pods := qty(s.Allocated, "cpu"), qty(s.Allocated, "pods")
		m := s.AllocatableModelings
		ok := cpu.Cmp(resource.MustParse("1")) == 0 && pods.Value() == 2 && len(m) == 3 &&
			m[0].Count == 1 && m[1].Count == 1 && m[2].Count == 0
		return ok, fmt.Errorf("allocated %v modelings %+v", s.Allocated, m)
	})
	// A pod no node can hold stays unscheduled: it counts as allocating.
	_, err := member.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "too-big"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{"cpu": resource.MustParse("100")},
		}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "allocating", func() (bool, error) {
		s := e.cluster(t, "member1").Status.ResourceSummary
		cpu := qty(s.Allocating, "cpu")
		return cpu.Cmp(resource.MustParse("100")) == 0, fmt.Errorf("allocating %v", s.Allocating)
	})
}

// proxyKubeconfig points kubectl at the member through the control plane's proxy.
func proxyKubeconfig(t *testing.T, e *env, cluster, token string) string {
	cfg, err := clientcmd.LoadFromFile(e.cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = strings.TrimSuffix(c.Server, "/") + "/apis/cluster.karmada.io/v1alpha1/clusters/" + cluster + "/proxy"
	}
	if token != "" {
		for _, a := range cfg.AuthInfos {
			a.ClientCertificateData, a.ClientKeyData = nil, nil
			a.Token = token
		}
	}
	path := filepath.Join(t.TempDir(), "proxy.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func testProxy(t *testing.T, e *env) {
	ctx := context.Background()
	admin := proxyKubeconfig(t, e, "member1", "")
	out, err := framework.KubectlWith(t, admin, "get", "pods", "-A")
	if err != nil || !strings.Contains(out, "load-member1-a") {
		t.Fatalf("admin through the proxy: %v\n%s", err, out)
	}
	// Nodes of member1 only, not member2's: the request reached member1.
	out, _ = framework.KubectlWith(t, admin, "get", "nodes")
	if !strings.Contains(out, "member1-a") || strings.Contains(out, "member2-a") {
		t.Fatalf("nodes through the proxy:\n%s", out)
	}
	// kubectl logs is routed to the member, whose answer (no kubelet behind KWOK
	// nodes) comes back: the error is the member's, not a 404 of the control plane.
	out, err = framework.KubectlWith(t, admin, "logs", "load-member1-a", "-n", "default")
	if err == nil || strings.Contains(out, "NotFound") || strings.Contains(out, "the server could not find the requested resource") {
		t.Fatalf("logs through the proxy should fail at the member's kubelet dial: %v\n%s", err, out)
	}
	// exec is an upgrade request; it too is answered by the member.
	out, err = framework.KubectlWith(t, admin, "exec", "load-member1-a", "-n", "default", "--", "true")
	if err == nil || strings.Contains(out, "the server could not find the requested resource") {
		t.Fatalf("exec through the proxy should fail at the member: %v\n%s", err, out)
	}

	// A user of the control plane without clusters/proxy gets 403 from the control plane.
	cp := e.cp.Client
	if _, err := cp.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "alice"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(e.cp.MustKubectl(t, "", "create", "token", "alice", "-n", "default"))
	alice := proxyKubeconfig(t, e, "member1", token)
	out, err = framework.KubectlWith(t, alice, "get", "pods", "-n", "default")
	if err == nil || !strings.Contains(out, `cannot get resource "clusters/proxy" in API group "cluster.karmada.io"`) {
		t.Fatalf("without clusters/proxy: want the control plane's 403, got %v\n%s", err, out)
	}
	// With clusters/proxy but no RBAC in the member: the member's 403, naming alice.
	_, err = cp.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cluster-proxy"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"}, Verbs: []string{"*"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cp.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-cluster-proxy"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-proxy"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "alice", Namespace: "default"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The control plane's RBAC now names alice: member1's impersonator may act as her.
	member1 := kubernetes.NewForConfigOrDie(e.members["member1"].RESTConfig())
	eventually(t, 30*time.Second, "ServiceAccount alice in member1's karmada-impersonator ClusterRole", func() (bool, error) {
		role, err := member1.RbacV1().ClusterRoles().Get(ctx, "karmada-impersonator", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return containsString(impersonable(role)["serviceaccounts"], "alice"), fmt.Errorf("rules %+v", role.Rules)
	})
	eventually(t, 30*time.Second, "the member's own 403 for alice", func() (bool, error) {
		out, err := framework.KubectlWith(t, alice, "get", "pods", "-n", "default")
		return err != nil && strings.Contains(out, `User "system:serviceaccount:default:alice" cannot list resource "pods"`), fmt.Errorf("%v: %s", err, out)
	})
	// Granting alice reads in the member lets her through.
	member := kubernetes.NewForConfigOrDie(e.members["member1"].RESTConfig())
	_, err = member.RbacV1().RoleBindings("default").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "system:serviceaccount:default:alice"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "alice to read member pods", func() (bool, error) {
		out, err := framework.KubectlWith(t, alice, "get", "pods", "-n", "default")
		return err == nil && strings.Contains(out, "load-member1-a"), fmt.Errorf("%v: %s", err, out)
	})
	// Watch through the proxy streams events.
	cmd := exec.Command(framework.KubectlPath(t), "--kubeconfig", admin, "get", "pods", "-n", "default", "-w", "--request-timeout=20s")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	time.Sleep(time.Second)
	if _, err := member.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "poke"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := member.CoreV1().Pods("default").Delete(ctx, "too-big", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	got := ""
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(got, "too-big") {
		n, err := stdout.Read(buf)
		got += string(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(got, "too-big") {
		t.Fatalf("watch through the proxy did not stream the change:\n%s", got)
	}
}

func testNotReady(t *testing.T, e *env) {
	m := e.members["member2"]
	// The member's /readyz fails from the moment its apiserver starts shutting down.
	stopped := time.Now()
	if err := m.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "member2 Ready=False with the not-ready taint", func() (bool, error) {
		c := e.cluster(t, "member2")
		cond := meta.FindStatusCondition(c.Status.Conditions, "Ready")
		tainted := false
		for _, tt := range c.Spec.Taints {
			tainted = tainted || (tt.Key == clusterv1alpha1.TaintClusterNotReady && tt.Effect == corev1.TaintEffectNoSchedule)
		}
		return cond != nil && cond.Status == metav1.ConditionFalse && tainted, fmt.Errorf("cond %+v taints %v", cond, c.Spec.Taints)
	})
	if since := time.Since(stopped); since < 4*time.Second {
		t.Errorf("Ready flipped after %s, before the 4s failure threshold", since)
	}
	out := e.cp.MustKubectl(t, "", "get", "clusters")
	if !strings.Contains(out, "member2") || !strings.Contains(out, "False") {
		t.Errorf("kubectl get clusters while member2 is down:\n%s", out)
	}
	if err := m.StartAPIServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "member2 Ready=True without taints", func() (bool, error) {
		c := e.cluster(t, "member2")
		cond := meta.FindStatusCondition(c.Status.Conditions, "Ready")
		return cond != nil && cond.Status == metav1.ConditionTrue && len(c.Spec.Taints) == 0, fmt.Errorf("cond %+v taints %v", cond, c.Spec.Taints)
	})
	// Nothing was deleted in between: the Cluster, its Secrets and namespace remain.
	for _, get := range []func() error{
		func() error {
			_, err := e.cp.Client.CoreV1().Secrets("karmada-cluster").Get(context.Background(), "member2", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := e.cp.Client.CoreV1().Namespaces().Get(context.Background(), "karmada-es-member2", metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); err != nil {
			t.Error(err)
		}
	}
	// The user saw why: an Event on the cluster.
	events := e.cp.MustKubectl(t, "", "get", "events", "-A", "--field-selector", "involvedObject.name=member2")
	if !strings.Contains(events, "ClusterNotReachable") || !strings.Contains(events, "ClusterReady") {
		t.Errorf("events for member2:\n%s", events)
	}
}

func testUnjoin(t *testing.T, e *env) {
	ctx := context.Background()
	kubeconfig := e.members["member2"].Kubeconfig
	if out, err := e.karmadactl(t, "unjoin", "member2", "--cluster-kubeconfig", kubeconfig); err != nil {
		t.Fatalf("unjoin: %v\n%s", err, out)
	}
	if _, err := e.karmada.ClusterV1alpha1().Clusters().Get(ctx, "member2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Cluster after unjoin: %v", err)
	}
	for _, name := range []string{"member2", "member2-impersonator"} {
		if _, err := e.cp.Client.CoreV1().Secrets("karmada-cluster").Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("secret %s after unjoin: %v", name, err)
		}
	}
	eventually(t, 60*time.Second, "execution namespace removed", func() (bool, error) {
		_, err := e.cp.Client.CoreV1().Namespaces().Get(ctx, "karmada-es-member2", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	member := kubernetes.NewForConfigOrDie(e.members["member2"].RESTConfig())
	if _, err := member.CoreV1().ServiceAccounts("karmada-cluster").Get(ctx, "karmada-member2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("member-side service account after unjoin: %v", err)
	}
	if _, err := member.RbacV1().ClusterRoles().Get(ctx, "karmada-controller-manager:karmada-member2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("member-side ClusterRole after unjoin: %v", err)
	}
	// The impersonator's RBAC left with the control plane's Works.
	if _, err := member.RbacV1().ClusterRoles().Get(ctx, "karmada-impersonator", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ClusterRole karmada-impersonator after unjoin: %v", err)
	}
	if _, err := member.RbacV1().ClusterRoleBindings().Get(ctx, "karmada-impersonator", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ClusterRoleBinding karmada-impersonator after unjoin: %v", err)
	}
	if out, err := e.karmadactl(t, "join", "member2", "--cluster-kubeconfig", kubeconfig); err != nil {
		t.Fatalf("join again: %v\n%s", err, out)
	}
	if cond := meta.FindStatusCondition(e.cluster(t, "member2").Status.Conditions, "Ready"); cond == nil || cond.Status != metav1.ConditionTrue {
		t.Errorf("rejoined member2 Ready = %+v", cond)
	}
}
