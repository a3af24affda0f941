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
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceInterpreterCustomization teaches the control plane, with Lua scripts, how to
// interpret one kind (usually a CRD). Its answers take precedence over the built-in ones.
type ResourceInterpreterCustomization struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec names the target kind and holds the scripts.
	// +required
	Spec ResourceInterpreterCustomizationSpec `json:"spec"`
}

// ResourceInterpreterCustomizationSpec names the target kind and holds the scripts.
type ResourceInterpreterCustomizationSpec struct {
	// Target is the kind the scripts interpret.
	// +required
	Target CustomizationTarget `json:"target"`

	// Customizations are the scripts, one per operation.
	// +required
	Customizations CustomizationRules `json:"customizations"`
}

// CustomizationTarget is the kind a customization applies to.
type CustomizationTarget struct {
	// APIVersion of the target, e.g. apps.kruise.io/v1alpha1.
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind of the target, e.g. CloneSet.
	// +required
	Kind string `json:"kind"`
}

// CustomizationRules holds one optional script per operation; an operation without a
// script keeps its built-in answer.
type CustomizationRules struct {
	// Retention keeps fields a member cluster owns: function Retain(desiredObj, observedObj).
	// +optional
	Retention *LocalValueRetention `json:"retention,omitempty"`

	// ReplicaResource gives the replicas and per-replica requirements:
	// function GetReplicas(desiredObj) returning replica, requirement.
	// +optional
	ReplicaResource *ReplicaResourceRequirement `json:"replicaResource,omitempty"`

	// ReplicaRevision sets a member's share: function ReviseReplica(desiredObj, desiredReplica).
	// +optional
	ReplicaRevision *ReplicaRevision `json:"replicaRevision,omitempty"`

	// StatusReflection picks the status to report back: function ReflectStatus(observedObj).
	// +optional
	StatusReflection *StatusReflection `json:"statusReflection,omitempty"`

	// StatusAggregation sums up the members' statuses into the template:
	// function AggregateStatus(desiredObj, statusItems).
	// +optional
	StatusAggregation *StatusAggregation `json:"statusAggregation,omitempty"`

	// HealthInterpretation judges a member's copy: function InterpretHealth(observedObj).
	// +optional
	HealthInterpretation *HealthInterpretation `json:"healthInterpretation,omitempty"`

	// DependencyInterpretation lists the objects that travel with it:
	// function GetDependencies(desiredObj).
	// +optional
	DependencyInterpretation *DependencyInterpretation `json:"dependencyInterpretation,omitempty"`
}

// LocalValueRetention holds the Lua script of the Retain operation.
type LocalValueRetention struct {
	// LuaScript defines function Retain(desiredObj, observedObj) returning the object to apply.
	// +required
	LuaScript string `json:"luaScript"`
}

// ReplicaResourceRequirement holds the Lua script of the InterpretReplica operation.
type ReplicaResourceRequirement struct {
	// LuaScript defines function GetReplicas(desiredObj) returning the replicas and a
	// ReplicaRequirements-shaped table (or nil).
	// +required
	LuaScript string `json:"luaScript"`
}

// ReplicaRevision holds the Lua script of the ReviseReplica operation.
type ReplicaRevision struct {
	// LuaScript defines function ReviseReplica(desiredObj, desiredReplica) returning the object.
	// +required
	LuaScript string `json:"luaScript"`
}

// StatusReflection holds the Lua script of the InterpretStatus operation.
type StatusReflection struct {
	// LuaScript defines function ReflectStatus(observedObj) returning the status to report.
	// +required
	LuaScript string `json:"luaScript"`
}

// StatusAggregation holds the Lua script of the AggregateStatus operation.
type StatusAggregation struct {
	// LuaScript defines function AggregateStatus(desiredObj, statusItems) returning the
	// template with its status aggregated.
	// +required
	LuaScript string `json:"luaScript"`
}

// HealthInterpretation holds the Lua script of the InterpretHealth operation.
type HealthInterpretation struct {
	// LuaScript defines function InterpretHealth(observedObj) returning a boolean.
	// +required
	LuaScript string `json:"luaScript"`
}

// DependencyInterpretation holds the Lua script of the InterpretDependency operation.
type DependencyInterpretation struct {
	// LuaScript defines function GetDependencies(desiredObj) returning a list of
	// DependentObjectReference-shaped tables.
	// +required
	LuaScript string `json:"luaScript"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceInterpreterCustomizationList is a list of ResourceInterpreterCustomizations.
type ResourceInterpreterCustomizationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResourceInterpreterCustomization `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceInterpreterWebhookConfiguration registers webhooks that interpret kinds for
// the control plane.
type ResourceInterpreterWebhookConfiguration struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Webhooks are the webhooks with the kinds and operations each answers.
	// +required
	Webhooks []ResourceInterpreterWebhook `json:"webhooks"`
}

// ResourceInterpreterWebhook is one webhook and what it answers.
type ResourceInterpreterWebhook struct {
	// Name is the fully qualified name of the webhook.
	// +required
	Name string `json:"name"`

	// ClientConfig says how to reach the webhook (url or service).
	// +required
	ClientConfig admissionregistrationv1.WebhookClientConfig `json:"clientConfig"`

	// Rules select the operations and kinds the webhook answers; any match counts.
	// +optional
	Rules []RuleWithOperations `json:"rules,omitempty"`

	// TimeoutSeconds bounds one call, 1 to 30 seconds; 10 when unset.
	// +optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// InterpreterContextVersions lists the ResourceInterpreterContext versions the
	// webhook understands, preferred first.
	InterpreterContextVersions []string `json:"interpreterContextVersions"`
}

// RuleWithOperations is a set of operations and the kinds they apply to.
type RuleWithOperations struct {
	// Operations the webhook answers; "*" alone means all.
	// +required
	Operations []InterpreterOperation `json:"operations"`

	// Rule selects the kinds.
	Rule `json:",inline"`
}

// InterpreterOperation names one interpreter operation.
type InterpreterOperation string

// The interpreter operations.
const (
	InterpreterOperationAll                 InterpreterOperation = "*"
	InterpreterOperationInterpretReplica    InterpreterOperation = "InterpretReplica"
	InterpreterOperationInterpretComponent  InterpreterOperation = "InterpretComponent"
	InterpreterOperationReviseReplica       InterpreterOperation = "ReviseReplica"
	InterpreterOperationReviseComponents    InterpreterOperation = "ReviseComponents"
	InterpreterOperationInterpretStatus     InterpreterOperation = "InterpretStatus"
	InterpreterOperationPrune               InterpreterOperation = "Prune"
	InterpreterOperationRetain              InterpreterOperation = "Retain"
	InterpreterOperationAggregateStatus     InterpreterOperation = "AggregateStatus"
	InterpreterOperationInterpretHealth     InterpreterOperation = "InterpretHealth"
	InterpreterOperationInterpretDependency InterpreterOperation = "InterpretDependency"
)

// Rule selects kinds by API group, version and kind; "*" alone matches all.
type Rule struct {
	// APIGroups of the kinds; "" is the core group.
	// +required
	APIGroups []string `json:"apiGroups"`

	// APIVersions of the kinds.
	// +required
	APIVersions []string `json:"apiVersions"`

	// Kinds selected.
	// +required
	Kinds []string `json:"kinds"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceInterpreterWebhookConfigurationList is a list of
// ResourceInterpreterWebhookConfigurations.
type ResourceInterpreterWebhookConfigurationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the configurations.
	Items []ResourceInterpreterWebhookConfiguration `json:"items"`
}
