// Package serviceexport collects, into the control plane, the EndpointSlices of the
// Services that member clusters export with a ServiceExport (multi-cluster services).
package serviceexport

import (
	"maps"
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/pkg/names"
)

const (
	// ManagedByLabel is Karmada's label naming who manages a collected EndpointSlice.
	ManagedByLabel = "endpointslice.karmada.io/managed-by"
	// ManagedByValue says it was collected because of a ServiceExport.
	ManagedByValue = "ServiceExport"
	// ProvisionClusterAnnotation is Karmada's annotation naming the member cluster an
	// EndpointSlice was collected from.
	ProvisionClusterAnnotation = "endpointslice.karmada.io/provision-cluster"
	// SourceAnnotation names the member's EndpointSlice (namespace/name) a copy comes from.
	SourceAnnotation = "endpointslice.karmada.io/source"
)

// Exportable tells whether a member's EndpointSlice may be collected: it belongs to a
// Service (kubernetes.io/service-name) and is not a copy the control plane collected and
// propagated (those keep ManagedByLabel; a consumer's copies must never be collected
// back). karmada.io/managed says nothing here: kube's EndpointSlice controller copies the
// labels of a propagated Service, karmada.io/managed included, onto its own slices.
func Exportable(s *discoveryv1.EndpointSlice) bool {
	return s.Labels[discoveryv1.LabelServiceName] != "" && s.Labels[ManagedByLabel] == ""
}

// Collected is the control plane's copy of a member's EndpointSlice: named
// imported-<cluster>-<slice>, it belongs to the derived Service derived-<service>, so it
// follows the ServiceImport to the consumers.
func Collected(cluster string, s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace,
			Name:      names.GenerateImportedEndpointSliceName(s.Name, cluster),
			Labels: map[string]string{
				discoveryv1.LabelServiceName: names.GenerateDerivedServiceName(s.Labels[discoveryv1.LabelServiceName]),
				ManagedByLabel:               ManagedByValue,
			},
			Annotations: map[string]string{
				ProvisionClusterAnnotation: cluster,
				SourceAnnotation:           s.Namespace + "/" + s.Name,
			},
		},
		AddressType: s.AddressType,
		Endpoints:   s.Endpoints,
		Ports:       s.Ports,
	}
}

// Plan compares the copies a cluster should have for one exported Service (want) with
// those in the control plane (have, already filtered to that cluster and Service): what
// to create or update, and the names to delete.
func Plan(want, have []*discoveryv1.EndpointSlice) (apply []*discoveryv1.EndpointSlice, remove []string) {
	haveByName := map[string]*discoveryv1.EndpointSlice{}
	for _, h := range have {
		haveByName[h.Name] = h
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.Name] = true
		if h, ok := haveByName[w.Name]; ok && Same(w, h) {
			continue
		}
		apply = append(apply, w)
	}
	for _, h := range have {
		if !wanted[h.Name] {
			remove = append(remove, h.Name)
		}
	}
	sort.Strings(remove)
	return apply, remove
}

// Same tells whether have already carries everything of want (extra labels and
// annotations added by others are kept).
func Same(want, have *discoveryv1.EndpointSlice) bool {
	for k, v := range want.Labels {
		if have.Labels[k] != v {
			return false
		}
	}
	for k, v := range want.Annotations {
		if have.Annotations[k] != v {
			return false
		}
	}
	return want.AddressType == have.AddressType &&
		apiequality.Semantic.DeepEqual(want.Endpoints, have.Endpoints) &&
		apiequality.Semantic.DeepEqual(want.Ports, have.Ports)
}

// Merge writes want's content over have (keeping others' labels and annotations).
func Merge(want, have *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	out := have.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	maps.Copy(out.Labels, want.Labels)
	maps.Copy(out.Annotations, want.Annotations)
	out.AddressType, out.Endpoints, out.Ports = want.AddressType, want.Endpoints, want.Ports
	return out
}
