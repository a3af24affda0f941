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

package v1alpha1

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

// nginxPropagationPolicy is the PropagationPolicy of the Karmada quick-start guide.
const nginxPropagationPolicy = `
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: nginx-propagation
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: nginx
  placement:
    clusterAffinity:
      clusterNames:
        - member1
        - member2
    replicaScheduling:
      replicaDivisionPreference: Weighted
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
          - targetCluster:
              clusterNames:
                - member1
            weight: 1
          - targetCluster:
              clusterNames:
                - member2
            weight: 1
`

func checkNginxPolicy(t *testing.T, stage string, pp *PropagationPolicy) {
	t.Helper()
	if pp.APIVersion != "policy.karmada.io/v1alpha1" || pp.Kind != "PropagationPolicy" || pp.Name != "nginx-propagation" {
		t.Fatalf("%s: unexpected type/object meta: %+v %+v", stage, pp.TypeMeta, pp.ObjectMeta)
	}
	wantSelectors := []ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}}
	if !reflect.DeepEqual(pp.Spec.ResourceSelectors, wantSelectors) {
		t.Errorf("%s: resourceSelectors = %+v, want %+v", stage, pp.Spec.ResourceSelectors, wantSelectors)
	}
	ca := pp.Spec.Placement.ClusterAffinity
	if ca == nil || !reflect.DeepEqual(ca.ClusterNames, []string{"member1", "member2"}) {
		t.Fatalf("%s: clusterAffinity = %+v, want clusterNames [member1 member2]", stage, ca)
	}
	rs := pp.Spec.Placement.ReplicaScheduling
	if rs == nil {
		t.Fatalf("%s: replicaScheduling is nil", stage)
	}
	if rs.ReplicaSchedulingType != ReplicaSchedulingTypeDivided || rs.ReplicaDivisionPreference != ReplicaDivisionPreferenceWeighted {
		t.Errorf("%s: replicaScheduling = %s/%s, want Divided/Weighted", stage, rs.ReplicaSchedulingType, rs.ReplicaDivisionPreference)
	}
	if rs.WeightPreference == nil {
		t.Fatalf("%s: weightPreference is nil", stage)
	}
	wantWeights := []StaticClusterWeight{
		{TargetCluster: ClusterAffinity{ClusterNames: []string{"member1"}}, Weight: 1},
		{TargetCluster: ClusterAffinity{ClusterNames: []string{"member2"}}, Weight: 1},
	}
	if !reflect.DeepEqual(rs.WeightPreference.StaticWeightList, wantWeights) {
		t.Errorf("%s: staticWeightList = %+v, want %+v", stage, rs.WeightPreference.StaticWeightList, wantWeights)
	}
}

func TestPropagationPolicyRoundTrip(t *testing.T) {
	pp := &PropagationPolicy{}
	if err := yaml.UnmarshalStrict([]byte(nginxPropagationPolicy), pp); err != nil {
		t.Fatalf("decoding YAML: %v", err)
	}
	checkNginxPolicy(t, "yaml", pp)

	data, err := json.Marshal(pp)
	if err != nil {
		t.Fatalf("encoding JSON: %v", err)
	}

	// The wire form must use Karmada's field names.
	var generic map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("decoding JSON generically: %v", err)
	}
	placement := generic["spec"].(map[string]any)["placement"].(map[string]any)
	names := placement["clusterAffinity"].(map[string]any)["clusterNames"].([]any)
	if len(names) != 2 || names[0] != "member1" || names[1] != "member2" {
		t.Errorf("JSON clusterAffinity.clusterNames = %v", names)
	}
	weights := placement["replicaScheduling"].(map[string]any)["weightPreference"].(map[string]any)["staticWeightList"].([]any)
	if len(weights) != 2 {
		t.Fatalf("JSON staticWeightList = %v", weights)
	}
	for i, w := range weights {
		entry := w.(map[string]any)
		if entry["weight"] != float64(1) {
			t.Errorf("JSON staticWeightList[%d].weight = %v, want 1", i, entry["weight"])
		}
	}

	back := &PropagationPolicy{}
	if err := json.Unmarshal(data, back); err != nil {
		t.Fatalf("decoding JSON: %v", err)
	}
	checkNginxPolicy(t, "json", back)
	if !reflect.DeepEqual(pp, back) {
		t.Errorf("round trip changed the object:\n yaml: %+v\n json: %+v", pp, back)
	}

	// DeepCopy must produce an equal, independent object.
	cp := pp.DeepCopy()
	if !reflect.DeepEqual(pp, cp) {
		t.Errorf("DeepCopy differs")
	}
	cp.Spec.Placement.ClusterAffinity.ClusterNames[0] = "changed"
	if pp.Spec.Placement.ClusterAffinity.ClusterNames[0] != "member1" {
		t.Errorf("DeepCopy shares the clusterNames slice")
	}
}
