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

// Package validation checks Works and (Cluster)ResourceBindings. These objects are mostly written
// by the control plane itself, so the checks are deliberately short: they catch objects that no
// controller could act on.
package validation

import (
	"encoding/json"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/features"
)

// ValidateWork validates a Work on create: metadata, and every manifest a JSON object with
// apiVersion and kind.
func ValidateWork(w *workv1alpha1.Work) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&w.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	mPath := field.NewPath("spec", "workload", "manifests")
	for i := range w.Spec.Workload.Manifests {
		allErrs = append(allErrs, validateManifest(&w.Spec.Workload.Manifests[i], mPath.Index(i))...)
	}
	return allErrs
}

// ValidateWorkUpdate validates a Work on update.
func ValidateWorkUpdate(newW, oldW *workv1alpha1.Work) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newW.ObjectMeta, &oldW.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateWork(newW)...)
}

func validateManifest(m *workv1alpha1.Manifest, fldPath *field.Path) field.ErrorList {
	raw := m.Raw
	if len(raw) == 0 && m.Object != nil {
		b, err := json.Marshal(m.Object)
		if err != nil {
			return field.ErrorList{field.Invalid(fldPath, "", "cannot be encoded as JSON: "+err.Error())}
		}
		raw = b
	}
	if len(raw) == 0 {
		return field.ErrorList{field.Required(fldPath, "a Kubernetes object with apiVersion, kind and metadata")}
	}
	var obj map[string]interface{}
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return field.ErrorList{field.Invalid(fldPath, "", "must be a JSON object (a Kubernetes object with apiVersion, kind and metadata)")}
	}
	var allErrs field.ErrorList
	for _, key := range []string{"apiVersion", "kind"} {
		if s, _ := obj[key].(string); s == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child(key), "every manifest needs a non-empty "+key))
		}
	}
	return allErrs
}

// ValidateResourceBinding validates a ResourceBinding on create.
func ValidateResourceBinding(b *workv1alpha2.ResourceBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&b.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, ValidateResourceBindingSpec(&b.Spec, field.NewPath("spec"))...)
}

// ValidateResourceBindingUpdate validates a ResourceBinding on update.
func ValidateResourceBindingUpdate(newB, oldB *workv1alpha2.ResourceBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newB.ObjectMeta, &oldB.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateResourceBinding(newB)...)
}

// ValidateClusterResourceBinding validates a ClusterResourceBinding on create.
func ValidateClusterResourceBinding(b *workv1alpha2.ClusterResourceBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&b.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, ValidateResourceBindingSpec(&b.Spec, field.NewPath("spec"))...)
}

// ValidateClusterResourceBindingUpdate validates a ClusterResourceBinding on update.
func ValidateClusterResourceBindingUpdate(newB, oldB *workv1alpha2.ClusterResourceBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newB.ObjectMeta, &oldB.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateClusterResourceBinding(newB)...)
}

// ValidateResourceBindingSpec validates the spec shared by both binding kinds: the template
// reference, non-negative replicas, unique target clusters and, while
// MultiplePodTemplatesScheduling is on, named and unique components.
func ValidateResourceBindingSpec(spec *workv1alpha2.ResourceBindingSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	rPath := fldPath.Child("resource")
	if spec.Resource.APIVersion == "" {
		allErrs = append(allErrs, field.Required(rPath.Child("apiVersion"), "the API version of the resource template"))
	}
	if spec.Resource.Kind == "" {
		allErrs = append(allErrs, field.Required(rPath.Child("kind"), "the kind of the resource template"))
	}
	if spec.Resource.Name == "" {
		allErrs = append(allErrs, field.Required(rPath.Child("name"), "the name of the resource template"))
	}
	if spec.Replicas < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("replicas"), spec.Replicas, "must be greater than or equal to 0"))
	}
	seen := map[string]bool{}
	for i, c := range spec.Clusters {
		idx := fldPath.Child("clusters").Index(i)
		if c.Name == "" {
			allErrs = append(allErrs, field.Required(idx.Child("name"), "the name of a member cluster"))
		} else if seen[c.Name] {
			allErrs = append(allErrs, field.Duplicate(idx.Child("name"), c.Name))
		}
		seen[c.Name] = true
		if c.Replicas < 0 {
			allErrs = append(allErrs, field.Invalid(idx.Child("replicas"), c.Replicas, "must be greater than or equal to 0"))
		}
	}
	if features.Enabled(features.MultiplePodTemplatesScheduling) {
		allErrs = append(allErrs, validateComponents(spec.Components, fldPath.Child("components"))...)
	}
	return allErrs
}

// validateComponents requires every component to have a name unique within the binding,
// as Karmada's webhook does (and, like it, only while MultiplePodTemplatesScheduling is on).
func validateComponents(components []workv1alpha2.Component, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := make(map[string]bool, len(components))
	for i, c := range components {
		switch {
		case c.Name == "":
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("name"), c.Name, "component names must be non-empty"))
		case seen[c.Name]:
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("name"), c.Name, "component names must be unique"))
		default:
			seen[c.Name] = true
		}
	}
	return allErrs
}
