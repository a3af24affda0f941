// Package replicas is the FederatedHPA's arithmetic, kube's HorizontalPodAutoscaler
// algorithm applied to the pods of all members at once: the desired count from a
// resource metric (with the 0.1 tolerance and kube's treatment of missing and unready
// pods), then the behavior (stabilization windows and scaling policies) and min/max.
package replicas

import (
	"math"
)

// Tolerance is kube's default: a usage within 10% of the target changes nothing.
const Tolerance = 0.1

// Pod is one pod of the target, in whichever member runs it.
type Pod struct {
	// Ready: kube counts a pod that is not ready (or still starting) as using nothing
	// when scaling up.
	Ready bool
	// HasMetric is false when the member's metrics API had no sample for the pod.
	HasMetric bool
	// Usage and Request are in milli-units (millicores, or bytes*1000).
	Usage, Request int64
}

// Result is a resource metric's recommendation.
type Result struct {
	Replicas int32
	// Utilization is the average usage in percent of the requests (Utilization targets).
	Utilization int32
	// AverageValue is the average usage per pod in milli-units.
	AverageValue int64
}

// ForUtilization returns the replicas that bring the average utilization of the
// pods to target percent of their requests, as kube's GetResourceReplicas.
func ForUtilization(current int32, pods []Pod, target int32) (Result, bool) {
	for _, p := range pods {
		if p.HasMetric && p.Ready && p.Request <= 0 {
			return Result{}, false // kube: missing request for the resource
		}
	}
	return compute(current, pods, func(usage, request int64) float64 {
		return float64(usage) * 100 / float64(request) / float64(target)
	}, func(p Pod) int64 { return p.Request }, true)
}

// ForAverageValue returns the replicas that bring the per-pod usage to target (milli),
// as kube's GetRawResourceReplicas.
func ForAverageValue(current int32, pods []Pod, target int64) (Result, bool) {
	return compute(current, pods, func(usage, count int64) float64 {
		return float64(usage) / float64(count) / float64(target)
	}, func(Pod) int64 { return target }, false)
}

// compute follows kube's replica calculator. ratio turns summed usage and summed
// requests (for average values: the pod count) into usage/target; full is what a
// pod missing its metric is taken to use when scaling down; utilization says the
// denominator is the pods' requests rather than their count.
func compute(current int32, pods []Pod, ratio func(usage, denom int64) float64, full func(Pod) int64, utilization bool) (Result, bool) {
	denom := func(p Pod) int64 {
		if utilization {
			return p.Request
		}
		return 1
	}
	var usage, den, req int64
	ready := 0
	var missing, unready []Pod
	for _, p := range pods {
		switch {
		case !p.HasMetric:
			missing = append(missing, p)
		case !p.Ready:
			unready = append(unready, p)
		default:
			usage += p.Usage
			den += denom(p)
			req += p.Request
			ready++
		}
	}
	if ready == 0 {
		return Result{}, false
	}
	r := ratio(usage, den)
	res := Result{AverageValue: usage / int64(ready)}
	if req > 0 {
		res.Utilization = int32(usage * 100 / req)
	}
	if len(missing) == 0 && len(unready) == 0 {
		if math.Abs(1-r) <= Tolerance {
			res.Replicas = current
		} else {
			res.Replicas = int32(math.Ceil(r * float64(ready)))
		}
		return res, true
	}
	scaleUp := r > 1
	count := ready
	for _, p := range missing {
		if !scaleUp {
			usage += full(p) // kube: 100% of the request (or of the target)
		}
		den += denom(p)
		count++
	}
	if scaleUp {
		for _, p := range unready {
			den += denom(p) // kube: an unready pod uses nothing
			count++
		}
	}
	newR := ratio(usage, den)
	if math.Abs(1-newR) <= Tolerance || (r < 1 && newR > 1) || (r > 1 && newR < 1) {
		res.Replicas = current
		return res, true
	}
	n := int32(math.Ceil(newR * float64(count)))
	if (newR < 1 && n > current) || (newR > 1 && n < current) {
		n = current
	}
	res.Replicas = n
	return res, true
}
