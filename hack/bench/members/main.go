// Command members measures the control plane with real member clusters joined: it starts
// N members (kube-apiserver, kube-controller-manager, kube-scheduler and KWOK each, from
// test/members) with M fake nodes each, starts the control plane binary, joins every
// member with kubectl-karmada (timing each join until the Cluster is Ready), waits until
// every Cluster reports M nodes, and then measures the control plane's idle CPU and RSS.
// It prints a Markdown table for docs/benchmarks.md.
//
//	make build && go run ./hack/bench/members --members 10 --nodes 100
//
// Everything runs in one temporary folder; members and the control plane are stopped at
// the end, on a panic and on SIGINT/SIGTERM (and, should this process be killed, by
// Pdeathsig).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/karmada-one/karmada-one/hack/bench/internal/procstat"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/members"
)

func main() {
	nMembers := flag.Int("members", 10, "member clusters to start and join")
	nNodes := flag.Int("nodes", 100, "KWOK nodes per member (8 CPU, 32Gi, 110 pods each)")
	binary := flag.String("binary", "_output/bin/karmada-apiserver", "control plane binary")
	karmadactl := flag.String("karmadactl", "_output/bin/kubectl-karmada", "kubectl-karmada binary used to join")
	idle := flag.Duration("idle", 60*time.Second, "window over which idle CPU is measured once all members report their nodes")
	flag.Parse()

	binAbs, err := filepath.Abs(*binary)
	must(err)
	ctlAbs, err := filepath.Abs(*karmadactl)
	must(err)
	for _, b := range []string{binAbs, ctlAbs} {
		if _, err := os.Stat(b); err != nil {
			fail("%v (run `make build` first)", err)
		}
	}

	root, err := repoRoot()
	must(err)
	ctx := context.Background()
	bins, err := members.EnsureBinaries(ctx, root)
	must(err)

	dir, err := os.MkdirTemp("", "bench-members-")
	must(err)
	logf("working in %s", dir)

	var (
		mu      sync.Mutex
		started []*members.Member
		cp      *server
		once    sync.Once
		ok      bool
	)
	cleanup := func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			if cp != nil {
				cp.stop()
			}
			logf("stopping %d members", len(started))
			var wg sync.WaitGroup
			for _, m := range started {
				wg.Add(1)
				go func(m *members.Member) {
					defer wg.Done()
					if err := m.Stop(); err != nil {
						logf("stop %s: %v", m.Name, err)
					}
				}(m)
			}
			wg.Wait()
			// Anything a half-finished Start left behind.
			if err := members.StopByPIDFiles(dir); err != nil {
				logf("stop leftovers: %v", err)
			}
			if ok {
				os.RemoveAll(dir)
			} else {
				logf("kept %s (logs)", dir)
			}
		})
	}
	defer cleanup()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		logf("%s: stopping everything", s)
		cleanup()
		os.Exit(130)
	}()

	// 1. Members, one after the other.
	var memberStarts []time.Duration
	for i := 1; i <= *nMembers; i++ {
		name := fmt.Sprintf("member%d", i)
		nodes := make([]members.NodeSpec, *nNodes)
		for j := range nodes {
			nodes[j] = members.NodeSpec{Name: fmt.Sprintf("%s-node-%d", name, j+1), CPU: "8", Memory: "32Gi", Pods: "110"}
		}
		t0 := time.Now()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		m, err := members.Start(sctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodes, DieWithParent: true})
		cancel()
		must(err)
		d := time.Since(t0)
		mu.Lock()
		started = append(started, m)
		mu.Unlock()
		memberStarts = append(memberStarts, d)
		logf("%s ready with %d nodes in %s (members' RSS so far: %d MiB)", name, *nNodes, ms(d), membersRSS(started))
	}

	// 2. The control plane.
	cpDir := filepath.Join(dir, "control-plane")
	must(os.MkdirAll(cpDir, 0o755))
	s, cpStart := start(binAbs, cpDir)
	mu.Lock()
	cp = s
	mu.Unlock()
	logf("control plane ready in %s (pid %d)", ms(cpStart), s.cmd.Process.Pid)
	cpKubeconfig := filepath.Join(cpDir, "karmada-apiserver.config")

	// 3. Joins, one after the other, each until the Cluster is Ready.
	var joins []time.Duration
	for _, m := range started {
		cmd := exec.Command(ctlAbs, "--kubeconfig", cpKubeconfig, "join", m.Name, "--cluster-kubeconfig", m.Kubeconfig, "--wait=5m")
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(t0)
		if err != nil {
			fail("join %s: %v\n%s", m.Name, err, out)
		}
		joins = append(joins, d)
		logf("joined %s in %s", m.Name, ms(d))
	}
	joinedRSS := procstat.RSSMiB(s.pid())

	// 4. Every Cluster reports M nodes.
	cfg, err := clientcmd.BuildConfigFromFlags("", cpKubeconfig)
	must(err)
	kc := karmadaclient.NewForConfigOrDie(cfg)
	t0 := time.Now()
	deadline := t0.Add(10 * time.Minute)
	for {
		list, err := kc.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
		must(err)
		if pending := notSummarised(list.Items, *nMembers, *nNodes); pending == "" {
			break
		} else if time.Now().After(deadline) {
			fail("timed out waiting for node summaries: %s", pending)
		}
		time.Sleep(500 * time.Millisecond)
	}
	summaryWait := time.Since(t0)
	logf("all %d Clusters report %d nodes (%s after the last join); measuring idle for %s", *nMembers, *nNodes, ms(summaryWait), *idle)

	// Idle: CPU over the window, RSS at its end.
	memberPIDs := allMemberPIDs(started)
	cpTicks0, membersTicks0, w0 := procstat.CPUTicks(s.pid()), procstat.SumTicks(memberPIDs), time.Now()
	time.Sleep(*idle)
	cpTicks1, membersTicks1, window := procstat.CPUTicks(s.pid()), procstat.SumTicks(memberPIDs), time.Since(w0)
	cpCPU := procstat.Pct(cpTicks1-cpTicks0, window)
	membersCPU := procstat.Pct(membersTicks1-membersTicks0, window)
	idleRSS := procstat.RSSMiB(s.pid())
	mRSS := membersRSS(started)
	select {
	case <-s.done:
		fail("control plane exited during the measurement; see %s", filepath.Join(cpDir, "server.log"))
	default:
	}

	sortDurations(memberStarts)
	sortDurations(joins)
	fmt.Printf("\n| measurement (%d members × %d KWOK nodes) | result | goal |\n|---|---|---|\n", *nMembers, *nNodes)
	fmt.Printf("| start one member (etcd, kube-apiserver, KCM, scheduler, KWOK; %d nodes Ready) | min %s, median %s, max %s | |\n",
		*nNodes, ms(memberStarts[0]), ms(median(memberStarts)), ms(memberStarts[len(memberStarts)-1]))
	fmt.Printf("| control plane start → /readyz ok | %s | |\n", ms(cpStart))
	fmt.Printf("| `kubectl-karmada join --wait`, command start → Cluster Ready (%d joins, one after the other) | min %s, median %s, max %s | |\n",
		len(joins), ms(joins[0]), ms(median(joins)), ms(joins[len(joins)-1]))
	fmt.Printf("| last join → every Cluster's `status.nodeSummary.totalNum` = %d | %s | |\n", *nNodes, ms(summaryWait))
	fmt.Printf("| control plane RSS right after the last join | %d MiB | |\n", joinedRSS)
	fmt.Printf("| control plane idle CPU over %s (utime+stime, %% of one core) | %.1f %% | < 5 %% |\n", window.Round(time.Second), cpCPU)
	fmt.Printf("| control plane VmRSS at the end of the idle window | %d MiB | < 400 MB |\n", idleRSS)
	fmt.Printf("| members, for context: VmRSS sum of all %d processes / CPU over the same window | %d MiB (%d MiB per member) / %.0f %% of one core | |\n",
		len(memberPIDs), mRSS, mRSS/len(started), membersCPU)
	ok = true
}

// notSummarised returns "" once there are want Clusters, each with nodeSummary.totalNum ==
// nodes, and otherwise a description of what is missing.
func notSummarised(clusters []clusterv1alpha1.Cluster, want, nodes int) string {
	if len(clusters) != want {
		return fmt.Sprintf("%d Clusters, want %d", len(clusters), want)
	}
	var pending []string
	for _, c := range clusters {
		got := int32(0)
		if c.Status.NodeSummary != nil {
			got = c.Status.NodeSummary.TotalNum
		}
		if got != int32(nodes) {
			pending = append(pending, fmt.Sprintf("%s=%d", c.Name, got))
		}
	}
	return strings.Join(pending, ", ")
}

type server struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// start runs the control plane on a free port with its data in dir and waits for /readyz.
func start(binary, dir string) (*server, time.Duration) {
	port := freePort()
	cmd := exec.Command(binary, "--data-dir="+dir, "--secure-port="+strconv.Itoa(port), "--leader-elect=false")
	log, err := os.Create(filepath.Join(dir, "server.log"))
	must(err)
	cmd.Stdout, cmd.Stderr = log, log
	// Killed with this process; Pdeathsig follows the forking thread, so pin it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runtime.LockOSThread()
	t0 := time.Now()
	err = cmd.Start()
	runtime.UnlockOSThread()
	must(err)
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	kubeconfig := filepath.Join(dir, "karmada-apiserver.config")
	deadline := t0.Add(2 * time.Minute)
	for {
		select {
		case <-s.done:
			fail("control plane exited; see %s", log.Name())
		default:
		}
		if time.Now().After(deadline) {
			fail("control plane not ready after 2m; see %s", log.Name())
		}
		if cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig); err == nil {
			cfg.Timeout = time.Second
			if rc, err := rest.UnversionedRESTClientFor(withCodec(cfg)); err == nil {
				if b, err := rc.Get().AbsPath("/readyz").DoRaw(context.Background()); err == nil && string(b) == "ok" {
					return s, time.Since(t0)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func withCodec(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	return c
}

func allMemberPIDs(mems []*members.Member) []int {
	var pids []int
	for _, m := range mems {
		for _, pid := range m.PIDs() {
			pids = append(pids, pid)
		}
	}
	return pids
}

func membersRSS(mems []*members.Member) int {
	sum := 0
	for _, pid := range allMemberPIDs(mems) {
		sum += procstat.RSSMiB(pid)
	}
	return sum
}

// repoRoot is the folder holding go.mod, searched upwards from the working directory.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("go.mod not found above the working directory; run from the repository")
		}
		d = parent
	}
}

func median(d []time.Duration) time.Duration { return d[len(d)/2] }

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// fail panics so that deferred cleanup stops every process.
func fail(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func must(err error) {
	if err != nil {
		panic(err)
	}
}
