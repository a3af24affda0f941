package exec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

func TestValidate(t *testing.T) {
	o := &Options{commandPath: "kubectl karmada"}
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "-C/--cluster is required: the member cluster that runs the pod, e.g. kubectl karmada exec POD -C member1 -- COMMAND (`kubectl karmada get pods --operation-scope members` shows the CLUSTER of each pod)") {
		t.Errorf("no cluster: %v", err)
	}
	o.Cluster = "Member1"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `--cluster: invalid cluster name "Member1"`) {
		t.Errorf("bad name: %v", err)
	}
	o.Cluster = "member1"
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}

func TestFlags(t *testing.T) {
	cmd := NewCmdExec(util.NewFactory("test"), "kubectl karmada")
	for short, name := range map[string]string{"c": "container", "i": "stdin", "t": "tty", "q": "quiet", "f": "filename", "n": "namespace", "C": "cluster"} {
		if f := cmd.Flags().ShorthandLookup(short); f == nil || f.Name != name {
			t.Errorf("-%s is not --%s", short, name)
		}
	}
	if cmd.Flags().Lookup("pod-running-timeout") == nil {
		t.Error("missing --pod-running-timeout")
	}
	// Without -C nothing is contacted: the kubeconfig does not even exist.
	f := util.NewFactory("test")
	f.KubeConfig = "/nonexistent/kubeconfig"
	cmd = NewCmdExec(f, "kubectl karmada")
	cmd.SetArgs([]string{"web", "--", "date"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "-C/--cluster is required") {
		t.Errorf("exec without -C: %v", err)
	}
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: cp
  cluster: {server: %q}
contexts:
- name: cp
  context: {cluster: cp, user: admin, namespace: default}
current-context: cp
users:
- name: admin
  user: {token: t}
`, server)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExecThroughTheProxy runs exec against a fake control plane whose member1 proxy has one
// running pod and refuses the exec upgrade: the session is requested below the proxy path, and
// the server's refusal comes back.
func TestExecThroughTheProxy(t *testing.T) {
	t.Setenv("KUBECACHEDIR", t.TempDir())
	proxy := util.ProxyPath("member1")
	var mu sync.Mutex
	var execs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		switch r.URL.Path {
		case "/apis/cluster.karmada.io/v1alpha1/clusters":
			_ = enc.Encode(map[string]any{"kind": "ClusterList", "apiVersion": "cluster.karmada.io/v1alpha1",
				"items": []any{map[string]any{"metadata": map[string]any{"name": "member1"},
					"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "ClusterReady",
						"message": "ok", "lastTransitionTime": "2025-01-01T00:00:00Z"}}}}}})
		case proxy + "/api":
			_ = enc.Encode(map[string]any{"kind": "APIVersions", "versions": []string{"v1"}})
		case proxy + "/apis":
			_ = enc.Encode(map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
		case proxy + "/api/v1":
			_ = enc.Encode(map[string]any{"kind": "APIResourceList", "groupVersion": "v1", "resources": []any{
				map[string]any{"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": []string{"get", "list"}},
			}})
		case proxy + "/api/v1/namespaces/default/pods/web":
			_ = enc.Encode(map[string]any{"kind": "Pod", "apiVersion": "v1",
				"metadata": map[string]any{"name": "web", "namespace": "default"},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "app", "image": "nginx"}}},
				"status":   map[string]any{"phase": "Running"}})
		case proxy + "/api/v1/namespaces/default/pods/web/exec":
			mu.Lock()
			execs = append(execs, r.Method+" "+r.URL.Query().Get("command")+" "+r.URL.Query().Get("container"))
			mu.Unlock()
			w.WriteHeader(http.StatusForbidden)
			_ = enc.Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
				"message": "member1 says no"})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	f := util.NewFactory("test")
	f.KubeConfig = writeKubeconfig(t, srv.URL)
	cmd := NewCmdExec(f, "kubectl karmada")
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceErrors = true
	cmd.SetArgs([]string{"web", "-C", "member1", "--", "date"})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "member1 says no") {
		t.Errorf("exec: %v\n%s", err, out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(execs) == 0 || execs[0] != "GET date app" {
		t.Errorf("exec requests %v", execs)
	}
}
