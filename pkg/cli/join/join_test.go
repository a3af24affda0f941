package join

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

func TestValidate(t *testing.T) {
	valid := func() *Options {
		return &Options{ClusterName: "member1", ClusterKubeConfig: "/tmp/m1", ClusterNamespace: "karmada-cluster", Wait: DefaultWait, commandPath: "kubectl karmada"}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(o *Options)
		wantErr string
	}{
		{"valid", func(*Options) {}, ""},
		{"no wait", func(o *Options) { o.Wait = 0 }, ""},
		{"missing kubeconfig", func(o *Options) { o.ClusterKubeConfig = "" },
			"--cluster-kubeconfig is required: give the path of a kubeconfig that reaches cluster member1, e.g. kubectl karmada join member1 --cluster-kubeconfig="},
		{"long name", func(o *Options) { o.ClusterName = strings.Repeat("m", 49) }, "no more than 48 characters"},
		{"invalid name", func(o *Options) { o.ClusterName = "Member_1" }, `invalid cluster name "Member_1"`},
		{"invalid namespace", func(o *Options) { o.ClusterNamespace = "Bad" }, "invalid --cluster-namespace"},
		{"empty zone", func(o *Options) { o.ClusterZones = []string{"a", ""} }, "--cluster-zones has an empty zone"},
		{"negative wait", func(o *Options) { o.Wait = -time.Second }, "--wait=-1s must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			tc.mutate(o)
			err := o.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestCompleteArgs(t *testing.T) {
	o := &Options{commandPath: "karmadactl"}
	if err := o.Complete(nil, nil); err == nil || !strings.Contains(err.Error(), "karmadactl join CLUSTER_NAME") {
		t.Errorf("no args: %v", err)
	}
	if err := o.Complete(nil, []string{"a", "b"}); err == nil {
		t.Error("two args accepted")
	}
	if err := o.Complete(nil, []string{"member1"}); err != nil || o.ClusterName != "member1" {
		t.Errorf("one arg: %v, name %q", err, o.ClusterName)
	}
}

func TestCommandFlags(t *testing.T) {
	cmd := NewCmdJoin(util.NewFactory("kubectl-karmada"), "kubectl karmada")
	if err := cmd.ParseFlags([]string{"--cluster-kubeconfig=/k", "--cluster-region=eu", "--cluster-zones=a,b"}); err != nil {
		t.Fatal(err)
	}
	o := &Options{}
	if err := o.Complete(cmd, []string{"member1"}); err != nil {
		t.Fatal(err)
	}
	if o.ProviderSet || !o.RegionSet || !o.ZonesSet {
		t.Errorf("flags given: provider %v region %v zones %v", o.ProviderSet, o.RegionSet, o.ZonesSet)
	}
	if f := cmd.Flags().Lookup("wait"); f == nil || f.DefValue != "2m0s" {
		t.Errorf("--wait default = %v", f)
	}
	if f := cmd.Flags().Lookup("cluster-namespace"); f == nil || f.DefValue != "karmada-cluster" {
		t.Errorf("--cluster-namespace default = %v", f)
	}
}

func TestRegistration(t *testing.T) {
	access := &util.MemberAccess{Server: "https://127.0.0.1:6443", ProxyURL: "http://proxy:3128"}
	o := &Options{ClusterName: "member1", ClusterNamespace: "karmada-cluster", ClusterProvider: "aws", ClusterZones: []string{"z1"}, ProviderSet: true, ZonesSet: true}
	c := o.Registration(access, "uid-1").NewCluster()
	s := c.Spec
	if c.Name != "member1" || s.ID != "uid-1" || s.SyncMode != "Push" || s.APIEndpoint != "https://127.0.0.1:6443" || s.ProxyURL != "http://proxy:3128" ||
		s.InsecureSkipTLSVerification || s.Provider != "aws" || s.Region != "" || !reflect.DeepEqual(s.Zones, []string{"z1"}) ||
		s.SecretRef == nil || s.SecretRef.Namespace != "karmada-cluster" || s.SecretRef.Name != "member1" ||
		s.ImpersonatorSecretRef == nil || s.ImpersonatorSecretRef.Name != "member1-impersonator" || s.ImpersonatorSecretRef.Namespace != "karmada-cluster" {
		t.Errorf("unexpected cluster %+v", c)
	}
}
