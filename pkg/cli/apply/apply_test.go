package apply

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	kubectlapply "k8s.io/kubectl/pkg/cmd/apply"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

var (
	deploymentGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	configMapGVK  = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	clusterRole   = schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}
)

func TestPolicyName(t *testing.T) {
	// The vector of docs/design/api.md ("Names"): karmadactl computes the same.
	if got := (Target{GVK: deploymentGVK, Namespace: "default", Name: "nginx"}).PolicyName(); got != "nginx-6d7f8d5f5b" {
		t.Errorf("policy name = %s, want nginx-6d7f8d5f5b", got)
	}
	if got := (Target{GVK: clusterRole, Name: "System:Foo"}).PolicyName(); !strings.HasPrefix(got, "system.foo-") {
		t.Errorf("cluster-scoped policy name = %s", got)
	}
}

func TestPropagationPolicy(t *testing.T) {
	target := Target{GVK: deploymentGVK, Namespace: "default", Name: "nginx"}
	pp := NewPropagationPolicy(target, PolicySettings{Clusters: []string{"member1", "member2"}})
	want := &policyv1alpha1.PropagationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy.karmada.io/v1alpha1", Kind: "PropagationPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nginx-6d7f8d5f5b"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx"}},
			Placement:         policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}}},
		},
	}
	if !reflect.DeepEqual(pp, want) {
		t.Errorf("got %+v\nwant %+v", pp, want)
	}

	promoted := NewPropagationPolicy(target, PolicySettings{Clusters: []string{"member1"}, ConflictResolution: policyv1alpha1.ConflictOverwrite, PropagateDeps: true})
	if promoted.Spec.ConflictResolution != policyv1alpha1.ConflictOverwrite || !promoted.Spec.PropagateDeps {
		t.Errorf("promote settings lost: %+v", promoted.Spec)
	}

	all := NewPropagationPolicy(target, PolicySettings{})
	if all.Spec.Placement.ClusterAffinity == nil || len(all.Spec.Placement.ClusterAffinity.ClusterNames) != 0 {
		t.Errorf("all clusters: affinity %+v, want an empty one", all.Spec.Placement.ClusterAffinity)
	}

	cpp := NewClusterPropagationPolicy(Target{GVK: clusterRole, Name: "reader"}, PolicySettings{})
	if cpp.Kind != "ClusterPropagationPolicy" || cpp.Namespace != "" || cpp.Spec.ResourceSelectors[0].APIVersion != "rbac.authorization.k8s.io/v1" ||
		cpp.Spec.ResourceSelectors[0].Name != "reader" || cpp.Spec.ResourceSelectors[0].Namespace != "" {
		t.Errorf("cpp = %+v", cpp)
	}
}

func TestNewPolicyUnstructured(t *testing.T) {
	u, err := NewPolicy(Target{GVK: configMapGVK, Namespace: "ns1", Name: "cfg"}, PolicySettings{Clusters: []string{"member1"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.GetAPIVersion() != "policy.karmada.io/v1alpha1" || u.GetKind() != "PropagationPolicy" || u.GetNamespace() != "ns1" ||
		u.GetName() != (Target{GVK: configMapGVK, Namespace: "ns1", Name: "cfg"}).PolicyName() {
		t.Errorf("policy metadata: %v", u.Object)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", "creationTimestamp"); found {
		t.Error("creationTimestamp in an applied manifest")
	}
	names, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "placement", "clusterAffinity", "clusterNames")
	if !reflect.DeepEqual(names, []string{"member1"}) {
		t.Errorf("clusterNames %v", names)
	}
	u, err = NewPolicy(Target{GVK: clusterRole, Name: "reader"}, PolicySettings{})
	if err != nil || u.GetKind() != "ClusterPropagationPolicy" || u.GetNamespace() != "" {
		t.Errorf("cluster-scoped: %v %v", err, u)
	}
}

func TestReservedAndKarmada(t *testing.T) {
	for ns, want := range map[string]bool{"kube-system": true, "kube-public": true, "karmada-system": true, "karmada-cluster": true,
		"karmada-es-member1": true, "default": false, "karmada-apps": false, "kubeflow": false} {
		if IsReservedNamespace(ns) != want {
			t.Errorf("IsReservedNamespace(%s) != %v", ns, want)
		}
	}
	for g, want := range map[string]bool{"policy.karmada.io": true, "karmada.io": true, "apps": false, "": false, "notkarmada.io": false} {
		if IsKarmadaGroup(g) != want {
			t.Errorf("IsKarmadaGroup(%s) != %v", g, want)
		}
	}
}

func testMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(deploymentGVK, meta.RESTScopeNamespace)
	m.Add(configMapGVK, meta.RESTScopeNamespace)
	m.Add(clusterRole, meta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	m.Add(policyv1alpha1.SchemeGroupVersion.WithKind("PropagationPolicy"), meta.RESTScopeNamespace)
	m.Add(policyv1alpha1.SchemeGroupVersion.WithKind("ClusterPropagationPolicy"), meta.RESTScopeRoot)
	return m
}

func info(t *testing.T, mapper meta.RESTMapper, gvk schema.GroupVersionKind, ns, name string) *resource.Info {
	t.Helper()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	obj.SetNamespace(ns)
	obj.SetName(name)
	return &resource.Info{Mapping: m, Namespace: ns, Name: name, Object: obj, Source: "manifest.yaml"}
}

func TestTargetOf(t *testing.T) {
	mapper := testMapper()
	for _, tc := range []struct {
		info     *resource.Info
		want     Target
		wantSkip string
	}{
		{info(t, mapper, deploymentGVK, "default", "nginx"), Target{GVK: deploymentGVK, Namespace: "default", Name: "nginx"}, ""},
		{info(t, mapper, clusterRole, "", "reader"), Target{GVK: clusterRole, Name: "reader"}, ""},
		{info(t, mapper, configMapGVK, "kube-system", "cfg"), Target{}, "namespace kube-system is reserved"},
		{info(t, mapper, schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, "", "karmada-system"), Target{}, "namespace karmada-system is reserved"},
		{info(t, mapper, policyv1alpha1.SchemeGroupVersion.WithKind("PropagationPolicy"), "default", "p"), Target{}, "Karmada's own API group policy.karmada.io"},
	} {
		got, skip := TargetOf(tc.info)
		if got != tc.want || (tc.wantSkip == "") != (skip == "") || !strings.Contains(skip, tc.wantSkip) {
			t.Errorf("TargetOf(%s) = %+v, %q", describe(tc.info), got, skip)
		}
	}
}

func TestAddPolicies(t *testing.T) {
	mapper := testMapper()
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: cp, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: admin, user: {token: t}}]
contexts: [{name: cp, context: {cluster: cp, user: admin}}]
current-context: cp
`), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := ""
	var errOut bytes.Buffer
	o := &Options{
		Clusters: []string{"member1"},
		apply:    &kubectlapply.ApplyOptions{Mapper: mapper},
		factory:  (&util.Factory{KubeConfig: kubeconfig}).KubectlFactory(&ns, nil, nil),
		errOut:   &errOut,
	}
	infos := []*resource.Info{
		info(t, mapper, configMapGVK, "default", "cfg"),
		info(t, mapper, configMapGVK, "kube-system", "skipped"),
		info(t, mapper, clusterRole, "", "reader"),
	}
	got, err := o.AddPolicies(infos)
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, i := range got {
		summary = append(summary, i.Mapping.GroupVersionKind.Kind+" "+i.Namespace+"/"+i.Name)
		if strings.HasSuffix(i.Mapping.GroupVersionKind.Kind, "PropagationPolicy") && i.Client == nil {
			t.Errorf("policy %s has no client", i.Name)
		}
	}
	want := []string{
		"ConfigMap default/cfg",
		"PropagationPolicy default/" + (Target{GVK: configMapGVK, Namespace: "default", Name: "cfg"}).PolicyName(),
		"ConfigMap kube-system/skipped",
		"ClusterRole /reader",
		"ClusterPropagationPolicy /" + (Target{GVK: clusterRole, Name: "reader"}).PolicyName(),
	}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("objects to apply:\n%v\nwant\n%v", summary, want)
	}
	if !strings.Contains(errOut.String(), "Warning: configmap kube-system/skipped is applied but not propagated") {
		t.Errorf("warnings: %q", errOut.String())
	}
	policy := got[1].Object.(*unstructured.Unstructured)
	names, _, _ := unstructured.NestedStringSlice(policy.Object, "spec", "placement", "clusterAffinity", "clusterNames")
	if !reflect.DeepEqual(names, []string{"member1"}) {
		t.Errorf("clusterNames %v", names)
	}
}

func TestCheckClustersExist(t *testing.T) {
	if err := util.CheckClustersExist([]string{"member1"}, []string{"member1", "member2"}); err != nil {
		t.Error(err)
	}
	err := util.CheckClustersExist([]string{"member1", "member3"}, []string{"member1", "member2"})
	if err == nil || err.Error() != "cluster(s) member3 not found (registered clusters: member1, member2)" {
		t.Errorf("error %v", err)
	}
	err = util.CheckClustersExist([]string{"member1"}, nil)
	if err == nil || !strings.Contains(err.Error(), "none is registered yet") {
		t.Errorf("error %v", err)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", "x.yaml", "--all-clusters", "-C", "member1"}, "--all-clusters and --cluster cannot be used together"},
		{[]string{"-f", "x.yaml", "-C", "Member_1"}, `--cluster: invalid cluster name "Member_1"`},
	} {
		var out bytes.Buffer
		cmd := NewCmdApply(util.NewFactory("kubectl-karmada"), "kubectl karmada")
		cmd.SetArgs(tc.args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
