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
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// FederatedHPAKind is the kind of FederatedHPA, which a CronFederatedHPA may scale.
	FederatedHPAKind = "FederatedHPA"
	// CronFederatedHPAKind is the kind of CronFederatedHPA.
	CronFederatedHPAKind = "CronFederatedHPA"
	// QuerySourceAnnotationKey names the member cluster a metric was read from.
	QuerySourceAnnotationKey = "resource.karmada.io/query-from-cluster"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedHPA scales a resource template from the metrics of its pods across the
// member clusters that run them, as a HorizontalPodAutoscaler does in one cluster.
type FederatedHPA struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what to scale and on which metrics.
	Spec FederatedHPASpec `json:"spec"`

	// Status is the last observed scaling state.
	// +optional
	Status autoscalingv2.HorizontalPodAutoscalerStatus `json:"status"`
}

// FederatedHPASpec is the desired behaviour of a FederatedHPA.
type FederatedHPASpec struct {
	// ScaleTargetRef is the template scaled (it needs a scale subresource); its pods in
	// the members give the metrics.
	ScaleTargetRef autoscalingv2.CrossVersionObjectReference `json:"scaleTargetRef"`

	// MinReplicas is the lowest replica count scaled down to. Defaults to 1.
	// +optional
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// MaxReplicas is the highest replica count scaled up to; at least minReplicas.
	MaxReplicas int32 `json:"maxReplicas"`

	// Metrics give the desired replica count (the largest over all metrics wins).
	// Defaults to 80% average CPU utilization.
	// +optional
	Metrics []autoscalingv2.MetricSpec `json:"metrics,omitempty"`

	// Behavior bounds the speed of scaling up and down; unset parts take the
	// HorizontalPodAutoscaler defaults.
	// +optional
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedHPAList is a list of FederatedHPA.
type FederatedHPAList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FederatedHPA `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronFederatedHPA scales a resource template (through its scale subresource) or a
// FederatedHPA (its min/max replicas) on cron schedules.
type CronFederatedHPA struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the target and its schedules.
	Spec CronFederatedHPASpec `json:"spec"`

	// Status records the executions of each rule.
	// +optional
	Status CronFederatedHPAStatus `json:"status"`
}

// CronFederatedHPASpec is the target and the scaling rules of a CronFederatedHPA.
type CronFederatedHPASpec struct {
	// ScaleTargetRef is a resource with a scale subresource, or a FederatedHPA.
	ScaleTargetRef autoscalingv2.CrossVersionObjectReference `json:"scaleTargetRef"`

	// Rules are the schedules and what each one sets.
	Rules []CronFederatedHPARule `json:"rules"`
}

// CronFederatedHPARule is one schedule and the replicas it sets.
type CronFederatedHPARule struct {
	// Name identifies the rule and its execution history; unique in the object,
	// 1 to 32 characters. Renaming a rule starts a new history.
	Name string `json:"name"`

	// Schedule is a standard five-field cron expression (as CronJob's).
	Schedule string `json:"schedule"`

	// TargetReplicas is set on the target's scale; required unless the target is a FederatedHPA.
	// +optional
	TargetReplicas *int32 `json:"targetReplicas,omitempty"`

	// TargetMinReplicas is set as a FederatedHPA's minReplicas; nil leaves it.
	// +optional
	TargetMinReplicas *int32 `json:"targetMinReplicas,omitempty"`

	// TargetMaxReplicas is set as a FederatedHPA's maxReplicas; nil leaves it.
	// +optional
	TargetMaxReplicas *int32 `json:"targetMaxReplicas,omitempty"`

	// Suspend stops further executions of the rule. Defaults to false.
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// TimeZone of the schedule (an IANA name); defaults to the control plane's.
	// +optional
	TimeZone *string `json:"timeZone,omitempty"`

	// SuccessfulHistoryLimit is how many successful executions are kept (1..32, default 3).
	// +optional
	SuccessfulHistoryLimit *int32 `json:"successfulHistoryLimit,omitempty"`

	// FailedHistoryLimit is how many failed executions are kept (0..32, default 3).
	// +optional
	FailedHistoryLimit *int32 `json:"failedHistoryLimit,omitempty"`
}

// CronFederatedHPAStatus is the observed state of a CronFederatedHPA.
type CronFederatedHPAStatus struct {
	// ExecutionHistories holds one entry per rule.
	// +optional
	ExecutionHistories []ExecutionHistory `json:"executionHistories,omitempty"`
}

// ExecutionHistory is the record of one rule.
type ExecutionHistory struct {
	// RuleName is the rule's name.
	RuleName string `json:"ruleName"`

	// NextExecutionTime is when the rule runs next; nil while it is suspended.
	// +optional
	NextExecutionTime *metav1.Time `json:"nextExecutionTime,omitempty"`

	// SuccessfulExecutions are the latest successful runs, newest first.
	// +optional
	SuccessfulExecutions []SuccessfulExecution `json:"successfulExecutions,omitempty"`

	// FailedExecutions are the latest failed runs, newest first.
	// +optional
	FailedExecutions []FailedExecution `json:"failedExecutions,omitempty"`
}

// SuccessfulExecution is one successful run of a rule.
type SuccessfulExecution struct {
	// ScheduleTime is the slot the run was for.
	ScheduleTime *metav1.Time `json:"scheduleTime"`

	// ExecutionTime is when it actually ran.
	ExecutionTime *metav1.Time `json:"executionTime"`

	// AppliedReplicas is the replica count set, when the rule has targetReplicas.
	// +optional
	AppliedReplicas *int32 `json:"appliedReplicas,omitempty"`

	// AppliedMaxReplicas is the maxReplicas set, when the rule has targetMaxReplicas.
	// +optional
	AppliedMaxReplicas *int32 `json:"appliedMaxReplicas,omitempty"`

	// AppliedMinReplicas is the minReplicas set, when the rule has targetMinReplicas.
	// +optional
	AppliedMinReplicas *int32 `json:"appliedMinReplicas,omitempty"`
}

// FailedExecution is one failed run of a rule.
type FailedExecution struct {
	// ScheduleTime is the slot the run was for.
	ScheduleTime *metav1.Time `json:"scheduleTime"`

	// ExecutionTime is when it actually ran.
	ExecutionTime *metav1.Time `json:"executionTime"`

	// Message says why it failed.
	Message string `json:"message"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronFederatedHPAList is a list of CronFederatedHPA.
type CronFederatedHPAList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CronFederatedHPA `json:"items"`
}
