package validation

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
)

func mcs(name string, mutate func(*networkingv1alpha1.MultiClusterServiceSpec)) *networkingv1alpha1.MultiClusterService {
	m := &networkingv1alpha1.MultiClusterService{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       networkingv1alpha1.MultiClusterServiceSpec{Types: []networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeCrossCluster}},
	}
	if mutate != nil {
		mutate(&m.Spec)
	}
	return m
}

func TestValidateMultiClusterService(t *testing.T) {
	tests := []struct {
		name string
		obj  *networkingv1alpha1.MultiClusterService
		want []string // field paths, in order; empty = valid
	}{
		{"minimal", mcs("web", nil), nil},
		{"providers and consumers", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.ProviderClusters = []networkingv1alpha1.ClusterSelector{{Name: "member1"}}
			s.ConsumerClusters = []networkingv1alpha1.ClusterSelector{{Name: "member2"}}
			s.Ports = []networkingv1alpha1.ExposurePort{{Name: "http", Port: 80}, {Port: 443}}
		}), nil},
		{"name must be a DNS-1035 label like a Service's", mcs("1web", nil), []string{"metadata.name"}},
		{"unknown type", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.Types = []networkingv1alpha1.ExposureType{"NodePort"}
		}), []string{"spec.types[0]"}},
		{"two types", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.Types = []networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeCrossCluster, networkingv1alpha1.ExposureTypeLoadBalancer}
		}), []string{"spec.types"}},
		{"the same type twice is one type", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.Types = []networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeCrossCluster, networkingv1alpha1.ExposureTypeCrossCluster}
		}), nil},
		{"bad ports", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.Ports = []networkingv1alpha1.ExposurePort{{Name: "http", Port: 0}, {Name: "http", Port: 80}, {Name: "Bad_Name", Port: 70000}}
		}), []string{"spec.ports[0].port", "spec.ports[1].name", "spec.ports[2].name", "spec.ports[2].port"}},
		{"bad cluster names", mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
			s.ProviderClusters = []networkingv1alpha1.ClusterSelector{{Name: ""}}
			s.ConsumerClusters = []networkingv1alpha1.ClusterSelector{{Name: "Member_2"}}
		}), []string{"spec.providerClusters[0].name", "spec.consumerClusters[0].name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateMultiClusterService(tc.obj)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("errors at %v, want %v (%v)", got, tc.want, errs)
			}
		})
	}
}

func TestValidateMultiClusterServiceUpdateTypesImmutable(t *testing.T) {
	old := mcs("web", nil)
	old.ResourceVersion = "1"
	cur := mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
		s.Types = []networkingv1alpha1.ExposureType{networkingv1alpha1.ExposureTypeLoadBalancer}
	})
	cur.ResourceVersion = "1"
	errs := ValidateMultiClusterServiceUpdate(cur, old)
	if len(errs) != 1 || errs[0].Field != "spec.types" || !strings.Contains(errs[0].Detail, "immutable") {
		t.Fatalf("got %v, want one immutable error at spec.types", errs)
	}
	same := mcs("web", func(s *networkingv1alpha1.MultiClusterServiceSpec) {
		s.ConsumerClusters = []networkingv1alpha1.ClusterSelector{{Name: "member2"}}
	})
	same.ResourceVersion = "1"
	if errs := ValidateMultiClusterServiceUpdate(same, old); len(errs) != 0 {
		t.Fatalf("changing clusters must be allowed: %v", errs)
	}
}
