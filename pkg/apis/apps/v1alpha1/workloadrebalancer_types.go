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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadRebalancer asks for a fresh scheduling of the listed workloads, once,
// ignoring where their replicas are now.
type WorkloadRebalancer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec lists the workloads to reschedule.
	Spec WorkloadRebalancerSpec `json:"spec"`

	// Status reports each workload's outcome.
	// +optional
	Status WorkloadRebalancerStatus `json:"status,omitempty"`
}

// WorkloadRebalancerSpec lists the workloads to reschedule.
type WorkloadRebalancerSpec struct {
	// Workloads are the resource templates to reschedule; at least one.
	Workloads []ObjectReference `json:"workloads"`

	// TTLSecondsAfterFinished, when set, deletes the rebalancer that many seconds
	// after every workload has a result (0: right away). Unset: kept.
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
}

// ObjectReference names one resource template.
type ObjectReference struct {
	// APIVersion of the template, e.g. apps/v1.
	APIVersion string `json:"apiVersion"`

	// Kind of the template, e.g. Deployment.
	Kind string `json:"kind"`

	// Name of the template.
	Name string `json:"name"`

	// Namespace of the template; empty for cluster-scoped kinds.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// WorkloadRebalancerStatus reports the outcome per workload.
type WorkloadRebalancerStatus struct {
	// ObservedWorkloads holds one entry per workload of the spec.
	// +optional
	ObservedWorkloads []ObservedWorkload `json:"observedWorkloads,omitempty"`

	// ObservedGeneration is the generation the results belong to.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// FinishTime is when every workload got a result.
	// +optional
	FinishTime *metav1.Time `json:"finishTime,omitempty"`
}

// ObservedWorkload is one workload's outcome.
type ObservedWorkload struct {
	// Workload is the template concerned.
	Workload ObjectReference `json:"workload"`

	// Result is Successful or Failed; empty while pending.
	// +optional
	Result RebalanceResult `json:"result,omitempty"`

	// Reason says why it failed.
	// +optional
	Reason RebalanceFailedReason `json:"reason,omitempty"`
}

// RebalanceResult is the outcome for one workload.
type RebalanceResult string

const (
	// RebalanceFailed means the workload could not be rescheduled.
	RebalanceFailed RebalanceResult = "Failed"
	// RebalanceSuccessful means a fresh scheduling was triggered.
	RebalanceSuccessful RebalanceResult = "Successful"
)

// RebalanceFailedReason says why a workload failed.
type RebalanceFailedReason string

const (
	// RebalanceObjectNotFound means the workload has no binding (no template, or
	// no policy propagates it).
	RebalanceObjectNotFound RebalanceFailedReason = "ReferencedBindingNotFound"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadRebalancerList is a list of WorkloadRebalancer.
type WorkloadRebalancerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the rebalancers.
	Items []WorkloadRebalancer `json:"items"`
}
