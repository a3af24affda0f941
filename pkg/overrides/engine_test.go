/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package overrides

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/detector"
)

// guideDir holds the user's guide examples, one object per file.
const guideDir = "../../artifacts/guide"

var (
	member1 = &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "v8o-karmada-member1", Labels: map[string]string{"cluster": "v8o-karmada-member1"}},
		Spec:       clusterv1alpha1.ClusterSpec{Region: "cn-north-1", Provider: "huaweicloud"},
	}
	member2 = &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "v8o-karmada-member2", Labels: map[string]string{"cluster": "v8o-karmada-member2"}},
		Spec:       clusterv1alpha1.ClusterSpec{Region: "cn-south-1"},
	}
)

func readGuide(t *testing.T, file string, into interface{}) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(guideDir, file))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// guideOP loads a guide OverridePolicy as stored: namespace "default" when the file has none,
// defaults applied.
func guideOP(t *testing.T, file string) *policyv1alpha1.OverridePolicy {
	p := &policyv1alpha1.OverridePolicy{}
	readGuide(t, file, p)
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	policyv1alpha1.SetDefaultsOverridePolicy(p)
	return p
}

func guideCOP(t *testing.T, file string) *policyv1alpha1.ClusterOverridePolicy {
	p := &policyv1alpha1.ClusterOverridePolicy{}
	readGuide(t, file, p)
	policyv1alpha1.SetDefaultsClusterOverridePolicy(p)
	return p
}

const guideConfigMap = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: myconfigmap
  namespace: default
data:
  example: "1"
`

const nginxInTest = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: test
  labels: {app: nginx}
spec:
  template:
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
`

// TestGuideOverridePolicies applies every OverridePolicy of the guide to the guide's objects.
func TestGuideOverridePolicies(t *testing.T) {
	image := "/spec/template/spec/containers/0/image"
	command := "/spec/template/spec/containers/0/command"
	cases := []struct {
		file    string
		obj     string
		cluster *clusterv1alpha1.Cluster
		path    string
		want    interface{}
	}{
		{"overridepolicy-image-registry-add.yaml", guideDeployment, member1, image, "test-repo/myapp:1.0.0"},
		{"overridepolicy-image-repository-replace.yaml", guideDeployment, member1, image, "myapp2:1.0.0"},
		{"overridepolicy-image-tag-remove.yaml", guideDeployment, member1, image, "myapp"},
		{"overridepolicy-command-add.yaml", guideDeployment, member1, command, []interface{}{"./myapp", "--parameter1=foo", "--parameter2=bar", "--cluster=v8o-karmada-member1"}},
		{"overridepolicy-command-remove.yaml", guideDeployment, member1, command, []interface{}{"./myapp", "--parameter2=bar"}},
		{"overridepolicy-plaintext-configmap-replace.yaml", guideConfigMap, member1, "/data/example", "2"},
		{"overridepolicy-resource-selector.yaml", nginxInTest, member1, image, "test-repo/nginx:1.25"},
		{"overridepolicy-resource-selector.yaml", strings.Replace(nginxInTest, "name: nginx\n", "name: nginx2\n", 1), member1, image, "nginx:1.25"},
		{"overridepolicy-resource-selector.yaml", strings.Replace(nginxInTest, "namespace: test", "namespace: default", 1), member1, image, "nginx:1.25"},
		// As in the detector, a selector naming the object ignores its labelSelector.
		{"overridepolicy-resource-selector.yaml", strings.Replace(nginxInTest, "app: nginx", "app: other", 1), member1, image, "test-repo/nginx:1.25"},
		{"overridepolicy-target-cluster-label-selector.yaml", guideDeployment, member1, image, "test-repo/myapp:1.0.0"},
		{"overridepolicy-target-cluster-label-selector.yaml", guideDeployment, member2, image, "myapp:1.0.0"},
		{"overridepolicy-target-cluster-field-selector.yaml", guideDeployment, member1, image, "test-repo/myapp:1.0.0"},
		{"overridepolicy-target-cluster-field-selector.yaml", guideDeployment, member2, image, "myapp:1.0.0"},
		{"overridepolicy-target-cluster-cluster-names.yaml", guideDeployment, member1, image, "test-repo/myapp:1.0.0"},
		{"overridepolicy-target-cluster-cluster-names.yaml", guideDeployment, member2, image, "myapp:1.0.0"},
		{"overridepolicy-target-cluster-exclude.yaml", guideDeployment, member1, image, "myapp:1.0.0"},
		{"overridepolicy-target-cluster-exclude.yaml", guideDeployment, member2, image, "test-repo/myapp:1.0.0"},
	}
	for _, tc := range cases {
		t.Run(tc.file+" "+tc.cluster.Name, func(t *testing.T) {
			obj := object(t, tc.obj)
			op := guideOP(t, tc.file)
			got, _, err := Apply(obj, tc.cluster, nil, []*policyv1alpha1.OverridePolicy{op})
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, got, tc.path, tc.want)
		})
	}
}

// TestGuideIstioNamespace: the two ClusterOverridePolicies label istio-system per cluster.
func TestGuideIstioNamespace(t *testing.T) {
	cops := []*policyv1alpha1.ClusterOverridePolicy{
		guideCOP(t, "clusteroverridepolicy-istio-system-network2.yaml"),
		guideCOP(t, "clusteroverridepolicy-istio-system-network1.yaml"),
	}
	ns := object(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n")
	member3 := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member3"}}
	for _, tc := range []struct {
		cluster *clusterv1alpha1.Cluster
		network string
		applied string
	}{
		{member1, "network1", `[{"policyName":"istio-system-member1","overriders":{"plaintext":[{"path":"/metadata/labels","operator":"add","value":{"topology.istio.io/network":"network1"}}]}}]`},
		{member2, "network2", `[{"policyName":"istio-system-member2","overriders":{"plaintext":[{"path":"/metadata/labels","operator":"add","value":{"topology.istio.io/network":"network2"}}]}}]`},
		{member3, "", ""},
	} {
		t.Run(tc.cluster.Name, func(t *testing.T) {
			got, applied, err := Apply(ns, tc.cluster, cops, nil)
			if err != nil {
				t.Fatal(err)
			}
			if l := got.GetLabels()["topology.istio.io/network"]; l != tc.network {
				t.Fatalf("network label %q, want %q", l, tc.network)
			}
			ann, clusterAnn, err := applied.Annotations()
			if err != nil {
				t.Fatal(err)
			}
			if ann != "" || clusterAnn != tc.applied {
				t.Fatalf("annotations %q / %q, want \"\" / %q", ann, clusterAnn, tc.applied)
			}
		})
	}
}

func labelsOverrider(kv ...string) policyv1alpha1.Overriders {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return policyv1alpha1.Overriders{LabelsOverrider: []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: m}}}
}

func op(ns, name string, selectors []policyv1alpha1.ResourceSelector, rules ...policyv1alpha1.RuleWithCluster) *policyv1alpha1.OverridePolicy {
	return &policyv1alpha1.OverridePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: policyv1alpha1.OverrideSpec{ResourceSelectors: selectors, OverrideRules: rules}}
}

func cop(name string, selectors []policyv1alpha1.ResourceSelector, rules ...policyv1alpha1.RuleWithCluster) *policyv1alpha1.ClusterOverridePolicy {
	return &policyv1alpha1.ClusterOverridePolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1alpha1.OverrideSpec{ResourceSelectors: selectors, OverrideRules: rules}}
}

func rule(o policyv1alpha1.Overriders) policyv1alpha1.RuleWithCluster {
	return policyv1alpha1.RuleWithCluster{Overriders: o}
}

var (
	byKind  = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}}
	byLabel = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "myapp"}}}}
	byName  = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "myapp"}}
	noMatch = []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "other"}}
)

func policyNames(list []AppliedOverriders) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.PolicyName)
	}
	return out
}

func TestOrdering(t *testing.T) {
	d := object(t, guideDeployment)
	t.Run("name-selected OverridePolicy wins over label-selected and over ClusterOverridePolicy", func(t *testing.T) {
		cops := []*policyv1alpha1.ClusterOverridePolicy{cop("z-cop", byName, rule(labelsOverrider("tier", "cop")))}
		ops := []*policyv1alpha1.OverridePolicy{
			op("default", "b-name", byName, rule(labelsOverrider("tier", "name"))),
			op("default", "a-label", byLabel, rule(labelsOverrider("tier", "label"))),
			op("default", "c-all", byKind, rule(labelsOverrider("tier", "all"))),
		}
		got, applied, err := Apply(d, member1, cops, ops)
		if err != nil {
			t.Fatal(err)
		}
		if tier := got.GetLabels()["tier"]; tier != "name" {
			t.Fatalf("tier %q, want name", tier)
		}
		if names := strings.Join(policyNames(applied.Overrides), ","); names != "c-all,a-label,b-name" {
			t.Fatalf("applied order %s", names)
		}
		if names := strings.Join(policyNames(applied.ClusterOverrides), ","); names != "z-cop" {
			t.Fatalf("applied cluster order %s", names)
		}
		// without the name-selected policy the label-selected one wins over the cluster policy
		got, _, err = Apply(d, member1, cops, ops[1:])
		if err != nil {
			t.Fatal(err)
		}
		if tier := got.GetLabels()["tier"]; tier != "label" {
			t.Fatalf("tier %q, want label", tier)
		}
	})
	t.Run("same field through images", func(t *testing.T) {
		tag := func(v string) policyv1alpha1.Overriders {
			return policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Tag, Operator: opReplace, Value: v}}}
		}
		cops := []*policyv1alpha1.ClusterOverridePolicy{cop("a", byName, rule(tag("cop")))}
		ops := []*policyv1alpha1.OverridePolicy{op("default", "z", byName, rule(tag("op")))}
		got, _, err := Apply(d, member1, cops, ops)
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, got, "/spec/template/spec/containers/0/image", "myapp:op")
	})
	t.Run("equal priority applies in name order", func(t *testing.T) {
		ops := []*policyv1alpha1.OverridePolicy{
			op("default", "b", byLabel, rule(labelsOverrider("who", "b"))),
			op("default", "c", byLabel, rule(labelsOverrider("who", "c"))),
			op("default", "a", byLabel, rule(labelsOverrider("who", "a"))),
		}
		got, applied, err := Apply(d, member1, nil, ops)
		if err != nil {
			t.Fatal(err)
		}
		if who := got.GetLabels()["who"]; who != "c" {
			t.Fatalf("who %q, want c (applied last)", who)
		}
		if names := strings.Join(policyNames(applied.Overrides), ","); names != "a,b,c" {
			t.Fatalf("applied order %s", names)
		}
		cops := []*policyv1alpha1.ClusterOverridePolicy{
			cop("y", nil, rule(labelsOverrider("who", "y"))),
			cop("x", nil, rule(labelsOverrider("who", "x"))),
		}
		got, _, err = Apply(d, member1, cops, nil)
		if err != nil {
			t.Fatal(err)
		}
		if who := got.GetLabels()["who"]; who != "y" {
			t.Fatalf("who %q, want y", who)
		}
	})
	t.Run("empty selectors rank as match-all", func(t *testing.T) {
		ops := []*policyv1alpha1.OverridePolicy{
			op("default", "a-label", byLabel, rule(labelsOverrider("who", "label"))),
			op("default", "b-empty", nil, rule(labelsOverrider("who", "empty"))),
		}
		got, _, err := Apply(d, member1, nil, ops)
		if err != nil {
			t.Fatal(err)
		}
		if who := got.GetLabels()["who"]; who != "label" {
			t.Fatalf("who %q, want label", who)
		}
		ps := Select(d, nil, ops)
		if len(ps) != 2 || ps[0].ImplicitPriority != detector.PriorityMatchAll || ps[1].ImplicitPriority != detector.PriorityMatchLabels {
			t.Fatalf("Select = %+v", ps)
		}
	})
	t.Run("rules in list order", func(t *testing.T) {
		ops := []*policyv1alpha1.OverridePolicy{op("default", "p", byName,
			rule(labelsOverrider("who", "first")), rule(labelsOverrider("who", "second")))}
		got, applied, err := Apply(d, member1, nil, ops)
		if err != nil {
			t.Fatal(err)
		}
		if who := got.GetLabels()["who"]; who != "second" {
			t.Fatalf("who %q, want second", who)
		}
		if len(applied.Overrides) != 2 {
			t.Fatalf("want one entry per applied rule, got %+v", applied.Overrides)
		}
	})
}

// TestOverridersOrder: image → command → args → labels → annotations → field → plaintext.
func TestOverridersOrder(t *testing.T) {
	d := object(t, guideDeployment)
	o := policyv1alpha1.Overriders{
		// listed in reverse; each relies on the previous one having run
		Plaintext: []policyv1alpha1.PlaintextOverrider{
			{Path: "/metadata/annotations/cfg", Operator: opReplace, Value: rawJSON(`"plain"`)},
			{Path: "/spec/template/spec/containers/0/image", Operator: opReplace, Value: rawJSON(`"final:1"`)},
		},
		FieldOverrider: []policyv1alpha1.FieldOverrider{{FieldPath: "/metadata/annotations/cfg",
			JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/from", Operator: opReplace, Value: rawJSON(`"field"`)}}}},
		AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: map[string]string{"cfg": `{"from":"annotations"}`, "label": "x"}}},
		LabelsOverrider:      []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: map[string]string{"l": "1"}}},
		ArgsOverrider:        []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opRemove, Value: []string{"--from-command"}}},
		CommandOverrider:     []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opAdd, Value: []string{"--c"}}},
		ImageOverrider:       []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Registry, Operator: opAdd, Value: "r.io"}},
	}
	work := d.DeepCopy()
	if err := ApplyOverriders(work, &o); err != nil {
		t.Fatal(err)
	}
	assertAt(t, work, "/spec/template/spec/containers/0/image", "final:1")
	assertAt(t, work, "/spec/template/spec/containers/0/args", []interface{}{}) // created empty by remove
	assertAt(t, work, "/metadata/annotations/cfg", "plain")

	// without plaintext, the field overrider's result shows
	o.Plaintext = nil
	work = d.DeepCopy()
	if err := ApplyOverriders(work, &o); err != nil {
		t.Fatal(err)
	}
	assertAt(t, work, "/metadata/annotations/cfg", `{"from":"field"}`)
	assertAt(t, work, "/spec/template/spec/containers/0/image", "r.io/myapp:1.0.0")
	assertAt(t, work, "/metadata/labels", map[string]interface{}{"app": "myapp", "l": "1"})
}

func TestSelect(t *testing.T) {
	d := object(t, guideDeployment)
	now := metav1.Now()
	deleting := op("default", "deleting", byName, rule(labelsOverrider("x", "y")))
	deleting.DeletionTimestamp = &now
	deletingCOP := cop("deleting", byName, rule(labelsOverrider("x", "y")))
	deletingCOP.DeletionTimestamp = &now
	ops := []*policyv1alpha1.OverridePolicy{
		nil,
		deleting,
		op("other", "other-ns", byName, rule(labelsOverrider("x", "y"))),
		op("default", "no-match", noMatch, rule(labelsOverrider("x", "y"))),
		op("default", "match", byName, rule(labelsOverrider("x", "y"))),
		op("default", "empty", nil, rule(labelsOverrider("x", "y"))),
	}
	cops := []*policyv1alpha1.ClusterOverridePolicy{
		nil,
		deletingCOP,
		cop("c-no-match", noMatch),
		cop("c-ns-selector", []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default"}}),
		cop("c-other-ns", []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "other"}}),
		cop("c-empty", nil),
	}
	var got []string
	for _, p := range Select(d, cops, ops) {
		got = append(got, p.Kind+"/"+p.Name)
	}
	want := "ClusterOverridePolicy/c-empty,ClusterOverridePolicy/c-ns-selector,OverridePolicy/empty,OverridePolicy/match"
	if strings.Join(got, ",") != want {
		t.Fatalf("Select = %s\nwant %s", strings.Join(got, ","), want)
	}

	// a cluster-scoped object only sees ClusterOverridePolicies
	ns := object(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n")
	got = nil
	for _, p := range Select(ns, cops, []*policyv1alpha1.OverridePolicy{op("", "empty", nil), op("default", "empty2", nil)}) {
		got = append(got, p.Kind+"/"+p.Name)
	}
	if strings.Join(got, ",") != "ClusterOverridePolicy/c-empty" {
		t.Fatalf("Select(Namespace) = %v", got)
	}
}

func TestTargetCluster(t *testing.T) {
	d := object(t, guideDeployment)
	target := func(a *policyv1alpha1.ClusterAffinity, who string) policyv1alpha1.RuleWithCluster {
		return policyv1alpha1.RuleWithCluster{TargetCluster: a, Overriders: labelsOverrider(who, "yes")}
	}
	ops := []*policyv1alpha1.OverridePolicy{op("default", "p", byName,
		target(nil, "all"),
		target(&policyv1alpha1.ClusterAffinity{}, "empty"),
		target(&policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"cluster": "v8o-karmada-member1"}}}, "label"),
		target(&policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "region", Operator: corev1.NodeSelectorOpIn, Values: []string{"cn-north-1"}}}}}, "field"),
		target(&policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "provider", Operator: corev1.NodeSelectorOpDoesNotExist}}}}, "noprovider"),
		target(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{"v8o-karmada-member2"}}, "names"),
		target(&policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"v8o-karmada-member2"}}, "exclude"),
		target(&policyv1alpha1.ClusterAffinity{ClusterNames: []string{"v8o-karmada-member1", "v8o-karmada-member2"}, ExcludeClusters: []string{"v8o-karmada-member1"}}, "namesminus"),
		target(&policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}}, "invalid"),
	)}
	for _, tc := range []struct {
		cluster *clusterv1alpha1.Cluster
		want    []string
	}{
		{member1, []string{"all", "empty", "label", "field", "exclude"}},
		{member2, []string{"all", "empty", "noprovider", "names", "namesminus"}},
		{nil, []string{"all"}},
	} {
		name := "nil"
		if tc.cluster != nil {
			name = tc.cluster.Name
		}
		t.Run(name, func(t *testing.T) {
			got, applied, err := Apply(d, tc.cluster, nil, ops)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, k := range []string{"all", "empty", "label", "field", "noprovider", "names", "exclude", "namesminus", "invalid"} {
				if got.GetLabels()[k] == "yes" {
					keys = append(keys, k)
				}
			}
			if strings.Join(keys, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("rules applied: %v, want %v", keys, tc.want)
			}
			if len(applied.Overrides) != len(tc.want) {
				t.Fatalf("applied entries %d, want %d", len(applied.Overrides), len(tc.want))
			}
		})
	}
}

func TestDeprecatedTopLevelRule(t *testing.T) {
	d := object(t, guideDeployment)
	p := op("default", "legacy", byName)
	p.Spec.TargetCluster = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{member1.Name}}
	p.Spec.Overriders = labelsOverrider("legacy", "yes")
	got, applied, err := Apply(d, member1, nil, []*policyv1alpha1.OverridePolicy{p})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetLabels()["legacy"] != "yes" || len(applied.Overrides) != 1 {
		t.Fatalf("legacy rule not applied: %v %+v", got.GetLabels(), applied)
	}
	got, applied, err = Apply(d, member2, nil, []*policyv1alpha1.OverridePolicy{p})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetLabels()["legacy"] != "" || !applied.Empty() {
		t.Fatalf("legacy rule applied to member2: %v %+v", got.GetLabels(), applied)
	}
	// overrideRules take precedence when both are set (validation forbids it)
	p.Spec.OverrideRules = []policyv1alpha1.RuleWithCluster{rule(labelsOverrider("rules", "yes"))}
	got, _, err = Apply(d, member1, nil, []*policyv1alpha1.OverridePolicy{p})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetLabels()["legacy"] != "" || got.GetLabels()["rules"] != "yes" {
		t.Fatalf("labels %v", got.GetLabels())
	}
}

func TestApplyErrors(t *testing.T) {
	cm := object(t, guideConfigMap)
	failing := policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{{Path: "/data/missing", Operator: opReplace, Value: rawJSON(`"x"`)}}}
	p := op("default", "op", nil, policyv1alpha1.RuleWithCluster{
		TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{member1.Name}}, Overriders: failing})
	good := op("default", "a-good", nil, rule(labelsOverrider("good", "yes")))

	got, applied, err := Apply(cm, member1, nil, []*policyv1alpha1.OverridePolicy{good, p})
	want := `OverridePolicy default/op: plaintext replace /data/missing: missing key "missing"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.PolicyKind != "OverridePolicy" || e.Namespace != "default" || e.Name != "op" ||
		e.Overrider != "plaintext" || e.Path != "/data/missing" {
		t.Fatalf("error fields %+v", e)
	}
	if errors.Unwrap(err) == nil {
		t.Fatal("the cause is not unwrappable")
	}
	if got != nil || !applied.Empty() {
		t.Fatalf("want no result on error, got %v %+v", got, applied)
	}
	// another cluster is unaffected
	got, applied, err = Apply(cm, member2, nil, []*policyv1alpha1.OverridePolicy{good, p})
	if err != nil || got.GetLabels()["good"] != "yes" || len(applied.Overrides) != 1 {
		t.Fatalf("member2: %v %v %+v", err, got, applied)
	}

	// a ClusterOverridePolicy names no namespace; image errors name the component
	d := object(t, strings.Replace(guideDeployment, "myapp:1.0.0", "MyApp:1.0.0", 1))
	c := cop("cop", nil, rule(policyv1alpha1.Overriders{ImageOverrider: []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Registry, Operator: opAdd, Value: "r.io"}}}))
	_, _, err = Apply(d, member1, []*policyv1alpha1.ClusterOverridePolicy{c}, nil)
	want = `ClusterOverridePolicy cop: imageOverrider Registry add /spec/template/spec/containers/0/image: invalid image reference "MyApp:1.0.0": invalid repository "MyApp"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}

	// an add below a missing parent
	p = op("default", "deep", nil, rule(policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{{Path: "/spec/a/b", Operator: opAdd, Value: rawJSON("1")}}}))
	_, _, err = Apply(cm, member1, nil, []*policyv1alpha1.OverridePolicy{p})
	if want := `OverridePolicy default/deep: plaintext add /spec/a/b: missing key "spec"`; err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if _, _, err := Apply(nil, member1, nil, nil); err == nil {
		t.Fatal("nil object: want an error")
	}
}

func TestApplyNeverModifiesInputs(t *testing.T) {
	d := object(t, guideDeployment)
	everything := policyv1alpha1.Overriders{
		ImageOverrider:       []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Registry, Operator: opAdd, Value: "r.io"}},
		CommandOverrider:     []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opAdd, Value: []string{"-x"}}, {ContainerName: "myapp", Operator: opRemove, Value: []string{"./myapp"}}},
		ArgsOverrider:        []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opAdd, Value: []string{"-y"}}},
		LabelsOverrider:      []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: map[string]string{"a": "b"}}, {Operator: opRemove, Value: map[string]string{"app": ""}}},
		AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: map[string]string{"j": `{"k":1}`}}},
		FieldOverrider:       []policyv1alpha1.FieldOverrider{{FieldPath: "/metadata/annotations/j", JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/k", Operator: opReplace, Value: rawJSON(`[1,2]`)}}}},
		Plaintext: []policyv1alpha1.PlaintextOverrider{
			{Path: "/spec/template/spec/containers/-", Operator: opAdd, Value: rawJSON(`{"name":"x","image":"x"}`)},
			{Path: "/spec/replicas", Operator: opReplace, Value: rawJSON("5")},
			{Path: "/spec/template/metadata/labels/app", Operator: opReplace, Value: rawJSON(`"z"`)},
		},
	}
	ops := []*policyv1alpha1.OverridePolicy{op("default", "p", byName, rule(everything))}
	cops := []*policyv1alpha1.ClusterOverridePolicy{cop("c", nil, rule(everything))}
	objBefore, opsBefore, copsBefore := mustJSON(t, d.Object), mustJSON(t, ops), mustJSON(t, cops)

	got, _, err := Apply(d, member1, cops, ops)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, d.Object) != objBefore || mustJSON(t, ops) != opsBefore || mustJSON(t, cops) != copsBefore {
		t.Fatal("inputs were modified")
	}
	// applied twice: two more containers, -x twice, ./myapp gone, labels and field edits
	assertAt(t, got, "/spec/template/spec/containers/0/command", []interface{}{"--parameter1=foo", "--parameter2=bar", "-x", "-x"})
	assertAt(t, got, "/spec/template/spec/containers/0/image", "r.ior.io/myapp:1.0.0") // add appends to the registry string
	assertAt(t, got, "/metadata/annotations/j", `{"k":[1,2]}`)
	if n := len(got.Object["spec"].(map[string]interface{})["template"].(map[string]interface{})["spec"].(map[string]interface{})["containers"].([]interface{})); n != 3 {
		t.Fatalf("containers %d", n)
	}
	// the result is independent JSON content: deep-copyable, and mutating it leaves the input alone
	_ = got.DeepCopy()
	got.SetLabels(map[string]string{"mutated": "yes"})
	unstructured.RemoveNestedField(got.Object, "spec")
	if mustJSON(t, d.Object) != objBefore {
		t.Fatal("the result shares memory with the input")
	}
}

func TestAnnotations(t *testing.T) {
	var empty Applied
	a, c, err := empty.Annotations()
	if err != nil || a != "" || c != "" || !empty.Empty() {
		t.Fatalf("empty: %q %q %v", a, c, err)
	}

	d := object(t, guideDeployment)
	ops := []*policyv1alpha1.OverridePolicy{
		op("default", "b-name", byName, rule(labelsOverrider("x", "1")),
			policyv1alpha1.RuleWithCluster{TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"nowhere"}}, Overriders: labelsOverrider("y", "1")},
			rule(policyv1alpha1.Overriders{CommandOverrider: []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opAdd, Value: []string{"-v"}}}})),
		op("default", "c-label", byLabel, rule(policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{{Path: "/spec/replicas", Operator: opReplace, Value: rawJSON("3")}}})),
	}
	cops := []*policyv1alpha1.ClusterOverridePolicy{cop("cop", nil, rule(labelsOverrider("z", "1")))}
	_, applied, err := Apply(d, member1, cops, ops)
	if err != nil {
		t.Fatal(err)
	}
	// applied order: c-label (label priority) before b-name; annotations sort by name
	if names := strings.Join(policyNames(applied.Overrides), ","); names != "c-label,b-name,b-name" {
		t.Fatalf("applied %s", names)
	}
	a, c, err = applied.Annotations()
	if err != nil {
		t.Fatal(err)
	}
	wantA := `[{"policyName":"b-name","overriders":{"labelsOverrider":[{"operator":"add","value":{"x":"1"}}]}},` +
		`{"policyName":"b-name","overriders":{"commandOverrider":[{"containerName":"myapp","operator":"add","value":["-v"]}]}},` +
		`{"policyName":"c-label","overriders":{"plaintext":[{"path":"/spec/replicas","operator":"replace","value":3}]}}]`
	wantC := `[{"policyName":"cop","overriders":{"labelsOverrider":[{"operator":"add","value":{"z":"1"}}]}}]`
	if a != wantA {
		t.Fatalf("applied-overrides\n got %s\nwant %s", a, wantA)
	}
	if c != wantC {
		t.Fatalf("applied-cluster-overrides\n got %s\nwant %s", c, wantC)
	}
	if names := strings.Join(policyNames(applied.Overrides), ","); names != "c-label,b-name,b-name" {
		t.Fatalf("Annotations reordered Applied: %s", names)
	}
}
