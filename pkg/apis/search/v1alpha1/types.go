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

// AllClusters is the proxying name that means every Ready member cluster. Any other
// name is a comma-separated list of cluster names that narrows the view to them.
const AllClusters = "karmada"

// CachedFromClusterAnnotation names, on every object the merged view returns, the
// member cluster the object was read from.
const CachedFromClusterAnnotation = "resource.karmada.io/cached-from-cluster"

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProxyingOptions are the options of a request to the merged view.
type ProxyingOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the part of the URL after ".../proxying/{name}/", e.g. "proxy/api/v1/pods".
	// +optional
	Path string `json:"path,omitempty" protobuf:"bytes,1,opt,name=path"`
}
