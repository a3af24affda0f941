package apiserver

import (
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// A MultiClusterIngress is checked by kube's Ingress rules, with field paths, and its
// status (load balancer, service locations) is checked on status writes.
func TestMultiClusterIngressValidation(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	s.MustKubectl(t, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterIngress
metadata: {name: demo, namespace: default}
spec:
  rules:
  - host: demo.example.com
    http:
      paths:
      - {path: /web, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`, "apply", "-f", "-")
	if got := s.MustKubectl(t, "", "get", "mci", "demo", "-o", "jsonpath={.spec.rules[0].http.paths[0].backend.service.name}"); got != "web" {
		t.Fatalf("stored MultiClusterIngress backend = %q", got)
	}

	refused := func(yaml string, want ...string) {
		t.Helper()
		out, err := s.Kubectl(t, yaml, "apply", "-f", "-")
		if err == nil {
			t.Errorf("accepted:\n%s", yaml)
			return
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("refusal lacks %q:\n%s", w, out)
			}
		}
	}
	refused(`apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterIngress
metadata: {name: bad, namespace: default}
spec:
  rules:
  - host: "*.*.example.com"
    http:
      paths:
      - {path: web, pathType: Exact, backend: {service: {name: Web_1, port: {number: 80}}}}
`, "spec.rules[0].host", "spec.rules[0].http.paths[0].path", "spec.rules[0].http.paths[0].backend.service.name")
	refused(`apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterIngress
metadata: {name: bad, namespace: default}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web}}}
`, "spec.rules[0].http.paths[0].backend", "port name or number is required")
	refused(`apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterIngress
metadata: {name: bad, namespace: default}
spec: {}
`, "spec", "either `defaultBackend` or `rules` must be specified")
	if out, err := s.Kubectl(t, "", "get", "mci", "bad"); err == nil {
		t.Errorf("an invalid MultiClusterIngress was stored:\n%s", out)
	}

	out, err := s.Kubectl(t, `{"status":{"loadBalancer":{"ingress":[{"ip":"300.1.1.1"}]},"serviceLocations":[{"name":"web"},{"name":"web"}]}}`,
		"patch", "mci", "demo", "--subresource=status", "--type=merge", "--patch-file=/dev/stdin")
	if err == nil {
		t.Fatalf("an invalid status was stored")
	}
	for _, w := range []string{"status.loadBalancer.ingress[0].ip", "status.serviceLocations[1].name"} {
		if !strings.Contains(out, w) {
			t.Errorf("status refusal lacks %q:\n%s", w, out)
		}
	}
	// The load balancer is the ingress provider's to write; serviceLocations is the control
	// plane's (no Service "web" is propagated here, so it has none).
	s.MustKubectl(t, `{"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.8"}]}}}`,
		"patch", "mci", "demo", "--subresource=status", "--type=merge", "--patch-file=/dev/stdin")
	if got := s.MustKubectl(t, "", "get", "mci", "demo", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"); got != "10.0.0.8" {
		t.Errorf("status.loadBalancer = %q, want the provider's address kept", got)
	}
}
