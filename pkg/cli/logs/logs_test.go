package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

func TestValidate(t *testing.T) {
	o := &Options{commandPath: "kubectl karmada"}
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "-C/--cluster is required: the member cluster that runs the pod, e.g. kubectl karmada logs POD -C member1 (`kubectl karmada get pods --operation-scope members` shows the CLUSTER of each pod)") {
		t.Errorf("no cluster: %v", err)
	}
	o.Cluster = "member1"
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}

func TestFlags(t *testing.T) {
	cmd := NewCmdLogs(util.NewFactory("test"), "kubectl karmada")
	for _, name := range []string{"follow", "previous", "container", "tail", "since", "since-time", "timestamps", "selector", "all-containers",
		"all-pods", "prefix", "limit-bytes", "max-log-requests", "pod-running-timeout", "ignore-errors", "namespace", "cluster"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("missing --%s", name)
		}
	}
	if f := cmd.Flags().ShorthandLookup("C"); f == nil || f.Name != "cluster" {
		t.Error("-C is not --cluster")
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

// TestLogsThroughTheProxy runs logs against a fake control plane whose member1 proxy has one
// running pod: the pod and its log are read below the proxy path.
func TestLogsThroughTheProxy(t *testing.T) {
	t.Setenv("KUBECACHEDIR", t.TempDir())
	proxy := util.ProxyPath("member1")
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/cluster.karmada.io/v1alpha1/clusters":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "ClusterList", "apiVersion": "cluster.karmada.io/v1alpha1",
				"items": []any{map[string]any{"metadata": map[string]any{"name": "member1"},
					"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "ClusterReady",
						"message": "ok", "lastTransitionTime": "2025-01-01T00:00:00Z"}}}}}})
		case proxy + "/api":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "APIVersions", "versions": []string{"v1"}})
		case proxy + "/apis":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
		case proxy + "/api/v1":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "APIResourceList", "groupVersion": "v1", "resources": []any{
				map[string]any{"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": []string{"get", "list"}},
			}})
		case proxy + "/api/v1/namespaces/default/pods/web":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Pod", "apiVersion": "v1",
				"metadata": map[string]any{"name": "web", "namespace": "default"},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "app", "image": "nginx"}}},
				"status":   map[string]any{"phase": "Running"}})
		case proxy + "/api/v1/namespaces/default/pods/web/log":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintln(w, "hello from member1")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	run := func(args ...string) (string, error) {
		f := util.NewFactory("test")
		f.KubeConfig = writeKubeconfig(t, srv.URL)
		cmd := NewCmdLogs(f, "kubectl karmada")
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SilenceErrors = true
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("web", "-C", "member1")
	if err != nil || out != "hello from member1\n" {
		t.Fatalf("logs: %v %q (paths %v)", err, out, paths)
	}
	_, err = run("web", "-C", "member2")
	if err == nil || err.Error() != "cluster(s) member2 not found (registered clusters: member1)" {
		t.Errorf("unknown cluster: %v", err)
	}
	_, err = run("nothing", "-C", "member1")
	if err == nil || !strings.HasPrefix(err.Error(), "cluster member1: error from server (NotFound)") || !strings.Contains(err.Error(), "pods nothing") {
		t.Errorf("missing pod: %v", err)
	}
}
