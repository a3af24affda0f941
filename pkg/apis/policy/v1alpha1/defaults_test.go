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

package v1alpha1

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestSetDefaultSpreadConstraints(t *testing.T) {
	tests := []struct {
		name string
		in   SpreadConstraint
		want SpreadConstraint
	}{
		{"empty becomes cluster with minGroups 1", SpreadConstraint{}, SpreadConstraint{SpreadByField: SpreadByFieldCluster, MinGroups: 1}},
		{"label kept, no field added", SpreadConstraint{SpreadByLabel: "rack"}, SpreadConstraint{SpreadByLabel: "rack", MinGroups: 1}},
		{"field kept", SpreadConstraint{SpreadByField: SpreadByFieldRegion, MaxGroups: 2}, SpreadConstraint{SpreadByField: SpreadByFieldRegion, MinGroups: 1, MaxGroups: 2}},
		{"minGroups kept", SpreadConstraint{SpreadByField: SpreadByFieldZone, MinGroups: 3}, SpreadConstraint{SpreadByField: SpreadByFieldZone, MinGroups: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []SpreadConstraint{tt.in}
			SetDefaultSpreadConstraints(got)
			if got[0] != tt.want {
				t.Fatalf("got %+v, want %+v", got[0], tt.want)
			}
		})
	}
}

func TestPlacementReplicaSchedulingDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   *ReplicaSchedulingStrategy
		want *ReplicaSchedulingStrategy
	}{
		{"nil stays nil (Duplicated)", nil, nil},
		{"empty struct becomes Divided/Weighted", &ReplicaSchedulingStrategy{},
			&ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: ReplicaDivisionPreferenceWeighted}},
		{"Divided gets Weighted, no weightPreference invented", &ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDivided},
			&ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: ReplicaDivisionPreferenceWeighted}},
		{"Aggregated kept", &ReplicaSchedulingStrategy{ReplicaDivisionPreference: ReplicaDivisionPreferenceAggregated},
			&ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: ReplicaDivisionPreferenceAggregated}},
		{"Duplicated gets no preference", &ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDuplicated},
			&ReplicaSchedulingStrategy{ReplicaSchedulingType: ReplicaSchedulingTypeDuplicated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Placement{ReplicaScheduling: tt.in}
			p.SetDefaults()
			if !reflect.DeepEqual(p.ReplicaScheduling, tt.want) {
				t.Fatalf("got %+v, want %+v", p.ReplicaScheduling, tt.want)
			}
		})
	}
}

func TestSetDefaultsPropagationPolicy(t *testing.T) {
	p := &PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "team-a"},
		Spec: PropagationSpec{
			ResourceSelectors: []ResourceSelector{
				{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"},
				{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-a"},
			},
			Placement: Placement{SpreadConstraints: []SpreadConstraint{{MaxGroups: 2}}},
			Failover:  &FailoverBehavior{Application: &ApplicationFailoverBehavior{}, Cluster: &ClusterFailoverBehavior{}},
		},
	}
	SetDefaultsPropagationPolicy(p)
	want := PropagationSpec{
		ResourceSelectors: []ResourceSelector{
			{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx", Namespace: "team-a"},
			{APIVersion: "v1", Kind: "ConfigMap", Namespace: "team-a"},
		},
		Placement:          Placement{SpreadConstraints: []SpreadConstraint{{SpreadByField: SpreadByFieldCluster, MinGroups: 1, MaxGroups: 2}}},
		Priority:           ptr.To[int32](0),
		Preemption:         PreemptNever,
		ConflictResolution: ConflictAbort,
		SchedulerName:      "default-scheduler",
		Failover: &FailoverBehavior{
			Application: &ApplicationFailoverBehavior{
				DecisionConditions: DecisionConditions{TolerationSeconds: ptr.To[int32](300)},
				PurgeMode:          PurgeModeGracefully,
				GracePeriodSeconds: ptr.To[int32](600),
			},
			Cluster: &ClusterFailoverBehavior{PurgeMode: PurgeModeGracefully},
		},
	}
	if !reflect.DeepEqual(p.Spec, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", p.Spec, want)
	}
	if p.Labels != nil || p.Finalizers != nil {
		t.Fatalf("defaults must not set identity labels or finalizers: %v %v", p.Labels, p.Finalizers)
	}

	// Idempotent, and explicit values are kept.
	again := p.DeepCopy()
	SetDefaultsPropagationPolicy(again)
	if !reflect.DeepEqual(again, p) {
		t.Fatalf("defaulting twice changed the object")
	}
}

func TestSetDefaultsKeepsExplicitValues(t *testing.T) {
	spec := PropagationSpec{
		ResourceSelectors:  []ResourceSelector{{APIVersion: "v1", Kind: "Secret"}},
		Priority:           ptr.To[int32](7),
		Preemption:         PreemptAlways,
		ConflictResolution: ConflictOverwrite,
		SchedulerName:      "my-scheduler",
		PropagateDeps:      true,
		Failover: &FailoverBehavior{Application: &ApplicationFailoverBehavior{
			DecisionConditions: DecisionConditions{TolerationSeconds: ptr.To[int32](0)},
			PurgeMode:          PurgeModeDirectly,
		}},
	}
	got := spec.DeepCopy()
	got.SetDefaults("")
	if got.ResourceSelectors[0].Namespace != "" {
		t.Errorf("a cluster policy selector must keep an empty namespace")
	}
	if *got.Priority != 7 || got.Preemption != PreemptAlways || got.ConflictResolution != ConflictOverwrite || got.SchedulerName != "my-scheduler" {
		t.Errorf("explicit values overwritten: %+v", got)
	}
	a := got.Failover.Application
	if *a.DecisionConditions.TolerationSeconds != 0 || a.PurgeMode != PurgeModeDirectly || a.GracePeriodSeconds != nil {
		t.Errorf("failover: got %+v; gracePeriodSeconds is only defaulted for Gracefully", a)
	}
}

func TestServiceImportForcesPropagateDeps(t *testing.T) {
	tests := []struct {
		name     string
		selector ResourceSelector
		want     bool
	}{
		{"ServiceImport", ResourceSelector{APIVersion: "multicluster.x-k8s.io/v1alpha1", Kind: "ServiceImport", Name: "serve"}, true},
		{"other version", ResourceSelector{APIVersion: "multicluster.x-k8s.io/v1beta1", Kind: "ServiceImport"}, false},
		{"ServiceExport", ResourceSelector{APIVersion: "multicluster.x-k8s.io/v1alpha1", Kind: "ServiceExport"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ClusterPropagationPolicy{Spec: PropagationSpec{ResourceSelectors: []ResourceSelector{tt.selector}}}
			SetDefaultsClusterPropagationPolicy(p)
			if p.Spec.PropagateDeps != tt.want {
				t.Fatalf("propagateDeps = %v, want %v", p.Spec.PropagateDeps, tt.want)
			}
		})
	}
}

func TestSetDefaultsOverridePolicy(t *testing.T) {
	p := &OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "example", Namespace: "default"},
		Spec: OverrideSpec{
			ResourceSelectors: []ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}, {APIVersion: "v1", Kind: "ConfigMap", Namespace: "test"}},
			TargetCluster:     &ClusterAffinity{ClusterNames: []string{"member1"}},
			Overriders:        Overriders{ImageOverrider: []ImageOverrider{{Component: Registry, Operator: OverriderOpAdd, Value: "r"}}},
		},
	}
	SetDefaultsOverridePolicy(p)
	if p.Spec.ResourceSelectors[0].Namespace != "default" || p.Spec.ResourceSelectors[1].Namespace != "test" {
		t.Fatalf("selector namespaces: %+v", p.Spec.ResourceSelectors)
	}
	if len(p.Spec.OverrideRules) != 0 || p.Spec.TargetCluster == nil {
		t.Fatalf("the deprecated targetCluster/overriders pair must be kept as written, as Karmada does")
	}
}
