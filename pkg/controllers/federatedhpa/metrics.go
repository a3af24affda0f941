package federatedhpa

import (
	"errors"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/karmada-one/karmada-one/pkg/autoscaling/replicas"
)

// kube's HPA defaults for judging cpu samples of starting pods
// (--horizontal-pod-autoscaler-cpu-initialization-period and
// --horizontal-pod-autoscaler-initial-readiness-delay).
const (
	cpuInitializationPeriod       = 5 * time.Minute
	delayOfInitialReadinessStatus = 30 * time.Second
)

// memberPod is a pod of the target in one member cluster.
type memberPod struct {
	Cluster string
	Pod     *corev1.Pod
}

// memberMetric is the resource metrics sample of a pod in one member cluster.
type memberMetric struct {
	Cluster string
	Metrics *metricsv1beta1.PodMetrics
}

func clusteredKey(cluster, name string) string { return cluster + "/" + name }

// podUsage sums the usage of every container of m for res; ok is false when a
// container has no sample for res (kube treats the pod as missing its metric).
func podUsage(m *metricsv1beta1.PodMetrics, res corev1.ResourceName) (int64, bool) {
	if len(m.Containers) == 0 {
		return 0, false
	}
	var sum int64
	for _, c := range m.Containers {
		v, found := c.Usage[res]
		if !found {
			return 0, false
		}
		sum += v.MilliValue()
	}
	return sum, true
}

// podRequest sums the containers' requests of res; it fails naming the first
// container without one, as kube's replica calculator does.
func podRequest(p *corev1.Pod, res corev1.ResourceName) (int64, error) {
	var sum int64
	for _, c := range p.Spec.Containers {
		q, found := c.Resources.Requests[res]
		if !found {
			return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", res, c.Name, p.Name)
		}
		sum += q.MilliValue()
	}
	return sum, nil
}

// toPods turns the target's pods of every member and their samples into the
// calculator's input, following kube's grouping: deleted and failed pods are left
// out, pods without a sample count as missing, and for cpu a pod still starting (or
// not ready) counts as unready.
func toPods(pods []memberPod, samples []memberMetric, res corev1.ResourceName, utilization bool, now time.Time) ([]replicas.Pod, error) {
	byKey := make(map[string]*metricsv1beta1.PodMetrics, len(samples))
	for _, s := range samples {
		byKey[clusteredKey(s.Cluster, s.Metrics.Name)] = s.Metrics
	}
	var out []replicas.Pod
	for _, mp := range pods {
		p := mp.Pod
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed {
			continue
		}
		rp := replicas.Pod{}
		if utilization {
			req, err := podRequest(p, res)
			if err != nil {
				return nil, err
			}
			rp.Request = req
		}
		m, ok := byKey[clusteredKey(mp.Cluster, p.Name)]
		if ok {
			rp.Usage, rp.HasMetric = podUsage(m, res)
		}
		rp.Ready = podReady(p, m, res, now)
		out = append(out, rp)
	}
	return out, nil
}

// podReady is kube's test of whether a pod's sample may be trusted.
func podReady(p *corev1.Pod, m *metricsv1beta1.PodMetrics, res corev1.ResourceName, now time.Time) bool {
	if p.Status.Phase == corev1.PodPending {
		return false
	}
	if res != corev1.ResourceCPU {
		return true
	}
	var cond *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			cond = &p.Status.Conditions[i]
		}
	}
	if cond == nil || p.Status.StartTime == nil {
		return false
	}
	if p.Status.StartTime.Add(cpuInitializationPeriod).After(now) {
		if cond.Status == corev1.ConditionFalse {
			return false
		}
		return m == nil || !m.Timestamp.Time.Before(cond.LastTransitionTime.Add(m.Window.Duration))
	}
	return !(cond.Status == corev1.ConditionFalse && p.Status.StartTime.Add(delayOfInitialReadinessStatus).After(cond.LastTransitionTime.Time))
}

// resourceProposal is one resource metric's outcome.
type resourceProposal struct {
	Replicas int32
	Status   autoscalingv2.MetricStatus
	// Name describes the metric in Events ("cpu resource utilization (percentage of request)").
	Name string
}

var errNoReadyMetrics = errors.New("did not receive metrics for targeted pods (pods might be unready)")

// computeResource is kube's computation for one Resource metric over the pods of
// every member. calibration is the members' summed replicas over the template's (2
// when every member runs a full copy); the proposal is divided by it.
func computeResource(spec *autoscalingv2.ResourceMetricSource, current int32, pods []memberPod, samples []memberMetric, calibration float64, now time.Time) (resourceProposal, error) {
	res := spec.Name
	if len(pods) == 0 {
		return resourceProposal{}, fmt.Errorf("failed to get %s utilization: no pods returned by selector while calculating replica count", res)
	}
	if len(samples) == 0 {
		return resourceProposal{}, fmt.Errorf("failed to get %s utilization: unable to get metrics for resource %s: no metrics returned from resource metrics API", res, res)
	}
	utilization := spec.Target.AverageValue == nil
	if utilization && spec.Target.AverageUtilization == nil {
		return resourceProposal{}, errors.New("invalid resource metric source: neither an average utilization target nor an average value target was set")
	}
	in, err := toPods(pods, samples, res, utilization, now)
	if err != nil {
		return resourceProposal{}, fmt.Errorf("failed to get %s utilization: %w", res, err)
	}
	var (
		r  replicas.Result
		ok bool
	)
	if utilization {
		r, ok = replicas.ForUtilization(current, in, *spec.Target.AverageUtilization)
	} else {
		r, ok = replicas.ForAverageValue(current, in, spec.Target.AverageValue.MilliValue())
	}
	if !ok {
		return resourceProposal{}, fmt.Errorf("failed to get %s utilization: %w", res, errNoReadyMetrics)
	}
	n := r.Replicas
	if calibration > 1 && n != current {
		n = int32(float64(n)/calibration + 0.999999)
	}
	st := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: res}}
	st.Resource.Current.AverageValue = resource.NewMilliQuantity(r.AverageValue, resource.DecimalSI)
	name := fmt.Sprintf("%s resource", res)
	if utilization {
		u := r.Utilization
		st.Resource.Current.AverageUtilization = &u
		name = fmt.Sprintf("%s resource utilization (percentage of request)", res)
	}
	return resourceProposal{Replicas: n, Status: st, Name: name}, nil
}
