package view

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// TestView starts member1..3 and the control plane once and runs every scenario against
// them. DownMember stops a member's kube-apiserver, so it runs last.
func TestView(t *testing.T) {
	e := setup(t)

	t.Run("GuideDeploymentAcrossClusters", func(t *testing.T) { testGuide(t, e) })
	t.Run("UnmanagedObjectRoutedToItsMember", func(t *testing.T) { testUnmanaged(t, e) })
	t.Run("SameNameInTwoClustersIsAmbiguous", func(t *testing.T) { testAmbiguous(t, e) })
	t.Run("KubectlWatchAllNamespaces", func(t *testing.T) { testKubectlWatch(t, e) })
	t.Run("InformerOnView", func(t *testing.T) { testInformer(t, e) })
	t.Run("Paging5000ConfigMaps", func(t *testing.T) { testPaging(t, e) })
	t.Run("MemberRBAC", func(t *testing.T) { testRBAC(t, e) })
	t.Run("KarmadactlJoinedMember", func(t *testing.T) { testKarmadactlJoinedMember(t, e) })
	t.Run("DownMember", func(t *testing.T) { testDownMember(t, e) })
}

// waitDeploymentRow waits until `kubectl --context karmada get deployment` shows exactly one
// row for name, in cluster with READY ready, and returns the table.
func (e *env) waitDeploymentRow(t *testing.T, name, cluster string, want []string) table {
	t.Helper()
	var tb table
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("the view to show deployment %s as %q", name, strings.Join(want, " ")), func() error {
		stdout, stderr, err := e.view(context.Background(), "get", "deployment")
		if err != nil {
			return fmt.Errorf("%v: %s%s", err, stdout, stderr)
		}
		tb = parseTable(stdout)
		if !sameFields(tb.header, "NAME", "CLUSTER", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "ADOPTION") {
			return fmt.Errorf("header %q\n%s", strings.Join(tb.header, " "), stdout)
		}
		rows := tb.find(name)
		if len(rows) != 1 {
			return fmt.Errorf("%d rows for %s, want one (in %s):\n%s", len(rows), name, cluster, stdout)
		}
		return matchRow(rows[0], want)
	})
	return tb
}

// testGuide follows the guide with the view: nginx propagated to member1 shows up in
// `kubectl --context karmada get deployment` as the guide prints it, with its pod; moving
// the policy to member2 moves the row; scaling through the view scales the template.
func testGuide(t *testing.T, e *env) {
	ctx := context.Background()
	e.Kubectl(t, framework.GuideYAML(t, "propagationpolicy-example-policy.yaml"), "apply", "-f", "-")
	e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx")

	// NAME CLUSTER READY UP-TO-DATE AVAILABLE AGE ADOPTION / nginx member1 1/1 1 1 14s Y
	e.waitDeploymentRow(t, "nginx", "member1", []string{"nginx", "member1", "1/1", "1", "1", "<age>", "Y"})

	// The control plane's own endpoint still shows the template, without the view's columns.
	cpTable := parseTable(e.Kubectl(t, "", "get", "deployment", "nginx"))
	if cpTable.col("CLUSTER") >= 0 || cpTable.col("ADOPTION") >= 0 {
		t.Errorf("the control plane context shows the view's columns: %q", strings.Join(cpTable.header, " "))
	}

	// Pods: NAME CLUSTER READY STATUS RESTARTS AGE, running in member1.
	framework.Eventually(t, framework.WaitTimeout, "the view to list nginx's Running pod in member1", func() error {
		stdout, stderr, err := e.view(ctx, "get", "pod", "-l", "app=nginx")
		if err != nil {
			return fmt.Errorf("%v: %s%s", err, stdout, stderr)
		}
		tb := parseTable(stdout)
		if !sameFields(tb.header, "NAME", "CLUSTER", "READY", "STATUS", "RESTARTS", "AGE") {
			return fmt.Errorf("header %q\n%s", strings.Join(tb.header, " "), stdout)
		}
		if len(tb.rows) != 1 {
			return fmt.Errorf("%d pod rows, want 1:\n%s", len(tb.rows), stdout)
		}
		r := tb.rows[0]
		if !strings.HasPrefix(r[0], "nginx-") {
			return fmt.Errorf("pod row %q", strings.Join(r, " "))
		}
		return matchRow(r, []string{r[0], "member1", "1/1", "Running", "0", "<age>"})
	})
	// -o wide adds ADOPTION (the last column) to pods.
	stdout, _ := e.mustView(t, "get", "pod", "-l", "app=nginx", "-o", "wide")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("get pod -o wide: want a header and one row:\n%s", stdout)
	}
	header, row := strings.Fields(lines[0]), strings.Fields(lines[1])
	if header[0] != "NAME" || header[1] != "CLUSTER" || header[len(header)-1] != "ADOPTION" {
		t.Errorf("get pod -o wide header %q: want NAME CLUSTER ... ADOPTION", lines[0])
	}
	if a := row[len(row)-1]; row[1] != "member1" || (a != "Y" && a != "N") {
		t.Errorf("get pod -o wide row %q: want CLUSTER member1 and ADOPTION Y or N last", lines[1])
	} else {
		t.Logf("nginx's pod (created by the member's ReplicaSet) shows ADOPTION %s", a)
	}

	// Update the policy: the row moves to member2 (and member1's copy goes away).
	e.Kubectl(t, framework.GuideYAML(t, "propagationpolicy-example-policy-update.yaml"), "apply", "-f", "-")
	e.waitDeploymentRow(t, "nginx", "member2", []string{"nginx", "member2", "1/1", "1", "1", "<age>", "Y"})

	// Scale through the view: the write goes to the template (the object is managed).
	stdout, stderr := e.mustView(t, "scale", "deployment", "nginx", "--replicas=2")
	if !strings.Contains(stdout, "scaled") {
		t.Errorf("kubectl --context karmada scale: %s%s", stdout, stderr)
	}
	tpl, err := e.CP.Client.AppsV1().Deployments("default").Get(ctx, "nginx", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Spec.Replicas == nil || *tpl.Spec.Replicas != 2 {
		t.Errorf("the control-plane template has replicas %v after scaling through the view, want 2", tpl.Spec.Replicas)
	}
	e.waitDeploymentRow(t, "nginx", "member2", []string{"nginx", "member2", "2/2", "2", "2", "<age>", "Y"})
}

// testUnmanaged: a Deployment created directly in member3 shows ADOPTION N in member3, its
// YAML names the cluster, and deleting it through the view deletes it in member3 — the
// control plane never has it.
func testUnmanaged(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "view-unmanaged")
	e.memberKubectl(t, "member3", "create", "deployment", "solo", "--image", "nginx", "-n", ns)

	noTemplate := func(when string) {
		t.Helper()
		if _, err := e.CP.Client.AppsV1().Deployments(ns).Get(ctx, "solo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: the control plane has deployment %s/solo (err %v); it was only ever created in member3", when, ns, err)
		}
	}
	noTemplate("after creating it in member3")

	framework.Eventually(t, framework.WaitTimeout, "the view to show solo in member3 with ADOPTION N", func() error {
		stdout, stderr, err := e.view(ctx, "get", "deployment", "-n", ns)
		if err != nil {
			return fmt.Errorf("%v: %s%s", err, stdout, stderr)
		}
		tb := parseTable(stdout)
		rows := tb.find("solo")
		if len(rows) != 1 {
			return fmt.Errorf("%d rows for solo:\n%s", len(rows), stdout)
		}
		if tb.get(rows[0], "CLUSTER") != "member3" || tb.get(rows[0], "ADOPTION") != "N" {
			return fmt.Errorf("CLUSTER %q ADOPTION %q, want member3 N:\n%s", tb.get(rows[0], "CLUSTER"), tb.get(rows[0], "ADOPTION"), stdout)
		}
		return nil
	})
	// The single object by name, as YAML, carries the cluster annotation.
	stdout, _ := e.mustView(t, "get", "deployment", "solo", "-n", ns, "-o", "yaml")
	if !strings.Contains(stdout, clusterAnnotation+": member3") {
		t.Errorf("kubectl --context karmada get deployment solo -o yaml lacks %s: member3:\n%s", clusterAnnotation, stdout)
	}
	// By name, the table too.
	stdout, _ = e.mustView(t, "get", "deployment", "solo", "-n", ns)
	if tb := parseTable(stdout); len(tb.rows) != 1 || tb.get(tb.rows[0], "CLUSTER") != "member3" || tb.get(tb.rows[0], "ADOPTION") != "N" {
		t.Errorf("kubectl --context karmada get deployment solo:\n%s", stdout)
	}

	// Delete through the view: routed to member3.
	stdout, stderr := e.mustView(t, "delete", "deployment", "solo", "-n", ns)
	if !strings.Contains(stdout, "deleted") {
		t.Errorf("kubectl --context karmada delete deployment solo: %s%s", stdout, stderr)
	}
	framework.Eventually(t, framework.WaitTimeout, "solo to be gone from member3", func() error {
		d, err := e.MKube["member3"].AppsV1().Deployments(ns).Get(ctx, "solo", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there (deletionTimestamp %v)", d.DeletionTimestamp)
	})
	noTemplate("after deleting it through the view")
	stdout, stderr, err := e.view(ctx, "get", "deployment", "solo", "-n", ns)
	if err == nil || !strings.Contains(stdout+stderr, "NotFound") {
		t.Errorf("after the delete, kubectl --context karmada get deployment solo: want NotFound, got %v\n%s%s", err, stdout, stderr)
	}
}

// testAmbiguous: the same name unmanaged in member1 and member2 cannot be read or deleted
// by name in the all-clusters view; the error lists both clusters. A view narrowed to
// member1 picks that one.
func testAmbiguous(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "view-ambiguous")
	for _, m := range []string{"member1", "member2"} {
		e.memberKubectl(t, m, "create", "deployment", "twin", "--image", "nginx", "-n", ns)
	}
	framework.Eventually(t, framework.WaitTimeout, "the view to list twin in member1 and member2", func() error {
		stdout, _, err := e.view(ctx, "get", "deployment", "-n", ns)
		if err != nil {
			return err
		}
		tb := parseTable(stdout)
		got := parseTable(stdout).clusters()
		if len(tb.find("twin")) != 2 || strings.Join(got, ",") != "member1,member2" {
			return fmt.Errorf("clusters %v:\n%s", got, stdout)
		}
		return nil
	})

	stdout, stderr, err := e.view(ctx, "get", "deployment", "twin", "-n", ns)
	msg := stdout + stderr
	if err == nil {
		t.Fatalf("kubectl --context karmada get deployment twin succeeded; want an error naming member1 and member2:\n%s", msg)
	}
	if !strings.Contains(msg, "member1") || !strings.Contains(msg, "member2") {
		t.Errorf("kubectl --context karmada get deployment twin: the error does not list both clusters:\n%s", msg)
	}
	t.Logf("get of an ambiguous name: %s", strings.TrimSpace(msg))

	// A write is refused too, never guessed: both copies stay.
	stdout, stderr, err = e.view(ctx, "delete", "deployment", "twin", "-n", ns, "--wait=false")
	if err == nil || !strings.Contains(stdout+stderr, "member1") || !strings.Contains(stdout+stderr, "member2") {
		t.Errorf("kubectl --context karmada delete deployment twin: want a refusal listing both clusters, got %v\n%s%s", err, stdout, stderr)
	}
	for _, m := range []string{"member1", "member2"} {
		if _, err := e.MKube[m].AppsV1().Deployments(ns).Get(ctx, "twin", metav1.GetOptions{}); err != nil {
			t.Errorf("twin in %s after the refused delete: %v", m, err)
		}
	}

	// The view narrowed to member1 answers with member1's copy.
	narrowed := e.viewKubeconfig(t, "member1", "")
	stdout, stderr, err = e.run(ctx, narrowed, "--context", viewContext, "get", "deployment", "twin", "-n", ns)
	if err != nil {
		t.Fatalf("the member1 view: get deployment twin: %v\n%s%s", err, stdout, stderr)
	}
	if tb := parseTable(stdout); len(tb.rows) != 1 || tb.get(tb.rows[0], "CLUSTER") != "member1" {
		t.Errorf("the member1 view: get deployment twin:\n%s", stdout)
	}
}
