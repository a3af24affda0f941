package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	utilexec "k8s.io/client-go/util/exec"
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

func TestCommandGroups(t *testing.T) {
	root := NewCommand("kubectl-karmada")
	want := map[string]string{
		"get": GroupBasic, "describe": GroupBasic,
		"logs": GroupTroubleshooting, "exec": GroupTroubleshooting,
		"config": GroupSettings,
		"join":   GroupClusterRegistration, "cordon": GroupClusterManagement, "apply": GroupAdvanced, "version": GroupOther,
	}
	for name, group := range want {
		c, _, err := root.Find([]string{name})
		if err != nil || c.Name() != name {
			t.Errorf("%s: not found (%v)", name, err)
			continue
		}
		if c.GroupID != group {
			t.Errorf("%s is in group %q, want %q", name, c.GroupID, group)
		}
	}
	if c, _, err := root.Find([]string{"config", "view"}); err != nil || c.Name() != "view" {
		t.Errorf("config view: %v", err)
	}
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	basic, troubleshooting := strings.Index(help, "Basic Commands:"), strings.Index(help, "Troubleshooting and Debugging Commands:")
	if basic < 0 || troubleshooting < basic || !strings.Contains(help, "Settings Commands:") {
		t.Errorf("help groups:\n%s", help)
	}
}

func TestRunExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{fmt.Errorf("wrapped: %w", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3}), 3},
	} {
		cmd := &cobra.Command{Use: "x", SilenceErrors: true, SilenceUsage: true, RunE: func(*cobra.Command, []string) error { return tc.err }}
		var errOut bytes.Buffer
		cmd.SetErr(&errOut)
		cmd.SetArgs(nil)
		if got := Run(cmd); got != tc.want {
			t.Errorf("%v: exit code %d, want %d", tc.err, got, tc.want)
		}
		if tc.err != nil && errOut.String() != "error: "+tc.err.Error()+"\n" {
			t.Errorf("stderr %q", errOut.String())
		}
	}
}
