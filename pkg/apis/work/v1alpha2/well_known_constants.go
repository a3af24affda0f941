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

// Labels.
const (
	// ResourceBindingPermanentIDLabel holds the permanent id (a UUID set at creation) of a
	// ResourceBinding; it is copied onto its Works and the member objects.
	ResourceBindingPermanentIDLabel = "resourcebinding.karmada.io/permanent-id"

	// ClusterResourceBindingPermanentIDLabel is the ClusterResourceBinding counterpart.
	ClusterResourceBindingPermanentIDLabel = "clusterresourcebinding.karmada.io/permanent-id"

	// WorkPermanentIDLabel holds the permanent id of a Work.
	WorkPermanentIDLabel = "work.karmada.io/permanent-id"

	// BindingDependedByLabelKeyPrefix prefixes the label set on an attached (dependency)
	// binding; the full key is this prefix plus a hash of the referrer's namespace/name and
	// the value is the referrer's permanent id.
	BindingDependedByLabelKeyPrefix = "resourcebinding.karmada.io/depended-by-"

	// RetainReplicasLabel set to "true" on a template keeps the member clusters' replicas.
	RetainReplicasLabel = "resourcetemplate.karmada.io/retain-replicas"
	// RetainReplicasValue is the value enabling RetainReplicasLabel.
	RetainReplicasValue = "true"

	// DeletionProtectionLabelKey set to DeletionProtectionAlways forbids deleting the object.
	DeletionProtectionLabelKey = "resourcetemplate.karmada.io/deletion-protected"
	// DeletionProtectionAlways is the value enabling deletion protection.
	DeletionProtectionAlways = "Always"
)

// Annotations.
const (
	// ResourceBindingNamespaceAnnotationKey records the namespace of the owning ResourceBinding.
	ResourceBindingNamespaceAnnotationKey = "resourcebinding.karmada.io/namespace"

	// ResourceBindingNameAnnotationKey records the name of the owning ResourceBinding.
	ResourceBindingNameAnnotationKey = "resourcebinding.karmada.io/name"

	// ClusterResourceBindingAnnotationKey records the name of the owning ClusterResourceBinding.
	ClusterResourceBindingAnnotationKey = "clusterresourcebinding.karmada.io/name"

	// WorkNamespaceAnnotation on a member object records the namespace of its Work.
	WorkNamespaceAnnotation = "work.karmada.io/namespace"

	// WorkNameAnnotation on a member object records the name of its Work.
	WorkNameAnnotation = "work.karmada.io/name"

	// ResourceConflictResolutionAnnotation ("overwrite" or "abort") sets the conflict policy
	// per object; on the template it wins over the policy.
	ResourceConflictResolutionAnnotation = "work.karmada.io/conflict-resolution"
	// ResourceConflictResolutionOverwrite takes over an existing member object.
	ResourceConflictResolutionOverwrite = "overwrite"
	// ResourceConflictResolutionAbort refuses to touch an existing member object.
	ResourceConflictResolutionAbort = "abort"

	// ResourceTemplateUIDAnnotation records the uid of the template a member object comes from.
	ResourceTemplateUIDAnnotation = "resourcetemplate.karmada.io/uid"

	// ResourceTemplateGenerationAnnotationKey records the template generation a member object reflects.
	ResourceTemplateGenerationAnnotationKey = "resourcetemplate.karmada.io/generation"

	// ManagedLabels lists (sorted, comma-joined) the label keys owned by the control plane.
	ManagedLabels = "resourcetemplate.karmada.io/managed-labels"

	// ManagedAnnotation lists (sorted, comma-joined) the annotation keys owned by the control plane.
	ManagedAnnotation = "resourcetemplate.karmada.io/managed-annotations"

	// BindingDependenciesAnnotationKey on a binding holds the JSON list of its dependencies.
	BindingDependenciesAnnotationKey = "resourcebinding.karmada.io/dependencies"
)

// Finalizers.
const (
	// BindingControllerFinalizer guards a ResourceBinding until its Works are gone.
	BindingControllerFinalizer = "karmada.io/binding-controller"

	// ClusterResourceBindingControllerFinalizer guards a ClusterResourceBinding until its Works are gone.
	ClusterResourceBindingControllerFinalizer = "karmada.io/cluster-resource-binding-controller"

	// BindingDependenciesDistributorFinalizer guards a binding with propagateDeps until
	// its attached bindings are updated.
	BindingDependenciesDistributorFinalizer = "karmada.io/binding-dependencies-distributor"

	// ExecutionControllerFinalizer guards a Work until its member objects are removed.
	ExecutionControllerFinalizer = "karmada.io/execution-controller"
)

// Eviction reasons and producers used in GracefulEvictionTask.
const (
	// EvictionReasonTaintUntolerated: the cluster has a taint the resource does not tolerate.
	EvictionReasonTaintUntolerated = "TaintUntolerated"
	// EvictionReasonApplicationFailure: the application failed long enough to fail over.
	EvictionReasonApplicationFailure = "ApplicationFailure"

	// EvictionProducerTaintManager is the producer name of the taint manager.
	EvictionProducerTaintManager = "TaintManager"
)
