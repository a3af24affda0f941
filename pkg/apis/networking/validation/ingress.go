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
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubernetes/pkg/apis/networking"
	kubenetworkingv1 "k8s.io/kubernetes/pkg/apis/networking/v1"
	kubenetworkingvalidation "k8s.io/kubernetes/pkg/apis/networking/validation"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
)

// A MultiClusterIngress spec is an Ingress spec, checked by kube's own Ingress rules with
// the strict options a new Ingress gets (no invalid secret names, no wildcard host with a
// non-prefix path).
var ingressOptions = kubenetworkingvalidation.IngressValidationOptions{}

// ValidateMultiClusterIngress validates a MultiClusterIngress on create.
func ValidateMultiClusterIngress(mci *networkingv1alpha1.MultiClusterIngress) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&mci.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateIngressSpec(&mci.Spec, field.NewPath("spec"))...)
}

// ValidateMultiClusterIngressUpdate validates an update of the spec.
func ValidateMultiClusterIngressUpdate(newM, oldM *networkingv1alpha1.MultiClusterIngress) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newM.ObjectMeta, &oldM.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateIngressSpec(&newM.Spec, field.NewPath("spec"))...)
}

// ValidateMultiClusterIngressStatusUpdate validates a status write: the load balancer's
// ingress points as kube checks an Ingress's, and distinct, named service locations.
func ValidateMultiClusterIngressStatusUpdate(newM, oldM *networkingv1alpha1.MultiClusterIngress) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newM.ObjectMeta, &oldM.ObjectMeta, field.NewPath("metadata"))
	lbPath := field.NewPath("status", "loadBalancer")
	var lb, oldLB networking.IngressLoadBalancerStatus
	if err := kubenetworkingv1.Convert_v1_IngressLoadBalancerStatus_To_networking_IngressLoadBalancerStatus(&newM.Status.LoadBalancer, &lb, nil); err != nil {
		return append(allErrs, field.Invalid(lbPath, newM.Status.LoadBalancer, err.Error()))
	}
	if err := kubenetworkingv1.Convert_v1_IngressLoadBalancerStatus_To_networking_IngressLoadBalancerStatus(&oldM.Status.LoadBalancer, &oldLB, nil); err != nil {
		return append(allErrs, field.Invalid(lbPath, oldM.Status.LoadBalancer, err.Error()))
	}
	allErrs = append(allErrs, kubenetworkingvalidation.ValidateIngressLoadBalancerStatus(&lb, &oldLB, lbPath)...)
	seen := map[string]bool{}
	for i, loc := range newM.Status.ServiceLocations {
		p := field.NewPath("status", "serviceLocations").Index(i).Child("name")
		switch {
		case loc.Name == "":
			allErrs = append(allErrs, field.Required(p, "name the backend Service"))
		case seen[loc.Name]:
			allErrs = append(allErrs, field.Duplicate(p, loc.Name))
		}
		seen[loc.Name] = true
	}
	return allErrs
}

func validateIngressSpec(spec *networkingv1.IngressSpec, fld *field.Path) field.ErrorList {
	var internal networking.IngressSpec
	if err := kubenetworkingv1.Convert_v1_IngressSpec_To_networking_IngressSpec(spec, &internal, nil); err != nil {
		return field.ErrorList{field.Invalid(fld, spec, err.Error())}
	}
	return kubenetworkingvalidation.ValidateIngressSpec(&internal, fld, ingressOptions)
}
