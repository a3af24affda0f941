// Package multiclusterservice holds the pure decisions of the CrossCluster
// MultiClusterService controllers: which clusters provide and consume a Service, the
// names and labels of what the control plane creates for it, and which EndpointSlices
// travel from the providers to the consumers.
package multiclusterservice

import (
	"slices"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Karmada's names of the labels, annotations, finalizer and values the controllers use.
const (
	// NameLabel and NamespaceLabel mark a Work as made for a MultiClusterService.
	NameLabel      = "multiclusterservice.karmada.io/name"
	NamespaceLabel = "multiclusterservice.karmada.io/namespace"
	// EndpointSliceWorkManagedByLabel marks a Work holding a collected EndpointSlice with
	// the kind that collected it.
	EndpointSliceWorkManagedByLabel = "endpointslice.karmada.io/managed-by"
	// ProvisionClusterAnnotation, on a dispatched EndpointSlice and its Work, names the
	// provider cluster the endpoints come from.
	ProvisionClusterAnnotation = "endpointslice.karmada.io/provision-cluster"
	// DispatchControllerLabelValue is the endpointslice.kubernetes.io/managed-by value of a
	// dispatched EndpointSlice: kube's EndpointSlice controller leaves such slices alone.
	DispatchControllerLabelValue = "endpointslice-dispatch-controller.karmada.io"
	// ClaimedByLabel is set on the Service a MultiClusterService propagates.
	ClaimedByLabel = "resourcetemplate.karmada.io/claimed-by"
	// BindingManagedByLabel is set on the Service's ResourceBinding.
	BindingManagedByLabel = "binding.karmada.io/managed-by"
	// Kind is the value of ClaimedByLabel, BindingManagedByLabel and
	// EndpointSliceWorkManagedByLabel.
	Kind = "MultiClusterService"
	// Finalizer keeps a MultiClusterService until what was made for it is cleaned up.
	Finalizer = "karmada.io/multiclusterservice-controller"
)

// CrossCluster tells whether mcs asks for cross-cluster service discovery.
func CrossCluster(mcs *networkingv1alpha1.MultiClusterService) bool {
	return slices.Contains(mcs.Spec.Types, networkingv1alpha1.ExposureTypeCrossCluster)
}

// Providers are the clusters whose endpoints back the Service: providerClusters, or
// every cluster when it is empty.
func Providers(mcs *networkingv1alpha1.MultiClusterService, all []string) sets.Set[string] {
	return pick(mcs.Spec.ProviderClusters, all)
}

// Consumers are the clusters where the Service is used: consumerClusters, or every
// cluster when it is empty.
func Consumers(mcs *networkingv1alpha1.MultiClusterService, all []string) sets.Set[string] {
	return pick(mcs.Spec.ConsumerClusters, all)
}

func pick(sel []networkingv1alpha1.ClusterSelector, all []string) sets.Set[string] {
	if len(sel) == 0 {
		return sets.New(all...)
	}
	out := sets.New[string]()
	for _, s := range sel {
		out.Insert(s.Name)
	}
	return out
}

// ServiceClusters are the clusters the Service is propagated to: providers and
// consumers, sorted.
func ServiceClusters(providers, consumers sets.Set[string]) []string {
	return sets.List(providers.Union(consumers))
}

// MCSWorkName is the name of the Work, in each provider's execution namespace, that
// records the MultiClusterService there (never dispatched).
func MCSWorkName(namespace, name string) string {
	return names.GenerateWorkName(Kind, name, namespace)
}

// SliceWorkName is the name of the Works holding a provider's EndpointSlice: the
// collected one in the provider's execution namespace and the dispatched ones in the
// consumers'.
func SliceWorkName(namespace, slice string) string {
	return names.GenerateWorkName("EndpointSlice", slice, namespace)
}

// WorkLabels are the labels of every Work made for the MultiClusterService.
func WorkLabels(namespace, name string) map[string]string {
	return map[string]string{NameLabel: name, NamespaceLabel: namespace}
}

// Collectable tells whether a member's EndpointSlice is one of the Service's own: it
// belongs to service, and it is neither a dispatched copy nor a copy the control plane
// made for a ServiceImport (those carry endpointslice.karmada.io/managed-by).
func Collectable(s *discoveryv1.EndpointSlice, service string) bool {
	return s.Labels[discoveryv1.LabelServiceName] == service &&
		s.Labels[discoveryv1.LabelManagedBy] != DispatchControllerLabelValue &&
		s.Labels[EndpointSliceWorkManagedByLabel] == ""
}

// Collected is the manifest of the Work that holds a provider's EndpointSlice in the
// control plane: the slice's content and identity, without member-local metadata.
func Collected(s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		TypeMeta: metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace,
			Name:      s.Name,
			Labels:    map[string]string{discoveryv1.LabelServiceName: s.Labels[discoveryv1.LabelServiceName]},
		},
		AddressType: s.AddressType,
		Endpoints:   s.Endpoints,
		Ports:       s.Ports,
	}
}

// Dispatched is the EndpointSlice a consumer receives for a provider's slice: named
// <provider>-<slice>, labelled so the consumer's Service of the same name uses it and
// kube's EndpointSlice controller leaves it alone.
func Dispatched(provider, service string, s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		TypeMeta: metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace,
			Name:      provider + "-" + s.Name,
			Labels: map[string]string{
				discoveryv1.LabelServiceName: service,
				discoveryv1.LabelManagedBy:   DispatchControllerLabelValue,
				// The member copy is the control plane's: it may update and remove it.
				policyv1alpha1.ManagedByKarmadaLabel: policyv1alpha1.ManagedByKarmadaLabelValue,
			},
			Annotations: map[string]string{ProvisionClusterAnnotation: provider},
		},
		AddressType: s.AddressType,
		Endpoints:   s.Endpoints,
		Ports:       s.Ports,
	}
}

// ProviderSlice is a collected EndpointSlice: the provider it came from and the name of
// its Work.
type ProviderSlice struct {
	Cluster  string
	WorkName string
	Slice    *discoveryv1.EndpointSlice
}

// Delivery is one dispatched EndpointSlice: its Work's cluster and name.
type Delivery struct {
	Consumer string
	WorkName string
	Slice    *discoveryv1.EndpointSlice
}

// PlanDispatch lists what every consumer should receive: each collected slice goes to
// every consumer but its own provider. The result is sorted by consumer, then Work name.
func PlanDispatch(service string, collected []ProviderSlice, consumers sets.Set[string]) []Delivery {
	var out []Delivery
	for _, c := range sets.List(consumers) {
		for _, p := range collected {
			if p.Cluster == c {
				continue
			}
			out = append(out, Delivery{Consumer: c, WorkName: p.WorkName, Slice: Dispatched(p.Cluster, service, p.Slice)})
		}
	}
	slices.SortStableFunc(out, func(a, b Delivery) int {
		if a.Consumer != b.Consumer {
			if a.Consumer < b.Consumer {
				return -1
			}
			return 1
		}
		switch {
		case a.WorkName < b.WorkName:
			return -1
		case a.WorkName > b.WorkName:
			return 1
		}
		return 0
	})
	return out
}
