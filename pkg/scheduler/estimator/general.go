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
	"math/bits"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// GeneralName is the name of the general estimator, as Karmada calls it.
const GeneralName = "general-estimator"

// General estimates from what the cluster status controller reports: the cluster's resource
// summary, or, when resource models are enabled and the cluster reports node counts per
// model grade, the resource-model estimate (which sees fragmentation that a summary hides).
// It always answers.
//
// Reading quantities is most of the cost of scheduling, so the numbers of a cluster are read
// once per cluster version and reused by every binding: a cluster is recognised by uid,
// resourceVersion and the identity of its summary and models, which is safe because objects
// handed out by an informer are never modified in place. Clusters without a resourceVersion
// (built by hand, as in tests) are read afresh on every call.
type General struct {
	// ResourceModels turns on the model estimate (feature gate CustomizedClusterResourceModeling).
	ResourceModels bool

	cache sync.Map // cluster name → *clusterNumbers
}

var _ Estimator = &General{}

// NewGeneral returns the general estimator; resourceModels mirrors the
// CustomizedClusterResourceModeling feature gate (on by default).
func NewGeneral(resourceModels bool) *General {
	return &General{ResourceModels: resourceModels}
}

// Name implements Estimator.
func (g *General) Name() string { return GeneralName }

// MaxAvailableReplicas implements Estimator. A cluster that has not reported a resource summary
// yet can take nothing: the scheduler must not pile replicas onto a cluster it knows nothing about.
func (g *General) MaxAvailableReplicas(c *clusterv1alpha1.Cluster, req *Request) (Estimate, bool) {
	if c.Status.ResourceSummary == nil {
		return Estimate{Replicas: 0, LimitedBy: corev1.ResourcePods}, true
	}
	return g.numbers(c, req).estimate(req, g.ResourceModels), true
}

func (g *General) numbers(c *clusterv1alpha1.Cluster, req *Request) *clusterNumbers {
	if c.ResourceVersion == "" {
		return readCluster(c, req, g.ResourceModels)
	}
	if v, ok := g.cache.Load(c.Name); ok {
		if n := v.(*clusterNumbers); n.isFor(c) {
			return n
		}
	}
	n := readCluster(c, nil, true)
	g.cache.Store(c.Name, n)
	return n
}

// clusterNumbers is a cluster's resource summary and resource models in scaled integers.
type clusterNumbers struct {
	uid             types.UID
	resourceVersion string
	summary         *clusterv1alpha1.ResourceSummary
	firstModel      *clusterv1alpha1.ResourceModel

	pods int64
	free []Amount // allocatable − allocated − allocating per allocatable resource

	// modelResources are the resources the models describe (those of the first model);
	// grades holds, for every grade with nodes, the range bounds in that order.
	modelResources []corev1.ResourceName
	grades         []gradeNumbers
	modelsUsable   bool
}

type gradeNumbers struct {
	count int64
	// bounds holds min and max per model resource: [min0, max0, min1, max1, …].
	bounds []int64
}

func (g *gradeNumbers) min(i int) int64 { return g.bounds[2*i] }
func (g *gradeNumbers) max(i int) int64 { return g.bounds[2*i+1] }

func (n *clusterNumbers) isFor(c *clusterv1alpha1.Cluster) bool {
	return n.uid == c.UID && n.resourceVersion == c.ResourceVersion && n.summary == c.Status.ResourceSummary &&
		n.firstModel == firstModel(c)
}

func firstModel(c *clusterv1alpha1.Cluster) *clusterv1alpha1.ResourceModel {
	if len(c.Spec.ResourceModels) == 0 {
		return nil
	}
	return &c.Spec.ResourceModels[0]
}

// readCluster reads c's numbers. With a request only what that request needs is read (for
// clusters that cannot be cached); without one, everything, for every later request.
func readCluster(c *clusterv1alpha1.Cluster, req *Request, models bool) *clusterNumbers {
	rs := c.Status.ResourceSummary
	n := &clusterNumbers{uid: c.UID, resourceVersion: c.ResourceVersion, summary: rs, firstModel: firstModel(c)}
	if rs == nil {
		return n
	}
	n.pods = free(rs, corev1.ResourcePods)
	if req != nil {
		if len(req.Resources) == 0 || n.pods <= 0 {
			return n
		}
		n.free = make([]Amount, 0, len(req.Resources))
		for _, r := range req.Resources {
			if _, ok := rs.Allocatable[r.Name]; ok {
				n.free = append(n.free, Amount{Name: r.Name, Value: free(rs, r.Name)})
			}
		}
	} else {
		n.free = make([]Amount, 0, len(rs.Allocatable))
		for name := range rs.Allocatable {
			n.free = append(n.free, Amount{Name: name, Value: free(rs, name)})
		}
	}
	if models {
		n.readModels(c.Spec.ResourceModels, rs.AllocatableModelings)
	}
	return n
}

func (n *clusterNumbers) readModels(models []clusterv1alpha1.ResourceModel, modelings []clusterv1alpha1.AllocatableModeling) {
	if len(models) == 0 || len(modelings) == 0 {
		return
	}
	n.modelResources = make([]corev1.ResourceName, 0, len(models[0].Ranges))
	for _, r := range models[0].Ranges {
		n.modelResources = append(n.modelResources, corev1.ResourceName(r.Name))
	}
	width := 2 * len(n.modelResources)
	bounds := make([]int64, 0, width*len(modelings))
	n.grades = make([]gradeNumbers, 0, len(modelings))
	for k, m := range modelings {
		if m.Count <= 0 {
			continue
		}
		model := modelFor(models, k, m.Grade)
		if model == nil {
			continue
		}
		start := len(bounds)
		for i, name := range n.modelResources {
			j := rangeIndex(model, name, i)
			if j < 0 {
				return // models disagree on their resources: unusable (validation prevents it)
			}
			bounds = append(bounds, Scaled(name, &model.Ranges[j].Min), Scaled(name, &model.Ranges[j].Max))
		}
		n.grades = append(n.grades, gradeNumbers{count: int64(m.Count), bounds: bounds[start : start+width]})
	}
	n.modelsUsable = true
}

func (n *clusterNumbers) estimate(req *Request, useModels bool) Estimate {
	if n.pods <= 0 {
		return Estimate{Replicas: 0, LimitedBy: corev1.ResourcePods}
	}
	best := Estimate{Replicas: clamp32(n.pods), LimitedBy: corev1.ResourcePods}
	if req == nil || len(req.Resources) == 0 {
		return best
	}
	if useModels && n.modelsUsable {
		if v, by, ok := n.modelEstimate(req); ok {
			if v < n.pods {
				best = Estimate{Replicas: clamp32(v), LimitedBy: by}
			}
			return best
		}
		// The models do not describe every requested resource: fall back to the summary.
	}
	if v, by := n.summaryEstimate(req); v < n.pods {
		best = Estimate{Replicas: clamp32(v), LimitedBy: by}
	}
	return best
}

func (n *clusterNumbers) summaryEstimate(req *Request) (int64, corev1.ResourceName) {
	best, by := int64(math.MaxInt64), corev1.ResourceName("")
	for _, r := range req.Resources {
		avail, offered := int64(0), false
		for _, f := range n.free {
			if f.Name == r.Name {
				avail, offered = f.Value, true
				break
			}
		}
		if !offered || avail <= 0 {
			return 0, r.Name
		}
		if v := avail / r.Value; v < best {
			best, by = v, r.Name
		}
	}
	return best, by
}

func (n *clusterNumbers) modelEstimate(req *Request) (int64, corev1.ResourceName, bool) {
	var idxBuf [4]int
	idx := idxBuf[:0]
	for _, r := range req.Resources {
		i := -1
		for j, name := range n.modelResources {
			if name == r.Name {
				i = j
				break
			}
		}
		if i < 0 {
			return 0, "", false
		}
		idx = append(idx, i)
	}

	var total, best int64
	var limitedBy corev1.ResourceName
	for _, g := range n.grades {
		perNode := int64(math.MaxInt64)
		var bound corev1.ResourceName
		qualifies := true
		for k, r := range req.Resources {
			i := idx[k]
			if g.max(i) <= r.Value {
				qualifies = false
				break
			}
			if v := g.min(i) / r.Value; v < perNode {
				perNode, bound = v, r.Name
			}
		}
		if !qualifies {
			continue
		}
		if perNode < 1 {
			perNode = 1
		}
		contribution := satMul(g.count, perNode)
		total = satAdd(total, contribution)
		if contribution > best {
			best, limitedBy = contribution, bound
		}
	}
	if total == 0 {
		// Name the first resource that no grade with nodes can hold at all, if there is one.
		limitedBy = req.Resources[0].Name
		for k, r := range req.Resources {
			held := false
			for _, g := range n.grades {
				if g.max(idx[k]) > r.Value {
					held = true
					break
				}
			}
			if !held {
				limitedBy = r.Name
				break
			}
		}
	}
	return total, limitedBy, true
}

// SummaryEstimate divides what is free in the summary (allocatable − allocated − allocating) by
// the request, per requested resource, and keeps the minimum. A requested resource the cluster
// does not offer at all gives 0. Pods are not considered here. With no requested resources the
// answer is MaxInt64.
func SummaryEstimate(rs *clusterv1alpha1.ResourceSummary, req *Request) (int64, corev1.ResourceName) {
	return readCluster(&clusterv1alpha1.Cluster{Status: clusterv1alpha1.ClusterStatus{ResourceSummary: rs}}, nil, false).summaryEstimate(req)
}

// ModelEstimate is the resource-model estimate. A grade qualifies when, for every requested
// resource, its range can hold the request (max > request). Every node of a qualifying grade
// holds max(1, min over resources of floor(rangeMin / request)) replicas — a node sits somewhere
// in [min, max), so it holds at least what the lower bound holds, and at least one replica since
// the range reaches past the request. The estimate sums count × that over qualifying grades.
//
// With the guide's models (grade 2: cpu [2,4) memory [16Gi,32Gi); grade 3: cpu [4,8) memory
// [32Gi,64Gi); grade 6: cpu [32,64) memory [256Gi,512Gi)) a request of 3 CPU / 20Gi gives
// 1×1+6×1 = 7, 4×1+4×1 = 8 and 1×min(32/3, 256/20) = 10; 3 CPU / 60Gi gives 6, 4 and 4.
//
// ok is false when the models cannot answer: no models, no requested resources, or a requested
// resource that the models do not describe (for example a GPU); the caller then uses the summary.
// limitedBy is the resource that bounds the per-node count of the grade contributing most, or,
// when nothing qualifies, the first resource no grade with nodes can hold.
func ModelEstimate(models []clusterv1alpha1.ResourceModel, modelings []clusterv1alpha1.AllocatableModeling,
	req *Request) (replicas int64, limitedBy corev1.ResourceName, ok bool) {
	if req == nil || len(req.Resources) == 0 {
		return 0, "", false
	}
	n := &clusterNumbers{}
	n.readModels(models, modelings)
	if !n.modelsUsable {
		return 0, "", false
	}
	return n.modelEstimate(req)
}

// modelFor finds the model of grade; models and modelings are usually both sorted by grade, so
// the k-th modeling's model is tried first.
func modelFor(models []clusterv1alpha1.ResourceModel, k int, grade uint) *clusterv1alpha1.ResourceModel {
	if k < len(models) && models[k].Grade == grade {
		return &models[k]
	}
	for i := range models {
		if models[i].Grade == grade {
			return &models[i]
		}
	}
	return nil
}

// rangeIndex finds the range of name in m, trying index hint first; -1 when m has none.
func rangeIndex(m *clusterv1alpha1.ResourceModel, name corev1.ResourceName, hint int) int {
	if hint >= 0 && hint < len(m.Ranges) && string(m.Ranges[hint].Name) == string(name) {
		return hint
	}
	for i := range m.Ranges {
		if string(m.Ranges[i].Name) == string(name) {
			return i
		}
	}
	return -1
}

// free is allocatable − allocated − allocating for one resource, in scaled units.
func free(rs *clusterv1alpha1.ResourceSummary, name corev1.ResourceName) int64 {
	var v int64
	if q, ok := rs.Allocatable[name]; ok {
		v = Scaled(name, &q)
	}
	if q, ok := rs.Allocated[name]; ok {
		v -= Scaled(name, &q)
	}
	if q, ok := rs.Allocating[name]; ok {
		v -= Scaled(name, &q)
	}
	return v
}

func clamp32(v int64) int32 {
	switch {
	case v <= 0:
		return 0
	case v > math.MaxInt32:
		return math.MaxInt32
	default:
		return int32(v)
	}
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// satMul multiplies non-negative a and b, saturating at MaxInt64.
func satMul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}
