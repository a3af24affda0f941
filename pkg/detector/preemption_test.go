/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package detector

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func always(p Policy) Policy {
	p.Spec().Preemption = policyv1alpha1.PreemptAlways
	return p
}

func ppP(name string, prio int32) Policy {
	return FromPropagationPolicy(pp("default", name, prio, depSel("nginx", nil)))
}

func cppP(name string, prio int32) Policy {
	return FromClusterPropagationPolicy(cpp(name, prio, policyv1alpha1.ResourceSelector{
		APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx"}))
}

// TestMayPreempt: who may take a claimed template from whom (Karmada's order: high-priority
// PP > low-priority PP > any CPP; high-priority CPP > low-priority CPP; explicit priority only).
func TestMayPreempt(t *testing.T) {
	deleting := ppP("deleting", 9)
	deleting.PP.DeletionTimestamp = &metav1.Time{}
	cases := []struct {
		name               string
		preemptor, claimed Policy
		want               bool
	}{
		{"PP Always, higher priority, over PP", always(ppP("high", 2)), ppP("low", 1), true},
		{"PP Always, equal priority, over PP", always(ppP("high", 1)), ppP("low", 1), false},
		{"PP Always, lower priority, over PP", always(ppP("high", 1)), ppP("low", 2), false},
		{"PP Never, higher priority, over PP", ppP("high", 5), ppP("low", 1), false},
		{"PP Always, priority unset (0), over PP at -1", always(ppP("high", 0)), ppP("low", -1), true},
		{"PP Always over CPP of any priority", always(ppP("pp", 0)), cppP("cpp", 100), true},
		{"PP Never over CPP", ppP("pp", 100), cppP("cpp", 0), false},
		{"CPP Always, higher priority, over CPP", always(cppP("high", 2)), cppP("low", 1), true},
		{"CPP Always, equal priority, over CPP", always(cppP("high", 1)), cppP("low", 1), false},
		{"CPP Always never takes from a PP", always(cppP("high", 100)), ppP("low", 0), false},
		{"a policy does not preempt itself", always(ppP("same", 3)), ppP("same", 1), false},
		{"a policy being deleted preempts nothing", always(deleting), ppP("low", 1), false},
		{"no claimed policy", always(ppP("high", 2)), Policy{}, false},
	}
	for _, c := range cases {
		if got := MayPreempt(c.preemptor, c.claimed); got != c.want {
			t.Errorf("%s: MayPreempt = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestChoosePreemptor(t *testing.T) {
	obj := deploy("default", "nginx", map[string]string{"app": "nginx"})
	alwaysPP := func(ns, name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.PropagationPolicy {
		p := pp(ns, name, prio, sels...)
		p.Spec.Preemption = policyv1alpha1.PreemptAlways
		return p
	}
	alwaysCPP := func(name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.ClusterPropagationPolicy {
		p := cpp(name, prio, sels...)
		p.Spec.Preemption = policyv1alpha1.PreemptAlways
		return p
	}
	named := depSel("nginx", nil)
	other := depSel("other", nil)
	byLabel := depSel("", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}})
	cppNamed := policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx"}
	low := FromPropagationPolicy(pp("default", "low", 1, byLabel))
	lowCPP := FromClusterPropagationPolicy(cpp("base", 5, byLabel))

	cases := []struct {
		name    string
		claimed Policy
		pps     []*policyv1alpha1.PropagationPolicy
		cpps    []*policyv1alpha1.ClusterPropagationPolicy
		want    string // "" = claimed keeps it
	}{
		{"higher PP naming the template takes it", low,
			[]*policyv1alpha1.PropagationPolicy{low.PP, alwaysPP("default", "high", 2, named)}, nil, "high"},
		{"a higher PP without preemption does not", low,
			[]*policyv1alpha1.PropagationPolicy{low.PP, pp("default", "high", 2, named)}, nil, ""},
		{"a PP selecting by label only does not", low,
			[]*policyv1alpha1.PropagationPolicy{low.PP, alwaysPP("default", "high", 2, byLabel)}, nil, ""},
		{"a PP naming another template does not", low,
			[]*policyv1alpha1.PropagationPolicy{low.PP, alwaysPP("default", "high", 2, other)}, nil, ""},
		{"a PP of another namespace does not", low,
			[]*policyv1alpha1.PropagationPolicy{low.PP, alwaysPP("other", "high", 2, named)}, nil, ""},
		{"the highest of several preemptors wins", low,
			[]*policyv1alpha1.PropagationPolicy{alwaysPP("default", "p3", 3, named), alwaysPP("default", "p5", 5, named)}, nil, "p5"},
		{"equal priority: the smaller name", low,
			[]*policyv1alpha1.PropagationPolicy{alwaysPP("default", "b", 3, named), alwaysPP("default", "a", 3, named)}, nil, "a"},
		{"a CPP never takes from a PP", low, nil,
			[]*policyv1alpha1.ClusterPropagationPolicy{alwaysCPP("top", 100, cppNamed)}, ""},
		{"a PP takes from a CPP whatever the priorities", lowCPP,
			[]*policyv1alpha1.PropagationPolicy{alwaysPP("default", "pp", 0, named)}, []*policyv1alpha1.ClusterPropagationPolicy{alwaysCPP("top", 100, cppNamed)}, "pp"},
		{"a higher CPP takes from a CPP", lowCPP, nil,
			[]*policyv1alpha1.ClusterPropagationPolicy{lowCPP.CPP, alwaysCPP("top", 6, cppNamed)}, "top"},
		{"an equal CPP does not", lowCPP, nil,
			[]*policyv1alpha1.ClusterPropagationPolicy{alwaysCPP("top", 5, cppNamed)}, ""},
		{"nothing claimed, nothing to preempt", Policy{},
			[]*policyv1alpha1.PropagationPolicy{alwaysPP("default", "high", 2, named)}, nil, ""},
	}
	for _, c := range cases {
		got, ok := ChoosePreemptor(obj, c.claimed, c.pps, c.cpps)
		if ok != (c.want != "") || got.Name() != c.want {
			t.Errorf("%s: ChoosePreemptor = %q (%v), want %q", c.name, got.Name(), ok, c.want)
		}
	}

	// A cluster-scoped template claimed by a CPP: only a higher CPP naming it takes it.
	cr := clusterRole("viewer")
	crSel := policyv1alpha1.ResourceSelector{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "viewer"}
	base := FromClusterPropagationPolicy(cpp("base", 0, policyv1alpha1.ResourceSelector{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}))
	got, ok := ChoosePreemptor(cr, base, []*policyv1alpha1.PropagationPolicy{alwaysPP("default", "pp", 9, crSel)},
		[]*policyv1alpha1.ClusterPropagationPolicy{alwaysCPP("named", 1, crSel)})
	if !ok || got.Name() != "named" || !got.IsCluster() {
		t.Errorf("cluster-scoped: ChoosePreemptor = %q (%v), want ClusterPropagationPolicy named", got.Name(), ok)
	}
}

// TestPreemptionMessage: Karmada's PreemptPolicySucceed / PreemptPolicyFailed messages.
func TestPreemptionMessage(t *testing.T) {
	cases := []struct {
		preemptor, claimed Policy
		err                error
		want               string
	}{
		{ppP("high", 2), ppP("low", 1), nil, "Propagation policy(default/high) preempted propagation policy(default/low) successfully"},
		{ppP("high", 2), cppP("base", 1), nil, "Propagation policy(default/high) preempted cluster propagation policy(base) successfully"},
		{cppP("top", 2), cppP("base", 1), nil, "Cluster propagation policy(top) preempted cluster propagation policy(base) successfully"},
		{ppP("high", 2), ppP("low", 1), errors.New("conflict"), "Propagation policy(default/high) failed to preempt propagation policy(default/low): conflict"},
		{ppP("high", 2), cppP("base", 1), errors.New("conflict"), "Propagation policy(default/high) failed to preempt cluster propagation policy(base): conflict"},
		{cppP("top", 2), cppP("base", 1), errors.New("conflict"), "Cluster propagation policy(top) failed to preempt cluster propagation policy(base): conflict"},
	}
	for _, c := range cases {
		if got := PreemptionMessage(c.preemptor, c.claimed, c.err); got != c.want {
			t.Errorf("PreemptionMessage = %q, want %q", got, c.want)
		}
	}
}
