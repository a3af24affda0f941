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
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubernetes/pkg/apis/core"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"

	clustervalidation "github.com/karmada-one/karmada-one/pkg/apis/cluster/validation"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// ValidateFederatedResourceQuota validates a FederatedResourceQuota on create, as
// Karmada's webhook does: resource names a ResourceQuota accepts, non-negative
// quantities (whole numbers for counted resources), valid cluster names, each cluster
// assigned once, assignments only of resources limited overall and together within
// overall.
func ValidateFederatedResourceQuota(q *policyv1alpha1.FederatedResourceQuota) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&q.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateFederatedResourceQuotaSpec(&q.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateFederatedResourceQuotaUpdate validates an update of the main resource.
func ValidateFederatedResourceQuotaUpdate(newQ, oldQ *policyv1alpha1.FederatedResourceQuota) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newQ.ObjectMeta, &oldQ.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateFederatedResourceQuotaSpec(&newQ.Spec, field.NewPath("spec"))...)
}

// ValidateFederatedResourceQuotaStatusUpdate validates a write of the status.
func ValidateFederatedResourceQuotaStatusUpdate(newQ, oldQ *policyv1alpha1.FederatedResourceQuota) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newQ.ObjectMeta, &oldQ.ObjectMeta, field.NewPath("metadata"))
	st := &newQ.Status
	fld := field.NewPath("status")
	allErrs = append(allErrs, validateResourceList(st.Overall, fld.Child("overall"))...)
	allErrs = append(allErrs, validateResourceList(st.OverallUsed, fld.Child("overallUsed"))...)
	for i := range st.AggregatedStatus {
		p := fld.Child("aggregatedStatus").Index(i)
		allErrs = append(allErrs, validateQuotaClusterName(st.AggregatedStatus[i].ClusterName, p.Child("clusterName"))...)
		allErrs = append(allErrs, validateResourceList(st.AggregatedStatus[i].Hard, p.Child("hard"))...)
		allErrs = append(allErrs, validateResourceList(st.AggregatedStatus[i].Used, p.Child("used"))...)
	}
	return allErrs
}

// ValidateFederatedResourceQuotaSpec validates the limits wanted.
func ValidateFederatedResourceQuotaSpec(spec *policyv1alpha1.FederatedResourceQuotaSpec, fld *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	overallPath := fld.Child("overall")
	if len(spec.Overall) == 0 {
		allErrs = append(allErrs, field.Required(overallPath, "set the hard limit of at least one resource, e.g. cpu: \"10\""))
	}
	allErrs = append(allErrs, validateResourceList(spec.Overall, overallPath)...)

	seen := map[string]int{}
	saPath := fld.Child("staticAssignments")
	for i := range spec.StaticAssignments {
		a := &spec.StaticAssignments[i]
		p := saPath.Index(i)
		allErrs = append(allErrs, validateQuotaClusterName(a.ClusterName, p.Child("clusterName"))...)
		if j, dup := seen[a.ClusterName]; dup && a.ClusterName != "" {
			allErrs = append(allErrs, field.Duplicate(p.Child("clusterName"), fmt.Sprintf("%s (already assigned in staticAssignments[%d]: merge the two entries)", a.ClusterName, j)))
		} else {
			seen[a.ClusterName] = i
		}
		if a.Hard == nil {
			allErrs = append(allErrs, field.Required(p.Child("hard"), "set the hard limits of this cluster"))
		}
		allErrs = append(allErrs, validateResourceList(a.Hard, p.Child("hard"))...)
		for _, name := range sortedNames(a.Hard) {
			if _, ok := spec.Overall[name]; !ok {
				allErrs = append(allErrs, field.Invalid(p.Child("hard").Key(string(name)), string(name), "assignment resourceName is not exist in overall: add it to spec.overall or remove it here"))
			}
		}
	}
	for _, name := range sortedNames(spec.Overall) {
		sum := AssignedTotal(name, spec.StaticAssignments)
		if q := spec.Overall[name]; q.Cmp(sum) < 0 {
			allErrs = append(allErrs, field.Invalid(overallPath.Key(string(name)), q.String(), fmt.Sprintf("overall is less than assignments (%s assigned to clusters): raise overall or lower the assignments", sum.String())))
		}
	}
	return allErrs
}

// AssignedTotal sums name over the static assignments.
func AssignedTotal(name corev1.ResourceName, assignments []policyv1alpha1.StaticClusterAssignment) resource.Quantity {
	total := resource.Quantity{}
	for i := range assignments {
		if q, ok := assignments[i].Hard[name]; ok {
			total.Add(q)
		}
	}
	return total
}

func validateQuotaClusterName(name string, fld *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fld, "name the member cluster")}
	}
	if msgs := clustervalidation.ValidateClusterName(name, false); len(msgs) > 0 {
		return field.ErrorList{field.Invalid(fld, name, strings.Join(msgs, ", "))}
	}
	return nil
}

func validateResourceList(list corev1.ResourceList, fld *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, name := range sortedNames(list) {
		p := fld.Key(string(name))
		allErrs = append(allErrs, corevalidation.ValidateResourceQuotaResourceName(core.ResourceName(name), p)...)
		allErrs = append(allErrs, corevalidation.ValidateResourceQuantityValue(core.ResourceName(name), list[name], p)...)
	}
	return allErrs
}

func sortedNames(list corev1.ResourceList) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(list))
	for n := range list {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
