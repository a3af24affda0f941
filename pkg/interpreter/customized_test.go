package interpreter

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

var fooGVK = schema.GroupVersionKind{Group: "example.io", Version: "v1", Kind: "Foo"}

func fooObj(spec, status map[string]interface{}) *unstructured.Unstructured {
	o := map[string]interface{}{"apiVersion": "example.io/v1", "kind": "Foo",
		"metadata": map[string]interface{}{"name": "f", "namespace": "ns"}, "spec": spec}
	if status != nil {
		o["status"] = status
	}
	return &unstructured.Unstructured{Object: o}
}

func withRules(r configv1alpha1.CustomizationRules) *customized {
	c := Customized(Default(), func(gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules {
		if gvk == fooGVK {
			return &r
		}
		return nil
	}).(*customized)
	return c
}

func TestLuaGetReplicas(t *testing.T) {
	cases := []struct {
		name     string
		script   string
		replicas int32
		req      string
		wantErr  string
	}{
		{"replicas and requests through kube helper", `
local kube = require("kube")
function GetReplicas(obj)
  return obj.spec.replicas, kube.accuratePodRequirements(obj.spec.template)
end`, 3, `{"resourceRequest":{"cpu":"100m"},"namespace":"ns"}`, ""},
		{"nil requirement", `function GetReplicas(obj) return obj.spec.replicas, nil end`, 3, `null`, ""},
		{"fractional replicas refused", `function GetReplicas(obj) return 1.5 end`, 0, "", "whole number"},
		{"runtime error", `function GetReplicas(obj) return obj.spec.missing.x end`, 0, "", "GetReplicas failed"},
		{"missing function", `function Other() end`, 0, "", "does not define function GetReplicas"},
	}
	obj := fooObj(map[string]interface{}{"replicas": int64(3), "template": map[string]interface{}{
		"metadata": map[string]interface{}{"namespace": "ns"},
		"spec": map[string]interface{}{"volumes": []interface{}{map[string]interface{}{"name": "scratch", "emptyDir": map[string]interface{}{}}},
			"containers": []interface{}{map[string]interface{}{"name": "c", "volumeMounts": []interface{}{},
				"resources": map[string]interface{}{"requests": map[string]interface{}{"cpu": "100m"}}}}}}}, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := withRules(configv1alpha1.CustomizationRules{ReplicaResource: &configv1alpha1.ReplicaResourceRequirement{LuaScript: tc.script}})
			if !c.HookEnabled(fooGVK, OperationInterpretReplica) {
				t.Fatal("hook not enabled")
			}
			n, req, ok, err := c.GetReplicas(obj)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !ok || n != tc.replicas {
				t.Fatalf("got %d %v %v", n, ok, err)
			}
			b, _ := json.Marshal(req)
			if string(b) != tc.req {
				t.Fatalf("req = %s, want %s", b, tc.req)
			}
		})
	}
}

func TestLuaReviseRetainReflectHealthDeps(t *testing.T) {
	c := withRules(configv1alpha1.CustomizationRules{
		ReplicaRevision: &configv1alpha1.ReplicaRevision{LuaScript: `function ReviseReplica(obj, n) obj.spec.replicas = n return obj end`},
		Retention:       &configv1alpha1.LocalValueRetention{LuaScript: `function Retain(d, o) d.spec.paused = o.spec.paused return d end`},
		StatusReflection: &configv1alpha1.StatusReflection{LuaScript: `function ReflectStatus(o)
  if o.status == nil then return nil end
  return {ready = o.status.ready, ratio = 0.5, conditions = {}}
end`},
		HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: `function InterpretHealth(o) return o.status ~= nil and o.status.ready == o.spec.replicas end`},
		DependencyInterpretation: &configv1alpha1.DependencyInterpretation{LuaScript: `local kube = require("kube")
function GetDependencies(o)
  local deps = kube.getPodDependencies(o.spec.template, "ns")
  table.insert(deps, {apiVersion = "v1", kind = "Secret", name = "extra"})
  table.insert(deps, {apiVersion = "v1", kind = "Secret", name = "extra"})
  return deps
end`},
	})
	obj := fooObj(map[string]interface{}{"replicas": int64(2), "paused": false, "template": map[string]interface{}{
		"spec": map[string]interface{}{"serviceAccountName": "sa", "containers": []interface{}{map[string]interface{}{"name": "c"}}}}},
		map[string]interface{}{"ready": int64(2)})

	revised, err := c.ReviseReplica(obj, 5)
	if err != nil || revised.Object["spec"].(map[string]interface{})["replicas"] != int64(5) {
		t.Fatalf("revise: %v %v", revised, err)
	}
	if obj.Object["spec"].(map[string]interface{})["replicas"] != int64(2) {
		t.Fatal("ReviseReplica modified its argument")
	}
	observed := fooObj(map[string]interface{}{"paused": true}, nil)
	retained, err := c.Retain(obj, observed)
	if err != nil || retained.Object["spec"].(map[string]interface{})["paused"] != true {
		t.Fatalf("retain: %v %v", retained, err)
	}
	raw, err := c.ReflectStatus(obj)
	if err != nil || string(raw.Raw) != `{"conditions":{},"ratio":0.5,"ready":2}` {
		t.Fatalf("reflect: %s %v", raw.Raw, err)
	}
	if raw, err := c.ReflectStatus(fooObj(nil, nil)); err != nil || raw != nil {
		t.Fatalf("reflect without status: %v %v", raw, err)
	}
	if h, err := c.InterpretHealth(obj); err != nil || h != workv1alpha1.ResourceHealthy {
		t.Fatalf("health: %v %v", h, err)
	}
	if h, _ := c.InterpretHealth(fooObj(map[string]interface{}{"replicas": int64(2)}, map[string]interface{}{"ready": int64(1)})); h != workv1alpha1.ResourceUnhealthy {
		t.Fatalf("health of a half-ready object = %v", h)
	}
	deps, err := c.GetDependencies(obj)
	b, _ := json.Marshal(deps)
	if err != nil || string(b) != `[{"apiVersion":"v1","kind":"ServiceAccount","namespace":"ns","name":"sa"},{"apiVersion":"v1","kind":"Secret","namespace":"ns","name":"extra"}]` {
		t.Fatalf("deps: %s %v", b, err)
	}
	// Kinds without a customization keep the built-in answers.
	if c.HookEnabled(fooGVK, OperationAggregateStatus) {
		t.Fatal("aggregation enabled without a script")
	}
}

func TestLuaAggregateStatus(t *testing.T) {
	c := withRules(configv1alpha1.CustomizationRules{StatusAggregation: &configv1alpha1.StatusAggregation{LuaScript: `
function AggregateStatus(obj, items)
  local ready = 0
  for i = 1, #items do
    if items[i].status ~= nil then ready = ready + items[i].status.ready end
  end
  obj.status = {ready = ready, clusters = #items}
  return obj
end`}})
	items := []workv1alpha2.AggregatedStatusItem{
		{ClusterName: "m1", Status: &runtime.RawExtension{Raw: []byte(`{"ready":2}`)}},
		{ClusterName: "m2", Status: &runtime.RawExtension{Raw: []byte(`{"ready":3}`)}},
		{ClusterName: "m3"},
	}
	out, err := c.AggregateStatus(fooObj(map[string]interface{}{}, nil), items)
	if err != nil {
		t.Fatal(err)
	}
	if st := out.Object["status"].(map[string]interface{}); st["ready"] != int64(5) || st["clusters"] != int64(3) {
		t.Fatalf("status = %v", st)
	}
}

func TestLuaSandbox(t *testing.T) {
	cases := map[string]string{
		"os":         `function InterpretHealth(o) return os.getenv("HOME") ~= nil end`,
		"io":         `function InterpretHealth(o) return io.open("/etc/passwd") ~= nil end`,
		"require os": `function InterpretHealth(o) local os = require("os") return true end`,
		"dofile":     `function InterpretHealth(o) dofile("/etc/passwd") return true end`,
		"loadstring": `function InterpretHealth(o) return loadstring("return 1")() == 1 end`,
		"string.rep": `function InterpretHealth(o) local s = string.rep("x", 1000000000) return true end`,
		"recursion":  `function f(n) return f(n + 1) + 1 end function InterpretHealth(o) return f(1) end`,
	}
	for name, script := range cases {
		t.Run(name, func(t *testing.T) {
			c := withRules(configv1alpha1.CustomizationRules{HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: script}})
			h, err := c.InterpretHealth(fooObj(nil, nil))
			if err == nil || h != workv1alpha1.ResourceUnknown {
				t.Fatalf("escape allowed: %v %v", h, err)
			}
		})
	}
}

func TestLuaTimeoutAndIsolation(t *testing.T) {
	c := withRules(configv1alpha1.CustomizationRules{HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: `function InterpretHealth(o) while true do end end`}})
	c.vm.timeout = 100 * time.Millisecond
	start := time.Now()
	_, err := c.InterpretHealth(fooObj(nil, nil))
	if !IsLuaTimeout(err) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	// Globals a script sets do not leak into the next call.
	c = withRules(configv1alpha1.CustomizationRules{HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: `
function InterpretHealth(o)
  local seen = counter ~= nil
  counter = 1
  return not seen
end`}})
	for i := 0; i < 3; i++ {
		if h, err := c.InterpretHealth(fooObj(nil, nil)); err != nil || h != workv1alpha1.ResourceHealthy {
			t.Fatalf("call %d: %v %v", i, h, err)
		}
	}
}

// A script that doubles a string in a loop would need terabytes long before its second is
// up; it is stopped once it has allocated luaMaxCallAllocBytes, and the next call runs.
func TestLuaMemoryBound(t *testing.T) {
	c := withRules(configv1alpha1.CustomizationRules{HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: `
function InterpretHealth(o)
  local s = "x"
  for i = 1, 40 do s = s .. s end
  return #s > 0
end`}})
	// The time bound is lifted: on a loaded machine (the race detector, parallel builds)
	// the copying can take longer than a second, and the memory bound must still stop it.
	c.vm.timeout = time.Minute
	_, err := c.InterpretHealth(fooObj(nil, nil))
	if !errors.Is(err, errLuaMemory) {
		t.Fatalf("err = %v, want the memory bound", err)
	}
	if !strings.Contains(err.Error(), "InterpretHealth") || !strings.Contains(err.Error(), "64 MiB") {
		t.Errorf("error %q should name the function and the bound", err)
	}
	// A script building a moderate table is not stopped.
	c = withRules(configv1alpha1.CustomizationRules{HealthInterpretation: &configv1alpha1.HealthInterpretation{LuaScript: `
function InterpretHealth(o)
  local t = {}
  for i = 1, 10000 do t[i] = tostring(i) end
  return #t == 10000
end`}})
	if h, err := c.InterpretHealth(fooObj(nil, nil)); err != nil || h != workv1alpha1.ResourceHealthy {
		t.Fatalf("moderate script: %v %v", h, err)
	}
}

func TestLuaConversion(t *testing.T) {
	L := newSandboxState()
	defer L.Close()
	in := map[string]interface{}{"i": int64(3), "f": 1.5, "arr": []interface{}{"a", int64(2)}, "empty": map[string]interface{}{}, "b": true}
	out, err := fromLua(toLua(L, in))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out)
	if string(got) != `{"arr":["a",2],"b":true,"empty":{},"f":1.5,"i":3}` {
		t.Fatalf("round trip = %s", got)
	}
	if out.(map[string]interface{})["i"] != int64(3) {
		t.Fatalf("whole numbers must come back as int64, got %T", out.(map[string]interface{})["i"])
	}
}

func TestRulesForMergesByName(t *testing.T) {
	mk := func(name, apiVersion string, r configv1alpha1.CustomizationRules) *configv1alpha1.ResourceInterpreterCustomization {
		c := &configv1alpha1.ResourceInterpreterCustomization{}
		c.Name = name
		c.Spec.Target = configv1alpha1.CustomizationTarget{APIVersion: apiVersion, Kind: "Foo"}
		c.Spec.Customizations = r
		return c
	}
	h1 := &configv1alpha1.HealthInterpretation{LuaScript: "a"}
	h2 := &configv1alpha1.HealthInterpretation{LuaScript: "b"}
	rr := &configv1alpha1.ReplicaResourceRequirement{LuaScript: "r"}
	all := []*configv1alpha1.ResourceInterpreterCustomization{
		mk("z", "example.io/v1", configv1alpha1.CustomizationRules{HealthInterpretation: h2, ReplicaResource: rr}),
		mk("a", "example.io/v1", configv1alpha1.CustomizationRules{HealthInterpretation: h1}),
		mk("b", "example.io/v2", configv1alpha1.CustomizationRules{StatusReflection: &configv1alpha1.StatusReflection{LuaScript: "x"}}),
	}
	r := RulesFor(all, fooGVK)
	if r.HealthInterpretation != h1 || r.ReplicaResource != rr || r.StatusReflection != nil {
		t.Fatalf("merged = %+v", r)
	}
	if RulesFor(all, schema.GroupVersionKind{Group: "x", Version: "v1", Kind: "Foo"}) != nil {
		t.Fatal("rules for an untargeted kind")
	}
}
