package util

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{MemberServiceAccountName("member1"), "karmada-member1"},
		{MemberClusterRoleName("member1"), "karmada-controller-manager:karmada-member1"},
		{MemberClusterRoleBindingName("member1"), "karmada-controller-manager:karmada-member1"},
		{ServiceAccountTokenSecretName("karmada-member1"), "karmada-member1"},
		{ClusterSecretName("member1"), "member1"},
		{ImpersonatorSecretName("member1"), "member1-impersonator"},
		{ImpersonatorServiceAccountName, "karmada-impersonator"},
		{ImpersonatorClusterRoleName, "karmada-impersonator"},
		{DefaultClusterNamespace, "karmada-cluster"},
		// The Works of the control plane's unified-auth controller, named as Karmada names them.
		{strings.Join(ImpersonationWorkNames(), ","), "karmada-impersonator-7cbb6bd5c9,karmada-impersonator-84f8c8f8c6"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestValidateClusterName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		input   string
		wantErr string
	}{
		{"simple", "member1", ""},
		{"48 characters", strings.Repeat("a", 48), ""},
		{"empty", "", "a cluster name is required"},
		{"49 characters", strings.Repeat("a", 49), "no more than 48 characters"},
		{"upper case", "Member1", "RFC 1123"},
		{"dot", "member.1", "must not contain dots"},
		{"leading dash", "-member", "RFC 1123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateClusterName(tc.input)
			checkErr(t, err, tc.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("expected an error containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestMemberObjects(t *testing.T) {
	role := MemberClusterRole("member1")
	if role.Name != "karmada-controller-manager:karmada-member1" || role.Labels[clusterv1alpha1.KarmadaSystemLabel] != "true" {
		t.Errorf("unexpected ClusterRole meta %+v", role.ObjectMeta)
	}
	wantRules := []rbacv1.PolicyRule{
		{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"*"}},
	}
	if !reflect.DeepEqual(role.Rules, wantRules) {
		t.Errorf("rules = %+v, want %+v", role.Rules, wantRules)
	}

	binding := MemberClusterRoleBinding("member1", "karmada-cluster")
	wantSubjects := []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "karmada-cluster", Name: "karmada-member1"}}
	if binding.Name != role.Name || binding.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name}) ||
		!reflect.DeepEqual(binding.Subjects, wantSubjects) {
		t.Errorf("unexpected binding %+v", binding)
	}

	secret := ServiceAccountTokenSecret("karmada-cluster", "karmada-member1")
	if secret.Name != "karmada-member1" || secret.Namespace != "karmada-cluster" || secret.Type != corev1.SecretTypeServiceAccountToken ||
		secret.Annotations["kubernetes.io/service-account.name"] != "karmada-member1" {
		t.Errorf("unexpected token secret %+v", secret)
	}
}

func TestControlPlaneSecretData(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		kubeconfigCA, secretCA []byte
		wantCA                 string
		wantCAKey              bool
	}{
		{"kubeconfig CA wins", []byte("kc"), []byte("sa"), "kc", true},
		{"falls back to the token Secret's ca.crt", nil, []byte("sa"), "sa", true},
		{"no CA anywhere", nil, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := ControlPlaneSecretData([]byte("tok"), tc.kubeconfigCA, tc.secretCA)
			if string(data["token"]) != "tok" {
				t.Errorf("token = %q", data["token"])
			}
			ca, ok := data["caBundle"]
			if ok != tc.wantCAKey || string(ca) != tc.wantCA {
				t.Errorf("caBundle = %q (present %v), want %q (present %v)", ca, ok, tc.wantCA, tc.wantCAKey)
			}
		})
	}
}

func TestControlPlaneSecret(t *testing.T) {
	data := map[string][]byte{"token": []byte("t")}
	s := ControlPlaneSecret("karmada-cluster", "member1", data, nil)
	if s.Namespace != "karmada-cluster" || s.Name != "member1" || len(s.OwnerReferences) != 0 || s.Type != corev1.SecretTypeOpaque {
		t.Errorf("unexpected secret %+v", s)
	}
	owner := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1", UID: types.UID("u1")}}
	s = ControlPlaneSecret("karmada-cluster", "member1-impersonator", data, owner)
	want := metav1.OwnerReference{APIVersion: "cluster.karmada.io/v1alpha1", Kind: "Cluster", Name: "member1", UID: "u1"}
	if len(s.OwnerReferences) != 1 {
		t.Fatalf("owner references = %+v", s.OwnerReferences)
	}
	got := s.OwnerReferences[0]
	if got.APIVersion != want.APIVersion || got.Kind != want.Kind || got.Name != want.Name || got.UID != want.UID || got.Controller == nil || !*got.Controller {
		t.Errorf("owner reference = %+v, want controller ref %+v", got, want)
	}
}

func strPtr(s string) *string { return &s }

func TestClusterRegistration(t *testing.T) {
	zones := []string{"a", "b"}
	reg := ClusterRegistration{
		Name: "member1", Namespace: "karmada-cluster", ID: "uid-1", APIEndpoint: "https://127.0.0.1:6443",
		Provider: strPtr("aws"), Region: strPtr("eu"), Zones: &zones,
	}
	c := reg.NewCluster()
	want := clusterv1alpha1.ClusterSpec{
		ID: "uid-1", SyncMode: clusterv1alpha1.Push, APIEndpoint: "https://127.0.0.1:6443",
		SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1-impersonator"},
		Provider:              "aws", Region: "eu", Zones: []string{"a", "b"},
	}
	if c.Name != "member1" || !reflect.DeepEqual(c.Spec, want) {
		t.Fatalf("NewCluster = %+v\nwant spec %+v", c, want)
	}

	t.Run("re-join without location flags keeps them and changes nothing", func(t *testing.T) {
		existing := c.DeepCopy()
		existing.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
		again := reg
		again.Provider, again.Region, again.Zones = nil, nil, nil
		if again.ApplyTo(existing) {
			t.Errorf("ApplyTo reported a change: %+v", existing.Spec)
		}
		if existing.Spec.Provider != "aws" || len(existing.Spec.Taints) != 1 {
			t.Errorf("ApplyTo dropped fields: %+v", existing.Spec)
		}
	})
	t.Run("a new endpoint and cleared zones are applied", func(t *testing.T) {
		existing := c.DeepCopy()
		again := reg
		again.APIEndpoint = "https://10.0.0.1:6443"
		empty := []string{}
		again.Zones = &empty
		if !again.ApplyTo(existing) {
			t.Fatal("ApplyTo reported no change")
		}
		if existing.Spec.APIEndpoint != "https://10.0.0.1:6443" || existing.Spec.Zones != nil {
			t.Errorf("unexpected spec %+v", existing.Spec)
		}
	})
	t.Run("a hand-made cluster is completed", func(t *testing.T) {
		existing := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}, Spec: clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push}}
		if !reg.ApplyTo(existing) || existing.Spec.ID != "uid-1" || existing.Spec.SecretRef == nil {
			t.Errorf("unexpected spec %+v", existing.Spec)
		}
	})
}

func TestCheckClusterIdentity(t *testing.T) {
	cluster := func(name, id string, mode clusterv1alpha1.ClusterSyncMode) clusterv1alpha1.Cluster {
		return clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: clusterv1alpha1.ClusterSpec{ID: id, SyncMode: mode}}
	}
	for _, tc := range []struct {
		name     string
		clusters []clusterv1alpha1.Cluster
		wantErr  string
	}{
		{"first join", nil, ""},
		{"other clusters only", []clusterv1alpha1.Cluster{cluster("member2", "uid-2", clusterv1alpha1.Push)}, ""},
		{"re-join of the same member", []clusterv1alpha1.Cluster{cluster("member1", "uid-1", clusterv1alpha1.Push)}, ""},
		{"hand-made cluster without id", []clusterv1alpha1.Cluster{cluster("member1", "", clusterv1alpha1.Push)}, ""},
		{"name used by another member", []clusterv1alpha1.Cluster{cluster("member1", "uid-9", clusterv1alpha1.Push)}, "already used by another cluster"},
		{"member joined under another name", []clusterv1alpha1.Cluster{cluster("old", "uid-1", clusterv1alpha1.Push)}, "already joined as cluster(old)"},
		{"pull cluster", []clusterv1alpha1.Cluster{cluster("member1", "uid-1", clusterv1alpha1.Pull)}, "Pull mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, CheckClusterIdentity(tc.clusters, "member1", "uid-1"), tc.wantErr)
		})
	}
}

func TestClusterReadyState(t *testing.T) {
	withCond := func(status metav1.ConditionStatus, reason, msg string) *clusterv1alpha1.Cluster {
		return &clusterv1alpha1.Cluster{Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{{
			Type: clusterv1alpha1.ClusterConditionReady, Status: status, Reason: reason, Message: msg,
		}}}}
	}
	for _, tc := range []struct {
		name    string
		cluster *clusterv1alpha1.Cluster
		want    ReadyState
	}{
		{"no condition", &clusterv1alpha1.Cluster{}, ReadyState{Summary: "no Ready condition yet"}},
		{"ready", withCond(metav1.ConditionTrue, "ClusterReady", "cluster is healthy and ready to accept workloads"),
			ReadyState{Ready: true, Summary: "Ready=True (ClusterReady): cluster is healthy and ready to accept workloads"}},
		{"unreachable", withCond(metav1.ConditionFalse, "ClusterNotReachable", "dial tcp: refused"),
			ReadyState{Summary: "Ready=False (ClusterNotReachable): dial tcp: refused"}},
		{"unknown without reason", withCond(metav1.ConditionUnknown, "", ""), ReadyState{Summary: "Ready=Unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClusterReadyState(tc.cluster); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMemberAccessFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, []byte("CA FROM FILE"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw := &clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{
			"inline":   {Server: "https://127.0.0.1:6443", CertificateAuthorityData: []byte("INLINE CA")},
			"file":     {Server: "https://127.0.0.1:7443", CertificateAuthority: caFile, ProxyURL: "socks5://127.0.0.1:1080"},
			"insecure": {Server: "https://10.0.0.1", InsecureSkipTLSVerify: true},
		},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{"admin": {Token: "secret"}},
		Contexts: map[string]*clientcmdapi.Context{
			"m1":   {Cluster: "inline", AuthInfo: "admin"},
			"m2":   {Cluster: "file", AuthInfo: "admin"},
			"m3":   {Cluster: "insecure", AuthInfo: "admin"},
			"lost": {Cluster: "nowhere", AuthInfo: "admin"},
		},
		CurrentContext: "m1",
	}
	for _, tc := range []struct {
		name, context string
		current       string
		want          MemberAccess
		wantErr       string
	}{
		{name: "current context with inline CA", current: "m1",
			want: MemberAccess{Context: "m1", Server: "https://127.0.0.1:6443", CAData: []byte("INLINE CA")}},
		{name: "named context with CA file and proxy", context: "m2", current: "m1",
			want: MemberAccess{Context: "m2", Server: "https://127.0.0.1:7443", CAData: []byte("CA FROM FILE"), ProxyURL: "socks5://127.0.0.1:1080"}},
		{name: "insecure", context: "m3", current: "m1",
			want: MemberAccess{Context: "m3", Server: "https://10.0.0.1", Insecure: true}},
		{name: "unknown context", context: "nope", current: "m1", wantErr: `context "nope" is not in the kubeconfig (it has: lost, m1, m2, m3)`},
		{name: "no current context", current: "", wantErr: "has no current context; choose one with --cluster-context"},
		{name: "dangling cluster", context: "lost", current: "m1", wantErr: `refers to cluster "nowhere"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := raw.DeepCopy()
			cfg.CurrentContext = tc.current
			got, err := MemberAccessFromKubeconfig(cfg, tc.context)
			checkErr(t, err, tc.wantErr)
			if err != nil {
				return
			}
			if got.Config == nil || got.Config.BearerToken != "secret" || got.Config.Host != tc.want.Server {
				t.Errorf("unexpected REST config %+v", got.Config)
			}
			got.Config = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestMergeFunctions(t *testing.T) {
	t.Run("token secret of another ServiceAccount is recreated", func(t *testing.T) {
		have := ServiceAccountTokenSecret("ns", "karmada-other")
		if got := MergeServiceAccountTokenSecret(have, ServiceAccountTokenSecret("ns", "karmada-member1")); got != Recreate {
			t.Errorf("got %v, want Recreate", got)
		}
	})
	t.Run("token secret with the token filled in is unchanged", func(t *testing.T) {
		have := ServiceAccountTokenSecret("ns", "karmada-member1")
		have.Data = map[string][]byte{"token": []byte("t")}
		if got := MergeServiceAccountTokenSecret(have, ServiceAccountTokenSecret("ns", "karmada-member1")); got != Unchanged {
			t.Errorf("got %v, want Unchanged", got)
		}
	})
	t.Run("opaque secret where a token secret is wanted is recreated", func(t *testing.T) {
		have := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "karmada-member1"}, Type: corev1.SecretTypeOpaque}
		if got := MergeServiceAccountTokenSecret(have, ServiceAccountTokenSecret("ns", "karmada-member1")); got != Recreate {
			t.Errorf("got %v, want Recreate", got)
		}
	})
	t.Run("control plane secret with a new token is updated, extra labels kept", func(t *testing.T) {
		have := ControlPlaneSecret("ns", "m", map[string][]byte{"token": []byte("old")}, nil)
		have.Labels["team"] = "x"
		want := ControlPlaneSecret("ns", "m", map[string][]byte{"token": []byte("new"), "caBundle": []byte("ca")}, nil)
		if got := MergeControlPlaneSecret(have, want); got != Changed {
			t.Fatalf("got %v, want Changed", got)
		}
		if string(have.Data["token"]) != "new" || have.Labels["team"] != "x" {
			t.Errorf("unexpected result %+v", have)
		}
		if got := MergeControlPlaneSecret(have, want); got != Unchanged {
			t.Errorf("second merge: got %v, want Unchanged", got)
		}
	})
	t.Run("cluster role binding with another role is recreated", func(t *testing.T) {
		have := MemberClusterRoleBinding("member1", "ns")
		have.RoleRef.Name = "other"
		if got := MergeClusterRoleBinding(have, MemberClusterRoleBinding("member1", "ns")); got != Recreate {
			t.Errorf("got %v, want Recreate", got)
		}
	})
	t.Run("cluster role with narrowed rules is restored", func(t *testing.T) {
		have := MemberClusterRole("member1")
		have.Rules = have.Rules[:1]
		if got := MergeClusterRole(have, MemberClusterRole("member1")); got != Changed || len(have.Rules) != 2 {
			t.Errorf("got %v with rules %+v", got, have.Rules)
		}
	})
	t.Run("namespace without the system label gets it", func(t *testing.T) {
		have := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "karmada-cluster", Labels: map[string]string{"a": "b"}}}
		if got := MergeLabelsOnly(have, MemberNamespace("karmada-cluster")); got != Changed ||
			have.Labels["karmada.io/system"] != "true" || have.Labels["a"] != "b" {
			t.Errorf("got %v, labels %v", got, have.Labels)
		}
		if got := MergeLabelsOnly(have, MemberNamespace("karmada-cluster")); got != Unchanged {
			t.Errorf("second merge: got %v", got)
		}
	})
}
