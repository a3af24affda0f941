package interpreter

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Generations is what a member's workload status carries besides its counters, so the
// control plane can tell whether every member has caught up with the latest template:
// the member object's own generation (compare with its status.observedGeneration) and
// the template generation it was written from.
type Generations struct {
	Generation                 int64 `json:"generation,omitempty"`
	ResourceTemplateGeneration int64 `json:"resourceTemplateGeneration,omitempty"`
}

// upToDate tells whether a member observed its own latest spec, written from template
// generation want.
func (g Generations) upToDate(observedGeneration, want int64) bool {
	return observedGeneration == g.Generation && g.ResourceTemplateGeneration == want
}

// The statuses reflected from members' workloads: the kind's counters plus Generations.
type (
	// DeploymentStatus is a Deployment's reflected status.
	DeploymentStatus struct {
		appsv1.DeploymentStatus `json:",inline"`
		Generations             `json:",inline"`
	}
	// StatefulSetStatus is a StatefulSet's reflected status.
	StatefulSetStatus struct {
		appsv1.StatefulSetStatus `json:",inline"`
		Generations              `json:",inline"`
	}
	// ReplicaSetStatus is a ReplicaSet's reflected status.
	ReplicaSetStatus struct {
		appsv1.ReplicaSetStatus `json:",inline"`
		Generations             `json:",inline"`
	}
	// DaemonSetStatus is a DaemonSet's reflected status.
	DaemonSetStatus struct {
		appsv1.DaemonSetStatus `json:",inline"`
		Generations            `json:",inline"`
	}
)

func generationsOf(obj *unstructured.Unstructured) (Generations, error) {
	tg, err := templateGeneration(obj)
	return Generations{Generation: obj.GetGeneration(), ResourceTemplateGeneration: tg}, err
}

// withGenerations adds the Generations fields to a reflected status.
func withGenerations(obj *unstructured.Unstructured, status interface{}) (map[string]interface{}, error) {
	g, err := generationsOf(obj)
	if err != nil {
		return nil, err
	}
	m, err := toMap(status)
	if err != nil {
		return nil, err
	}
	if g.Generation != 0 {
		m["generation"] = g.Generation
	}
	if g.ResourceTemplateGeneration != 0 {
		m["resourceTemplateGeneration"] = g.ResourceTemplateGeneration
	}
	return m, nil
}

func reflectDeployment(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	s := &appsv1.DeploymentStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return withGenerations(obj, &appsv1.DeploymentStatus{
		ObservedGeneration:  s.ObservedGeneration,
		Replicas:            s.Replicas,
		UpdatedReplicas:     s.UpdatedReplicas,
		ReadyReplicas:       s.ReadyReplicas,
		AvailableReplicas:   s.AvailableReplicas,
		UnavailableReplicas: s.UnavailableReplicas,
	})
}

func reflectStatefulSet(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	s := &appsv1.StatefulSetStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return withGenerations(obj, &appsv1.StatefulSetStatus{
		ObservedGeneration: s.ObservedGeneration,
		AvailableReplicas:  s.AvailableReplicas,
		CurrentReplicas:    s.CurrentReplicas,
		ReadyReplicas:      s.ReadyReplicas,
		Replicas:           s.Replicas,
		UpdatedReplicas:    s.UpdatedReplicas,
	})
}

func reflectReplicaSet(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	s := &appsv1.ReplicaSetStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return withGenerations(obj, &appsv1.ReplicaSetStatus{
		ObservedGeneration: s.ObservedGeneration,
		Replicas:           s.Replicas,
		ReadyReplicas:      s.ReadyReplicas,
		AvailableReplicas:  s.AvailableReplicas,
	})
}

func reflectDaemonSet(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	s := &appsv1.DaemonSetStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return withGenerations(obj, &appsv1.DaemonSetStatus{
		ObservedGeneration:     s.ObservedGeneration,
		CurrentNumberScheduled: s.CurrentNumberScheduled,
		DesiredNumberScheduled: s.DesiredNumberScheduled,
		NumberAvailable:        s.NumberAvailable,
		NumberMisscheduled:     s.NumberMisscheduled,
		NumberReady:            s.NumberReady,
		UpdatedNumberScheduled: s.UpdatedNumberScheduled,
		NumberUnavailable:      s.NumberUnavailable,
	})
}

// reflectService reports a LoadBalancer Service's load-balancer ingress; other Services
// have no status worth sending back.
func reflectService(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	if t, _, _ := unstructured.NestedString(obj.Object, "spec", "type"); t != string(corev1.ServiceTypeLoadBalancer) {
		return nil, nil
	}
	s := &corev1.ServiceStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return toMap(&corev1.ServiceStatus{LoadBalancer: s.LoadBalancer})
}

func reflectPDB(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	s := &policyv1.PodDisruptionBudgetStatus{}
	if err := statusOf(obj, s); err != nil {
		return nil, err
	}
	return toMap(&policyv1.PodDisruptionBudgetStatus{
		DisruptionsAllowed: s.DisruptionsAllowed,
		CurrentHealthy:     s.CurrentHealthy,
		DesiredHealthy:     s.DesiredHealthy,
		ExpectedPods:       s.ExpectedPods,
		DisruptedPods:      s.DisruptedPods,
	})
}

// reflectHPA reports the replica counts of an autoscaler (autoscaling/v1 and v2 agree
// on these fields).
func reflectHPA(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "status"); !found {
		return nil, nil
	}
	status := map[string]interface{}{}
	for _, field := range []string{"currentReplicas", "desiredReplicas"} {
		v, found, err := unstructured.NestedFieldNoCopy(obj.Object, "status", field)
		if err != nil {
			return nil, err
		}
		if found {
			status[field] = v
		}
	}
	return status, nil
}

// reflectWholeStatus is the generic answer: the member's whole .status, or nothing.
func reflectWholeStatus(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	status, found, err := unstructured.NestedMap(obj.Object, "status")
	if err != nil || !found {
		return nil, err
	}
	return status, nil
}
