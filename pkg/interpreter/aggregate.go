package interpreter

import (
	"encoding/json"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// observedGeneration is the template's status.observedGeneration after aggregation: the
// template's generation once every member (upToDate of total) runs the latest template
// and has observed it, the previous value until then. GitOps tools (Argo CD) read a
// workload as progressing until observedGeneration catches up.
func observedGeneration(previous, generation int64, upToDate, total int) int64 {
	if upToDate == total {
		return generation
	}
	return previous
}

func aggregateDeployment(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &appsv1.DeploymentStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var sum appsv1.DeploymentStatus
	upToDate := 0
	for _, item := range items {
		member := &DeploymentStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		sum.Replicas += member.Replicas
		sum.UpdatedReplicas += member.UpdatedReplicas
		sum.ReadyReplicas += member.ReadyReplicas
		sum.AvailableReplicas += member.AvailableReplicas
		sum.UnavailableReplicas += member.UnavailableReplicas
		if member.upToDate(member.ObservedGeneration, obj.GetGeneration()) {
			upToDate++
		}
	}
	status.Replicas, status.UpdatedReplicas, status.ReadyReplicas = sum.Replicas, sum.UpdatedReplicas, sum.ReadyReplicas
	status.AvailableReplicas, status.UnavailableReplicas = sum.AvailableReplicas, sum.UnavailableReplicas
	status.ObservedGeneration = observedGeneration(status.ObservedGeneration, obj.GetGeneration(), upToDate, len(items))
	return setStatus(obj, status)
}

func aggregateStatefulSet(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &appsv1.StatefulSetStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var sum appsv1.StatefulSetStatus
	upToDate := 0
	for _, item := range items {
		member := &StatefulSetStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		sum.AvailableReplicas += member.AvailableReplicas
		sum.CurrentReplicas += member.CurrentReplicas
		sum.ReadyReplicas += member.ReadyReplicas
		sum.Replicas += member.Replicas
		sum.UpdatedReplicas += member.UpdatedReplicas
		if member.upToDate(member.ObservedGeneration, obj.GetGeneration()) {
			upToDate++
		}
	}
	status.AvailableReplicas, status.CurrentReplicas, status.ReadyReplicas = sum.AvailableReplicas, sum.CurrentReplicas, sum.ReadyReplicas
	status.Replicas, status.UpdatedReplicas = sum.Replicas, sum.UpdatedReplicas
	status.ObservedGeneration = observedGeneration(status.ObservedGeneration, obj.GetGeneration(), upToDate, len(items))
	return setStatus(obj, status)
}

func aggregateReplicaSet(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &appsv1.ReplicaSetStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var sum appsv1.ReplicaSetStatus
	upToDate := 0
	for _, item := range items {
		member := &ReplicaSetStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		sum.Replicas += member.Replicas
		sum.ReadyReplicas += member.ReadyReplicas
		sum.AvailableReplicas += member.AvailableReplicas
		if member.upToDate(member.ObservedGeneration, obj.GetGeneration()) {
			upToDate++
		}
	}
	status.Replicas, status.ReadyReplicas, status.AvailableReplicas = sum.Replicas, sum.ReadyReplicas, sum.AvailableReplicas
	status.ObservedGeneration = observedGeneration(status.ObservedGeneration, obj.GetGeneration(), upToDate, len(items))
	return setStatus(obj, status)
}

func aggregateDaemonSet(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &appsv1.DaemonSetStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var sum appsv1.DaemonSetStatus
	upToDate := 0
	for _, item := range items {
		member := &DaemonSetStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		sum.CurrentNumberScheduled += member.CurrentNumberScheduled
		sum.DesiredNumberScheduled += member.DesiredNumberScheduled
		sum.NumberAvailable += member.NumberAvailable
		sum.NumberMisscheduled += member.NumberMisscheduled
		sum.NumberReady += member.NumberReady
		sum.UpdatedNumberScheduled += member.UpdatedNumberScheduled
		sum.NumberUnavailable += member.NumberUnavailable
		if member.upToDate(member.ObservedGeneration, obj.GetGeneration()) {
			upToDate++
		}
	}
	status.CurrentNumberScheduled, status.DesiredNumberScheduled = sum.CurrentNumberScheduled, sum.DesiredNumberScheduled
	status.NumberAvailable, status.NumberMisscheduled, status.NumberReady = sum.NumberAvailable, sum.NumberMisscheduled, sum.NumberReady
	status.UpdatedNumberScheduled, status.NumberUnavailable = sum.UpdatedNumberScheduled, sum.NumberUnavailable
	status.ObservedGeneration = observedGeneration(status.ObservedGeneration, obj.GetGeneration(), upToDate, len(items))
	return setStatus(obj, status)
}

// aggregateCronJob lists every member's active Jobs and keeps the latest schedule and
// success times.
func aggregateCronJob(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &batchv1.CronJobStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var active []corev1.ObjectReference
	var scheduled, succeeded *metav1.Time
	for _, item := range items {
		member := &batchv1.CronJobStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		active = append(active, member.Active...)
		scheduled = latest(scheduled, member.LastScheduleTime)
		succeeded = latest(succeeded, member.LastSuccessfulTime)
	}
	status.Active, status.LastScheduleTime, status.LastSuccessfulTime = active, scheduled, succeeded
	return setStatus(obj, status)
}

// aggregatePod folds the members' copies of a Pod into one phase (any Failed ⇒ Failed,
// else any Pending ⇒ Pending, else any Running ⇒ Running, else Succeeded; a member
// without a status counts as Pending) and one status per container (see
// mergeContainerStatuses). The rest of the template's status stays: the API server
// keeps fields such as qosClass immutable.
func aggregatePod(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	if len(items) == 0 {
		return nil
	}
	status := &corev1.PodStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	phases := map[corev1.PodPhase]bool{}
	var containers, initContainers [][]corev1.ContainerStatus
	for _, item := range items {
		member := &corev1.PodStatus{}
		ok, err := itemStatus(item, member)
		if err != nil {
			return err
		}
		if !ok {
			phases[corev1.PodPending] = true
			continue
		}
		phases[member.Phase] = true
		containers = append(containers, member.ContainerStatuses)
		initContainers = append(initContainers, member.InitContainerStatuses)
	}
	switch {
	case phases[corev1.PodFailed]:
		status.Phase = corev1.PodFailed
	case phases[corev1.PodPending]:
		status.Phase = corev1.PodPending
	case phases[corev1.PodRunning]:
		status.Phase = corev1.PodRunning
	case phases[corev1.PodSucceeded]:
		status.Phase = corev1.PodSucceeded
	default:
		// Only phases Kubernetes no longer uses (Unknown) were reported.
		status.Phase = corev1.PodPending
	}
	status.ContainerStatuses = mergeContainerStatuses(containers)
	status.InitContainerStatuses = mergeContainerStatuses(initContainers)
	return setStatus(obj, status)
}

// mergeContainerStatuses gives one status per container name across the members, so
// `kubectl get pod` counts ready containers against the spec: image from the first
// member reporting it; ready if ready everywhere; restarts added up; the state is a waiting one if any, else a running one if any, else
// (all terminated) a failed termination if any, else the first. A container thus reads
// terminated only once it terminated in every member, which also keeps the API server's
// rule that a terminated container of a never-restarting Pod stays terminated.
func mergeContainerStatuses(perMember [][]corev1.ContainerStatus) []corev1.ContainerStatus {
	var names []string
	merged := map[string]*corev1.ContainerStatus{}
	rank := func(s corev1.ContainerState) int {
		switch {
		case s.Waiting != nil:
			return 0
		case s.Running != nil:
			return 1
		case s.Terminated != nil && s.Terminated.ExitCode != 0:
			return 2
		case s.Terminated != nil:
			return 3
		}
		return 4
	}
	for _, statuses := range perMember {
		for _, s := range statuses {
			m := merged[s.Name]
			if m == nil {
				names = append(names, s.Name)
				merged[s.Name] = &corev1.ContainerStatus{
					Name: s.Name, Image: s.Image, ImageID: s.ImageID,
					Ready: s.Ready, RestartCount: s.RestartCount, State: *s.State.DeepCopy(),
				}
				continue
			}
			m.Ready = m.Ready && s.Ready
			m.RestartCount += s.RestartCount
			if rank(s.State) < rank(m.State) {
				m.State = *s.State.DeepCopy()
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	result := make([]corev1.ContainerStatus, 0, len(names))
	for _, name := range names {
		result = append(result, *merged[name])
	}
	return result
}

// aggregateService collects the load-balancer ingress points of a LoadBalancer Service
// from every member, as the members report them (no field is rewritten), without
// duplicates and sorted (IP, then hostname), so the list does not change with the order
// statuses arrive in. The template's status becomes exactly that load-balancer status,
// as in Karmada; other Service types keep their status.
func aggregateService(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	if t, _, _ := unstructured.NestedString(obj.Object, "spec", "type"); t != string(corev1.ServiceTypeLoadBalancer) {
		return nil
	}
	status := &corev1.ServiceStatus{}
	var ingress []corev1.LoadBalancerIngress
	for _, item := range items {
		member := &corev1.ServiceStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		ingress = append(ingress, member.LoadBalancer.Ingress...)
	}
	status.LoadBalancer.Ingress = sortedUnique(ingress, func(in corev1.LoadBalancerIngress) (string, string) { return in.IP, in.Hostname })
	return setStatus(obj, status)
}

// aggregateIngress merges the members' load-balancer points like aggregateService.
func aggregateIngress(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &networkingv1.IngressStatus{}
	var ingress []networkingv1.IngressLoadBalancerIngress
	for _, item := range items {
		member := &networkingv1.IngressStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		ingress = append(ingress, member.LoadBalancer.Ingress...)
	}
	status.LoadBalancer.Ingress = sortedUnique(ingress, func(in networkingv1.IngressLoadBalancerIngress) (string, string) { return in.IP, in.Hostname })
	return setStatus(obj, status)
}

// sortedUnique sorts by key (then by the whole value) and drops exact duplicates.
func sortedUnique[T any](list []T, key func(T) (string, string)) []T {
	type entry struct {
		k1, k2, whole string
		v             T
	}
	entries := make([]entry, 0, len(list))
	for _, v := range list {
		k1, k2 := key(v)
		b, _ := json.Marshal(v)
		entries = append(entries, entry{k1, k2, string(b), v})
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.k1 != b.k1 {
			return a.k1 < b.k1
		}
		if a.k2 != b.k2 {
			return a.k2 < b.k2
		}
		return a.whole < b.whole
	})
	var result []T
	for i, e := range entries {
		if i > 0 && e.whole == entries[i-1].whole {
			continue
		}
		result = append(result, e.v)
	}
	return result
}

// aggregatePVC: any Lost ⇒ Lost, else the last phase other than Bound, else Bound.
// Without any member report the template keeps its status.
func aggregatePVC(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &corev1.PersistentVolumeClaimStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	phase, reported := corev1.ClaimBound, false
	for _, item := range items {
		member := &corev1.PersistentVolumeClaimStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		reported = true
		if member.Phase == corev1.ClaimLost {
			phase = corev1.ClaimLost
			break
		}
		if member.Phase != corev1.ClaimBound {
			phase = member.Phase
		}
	}
	if !reported {
		return nil
	}
	status.Phase = phase
	return setStatus(obj, status)
}

// pvPhaseOrder ranks volume phases: the first one any member reports wins.
var pvPhaseOrder = []corev1.PersistentVolumePhase{
	corev1.VolumeFailed, corev1.VolumePending, corev1.VolumeAvailable, corev1.VolumeBound, corev1.VolumeReleased,
}

// aggregatePV: Failed > Pending > Available > Bound > Released; a member without a
// status counts as Pending.
func aggregatePV(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	if len(items) == 0 {
		return nil
	}
	status := &corev1.PersistentVolumeStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	phases := map[corev1.PersistentVolumePhase]bool{}
	for _, item := range items {
		member := &corev1.PersistentVolumeStatus{}
		ok, err := itemStatus(item, member)
		if err != nil {
			return err
		}
		if !ok {
			phases[corev1.VolumePending] = true
			continue
		}
		phases[member.Phase] = true
	}
	for _, p := range pvPhaseOrder {
		if phases[p] {
			status.Phase = p
			return setStatus(obj, status)
		}
	}
	return nil
}

// aggregatePDB adds the members' counters up; disrupted pods are keyed
// "<cluster>/<pod>" since pod names repeat across members.
func aggregatePDB(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	status := &policyv1.PodDisruptionBudgetStatus{}
	if err := statusOf(obj, status); err != nil {
		return err
	}
	var sum policyv1.PodDisruptionBudgetStatus
	for _, item := range items {
		member := &policyv1.PodDisruptionBudgetStatus{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		sum.DisruptionsAllowed += member.DisruptionsAllowed
		sum.CurrentHealthy += member.CurrentHealthy
		sum.DesiredHealthy += member.DesiredHealthy
		sum.ExpectedPods += member.ExpectedPods
		for pod, at := range member.DisruptedPods {
			if sum.DisruptedPods == nil {
				sum.DisruptedPods = map[string]metav1.Time{}
			}
			sum.DisruptedPods[item.ClusterName+"/"+pod] = at
		}
	}
	status.DisruptionsAllowed, status.CurrentHealthy, status.DesiredHealthy = sum.DisruptionsAllowed, sum.CurrentHealthy, sum.DesiredHealthy
	status.ExpectedPods, status.DisruptedPods = sum.ExpectedPods, sum.DisruptedPods
	return setStatus(obj, status)
}

// aggregateHPA adds up the members' current and desired replicas; the rest of the
// template's status (conditions, metrics) stays. Works for autoscaling/v1 and v2.
func aggregateHPA(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	var current, desired int64
	for _, item := range items {
		member := &struct {
			CurrentReplicas int32 `json:"currentReplicas"`
			DesiredReplicas int32 `json:"desiredReplicas"`
		}{}
		if ok, err := itemStatus(item, member); err != nil {
			return err
		} else if !ok {
			continue
		}
		current += int64(member.CurrentReplicas)
		desired += int64(member.DesiredReplicas)
	}
	if err := unstructured.SetNestedField(obj.Object, current, "status", "currentReplicas"); err != nil {
		return err
	}
	return unstructured.SetNestedField(obj.Object, desired, "status", "desiredReplicas")
}
