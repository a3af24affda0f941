package apiserver

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestBinary checks what a user of the built binary sees: readable help, Karmada's
// feature gates accepted, a meaningful /version.
func TestBinary(t *testing.T) {
	bin := framework.BinaryPath(t)
	help, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, help)
	}
	for _, want := range []string{"Karmada flags:", "--data-dir", "--leader-elect", "--etcd-servers", "--feature-gates", "--secure-port", "--bind-address"} {
		if !strings.Contains(string(help), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	if out, err := exec.Command(bin, "--feature-gates=NoSuchGate=true", "--data-dir", t.TempDir()).CombinedOutput(); err == nil || !strings.Contains(string(out), "NoSuchGate") {
		t.Errorf("an unknown feature gate was not refused by name: %v %s", err, out)
	}

	// The guide starts karmada with --feature-gates=PropagateDeps=true,...; turning the
	// resource-modeling gate off means clusters get no default models.
	s := framework.StartBinary(t, framework.Options{ExtraFlags: []string{
		"--feature-gates=PropagateDeps=true,Failover=true,GracefulEviction=true,CustomizedClusterResourceModeling=false,PropagationPolicyPreemption=true",
	}})
	s.MustKubectl(t, "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: plain}\nspec: {syncMode: Push}\n", "apply", "-f", "-")
	if models := s.MustKubectl(t, "", "get", "cluster", "plain", "-o", "jsonpath={.spec.resourceModels}"); strings.TrimSpace(models) != "" {
		t.Errorf("CustomizedClusterResourceModeling=false but the cluster got models: %s", models)
	}

	raw := s.MustKubectl(t, "", "version", "-o", "json")
	var v struct {
		ServerVersion struct {
			GitVersion string `json:"gitVersion"`
			Major      string `json:"major"`
			Minor      string `json:"minor"`
		} `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(raw[strings.Index(raw, "{"):]), &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if v.ServerVersion.GitVersion != "v1.37.2" || v.ServerVersion.Major != "1" || v.ServerVersion.Minor != "37" {
		t.Errorf("/version = %+v", v.ServerVersion)
	}
}
