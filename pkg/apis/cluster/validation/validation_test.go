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
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

func validCluster() *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "v8o-karmada-member1"},
		Spec: clusterv1alpha1.ClusterSpec{
			ID:                    "8d5b5e3c-7c4e-4f0e-9d0a-2f0a3c1b2a10",
			SyncMode:              clusterv1alpha1.Push,
			APIEndpoint:           "https://10.0.0.1:6443",
			SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "v8o-karmada-member1"},
			ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "v8o-karmada-member1-impersonator"},
			Provider:              "oracle",
			Region:                "ap-tokyo-1",
			Zones:                 []string{"ad-1"},
		},
	}
}

func expectFirstError(t *testing.T, errs field.ErrorList, wantField, detail string) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatalf("expected an error at %s, got none", wantField)
	}
	if errs[0].Field != wantField {
		t.Fatalf("first error at %q, want %q; all errors: %v", errs[0].Field, wantField, errs)
	}
	if detail != "" && !strings.Contains(errs[0].Error(), detail) {
		t.Fatalf("first error %q does not contain %q", errs[0].Error(), detail)
	}
}

func TestValidateClusterInvalid(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(c *clusterv1alpha1.Cluster)
		wantField string
		detail    string
	}{
		{"name too long", func(c *clusterv1alpha1.Cluster) { c.Name = strings.Repeat("a", 49) }, "metadata.name", "no more than 48 characters"},
		{"name not a DNS label", func(c *clusterv1alpha1.Cluster) { c.Name = "Member1" }, "metadata.name", "RFC 1123 label"},
		{"namespaced", func(c *clusterv1alpha1.Cluster) { c.Namespace = "default" }, "metadata.namespace", "Forbidden"},
		{"syncMode missing", func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "" }, "spec.syncMode", "Required value"},
		{"syncMode unsupported", func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "Poll" }, "spec.syncMode", `supported values: "Push", "Pull"`},
		{"apiEndpoint without host", func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "10.0.0.1:6443" }, "spec.apiEndpoint", ""},
		{"apiEndpoint with user info", func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://admin:secret@10.0.0.1:6443" },
			"spec.apiEndpoint", "user information"},
		{"apiEndpoint with query", func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://10.0.0.1:6443?timeout=1s" },
			"spec.apiEndpoint", "query"},
		{"apiEndpoint with fragment", func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://10.0.0.1:6443#x" },
			"spec.apiEndpoint", "fragment"},
		{"apiEndpoint unparsable", func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://[::1" }, "spec.apiEndpoint", "valid URL"},
		{"proxyURL bad scheme", func(c *clusterv1alpha1.Cluster) { c.Spec.ProxyURL = "ftp://proxy:21" }, "spec.proxyURL", "http, https or socks5"},
		{"secretRef without namespace", func(c *clusterv1alpha1.Cluster) { c.Spec.SecretRef.Namespace = "" }, "spec.secretRef.namespace", "Required value"},
		{"secretRef without name", func(c *clusterv1alpha1.Cluster) { c.Spec.SecretRef.Name = "" }, "spec.secretRef.name", "Required value"},
		{"impersonatorSecretRef without namespace", func(c *clusterv1alpha1.Cluster) { c.Spec.ImpersonatorSecretRef.Namespace = "" },
			"spec.impersonatorSecretRef.namespace", "Required value"},
		{"taint without key", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Effect: corev1.TaintEffectNoSchedule}}
		}, "spec.taints[0].key", "Required value"},
		{"taint with invalid key", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "bad key", Effect: corev1.TaintEffectNoSchedule}}
		}, "spec.taints[0].key", ""},
		{"taint unsupported effect", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "k", Effect: "NoRun"}}
		}, "spec.taints[0].effect", `supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`},
		{"taint without effect", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "k"}}
		}, "spec.taints[0].effect", "Required value"},
		{"duplicate taint", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "k", Value: "a", Effect: "NoSchedule"}, {Key: "k", Value: "b", Effect: "NoSchedule"}}
		}, "spec.taints[1]", "Duplicate value"},
		{"invalid resource models reported under spec", func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = clusterv1alpha1.DefaultResourceModels()
			c.Spec.ResourceModels[3].Ranges[1].Name = "gpu"
		}, "spec.resourceModels[3].ranges[1].name", "Unsupported value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.mutate(c)
			expectFirstError(t, ValidateCluster(c), tt.wantField, tt.detail)
		})
	}
}

func TestValidateClusterValid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *clusterv1alpha1.Cluster)
	}{
		{"push cluster", func(*clusterv1alpha1.Cluster) {}},
		{"pull cluster without endpoint", func(c *clusterv1alpha1.Cluster) {
			c.Spec.SyncMode = clusterv1alpha1.Pull
			c.Spec.APIEndpoint = ""
			c.Spec.SecretRef = nil
			c.Spec.ImpersonatorSecretRef = nil
		}},
		{"48-character name", func(c *clusterv1alpha1.Cluster) { c.Name = strings.Repeat("a", 48) }},
		{"socks5 proxy with headers", func(c *clusterv1alpha1.Cluster) {
			c.Spec.ProxyURL = "socks5://proxy.example.com:1080"
			c.Spec.ProxyHeader = map[string]string{"Proxy-Authorization": "Basic abc"}
		}},
		{"taints with same key and different effects", func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{
				{Key: clusterv1alpha1.TaintClusterNotReady, Effect: corev1.TaintEffectNoSchedule},
				{Key: clusterv1alpha1.TaintClusterNotReady, Effect: corev1.TaintEffectNoExecute},
			}
		}},
		{"default resource models", func(c *clusterv1alpha1.Cluster) { c.Spec.ResourceModels = clusterv1alpha1.DefaultResourceModels() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.mutate(c)
			clusterv1alpha1.SetDefaultsCluster(c, true)
			if errs := ValidateCluster(c); len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
		})
	}
}

func TestValidateClusterUpdate(t *testing.T) {
	old := validCluster()
	old.ResourceVersion = "7"
	n := old.DeepCopy()
	n.Spec.Region = "ap-osaka-1"
	if errs := ValidateClusterUpdate(n, old); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	n.Spec.SyncMode = "Sideways"
	expectFirstError(t, ValidateClusterUpdate(n, old), "spec.syncMode", "Unsupported value")

	renamed := old.DeepCopy()
	renamed.Name = "other"
	expectFirstError(t, ValidateClusterUpdate(renamed, old), "metadata.name", "immutable")

	st := old.DeepCopy()
	st.Status.KubernetesVersion = "v1.37.2"
	if errs := ValidateClusterStatusUpdate(st, old); len(errs) != 0 {
		t.Fatalf("status update: unexpected errors: %v", errs)
	}
}

// models builds resource models from rows of (grade, name, min, max) per range.
type rng struct{ name, min, max string }

func models(grades ...[]rng) []clusterv1alpha1.ResourceModel {
	out := make([]clusterv1alpha1.ResourceModel, len(grades))
	for g, ranges := range grades {
		out[g].Grade = uint(g)
		for _, r := range ranges {
			out[g].Ranges = append(out[g].Ranges, clusterv1alpha1.ResourceModelRange{
				Name: clusterv1alpha1.ResourceName(r.name), Min: resource.MustParse(r.min), Max: resource.MustParse(r.max)})
		}
	}
	return out
}

const maxInt = "9223372036854775807"

func TestValidateResourceModels(t *testing.T) {
	path := field.NewPath("spec", "resourceModels")
	invalid := []struct {
		name      string
		models    []clusterv1alpha1.ResourceModel
		mutate    func(m []clusterv1alpha1.ResourceModel)
		wantField string
		detail    string
	}{
		{"duplicate grade", models([]rng{{"cpu", "0", "1"}}, []rng{{"cpu", "1", maxInt}}),
			func(m []clusterv1alpha1.ResourceModel) { m[1].Grade = 0 }, "spec.resourceModels[1].grade", "Duplicate value"},
		{"grades out of order", models([]rng{{"cpu", "0", "1"}}, []rng{{"cpu", "1", "2"}}, []rng{{"cpu", "2", maxInt}}),
			func(m []clusterv1alpha1.ResourceModel) { m[1].Grade = 5 }, "spec.resourceModels[2].grade", "ascending grade"},
		{"unsupported resource", models([]rng{{"nvidia.com/gpu", "0", maxInt}}), nil,
			"spec.resourceModels[0].ranges[0].name", `supported values: "cpu", "memory", "storage", "ephemeral-storage"`},
		{"resource listed twice", models([]rng{{"cpu", "0", maxInt}, {"cpu", "0", maxInt}}), nil,
			"spec.resourceModels[0].ranges[1].name", "Duplicate value"},
		{"different number of resources", models([]rng{{"cpu", "0", "1"}, {"memory", "0", "4Gi"}}, []rng{{"cpu", "1", maxInt}}), nil,
			"spec.resourceModels[1].ranges", "same resources in the same order"},
		{"different resource order", models([]rng{{"cpu", "0", "1"}, {"memory", "0", "4Gi"}}, []rng{{"memory", "4Gi", maxInt}, {"cpu", "1", maxInt}}), nil,
			"spec.resourceModels[1].ranges[0].name", "same resources in the same order"},
		{"max not above min", models([]rng{{"cpu", "0", "2"}}, []rng{{"cpu", "2", "2"}}, []rng{{"cpu", "2", maxInt}}), nil,
			"spec.resourceModels[1].ranges[0].max", "must be greater than min (2)"},
		{"first min not zero", models([]rng{{"memory", "1Gi", "4Gi"}}, []rng{{"memory", "4Gi", maxInt}}), nil,
			"spec.resourceModels[0].ranges[0].min", "must be 0 in the first model"},
		{"gap between grades", models([]rng{{"cpu", "0", "1"}}, []rng{{"cpu", "2", maxInt}}), nil,
			"spec.resourceModels[1].ranges[0].min", "must equal the max of the previous model (1)"},
		{"overlapping grades", models([]rng{{"memory", "0", "8Gi"}}, []rng{{"memory", "4Gi", maxInt}}), nil,
			"spec.resourceModels[1].ranges[0].min", "contiguous"},
		{"last max not MaxInt64", models([]rng{{"cpu", "0", "1"}}, []rng{{"cpu", "1", "1000"}}), nil,
			"spec.resourceModels[1].ranges[0].max", "9223372036854775807"},
		{"model without ranges", models([]rng{}), nil, "spec.resourceModels[0].ranges", "Required value"},
		{"huge quantity", models([]rng{{"cpu", "0", "1E999999"}}), nil,
			"spec.resourceModels[0].ranges[0].max", "between 0 and 9223372036854775807"},
		{"quantity above MaxInt64", models([]rng{{"memory", "0", "1e20"}}), nil,
			"spec.resourceModels[0].ranges[0].max", "between 0 and 9223372036854775807"},
		{"negative quantity", models([]rng{{"cpu", "-1", "1"}}, []rng{{"cpu", "1", maxInt}}), nil,
			"spec.resourceModels[0].ranges[0].min", "between 0 and 9223372036854775807"},
		{"quantity finer than 1n", models([]rng{{"cpu", "0", "1"}}, []rng{{"cpu", "1", maxInt}}),
			func(m []clusterv1alpha1.ResourceModel) { m[0].Ranges[0].Max = *resource.NewScaledQuantity(1, -12) },
			"spec.resourceModels[0].ranges[0].max", "at least 1n"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mutate != nil {
				tt.mutate(tt.models)
			}
			expectFirstError(t, ValidateResourceModels(tt.models, path), tt.wantField, tt.detail)
		})
	}

	valid := []struct {
		name   string
		models []clusterv1alpha1.ResourceModel
	}{
		{"single grade", models([]rng{{"cpu", "0", maxInt}})},
		{"quantities compared by value (2 == 2000m, 4Gi == 4096Mi)",
			models([]rng{{"cpu", "0", "2"}, {"memory", "0", "4Gi"}}, []rng{{"cpu", "2000m", maxInt}, {"memory", "4096Mi", maxInt}})},
		{"all four resources", models(
			[]rng{{"cpu", "0", "1"}, {"memory", "0", "1Gi"}, {"storage", "0", "10Gi"}, {"ephemeral-storage", "0", "10Gi"}},
			[]rng{{"cpu", "1", maxInt}, {"memory", "1Gi", maxInt}, {"storage", "10Gi", maxInt}, {"ephemeral-storage", "10Gi", maxInt}})},
		{"default models", clusterv1alpha1.DefaultResourceModels()},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			if errs := ValidateResourceModels(tt.models, path); len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
		})
	}
}

// TestGuideResourceModels checks the guide's model examples: the default nine grades and the
// customized three-grade model are valid and unchanged by standardization; the default one equals
// DefaultResourceModels.
func TestGuideResourceModels(t *testing.T) {
	load := func(file string) []clusterv1alpha1.ResourceModel {
		t.Helper()
		data, err := os.ReadFile("../../../../artifacts/guide/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ResourceModels []clusterv1alpha1.ResourceModel `json:"resourceModels"`
		}
		if err := yaml.UnmarshalStrict(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return doc.ResourceModels
	}

	custom := load("resourcemodels-custom-three-grades.yaml")
	if len(custom) != 3 {
		t.Fatalf("custom model has %d grades, want 3", len(custom))
	}
	c := validCluster()
	c.Spec.ResourceModels = custom
	clusterv1alpha1.SetDefaultsCluster(c, true)
	if errs := ValidateCluster(c); len(errs) != 0 {
		t.Fatalf("the guide's three-grade model is rejected: %v", errs)
	}
	if len(c.Spec.ResourceModels) != 3 {
		t.Fatalf("a given model must not be replaced by the default one")
	}

	def := load("resourcemodels-default.yaml")
	if errs := ValidateResourceModels(def, field.NewPath("spec", "resourceModels")); len(errs) != 0 {
		t.Fatalf("the guide's default model is rejected: %v", errs)
	}
	want := clusterv1alpha1.DefaultResourceModels()
	for g := range want {
		for r := range want[g].Ranges {
			w, d := want[g].Ranges[r], def[g].Ranges[r]
			if w.Name != d.Name || w.Min.Cmp(d.Min) != 0 || w.Max.Cmp(d.Max) != 0 {
				t.Errorf("grade %d range %d: guide %v [%s,%s), DefaultResourceModels %v [%s,%s)",
					g, r, d.Name, d.Min.String(), d.Max.String(), w.Name, w.Min.String(), w.Max.String())
			}
		}
	}
}
