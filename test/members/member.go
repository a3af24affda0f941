package members

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Options describes one member cluster.
type Options struct {
	// Name is the member's name: the kubeconfig context and cluster name. Default "member".
	Name string
	// Dir holds everything of the member (pki, etcd data, logs, pids, kubeconfig). It is
	// created if missing; a previous member's data in it is replaced. Default: a new
	// temporary folder.
	Dir string
	// Nodes are the fake (KWOK) nodes to create. Default: DefaultNodes(Name).
	Nodes []NodeSpec
	// DieWithParent kills the member's processes when the calling process dies (Linux
	// Pdeathsig). Tests want it so a crashed or timed-out test leaves nothing behind; the
	// CLI leaves it off so members outlive it.
	DieWithParent bool
}

// NodeSpec is a fake node: allocatable = capacity = CPU/Memory/Pods (Kubernetes quantities).
type NodeSpec struct {
	Name   string
	CPU    string
	Memory string
	Pods   string
	// Labels are added to type=kwok, kubernetes.io/hostname, kubernetes.io/os and
	// kubernetes.io/arch.
	Labels map[string]string
}

// DefaultNodes is two nodes of 8 CPU, 32Gi and 110 pods, named <member>-node-1 and -2.
func DefaultNodes(member string) []NodeSpec {
	return []NodeSpec{
		{Name: member + "-node-1", CPU: "8", Memory: "32Gi", Pods: "110"},
		{Name: member + "-node-2", CPU: "8", Memory: "32Gi", Pods: "110"},
	}
}

// Member is a running member cluster.
type Member struct {
	Name string
	Dir  string
	// Kubeconfig is the path of the admin kubeconfig (context = Name).
	Kubeconfig string
	// Server is https://127.0.0.1:<port>.
	Server string
	// CAData is the PEM of the CA that signed the serving certificate.
	CAData []byte

	st  state
	pki *pki

	mu    sync.Mutex
	procs map[string]*process
}

// state is persisted as <Dir>/member.json so another process (the CLI, a later test) can
// adopt a running member with Attach.
type state struct {
	Name          string     `json:"name"`
	EtcdPort      int        `json:"etcdPort"`
	EtcdPeerPort  int        `json:"etcdPeerPort"`
	APIServerPort int        `json:"apiServerPort"`
	KwokPort      int        `json:"kwokPort"`
	Nodes         []NodeSpec `json:"nodes"`
	Binaries      Binaries   `json:"binaries"`
	DieWithParent bool       `json:"dieWithParent"`
}

const (
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	kwokNodeValue      = "fake"
)

// Start creates the PKI, starts etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok on free loopback ports, writes <Dir>/kubeconfig, creates the
// nodes, and returns once /readyz is ok, every node is Ready (and untainted) and the
// `default` ServiceAccount exists. Without a deadline on ctx, it gives up after 3 minutes.
// On error, whatever was started is stopped again.
func Start(ctx context.Context, bins *Binaries, opts Options) (*Member, error) {
	if bins == nil {
		return nil, errors.New("members: nil Binaries")
	}
	if opts.Name == "" {
		opts.Name = "member"
	}
	if opts.Dir == "" {
		d, err := os.MkdirTemp("", "member-"+opts.Name+"-")
		if err != nil {
			return nil, err
		}
		opts.Dir = d
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if len(opts.Nodes) == 0 {
		opts.Nodes = DefaultNodes(opts.Name)
	}
	for _, n := range opts.Nodes {
		if err := n.validate(); err != nil {
			return nil, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
	}

	for _, name := range procOrder {
		if p := adoptProcess(dir, name); p != nil {
			return nil, fmt.Errorf("members: %s (pid %d) of a previous member is still running in %s; stop it first (StopByPIDFiles)", name, p.pid, dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Fresh data: a previous member's etcd, PKI and PID files would not match.
	for _, stale := range []string{"etcd-data", "pki", "pids", "kubeconfig", "member.json"} {
		if err := os.RemoveAll(filepath.Join(dir, stale)); err != nil {
			return nil, err
		}
	}
	p, err := generatePKI(dir, opts.Name)
	if err != nil {
		return nil, fmt.Errorf("members: pki: %w", err)
	}
	m := &Member{
		Name:       opts.Name,
		Dir:        dir,
		Kubeconfig: filepath.Join(dir, "kubeconfig"),
		CAData:     p.caPEM,
		pki:        p,
		procs:      map[string]*process{},
		st: state{
			Name:          opts.Name,
			Nodes:         opts.Nodes,
			Binaries:      *bins,
			DieWithParent: opts.DieWithParent,
		},
	}
	// Ports are picked free but released before the processes bind them; should another
	// process grab one in between, start again on new ports.
	for attempt := 1; ; attempt++ {
		ports, err := pickPorts(4)
		if err != nil {
			return nil, err
		}
		m.st.EtcdPort, m.st.EtcdPeerPort, m.st.APIServerPort, m.st.KwokPort = ports[0], ports[1], ports[2], ports[3]
		m.Server = "https://127.0.0.1:" + strconv.Itoa(m.st.APIServerPort)
		if err := m.writeFiles(); err != nil {
			return nil, err
		}
		err = m.start(ctx)
		if err == nil {
			return m, nil
		}
		_ = m.Stop()
		if attempt < 3 && ctx.Err() == nil && strings.Contains(err.Error(), "address already in use") {
			if rmErr := os.RemoveAll(filepath.Join(dir, "etcd-data")); rmErr != nil {
				return nil, rmErr
			}
			continue
		}
		return nil, fmt.Errorf("members: start %s: %w", m.Name, err)
	}
}

func (m *Member) start(ctx context.Context) error {
	if _, err := m.startProc(procEtcd); err != nil {
		return err
	}
	if err := m.waitEtcd(ctx); err != nil {
		return err
	}
	if _, err := m.startProc(procAPIServer); err != nil {
		return err
	}
	if err := m.waitReady(ctx); err != nil {
		return err
	}
	for _, name := range []string{procKCM, procScheduler, procKwok} {
		if _, err := m.startProc(name); err != nil {
			return err
		}
	}
	cs, err := kubernetes.NewForConfig(m.RESTConfig())
	if err != nil {
		return err
	}
	for _, n := range m.st.Nodes {
		if err := createNode(ctx, cs, n); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(m.st.Nodes))
	for _, n := range m.st.Nodes {
		names = append(names, n.Name)
	}
	for attempt := 1; ; attempt++ {
		err := m.waitNodesReady(ctx, cs, names)
		if err == nil {
			break
		}
		if attempt > 2 || !m.kwokRaceCrashed() {
			return err
		}
		// KWOK v0.8 builds its CEL environments with a data race (easycel's type registry, a
		// plain map) that now and then kills it with "concurrent map read and map write" in
		// its first second; a restart gets past it. Its log is kept beside the new one.
		crashLog := filepath.Join(m.Dir, procKwok+".log")
		_ = os.Rename(crashLog, crashLog+".crash-"+strconv.Itoa(attempt))
		if _, err := m.startProc(procKwok); err != nil {
			return err
		}
	}
	return m.poll(ctx, "the default ServiceAccount", func() (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, nil
	})
}

// Attach adopts the member running in dir (started by Start, possibly from another
// process): it reads <dir>/member.json and the PID files, and fails unless every process
// is alive and /readyz answers ok.
func Attach(ctx context.Context, dir string) (*Member, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "member.json"))
	if err != nil {
		return nil, err
	}
	m := &Member{Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), pki: pkiPaths(dir), procs: map[string]*process{}}
	if err := json.Unmarshal(raw, &m.st); err != nil {
		return nil, fmt.Errorf("members: %s: %w", filepath.Join(dir, "member.json"), err)
	}
	if err := m.pki.load(); err != nil {
		return nil, err
	}
	m.Name = m.st.Name
	m.Server = "https://127.0.0.1:" + strconv.Itoa(m.st.APIServerPort)
	m.CAData = m.pki.caPEM
	for _, name := range procOrder {
		p := adoptProcess(dir, name)
		if p == nil {
			return nil, fmt.Errorf("members: %s of %s is not running", name, m.Name)
		}
		m.procs[name] = p
	}
	if err := m.Ready(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Ready checks /readyz once.
func (m *Member) Ready(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(m.RESTConfig())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("members: %s /readyz: %w", m.Name, err)
	}
	if strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("members: %s /readyz: %q", m.Name, body)
	}
	return nil
}

// RESTConfig is an admin (system:masters) client configuration for the member.
func (m *Member) RESTConfig() *rest.Config {
	return &rest.Config{
		Host: m.Server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   append([]byte(nil), m.pki.caPEM...),
			CertData: append([]byte(nil), m.pki.adminCertPEM...),
			KeyData:  append([]byte(nil), m.pki.adminKeyPEM...),
		},
		QPS:   100,
		Burst: 200,
	}
}

// PIDs returns the PID of every process this Member knows to be running, by process name
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok).
func (m *Member) PIDs() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for name, p := range m.procs {
		if !p.exited() {
			out[name] = p.pid
		}
	}
	return out
}

// Stop stops every process of the member (SIGTERM, then SIGKILL after 10 s, 3 s for the
// kube-apiserver), by recorded PID only, and removes the PID files. Data stays in Dir.
func (m *Member) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := stopMemberDir(m.Dir, m.procs)
	m.procs = map[string]*process{}
	return err
}

// StopAPIServer stops only the kube-apiserver: the member becomes unreachable while etcd,
// the controllers and kwok keep running.
func (m *Member) StopAPIServer() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.procs[procAPIServer]
	if p == nil {
		p = adoptProcess(m.Dir, procAPIServer)
	}
	if p != nil {
		if err := p.stop(); err != nil {
			return err
		}
	}
	delete(m.procs, procAPIServer)
	if err := os.Remove(pidFile(m.Dir, procAPIServer)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// StartAPIServer starts the kube-apiserver again on the same port with the same data, and
// waits for /readyz.
func (m *Member) StartAPIServer(ctx context.Context) error {
	if p := m.proc(procAPIServer); p != nil && !p.exited() {
		return fmt.Errorf("members: kube-apiserver of %s is running (pid %d)", m.Name, p.pid)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	if _, err := m.startProc(procAPIServer); err != nil {
		return err
	}
	return m.waitReady(ctx)
}

// AddNode creates one more fake node and waits until it is Ready.
func (m *Member) AddNode(ctx context.Context, n NodeSpec) error {
	if err := n.validate(); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	cs, err := kubernetes.NewForConfig(m.RESTConfig())
	if err != nil {
		return err
	}
	if err := createNode(ctx, cs, n); err != nil {
		return err
	}
	m.mu.Lock()
	m.st.Nodes = append(m.st.Nodes, n)
	err = m.writeState()
	m.mu.Unlock()
	if err != nil {
		return err
	}
	return m.waitNodesReady(ctx, cs, []string{n.Name})
}

func (m *Member) proc(name string) *process {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.procs[name]
}

func (m *Member) startProc(name string) (*process, error) {
	bin, args := m.command(name)
	p, err := startProcess(m.Dir, name, bin, args, m.st.DieWithParent)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.procs[name] = p
	m.mu.Unlock()
	return p, nil
}

// command returns the binary and flags of one process (see docs/design/member-clusters.md,
// "One member").
func (m *Member) command(name string) (string, []string) {
	d, p, st := m.Dir, m.pki, m.st
	kubeconfig := "--kubeconfig=" + m.Kubeconfig
	switch name {
	case procEtcd:
		client := "http://127.0.0.1:" + strconv.Itoa(st.EtcdPort)
		peer := "http://127.0.0.1:" + strconv.Itoa(st.EtcdPeerPort)
		return st.Binaries.Etcd, []string{
			"--name=" + st.Name,
			"--data-dir=" + filepath.Join(d, "etcd-data"),
			"--listen-client-urls=" + client,
			"--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer,
			"--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=" + st.Name + "=" + peer,
			"--unsafe-no-fsync",
			"--quota-backend-bytes=" + strconv.Itoa(4<<30),
			"--log-level=warn",
		}
	case procAPIServer:
		return st.Binaries.KubeAPIServer, []string{
			"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(st.EtcdPort),
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(st.APIServerPort),
			"--cert-dir=" + p.dir,
			"--tls-cert-file=" + p.servingCert,
			"--tls-private-key-file=" + p.servingKey,
			"--client-ca-file=" + p.caCert,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + p.saPub,
			"--service-account-signing-key-file=" + p.saKey,
			"--service-cluster-ip-range=10.96.0.0/16",
			"--authorization-mode=RBAC",
			"--endpoint-reconciler-type=none",
			// The aggregator dials an APIService's endpoints directly: members have no
			// kube-proxy for Service IPs (the e2e fake metrics server relies on it).
			"--enable-aggregator-routing=true",
			"--allow-privileged=true",
			"--profiling=false",
		}
	case procKCM:
		return st.Binaries.KubeControllerManager, []string{
			kubeconfig,
			"--leader-elect=false",
			"--secure-port=0",
			"--service-account-private-key-file=" + p.saKey,
			"--root-ca-file=" + p.caCert,
			"--cluster-signing-cert-file=" + p.caCert,
			"--cluster-signing-key-file=" + p.caKey,
			"--cluster-name=" + st.Name,
			"--profiling=false",
		}
	case procScheduler:
		return st.Binaries.KubeScheduler, []string{
			kubeconfig,
			"--leader-elect=false",
			"--secure-port=0",
			"--profiling=false",
		}
	case procKwok:
		return st.Binaries.Kwok, []string{
			kubeconfig,
			"--config=" + st.Binaries.KwokStages,
			"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=" + kwokNodeValue,
			"--node-ip=127.0.0.1",
			"--node-lease-duration-seconds=40",
			"--cidr=10.244.0.1/16",
			"--server-address=127.0.0.1:" + strconv.Itoa(st.KwokPort),
		}
	}
	panic("unknown process " + name)
}

func (m *Member) writeFiles() error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[m.Name] = &clientcmdapi.Cluster{Server: m.Server, CertificateAuthorityData: m.pki.caPEM}
	user := m.Name + "-admin"
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: m.pki.adminCertPEM, ClientKeyData: m.pki.adminKeyPEM}
	cfg.Contexts[m.Name] = &clientcmdapi.Context{Cluster: m.Name, AuthInfo: user}
	cfg.CurrentContext = m.Name
	if err := clientcmd.WriteToFile(*cfg, m.Kubeconfig); err != nil {
		return err
	}
	return m.writeState()
}

func (m *Member) writeState() error {
	raw, err := json.MarshalIndent(m.st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(m.Dir, "member.json"), raw, 0o644)
}

func (m *Member) waitEtcd(ctx context.Context) error {
	url := "http://127.0.0.1:" + strconv.Itoa(m.st.EtcdPort) + "/health"
	client := &http.Client{Timeout: time.Second}
	return m.poll(ctx, "etcd /health", func() (bool, error) {
		// The port must be bound by our etcd, not by whatever took it before etcd could.
		if p := m.proc(procEtcd); p == nil || !listensOn(p.pid, m.st.EtcdPort) {
			return false, nil
		}
		resp, err := client.Get(url)
		if err != nil {
			return false, nil
		}
		defer resp.Body.Close()
		var health struct{ Health string }
		if json.NewDecoder(resp.Body).Decode(&health) != nil {
			return false, nil
		}
		return health.Health == "true", nil
	}, procEtcd)
}

func (m *Member) waitReady(ctx context.Context) error {
	return m.poll(ctx, "kube-apiserver /readyz", func() (bool, error) {
		return m.Ready(ctx) == nil, nil
	}, procEtcd, procAPIServer)
}

// kwokRaceCrashed reports whether kwok has exited with Go's fatal concurrent map access.
func (m *Member) kwokRaceCrashed() bool {
	p := m.proc(procKwok)
	if p == nil || !p.exited() {
		return false
	}
	raw, err := os.ReadFile(filepath.Join(m.Dir, procKwok+".log"))
	return err == nil && strings.Contains(string(raw), "fatal error: concurrent map")
}

func (m *Member) waitNodesReady(ctx context.Context, cs kubernetes.Interface, names []string) error {
	return m.poll(ctx, fmt.Sprintf("nodes %v Ready", names), func() (bool, error) {
		for _, name := range names {
			n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			if !NodeReady(n) {
				return false, nil
			}
		}
		return true, nil
	}, procKCM, procKwok)
}

// NodeReady reports whether the node has Ready=True and none of the not-ready/unreachable
// taints the node lifecycle controller removes once it has seen it Ready.
func NodeReady(n *corev1.Node) bool {
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	return ready
}

// poll runs cond every 100 ms until it is true, ctx ends, or one of the watched processes
// exits (then the error carries the end of its log).
func (m *Member) poll(ctx context.Context, what string, cond func() (bool, error), watch ...string) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		for _, name := range watch {
			if p := m.proc(name); p != nil && p.exited() {
				return fmt.Errorf("waiting for %s: %s exited; end of %s:\n%s", what, name,
					filepath.Join(m.Dir, name+".log"), logTail(filepath.Join(m.Dir, name+".log"), 30))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

func logTail(path string, lines int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func (n NodeSpec) validate() error {
	if n.Name == "" {
		return errors.New("members: node without a name")
	}
	for what, q := range map[string]string{"cpu": n.CPU, "memory": n.Memory, "pods": n.Pods} {
		if q == "" {
			continue
		}
		if _, err := resource.ParseQuantity(q); err != nil {
			return fmt.Errorf("members: node %s %s: %w", n.Name, what, err)
		}
	}
	return nil
}

// resources is the node's capacity (= allocatable); empty fields take the defaults
// 8 CPU / 32Gi / 110 pods.
func (n NodeSpec) resources() corev1.ResourceList {
	orDefault := func(v, d string) resource.Quantity {
		if v == "" {
			v = d
		}
		return resource.MustParse(v)
	}
	return corev1.ResourceList{
		corev1.ResourceCPU:    orDefault(n.CPU, "8"),
		corev1.ResourceMemory: orDefault(n.Memory, "32Gi"),
		corev1.ResourcePods:   orDefault(n.Pods, "110"),
	}
}

func createNode(ctx context.Context, cs kubernetes.Interface, n NodeSpec) error {
	labels := map[string]string{
		"type":                   "kwok",
		"kubernetes.io/hostname": n.Name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
	}
	for k, v := range n.Labels {
		labels[k] = v
	}
	res := n.resources()
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        n.Name,
			Labels:      labels,
			Annotations: map[string]string{kwokNodeAnnotation: kwokNodeValue, "node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res.DeepCopy()},
	}
	_, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", n.Name, err)
	}
	return nil
}

// pickPorts is freePorts; tests replace it to simulate a port taken in between.
var pickPorts = freePorts

// freePorts picks n distinct free loopback ports (all held open while choosing).
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
