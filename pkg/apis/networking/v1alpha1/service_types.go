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

// Names and scope of the MultiClusterService resource, and the condition types its
// controllers write.
const (
	ResourceKindMultiClusterService            = "MultiClusterService"
	ResourceSingularMultiClusterService        = "multiclusterservice"
	ResourcePluralMultiClusterService          = "multiclusterservices"
	ResourceNamespaceScopedMultiClusterService = true

	// MCSServiceAppliedConditionType reports whether the Service was propagated to the
	// provider and consumer clusters.
	MCSServiceAppliedConditionType = "ServiceApplied"
	// EndpointSliceDispatched reports whether the providers' EndpointSlices reached the
	// consumer clusters.
	EndpointSliceDispatched = "EndpointSliceDispatched"
)

// Labels and annotations of MultiClusterService.
const (
	// MultiClusterServicePermanentIDLabel identifies a MultiClusterService for its whole
	// life (set on create); the Works made for it carry it too.
	MultiClusterServicePermanentIDLabel = "multiclusterservice.karmada.io/permanent-id"
	// MultiClusterServiceNameAnnotation names the MultiClusterService that propagates a
	// Service (on the Service and its ResourceBinding).
	MultiClusterServiceNameAnnotation = "multiclusterservice.karmada.io/name"
	// MultiClusterServiceNamespaceAnnotation is that MultiClusterService's namespace.
	MultiClusterServiceNamespaceAnnotation = "multiclusterservice.karmada.io/namespace"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// MultiClusterService exposes the Service of the same name and namespace across member
// clusters: with type CrossCluster the Service is propagated to the provider and consumer
// clusters and the providers' endpoints are made available to the consumers.
type MultiClusterService struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is how the Service is exposed.
	Spec MultiClusterServiceSpec `json:"spec"`

	// Status is the observed state (conditions, load balancer).
	// +optional
	Status corev1.ServiceStatus `json:"status,omitempty"`
}

// MultiClusterServiceSpec is how a Service is exposed across clusters.
type MultiClusterServiceSpec struct {
	// Types are the exposure types: CrossCluster or LoadBalancer (one of them).
	Types []ExposureType `json:"types"`

	// Ports limits the exposure to these ports of the Service; empty exposes all.
	// +optional
	Ports []ExposurePort `json:"ports,omitempty"`

	// Range lists the clusters the Service is exposed in.
	// Deprecated: use ProviderClusters and ConsumerClusters.
	// +optional
	Range ExposureRange `json:"range,omitempty"`

	// ServiceProvisionClusters are the clusters providing the backends.
	// Deprecated: use ProviderClusters.
	// +optional
	ServiceProvisionClusters []string `json:"serviceProvisionClusters,omitempty"`

	// ServiceConsumptionClusters are the clusters where clients use the Service.
	// Deprecated: use ConsumerClusters.
	// +optional
	ServiceConsumptionClusters []string `json:"serviceConsumptionClusters,omitempty"`

	// ProviderClusters are the clusters whose endpoints back the Service; empty means
	// every cluster.
	// +optional
	ProviderClusters []ClusterSelector `json:"providerClusters,omitempty"`

	// ConsumerClusters are the clusters where the Service is exposed to clients; empty
	// means every cluster.
	// +optional
	ConsumerClusters []ClusterSelector `json:"consumerClusters,omitempty"`
}

// ClusterSelector picks one cluster by name.
type ClusterSelector struct {
	// Name is the cluster's name.
	Name string `json:"name,omitempty"`
}

// ExposureType is a way to expose a Service.
type ExposureType string

const (
	// ExposureTypeCrossCluster makes the Service reachable from other member clusters.
	ExposureTypeCrossCluster ExposureType = "CrossCluster"
	// ExposureTypeLoadBalancer exposes the Service through an external load balancer.
	ExposureTypeLoadBalancer ExposureType = "LoadBalancer"
)

// ExposurePort is one exposed port of the Service.
type ExposurePort struct {
	// Name is the port's name in the Service.
	// +optional
	Name string `json:"name,omitempty"`

	// Port is the port number.
	Port int32 `json:"port"`
}

// ExposureRange is a set of clusters, by name.
type ExposureRange struct {
	// ClusterNames are the clusters' names.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// MultiClusterServiceList is a list of MultiClusterService.
type MultiClusterServiceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the MultiClusterServices.
	Items []MultiClusterService `json:"items"`
}
