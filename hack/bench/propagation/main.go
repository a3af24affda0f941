// Command propagation measures end-to-end propagation (docs/design/pipeline.md, "How fast"):
// it starts three real member clusters (test/members, KWOK nodes), starts the control plane binary,
// joins the members with kubectl-karmada, waits until every Cluster is Ready, and then runs
// two workloads, each against its own namespace and PropagationPolicy (apps/v1 Deployments
// with label app=bench, clusterAffinity clusterNames [member1, member2, member3], Duplicated):
//
//   - serial (the spec's workload): --serial Deployments (1 replica, image nginx) created one
//     after another with client-go in namespace "bench";
//   - burst: --burst Deployments created by --workers concurrent goroutines in namespace
//     "burst".
//
// Before them, --baseline Deployments are created one after another in a namespace that no
// policy selects, to time a create call on the otherwise idle control plane.
//
// Before the first create, one watch per member on Deployments of the namespace is open;
// an object's latency in a member is the time from its create call's return to the first
// watch event of it in that member. Per workload it reports the time from the first create
// call to the last member object, latency percentiles (one sample per member object), the
// control plane's API requests per Deployment and its 409 responses (apiserver_request_total
// from /metrics, before and after), its CPU over the window and its VmRSS at the end and at
// its peak (sampled every 200 ms). It prints a Markdown table for docs/benchmarks.md.
//
//	make build && go run ./hack/bench/propagation --serial 300 --burst 1000 --workers 16
//
// If no member object appears for --stall (3 minutes) the run fails with the number of
// ResourceBindings and Works the control plane holds, and keeps its folder (logs).
// Everything runs in one temporary folder; members and the control plane are stopped at the
// end, on a failure and on SIGINT/SIGTERM (and, should this process be killed, by
// Pdeathsig).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/karmada-one/karmada-one/hack/bench/internal/procstat"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/members"
)

var memberNames = []string{"member1", "member2", "member3"}

// failure is what fail panics with; main prints it as the reason after the deferred
// cleanup has stopped every process.
type failure string

func main() {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(failure); ok {
				fmt.Fprintf(os.Stderr, "\nFAIL: %s\n", string(f))
				os.Exit(1)
			}
			panic(r)
		}
	}()
	run()
}

func run() {
	binary := flag.String("binary", "_output/bin/karmada-apiserver", "control plane binary")
	karmadactl := flag.String("karmadactl", "_output/bin/kubectl-karmada", "kubectl-karmada binary used to join")
	nSerial := flag.Int("serial", 300, "Deployments created one after another (workload A); 0 skips it")
	nBurst := flag.Int("burst", 1000, "Deployments created concurrently (workload B); 0 skips it")
	workers := flag.Int("workers", 16, "concurrent creators in the burst workload")
	nNodes := flag.Int("nodes", 10, "KWOK nodes per member (32 CPU, 128Gi, 250 pods each)")
	stall := flag.Duration("stall", 3*time.Minute, "fail when no member object (or namespace) appears for this long")
	nBaseline := flag.Int("baseline", 30, "Deployments created one after another, before the workloads, in a namespace without a PropagationPolicy, to time a create call on the idle control plane; 0 skips it")
	replicas := flag.Int("replicas", 1, "replicas of every Deployment (0 measures the control plane without pod work in the members)")
	profile := flag.String("profile", "", "when set, save a 20 s CPU profile of the control plane taken during the last workload, and a heap profile at the end, as <profile>.cpu.pprof and <profile>.heap.pprof")
	floor := flag.Int("floor", 0, "when > 0, measure only the storage floor instead: the control plane with --disable-controllers and no members, this many templates driven through the writes propagation needs (see floor.go) by --workers goroutines")
	serverArgs := flag.String("server-args", "", "extra flags for the control plane, space separated (e.g. \"--watch-cache-sizes=works.work.karmada.io#100\")")
	keep := flag.Bool("keep", false, "keep the temporary folder (logs, data) after a successful run")
	flag.Parse()
	if *nSerial < 0 || *nBurst < 0 || *nBaseline < 0 || *workers < 1 || *nNodes < 1 {
		fail("--serial, --burst and --baseline must be ≥ 0, --workers and --nodes ≥ 1")
	}
	cmdline := commandLine()
	logf("command: %s", cmdline)

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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bins, err := members.EnsureBinaries(ctx, root)
	must(err)

	dir, err := os.MkdirTemp("", "bench-propagation-")
	must(err)
	logf("working in %s", dir)
	if *floor > 0 {
		runFloor(binAbs, dir, *floor, *workers)
		os.RemoveAll(dir)
		return
	}

	var (
		mu      sync.Mutex
		started []*members.Member
		cp      *server
		once    sync.Once
		ok      bool
	)
	cleanup := func() {
		once.Do(func() {
			cancel()
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
			if ok && !*keep {
				os.RemoveAll(dir)
			} else {
				logf("kept %s (logs: control-plane/server.log, member*/)", dir)
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
	for _, name := range memberNames {
		nodes := make([]members.NodeSpec, *nNodes)
		for j := range nodes {
			nodes[j] = members.NodeSpec{Name: fmt.Sprintf("%s-node-%d", name, j+1), CPU: "32", Memory: "128Gi", Pods: "250"}
		}
		t0 := time.Now()
		sctx, scancel := context.WithTimeout(ctx, 10*time.Minute)
		m, err := members.Start(sctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodes, DieWithParent: true})
		scancel()
		must(err)
		mu.Lock()
		started = append(started, m)
		mu.Unlock()
		logf("%s ready with %d nodes in %s", name, *nNodes, ms(time.Since(t0)))
	}

	// 2. The control plane.
	cpDir := filepath.Join(dir, "control-plane")
	must(os.MkdirAll(cpDir, 0o755))
	s, cpStart := start(binAbs, cpDir, strings.Fields(*serverArgs)...)
	mu.Lock()
	cp = s
	mu.Unlock()
	logf("control plane ready in %s (pid %d)", ms(cpStart), s.pid())
	cpKubeconfig := filepath.Join(cpDir, "karmada-apiserver.config")

	// 3. Joins, one after the other, each until the Cluster is Ready.
	for _, m := range started {
		cmd := exec.Command(ctlAbs, "--kubeconfig", cpKubeconfig, "join", m.Name, "--cluster-kubeconfig", m.Kubeconfig, "--wait=5m")
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			fail("join %s: %v\n%s", m.Name, err, out)
		}
		logf("joined %s in %s", m.Name, ms(time.Since(t0)))
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", cpKubeconfig)
	must(err)
	cfg.QPS, cfg.Burst = -1, 0 // the benchmark's own creates must not be throttled client-side
	e := &env{
		cp:      s,
		cpLog:   filepath.Join(cpDir, "server.log"),
		kube:    kubernetes.NewForConfigOrDie(cfg),
		karmada: karmadaclient.NewForConfigOrDie(cfg),
		stall:   *stall,
		rss:     procstat.NewRSSSampler(s.pid()),
	}
	for _, m := range started {
		mcfg, err := clientcmd.BuildConfigFromFlags("", m.Kubeconfig)
		must(err)
		mcfg.QPS, mcfg.Burst = -1, 0
		e.members = append(e.members, memberClient{name: m.Name, cs: kubernetes.NewForConfigOrDie(mcfg)})
	}
	for _, m := range started {
		for _, pid := range m.PIDs() {
			e.memberPIDs = append(e.memberPIDs, pid)
		}
	}
	go e.rss.Run(ctx)

	// 4. Every Cluster Ready.
	e.waitClustersReady(ctx)
	logf("all %d Clusters Ready (control plane VmRSS %d MiB)", len(memberNames), procstat.RSSKB(s.pid())/1024)

	// 5. Namespaces, created in the control plane and propagated by it, before any clock.
	type workload struct {
		name, ns   string
		n, workers int
	}
	var loads []workload
	if *nSerial > 0 {
		loads = append(loads, workload{"serial", "bench", *nSerial, 1})
	}
	if *nBurst > 0 {
		loads = append(loads, workload{"burst", "burst", *nBurst, *workers})
	}
	for _, l := range loads {
		e.ensureNamespace(ctx, l.ns)
	}

	// 6. The baseline, then the workloads, one after the other; members settle (pods
	// Running) in between.
	var baseline []time.Duration
	if *nBaseline > 0 {
		baseline = e.createBaseline(ctx, "baseline", *nBaseline)
	}
	var results []*result
	benchReplicas = int32(*replicas)
	for i, l := range loads {
		if i > 0 && benchReplicas > 0 {
			prev := loads[i-1]
			e.waitPodsRunning(ctx, prev.ns, prev.n, 5*time.Minute)
		}
		if *profile != "" && i == len(loads)-1 {
			go e.saveProfile(ctx, "/debug/pprof/profile", map[string]string{"seconds": "20"}, *profile+".cpu.pprof")
		}
		results = append(results, e.runWorkload(ctx, l.name, l.ns, l.n, l.workers))
	}
	if *profile != "" {
		// Let the status write-back finish, then profile what stays live.
		time.Sleep(20 * time.Second)
		e.saveProfile(ctx, "/debug/pprof/heap", map[string]string{"gc": "1"}, *profile+".heap.pprof")
		logf("control plane VmRSS after settling: %d MiB (anonymous %d MiB, file-backed %d MiB)", procstat.RSSKB(s.pid())/1024,
			procstat.StatusKB(s.pid(), "RssAnon:")/1024, procstat.StatusKB(s.pid(), "RssFile:")/1024)
	}

	select {
	case <-s.done:
		fail("control plane exited during the measurement; see %s", e.cpLog)
	default:
	}

	printResults(cmdline, *nNodes, baseline, results)
	ok = true
}

type memberClient struct {
	name string
	cs   kubernetes.Interface
}

type env struct {
	cp      *server
	cpLog   string
	kube    kubernetes.Interface
	karmada karmadaclient.Interface
	members []memberClient
	stall   time.Duration
	rss     *procstat.RSSSampler
	// memberPIDs are every member process (etcd, kube-apiserver, KCM, scheduler, kwok).
	memberPIDs []int
}

// checkAlive fails when the control plane process has exited.
func (e *env) checkAlive() {
	select {
	case <-e.cp.done:
		fail("control plane exited; see %s", e.cpLog)
	default:
	}
}

func (e *env) waitClustersReady(ctx context.Context) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		e.checkAlive()
		list, err := e.karmada.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
		must(err)
		pending := notReady(list.Items)
		if pending == "" {
			return
		}
		if time.Now().After(deadline) {
			fail("Clusters not Ready after 5m: %s", pending)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// notReady returns "" once every member is a Cluster with condition Ready=True, and
// otherwise what is missing.
func notReady(clusters []clusterv1alpha1.Cluster) string {
	ready := map[string]bool{}
	for _, c := range clusters {
		cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
		ready[c.Name] = cond != nil && cond.Status == metav1.ConditionTrue
	}
	var pending []string
	for _, n := range memberNames {
		if !ready[n] {
			pending = append(pending, n)
		}
	}
	return strings.Join(pending, ", ")
}

// ensureNamespace creates ns in the control plane and waits until the control plane has
// created it in every member.
func (e *env) ensureNamespace(ctx context.Context, ns string) {
	_, err := e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		must(err)
	}
	t0 := time.Now()
	for {
		e.checkAlive()
		var missing []string
		for _, m := range e.members {
			if _, err := m.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
				if !apierrors.IsNotFound(err) {
					logf("get namespace %s in %s: %v", ns, m.name, err)
				}
				missing = append(missing, m.name)
			}
		}
		if len(missing) == 0 {
			logf("namespace %s present in all members after %s", ns, ms(time.Since(t0)))
			return
		}
		if time.Since(t0) > e.stall {
			fail("namespace %q created in the control plane is still missing in %s after %s: namespace propagation (docs/design/pipeline.md, \"Namespaces\") is not working; control plane log: %s",
				ns, strings.Join(missing, ", "), e.stall, e.cpLog)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitPodsRunning waits (without failing) until every member runs n pods in ns, so that
// the members' own controllers no longer compete for the CPU with the next workload.
func (e *env) waitPodsRunning(ctx context.Context, ns string, n int, timeout time.Duration) {
	t0 := time.Now()
	for {
		var pending []string
		for _, m := range e.members {
			list, err := m.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			running := 0
			if err == nil {
				for _, p := range list.Items {
					if p.Status.Phase == corev1.PodRunning {
						running++
					}
				}
			}
			if running < n {
				pending = append(pending, fmt.Sprintf("%s=%d/%d", m.name, running, n))
			}
		}
		if len(pending) == 0 {
			logf("members settled: %d pods Running in %s in each member (%s)", n, ns, ms(time.Since(t0)))
			return
		}
		if time.Since(t0) > timeout {
			logf("members not settled after %s (pods Running in %s: %s); going on", timeout, ns, strings.Join(pending, ", "))
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// result is one workload's measurements.
type result struct {
	name, ns   string
	n, workers int
	createDur  time.Duration      // first create call → last create returned
	createLat  []time.Duration    // each create call's duration, sorted
	allDur     time.Duration      // first create call → last member object's first watch event
	lat        []time.Duration    // create returned → first watch event, per member object, sorted
	requests   float64            // apiserver_request_total delta; < 0 when /metrics had none
	events     float64            // karmada_events_written_total delta (Event creates and patches); < 0 when /metrics had none
	memberOps  map[string]float64 // karmada_member_apply_total delta by operation (create, update)
	conflicts  float64            // the code="409" part of it
	breakdown  []count            // by verb, resource and code, largest first
	cpuPct     float64            // control plane utime+stime over the window, % of one core
	membersPct float64            // all member processes, the same way
	machinePct float64            // the whole machine, % of all cores busy (/proc/stat)
	endRSS     int                // KiB
	peakRSS    int                // KiB
}

type count struct {
	key string
	n   float64
}

func (e *env) runWorkload(ctx context.Context, name, ns string, n, workers int) *result {
	r := &result{name: name, ns: ns, n: n, workers: workers}
	pp := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: ns},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{
				APIVersion:    "apps/v1",
				Kind:          "Deployment",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "bench"}},
			}},
			Placement: policyv1alpha1.Placement{
				ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: append([]string(nil), memberNames...)},
			},
		},
	}
	if _, err := e.karmada.PolicyV1alpha1().PropagationPolicies(ns).Create(ctx, pp, metav1.CreateOptions{}); err != nil {
		fail("create PropagationPolicy %s/bench: %v", ns, err)
	}
	// Let the detector's informer see the policy before the first template arrives.
	time.Sleep(2 * time.Second)

	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", name, i)
	}
	tr := newTracker(names, len(e.members))
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	ready := make(chan error, len(e.members))
	for i, m := range e.members {
		go watchMember(wctx, m.cs, ns, i, tr, ready)
	}
	for range e.members {
		if err := <-ready; err != nil {
			fail("watch Deployments in a member: %v", err)
		}
	}

	before, metricsErr := scrapeRequests(ctx, e.kube.CoreV1().RESTClient())
	eventsBefore, _ := scrapeCounter(ctx, e.kube.CoreV1().RESTClient(), "karmada_events_written_total")
	appliesBefore, _ := scrapeCounter(ctx, e.kube.CoreV1().RESTClient(), "karmada_member_apply_total")
	if metricsErr != nil {
		logf("read /metrics: %v", metricsErr)
	}
	e.rss.Reset()
	ticks0, mticks0 := procstat.CPUTicks(e.cp.pid()), procstat.SumTicks(e.memberPIDs)
	busy0, all0 := procstat.MachineTicks()
	logf("%s: creating %d Deployments in %s (%d worker(s))", name, n, ns, workers)

	t0 := time.Now()
	create := func(dn string) error {
		c0 := time.Now()
		_, err := e.kube.AppsV1().Deployments(ns).Create(ctx, deployment(ns, dn), metav1.CreateOptions{})
		tr.created(dn, c0, time.Now())
		return err
	}
	if workers == 1 {
		for _, dn := range names {
			if err := create(dn); err != nil {
				fail("create Deployment %s/%s: %v", ns, dn, err)
			}
		}
	} else {
		jobs := make(chan string)
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for dn := range jobs {
					if err := create(dn); err != nil {
						errs <- fmt.Errorf("create Deployment %s/%s: %w", ns, dn, err)
						for range jobs {
						}
						return
					}
				}
			}()
		}
		for _, dn := range names {
			jobs <- dn
		}
		close(jobs)
		wg.Wait()
		close(errs)
		for err := range errs {
			fail("%v", err)
		}
	}
	createsDone := time.Now()
	r.createDur = createsDone.Sub(t0)
	logf("%s: %d creates returned in %s; waiting for %d member objects", name, n, ms(r.createDur), n*len(e.members))

	e.waitPropagated(ctx, tr, ns, createsDone)

	r.endRSS = e.rss.Sample()
	r.peakRSS = e.rss.Peak()
	lastSeen := tr.lastSeen()
	window := time.Since(t0)
	r.cpuPct = procstat.Pct(procstat.CPUTicks(e.cp.pid())-ticks0, window)
	r.membersPct = procstat.Pct(procstat.SumTicks(e.memberPIDs)-mticks0, window)
	if busy1, all1 := procstat.MachineTicks(); all1 > all0 {
		r.machinePct = float64(busy1-busy0) / float64(all1-all0) * 100
	}
	r.allDur = lastSeen.Sub(t0)
	r.lat = tr.latencies()
	r.createLat = tr.createCalls()
	r.requests, r.events = -1, -1
	if eventsAfter, err := scrapeCounter(ctx, e.kube.CoreV1().RESTClient(), "karmada_events_written_total"); err == nil && len(eventsAfter) > 0 {
		r.events = 0
		for k, v := range eventsAfter {
			r.events += v - eventsBefore[k]
		}
	}
	if appliesAfter, err := scrapeCounter(ctx, e.kube.CoreV1().RESTClient(), "karmada_member_apply_total"); err == nil {
		r.memberOps = map[string]float64{}
		for k, v := range appliesAfter {
			r.memberOps[parseLabels(k)["operation"]] += v - appliesBefore[k]
		}
	}
	if metricsErr == nil {
		after, err := scrapeRequests(ctx, e.kube.CoreV1().RESTClient())
		if err != nil {
			logf("read /metrics: %v", err)
		} else if len(after) > 0 {
			r.requests, r.conflicts, r.breakdown = diffRequests(before, after)
		} else {
			logf("/metrics has no apiserver_request_total series")
		}
	}
	logf("%s: all %d member objects present %s after the first create (p99 %s, peak VmRSS %d MiB)",
		name, n*len(e.members), ms(r.allDur), ms(quantile(r.lat, 0.99)), r.peakRSS/1024)
	return r
}

// waitPropagated returns once every member has every Deployment, and fails when none
// arrives for e.stall (counted from createsDone or the last arrival, whichever is later).
func (e *env) waitPropagated(ctx context.Context, tr *tracker, ns string, createsDone time.Time) {
	lastLog := time.Now()
	for {
		e.checkAlive()
		total, want, last, per := tr.progress()
		if total == want {
			return
		}
		ref := createsDone
		if last.After(ref) {
			ref = last
		}
		if time.Since(ref) > e.stall {
			diag := e.diagnose(ctx, ns)
			if total == 0 {
				fail("propagation did not happen: no Deployment of namespace %q appeared in any member within %s after the last create (%s). "+
					"The propagation controllers (detector → scheduler → binding → execution) are not working yet; control plane log: %s",
					ns, e.stall, diag, e.cpLog)
			}
			fail("propagation stalled: %d of %d member objects in namespace %q, none new for %s (%s; %s); control plane log: %s",
				total, want, ns, e.stall, per, diag, e.cpLog)
		}
		if time.Since(lastLog) >= 5*time.Second {
			logf("  %d/%d member objects (%s)", total, want, per)
			lastLog = time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diagnose says how far the pipeline got in the control plane: bindings, scheduled
// bindings and Works.
func (e *env) diagnose(ctx context.Context, ns string) string {
	var parts []string
	if rbs, err := e.karmada.WorkV1alpha2().ResourceBindings(ns).List(ctx, metav1.ListOptions{}); err != nil {
		parts = append(parts, fmt.Sprintf("ResourceBindings: %v", err))
	} else {
		scheduled := 0
		for _, rb := range rbs.Items {
			if len(rb.Spec.Clusters) > 0 {
				scheduled++
			}
		}
		parts = append(parts, fmt.Sprintf("%d ResourceBindings in %s, %d of them scheduled", len(rbs.Items), ns, scheduled))
	}
	if works, err := e.karmada.WorkV1alpha1().Works("").List(ctx, metav1.ListOptions{}); err != nil {
		parts = append(parts, fmt.Sprintf("Works: %v", err))
	} else {
		parts = append(parts, fmt.Sprintf("%d Works in all namespaces", len(works.Items)))
	}
	return "control plane holds " + strings.Join(parts, ", ")
}

// createBaseline creates n Deployments one after another in ns, which no policy selects,
// and returns each create call's duration, sorted.
func (e *env) createBaseline(ctx context.Context, ns string, n int) []time.Duration {
	e.ensureNamespace(ctx, ns)
	var d []time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := e.kube.AppsV1().Deployments(ns).Create(ctx, deployment(ns, fmt.Sprintf("%s-%05d", ns, i)), metav1.CreateOptions{}); err != nil {
			fail("create Deployment in %s: %v", ns, err)
		}
		d = append(d, time.Since(t0))
	}
	sortDurations(d)
	logf("baseline: %d creates without a policy, p50 %s", n, ms(quantile(d, 0.5)))
	time.Sleep(2 * time.Second)
	return d
}

// benchReplicas is --replicas.
var benchReplicas int32 = 1

// saveProfile fetches a pprof endpoint of the control plane into file.
func (e *env) saveProfile(ctx context.Context, path string, params map[string]string, file string) {
	req := e.kube.CoreV1().RESTClient().Get().AbsPath(path).Timeout(time.Minute)
	for k, v := range params {
		req = req.Param(k, v)
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		logf("profile %s: %v", path, err)
		return
	}
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		logf("profile %s: %v", path, err)
		return
	}
	logf("saved %s", file)
}

func deployment(ns, name string) *appsv1.Deployment {
	pod := map[string]string{"app": "bench", "bench-name": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "bench"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(benchReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: pod},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: pod},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
			},
		},
	}
}

// tracker records when each Deployment's create returned and when each member first
// showed it.
type tracker struct {
	mu      sync.Mutex
	names   []string
	want    map[string]bool
	create  map[string]time.Time   // create returned
	calls   []time.Duration        // create call durations
	seen    []map[string]time.Time // by member index
	total   int
	last    time.Time
	members int
}

func newTracker(names []string, members int) *tracker {
	t := &tracker{names: names, want: map[string]bool{}, create: map[string]time.Time{}, members: members}
	for _, n := range names {
		t.want[n] = true
	}
	for i := 0; i < members; i++ {
		t.seen = append(t.seen, map[string]time.Time{})
	}
	return t
}

func (t *tracker) created(name string, called, returned time.Time) {
	t.mu.Lock()
	t.create[name] = returned
	t.calls = append(t.calls, returned.Sub(called))
	t.mu.Unlock()
}

func (t *tracker) createCalls() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]time.Duration(nil), t.calls...)
	sortDurations(out)
	return out
}

func (t *tracker) saw(member int, name string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.want[name] {
		return
	}
	if _, ok := t.seen[member][name]; ok {
		return
	}
	t.seen[member][name] = at
	t.total++
	if at.After(t.last) {
		t.last = at
	}
}

func (t *tracker) progress() (total, want int, last time.Time, per string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var p []string
	for i, s := range t.seen {
		p = append(p, fmt.Sprintf("%s=%d", memberNames[i], len(s)))
	}
	return t.total, len(t.names) * t.members, t.last, strings.Join(p, " ")
}

func (t *tracker) lastSeen() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

func (t *tracker) latencies() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []time.Duration
	for _, s := range t.seen {
		for name, at := range s {
			out = append(out, at.Sub(t.create[name]))
		}
	}
	sortDurations(out)
	return out
}

// watchMember lists and then watches Deployments of ns in one member, reporting each
// object's first event to tr. It sends on ready once the first watch is open (or its
// error), and goes on, re-watching from the last resourceVersion (re-listing when it
// expired), until ctx ends.
func watchMember(ctx context.Context, cs kubernetes.Interface, ns string, member int, tr *tracker, ready chan<- error) {
	list := func() (string, error) {
		l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return "", err
		}
		now := time.Now()
		for _, d := range l.Items {
			tr.saw(member, d.Name, now)
		}
		return l.ResourceVersion, nil
	}
	rv, err := list()
	if err != nil {
		ready <- err
		return
	}
	first := true
	for ctx.Err() == nil {
		w, err := cs.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			if first {
				ready <- err
				return
			}
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				if nrv, lerr := list(); lerr == nil {
					rv = nrv
				}
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if first {
			ready <- nil
			first = false
		}
		for ev := range w.ResultChan() {
			now := time.Now()
			if ev.Type == watch.Error {
				if err := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					if nrv, lerr := list(); lerr == nil {
						rv = nrv
					}
				}
				break
			}
			acc, err := meta.Accessor(ev.Object)
			if err != nil {
				continue
			}
			rv = acc.GetResourceVersion()
			if ev.Type == watch.Added || ev.Type == watch.Modified {
				tr.saw(member, acc.GetName(), now)
			}
		}
		w.Stop()
	}
}

// scrapeRequests reads the control plane's apiserver_request_total series (label set →
// value).
func scrapeRequests(ctx context.Context, rc rest.Interface) (map[string]float64, error) {
	return scrapeCounter(ctx, rc, "apiserver_request_total")
}

// scrapeCounter reads the series of one counter from the control plane's /metrics
// (label set → value).
func scrapeCounter(ctx context.Context, rc rest.Interface, name string) (map[string]float64, error) {
	b, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	prefix := name + "{"
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.LastIndexByte(line, '}')
		if i < 0 {
			continue
		}
		f := strings.Fields(line[i+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out[line[len(prefix):i]] += v
	}
	return out, nil
}

// diffRequests sums after-before over every series, the code="409" ones apart, and groups
// the difference by verb, resource[/subresource] and code.
func diffRequests(before, after map[string]float64) (total, conflicts float64, by []count) {
	groups := map[string]float64{}
	for k, v := range after {
		d := v - before[k]
		if d <= 0 {
			continue
		}
		total += d
		l := parseLabels(k)
		if l["code"] == "409" {
			conflicts += d
		}
		res := l["resource"]
		if l["subresource"] != "" {
			res += "/" + l["subresource"]
		}
		groups[fmt.Sprintf("%s %s %s", l["verb"], res, l["code"])] += d
	}
	for k, v := range groups {
		by = append(by, count{k, v})
	}
	sort.Slice(by, func(i, j int) bool {
		if by[i].n != by[j].n {
			return by[i].n > by[j].n
		}
		return by[i].key < by[j].key
	})
	return total, conflicts, by
}

// parseLabels parses `a="x",b="y"` (Prometheus text format, values without escapes).
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			break
		}
		key := s[:eq]
		rest := s[eq+2:]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			break
		}
		out[key] = rest[:end]
		s = strings.TrimPrefix(rest[end+1:], ",")
	}
	return out
}

func printResults(cmdline string, nodes int, baseline []time.Duration, results []*result) {
	fmt.Printf("\ncommand: `%s`\n\n", cmdline)
	if len(baseline) > 0 {
		fmt.Printf("Baseline: %d Deployments created one after another in a namespace no policy selects, before the workloads: create call p50 %s / p99 %s / max %s.\n\n",
			len(baseline), ms(quantile(baseline, 0.5)), ms(quantile(baseline, 0.99)), ms(quantile(baseline, 1)))
	}
	if len(results) == 0 {
		return
	}
	header := fmt.Sprintf("| measurement (3 members × %d KWOK nodes; Deployment, 1 replica, Duplicated to member1..3) |", nodes)
	sep := "|---|"
	for _, r := range results {
		if r.workers == 1 {
			header += fmt.Sprintf(" %s: %d created one after another |", r.name, r.n)
		} else {
			header += fmt.Sprintf(" %s: %d created by %d workers |", r.name, r.n, r.workers)
		}
		sep += "---|"
	}
	header += " goal (serial, 300) | reference system (serial, 300) |"
	sep += "---|---|"
	fmt.Println(header)
	fmt.Println(sep)
	row := func(what string, f func(r *result) string, goal, ref string) {
		line := "| " + what + " |"
		for _, r := range results {
			line += " " + f(r) + " |"
		}
		fmt.Println(line + " " + goal + " | " + ref + " |")
	}
	row("first create call → all N×3 Deployments seen in the members", func(r *result) string { return ms(r.allDur) }, "≤ 5 s", "187 s (54 s with raised client rate limits)")
	row("first create call → last create returned", func(r *result) string { return ms(r.createDur) }, "", "")
	row("one create call's duration (client-go, this process): p50 / p99 / max", func(r *result) string {
		return fmt.Sprintf("%s / %s / %s", ms(quantile(r.createLat, 0.5)), ms(quantile(r.createLat, 0.99)), ms(quantile(r.createLat, 1)))
	}, "", "")
	row("per member object, create returned → first member watch event: p50 / p90 / p99 / max", func(r *result) string {
		return fmt.Sprintf("%s / %s / %s / %s", ms(quantile(r.lat, 0.5)), ms(quantile(r.lat, 0.9)), ms(quantile(r.lat, 0.99)), ms(quantile(r.lat, 1)))
	}, "p99 ≤ 1 s", "p99 185 s (39 s)")
	row("throughput: N / (first create → all in all members)", func(r *result) string {
		return fmt.Sprintf("%.1f Deployments/s", float64(r.n)/r.allDur.Seconds())
	}, "", "")
	row("control-plane API requests per Deployment (apiserver_request_total Δ / N, incl. the benchmark's create)", func(r *result) string {
		if r.requests < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", r.requests/float64(r.n))
	}, "few", "≈ 29")
	row("Events written per Deployment (karmada_events_written_total Δ / N: creates and correlator patches)", func(r *result) string {
		if r.events < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", r.events/float64(r.n))
	}, "bounded", "")
	row("member writes per Deployment (karmada_member_apply_total Δ / N): creates / updates", func(r *result) string {
		if r.memberOps == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.2f / %.2f", r.memberOps["create"]/float64(r.n), r.memberOps["update"]/float64(r.n))
	}, "", "")
	row("409 Conflict responses in the window", func(r *result) string {
		if r.requests < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f", r.conflicts)
	}, "", "thousands")
	row("control-plane CPU over the window (utime+stime, % of one core)", func(r *result) string { return fmt.Sprintf("%.0f %%", r.cpuPct) }, "", "")
	row(fmt.Sprintf("for context: member processes' CPU (%% of one core) / machine CPU busy (%% of all %d cores)", runtime.NumCPU()), func(r *result) string {
		return fmt.Sprintf("%.0f %% / %.0f %%", r.membersPct, r.machinePct)
	}, "", "")
	row("control-plane VmRSS at the end / peak (200 ms samples)", func(r *result) string {
		return fmt.Sprintf("%d / %d MiB", r.endRSS/1024, r.peakRSS/1024)
	}, "≤ 400 MiB", "≈ 1.2 GiB")

	for _, r := range results {
		if r.requests < 0 {
			continue
		}
		fmt.Printf("\nControl-plane requests during %s (%d Deployments), by verb, resource and code, per Deployment:\n\n", r.name, r.n)
		fmt.Println("| verb resource code | total | per Deployment |\n|---|---|---|")
		for i, c := range r.breakdown {
			if i == 15 {
				fmt.Printf("| (%d more) | | |\n", len(r.breakdown)-i)
				break
			}
			fmt.Printf("| %s | %.0f | %.2f |\n", c.key, c.n, c.n/float64(r.n))
		}
	}
}

// quantile is the nearest-rank q-quantile of sorted d (q=1 is the maximum).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(d)))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(d) {
		i = len(d) - 1
	}
	return d[i]
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
func start(binary, dir string, extra ...string) (*server, time.Duration) {
	port := freePort()
	cmd := exec.Command(binary, append([]string{"--data-dir=" + dir, "--secure-port=" + strconv.Itoa(port), "--leader-elect=false"}, extra...)...)
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

// commandLine is this run's command, as typed (`go run` shows as such).
func commandLine() string {
	prog := os.Args[0]
	if strings.Contains(prog, "go-build") {
		prog = "go run ./hack/bench/propagation"
	}
	parts := []string{prog}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
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

// fail panics so that deferred cleanup stops every process; main prints the reason.
func fail(format string, args ...any) { panic(failure(fmt.Sprintf(format, args...))) }

func must(err error) {
	if err != nil {
		panic(failure(err.Error()))
	}
}
