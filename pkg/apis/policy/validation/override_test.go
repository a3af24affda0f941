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

package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func validOP() *policyv1alpha1.OverridePolicy {
	return &policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "example", Namespace: "default"},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "myapp"}},
			OverrideRules: []policyv1alpha1.RuleWithCluster{{
				TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}},
				Overriders: policyv1alpha1.Overriders{
					ImageOverrider: []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Registry, Operator: "add", Value: "test-repo"}},
				},
			}},
		},
	}
}

func rawJSON(s string) apiextensionsv1.JSON { return apiextensionsv1.JSON{Raw: []byte(s)} }

func TestValidateOverridePolicyInvalid(t *testing.T) {
	const rule = "spec.overrideRules[0]"
	tests := []struct {
		name      string
		mutate    func(p *policyv1alpha1.OverridePolicy)
		wantField string
		detail    string
	}{
		{"selector without kind", func(p *policyv1alpha1.OverridePolicy) { p.Spec.ResourceSelectors[0].Kind = "" },
			"spec.resourceSelectors[0].kind", "Required value"},
		{"rule target with unsupported field selector key", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].TargetCluster.FieldSelector = &policyv1alpha1.FieldSelector{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "cloud", Operator: "In", Values: []string{"x"}}}}
		}, rule + ".targetCluster.fieldSelector.matchExpressions[0].key", `supported values: "provider", "region", "zone"`},
		{"deprecated targetCluster next to overrideRules", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.TargetCluster = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}
		}, "spec.targetCluster", "cannot be used together with overrideRules"},
		{"deprecated overriders next to overrideRules", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.Overriders.LabelsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "add", Value: map[string]string{"a": "b"}}}
		}, "spec.overriders", "cannot be used together with overrideRules"},
		{"deprecated overriders validated too", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules = nil
			p.Spec.Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "data", Operator: "remove"}}
		}, "spec.overriders.plaintext[0].path", `starting with "/"`},
		{"image component unsupported", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Component = "Digest"
		}, rule + ".overriders.imageOverrider[0].component", `supported values: "Registry", "Repository", "Tag"`},
		{"image operator unsupported", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Operator = "set"
		}, rule + ".overriders.imageOverrider[0].operator", `Unsupported value: "set": supported values: "add", "remove", "replace"`},
		{"image add without value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Value = ""
		}, rule + ".overriders.imageOverrider[0].value", "required when operator is add"},
		{"image remove with value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Operator = "remove"
		}, rule + ".overriders.imageOverrider[0].value", "must be empty when operator is remove"},
		{"image predicate path relative", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Predicate = &policyv1alpha1.ImagePredicate{Path: "spec/template/spec/containers/0/image"}
		}, rule + ".overriders.imageOverrider[0].predicate.path", `starting with "/"`},
		{"image predicate path with bad escape", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider[0].Predicate = &policyv1alpha1.ImagePredicate{Path: "/metadata/annotations/a~b"}
		}, rule + ".overriders.imageOverrider[0].predicate.path", "~0"},
		{"command without containerName", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.CommandOverrider = []policyv1alpha1.CommandArgsOverrider{{Operator: "add", Value: []string{"--x"}}}
		}, rule + ".overriders.commandOverrider[0].containerName", "Required value"},
		{"args operator replace unsupported", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ArgsOverrider = []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: "replace"}}
		}, rule + ".overriders.argsOverrider[0].operator", `supported values: "add", "remove"`},
		{"labels operator unsupported", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.LabelsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "merge", Value: map[string]string{"a": "b"}}}
		}, rule + ".overriders.labelsOverrider[0].operator", "Unsupported value"},
		{"labels invalid value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.LabelsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "add", Value: map[string]string{"env": "not valid!"}}}
		}, rule + ".overriders.labelsOverrider[0].value", ""},
		{"annotations invalid key", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.AnnotationsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "add", Value: map[string]string{"a b": "c"}}}
		}, rule + ".overriders.annotationsOverrider[0].value", ""},
		{"field overrider relative fieldPath", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.FieldOverrider = []policyv1alpha1.FieldOverrider{{FieldPath: "data/config",
				JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: "remove"}}}}
		}, rule + ".overriders.fieldOverrider[0].fieldPath", `starting with "/"`},
		{"field overrider with json and yaml", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.FieldOverrider = []policyv1alpha1.FieldOverrider{{FieldPath: "/data/config",
				JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: "remove"}},
				YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/b", Operator: "remove"}}}}
		}, rule + ".overriders.fieldOverrider[0].yaml", "cannot be set together with json"},
		{"field overrider with neither json nor yaml", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.FieldOverrider = []policyv1alpha1.FieldOverrider{{FieldPath: "/data/config"}}
		}, rule + ".overriders.fieldOverrider[0]", "one of json or yaml"},
		{"field overrider relative subPath", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.FieldOverrider = []policyv1alpha1.FieldOverrider{{FieldPath: "/data/config",
				YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "a/b", Operator: "replace", Value: rawJSON(`1`)}}}}
		}, rule + ".overriders.fieldOverrider[0].yaml[0].subPath", `starting with "/"`},
		{"field overrider replace without value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.FieldOverrider = []policyv1alpha1.FieldOverrider{{FieldPath: "/data/config",
				JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: "replace"}}}}
		}, rule + ".overriders.fieldOverrider[0].json[0].value", "required when operator is replace"},
		{"plaintext unsupported operator", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "/data/example", Operator: "move"}}
		}, rule + ".overriders.plaintext[0].operator", `supported values: "add", "remove", "replace"`},
		{"plaintext replace without value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "/data/example", Operator: "replace"}}
		}, rule + ".overriders.plaintext[0].value", "Required value"},
		{"plaintext remove with value", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "/data/example", Operator: "remove", Value: rawJSON(`"x"`)}}
		}, rule + ".overriders.plaintext[0].value", "Forbidden"},
		{"plaintext value not JSON", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "/data/example", Operator: "add", Value: rawJSON(`{x`)}}
		}, rule + ".overriders.plaintext[0].value", "must be valid JSON"},
		{"plaintext missing path", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Operator: "add", Value: rawJSON(`1`)}}
		}, rule + ".overriders.plaintext[0].path", "Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validOP()
			tt.mutate(p)
			expectFirstError(t, ValidateOverridePolicy(p), tt.wantField, tt.detail)
		})
	}
}

func TestValidateOverridePolicyValid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *policyv1alpha1.OverridePolicy)
	}{
		{"image registry add", func(*policyv1alpha1.OverridePolicy) {}},
		{"no selectors matches everything", func(p *policyv1alpha1.OverridePolicy) { p.Spec.ResourceSelectors = nil }},
		{"selector naming another namespace is accepted", func(p *policyv1alpha1.OverridePolicy) { p.Spec.ResourceSelectors[0].Namespace = "test" }},
		{"deprecated pair without overrideRules", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.TargetCluster = p.Spec.OverrideRules[0].TargetCluster
			p.Spec.Overriders = p.Spec.OverrideRules[0].Overriders
			p.Spec.OverrideRules = nil
		}},
		{"every overrider", func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders = policyv1alpha1.Overriders{
				ImageOverrider: []policyv1alpha1.ImageOverrider{
					{Predicate: &policyv1alpha1.ImagePredicate{Path: "/spec/template/spec/containers/0/image"}, Component: "Tag", Operator: "replace", Value: "1.2"},
					{Component: "Tag", Operator: "remove"}},
				CommandOverrider: []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: "add", Value: []string{"--cluster=member1"}}},
				ArgsOverrider:    []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: "remove", Value: []string{"-v"}}},
				LabelsOverrider:  []policyv1alpha1.LabelAnnotationOverrider{{Operator: "replace", Value: map[string]string{"app.kubernetes.io/env": "prod"}}},
				AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{
					{Operator: "add", Value: map[string]string{"example.com/note": "any text, even spaces"}}},
				FieldOverrider: []policyv1alpha1.FieldOverrider{
					{FieldPath: "/data/config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/db/host", Operator: "replace", Value: rawJSON(`"db.member1"`)}}},
					{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a~1b", Operator: "remove"}}}},
				Plaintext: []policyv1alpha1.PlaintextOverrider{
					{Path: "/metadata/labels", Operator: "add", Value: rawJSON(`{"topology.istio.io/network":"network1"}`)},
					{Path: "/data/example", Operator: "remove"}},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validOP()
			tt.mutate(p)
			policyv1alpha1.SetDefaultsOverridePolicy(p)
			if errs := ValidateOverridePolicy(p); len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
		})
	}
}

func TestValidateClusterOverridePolicy(t *testing.T) {
	cop := &policyv1alpha1.ClusterOverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "istio-system-member1"},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "Namespace", Name: "istio-system"}},
			OverrideRules: []policyv1alpha1.RuleWithCluster{{
				TargetCluster: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}},
				Overriders: policyv1alpha1.Overriders{Plaintext: []policyv1alpha1.PlaintextOverrider{
					{Path: "/metadata/labels", Operator: "add", Value: rawJSON(`{"topology.istio.io/network":"network1"}`)}}},
			}},
		},
	}
	if errs := ValidateClusterOverridePolicy(cop); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	bad := cop.DeepCopy()
	bad.Spec.OverrideRules[0].Overriders.Plaintext[0].Operator = "merge"
	expectFirstError(t, ValidateClusterOverridePolicy(bad), "spec.overrideRules[0].overriders.plaintext[0].operator", "Unsupported value")

	old := cop.DeepCopy()
	old.ResourceVersion = "1"
	upd := old.DeepCopy()
	upd.Name = "renamed"
	expectFirstError(t, ValidateClusterOverridePolicyUpdate(upd, old), "metadata.name", "immutable")
}
