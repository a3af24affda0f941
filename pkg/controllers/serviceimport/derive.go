// Package serviceimport keeps, for every ServiceImport of type ClusterSetIP, the derived
// Service derived-<name> in the control plane, which follows the ServiceImport to the
// consumer clusters together with the EndpointSlices collected from the exporters.
package serviceimport

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/karmada-one/karmada-one/pkg/names"
)

// DerivedFromLabel marks a derived Service with the name of its ServiceImport, so only
// Services the control plane derived are ever deleted.
const DerivedFromLabel = "serviceimport.karmada.io/name"

// ClusterSetIP is the ServiceImport type that gets a derived Service.
const ClusterSetIP = "ClusterSetIP"

// Derived returns the Service the control plane keeps for a ServiceImport, or nil when
// none is wanted (another type, or being deleted).
func Derived(si *unstructured.Unstructured) *corev1.Service {
	if si.GetDeletionTimestamp() != nil {
		return nil
	}
	if t, _, _ := unstructured.NestedString(si.Object, "spec", "type"); t != ClusterSetIP {
		return nil
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: si.GetNamespace(), Name: names.GenerateDerivedServiceName(si.GetName()),
			Labels: map[string]string{DerivedFromLabel: si.GetName()},
		},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP},
	}
	ports, _, _ := unstructured.NestedSlice(si.Object, "spec", "ports")
	for _, p := range ports {
		m, ok := p.(map[string]interface{})
		if !ok {
			continue
		}
		sp := corev1.ServicePort{Protocol: corev1.ProtocolTCP}
		sp.Name, _ = m["name"].(string)
		if proto, _ := m["protocol"].(string); proto != "" {
			sp.Protocol = corev1.Protocol(proto)
		}
		if ap, _ := m["appProtocol"].(string); ap != "" {
			sp.AppProtocol = &ap
		}
		switch n := m["port"].(type) {
		case int64:
			sp.Port = int32(n)
		case float64:
			sp.Port = int32(n)
		}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	ips, _, _ := unstructured.NestedStringSlice(si.Object, "spec", "ips")
	for _, ip := range ips {
		svc.Status.LoadBalancer.Ingress = append(svc.Status.LoadBalancer.Ingress, corev1.LoadBalancerIngress{IP: ip})
	}
	return svc
}

// SpecUpToDate tells whether have already has want's type and ports (kube's defaults,
// such as targetPort, aside).
func SpecUpToDate(want, have *corev1.Service) bool {
	if have.Labels[DerivedFromLabel] != want.Labels[DerivedFromLabel] || have.Spec.Type != want.Spec.Type || len(have.Spec.Ports) != len(want.Spec.Ports) {
		return false
	}
	for i, w := range want.Spec.Ports {
		h := have.Spec.Ports[i]
		if h.Name != w.Name || h.Protocol != w.Protocol || h.Port != w.Port || !apiequality.Semantic.DeepEqual(h.AppProtocol, w.AppProtocol) {
			return false
		}
	}
	return true
}
