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
	"slices"

	corev1 "k8s.io/api/core/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// ComponentSetEstimator is an Estimator that can also tell how many complete sets of a
// multi-component workload (every component with all its replicas, e.g. one job manager
// and four task managers) a cluster can still take — Karmada's MaxAvailableComponentSets.
type ComponentSetEstimator interface {
	Estimator
	// MaxAvailableComponentSets returns, in Estimate.Replicas, the complete component sets
	// that fit in cluster. ok=false means the estimator cannot tell for this cluster.
	MaxAvailableComponentSets(cluster *clusterv1alpha1.Cluster, req *ComponentRequest) (est Estimate, ok bool)
}

// ComponentRequest is one set of a workload's components, read once per scheduling round.
type ComponentRequest struct {
	// Components as given in the binding's spec.components.
	Components []workv1alpha2.Component
	// PerSet is what one complete set asks for in total (every component's request times
	// its replicas), as a Request so that the summary arithmetic is shared.
	PerSet *Request
	// PodsPerSet is the number of pods in one set.
	PodsPerSet int64

	// kinds are the components with replicas and a positive request, for placing sets
	// on resource-model nodes.
	kinds []setKind
}

type setKind struct {
	demand []Amount // per replica, positive only
	count  int64
}

// NewComponentRequest reads components.
func NewComponentRequest(components []workv1alpha2.Component) *ComponentRequest {
	r := &ComponentRequest{Components: components, PerSet: &Request{}}
	totals := map[corev1.ResourceName]int64{}
	for i := range components {
		c := &components[i]
		if c.Replicas > 0 {
			r.PodsPerSet += int64(c.Replicas)
		}
		if c.ReplicaRequirements == nil || c.Replicas <= 0 {
			continue
		}
		k := setKind{count: int64(c.Replicas)}
		for name, q := range c.ReplicaRequirements.ResourceRequest {
			v := Scaled(name, &q)
			if v <= 0 {
				continue
			}
			k.demand = append(k.demand, Amount{Name: name, Value: v})
			totals[name] = satAdd(totals[name], satMul(v, k.count))
		}
		if len(k.demand) > 0 {
			r.kinds = append(r.kinds, k)
		}
	}
	for name, v := range totals {
		r.PerSet.Resources = append(r.PerSet.Resources, Amount{Name: name, Value: v})
	}
	slices.SortFunc(r.PerSet.Resources, func(a, b Amount) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return r
}

// MinComponentSets asks every estimator that can estimate component sets about cluster and
// keeps the smallest answer; Unbounded when none answers.
func MinComponentSets(estimators []Estimator, cluster *clusterv1alpha1.Cluster, req *ComponentRequest) Estimate {
	best := Unbounded
	for _, e := range estimators {
		ce, ok := e.(ComponentSetEstimator)
		if !ok {
			continue
		}
		est, ok := ce.MaxAvailableComponentSets(cluster, req)
		if ok && est.Replicas < best.Replicas {
			best = est
		}
	}
	return best
}

var _ ComponentSetEstimator = &General{}

// MaxAvailableComponentSets implements ComponentSetEstimator the way Karmada's general
// estimator does: free pod slots divided by the pods of a set, then, per resource, what is
// free divided by what a set asks for; with resource models, also how many sets can be
// placed one after the other on the modelled nodes (first fit, the most demanding
// component first). A cluster without a resource summary takes nothing.
func (g *General) MaxAvailableComponentSets(c *clusterv1alpha1.Cluster, req *ComponentRequest) (Estimate, bool) {
	if c.Status.ResourceSummary == nil {
		return Estimate{Replicas: 0, LimitedBy: corev1.ResourcePods}, true
	}
	n := g.numbers(c, req.PerSet)
	if n.pods <= 0 {
		return Estimate{Replicas: 0, LimitedBy: corev1.ResourcePods}, true
	}
	if req.PodsPerSet <= 0 {
		return Estimate{Replicas: clamp32(n.pods), LimitedBy: corev1.ResourcePods}, true
	}
	best := Estimate{Replicas: clamp32(n.pods / req.PodsPerSet), LimitedBy: corev1.ResourcePods}
	if len(req.PerSet.Resources) == 0 {
		return best, true
	}
	if v, by := n.summaryEstimate(req.PerSet); v < int64(best.Replicas) {
		best = Estimate{Replicas: clamp32(v), LimitedBy: by}
	}
	if g.ResourceModels && n.modelsUsable && best.Replicas > 0 {
		if v, by, ok := n.modelSets(req, int64(best.Replicas)); ok && v < int64(best.Replicas) {
			best = Estimate{Replicas: clamp32(v), LimitedBy: by}
		}
	}
	return best, true
}

// maxModelNodes bounds the nodes modelSets simulates; larger clusters are judged by their
// summary alone.
const maxModelNodes = 10000

// modelSets places whole sets, up to upper, on nodes built from the resource models (each
// node of a grade has the grade's lower bounds) and counts how many fit. ok is false when
// the models do not describe every requested resource or describe too many nodes.
func (n *clusterNumbers) modelSets(req *ComponentRequest, upper int64) (int64, corev1.ResourceName, bool) {
	if len(req.kinds) == 0 {
		return 0, "", false
	}
	// Resource index of every demand in the model vectors.
	index := func(name corev1.ResourceName) int {
		for i, r := range n.modelResources {
			if r == name {
				return i
			}
		}
		return -1
	}
	type kind struct {
		demand []int64 // per model resource
		count  int64
		score  float64
		sum    int64
		first  corev1.ResourceName
	}
	kinds := make([]kind, 0, len(req.kinds))
	for _, k := range req.kinds {
		kk := kind{demand: make([]int64, len(n.modelResources)), count: k.count}
		for _, d := range k.demand {
			i := index(d.Name)
			if i < 0 {
				return 0, "", false
			}
			kk.demand[i] = d.Value
			kk.sum = satAdd(kk.sum, d.Value)
			var freeV int64
			for _, f := range n.free {
				if f.Name == d.Name {
					freeV = f.Value
				}
			}
			ratio := math.MaxFloat64
			if freeV > 0 {
				ratio = float64(d.Value) / float64(freeV)
			}
			if ratio > kk.score {
				kk.score, kk.first = ratio, d.Name
			}
		}
		kinds = append(kinds, kk)
	}
	slices.SortStableFunc(kinds, func(a, b kind) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		case a.sum > b.sum:
			return -1
		case a.sum < b.sum:
			return 1
		}
		return 0
	})

	var total int64
	for _, g := range n.grades {
		total = satAdd(total, g.count)
	}
	if total > maxModelNodes {
		return 0, "", false
	}
	nodes := make([][]int64, 0, total)
	for _, g := range n.grades {
		for range g.count {
			node := make([]int64, len(n.modelResources))
			for i := range node {
				node[i] = g.min(i)
			}
			nodes = append(nodes, node)
		}
	}

	fit := func(node, demand []int64) int64 {
		limit := int64(math.MaxInt64)
		for i, d := range demand {
			if d <= 0 {
				continue
			}
			if node[i] <= 0 {
				return 0
			}
			limit = min(limit, node[i]/d)
		}
		if limit == math.MaxInt64 {
			return 0
		}
		return limit
	}
	placeOne := func() bool {
		for _, k := range kinds {
			remaining := k.count
			for _, node := range nodes {
				if remaining <= 0 {
					break
				}
				place := min(fit(node, k.demand), remaining)
				if place <= 0 {
					continue
				}
				for i, d := range k.demand {
					node[i] -= d * place
				}
				remaining -= place
			}
			if remaining > 0 {
				return false
			}
		}
		return true
	}
	var sets int64
	for sets < upper && placeOne() {
		sets++
	}
	return sets, kinds[0].first, true
}
