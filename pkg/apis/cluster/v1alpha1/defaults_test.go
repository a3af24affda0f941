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
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultResourceModels(t *testing.T) {
	// docs/design/cluster.md ("Resource models"): grade 0 [0,1) [0,4Gi) · 1 [1,2) [4Gi,16Gi) · … · 8 [128,MaxInt64) [1Ti,MaxInt64).
	want := [][4]string{
		{"0", "1", "0", "4Gi"}, {"1", "2", "4Gi", "16Gi"}, {"2", "4", "16Gi", "32Gi"}, {"4", "8", "32Gi", "64Gi"},
		{"8", "16", "64Gi", "128Gi"}, {"16", "32", "128Gi", "256Gi"}, {"32", "64", "256Gi", "512Gi"},
		{"64", "128", "512Gi", "1Ti"}, {"128", "9223372036854775807", "1Ti", "9223372036854775807"},
	}
	models := DefaultResourceModels()
	if len(models) != len(want) {
		t.Fatalf("got %d models, want %d", len(models), len(want))
	}
	for g, m := range models {
		if m.Grade != uint(g) || len(m.Ranges) != 2 || m.Ranges[0].Name != ResourceCPU || m.Ranges[1].Name != ResourceMemory {
			t.Fatalf("grade %d: unexpected shape %+v", g, m)
		}
		got := [4]string{m.Ranges[0].Min.String(), m.Ranges[0].Max.String(), m.Ranges[1].Min.String(), m.Ranges[1].Max.String()}
		if got != want[g] {
			t.Errorf("grade %d: got %v, want %v", g, got, want[g])
		}
	}
	// Each call returns a fresh slice.
	models[0].Ranges[0].Max.Set(99)
	if DefaultResourceModels()[0].Ranges[0].Max.Value() != 1 {
		t.Fatal("DefaultResourceModels shares memory between calls")
	}
}

func TestStandardizeResourceModels(t *testing.T) {
	q := func(s string) resource.Quantity { return resource.MustParse(s) }
	models := []ResourceModel{
		{Grade: 2, Ranges: []ResourceModelRange{{Name: ResourceCPU, Min: q("2"), Max: q("4")}}},
		{Grade: 0, Ranges: []ResourceModelRange{{Name: ResourceCPU, Min: q("500m"), Max: q("1")}}},
		{Grade: 1, Ranges: []ResourceModelRange{{Name: ResourceCPU, Min: q("1"), Max: q("2")}}},
	}
	StandardizeResourceModels(models)
	for i, g := range []uint{0, 1, 2} {
		if models[i].Grade != g {
			t.Fatalf("not sorted by grade: %+v", models)
		}
	}
	if !models[0].Ranges[0].Min.IsZero() {
		t.Errorf("first model min = %s, want 0", models[0].Ranges[0].Min.String())
	}
	if models[2].Ranges[0].Max.Value() != math.MaxInt64 {
		t.Errorf("last model max = %s, want MaxInt64", models[2].Ranges[0].Max.String())
	}
	if models[1].Ranges[0].Min.Value() != 1 || models[1].Ranges[0].Max.Value() != 2 {
		t.Errorf("middle model changed: %+v", models[1])
	}
	StandardizeResourceModels(nil) // must not panic
}

func TestSetDefaultsCluster(t *testing.T) {
	added := metav1.Now()
	tests := []struct {
		name          string
		defaultModels bool
		in            ClusterSpec
		check         func(t *testing.T, s ClusterSpec)
	}{
		{"zone migrates into zones", false, ClusterSpec{Zone: "az-1"}, func(t *testing.T, s ClusterSpec) {
			if s.Zone != "" || !reflect.DeepEqual(s.Zones, []string{"az-1"}) {
				t.Fatalf("zone=%q zones=%v", s.Zone, s.Zones)
			}
		}},
		{"zones win over zone", false, ClusterSpec{Zone: "az-1", Zones: []string{"az-2", "az-3"}}, func(t *testing.T, s ClusterSpec) {
			if s.Zone != "az-1" || !reflect.DeepEqual(s.Zones, []string{"az-2", "az-3"}) {
				t.Fatalf("zone=%q zones=%v", s.Zone, s.Zones)
			}
		}},
		{"NoExecute taint gets timeAdded, others do not", false, ClusterSpec{Taints: []corev1.Taint{
			{Key: "a", Effect: corev1.TaintEffectNoExecute},
			{Key: "b", Effect: corev1.TaintEffectNoSchedule},
			{Key: "c", Effect: corev1.TaintEffectNoExecute, TimeAdded: &added},
		}}, func(t *testing.T, s ClusterSpec) {
			if s.Taints[0].TimeAdded == nil || s.Taints[1].TimeAdded != nil || !s.Taints[2].TimeAdded.Equal(&added) {
				t.Fatalf("taints: %+v", s.Taints)
			}
		}},
		{"default models when the gate is on", true, ClusterSpec{}, func(t *testing.T, s ClusterSpec) {
			if !reflect.DeepEqual(s.ResourceModels, DefaultResourceModels()) {
				t.Fatalf("models: %+v", s.ResourceModels)
			}
		}},
		{"no models when the gate is off", false, ClusterSpec{}, func(t *testing.T, s ClusterSpec) {
			if s.ResourceModels != nil {
				t.Fatalf("models: %+v", s.ResourceModels)
			}
		}},
		{"given models are standardized, not replaced", true, ClusterSpec{ResourceModels: []ResourceModel{
			{Grade: 1, Ranges: []ResourceModelRange{{Name: ResourceMemory, Min: resource.MustParse("4Gi"), Max: resource.MustParse("8Gi")}}},
			{Grade: 0, Ranges: []ResourceModelRange{{Name: ResourceMemory, Min: resource.MustParse("1Gi"), Max: resource.MustParse("4Gi")}}},
		}}, func(t *testing.T, s ClusterSpec) {
			if len(s.ResourceModels) != 2 || s.ResourceModels[0].Grade != 0 || !s.ResourceModels[0].Ranges[0].Min.IsZero() ||
				s.ResourceModels[1].Ranges[0].Max.Value() != math.MaxInt64 {
				t.Fatalf("models: %+v", s.ResourceModels)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cluster{Spec: tt.in}
			SetDefaultsCluster(c, tt.defaultModels)
			tt.check(t, c.Spec)
		})
	}
}
