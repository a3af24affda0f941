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
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names and scope of the MultiClusterIngress resource.
const (
	ResourceKindMultiClusterIngress            = "MultiClusterIngress"
	ResourceSingularMultiClusterIngress        = "multiclusteringress"
	ResourcePluralMultiClusterIngress          = "multiclusteringresses"
	ResourceNamespaceScopedMultiClusterIngress = true
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// MultiClusterIngress is an Ingress spanning member clusters; its shape is that of
// networking.k8s.io/v1 Ingress.
type MultiClusterIngress struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired ingress.
	// +optional
	Spec networkingv1.IngressSpec `json:"spec,omitempty"`

	// Status is the observed state of the ingress.
	// +optional
	Status MultiClusterIngressStatus `json:"status,omitempty"`
}

// MultiClusterIngressStatus is the observed state of a MultiClusterIngress: the load
// balancer a multi-cluster ingress provider set up, and where its backends run.
type MultiClusterIngressStatus struct {
	networkingv1.IngressStatus `json:",inline"`

	// TrafficBlockClusters lists clusters whose backend addresses a multi-cluster ingress
	// provider should leave out of the load balancer.
	// +optional
	TrafficBlockClusters []string `json:"trafficBlockClusters,omitempty"`

	// ServiceLocations says, for each backend Service of the ingress, the clusters it is
	// propagated to. The control plane keeps it up to date.
	// +optional
	ServiceLocations []ServiceLocation `json:"serviceLocations,omitempty"`
}

// ServiceLocation is where one backend Service of a MultiClusterIngress runs.
type ServiceLocation struct {
	// Name is the Service, in the MultiClusterIngress's namespace.
	Name string `json:"name"`

	// Clusters are the clusters the Service is propagated to.
	// +optional
	Clusters []string `json:"clusters,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// MultiClusterIngressList is a list of MultiClusterIngress.
type MultiClusterIngressList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ingresses.
	Items []MultiClusterIngress `json:"items"`
}
