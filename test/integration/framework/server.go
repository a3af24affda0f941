// Package framework starts the real control plane for integration tests: in-process
// (fast, shares the test binary) or as the built binary (for restarts and kill -9).
package framework

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/karmada-one/karmada-one/pkg/server"
)

// Server is a running control plane.
type Server struct {
	DataDir    string
	Port       int
	Kubeconfig string
	Config     *rest.Config
	Client     kubernetes.Interface

	stop    func()
	done    chan struct{}
	cmd     *exec.Cmd
	logFile *os.File
}

// Options tune a test server.
type Options struct {
	// DataDir reuses a data dir (restart tests); empty means a new temp dir.
	DataDir string
	// EtcdServers points at an external etcd; empty means embedded.
	EtcdServers string
	// Controllers runs the embedded controllers (GC, namespaces, ...).
	Controllers bool
	ExtraFlags  []string
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (o Options) flags(t testing.TB, dataDir string, port int) []string {
	args := []string{
		"--data-dir=" + dataDir,
		"--secure-port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--embedded-etcd-unsafe-no-fsync=true",
		"--leader-elect=false",
		"--memory-limit=0", // tests want speed; the soft limit is measured by hack/bench
		"--v=0",
	}
	if o.EtcdServers != "" {
		args = append(args, "--etcd-servers="+o.EtcdServers, "--etcd-prefix=/registry-"+strconv.Itoa(port))
	}
	if !o.Controllers {
		args = append(args, "--disable-controllers=true")
	}
	return append(args, o.ExtraFlags...)
}

var inProcessMu sync.Mutex

// StartInProcess runs the server inside the test binary and waits for /readyz.
func StartInProcess(t testing.TB, o Options) *Server {
	t.Helper()
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	port := FreePort(t)
	opts := server.NewOptions()
	fs := pflag.NewFlagSet("karmada-apiserver", pflag.ContinueOnError)
	opts.AddFlagSet(fs)
	if err := fs.Parse(o.flags(t, dataDir, port)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Completing options touches process-wide registries; one at a time.
	inProcessMu.Lock()
	completed, err := opts.Complete(ctx)
	inProcessMu.Unlock()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &Server{DataDir: dataDir, Port: port, Kubeconfig: filepath.Join(dataDir, "karmada-apiserver.config"), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := server.Run(ctx, completed); err != nil && ctx.Err() == nil {
			t.Errorf("server exited: %v", err)
		}
	}()
	s.stop = func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			t.Errorf("server did not stop within 60s")
		}
	}
	t.Cleanup(s.Stop)
	s.waitReady(t, func() bool {
		select {
		case <-s.done:
			return false
		default:
			return true
		}
	})
	return s
}

// BinaryPath builds (once per test binary) the karmada-apiserver into the repo's
// ignored cache and returns its path.
func BinaryPath(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "karmada-apiserver", "./cmd/karmada-apiserver")
}

// EtcdBinaryPath builds the etcd that ships with the module set.
func EtcdBinaryPath(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "etcd", "./hack/tools/etcd")
}

var (
	buildMu    sync.Mutex
	buildCache = map[string]string{}
)

// RepoRoot finds the module root from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

func buildOnce(t testing.TB, name, pkg string) string {
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := buildCache[name]; ok {
		return p
	}
	root := RepoRoot()
	out := filepath.Join(root, "_output", "test-bin", name)
	cmd := exec.Command("go", "build", "-ldflags", ldflags(), "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
	buildCache[name] = out
	return out
}

func ldflags() string {
	return "-X k8s.io/component-base/version.gitVersion=v1.37.2 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 " +
		"-X k8s.io/client-go/pkg/version.gitVersion=v1.37.2 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37"
}

// StartBinary runs the built binary as a child process (for kill -9 and restarts).
func StartBinary(t testing.TB, o Options) *Server {
	t.Helper()
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	port := FreePort(t)
	bin := BinaryPath(t)
	logFile, err := os.OpenFile(filepath.Join(dataDir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, o.flags(t, dataDir, port)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{DataDir: dataDir, Port: port, Kubeconfig: filepath.Join(dataDir, "karmada-apiserver.config"), done: make(chan struct{}), cmd: cmd, logFile: logFile}
	go func() { _ = cmd.Wait(); close(s.done) }()
	s.stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-s.done
		}
		logFile.Close()
	}
	t.Cleanup(s.Stop)
	s.waitReady(t, func() bool {
		select {
		case <-s.done:
			return false
		default:
			return true
		}
	})
	return s
}

// Kill sends SIGKILL to a binary server and waits for it to die.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		t.Fatal("Kill needs a server started with StartBinary")
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.logFile.Close()
	s.stop = nil
}

// Stop shuts the server down gracefully (idempotent).
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Log returns the binary server's log (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.DataDir, "server.log"))
	return string(b)
}

func (s *Server) waitReady(t testing.TB, alive func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		if !alive() {
			t.Fatalf("server exited before it was ready\n%s", s.Log())
		}
		if _, err := os.Stat(s.Kubeconfig); err == nil {
			cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
			if err == nil {
				client, err := kubernetes.NewForConfig(cfg)
				if err == nil {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
					cancel()
					if err == nil && string(body) == "ok" {
						cfg.QPS, cfg.Burst = 500, 1000
						s.Config = cfg
						s.Client = kubernetes.NewForConfigOrDie(cfg)
						return
					}
					lastErr = fmt.Errorf("readyz: %v %s", err, body)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("server not ready after 90s: %v\n%s", lastErr, s.Log())
}

// KubectlPath builds kubectl from the same Kubernetes version the control plane uses.
func KubectlPath(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "kubectl", "k8s.io/kubernetes/cmd/kubectl")
}

// Kubectl runs kubectl against s and returns combined output.
func (s *Server) Kubectl(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(KubectlPath(t), append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// MustKubectl is Kubectl that fails the test on error.
func (s *Server) MustKubectl(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	out, err := s.Kubectl(t, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// KubeconfigForToken writes a kubeconfig for s that authenticates with a bearer
// token only (no client certificate), for authentication and RBAC tests.
func (s *Server) KubeconfigForToken(t testing.TB, token string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for name := range cfg.AuthInfos {
		delete(cfg.AuthInfos, name)
	}
	cfg.AuthInfos["token"] = clientcmdapi.NewAuthInfo()
	cfg.AuthInfos["token"].Token = token
	for _, c := range cfg.Contexts {
		c.AuthInfo = "token"
	}
	path := filepath.Join(t.TempDir(), "token.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// KubectlWith runs kubectl with another kubeconfig.
func KubectlWith(t testing.TB, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(KubectlPath(t), append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// KarmadactlPath builds the kubectl-karmada plugin.
func KarmadactlPath(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "kubectl-karmada", "./cmd/kubectl-karmada")
}
