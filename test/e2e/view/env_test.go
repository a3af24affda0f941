// Package view tests the merged multi-cluster view end to end, the way a user sees it:
// kubectl with the admin kubeconfig's `karmada` context (the view at
// /apis/search.karmada.io/v1alpha1/proxying/karmada/proxy) and client-go clients built on
// that URL, against three real member clusters (kube-apiserver + kube-controller-manager +
// kube-scheduler + KWOK nodes).
//
// One control plane (in process, with its controllers) and three members are started once
// (TestView) and shared by the subtests; every subtest works in its own namespace, except
// the guide's walkthrough, which uses `default` as the guide does. The subtest that takes a
// member down runs last.
package view

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
	cpframework "github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// viewContext is the admin kubeconfig's context for the merged view of all members.
const viewContext = "karmada"

// viewPathPrefix is the view URL without the cluster list: <prefix>/<clusters>/proxy.
const viewPathPrefix = "/apis/search.karmada.io/v1alpha1/proxying/"

const (
	managedLabel      = "karmada.io/managed"
	clusterAnnotation = searchv1alpha1.CachedFromClusterAnnotation
)

// nodeSpecs: member1..3 alike, one KWOK node of 8 CPU / 32Gi / 110 pods each.
var nodeSpecs = map[string][]members.NodeSpec{
	"member1": {{Name: "member1-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
	"member2": {{Name: "member2-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
	"member3": {{Name: "member3-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
}

// env is the shared environment with this suite's helpers.
type env struct {
	*framework.Env
	// kubectl is the kubectl binary.
	kubectl string
}

// setup starts member1..3 (concurrently: each takes a while to become ready), the control
// plane with its controllers, and joins the members.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{Env: framework.Setup(t, framework.Options{Name: "view", Members: nodeSpecs, StartConcurrently: true})}
	for name, m := range e.Members {
		cfg := m.RESTConfig()
		cfg.QPS, cfg.Burst = 2000, 4000
		e.MKube[name] = kubernetes.NewForConfigOrDie(cfg)
	}
	e.kubectl = cpframework.KubectlPath(t)
	// The view answers once its informer of Clusters has synced.
	framework.Eventually(t, framework.WaitTimeout, "the merged view to answer", func() error {
		_, stderr, err := e.view(context.Background(), "get", "namespaces")
		if err != nil {
			return fmt.Errorf("%v: %s", err, stderr)
		}
		return nil
	})
	return e
}

// waitClustersReady waits until the named Clusters are Ready and untainted.
func (e *env) waitClustersReady(t *testing.T, names ...string) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("clusters %v Ready and untainted", names), func() error {
		for _, name := range names {
			c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond == nil || cond.Status != metav1.ConditionTrue {
				return fmt.Errorf("%s Ready = %+v", name, cond)
			}
			if len(c.Spec.Taints) > 0 {
				return fmt.Errorf("%s still has taints %v", name, c.Spec.Taints)
			}
		}
		return nil
	})
}

// ---------------------------------------------------------------------------------------
// kubectl

// run runs kubectl with the kubeconfig and returns stdout and stderr apart (the view's
// warnings are printed on stderr).
func (e *env) run(ctx context.Context, kubeconfig string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, e.kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// view runs kubectl against the merged view with the admin kubeconfig (--context karmada).
func (e *env) view(ctx context.Context, args ...string) (string, string, error) {
	return e.run(ctx, e.CP.Kubeconfig, append([]string{"--context", viewContext}, args...)...)
}

// mustView is view that fails the test on error.
func (e *env) mustView(t *testing.T, args ...string) (string, string) {
	t.Helper()
	stdout, stderr, err := e.view(context.Background(), args...)
	if err != nil {
		t.Fatalf("kubectl --context karmada %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}

// memberKubectl runs kubectl against a member directly, as a user of that member would.
func (e *env) memberKubectl(t *testing.T, member string, args ...string) string {
	t.Helper()
	stdout, stderr, err := e.run(context.Background(), e.Members[member].Kubeconfig, args...)
	if err != nil {
		t.Fatalf("kubectl (%s) %s: %v\n%s%s", member, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// viewKubeconfig writes a copy of the admin kubeconfig whose view context is narrowed to
// clusters (comma-separated) and, with token set, authenticates with that bearer token
// instead of the admin certificate (in every context).
func (e *env) viewKubeconfig(t *testing.T, clusters, token string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(e.CP.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if clusters != "" {
		c := cfg.Clusters[cfg.Contexts[viewContext].Cluster]
		c.Server = strings.Replace(c.Server, viewPathPrefix+"karmada/proxy", viewPathPrefix+clusters+"/proxy", 1)
	}
	if token != "" {
		for _, a := range cfg.AuthInfos {
			a.ClientCertificateData, a.ClientKeyData = nil, nil
			a.Token = token
		}
	}
	path := filepath.Join(t.TempDir(), "view.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// viewConfig is a client-go configuration for the merged view, read from the admin
// kubeconfig's karmada context like any client would.
func (e *env) viewConfig(t *testing.T) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: e.CP.Kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: viewContext},
	).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(cfg.Host, viewPathPrefix+"karmada/proxy") {
		t.Fatalf("the kubeconfig's %s context points at %s, not at the view", viewContext, cfg.Host)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	return cfg
}

// ---------------------------------------------------------------------------------------
// kubectl tables

// table is kubectl's human output split into whitespace-separated fields.
type table struct {
	header []string
	rows   [][]string
}

func parseTable(out string) table {
	var tb table
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case tb.header == nil && (f[0] == "NAME" || f[0] == "NAMESPACE"):
			tb.header = f
		default:
			tb.rows = append(tb.rows, f)
		}
	}
	return tb
}

// col returns the index of a column (of a table without multi-word headers), or -1.
func (tb table) col(name string) int {
	for i, h := range tb.header {
		if h == name {
			return i
		}
	}
	return -1
}

// get returns a row's value of a column ("" if missing).
func (tb table) get(row []string, name string) string {
	if i := tb.col(name); i >= 0 && i < len(row) {
		return row[i]
	}
	return ""
}

// find returns the rows whose NAME is name.
func (tb table) find(name string) [][]string {
	var out [][]string
	for _, r := range tb.rows {
		if tb.get(r, "NAME") == name {
			out = append(out, r)
		}
	}
	return out
}

// clusters lists the CLUSTER column of every row.
func (tb table) clusters() []string {
	var out []string
	for _, r := range tb.rows {
		out = append(out, tb.get(r, "CLUSTER"))
	}
	return out
}

var ageRE = regexp.MustCompile(`^(\d+[smhdy])+$`)

// matchRow compares a row with want field by field; "<age>" matches any kubectl age.
func matchRow(row, want []string) error {
	if len(row) != len(want) {
		return fmt.Errorf("row %q has %d fields, want %d like %q", strings.Join(row, " "), len(row), len(want), strings.Join(want, " "))
	}
	for i := range want {
		if want[i] == "<age>" {
			if !ageRE.MatchString(row[i]) {
				return fmt.Errorf("row %q: field %d %q is not an age", strings.Join(row, " "), i, row[i])
			}
			continue
		}
		if row[i] != want[i] {
			return fmt.Errorf("row %q, want %q", strings.Join(row, " "), strings.Join(want, " "))
		}
	}
	return nil
}

func sameFields(got []string, want ...string) bool {
	return strings.Join(got, " ") == strings.Join(want, " ")
}

// ---------------------------------------------------------------------------------------
// namespaces

// namespace creates a namespace in the control plane and waits until it has been
// propagated to every member (namespaces are propagated automatically). It is left in
// place: the members and the control plane are torn down with the suite.
func (e *env) namespace(t *testing.T, name string) string {
	t.Helper()
	e.Kubectl(t, "", "create", "namespace", name)
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("namespace %s in every member", name), func() error {
		for _, m := range e.MemberNames {
			if _, err := e.MKube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})
	return name
}

// waitRootCA waits until every member has published kube-root-ca.crt in the namespace.
func (e *env) waitRootCA(t *testing.T, ns string) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("kube-root-ca.crt in namespace %s of every member", ns), func() error {
		for _, m := range e.MemberNames {
			if _, err := e.MKube[m].CoreV1().ConfigMaps(ns).Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})
}

// configMap creates an unmanaged ConfigMap directly in a member.
func (e *env) configMap(t *testing.T, member, ns, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm, err := e.MKube[member].CoreV1().ConfigMaps(ns).Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating configmap %s/%s in %s: %v", ns, name, member, err)
	}
	return cm
}
