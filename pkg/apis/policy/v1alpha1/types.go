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

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names and scopes of the policy resources.
const (
	ResourceKindPropagationPolicy            = "PropagationPolicy"
	ResourceSingularPropagationPolicy        = "propagationpolicy"
	ResourcePluralPropagationPolicy          = "propagationpolicies"
	ResourceNamespaceScopedPropagationPolicy = true

	ResourceKindClusterPropagationPolicy            = "ClusterPropagationPolicy"
	ResourceSingularClusterPropagationPolicy        = "clusterpropagationpolicy"
	ResourcePluralClusterPropagationPolicy          = "clusterpropagationpolicies"
	ResourceNamespaceScopedClusterPropagationPolicy = false

	ResourceKindOverridePolicy            = "OverridePolicy"
	ResourceSingularOverridePolicy        = "overridepolicy"
	ResourcePluralOverridePolicy          = "overridepolicies"
	ResourceNamespaceScopedOverridePolicy = true

	ResourceKindClusterOverridePolicy            = "ClusterOverridePolicy"
	ResourceSingularClusterOverridePolicy        = "clusteroverridepolicy"
	ResourcePluralClusterOverridePolicy          = "clusteroverridepolicies"
	ResourceNamespaceScopedClusterOverridePolicy = false
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PropagationPolicy selects resource templates in its namespace and says where to propagate them.
type PropagationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the propagation rule.
	// +required
	Spec PropagationSpec `json:"spec"`
}

// PropagationSpec is the rule shared by PropagationPolicy and ClusterPropagationPolicy.
type PropagationSpec struct {
	// ResourceSelectors pick the resource templates this policy applies to; at least one is required.
	// +required
	ResourceSelectors []ResourceSelector `json:"resourceSelectors"`

	// Association is the old name of PropagateDeps.
	// Deprecated: use PropagateDeps.
	// +optional
	Association bool `json:"association,omitempty"`

	// PropagateDeps also propagates the objects a selected workload refers to
	// (ConfigMaps, Secrets, ...), and moves them with it on failover.
	// +optional
	PropagateDeps bool `json:"propagateDeps,omitempty"`

	// Placement decides which member clusters receive the resources.
	// +optional
	Placement Placement `json:"placement,omitempty"`

	// Priority ranks competing policies; higher wins. Defaults to 0.
	// +optional
	Priority *int32 `json:"priority,omitempty"`

	// Preemption says whether this policy may take over templates claimed by
	// lower-priority policies ("Always" or "Never"; default "Never").
	// +optional
	Preemption PreemptionBehavior `json:"preemption,omitempty"`

	// DependentOverrides names OverridePolicies that must exist before this policy takes effect.
	// +optional
	DependentOverrides []string `json:"dependentOverrides,omitempty"`

	// SchedulerName selects the scheduler; defaults to "default-scheduler".
	// +optional
	SchedulerName string `json:"schedulerName,omitempty"`

	// Failover configures migration on application or cluster failure; nil disables it.
	// +optional
	Failover *FailoverBehavior `json:"failover,omitempty"`

	// ConflictResolution says what to do when the object already exists in a member
	// cluster ("Abort" or "Overwrite"; default "Abort").
	// +optional
	ConflictResolution ConflictResolution `json:"conflictResolution,omitempty"`

	// ActivationPreference "Lazy" defers policy changes until the template itself changes.
	// Empty means changes apply immediately.
	// +optional
	ActivationPreference ActivationPreference `json:"activationPreference,omitempty"`

	// Suspension pauses parts of the propagation; nil means nothing is suspended.
	// +optional
	Suspension *Suspension `json:"suspension,omitempty"`

	// PreserveResourcesOnDeletion keeps member copies when the template is deleted. Defaults to false.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`

	// SchedulePriority controls the scheduling priority of the selected workloads.
	// +optional
	SchedulePriority *SchedulePriority `json:"schedulePriority,omitempty"`
}

// ResourceSelector matches resource templates.
type ResourceSelector struct {
	// APIVersion of the target resources.
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind of the target resources.
	// +required
	Kind string `json:"kind"`

	// Namespace of the target resources; empty means the policy's own scope.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the target resource; empty selects all.
	// +optional
	Name string `json:"name,omitempty"`

	// LabelSelector filters by labels; ignored when Name is set.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
}

// FieldSelector filters clusters by fields (provider, region, zone).
type FieldSelector struct {
	// MatchExpressions are ANDed field requirements.
	MatchExpressions []corev1.NodeSelectorRequirement `json:"matchExpressions,omitempty"`
}

// Suspension pauses parts of propagation.
type Suspension struct {
	// Dispatching, when true, stops dispatching to every cluster.
	// Mutually exclusive with DispatchingOnClusters.
	// +optional
	Dispatching *bool `json:"dispatching,omitempty"`

	// DispatchingOnClusters stops dispatching to the listed clusters only.
	// +optional
	DispatchingOnClusters *SuspendClusters `json:"dispatchingOnClusters,omitempty"`
}

// SuspendClusters names clusters to suspend.
type SuspendClusters struct {
	// ClusterNames lists the clusters.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`
}

// PurgeMode says how the copy left on the old cluster is removed after a migration.
type PurgeMode string

const (
	// PurgeModeDirectly removes the old copy right away.
	PurgeModeDirectly PurgeMode = "Directly"
	// PurgeModeGracefully removes the old copy once the new one is healthy or a timeout passes.
	PurgeModeGracefully PurgeMode = "Gracefully"
	// PurgeModeNever leaves the old copy for the user to clean up.
	PurgeModeNever PurgeMode = "Never"

	// Immediately is the legacy spelling of PurgeModeDirectly.
	// Deprecated: use PurgeModeDirectly.
	Immediately PurgeMode = "Immediately"
	// Graciously is the legacy spelling of PurgeModeGracefully.
	// Deprecated: use PurgeModeGracefully.
	Graciously PurgeMode = "Graciously"
	// Never is the legacy name of PurgeModeNever.
	// Deprecated: use PurgeModeNever.
	Never PurgeMode = "Never"
)

// FailoverBehavior configures failover.
type FailoverBehavior struct {
	// Application configures failover when the application is unhealthy; nil disables it.
	// Requires PropagateDeps.
	// +optional
	Application *ApplicationFailoverBehavior `json:"application,omitempty"`

	// Cluster configures failover when a cluster fails; nil disables it.
	// +optional
	Cluster *ClusterFailoverBehavior `json:"cluster,omitempty"`
}

// ApplicationFailoverBehavior configures application failover.
type ApplicationFailoverBehavior struct {
	// DecisionConditions must all hold before failover starts.
	// +required
	DecisionConditions DecisionConditions `json:"decisionConditions"`

	// PurgeMode for the old copy; defaults to "Gracefully".
	// +optional
	PurgeMode PurgeMode `json:"purgeMode,omitempty"`

	// GracePeriodSeconds bounds the wait before removing the old copy when
	// PurgeMode is Gracefully; defaults to 600.
	// +optional
	GracePeriodSeconds *int32 `json:"gracePeriodSeconds,omitempty"`

	// StatePreservation carries state from the old copy to the new one.
	// +optional
	StatePreservation *StatePreservation `json:"statePreservation,omitempty"`
}

// ClusterFailoverBehavior configures cluster failover.
type ClusterFailoverBehavior struct {
	// PurgeMode for the old copy; defaults to "Gracefully".
	// +optional
	PurgeMode PurgeMode `json:"purgeMode,omitempty"`

	// StatePreservation carries state from the old copy to the new one.
	// +optional
	StatePreservation *StatePreservation `json:"statePreservation,omitempty"`
}

// DecisionConditions gate application failover.
type DecisionConditions struct {
	// TolerationSeconds is how long the application may stay unhealthy before failover; defaults to 300.
	// +optional
	TolerationSeconds *int32 `json:"tolerationSeconds,omitempty"`
}

// StatePreservation lists the state extracted from the old copy during failover.
type StatePreservation struct {
	// Rules to evaluate against the old copy's status.
	// +required
	Rules []StatePreservationRule `json:"rules"`
}

// StatePreservationRule extracts one value and passes it to the new copy as a label.
type StatePreservationRule struct {
	// AliasLabelName is the label key that carries the value.
	// +required
	AliasLabelName string `json:"aliasLabelName"`

	// JSONPath is evaluated against the object's status, e.g. "{.availableReplicas}".
	// +required
	JSONPath string `json:"jsonPath"`
}

// Placement decides target clusters.
type Placement struct {
	// ClusterAffinity restricts candidate clusters. Mutually exclusive with ClusterAffinities.
	// +optional
	ClusterAffinity *ClusterAffinity `json:"clusterAffinity,omitempty"`

	// ClusterAffinities are ordered fallback groups of clusters; the first group
	// that can satisfy the placement is used.
	// +optional
	ClusterAffinities []ClusterAffinityTerm `json:"clusterAffinities,omitempty"`

	// ClusterTolerations let the resources land on clusters with matching taints.
	// +optional
	ClusterTolerations []corev1.Toleration `json:"clusterTolerations,omitempty"`

	// SpreadConstraints spread the resources over groups of clusters.
	// +optional
	SpreadConstraints []SpreadConstraint `json:"spreadConstraints,omitempty"`

	// ReplicaScheduling says how replicas are shared between clusters.
	// +optional
	ReplicaScheduling *ReplicaSchedulingStrategy `json:"replicaScheduling,omitempty"`

	// WorkloadAffinity co-locates workloads of one group on the same clusters, or keeps
	// them apart, across separately propagated templates. It takes effect with the
	// WorkloadAffinity feature gate.
	// +optional
	WorkloadAffinity *WorkloadAffinity `json:"workloadAffinity,omitempty"`
}

// WorkloadAffinity holds the inter-workload affinity and anti-affinity rules. Both are
// hard requirements; a group is the set of templates in one namespace whose label under
// the term's groupByLabelKey has the same value.
type WorkloadAffinity struct {
	// Affinity schedules the workload only to clusters where every other scheduled
	// workload of its affinity group runs. The first workload of a group is scheduled
	// as if there were no rule.
	// +optional
	Affinity *WorkloadAffinityTerm `json:"affinity,omitempty"`

	// AntiAffinity keeps the workload off the clusters where other workloads of its
	// anti-affinity group run.
	// +optional
	AntiAffinity *WorkloadAntiAffinityTerm `json:"antiAffinity,omitempty"`
}

// WorkloadAffinityTerm names the label that forms affinity groups.
type WorkloadAffinityTerm struct {
	// GroupByLabelKey is a label key on the resource template; templates with the same
	// value under it (in the same namespace) form one affinity group. A template without
	// the label belongs to no group.
	// +required
	GroupByLabelKey string `json:"groupByLabelKey"`
}

// WorkloadAntiAffinityTerm names the label that forms anti-affinity groups.
type WorkloadAntiAffinityTerm struct {
	// GroupByLabelKey is a label key on the resource template; templates with the same
	// value under it (in the same namespace) form one anti-affinity group. A template
	// without the label belongs to no group.
	// +required
	GroupByLabelKey string `json:"groupByLabelKey"`
}

// SpreadFieldValue is a cluster field usable for spreading.
type SpreadFieldValue string

// Fields usable in SpreadConstraint.SpreadByField.
const (
	SpreadByFieldCluster  SpreadFieldValue = "cluster"
	SpreadByFieldRegion   SpreadFieldValue = "region"
	SpreadByFieldZone     SpreadFieldValue = "zone"
	SpreadByFieldProvider SpreadFieldValue = "provider"
)

// SpreadConstraint spreads resources over cluster groups.
type SpreadConstraint struct {
	// SpreadByField groups clusters by a cluster field. Exclusive with SpreadByLabel;
	// when both are empty it defaults to "cluster".
	// +optional
	SpreadByField SpreadFieldValue `json:"spreadByField,omitempty"`

	// SpreadByLabel groups clusters by the value of a label key.
	// +optional
	SpreadByLabel string `json:"spreadByLabel,omitempty"`

	// MaxGroups is the most groups to select.
	// +optional
	MaxGroups int `json:"maxGroups,omitempty"`

	// MinGroups is the fewest groups to select; defaults to 1.
	// +optional
	MinGroups int `json:"minGroups,omitempty"`
}

// ClusterAffinity selects clusters.
type ClusterAffinity struct {
	// LabelSelector matches cluster labels.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`

	// FieldSelector matches cluster fields (provider, region, zone) with In/NotIn.
	// +optional
	FieldSelector *FieldSelector `json:"fieldSelector,omitempty"`

	// ClusterNames lists clusters by name.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`

	// ExcludeClusters lists clusters never selected.
	// +optional
	ExcludeClusters []string `json:"exclude,omitempty"`
}

// ClusterAffinityTerm is a named group of clusters.
type ClusterAffinityTerm struct {
	// AffinityName names the group (1-32 characters, unique in the list).
	// +required
	AffinityName string `json:"affinityName"`

	ClusterAffinity `json:",inline"`
}

// ReplicaSchedulingType is how replicas are handled.
type ReplicaSchedulingType string

const (
	// ReplicaSchedulingTypeDuplicated gives every selected cluster the full replica count.
	ReplicaSchedulingTypeDuplicated ReplicaSchedulingType = "Duplicated"
	// ReplicaSchedulingTypeDivided shares the replica count between the selected clusters.
	ReplicaSchedulingTypeDivided ReplicaSchedulingType = "Divided"
)

// ReplicaDivisionPreference is how divided replicas are shared.
type ReplicaDivisionPreference string

const (
	// ReplicaDivisionPreferenceAggregated packs replicas into as few clusters as capacity allows.
	ReplicaDivisionPreferenceAggregated ReplicaDivisionPreference = "Aggregated"
	// ReplicaDivisionPreferenceWeighted shares replicas by weight.
	ReplicaDivisionPreferenceWeighted ReplicaDivisionPreference = "Weighted"
)

// ReplicaSchedulingStrategy is the replica assignment strategy.
type ReplicaSchedulingStrategy struct {
	// ReplicaSchedulingType is "Duplicated" or "Divided"; defaults to "Divided".
	// +optional
	ReplicaSchedulingType ReplicaSchedulingType `json:"replicaSchedulingType,omitempty"`

	// ReplicaDivisionPreference applies to "Divided": "Aggregated" or "Weighted".
	// +optional
	ReplicaDivisionPreference ReplicaDivisionPreference `json:"replicaDivisionPreference,omitempty"`

	// WeightPreference gives the weights for "Weighted"; unset means equal weights.
	// +optional
	WeightPreference *ClusterPreferences `json:"weightPreference,omitempty"`
}

// ClusterPreferences are cluster weights.
type ClusterPreferences struct {
	// StaticWeightList assigns fixed weights to groups of clusters.
	// +optional
	StaticWeightList []StaticClusterWeight `json:"staticWeightList,omitempty"`

	// DynamicWeight derives weights from a factor; when set, StaticWeightList is ignored.
	// +optional
	DynamicWeight DynamicWeightFactor `json:"dynamicWeight,omitempty"`
}

// StaticClusterWeight is a fixed weight for a set of clusters.
type StaticClusterWeight struct {
	// TargetCluster selects the clusters.
	// +required
	TargetCluster ClusterAffinity `json:"targetCluster"`

	// Weight is the weight of those clusters (at least 1).
	// +required
	Weight int64 `json:"weight"`
}

// DynamicWeightFactor is the factor used for dynamic weights.
type DynamicWeightFactor string

const (
	// DynamicWeightByAvailableReplicas weighs clusters by how many replicas they can still host.
	DynamicWeightByAvailableReplicas DynamicWeightFactor = "AvailableReplicas"
)

// PreemptionBehavior says whether a policy may preempt lower-priority claims.
// +enum
type PreemptionBehavior string

const (
	// PreemptAlways allows preemption.
	PreemptAlways PreemptionBehavior = "Always"
	// PreemptNever forbids preemption.
	PreemptNever PreemptionBehavior = "Never"
)

// ConflictResolution says how to treat an object that already exists in a member cluster.
type ConflictResolution string

const (
	// ConflictOverwrite takes the existing object over.
	ConflictOverwrite ConflictResolution = "Overwrite"
	// ConflictAbort stops propagating to that cluster.
	ConflictAbort ConflictResolution = "Abort"
)

// ActivationPreference says when policy changes reach already-claimed templates.
type ActivationPreference string

const (
	// LazyActivation applies policy changes only when a template is next updated.
	LazyActivation ActivationPreference = "Lazy"
)

// SchedulePriority picks the priority class used when scheduling the workloads.
type SchedulePriority struct {
	// PriorityClassSource says where the priority class is looked up.
	// +required
	PriorityClassSource PriorityClassSource `json:"priorityClassSource"`

	// PriorityClassName names the priority class.
	// +required
	PriorityClassName string `json:"priorityClassName"`
}

// PriorityClassSource is where a priority class is looked up.
type PriorityClassSource string

const (
	// FederatedPriorityClass uses a control-plane federated priority class (not implemented).
	FederatedPriorityClass PriorityClassSource = "FederatedPriorityClass"
	// KubePriorityClass uses a scheduling.k8s.io/v1 PriorityClass.
	KubePriorityClass PriorityClassSource = "KubePriorityClass"
	// PodPriorityClass uses the pod template's priorityClassName (not implemented).
	PodPriorityClass PriorityClassSource = "PodPriorityClass"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PropagationPolicyList is a list of PropagationPolicy.
type PropagationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PropagationPolicy `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterPropagationPolicy is the cluster-scoped PropagationPolicy: it can select
// cluster-scoped templates and templates in any non-reserved namespace.
type ClusterPropagationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the propagation rule.
	// +required
	Spec PropagationSpec `json:"spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterPropagationPolicyList is a list of ClusterPropagationPolicy.
type ClusterPropagationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterPropagationPolicy `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OverridePolicy changes resource templates per target cluster, within its namespace.
type OverridePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the override rule.
	Spec OverrideSpec `json:"spec"`
}

// OverrideSpec is the rule shared by OverridePolicy and ClusterOverridePolicy.
type OverrideSpec struct {
	// ResourceSelectors restrict the templates affected; empty means all in scope.
	// +optional
	ResourceSelectors []ResourceSelector `json:"resourceSelectors,omitempty"`

	// OverrideRules are applied in order, each to the clusters it targets.
	// +optional
	OverrideRules []RuleWithCluster `json:"overrideRules,omitempty"`

	// TargetCluster restricts the top-level Overriders to matching clusters; nil means all.
	// Deprecated: use OverrideRules.
	// +optional
	TargetCluster *ClusterAffinity `json:"targetCluster,omitempty"`

	// Overriders applied to TargetCluster.
	// Deprecated: use OverrideRules.
	// +optional
	Overriders Overriders `json:"overriders"`
}

// RuleWithCluster binds overriders to a set of clusters.
type RuleWithCluster struct {
	// TargetCluster selects the clusters; nil means all.
	// +optional
	TargetCluster *ClusterAffinity `json:"targetCluster,omitempty"`

	// Overriders to apply.
	// +required
	Overriders Overriders `json:"overriders"`
}

// Overriders are the available modifications. They are applied in the order:
// image, command, args, labels, annotations, field, plaintext.
type Overriders struct {
	// Plaintext are raw JSON patch operations.
	// +optional
	Plaintext []PlaintextOverrider `json:"plaintext,omitempty"`

	// ImageOverrider edits container images.
	// +optional
	ImageOverrider []ImageOverrider `json:"imageOverrider,omitempty"`

	// CommandOverrider edits container commands.
	// +optional
	CommandOverrider []CommandArgsOverrider `json:"commandOverrider,omitempty"`

	// ArgsOverrider edits container args.
	// +optional
	ArgsOverrider []CommandArgsOverrider `json:"argsOverrider,omitempty"`

	// LabelsOverrider edits the object's labels.
	// +optional
	LabelsOverrider []LabelAnnotationOverrider `json:"labelsOverrider,omitempty"`

	// AnnotationsOverrider edits the object's annotations.
	// +optional
	AnnotationsOverrider []LabelAnnotationOverrider `json:"annotationsOverrider,omitempty"`

	// FieldOverrider edits JSON or YAML documents embedded in string fields.
	// +optional
	FieldOverrider []FieldOverrider `json:"fieldOverrider,omitempty"`
}

// LabelAnnotationOverrider edits labels or annotations.
type LabelAnnotationOverrider struct {
	// Operator is add, remove or replace.
	// +required
	Operator OverriderOperator `json:"operator"`

	// Value holds the keys (and values) to operate on.
	// +required
	Value map[string]string `json:"value,omitempty"`
}

// ImageOverrider edits one component of container images.
type ImageOverrider struct {
	// Predicate picks the image field by path; nil means every container image
	// of well-known workload kinds.
	// +optional
	Predicate *ImagePredicate `json:"predicate,omitempty"`

	// Component is the part of "[registry/]repository[:tag]" to edit.
	// +required
	Component ImageComponent `json:"component"`

	// Operator is add, remove or replace.
	// +required
	Operator OverriderOperator `json:"operator"`

	// Value is required for add and replace, ignored for remove.
	// +optional
	Value string `json:"value,omitempty"`
}

// ImagePredicate picks an image field.
type ImagePredicate struct {
	// Path is the JSON pointer of the image field.
	// +required
	Path string `json:"path"`
}

// ImageComponent is a part of an image reference.
type ImageComponent string

// CommandArgsOverrider edits a container's command or args.
type CommandArgsOverrider struct {
	// ContainerName is the container to edit.
	// +required
	ContainerName string `json:"containerName"`

	// Operator is add or remove.
	// +required
	Operator OverriderOperator `json:"operator"`

	// Value is appended (add) or removed (remove).
	// +optional
	Value []string `json:"value,omitempty"`
}

// Image components.
const (
	Registry   ImageComponent = "Registry"
	Repository ImageComponent = "Repository"
	Tag        ImageComponent = "Tag"
)

// PlaintextOverrider is one JSON patch operation on the object.
type PlaintextOverrider struct {
	// Path is the JSON pointer to operate on.
	Path string `json:"path"`
	// Operator is add, remove or replace.
	Operator OverriderOperator `json:"operator"`
	// Value for add and replace; must be empty for remove.
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}

// OverriderOperator is an override operation.
type OverriderOperator string

// Override operations.
const (
	OverriderOpAdd     OverriderOperator = "add"
	OverriderOpRemove  OverriderOperator = "remove"
	OverriderOpReplace OverriderOperator = "replace"
)

// FieldOverrider edits a JSON or YAML document stored in a string field
// (for example a ConfigMap key). Exactly one of JSON or YAML is set.
type FieldOverrider struct {
	// FieldPath is the JSON pointer of the string field, e.g. "/data/config.yaml".
	// +required
	FieldPath string `json:"fieldPath"`

	// JSON operations on the embedded JSON document.
	// +optional
	JSON []JSONPatchOperation `json:"json,omitempty"`

	// YAML operations on the embedded YAML document.
	// +optional
	YAML []YAMLPatchOperation `json:"yaml,omitempty"`
}

// JSONPatchOperation is one operation on an embedded JSON document.
type JSONPatchOperation struct {
	// SubPath is the JSON pointer inside the embedded document.
	// +required
	SubPath string `json:"subPath"`

	// Operator is add, remove or replace.
	// +required
	Operator OverriderOperator `json:"operator"`

	// Value for add and replace.
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}

// YAMLPatchOperation is one operation on an embedded YAML document.
type YAMLPatchOperation struct {
	// SubPath is the JSON pointer inside the embedded document.
	// +required
	SubPath string `json:"subPath"`

	// Operator is add, remove or replace.
	// +required
	Operator OverriderOperator `json:"operator"`

	// Value for add and replace.
	// +optional
	Value apiextensionsv1.JSON `json:"value,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OverridePolicyList is a list of OverridePolicy.
type OverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the policies.
	Items []OverridePolicy `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterOverridePolicy is the cluster-scoped OverridePolicy.
type ClusterOverridePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the override rule.
	Spec OverrideSpec `json:"spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterOverridePolicyList is a list of ClusterOverridePolicy.
type ClusterOverridePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the policies.
	Items []ClusterOverridePolicy `json:"items"`
}
