package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
	appsvalidation "github.com/karmada-one/karmada-one/pkg/apis/apps/validation"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	policyvalidation "github.com/karmada-one/karmada-one/pkg/apis/policy/validation"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

// workloadRebalancerKind is apps.karmada.io WorkloadRebalancer: cluster-scoped, no
// short name and no printer columns, as in Karmada's CRD.
func workloadRebalancerKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     appsv1alpha1.Resource("workloadrebalancers"),
		Singular:     "workloadrebalancer",
		GroupVersion: appsv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &appsv1alpha1.WorkloadRebalancer{} },
		NewList:      func() runtime.Object { return &appsv1alpha1.WorkloadRebalancerList{} },
		HasStatus:    true,
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return appsvalidation.ValidateWorkloadRebalancer(obj.(*appsv1alpha1.WorkloadRebalancer))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return appsvalidation.ValidateWorkloadRebalancerUpdate(obj.(*appsv1alpha1.WorkloadRebalancer), old.(*appsv1alpha1.WorkloadRebalancer))
			},
		},
	}
}

// federatedResourceQuotaKind is policy.karmada.io FederatedResourceQuota: namespaced,
// no short name and no printer columns, as in Karmada's CRD.
func federatedResourceQuotaKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     policyv1alpha1.Resource("federatedresourcequotas"),
		Singular:     "federatedresourcequota",
		GroupVersion: policyv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &policyv1alpha1.FederatedResourceQuota{} },
		NewList:      func() runtime.Object { return &policyv1alpha1.FederatedResourceQuotaList{} },
		Namespaced:   true,
		HasStatus:    true,
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return policyvalidation.ValidateFederatedResourceQuota(obj.(*policyv1alpha1.FederatedResourceQuota))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidateFederatedResourceQuotaUpdate(obj.(*policyv1alpha1.FederatedResourceQuota), old.(*policyv1alpha1.FederatedResourceQuota))
			},
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidateFederatedResourceQuotaStatusUpdate(obj.(*policyv1alpha1.FederatedResourceQuota), old.(*policyv1alpha1.FederatedResourceQuota))
			},
		},
	}
}
