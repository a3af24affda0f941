package interpreter

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	configlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/config/v1alpha1"
)

// RuleSource returns the customization rules for a kind, or nil.
type RuleSource func(gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules

// ListerRules reads ResourceInterpreterCustomizations from an informer's lister, so
// created, edited and deleted customizations take effect at the next call. When several
// target the same kind, the first by name wins for each operation it scripts.
func ListerRules(lister configlisters.ResourceInterpreterCustomizationLister) RuleSource {
	return func(gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules {
		all, err := lister.List(labels.Everything())
		if err != nil {
			return nil
		}
		return RulesFor(all, gvk)
	}
}

// RulesFor merges the rules of the customizations that target gvk, first by name first.
func RulesFor(all []*configv1alpha1.ResourceInterpreterCustomization, gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules {
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	var matching []*configv1alpha1.ResourceInterpreterCustomization
	for _, c := range all {
		if c.Spec.Target.APIVersion == apiVersion && c.Spec.Target.Kind == kind {
			matching = append(matching, c)
		}
	}
	if len(matching) == 0 {
		return nil
	}
	sort.Slice(matching, func(i, j int) bool { return matching[i].Name < matching[j].Name })
	merged := &configv1alpha1.CustomizationRules{}
	for _, c := range matching {
		r := c.Spec.Customizations
		if merged.Retention == nil {
			merged.Retention = r.Retention
		}
		if merged.ReplicaResource == nil {
			merged.ReplicaResource = r.ReplicaResource
		}
		if merged.ReplicaRevision == nil {
			merged.ReplicaRevision = r.ReplicaRevision
		}
		if merged.StatusReflection == nil {
			merged.StatusReflection = r.StatusReflection
		}
		if merged.StatusAggregation == nil {
			merged.StatusAggregation = r.StatusAggregation
		}
		if merged.HealthInterpretation == nil {
			merged.HealthInterpretation = r.HealthInterpretation
		}
		if merged.DependencyInterpretation == nil {
			merged.DependencyInterpretation = r.DependencyInterpretation
		}
	}
	return merged
}

// customized answers with Lua scripts where a source has one for the kind and
// operation, and asks base otherwise. Sources are consulted in order (user
// customizations before the bundled ones).
type customized struct {
	base    Interpreter
	sources []RuleSource
	vm      *luaVM
}

// Customized wraps base so that customization scripts answer first.
func Customized(base Interpreter, sources ...RuleSource) Interpreter {
	return &customized{base: base, sources: sources, vm: newLuaVM()}
}

// script returns the script of op for gvk from the first source that has one.
func (c *customized) script(gvk schema.GroupVersionKind, op Operation) string {
	for _, src := range c.sources {
		r := src(gvk)
		if r == nil {
			continue
		}
		if s := scriptOf(r, op); s != "" {
			return s
		}
	}
	return ""
}

func scriptOf(r *configv1alpha1.CustomizationRules, op Operation) string {
	switch {
	case op == OperationRetain && r.Retention != nil:
		return r.Retention.LuaScript
	case op == OperationInterpretReplica && r.ReplicaResource != nil:
		return r.ReplicaResource.LuaScript
	case op == OperationReviseReplica && r.ReplicaRevision != nil:
		return r.ReplicaRevision.LuaScript
	case op == OperationInterpretStatus && r.StatusReflection != nil:
		return r.StatusReflection.LuaScript
	case op == OperationAggregateStatus && r.StatusAggregation != nil:
		return r.StatusAggregation.LuaScript
	case op == OperationInterpretHealth && r.HealthInterpretation != nil:
		return r.HealthInterpretation.LuaScript
	case op == OperationInterpretDependency && r.DependencyInterpretation != nil:
		return r.DependencyInterpretation.LuaScript
	}
	return ""
}

func (c *customized) HookEnabled(gvk schema.GroupVersionKind, op Operation) bool {
	return c.script(gvk, op) != "" || c.base.HookEnabled(gvk, op)
}

func (c *customized) GetReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, bool, error) {
	s := c.script(obj.GroupVersionKind(), OperationInterpretReplica)
	if s == "" {
		return c.base.GetReplicas(obj)
	}
	res, err := c.vm.call(s, "GetReplicas", 2, obj.Object)
	if err != nil {
		return 0, nil, false, describe(obj, err)
	}
	n, ok := res[0].(lua.LNumber)
	if !ok {
		return 0, nil, false, describe(obj, fmt.Errorf("GetReplicas returned %s as the replicas, want a number", res[0].Type()))
	}
	replicas := int32(n)
	if float64(replicas) != float64(n) || replicas < 0 {
		return 0, nil, false, describe(obj, fmt.Errorf("GetReplicas returned %v replicas, want a non-negative whole number", float64(n)))
	}
	var req *workv1alpha2.ReplicaRequirements
	if err := fromLuaInto(res[1], &req); err != nil {
		return 0, nil, false, describe(obj, fmt.Errorf("GetReplicas returned an invalid requirement: %w", err))
	}
	if req != nil && req.NodeClaim == nil && len(req.ResourceRequest) == 0 && req.Namespace == "" && req.PriorityClassName == "" {
		req = nil
	}
	return replicas, req, true, nil
}

func (c *customized) GetComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, bool, error) {
	return c.base.GetComponents(obj)
}

func (c *customized) ReviseReplica(obj *unstructured.Unstructured, replicas int64) (*unstructured.Unstructured, error) {
	s := c.script(obj.GroupVersionKind(), OperationReviseReplica)
	if s == "" {
		return c.base.ReviseReplica(obj, replicas)
	}
	res, err := c.vm.call(s, "ReviseReplica", 1, obj.DeepCopy().Object, replicas)
	if err != nil {
		return nil, describe(obj, err)
	}
	out, err := luaObject(res[0], "ReviseReplica")
	if err != nil {
		return nil, describe(obj, err)
	}
	return out, nil
}

func (c *customized) Retain(desired, observed *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	s := c.script(desired.GroupVersionKind(), OperationRetain)
	if s == "" || observed == nil {
		return c.base.Retain(desired, observed)
	}
	res, err := c.vm.call(s, "Retain", 1, desired.DeepCopy().Object, observed.DeepCopy().Object)
	if err != nil {
		return nil, describe(desired, err)
	}
	out, err := luaObject(res[0], "Retain")
	if err != nil {
		return nil, describe(desired, err)
	}
	return out, nil
}

func (c *customized) ReflectStatus(obj *unstructured.Unstructured) (*runtime.RawExtension, error) {
	s := c.script(obj.GroupVersionKind(), OperationInterpretStatus)
	if s == "" {
		return c.base.ReflectStatus(obj)
	}
	res, err := c.vm.call(s, "ReflectStatus", 1, obj.DeepCopy().Object)
	if err != nil {
		return nil, describe(obj, err)
	}
	status, err := fromLua(res[0])
	if err != nil {
		return nil, describe(obj, err)
	}
	if status == nil {
		return nil, nil
	}
	if _, ok := status.(map[string]interface{}); !ok {
		return nil, describe(obj, fmt.Errorf("ReflectStatus returned %s, want a table of status fields", res[0].Type()))
	}
	return rawExtension(status)
}

func (c *customized) AggregateStatus(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) (*unstructured.Unstructured, error) {
	s := c.script(obj.GroupVersionKind(), OperationAggregateStatus)
	if s == "" {
		return c.base.AggregateStatus(obj, items)
	}
	genericItems, err := viaJSON(items)
	if err != nil {
		return nil, describe(obj, err)
	}
	if genericItems == nil {
		genericItems = []interface{}{}
	}
	res, err := c.vm.call(s, "AggregateStatus", 1, obj.DeepCopy().Object, genericItems)
	if err != nil {
		return nil, describe(obj, err)
	}
	out, err := luaObject(res[0], "AggregateStatus")
	if err != nil {
		return nil, describe(obj, err)
	}
	return out, nil
}

func (c *customized) InterpretHealth(obj *unstructured.Unstructured) (workv1alpha1.ResourceHealth, error) {
	s := c.script(obj.GroupVersionKind(), OperationInterpretHealth)
	if s == "" {
		return c.base.InterpretHealth(obj)
	}
	res, err := c.vm.call(s, "InterpretHealth", 1, obj.DeepCopy().Object)
	if err != nil {
		return workv1alpha1.ResourceUnknown, describe(obj, err)
	}
	switch v := res[0].(type) {
	case lua.LBool:
		if v {
			return workv1alpha1.ResourceHealthy, nil
		}
		return workv1alpha1.ResourceUnhealthy, nil
	case *lua.LNilType:
		return workv1alpha1.ResourceUnhealthy, nil
	}
	return workv1alpha1.ResourceUnknown, describe(obj, fmt.Errorf("InterpretHealth returned %s, want a boolean", res[0].Type()))
}

func (c *customized) GetDependencies(obj *unstructured.Unstructured) ([]Dependency, error) {
	s := c.script(obj.GroupVersionKind(), OperationInterpretDependency)
	if s == "" {
		return c.base.GetDependencies(obj)
	}
	res, err := c.vm.call(s, "GetDependencies", 1, obj.DeepCopy().Object)
	if err != nil {
		return nil, describe(obj, err)
	}
	v, err := fromLua(res[0])
	if err != nil {
		return nil, describe(obj, err)
	}
	if m, ok := v.(map[string]interface{}); ok && len(m) == 0 {
		return nil, nil // an empty Lua table is an empty list here
	}
	var deps []Dependency
	if err := remarshal(v, &deps); err != nil {
		return nil, describe(obj, fmt.Errorf("GetDependencies returned an invalid list: %w", err))
	}
	seen := map[string]bool{}
	out := deps[:0]
	for _, d := range deps {
		if d.APIVersion == "" || d.Kind == "" || (d.Name == "" && d.LabelSelector == nil) {
			return nil, describe(obj, fmt.Errorf("GetDependencies returned %+v: apiVersion, kind and a name or labelSelector are required", d))
		}
		if d.Namespace == "" {
			d.Namespace = obj.GetNamespace()
		}
		b, _ := json.Marshal(d)
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// luaObject converts a script's returned object; it must be a table with apiVersion and kind.
func luaObject(v lua.LValue, fn string) (*unstructured.Unstructured, error) {
	g, err := fromLua(v)
	if err != nil {
		return nil, err
	}
	m, ok := g.(map[string]interface{})
	if !ok || m["apiVersion"] == nil || m["kind"] == nil {
		return nil, fmt.Errorf("%s returned %s, want the whole object (a table with apiVersion and kind)", fn, v.Type())
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// fromLuaInto converts a Lua value into a typed struct through JSON; nil and empty
// tables leave into untouched.
func fromLuaInto(v lua.LValue, into interface{}) error {
	g, err := fromLua(v)
	if err != nil {
		return err
	}
	if g == nil {
		return nil
	}
	if m, ok := g.(map[string]interface{}); ok && len(m) == 0 {
		return nil
	}
	return remarshal(g, into)
}

func remarshal(v, into interface{}) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

func viaJSON(v interface{}) (interface{}, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(b, &out)
	return out, err
}

// IsLuaTimeout tells whether err comes from a script that ran out of time.
func IsLuaTimeout(err error) bool { return errors.Is(err, errLuaTimeout) }
