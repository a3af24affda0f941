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

// Package validation checks autoscaling.karmada.io objects. A FederatedHPA is checked
// by kube's own HorizontalPodAutoscaler rules (as Karmada's webhook does with its
// copy of them); a CronFederatedHPA by Karmada's rules on targets and schedules.
package validation

import (
	"fmt"
	"time"
	// Time zones are checked against the embedded database, as the controller reads them.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubernetes/pkg/apis/autoscaling"
	hpav2 "k8s.io/kubernetes/pkg/apis/autoscaling/v2"
	hpavalidation "k8s.io/kubernetes/pkg/apis/autoscaling/validation"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
)

// hpaOptions are Karmada's: no scale to zero, and target and object references must
// name an API group.
var hpaOptions = hpavalidation.HorizontalPodAutoscalerSpecValidationOptions{MinReplicasLowerBound: 1}

func asHPA(f *autoscalingv1alpha1.FederatedHPA) (*autoscaling.HorizontalPodAutoscaler, error) {
	in := autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: f.Spec.ScaleTargetRef,
		MinReplicas:    f.Spec.MinReplicas,
		MaxReplicas:    f.Spec.MaxReplicas,
		Metrics:        f.Spec.Metrics,
		Behavior:       f.Spec.Behavior,
	}
	out := &autoscaling.HorizontalPodAutoscaler{ObjectMeta: f.ObjectMeta}
	err := hpav2.Convert_v2_HorizontalPodAutoscalerSpec_To_autoscaling_HorizontalPodAutoscalerSpec(&in, &out.Spec, nil)
	return out, err
}

// ValidateFederatedHPA checks a new FederatedHPA.
func ValidateFederatedHPA(f *autoscalingv1alpha1.FederatedHPA) field.ErrorList {
	hpa, err := asHPA(f)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	return hpavalidation.ValidateHorizontalPodAutoscaler(hpa, hpaOptions)
}

// ValidateFederatedHPAUpdate checks an update of a FederatedHPA.
func ValidateFederatedHPAUpdate(f, old *autoscalingv1alpha1.FederatedHPA) field.ErrorList {
	hpa, err := asHPA(f)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	oldHPA, err := asHPA(old)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	return hpavalidation.ValidateHorizontalPodAutoscalerUpdate(hpa, oldHPA, hpaOptions)
}

// ParseSchedule parses a rule's schedule in its time zone (nil: the local one), as
// the controller runs it: five standard cron fields or a descriptor such as @hourly.
func ParseSchedule(schedule string, timeZone *string) (cron.Schedule, error) {
	if timeZone != nil && *timeZone != "" {
		if _, err := time.LoadLocation(*timeZone); err != nil {
			return nil, err
		}
		schedule = "CRON_TZ=" + *timeZone + " " + schedule
	}
	return cron.ParseStandard(schedule)
}

// ValidateCronFederatedHPA checks a CronFederatedHPA.
func ValidateCronFederatedHPA(c *autoscalingv1alpha1.CronFederatedHPA) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&c.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	ref := c.Spec.ScaleTargetRef
	refPath := spec.Child("scaleTargetRef")
	if ref.Kind == "" {
		errs = append(errs, field.Required(refPath.Child("kind"), "the kind of the workload or FederatedHPA to scale"))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(refPath.Child("name"), "the name of the workload or FederatedHPA to scale"))
	}
	scalesFHPA := false
	if ref.APIVersion == autoscalingv1alpha1.SchemeGroupVersion.String() {
		if ref.Kind != autoscalingv1alpha1.FederatedHPAKind {
			return append(errs, field.Invalid(refPath.Child("kind"), ref.Kind,
				fmt.Sprintf("invalid scaleTargetRef kind: %s, only support %s", ref.Kind, autoscalingv1alpha1.FederatedHPAKind)))
		}
		scalesFHPA = true
	}
	if len(c.Spec.Rules) == 0 {
		errs = append(errs, field.Required(spec.Child("rules"), "at least one rule with a name and a schedule"))
	}
	names := sets.New[string]()
	for i, r := range c.Spec.Rules {
		p := spec.Child("rules").Index(i)
		switch {
		case r.Name == "":
			errs = append(errs, field.Required(p.Child("name"), "a name of 1 to 32 characters, unique in the object"))
		case len(r.Name) > 32:
			errs = append(errs, field.TooLong(p.Child("name"), r.Name, 32))
		case names.Has(r.Name):
			errs = append(errs, field.Duplicate(p.Child("name"), r.Name))
		}
		names.Insert(r.Name)
		if r.TimeZone != nil {
			if _, err := time.LoadLocation(*r.TimeZone); err != nil {
				errs = append(errs, field.Invalid(p.Child("timeZone"), *r.TimeZone, err.Error()))
			}
		}
		if r.Schedule == "" {
			errs = append(errs, field.Required(p.Child("schedule"), "a cron expression such as \"*/5 * * * *\""))
		} else if _, err := ParseSchedule(r.Schedule, nil); err != nil {
			errs = append(errs, field.Invalid(p.Child("schedule"), r.Schedule, "invalid cron format: "+err.Error()))
		}
		if r.SuccessfulHistoryLimit != nil && (*r.SuccessfulHistoryLimit < 1 || *r.SuccessfulHistoryLimit > 32) {
			errs = append(errs, field.Invalid(p.Child("successfulHistoryLimit"), *r.SuccessfulHistoryLimit, "must be between 1 and 32"))
		}
		if r.FailedHistoryLimit != nil && (*r.FailedHistoryLimit < 0 || *r.FailedHistoryLimit > 32) {
			errs = append(errs, field.Invalid(p.Child("failedHistoryLimit"), *r.FailedHistoryLimit, "must be between 0 and 32"))
		}
		for _, v := range []struct {
			name string
			val  *int32
		}{{"targetReplicas", r.TargetReplicas}, {"targetMinReplicas", r.TargetMinReplicas}, {"targetMaxReplicas", r.TargetMaxReplicas}} {
			if v.val != nil && *v.val < 0 {
				errs = append(errs, field.Invalid(p.Child(v.name), *v.val, "must be greater than or equal to 0"))
			}
		}
		if scalesFHPA {
			if r.TargetMinReplicas == nil && r.TargetMaxReplicas == nil {
				errs = append(errs, field.Invalid(p, "", "targetMinReplicas and targetMaxReplicas cannot be nil at the same time if you want to scale FederatedHPA"))
			}
			continue
		}
		if r.TargetReplicas == nil {
			errs = append(errs, field.Invalid(p, "", fmt.Sprintf("targetReplicas cannot be nil if you want to scale %s", ref.Kind)))
		}
	}
	return errs
}

// ValidateCronFederatedHPAUpdate checks an update of a CronFederatedHPA.
func ValidateCronFederatedHPAUpdate(c, old *autoscalingv1alpha1.CronFederatedHPA) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	for _, e := range ValidateCronFederatedHPA(c) {
		if e.Field != "metadata.name" && e.Field != "metadata.namespace" {
			errs = append(errs, e)
		}
	}
	return errs
}
