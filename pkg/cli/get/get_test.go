package get

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectlget "k8s.io/kubectl/pkg/cmd/get"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scope    util.OperationScope
		clusters []string
		watch    bool
		want     string
	}{
		{"karmada", util.ScopeKarmada, nil, false, ""},
		{"members", util.ScopeMembers, nil, true, ""},
		{"members narrowed", util.ScopeMembers, []string{"member1", "member2"}, false, ""},
		{"all narrowed", util.ScopeAll, []string{"member1"}, false, ""},
		{"clusters without members", util.ScopeKarmada, []string{"member1"}, false,
			"--clusters (-C) selects member clusters and needs --operation-scope members or all, e.g. kubectl karmada get pods --operation-scope members -C member1"},
		{"bad cluster name", util.ScopeMembers, []string{"Member1"}, false, `--clusters: invalid cluster name "Member1"`},
		{"watch all", util.ScopeAll, nil, true, "--watch needs a single scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Options{Scope: util.NewScopeFlag(util.ScopeKarmada, util.ScopeMembers, util.ScopeAll), Clusters: tc.clusters,
				get: kubectlget.NewGetOptions("kubectl", genericiooptions.IOStreams{}), commandPath: "kubectl karmada"}
			o.Scope.Value = tc.scope
			o.get.Watch = tc.watch
			err := o.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	cmd := NewCmdGet(util.NewFactory("test"), "kubectl karmada")
	for _, name := range []string{"output", "selector", "all-namespaces", "namespace", "watch", "watch-only", "chunk-size", "label-columns",
		"show-labels", "sort-by", "no-headers", "raw", "field-selector", "filename", "kustomize", "subresource", "ignore-not-found",
		"server-print", "show-kind", "template", "operation-scope", "clusters"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("missing --%s", name)
		}
	}
	for short, name := range map[string]string{"o": "output", "l": "selector", "A": "all-namespaces", "n": "namespace", "w": "watch", "C": "clusters", "L": "label-columns"} {
		if f := cmd.Flags().ShorthandLookup(short); f == nil || f.Name != name {
			t.Errorf("-%s is not --%s", short, name)
		}
	}

	cmd.SetArgs([]string{"pods", "--operation-scope", "everything"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), `invalid argument "everything" for "--operation-scope" flag: "everything" is not a valid operation scope: use one of karmada, members, all`) {
		t.Errorf("invalid scope: %v", err)
	}
}

func TestParts(t *testing.T) {
	f := util.NewFactory("test")
	f.KubeConfig = writeKubeconfig(t, "https://cp.example:6443")
	o := &Options{Scope: util.NewScopeFlag(util.ScopeKarmada, util.ScopeMembers, util.ScopeAll)}
	hosts := func() []string {
		var got []string
		for _, p := range o.parts(f, nil) {
			cfg, err := p.factory.ToRESTConfig()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.label+" "+cfg.Host)
		}
		return got
	}
	const view = "https://cp.example:6443/apis/search.karmada.io/v1alpha1/proxying/"
	if got := hosts(); !slices.Equal(got, []string{"the control plane https://cp.example:6443"}) {
		t.Errorf("karmada: %v", got)
	}
	o.Scope.Value = util.ScopeMembers
	if got := hosts(); !slices.Equal(got, []string{"the member clusters " + view + "karmada/proxy"}) {
		t.Errorf("members: %v", got)
	}
	o.Scope.Value, o.Clusters = util.ScopeAll, []string{"member2", "member1"}
	if got := hosts(); !slices.Equal(got, []string{"the control plane https://cp.example:6443", "the member clusters " + view + "member1,member2/proxy"}) {
		t.Errorf("all -C member2,member1: %v", got)
	}
}

func TestWriters(t *testing.T) {
	var out bytes.Buffer
	l := &labellingWriter{w: &out, label: "the member clusters"}
	fmt.Fprintf(l, "No resources found in %s namespace.\n", "default")
	fmt.Fprintln(l, "No resources found")
	fmt.Fprintln(l, "Warning: something else")
	want := "No resources found in default namespace of the member clusters.\nNo resources found in the member clusters.\nWarning: something else\n"
	if out.String() != want {
		t.Errorf("labelled:\n%q\nwant\n%q", out.String(), want)
	}

	out.Reset()
	s := &separatingWriter{w: &out, sep: "---\n"}
	fmt.Fprint(s, "")
	fmt.Fprint(s, "a\n")
	fmt.Fprint(s, "b\n")
	if out.String() != "---\na\nb\n" {
		t.Errorf("separated %q", out.String())
	}
}

// writeKubeconfig writes a kubeconfig whose current context points at server.
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
  context: {cluster: cp, user: admin}
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

// fakeServer answers discovery and pod lists at the control plane's root and below the view
// path, each with its own pod, as a Table when asked for one; it records the paths it served.
type fakeServer struct {
	mu    sync.Mutex
	paths []string
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	path, cluster := r.URL.Path, ""
	if rest, ok := strings.CutPrefix(path, util.ViewPathPrefix); ok {
		clusters, p, _ := strings.Cut(rest, "/proxy")
		path, cluster = p, clusters
	}
	w.Header().Set("Content-Type", "application/json")
	write := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	switch path {
	case "/api":
		write(map[string]any{"kind": "APIVersions", "versions": []string{"v1"}})
	case "/apis":
		write(map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
	case "/api/v1":
		write(map[string]any{"kind": "APIResourceList", "groupVersion": "v1", "resources": []any{
			map[string]any{"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": []string{"get", "list"}},
		}})
	case "/apis/cluster.karmada.io/v1alpha1/clusters":
		write(map[string]any{"kind": "ClusterList", "apiVersion": "cluster.karmada.io/v1alpha1", "items": []any{
			map[string]any{"metadata": map[string]any{"name": "member1"}}, map[string]any{"metadata": map[string]any{"name": "member2"}},
		}})
	case "/api/v1/namespaces/default/pods":
		name := "template-pod"
		if cluster != "" {
			name = "member-pod"
		}
		obj := map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": name, "namespace": "default"}}
		if !strings.Contains(r.Header.Get("Accept"), "as=Table") {
			write(map[string]any{"kind": "PodList", "apiVersion": "v1", "metadata": map[string]any{}, "items": []any{obj}})
			return
		}
		columns := []any{map[string]any{"name": "Name", "type": "string", "format": "name"}}
		cells := []any{name}
		if cluster != "" {
			columns = append(columns, map[string]any{"name": "Cluster", "type": "string"})
			cells = append(cells, cluster)
		}
		write(map[string]any{"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": map[string]any{},
			"columnDefinitions": columns, "rows": []any{map[string]any{"cells": cells, "object": obj}}})
	default:
		http.NotFound(w, r)
	}
}

func runGet(t *testing.T, server string, args ...string) (string, string, error) {
	t.Helper()
	f := util.NewFactory("test")
	f.KubeConfig = writeKubeconfig(t, server)
	cmd := NewCmdGet(f, "kubectl karmada")
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestRunAgainstScopes(t *testing.T) {
	t.Setenv("KUBECACHEDIR", t.TempDir())
	fake := &fakeServer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	out, errOut, err := runGet(t, srv.URL, "pods", "-n", "default")
	if err != nil || out != "NAME\ntemplate-pod\n" {
		t.Errorf("karmada: %v %q %q", err, out, errOut)
	}
	out, errOut, err = runGet(t, srv.URL, "pods", "-n", "default", "--operation-scope", "members")
	if err != nil || out != "NAME         CLUSTER\nmember-pod   karmada\n" {
		t.Errorf("members: %v %q %q", err, out, errOut)
	}
	fake.paths = nil
	out, errOut, err = runGet(t, srv.URL, "pods", "-n", "default", "--operation-scope", "all", "-C", "member2,member1")
	if err != nil || out != "NAME\ntemplate-pod\n\nNAME         CLUSTER\nmember-pod   member1,member2\n" {
		t.Errorf("all: %v %q %q", err, out, errOut)
	}
	if !slices.Contains(fake.paths, "/apis/cluster.karmada.io/v1alpha1/clusters") ||
		!slices.Contains(fake.paths, util.ViewPathPrefix+"member1,member2/proxy/api/v1/namespaces/default/pods") ||
		!slices.Contains(fake.paths, "/api/v1/namespaces/default/pods") {
		t.Errorf("paths %v", fake.paths)
	}
	out, _, err = runGet(t, srv.URL, "pods", "-n", "default", "--operation-scope", "all", "-o", "yaml")
	if err != nil || strings.Count(out, "---\n") != 1 || !strings.Contains(out, "name: template-pod") ||
		!strings.Contains(out, "---\napiVersion: v1") || !strings.Contains(out, "name: member-pod") {
		t.Errorf("all -o yaml: %v\n%s", err, out)
	}
	_, _, err = runGet(t, srv.URL, "pods", "--operation-scope", "members", "-C", "member9")
	if err == nil || err.Error() != "cluster(s) member9 not found (registered clusters: member1, member2)" {
		t.Errorf("unknown cluster: %v", err)
	}
}
