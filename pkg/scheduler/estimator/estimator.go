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

// Package estimator answers "how many more replicas of this workload can cluster X take?".
// The scheduler asks every enabled estimator and keeps the smallest answer. The general
// estimator (cluster status: resource summary and resource models) is always on; the
// node-level Accurate estimator (accurate.go, Karmada's scheduler-estimator) works from the
// members' node and pod caches when it is enabled.
package estimator

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// Estimate is an estimator's answer for one cluster.
type Estimate struct {
	// Replicas is how many more replicas fit (never negative; math.MaxInt32 means unbounded).
	Replicas int32
	// LimitedBy names the resource that bounds Replicas ("pods", "cpu", …), so a failure can say
	// per cluster what ran out. Empty when nothing in particular bounds it.
	LimitedBy corev1.ResourceName
}

// Unbounded is the answer when no estimator has an opinion.
var Unbounded = Estimate{Replicas: math.MaxInt32}

// Estimator estimates the free replicas of one cluster. Implementations must be safe for
// concurrent use: the scheduler may run several bindings at once.
type Estimator interface {
	// Name identifies the estimator in logs.
	Name() string
	// MaxAvailableReplicas returns how many replicas described by req still fit in cluster.
	// ok=false means the estimator cannot tell for this cluster (for example its caches are not
	// synced yet); the cluster is then judged by the other estimators alone.
	MaxAvailableReplicas(cluster *clusterv1alpha1.Cluster, req *Request) (est Estimate, ok bool)
}

// Min asks every estimator about cluster and keeps the smallest answer. When none answers the
// result is Unbounded.
func Min(estimators []Estimator, cluster *clusterv1alpha1.Cluster, req *Request) Estimate {
	best := Unbounded
	for _, e := range estimators {
		est, ok := e.MaxAvailableReplicas(cluster, req)
		if ok && est.Replicas < best.Replicas {
			best = est
		}
	}
	return best
}

// Request is a replica's requirements read once per scheduling round, so that estimators need
// not convert quantities again for every cluster.
type Request struct {
	// Requirements is the binding's replicaRequirements as given (node claim included, for
	// node-level estimators). May be nil.
	Requirements *workv1alpha2.ReplicaRequirements
	// Resources are the positive per-replica requests, in scaled units (see Scaled).
	Resources []Amount
}

// Amount is one resource quantity in scaled units.
type Amount struct {
	Name  corev1.ResourceName
	Value int64
}

// NewRequest reads req. Zero or negative requests are ignored, as Karmada does: a replica that
// asks for nothing is only bounded by free pod slots.
func NewRequest(req *workv1alpha2.ReplicaRequirements) *Request {
	r := &Request{Requirements: req}
	if req == nil {
		return r
	}
	for name, q := range req.ResourceRequest {
		v := Scaled(name, &q)
		if v > 0 {
			r.Resources = append(r.Resources, Amount{Name: name, Value: v})
		}
	}
	// Map order is random; a fixed order keeps LimitedBy stable between runs.
	for i := 1; i < len(r.Resources); i++ {
		for j := i; j > 0 && r.Resources[j].Name < r.Resources[j-1].Name; j-- {
			r.Resources[j], r.Resources[j-1] = r.Resources[j-1], r.Resources[j]
		}
	}
	return r
}

// Scaled converts q to the integer unit the estimators divide in: millicores for cpu (so 0.5
// CPU is 500, not rounded up to 1), whole units for everything else. It saturates at
// math.MaxInt64 instead of overflowing (a resource model's last grade ends at MaxInt64 cores).
func Scaled(name corev1.ResourceName, q *resource.Quantity) int64 {
	if name != corev1.ResourceCPU {
		return q.Value()
	}
	// MilliValue wraps around silently on overflow; Value cannot overflow here.
	if v := q.Value(); v > math.MaxInt64/1000 {
		return math.MaxInt64
	} else if v < math.MinInt64/1000 {
		return math.MinInt64
	}
	return q.MilliValue()
}
