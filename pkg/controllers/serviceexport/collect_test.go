package serviceexport

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func slice(name, svc string, extra map[string]string, ips ...string) *discoveryv1.EndpointSlice {
	l := map[string]string{}
	if svc != "" {
		l[discoveryv1.LabelServiceName] = svc
	}
	for k, v := range extra {
		l[k] = v
	}
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: l},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Port: ptr.To[int32](8080), Name: ptr.To("")}},
	}
	for _, ip := range ips {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}})
	}
	return s
}

func TestExportable(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *discoveryv1.EndpointSlice
		want bool
	}{
		{"slice of a service", slice("serve-abc", "serve", nil), true},
		{"no service label", slice("x", "", nil), false},
		{"slice of a propagated service (kube copies its labels)", slice("serve-abc", "serve", map[string]string{"karmada.io/managed": "true"}), true},
		{"copy put there by the control plane", slice("imported-member1-serve-abc", "derived-serve", map[string]string{"karmada.io/managed": "true", ManagedByLabel: ManagedByValue}), false},
	} {
		if got := Exportable(tc.s); got != tc.want {
			t.Errorf("%s: Exportable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCollected(t *testing.T) {
	src := slice("serve-abc", "serve", map[string]string{"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}, "10.0.0.1")
	got := Collected("member1", src)
	if got.Name != "imported-member1-serve-abc" || got.Namespace != "ns" {
		t.Errorf("name = %s/%s", got.Namespace, got.Name)
	}
	wantLabels := map[string]string{discoveryv1.LabelServiceName: "derived-serve", ManagedByLabel: ManagedByValue}
	if len(got.Labels) != len(wantLabels) {
		t.Errorf("labels = %v, want %v (the member's managed-by must not be copied)", got.Labels, wantLabels)
	}
	for k, v := range wantLabels {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if got.Annotations[ProvisionClusterAnnotation] != "member1" {
		t.Errorf("annotations = %v", got.Annotations)
	}
	if len(got.Endpoints) != 1 || got.Endpoints[0].Addresses[0] != "10.0.0.1" || *got.Ports[0].Port != 8080 {
		t.Errorf("content not copied: %+v", got)
	}
}

func TestPlan(t *testing.T) {
	a1 := Collected("m1", slice("a", "serve", nil, "10.0.0.1"))
	a2 := Collected("m1", slice("a", "serve", nil, "10.0.0.2"))
	b := Collected("m1", slice("b", "serve", nil, "10.0.0.3"))
	withExtra := a1.DeepCopy()
	withExtra.Labels["other"] = "kept"
	for _, tc := range []struct {
		name       string
		want, have []*discoveryv1.EndpointSlice
		apply      int
		remove     []string
	}{
		{"nothing yet", []*discoveryv1.EndpointSlice{a1, b}, nil, 2, nil},
		{"up to date, others' labels kept", []*discoveryv1.EndpointSlice{a1}, []*discoveryv1.EndpointSlice{withExtra}, 0, nil},
		{"endpoints changed", []*discoveryv1.EndpointSlice{a2}, []*discoveryv1.EndpointSlice{a1}, 1, nil},
		{"export or slice gone", nil, []*discoveryv1.EndpointSlice{a1, b}, 0, []string{"imported-m1-a", "imported-m1-b"}},
	} {
		apply, remove := Plan(tc.want, tc.have)
		if len(apply) != tc.apply || len(remove) != len(tc.remove) {
			t.Errorf("%s: apply %d remove %v, want %d %v", tc.name, len(apply), remove, tc.apply, tc.remove)
			continue
		}
		for i := range remove {
			if remove[i] != tc.remove[i] {
				t.Errorf("%s: remove %v, want %v", tc.name, remove, tc.remove)
			}
		}
	}
}
