package promote

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	k8stesting "k8s.io/client-go/testing"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/apply"
)

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
}

func TestParseArgsAndValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		mutate   func(*Options)
		wantType string
		wantName string
		wantErr  string
	}{
		{"type name", []string{"deployment", "web"}, nil, "deployment", "web", ""},
		{"type/name", []string{"deploy/web"}, nil, "deploy", "web", ""},
		{"qualified type", []string{"deployments.v1.apps", "web"}, nil, "deployments.v1.apps", "web", ""},
		{"no args", nil, nil, "", "", "a resource type and a name are required: kubectl karmada promote <RESOURCE_TYPE> <RESOURCE_NAME>"},
		{"type only", []string{"deployment"}, nil, "", "", "a resource type and a name are required"},
		{"empty name", []string{"deployment/"}, nil, "", "", "a resource type and a name are required"},
		{"mixed forms", []string{"deployment/web", "x"}, nil, "", "", "give either TYPE NAME or TYPE/NAME"},
		{"too many", []string{"deployment", "a", "b"}, nil, "", "", "promote takes one object"},
		{"no cluster", []string{"deployment", "web"}, func(o *Options) { o.Cluster = "" }, "", "", "--cluster (-C) is required: the member cluster that runs deployment web"},
		{"bad cluster", []string{"deployment", "web"}, func(o *Options) { o.Cluster = "Member_1" }, "", "", `--cluster: invalid cluster name "Member_1"`},
		{"bad output", []string{"deployment", "web"}, func(o *Options) { o.Output = "wide" }, "", "", `--output "wide" is not supported`},
		{"context without kubeconfig", []string{"deployment", "web"}, func(o *Options) { o.ClusterContext = "m1" }, "", "", "--cluster-context needs --cluster-kubeconfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Options{Cluster: "member1", commandPath: "kubectl karmada"}
			if tc.mutate != nil {
				tc.mutate(o)
			}
			err := o.Complete(nil, tc.args)
			if err == nil {
				err = o.Validate()
			}
			checkErr(t, err, tc.wantErr)
			if tc.wantErr == "" && (o.Type != tc.wantType || o.Name != tc.wantName || o.Namespace != "default") {
				t.Errorf("parsed %q %q in %q", o.Type, o.Name, o.Namespace)
			}
		})
	}
}

func memberDeployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata": map[string]interface{}{
			"name":              "web",
			"namespace":         "default",
			"uid":               "1234",
			"resourceVersion":   "42",
			"generation":        int64(3),
			"creationTimestamp": "2024-01-01T00:00:00Z",
			"managedFields":     []interface{}{map[string]interface{}{"manager": "kubectl"}},
			"ownerReferences":   []interface{}{map[string]interface{}{"kind": "Foo", "name": "bar"}},
			"finalizers":        []interface{}{"example.com/x"},
			"labels":            map[string]interface{}{"app": "web", "karmada.io/managed": "true", "work.karmada.io/permanent-id": "old"},
			"annotations": map[string]interface{}{
				"deployment.kubernetes.io/revision":   "2",
				"note":                                "kept",
				"resourcetemplate.karmada.io/uid":     "old",
				"work.karmada.io/conflict-resolution": "abort",
			},
		},
		"spec": map[string]interface{}{
			"replicas": int64(1),
			"selector": map[string]interface{}{"matchLabels": map[string]interface{}{"app": "web"}},
			"template": map[string]interface{}{
				"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": "web"}},
				"spec":     map[string]interface{}{"containers": []interface{}{map[string]interface{}{"name": "web", "image": "nginx"}}},
			},
		},
		"status": map[string]interface{}{"replicas": int64(1)},
	}}
}

func TestTemplate(t *testing.T) {
	in := memberDeployment()
	before := in.DeepCopy()
	tmpl := Template(in)
	if !reflect.DeepEqual(in, before) {
		t.Fatal("Template modified its input")
	}
	for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers"} {
		if _, found, _ := unstructured.NestedFieldNoCopy(tmpl.Object, "metadata", f); found {
			t.Errorf("metadata.%s kept", f)
		}
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(tmpl.Object, "status"); found {
		t.Error("status kept")
	}
	if want := map[string]string{"app": "web"}; !reflect.DeepEqual(tmpl.GetLabels(), want) {
		t.Errorf("labels %v, want %v", tmpl.GetLabels(), want)
	}
	if want := map[string]string{"note": "kept", "work.karmada.io/conflict-resolution": "overwrite"}; !reflect.DeepEqual(tmpl.GetAnnotations(), want) {
		t.Errorf("annotations %v, want %v", tmpl.GetAnnotations(), want)
	}
	if !reflect.DeepEqual(tmpl.Object["spec"], before.Object["spec"]) {
		t.Error("spec changed: the member's pod template must stay as it is, or its pods restart")
	}
	if tmpl.GetName() != "web" || tmpl.GetNamespace() != "default" || tmpl.GetAPIVersion() != "apps/v1" {
		t.Errorf("identity lost: %v", tmpl.Object["metadata"])
	}

	svc := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default"},
		"spec":     map[string]interface{}{"clusterIP": "10.96.0.10", "clusterIPs": []interface{}{"10.96.0.10"}, "ports": []interface{}{map[string]interface{}{"port": int64(80)}}},
	}}
	ts := Template(svc)
	if _, found, _ := unstructured.NestedFieldNoCopy(ts.Object, "spec", "clusterIP"); found {
		t.Error("Service clusterIP kept")
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(ts.Object, "spec", "clusterIPs"); found {
		t.Error("Service clusterIPs kept")
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(ts.Object, "spec", "ports"); !found {
		t.Error("Service ports lost")
	}
	headless := svc.DeepCopy()
	_ = unstructured.SetNestedField(headless.Object, "None", "spec", "clusterIP")
	if ip, _, _ := unstructured.NestedString(Template(headless).Object, "spec", "clusterIP"); ip != "None" {
		t.Errorf("headless Service clusterIP %q, want None", ip)
	}
}

func testMapper(t *testing.T) meta.RESTMapper {
	d := &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{Resources: []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", SingularName: "configmap", Namespaced: true, Kind: "ConfigMap", ShortNames: []string{"cm"}},
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment", ShortNames: []string{"deploy"}},
		}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{
			{Name: "gadgets", SingularName: "gadget", Namespaced: true, Kind: "Gadget"},
		}},
	}}}
	groups, err := restmapper.GetAPIGroupResources(d)
	if err != nil {
		t.Fatal(err)
	}
	return restmapper.NewShortcutExpander(restmapper.NewDiscoveryRESTMapper(groups), d, nil)
}

func TestResolveKind(t *testing.T) {
	mapper := testMapper(t)
	deploy := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	for arg, want := range map[string]schema.GroupVersionKind{
		"deployment":          deploy,
		"deployments":         deploy,
		"deploy":              deploy,
		"Deployment":          deploy,
		"deployment.apps":     deploy,
		"deployments.v1.apps": deploy,
		"Deployment.v1.apps":  deploy,
		"gadgets.example.com": {Group: "example.com", Version: "v1", Kind: "Gadget"},
		"Gadget":              {Group: "example.com", Version: "v1", Kind: "Gadget"},
		"cm":                  {Version: "v1", Kind: "ConfigMap"},
		"namespace":           {Version: "v1", Kind: "Namespace"},
	} {
		m, err := ResolveKind(mapper, arg)
		if err != nil || m.GroupVersionKind != want {
			t.Errorf("ResolveKind(%q) = %v, %v; want %v", arg, m, err, want)
		}
	}
	m, _ := ResolveKind(mapper, "namespace")
	if m.Scope.Name() != meta.RESTScopeNameRoot {
		t.Error("namespaces are cluster-scoped")
	}
	if _, err := ResolveKind(mapper, "widget"); err == nil {
		t.Error("unknown type resolved")
	}
	if _, err := ResolveKind(mapper, ""); err == nil {
		t.Error("empty type resolved")
	}
}

func TestProxyConfigAndNames(t *testing.T) {
	c := ProxyConfig(&rest.Config{Host: "https://127.0.0.1:5443/", BearerToken: "t"}, "member1")
	if c.Host != "https://127.0.0.1:5443/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy" || c.BearerToken != "t" {
		t.Errorf("proxy config %s %q", c.Host, c.BearerToken)
	}
	if ResourceName(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}) != "deployment.apps" ||
		ResourceName(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}) != "configmap" {
		t.Error("ResourceName")
	}
}

func TestPrintPlan(t *testing.T) {
	target := apply.Target{GVK: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Namespace: "default", Name: "web"}
	plan := &Plan{
		Template: Template(memberDeployment()),
		Policy: apply.NewPropagationPolicy(target, apply.PolicySettings{
			Clusters: []string{"member1"}, ConflictResolution: policyv1alpha1.ConflictOverwrite, PropagateDeps: true,
		}),
	}
	var out bytes.Buffer
	if err := printPlan(plan, "yaml", &out); err != nil {
		t.Fatal(err)
	}
	y := out.String()
	for _, want := range []string{"kind: Deployment", "---\n", "kind: PropagationPolicy", "name: " + target.PolicyName(), "conflictResolution: Overwrite", "propagateDeps: true",
		"- member1", "work.karmada.io/conflict-resolution: overwrite"} {
		if !strings.Contains(y, want) {
			t.Errorf("yaml lacks %q:\n%s", want, y)
		}
	}
	if strings.Contains(y, "creationTimestamp") {
		t.Errorf("yaml has creationTimestamp:\n%s", y)
	}
	out.Reset()
	if err := printPlan(plan, "json", &out); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || list.Kind != "List" || len(list.Items) != 2 || list.Items[1].Kind != "PropagationPolicy" {
		t.Errorf("json: %v %+v\n%s", err, list, out.String())
	}
}

func TestPolicyOfPromote(t *testing.T) {
	// What promote creates for deployment default/web in member1: the name of
	// docs/design/api.md ("Names"), the object alone, that cluster, Overwrite.
	target := apply.Target{GVK: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Namespace: "default", Name: "nginx"}
	p := apply.NewPropagationPolicy(target, apply.PolicySettings{Clusters: []string{"member1"}, ConflictResolution: policyv1alpha1.ConflictOverwrite})
	if p.Name != "nginx-6d7f8d5f5b" || p.Spec.ConflictResolution != policyv1alpha1.ConflictOverwrite ||
		!reflect.DeepEqual(p.Spec.Placement.ClusterAffinity.ClusterNames, []string{"member1"}) || p.Spec.PropagateDeps {
		t.Errorf("policy %+v", p)
	}
}
