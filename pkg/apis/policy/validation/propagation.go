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

// Package validation checks the policy kinds (PropagationPolicy, ClusterPropagationPolicy,
// OverridePolicy, ClusterOverridePolicy) before they are stored. The functions are pure: the REST
// strategies call them after defaulting. Each error names the exact field and says what to do.
package validation

import (
	"fmt"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

var (
	supportedPreemption         = []string{string(policyv1alpha1.PreemptAlways), string(policyv1alpha1.PreemptNever)}
	supportedConflictResolution = []string{string(policyv1alpha1.ConflictAbort), string(policyv1alpha1.ConflictOverwrite)}
	supportedActivation         = []string{string(policyv1alpha1.LazyActivation)}
	supportedAppPurgeModes      = []string{
		string(policyv1alpha1.PurgeModeDirectly), string(policyv1alpha1.PurgeModeGracefully), string(policyv1alpha1.PurgeModeNever),
	}
	supportedClusterPurgeModes = []string{string(policyv1alpha1.PurgeModeDirectly), string(policyv1alpha1.PurgeModeGracefully)}
	supportedPriorityClassSrc  = []string{string(policyv1alpha1.KubePriorityClass)}
)

// ValidatePropagationPolicy validates a PropagationPolicy on create.
func ValidatePropagationPolicy(p *policyv1alpha1.PropagationPolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&p.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidatePropagationSpec(&p.Spec, p.Namespace, field.NewPath("spec"))...)
	return allErrs
}

// ValidatePropagationPolicyUpdate validates a PropagationPolicy on update: the create rules, the
// metadata update rules, an immutable schedulerName and an immutable permanent-id label.
func ValidatePropagationPolicyUpdate(newP, oldP *policyv1alpha1.PropagationPolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newP.ObjectMeta, &oldP.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidatePropagationPolicy(newP)...)
	allErrs = append(allErrs, validatePropagationSpecUpdate(&newP.Spec, &oldP.Spec, newP.Labels, oldP.Labels,
		policyv1alpha1.PropagationPolicyPermanentIDLabel)...)
	return allErrs
}

// ValidateClusterPropagationPolicy validates a ClusterPropagationPolicy on create.
func ValidateClusterPropagationPolicy(p *policyv1alpha1.ClusterPropagationPolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&p.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidatePropagationSpec(&p.Spec, "", field.NewPath("spec"))...)
	return allErrs
}

// ValidateClusterPropagationPolicyUpdate validates a ClusterPropagationPolicy on update.
func ValidateClusterPropagationPolicyUpdate(newP, oldP *policyv1alpha1.ClusterPropagationPolicy) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newP.ObjectMeta, &oldP.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateClusterPropagationPolicy(newP)...)
	allErrs = append(allErrs, validatePropagationSpecUpdate(&newP.Spec, &oldP.Spec, newP.Labels, oldP.Labels,
		policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel)...)
	return allErrs
}

func validatePropagationSpecUpdate(newS, oldS *policyv1alpha1.PropagationSpec, newLabels, oldLabels map[string]string, idLabel string) field.ErrorList {
	var allErrs field.ErrorList
	if newS.SchedulerName != oldS.SchedulerName {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "schedulerName"), newS.SchedulerName,
			fmt.Sprintf("field is immutable (was %q); delete and recreate the policy to change the scheduler", oldS.SchedulerName)))
	}
	if oldID, had := oldLabels[idLabel]; had {
		if newID, has := newLabels[idLabel]; !has || newID != oldID {
			allErrs = append(allErrs, field.Invalid(field.NewPath("metadata", "labels").Key(idLabel), newLabels[idLabel],
				fmt.Sprintf("label is immutable (was %q): it is set by the system at creation", oldID)))
		}
	}
	return allErrs
}

// ValidatePropagationSpec validates a propagation spec. namespace is the namespace of a
// PropagationPolicy (its selectors must stay in it); pass "" for a ClusterPropagationPolicy.
func ValidatePropagationSpec(spec *policyv1alpha1.PropagationSpec, namespace string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	selPath := fldPath.Child("resourceSelectors")
	if len(spec.ResourceSelectors) == 0 {
		allErrs = append(allErrs, field.Required(selPath,
			"at least one resource selector (apiVersion and kind) is required; an empty list does not select everything"))
	}
	allErrs = append(allErrs, validateResourceSelectors(spec.ResourceSelectors, namespace, true, selPath)...)

	allErrs = append(allErrs, ValidatePlacement(&spec.Placement, fldPath.Child("placement"))...)

	switch spec.Preemption {
	case "", policyv1alpha1.PreemptNever:
	case policyv1alpha1.PreemptAlways:
		for i, rs := range spec.ResourceSelectors {
			if rs.Name == "" {
				allErrs = append(allErrs, field.Required(selPath.Index(i).Child("name"),
					"preemption Always requires every resource selector to name one object, so that a policy cannot take over resources by accident"))
			}
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("preemption"), spec.Preemption, supportedPreemption))
	}

	switch spec.ConflictResolution {
	case "", policyv1alpha1.ConflictAbort, policyv1alpha1.ConflictOverwrite:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("conflictResolution"), spec.ConflictResolution, supportedConflictResolution))
	}

	switch spec.ActivationPreference {
	case "", policyv1alpha1.LazyActivation:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("activationPreference"), spec.ActivationPreference, supportedActivation))
	}

	for i, name := range spec.DependentOverrides {
		if name == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("dependentOverrides").Index(i), "the name of an OverridePolicy"))
		}
	}

	if spec.Suspension != nil && spec.Suspension.Dispatching != nil && *spec.Suspension.Dispatching &&
		spec.Suspension.DispatchingOnClusters != nil && len(spec.Suspension.DispatchingOnClusters.ClusterNames) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("suspension", "dispatchingOnClusters"),
			"cannot be set while dispatching is true (which already suspends every cluster); remove one of them"))
	}

	if spec.Failover != nil {
		if spec.Failover.Application != nil && !spec.PropagateDeps {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("propagateDeps"), spec.PropagateDeps,
				"must be true when failover.application is set, so that dependencies move with the application"))
		}
		allErrs = append(allErrs, validateFailover(spec.Failover, fldPath.Child("failover"))...)
	}

	if sp := spec.SchedulePriority; sp != nil {
		spPath := fldPath.Child("schedulePriority")
		switch sp.PriorityClassSource {
		case "":
			allErrs = append(allErrs, field.Required(spPath.Child("priorityClassSource"), "KubePriorityClass"))
		case policyv1alpha1.KubePriorityClass:
		default:
			allErrs = append(allErrs, field.NotSupported(spPath.Child("priorityClassSource"), sp.PriorityClassSource, supportedPriorityClassSrc))
		}
		if sp.PriorityClassName == "" {
			allErrs = append(allErrs, field.Required(spPath.Child("priorityClassName"), "the name of a scheduling.k8s.io/v1 PriorityClass"))
		}
	}
	return allErrs
}

func validateFailover(f *policyv1alpha1.FailoverBehavior, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if a := f.Application; a != nil {
		aPath := fldPath.Child("application")
		if ts := a.DecisionConditions.TolerationSeconds; ts != nil && *ts < 0 {
			allErrs = append(allErrs, field.Invalid(aPath.Child("decisionConditions", "tolerationSeconds"), *ts, "must be greater than or equal to 0"))
		}
		switch a.PurgeMode {
		case "", policyv1alpha1.PurgeModeDirectly, policyv1alpha1.PurgeModeGracefully, policyv1alpha1.PurgeModeNever,
			policyv1alpha1.Immediately, policyv1alpha1.Graciously: // the last two are legacy spellings
		default:
			allErrs = append(allErrs, field.NotSupported(aPath.Child("purgeMode"), a.PurgeMode, supportedAppPurgeModes))
		}
		graceful := a.PurgeMode == "" || policyv1alpha1.IsGracefulPurgeMode(a.PurgeMode)
		gpPath := aPath.Child("gracePeriodSeconds")
		switch {
		case a.GracePeriodSeconds != nil && !graceful:
			allErrs = append(allErrs, field.Forbidden(gpPath,
				fmt.Sprintf("only allowed when purgeMode is Gracefully (it is %s); remove it or change purgeMode", a.PurgeMode)))
		case a.GracePeriodSeconds != nil && *a.GracePeriodSeconds <= 0:
			allErrs = append(allErrs, field.Invalid(gpPath, *a.GracePeriodSeconds, "must be greater than 0"))
		case a.GracePeriodSeconds == nil && a.PurgeMode != "" && graceful:
			allErrs = append(allErrs, field.Required(gpPath, "required when purgeMode is Gracefully (600 by default)"))
		}
		allErrs = append(allErrs, validateStatePreservation(a.StatePreservation, aPath.Child("statePreservation"))...)
	}
	if c := f.Cluster; c != nil {
		cPath := fldPath.Child("cluster")
		switch c.PurgeMode {
		case "", policyv1alpha1.PurgeModeDirectly, policyv1alpha1.PurgeModeGracefully:
		default:
			allErrs = append(allErrs, field.NotSupported(cPath.Child("purgeMode"), c.PurgeMode, supportedClusterPurgeModes))
		}
		allErrs = append(allErrs, validateStatePreservation(c.StatePreservation, cPath.Child("statePreservation"))...)
	}
	return allErrs
}

func validateStatePreservation(sp *policyv1alpha1.StatePreservation, fldPath *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	var allErrs field.ErrorList
	if len(sp.Rules) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("rules"), "at least one rule {aliasLabelName, jsonPath}"))
	}
	for i, r := range sp.Rules {
		rPath := fldPath.Child("rules").Index(i)
		if r.AliasLabelName == "" {
			allErrs = append(allErrs, field.Required(rPath.Child("aliasLabelName"), "the label key that carries the preserved value"))
		} else {
			allErrs = append(allErrs, validateQualifiedName(r.AliasLabelName, rPath.Child("aliasLabelName"))...)
		}
		if r.JSONPath == "" {
			allErrs = append(allErrs, field.Required(rPath.Child("jsonPath"), "a JSONPath into the status, e.g. {.availableReplicas}"))
		}
	}
	return allErrs
}
