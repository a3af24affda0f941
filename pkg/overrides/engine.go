/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package overrides is the pure override engine (docs/design/overrides.md): it selects the
// ClusterOverridePolicies and OverridePolicies that apply to a resource template, orders them,
// and applies the overriders of the rules that target a cluster to a copy of the template.
// Every overrider compiles to RFC 6902 JSON Patch operations against the current state of the
// object (ImagePatches, CommandPatches, ...); the operations are applied directly to the
// unstructured content, without a JSON round trip. Nothing here talks to an API server.
//
// Typical use by the binding controller, once per binding:
//
//	policies := overrides.Select(tmpl, cops, ops)
//	for _, cluster := range targets {
//		obj := tmpl.DeepCopy() // plus replicas for the cluster
//		applied, err := overrides.ApplyPolicies(obj, cluster, policies)
//		if err != nil { /* fail this cluster's Work with err.Error() */ }
//		ann, clusterAnn, err := applied.Annotations()
//	}
//
// or, in one call that never modifies its inputs, Apply(tmpl, cluster, cops, ops).
package overrides

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/scheduler/affinity"
)

// Error is an overrider that could not be compiled or applied. Its message names the policy,
// the overrider, the operation and the JSON path, e.g.
//
//	OverridePolicy default/op: plaintext replace /data/missing: missing key "missing"
//	ClusterOverridePolicy cop: imageOverrider Registry add /spec/containers/0/image: invalid image reference ...
type Error struct {
	PolicyKind string // ResourceKindOverridePolicy or ResourceKindClusterOverridePolicy; "" outside a policy
	Namespace  string // of an OverridePolicy
	Name       string
	Overrider  string // the overrider's field name: imageOverrider, commandOverrider, ..., plaintext
	Operation  string // e.g. "add"; "Registry add" for images; "yaml replace" for fieldOverrider
	Path       string // JSON pointer in the object
	Err        error
}

func (e *Error) Error() string {
	msg := e.Overrider
	if e.Operation != "" {
		msg += " " + e.Operation
	}
	if e.Path != "" {
		msg += " " + e.Path
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.PolicyKind == "" {
		return msg
	}
	name := e.Name
	if e.Namespace != "" {
		name = e.Namespace + "/" + e.Name
	}
	return e.PolicyKind + " " + name + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// ApplyOverriders applies one set of overriders to obj, in place, in the order image, command,
// args, labels, annotations, field, plaintext; every overrider is compiled against the object
// as left by the previous one. On error obj may be partly modified; the error is an *Error
// without policy fields.
func ApplyOverriders(obj *unstructured.Unstructured, o *policyv1alpha1.Overriders) error {
	for i := range o.ImageOverrider {
		x := &o.ImageOverrider[i]
		ops, err := ImagePatches(obj, x)
		if err = applyToObject(obj, ops, err, ImageOverriderName, string(x.Component), string(x.Operator)); err != nil {
			return err
		}
	}
	for i := range o.CommandOverrider {
		ops, err := CommandPatches(obj, &o.CommandOverrider[i])
		if err = applyToObject(obj, ops, err, CommandOverriderName, "", string(o.CommandOverrider[i].Operator)); err != nil {
			return err
		}
	}
	for i := range o.ArgsOverrider {
		ops, err := ArgsPatches(obj, &o.ArgsOverrider[i])
		if err = applyToObject(obj, ops, err, ArgsOverriderName, "", string(o.ArgsOverrider[i].Operator)); err != nil {
			return err
		}
	}
	for i := range o.LabelsOverrider {
		ops, err := LabelsPatches(obj, &o.LabelsOverrider[i])
		if err = applyToObject(obj, ops, err, LabelsOverriderName, "", string(o.LabelsOverrider[i].Operator)); err != nil {
			return err
		}
	}
	for i := range o.AnnotationsOverrider {
		ops, err := AnnotationsPatches(obj, &o.AnnotationsOverrider[i])
		if err = applyToObject(obj, ops, err, AnnotationsOverriderName, "", string(o.AnnotationsOverrider[i].Operator)); err != nil {
			return err
		}
	}
	for i := range o.FieldOverrider {
		ops, err := FieldPatches(obj, &o.FieldOverrider[i])
		if err = applyToObject(obj, ops, err, FieldOverriderName, "", ""); err != nil {
			return err
		}
	}
	for i := range o.Plaintext {
		ops, err := PlaintextPatches(obj, &o.Plaintext[i])
		if err = applyToObject(obj, ops, err, PlaintextOverriderName, "", string(o.Plaintext[i].Operator)); err != nil {
			return err
		}
	}
	return nil
}

// applyToObject applies the operations compiled for one overrider to obj in place, unless
// compiling failed (compileErr is then returned as is). A failing operation gives an *Error
// naming the overrider, "<qualifier> <operator>" and the operation's path. The object's root
// must stay a JSON object, so empty paths are refused.
func applyToObject(obj *unstructured.Unstructured, ops []Operation, compileErr error, overrider, qualifier, operator string) error {
	if compileErr != nil {
		return compileErr
	}
	if len(ops) > 0 && obj.Object == nil {
		obj.Object = map[string]interface{}{}
	}
	for _, op := range ops {
		if op.Path == "" {
			return &Error{Overrider: overrider, Operation: joinOperation(qualifier, operator), Path: op.Path,
				Err: fmt.Errorf("the path must not be empty: the whole object cannot be %sd", op.Op)}
		}
		doc, err := applyOperation(obj.Object, op)
		if err != nil {
			return &Error{Overrider: overrider, Operation: joinOperation(qualifier, operator), Path: op.Path, Err: err}
		}
		obj.Object = doc.(map[string]interface{}) // a non-empty path never replaces the root
	}
	return nil
}

// joinOperation is "qualifier operator", or either alone when the other is empty.
func joinOperation(qualifier, operator string) string {
	switch {
	case qualifier == "":
		return operator
	case operator == "":
		return qualifier
	}
	return qualifier + " " + operator
}

// Policy is an override policy selected for an object (see Select).
type Policy struct {
	Kind             string // policyv1alpha1.ResourceKindClusterOverridePolicy or ResourceKindOverridePolicy
	Namespace        string // "" for a ClusterOverridePolicy
	Name             string
	ImplicitPriority int                          // detector.PriorityMatchAll, ...MatchLabels or ...MatchName
	Spec             *policyv1alpha1.OverrideSpec // shared with the policy: read only
}

// Rules returns the policy's rules: spec.overrideRules, or the deprecated top-level
// targetCluster + overriders pair as a single rule when overrideRules is empty.
func (p *Policy) Rules() []policyv1alpha1.RuleWithCluster {
	if p.Spec == nil {
		return nil
	}
	if len(p.Spec.OverrideRules) > 0 {
		return p.Spec.OverrideRules
	}
	if emptyOverriders(&p.Spec.Overriders) {
		return nil
	}
	return []policyv1alpha1.RuleWithCluster{{TargetCluster: p.Spec.TargetCluster, Overriders: p.Spec.Overriders}}
}

func emptyOverriders(o *policyv1alpha1.Overriders) bool {
	return len(o.Plaintext) == 0 && len(o.ImageOverrider) == 0 && len(o.CommandOverrider) == 0 &&
		len(o.ArgsOverrider) == 0 && len(o.LabelsOverrider) == 0 && len(o.AnnotationsOverrider) == 0 &&
		len(o.FieldOverrider) == 0
}

// Select returns the policies that apply to obj, in application order: the matching
// ClusterOverridePolicies, then, when obj is namespaced, the matching OverridePolicies of
// obj's namespace (policies of other namespaces are ignored, so callers may pass a whole
// list). A policy matches when its resourceSelectors are empty (implicit priority "match all")
// or one of them matches obj as in the detector (detector.ImplicitPriority). Within each kind
// the order is implicit priority ascending, then name ascending: the most specific policy is
// applied last and wins. Policies being deleted and nil entries are skipped.
func Select(obj *unstructured.Unstructured, cops []*policyv1alpha1.ClusterOverridePolicy, ops []*policyv1alpha1.OverridePolicy) []Policy {
	if obj == nil {
		return nil
	}
	var out []Policy
	for _, p := range cops {
		if p == nil || p.DeletionTimestamp != nil {
			continue
		}
		if prio, ok := implicitPriority(&p.Spec, obj); ok {
			out = append(out, Policy{Kind: policyv1alpha1.ResourceKindClusterOverridePolicy, Name: p.Name, ImplicitPriority: prio, Spec: &p.Spec})
		}
	}
	sortPolicies(out)
	nCluster := len(out)
	if ns := obj.GetNamespace(); ns != "" {
		for _, p := range ops {
			if p == nil || p.DeletionTimestamp != nil || p.Namespace != ns {
				continue
			}
			if prio, ok := implicitPriority(&p.Spec, obj); ok {
				out = append(out, Policy{Kind: policyv1alpha1.ResourceKindOverridePolicy, Namespace: p.Namespace, Name: p.Name, ImplicitPriority: prio, Spec: &p.Spec})
			}
		}
		sortPolicies(out[nCluster:])
	}
	return out
}

func implicitPriority(spec *policyv1alpha1.OverrideSpec, obj *unstructured.Unstructured) (int, bool) {
	if len(spec.ResourceSelectors) == 0 {
		return detector.PriorityMatchAll, true
	}
	return detector.ImplicitPriority(spec.ResourceSelectors, obj)
}

func sortPolicies(ps []Policy) {
	slices.SortStableFunc(ps, func(a, b Policy) int {
		if c := cmp.Compare(a.ImplicitPriority, b.ImplicitPriority); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

// AppliedOverriders is one entry of the applied-overrides annotations: the overriders of one
// rule of the named policy that targeted the cluster. A policy with several such rules has one
// entry per rule, in rule order.
type AppliedOverriders struct {
	PolicyName string                    `json:"policyName"`
	Overriders policyv1alpha1.Overriders `json:"overriders"` // shared with the policy: read only
}

// Applied lists what was applied, in application order.
type Applied struct {
	ClusterOverrides []AppliedOverriders // from ClusterOverridePolicies
	Overrides        []AppliedOverriders // from OverridePolicies
}

// Empty tells whether no rule applied.
func (a *Applied) Empty() bool { return len(a.ClusterOverrides) == 0 && len(a.Overrides) == 0 }

// Annotations returns the values of the policyv1alpha1.AppliedOverrides and
// policyv1alpha1.AppliedClusterOverrides annotations: JSON [{"policyName","overriders"}]
// sorted by policy name (stable, so rules of one policy stay in order); "" when the list is
// empty, meaning the annotation should be absent.
func (a *Applied) Annotations() (overrides, clusterOverrides string, err error) {
	if overrides, err = annotationValue(a.Overrides); err != nil {
		return "", "", err
	}
	if clusterOverrides, err = annotationValue(a.ClusterOverrides); err != nil {
		return "", "", err
	}
	return overrides, clusterOverrides, nil
}

func annotationValue(list []AppliedOverriders) (string, error) {
	if len(list) == 0 {
		return "", nil
	}
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b AppliedOverriders) int { return cmp.Compare(a.PolicyName, b.PolicyName) })
	b, err := json.Marshal(sorted)
	if err != nil {
		return "", fmt.Errorf("encoding applied overrides: %w", err)
	}
	return string(b), nil
}

// ApplyPolicies applies policies (as returned by Select, in that order) to obj for cluster, in
// place: each policy's rules in list order, a rule applying when its targetCluster is nil or
// matches the cluster (affinity.Matches: labelSelector, fieldSelector, clusterNames, exclude;
// an invalid selector matches nothing; a nil cluster only matches a nil targetCluster). obj
// must be owned by the caller. On error obj is partly modified and must be discarded; the
// error is an *Error naming the policy, the overrider and the path.
func ApplyPolicies(obj *unstructured.Unstructured, cluster *clusterv1alpha1.Cluster, policies []Policy) (Applied, error) {
	var applied Applied
	for i := range policies {
		p := &policies[i]
		rules := p.Rules()
		for j := range rules {
			r := &rules[j]
			if r.TargetCluster != nil && (cluster == nil || !affinity.Matches(cluster, r.TargetCluster)) {
				continue
			}
			if err := ApplyOverriders(obj, &r.Overriders); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					e = &Error{Err: err}
				}
				e.PolicyKind, e.Namespace, e.Name = p.Kind, p.Namespace, p.Name
				return Applied{}, e
			}
			entry := AppliedOverriders{PolicyName: p.Name, Overriders: r.Overriders}
			if p.Kind == policyv1alpha1.ResourceKindClusterOverridePolicy {
				applied.ClusterOverrides = append(applied.ClusterOverrides, entry)
			} else {
				applied.Overrides = append(applied.Overrides, entry)
			}
		}
	}
	return applied, nil
}

// Apply returns a copy of obj with the overrides for cluster applied: Select(obj, cops, ops)
// followed by ApplyPolicies on obj.DeepCopy(). It never modifies its inputs; the result is
// always a fresh object (a plain copy when nothing applies). On error result is nil and err is
// an *Error naming the policy, the overrider and the path.
func Apply(obj *unstructured.Unstructured, cluster *clusterv1alpha1.Cluster,
	cops []*policyv1alpha1.ClusterOverridePolicy, ops []*policyv1alpha1.OverridePolicy) (result *unstructured.Unstructured, applied Applied, err error) {
	if obj == nil {
		return nil, Applied{}, errors.New("no object to override")
	}
	policies := Select(obj, cops, ops)
	result = obj.DeepCopy()
	if applied, err = ApplyPolicies(result, cluster, policies); err != nil {
		return nil, Applied{}, err
	}
	return result, applied, nil
}
