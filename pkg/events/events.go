// Package events names the Events the control plane records: the same reasons (and, where
// a client may read them, the same messages) as Karmada's controllers, so that Karmada's
// clients, dashboards and tests that watch Events work unchanged.
package events

// Reasons on resource templates (and, where noted, bindings).
const (
	// ApplyPolicySucceed / ApplyPolicyFailed: a (Cluster)PropagationPolicy was applied to a
	// template (its binding created or updated).
	ApplyPolicySucceed = "ApplyPolicySucceed"
	ApplyPolicyFailed  = "ApplyPolicyFailed"
	// GetReplicasSucceed / GetReplicasFailed: the replicas of a template were interpreted.
	GetReplicasSucceed = "GetReplicasSucceed"
	GetReplicasFailed  = "GetReplicasFailed"
	// ApplyOverridePolicySucceed / ApplyOverridePolicyFailed: an override policy was
	// applied to a template's copy for one cluster.
	ApplyOverridePolicySucceed = "ApplyOverridePolicySucceed"
	ApplyOverridePolicyFailed  = "ApplyOverridePolicyFailed"
	// GetDependenciesSucceed / GetDependenciesFailed: a workload's dependencies were found.
	GetDependenciesSucceed = "GetDependenciesSucceed"
	GetDependenciesFailed  = "GetDependenciesFailed"
	// PreemptPolicySucceed / PreemptPolicyFailed: a policy with preemption Always took (or
	// failed to take) a template claimed by another policy.
	PreemptPolicySucceed = "PreemptPolicySucceed"
	PreemptPolicyFailed  = "PreemptPolicyFailed"
)

// Reasons on bindings and their templates.
const (
	ScheduleBindingSucceed = "ScheduleBindingSucceed"
	ScheduleBindingFailed  = "ScheduleBindingFailed"
	SyncWorkSucceed        = "SyncWorkSucceed"
	SyncWorkFailed         = "SyncWorkFailed"
	AggregateStatusSucceed = "AggregateStatusSucceed"
	AggregateStatusFailed  = "AggregateStatusFailed"
	// SyncScheduleResultToDependenciesSucceed / …Failed: a workload's clusters were passed
	// on to the bindings of its dependencies.
	SyncScheduleResultToDependenciesSucceed = "SyncScheduleResultToDependenciesSucceed"
	SyncScheduleResultToDependenciesFailed  = "SyncScheduleResultToDependenciesFailed"
	// DependencyPolicyConflict: the workloads sharing a dependency disagree on its
	// conflictResolution or preserveResourcesOnDeletion.
	DependencyPolicyConflict = "DependencyPolicyConflict"
)

// Reasons on Works (SyncSucceed / SyncFailed also on the template).
const (
	WorkDispatching        = "WorkDispatching"
	SyncSucceed            = "SyncSucceed"
	SyncFailed             = "SyncFailed"
	ReflectStatusSucceed   = "ReflectStatusSucceed"
	ReflectStatusFailed    = "ReflectStatusFailed"
	InterpretHealthSucceed = "InterpretHealthSucceed"
	InterpretHealthFailed  = "InterpretHealthFailed"
)

// Reasons on Clusters.
const (
	SyncImpersonationConfigSucceed = "SyncImpersonationConfigSucceed"
	SyncImpersonationConfigFailed  = "SyncImpersonationConfigFailed"
)

// Event sources: the component names Karmada's controllers record with.
const (
	ComponentDetector             = "resource-detector"
	ComponentScheduler            = "default-scheduler"
	ComponentBinding              = "binding-controller"
	ComponentClusterBinding       = "cluster-resource-binding-controller"
	ComponentOverrideManager      = "override-manager"
	ComponentBindingStatus        = "resource-binding-status-controller"
	ComponentClusterBindingStatus = "cluster-resource-binding-status-controller"
	ComponentExecution            = "execution-controller"
	ComponentWorkStatus           = "work-status-controller"
	ComponentDependencies         = "dependencies-distributor"
	ComponentUnifiedAuth          = "unified-auth-controller"
)
