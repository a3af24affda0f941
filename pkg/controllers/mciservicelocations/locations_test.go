package mciservicelocations

import (
	"reflect"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func backend(svc string) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: 80}}}
}

func ingress(defaultSvc string, pathSvcs ...string) *networkingv1alpha1.MultiClusterIngress {
	mci := &networkingv1alpha1.MultiClusterIngress{}
	if defaultSvc != "" {
		b := backend(defaultSvc)
		mci.Spec.DefaultBackend = &b
	}
	var paths []networkingv1.HTTPIngressPath
	for _, s := range pathSvcs {
		paths = append(paths, networkingv1.HTTPIngressPath{Path: "/" + s, Backend: backend(s)})
	}
	mci.Spec.Rules = []networkingv1.IngressRule{
		{Host: "a.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}},
		{Host: "no-http.example.com"},
	}
	return mci
}

func binding(clusters []string, requiredBy ...[]string) *workv1alpha2.ResourceBinding {
	rb := &workv1alpha2.ResourceBinding{}
	for _, c := range clusters {
		rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: c, Replicas: 1})
	}
	for _, r := range requiredBy {
		snap := workv1alpha2.BindingSnapshot{Name: "dependent"}
		for _, c := range r {
			snap.Clusters = append(snap.Clusters, workv1alpha2.TargetCluster{Name: c})
		}
		rb.Spec.RequiredBy = append(rb.Spec.RequiredBy, snap)
	}
	return rb
}

func TestBackendServices(t *testing.T) {
	got := BackendServices(ingress("web", "api", "web", "static"))
	if want := []string{"api", "static", "web"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v (distinct and sorted, default backend included)", got, want)
	}
	if got := BackendServices(&networkingv1alpha1.MultiClusterIngress{}); len(got) != 0 {
		t.Fatalf("an ingress without backends has none, got %v", got)
	}
}

func TestLocations(t *testing.T) {
	bindings := map[string]*workv1alpha2.ResourceBinding{
		"web": binding([]string{"member2", "member1"}),
		// A Service carried as a dependency is where its dependents are.
		"api": binding(nil, []string{"member3"}, []string{"member1", "member3"}),
		// Propagated but not scheduled yet.
		"static": binding(nil),
	}
	got := Locations(ingress("web", "api", "static", "not-propagated"), func(svc string) *workv1alpha2.ResourceBinding { return bindings[svc] })
	want := []networkingv1alpha1.ServiceLocation{
		{Name: "api", Clusters: []string{"member1", "member3"}},
		{Name: "static"},
		{Name: "web", Clusters: []string{"member1", "member2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
