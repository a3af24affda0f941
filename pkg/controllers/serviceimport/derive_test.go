package serviceimport

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func si(t *testing.T, y string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDerived(t *testing.T) {
	got := Derived(si(t, `
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: serve, namespace: ns}
spec:
  type: ClusterSetIP
  ips: [10.9.9.9]
  ports:
  - port: 80
    protocol: TCP
  - name: dns
    port: 53
    protocol: UDP
    appProtocol: dns
`))
	if got == nil || got.Name != "derived-serve" || got.Namespace != "ns" || got.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Fatalf("Derived = %+v", got)
	}
	if len(got.Spec.Ports) != 2 || got.Spec.Ports[0].Port != 80 || got.Spec.Ports[0].Protocol != corev1.ProtocolTCP ||
		got.Spec.Ports[1].Name != "dns" || got.Spec.Ports[1].Protocol != corev1.ProtocolUDP || *got.Spec.Ports[1].AppProtocol != "dns" {
		t.Errorf("ports = %+v", got.Spec.Ports)
	}
	if len(got.Status.LoadBalancer.Ingress) != 1 || got.Status.LoadBalancer.Ingress[0].IP != "10.9.9.9" {
		t.Errorf("status = %+v", got.Status)
	}
	if Derived(si(t, `{apiVersion: multicluster.x-k8s.io/v1alpha1, kind: ServiceImport, metadata: {name: h, namespace: ns}, spec: {type: Headless}}`)) != nil {
		t.Error("a Headless ServiceImport must not get a derived Service")
	}
	up := got.DeepCopy()
	up.Spec.Ports[0].TargetPort.IntVal = 80 // kube's default
	if !SpecUpToDate(got, up) {
		t.Error("defaulted targetPort must not count as a change")
	}
	up.Spec.Ports[0].Port = 81
	if SpecUpToDate(got, up) {
		t.Error("a changed port must count as a change")
	}
}
