package interpreter

import (
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// Interpreter answers, per kind, what the control plane must know about an object to
// propagate it: how many replicas it runs and what each needs, how to give a member its
// share, which fields a member owns, which status travels back and how it adds up, when a
// member's copy is healthy, and which other objects must travel with it.
//
// Every method is a pure function of its arguments and never modifies them; objects it
// returns are new. A later customisation layer (Karmada's ResourceInterpreterCustomization
// with Lua, or webhooks) can wrap Default() and answer first for the kinds it knows.
type Interpreter interface {
	// HookEnabled tells whether op has a kind-specific answer for gvk. Controllers use it
	// to skip work, e.g. writing a template's status when nothing aggregates it.
	HookEnabled(gvk schema.GroupVersionKind, op Operation) bool

	// GetReplicas returns the replicas obj asks for and what each replica needs from a
	// node; ok is false for kinds without replicas. req is nil when the pods ask for
	// nothing a scheduler could check (no requests, no node constraints).
	GetReplicas(obj *unstructured.Unstructured) (replicas int32, req *workv1alpha2.ReplicaRequirements, ok bool, err error)

	// GetComponents returns the pod templates (components) of a workload made of several
	// of them, each with its replicas and what one of its pods needs; ok is false for
	// kinds without a component rule.
	GetComponents(obj *unstructured.Unstructured) (components []workv1alpha2.Component, ok bool, err error)

	// ReviseReplica returns a copy of obj asking for replicas, a member cluster's share.
	// Kinds without replicas give an error wrapping ErrNotSupported.
	ReviseReplica(obj *unstructured.Unstructured, replicas int64) (*unstructured.Unstructured, error)

	// Retain returns a copy of desired (what the control plane wants in a member) that
	// keeps the fields observed (the member's current copy) owns, such as a Service's
	// allocated cluster IP. Metadata the member added is the caller's business.
	Retain(desired, observed *unstructured.Unstructured) (*unstructured.Unstructured, error)

	// ReflectStatus picks from a member's object the status worth sending back to the
	// control plane (Work.status.manifestStatuses). nil means nothing to report.
	ReflectStatus(obj *unstructured.Unstructured) (*runtime.RawExtension, error)

	// AggregateStatus returns a copy of the template obj whose .status sums up the
	// members' reflected statuses. Kinds without an aggregation rule come back unchanged.
	AggregateStatus(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) (*unstructured.Unstructured, error)

	// InterpretHealth judges a member's object. Kinds without a rule are Healthy; an
	// object that cannot be read is Unknown, with the error.
	InterpretHealth(obj *unstructured.Unstructured) (workv1alpha1.ResourceHealth, error)

	// GetDependencies lists the objects obj needs in the same cluster (ConfigMaps,
	// Secrets, …), deduplicated and in a stable order.
	GetDependencies(obj *unstructured.Unstructured) ([]Dependency, error)
}

// Operation names one question an Interpreter answers; the values are the operation
// names Karmada's ResourceInterpreterCustomization uses.
type Operation string

// The operations of an Interpreter.
const (
	OperationInterpretReplica    Operation = "InterpretReplica"
	OperationReviseReplica       Operation = "ReviseReplica"
	OperationRetain              Operation = "Retain"
	OperationInterpretStatus     Operation = "InterpretStatus"
	OperationAggregateStatus     Operation = "AggregateStatus"
	OperationInterpretHealth     Operation = "InterpretHealth"
	OperationInterpretDependency Operation = "InterpretDependency"
	OperationInterpretComponent  Operation = "InterpretComponent"
)

// Dependency is an object a workload needs in every cluster it runs in. Either Name or
// LabelSelector is set (a ServiceImport depends on all EndpointSlices of its derived
// Service). The JSON form is Karmada's DependentObjectReference, the element of the
// binding annotation resourcebinding.karmada.io/dependencies.
type Dependency struct {
	APIVersion    string                `json:"apiVersion"`
	Kind          string                `json:"kind"`
	Namespace     string                `json:"namespace,omitempty"`
	Name          string                `json:"name,omitempty"`
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
}

// ErrNotSupported is returned (wrapped) when an operation makes no sense for a kind, such
// as revising the replicas of a ConfigMap.
var ErrNotSupported = errors.New("not supported for this kind")

// Well-known GVKs of the kinds with built-in knowledge.
var (
	deploymentGVK  = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	statefulSetGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
	replicaSetGVK  = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}
	daemonSetGVK   = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}
	jobGVK         = schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}
	cronJobGVK     = schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"}
	podGVK         = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	serviceGVK     = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	saGVK          = schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}
	pvcGVK         = schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}
	pvGVK          = schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolume"}
	ingressGVK     = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}
	pdbGVK         = schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}
	hpaV2GVK       = schema.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}
	hpaV1GVK       = schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler"}
	svcImportGVK   = schema.GroupVersionKind{Group: "multicluster.x-k8s.io", Version: "v1alpha1", Kind: "ServiceImport"}
)

type (
	replicaFunc      func(*unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, error)
	reviseFunc       func(obj *unstructured.Unstructured, replicas int64) error
	retainFunc       func(desired, observed *unstructured.Unstructured) error
	reflectFunc      func(*unstructured.Unstructured) (map[string]interface{}, error)
	aggregateFunc    func(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error
	healthFunc       func(*unstructured.Unstructured) (bool, error)
	dependenciesFunc func(*unstructured.Unstructured) ([]Dependency, error)
)

// native holds the built-in per-kind answers (docs/design/interpreter.md, "Native rules");
// a kind missing from a table gets the generic answer of that operation.
type native struct {
	replicas     map[schema.GroupVersionKind]replicaFunc
	revise       map[schema.GroupVersionKind]reviseFunc
	retain       map[schema.GroupVersionKind]retainFunc
	reflect      map[schema.GroupVersionKind]reflectFunc
	aggregate    map[schema.GroupVersionKind]aggregateFunc
	health       map[schema.GroupVersionKind]healthFunc
	dependencies map[schema.GroupVersionKind]dependenciesFunc
}

var _ Interpreter = &native{}

var defaultInterpreter = &native{
	replicas: map[schema.GroupVersionKind]replicaFunc{
		deploymentGVK:  workloadReplicas,
		statefulSetGVK: workloadReplicas,
		replicaSetGVK:  workloadReplicas,
		jobGVK:         jobReplicas,
		podGVK:         podReplicas,
	},
	revise: map[schema.GroupVersionKind]reviseFunc{
		deploymentGVK:  reviseSpecReplicas,
		statefulSetGVK: reviseSpecReplicas,
		replicaSetGVK:  reviseSpecReplicas,
		jobGVK:         reviseJobParallelism,
	},
	retain: map[schema.GroupVersionKind]retainFunc{
		deploymentGVK:  retainWorkloadReplicas,
		statefulSetGVK: retainWorkloadReplicas,
		replicaSetGVK:  retainWorkloadReplicas,
		jobGVK:         retainJobSelector,
		podGVK:         retainPod,
		serviceGVK:     retainService,
		saGVK:          retainServiceAccount,
		pvcGVK:         retainPVC,
		pvGVK:          retainPV,
	},
	reflect: map[schema.GroupVersionKind]reflectFunc{
		deploymentGVK:  reflectDeployment,
		statefulSetGVK: reflectStatefulSet,
		replicaSetGVK:  reflectReplicaSet,
		daemonSetGVK:   reflectDaemonSet,
		jobGVK:         reflectJob,
		serviceGVK:     reflectService,
		pdbGVK:         reflectPDB,
		hpaV2GVK:       reflectHPA,
		hpaV1GVK:       reflectHPA,
	},
	aggregate: map[schema.GroupVersionKind]aggregateFunc{
		deploymentGVK:  aggregateDeployment,
		statefulSetGVK: aggregateStatefulSet,
		replicaSetGVK:  aggregateReplicaSet,
		daemonSetGVK:   aggregateDaemonSet,
		jobGVK:         aggregateJob,
		cronJobGVK:     aggregateCronJob,
		podGVK:         aggregatePod,
		serviceGVK:     aggregateService,
		ingressGVK:     aggregateIngress,
		pvcGVK:         aggregatePVC,
		pvGVK:          aggregatePV,
		pdbGVK:         aggregatePDB,
		hpaV2GVK:       aggregateHPA,
		hpaV1GVK:       aggregateHPA,
	},
	health: map[schema.GroupVersionKind]healthFunc{
		deploymentGVK:  deploymentHealthy,
		statefulSetGVK: statefulSetHealthy,
		replicaSetGVK:  replicaSetHealthy,
		daemonSetGVK:   daemonSetHealthy,
		podGVK:         podHealthy,
		serviceGVK:     serviceHealthy,
		ingressGVK:     ingressHealthy,
		pvcGVK:         pvcHealthy,
		pdbGVK:         pdbHealthy,
	},
	dependencies: map[schema.GroupVersionKind]dependenciesFunc{
		deploymentGVK:  podTemplateDependencies("spec", "template"),
		statefulSetGVK: podTemplateDependencies("spec", "template"),
		replicaSetGVK:  podTemplateDependencies("spec", "template"),
		daemonSetGVK:   podTemplateDependencies("spec", "template"),
		jobGVK:         podTemplateDependencies("spec", "template"),
		cronJobGVK:     podTemplateDependencies("spec", "jobTemplate", "spec", "template"),
		podGVK:         podDependencies,
		ingressGVK:     ingressDependencies,
		svcImportGVK:   serviceImportDependencies,
	},
}

// Default returns the built-in interpreter for native kinds; other kinds (CRDs) get the
// generic behaviour: no replicas, the whole .status reflected, no aggregation, Healthy,
// no dependencies, nothing retained.
func Default() Interpreter {
	return defaultInterpreter
}

func (n *native) HookEnabled(gvk schema.GroupVersionKind, op Operation) bool {
	switch op {
	case OperationInterpretReplica:
		return n.replicas[gvk] != nil
	case OperationReviseReplica:
		return n.revise[gvk] != nil
	case OperationRetain:
		return n.retain[gvk] != nil
	case OperationInterpretStatus:
		// Every kind reflects something (the whole status by default).
		return true
	case OperationAggregateStatus:
		return n.aggregate[gvk] != nil
	case OperationInterpretHealth:
		return n.health[gvk] != nil
	case OperationInterpretDependency:
		return n.dependencies[gvk] != nil
	case OperationInterpretComponent:
		return componentRules[gvk] != nil
	}
	return false
}

func (n *native) GetReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, bool, error) {
	f := n.replicas[obj.GroupVersionKind()]
	if f == nil {
		return 0, nil, false, nil
	}
	replicas, req, err := f(obj)
	if err != nil {
		return 0, nil, false, describe(obj, err)
	}
	return replicas, req, true, nil
}

func (n *native) GetComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, bool, error) {
	f := componentRules[obj.GroupVersionKind()]
	if f == nil {
		return nil, false, nil
	}
	components, err := f(obj)
	if err != nil {
		return nil, false, describe(obj, err)
	}
	return components, true, nil
}

func (n *native) ReviseReplica(obj *unstructured.Unstructured, replicas int64) (*unstructured.Unstructured, error) {
	f := n.revise[obj.GroupVersionKind()]
	if f == nil {
		return nil, describe(obj, fmt.Errorf("revising replicas is %w", ErrNotSupported))
	}
	revised := obj.DeepCopy()
	if err := f(revised, replicas); err != nil {
		return nil, describe(obj, err)
	}
	return revised, nil
}

func (n *native) Retain(desired, observed *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	retained := desired.DeepCopy()
	f := n.retain[desired.GroupVersionKind()]
	if f == nil || observed == nil {
		return retained, nil
	}
	if err := f(retained, observed); err != nil {
		return nil, describe(desired, err)
	}
	return retained, nil
}

func (n *native) ReflectStatus(obj *unstructured.Unstructured) (*runtime.RawExtension, error) {
	f := n.reflect[obj.GroupVersionKind()]
	if f == nil {
		f = reflectWholeStatus
	}
	status, err := f(obj)
	if err != nil {
		return nil, describe(obj, err)
	}
	if status == nil {
		return nil, nil
	}
	return rawExtension(status)
}

func (n *native) AggregateStatus(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) (*unstructured.Unstructured, error) {
	aggregated := obj.DeepCopy()
	f := n.aggregate[obj.GroupVersionKind()]
	if f == nil {
		return aggregated, nil
	}
	if err := f(aggregated, items); err != nil {
		return nil, describe(obj, err)
	}
	return aggregated, nil
}

func (n *native) InterpretHealth(obj *unstructured.Unstructured) (workv1alpha1.ResourceHealth, error) {
	f := n.health[obj.GroupVersionKind()]
	if f == nil {
		return workv1alpha1.ResourceHealthy, nil
	}
	healthy, err := f(obj)
	switch {
	case err != nil:
		return workv1alpha1.ResourceUnknown, describe(obj, err)
	case healthy:
		return workv1alpha1.ResourceHealthy, nil
	default:
		return workv1alpha1.ResourceUnhealthy, nil
	}
}

func (n *native) GetDependencies(obj *unstructured.Unstructured) ([]Dependency, error) {
	f := n.dependencies[obj.GroupVersionKind()]
	if f == nil {
		return nil, nil
	}
	deps, err := f(obj)
	if err != nil {
		return nil, describe(obj, err)
	}
	return deps, nil
}

// describe names the object in an error, so a controller can log or record it as is.
func describe(obj *unstructured.Unstructured, err error) error {
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Errorf("%s %s: %w", obj.GetKind(), name, err)
}
