package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const viewServer = "https://cp:6443/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"

// controlPlane is a kubeconfig with the control plane's context (current) and another one.
func controlPlane() *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["karmada-apiserver"] = &clientcmdapi.Cluster{Server: "https://cp:6443", CertificateAuthorityData: []byte("ca"), TLSServerName: "cp.local"}
	cfg.Clusters["other"] = &clientcmdapi.Cluster{Server: "https://other"}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("cert"), ClientKeyData: []byte("key")}
	cfg.AuthInfos["dev"] = &clientcmdapi.AuthInfo{Token: "dev-token"}
	cfg.Contexts["karmada-apiserver"] = &clientcmdapi.Context{Cluster: "karmada-apiserver", AuthInfo: "admin", Namespace: "team-a"}
	cfg.Contexts["other"] = &clientcmdapi.Context{Cluster: "other", AuthInfo: "dev"}
	cfg.CurrentContext = "karmada-apiserver"
	return cfg
}

// omitted tells data ShortenConfig replaced: it prints (base64) as DATA+OMITTED.
func omitted(data []byte) bool {
	return base64.StdEncoding.EncodeToString(data) == "DATA+OMITTED"
}

func TestViewConfig(t *testing.T) {
	raw := controlPlane()
	before := raw.DeepCopy()
	cfg, err := (&ViewOptions{}).ViewConfig(raw, "karmada-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slices.Sorted(maps.Keys(raw.Contexts)), slices.Sorted(maps.Keys(before.Contexts))) || string(raw.AuthInfos["admin"].ClientKeyData) != "key" {
		t.Error("the input was modified")
	}
	if cfg.CurrentContext != "karmada" {
		t.Errorf("current context %q", cfg.CurrentContext)
	}
	ctx := cfg.Contexts["karmada"]
	if ctx == nil || ctx.Cluster != "karmada" || ctx.AuthInfo != "admin" || ctx.Namespace != "team-a" {
		t.Fatalf("view context %+v", ctx)
	}
	c := cfg.Clusters["karmada"]
	if c.Server != viewServer || c.TLSServerName != "cp.local" || !omitted(c.CertificateAuthorityData) {
		t.Errorf("view cluster %+v", c)
	}
	// The rest is kept, and redacted like kubectl config view.
	if len(cfg.Contexts) != 3 || cfg.Clusters["karmada-apiserver"].Server != "https://cp:6443" {
		t.Errorf("contexts %v", slices.Sorted(maps.Keys(cfg.Contexts)))
	}
	if a := cfg.AuthInfos["admin"]; !omitted(a.ClientKeyData) {
		t.Errorf("client key shown: %q", a.ClientKeyData)
	}
	if cfg.AuthInfos["dev"].Token != "REDACTED" {
		t.Errorf("token shown: %q", cfg.AuthInfos["dev"].Token)
	}

	// --minify --raw -C: only the view, with its data, named after the clusters.
	cfg, err = (&ViewOptions{Minify: true, Raw: true, Clusters: []string{"member2", "member1"}}).ViewConfig(raw, "karmada-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	const name = "karmada-member1,member2"
	if cfg.CurrentContext != name || len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Fatalf("minified: %+v", cfg)
	}
	if s := cfg.Clusters[name].Server; s != "https://cp:6443/apis/search.karmada.io/v1alpha1/proxying/member1,member2/proxy" {
		t.Errorf("narrowed server %s", s)
	}
	if string(cfg.Clusters[name].CertificateAuthorityData) != "ca" || string(cfg.AuthInfos["admin"].ClientKeyData) != "key" {
		t.Error("--raw redacted data")
	}
}

func TestViewConfigNames(t *testing.T) {
	// The admin kubeconfig already has the view as "karmada": it is kept, not copied.
	raw := controlPlane()
	raw.Clusters["karmada"] = &clientcmdapi.Cluster{Server: viewServer, CertificateAuthorityData: []byte("ca")}
	raw.Contexts["karmada"] = &clientcmdapi.Context{Cluster: "karmada", AuthInfo: "admin", Namespace: "team-a"}
	cfg, err := (&ViewOptions{}).ViewConfig(raw, "karmada-apiserver")
	if err != nil || cfg.CurrentContext != "karmada" || len(cfg.Contexts) != 3 {
		t.Errorf("existing view: %v %q %d contexts", err, cfg.CurrentContext, len(cfg.Contexts))
	}
	// Starting from the view context itself gives the same view.
	cfg, err = (&ViewOptions{Raw: true}).ViewConfig(raw, "karmada")
	if err != nil || cfg.CurrentContext != "karmada" || cfg.Clusters["karmada"].Server != viewServer {
		t.Errorf("from the view: %v %+v", err, cfg)
	}

	// The control plane's own context is named karmada: the view gets another name.
	raw = clientcmdapi.NewConfig()
	raw.Clusters["karmada"] = &clientcmdapi.Cluster{Server: "https://cp:6443"}
	raw.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: "x"}
	raw.Contexts["karmada"] = &clientcmdapi.Context{Cluster: "karmada", AuthInfo: "admin"}
	raw.Contexts["karmada-view"] = &clientcmdapi.Context{Cluster: "elsewhere", AuthInfo: "admin"}
	raw.CurrentContext = "karmada"
	if _, err = (&ViewOptions{Raw: true}).ViewConfig(raw, ""); err == nil {
		t.Error("an empty context name was accepted")
	}
	cfg, err = (&ViewOptions{Raw: true}).ViewConfig(raw, "karmada")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "karmada-view-2" || cfg.Clusters["karmada"].Server != "https://cp:6443" || cfg.Contexts["karmada-view"].Cluster != "elsewhere" ||
		cfg.Clusters["karmada-view-2"].Server != viewServer {
		t.Errorf("name clash: current %q clusters %v", cfg.CurrentContext, slices.Sorted(maps.Keys(cfg.Clusters)))
	}

	_, err = (&ViewOptions{}).ViewConfig(raw, "missing")
	if err == nil || !strings.Contains(err.Error(), `context "missing" is not in the kubeconfig (it has: karmada, karmada-view); choose the control plane's with --karmada-context`) {
		t.Errorf("missing context: %v", err)
	}
}

func TestFlatten(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw := controlPlane()
	raw.Clusters["karmada-apiserver"].CertificateAuthorityData = nil
	raw.Clusters["karmada-apiserver"].CertificateAuthority = ca
	cfg, err := (&ViewOptions{Minify: true, Flatten: true}).ViewConfig(raw, "karmada-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Clusters["karmada"]; string(c.CertificateAuthorityData) != "pem" || c.CertificateAuthority != "" {
		t.Errorf("flattened cluster %+v", c)
	}
}

func runView(t *testing.T, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	f := util.NewFactory("test")
	f.KubeConfig = kubeconfig
	cmd := NewCmdConfig(f, "kubectl karmada")
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors = true
	cmd.SetArgs(append([]string{"view"}, args...))
	err := cmd.Execute()
	return out.String(), err
}

func TestCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*controlPlane(), path); err != nil {
		t.Fatal(err)
	}
	out, err := runView(t, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"current-context: karmada\n", "server: " + viewServer + "\n", "client-key-data: DATA+OMITTED", "token: REDACTED", "name: karmada-apiserver"} {
		if !strings.Contains(out, want) {
			t.Errorf("default output lacks %q:\n%s", want, out)
		}
	}

	// --minify --raw output is a usable kubeconfig for the view.
	out, err = runView(t, path, "--minify", "--raw")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := clientcmd.Load([]byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rc, err := clientcmd.NewDefaultClientConfig(*loaded, nil).ClientConfig()
	if err != nil || rc.Host != viewServer || string(rc.KeyData) != "key" || string(rc.CAData) != "ca" {
		t.Errorf("loaded view kubeconfig: %v %+v", err, rc)
	}

	out, err = runView(t, path, "--minify", "-o", "json", "-C", "member1")
	var doc struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Cluster struct {
				Server string `json:"server"`
			} `json:"cluster"`
		} `json:"clusters"`
	}
	if err != nil || json.Unmarshal([]byte(out), &doc) != nil || doc.CurrentContext != "karmada-member1" || len(doc.Clusters) != 1 ||
		doc.Clusters[0].Cluster.Server != "https://cp:6443/apis/search.karmada.io/v1alpha1/proxying/member1/proxy" {
		t.Errorf("-o json -C member1: %v\n%s", err, out)
	}

	// The context of the control plane is chosen with --karmada-context.
	f := util.NewFactory("test")
	f.KubeConfig, f.KarmadaContext = path, "other"
	cmd := NewCmdView(f, "kubectl karmada")
	var buf bytes.Buffer
	cmd.SetOut(&buf)
	cmd.SetArgs([]string{"--minify"})
	if err := cmd.Execute(); err != nil || !strings.Contains(buf.String(), "server: https://other/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy") {
		t.Errorf("--karmada-context other: %v\n%s", err, buf.String())
	}

	if _, err := runView(t, path, "-C", "Member1"); err == nil || !strings.Contains(err.Error(), `--clusters: invalid cluster name "Member1"`) {
		t.Errorf("bad -C: %v", err)
	}
	if _, err := runView(t, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing kubeconfig was accepted")
	}
}
