// Package policy tests PropagationPolicy semantics beyond placement end to end: failover and
// graceful eviction, preemption, lazy activation, deletion protection, schedule priority,
// workload affinity, replicas owned by member HPAs and multi-component workloads.
//
// One control plane (the feature gates in gates on) and three real members are started once
// by TestPolicy; each case registers itself with register from its own file and
// works in its own namespace.
package policy

import (
	"sort"
	"strings"
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

// gates are the feature gates this suite switches on (all off by default, as in Karmada).
var gates = []string{
	"Failover=true",
	"PropagationPolicyPreemption=true",
	"StatefulFailoverInjection=true",
	"PriorityBasedScheduling=true",
	"WorkloadAffinity=true",
	"MultiplePodTemplatesScheduling=true",
}

// flags are the control plane's extra flags for this suite.
var flags = []string{
	"--feature-gates=" + strings.Join(gates, ","),
	"--enable-no-execute-taint-eviction=true",
}

type testCase func(t *testing.T, e *framework.Env)

var cases = map[string]testCase{}

// register adds a case to TestPolicy; call it from an init function.
func register(name string, tc testCase) {
	if _, dup := cases[name]; dup {
		panic("duplicate case " + name)
	}
	cases[name] = tc
}

func TestPolicy(t *testing.T) {
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
