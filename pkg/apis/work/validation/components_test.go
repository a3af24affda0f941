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

	"k8s.io/apimachinery/pkg/util/validation/field"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/features"
)

func TestValidateComponents(t *testing.T) {
	spec := func(names ...string) *workv1alpha2.ResourceBindingSpec {
		s := &workv1alpha2.ResourceBindingSpec{Resource: workv1alpha2.ObjectReference{
			APIVersion: "flink.apache.org/v1beta1", Kind: "FlinkDeployment", Name: "f"}}
		for _, n := range names {
			s.Components = append(s.Components, workv1alpha2.Component{Name: n, Replicas: 1})
		}
		return s
	}
	for _, tt := range []struct {
		name      string
		gate      bool
		spec      *workv1alpha2.ResourceBindingSpec
		wantField string
		detail    string
	}{
		{name: "distinct names", gate: true, spec: spec("jobmanager", "taskmanager")},
		{name: "empty name", gate: true, spec: spec("jobmanager", ""),
			wantField: "spec.components[1].name", detail: "component names must be non-empty"},
		{name: "duplicate name", gate: true, spec: spec("worker", "worker"),
			wantField: "spec.components[1].name", detail: "component names must be unique"},
		// Karmada checks components only while the gate is on.
		{name: "gate off accepts anything", gate: false, spec: spec("", "x", "x")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, tt.gate)
			errs := ValidateResourceBindingSpec(tt.spec, field.NewPath("spec"))
			if tt.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			expectFirstError(t, errs, tt.wantField, tt.detail)
		})
	}
}
