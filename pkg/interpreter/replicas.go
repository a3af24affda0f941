package interpreter

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// workloadReplicas answers for Deployments, StatefulSets and ReplicaSets: spec.replicas
// (1 when unset, the API default) pods built from spec.template.
func workloadReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, error) {
	replicas, found, err := nestedInt(obj, "spec", "replicas")
	if err != nil {
		return 0, nil, err
	}
	if !found {
		replicas = 1
	}
	spec, err := podSpecAt(obj, "spec", "template", "spec")
	if err != nil {
		return 0, nil, err
	}
	return int32(replicas), ReplicaRequirements(spec, obj.GetNamespace()), nil
}

// jobReplicas answers for Jobs: a Job never runs more pods at once than it has
// completions left, so the replicas are min(parallelism, completions).
func jobReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, error) {
	job := &batchv1.Job{}
	if err := toTyped(obj.Object, job); err != nil {
		return 0, nil, err
	}
	return JobReplicas(job), ReplicaRequirements(&job.Spec.Template.Spec, obj.GetNamespace()), nil
}

// JobReplicas is min(parallelism, completions); parallelism defaults to 1 and a Job
// without completions runs parallelism pods.
func JobReplicas(job *batchv1.Job) int32 {
	replicas := int32(1)
	if job.Spec.Parallelism != nil {
		replicas = *job.Spec.Parallelism
	}
	if job.Spec.Completions != nil && *job.Spec.Completions < replicas {
		replicas = *job.Spec.Completions
	}
	return replicas
}

// podReplicas answers for bare Pods: one replica.
func podReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, error) {
	spec, err := podSpecAt(obj, "spec")
	if err != nil {
		return 0, nil, err
	}
	return 1, ReplicaRequirements(spec, obj.GetNamespace()), nil
}

// podSpecAt reads the pod spec found at fields of obj; a missing spec is empty.
func podSpecAt(obj *unstructured.Unstructured, fields ...string) (*corev1.PodSpec, error) {
	spec := &corev1.PodSpec{}
	m, _, err := unstructured.NestedMap(obj.Object, fields...)
	if err != nil {
		return nil, err
	}
	if m != nil {
		if err := toTyped(m, spec); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// ReplicaRequirements is what one pod of spec needs from a node: its effective resource
// request and its hard node constraints (nodeSelector, tolerations, required node
// affinity). It is nil when there is neither, so a scheduler without requirements can
// tell at a glance that any cluster fits. namespace and the priority class travel along
// for quota-aware estimation.
func ReplicaRequirements(spec *corev1.PodSpec, namespace string) *workv1alpha2.ReplicaRequirements {
	claim := nodeClaim(spec)
	request := PodRequests(spec)
	if claim == nil && request == nil {
		return nil
	}
	return &workv1alpha2.ReplicaRequirements{
		NodeClaim:         claim,
		ResourceRequest:   request,
		Namespace:         namespace,
		PriorityClassName: spec.PriorityClassName,
	}
}

func nodeClaim(spec *corev1.PodSpec) *workv1alpha2.NodeClaim {
	claim := &workv1alpha2.NodeClaim{
		NodeSelector: spec.NodeSelector,
		Tolerations:  spec.Tolerations,
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil {
		claim.HardNodeAffinity = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	if len(claim.NodeSelector) == 0 && len(claim.Tolerations) == 0 && claim.HardNodeAffinity == nil {
		return nil
	}
	return claim
}

// PodRequests is the effective request of one pod of spec, the way the kube-scheduler
// counts it: the sum over the containers (and restartable init containers, the
// sidecars, which keep running) or the largest init container (plus the sidecars started
// before it), whichever is bigger, plus the pod overhead. A container's limit stands in
// for a missing request, as the API server defaults it on a Pod. Resources that add up
// to zero are left out; nil means the pod asks for nothing.
func PodRequests(spec *corev1.PodSpec) corev1.ResourceList {
	total := corev1.ResourceList{}
	for i := range spec.Containers {
		addResources(total, containerRequests(&spec.Containers[i]))
	}
	sidecars := corev1.ResourceList{}
	initMax := corev1.ResourceList{}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		requests := containerRequests(c)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addResources(sidecars, requests)
			// A sidecar starts before the later init containers and runs alongside them.
			maxResources(initMax, sidecars)
			continue
		}
		running := requests.DeepCopy()
		addResources(running, sidecars)
		maxResources(initMax, running)
	}
	addResources(total, sidecars)
	maxResources(total, initMax)
	addResources(total, spec.Overhead)
	for name, q := range total {
		if q.Sign() <= 0 {
			delete(total, name)
		}
	}
	if len(total) == 0 {
		return nil
	}
	return total
}

// containerRequests is a container's requests with limits standing in for missing ones.
func containerRequests(c *corev1.Container) corev1.ResourceList {
	requests := c.Resources.Requests.DeepCopy()
	for name, limit := range c.Resources.Limits {
		if _, ok := requests[name]; !ok {
			if requests == nil {
				requests = corev1.ResourceList{}
			}
			requests[name] = limit.DeepCopy()
		}
	}
	return requests
}

func addResources(into, add corev1.ResourceList) {
	for name, q := range add {
		sum := into[name].DeepCopy()
		sum.Add(q)
		into[name] = sum
	}
}

func maxResources(into, other corev1.ResourceList) {
	for name, q := range other {
		if cur, ok := into[name]; !ok || q.Cmp(cur) > 0 {
			into[name] = q.DeepCopy()
		}
	}
}

// reviseSpecReplicas sets spec.replicas of a Deployment, StatefulSet or ReplicaSet.
func reviseSpecReplicas(obj *unstructured.Unstructured, replicas int64) error {
	return unstructured.SetNestedField(obj.Object, replicas, "spec", "replicas")
}

// reviseJobParallelism gives a Job its share of parallel pods. Its share of completions
// depends on every cluster's share, so the caller divides them (DivideJobCompletions).
func reviseJobParallelism(obj *unstructured.Unstructured, replicas int64) error {
	return unstructured.SetNestedField(obj.Object, replicas, "spec", "parallelism")
}

// ReviseJobCompletions sets a Job's spec.completions to a member's share (see
// DivideJobCompletions); it returns a copy and leaves obj alone.
func ReviseJobCompletions(obj *unstructured.Unstructured, completions int64) (*unstructured.Unstructured, error) {
	if obj.GroupVersionKind().GroupKind() != jobGVK.GroupKind() {
		return nil, describe(obj, fmt.Errorf("revising completions is %w", ErrNotSupported))
	}
	revised := obj.DeepCopy()
	if err := unstructured.SetNestedField(revised.Object, completions, "spec", "completions"); err != nil {
		return nil, describe(obj, err)
	}
	return revised, nil
}

// nestedInt reads an integer field whether the object was decoded by apimachinery
// (int64) or by encoding/json (float64).
func nestedInt(obj *unstructured.Unstructured, fields ...string) (int64, bool, error) {
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	if err != nil || !found || v == nil {
		return 0, false, err
	}
	switch n := v.(type) {
	case int64:
		return n, true, nil
	case int32:
		return int64(n), true, nil
	case int:
		return int64(n), true, nil
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true, nil
		}
	}
	return 0, false, fmt.Errorf(".%s: %v is not an integer", strings.Join(fields, "."), v)
}
