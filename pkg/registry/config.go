package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	configvalidation "github.com/karmada-one/karmada-one/pkg/apis/config/validation"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

func resourceInterpreterCustomizationKind() karmadarest.Kind {
	validate := func(obj runtime.Object) field.ErrorList {
		return configvalidation.ValidateResourceInterpreterCustomization(obj.(*configv1alpha1.ResourceInterpreterCustomization))
	}
	return karmadarest.Kind{
		Resource:     configv1alpha1.Resource("resourceinterpretercustomizations"),
		Singular:     "resourceinterpretercustomization",
		GroupVersion: configv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &configv1alpha1.ResourceInterpreterCustomization{} },
		NewList:      func() runtime.Object { return &configv1alpha1.ResourceInterpreterCustomizationList{} },
		ShortNames:   []string{"ric"},
		Table: karmadarest.Table{
			Columns: []karmadarest.Column{{Name: "TARGET-API-VERSION"}, {Name: "TARGET-KIND"}},
			Cells: func(obj runtime.Object) []interface{} {
				c := obj.(*configv1alpha1.ResourceInterpreterCustomization)
				return []interface{}{c.Spec.Target.APIVersion, c.Spec.Target.Kind}
			},
		},
		Hooks: karmadarest.Hooks{
			ValidateCreate: validate,
			ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		},
	}
}

func resourceInterpreterWebhookConfigurationKind() karmadarest.Kind {
	validate := func(obj runtime.Object) field.ErrorList {
		return configvalidation.ValidateResourceInterpreterWebhookConfiguration(obj.(*configv1alpha1.ResourceInterpreterWebhookConfiguration))
	}
	return karmadarest.Kind{
		Resource:     configv1alpha1.Resource("resourceinterpreterwebhookconfigurations"),
		Singular:     "resourceinterpreterwebhookconfiguration",
		GroupVersion: configv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &configv1alpha1.ResourceInterpreterWebhookConfiguration{} },
		NewList:      func() runtime.Object { return &configv1alpha1.ResourceInterpreterWebhookConfigurationList{} },
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			ValidateCreate: validate,
			ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		},
	}
}
