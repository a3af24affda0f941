package members

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

func repoRoot(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// pollUntil calls cond every 100 ms until it returns true or the deadline passes.
func pollUntil(t *testing.T, ctx context.Context, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting for %s; last state: %s", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestMember(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real member cluster")
	}
	root := repoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	if missing := MissingBinaries(root); len(missing) > 0 {
		t.Logf("building %s into %s/_cache first: this takes several minutes when the build cache is cold",
			strings.Join(missing, ", "), root)
	}
	buildStart := time.Now()
	bins, err := EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatalf("EnsureBinaries: %v", err)
	}
	t.Logf("binaries ready in %s", time.Since(buildStart).Round(time.Millisecond))

	nodes := []NodeSpec{
		{Name: "big", CPU: "4", Memory: "16Gi", Pods: "110", Labels: map[string]string{"size": "big"}},
		{Name: "small", CPU: "2", Memory: "8Gi", Pods: "110"},
	}
	dir := t.TempDir()
	start := time.Now()
	m, err := Start(ctx, bins, Options{Name: "m1", Dir: dir, Nodes: nodes, DieWithParent: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("member ready in %s at %s", time.Since(start).Round(time.Millisecond), m.Server)
	pids := m.PIDs()
	stopped := false
	defer func() {
		if !stopped {
			_ = m.Stop()
		}
	}()
	if len(pids) != 5 {
		t.Fatalf("PIDs = %v, want 5 processes", pids)
	}
	for name, pid := range pids {
		raw, err := os.ReadFile(filepath.Join(dir, "pids", name+".pid"))
		if err != nil || strings.TrimSpace(string(raw)) != strconv.Itoa(pid) {
			t.Errorf("pid file of %s = %q (%v), want %d", name, raw, err, pid)
		}
	}
	t.Logf("RSS: %s", rssSummary(pids))

	cs := kubernetes.NewForConfigOrDie(m.RESTConfig())
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("/version: %v", err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("/version gitVersion = %q, want %q", v.GitVersion, KubernetesVersion)
	}

	// The kubeconfig works too, with the member's name as context.
	if raw, err := os.ReadFile(m.Kubeconfig); err != nil || !strings.Contains(string(raw), "current-context: m1") {
		t.Errorf("kubeconfig %s: %v\n%s", m.Kubeconfig, err, raw)
	}

	for _, spec := range nodes {
		n, err := cs.CoreV1().Nodes().Get(ctx, spec.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("node %s: %v", spec.Name, err)
		}
		if !NodeReady(n) {
			t.Errorf("node %s not Ready: %+v taints %v", spec.Name, n.Status.Conditions, n.Spec.Taints)
		}
		for res, want := range map[corev1.ResourceName]string{corev1.ResourceCPU: spec.CPU, corev1.ResourceMemory: spec.Memory, corev1.ResourcePods: spec.Pods} {
			got := n.Status.Allocatable[res]
			if got.Cmp(resource.MustParse(want)) != 0 {
				t.Errorf("node %s allocatable %s = %s, want %s", spec.Name, res, got.String(), want)
			}
		}
		if n.Labels["type"] != "kwok" || n.Annotations["kwok.x-k8s.io/node"] != "fake" {
			t.Errorf("node %s labels %v annotations %v", spec.Name, n.Labels, n.Annotations)
		}
	}

	// kube-scheduler places the pods, KWOK makes them Running.
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "web",
					Image: "nginx",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("100m"),
					}},
				}}},
			},
		},
	}
	deployStart := time.Now()
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	pollUntil(t, ctx, time.Minute, "2 pods Running on the fake nodes", func() (bool, string) {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err.Error()
		}
		running := 0
		var states []string
		for _, p := range pods.Items {
			states = append(states, fmt.Sprintf("%s:%s@%s", p.Name, p.Status.Phase, p.Spec.NodeName))
			if p.Status.Phase == corev1.PodRunning && (p.Spec.NodeName == "big" || p.Spec.NodeName == "small") {
				running++
			}
		}
		return running == 2, strings.Join(states, " ")
	})
	t.Logf("deployment 2/2 Running in %s", time.Since(deployStart).Round(time.Millisecond))

	// The member becomes unreachable, then comes back with its data.
	stopAPI := time.Now()
	if err := m.StopAPIServer(); err != nil {
		t.Fatalf("StopAPIServer: %v", err)
	}
	t.Logf("kube-apiserver stopped in %s", time.Since(stopAPI).Round(time.Millisecond))
	if err := m.Ready(ctx); err == nil {
		t.Fatalf("/readyz still ok after StopAPIServer")
	}
	if _, ok := m.PIDs()["kube-apiserver"]; ok {
		t.Errorf("kube-apiserver still listed after StopAPIServer: %v", m.PIDs())
	}
	if pidAlive(pids["kube-apiserver"]) {
		t.Errorf("kube-apiserver pid %d still alive", pids["kube-apiserver"])
	}
	restart := time.Now()
	if err := m.StartAPIServer(ctx); err != nil {
		t.Fatalf("StartAPIServer: %v", err)
	}
	t.Logf("kube-apiserver back in %s", time.Since(restart).Round(time.Millisecond))
	if err := m.Ready(ctx); err != nil {
		t.Fatalf("/readyz after StartAPIServer: %v", err)
	}
	d, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("deployment after restart: %v", err)
	}
	if d.Status.ReadyReplicas != 2 {
		t.Errorf("deployment ready replicas after restart = %d, want 2", d.Status.ReadyReplicas)
	}

	// AddNode: one more Ready node.
	addStart := time.Now()
	if err := m.AddNode(ctx, NodeSpec{Name: "extra", CPU: "1", Memory: "1Gi", Pods: "10"}); err != nil {
		t.Fatalf("AddNode: %v", err)
	}
	t.Logf("AddNode Ready in %s", time.Since(addStart).Round(time.Millisecond))

	// Attach adopts the running member from its folder.
	if a, err := Attach(ctx, dir); err != nil {
		t.Errorf("Attach: %v", err)
	} else if a.Server != m.Server || len(a.PIDs()) != 5 {
		t.Errorf("Attach: server %s pids %v", a.Server, a.PIDs())
	}

	all := m.PIDs()
	stopStart := time.Now()
	if err := m.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	t.Logf("stopped in %s", time.Since(stopStart).Round(time.Millisecond))
	for name, pid := range all {
		if pidAlive(pid) {
			t.Errorf("%s (pid %d) still alive after Stop", name, pid)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "pids", "*.pid")); len(left) > 0 {
		t.Errorf("pid files left: %v", left)
	}
	if err := m.Ready(ctx); err == nil {
		t.Errorf("/readyz ok after Stop")
	}
}

func rssSummary(pids map[string]int) string {
	var total int64
	var parts []string
	for _, name := range procOrder {
		pid, ok := pids[name]
		if !ok {
			continue
		}
		kb := vmRSSKB(pid)
		total += kb
		parts = append(parts, fmt.Sprintf("%s %d MiB", name, kb/1024))
	}
	return fmt.Sprintf("%d MiB total (%s)", total/1024, strings.Join(parts, ", "))
}

func vmRSSKB(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb
			}
		}
	}
	return 0
}

func TestStopByPIDFilesIgnoresForeignPID(t *testing.T) {
	dir := t.TempDir()
	mdir := filepath.Join(dir, "m")
	if err := os.MkdirAll(filepath.Join(mdir, "pids"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Our own PID: alive, but not an etcd running in mdir.
	if err := os.WriteFile(pidFile(mdir, procEtcd), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := StopByPIDFiles(dir); err != nil {
		t.Fatalf("StopByPIDFiles: %v", err)
	}
	if _, err := os.Stat(pidFile(mdir, procEtcd)); !os.IsNotExist(err) {
		t.Errorf("stale pid file not removed: %v", err)
	}
}

// A port taken between picking and binding (by anything) makes Start try again on new ports.
func TestStartRetriesBusyPort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real member cluster")
	}
	root := repoRoot(t)
	if missing := MissingBinaries(root); len(missing) > 0 {
		t.Skipf("binaries not built yet (%v); TestMember builds them", missing)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bins, err := EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPorts = func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if err == nil && calls == 1 {
			ports[0] = busyPort // etcd client port
		}
		if err == nil && calls == 2 {
			ports[2] = busyPort // kube-apiserver port
		}
		return ports, err
	}
	defer func() { pickPorts = freePorts }()

	m, err := Start(ctx, bins, Options{Name: "retry", Dir: t.TempDir(), Nodes: []NodeSpec{{Name: "n1"}}, DieWithParent: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer m.Stop()
	if calls != 3 {
		t.Errorf("ports picked %d times, want 3", calls)
	}
	if strings.HasSuffix(m.Server, ":"+strconv.Itoa(busyPort)) {
		t.Errorf("server %s on the busy port", m.Server)
	}
	if err := m.Ready(ctx); err != nil {
		t.Error(err)
	}
}
