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
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Policy preemption (feature gate PropagationPolicyPreemption): a policy with
// spec.preemption Always takes over a template that another policy already claimed.
// The order is: a higher-priority PropagationPolicy over a lower-priority one, any
// PropagationPolicy over any ClusterPropagationPolicy, and a higher-priority
// ClusterPropagationPolicy over a lower-priority one. Only spec.priority counts (equal
// priorities never preempt, whatever the selectors), a ClusterPropagationPolicy never
// takes a template from a PropagationPolicy, and the preempting policy must name the
// template in one of its selectors (validation requires names when preemption is Always).

// IsPreempting tells whether p asks to preempt (spec.preemption: Always).
func (p Policy) IsPreempting() bool {
	s := p.Spec()
	return s != nil && s.Preemption == policyv1alpha1.PreemptAlways
}

// samePolicy tells whether a and b are the same policy object (kind, namespace, name).
func samePolicy(a, b Policy) bool {
	return a.IsCluster() == b.IsCluster() && a.Namespace() == b.Namespace() && a.Name() == b.Name()
}

// MayPreempt tells whether preemptor may take a template away from claimed, by the
// rules above; neither policy's selectors are looked at.
func MayPreempt(preemptor, claimed Policy) bool {
	if preemptor.IsZero() || claimed.IsZero() || !preemptor.IsPreempting() || preemptor.IsDeleting() {
		return false
	}
	if samePolicy(preemptor, claimed) {
		return false
	}
	if preemptor.IsCluster() {
		return claimed.IsCluster() && preemptor.Priority() > claimed.Priority()
	}
	if claimed.IsCluster() {
		return true
	}
	return preemptor.Priority() > claimed.Priority()
}

// ChoosePreemptor returns the policy that takes obj away from claimed, the policy whose
// claim obj carries: among the candidates that select obj by name and may preempt
// claimed, PropagationPolicies come before ClusterPropagationPolicies, then the usual
// order (spec.priority, implicit priority, name). ok is false when claimed keeps obj.
// The caller checks the feature gate.
func ChoosePreemptor(obj *unstructured.Unstructured, claimed Policy, pps []*policyv1alpha1.PropagationPolicy,
	cpps []*policyv1alpha1.ClusterPropagationPolicy) (Policy, bool) {
	if obj == nil || claimed.IsZero() || isReservedObject(obj) {
		return Policy{}, false
	}
	pick := func(cands []Policy) (Policy, bool) {
		var chosen Policy
		found := false
		for _, c := range cands {
			if !MayPreempt(c, claimed) {
				continue
			}
			if implicit, ok := Matches(c, obj); !ok || implicit != PriorityMatchName {
				continue
			}
			if !found || better(c, PriorityMatchName, chosen, PriorityMatchName) {
				chosen, found = c, true
			}
		}
		return chosen, found
	}
	if obj.GetNamespace() != "" {
		cands := make([]Policy, 0, len(pps))
		for _, pp := range pps {
			if pp != nil {
				cands = append(cands, FromPropagationPolicy(pp))
			}
		}
		if p, ok := pick(cands); ok {
			return p, true
		}
	}
	cands := make([]Policy, 0, len(cpps))
	for _, cpp := range cpps {
		if cpp != nil {
			cands = append(cands, FromClusterPropagationPolicy(cpp))
		}
	}
	return pick(cands)
}

// PreemptionMessage is the message of Karmada's PreemptPolicySucceed Event (err nil) or
// PreemptPolicyFailed Event (err set) recorded on the template when preemptor took it, or
// failed to take it, from claimed.
func PreemptionMessage(preemptor, claimed Policy, err error) string {
	var who, whom string
	if preemptor.IsCluster() {
		who = fmt.Sprintf("Cluster propagation policy(%s)", preemptor.Name())
	} else {
		who = fmt.Sprintf("Propagation policy(%s/%s)", preemptor.Namespace(), preemptor.Name())
	}
	if claimed.IsCluster() {
		whom = fmt.Sprintf("cluster propagation policy(%s)", claimed.Name())
	} else {
		whom = fmt.Sprintf("propagation policy(%s/%s)", claimed.Namespace(), claimed.Name())
	}
	if err != nil {
		return fmt.Sprintf("%s failed to preempt %s: %v", who, whom, err)
	}
	return fmt.Sprintf("%s preempted %s successfully", who, whom)
}
