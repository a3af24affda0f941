package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestBinaryName(t *testing.T) {
	for argv0, want := range map[string]string{
		"/usr/local/bin/kubectl-karmada": "kubectl-karmada",
		"kubectl-karmada":                "kubectl-karmada",
		"./karmadactl":                   "karmadactl",
		"karmadactl.exe":                 "karmadactl",
		"/tmp/go-build/cli.test":         "kubectl-karmada",
	} {
		if got := BinaryName(argv0); got != want {
			t.Errorf("BinaryName(%q) = %q, want %q", argv0, got, want)
		}
	}
	if DisplayName("kubectl-karmada") != "kubectl karmada" || DisplayName("karmadactl") != "karmadactl" {
		t.Error("unexpected display names")
	}
}

func TestHelpUsesDisplayName(t *testing.T) {
	for binary, want := range map[string]string{"kubectl-karmada": "kubectl karmada join CLUSTER_NAME", "karmadactl": "karmadactl join CLUSTER_NAME"} {
		root := NewCommand(binary)
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"join", "--help"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: help does not contain %q:\n%s", binary, want, out.String())
		}
		if root.Name() != binary {
			t.Errorf("root name %q, want %q (completion scripts complete the binary)", root.Name(), binary)
		}
	}
}

func TestGlobalFlags(t *testing.T) {
	root := NewCommand("kubectl-karmada")
	for _, name := range []string{"kubeconfig", "karmada-context", "v"} {
		if root.PersistentFlags().Lookup(name) == nil {
			t.Errorf("missing global flag --%s", name)
		}
	}
	if root.PersistentFlags().ShorthandLookup("v") == nil {
		t.Error("missing -v")
	}
}

func TestJoinWithoutKubeconfigSaysWhichFlag(t *testing.T) {
	root := NewCommand("kubectl-karmada")
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"join", "member1"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "--cluster-kubeconfig is required") {
		t.Fatalf("error = %v", err)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh"} {
		root := NewCommand("kubectl-karmada")
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"completion", shell})
		if err := root.Execute(); err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		if !strings.Contains(out.String(), "kubectl-karmada") {
			t.Errorf("%s script does not complete kubectl-karmada", shell)
		}
	}
	root := NewCommand("kubectl-karmada")
	root.SetArgs([]string{"completion", "fish"})
	root.SetOut(&bytes.Buffer{})
	if err := root.Execute(); err == nil {
		t.Error("fish accepted")
	}
}
