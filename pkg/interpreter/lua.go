package interpreter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// LuaCallTimeout bounds the run time of one script call.
const LuaCallTimeout = time.Second

// Limits of one Lua state: the value stack (registry) and the call depth bound what a
// script can hold on the stack and how deep it can recurse; string.rep is capped so a
// single call cannot build a huge string.
const (
	luaRegistryMaxSize = 256 * 1024
	luaCallStackSize   = 256
	luaMaxRepBytes     = 1 << 20
	// luaMaxCallAllocBytes bounds what one call may allocate: a script doubling a string
	// in a loop would otherwise take the process's memory before its time runs out.
	luaMaxCallAllocBytes = 64 << 20
	// luaAllocCheckEvery is how often a running call's allocations are looked at; calls
	// shorter than this are never looked at.
	luaAllocCheckEvery = time.Millisecond
)

// errLuaMemory marks a script stopped for allocating too much.
var errLuaMemory = fmt.Errorf("lua script allocated more than %d MiB in one call", luaMaxCallAllocBytes>>20)

// heapAllocated is the process's cumulative heap allocation. It counts every goroutine,
// so a call is only blamed for a burst far above what the control plane allocates in a
// few milliseconds.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// watchAllocations cancels ctx with errLuaMemory once the process has allocated more than
// luaMaxCallAllocBytes since the call began. The Lua VM checks its context before every
// instruction, so the script stops at its next step. stop ends the watch.
func watchAllocations(cancel context.CancelCauseFunc) (stop func()) {
	start := heapAllocated()
	var mu sync.Mutex
	stopped := false
	var timer *time.Timer
	check := func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		if heapAllocated()-start > luaMaxCallAllocBytes {
			cancel(errLuaMemory)
			return
		}
		timer.Reset(luaAllocCheckEvery)
	}
	mu.Lock()
	timer = time.AfterFunc(luaAllocCheckEvery, check)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}

// CompileLua parses and compiles script, the way admission checks a customization; the
// error carries Lua's line and message.
func CompileLua(script string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(script), "<script>")
	if err != nil {
		return nil, err
	}
	return lua.Compile(chunk, "<script>")
}

// luaVM runs customization scripts in sandboxed Lua states taken from a pool. Compiled
// scripts are cached by their text.
type luaVM struct {
	pool    sync.Pool
	mu      sync.Mutex
	protos  map[string]*lua.FunctionProto
	timeout time.Duration
}

func newLuaVM() *luaVM {
	vm := &luaVM{protos: map[string]*lua.FunctionProto{}, timeout: LuaCallTimeout}
	vm.pool.New = func() interface{} { return newSandboxState() }
	return vm
}

// newSandboxState opens only base, table, string and math, without the base functions
// that reach files or modules, and provides Karmada's kube helpers (global and through
// require("kube")).
func newSandboxState() *lua.LState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistryMaxSize: luaRegistryMaxSize, CallStackSize: luaCallStackSize})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	for _, name := range []string{"dofile", "loadfile", "load", "loadstring", "module", "collectgarbage", "print", "_printregs", "newproxy", "getfenv", "setfenv"} {
		L.SetGlobal(name, lua.LNil)
	}
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("rep", L.NewFunction(luaSafeRep))
		str.RawSetString("dump", lua.LNil)
	}
	kube := newKubeLib(L)
	L.SetGlobal("kube", kube)
	L.SetGlobal("require", L.NewFunction(func(L *lua.LState) int {
		if name := L.CheckString(1); name != "kube" {
			L.RaiseError("module %q is not available: scripts may only require \"kube\"", name)
		}
		L.Push(kube)
		return 1
	}))
	return L
}

func luaSafeRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	sep := L.OptString(3, "")
	if n <= 0 {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s)+len(sep))*int64(n) > luaMaxRepBytes {
		L.RaiseError("string.rep would exceed %d bytes", luaMaxRepBytes)
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = s
	}
	L.Push(lua.LString(strings.Join(parts, sep)))
	return 1
}

func (vm *luaVM) proto(script string) (*lua.FunctionProto, error) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if p, ok := vm.protos[script]; ok {
		return p, nil
	}
	p, err := CompileLua(script)
	if err != nil {
		return nil, err
	}
	if len(vm.protos) > 1024 {
		vm.protos = map[string]*lua.FunctionProto{}
	}
	vm.protos[script] = p
	return p, nil
}

// errLuaTimeout marks a script that ran out of time.
var errLuaTimeout = errors.New("lua script timed out")

// call runs script, then its global function fn with args, and returns nret results.
// Globals the script defines live in a fresh environment, so calls never see each
// other's state.
func (vm *luaVM) call(script, fn string, nret int, args ...interface{}) (results []lua.LValue, err error) {
	p, err := vm.proto(script)
	if err != nil {
		return nil, fmt.Errorf("lua script does not compile: %w", err)
	}
	L := vm.pool.Get().(*lua.LState)
	base, cancelCause := context.WithCancelCause(context.Background())
	defer cancelCause(nil)
	ctx, cancel := context.WithTimeout(base, vm.timeout)
	defer cancel()
	defer watchAllocations(cancelCause)()
	L.SetContext(ctx)
	broken := false
	defer func() {
		if r := recover(); r != nil {
			broken = true
			err = fmt.Errorf("lua function %s panicked: %v", fn, r)
		}
		L.RemoveContext()
		if broken || L.GetTop() != 0 {
			L.Close()
			return
		}
		vm.pool.Put(L)
	}()

	env := L.NewTable()
	meta := L.NewTable()
	meta.RawSetString("__index", L.Get(lua.GlobalsIndex))
	L.SetMetatable(env, meta)
	chunk := L.NewFunctionFromProto(p)
	chunk.Env = env
	L.Push(chunk)
	if err := L.PCall(0, 0, nil); err != nil {
		broken = true
		return nil, luaError(ctx, fn, err)
	}
	f, ok := env.RawGetString(fn).(*lua.LFunction)
	if !ok {
		return nil, fmt.Errorf("lua script does not define function %s", fn)
	}
	L.Push(f)
	for _, a := range args {
		L.Push(toLua(L, a))
	}
	if err := L.PCall(len(args), nret, nil); err != nil {
		broken = true
		return nil, luaError(ctx, fn, err)
	}
	results = make([]lua.LValue, nret)
	for i := 0; i < nret; i++ {
		results[i] = L.Get(i - nret)
	}
	L.Pop(nret)
	return results, nil
}

func luaError(ctx context.Context, fn string, err error) error {
	if errors.Is(context.Cause(ctx), errLuaMemory) {
		return fmt.Errorf("lua function %s: %w", fn, errLuaMemory)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("lua function %s: %w after %v", fn, errLuaTimeout, LuaCallTimeout)
	}
	return fmt.Errorf("lua function %s failed: %w", fn, err)
}

// toLua converts a JSON-shaped Go value (unstructured content) to Lua: objects and
// arrays become tables (arrays 1-based), numbers become Lua numbers.
func toLua(L *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case string:
		return lua.LString(x)
	case int:
		return lua.LNumber(x)
	case int32:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case map[string]interface{}:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []interface{}:
		t := L.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case []map[string]interface{}:
		t := L.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case lua.LValue:
		return x
	}
	return lua.LString(fmt.Sprint(v))
}

// fromLua converts a Lua value back to unstructured content. A table whose keys are
// exactly 1..n is an array; any other non-empty table an object; an empty table is an
// empty object (status = {} stays an object). Whole numbers become int64, others float64.
func fromLua(v lua.LValue) (interface{}, error) {
	return fromLuaDepth(v, 0)
}

func fromLuaDepth(v lua.LValue, depth int) (interface{}, error) {
	if depth > 100 {
		return nil, errors.New("lua value nests too deeply (or refers to itself)")
	}
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LString:
		return string(x), nil
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %v cannot be represented in JSON", f)
		}
		return f, nil
	case *lua.LTable:
		n := x.MaxN()
		count := 0
		stringKeys := false
		x.ForEach(func(k, _ lua.LValue) {
			count++
			if _, ok := k.(lua.LString); ok {
				stringKeys = true
			}
		})
		if n > 0 && n == count && !stringKeys {
			out := make([]interface{}, 0, n)
			for i := 1; i <= n; i++ {
				e, err := fromLuaDepth(x.RawGetInt(i), depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			return out, nil
		}
		out := make(map[string]interface{}, count)
		var err error
		x.ForEach(func(k, e lua.LValue) {
			if err != nil {
				return
			}
			var ge interface{}
			ge, err = fromLuaDepth(e, depth+1)
			out[k.String()] = ge
		})
		return out, err
	}
	return nil, fmt.Errorf("lua value of type %s cannot be converted", v.Type())
}
