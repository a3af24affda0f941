// Command view measures the merged multi-cluster view (docs/design/view.md) with many pods:
// it starts three real member clusters (test/members, KWOK nodes), starts the control
// plane binary, joins the members with kubectl-karmada, and creates --pods pods directly
// in the members (spread evenly over the members, their KWOK nodes and --namespaces
// namespaces, spec.nodeName set so no scheduler is involved; KWOK marks them Running).
//
// It then times the real kubectl (`kubectl --context karmada get pods -A`, i.e. pages of
// 500 through the view) once to warm, repeats it until a run is answered from the view's
// cache only (karmada_view_cluster_reads_total on /metrics), and times --runs runs, then
// --runs runs with --chunk-size=0 (one request) and --runs single page requests (one GET
// of the view, limit=500, Table). One more paged run at -v=3 counts the waits of kubectl's
// client-side rate limiter (5 QPS, burst 10), which dominate a paged list of many pods.
// As a reference point, the same kubectl commands and page request run against member1
// directly.
// The control plane's VmRSS is read after the join (no pods), after the pods are Running
// and have settled (before any view use), after the view runs and after an idle --settle
// (and its peak sampled every 200 ms during the view runs); the Go heap in use
// after a forced collection (/debug/pprof/heap?gc=1, then go_memstats_heap_inuse_bytes)
// at the same points. It prints a Markdown table for docs/benchmarks.md.
//
//	make build && go run ./hack/bench/view --pods 30000 --runs 20
//
// Every kubectl run must print pods+1 lines (the header and one row per pod) and exit 0;
// otherwise the run fails with kubectl's output and keeps its folder. Everything runs in
// one temporary folder; members and the control plane are stopped at the end, on a
// failure and on SIGINT/SIGTERM (and, should this process be killed, by Pdeathsig).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/karmada-one/karmada-one/hack/bench/internal/procstat"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/members"
)

// tableAccept is what kubectl sends for human output.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

const readsMetric = "karmada_view_cluster_reads_total"

var memberNames = []string{"member1", "member2", "member3"}

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

// opts are the flags.
type opts struct {
	pods, runs, nodes, namespaces, workers int
	settle                                 time.Duration
	kubectl                                string
	profile                                string
	profileSeconds                         int
}

func run() {
	binary := flag.String("binary", "_output/bin/karmada-apiserver", "control plane binary")
	karmadactl := flag.String("karmadactl", "_output/bin/kubectl-karmada", "kubectl-karmada binary used to join")
	var o opts
	flag.IntVar(&o.pods, "pods", 30000, "pods in total, spread evenly over the three members")
	flag.IntVar(&o.runs, "runs", 20, "timed runs of each kubectl command and page request")
	flag.IntVar(&o.nodes, "nodes", 10, "KWOK nodes per member (pod capacity per node: enough for the member's pods)")
	flag.IntVar(&o.namespaces, "namespaces", 5, "namespaces per member the pods are spread over")
	flag.IntVar(&o.workers, "workers", 16, "concurrent pod creators per member")
	flag.DurationVar(&o.settle, "settle", 30*time.Second, "wait after the join and after the pods are Running before reading RSS")
	flag.StringVar(&o.kubectl, "kubectl", "kubectl", "kubectl binary (looked up on PATH)")
	flag.StringVar(&o.profile, "profile", "", "when set, save a CPU profile of the control plane taken during the timed view runs as <profile>.cpu.pprof")
	flag.IntVar(&o.profileSeconds, "profile-seconds", 20, "length of the CPU profile")
	keep := flag.Bool("keep", false, "keep the temporary folder (logs, data) after a successful run")
	flag.Parse()
	if o.pods < len(memberNames) || o.runs < 1 || o.nodes < 1 || o.namespaces < 1 || o.workers < 1 {
		fail("--pods must be ≥ 3, --runs, --nodes, --namespaces and --workers ≥ 1")
	}
	cmdline := commandLine()
	logf("command: %s", cmdline)
	load := procstat.LoadAvg()
	logf("load average at start: %s (%d cores)", load, runtime.NumCPU())

	binAbs, err := filepath.Abs(*binary)
	must(err)
	ctlAbs, err := filepath.Abs(*karmadactl)
	must(err)
	for _, b := range []string{binAbs, ctlAbs} {
		if _, err := os.Stat(b); err != nil {
			fail("%v (run `make build` first)", err)
		}
	}
	kubectl, err := exec.LookPath(o.kubectl)
	must(err)
	kver, _ := exec.Command(kubectl, "version", "--client").Output()
	kubectlVersion := strings.TrimPrefix(strings.SplitN(string(kver), "\n", 2)[0], "Client Version: ")

	root, err := repoRoot()
	must(err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bins, err := members.EnsureBinaries(ctx, root)
	must(err)

	dir, err := os.MkdirTemp("", "bench-view-")
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

	// 1. Members, one after the other, with room for their pods on the KWOK nodes.
	perMember := make([]int, len(memberNames))
	for i := range perMember {
		perMember[i] = o.pods / len(memberNames)
		if i < o.pods%len(memberNames) {
			perMember[i]++
		}
	}
	podsPerNode := max(110, (perMember[0]+o.nodes-1)/o.nodes+10)
	for _, name := range memberNames {
		nodes := make([]members.NodeSpec, o.nodes)
		for j := range nodes {
			nodes[j] = members.NodeSpec{Name: fmt.Sprintf("%s-node-%d", name, j+1), CPU: "1000", Memory: "4000Gi", Pods: strconv.Itoa(podsPerNode)}
		}
		t0 := time.Now()
		sctx, scancel := context.WithTimeout(ctx, 10*time.Minute)
		m, err := members.Start(sctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodes, DieWithParent: true})
		scancel()
		must(err)
		mu.Lock()
		started = append(started, m)
		mu.Unlock()
		logf("%s ready with %d nodes (%d pods each) in %s", name, o.nodes, podsPerNode, ms(time.Since(t0)))
	}

	// 2. The control plane.
	cpDir := filepath.Join(dir, "control-plane")
	must(os.MkdirAll(cpDir, 0o755))
	s, cpStart := start(binAbs, cpDir)
	mu.Lock()
	cp = s
	mu.Unlock()
	logf("control plane ready in %s (pid %d)", ms(cpStart), s.pid())
	cpKubeconfig := filepath.Join(cpDir, "karmada-apiserver.config")

	// 3. Joins.
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
	cfg.QPS, cfg.Burst = -1, 0
	viewCfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: cpKubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: "karmada"}).ClientConfig()
	must(err)
	e := &env{
		cp:      s,
		cpLog:   filepath.Join(cpDir, "server.log"),
		cpREST:  kubernetes.NewForConfigOrDie(cfg).CoreV1().RESTClient(),
		karmada: karmadaclient.NewForConfigOrDie(cfg),
		kubectl: kubectl,
		kcache:  filepath.Join(dir, "kubectl-cache"),
		o:       o,
	}
	for i, m := range started {
		mcfg, err := clientcmd.BuildConfigFromFlags("", m.Kubeconfig)
		must(err)
		mcfg.QPS, mcfg.Burst = -1, 0
		mcfg.ContentType = "application/vnd.kubernetes.protobuf"
		mcfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
		e.members = append(e.members, memberClient{name: m.Name, kubeconfig: m.Kubeconfig, cfg: mcfg, cs: kubernetes.NewForConfigOrDie(mcfg), n: perMember[i], apiserverPID: m.PIDs()["kube-apiserver"]})
		for _, pid := range m.PIDs() {
			e.memberPIDs = append(e.memberPIDs, pid)
		}
	}
	e.waitClustersReady(ctx)
	r := &result{cmdline: cmdline, load: load, kubectlVersion: kubectlVersion, kubectlPath: kubectl, o: o, perMember: perMember, podsPerNode: podsPerNode}
	logf("all Clusters Ready; settling %s", o.settle)
	time.Sleep(o.settle)
	r.empty = e.checkpoint(ctx, "after join, no pods")

	// 4. Pods, created in the members directly.
	e.createPods(ctx, r)
	e.waitRunning(ctx, r)
	logf("settling %s", o.settle)
	ticks0, t0 := procstat.CPUTicks(s.pid()), time.Now()
	time.Sleep(o.settle)
	r.idleCPU = procstat.Pct(procstat.CPUTicks(s.pid())-ticks0, time.Since(t0))
	r.before = e.checkpoint(ctx, "pods Running, before any view use")
	r.podJSON = e.podSize(ctx)

	// 5. The view.
	sampler := procstat.NewRSSSampler(s.pid())
	sampler.Reset()
	sctx, scancel := context.WithCancel(ctx)
	go sampler.Run(sctx)
	viewArgs := []string{"--kubeconfig", cpKubeconfig, "--context", "karmada", "get", "pods", "-A"}

	reads0 := e.reads(ctx)
	first := e.kubectlRun(ctx, viewArgs, o.pods)
	reads1 := e.reads(ctx)
	r.warm = first
	r.warmReads = reads1.sub(reads0)
	r.header = first.head
	logf("first view run: %s, %d lines, reads cache=%.0f member=%.0f", ms(first.wall), first.lines, r.warmReads.cache, r.warmReads.member)

	// Until one whole run is answered from the cache (at once when the first one was).
	tw := time.Now()
	for d := r.warmReads; d.member > 0 || d.cache == 0; {
		if time.Since(tw) > 5*time.Minute {
			fail("the view still reads from the members after %d more runs over 5 minutes (karmada_view_cluster_reads_total{source=\"member\"} keeps growing); reproduce: kubectl %s (control plane log %s)",
				r.warmupRuns, strings.Join(viewArgs, " "), e.cpLog)
		}
		time.Sleep(2 * time.Second)
		before := e.reads(ctx)
		k := e.kubectlRun(ctx, viewArgs, o.pods)
		d = e.reads(ctx).sub(before)
		r.warmupRuns++
		logf("warm-up run %d: %s, reads cache=%.0f member=%.0f", r.warmupRuns, ms(k.wall), d.cache, d.member)
	}

	// Timed runs: kubectl's default paging (500 per request), then one request per run.
	profiled := make(chan struct{})
	if o.profile != "" {
		go func() {
			defer close(profiled)
			e.saveProfile(ctx, "/debug/pprof/profile", map[string]string{"seconds": strconv.Itoa(o.profileSeconds)}, o.profile+".cpu.pprof")
		}()
		time.Sleep(200 * time.Millisecond)
	} else {
		close(profiled)
	}
	readsT0 := e.reads(ctx)
	r.peakWarm = sampler.Peak()
	sampler.Reset()
	r.view = e.series(ctx, "view", viewArgs, o.pods, s.pid())
	r.timedReads = e.reads(ctx).sub(readsT0)
	<-profiled
	r.peakPaged = sampler.Peak()
	sampler.Reset()
	r.viewAll = e.series(ctx, "view --chunk-size=0", append(viewArgs, "--chunk-size=0"), o.pods, s.pid())
	r.peakAll = sampler.Peak()

	// Single page requests.
	pageURL := viewCfg.Host + "/api/v1/pods?limit=500"
	r.page, r.pageBytes = e.pageRuns(viewCfg, pageURL, o.runs, o.pods)
	logf("view page: p50 %s, p99 %s (%d bytes)", ms(quantile(r.page, 0.5)), ms(quantile(r.page, 0.99)), r.pageBytes)

	// Where a paged run waits: kubectl logs its client-side rate limiter's waits at -v=3.
	r.throttle = e.throttled(ctx, viewArgs, o.pods)
	logf("view run at -v=3: %s, %d requests waited %s in kubectl's client-side rate limiter", ms(r.throttle.wall), r.throttle.n, ms(r.throttle.total))

	scancel()
	e.checkAlive()
	r.after = e.checkpoint(ctx, "after the view runs")

	// 6. The reference: member1 directly.
	ref := e.members[0]
	refArgs := []string{"--kubeconfig", ref.kubeconfig, "get", "pods", "-A"}
	first = e.kubectlRun(ctx, refArgs, ref.n) // discovery cache, like the view's warm-up
	r.refHeader = first.head
	r.ref = e.series(ctx, ref.name, refArgs, ref.n, ref.apiserverPID)
	r.refAll = e.series(ctx, ref.name+" --chunk-size=0", append(refArgs, "--chunk-size=0"), ref.n, ref.apiserverPID)
	refCfg := rest.CopyConfig(ref.cfg)
	r.refPage, r.refPageBytes = e.pageRuns(refCfg, strings.TrimSuffix(refCfg.Host, "/")+"/api/v1/pods?limit=500", o.runs, ref.n)

	logf("idle %s", o.settle)
	time.Sleep(o.settle)
	r.later = e.checkpoint(ctx, "after the reference runs and an idle --settle")

	printResults(r)
	ok = true
}

type memberClient struct {
	name, kubeconfig string
	cfg              *rest.Config
	cs               kubernetes.Interface
	n                int // pods in this member
	apiserverPID     int
}

type env struct {
	cp         *server
	cpLog      string
	cpREST     rest.Interface
	karmada    karmadaclient.Interface
	members    []memberClient
	memberPIDs []int
	kubectl    string
	kcache     string
	o          opts
}

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
		ready := 0
		for _, c := range list.Items {
			if meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady) {
				ready++
			}
		}
		if ready == len(memberNames) {
			return
		}
		if time.Now().After(deadline) {
			fail("Clusters not Ready after 5m (%d of %d)", ready, len(memberNames))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkpoint is the control plane's memory at one point.
type checkpoint struct {
	what   string
	rssKB  int
	heapMB float64 // go_memstats_heap_inuse_bytes after a forced GC; < 0 when unknown
}

func (e *env) checkpoint(ctx context.Context, what string) checkpoint {
	c := checkpoint{what: what, rssKB: procstat.RSSKB(e.cp.pid()), heapMB: -1}
	// /debug/pprof/heap?gc=1 runs a collection before writing the profile.
	if _, err := e.cpREST.Get().AbsPath("/debug/pprof/heap").Param("gc", "1").DoRaw(ctx); err != nil {
		logf("forced GC: %v", err)
	} else if m, err := e.metrics(ctx); err == nil {
		if v, ok := m["go_memstats_heap_inuse_bytes"]; ok {
			c.heapMB = v / (1 << 20)
		}
	}
	logf("control plane %s: VmRSS %d MiB, heap in use after GC %.0f MiB", what, c.rssKB/1024, c.heapMB)
	return c
}

// createPods creates every member's pods with o.workers goroutines per member.
func (e *env) createPods(ctx context.Context, r *result) {
	var created atomic.Int64
	t0 := time.Now()
	// Namespaces, and their default ServiceAccount (pod admission needs it).
	for _, m := range e.members {
		for n := 0; n < e.o.namespaces; n++ {
			ns := fmt.Sprintf("bench-%d", n+1)
			if _, err := m.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				fail("create namespace %s in %s: %v", ns, m.name, err)
			}
		}
	}
	for _, m := range e.members {
		for n := 0; n < e.o.namespaces; n++ {
			ns := fmt.Sprintf("bench-%d", n+1)
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if _, err := m.cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err == nil {
					break
				}
				if time.Now().After(deadline) {
					fail("no default ServiceAccount in %s/%s after 2m", m.name, ns)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
	logf("creating %d pods (%d per member, %d workers per member)", e.o.pods, e.members[0].n, e.o.workers)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				logf("  %d/%d pods created", created.Load(), e.o.pods)
			}
		}
	}()
	tc := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(e.members)*e.o.workers)
	for _, m := range e.members {
		jobs := make(chan int, e.o.workers)
		go func() {
			for j := 0; j < m.n; j++ {
				jobs <- j
			}
			close(jobs)
		}()
		for w := 0; w < e.o.workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					p := benchPod(m.name, j, e.o.namespaces, e.o.nodes)
					var err error
					for attempt := 0; attempt < 6; attempt++ {
						_, err = m.cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
						if err == nil || apierrors.IsAlreadyExists(err) {
							err = nil
							break
						}
						time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
					}
					if err != nil {
						errs <- fmt.Errorf("create pod %s/%s in %s: %w", p.Namespace, p.Name, m.name, err)
						for range jobs {
						}
						return
					}
					created.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		fail("%v", err)
	}
	r.createDur = time.Since(tc)
	logf("created %d pods in %s (%.0f pods/s; namespaces and ServiceAccounts took %s before)", e.o.pods, ms(r.createDur), float64(e.o.pods)/r.createDur.Seconds(), ms(tc.Sub(t0)))
}

// benchPod is the j-th pod of a member: bound to a KWOK node, in one of the namespaces.
func benchPod(member string, j, namespaces, nodes int) *corev1.Pod {
	app := fmt.Sprintf("app-%02d", j%50)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s-%05d", app, j),
			Namespace: fmt.Sprintf("bench-%d", j%namespaces+1),
			Labels:    map[string]string{"app": app, "tier": "bench"},
		},
		Spec: corev1.PodSpec{
			NodeName:                     fmt.Sprintf("%s-node-%d", member, j%nodes+1),
			AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.k8s.io/pause:3.10",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("10m"),
					corev1.ResourceMemory: resource.MustParse("16Mi"),
				}},
			}},
		},
	}
}

// waitRunning waits until every member's pods are Running (KWOK's pod-ready stage).
func (e *env) waitRunning(ctx context.Context, r *result) {
	t0 := time.Now()
	for {
		e.checkAlive()
		var pending []string
		for _, m := range e.members {
			notRunning, err := m.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{ResourceVersion: "0", FieldSelector: "status.phase!=Running"})
			if err != nil {
				pending = append(pending, fmt.Sprintf("%s: %v", m.name, err))
				continue
			}
			if len(notRunning.Items) > 0 {
				pending = append(pending, fmt.Sprintf("%s: %d not Running", m.name, len(notRunning.Items)))
			}
		}
		if len(pending) == 0 {
			r.runningDur = time.Since(t0)
			logf("all %d pods Running %s after the last create", e.o.pods, ms(r.runningDur))
			return
		}
		if time.Since(t0) > 10*time.Minute {
			fail("pods not Running after 10m: %s", strings.Join(pending, "; "))
		}
		logf("  waiting for Running: %s", strings.Join(pending, "; "))
		time.Sleep(3 * time.Second)
	}
}

// podSize is the JSON size of one of the pods as its member stores it, with and without
// managedFields.
func (e *env) podSize(ctx context.Context) [2]int {
	l, err := e.members[0].cs.CoreV1().Pods("bench-1").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil || len(l.Items) == 0 {
		return [2]int{}
	}
	p := l.Items[0]
	full, _ := json.Marshal(p)
	p.ManagedFields = nil
	stripped, _ := json.Marshal(p)
	return [2]int{len(full), len(stripped)}
}

// reads are the karmada_view_cluster_reads_total counters.
type reads struct{ cache, member float64 }

func (a reads) sub(b reads) reads { return reads{a.cache - b.cache, a.member - b.member} }

func (e *env) reads(ctx context.Context) reads {
	m, err := e.metrics(ctx)
	if err != nil {
		fail("read /metrics: %v", err)
	}
	return reads{m[readsMetric+`{source="cache"}`], m[readsMetric+`{source="member"}`]}
}

// metrics reads the control plane's /metrics: series (name{labels}) → value.
func (e *env) metrics(ctx context.Context) (map[string]float64, error) {
	b, err := e.cpREST.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		end := strings.IndexByte(line, ' ')
		if i := strings.LastIndexByte(line, '}'); i > 0 {
			end = i + 1
		}
		if end <= 0 || end >= len(line) {
			continue
		}
		f := strings.Fields(line[end:])
		if len(f) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			out[line[:end]] = v
		}
	}
	return out, nil
}

// kubectlResult is one kubectl run.
type kubectlResult struct {
	wall, cpu time.Duration
	lines     int
	head      []string // the first lines of the output
	stderr    string
}

// lineCounter counts the output's lines and keeps its first ones.
type lineCounter struct {
	n    int
	head bytes.Buffer
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if c.n < 3 {
		c.head.Write(p[:min(len(p), 1024)])
	}
	c.n += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// kubectlRun runs kubectl with args once and fails unless it printed want+1 lines.
func (e *env) kubectlRun(ctx context.Context, args []string, want int) kubectlResult {
	e.checkAlive()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args = append([]string{"--cache-dir", e.kcache}, args...)
	cmd := exec.CommandContext(cctx, e.kubectl, args...)
	var out lineCounter
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	repro := "kubectl " + strings.Join(args, " ")
	if err != nil {
		fail("%s: %v after %s\nstderr: %s", repro, err, ms(wall), trim(stderr.String()))
	}
	if out.n != want+1 {
		fail("%s printed %d lines, want %d (header + %d pods)\nfirst lines:\n%s\nstderr: %s", repro, out.n, want+1, want, trim(out.head.String()), trim(stderr.String()))
	}
	if stderr.Len() > 0 && !slices.Contains(args, "-v=3") {
		logf("kubectl stderr: %s", trim(stderr.String()))
	}
	head := strings.SplitN(out.head.String(), "\n", 3)
	if len(head) > 2 {
		head = head[:2]
	}
	return kubectlResult{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), lines: out.n, head: head, stderr: stderr.String()}
}

func trim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// pageRuns GETs url (one list page of 500 as a Table, of total objects) n times and
// returns the durations, sorted, and the body size.
func (e *env) pageRuns(cfg *rest.Config, url string, n, total int) ([]time.Duration, int) {
	hc, err := rest.HTTPClientFor(cfg)
	must(err)
	var d []time.Duration
	size := 0
	for i := 0; i <= n; i++ { // the first one is not counted
		req, err := http.NewRequest(http.MethodGet, url, nil)
		must(err)
		req.Header.Set("Accept", tableAccept)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			fail("GET %s: %v", url, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil || resp.StatusCode != http.StatusOK {
			fail("GET %s: %d %v: %s", url, resp.StatusCode, err, trim(string(body)))
		}
		var t struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Rows []json.RawMessage `json:"rows"`
		}
		if err := json.Unmarshal(body, &t); err != nil || t.Kind != "Table" || len(t.Rows) != min(500, total) || (t.Metadata.Continue == "") != (total <= 500) {
			fail("GET %s: want a Table of %d rows, with a continue token if there are more than 500 objects (%d), got kind %q, %d rows, continue %q (%v)", url, min(500, total), total, t.Kind, len(t.Rows), t.Metadata.Continue, err)
		}
		size = len(body)
		if i > 0 {
			d = append(d, took)
		}
	}
	sortDurations(d)
	return d, size
}

// saveProfile fetches a pprof endpoint of the control plane into file.
func (e *env) saveProfile(ctx context.Context, path string, params map[string]string, file string) {
	req := e.cpREST.Get().AbsPath(path).Timeout(5 * time.Minute)
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

// runs are the timed runs of one kubectl command.
type runs struct {
	wall, cpu []time.Duration // sorted
	server    time.Duration   // the answering server's CPU (utime+stime) per run
	members   time.Duration   // all member processes' CPU per run
}

// series runs kubectl with args o.runs times, each printing want+1 lines, and measures
// the CPU of the server process pid and of the members meanwhile.
func (e *env) series(ctx context.Context, label string, args []string, want, pid int) runs {
	var out runs
	t0, m0 := procstat.CPUTicks(pid), procstat.SumTicks(e.memberPIDs)
	for i := 0; i < e.o.runs; i++ {
		k := e.kubectlRun(ctx, args, want)
		out.wall = append(out.wall, k.wall)
		out.cpu = append(out.cpu, k.cpu)
		logf("%s run %d/%d: %s (kubectl CPU %s)", label, i+1, e.o.runs, ms(k.wall), ms(k.cpu))
	}
	perRun := func(ticks int64) time.Duration {
		return time.Duration(float64(ticks) / procstat.ClockTicks / float64(e.o.runs) * float64(time.Second))
	}
	out.server, out.members = perRun(procstat.CPUTicks(pid)-t0), perRun(procstat.SumTicks(e.memberPIDs)-m0)
	sortDurations(out.wall)
	sortDurations(out.cpu)
	return out
}

// throttle is one kubectl run at -v=3: how often and how long kubectl's client-side rate
// limiter held its requests back.
type throttle struct {
	wall, total time.Duration
	n           int
}

var waitRE = regexp.MustCompile(`(?:Waited for |delay=")([0-9.]+(?:ns|µs|us|ms|s|m[0-9.]+s))`)

func (e *env) throttled(ctx context.Context, args []string, want int) throttle {
	k := e.kubectlRun(ctx, append(append([]string(nil), args...), "-v=3"), want)
	t := throttle{wall: k.wall}
	shown := false
	for _, line := range strings.Split(k.stderr, "\n") {
		if !strings.Contains(line, "throttling") {
			continue
		}
		if !shown {
			logf("kubectl -v=3, first throttling line: %s", trim(line))
			shown = true
		}
		if m := waitRE.FindStringSubmatch(line); m != nil {
			if d, err := time.ParseDuration(strings.Replace(m[1], "us", "µs", 1)); err == nil {
				t.n++
				t.total += d
			}
		}
	}
	return t
}

type result struct {
	cmdline, load, kubectlVersion string
	kubectlPath                   string
	o                             opts
	perMember                     []int
	podsPerNode                   int
	createDur, runningDur         time.Duration
	idleCPU                       float64
	podJSON                       [2]int
	empty, before, after, later   checkpoint
	peakWarm, peakPaged, peakAll  int // VmRSS peaks: warm-up runs, paged runs, --chunk-size=0 runs
	warm                          kubectlResult
	warmReads                     reads
	warmupRuns                    int
	header, refHeader             []string
	view, viewAll, ref, refAll    runs
	throttle                      throttle
	timedReads                    reads
	page, refPage                 []time.Duration
	pageBytes, refPageBytes       int
}

func printResults(r *result) {
	o := r.o
	fmt.Printf("\ncommand: `%s`\n\n", r.cmdline)
	fmt.Printf("Machine: %d cores, shared with the three members; load average at start %s. kubectl %s (%s).\n\n", runtime.NumCPU(), r.load, r.kubectlVersion, r.kubectlPath)
	fmt.Printf("Setup: %d pods (%d per member) in %d namespaces per member, on %d KWOK nodes per member (%d pods each); one pod's JSON as stored: %d bytes, %d without managedFields.\n\n",
		o.pods, r.perMember[0], o.namespaces, o.nodes, r.podsPerNode, r.podJSON[0], r.podJSON[1])
	fmt.Printf("First lines, through the view and from member1 directly:\n\n```\n%s\n\n%s\n```\n\n", strings.Join(r.header, "\n"), strings.Join(r.refHeader, "\n"))

	q := func(d []time.Duration) string {
		return fmt.Sprintf("%s / %s / %s", ms(quantile(d, 0.5)), ms(quantile(d, 0.99)), ms(quantile(d, 1)))
	}
	mib := func(kb int) string { return fmt.Sprintf("%d MiB", kb/1024) }
	heap := func(c checkpoint) string {
		if c.heapMB < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f MiB", c.heapMB)
	}
	fmt.Printf("| measurement | through the view (%d pods, 3 members) | reference: member1 directly (%d pods) | goal |\n", o.pods, r.perMember[0])
	fmt.Println("|---|---|---|---|")
	row := func(what, view, ref, goal string) { fmt.Printf("| %s | %s | %s | %s |\n", what, view, ref, goal) }
	cpu := func(x runs) string { return fmt.Sprintf("%s / %s", ms(quantile(x.cpu, 0.5)), ms(x.server)) }
	pages := func(n int) int { return (n + 499) / 500 }
	row(fmt.Sprintf("create the pods in the members (%d workers per member)", o.workers),
		fmt.Sprintf("%s (%.0f pods/s); all Running %s later", ms(r.createDur), float64(o.pods)/r.createDur.Seconds(), ms(r.runningDur)), "", "")
	row("first `kubectl get pods -A` (warm-up, incl. discovery)",
		fmt.Sprintf("%s; per-cluster page reads: %.0f from cache, %.0f from members", ms(r.warm.wall), r.warmReads.cache, r.warmReads.member), "", "")
	row(fmt.Sprintf("`kubectl get pods -A` (pages of 500: %d / %d requests), %d runs: p50 / p99 / max", pages(o.pods), pages(r.perMember[0]), o.runs),
		"**"+q(r.view.wall)+"**", q(r.ref.wall), "p99 ≤ 1 s")
	row("  CPU per run: kubectl (p50) / answering server (control plane; member1 kube-apiserver)", cpu(r.view), cpu(r.ref), "")
	row("  kubectl's client-side rate limiter (5 QPS, burst 10) in one paged run at -v=3: requests held back, total wait",
		fmt.Sprintf("%d, %s (run took %s)", r.throttle.n, ms(r.throttle.total), ms(r.throttle.wall)), "", "")
	row(fmt.Sprintf("`kubectl get pods -A --chunk-size=0` (one request), %d runs: p50 / p99 / max", o.runs), q(r.viewAll.wall), q(r.refAll.wall), "")
	row("  CPU per run: kubectl (p50) / answering server", cpu(r.viewAll), cpu(r.refAll), "")
	row(fmt.Sprintf("one page (GET limit=500, Table), %d runs: p50 / p99 / max (body)", o.runs),
		fmt.Sprintf("%s (%d KiB)", q(r.page), r.pageBytes/1024), fmt.Sprintf("%s (%d KiB)", q(r.refPage), r.refPageBytes/1024), "")
	row("rows printed per run (asserted = pods + header)", strconv.Itoa(r.warm.lines), strconv.Itoa(r.perMember[0]+1), "")
	row("per-cluster page reads during the timed paged runs: cache / member", fmt.Sprintf("%.0f / %.0f", r.timedReads.cache, r.timedReads.member), "", "")
	row("all member processes' CPU per paged view run (background: KWOK, controllers)", ms(r.view.members), "", "")
	row(fmt.Sprintf("control-plane VmRSS: after join, no pods / pods Running, before view use / after the view runs / %s later, idle", o.settle),
		fmt.Sprintf("%s / %s / %s / %s", mib(r.empty.rssKB), mib(r.before.rssKB), mib(r.after.rssKB), mib(r.later.rssKB)), "", "")
	row("control-plane VmRSS peak (200 ms samples) during: warm-up runs / paged runs / --chunk-size=0 runs",
		fmt.Sprintf("%s / %s / %s", mib(r.peakWarm), mib(r.peakPaged), mib(r.peakAll)), "", "")
	row("control-plane Go heap in use after a forced GC, same points", fmt.Sprintf("%s / %s / %s / %s", heap(r.empty), heap(r.before), heap(r.after), heap(r.later)), "", "")
	extra := r.after.rssKB - r.before.rssKB
	row("**extra VmRSS for the view**: after − before view use (per pod)",
		fmt.Sprintf("**%d MiB (%s/pod)**", extra/1024, kib(float64(extra)*1024/float64(o.pods))), "", "≤ 300 MB, ≤ 10 KB/pod")
	podsCost := r.before.rssKB - r.empty.rssKB
	row("VmRSS of holding the pods at all (pod informer shared with cluster status): before view use − no pods (per pod)",
		fmt.Sprintf("%d MiB (%s/pod)", podsCost/1024, kib(float64(podsCost)*1024/float64(o.pods))), "", "")
	if r.before.heapMB >= 0 && r.empty.heapMB >= 0 {
		row("the same in live heap after GC: before − no pods (per pod) / after − before",
			fmt.Sprintf("%.0f MiB (%s/pod) / %.0f MiB", r.before.heapMB-r.empty.heapMB, kib((r.before.heapMB-r.empty.heapMB)*(1<<20)/float64(o.pods)), r.after.heapMB-r.before.heapMB), "", "")
	}
	row("control-plane CPU while idle with the pods (settle window)", fmt.Sprintf("%.0f %% of a core", r.idleCPU), "", "")
}

func kib(bytes float64) string {
	if math.Abs(bytes) < 1024 {
		return fmt.Sprintf("%.0f B", bytes)
	}
	return fmt.Sprintf("%.1f KiB", bytes/1024)
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
			cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
			if rc, err := rest.UnversionedRESTClientFor(cfg); err == nil {
				if b, err := rc.Get().AbsPath("/readyz").DoRaw(context.Background()); err == nil && string(b) == "ok" {
					return s, time.Since(t0)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// commandLine is this run's command, as typed (`go run` shows as such).
func commandLine() string {
	prog := os.Args[0]
	if strings.Contains(prog, "go-build") {
		prog = "go run ./hack/bench/view"
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
