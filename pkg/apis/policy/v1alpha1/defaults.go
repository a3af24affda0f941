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

// Defaulting for the policy kinds. Karmada spreads these defaults over CRD `default:` markers and
// mutating admission webhooks; here the REST strategies call these functions on create and update
// (before validation), so a policy stored by this server reads exactly like one stored by Karmada.
// Identity (permanent-id label) and finalizers are not set here: they are create-only and belong
// to the strategies.

const (
	// ServiceImportAPIVersion and ServiceImportKind identify the multi-cluster-services ServiceImport.
	// Selecting one forces propagateDeps, because the derived Service and EndpointSlices must follow it.
	ServiceImportAPIVersion = "multicluster.x-k8s.io/v1alpha1"
	ServiceImportKind       = "ServiceImport"

	// DefaultApplicationFailoverTolerationSeconds is how long an application may stay unhealthy
	// before application failover starts, when the user gives no value.
	DefaultApplicationFailoverTolerationSeconds int32 = 300
	// DefaultGracePeriodSeconds bounds the wait before the old copy is removed with purgeMode Gracefully.
	DefaultGracePeriodSeconds int32 = 600
)

// SetDefaultsPropagationPolicy fills the defaults of a PropagationPolicy; empty resource selector
// namespaces become the policy's own namespace.
func SetDefaultsPropagationPolicy(p *PropagationPolicy) {
	p.Spec.SetDefaults(p.Namespace)
}

// SetDefaultsClusterPropagationPolicy fills the defaults of a ClusterPropagationPolicy; its
// selectors keep an empty namespace, which means "every namespace" for namespaced kinds.
func SetDefaultsClusterPropagationPolicy(p *ClusterPropagationPolicy) {
	p.Spec.SetDefaults("")
}

// SetDefaults fills the defaults of a propagation spec. namespace, when not empty, is written into
// resource selectors that have none (PropagationPolicy); pass "" for a ClusterPropagationPolicy.
func (s *PropagationSpec) SetDefaults(namespace string) {
	if namespace != "" {
		for i := range s.ResourceSelectors {
			if s.ResourceSelectors[i].Namespace == "" {
				s.ResourceSelectors[i].Namespace = namespace
			}
		}
	}

	if containsServiceImport(s.ResourceSelectors) {
		s.PropagateDeps = true
	}

	s.Placement.SetDefaults()

	if s.Priority == nil {
		var zero int32
		s.Priority = &zero
	}
	if s.Preemption == "" {
		s.Preemption = PreemptNever
	}
	if s.ConflictResolution == "" {
		s.ConflictResolution = ConflictAbort
	}
	if s.SchedulerName == "" {
		s.SchedulerName = DefaultSchedulerName
	}
	if s.Failover != nil {
		s.Failover.SetDefaults()
	}
}

// SetDefaults fills the defaults of a placement: spread constraints and replica scheduling.
func (p *Placement) SetDefaults() {
	SetDefaultSpreadConstraints(p.SpreadConstraints)

	if rs := p.ReplicaScheduling; rs != nil {
		// A present strategy without a type means Divided (a nil strategy means Duplicated).
		if rs.ReplicaSchedulingType == "" {
			rs.ReplicaSchedulingType = ReplicaSchedulingTypeDivided
		}
		// Divided without a preference divides by weight. No weightPreference is invented:
		// Weighted without one means "all clusters weigh the same" to the scheduler.
		if rs.ReplicaSchedulingType == ReplicaSchedulingTypeDivided && rs.ReplicaDivisionPreference == "" {
			rs.ReplicaDivisionPreference = ReplicaDivisionPreferenceWeighted
		}
	}
}

// SetDefaultSpreadConstraints gives constraints with neither spreadByField nor spreadByLabel
// spreadByField "cluster", and a zero minGroups the value 1.
func SetDefaultSpreadConstraints(constraints []SpreadConstraint) {
	for i := range constraints {
		if constraints[i].SpreadByField == "" && constraints[i].SpreadByLabel == "" {
			constraints[i].SpreadByField = SpreadByFieldCluster
		}
		if constraints[i].MinGroups == 0 {
			constraints[i].MinGroups = 1
		}
	}
}

// SetDefaults fills the failover defaults: application failover waits 300s and purges gracefully
// with a 600s grace period; cluster failover purges gracefully.
func (f *FailoverBehavior) SetDefaults() {
	if a := f.Application; a != nil {
		if a.DecisionConditions.TolerationSeconds == nil {
			v := DefaultApplicationFailoverTolerationSeconds
			a.DecisionConditions.TolerationSeconds = &v
		}
		if a.PurgeMode == "" {
			a.PurgeMode = PurgeModeGracefully
		}
		if IsGracefulPurgeMode(a.PurgeMode) && a.GracePeriodSeconds == nil {
			v := DefaultGracePeriodSeconds
			a.GracePeriodSeconds = &v
		}
	}
	if c := f.Cluster; c != nil && c.PurgeMode == "" {
		c.PurgeMode = PurgeModeGracefully
	}
}

// IsGracefulPurgeMode reports whether m is Gracefully or its legacy spelling Graciously.
func IsGracefulPurgeMode(m PurgeMode) bool {
	return m == PurgeModeGracefully || m == Graciously
}

// SetDefaultsOverridePolicy fills the defaults of an OverridePolicy: empty selector namespaces
// become the policy's namespace. The deprecated targetCluster/overriders pair is kept as written;
// the override engine treats it as one rule, as Karmada does.
func SetDefaultsOverridePolicy(p *OverridePolicy) {
	for i := range p.Spec.ResourceSelectors {
		if p.Spec.ResourceSelectors[i].Namespace == "" {
			p.Spec.ResourceSelectors[i].Namespace = p.Namespace
		}
	}
}

// SetDefaultsClusterOverridePolicy fills the defaults of a ClusterOverridePolicy. Karmada defines
// none; the function exists so that every policy strategy has the same shape.
func SetDefaultsClusterOverridePolicy(_ *ClusterOverridePolicy) {}

func containsServiceImport(selectors []ResourceSelector) bool {
	for _, rs := range selectors {
		if rs.Kind == ServiceImportKind && rs.APIVersion == ServiceImportAPIVersion {
			return true
		}
	}
	return false
}
