package util

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
)

func TestViewAndProxyHosts(t *testing.T) {
	const view = "/apis/search.karmada.io/v1alpha1/proxying/"
	for _, tc := range []struct {
		name, got, want string
	}{
		{"all members", ViewHost("https://cp:6443", nil), "https://cp:6443" + view + "karmada/proxy"},
		{"trailing slash", ViewHost("https://cp:6443/", nil), "https://cp:6443" + view + "karmada/proxy"},
		{"one cluster", ViewHost("https://cp:6443", []string{"member1"}), "https://cp:6443" + view + "member1/proxy"},
		{"sorted and deduplicated", ViewHost("https://cp:6443", []string{"member2", "member1", "member2"}), "https://cp:6443" + view + "member1,member2/proxy"},
		{"server behind a path", ViewHost("https://lb/karmada", nil), "https://lb/karmada" + view + "karmada/proxy"},
		{"from the view itself", ViewHost("https://cp:6443"+view+"karmada/proxy", []string{"member1"}), "https://cp:6443" + view + "member1/proxy"},
		{"from a member proxy", ViewHost("https://cp:6443/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy/", nil), "https://cp:6443" + view + "karmada/proxy"},
		{"no scheme", ViewHost("cp:6443", nil), "cp:6443" + view + "karmada/proxy"},
		{"proxy", ProxyHost("https://cp:6443", "member1"), "https://cp:6443/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy"},
		{"proxy from the view", ProxyHost("https://cp:6443"+view+"member1,member2/proxy", "member2"), "https://cp:6443/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy"},
		{"control plane from the view", ControlPlaneHost("https://cp:6443" + view + "karmada/proxy"), "https://cp:6443"},
		{"control plane unchanged", ControlPlaneHost("https://cp:6443"), "https://cp:6443"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if p := ViewPath(nil); p != "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy" {
		t.Errorf("ViewPath = %q", p)
	}
	in := []string{"b", "a"}
	_ = ViewPath(in)
	if in[0] != "b" {
		t.Error("ViewPath sorted its argument")
	}
}

func TestScopeFlag(t *testing.T) {
	s := NewScopeFlag(ScopeKarmada, ScopeMembers)
	if s.String() != "karmada" || s.Type() != "string" {
		t.Fatalf("default %q type %q", s.String(), s.Type())
	}
	if err := s.Set("members"); err != nil || s.Value != ScopeMembers {
		t.Fatalf("members: %v %q", err, s.Value)
	}
	err := s.Set("all")
	if err == nil || err.Error() != `"all" is not a valid operation scope: use one of karmada, members` {
		t.Fatalf("all: %v", err)
	}
	if s.Value != ScopeMembers {
		t.Errorf("a rejected value changed the scope to %q", s.Value)
	}
}

func cluster(name string, ready metav1.ConditionStatus) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if ready != "" {
		c.Status.Conditions = []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: ready, Reason: "Reason"}}
	}
	return c
}

func TestCheckClusters(t *testing.T) {
	ctx := context.Background()
	client := fake.NewSimpleClientset(cluster("member1", metav1.ConditionTrue), cluster("member2", metav1.ConditionFalse))
	var errOut bytes.Buffer
	if err := CheckClusters(ctx, client, []string{"member1"}, &errOut); err != nil || errOut.Len() != 0 {
		t.Errorf("member1: %v %q", err, errOut.String())
	}
	err := CheckClusters(ctx, client, []string{"member9", "member1", "member8"}, &errOut)
	if err == nil || err.Error() != "cluster(s) member9, member8 not found (registered clusters: member1, member2)" {
		t.Errorf("unknown clusters: %v", err)
	}
	if err := CheckClusters(ctx, client, []string{"member2"}, &errOut); err != nil ||
		!strings.Contains(errOut.String(), "Warning: cluster member2 is not ready (Ready=False (Reason))") {
		t.Errorf("not ready: %v %q", err, errOut.String())
	}
	err = CheckClusters(ctx, fake.NewSimpleClientset(), []string{"member1"}, nil)
	if err == nil || !strings.Contains(err.Error(), "cluster(s) member1 not found (none is registered yet; join one with `kubectl karmada join`)") {
		t.Errorf("no clusters: %v", err)
	}

	forbidden := fake.NewSimpleClientset()
	forbidden.PrependReactor("list", "clusters", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cluster.karmada.io", Resource: "clusters"}, "", errors.New("no"))
	})
	if err := CheckClusters(ctx, forbidden, []string{"member1"}, nil); err != nil {
		t.Errorf("a user who may not list clusters is left to the server: %v", err)
	}
	failing := fake.NewSimpleClientset()
	failing.PrependReactor("list", "clusters", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	if err := CheckClusters(ctx, failing, []string{"member1"}, nil); err == nil || !strings.Contains(err.Error(), "cannot list the member clusters of the control plane to check member1: connection refused") {
		t.Errorf("list failure: %v", err)
	}
}

func TestRequireMemberCluster(t *testing.T) {
	err := RequireMemberCluster("", "kubectl karmada", "kubectl karmada logs POD -C member1")
	if err == nil || !strings.Contains(err.Error(), "-C/--cluster is required") ||
		!strings.Contains(err.Error(), "`kubectl karmada get pods --operation-scope members` shows the CLUSTER of each pod") {
		t.Errorf("missing: %v", err)
	}
	if err := RequireMemberCluster("Member_1", "kubectl karmada", ""); err == nil || !strings.Contains(err.Error(), `--cluster: invalid cluster name "Member_1"`) {
		t.Errorf("invalid: %v", err)
	}
	if err := RequireMemberCluster("member1", "kubectl karmada", ""); err != nil {
		t.Error(err)
	}
	cluster := ""
	host := MemberOrViewHost(&cluster)
	if h := host("https://cp"); h != "https://cp/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy" {
		t.Errorf("no cluster: %s", h)
	}
	cluster = "member1"
	if h := host("https://cp"); h != "https://cp/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy" {
		t.Errorf("member1: %s", h)
	}
}

// writeKubeconfig writes a kubeconfig whose current context "cp" points at server.
func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	content := `apiVersion: v1
kind: Config
clusters:
- name: cp
  cluster: {server: "` + server + `", insecure-skip-tls-verify: true}
contexts:
- name: cp
  context: {cluster: cp, user: admin, namespace: team-a}
current-context: cp
users:
- name: admin
  user: {token: secret-token}
`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKubectlFactory(t *testing.T) {
	f := NewFactory("kubectl-karmada")
	f.KubeConfig = writeKubeconfig(t, "https://cp.example:6443/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy")
	ns := ""
	var errOut bytes.Buffer
	for _, tc := range []struct {
		name string
		host func(string) string
		want string
	}{
		{"control plane (the kubeconfig points at the view)", nil, "https://cp.example:6443"},
		{"view", func(base string) string { return ViewHost(base, []string{"member1"}) }, "https://cp.example:6443/apis/search.karmada.io/v1alpha1/proxying/member1/proxy"},
		{"proxy", func(base string) string { return ProxyHost(base, "member2") }, "https://cp.example:6443/apis/cluster.karmada.io/v1alpha1/clusters/member2/proxy"},
	} {
		kf := f.KubectlFactory(&ns, &errOut, tc.host)
		cfg, err := kf.ToRESTConfig()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cfg.Host != tc.want {
			t.Errorf("%s: host %q, want %q", tc.name, cfg.Host, tc.want)
		}
		if cfg.BearerToken != "secret-token" || !strings.HasPrefix(cfg.UserAgent, "kubectl-karmada/") || cfg.Timeout != 0 {
			t.Errorf("%s: token %q user agent %q timeout %s", tc.name, cfg.BearerToken, cfg.UserAgent, cfg.Timeout)
		}
		again, err := kf.ToRESTConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.WarningHandler == nil || again.WarningHandler == nil {
			t.Errorf("%s: no warning handler", tc.name)
		} else {
			// Printed once per factory, also when two of its clients get it.
			cfg.WarningHandler.HandleWarningHeader(299, "-", tc.name+" warned")
			again.WarningHandler.HandleWarningHeader(299, "-", tc.name+" warned")
		}
		if got, _, err := kf.ToRawKubeConfigLoader().Namespace(); err != nil || got != "team-a" {
			t.Errorf("%s: namespace %q %v", tc.name, got, err)
		}
	}
	if errOut.String() != "Warning: control plane (the kubeconfig points at the view) warned\nWarning: view warned\nWarning: proxy warned\n" {
		t.Errorf("warnings %q", errOut.String())
	}
	ns = "team-b"
	if got, _, _ := f.KubectlFactory(&ns, nil, nil).ToRawKubeConfigLoader().Namespace(); got != "team-b" {
		t.Errorf("-n: namespace %q", got)
	}

	client, err := f.ControlPlaneKarmadaClient()
	if err != nil {
		t.Fatal(err)
	}
	if u := client.ClusterV1alpha1().RESTClient().Get().URL().String(); !strings.HasPrefix(u, "https://cp.example:6443/apis/cluster.karmada.io/") {
		t.Errorf("control plane client URL %s", u)
	}
}
