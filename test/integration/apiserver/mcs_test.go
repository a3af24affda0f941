package apiserver

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestMCSCRDsServedByDefault: ServiceExport and ServiceImport are served as soon as the
// server is ready, without applying anything, and applying the shipped CRDs on top (as
// the guide does) still works and keeps existing objects.
func TestMCSCRDsServedByDefault(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	out := s.MustKubectl(t, "", "api-resources", "--api-group=multicluster.x-k8s.io", "-o", "name")
	for _, r := range []string{"serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"} {
		if !strings.Contains(out, r) {
			t.Errorf("kubectl api-resources does not list %s right after start:\n%s", r, out)
		}
	}
	s.MustKubectl(t, "", "create", "namespace", "mcs")
	s.MustKubectl(t, `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceExport
metadata:
  name: serve
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: serve
spec:
  type: ClusterSetIP
  ports:
  - port: 80
    protocol: TCP
`, "apply", "-n", "mcs", "-f", "-")
	s.MustKubectl(t, "", "apply", "-f", filepath.Join(framework.RepoRoot(), "artifacts", "crds", "mcs"))
	if out := s.MustKubectl(t, "", "-n", "mcs", "get", "serviceexports,serviceimports", "-o", "name"); !strings.Contains(out, "serviceexport.multicluster.x-k8s.io/serve") ||
		!strings.Contains(out, "serviceimport.multicluster.x-k8s.io/serve") {
		t.Errorf("objects lost after re-applying the CRDs:\n%s", out)
	}
}
