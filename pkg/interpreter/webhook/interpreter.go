package webhook

import (
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// webhooked answers with a webhook where one claims the kind and operation, and asks
// base otherwise.
type webhooked struct {
	base  interpreter.Interpreter
	hooks *Hooks
}

// Wrap returns an interpreter in which the webhooks of hooks answer before base.
// Karmada's order is: declarative customizations, then webhooks, then the bundled
// (third-party) customizations, then the native rules; so the result is meant to sit
// between interpreter.Customized with the user's rules (outside) and with the bundled
// rules (inside).
func Wrap(base interpreter.Interpreter, hooks *Hooks) interpreter.Interpreter {
	return &webhooked{base: base, hooks: hooks}
}

func metaTypes() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: ContextAPIVersion, Kind: ContextKind}
}

// find returns the webhook for op on gvk. Before the configurations are listed, no
// webhook is known, and asking one is an error rather than a silent fallback.
func (w *webhooked) find(gvk schema.GroupVersionKind, op interpreter.Operation) (*hook, error) {
	if !w.hooks.synced() {
		return nil, fmt.Errorf("resource interpreter webhooks are not yet ready to handle requests")
	}
	return w.hooks.first(gvk, configv1alpha1.InterpreterOperation(op)), nil
}

func (w *webhooked) HookEnabled(gvk schema.GroupVersionKind, op interpreter.Operation) bool {
	if w.hooks.synced() && w.hooks.first(gvk, configv1alpha1.InterpreterOperation(op)) != nil {
		return true
	}
	return w.base.HookEnabled(gvk, op)
}

// ask builds the request for obj, sends it to hk and returns the response.
func (w *webhooked) ask(hk *hook, op interpreter.Operation, obj, observed *unstructured.Unstructured, replicas int32, items []workv1alpha2.AggregatedStatusItem) (*ResourceInterpreterResponse, error) {
	raw, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	gvk := obj.GroupVersionKind()
	req := &ResourceInterpreterRequest{
		UID:              uuid.NewUUID(),
		Kind:             metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Name:             obj.GetName(),
		Namespace:        obj.GetNamespace(),
		Operation:        configv1alpha1.InterpreterOperation(op),
		Object:           raw,
		DesiredReplicas:  &replicas,
		AggregatedStatus: items,
	}
	if observed != nil {
		if req.ObservedObject, err = observed.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	return w.hooks.call(hk, req)
}

func (w *webhooked) GetReplicas(obj *unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, bool, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationInterpretReplica)
	if err != nil {
		return 0, nil, false, describe(obj, err)
	}
	if hk == nil {
		return w.base.GetReplicas(obj)
	}
	resp, err := w.ask(hk, interpreter.OperationInterpretReplica, obj, nil, 0, nil)
	if err != nil {
		return 0, nil, false, describe(obj, err)
	}
	if *resp.Replicas < 0 {
		return 0, nil, false, describe(obj, fmt.Errorf("webhook %q returned %d replicas, want a non-negative number", hk.uid, *resp.Replicas))
	}
	return *resp.Replicas, resp.ReplicaRequirements, true, nil
}

func (w *webhooked) GetComponents(obj *unstructured.Unstructured) ([]workv1alpha2.Component, bool, error) {
	return w.base.GetComponents(obj)
}

// patched asks hk for a patch of obj (the desired object) and applies it to a copy.
func (w *webhooked) patched(hk *hook, op interpreter.Operation, obj, observed *unstructured.Unstructured, replicas int32, items []workv1alpha2.AggregatedStatusItem) (*unstructured.Unstructured, error) {
	resp, err := w.ask(hk, op, obj, observed, replicas, items)
	if err != nil {
		return nil, describe(obj, err)
	}
	out, err := applyPatch(obj, resp.Patch)
	if err != nil {
		return nil, describe(obj, fmt.Errorf("applying the patch of webhook %q: %w", hk.uid, err))
	}
	return out, nil
}

// applyPatch returns a copy of obj with the JSON patch applied (no patch: an unchanged copy).
func applyPatch(obj *unstructured.Unstructured, patch []byte) (*unstructured.Unstructured, error) {
	out := obj.DeepCopy()
	if len(patch) == 0 {
		return out, nil
	}
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, err
	}
	doc, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if doc, err = p.Apply(doc); err != nil {
		return nil, err
	}
	if err := out.UnmarshalJSON(doc); err != nil {
		return nil, err
	}
	return out, nil
}

func (w *webhooked) ReviseReplica(obj *unstructured.Unstructured, replicas int64) (*unstructured.Unstructured, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationReviseReplica)
	if err != nil {
		return nil, describe(obj, err)
	}
	if hk == nil {
		return w.base.ReviseReplica(obj, replicas)
	}
	return w.patched(hk, interpreter.OperationReviseReplica, obj, nil, int32(replicas), nil)
}

func (w *webhooked) Retain(desired, observed *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	hk, err := w.find(desired.GroupVersionKind(), interpreter.OperationRetain)
	if err != nil {
		return nil, describe(desired, err)
	}
	if hk == nil || observed == nil {
		return w.base.Retain(desired, observed)
	}
	return w.patched(hk, interpreter.OperationRetain, desired, observed, 0, nil)
}

func (w *webhooked) ReflectStatus(obj *unstructured.Unstructured) (*runtime.RawExtension, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationInterpretStatus)
	if err != nil {
		return nil, describe(obj, err)
	}
	if hk == nil {
		return w.base.ReflectStatus(obj)
	}
	resp, err := w.ask(hk, interpreter.OperationInterpretStatus, obj, nil, 0, nil)
	if err != nil {
		return nil, describe(obj, err)
	}
	if string(resp.RawStatus) == "null" {
		return nil, nil
	}
	var probe map[string]interface{}
	if err := json.Unmarshal(resp.RawStatus, &probe); err != nil {
		return nil, describe(obj, fmt.Errorf("webhook %q returned a rawStatus that is not an object: %w", hk.uid, err))
	}
	return &runtime.RawExtension{Raw: append([]byte(nil), resp.RawStatus...)}, nil
}

func (w *webhooked) AggregateStatus(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) (*unstructured.Unstructured, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationAggregateStatus)
	if err != nil {
		return nil, describe(obj, err)
	}
	if hk == nil {
		return w.base.AggregateStatus(obj, items)
	}
	return w.patched(hk, interpreter.OperationAggregateStatus, obj, nil, 0, items)
}

func (w *webhooked) InterpretHealth(obj *unstructured.Unstructured) (workv1alpha1.ResourceHealth, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationInterpretHealth)
	if err != nil {
		return workv1alpha1.ResourceUnknown, describe(obj, err)
	}
	if hk == nil {
		return w.base.InterpretHealth(obj)
	}
	resp, err := w.ask(hk, interpreter.OperationInterpretHealth, obj, nil, 0, nil)
	if err != nil {
		return workv1alpha1.ResourceUnknown, describe(obj, err)
	}
	if *resp.Healthy {
		return workv1alpha1.ResourceHealthy, nil
	}
	return workv1alpha1.ResourceUnhealthy, nil
}

func (w *webhooked) GetDependencies(obj *unstructured.Unstructured) ([]interpreter.Dependency, error) {
	hk, err := w.find(obj.GroupVersionKind(), interpreter.OperationInterpretDependency)
	if err != nil {
		return nil, describe(obj, err)
	}
	if hk == nil {
		return w.base.GetDependencies(obj)
	}
	resp, err := w.ask(hk, interpreter.OperationInterpretDependency, obj, nil, 0, nil)
	if err != nil {
		return nil, describe(obj, err)
	}
	if len(resp.Dependencies) == 0 {
		return nil, nil
	}
	return resp.Dependencies, nil
}

// describe names the object in an error, as the built-in and Lua interpreters do.
func describe(obj *unstructured.Unstructured, err error) error {
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Errorf("%s %s: %w", obj.GetKind(), name, err)
}
