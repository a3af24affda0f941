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

package binding

import (
	"errors"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// Build builds the binding of template obj claimed by policy, with replicas and
// replica requirements from interpreter.Default(). See BuildWith.
func Build(obj *unstructured.Unstructured, policy detector.Policy) (*Binding, error) {
	return BuildWith(interpreter.Default(), obj, policy)
}

// BuildWith builds the desired binding of template obj claimed by policy:
// name names.GenerateBindingName(kind, name) in obj's namespace (a ClusterResourceBinding
// for cluster-scoped templates), a controller ownerReference to obj with
// blockOwnerDeletion, the binding finalizer, the claim labels/annotations, spec.resource
// from obj, the policy's placement, propagateDeps, conflictResolution, schedulerName
// (default-scheduler when empty), failover, suspension and preserveResourcesOnDeletion
// (deep copies), and replicas/replicaRequirements from interp. spec.clusters is never set.
func BuildWith(interp interpreter.Interpreter, obj *unstructured.Unstructured, policy detector.Policy) (*Binding, error) {
	if obj == nil {
		return nil, errors.New("binding: nil template")
	}
	if policy.IsZero() {
		return nil, errors.New("binding: no policy")
	}
	if obj.GetNamespace() != "" && !policy.IsCluster() && policy.Namespace() != obj.GetNamespace() {
		return nil, errors.New("binding: PropagationPolicy " + policy.Namespace() + "/" + policy.Name() +
			" cannot claim a template in namespace " + obj.GetNamespace())
	}
	if obj.GetNamespace() == "" && !policy.IsCluster() {
		return nil, errors.New("binding: a PropagationPolicy cannot claim cluster-scoped " +
			obj.GetKind() + " " + obj.GetName())
	}

	ref := ForTemplate(obj.GetNamespace(), obj.GetKind(), obj.GetName())
	labels, annotations := detector.ClaimMetadata(policy)
	meta := metav1.ObjectMeta{
		Name:        ref.Name,
		Namespace:   ref.Namespace,
		Labels:      labels,
		Annotations: annotations,
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion:         obj.GetAPIVersion(),
			Kind:               obj.GetKind(),
			Name:               obj.GetName(),
			UID:                obj.GetUID(),
			Controller:         ptr.To(true),
			BlockOwnerDeletion: ptr.To(true),
		}},
		Finalizers: []string{ref.Finalizer()},
	}
	spec, err := bindingSpec(interp, obj, policy.Spec())
	if err != nil {
		return nil, err
	}
	return assemble(ref.Cluster, meta, spec), nil
}

func bindingSpec(interp interpreter.Interpreter, obj *unstructured.Unstructured,
	ps *policyv1alpha1.PropagationSpec) (workv1alpha2.ResourceBindingSpec, error) {
	spec := workv1alpha2.ResourceBindingSpec{
		Resource: workv1alpha2.ObjectReference{
			APIVersion:      obj.GetAPIVersion(),
			Kind:            obj.GetKind(),
			Namespace:       obj.GetNamespace(),
			Name:            obj.GetName(),
			UID:             obj.GetUID(),
			ResourceVersion: obj.GetResourceVersion(),
		},
		PropagateDeps:      ps.PropagateDeps,
		Placement:          ps.Placement.DeepCopy(),
		SchedulerName:      ps.SchedulerName,
		ConflictResolution: ps.ConflictResolution,
		Failover:           ps.Failover.DeepCopy(),
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = policyv1alpha1.DefaultSchedulerName
	}
	if ps.Suspension != nil {
		spec.Suspension = &workv1alpha2.Suspension{Suspension: *ps.Suspension.DeepCopy()}
	}
	if ps.PreserveResourcesOnDeletion != nil {
		spec.PreserveResourcesOnDeletion = ptr.To(*ps.PreserveResourcesOnDeletion)
	}
	if interp != nil {
		replicas, req, ok, err := interp.GetReplicas(obj)
		if err != nil {
			return spec, &ReplicasError{Err: err}
		}
		if ok {
			spec.Replicas, spec.ReplicaRequirements = replicas, req
		}
		if features.Enabled(features.MultiplePodTemplatesScheduling) {
			components, ok, err := interp.GetComponents(obj)
			if err != nil {
				return spec, &ReplicasError{Err: err}
			}
			if ok && len(components) > 0 {
				spec.Components = components
			}
		}
	}
	return spec, nil
}

// ReplicasError is returned by BuildWith when the template's replicas (or, with
// MultiplePodTemplatesScheduling, its components) could not be interpreted.
type ReplicasError struct{ Err error }

func (e *ReplicasError) Error() string { return e.Err.Error() }
func (e *ReplicasError) Unwrap() error { return e.Err }

// Merge returns a copy of existing updated to desired (as built by Build,
// with schedulePriority and workloadAffinityGroups as the caller resolved them) without
// losing what other controllers own: spec.clusters, gracefulEvictionTasks,
// requiredBy, rescheduleTriggeredAt, status, and labels, annotations
// and finalizers that are not the detector's. Existing claim metadata is replaced by
// desired's. changed reports whether the result differs from existing in anything the
// detector writes. existing and desired must be of the same kind.
func Merge(existing, desired *Binding) (merged *Binding, changed bool) {
	merged = existing.DeepCopy()
	mo, do := merged.Object, desired.Object
	ms, ds := merged.Spec, desired.Spec

	if detector.ApplyClaim(mo, claimPolicyOf(do)) {
		changed = true
	}
	if mergeOwner(mo, do.GetOwnerReferences()) {
		changed = true
	}
	finalizers := mo.GetFinalizers()
	for _, f := range do.GetFinalizers() {
		if !contains(finalizers, f) {
			finalizers = append(finalizers, f)
			changed = true
		}
	}
	mo.SetFinalizers(finalizers)

	next := *ds.DeepCopy()
	next.Clusters = ms.Clusters
	next.GracefulEvictionTasks = ms.GracefulEvictionTasks
	next.RequiredBy = ms.RequiredBy
	next.RescheduleTriggeredAt = ms.RescheduleTriggeredAt
	// The template's resourceVersion alone (it changes with every status write and with
	// the claim itself) is no reason to rewrite the binding.
	probe := next
	probe.Resource.ResourceVersion = ms.Resource.ResourceVersion
	if !equalSpec(*ms, probe) {
		changed = true
		*ms = next
	}
	return merged, changed
}

// claimPolicyOf rebuilds a Policy whose ClaimMetadata equals the claim on o.
func claimPolicyOf(o metav1.Object) detector.Policy {
	c, ok := detector.ClaimOf(o)
	if !ok {
		return detector.Policy{}
	}
	if c.Cluster {
		cpp := &policyv1alpha1.ClusterPropagationPolicy{}
		cpp.Name = c.Name
		if c.PermanentID != "" {
			cpp.Labels = map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: c.PermanentID}
		}
		return detector.FromClusterPropagationPolicy(cpp)
	}
	pp := &policyv1alpha1.PropagationPolicy{}
	pp.Namespace, pp.Name = c.Namespace, c.Name
	if c.PermanentID != "" {
		pp.Labels = map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: c.PermanentID}
	}
	return detector.FromPropagationPolicy(pp)
}

// mergeOwner makes the controller ownerReference of o equal want's controller reference.
func mergeOwner(o metav1.Object, want []metav1.OwnerReference) bool {
	var ctrl *metav1.OwnerReference
	for i := range want {
		if ptr.Deref(want[i].Controller, false) {
			ctrl = &want[i]
		}
	}
	if ctrl == nil {
		return false
	}
	refs := o.GetOwnerReferences()
	out := make([]metav1.OwnerReference, 0, len(refs)+1)
	found, changed := false, false
	for _, r := range refs {
		if ptr.Deref(r.Controller, false) {
			if found {
				changed = true
				continue
			}
			found = true
			if !equalOwner(r, *ctrl) {
				changed = true
				r = *ctrl
			}
		}
		out = append(out, r)
	}
	if !found {
		out = append(out, *ctrl)
		changed = true
	}
	if changed {
		o.SetOwnerReferences(out)
	}
	return changed
}

func equalOwner(a, b metav1.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		ptr.Deref(a.Controller, false) == ptr.Deref(b.Controller, false) &&
		ptr.Deref(a.BlockOwnerDeletion, false) == ptr.Deref(b.BlockOwnerDeletion, false)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equalSpec(a, b workv1alpha2.ResourceBindingSpec) bool {
	return apiequality.Semantic.DeepEqual(a, b)
}
