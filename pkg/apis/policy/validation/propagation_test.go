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

package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func validPP() *policyv1alpha1.PropagationPolicy {
	return &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx-propagation", Namespace: "default"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}},
			Placement: policyv1alpha1.Placement{
				ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
			},
		},
	}
}

// expectFirstError asserts that errs is not empty and that its first error has the given field
// path (and, when given, a message containing detail).
func expectFirstError(t *testing.T, errs field.ErrorList, wantField, detail string) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatalf("expected an error at %s, got none", wantField)
	}
	if errs[0].Field != wantField {
		t.Fatalf("first error at %q, want %q; all errors: %v", errs[0].Field, wantField, errs)
	}
	if detail != "" && !strings.Contains(errs[0].Error(), detail) {
		t.Fatalf("first error %q does not contain %q", errs[0].Error(), detail)
	}
}

func TestValidatePropagationPolicyInvalid(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(p *policyv1alpha1.PropagationPolicy)
		wantField string
		detail    string
	}{
		{"name not a DNS subdomain", func(p *policyv1alpha1.PropagationPolicy) { p.Name = "Nginx_Policy" },
			"metadata.name", "RFC 1123"},
		{"namespace missing", func(p *policyv1alpha1.PropagationPolicy) { p.Namespace = "" },
			"metadata.namespace", "Required value"},
		{"no resource selectors", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors = nil },
			"spec.resourceSelectors", "at least one resource selector"},
		{"selector without apiVersion", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].APIVersion = "" },
			"spec.resourceSelectors[0].apiVersion", "Required value"},
		{"selector with malformed apiVersion", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].APIVersion = "apps/v1/x" },
			"spec.resourceSelectors[0].apiVersion", "apps/v1"},
		{"selector without kind", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].Kind = "" },
			"spec.resourceSelectors[0].kind", "Required value"},
		{"selector in another namespace", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].Namespace = "kube-system" },
			"spec.resourceSelectors[0].namespace", "ClusterPropagationPolicy"},
		{"selector with invalid labelSelector", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.ResourceSelectors[0].LabelSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn}}}
		}, "spec.resourceSelectors[0].labelSelector.matchExpressions[0].values", ""},
		{"clusterAffinity and clusterAffinities together", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: "primary"}}
		}, "spec.placement.clusterAffinities", "cannot be used together with clusterAffinity"},
		{"fieldSelector key unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "country", Operator: corev1.NodeSelectorOpIn, Values: []string{"cn"}}}}
		}, "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].key", `supported values: "provider", "region", "zone"`},
		{"fieldSelector operator unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "region", Operator: corev1.NodeSelectorOpExists}}}
		}, "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].operator", `Unsupported value: "Exists": supported values: "In", "NotIn"`},
		{"fieldSelector In without values", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "zone", Operator: corev1.NodeSelectorOpIn}}}
		}, "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].values", ""},
		{"clusterAffinity labelSelector invalid key", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.LabelSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"bad key": "x"}}
		}, "spec.placement.clusterAffinity.labelSelector.matchLabels", ""},
		{"affinityName missing", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{}}
		}, "spec.placement.clusterAffinities[0].affinityName", "Required value"},
		{"affinityName too long", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: strings.Repeat("a", 33)}}
		}, "spec.placement.clusterAffinities[0].affinityName", "may not be more than 32 characters"},
		{"affinityName duplicated", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: "primary"}, {AffinityName: "primary"}}
		}, "spec.placement.clusterAffinities[1].affinityName", "Duplicate value"},
		{"affinity term fieldSelector key unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: "primary",
				ClusterAffinity: policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "name", Operator: "In", Values: []string{"a"}}}}}}}
		}, "spec.placement.clusterAffinities[0].fieldSelector.matchExpressions[0].key", ""},
		{"toleration Exists with value", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"}}
		}, "spec.placement.clusterTolerations[0].value", "must be empty when operator is Exists"},
		{"toleration unknown effect", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: "NoRun"}}
		}, "spec.placement.clusterTolerations[0].effect", "Unsupported value"},
		{"toleration invalid key", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "not a key", Operator: corev1.TolerationOpExists}}
		}, "spec.placement.clusterTolerations[0].key", ""},
		{"toleration Equal without key", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Operator: corev1.TolerationOpEqual, Value: "v"}}
		}, "spec.placement.clusterTolerations[0].operator", "must be Exists when key is empty"},
		{"toleration seconds without NoExecute", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr.To[int64](30)}}
		}, "spec.placement.clusterTolerations[0].effect", "NoExecute"},
		{"spread by field and label", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "cluster", SpreadByLabel: "tier", MinGroups: 1}}
		}, "spec.placement.spreadConstraints[0].spreadByLabel", "cannot be set together with spreadByField"},
		{"spread by unknown field", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "rack", MinGroups: 1}}
		}, "spec.placement.spreadConstraints[0].spreadByField", `supported values: "cluster", "region", "zone", "provider"`},
		{"spread negative minGroups", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "cluster", MinGroups: -1}}
		}, "spec.placement.spreadConstraints[0].minGroups", "greater than or equal to 0"},
		{"spread negative maxGroups", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "cluster", MinGroups: 1, MaxGroups: -2}}
		}, "spec.placement.spreadConstraints[0].maxGroups", "greater than or equal to 0"},
		{"spread maxGroups below minGroups", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "cluster", MinGroups: 3, MaxGroups: 2}}
		}, "spec.placement.spreadConstraints[0].maxGroups", "minGroups (3)"},
		{"spread two cluster constraints", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{
				{SpreadByField: "cluster", MinGroups: 1}, {SpreadByField: "cluster", MinGroups: 2}}
		}, "spec.placement.spreadConstraints[1].spreadByField", "Duplicate value"},
		{"spread by region without cluster", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "region", MinGroups: 1}}
		}, "spec.placement.spreadConstraints", "spreadByField: cluster"},
		{"replicaSchedulingType unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Split"}
		}, "spec.placement.replicaScheduling.replicaSchedulingType", `supported values: "Duplicated", "Divided"`},
		{"replicaDivisionPreference unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Even"}
		}, "spec.placement.replicaScheduling.replicaDivisionPreference", `supported values: "Aggregated", "Weighted"`},
		{"static weight zero", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{
					{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}, Weight: 0}}}}
		}, "spec.placement.replicaScheduling.weightPreference.staticWeightList[0].weight", "Invalid value: 0: must be ≥ 1"},
		{"static weight target with bad field selector", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{
					{TargetCluster: policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{
						MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "region", Operator: "Gt", Values: []string{"1"}}}}}, Weight: 1}}}}
		}, "spec.placement.replicaScheduling.weightPreference.staticWeightList[0].targetCluster.fieldSelector.matchExpressions[0].operator", ""},
		{"dynamicWeight unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{DynamicWeight: "FreeCPU"}}
		}, "spec.placement.replicaScheduling.weightPreference.dynamicWeight", `supported values: "AvailableReplicas"`},
		{"preemption unsupported", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.Preemption = "Sometimes" },
			"spec.preemption", `supported values: "Always", "Never"`},
		{"preemption Always with unnamed selector", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Preemption = policyv1alpha1.PreemptAlways
			p.Spec.ResourceSelectors = append(p.Spec.ResourceSelectors, policyv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap"})
		}, "spec.resourceSelectors[1].name", "preemption Always"},
		{"conflictResolution unsupported", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ConflictResolution = "Merge" },
			"spec.conflictResolution", `supported values: "Abort", "Overwrite"`},
		{"activationPreference unsupported", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ActivationPreference = "Eager" },
			"spec.activationPreference", `supported values: "Lazy"`},
		{"suspension dispatching with clusters", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Suspension = &policyv1alpha1.Suspension{Dispatching: ptr.To(true),
				DispatchingOnClusters: &policyv1alpha1.SuspendClusters{ClusterNames: []string{"member1"}}}
		}, "spec.suspension.dispatchingOnClusters", "dispatching is true"},
		{"application failover without propagateDeps", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{}}
		}, "spec.propagateDeps", "must be true when failover.application is set"},
		{"application failover purgeMode unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.PropagateDeps = true
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{PurgeMode: "Later"}}
		}, "spec.failover.application.purgeMode", `supported values: "Directly", "Gracefully", "Never"`},
		{"gracePeriodSeconds with purgeMode Directly", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.PropagateDeps = true
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{
				PurgeMode: policyv1alpha1.PurgeModeDirectly, GracePeriodSeconds: ptr.To[int32](60)}}
		}, "spec.failover.application.gracePeriodSeconds", "only allowed when purgeMode is Gracefully"},
		{"gracePeriodSeconds zero", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.PropagateDeps = true
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{
				PurgeMode: policyv1alpha1.PurgeModeGracefully, GracePeriodSeconds: ptr.To[int32](0)}}
		}, "spec.failover.application.gracePeriodSeconds", "greater than 0"},
		{"negative tolerationSeconds", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.PropagateDeps = true
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{
				DecisionConditions: policyv1alpha1.DecisionConditions{TolerationSeconds: ptr.To[int32](-1)}}}
		}, "spec.failover.application.decisionConditions.tolerationSeconds", "greater than or equal to 0"},
		{"cluster failover purgeMode unsupported", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Cluster: &policyv1alpha1.ClusterFailoverBehavior{PurgeMode: "Never"}}
		}, "spec.failover.cluster.purgeMode", `supported values: "Directly", "Gracefully"`},
		{"schedulePriority without class name", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.SchedulePriority = &policyv1alpha1.SchedulePriority{PriorityClassSource: policyv1alpha1.KubePriorityClass}
		}, "spec.schedulePriority.priorityClassName", "Required value"},
		{"workloadAffinity affinity without groupByLabelKey", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.WorkloadAffinity = &policyv1alpha1.WorkloadAffinity{Affinity: &policyv1alpha1.WorkloadAffinityTerm{}}
		}, "spec.placement.workloadAffinity.affinity.groupByLabelKey", "Required value"},
		{"workloadAffinity antiAffinity with an invalid label key", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.WorkloadAffinity = &policyv1alpha1.WorkloadAffinity{
				AntiAffinity: &policyv1alpha1.WorkloadAntiAffinityTerm{GroupByLabelKey: "app group"}}
		}, "spec.placement.workloadAffinity.antiAffinity.groupByLabelKey", "name part must consist of"},
		{"workloadAffinity with the same key for affinity and antiAffinity", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.WorkloadAffinity = &policyv1alpha1.WorkloadAffinity{
				Affinity:     &policyv1alpha1.WorkloadAffinityTerm{GroupByLabelKey: "app.group"},
				AntiAffinity: &policyv1alpha1.WorkloadAntiAffinityTerm{GroupByLabelKey: "app.group"}}
		}, "spec.placement.workloadAffinity.antiAffinity.groupByLabelKey", "affinity and antiAffinity must not use the same groupByLabelKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPP()
			tt.mutate(p)
			expectFirstError(t, ValidatePropagationPolicy(p), tt.wantField, tt.detail)
		})
	}
}

func TestValidatePropagationPolicyValid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *policyv1alpha1.PropagationPolicy)
	}{
		{"minimal", func(*policyv1alpha1.PropagationPolicy) {}},
		{"workloadAffinity with different keys", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.WorkloadAffinity = &policyv1alpha1.WorkloadAffinity{
				Affinity:     &policyv1alpha1.WorkloadAffinityTerm{GroupByLabelKey: "example.io/train"},
				AntiAffinity: &policyv1alpha1.WorkloadAntiAffinityTerm{GroupByLabelKey: "app.group"}}
		}},
		{"selector namespace equal to the policy's", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].Namespace = "default" }},
		{"spread by region and cluster", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{
				{SpreadByField: "region", MinGroups: 2, MaxGroups: 2}, {SpreadByField: "cluster", MinGroups: 2, MaxGroups: 4}}
		}},
		{"spread constraint left for defaulting counts as cluster", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByField: "zone", MinGroups: 1}, {MaxGroups: 2}}
		}},
		{"spread by label", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = []policyv1alpha1.SpreadConstraint{{SpreadByLabel: "topology.example.io/rack", MinGroups: 1}}
		}},
		{"cluster affinities", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{
				{AffinityName: "primary", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}},
				{AffinityName: "backup", ClusterAffinity: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}}}
		}},
		{"static and dynamic weights together are accepted (static ignored)", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{DynamicWeight: "AvailableReplicas",
					StaticWeightList: []policyv1alpha1.StaticClusterWeight{{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}, Weight: 2}}}}
		}},
		{"tolerations", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{
				{Key: "cluster.karmada.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
				{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
				{Operator: corev1.TolerationOpExists}}
		}},
		{"application failover with legacy purge mode", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.PropagateDeps = true
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{
				PurgeMode: policyv1alpha1.Graciously, GracePeriodSeconds: ptr.To[int32](120)}}
		}},
		{"preemption Always with named selectors", func(p *policyv1alpha1.PropagationPolicy) { p.Spec.Preemption = policyv1alpha1.PreemptAlways }},
		{"suspension of some clusters", func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Suspension = &policyv1alpha1.Suspension{Dispatching: ptr.To(false),
				DispatchingOnClusters: &policyv1alpha1.SuspendClusters{ClusterNames: []string{"member1"}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPP()
			tt.mutate(p)
			policyv1alpha1.SetDefaultsPropagationPolicy(p)
			if errs := ValidatePropagationPolicy(p); len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
		})
	}
}

func TestValidateClusterPropagationPolicy(t *testing.T) {
	cpp := &policyv1alpha1.ClusterPropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "all-namespaces"},
		Spec: policyv1alpha1.PropagationSpec{ResourceSelectors: []policyv1alpha1.ResourceSelector{
			{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-a"},
			{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "system:foo"},
		}},
	}
	policyv1alpha1.SetDefaultsClusterPropagationPolicy(cpp)
	if errs := ValidateClusterPropagationPolicy(cpp); len(errs) != 0 {
		t.Fatalf("a ClusterPropagationPolicy may select any namespace: %v", errs)
	}

	invalid := []struct {
		name      string
		mutate    func(p *policyv1alpha1.ClusterPropagationPolicy)
		wantField string
	}{
		{"namespace set on a cluster-scoped policy", func(p *policyv1alpha1.ClusterPropagationPolicy) { p.Namespace = "default" }, "metadata.namespace"},
		{"selector namespace not a DNS label", func(p *policyv1alpha1.ClusterPropagationPolicy) { p.Spec.ResourceSelectors[0].Namespace = "Team_A" },
			"spec.resourceSelectors[0].namespace"},
		{"no selectors", func(p *policyv1alpha1.ClusterPropagationPolicy) {
			p.Spec.ResourceSelectors = []policyv1alpha1.ResourceSelector{}
		},
			"spec.resourceSelectors"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			p := cpp.DeepCopy()
			tt.mutate(p)
			expectFirstError(t, ValidateClusterPropagationPolicy(p), tt.wantField, "")
		})
	}
}

func TestValidatePropagationPolicyUpdate(t *testing.T) {
	old := validPP()
	old.ResourceVersion = "1"
	old.Labels = map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "0b6c3d56-4d1f-4a59-9b8f-0d6f1f5f3f2a"}
	policyv1alpha1.SetDefaultsPropagationPolicy(old)

	t.Run("unchanged identity is valid", func(t *testing.T) {
		n := old.DeepCopy()
		n.Spec.Placement.ClusterAffinity.ClusterNames = []string{"member3"}
		if errs := ValidatePropagationPolicyUpdate(n, old); len(errs) != 0 {
			t.Fatalf("unexpected errors: %v", errs)
		}
	})
	t.Run("schedulerName is immutable", func(t *testing.T) {
		n := old.DeepCopy()
		n.Spec.SchedulerName = "other-scheduler"
		expectFirstError(t, ValidatePropagationPolicyUpdate(n, old), "spec.schedulerName", "immutable")
	})
	t.Run("permanent id cannot change", func(t *testing.T) {
		n := old.DeepCopy()
		n.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] = "another"
		expectFirstError(t, ValidatePropagationPolicyUpdate(n, old),
			"metadata.labels[propagationpolicy.karmada.io/permanent-id]", "immutable")
	})
	t.Run("permanent id cannot be removed", func(t *testing.T) {
		n := old.DeepCopy()
		n.Labels = nil
		expectFirstError(t, ValidatePropagationPolicyUpdate(n, old),
			"metadata.labels[propagationpolicy.karmada.io/permanent-id]", "immutable")
	})
	t.Run("cluster policy permanent id cannot change", func(t *testing.T) {
		oldC := &policyv1alpha1.ClusterPropagationPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "c", ResourceVersion: "1",
				Labels: map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "a"}},
			Spec: *old.Spec.DeepCopy(),
		}
		oldC.Spec.ResourceSelectors[0].Namespace = ""
		n := oldC.DeepCopy()
		n.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] = "b"
		expectFirstError(t, ValidateClusterPropagationPolicyUpdate(n, oldC),
			"metadata.labels[clusterpropagationpolicy.karmada.io/permanent-id]", "immutable")
	})
}
