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
	"encoding/json"
	"regexp"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

var hugeExponent = regexp.MustCompile(`[eE][+-]?0*[0-9]{6,}`)

// FuzzValidateResourceModels feeds user-shaped JSON through the same steps as a Cluster create
// (standardize, then validate): neither may panic, and standardized models that validate must
// validate again after a second standardization (it is idempotent).
func FuzzValidateResourceModels(f *testing.F) {
	seed, _ := json.Marshal(clusterv1alpha1.DefaultResourceModels())
	f.Add(seed)
	f.Add([]byte(`[{"grade":2,"ranges":[{"name":"cpu","min":"2","max":"4"}]},{"grade":0,"ranges":[{"name":"cpu","min":"1","max":"2"}]}]`))
	f.Add([]byte(`[{"grade":0,"ranges":[{"name":"memory","min":"0","max":"1e300"}]},{"grade":0,"ranges":[]}]`))
	f.Add([]byte(`[{"grade":1,"ranges":[{"name":"cpu","min":"-1","max":"2000m"},{"name":"gpu","min":"0","max":"1"}]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// apimachinery's quantity parser needs seconds for exponents such as "1e-9999999" (its
		// cost, not ours, and the same in kube-apiserver); skip them to keep the fuzzer busy here.
		if hugeExponent.Match(data) {
			return
		}
		var models []clusterv1alpha1.ResourceModel
		if err := json.Unmarshal(data, &models); err != nil {
			return
		}
		path := field.NewPath("spec", "resourceModels")
		clusterv1alpha1.StandardizeResourceModels(models)
		errs := ValidateResourceModels(models, path)
		for _, e := range errs {
			if e.Field == "" || e.Error() == "" {
				t.Fatalf("error without a field or message: %#v", e)
			}
		}
		if len(errs) == 0 {
			clusterv1alpha1.StandardizeResourceModels(models)
			if again := ValidateResourceModels(models, path); len(again) != 0 {
				t.Fatalf("valid models became invalid after a second standardization: %v", again)
			}
		}
	})
}
