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

package validation

import (
	"encoding/json"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

var (
	supportedImageComponents = []string{
		string(policyv1alpha1.Registry), string(policyv1alpha1.Repository), string(policyv1alpha1.Tag),
	}
	supportedOperators = []string{
		string(policyv1alpha1.OverriderOpAdd), string(policyv1alpha1.OverriderOpRemove), string(policyv1alpha1.OverriderOpReplace),
	}
	supportedListOperators = []string{string(policyv1alpha1.OverriderOpAdd), string(policyv1alpha1.OverriderOpRemove)}
)

// ValidateOverridePolicy validates an OverridePolicy on create. Selectors naming another namespace
// are accepted (they never match), as in Karmada.
func ValidateOverridePolicy(p *policyv1alpha1.OverridePolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&p.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateOverrideSpec(&p.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateOverridePolicyUpdate validates an OverridePolicy on update.
func ValidateOverridePolicyUpdate(newP, oldP *policyv1alpha1.OverridePolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newP.ObjectMeta, &oldP.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateOverridePolicy(newP)...)
}

// ValidateClusterOverridePolicy validates a ClusterOverridePolicy on create.
func ValidateClusterOverridePolicy(p *policyv1alpha1.ClusterOverridePolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&p.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateOverrideSpec(&p.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateClusterOverridePolicyUpdate validates a ClusterOverridePolicy on update.
func ValidateClusterOverridePolicyUpdate(newP, oldP *policyv1alpha1.ClusterOverridePolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newP.ObjectMeta, &oldP.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateClusterOverridePolicy(newP)...)
}

// ValidateOverrideSpec validates an override spec: selectors, rules, and the deprecated
// targetCluster/overriders pair, which cannot be combined with overrideRules.
func ValidateOverrideSpec(spec *policyv1alpha1.OverrideSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allErrs = append(allErrs, validateResourceSelectors(spec.ResourceSelectors, "", false, fldPath.Child("resourceSelectors"))...)

	if len(spec.OverrideRules) > 0 {
		if spec.TargetCluster != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("targetCluster"),
				"cannot be used together with overrideRules; move it into an overrideRules entry (overrideRules[].targetCluster)"))
		}
		if !emptyOverriders(&spec.Overriders) {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("overriders"),
				"cannot be used together with overrideRules; move it into an overrideRules entry (overrideRules[].overriders)"))
		}
	}
	allErrs = append(allErrs, ValidateClusterAffinity(spec.TargetCluster, fldPath.Child("targetCluster"))...)
	allErrs = append(allErrs, ValidateOverriders(&spec.Overriders, fldPath.Child("overriders"))...)

	for i := range spec.OverrideRules {
		r := &spec.OverrideRules[i]
		rPath := fldPath.Child("overrideRules").Index(i)
		allErrs = append(allErrs, ValidateClusterAffinity(r.TargetCluster, rPath.Child("targetCluster"))...)
		allErrs = append(allErrs, ValidateOverriders(&r.Overriders, rPath.Child("overriders"))...)
	}
	return allErrs
}

func emptyOverriders(o *policyv1alpha1.Overriders) bool {
	return len(o.Plaintext) == 0 && len(o.ImageOverrider) == 0 && len(o.CommandOverrider) == 0 &&
		len(o.ArgsOverrider) == 0 && len(o.LabelsOverrider) == 0 && len(o.AnnotationsOverrider) == 0 &&
		len(o.FieldOverrider) == 0
}

// ValidateOverriders validates one set of overriders.
func ValidateOverriders(o *policyv1alpha1.Overriders, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	for i, img := range o.ImageOverrider {
		idx := fldPath.Child("imageOverrider").Index(i)
		if img.Predicate != nil {
			allErrs = append(allErrs, validateJSONPointer(img.Predicate.Path, idx.Child("predicate", "path"))...)
		}
		switch img.Component {
		case "":
			allErrs = append(allErrs, field.Required(idx.Child("component"), "one of Registry, Repository or Tag"))
		case policyv1alpha1.Registry, policyv1alpha1.Repository, policyv1alpha1.Tag:
		default:
			allErrs = append(allErrs, field.NotSupported(idx.Child("component"), img.Component, supportedImageComponents))
		}
		allErrs = append(allErrs, validateOperatorAndValue(img.Operator, img.Value != "", idx)...)
	}

	for _, group := range []struct {
		name string
		list []policyv1alpha1.CommandArgsOverrider
	}{{"commandOverrider", o.CommandOverrider}, {"argsOverrider", o.ArgsOverrider}} {
		for i, c := range group.list {
			idx := fldPath.Child(group.name).Index(i)
			if c.ContainerName == "" {
				allErrs = append(allErrs, field.Required(idx.Child("containerName"), "the name of the container to change"))
			}
			switch c.Operator {
			case "":
				allErrs = append(allErrs, field.Required(idx.Child("operator"), "add or remove"))
			case policyv1alpha1.OverriderOpAdd, policyv1alpha1.OverriderOpRemove:
			default:
				allErrs = append(allErrs, field.NotSupported(idx.Child("operator"), c.Operator, supportedListOperators))
			}
		}
	}

	for i, l := range o.LabelsOverrider {
		idx := fldPath.Child("labelsOverrider").Index(i)
		allErrs = append(allErrs, validateOperator(l.Operator, idx.Child("operator"))...)
		allErrs = append(allErrs, metav1validation.ValidateLabels(l.Value, idx.Child("value"))...)
	}
	for i, a := range o.AnnotationsOverrider {
		idx := fldPath.Child("annotationsOverrider").Index(i)
		allErrs = append(allErrs, validateOperator(a.Operator, idx.Child("operator"))...)
		allErrs = append(allErrs, apivalidation.ValidateAnnotations(a.Value, idx.Child("value"))...)
	}

	for i := range o.FieldOverrider {
		f := &o.FieldOverrider[i]
		idx := fldPath.Child("fieldOverrider").Index(i)
		allErrs = append(allErrs, validateJSONPointer(f.FieldPath, idx.Child("fieldPath"))...)
		switch {
		case len(f.JSON) > 0 && len(f.YAML) > 0:
			allErrs = append(allErrs, field.Forbidden(idx.Child("yaml"),
				"cannot be set together with json; a field holds either a JSON or a YAML document"))
		case len(f.JSON) == 0 && len(f.YAML) == 0:
			allErrs = append(allErrs, field.Required(idx, "one of json or yaml, with the operations to apply inside the field"))
		}
		for j, op := range f.JSON {
			allErrs = append(allErrs, validatePatchOperation(op.SubPath, op.Operator, op.Value, idx.Child("json").Index(j))...)
		}
		for j, op := range f.YAML {
			allErrs = append(allErrs, validatePatchOperation(op.SubPath, op.Operator, op.Value, idx.Child("yaml").Index(j))...)
		}
	}

	for i, p := range o.Plaintext {
		idx := fldPath.Child("plaintext").Index(i)
		allErrs = append(allErrs, validateJSONPointer(p.Path, idx.Child("path"))...)
		allErrs = append(allErrs, validateOperatorAndValue(p.Operator, hasJSON(p.Value), idx)...)
		allErrs = append(allErrs, validateJSONValue(p.Value, idx.Child("value"))...)
	}
	return allErrs
}

func validatePatchOperation(subPath string, op policyv1alpha1.OverriderOperator, value apiextensionsv1.JSON, fldPath *field.Path) field.ErrorList {
	allErrs := validateJSONPointer(subPath, fldPath.Child("subPath"))
	allErrs = append(allErrs, validateOperatorAndValue(op, hasJSON(value), fldPath)...)
	return append(allErrs, validateJSONValue(value, fldPath.Child("value"))...)
}

func validateOperator(op policyv1alpha1.OverriderOperator, fldPath *field.Path) field.ErrorList {
	switch op {
	case "":
		return field.ErrorList{field.Required(fldPath, "one of add, remove or replace")}
	case policyv1alpha1.OverriderOpAdd, policyv1alpha1.OverriderOpRemove, policyv1alpha1.OverriderOpReplace:
		return nil
	default:
		return field.ErrorList{field.NotSupported(fldPath, op, supportedOperators)}
	}
}

// validateOperatorAndValue checks the operator at fldPath.operator and that a value is given for
// add and replace and absent for remove.
func validateOperatorAndValue(op policyv1alpha1.OverriderOperator, hasValue bool, fldPath *field.Path) field.ErrorList {
	if errs := validateOperator(op, fldPath.Child("operator")); len(errs) > 0 {
		return errs
	}
	switch {
	case op == policyv1alpha1.OverriderOpRemove && hasValue:
		return field.ErrorList{field.Forbidden(fldPath.Child("value"), "must be empty when operator is remove")}
	case op != policyv1alpha1.OverriderOpRemove && !hasValue:
		return field.ErrorList{field.Required(fldPath.Child("value"), "required when operator is "+string(op))}
	}
	return nil
}

func hasJSON(v apiextensionsv1.JSON) bool {
	return len(v.Raw) > 0 && string(v.Raw) != "null"
}

func validateJSONValue(v apiextensionsv1.JSON, fldPath *field.Path) field.ErrorList {
	if len(v.Raw) > 0 && !json.Valid(v.Raw) {
		return field.ErrorList{field.Invalid(fldPath, string(v.Raw), "must be valid JSON")}
	}
	return nil
}

// validateJSONPointer checks an RFC 6901 pointer that starts with "/" ("~" only as "~0" or "~1").
func validateJSONPointer(p string, fldPath *field.Path) field.ErrorList {
	if p == "" {
		return field.ErrorList{field.Required(fldPath, "a JSON pointer such as /spec/template/spec/containers/0/image")}
	}
	if !strings.HasPrefix(p, "/") {
		return field.ErrorList{field.Invalid(fldPath, p, "must be a JSON pointer starting with \"/\", e.g. /data/example")}
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 >= len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return field.ErrorList{field.Invalid(fldPath, p, "\"~\" must be escaped as \"~0\" (and \"/\" inside a key as \"~1\")")}
		}
	}
	return nil
}
