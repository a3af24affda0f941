package multiclusterservice

import (
	"strings"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
)

func sel(names ...string) []networkingv1alpha1.ClusterSelector {
	var out []networkingv1alpha1.ClusterSelector
	for _, n := range names {
		out = append(out, networkingv1alpha1.ClusterSelector{Name: n})
	}
	return out
}

func TestClusters(t *testing.T) {
	all := []string{"m1", "m2", "m3"}
	tests := []struct {
		name                 string
		spec                 networkingv1alpha1.MultiClusterServiceSpec
		providers, consumers string
		service              string
	}{
		{"empty lists mean every cluster", networkingv1alpha1.MultiClusterServiceSpec{}, "m1,m2,m3", "m1,m2,m3", "m1,m2,m3"},
		{"named", networkingv1alpha1.MultiClusterServiceSpec{ProviderClusters: sel("m1"), ConsumerClusters: sel("m2")}, "m1", "m2", "m1,m2"},
		{"only providers named", networkingv1alpha1.MultiClusterServiceSpec{ProviderClusters: sel("m3")}, "m3", "m1,m2,m3", "m1,m2,m3"},
		{"unknown cluster kept (reported by the controller)", networkingv1alpha1.MultiClusterServiceSpec{ProviderClusters: sel("gone")}, "gone", "m1,m2,m3", "gone,m1,m2,m3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &networkingv1alpha1.MultiClusterService{Spec: tc.spec}
			p, c := Providers(m, all), Consumers(m, all)
			if got := strings.Join(sets.List(p), ","); got != tc.providers {
				t.Errorf("providers %s, want %s", got, tc.providers)
			}
			if got := strings.Join(sets.List(c), ","); got != tc.consumers {
				t.Errorf("consumers %s, want %s", got, tc.consumers)
			}
			if got := strings.Join(ServiceClusters(p, c), ","); got != tc.service {
				t.Errorf("service clusters %s, want %s", got, tc.service)
			}
		})
	}
}

func TestCrossCluster(t *testing.T) {
	for _, tc := range []struct {
		types []networkingv1alpha1.ExposureType
		want  bool
	}{
		{nil, false},
		{[]networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeLoadBalancer}, false},
		{[]networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeCrossCluster}, true},
	} {
		if got := CrossCluster(&networkingv1alpha1.MultiClusterService{Spec: networkingv1alpha1.MultiClusterServiceSpec{Types: tc.types}}); got != tc.want {
			t.Errorf("%v: got %v", tc.types, got)
		}
	}
}

func slice(name, svc string, l map[string]string) *discoveryv1.EndpointSlice {
	labels := map[string]string{discoveryv1.LabelServiceName: svc}
	for k, v := range l {
		labels[k] = v
	}
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: labels},
		AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1"}}}}
}

func TestCollectable(t *testing.T) {
	tests := []struct {
		name string
		s    *discoveryv1.EndpointSlice
		want bool
	}{
		{"the Service's own slice", slice("web-abc", "web", map[string]string{discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"}), true},
		{"another Service", slice("api-abc", "api", nil), false},
		{"a dispatched copy is never collected back", slice("m1-web-abc", "web", map[string]string{discoveryv1.LabelManagedBy: DispatchControllerLabelValue}), false},
		{"a ServiceImport copy is not the Service's", slice("imported-m1-web", "web", map[string]string{EndpointSliceWorkManagedByLabel: "ServiceExport"}), false},
	}
	for _, tc := range tests {
		if got := Collectable(tc.s, "web"); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPlanDispatch(t *testing.T) {
	collected := []ProviderSlice{
		{Cluster: "m1", WorkName: "w-a", Slice: Collected(slice("web-a", "web", nil))},
		{Cluster: "m2", WorkName: "w-b", Slice: Collected(slice("web-b", "web", nil))},
	}
	tests := []struct {
		name      string
		consumers []string
		want      string // consumer/work/slice name
	}{
		{"to every consumer but the provider", []string{"m1", "m2", "m3"}, "m1/w-b/m2-web-b,m2/w-a/m1-web-a,m3/w-a/m1-web-a,m3/w-b/m2-web-b"},
		{"one consumer", []string{"m2"}, "m2/w-a/m1-web-a"},
		{"no consumer", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range PlanDispatch("web", collected, sets.New(tc.consumers...)) {
				got = append(got, d.Consumer+"/"+d.WorkName+"/"+d.Slice.Name)
				if d.Slice.Labels[discoveryv1.LabelServiceName] != "web" || d.Slice.Labels[discoveryv1.LabelManagedBy] != DispatchControllerLabelValue ||
					d.Slice.Labels["karmada.io/managed"] != "true" {
					t.Errorf("dispatched slice labels %v", d.Slice.Labels)
				}
				if p := d.Slice.Annotations[ProvisionClusterAnnotation]; !strings.HasPrefix(d.Slice.Name, p+"-") {
					t.Errorf("provision-cluster %q does not match name %s", p, d.Slice.Name)
				}
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}
