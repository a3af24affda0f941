package view

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// viewUser creates a ServiceAccount in the control plane and returns its user name and a
// kubeconfig (both contexts) that authenticates with a token of it.
func (e *env) viewUser(t *testing.T, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.CP.Client.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(e.Kubectl(t, "", "create", "token", name, "-n", "default", "--duration=1h"))
	return "system:serviceaccount:default:" + name, e.viewKubeconfig(t, "", token)
}

// grantConfigMapReads lets user get and list ConfigMaps in ns of one member only.
func (e *env) grantConfigMapReads(t *testing.T, member, ns, user string) {
	t.Helper()
	ctx := context.Background()
	kube := e.MKube[member]
	name := "read-configmaps-" + strings.ReplaceAll(user, ":", "-")
	if _, err := kube.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// testRBAC: the control plane gates the view (proxying/proxy in search.karmada.io), each
// member's own RBAC decides what the caller sees there.
func testRBAC(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "view-rbac")
	e.waitRootCA(t, ns)
	for _, m := range e.MemberNames {
		e.configMap(t, m, ns, "secret-of-"+m, map[string]string{"member": m})
	}

	alice, aliceKC := e.viewUser(t, "alice") // the view, but no RBAC in any member (at first)
	bob, bobKC := e.viewUser(t, "bob")       // no view, but reads in member1
	_, err := e.CP.Client.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "merged-view"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"search.karmada.io"}, Resources: []string{"proxying/proxy"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CP.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-merged-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "merged-view"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "alice", Namespace: "default"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.grantConfigMapReads(t, "member1", ns, bob)

	// A kubectl GET through the view is the verb get on proxying/proxy.
	framework.Eventually(t, 30*time.Second, "the control plane to authorize alice (not bob) for get proxying/proxy", func() error {
		a := strings.TrimSpace(e.canI(alice))
		b := strings.TrimSpace(e.canI(bob))
		if a != "yes" || b != "no" {
			return fmt.Errorf("can-i get proxying --subresource=proxy: alice %q, bob %q", a, b)
		}
		return nil
	})

	leaks := func(out string) []string {
		var found []string
		for _, m := range e.MemberNames {
			if strings.Contains(out, "secret-of-"+m) {
				found = append(found, "secret-of-"+m)
			}
		}
		return found
	}

	t.Run("ProxyingWithoutMemberRBAC", func(t *testing.T) {
		stdout, stderr, err := e.run(ctx, aliceKC, "--context", viewContext, "get", "configmaps", "-n", ns)
		t.Logf("alice lists: err %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
		if l := leaks(stdout + stderr); len(l) > 0 {
			t.Errorf("alice, without RBAC in any member, sees %v", l)
		}
		if tb := parseTable(stdout); len(tb.rows) > 0 {
			t.Errorf("alice, without RBAC in any member, gets rows:\n%s", stdout)
		}
		// Every member answers 403: the view says Forbidden.
		if err == nil || !strings.Contains(stderr, "Forbidden") || !strings.Contains(stderr, alice) {
			t.Errorf("alice's list: want a Forbidden error naming %s, got %v\n%s%s", alice, err, stdout, stderr)
		}
		// By name too.
		stdout, stderr, err = e.run(ctx, aliceKC, "--context", viewContext, "get", "configmap", "secret-of-member1", "-n", ns, "-o", "yaml")
		if l := leaks(stdout); len(l) > 0 || err == nil || !strings.Contains(stderr, "Forbidden") {
			t.Errorf("alice's get by name: want Forbidden without the object, got %v\n%s%s", err, stdout, stderr)
		}
		// The -A list and a watch leak nothing either.
		stdout, stderr, _ = e.run(ctx, aliceKC, "--context", viewContext, "get", "configmaps", "-A")
		if l := leaks(stdout + stderr); len(l) > 0 {
			t.Errorf("alice's get configmaps -A shows %v:\n%s%s", l, stdout, stderr)
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		stdout, stderr, _ = e.run(wctx, aliceKC, "--context", viewContext, "get", "configmaps", "-n", ns, "--watch-only")
		if l := leaks(stdout + stderr); len(l) > 0 {
			t.Errorf("alice's watch shows %v:\n%s%s", l, stdout, stderr)
		}
	})

	t.Run("NoProxyingPermission", func(t *testing.T) {
		stdout, stderr, err := e.run(ctx, bobKC, "--context", viewContext, "get", "configmaps", "-n", ns)
		if l := leaks(stdout + stderr); len(l) > 0 {
			t.Errorf("bob, without proxying/proxy, sees %v", l)
		}
		if err == nil || !strings.Contains(stderr, "Forbidden") || !strings.Contains(stderr, `"proxying/proxy"`) || !strings.Contains(stderr, "search.karmada.io") {
			t.Errorf("bob's list through the view: want the control plane's 403 for proxying/proxy in search.karmada.io, got %v\n%s%s", err, stdout, stderr)
		}
		// Bob can read member1 through the member itself: it is the control plane that refused.
		t.Logf("bob through the view: %s", strings.TrimSpace(stderr))
	})

	t.Run("MemberRBACInOneMember", func(t *testing.T) {
		e.grantConfigMapReads(t, "member2", ns, alice)
		var stdout, stderr string
		framework.Eventually(t, 30*time.Second, "alice to list member2's ConfigMaps through the view", func() error {
			var err error
			stdout, stderr, err = e.run(ctx, aliceKC, "--context", viewContext, "get", "configmaps", "-n", ns)
			if err != nil {
				return fmt.Errorf("%v: %s%s", err, stdout, stderr)
			}
			return nil
		})
		tb := parseTable(stdout)
		var names []string
		for _, r := range tb.rows {
			names = append(names, tb.get(r, "NAME"))
			if c := tb.get(r, "CLUSTER"); c != "member2" {
				t.Errorf("row %q from cluster %q; alice may read member2 only", strings.Join(r, " "), c)
			}
		}
		if strings.Join(names, ",") != "kube-root-ca.crt,secret-of-member2" {
			t.Errorf("alice sees %v, want member2's kube-root-ca.crt and secret-of-member2:\n%s", names, stdout)
		}
		if l := leaks(stdout); len(l) != 1 || l[0] != "secret-of-member2" {
			t.Errorf("alice sees %v", l)
		}
		// The members that refused are named in warnings.
		if !strings.Contains(stderr, "Warning:") || !strings.Contains(stderr, "member1") || !strings.Contains(stderr, "member3") {
			t.Errorf("want warnings naming member1 and member3 on stderr, got:\n%s", stderr)
		}
		// Outside that namespace alice still reads nothing.
		stdout, stderr, _ = e.run(ctx, aliceKC, "--context", viewContext, "get", "configmaps", "-n", "default")
		if tb := parseTable(stdout); len(tb.rows) > 0 {
			t.Errorf("alice reads configmaps in default:\n%s%s", stdout, stderr)
		}
	})

	t.Run("RevokedMemberRBAC", func(t *testing.T) {
		// carol has the view and reads in member2 before her first request, so the view
		// may answer her from its warm member2 cache (after asking member2 whether she may
		// list there); revoking her member2 RBAC must end that.
		carol, carolKC := e.viewUser(t, "carol")
		if _, err := e.CP.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "carol-merged-view"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "merged-view"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "carol", Namespace: "default"}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		e.grantConfigMapReads(t, "member2", ns, carol)
		framework.Eventually(t, 30*time.Second, "carol to read member2's ConfigMaps through the view", func() error {
			stdout, stderr, err := e.run(ctx, carolKC, "--context", viewContext, "get", "configmaps", "-n", ns)
			if err != nil || !strings.Contains(stdout, "secret-of-member2") {
				return fmt.Errorf("%v: %s%s", err, stdout, stderr)
			}
			if l := leaks(stdout); len(l) != 1 {
				return fmt.Errorf("carol sees %v", l)
			}
			return nil
		})
		name := "read-configmaps-" + strings.ReplaceAll(carol, ":", "-")
		if err := e.MKube["member2"].RbacV1().RoleBindings(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		// member2 itself refuses at once; the view may remember an allowed decision for a
		// short while (like a webhook authorizer's cache), but not for long.
		framework.Eventually(t, 60*time.Second, "carol to lose member2's ConfigMaps in the view", func() error {
			stdout, stderr, _ := e.run(ctx, carolKC, "--context", viewContext, "get", "configmaps", "-n", ns)
			if l := leaks(stdout); len(l) > 0 {
				return fmt.Errorf("carol still sees %v %s after the revocation", l, time.Since(revoked).Round(time.Second))
			}
			if !strings.Contains(stderr, "Forbidden") {
				return fmt.Errorf("no Forbidden: %s%s", stdout, stderr)
			}
			return nil
		})
		t.Logf("the revocation took effect in the view after %s", time.Since(revoked).Round(100*time.Millisecond))
	})
}

// canI asks the control plane whether user may GET through the view.
func (e *env) canI(user string) string {
	out, _, _ := e.run(context.Background(), e.CP.Kubeconfig, "auth", "can-i", "get", "proxying.search.karmada.io", "--subresource=proxy", "--as="+user)
	return out
}

// testDownMember: a member whose kube-apiserver hangs or is killed does not block the view:
// `kubectl --context karmada get deployments -A` answers within 5 s, warns about that member
// on stderr and shows the others' objects only. The view shows the member again once it is
// back.
func testDownMember(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "view-down")
	for _, m := range []string{"member1", "member3"} {
		e.memberKubectl(t, m, "create", "deployment", "probe-"+m, "--image", "nginx", "-n", ns)
	}
	const down = "member3"

	healthy := func() error {
		stdout, stderr, err := e.view(ctx, "get", "deployments", "-A")
		if err != nil {
			return fmt.Errorf("%v: %s%s", err, stdout, stderr)
		}
		tb := parseTable(stdout)
		if len(tb.find("probe-member1")) != 1 || len(tb.find("probe-member3")) != 1 {
			return fmt.Errorf("want probe-member1 and probe-member3:\n%s", stdout)
		}
		if strings.Contains(stderr, "Warning") {
			return fmt.Errorf("warnings: %s", stderr)
		}
		return nil
	}
	framework.Eventually(t, framework.WaitTimeout, "the view to list both probes without warnings", healthy)

	// list runs the user's command once and checks what holds whenever the member is down
	// or hanging: the answer comes within 5 s and has the other members' objects. It
	// reports whether the down member was left out with a warning naming it.
	list := func(t *testing.T, what string) (leftOut bool) {
		t.Helper()
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		stdout, stderr, err := e.view(cctx, "get", "deployments", "-A")
		took := time.Since(start)
		t.Logf("%s: kubectl --context karmada get deployments -A took %s; stderr: %s", what, took.Round(time.Millisecond), strings.TrimSpace(stderr))
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", what, err, stdout, stderr)
		}
		if took >= 5*time.Second {
			t.Errorf("%s: took %s, want < 5s", what, took.Round(time.Millisecond))
		}
		tb := parseTable(stdout)
		if len(tb.find("probe-member1")) != 1 {
			t.Errorf("%s: member1's probe missing:\n%s", what, stdout)
		}
		if len(tb.find("nginx")) != 1 {
			t.Errorf("%s: the guide's nginx (member2) missing:\n%s", what, stdout)
		}
		var downRows []string
		for _, r := range tb.rows {
			if tb.get(r, "CLUSTER") == down {
				downRows = append(downRows, strings.Join(r, " "))
			}
		}
		warned := strings.Contains(stderr, "Warning:") && strings.Contains(stderr, down)
		if warned && len(downRows) > 0 {
			t.Errorf("%s: warned that %s is left out, yet shows its rows %q", what, down, downRows)
		}
		return warned && len(downRows) == 0
	}
	// check: this very call leaves the down member out with a warning.
	check := func(t *testing.T, what string) {
		t.Helper()
		if !list(t, what) {
			t.Errorf("%s: want %s left out with a Warning naming it on stderr", what, down)
		}
	}
	// leftOutSoon: from failed on, the view may still answer from its cache for a moment
	// (it remembers a member's reachability for a second); a request issued within
	// leaveOutBound of the failure must leave the member out with a warning — long before
	// the control plane marks the cluster not Ready — and every answer comes within 5 s.
	const leaveOutBound = 3 * time.Second
	leftOutSoon := func(t *testing.T, failed time.Time) {
		t.Helper()
		for {
			issued := time.Since(failed)
			if list(t, fmt.Sprintf("%s after the failure", issued.Round(100*time.Millisecond))) {
				t.Logf("the first request that left %s out was issued %s after the failure", down, issued.Round(100*time.Millisecond))
				if issued > leaveOutBound {
					t.Errorf("%s was still shown, without a warning, to a request issued %s after it failed (want < %s)", down, issued.Round(100*time.Millisecond), leaveOutBound)
				}
				return
			}
			if issued > 30*time.Second {
				t.Fatalf("%s still shown 30s after it failed", down)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	m := e.Members[down]
	t.Run("Hung", func(t *testing.T) {
		// SIGSTOP: connections are accepted by the kernel but never answered, so only the
		// view's own timeout can save the request.
		pid := m.PIDs()["kube-apiserver"]
		if pid == 0 {
			t.Fatalf("no kube-apiserver pid for %s", down)
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		hung := time.Now()
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				_ = syscall.Kill(pid, syscall.SIGCONT)
			}
		}
		defer resume()
		leftOutSoon(t, hung)
		check(t, "hung, again")
		resume()
		e.waitClustersReady(t, down)
		framework.Eventually(t, framework.WaitTimeout, "the view to list member3 again without warnings", healthy)
	})

	t.Run("Killed", func(t *testing.T) {
		// SIGKILL: the port is closed at once, before the control plane notices.
		pid := m.PIDs()["kube-apiserver"]
		if pid == 0 {
			t.Fatalf("no kube-apiserver pid for %s", down)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		// Reap it and forget its PID file, so it can be started again.
		if err := m.StopAPIServer(); err != nil {
			t.Fatal(err)
		}
		restarted := false
		defer func() {
			if !restarted {
				_ = m.StartAPIServer(ctx)
			}
		}()
		leftOutSoon(t, killed)
		check(t, "killed, again")
		// Once the control plane has noticed, the member is left out as not Ready.
		framework.Eventually(t, framework.WaitTimeout, "the control plane to see member3 not Ready", func() error {
			c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(ctx, down, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, cond := range c.Status.Conditions {
				if cond.Type == "Ready" && cond.Status != metav1.ConditionTrue {
					return nil
				}
			}
			return fmt.Errorf("conditions %v", c.Status.Conditions)
		})
		check(t, "member3 not Ready")
		restarted = true
		if err := m.StartAPIServer(ctx); err != nil {
			t.Fatal(err)
		}
		e.waitClustersReady(t, down)
		framework.Eventually(t, framework.WaitTimeout, "the view to list member3 again without warnings", healthy)
	})
}
