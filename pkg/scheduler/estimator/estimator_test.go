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

package estimator

import (
	"math"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func request(kv ...string) *Request {
	return NewRequest(&workv1alpha2.ReplicaRequirements{ResourceRequest: rl(kv...)})
}

// The guide's example summary (section 基于集群资源建模的计划).
func guideSummary() *clusterv1alpha1.ResourceSummary {
	return &clusterv1alpha1.ResourceSummary{
		Allocatable: rl("cpu", "4", "ephemeral-storage", "206291924Ki", "memory", "16265856Ki", "pods", "110"),
		Allocated:   rl("cpu", "950m", "memory", "290Mi", "pods", "11"),
	}
}

func TestNewRequest(t *testing.T) {
	r := request("memory", "1Gi", "cpu", "500m", "nvidia.com/gpu", "0")
	want := []Amount{{Name: "cpu", Value: 500}, {Name: "memory", Value: 1 << 30}}
	if !reflect.DeepEqual(r.Resources, want) {
		t.Fatalf("got %+v, want %+v", r.Resources, want)
	}
	if r := NewRequest(nil); len(r.Resources) != 0 || r.Requirements != nil {
		t.Fatalf("nil requirements: %+v", r)
	}
}

func TestScaled(t *testing.T) {
	cases := []struct {
		name corev1.ResourceName
		q    string
		want int64
	}{
		{"cpu", "3", 3000},
		{"cpu", "250m", 250},
		{"cpu", "9223372036854775807", math.MaxInt64},
		{"memory", "20Gi", 20 << 30},
		{"memory", "9223372036854775807", math.MaxInt64},
		{"pods", "110", 110},
	}
	for _, tc := range cases {
		q := resource.MustParse(tc.q)
		if got := Scaled(tc.name, &q); got != tc.want {
			t.Errorf("Scaled(%s, %s) = %d, want %d", tc.name, tc.q, got, tc.want)
		}
	}
}

func TestGeneralSummary(t *testing.T) {
	g := NewGeneral(true)
	cases := []struct {
		name    string
		summary *clusterv1alpha1.ResourceSummary
		req     *Request
		want    Estimate
	}{
		{
			name: "no summary yet: nothing",
			req:  request("cpu", "1"),
			want: Estimate{Replicas: 0, LimitedBy: "pods"},
		},
		{
			name:    "no requirements: free pod slots",
			summary: guideSummary(),
			req:     NewRequest(nil),
			want:    Estimate{Replicas: 99, LimitedBy: "pods"},
		},
		{
			name:    "cpu bound: (4000m-950m)/500m = 6",
			summary: guideSummary(),
			req:     request("cpu", "500m", "memory", "1Gi"),
			want:    Estimate{Replicas: 6, LimitedBy: "cpu"},
		},
		{
			name:    "memory bound: (16265856Ki-290Mi)/4Gi = 3",
			summary: guideSummary(),
			req:     request("cpu", "100m", "memory", "4Gi"),
			want:    Estimate{Replicas: 3, LimitedBy: "memory"},
		},
		{
			name:    "pods bound",
			summary: guideSummary(),
			req:     request("cpu", "1m"),
			want:    Estimate{Replicas: 99, LimitedBy: "pods"},
		},
		{
			name: "allocating counts as used",
			summary: &clusterv1alpha1.ResourceSummary{
				Allocatable: rl("cpu", "4", "pods", "110"),
				Allocated:   rl("cpu", "1"),
				Allocating:  rl("cpu", "2"),
			},
			req:  request("cpu", "500m"),
			want: Estimate{Replicas: 2, LimitedBy: "cpu"},
		},
		{
			name:    "a resource the cluster does not have: nothing",
			summary: guideSummary(),
			req:     request("cpu", "1", "nvidia.com/gpu", "1"),
			want:    Estimate{Replicas: 0, LimitedBy: "nvidia.com/gpu"},
		},
		{
			name: "over-committed: nothing, never negative",
			summary: &clusterv1alpha1.ResourceSummary{
				Allocatable: rl("cpu", "4", "pods", "110"),
				Allocated:   rl("cpu", "5"),
			},
			req:  request("cpu", "1"),
			want: Estimate{Replicas: 0, LimitedBy: "cpu"},
		},
		{
			name: "no free pod slots: nothing",
			summary: &clusterv1alpha1.ResourceSummary{
				Allocatable: rl("cpu", "4", "pods", "10"),
				Allocating:  rl("pods", "12"),
			},
			req:  request("cpu", "1"),
			want: Estimate{Replicas: 0, LimitedBy: "pods"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clusterv1alpha1.Cluster{Status: clusterv1alpha1.ClusterStatus{ResourceSummary: tc.summary}}
			got, ok := g.MaxAvailableReplicas(c, tc.req)
			if !ok || got != tc.want {
				t.Fatalf("got %+v ok=%v, want %+v", got, ok, tc.want)
			}
		})
	}
}

// guideCluster is one of the guide's three members: the default resource models (grades 2, 3 and
// 6 are exactly the ranges the guide shows) and the node counts per grade it lists.
func guideCluster(name string, counts map[uint]int) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	c.Spec.ResourceModels = clusterv1alpha1.DefaultResourceModels()
	c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{
		Allocatable: rl("cpu", "1000", "memory", "10Ti", "pods", "1000"),
	}
	for grade := uint(0); grade <= 8; grade++ {
		c.Status.ResourceSummary.AllocatableModelings = append(c.Status.ResourceSummary.AllocatableModelings,
			clusterv1alpha1.AllocatableModeling{Grade: grade, Count: counts[grade]})
	}
	return c
}

// GuideClusters returns v8o-karmada-member1 (1 node of grade 2, 6 of grade 3),
// v8o-karmada-member2 (4 and 4) and member3 (1 node of grade 6).
func guideClusters() []*clusterv1alpha1.Cluster {
	return []*clusterv1alpha1.Cluster{
		guideCluster("v8o-karmada-member1", map[uint]int{2: 1, 3: 6}),
		guideCluster("v8o-karmada-member2", map[uint]int{2: 4, 3: 4}),
		guideCluster("member3", map[uint]int{6: 1}),
	}
}

// TestGuideResourceModelTables reproduces the two tables of 基于集群资源模型的计划.
func TestGuideResourceModelTables(t *testing.T) {
	g := NewGeneral(true)
	cases := []struct {
		name string
		req  *Request
		want []int32 // member1, member2, member3
	}{
		// | 可用副本 | 1 + 6 = 7 | 4 + 4 = 8 | 1 * min（32/3， 256/20） = 10 |
		{"3C 20Gi", request("cpu", "3", "memory", "20Gi"), []int32{7, 8, 10}},
		// | 可用副本 | 6 * 1 = 6 | 4 * 1 = 4 | 1 * min（32/3， 256/60） = 4 |
		{"3C 60Gi", request("cpu", "3", "memory", "60Gi"), []int32{6, 4, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []int32
			for _, c := range guideClusters() {
				est, ok := g.MaxAvailableReplicas(c, tc.req)
				if !ok {
					t.Fatalf("%s: no answer", c.Name)
				}
				got = append(got, est.Replicas)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestModelEstimate(t *testing.T) {
	models := clusterv1alpha1.DefaultResourceModels()
	modelings := []clusterv1alpha1.AllocatableModeling{{Grade: 2, Count: 1}, {Grade: 3, Count: 6}}

	n, by, ok := ModelEstimate(models, modelings, request("cpu", "100", "memory", "200Gi"))
	if !ok || n != 0 || by != "cpu" {
		t.Fatalf("guide's 100 CPU / 200Gi: got %d %q %v, want 0 cpu", n, by, ok)
	}
	n, by, ok = ModelEstimate(models, modelings, request("cpu", "1", "memory", "100Gi"))
	if !ok || n != 0 || by != "memory" {
		t.Fatalf("100Gi: got %d %q %v, want 0 memory", n, by, ok)
	}
	if _, _, ok := ModelEstimate(models, modelings, request("cpu", "1", "nvidia.com/gpu", "1")); ok {
		t.Fatal("a resource the models do not describe must make the models inapplicable")
	}
	if _, _, ok := ModelEstimate(nil, modelings, request("cpu", "1")); ok {
		t.Fatal("no models must be inapplicable")
	}
	// A grade whose node would fit fewer than one replica by its lower bound still counts one
	// per node, because its range reaches past the request.
	n, _, _ = ModelEstimate(models, []clusterv1alpha1.AllocatableModeling{{Grade: 2, Count: 3}}, request("cpu", "3500m"))
	if n != 3 {
		t.Fatalf("got %d, want 3", n)
	}
	// Grades missing from the models are ignored.
	n, _, _ = ModelEstimate(models, []clusterv1alpha1.AllocatableModeling{{Grade: 42, Count: 3}, {Grade: 1, Count: 2}}, request("cpu", "500m"))
	if n != 4 {
		t.Fatalf("got %d, want 4", n)
	}
}

func TestGeneralModelsAndFallbacks(t *testing.T) {
	c := guideCluster("m", map[uint]int{3: 6})
	c.Status.ResourceSummary.Allocatable = rl("cpu", "48", "memory", "384Gi", "pods", "110", "nvidia.com/gpu", "2")

	// Models: 6 nodes × min(4/1, 32/1) = 24; the summary alone would say 48.
	if est, _ := NewGeneral(true).MaxAvailableReplicas(c, request("cpu", "1", "memory", "1Gi")); est.Replicas != 24 {
		t.Fatalf("models: got %+v, want 24", est)
	}
	// Feature gate off: the summary.
	if est, _ := NewGeneral(false).MaxAvailableReplicas(c, request("cpu", "1", "memory", "1Gi")); est.Replicas != 48 || est.LimitedBy != "cpu" {
		t.Fatalf("summary: got %+v, want 48 cpu", est)
	}
	// A GPU request is not described by the models: the summary.
	if est, _ := NewGeneral(true).MaxAvailableReplicas(c, request("cpu", "1", "nvidia.com/gpu", "1")); est.Replicas != 2 || est.LimitedBy != "nvidia.com/gpu" {
		t.Fatalf("gpu: got %+v, want 2 nvidia.com/gpu", est)
	}
	// The model estimate is still capped by free pods.
	c.Status.ResourceSummary.Allocatable[corev1.ResourcePods] = resource.MustParse("5")
	if est, _ := NewGeneral(true).MaxAvailableReplicas(c, request("cpu", "1")); est.Replicas != 5 || est.LimitedBy != "pods" {
		t.Fatalf("pods cap: got %+v, want 5 pods", est)
	}
}

type fixed struct {
	est Estimate
	ok  bool
}

func (f fixed) Name() string { return "fixed" }
func (f fixed) MaxAvailableReplicas(*clusterv1alpha1.Cluster, *Request) (Estimate, bool) {
	return f.est, f.ok
}

func TestMin(t *testing.T) {
	c := &clusterv1alpha1.Cluster{}
	got := Min([]Estimator{fixed{Estimate{7, "cpu"}, true}, fixed{Estimate{3, "memory"}, true}, fixed{Estimate{1, "pods"}, false}}, c, NewRequest(nil))
	if got != (Estimate{3, "memory"}) {
		t.Fatalf("got %+v", got)
	}
	if got := Min(nil, c, NewRequest(nil)); got != Unbounded {
		t.Fatalf("no estimators: got %+v", got)
	}
}

// TestGeneralReadsEachClusterVersionOnce: numbers are reused while uid and resourceVersion stay,
// and read again for a new version of the cluster.
func TestGeneralReadsEachClusterVersionOnce(t *testing.T) {
	g := NewGeneral(true)
	v1 := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "m", UID: "u", ResourceVersion: "1"},
		Status: clusterv1alpha1.ClusterStatus{ResourceSummary: &clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "4", "pods", "110")}}}
	req := request("cpu", "1")
	if est, _ := g.MaxAvailableReplicas(v1, req); est.Replicas != 4 {
		t.Fatalf("v1: got %+v", est)
	}
	if est, _ := g.MaxAvailableReplicas(v1, request("cpu", "2")); est.Replicas != 2 {
		t.Fatalf("v1, other request: got %+v", est)
	}
	v2 := v1.DeepCopy()
	v2.ResourceVersion = "2"
	v2.Status.ResourceSummary.Allocated = rl("cpu", "3")
	if est, _ := g.MaxAvailableReplicas(v2, req); est.Replicas != 1 {
		t.Fatalf("v2: got %+v", est)
	}
	// A recreated cluster of the same name is another cluster.
	other := v1.DeepCopy()
	other.UID = "u2"
	other.Status.ResourceSummary.Allocatable = rl("cpu", "8", "pods", "110")
	if est, _ := g.MaxAvailableReplicas(other, req); est.Replicas != 8 {
		t.Fatalf("recreated: got %+v", est)
	}
}
