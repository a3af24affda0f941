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

package core

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/scheduler/affinity"
)

// rejection says why a cluster was filtered out. The message is only formatted when scheduling
// fails, so that tainted clusters cost nothing on the success path.
type rejection struct {
	// deleting: the cluster is being deleted; it is no candidate and, as in Karmada, is
	// not listed among the reasons.
	deleting bool
	reason   string
	taint    *corev1.Taint // for reasonTaint
	field    string        // for reasonNoField
}

func (r rejection) String() string {
	switch {
	case r.deleting:
		return ""
	case r.taint != nil:
		return fmt.Sprintf(r.reason, r.taint.ToString())
	case r.field != "":
		return fmt.Sprintf(r.reason, r.field)
	default:
		return r.reason
	}
}

// filter returns why c cannot host the binding under affinity m (reason "" when it can). The
// first failing filter names the reason; the order puts "not targeted at all" (affinity) before
// "targeted but not usable" so the message answers the question the user actually has.
func (s *state) filter(c *clusterv1alpha1.Cluster, m *affinity.Matcher) rejection {
	if c.DeletionTimestamp != nil {
		return rejection{deleting: true}
	}
	if !m.Matches(c) {
		return rejection{reason: reasonAffinity}
	}
	if r := workloadAffinityRejection(c.Name, s.in.WorkloadPeers); r != "" {
		return rejection{reason: r}
	}
	_, scheduled := s.prevReplicas(c.Name)
	if !scheduled {
		// A cluster that already holds the binding keeps it through a NoSchedule/NoExecute taint
		// (not-ready, unreachable): eviction is the taint manager's decision, not the scheduler's.
		if t := untoleratedTaint(c.Spec.Taints, s.placement.ClusterTolerations); t != nil {
			return rejection{reason: reasonTaint, taint: t}
		}
		// Likewise a cluster that already runs the workload keeps it while its API list is
		// being refreshed.
		if !apiEnabled(c, s.spec.Resource.APIVersion, s.spec.Resource.Kind) {
			return rejection{reason: reasonAPI}
		}
	}
	if field := missingSpreadField(c, s.placement.SpreadConstraints); field != "" {
		return rejection{reason: reasonNoField, field: field}
	}
	for i := range s.spec.GracefulEvictionTasks {
		if s.spec.GracefulEvictionTasks[i].FromCluster == c.Name {
			return rejection{reason: reasonEviction}
		}
	}
	return rejection{}
}

// untoleratedTaint returns the first NoSchedule or NoExecute taint that no toleration tolerates.
// PreferNoSchedule is a preference and never filters.
func untoleratedTaint(taints []corev1.Taint, tolerations []corev1.Toleration) *corev1.Taint {
	for i := range taints {
		t := &taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		tolerated := false
		for j := range tolerations {
			// Comparison operators (Gt/Lt) stay off, as in Karmada, so the logger is never used.
			if tolerations[j].ToleratesTaint(klog.Logger{}, t, false) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return t
		}
	}
	return nil
}

// apiEnabled reports whether the cluster serves apiVersion/kind. A binding without a kind (not a
// real template) is not filtered.
func apiEnabled(c *clusterv1alpha1.Cluster, apiVersion, kind string) bool {
	if kind == "" {
		return true
	}
	for i := range c.Status.APIEnablements {
		e := &c.Status.APIEnablements[i]
		if e.GroupVersion != apiVersion {
			continue
		}
		for j := range e.Resources {
			if e.Resources[j].Kind == kind {
				return true
			}
		}
	}
	return false
}

// missingSpreadField returns the first field a spread constraint groups by that c lacks.
func missingSpreadField(c *clusterv1alpha1.Cluster, constraints []policyv1alpha1.SpreadConstraint) string {
	for i := range constraints {
		switch constraints[i].SpreadByField {
		case policyv1alpha1.SpreadByFieldProvider:
			if c.Spec.Provider == "" {
				return "provider"
			}
		case policyv1alpha1.SpreadByFieldRegion:
			if c.Spec.Region == "" {
				return "region"
			}
		case policyv1alpha1.SpreadByFieldZone:
			if len(affinity.Zones(c)) == 0 {
				return "zone"
			}
		}
	}
	return ""
}

// workloadAffinityRejection applies placement.workloadAffinity as resolved into peers:
// the cluster must host every scheduled member of the affinity group and no member of the
// anti-affinity group. It returns the reason, or "" when the cluster fits.
func workloadAffinityRejection(cluster string, peers *WorkloadPeers) string {
	if peers == nil {
		return ""
	}
	for _, targets := range peers.Affinity {
		if !slices.Contains(targets, cluster) {
			return reasonWorkloadAffinity
		}
	}
	if slices.Contains(peers.AntiAffinity, cluster) {
		return reasonWorkloadAntiAffinity
	}
	return ""
}
