package interpreter

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// The kinds made of several pod templates that Karmada ships a component rule for (its
// third-party ResourceInterpreterCustomizations with a componentResource script). Each
// function below computes the components the way that script does.
var (
	flinkDeploymentGVK  = schema.GroupVersionKind{Group: "flink.apache.org", Version: "v1beta1", Kind: "FlinkDeployment"}
	rayClusterGVK       = schema.GroupVersionKind{Group: "ray.io", Version: "v1", Kind: "RayCluster"}
	rayJobGVK           = schema.GroupVersionKind{Group: "ray.io", Version: "v1", Kind: "RayJob"}
	rayServiceGVK       = schema.GroupVersionKind{Group: "ray.io", Version: "v1", Kind: "RayService"}
	pyTorchJobGVK       = schema.GroupVersionKind{Group: "kubeflow.org", Version: "v1", Kind: "PyTorchJob"}
	tfJobGVK            = schema.GroupVersionKind{Group: "kubeflow.org", Version: "v1", Kind: "TFJob"}
	mpiJobGVK           = schema.GroupVersionKind{Group: "kubeflow.org", Version: "v2beta1", Kind: "MPIJob"}
	sparkApplicationGVK = schema.GroupVersionKind{Group: "sparkoperator.k8s.io", Version: "v1beta2", Kind: "SparkApplication"}
	volcanoJobGVK       = schema.GroupVersionKind{Group: "batch.volcano.sh", Version: "v1alpha1", Kind: "Job"}
)

type componentsFunc func(*unstructured.Unstructured) ([]workv1alpha2.Component, error)

var componentRules = map[schema.GroupVersionKind]componentsFunc{
	flinkDeploymentGVK:  flinkComponents,
	rayClusterGVK:       rayComponentsAt("spec"),
	rayJobGVK:           rayComponentsAt("spec", "rayClusterSpec"),
	rayServiceGVK:       rayComponentsAt("spec", "rayClusterConfig"),
	pyTorchJobGVK:       replicaSpecComponents("pytorchReplicaSpecs", 1, false, [][2]string{{"Master", "master"}, {"Worker", "worker"}}),
	tfJobGVK:            replicaSpecComponents("tfReplicaSpecs", 1, false, [][2]string{{"PS", "ps"}, {"Worker", "worker"}, {"Chief", "chief"}, {"Master", "master"}, {"Evaluator", "evaluator"}}),
	mpiJobGVK:           mpiComponents,
	sparkApplicationGVK: sparkComponents,
	volcanoJobGVK:       volcanoJobComponents,
}

// field reads obj's nested field; nil when any step is missing or not an object.
func field(obj map[string]interface{}, path ...string) interface{} {
	var cur interface{} = obj
	for _, p := range path {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// number reads a JSON number or a numeric string, as the scripts' to_num does; ok is
// false for anything else (nil, "", other strings).
func number(v interface{}) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

// replicaCount is to_num(v, def) turned into a replica count.
func replicaCount(v interface{}, def int32) (int32, error) {
	f, ok := number(v)
	if !ok {
		return def, nil
	}
	if f != math.Trunc(f) || f < 0 || f > math.MaxInt32 {
		return 0, fmt.Errorf("replicas %v is not a count", v)
	}
	return int32(f), nil
}

// quantity reads a resource amount given as a JSON number or a Kubernetes quantity string.
func quantity(v interface{}) (resource.Quantity, error) {
	switch n := v.(type) {
	case string:
		return resource.ParseQuantity(n)
	default:
		f, ok := number(v)
		if !ok {
			return resource.Quantity{}, fmt.Errorf("%v is not a resource quantity", v)
		}
		return resource.ParseQuantity(strconv.FormatFloat(f, 'f', -1, 64))
	}
}

// podTemplateRequirements is Karmada's kube.accuratePodRequirements for a component: the
// effective request and hard node constraints of one pod of the template, nil when there
// are neither.
func podTemplateRequirements(template interface{}) (*workv1alpha2.ComponentReplicaRequirements, error) {
	m, ok := template.(map[string]interface{})
	if !ok {
		return nil, nil
	}
	spec := &corev1.PodSpec{}
	if s, ok := m["spec"].(map[string]interface{}); ok {
		if err := toTyped(s, spec); err != nil {
			return nil, err
		}
	}
	req := ReplicaRequirements(spec, "")
	if req == nil {
		return nil, nil
	}
	return &workv1alpha2.ComponentReplicaRequirements{
		NodeClaim:         req.NodeClaim,
		ResourceRequest:   req.ResourceRequest,
		PriorityClassName: req.PriorityClassName,
	}, nil
}

// applyPodSpecConstraints copies the node constraints and priority class of a pod spec
// given in the object (FlinkDeployment's podTemplate.spec, a Spark driver or executor)
// into req, as the scripts' apply_pod_template does; withAffinity adds the required node
// affinity (Spark's script reads it, Flink's does not).
func applyPodSpecConstraints(podSpec interface{}, req *workv1alpha2.ComponentReplicaRequirements, withAffinity bool) error {
	m, ok := podSpec.(map[string]interface{})
	if !ok {
		return nil
	}
	var typed struct {
		NodeSelector      map[string]string   `json:"nodeSelector,omitempty"`
		Tolerations       []corev1.Toleration `json:"tolerations,omitempty"`
		PriorityClassName string              `json:"priorityClassName,omitempty"`
		Affinity          *corev1.Affinity    `json:"affinity,omitempty"`
	}
	sub := map[string]interface{}{}
	for _, k := range []string{"nodeSelector", "tolerations", "priorityClassName", "affinity"} {
		if v, ok := m[k]; ok {
			sub[k] = v
		}
	}
	if err := toTyped(sub, &typed); err != nil {
		return err
	}
	claim := &workv1alpha2.NodeClaim{NodeSelector: typed.NodeSelector, Tolerations: typed.Tolerations}
	if withAffinity && typed.Affinity != nil && typed.Affinity.NodeAffinity != nil {
		claim.HardNodeAffinity = typed.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	if claim.NodeSelector != nil || claim.Tolerations != nil || claim.HardNodeAffinity != nil {
		req.NodeClaim = claim
	}
	if typed.PriorityClassName != "" {
		req.PriorityClassName = typed.PriorityClassName
	}
	return nil
}

// setRequest records a resource amount when the object gives one.
func setRequest(req *workv1alpha2.ComponentReplicaRequirements, name corev1.ResourceName, v interface{}) error {
	if v == nil || v == "" {
		return nil
	}
	q, err := quantity(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if req.ResourceRequest == nil {
		req.ResourceRequest = corev1.ResourceList{}
	}
	req.ResourceRequest[name] = q
	return nil
}

// flinkComponents: a job manager (spec.jobManager.replicas, default 1) and task managers
// (spec.taskManager.replicas, else ceil(job.parallelism / taskmanager.numberOfTaskSlots),
// else 1), each asking for its resource.cpu and resource.memory (read as a Kubernetes
// quantity, as Karmada does), with the node constraints of the shared spec.podTemplate.
func flinkComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
	o := obj.Object
	podSpec := field(o, "spec", "podTemplate", "spec")

	build := func(name, role string, replicas int32) (workv1alpha2.Component, error) {
		req := &workv1alpha2.ComponentReplicaRequirements{}
		if err := setRequest(req, corev1.ResourceCPU, field(o, "spec", role, "resource", "cpu")); err != nil {
			return workv1alpha2.Component{}, fmt.Errorf("spec.%s.resource.%w", role, err)
		}
		if err := setRequest(req, corev1.ResourceMemory, field(o, "spec", role, "resource", "memory")); err != nil {
			return workv1alpha2.Component{}, fmt.Errorf("spec.%s.resource.%w", role, err)
		}
		if err := applyPodSpecConstraints(podSpec, req, false); err != nil {
			return workv1alpha2.Component{}, err
		}
		return workv1alpha2.Component{Name: name, Replicas: replicas, ReplicaRequirements: req}, nil
	}

	jmReplicas, err := replicaCount(field(o, "spec", "jobManager", "replicas"), 1)
	if err != nil {
		return nil, fmt.Errorf("spec.jobManager.%w", err)
	}
	jm, err := build("jobmanager", "jobManager", jmReplicas)
	if err != nil {
		return nil, err
	}

	tmReplicas := int32(1)
	if v, ok := number(field(o, "spec", "taskManager", "replicas")); ok {
		if tmReplicas, err = replicaCount(v, 1); err != nil {
			return nil, fmt.Errorf("spec.taskManager.%w", err)
		}
	} else {
		parallelism, okP := number(field(o, "spec", "job", "parallelism"))
		slots, okS := number(field(o, "spec", "flinkConfiguration", "taskmanager.numberOfTaskSlots"))
		if okP && okS && slots != 0 {
			tmReplicas = int32(math.Ceil(parallelism / slots))
		}
	}
	tm, err := build("taskmanager", "taskManager", tmReplicas)
	if err != nil {
		return nil, err
	}
	return []workv1alpha2.Component{jm, tm}, nil
}

// rayComponentsAt reads a RayCluster spec found at path: the head ("ray-head", one pod)
// and one component per worker group (its groupName, or worker-<i> counting from 1; its
// replicas, default 0).
func rayComponentsAt(path ...string) componentsFunc {
	return func(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
		spec, _ := field(obj.Object, path...).(map[string]interface{})
		components := []workv1alpha2.Component{}
		if spec == nil {
			return components, nil
		}
		if head := field(spec, "headGroupSpec", "template"); head != nil {
			req, err := podTemplateRequirements(head)
			if err != nil {
				return nil, fmt.Errorf("headGroupSpec: %w", err)
			}
			components = append(components, workv1alpha2.Component{Name: "ray-head", Replicas: 1, ReplicaRequirements: req})
		}
		groups, _ := spec["workerGroupSpecs"].([]interface{})
		for i, g := range groups {
			group, _ := g.(map[string]interface{})
			name, _ := group["groupName"].(string)
			if name == "" {
				name = "worker-" + strconv.Itoa(i+1)
			}
			replicas, err := replicaCount(group["replicas"], 0)
			if err != nil {
				return nil, fmt.Errorf("workerGroupSpecs[%d].%w", i, err)
			}
			req, err := podTemplateRequirements(group["template"])
			if err != nil {
				return nil, fmt.Errorf("workerGroupSpecs[%d]: %w", i, err)
			}
			components = append(components, workv1alpha2.Component{Name: name, Replicas: replicas, ReplicaRequirements: req})
		}
		return components, nil
	}
}

// replicaSpecComponents reads a Kubeflow job's replica specs (spec.<field>.<Type>) in a
// fixed order of types, naming each component as given; replicas default to def.
// skipWithoutTemplate leaves out a type without a pod template (MPIJob's rule).
func replicaSpecComponents(specField string, def int32, skipWithoutTemplate bool, types [][2]string) componentsFunc {
	return func(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
		components := []workv1alpha2.Component{}
		for _, t := range types {
			rs, ok := field(obj.Object, "spec", specField, t[0]).(map[string]interface{})
			if !ok {
				continue
			}
			if skipWithoutTemplate && rs["template"] == nil {
				continue
			}
			replicas, err := replicaCount(rs["replicas"], def)
			if err != nil {
				return nil, fmt.Errorf("spec.%s.%s.%w", specField, t[0], err)
			}
			req, err := podTemplateRequirements(rs["template"])
			if err != nil {
				return nil, fmt.Errorf("spec.%s.%s: %w", specField, t[0], err)
			}
			components = append(components, workv1alpha2.Component{Name: t[1], Replicas: replicas, ReplicaRequirements: req})
		}
		return components, nil
	}
}

// mpiComponents: Launcher (default 1 replica) and Worker (default 0), named as the
// replica types; a type without a template is left out.
func mpiComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
	launcher := replicaSpecComponents("mpiReplicaSpecs", 1, true, [][2]string{{"Launcher", "Launcher"}})
	worker := replicaSpecComponents("mpiReplicaSpecs", 0, true, [][2]string{{"Worker", "Worker"}})
	l, err := launcher(obj)
	if err != nil {
		return nil, err
	}
	w, err := worker(obj)
	if err != nil {
		return nil, err
	}
	return append(l, w...), nil
}

// volcanoJobComponents: one component per spec.tasks entry (its name, or task-<i>
// counting from 0; its replicas, default 1).
func volcanoJobComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
	components := []workv1alpha2.Component{}
	tasks, _ := field(obj.Object, "spec", "tasks").([]interface{})
	for i, t := range tasks {
		task, _ := t.(map[string]interface{})
		name, _ := task["name"].(string)
		if name == "" {
			name = "task-" + strconv.Itoa(i)
		}
		replicas, err := replicaCount(task["replicas"], 1)
		if err != nil {
			return nil, fmt.Errorf("spec.tasks[%d].%w", i, err)
		}
		req, err := podTemplateRequirements(task["template"])
		if err != nil {
			return nil, fmt.Errorf("spec.tasks[%d]: %w", i, err)
		}
		components = append(components, workv1alpha2.Component{Name: name, Replicas: replicas, ReplicaRequirements: req})
	}
	return components, nil
}

// Spark's memory overhead rules, as Karmada's SparkApplication script applies them.
const (
	sparkMinMemoryOverhead    = 384 * 1024 * 1024
	sparkJVMOverheadFactor    = 0.10
	sparkNonJVMOverheadFactor = 0.40
)

var javaMemory = regexp.MustCompile(`^(\d+\.?\d*)([a-z]*)$`)

// javaMemoryBytes reads a JVM memory string ("512m", "2g", "1024"): 0 when unreadable, an
// unknown unit counts as bytes.
func javaMemoryBytes(v interface{}) float64 {
	if v == nil {
		return 0
	}
	m := javaMemory.FindStringSubmatch(strings.ToLower(fmt.Sprint(v)))
	if m == nil {
		return 0
	}
	value, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	units := map[string]float64{
		"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
		"g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40,
	}
	if u, ok := units[m[2]]; ok {
		return value * u
	}
	return value
}

// bytesQuantity writes a byte count the way the script does: whole Ti or Gi when exact,
// else whole Mi (rounded down), else Ki (rounded up, at least 1).
func bytesQuantity(total float64) string {
	for _, u := range []struct {
		size   float64
		suffix string
	}{{1 << 40, "Ti"}, {1 << 30, "Gi"}, {1 << 20, "Mi"}, {1 << 10, "Ki"}} {
		if total < u.size {
			continue
		}
		scaled := total / u.size
		if u.suffix == "Mi" {
			return fmt.Sprintf("%d%s", int64(math.Floor(scaled)), u.suffix)
		}
		if scaled == math.Floor(scaled) {
			return fmt.Sprintf("%d%s", int64(scaled), u.suffix)
		}
	}
	return fmt.Sprintf("%dKi", int64(math.Max(math.Ceil(total/1024), 1)))
}

// sparkComponents: the driver (one pod) and the executors (executor.instances, default 1,
// raised to dynamicAllocation's initialExecutors and minExecutors when it is enabled),
// each asking for its cores, memory plus overhead (memoryOverhead, else memory times
// memoryOverheadFactor, default 0.1 for Java and 0.4 otherwise, at least 384Mi) and its
// GPU, with its own node constraints and priority class.
func sparkComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, error) {
	o := obj.Object
	jobType, ok := field(o, "spec", "type").(string)
	if !ok {
		return nil, fmt.Errorf("spec.type is required")
	}
	factor := sparkNonJVMOverheadFactor
	if strings.ToLower(jobType) == "java" {
		factor = sparkJVMOverheadFactor
	}
	if f, ok := number(field(o, "spec", "memoryOverheadFactor")); ok {
		factor = f
	}

	build := func(role string, replicas int32) (workv1alpha2.Component, error) {
		req := &workv1alpha2.ComponentReplicaRequirements{}
		if err := setRequest(req, corev1.ResourceCPU, field(o, "spec", role, "cores")); err != nil {
			return workv1alpha2.Component{}, fmt.Errorf("spec.%s.cores: %w", role, err)
		}
		memory := javaMemoryBytes(field(o, "spec", role, "memory"))
		var overhead float64
		if v := field(o, "spec", role, "memoryOverhead"); v != nil {
			overhead = javaMemoryBytes(v)
		} else {
			overhead = math.Max(memory*factor, sparkMinMemoryOverhead)
		}
		if err := setRequest(req, corev1.ResourceMemory, bytesQuantity(memory+overhead)); err != nil {
			return workv1alpha2.Component{}, err
		}
		if gpu, ok := field(o, "spec", role, "gpu").(map[string]interface{}); ok {
			name, _ := gpu["name"].(string)
			if n, ok := number(gpu["quantity"]); ok && name != "" && n > 0 {
				if err := setRequest(req, corev1.ResourceName(name), n); err != nil {
					return workv1alpha2.Component{}, err
				}
			}
		}
		if err := applyPodSpecConstraints(field(o, "spec", role), req, true); err != nil {
			return workv1alpha2.Component{}, err
		}
		return workv1alpha2.Component{Name: role, Replicas: replicas, ReplicaRequirements: req}, nil
	}

	driver, err := build("driver", 1)
	if err != nil {
		return nil, err
	}
	executors, err := replicaCount(field(o, "spec", "executor", "instances"), 1)
	if err != nil {
		return nil, fmt.Errorf("spec.executor.instances: %w", err)
	}
	if enabled, _ := field(o, "spec", "dynamicAllocation", "enabled").(bool); enabled {
		for _, f := range []string{"initialExecutors", "minExecutors"} {
			n, err := replicaCount(field(o, "spec", "dynamicAllocation", f), 1)
			if err != nil {
				return nil, fmt.Errorf("spec.dynamicAllocation.%s: %w", f, err)
			}
			executors = max(executors, n)
		}
	}
	executor, err := build("executor", executors)
	if err != nil {
		return nil, err
	}
	return []workv1alpha2.Component{driver, executor}, nil
}
