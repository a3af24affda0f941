// Command apiserver measures the control plane binary: time from process start to
// /readyz with the embedded etcd, idle RSS, client-go create throughput for
// Deployments, and list latency. It prints a Markdown table for docs/benchmarks.md.
//
//	go run ./hack/bench/apiserver --binary _output/bin/karmada-apiserver
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/karmada-one/karmada-one/hack/bench/internal/procstat"
)

func main() {
	binary := flag.String("binary", "_output/bin/karmada-apiserver", "karmada-apiserver binary to measure")
	starts := flag.Int("starts", 5, "cold starts to time")
	count := flag.Int("deployments", 1000, "Deployments to create")
	workers := flag.Int("workers", 16, "concurrent clients creating Deployments")
	idle := flag.Duration("idle", 30*time.Second, "how long to let the server settle before reading idle RSS")
	flag.Parse()

	// A first start writes the PKI, etcd's WAL and kube's bootstrap objects (RBAC,
	// priority classes, flow schemas); a restart finds them.
	var freshTimes, restartTimes []time.Duration
	for i := 0; i < *starts; i++ {
		dir, _ := os.MkdirTemp("", "bench-apiserver-")
		s, d := start(*binary, dir)
		freshTimes = append(freshTimes, d)
		s.stop()
		s, d = start(*binary, dir)
		restartTimes = append(restartTimes, d)
		s.stop()
		os.RemoveAll(dir)
	}
	sortDurations(freshTimes)
	sortDurations(restartTimes)

	dir, _ := os.MkdirTemp("", "bench-apiserver-")
	defer os.RemoveAll(dir)
	s, _ := start(*binary, dir)
	defer s.stop()
	time.Sleep(*idle)
	idleRSS := procstat.RSSMiB(s.cmd.Process.Pid)

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "karmada-apiserver.config"))
	must(err)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling: measure the server
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	_, err = client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}, metav1.CreateOptions{})
	must(err)

	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*count) {
					return
				}
				_, err := client.AppsV1().Deployments("bench").Create(ctx, deployment(int(i)), metav1.CreateOptions{})
				must(err)
			}
		}()
	}
	wg.Wait()
	createElapsed := time.Since(begin)
	loadedRSS := procstat.RSSMiB(s.cmd.Process.Pid)

	var listTimes []time.Duration
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		l, err := client.AppsV1().Deployments("bench").List(ctx, metav1.ListOptions{})
		must(err)
		listTimes = append(listTimes, time.Since(t0))
		if len(l.Items) != *count {
			panic(fmt.Sprintf("listed %d deployments, want %d", len(l.Items), *count))
		}
	}
	sort.Slice(listTimes, func(i, j int) bool { return listTimes[i] < listTimes[j] })

	fmt.Printf("| measurement | result | goal |\n|---|---|---|\n")
	fmt.Printf("| start → /readyz ok, embedded etcd, first start on an empty data dir (%d runs) | min %s, median %s, max %s | ≤ 3 s |\n",
		*starts, ms(freshTimes[0]), ms(freshTimes[len(freshTimes)/2]), ms(freshTimes[len(freshTimes)-1]))
	fmt.Printf("| start → /readyz ok, embedded etcd, restart on an existing data dir (%d runs) | min %s, median %s, max %s | ≤ 3 s |\n",
		*starts, ms(restartTimes[0]), ms(restartTimes[len(restartTimes)/2]), ms(restartTimes[len(restartTimes)-1]))
	fmt.Printf("| idle RSS after %s (controllers running, embedded etcd) | %d MiB | ≤ 300 MB |\n", *idle, idleRSS)
	fmt.Printf("| create %d Deployments, %d client-go workers | %s, %.0f/s | ≥ 300/s |\n", *count, *workers, ms(createElapsed), float64(*count)/createElapsed.Seconds())
	fmt.Printf("| RSS after creating them | %d MiB | |\n", loadedRSS)
	fmt.Printf("| list %d Deployments (20 lists) | p50 %s, max %s | |\n", *count, ms(listTimes[len(listTimes)/2]), ms(listTimes[len(listTimes)-1]))
}

type server struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func start(binary, dir string) (*server, time.Duration) {
	port := freePort()
	cmd := exec.Command(binary, "--data-dir="+dir, "--secure-port="+strconv.Itoa(port), "--leader-elect=false")
	log, _ := os.Create(filepath.Join(dir, "server.log"))
	cmd.Stdout, cmd.Stderr = log, log
	t0 := time.Now()
	must(cmd.Start())
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	kubeconfig := filepath.Join(dir, "karmada-apiserver.config")
	for {
		select {
		case <-s.done:
			panic("server exited; see " + log.Name())
		default:
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
	c.NegotiatedSerializer = kubernetesScheme()
	return c
}

func deployment(i int) *appsv1.Deployment {
	labels := map[string]string{"app": fmt.Sprintf("app-%d", i)}
	replicas := int32(2)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d", i), Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "nginx:1.27",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}},
				}}},
			},
		},
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

func must(err error) {
	if err != nil {
		panic(err)
	}
}
