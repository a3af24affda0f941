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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// FederatedResourceQuotaNamespaceLabel is put on the Works (and the member
	// ResourceQuotas) derived from a FederatedResourceQuota: its namespace.
	FederatedResourceQuotaNamespaceLabel = "federatedresourcequota.karmada.io/namespace"
	// FederatedResourceQuotaNameLabel is the name counterpart of
	// FederatedResourceQuotaNamespaceLabel.
	FederatedResourceQuotaNameLabel = "federatedresourcequota.karmada.io/name"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedResourceQuota limits what one namespace may consume over all member
// clusters together (overall) and, optionally, in each named cluster.
type FederatedResourceQuota struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the limits wanted.
	Spec FederatedResourceQuotaSpec `json:"spec"`

	// Status holds the limits in force and what is used.
	// +optional
	Status FederatedResourceQuotaStatus `json:"status,omitempty"`
}

// FederatedResourceQuotaSpec holds the hard limits wanted.
type FederatedResourceQuotaSpec struct {
	// Overall is the hard limit per resource name over every cluster together.
	Overall corev1.ResourceList `json:"overall"`

	// StaticAssignments are per-cluster hard limits, each turned into a
	// ResourceQuota in that cluster. Clusters not listed get an empty
	// ResourceQuota, i.e. no limit there.
	// +optional
	StaticAssignments []StaticClusterAssignment `json:"staticAssignments,omitempty"`
}

// StaticClusterAssignment is the hard limit in one cluster.
type StaticClusterAssignment struct {
	// ClusterName names the member cluster.
	ClusterName string `json:"clusterName"`

	// Hard is the hard limit per resource name in that cluster.
	Hard corev1.ResourceList `json:"hard"`
}

// FederatedResourceQuotaStatus is what is in force and what is used.
type FederatedResourceQuotaStatus struct {
	// Overall is the overall hard limit in force.
	// +optional
	Overall corev1.ResourceList `json:"overall,omitempty"`

	// OverallUsed is the usage summed over every cluster.
	// +optional
	OverallUsed corev1.ResourceList `json:"overallUsed,omitempty"`

	// AggregatedStatus is each cluster's ResourceQuota status.
	// +optional
	AggregatedStatus []ClusterQuotaStatus `json:"aggregatedStatus,omitempty"`
}

// ClusterQuotaStatus is one cluster's hard limits and usage.
type ClusterQuotaStatus struct {
	// ClusterName names the member cluster.
	ClusterName string `json:"clusterName"`

	corev1.ResourceQuotaStatus `json:",inline"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedResourceQuotaList is a list of FederatedResourceQuota.
type FederatedResourceQuotaList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FederatedResourceQuota `json:"items"`
}
