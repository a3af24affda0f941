package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	autoscalingvalidation "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/validation"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

// referenceColumns are REFERENCE-KIND and REFERENCE-NAME, printed by both kinds.
var referenceColumns = []karmadarest.Column{
	{Name: "Reference-Kind", Description: "Kind of the scaled resource."},
	{Name: "Reference-Name", Description: "Name of the scaled resource."},
}

func federatedHPAKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     autoscalingv1alpha1.Resource("federatedhpas"),
		Singular:     "federatedhpa",
		GroupVersion: autoscalingv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &autoscalingv1alpha1.FederatedHPA{} },
		NewList:      func() runtime.Object { return &autoscalingv1alpha1.FederatedHPAList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"fhpa"},
		Table: karmadarest.Table{
			Columns: append(append([]karmadarest.Column{}, referenceColumns...),
				karmadarest.Column{Name: "MinPods", Type: "integer", Description: "Lowest replica count."},
				karmadarest.Column{Name: "MaxPods", Type: "integer", Description: "Highest replica count."},
				karmadarest.Column{Name: "Replicas", Type: "integer", Description: "Replicas last seen."},
			),
			Cells: func(obj runtime.Object) []interface{} {
				f := obj.(*autoscalingv1alpha1.FederatedHPA)
				var minPods interface{} = "<unset>"
				if f.Spec.MinReplicas != nil {
					minPods = int64(*f.Spec.MinReplicas)
				}
				return []interface{}{f.Spec.ScaleTargetRef.Kind, f.Spec.ScaleTargetRef.Name, minPods, int64(f.Spec.MaxReplicas), int64(f.Status.CurrentReplicas)}
			},
		},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				autoscalingv1alpha1.SetDefaultsFederatedHPA(obj.(*autoscalingv1alpha1.FederatedHPA))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return autoscalingvalidation.ValidateFederatedHPA(obj.(*autoscalingv1alpha1.FederatedHPA))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return autoscalingvalidation.ValidateFederatedHPAUpdate(obj.(*autoscalingv1alpha1.FederatedHPA), old.(*autoscalingv1alpha1.FederatedHPA))
			},
		},
	}
}

func cronFederatedHPAKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     autoscalingv1alpha1.Resource("cronfederatedhpas"),
		Singular:     "cronfederatedhpa",
		GroupVersion: autoscalingv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &autoscalingv1alpha1.CronFederatedHPA{} },
		NewList:      func() runtime.Object { return &autoscalingv1alpha1.CronFederatedHPAList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"cronfhpa"},
		Table: karmadarest.Table{
			Columns: referenceColumns,
			Cells: func(obj runtime.Object) []interface{} {
				c := obj.(*autoscalingv1alpha1.CronFederatedHPA)
				return []interface{}{c.Spec.ScaleTargetRef.Kind, c.Spec.ScaleTargetRef.Name}
			},
		},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				autoscalingv1alpha1.SetDefaultsCronFederatedHPA(obj.(*autoscalingv1alpha1.CronFederatedHPA))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return autoscalingvalidation.ValidateCronFederatedHPA(obj.(*autoscalingv1alpha1.CronFederatedHPA))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return autoscalingvalidation.ValidateCronFederatedHPAUpdate(obj.(*autoscalingv1alpha1.CronFederatedHPA), old.(*autoscalingv1alpha1.CronFederatedHPA))
			},
		},
	}
}
