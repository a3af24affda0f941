// Package mciservicelocations keeps a MultiClusterIngress's status.serviceLocations: for
// each backend Service it names, the clusters that Service is propagated to. A
// multi-cluster ingress provider reads it to know which clusters' endpoints to put behind
// the load balancer; Karmada's multicluster-cloud-provider keeps the same field.
package mciservicelocations

import (
	"sort"

	"k8s.io/apimachinery/pkg/util/sets"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// BackendServices are the distinct Services an ingress routes to (default backend and every
// HTTP path), sorted.
func BackendServices(mci *networkingv1alpha1.MultiClusterIngress) []string {
	names := sets.New[string]()
	if b := mci.Spec.DefaultBackend; b != nil && b.Service != nil && b.Service.Name != "" {
		names.Insert(b.Service.Name)
	}
	for _, rule := range mci.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.Backend.Service != nil && p.Backend.Service.Name != "" {
				names.Insert(p.Backend.Service.Name)
			}
		}
	}
	return sets.List(names)
}

// Locations computes status.serviceLocations. binding returns the ResourceBinding of a
// Service of the ingress's namespace, or nil when the Service is not propagated; such a
// Service is left out. A Service's clusters are those it is scheduled to plus those it
// follows another workload to as a dependency.
func Locations(mci *networkingv1alpha1.MultiClusterIngress, binding func(service string) *workv1alpha2.ResourceBinding) []networkingv1alpha1.ServiceLocation {
	var out []networkingv1alpha1.ServiceLocation
	for _, svc := range BackendServices(mci) {
		rb := binding(svc)
		if rb == nil {
			continue
		}
		out = append(out, networkingv1alpha1.ServiceLocation{Name: svc, Clusters: bindingClusters(rb)})
	}
	return out
}

func bindingClusters(rb *workv1alpha2.ResourceBinding) []string {
	clusters := sets.New[string]()
	for _, c := range rb.Spec.Clusters {
		clusters.Insert(c.Name)
	}
	for _, req := range rb.Spec.RequiredBy {
		for _, c := range req.Clusters {
			clusters.Insert(c.Name)
		}
	}
	if clusters.Len() == 0 {
		return nil
	}
	list := clusters.UnsortedList()
	sort.Strings(list)
	return list
}
