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

package v1alpha2

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Names and scopes of the binding resources.
const (
	ResourceKindResourceBinding            = "ResourceBinding"
	ResourceSingularResourceBinding        = "resourcebinding"
	ResourcePluralResourceBinding          = "resourcebindings"
	ResourceNamespaceScopedResourceBinding = true

	ResourceKindClusterResourceBinding            = "ClusterResourceBinding"
	ResourceSingularClusterResourceBinding        = "clusterresourcebinding"
	ResourcePluralClusterResourceBinding          = "clusterresourcebindings"
	ResourceNamespaceScopedClusterResourceBinding = false
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceBinding ties one namespaced resource template to its placement and
// scheduling result.
type ResourceBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired propagation of the template.
	Spec ResourceBindingSpec `json:"spec"`

	// Status is the observed scheduling and application state.
	// +optional
	Status ResourceBindingStatus `json:"status,omitempty"`
}

// ResourceBindingSpec is shared by ResourceBinding and ClusterResourceBinding.
type ResourceBindingSpec struct {
	// Resource refers to the resource template.
	Resource ObjectReference `json:"resource"`

	// PropagateDeps is inherited from the claiming policy.
	// +optional
	PropagateDeps bool `json:"propagateDeps,omitempty"`

	// ReplicaRequirements describe what one replica needs.
	// +optional
	ReplicaRequirements *ReplicaRequirements `json:"replicaRequirements,omitempty"`

	// Replicas is the replica count of the template.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// Components are the pod templates of a workload made of several of them (a
	// FlinkDeployment's job manager and task managers, a RayCluster's head and worker
	// groups, …), each with its replicas and what one of its replicas needs. A workload
	// with one pod template may have one component. Only filled when the
	// MultiplePodTemplatesScheduling feature gate is on.
	// +optional
	Components []Component `json:"components,omitempty"`

	// Clusters is the scheduling result.
	// +optional
	Clusters []TargetCluster `json:"clusters,omitempty"`

	// Placement is copied from the claiming policy.
	// +optional
	Placement *policyv1alpha1.Placement `json:"placement,omitempty"`

	// GracefulEvictionTasks are clusters being vacated; their copies are removed once
	// the replacement is healthy or the grace period ends.
	// +optional
	GracefulEvictionTasks []GracefulEvictionTask `json:"gracefulEvictionTasks,omitempty"`

	// RequiredBy lists the bindings that depend on this resource (propagateDeps).
	// +optional
	RequiredBy []BindingSnapshot `json:"requiredBy,omitempty"`

	// SchedulerName is inherited from the claiming policy.
	// +optional
	SchedulerName string `json:"schedulerName,omitempty"`

	// Failover is inherited from the claiming policy.
	// +optional
	Failover *policyv1alpha1.FailoverBehavior `json:"failover,omitempty"`

	// ConflictResolution is inherited from the claiming policy ("Abort" or "Overwrite").
	// +optional
	ConflictResolution policyv1alpha1.ConflictResolution `json:"conflictResolution,omitempty"`

	// RescheduleTriggeredAt requests a full reschedule when later than status.lastScheduledTime.
	// +optional
	RescheduleTriggeredAt *metav1.Time `json:"rescheduleTriggeredAt,omitempty"`

	// Suspension pauses scheduling and/or dispatching.
	// +optional
	Suspension *Suspension `json:"suspension,omitempty"`

	// PreserveResourcesOnDeletion keeps member copies when the template is deleted.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`

	// SchedulePriority is resolved from the claiming policy's schedulePriority (the value
	// of the PriorityClass it names) by the detector.
	// +optional
	SchedulePriority *SchedulePriority `json:"schedulePriority,omitempty"`

	// WorkloadAffinityGroups are the groups the template belongs to under the policy's
	// placement.workloadAffinity, each written "<labelKey>=<labelValue>". Set by the
	// detector on ResourceBindings only (workloads are namespaced); read by the scheduler.
	// +optional
	WorkloadAffinityGroups *WorkloadAffinityGroups `json:"workloadAffinityGroups,omitempty"`
}

// WorkloadAffinityGroups are the instantiated workload affinity groups of a binding.
type WorkloadAffinityGroups struct {
	// AffinityGroup is the group whose members are co-located.
	// +optional
	AffinityGroup string `json:"affinityGroup,omitempty"`

	// AntiAffinityGroup is the group whose members are kept on different clusters.
	// +optional
	AntiAffinityGroup string `json:"antiAffinityGroup,omitempty"`
}

// SchedulePriority is the resolved scheduling priority of a binding.
type SchedulePriority struct {
	// Priority value; higher is scheduled first.
	// +optional
	Priority int32 `json:"priority,omitempty"`
}

// Suspension extends the policy suspension with scheduling.
type Suspension struct {
	policyv1alpha1.Suspension `json:",inline"`

	// Scheduling, when true, keeps the scheduler from processing the binding.
	// +optional
	Scheduling *bool `json:"scheduling,omitempty"`
}

// ObjectReference locates the resource template.
type ObjectReference struct {
	// APIVersion of the template.
	APIVersion string `json:"apiVersion"`

	// Kind of the template.
	Kind string `json:"kind"`

	// Namespace of the template; empty for cluster-scoped templates.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the template.
	Name string `json:"name"`

	// UID of the template.
	// +optional
	UID types.UID `json:"uid,omitempty"`

	// ResourceVersion of the template last seen.
	// +optional
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// ReplicaRequirements describe what one replica needs.
type ReplicaRequirements struct {
	// NodeClaim describes node constraints of a replica.
	// +optional
	NodeClaim *NodeClaim `json:"nodeClaim,omitempty"`

	// ResourceRequest is the resource request of a replica.
	// +optional
	ResourceRequest corev1.ResourceList `json:"resourceRequest,omitempty"`

	// Namespace of the workload.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// PriorityClassName of the workload's pods.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// Component is one pod template of a workload.
type Component struct {
	// Name identifies the component; unique within the workload.
	// +required
	Name string `json:"name"`

	// Replicas is the number of pods of this component in one complete workload.
	// +required
	Replicas int32 `json:"replicas"`

	// ReplicaRequirements is what one pod of this component needs.
	// +optional
	ReplicaRequirements *ComponentReplicaRequirements `json:"replicaRequirements,omitempty"`
}

// ComponentReplicaRequirements is what one pod of a component needs.
type ComponentReplicaRequirements struct {
	// NodeClaim describes node constraints of a replica.
	// +optional
	NodeClaim *NodeClaim `json:"nodeClaim,omitempty"`

	// ResourceRequest is the resource request of a replica.
	// +optional
	ResourceRequest corev1.ResourceList `json:"resourceRequest,omitempty"`

	// PriorityClassName of the component's pods.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// NodeClaim holds the hard node constraints of a replica.
type NodeClaim struct {
	// HardNodeAffinity is the required node affinity of the pods.
	// +optional
	HardNodeAffinity *corev1.NodeSelector `json:"hardNodeAffinity,omitempty"`
	// NodeSelector of the pods.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations of the pods.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// TargetCluster is one scheduled cluster.
type TargetCluster struct {
	// Name of the cluster.
	Name string `json:"name"`
	// Replicas assigned to the cluster.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
}

// GracefulEvictionTask is a cluster being vacated.
type GracefulEvictionTask struct {
	// FromCluster is the cluster being vacated.
	// +required
	FromCluster string `json:"fromCluster"`

	// PurgeMode says how the old copy is removed.
	// +optional
	PurgeMode policyv1alpha1.PurgeMode `json:"purgeMode,omitempty"`

	// Replicas evicted, for workloads with replicas.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Reason is a CamelCase machine-readable reason.
	// +required
	Reason string `json:"reason"`

	// Message is a human-readable explanation.
	// +optional
	Message string `json:"message,omitempty"`

	// Producer names the controller that created the task.
	// +required
	Producer string `json:"producer"`

	// GracePeriodSeconds bounds the wait before removal. Exclusive with SuppressDeletion.
	// +optional
	GracePeriodSeconds *int32 `json:"gracePeriodSeconds,omitempty"`

	// SuppressDeletion keeps the old copy until someone clears the task.
	// +optional
	SuppressDeletion *bool `json:"suppressDeletion,omitempty"`

	// PreservedLabelState is the state extracted for injection into the new copy.
	// +optional
	PreservedLabelState map[string]string `json:"preservedLabelState,omitempty"`

	// ClustersBeforeFailover are the clusters the resource ran on before the failover.
	// +optional
	ClustersBeforeFailover []string `json:"clustersBeforeFailover,omitempty"`

	// CreationTimestamp is set by the system when the task is created.
	// +optional
	CreationTimestamp *metav1.Time `json:"creationTimestamp,omitempty"`
}

// BindingSnapshot records a dependent binding and its scheduling result.
type BindingSnapshot struct {
	// Namespace of the binding; empty for a ClusterResourceBinding.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the binding.
	// +required
	Name string `json:"name"`

	// Clusters scheduled for that binding.
	// +optional
	Clusters []TargetCluster `json:"clusters,omitempty"`
}

// ResourceBindingStatus is the observed state of a binding.
type ResourceBindingStatus struct {
	// SchedulerObservedGeneration is the generation last handled by the scheduler.
	// +optional
	SchedulerObservedGeneration int64 `json:"schedulerObservedGeneration,omitempty"`

	// SchedulerObservedAffinityName is the affinity term the current result is based on.
	// +optional
	SchedulerObservedAffinityName string `json:"schedulerObservingAffinityName,omitempty"`

	// LastScheduledTime is when the scheduler last succeeded.
	// +optional
	LastScheduledTime *metav1.Time `json:"lastScheduledTime,omitempty"`

	// Conditions: Scheduled, FullyApplied.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// AggregatedStatus is the per-cluster status of the resource.
	// +optional
	AggregatedStatus []AggregatedStatusItem `json:"aggregatedStatus,omitempty"`
}

// AggregatedStatusItem is the status of the resource in one cluster.
type AggregatedStatusItem struct {
	// ClusterName is the member cluster.
	// +required
	ClusterName string `json:"clusterName"`

	// Status is the (interpreted) status of the member copy.
	// +optional
	Status *runtime.RawExtension `json:"status,omitempty"`

	// Applied tells whether the copy was applied successfully.
	// +optional
	Applied bool `json:"applied,omitempty"`

	// AppliedMessage explains a failed apply.
	// +optional
	AppliedMessage string `json:"appliedMessage,omitempty"`

	// Health is Healthy, Unhealthy or Unknown.
	// +optional
	Health ResourceHealth `json:"health,omitempty"`
}

// Condition types of a binding.
const (
	// Scheduled reports the scheduling result.
	Scheduled string = "Scheduled"
	// FullyApplied reports whether the resource was applied to every scheduled cluster.
	FullyApplied string = "FullyApplied"
)

// Reasons of the Scheduled condition.
const (
	// BindingReasonSuccess means scheduling succeeded.
	BindingReasonSuccess = "Success"
	// BindingReasonSchedulerError means an internal error happened during scheduling.
	BindingReasonSchedulerError = "SchedulerError"
	// BindingReasonNoClusterFit means no cluster fits the placement.
	BindingReasonNoClusterFit = "NoClusterFit"
	// BindingReasonUnschedulable means scheduling is not possible now (e.g. lack of capacity).
	BindingReasonUnschedulable = "Unschedulable"
	// BindingReasonQuotaExceeded means the scheduling result was refused because it would
	// exceed a FederatedResourceQuota (FederatedQuotaEnforcement gate).
	BindingReasonQuotaExceeded = "QuotaExceeded"
)

// Reasons of the FullyApplied condition.
const (
	// FullyAppliedSuccessReason means every Work was applied.
	FullyAppliedSuccessReason = "FullyAppliedSuccess"
	// FullyAppliedFailedReason means at least one Work was not applied.
	FullyAppliedFailedReason = "FullyAppliedFailed"
	// FullyAppliedSuccessMessage is the message used with FullyAppliedSuccessReason.
	FullyAppliedSuccessMessage = "All works have been successfully applied"
	// FullyAppliedFailedMessage is the message used with FullyAppliedFailedReason.
	FullyAppliedFailedMessage = "Failed to apply all works, see status.aggregatedStatus for details"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceBindingList is a list of ResourceBinding.
type ResourceBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the bindings.
	Items []ResourceBinding `json:"items"`
}

// ResourceHealth is the health of an object in a member cluster.
type ResourceHealth string

const (
	// ResourceHealthy means the object is healthy.
	ResourceHealthy ResourceHealth = "Healthy"
	// ResourceUnhealthy means the object is unhealthy.
	ResourceUnhealthy ResourceHealth = "Unhealthy"
	// ResourceUnknown means the health could not be determined.
	ResourceUnknown ResourceHealth = "Unknown"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterResourceBinding ties a cluster-scoped resource template (or one claimed by a
// ClusterPropagationPolicy) to its placement and scheduling result.
type ClusterResourceBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired propagation of the template.
	Spec ResourceBindingSpec `json:"spec"`

	// Status is the observed scheduling and application state.
	// +optional
	Status ResourceBindingStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterResourceBindingList is a list of ClusterResourceBinding.
type ClusterResourceBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the bindings.
	Items []ClusterResourceBinding `json:"items"`
}
