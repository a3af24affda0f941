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

// Labels.
const (
	// PropagationPolicyPermanentIDLabel holds the permanent id (a UUID set at creation) of a
	// PropagationPolicy; it is copied onto the templates and bindings the policy claims.
	PropagationPolicyPermanentIDLabel = "propagationpolicy.karmada.io/permanent-id"

	// ClusterPropagationPolicyPermanentIDLabel is the ClusterPropagationPolicy counterpart.
	ClusterPropagationPolicyPermanentIDLabel = "clusterpropagationpolicy.karmada.io/permanent-id"

	// PropagationPolicyNamespaceLabel is the legacy label form of the claiming policy's namespace.
	// Deprecated: use PropagationPolicyNamespaceAnnotation.
	PropagationPolicyNamespaceLabel = "propagationpolicy.karmada.io/namespace"

	// PropagationPolicyNameLabel is the legacy label form of the claiming policy's name.
	// Deprecated: use PropagationPolicyNameAnnotation.
	PropagationPolicyNameLabel = "propagationpolicy.karmada.io/name"

	// ClusterPropagationPolicyLabel is the legacy label form of the claiming cluster policy's name.
	// Deprecated: use ClusterPropagationPolicyAnnotation.
	ClusterPropagationPolicyLabel = "clusterpropagationpolicy.karmada.io/name"

	// NamespaceSkipAutoPropagationLabel set to "true" on a Namespace keeps it from being
	// propagated to member clusters automatically.
	NamespaceSkipAutoPropagationLabel = "namespace.karmada.io/skip-auto-propagation"

	// ManagedByKarmadaLabel marks member-cluster objects managed by the control plane.
	ManagedByKarmadaLabel = "karmada.io/managed"
	// ManagedByKarmadaLabelValue is the value of ManagedByKarmadaLabel.
	ManagedByKarmadaLabelValue = "true"
)

// Annotations.
const (
	// PropagationPolicyNamespaceAnnotation records the namespace of the claiming PropagationPolicy.
	PropagationPolicyNamespaceAnnotation = "propagationpolicy.karmada.io/namespace"

	// PropagationPolicyNameAnnotation records the name of the claiming PropagationPolicy.
	PropagationPolicyNameAnnotation = "propagationpolicy.karmada.io/name"

	// ClusterPropagationPolicyAnnotation records the name of the claiming ClusterPropagationPolicy.
	ClusterPropagationPolicyAnnotation = "clusterpropagationpolicy.karmada.io/name"

	// PolicyPlacementAnnotation on a binding holds the JSON of the placement last scheduled.
	PolicyPlacementAnnotation = "policy.karmada.io/applied-placement"

	// AppliedOverrides on a Work lists the OverridePolicies applied, as JSON.
	AppliedOverrides = "policy.karmada.io/applied-overrides"

	// AppliedClusterOverrides on a Work lists the ClusterOverridePolicies applied, as JSON.
	AppliedClusterOverrides = "policy.karmada.io/applied-cluster-overrides"
)

// Finalizers.
const (
	// PropagationPolicyControllerFinalizer guards a PropagationPolicy until its claims are released.
	PropagationPolicyControllerFinalizer = "karmada.io/propagation-policy-controller"

	// ClusterPropagationPolicyControllerFinalizer guards a ClusterPropagationPolicy until its claims are released.
	ClusterPropagationPolicyControllerFinalizer = "karmada.io/cluster-propagation-policy-controller"
)

// Defaults referenced by the API.
const (
	// DefaultSchedulerName is used when PropagationSpec.SchedulerName is empty.
	DefaultSchedulerName = "default-scheduler"
)
