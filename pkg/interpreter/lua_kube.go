package interpreter

import (
	"encoding/json"
	"fmt"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// newKubeLib builds the table of helpers Karmada offers scripts as module "kube":
// accuratePodRequirements(podTemplate), getPodDependencies(podTemplate, namespace) and
// resourceAdd(q1, q2, ...).
func newKubeLib(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("accuratePodRequirements", L.NewFunction(luaAccuratePodRequirements))
	t.RawSetString("getPodDependencies", L.NewFunction(luaGetPodDependencies))
	t.RawSetString("resourceAdd", L.NewFunction(luaResourceAdd))
	return t
}

// luaPodTemplate reads argument n as a PodTemplateSpec.
func luaPodTemplate(L *lua.LState, n int) *corev1.PodTemplateSpec {
	v, err := fromLua(L.CheckTable(n))
	if err != nil {
		L.ArgError(n, err.Error())
	}
	m, ok := dropEmptyTables(v).(map[string]interface{})
	if !ok {
		m = map[string]interface{}{}
	}
	var tmpl corev1.PodTemplateSpec
	if err := toTyped(m, &tmpl); err != nil {
		L.ArgError(n, "not a pod template: "+err.Error())
	}
	return &tmpl
}

// dropEmptyTables removes the values that were empty Lua tables. Lua has one table type, so
// `volumeMounts: []` and `emptyDir: {}` both arrive as an empty table, which fromLua
// returns as an empty map; a typed list field refuses a map. Leaving them out is harmless
// here: neither requirements nor dependencies read an empty list or an empty volume source.
func dropEmptyTables(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			if m, ok := e.(map[string]interface{}); ok && len(m) == 0 {
				delete(x, k)
				continue
			}
			x[k] = dropEmptyTables(e)
		}
	case []interface{}:
		for i, e := range x {
			if m, ok := e.(map[string]interface{}); ok && len(m) == 0 {
				x[i] = nil
				continue
			}
			x[i] = dropEmptyTables(e)
		}
	}
	return v
}

// pushJSON converts a typed value to Lua through its JSON form.
func pushJSON(L *lua.LState, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		L.RaiseError("%v", err)
	}
	var generic interface{}
	if err := json.Unmarshal(b, &generic); err != nil {
		L.RaiseError("%v", err)
	}
	L.Push(toLua(L, generic))
}

func luaAccuratePodRequirements(L *lua.LState) int {
	tmpl := luaPodTemplate(L, 1)
	req := ReplicaRequirements(&tmpl.Spec, tmpl.Namespace)
	if req == nil {
		L.Push(L.NewTable())
		return 1
	}
	pushJSON(L, req)
	return 1
}

func luaGetPodDependencies(L *lua.LState) int {
	tmpl := luaPodTemplate(L, 1)
	namespace := L.OptString(2, tmpl.Namespace)
	deps := PodSpecDependencies(&tmpl.Spec, namespace)
	out := L.CreateTable(len(deps), 0)
	for _, d := range deps {
		L.Push(lua.LNil)
		pushJSON(L, d)
		out.Append(L.Get(-1))
		L.Pop(2)
	}
	L.Push(out)
	return 1
}

func luaResourceAdd(L *lua.LState) int {
	var sum resource.Quantity
	for i := 1; i <= L.GetTop(); i++ {
		v := L.Get(i)
		var q resource.Quantity
		var err error
		switch x := v.(type) {
		case *lua.LNilType:
			continue
		case lua.LNumber:
			q, err = resource.ParseQuantity(x.String())
		case lua.LString:
			q, err = resource.ParseQuantity(string(x))
		default:
			err = fmt.Errorf("%s is not a quantity", v.Type())
		}
		if err != nil {
			L.ArgError(i, err.Error())
		}
		sum.Add(q)
	}
	L.Push(lua.LString(sum.String()))
	return 1
}
