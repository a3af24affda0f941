// Package members runs real Kubernetes member clusters on 127.0.0.1 for tests and the
// quick start: etcd + kube-apiserver + kube-controller-manager + kube-scheduler + KWOK per
// member, every binary built from the Go module proxy (no Docker, no binary downloads).
//
// See docs/design/member-clusters.md for what this package does and why.
package members

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// KubernetesVersion is the version the member binaries are built from and report in /version.
const KubernetesVersion = "v1.37.2"

// KwokVersion is the KWOK release built for the members.
const KwokVersion = "v0.8.0"

// Binaries holds the paths of everything a member runs.
type Binaries struct {
	// Dir is the folder holding the binaries (<repoRoot>/_cache/bin).
	Dir                   string
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kwok                  string
	// KwokStages is the KWOK --config file with the node and pod Stage objects.
	KwokStages string
}

// k8sLDFlags makes /version report KubernetesVersion instead of v0.0.0-master.
var k8sLDFlags = strings.Join([]string{
	"-s", "-w",
	"-X", "k8s.io/component-base/version.gitVersion=" + KubernetesVersion,
	"-X", "k8s.io/component-base/version.gitMajor=1",
	"-X", "k8s.io/component-base/version.gitMinor=37",
	"-X", "k8s.io/client-go/pkg/version.gitVersion=" + KubernetesVersion,
	"-X", "k8s.io/client-go/pkg/version.gitMajor=1",
	"-X", "k8s.io/client-go/pkg/version.gitMinor=37",
}, " ")

// kwokStageFiles are the Stage objects (relative to the kwok module's kustomize/stage/)
// concatenated into the KWOK config: nodes become Ready at once and keep a Lease, pods
// become Running at once, Job pods complete, deleted pods go away.
var kwokStageFiles = []string{
	"node/fast/node-initialize.yaml",
	"node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
	"pod/fast/pod-ready.yaml",
	"pod/fast/pod-complete.yaml",
	"pod/fast/pod-delete.yaml",
}

func binariesIn(repoRoot string) *Binaries {
	dir := filepath.Join(repoRoot, "_cache", "bin")
	return &Binaries{
		Dir:                   dir,
		Etcd:                  filepath.Join(dir, "etcd"),
		KubeAPIServer:         filepath.Join(dir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(dir, "kube-controller-manager"),
		KubeScheduler:         filepath.Join(dir, "kube-scheduler"),
		Kwok:                  filepath.Join(dir, "kwok"),
		KwokStages:            filepath.Join(repoRoot, "_cache", "kwok-stages.yaml"),
	}
}

// MissingBinaries lists what EnsureBinaries would still have to build (binary names, and
// "kwok-stages.yaml"), so callers can warn that the first run takes minutes.
func MissingBinaries(repoRoot string) []string {
	b := binariesIn(repoRoot)
	var missing []string
	for _, p := range []string{b.KubeAPIServer, b.KubeControllerManager, b.KubeScheduler, b.Etcd, b.Kwok, b.KwokStages} {
		if !fileExists(p) {
			missing = append(missing, filepath.Base(p))
		}
	}
	return missing
}

// EnsureBinaries builds into <repoRoot>/_cache/bin/ whatever is missing there: kube-apiserver,
// kube-controller-manager and kube-scheduler from k8s.io/kubernetes (tools of the main module,
// so the build cache is shared with the control plane), etcd from ./hack/tools/etcd, and kwok
// via `go install` outside the module; and writes <repoRoot>/_cache/kwok-stages.yaml.
// Present files are never rebuilt. A file lock serialises concurrent callers and every
// binary is built to a temporary name and renamed, so a half-written binary is never seen.
// Cold, the builds take minutes; progress lines go to os.Stderr.
func EnsureBinaries(ctx context.Context, repoRoot string) (*Binaries, error) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return nil, err
	}
	b := binariesIn(root)
	if len(MissingBinaries(root)) == 0 {
		return b, nil
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, filepath.Join(b.Dir, ".build.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("go toolchain not found: %w", err)
	}
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		out := filepath.Join(b.Dir, name)
		if fileExists(out) {
			continue
		}
		logf("members: building %s (cold: minutes)", name)
		err := buildTo(out, func(tmp string) *exec.Cmd {
			cmd := exec.CommandContext(ctx, gobin, "build", "-ldflags", k8sLDFlags, "-o", tmp, "k8s.io/kubernetes/cmd/"+name)
			cmd.Dir = root
			return cmd
		})
		if err != nil {
			return nil, err
		}
	}
	if !fileExists(b.Etcd) {
		logf("members: building etcd")
		err := buildTo(b.Etcd, func(tmp string) *exec.Cmd {
			cmd := exec.CommandContext(ctx, gobin, "build", "-o", tmp, "./hack/tools/etcd")
			cmd.Dir = root
			return cmd
		})
		if err != nil {
			return nil, err
		}
	}

	// kwok is not a dependency of this module: build it from its own module in a scratch dir.
	var scratch string
	if !fileExists(b.Kwok) || !fileExists(b.KwokStages) {
		scratch, err = os.MkdirTemp("", "members-kwok-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(scratch)
	}
	outsideModuleEnv := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GO111MODULE=on")
	if !fileExists(b.Kwok) {
		logf("members: building kwok %s", KwokVersion)
		gobinDir := filepath.Join(scratch, "bin")
		cmd := exec.CommandContext(ctx, gobin, "install", "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion)
		cmd.Dir = scratch
		cmd.Env = append(outsideModuleEnv, "GOBIN="+gobinDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go install kwok: %w\n%s", err, out)
		}
		if err := moveInto(filepath.Join(gobinDir, "kwok"), b.Kwok); err != nil {
			return nil, err
		}
	}
	if !fileExists(b.KwokStages) {
		cmd := exec.CommandContext(ctx, gobin, "mod", "download", "-json", "sigs.k8s.io/kwok@"+KwokVersion)
		cmd.Dir = scratch
		cmd.Env = outsideModuleEnv
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go mod download kwok: %w\n%s", err, stderr.String())
		}
		var mod struct{ Dir string }
		if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
			return nil, fmt.Errorf("go mod download kwok: no Dir in %q (%v)", out, err)
		}
		var stages bytes.Buffer
		for i, f := range kwokStageFiles {
			data, err := os.ReadFile(filepath.Join(mod.Dir, "kustomize", "stage", f))
			if err != nil {
				return nil, fmt.Errorf("kwok stage: %w", err)
			}
			if i > 0 {
				stages.WriteString("---\n")
			}
			fmt.Fprintf(&stages, "# sigs.k8s.io/kwok@%s kustomize/stage/%s\n", KwokVersion, f)
			stages.Write(bytes.TrimRight(data, "\n"))
			stages.WriteString("\n")
		}
		if err := writeFileAtomic(b.KwokStages, stages.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// buildTo runs the command made for a temporary output path next to out, then renames it.
func buildTo(out string, mk func(tmp string) *exec.Cmd) error {
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	defer os.Remove(tmp)
	cmd := mk(tmp)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, output)
	}
	return os.Rename(tmp, out)
}

// moveInto moves src to dst atomically even across file systems (copy to dst's folder, rename).
func moveInto(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFileAtomic(dst, data, 0o755)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// lockFile takes an exclusive flock on path, giving up when ctx ends.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
	case <-ctx.Done():
		// Closing the file releases the lock should the goroutine still obtain it.
		go func() { <-done; f.Close() }()
		return nil, ctx.Err()
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
