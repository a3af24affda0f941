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

// Labels.
const (
	// WorkPermanentIDLabel holds the permanent id (a UUID set at creation) of a Work;
	// it is also set on the objects applied from it.
	WorkPermanentIDLabel = "work.karmada.io/permanent-id"
)

// Annotations.
const (
	// WorkNamespaceAnnotation on a member object records the namespace of its Work.
	WorkNamespaceAnnotation = "work.karmada.io/namespace"

	// WorkNameAnnotation on a member object records the name of its Work.
	WorkNameAnnotation = "work.karmada.io/name"

	// ResourceConflictResolutionAnnotation ("overwrite" or "abort") sets the conflict policy per object.
	ResourceConflictResolutionAnnotation = "work.karmada.io/conflict-resolution"
	// ResourceConflictResolutionOverwrite takes over an existing member object.
	ResourceConflictResolutionOverwrite = "overwrite"
	// ResourceConflictResolutionAbort refuses to touch an existing member object.
	ResourceConflictResolutionAbort = "abort"
)

// Finalizers.
const (
	// ExecutionControllerFinalizer guards a Work until its objects are removed from the member cluster.
	ExecutionControllerFinalizer = "karmada.io/execution-controller"
)
