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
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// guideDir holds the user's guide examples, one object per file.
const guideDir = "../../../../artifacts/guide"

// TestGuidePolicies decodes every policy of the user's guide strictly (an unknown field would mean
// our types miss something the guide uses), applies the defaults as the REST strategy does, and
// expects no validation error.
func TestGuidePolicies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(guideDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no guide examples found in %s: %v", guideDir, err)
	}
	counts := map[string]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(data, &tm); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if tm.APIVersion != policyv1alpha1.SchemeGroupVersion.String() {
			continue
		}
		counts[tm.Kind]++
		t.Run(filepath.Base(file), func(t *testing.T) {
			var errs field.ErrorList
			switch tm.Kind {
			case "PropagationPolicy":
				p := &policyv1alpha1.PropagationPolicy{}
				mustDecodeStrict(t, data, p)
				defaultNamespace(&p.ObjectMeta)
				policyv1alpha1.SetDefaultsPropagationPolicy(p)
				errs = ValidatePropagationPolicy(p)
			case "ClusterPropagationPolicy":
				p := &policyv1alpha1.ClusterPropagationPolicy{}
				mustDecodeStrict(t, data, p)
				policyv1alpha1.SetDefaultsClusterPropagationPolicy(p)
				errs = ValidateClusterPropagationPolicy(p)
			case "OverridePolicy":
				p := &policyv1alpha1.OverridePolicy{}
				mustDecodeStrict(t, data, p)
				defaultNamespace(&p.ObjectMeta)
				policyv1alpha1.SetDefaultsOverridePolicy(p)
				errs = ValidateOverridePolicy(p)
			case "ClusterOverridePolicy":
				p := &policyv1alpha1.ClusterOverridePolicy{}
				mustDecodeStrict(t, data, p)
				policyv1alpha1.SetDefaultsClusterOverridePolicy(p)
				errs = ValidateClusterOverridePolicy(p)
			default:
				t.Fatalf("unexpected policy kind %q", tm.Kind)
			}
			if len(errs) != 0 {
				t.Fatalf("guide example rejected: %v", errs.ToAggregate())
			}
		})
	}
	want := map[string]int{"PropagationPolicy": 20, "ClusterPropagationPolicy": 2, "OverridePolicy": 11, "ClusterOverridePolicy": 2}
	for kind, n := range want {
		if counts[kind] != n {
			t.Errorf("found %d %s examples in %s, want %d", counts[kind], kind, guideDir, n)
		}
	}
}

func mustDecodeStrict(t *testing.T, data []byte, into interface{}) {
	t.Helper()
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

// defaultNamespace mimics kubectl: an object without a namespace lands in "default".
func defaultNamespace(m *metav1.ObjectMeta) {
	if m.Namespace == "" {
		m.Namespace = metav1.NamespaceDefault
	}
}
