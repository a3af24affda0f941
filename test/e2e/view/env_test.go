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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// waitTimeout bounds every wait for the control plane or a member to converge.
const waitTimeout = 60 * time.Second

// viewContext is the admin kubeconfig's context for the merged view of all members.
const viewContext = "karmada"

// viewPathPrefix is the view URL without the cluster list: <prefix>/<clusters>/proxy.
const viewPathPrefix = "/apis/search.karmada.io/v1alpha1/proxying/"

const (
	managedLabel      = "karmada.io/managed"
	clusterAnnotation = searchv1alpha1.CachedFromClusterAnnotation
)

var memberNames = []string{"member1", "member2", "member3"}

type env struct {
	cp      *framework.Server
	karmada karmadaclient.Interface
	ctl     string
	kubectl string
	members map[string]*members.Member
	mkube   map[string]kubernetes.Interface
}

// setup starts member1..3, the control plane with its controllers, and joins the members.
func setup(t *testing.T) *env {
	t.Helper()
	// The in-process control plane logs through klog; keep it out of the test output but on
	// disk for diagnosis.
	var logFile *os.File
	if f, err := os.CreateTemp("", "view-e2e-*.log"); err == nil {
		logFile = f
		quietKlog(f)
		t.Logf("control plane log: %s", f.Name())
		t.Cleanup(func() { klog.Flush(); _ = f.Close() })
	}
	root := framework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	t.Cleanup(cancel)
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{members: map[string]*members.Member{}, mkube: map[string]kubernetes.Interface{}}
	dir := t.TempDir()
	// Start the members concurrently: each takes a while to become ready.
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for _, name := range memberNames {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes := []members.NodeSpec{{Name: name + "-node", CPU: "8", Memory: "32Gi", Pods: "110"}}
			m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodes, DieWithParent: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("starting %s: %w", name, err))
				return
			}
			e.members[name] = m
		}()
	}
	wg.Wait()
	for _, m := range e.members {
		t.Cleanup(func() { _ = m.Stop() })
	}
	if len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	for name, m := range e.members {
		cfg := m.RESTConfig()
		cfg.QPS, cfg.Burst = 2000, 4000
		e.mkube[name] = kubernetes.NewForConfigOrDie(cfg)
	}
	e.cp = framework.StartInProcess(t, framework.Options{Controllers: true, ExtraFlags: []string{
		"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s",
	}})
	if logFile != nil {
		// Starting the server applies its own logging flags; send klog to the file again.
		quietKlog(logFile)
	}
	e.karmada = karmadaclient.NewForConfigOrDie(e.cp.Config)
	e.ctl = framework.KarmadactlPath(t)
	e.kubectl = framework.KubectlPath(t)

	for _, name := range memberNames {
		out, err := exec.Command(e.ctl, "--kubeconfig", e.cp.Kubeconfig, "join", name, "--cluster-kubeconfig", e.members[name].Kubeconfig).CombinedOutput()
		if err != nil {
			t.Fatalf("join %s: %v\n%s", name, err, out)
		}
	}
	e.waitClustersReady(t, memberNames...)
	// The view answers once its informer of Clusters has synced.
	eventually(t, waitTimeout, "the merged view to answer", func() error {
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
	eventually(t, waitTimeout, fmt.Sprintf("clusters %v Ready and untainted", names), func() error {
		for _, name := range names {
			c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
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

// quietKlog sends klog (errors included) to w only.
func quietKlog(w *os.File) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(w)
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
	return e.run(ctx, e.cp.Kubeconfig, append([]string{"--context", viewContext}, args...)...)
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

// cpKubectl runs kubectl against the control plane (the kubeconfig's current context).
func (e *env) cpKubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	return e.cp.MustKubectl(t, stdin, args...)
}

// memberKubectl runs kubectl against a member directly, as a user of that member would.
func (e *env) memberKubectl(t *testing.T, member string, args ...string) string {
	t.Helper()
	stdout, stderr, err := e.run(context.Background(), e.members[member].Kubeconfig, args...)
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
	cfg, err := clientcmd.LoadFromFile(e.cp.Kubeconfig)
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
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: e.cp.Kubeconfig},
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
// waiting

// eventually polls cond every 250ms until it returns nil; on timeout it fails the test with
// cond's last error, which should describe what was seen.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if last := poll(timeout, cond); last != nil {
		t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
	}
}

// poll is eventually without failing: nil when cond held within timeout, else cond's last error.
func poll(timeout time.Duration, cond func() error) error {
	last := errors.New("never evaluated")
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = cond()
		return last == nil, nil
	})
	if err != nil {
		return last
	}
	return nil
}

// ---------------------------------------------------------------------------------------
// namespaces

// namespace creates a namespace in the control plane and waits until it has been
// propagated to every member (namespaces are propagated automatically). It is left in
// place: the members and the control plane are torn down with the suite.
func (e *env) namespace(t *testing.T, name string) string {
	t.Helper()
	e.cpKubectl(t, "", "create", "namespace", name)
	eventually(t, waitTimeout, fmt.Sprintf("namespace %s in every member", name), func() error {
		for _, m := range memberNames {
			if _, err := e.mkube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
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
	eventually(t, waitTimeout, fmt.Sprintf("kube-root-ca.crt in namespace %s of every member", ns), func() error {
		for _, m := range memberNames {
			if _, err := e.mkube[m].CoreV1().ConfigMaps(ns).Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})
}

// configMap creates an unmanaged ConfigMap directly in a member.
func (e *env) configMap(t *testing.T, member, ns, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm, err := e.mkube[member].CoreV1().ConfigMaps(ns).Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating configmap %s/%s in %s: %v", ns, name, member, err)
	}
	return cm
}
