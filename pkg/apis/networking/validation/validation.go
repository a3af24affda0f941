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

// Package validation checks networking.karmada.io objects.
package validation

import (
	"fmt"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	kubevalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clustervalidation "github.com/karmada-one/karmada-one/pkg/apis/cluster/validation"
	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
)

var supportedExposureTypes = []string{string(networkingv1alpha1.ExposureTypeCrossCluster), string(networkingv1alpha1.ExposureTypeLoadBalancer)}

// ValidateMultiClusterService validates a MultiClusterService on create. Its name is the
// Service's, so it must be a DNS-1035 label as a Service name is.
func ValidateMultiClusterService(mcs *networkingv1alpha1.MultiClusterService) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&mcs.ObjectMeta, true, apivalidation.NameIsDNS1035Label, field.NewPath("metadata"))
	return append(allErrs, ValidateMultiClusterServiceSpec(&mcs.Spec, field.NewPath("spec"))...)
}

// ValidateMultiClusterServiceUpdate validates an update: the types cannot change.
func ValidateMultiClusterServiceUpdate(newM, oldM *networkingv1alpha1.MultiClusterService) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newM.ObjectMeta, &oldM.ObjectMeta, field.NewPath("metadata"))
	if !apiequality.Semantic.DeepEqual(newM.Spec.Types, oldM.Spec.Types) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "types"), newM.Spec.Types,
			"MultiClusterService types are immutable; delete and re-create the MultiClusterService to change them"))
	}
	return append(allErrs, ValidateMultiClusterServiceSpec(&newM.Spec, field.NewPath("spec"))...)
}

// ValidateMultiClusterServiceStatusUpdate validates a status write: the load balancer
// ingress points must be well formed.
func ValidateMultiClusterServiceStatusUpdate(newM, oldM *networkingv1alpha1.MultiClusterService) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newM.ObjectMeta, &oldM.ObjectMeta, field.NewPath("metadata"))
	fld := field.NewPath("status", "loadBalancer", "ingress")
	for i, ing := range newM.Status.LoadBalancer.Ingress {
		p := fld.Index(i)
		if ing.IP != "" {
			allErrs = append(allErrs, kubevalidation.IsValidIP(p.Child("ip"), ing.IP)...)
		}
		if ing.Hostname != "" {
			for _, msg := range kubevalidation.IsDNS1123Subdomain(ing.Hostname) {
				allErrs = append(allErrs, field.Invalid(p.Child("hostname"), ing.Hostname, msg))
			}
		}
	}
	allErrs = append(allErrs, metav1validation.ValidateConditions(newM.Status.Conditions, field.NewPath("status", "conditions"))...)
	return allErrs
}

// ValidateMultiClusterServiceSpec validates the spec: known exposure types (one kind
// only), port numbers and distinct DNS-1123 port names, valid cluster names.
func ValidateMultiClusterServiceSpec(spec *networkingv1alpha1.MultiClusterServiceSpec, fld *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i, p := range spec.Ports {
		pp := fld.Child("ports").Index(i)
		if p.Name != "" {
			for _, msg := range kubevalidation.IsDNS1123Label(p.Name) {
				allErrs = append(allErrs, field.Invalid(pp.Child("name"), p.Name, msg))
			}
			if names.Has(p.Name) {
				allErrs = append(allErrs, field.Duplicate(pp.Child("name"), p.Name))
			}
			names.Insert(p.Name)
		}
		for _, msg := range kubevalidation.IsValidPortNum(int(p.Port)) {
			allErrs = append(allErrs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
	}
	types := sets.New[networkingv1alpha1.ExposureType]()
	for i, t := range spec.Types {
		if t != networkingv1alpha1.ExposureTypeCrossCluster && t != networkingv1alpha1.ExposureTypeLoadBalancer {
			allErrs = append(allErrs, field.NotSupported(fld.Child("types").Index(i), t, supportedExposureTypes))
		}
		types.Insert(t)
	}
	if types.Len() > 1 {
		allErrs = append(allErrs, field.Invalid(fld.Child("types"), spec.Types,
			"MultiClusterService types should not contain more than one type; use one MultiClusterService per exposure type"))
	}
	allErrs = append(allErrs, validateClusters(spec.ProviderClusters, fld.Child("providerClusters"))...)
	allErrs = append(allErrs, validateClusters(spec.ConsumerClusters, fld.Child("consumerClusters"))...)
	return allErrs
}

func validateClusters(list []networkingv1alpha1.ClusterSelector, fld *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, c := range list {
		p := fld.Index(i).Child("name")
		if c.Name == "" {
			allErrs = append(allErrs, field.Required(p, "name a member cluster"))
			continue
		}
		if msgs := clustervalidation.ValidateClusterName(c.Name, false); len(msgs) > 0 {
			allErrs = append(allErrs, field.Invalid(p, c.Name, fmt.Sprintf("%s (must be a cluster name)", strings.Join(msgs, ", "))))
		}
	}
	return allErrs
}
