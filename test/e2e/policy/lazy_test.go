package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("LazyActivation", testLazyActivation) }

// testLazyActivation: changes to a policy with activationPreference Lazy reach a template
// only when the template itself next changes. A template created after its Lazy policy is
// propagated at once; one created before it is claimed but propagated only once it changes.
func testLazyActivation(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "e2e-policy-lazy")
	lazy := "  activationPreference: Lazy\n"

	// Policy first: the new template is propagated at once.
	e.Apply(t, ns, ppYAML("lazy", "web", "member1", lazy))
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "10m", nil))
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "web", "member1")

	// The policy moves to member2: nothing moves.
	e.Apply(t, ns, ppYAML("lazy", "web", "member2", lazy))
	rbName := names.GenerateBindingName("Deployment", "web")
	framework.Consistently(t, 5*time.Second, "web staying on member1 after the Lazy policy changed", func() error {
		if err := e.PresentIn(framework.DeploymentsGVR, ns, "web", "member1")(); err != nil {
			return err
		}
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		if got := placement(rb); got != "member1" {
			return fmt.Errorf("binding placement [%s]", got)
		}
		return nil
	})

	// The template changes (a label): now it follows the policy.
	e.Kubectl(t, "", "label", "deployment", "web", "-n", ns, "refresh-time=1")
	e.WaitRB(t, ns, rbName, placedOn("", "member2"))
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "web", "member2")

	// Template first: a Lazy policy created afterwards claims it but propagates nothing
	// until the template changes.
	e.Apply(t, ns, framework.DeploymentYAML("api", 1, "10m", nil))
	// Let the detector see the template's creation before the policy exists (applied
	// together, the creation could still find the policy, as in Karmada).
	time.Sleep(2 * time.Second)
	e.Apply(t, ns, ppYAML("lazy-api", "api", "member3", lazy))
	claimCheck(t, e, ns, "api", false, ns, "lazy-api")
	apiRB := names.GenerateBindingName("Deployment", "api")
	framework.Consistently(t, 5*time.Second, "api not propagated before it changes", func() error {
		if _, err := e.RB(ns, apiRB); err == nil {
			return fmt.Errorf("binding %s exists", apiRB)
		}
		return e.PresentIn(framework.DeploymentsGVR, ns, "api")()
	})
	e.Kubectl(t, "", "label", "deployment", "api", "-n", ns, "refresh-time=1")
	e.WaitRB(t, ns, apiRB, placedOn("", "member3"))
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "api", "member3")
}

func placement(rb *workv1alpha2.ResourceBinding) string {
	if rb.Spec.Placement == nil || rb.Spec.Placement.ClusterAffinity == nil {
		return ""
	}
	return strings.Join(rb.Spec.Placement.ClusterAffinity.ClusterNames, ",")
}
