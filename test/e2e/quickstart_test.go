// Package e2e drives what a user types, with the built binaries.
package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestQuickStart runs the README's quick start (hack/local-up.sh, i.e. `make up`)
// with its own data directories and port, checks that it ends with three Ready
// member clusters, then tears it down with hack/local-down.sh.
func TestQuickStart(t *testing.T) {
	root := framework.RepoRoot()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	env := append(os.Environ(),
		"KARMADA_DATA_DIR="+filepath.Join(dir, "data"),
		"MEMBERS_DIR="+filepath.Join(dir, "members"),
		fmt.Sprintf("KARMADA_PORT=%d", port),
	)
	down := func() {
		cmd := exec.Command(filepath.Join(root, "hack", "local-down.sh"))
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("local-down.sh: %v\n%s", err, out)
		}
	}
	t.Cleanup(down)

	up := exec.Command(filepath.Join(root, "hack", "local-up.sh"))
	up.Env = env
	out, err := up.CombinedOutput()
	if err != nil {
		t.Fatalf("local-up.sh failed: %v\n%s", err, out)
	}
	text := string(out)
	i := strings.Index(text, "NAME      VERSION")
	if i < 0 {
		t.Fatalf("no cluster table in the output:\n%s", text)
	}
	var ready []string
	for _, line := range strings.Split(text[i:], "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 5 && f[2] == "Push" && f[3] == "True" {
			ready = append(ready, f[0])
		}
	}
	if strings.Join(ready, ",") != "member1,member2,member3" {
		t.Fatalf("Ready clusters %v, want member1,member2,member3:\n%s", ready, text)
	}
	if !strings.Contains(text, "Stop everything with: hack/local-down.sh") {
		t.Errorf("the quick start does not say what to do next:\n%s", text)
	}

	// The admin kubeconfig's karmada context is the merged view of the three members.
	view := exec.Command("kubectl", "--kubeconfig", filepath.Join(dir, "data", "karmada-apiserver.config"), "--context", "karmada", "get", "namespace", "kube-system")
	vout, err := view.CombinedOutput()
	if err == nil || !strings.Contains(string(vout), "exists in clusters member1, member2, member3") {
		t.Errorf("kube-system exists in every member; getting it by name through the view should fail naming them (err %v):\n%s", err, vout)
	}
	view = exec.Command("kubectl", "--kubeconfig", filepath.Join(dir, "data", "karmada-apiserver.config"), "--context", "karmada", "get", "namespaces")
	vout, err = view.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl --context karmada get namespaces: %v\n%s", err, vout)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(vout), "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "kube-system" {
			rows[f[1]] = true
		}
	}
	if len(rows) != 3 || !rows["member1"] || !rows["member2"] || !rows["member3"] {
		t.Errorf("the merged view should list kube-system once per member with its CLUSTER:\n%s", vout)
	}

	// Running it again keeps what runs and still succeeds.
	again := exec.Command(filepath.Join(root, "hack", "local-up.sh"))
	again.Env = env
	if out, err := again.CombinedOutput(); err != nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("second local-up.sh: %v\n%s", err, out)
	}

	down()
	if out, _ := exec.Command("pgrep", "-f", dir).Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("processes left after local-down.sh: %s", out)
	}
}
