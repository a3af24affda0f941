package join

import (
	"bytes"
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadafake "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
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

// prepareMember creates the ServiceAccounts, their token Secrets and the control plane's own
// RBAC, but no RBAC for the impersonator: the control plane pushes that (karmadactl's layout).
func TestPrepareMember(t *testing.T) {
	ctx := context.Background()
	// The member's token controller would fill these; the fake has none, so they come filled.
	token := func(sa string) *corev1.Secret {
		s := util.ServiceAccountTokenSecret("karmada-cluster", sa)
		s.Labels = nil
		s.Data = map[string][]byte{"token": []byte(sa + "-token"), "ca.crt": []byte("ca")}
		return s
	}
	member := fake.NewClientset(token("karmada-member1"), token("karmada-impersonator"))
	o := &Options{ClusterName: "member1", ClusterNamespace: "karmada-cluster"}
	tok, imp, err := o.prepareMember(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	if string(tok.Data["token"]) != "karmada-member1-token" || string(imp.Data["token"]) != "karmada-impersonator-token" {
		t.Errorf("tokens %q %q", tok.Data["token"], imp.Data["token"])
	}
	names := func(list []string) string { sort.Strings(list); return strings.Join(list, ",") }
	var got []string
	roles, _ := member.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	for _, r := range roles.Items {
		got = append(got, r.Name)
	}
	if names(got) != "karmada-controller-manager:karmada-member1" {
		t.Errorf("ClusterRoles %v", got)
	}
	got = nil
	bindings, _ := member.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	for _, b := range bindings.Items {
		got = append(got, b.Name)
	}
	if names(got) != "karmada-controller-manager:karmada-member1" {
		t.Errorf("ClusterRoleBindings %v", got)
	}
	got = nil
	sas, _ := member.CoreV1().ServiceAccounts("karmada-cluster").List(ctx, metav1.ListOptions{})
	for _, sa := range sas.Items {
		got = append(got, sa.Name)
	}
	if names(got) != "karmada-impersonator,karmada-member1" {
		t.Errorf("ServiceAccounts %v", got)
	}
	if _, err := member.CoreV1().Namespaces().Get(ctx, "karmada-cluster", metav1.GetOptions{}); err != nil {
		t.Errorf("namespace: %v", err)
	}
}

func TestWaitForProxyAccess(t *testing.T) {
	ctx := context.Background()
	work := func(name string, applied metav1.ConditionStatus) *workv1alpha1.Work {
		w := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-es-member1", Name: name}}
		w.Status.Conditions = []metav1.Condition{{Type: workv1alpha1.WorkApplied, Status: applied, Message: "conflict in member"}}
		return w
	}
	o := &Options{ClusterName: "member1"}
	var out bytes.Buffer
	ok := karmadafake.NewSimpleClientset(work("karmada-impersonator-7cbb6bd5c9", metav1.ConditionTrue), work("karmada-impersonator-84f8c8f8c6", metav1.ConditionTrue))
	if err := o.waitForProxyAccess(ctx, ok, time.Second, &out); err != nil {
		t.Fatalf("both applied: %v", err)
	}
	if !strings.Contains(out.String(), "karmada-impersonator-7cbb6bd5c9, karmada-impersonator-84f8c8f8c6 in karmada-es-member1") {
		t.Errorf("progress: %s", out.String())
	}
	notYet := karmadafake.NewSimpleClientset(work("karmada-impersonator-7cbb6bd5c9", metav1.ConditionTrue), work("karmada-impersonator-84f8c8f8c6", metav1.ConditionFalse))
	err := o.waitForProxyAccess(ctx, notYet, time.Second, &out)
	if err == nil || !strings.Contains(err.Error(), "Work karmada-impersonator-84f8c8f8c6 is not applied yet: conflict in member") ||
		!strings.Contains(err.Error(), "kubectl get work -n karmada-es-member1") {
		t.Errorf("not applied: %v", err)
	}
}
