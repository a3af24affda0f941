package describe

import (
	"bytes"
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

func TestValidateAndHost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scope    string
		cluster  string
		wantErr  string
		wantHost string
	}{
		{"control plane", "", "", "", "https://cp"},
		{"member", "members", "member1", "", "https://cp/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy"},
		{"members without -C", "members", "", "--operation-scope members needs the member cluster: add -C CLUSTER, e.g. -C member1 ('kubectl karmada get TYPE --operation-scope members' shows the CLUSTER of each object)", ""},
		{"-C without members", "", "member1", "--cluster (-C) member1 selects a member cluster and needs --operation-scope members", ""},
		{"bad cluster name", "members", "member_1", `--cluster: invalid cluster name "member_1"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Options{Scope: util.NewScopeFlag(util.ScopeKarmada, util.ScopeMembers), Cluster: tc.cluster, commandPath: "kubectl karmada"}
			if tc.scope != "" {
				if err := o.Scope.Set(tc.scope); err != nil {
					t.Fatal(err)
				}
			}
			err := o.Validate()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h := o.Host("https://cp"); h != tc.wantHost {
				t.Errorf("host %q, want %q", h, tc.wantHost)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	cmd := NewCmdDescribe(util.NewFactory("test"), "kubectl karmada")
	for _, name := range []string{"selector", "all-namespaces", "namespace", "filename", "show-events", "chunk-size", "operation-scope", "cluster"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("missing --%s", name)
		}
	}
	if f := cmd.Flags().ShorthandLookup("C"); f == nil || f.Name != "cluster" {
		t.Error("-C is not --cluster")
	}
	cmd.SetArgs([]string{"pods", "--operation-scope", "all"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), `"all" is not a valid operation scope: use one of karmada, members`) {
		t.Errorf("describe --operation-scope all: %v", err)
	}
}
