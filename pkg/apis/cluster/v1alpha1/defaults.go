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
	"math"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SetDefaultsCluster normalises a Cluster before validation, the way Karmada's cluster webhook and
// aggregated-apiserver strategy do:
//   - the deprecated single zone moves into zones (when zones is empty);
//   - NoExecute taints without timeAdded get the current time, so that tolerationSeconds can be
//     measured from it;
//   - when defaultModels is true (the CustomizedClusterResourceModeling feature gate), a cluster
//     without resource models gets DefaultResourceModels, and given models are standardised.
func SetDefaultsCluster(c *Cluster, defaultModels bool) {
	if c.Spec.Zone != "" && len(c.Spec.Zones) == 0 {
		c.Spec.Zones = []string{c.Spec.Zone}
		c.Spec.Zone = ""
	}

	for i := range c.Spec.Taints {
		if c.Spec.Taints[i].Effect == corev1.TaintEffectNoExecute && c.Spec.Taints[i].TimeAdded == nil {
			now := metav1.Now()
			c.Spec.Taints[i].TimeAdded = &now
		}
	}

	if defaultModels {
		if len(c.Spec.ResourceModels) == 0 {
			c.Spec.ResourceModels = DefaultResourceModels()
		} else {
			StandardizeResourceModels(c.Spec.ResourceModels)
		}
	}
}

// StandardizeResourceModels sorts models by grade and widens the outer bounds: every minimum of
// the first model becomes 0 and every maximum of the last model becomes MaxInt64, so that every
// node falls into some grade. It changes models in place.
func StandardizeResourceModels(models []ResourceModel) {
	if len(models) == 0 {
		return
	}
	sort.SliceStable(models, func(i, j int) bool { return models[i].Grade < models[j].Grade })

	for i := range models[0].Ranges {
		models[0].Ranges[i].Min.Set(0)
	}
	last := models[len(models)-1].Ranges
	for i := range last {
		last[i].Max.Set(math.MaxInt64)
	}
}

// gi is one gibibyte.
const gi = int64(1) << 30

// DefaultResourceModels returns the nine grades Karmada gives a cluster created without resource
// models: cpu in cores [0,1) [1,2) [2,4) … [128,MaxInt64) and memory [0,4Gi) [4Gi,16Gi) [16Gi,32Gi)
// … [1Ti,MaxInt64). A fresh slice is returned on every call.
func DefaultResourceModels() []ResourceModel {
	cpu := []int64{0, 1, 2, 4, 8, 16, 32, 64, 128, math.MaxInt64}
	mem := []int64{0, 4 * gi, 16 * gi, 32 * gi, 64 * gi, 128 * gi, 256 * gi, 512 * gi, 1024 * gi, math.MaxInt64}

	models := make([]ResourceModel, 0, len(cpu)-1)
	for g := 0; g < len(cpu)-1; g++ {
		models = append(models, ResourceModel{
			Grade: uint(g),
			Ranges: []ResourceModelRange{
				{
					Name: ResourceCPU,
					Min:  *resource.NewQuantity(cpu[g], resource.DecimalSI),
					Max:  *resource.NewQuantity(cpu[g+1], resource.DecimalSI),
				},
				{
					Name: ResourceMemory,
					Min:  *resource.NewQuantity(mem[g], resource.BinarySI),
					Max:  *resource.NewQuantity(mem[g+1], resource.BinarySI),
				},
			},
		})
	}
	return models
}
