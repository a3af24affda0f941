package taint

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Operations a taint change reports, the words kubectl taint prints after the object.
const (
	OperationTainted   = "tainted"
	OperationUntainted = "untainted"
	OperationModified  = "modified"
)

// SplitArgs separates the arguments of `taint` into the resource arguments (a type followed by
// names, or type/name pairs) and the taint changes that follow them. A taint change contains
// '=' or ':' or ends with '-'; every resource argument must come before the first change.
func SplitArgs(args []string) (resources, changes []string, err error) {
	for _, a := range args {
		isChange := strings.Contains(a, "=") || strings.Contains(a, ":") || strings.HasSuffix(a, "-")
		switch {
		case isChange:
			changes = append(changes, a)
		case len(changes) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before taint changes: %s", a)
		default:
			resources = append(resources, a)
		}
	}
	return resources, changes, nil
}

// ParseTaints reads taint changes: KEY[=VALUE]:EFFECT adds (or, with --overwrite, replaces) a
// taint; KEY:EFFECT- removes the taint with that key and effect; KEY- removes every taint with
// that key. Taints to add must be unique by key and effect.
func ParseTaints(specs []string) (add, remove []corev1.Taint, err error) {
	seen := map[string]bool{}
	for _, spec := range specs {
		if body, ok := strings.CutSuffix(spec, "-"); ok {
			t, err := parseTaint(body, spec)
			if err != nil {
				return nil, nil, err
			}
			if t.Value != "" {
				return nil, nil, fmt.Errorf("invalid taint spec: %s: a removal names the key and optionally the effect (KEY:EFFECT- or KEY-), not a value", spec)
			}
			remove = append(remove, corev1.Taint{Key: t.Key, Effect: t.Effect})
			continue
		}
		t, err := parseTaint(spec, spec)
		if err != nil {
			return nil, nil, err
		}
		if t.Effect == "" {
			return nil, nil, fmt.Errorf("invalid taint spec: %s: a taint to add needs an effect, e.g. %s:NoSchedule", spec, spec)
		}
		k := t.Key + ":" + string(t.Effect)
		if seen[k] {
			return nil, nil, fmt.Errorf("duplicated taints with the same key and effect: %s", k)
		}
		seen[k] = true
		add = append(add, t)
	}
	return add, remove, nil
}

// parseTaint reads KEY[=VALUE][:EFFECT]; spec is the argument as given, for messages.
func parseTaint(s, spec string) (corev1.Taint, error) {
	var t corev1.Taint
	keyValue, effect, hasEffect := strings.Cut(s, ":")
	if hasEffect {
		if strings.Contains(effect, ":") {
			return t, fmt.Errorf("invalid taint spec: %s: use KEY=VALUE:EFFECT", spec)
		}
		t.Effect = corev1.TaintEffect(effect)
		if err := validateEffect(t.Effect); err != nil {
			return t, fmt.Errorf("invalid taint spec: %s: %w", spec, err)
		}
	}
	key, value, hasValue := strings.Cut(keyValue, "=")
	if hasValue {
		if !hasEffect {
			return t, fmt.Errorf("invalid taint spec: %s: a value needs an effect, e.g. %s:NoSchedule", spec, s)
		}
		if strings.Contains(value, "=") {
			return t, fmt.Errorf("invalid taint spec: %s: use KEY=VALUE:EFFECT", spec)
		}
		if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
			return t, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return t, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
	}
	t.Key, t.Value = key, value
	return t, nil
}

func validateEffect(e corev1.TaintEffect) error {
	switch e {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		return nil
	}
	return fmt.Errorf("invalid taint effect: %s, unsupported taint effect (use NoSchedule, PreferNoSchedule or NoExecute)", e)
}

// CheckConflicts refuses a command that both adds and removes the same taint.
func CheckConflicts(add, remove []corev1.Taint) error {
	var conflicts []string
	for _, a := range add {
		for _, r := range remove {
			if a.Key == r.Key && (r.Effect == "" || r.Effect == a.Effect) {
				conflicts = append(conflicts, fmt.Sprintf("{%q:%q}", r.Key, r.Effect))
			}
		}
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("can not both modify and remove the following taint(s) in the same command: %s", strings.Join(conflicts, ", "))
	}
	return nil
}

// Existing lists the keys of add that the object already has with the same effect.
func Existing(current, add []corev1.Taint) []string {
	var keys []string
	for _, a := range add {
		for _, c := range current {
			if a.Key == c.Key && a.Effect == c.Effect {
				keys = append(keys, a.Key)
				break
			}
		}
	}
	return keys
}

// Reorganize computes the taints after a change, with kubectl taint's semantics: add replaces
// the current taints with the same key and effect and keeps the others; remove drops taints by
// key and effect (or by key alone when it has no effect), and a removal that matches nothing is
// an error. The operation is "modified" when taints were both added and removed or when
// overwrite is set, "tainted" when only added, "untainted" otherwise. current is not modified.
func Reorganize(current []corev1.Taint, overwrite bool, add, remove []corev1.Taint) (string, []corev1.Taint, error) {
	result := append([]corev1.Taint{}, add...)
	for i := range current {
		replaced := false
		for j := range add {
			if add[j].MatchTaint(&current[i]) {
				replaced = true
				break
			}
		}
		if !replaced {
			result = append(result, current[i])
		}
	}
	added := len(result) != len(current)

	var errs []error
	deleted := false
	for _, r := range remove {
		kept := result[:0:0]
		for i := range result {
			if result[i].Key == r.Key && (r.Effect == "" || result[i].Effect == r.Effect) {
				continue
			}
			kept = append(kept, result[i])
		}
		if len(kept) == len(result) {
			errs = append(errs, fmt.Errorf("taint %q not found", r.ToString()))
		} else {
			deleted = true
		}
		result = kept
	}
	if len(result) == 0 {
		result = nil
	}
	op := OperationUntainted
	switch {
	case (added && deleted) || overwrite:
		op = OperationModified
	case added:
		op = OperationTainted
	}
	return op, result, errors.Join(errs...)
}
