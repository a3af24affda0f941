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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names and scope of the Cluster resource.
const (
	ResourceKindCluster            = "Cluster"
	ResourceSingularCluster        = "cluster"
	ResourcePluralCluster          = "clusters"
	ResourceNamespaceScopedCluster = false
)

// ResourceName names a resource dimension used by resource models.
type ResourceName string

// Resource dimensions a resource model may range over.
const (
	// ResourceCPU is measured in cores.
	ResourceCPU ResourceName = "cpu"
	// ResourceMemory is measured in bytes.
	ResourceMemory ResourceName = "memory"
	// ResourceStorage is volume capacity in bytes.
	ResourceStorage ResourceName = "storage"
	// ResourceEphemeralStorage is node-local scratch space in bytes.
	ResourceEphemeralStorage ResourceName = "ephemeral-storage"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Cluster is a member cluster registered with the control plane.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is how the control plane reaches and describes the member cluster.
	Spec ClusterSpec `json:"spec"`

	// Status is the most recently observed state of the member cluster.
	// +optional
	Status ClusterStatus `json:"status,omitempty"`
}

// ClusterSpec is the desired state of a member cluster.
type ClusterSpec struct {
	// ID uniquely identifies the member cluster (usually the uid of its
	// kube-system namespace or its ClusterProperty id). It is unrelated to metadata.uid.
	// +optional
	ID string `json:"id,omitempty"`

	// SyncMode says whether the control plane pushes to the cluster or an agent pulls.
	// +required
	SyncMode ClusterSyncMode `json:"syncMode"`

	// APIEndpoint is the URL (or host[:port]) of the member's kube-apiserver.
	// +optional
	APIEndpoint string `json:"apiEndpoint,omitempty"`

	// SecretRef points at the Secret holding the access credentials
	// (keys "token" and "caBundle").
	// +optional
	SecretRef *LocalSecretReference `json:"secretRef,omitempty"`

	// ImpersonatorSecretRef points at the Secret holding the impersonator token (key "token").
	// +optional
	ImpersonatorSecretRef *LocalSecretReference `json:"impersonatorSecretRef,omitempty"`

	// InsecureSkipTLSVerification disables verification of the member's serving certificate.
	// +optional
	InsecureSkipTLSVerification bool `json:"insecureSkipTLSVerification,omitempty"`

	// ProxyURL is an HTTP(S)/SOCKS5 proxy used to reach the member cluster.
	// +optional
	ProxyURL string `json:"proxyURL,omitempty"`

	// ProxyHeader holds extra HTTP headers sent to the proxy; multiple values are comma separated.
	// +optional
	ProxyHeader map[string]string `json:"proxyHeader,omitempty"`

	// Provider is the name of the cloud provider hosting the cluster.
	// +optional
	Provider string `json:"provider,omitempty"`

	// Region is the region the cluster runs in.
	// +optional
	Region string `json:"region,omitempty"`

	// Zone is the single zone of the cluster.
	// Deprecated: use Zones.
	// +optional
	Zone string `json:"zone,omitempty"`

	// Zones lists the failure zones the cluster spans.
	// +optional
	Zones []string `json:"zones,omitempty"`

	// Taints repel resources that do not tolerate them.
	// +optional
	Taints []corev1.Taint `json:"taints,omitempty"`

	// ResourceModels defines the grades used to summarise node capacity.
	// +optional
	ResourceModels []ResourceModel `json:"resourceModels,omitempty"`
}

// ResourceModel is one grade of the cluster's resource modelling.
type ResourceModel struct {
	// Grade is the index of this model.
	// +required
	Grade uint `json:"grade"`

	// Ranges are the per-resource bounds of this grade.
	// +required
	Ranges []ResourceModelRange `json:"ranges"`
}

// ResourceModelRange is the half-open interval [Min, Max) of one resource in a grade.
type ResourceModelRange struct {
	// Name is the resource this range applies to.
	// +required
	Name ResourceName `json:"name"`

	// Min is the inclusive lower bound.
	// +required
	Min resource.Quantity `json:"min"`

	// Max is the exclusive upper bound (treated as unbounded in the last grade).
	// +required
	Max resource.Quantity `json:"max"`
}

// Keys of the cluster access Secret.
const (
	// SecretTokenKey holds the bearer token.
	SecretTokenKey = "token"
	// SecretCADataKey holds the CA bundle.
	SecretCADataKey = "caBundle"
)

// ClusterSyncMode is how resources reach a member cluster.
type ClusterSyncMode string

const (
	// Push means the control plane applies resources to the member cluster.
	Push ClusterSyncMode = "Push"
	// Pull means an agent in the member cluster fetches and applies resources.
	Pull ClusterSyncMode = "Pull"
)

// LocalSecretReference names a Secret by namespace and name.
type LocalSecretReference struct {
	// Namespace of the Secret.
	Namespace string `json:"namespace"`

	// Name of the Secret.
	Name string `json:"name"`
}

// Condition types of a Cluster.
const (
	// ClusterConditionReady reports whether the cluster is healthy and can take workloads.
	ClusterConditionReady = "Ready"
	// ClusterConditionCompleteAPIEnablements reports whether API discovery of the cluster was complete.
	ClusterConditionCompleteAPIEnablements = "CompleteAPIEnablements"
)

// ClusterStatus is the observed state of a member cluster.
type ClusterStatus struct {
	// KubernetesVersion is the version reported by the member cluster.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// APIEnablements lists the APIs served by the member cluster.
	// +optional
	APIEnablements []APIEnablement `json:"apiEnablements,omitempty"`

	// Conditions of the cluster.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// NodeSummary counts the member's nodes.
	// +optional
	NodeSummary *NodeSummary `json:"nodeSummary,omitempty"`

	// ResourceSummary aggregates the member's resources.
	// +optional
	ResourceSummary *ResourceSummary `json:"resourceSummary,omitempty"`
}

// APIEnablement lists the resources served under one group/version.
type APIEnablement struct {
	// GroupVersion such as "apps/v1".
	GroupVersion string `json:"groupVersion"`
	// Resources served in that group/version.
	// +optional
	Resources []APIResource `json:"resources,omitempty"`
}

// APIResource names a resource and its kind.
type APIResource struct {
	// Name is the plural resource name.
	// +required
	Name string `json:"name"`
	// Kind is the object kind of the resource.
	// +required
	Kind string `json:"kind"`
}

// NodeSummary counts nodes.
type NodeSummary struct {
	// TotalNum is the number of nodes.
	// +optional
	TotalNum int32 `json:"totalNum,omitempty"`
	// ReadyNum is the number of Ready nodes.
	// +optional
	ReadyNum int32 `json:"readyNum,omitempty"`
}

// ResourceSummary aggregates resources across nodes.
type ResourceSummary struct {
	// Allocatable is the sum of node allocatable resources.
	// +optional
	Allocatable corev1.ResourceList `json:"allocatable,omitempty"`

	// Allocating is the sum of requests of pods waiting to be scheduled.
	// +optional
	Allocating corev1.ResourceList `json:"allocating,omitempty"`

	// Allocated is the sum of requests of scheduled pods.
	// +optional
	Allocated corev1.ResourceList `json:"allocated,omitempty"`

	// AllocatableModelings counts nodes per resource-model grade.
	// +optional
	AllocatableModelings []AllocatableModeling `json:"allocatableModelings,omitempty"`
}

// AllocatableModeling is the number of nodes falling into one resource-model grade.
type AllocatableModeling struct {
	// Grade refers to ResourceModel.Grade.
	// +required
	Grade uint `json:"grade"`

	// Count is the number of nodes in that grade.
	// +required
	Count int `json:"count"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterList is a list of Cluster.
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the clusters.
	Items []Cluster `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterProxyOptions are the options of a request to the clusters/proxy subresource.
type ClusterProxyOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the part of the URL after ".../clusters/{name}/proxy/", e.g. "api/v1/nodes".
	// +optional
	Path string `json:"path,omitempty" protobuf:"bytes,1,opt,name=path"`
}
