package interpreter

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The health rules judge a member's copy the way `kubectl rollout status` would: the
// controller has seen the latest spec, and the pods it asks for are updated and up.

func deploymentHealthy(obj *unstructured.Unstructured) (bool, error) {
	d := &appsv1.Deployment{}
	if err := toTyped(obj.Object, d); err != nil {
		return false, err
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	return s.ObservedGeneration == d.Generation && s.UpdatedReplicas >= want && s.AvailableReplicas >= s.UpdatedReplicas, nil
}

func statefulSetHealthy(obj *unstructured.Unstructured) (bool, error) {
	sts := &appsv1.StatefulSet{}
	if err := toTyped(obj.Object, sts); err != nil {
		return false, err
	}
	replicas := int32(1)
	if sts.Spec.Replicas != nil {
		replicas = *sts.Spec.Replicas
	}
	// A partitioned rolling update only updates the pods with an ordinal ≥ partition, so
	// it is done once those are; every pod has to be available all the same.
	wantUpdated := replicas
	if ru := sts.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		wantUpdated -= *ru.Partition
	}
	s := sts.Status
	return s.ObservedGeneration == sts.Generation && s.UpdatedReplicas >= wantUpdated &&
		s.AvailableReplicas >= s.UpdatedReplicas && s.AvailableReplicas >= replicas, nil
}

func replicaSetHealthy(obj *unstructured.Unstructured) (bool, error) {
	rs := &appsv1.ReplicaSet{}
	if err := toTyped(obj.Object, rs); err != nil {
		return false, err
	}
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	return rs.Status.ObservedGeneration == rs.Generation && rs.Status.AvailableReplicas >= want, nil
}

func daemonSetHealthy(obj *unstructured.Unstructured) (bool, error) {
	ds := &appsv1.DaemonSet{}
	if err := toTyped(obj.Object, ds); err != nil {
		return false, err
	}
	s := ds.Status
	return s.ObservedGeneration == ds.Generation && s.UpdatedNumberScheduled >= s.DesiredNumberScheduled && s.NumberAvailable >= s.UpdatedNumberScheduled, nil
}

// podHealthy: a Pod that finished its work, or runs and is Ready.
func podHealthy(obj *unstructured.Unstructured) (bool, error) {
	s := &corev1.PodStatus{}
	if err := statusOf(obj, s); err != nil {
		return false, err
	}
	if s.Phase == corev1.PodSucceeded {
		return true, nil
	}
	if s.Phase != corev1.PodRunning {
		return false, nil
	}
	for _, c := range s.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue, nil
		}
	}
	return false, nil
}

// serviceHealthy: only a LoadBalancer Service can be unhealthy, until it gets an address.
func serviceHealthy(obj *unstructured.Unstructured) (bool, error) {
	if t, _, _ := unstructured.NestedString(obj.Object, "spec", "type"); t != string(corev1.ServiceTypeLoadBalancer) {
		return true, nil
	}
	s := &corev1.ServiceStatus{}
	if err := statusOf(obj, s); err != nil {
		return false, err
	}
	for _, in := range s.LoadBalancer.Ingress {
		if in.IP != "" || in.Hostname != "" {
			return true, nil
		}
	}
	return false, nil
}

// ingressHealthy: an Ingress is healthy once its controller gave it an address.
func ingressHealthy(obj *unstructured.Unstructured) (bool, error) {
	s := &networkingv1.IngressStatus{}
	if err := statusOf(obj, s); err != nil {
		return false, err
	}
	for _, in := range s.LoadBalancer.Ingress {
		if in.IP != "" || in.Hostname != "" {
			return true, nil
		}
	}
	return false, nil
}

func pvcHealthy(obj *unstructured.Unstructured) (bool, error) {
	s := &corev1.PersistentVolumeClaimStatus{}
	if err := statusOf(obj, s); err != nil {
		return false, err
	}
	return s.Phase == corev1.ClaimBound, nil
}

func pdbHealthy(obj *unstructured.Unstructured) (bool, error) {
	s := &policyv1.PodDisruptionBudgetStatus{}
	if err := statusOf(obj, s); err != nil {
		return false, err
	}
	return s.CurrentHealthy >= s.DesiredHealthy, nil
}
