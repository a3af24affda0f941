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

// Taint keys the control plane manages on Cluster objects.
const (
	// TaintClusterUnscheduler marks a cluster cordoned for scheduling.
	TaintClusterUnscheduler = "cluster.karmada.io/unschedulable"
	// TaintClusterNotReady marks a cluster whose Ready condition is False (or not yet reported).
	TaintClusterNotReady = "cluster.karmada.io/not-ready"
	// TaintClusterUnreachable marks a cluster whose Ready condition is Unknown.
	TaintClusterUnreachable = "cluster.karmada.io/unreachable"
)

// Well-known labels, annotations and finalizers related to clusters.
const (
	// CacheSourceAnnotationKey is set on objects of a merged (search/proxy) view to name the member they came from.
	CacheSourceAnnotationKey = "resource.karmada.io/cached-from-cluster"

	// ClusterControllerFinalizer guards a Cluster until its execution namespace is cleaned up.
	ClusterControllerFinalizer = "karmada.io/cluster-controller"

	// KarmadaSystemLabel marks namespaces owned by the control plane (e.g. karmada-es-*).
	KarmadaSystemLabel = "karmada.io/system"

	// ExecutionSpacePrefix prefixes the per-cluster execution namespace: karmada-es-<cluster>.
	ExecutionSpacePrefix = "karmada-es-"
)
