package apiserver

import (
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestMultiClusterServiceAPI: MultiClusterService is listed under Karmada's short name
// mcs, stored with a permanent id, and invalid ones are refused naming the field to fix.
func TestMultiClusterServiceAPI(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	out := s.MustKubectl(t, "", "api-resources", "--api-group=networking.karmada.io")
	for _, want := range []string{"multiclusterservices", "mcs", "MultiClusterService", "multiclusteringresses", "mci"} {
		if !strings.Contains(out, want) {
			t.Errorf("api-resources lacks %s:\n%s", want, out)
		}
	}

	s.MustKubectl(t, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: web, namespace: default}
spec:
  types: [CrossCluster]
  ports: [{name: http, port: 80}]
  providerClusters: [{name: member1}]
  consumerClusters: [{name: member2}]
`, "apply", "-f", "-")
	got := s.MustKubectl(t, "", "get", "mcs", "web", "-o", "jsonpath={.spec.types[0]} {.spec.providerClusters[0].name} {.spec.consumerClusters[0].name} {.metadata.labels.multiclusterservice\\.karmada\\.io/permanent-id}")
	if f := strings.Fields(got); len(f) != 4 || f[0] != "CrossCluster" || f[1] != "member1" || f[2] != "member2" || len(f[3]) != 36 {
		t.Errorf("stored MultiClusterService: %q, want the spec and a permanent id", got)
	}
	if table := s.MustKubectl(t, "", "get", "karmada-io", "-n", "default"); !strings.Contains(table, "multiclusterservice.networking.karmada.io/web") {
		t.Errorf("kubectl get karmada-io lacks the MultiClusterService:\n%s", table)
	}

	refused := func(args []string, yaml string, want ...string) {
		t.Helper()
		out, err := s.Kubectl(t, yaml, args...)
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
	apply := []string{"apply", "-f", "-"}
	refused(apply, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: bad, namespace: default}
spec:
  types: [NodePort]
`, "spec.types[0]", `Unsupported value: "NodePort"`, "CrossCluster")
	refused(apply, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: bad, namespace: default}
spec:
  types: [CrossCluster, LoadBalancer]
`, "spec.types", "more than one type")
	refused(apply, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: bad, namespace: default}
spec:
  types: [CrossCluster]
  ports: [{name: http, port: 0}, {name: http, port: 81}]
  consumerClusters: [{name: Member_2}]
`, "spec.ports[0].port", "spec.ports[1].name", "Duplicate value", "spec.consumerClusters[0].name")
	refused(apply, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: 9bad, namespace: default}
spec:
  types: [CrossCluster]
`, "metadata.name")
	refused(apply, `apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata: {name: web, namespace: default}
spec:
  types: [LoadBalancer]
`, "spec.types", "immutable")
	if out, err := s.Kubectl(t, "", "get", "mcs", "bad"); err == nil {
		t.Errorf("an invalid MultiClusterService was stored:\n%s", out)
	}
}
