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

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubevalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// AffinityNameMaxLength is the longest clusterAffinities[].affinityName.
const AffinityNameMaxLength = 32

var (
	supportedFieldSelectorKeys = []string{"provider", "region", "zone"}
	supportedFieldSelectorOps  = []string{string(corev1.NodeSelectorOpIn), string(corev1.NodeSelectorOpNotIn)}
	supportedSpreadFields      = []string{
		string(policyv1alpha1.SpreadByFieldCluster), string(policyv1alpha1.SpreadByFieldRegion),
		string(policyv1alpha1.SpreadByFieldZone), string(policyv1alpha1.SpreadByFieldProvider),
	}
	supportedSchedulingTypes = []string{
		string(policyv1alpha1.ReplicaSchedulingTypeDuplicated), string(policyv1alpha1.ReplicaSchedulingTypeDivided),
	}
	supportedDivisionPreferences = []string{
		string(policyv1alpha1.ReplicaDivisionPreferenceAggregated), string(policyv1alpha1.ReplicaDivisionPreferenceWeighted),
	}
	supportedDynamicWeights      = []string{string(policyv1alpha1.DynamicWeightByAvailableReplicas)}
	supportedTolerationOperators = []string{string(corev1.TolerationOpEqual), string(corev1.TolerationOpExists)}
	supportedTaintEffects        = []string{
		string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute),
	}
)

// validateResourceSelectors checks each selector. namespace, when not empty, is the namespace the
// selectors must stay in (PropagationPolicy); enforceNamespace=false only checks the syntax.
func validateResourceSelectors(selectors []policyv1alpha1.ResourceSelector, namespace string, enforceNamespace bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, rs := range selectors {
		idx := fldPath.Index(i)
		if rs.APIVersion == "" {
			allErrs = append(allErrs, field.Required(idx.Child("apiVersion"), "the API version of the selected resources, e.g. apps/v1"))
		} else if _, err := schema.ParseGroupVersion(rs.APIVersion); err != nil {
			allErrs = append(allErrs, field.Invalid(idx.Child("apiVersion"), rs.APIVersion, "must be <group>/<version> or <version>, e.g. apps/v1 or v1"))
		}
		if rs.Kind == "" {
			allErrs = append(allErrs, field.Required(idx.Child("kind"), "the kind of the selected resources, e.g. Deployment"))
		}
		if rs.Namespace != "" {
			if enforceNamespace && namespace != "" && rs.Namespace != namespace {
				allErrs = append(allErrs, field.Invalid(idx.Child("namespace"), rs.Namespace,
					fmt.Sprintf("must be empty or %q: a PropagationPolicy selects resources in its own namespace only; use a ClusterPropagationPolicy for other namespaces", namespace)))
			} else {
				for _, msg := range kubevalidation.IsDNS1123Label(rs.Namespace) {
					allErrs = append(allErrs, field.Invalid(idx.Child("namespace"), rs.Namespace, msg))
				}
			}
		}
		if rs.LabelSelector != nil {
			allErrs = append(allErrs, metav1validation.ValidateLabelSelector(rs.LabelSelector,
				metav1validation.LabelSelectorValidationOptions{}, idx.Child("labelSelector"))...)
		}
	}
	return allErrs
}

// ValidatePlacement validates a placement.
func ValidatePlacement(p *policyv1alpha1.Placement, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if p.ClusterAffinity != nil && len(p.ClusterAffinities) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("clusterAffinities"),
			"cannot be used together with clusterAffinity; move clusterAffinity into a clusterAffinities term or remove one of them"))
	}
	allErrs = append(allErrs, ValidateClusterAffinity(p.ClusterAffinity, fldPath.Child("clusterAffinity"))...)
	allErrs = append(allErrs, validateClusterAffinities(p.ClusterAffinities, fldPath.Child("clusterAffinities"))...)
	allErrs = append(allErrs, validateTolerations(p.ClusterTolerations, fldPath.Child("clusterTolerations"))...)
	allErrs = append(allErrs, ValidateSpreadConstraints(p.SpreadConstraints, fldPath.Child("spreadConstraints"))...)
	allErrs = append(allErrs, validateReplicaScheduling(p.ReplicaScheduling, fldPath.Child("replicaScheduling"))...)
	allErrs = append(allErrs, validateWorkloadAffinity(p.WorkloadAffinity, fldPath.Child("workloadAffinity"))...)
	return allErrs
}

// validateWorkloadAffinity checks that each term names a valid label key and that the
// two terms do not group by the same key (a workload would then have to run with and
// apart from the same peers, which never schedules).
func validateWorkloadAffinity(wa *policyv1alpha1.WorkloadAffinity, fldPath *field.Path) field.ErrorList {
	if wa == nil {
		return nil
	}
	var allErrs field.ErrorList
	checkKey := func(key string, p *field.Path) {
		if key == "" {
			allErrs = append(allErrs, field.Required(p, "a label key on the resource template, e.g. app.group"))
			return
		}
		allErrs = append(allErrs, metav1validation.ValidateLabelName(key, p)...)
	}
	if wa.Affinity != nil {
		checkKey(wa.Affinity.GroupByLabelKey, fldPath.Child("affinity", "groupByLabelKey"))
	}
	if wa.AntiAffinity != nil {
		checkKey(wa.AntiAffinity.GroupByLabelKey, fldPath.Child("antiAffinity", "groupByLabelKey"))
	}
	if wa.Affinity != nil && wa.AntiAffinity != nil && wa.Affinity.GroupByLabelKey != "" &&
		wa.Affinity.GroupByLabelKey == wa.AntiAffinity.GroupByLabelKey {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("antiAffinity", "groupByLabelKey"), wa.AntiAffinity.GroupByLabelKey,
			"affinity and antiAffinity must not use the same groupByLabelKey"))
	}
	return allErrs
}

// ValidateClusterAffinity validates a cluster selector: a valid labelSelector and a fieldSelector
// whose keys are provider, region or zone and whose operators are In or NotIn with values.
func ValidateClusterAffinity(a *policyv1alpha1.ClusterAffinity, fldPath *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	var allErrs field.ErrorList
	if a.LabelSelector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(a.LabelSelector,
			metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("labelSelector"))...)
	}
	if a.FieldSelector != nil {
		exprPath := fldPath.Child("fieldSelector", "matchExpressions")
		for i, e := range a.FieldSelector.MatchExpressions {
			switch e.Key {
			case "provider", "region", "zone":
			default:
				allErrs = append(allErrs, field.NotSupported(exprPath.Index(i).Child("key"), e.Key, supportedFieldSelectorKeys))
			}
			switch e.Operator {
			case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
				if len(e.Values) == 0 {
					allErrs = append(allErrs, field.Required(exprPath.Index(i).Child("values"), "In and NotIn need at least one value"))
				}
			default:
				allErrs = append(allErrs, field.NotSupported(exprPath.Index(i).Child("operator"), e.Operator, supportedFieldSelectorOps))
			}
		}
	}
	for i, n := range a.ClusterNames {
		if n == "" {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("clusterNames").Index(i), n, "must be a cluster name"))
		}
	}
	for i, n := range a.ExcludeClusters {
		if n == "" {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("exclude").Index(i), n, "must be a cluster name"))
		}
	}
	return allErrs
}

func validateClusterAffinities(terms []policyv1alpha1.ClusterAffinityTerm, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := map[string]bool{}
	for i := range terms {
		t := &terms[i]
		namePath := fldPath.Index(i).Child("affinityName")
		switch {
		case t.AffinityName == "":
			allErrs = append(allErrs, field.Required(namePath, "each cluster affinity term needs a name of 1-32 characters"))
		case len(t.AffinityName) > AffinityNameMaxLength:
			allErrs = append(allErrs, field.TooLongCharacters(namePath, t.AffinityName, AffinityNameMaxLength))
		default:
			allErrs = append(allErrs, validateQualifiedName(t.AffinityName, namePath)...)
		}
		if t.AffinityName != "" {
			if names[t.AffinityName] {
				allErrs = append(allErrs, field.Duplicate(namePath, t.AffinityName))
			}
			names[t.AffinityName] = true
		}
		allErrs = append(allErrs, ValidateClusterAffinity(&t.ClusterAffinity, fldPath.Index(i))...)
	}
	return allErrs
}

func validateTolerations(tolerations []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, t := range tolerations {
		idx := fldPath.Index(i)
		if t.Key != "" {
			allErrs = append(allErrs, validateQualifiedName(t.Key, idx.Child("key"))...)
		}
		switch t.Operator {
		case corev1.TolerationOpExists:
			if t.Value != "" {
				allErrs = append(allErrs, field.Invalid(idx.Child("value"), t.Value, "must be empty when operator is Exists"))
			}
		case corev1.TolerationOpEqual, "":
			if t.Key == "" {
				allErrs = append(allErrs, field.Invalid(idx.Child("operator"), t.Operator,
					"must be Exists when key is empty (an empty key with Exists tolerates every taint)"))
			}
			for _, msg := range kubevalidation.IsValidLabelValue(t.Value) {
				allErrs = append(allErrs, field.Invalid(idx.Child("value"), t.Value, msg))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(idx.Child("operator"), t.Operator, supportedTolerationOperators))
		}
		switch t.Effect {
		case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			allErrs = append(allErrs, field.NotSupported(idx.Child("effect"), t.Effect, supportedTaintEffects))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			allErrs = append(allErrs, field.Invalid(idx.Child("effect"), t.Effect, "must be NoExecute when tolerationSeconds is set"))
		}
	}
	return allErrs
}

// ValidateSpreadConstraints validates spread constraints: spreadByField and spreadByLabel are
// exclusive; minGroups and maxGroups are not negative; maxGroups ≥ minGroups when maxGroups > 0;
// one constraint per spreadByField; spreading by region, zone or provider also needs a cluster
// constraint. A constraint with neither field nor label counts as "cluster" (its default).
func ValidateSpreadConstraints(constraints []policyv1alpha1.SpreadConstraint, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	fields := map[policyv1alpha1.SpreadFieldValue]bool{}
	needsCluster := false
	for i, c := range constraints {
		idx := fldPath.Index(i)
		byField := c.SpreadByField
		if byField == "" && c.SpreadByLabel == "" {
			byField = policyv1alpha1.SpreadByFieldCluster
		}
		if c.SpreadByField != "" && c.SpreadByLabel != "" {
			allErrs = append(allErrs, field.Forbidden(idx.Child("spreadByLabel"),
				"cannot be set together with spreadByField; a constraint spreads by a cluster field or by a label, not both"))
		}
		if c.SpreadByLabel != "" {
			allErrs = append(allErrs, validateQualifiedName(c.SpreadByLabel, idx.Child("spreadByLabel"))...)
		}
		if byField != "" {
			switch byField {
			case policyv1alpha1.SpreadByFieldCluster:
			case policyv1alpha1.SpreadByFieldRegion, policyv1alpha1.SpreadByFieldZone, policyv1alpha1.SpreadByFieldProvider:
				needsCluster = true
			default:
				allErrs = append(allErrs, field.NotSupported(idx.Child("spreadByField"), byField, supportedSpreadFields))
			}
			if fields[byField] {
				allErrs = append(allErrs, field.Duplicate(idx.Child("spreadByField"), byField))
			}
			fields[byField] = true
		}
		if c.MinGroups < 0 {
			allErrs = append(allErrs, field.Invalid(idx.Child("minGroups"), c.MinGroups, "must be greater than or equal to 0"))
		}
		if c.MaxGroups < 0 {
			allErrs = append(allErrs, field.Invalid(idx.Child("maxGroups"), c.MaxGroups, "must be greater than or equal to 0"))
		}
		if c.MaxGroups > 0 && c.MaxGroups < c.MinGroups {
			allErrs = append(allErrs, field.Invalid(idx.Child("maxGroups"), c.MaxGroups,
				fmt.Sprintf("must be greater than or equal to minGroups (%d)", c.MinGroups)))
		}
	}
	if needsCluster && !fields[policyv1alpha1.SpreadByFieldCluster] {
		allErrs = append(allErrs, field.Required(fldPath,
			"spreading by region, zone or provider also needs a constraint with spreadByField: cluster, which says how many clusters to select"))
	}
	return allErrs
}

func validateReplicaScheduling(rs *policyv1alpha1.ReplicaSchedulingStrategy, fldPath *field.Path) field.ErrorList {
	if rs == nil {
		return nil
	}
	var allErrs field.ErrorList
	switch rs.ReplicaSchedulingType {
	case "", policyv1alpha1.ReplicaSchedulingTypeDuplicated, policyv1alpha1.ReplicaSchedulingTypeDivided:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("replicaSchedulingType"), rs.ReplicaSchedulingType, supportedSchedulingTypes))
	}
	switch rs.ReplicaDivisionPreference {
	case "", policyv1alpha1.ReplicaDivisionPreferenceAggregated, policyv1alpha1.ReplicaDivisionPreferenceWeighted:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("replicaDivisionPreference"), rs.ReplicaDivisionPreference, supportedDivisionPreferences))
	}
	if wp := rs.WeightPreference; wp != nil {
		wpPath := fldPath.Child("weightPreference")
		switch wp.DynamicWeight {
		case "", policyv1alpha1.DynamicWeightByAvailableReplicas:
		default:
			allErrs = append(allErrs, field.NotSupported(wpPath.Child("dynamicWeight"), wp.DynamicWeight, supportedDynamicWeights))
		}
		// As in Karmada, a staticWeightList next to dynamicWeight is accepted and ignored by the scheduler.
		for i := range wp.StaticWeightList {
			w := &wp.StaticWeightList[i]
			idx := wpPath.Child("staticWeightList").Index(i)
			if w.Weight < 1 {
				allErrs = append(allErrs, field.Invalid(idx.Child("weight"), w.Weight, "must be ≥ 1"))
			}
			allErrs = append(allErrs, ValidateClusterAffinity(&w.TargetCluster, idx.Child("targetCluster"))...)
		}
	}
	return allErrs
}

func validateQualifiedName(v string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range kubevalidation.IsQualifiedName(v) {
		allErrs = append(allErrs, field.Invalid(fldPath, v, msg))
	}
	return allErrs
}
