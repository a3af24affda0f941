package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("DeletionProtection", testDeletionProtection) }

// testDeletionProtection: a propagated template labelled deletion-protected=Always cannot be
// deleted (Karmada's message), its member copies stay; without the label it goes, and so do
// they.
func testDeletionProtection(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "protection")
	const name = "guarded"
	e.Apply(t, ns, framework.DeploymentYAML(name, 1, "100m", map[string]string{"resourcetemplate.karmada.io/deletion-protected": "Always"}))
	e.Apply(t, ns, onePolicy(name, []string{"member1"}, "", ""))
	e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, name, nil)

	out, err := e.CP.Kubectl(t, "", "delete", "deployment", name, "-n", ns)
	if err == nil {
		t.Fatalf("deleting a protected Deployment succeeded:\n%s", out)
	}
	const want = `admission webhook "resourcedeletionprotection.karmada.io" denied the request: This resource is protected, please make sure to remove the label: resourcetemplate.karmada.io/deletion-protected`
	if !strings.Contains(out, want) {
		t.Errorf("kubectl delete said:\n%s\nwant it to contain %q", out, want)
	}
	e.Kubectl(t, "", "get", "deployment", name, "-n", ns)
	framework.Consistently(t, 2*time.Second, "member1 keeps its copy", e.PresentIn(framework.DeploymentsGVR, ns, name, "member1"))

	e.Kubectl(t, "", "label", "deployment", name, "-n", ns, "resourcetemplate.karmada.io/deletion-protected-")
	e.Kubectl(t, "", "delete", "deployment", name, "-n", ns)
	framework.Eventually(t, framework.WaitTimeout, "member1's copy removed", e.PresentIn(framework.DeploymentsGVR, ns, name))
}
