// Package apis tests Karmada's API surface beyond propagation end to end: multi-cluster
// services and ingress, resource interpreter customizations, FederatedHPA and
// CronFederatedHPA, FederatedResourceQuota and WorkloadRebalancer.
//
// One control plane and three real members are started once by TestAPIs; each case
// registers itself with register from its own file (and may append to flags from an init
// function) and works in its own namespace.
package apis

import (
	"sort"
	"testing"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// nodeSpecs: member1 2 CPU, member2 8 CPU, member3 4 CPU (one KWOK node each).
var nodeSpecs = map[string][]members.NodeSpec{
	"member1": {{Name: "member1-node", CPU: "2", Memory: "16Gi", Pods: "110"}},
	"member2": {{Name: "member2-node", CPU: "8", Memory: "64Gi", Pods: "110"}},
	"member3": {{Name: "member3-node", CPU: "4", Memory: "32Gi", Pods: "110"}},
}

// flags are the control plane's extra flags for this suite.
var flags []string

type testCase func(t *testing.T, e *framework.Env)

var cases = map[string]testCase{}

// register adds a case to TestAPIs; call it from an init function.
func register(name string, tc testCase) {
	if _, dup := cases[name]; dup {
		panic("duplicate case " + name)
	}
	cases[name] = tc
}

func TestAPIs(t *testing.T) {
	if len(cases) == 0 {
		t.Fatal("no case registered")
	}
	e := framework.Setup(t, framework.Options{Members: nodeSpecs, ExtraFlags: flags})
	var order []string
	for name := range cases {
		order = append(order, name)
	}
	sort.Strings(order)
	for _, name := range order {
		t.Run(name, func(t *testing.T) { cases[name](t, e) })
	}
}
