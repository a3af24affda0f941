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
// Package validation checks apps.karmada.io objects.
package validation

import (
	"fmt"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
)

// ValidateWorkloadRebalancer validates a WorkloadRebalancer on create: at least one
// workload, each with apiVersion, kind and name (Karmada's schema), listed once, and a
// non-negative TTL.
func ValidateWorkloadRebalancer(r *appsv1alpha1.WorkloadRebalancer) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&r.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, ValidateWorkloadRebalancerSpec(&r.Spec, field.NewPath("spec"))...)
}

// ValidateWorkloadRebalancerUpdate validates an update of the main resource.
func ValidateWorkloadRebalancerUpdate(newR, oldR *appsv1alpha1.WorkloadRebalancer) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newR.ObjectMeta, &oldR.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateWorkloadRebalancerSpec(&newR.Spec, field.NewPath("spec"))...)
}

// ValidateWorkloadRebalancerSpec validates the spec.
func ValidateWorkloadRebalancerSpec(spec *appsv1alpha1.WorkloadRebalancerSpec, fld *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	wp := fld.Child("workloads")
	if len(spec.Workloads) == 0 {
		allErrs = append(allErrs, field.Required(wp, "list at least one workload (apiVersion, kind, name and, for namespaced kinds, namespace)"))
	}
	seen := map[appsv1alpha1.ObjectReference]int{}
	for i, w := range spec.Workloads {
		p := wp.Index(i)
		if w.APIVersion == "" {
			allErrs = append(allErrs, field.Required(p.Child("apiVersion"), "set the workload's apiVersion, e.g. apps/v1"))
		} else if _, err := schema.ParseGroupVersion(w.APIVersion); err != nil {
			allErrs = append(allErrs, field.Invalid(p.Child("apiVersion"), w.APIVersion, "must be <group>/<version> or <version>, e.g. apps/v1"))
		}
		if w.Kind == "" {
			allErrs = append(allErrs, field.Required(p.Child("kind"), "set the workload's kind, e.g. Deployment"))
		}
		if w.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), "set the workload's name"))
		}
		if j, dup := seen[w]; dup {
			allErrs = append(allErrs, field.Duplicate(p, fmt.Sprintf("same workload as workloads[%d]: list each workload once", j)))
		} else {
			seen[w] = i
		}
	}
	if spec.TTLSecondsAfterFinished != nil && *spec.TTLSecondsAfterFinished < 0 {
		allErrs = append(allErrs, field.Invalid(fld.Child("ttlSecondsAfterFinished"), *spec.TTLSecondsAfterFinished, "must be 0 or more seconds (unset keeps the rebalancer)"))
	}
	return allErrs
}
