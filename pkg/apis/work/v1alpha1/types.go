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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Names and scope of the Work resource.
const (
	ResourceKindWork            = "Work"
	ResourceSingularWork        = "work"
	ResourcePluralWork          = "works"
	ResourceNamespaceScopedWork = true
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Work carries the manifests to apply to one member cluster; it lives in that
// cluster's execution namespace.
type Work struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the manifests.
	Spec WorkSpec `json:"spec"`

	// Status reports how the manifests fared on the member cluster.
	// +optional
	Status WorkStatus `json:"status,omitempty"`
}

// WorkSpec is the desired state of a Work.
type WorkSpec struct {
	// Workload is the set of manifests to apply.
	Workload WorkloadTemplate `json:"workload,omitempty"`

	// SuspendDispatching, when true, stops applying the manifests to the member
	// cluster (status collection continues). nil means not suspended.
	// +optional
	SuspendDispatching *bool `json:"suspendDispatching,omitempty"`

	// PreserveResourcesOnDeletion keeps the applied objects in the member cluster
	// when the Work is deleted.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`
}

// WorkloadTemplate is a list of manifests.
type WorkloadTemplate struct {
	// Manifests are the Kubernetes objects to apply.
	// +optional
	Manifests []Manifest `json:"manifests,omitempty"`
}

// Manifest is one arbitrary Kubernetes object.
type Manifest struct {
	runtime.RawExtension `json:",inline"`
}

// WorkStatus is the observed state of a Work.
type WorkStatus struct {
	// Conditions: Applied, Progressing, Available, Degraded, Dispatching.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// ManifestStatuses report the state of each manifest in the member cluster.
	// +optional
	ManifestStatuses []ManifestStatus `json:"manifestStatuses,omitempty"`
}

// ManifestStatus is the state of one manifest.
type ManifestStatus struct {
	// Identifier links the status to a manifest of the spec.
	// +required
	Identifier ResourceIdentifier `json:"identifier"`

	// Status is the (interpreted) status of the object in the member cluster.
	// +optional
	Status *runtime.RawExtension `json:"status,omitempty"`

	// Health is Healthy, Unhealthy or Unknown.
	// +optional
	Health ResourceHealth `json:"health,omitempty"`
}

// ResourceIdentifier identifies one object of a Work.
type ResourceIdentifier struct {
	// Ordinal is the index of the manifest in spec.workload.manifests.
	Ordinal int `json:"ordinal"`

	// Group of the object.
	Group string `json:"group,omitempty"`

	// Version of the object.
	Version string `json:"version"`

	// Kind of the object.
	Kind string `json:"kind"`

	// Resource is the plural resource name.
	Resource string `json:"resource"`

	// Namespace of the object; empty for cluster-scoped objects.
	Namespace string `json:"namespace,omitempty"`

	// Name of the object.
	Name string `json:"name"`
}

// Condition types of a Work.
const (
	// WorkApplied means the manifests were applied to the member cluster.
	WorkApplied string = "Applied"
	// WorkProgressing means applying is in progress.
	WorkProgressing string = "Progressing"
	// WorkAvailable means all the objects exist in the member cluster.
	WorkAvailable string = "Available"
	// WorkDegraded means the objects have not reached the desired state for a while.
	WorkDegraded string = "Degraded"
	// WorkDispatching reports whether dispatching is currently suspended.
	WorkDispatching string = "Dispatching"
)

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

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkList is a list of Work.
type WorkList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the works.
	Items []Work `json:"items"`
}
