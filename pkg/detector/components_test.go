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

package detector

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/features"
)

func flinkDeployment(jmMemory string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkDeployment",
		"metadata":   map[string]interface{}{"namespace": "default", "name": "f", "uid": "u1"},
		"spec": map[string]interface{}{
			"jobManager":  map[string]interface{}{"resource": map[string]interface{}{"cpu": int64(1), "memory": jmMemory}},
			"taskManager": map[string]interface{}{"replicas": int64(3), "resource": map[string]interface{}{"cpu": int64(2), "memory": "2Gi"}},
		},
	}}
}

func TestBuildBindingComponents(t *testing.T) {
	policy := FromPropagationPolicy(pp("default", "p", 0, policyv1alpha1.ResourceSelector{
		APIVersion: "flink.apache.org/v1beta1", Kind: "FlinkDeployment"}))

	t.Run("gate off leaves components out", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, false)
		b, err := BuildBinding(flinkDeployment("1Gi"), policy)
		if err != nil {
			t.Fatal(err)
		}
		if c := b.RB.Spec.Components; c != nil {
			t.Fatalf("components = %v, want none", c)
		}
	})

	t.Run("gate on records the interpreted components", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, true)
		b, err := BuildBinding(flinkDeployment("1Gi"), policy)
		if err != nil {
			t.Fatal(err)
		}
		c := b.RB.Spec.Components
		if len(c) != 2 || c[0].Name != "jobmanager" || c[0].Replicas != 1 || c[1].Name != "taskmanager" || c[1].Replicas != 3 {
			t.Fatalf("components = %+v", c)
		}
		if got := c[1].ReplicaRequirements.ResourceRequest.Cpu().String(); got != "2" {
			t.Errorf("taskmanager cpu = %s, want 2", got)
		}
		// A Deployment has no component rule: nothing recorded.
		d, err := BuildBinding(deploy("default", "x", nil), FromPropagationPolicy(pp("default", "p", 0, depSel("x", nil))))
		if err != nil {
			t.Fatal(err)
		}
		if d.RB.Spec.Components != nil {
			t.Errorf("Deployment components = %v, want none", d.RB.Spec.Components)
		}
	})

	t.Run("an unreadable template is a ReplicasError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, true)
		_, err := BuildBinding(flinkDeployment("lots"), policy)
		var re *ReplicasError
		if !errors.As(err, &re) {
			t.Fatalf("error = %v, want a ReplicasError", err)
		}
	})
}
