// Package features declares Karmada's feature gates. They live in the same gate as
// kube's, so one --feature-gates flag sets both, as a Karmada user expects.
package features

import (
	"k8s.io/apimachinery/pkg/util/version"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"
)

const (
	// PropagateDeps lets bindings with propagateDeps carry their dependencies.
	PropagateDeps featuregate.Feature = "PropagateDeps"
	// Failover enables cluster and application failover.
	Failover featuregate.Feature = "Failover"
	// GracefulEviction keeps workloads on an evicted cluster until the new placement is healthy.
	GracefulEviction featuregate.Feature = "GracefulEviction"
	// CustomizedClusterResourceModeling gives Clusters default resource models.
	CustomizedClusterResourceModeling featuregate.Feature = "CustomizedClusterResourceModeling"
	// PropagationPolicyPreemption lets a higher-priority policy take resources from a lower one.
	PropagationPolicyPreemption featuregate.Feature = "PropagationPolicyPreemption"
	// StatefulFailoverInjection carries state (statePreservation) from an evicted copy to
	// its replacement as labels.
	StatefulFailoverInjection featuregate.Feature = "StatefulFailoverInjection"
	// PriorityBasedScheduling resolves a policy's schedulePriority into its bindings and
	// lets the scheduler take higher-priority bindings first.
	PriorityBasedScheduling featuregate.Feature = "PriorityBasedScheduling"
	// WorkloadAffinity enables placement.workloadAffinity: bindings carry their workload
	// affinity groups and the scheduler co-locates or separates group members.
	WorkloadAffinity featuregate.Feature = "WorkloadAffinity"
	// MultiplePodTemplatesScheduling records the components (pod templates) of workloads
	// made of several of them in spec.components of their bindings, and schedules such a
	// workload by how many complete component sets a cluster can hold.
	MultiplePodTemplatesScheduling featuregate.Feature = "MultiplePodTemplatesScheduling"
	// FederatedQuotaEnforcement makes a FederatedResourceQuota's spec.overall a hard limit
	// on the control plane: ResourceBinding changes that would exceed it are refused and
	// status.overallUsed is computed from the namespace's bindings.
	FederatedQuotaEnforcement featuregate.Feature = "FederatedQuotaEnforcement"
	// MultiClusterService runs the CrossCluster MultiClusterService controllers.
	MultiClusterService featuregate.Feature = "MultiClusterService"
)

var defaults = map[featuregate.Feature]featuregate.VersionedSpecs{
	PropagateDeps:                     {{Version: version.MustParse("1.0"), Default: true, PreRelease: featuregate.Beta}},
	Failover:                          {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Beta}},
	GracefulEviction:                  {{Version: version.MustParse("1.0"), Default: true, PreRelease: featuregate.Beta}},
	CustomizedClusterResourceModeling: {{Version: version.MustParse("1.0"), Default: true, PreRelease: featuregate.Beta}},
	PropagationPolicyPreemption:       {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	StatefulFailoverInjection:         {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	PriorityBasedScheduling:           {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	WorkloadAffinity:                  {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	MultiplePodTemplatesScheduling:    {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	FederatedQuotaEnforcement:         {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
	MultiClusterService:               {{Version: version.MustParse("1.0"), Default: false, PreRelease: featuregate.Alpha}},
}

// The gates are known to the process-wide gate from the start, so that code reading them
// works in unit tests that never build the server; registering them again (MustRegister
// with the same specs) is harmless.
func init() {
	MustRegister(utilfeature.DefaultMutableFeatureGate)
}

// MustRegister adds the gates to g (kube's default mutable gate in the binary).
func MustRegister(g featuregate.MutableVersionedFeatureGate) {
	if err := g.AddVersioned(defaults); err != nil {
		panic(err)
	}
}

// Enabled reports whether a Karmada gate is on in the process-wide gate.
func Enabled(f featuregate.Feature) bool {
	return utilfeature.DefaultFeatureGate.Enabled(f)
}
