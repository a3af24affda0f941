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
	"fmt"

	schedulingv1 "k8s.io/api/scheduling/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// PriorityClassGetter returns the control plane's scheduling.k8s.io/v1 PriorityClass of
// that name, or the API's NotFound error when there is none.
type PriorityClassGetter func(name string) (*schedulingv1.PriorityClass, error)

// ResolveSchedulePriority turns a policy's schedulePriority into the binding's: with
// priorityClassSource KubePriorityClass, the value of the PriorityClass it names. A
// missing class is an error (the binding is then neither created nor updated, as in
// Karmada, until the class exists). The other sources are not supported, with Karmada's
// messages. A nil schedulePriority resolves to nil.
func ResolveSchedulePriority(sp *policyv1alpha1.SchedulePriority, get PriorityClassGetter) (*workv1alpha2.SchedulePriority, error) {
	if sp == nil {
		return nil, nil
	}
	switch sp.PriorityClassSource {
	case policyv1alpha1.KubePriorityClass:
		if get == nil {
			return nil, errors.New("no PriorityClass lookup available")
		}
		pc, err := get(sp.PriorityClassName)
		if err != nil {
			return nil, err
		}
		return &workv1alpha2.SchedulePriority{Priority: pc.Value}, nil
	case policyv1alpha1.PodPriorityClass:
		return nil, fmt.Errorf("priority class source is PodPriorityClass, but PodPriorityClass is not supported yet")
	case policyv1alpha1.FederatedPriorityClass:
		return nil, fmt.Errorf("priority class source is FederatedPriorityClass, but FederatedPriorityClass is not supported yet")
	default:
		return nil, fmt.Errorf("unsupported priority class source")
	}
}

// WorkloadAffinityGroups returns the groups template labels put it in under placement's
// workloadAffinity: "<key>=<value>" for each term whose groupByLabelKey the template
// carries; nil when there is no rule or the template has none of the labels.
func WorkloadAffinityGroups(templateLabels map[string]string, placement *policyv1alpha1.Placement) *workv1alpha2.WorkloadAffinityGroups {
	if placement == nil || placement.WorkloadAffinity == nil {
		return nil
	}
	wa := placement.WorkloadAffinity
	groups := &workv1alpha2.WorkloadAffinityGroups{}
	if wa.Affinity != nil {
		if v, ok := templateLabels[wa.Affinity.GroupByLabelKey]; ok {
			groups.AffinityGroup = wa.Affinity.GroupByLabelKey + "=" + v
		}
	}
	if wa.AntiAffinity != nil {
		if v, ok := templateLabels[wa.AntiAffinity.GroupByLabelKey]; ok {
			groups.AntiAffinityGroup = wa.AntiAffinity.GroupByLabelKey + "=" + v
		}
	}
	if groups.AffinityGroup == "" && groups.AntiAffinityGroup == "" {
		return nil
	}
	return groups
}
