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

// Package affinity decides whether a Cluster matches a ClusterAffinity. It is shared by the
// scheduler (placement affinity, static weight targets) and by anything else that targets
// clusters with the same struct (override rules), so that "matches" means one thing everywhere.
package affinity

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Field selector keys understood by ClusterAffinity.FieldSelector.
const (
	ProviderField = "provider"
	RegionField   = "region"
	ZoneField     = "zone"
)

// Matcher is a ClusterAffinity compiled once, so that matching it against every cluster of a
// scheduling round does not re-parse the label selector each time.
type Matcher struct {
	all      bool // nil affinity: every cluster matches
	exclude  []string
	names    []string
	selector labels.Selector // nil when the affinity has no label selector
	fields   []corev1.NodeSelectorRequirement
}

// Compile prepares a for matching. A nil affinity matches every cluster. The only error is an
// invalid label selector, which validation rejects before an object is stored.
func Compile(a *policyv1alpha1.ClusterAffinity) (*Matcher, error) {
	if a == nil {
		return &Matcher{all: true}, nil
	}
	m := &Matcher{exclude: a.ExcludeClusters, names: a.ClusterNames}
	if a.LabelSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(a.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("invalid cluster label selector: %w", err)
		}
		m.selector = s
	}
	if a.FieldSelector != nil {
		m.fields = a.FieldSelector.MatchExpressions
	}
	return m, nil
}

// Matches reports whether c satisfies the affinity: not excluded, labels match the label
// selector, fields match the field selector, and c is listed when clusterNames is non-empty.
func (m *Matcher) Matches(c *clusterv1alpha1.Cluster) bool {
	if m.all {
		return true
	}
	if contains(m.exclude, c.Name) {
		return false
	}
	if m.selector != nil && !m.selector.Matches(labels.Set(c.Labels)) {
		return false
	}
	for i := range m.fields {
		if !matchField(&m.fields[i], c) {
			return false
		}
	}
	return len(m.names) == 0 || contains(m.names, c.Name)
}

// Matches is Compile followed by Matcher.Matches; an invalid selector matches nothing.
func Matches(c *clusterv1alpha1.Cluster, a *policyv1alpha1.ClusterAffinity) bool {
	m, err := Compile(a)
	if err != nil {
		return false
	}
	return m.Matches(c)
}

// matchField evaluates one field requirement. provider and region are single-valued fields
// with node-selector semantics (an absent field satisfies NotIn and DoesNotExist); zone is
// matched against the cluster's zone list: In needs an overlap (so a cluster without zones
// fails it), NotIn needs no overlap.
func matchField(r *corev1.NodeSelectorRequirement, c *clusterv1alpha1.Cluster) bool {
	if r.Key == ZoneField {
		return matchZones(r, Zones(c))
	}
	var value string
	switch r.Key {
	case ProviderField:
		value = c.Spec.Provider
	case RegionField:
		value = c.Spec.Region
	}
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return value != "" && contains(r.Values, value)
	case corev1.NodeSelectorOpNotIn:
		return value == "" || !contains(r.Values, value)
	case corev1.NodeSelectorOpExists:
		return value != ""
	case corev1.NodeSelectorOpDoesNotExist:
		return value == ""
	default:
		// Gt/Lt make no sense on these fields; validation rejects them.
		return false
	}
}

func matchZones(r *corev1.NodeSelectorRequirement, zones []string) bool {
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		for _, z := range zones {
			if contains(r.Values, z) {
				return true
			}
		}
		return false
	case corev1.NodeSelectorOpNotIn:
		for _, z := range zones {
			if contains(r.Values, z) {
				return false
			}
		}
		return true
	case corev1.NodeSelectorOpExists:
		return len(zones) > 0
	case corev1.NodeSelectorOpDoesNotExist:
		return len(zones) == 0
	default:
		return false
	}
}

// Zones returns the zones of c. The deprecated single spec.zone counts when spec.zones is empty,
// so a cluster stored before defaulting migrated the field still matches.
func Zones(c *clusterv1alpha1.Cluster) []string {
	if len(c.Spec.Zones) == 0 && c.Spec.Zone != "" {
		return []string{c.Spec.Zone}
	}
	return c.Spec.Zones
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
