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

package overrides

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Overrider names as they appear in error messages (the JSON field names of Overriders).
const (
	ImageOverriderName       = "imageOverrider"
	CommandOverriderName     = "commandOverrider"
	ArgsOverriderName        = "argsOverrider"
	LabelsOverriderName      = "labelsOverrider"
	AnnotationsOverriderName = "annotationsOverrider"
	FieldOverriderName       = "fieldOverrider"
	PlaintextOverriderName   = "plaintext"
)

// containersPath returns the JSON pointer of the containers list of the pod spec of obj, or ""
// for kinds whose containers overriders do not touch: Pod (/spec/containers) and the apps
// Deployment, ReplicaSet, DaemonSet, StatefulSet and the batch Job
// (/spec/template/spec/containers). Init and ephemeral containers are never included.
func containersPath(obj *unstructured.Unstructured) (string, []string) {
	group := obj.GetAPIVersion()
	if i := indexByte(group, '/'); i >= 0 {
		group = group[:i]
	} else {
		group = "" // "v1": the core group
	}
	switch kind := obj.GetKind(); {
	case group == "" && kind == "Pod":
		return "/spec/containers", podContainers
	case group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" || kind == "DaemonSet" || kind == "StatefulSet"),
		group == "batch" && kind == "Job":
		return "/spec/template/spec/containers", templateContainers
	}
	return "", nil
}

var (
	podContainers      = []string{"spec", "containers"}
	templateContainers = []string{"spec", "template", "spec", "containers"}
)

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// containers returns the containers list of obj (see containersPath); nil when the kind has
// none or the list is absent. A list that is not an array is an error.
func containers(obj *unstructured.Unstructured) (string, []interface{}, error) {
	base, fields := containersPath(obj)
	if base == "" {
		return "", nil, nil
	}
	var cur interface{} = obj.Object
	for _, f := range fields {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return "", nil, nil // a missing or null level: no containers
		}
		cur = m[f]
	}
	switch list := cur.(type) {
	case nil:
		return base, nil, nil
	case []interface{}:
		return base, list, nil
	default:
		return base, nil, fmt.Errorf("expected an array, found %s", typeName(cur))
	}
}

// ImagePatches compiles one imageOverrider for obj: a replace operation for every targeted
// image whose value changes. With a predicate the target is exactly predicate.path, which must
// hold a string; without one it is every containers[*].image (see containersPath), skipping
// containers without an image. An image that is not a valid reference is an error.
func ImagePatches(obj *unstructured.Unstructured, o *policyv1alpha1.ImageOverrider) ([]Operation, error) {
	if o.Predicate != nil {
		v, err := lookup(obj.Object, o.Predicate.Path)
		if err != nil {
			return nil, imageError(o, o.Predicate.Path, err)
		}
		return overrideImageAt(nil, o, o.Predicate.Path, v)
	}
	base, list, err := containers(obj)
	if err != nil {
		return nil, imageError(o, base, err)
	}
	var ops []Operation
	for i, c := range list {
		m, ok := c.(map[string]interface{})
		if !ok {
			continue
		}
		v, ok := m["image"]
		if !ok || v == nil {
			continue
		}
		if ops, err = overrideImageAt(ops, o, base+"/"+strconv.Itoa(i)+"/image", v); err != nil {
			return nil, err
		}
	}
	return ops, nil
}

// overrideImageAt appends to ops the replace of the image v found at path, if it changes.
func overrideImageAt(ops []Operation, o *policyv1alpha1.ImageOverrider, path string, v interface{}) ([]Operation, error) {
	s, ok := v.(string)
	if !ok {
		return nil, imageError(o, path, fmt.Errorf("expected an image string, found %s", typeName(v)))
	}
	out, err := OverrideImage(s, o.Component, o.Operator, o.Value)
	if err != nil {
		return nil, imageError(o, path, err)
	}
	if out != s {
		ops = append(ops, Operation{Op: OpReplace, Path: path, Value: out})
	}
	return ops, nil
}

func imageError(o *policyv1alpha1.ImageOverrider, path string, err error) error {
	return &Error{Overrider: ImageOverriderName, Operation: joinOperation(string(o.Component), string(o.Operator)), Path: path, Err: err}
}

// CommandPatches compiles one commandOverrider for obj; see listPatches.
func CommandPatches(obj *unstructured.Unstructured, o *policyv1alpha1.CommandArgsOverrider) ([]Operation, error) {
	return listPatches(obj, o, "command", CommandOverriderName)
}

// ArgsPatches compiles one argsOverrider for obj; see listPatches.
func ArgsPatches(obj *unstructured.Unstructured, o *policyv1alpha1.CommandArgsOverrider) ([]Operation, error) {
	return listPatches(obj, o, "args", ArgsOverriderName)
}

// listPatches edits the string list field of every container named o.ContainerName (kinds
// as for images). An absent (or null) field is created: with the values for add, empty for
// remove. Otherwise add appends the values ("add .../-" per value) and remove drops every
// element equal to one of the values (one replace of the list, only when something goes).
func listPatches(obj *unstructured.Unstructured, o *policyv1alpha1.CommandArgsOverrider, field, overrider string) ([]Operation, error) {
	op := string(o.Operator)
	if o.Operator != policyv1alpha1.OverriderOpAdd && o.Operator != policyv1alpha1.OverriderOpRemove {
		return nil, &Error{Overrider: overrider, Operation: op, Err: fmt.Errorf("unsupported operator %q (want add or remove)", op)}
	}
	base, list, err := containers(obj)
	if err != nil {
		return nil, &Error{Overrider: overrider, Operation: op, Path: base, Err: err}
	}
	var ops []Operation
	for i, c := range list {
		m, ok := c.(map[string]interface{})
		if !ok || m["name"] != o.ContainerName {
			continue
		}
		path := base + "/" + strconv.Itoa(i) + "/" + field
		switch cur := m[field].(type) {
		case nil:
			values := make([]interface{}, 0, len(o.Value))
			if o.Operator == policyv1alpha1.OverriderOpAdd {
				for _, v := range o.Value {
					values = append(values, v)
				}
			}
			ops = append(ops, Operation{Op: OpAdd, Path: path, Value: values})
		case []interface{}:
			if o.Operator == policyv1alpha1.OverriderOpAdd {
				for _, v := range o.Value {
					ops = append(ops, Operation{Op: OpAdd, Path: path + "/-", Value: v})
				}
				continue
			}
			kept := make([]interface{}, 0, len(cur))
			for _, e := range cur {
				if s, ok := e.(string); !ok || !containsString(o.Value, s) {
					kept = append(kept, e)
				}
			}
			if len(kept) != len(cur) {
				ops = append(ops, Operation{Op: OpReplace, Path: path, Value: kept})
			}
		default:
			return nil, &Error{Overrider: overrider, Operation: op, Path: path,
				Err: fmt.Errorf("expected an array, found %s", typeName(cur))}
		}
	}
	return ops, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// LabelsPatches compiles one labelsOverrider for obj; see metadataMapPatches.
func LabelsPatches(obj *unstructured.Unstructured, o *policyv1alpha1.LabelAnnotationOverrider) ([]Operation, error) {
	return metadataMapPatches(obj, o, "labels", LabelsOverriderName)
}

// AnnotationsPatches compiles one annotationsOverrider for obj; see metadataMapPatches.
func AnnotationsPatches(obj *unstructured.Unstructured, o *policyv1alpha1.LabelAnnotationOverrider) ([]Operation, error) {
	return metadataMapPatches(obj, o, "annotations", AnnotationsOverriderName)
}

// metadataMapPatches edits /metadata/<field> of the object itself (never a pod template), in
// key order: add creates or overwrites every key, creating the map (and metadata) when
// absent; replace and remove only touch keys that are present.
func metadataMapPatches(obj *unstructured.Unstructured, o *policyv1alpha1.LabelAnnotationOverrider, field, overrider string) ([]Operation, error) {
	op := string(o.Operator)
	base := "/metadata/" + field
	fail := func(path string, err error) ([]Operation, error) {
		return nil, &Error{Overrider: overrider, Operation: op, Path: path, Err: err}
	}
	switch o.Operator {
	case policyv1alpha1.OverriderOpAdd, policyv1alpha1.OverriderOpReplace, policyv1alpha1.OverriderOpRemove:
	default:
		return fail(base, fmt.Errorf("unsupported operator %q", op))
	}
	if len(o.Value) == 0 {
		return nil, nil
	}
	var ops []Operation
	var current map[string]interface{}
	switch md := obj.Object["metadata"].(type) {
	case nil:
		if o.Operator != policyv1alpha1.OverriderOpAdd {
			return nil, nil
		}
		ops = append(ops, Operation{Op: OpAdd, Path: "/metadata", Value: map[string]interface{}{}})
	case map[string]interface{}:
		switch m := md[field].(type) {
		case nil:
		case map[string]interface{}:
			current = m
		default:
			return fail(base, fmt.Errorf("expected an object, found %s", typeName(m)))
		}
	default:
		return fail("/metadata", fmt.Errorf("expected an object, found %s", typeName(md)))
	}
	if current == nil {
		if o.Operator != policyv1alpha1.OverriderOpAdd {
			return nil, nil
		}
		ops = append(ops, Operation{Op: OpAdd, Path: base, Value: map[string]interface{}{}})
	}
	keys := make([]string, 0, len(o.Value))
	for k := range o.Value {
		if _, present := current[k]; present || o.Operator == policyv1alpha1.OverriderOpAdd {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		path := base + "/" + escapeToken(k)
		switch o.Operator {
		case policyv1alpha1.OverriderOpAdd:
			ops = append(ops, Operation{Op: OpAdd, Path: path, Value: o.Value[k]})
		case policyv1alpha1.OverriderOpReplace:
			ops = append(ops, Operation{Op: OpReplace, Path: path, Value: o.Value[k]})
		default:
			ops = append(ops, Operation{Op: OpRemove, Path: path})
		}
	}
	return ops, nil
}

// FieldPatches compiles one fieldOverrider for obj. fieldPath must hold a string with a JSON
// document (for json operations) or a YAML document (for yaml operations); the operations are
// applied to the document in order with JSON Patch semantics and the result is written back,
// in the same format, by one replace of fieldPath (none when the document does not change). The
// document is re-serialised: JSON compactly, YAML as sigs.k8s.io/yaml writes it (keys sorted,
// comments dropped). Numbers keep their exact text. Setting both json and yaml is an error.
func FieldPatches(obj *unstructured.Unstructured, o *policyv1alpha1.FieldOverrider) ([]Operation, error) {
	fail := func(operation string, err error) ([]Operation, error) {
		return nil, &Error{Overrider: FieldOverriderName, Operation: operation, Path: o.FieldPath, Err: err}
	}
	if len(o.JSON) > 0 && len(o.YAML) > 0 {
		return fail("", fmt.Errorf("json and yaml cannot both be set"))
	}
	if len(o.JSON) == 0 && len(o.YAML) == 0 {
		return nil, nil
	}
	format := "json"
	type subOp struct {
		path  string
		op    policyv1alpha1.OverriderOperator
		value apiextensionsv1.JSON
	}
	var subOps []subOp
	for _, s := range o.JSON {
		subOps = append(subOps, subOp{s.SubPath, s.Operator, s.Value})
	}
	if len(o.YAML) > 0 {
		format = "yaml"
		for _, s := range o.YAML {
			subOps = append(subOps, subOp{s.SubPath, s.Operator, s.Value})
		}
	}

	v, err := lookup(obj.Object, o.FieldPath)
	if err != nil {
		return fail(format, err)
	}
	text, ok := v.(string)
	if !ok {
		return fail(format, fmt.Errorf("expected a string holding %s, found %s", format, typeName(v)))
	}
	raw := []byte(text)
	if format == "yaml" {
		if n := yamlDocuments(text); n > 1 {
			// sigs.k8s.io/yaml would silently keep the first document only
			return fail(format, fmt.Errorf("field holds %d YAML documents; only a single document can be overridden", n))
		}
		if raw, err = yaml.YAMLToJSON(raw); err != nil {
			return fail(format, fmt.Errorf("field does not hold YAML: %w", err))
		}
	}
	doc, err := decodeExact(raw)
	if err != nil {
		return fail(format, fmt.Errorf("field does not hold %s: %w", format, err))
	}
	// The text as it would be written without any operation: when the operations leave the
	// document as it was, the field is left alone even if its formatting differs.
	unchanged, err := marshalCompact(doc)
	if err != nil {
		return fail(format, err)
	}
	for _, s := range subOps {
		operation := format + " " + string(s.op)
		if !isPatchOperator(s.op) {
			return fail(operation, fmt.Errorf("subPath %s: unsupported operator %q", s.path, s.op))
		}
		var value interface{}
		if s.op != policyv1alpha1.OverriderOpRemove {
			if value, err = decodeExact(rawValue(s.value)); err != nil {
				return fail(operation, fmt.Errorf("subPath %s: invalid value: %w", s.path, err))
			}
		}
		if doc, err = applyOperation(doc, Operation{Op: string(s.op), Path: s.path, Value: value}); err != nil {
			return fail(operation, fmt.Errorf("subPath %s: %w", s.path, err))
		}
	}
	out, err := marshalCompact(doc)
	if err != nil {
		return fail(format, err)
	}
	if bytes.Equal(out, unchanged) {
		return nil, nil
	}
	if format == "yaml" {
		if out, err = yaml.JSONToYAML(out); err != nil {
			return fail(format, err)
		}
	}
	return []Operation{{Op: OpReplace, Path: o.FieldPath, Value: string(out)}}, nil
}

// PlaintextPatches compiles one plaintext overrider: the operation as given, its value decoded
// as unstructured content decodes JSON (integers as int64).
func PlaintextPatches(obj *unstructured.Unstructured, o *policyv1alpha1.PlaintextOverrider) ([]Operation, error) {
	if !isPatchOperator(o.Operator) {
		return nil, &Error{Overrider: PlaintextOverriderName, Operation: string(o.Operator), Path: o.Path,
			Err: fmt.Errorf("unsupported operator %q", o.Operator)}
	}
	op := Operation{Op: string(o.Operator), Path: o.Path}
	if o.Operator != policyv1alpha1.OverriderOpRemove {
		if err := utiljson.Unmarshal(rawValue(o.Value), &op.Value); err != nil {
			return nil, &Error{Overrider: PlaintextOverriderName, Operation: op.Op, Path: o.Path,
				Err: fmt.Errorf("invalid value: %w", err)}
		}
	}
	// Replacing a string with a bare number or boolean keeps it a string: the guide
	// replaces a ConfigMap's `example: "1"` with `value: 2`, and a member would refuse
	// a number in a ConfigMap's data.
	if o.Operator == policyv1alpha1.OverriderOpReplace && obj != nil {
		if cur, err := lookup(obj.Object, o.Path); err == nil {
			if _, isString := cur.(string); isString {
				switch op.Value.(type) {
				case int64, float64, bool:
					op.Value = strings.TrimSpace(string(rawValue(o.Value)))
				}
			}
		}
	}
	return []Operation{op}, nil
}

func isPatchOperator(op policyv1alpha1.OverriderOperator) bool {
	return op == policyv1alpha1.OverriderOpAdd || op == policyv1alpha1.OverriderOpRemove || op == policyv1alpha1.OverriderOpReplace
}

// rawValue is the JSON text of v; an unset value is null.
func rawValue(v apiextensionsv1.JSON) []byte {
	if len(v.Raw) == 0 {
		return []byte("null")
	}
	return v.Raw
}

// decodeExact decodes one JSON value keeping numbers as json.Number, so that re-encoding an
// embedded document does not alter numbers it did not touch.
func decodeExact(raw []byte) (interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var extra interface{}
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// marshalCompact encodes v as compact JSON without HTML escaping.
func marshalCompact(v interface{}) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// yamlDocuments counts the documents of a YAML stream that have content: documents are
// separated by lines starting with "---" (followed by nothing, a space or a tab), and lines
// that are blank, comments or "..." end markers are not content.
func yamlDocuments(text string) int {
	docs, content := 0, false
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if strings.HasPrefix(line, "---") && (len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r') {
			if content {
				docs++
			}
			line, content = line[3:], false
		}
		if t := strings.TrimSpace(line); t != "" && t[0] != '#' && t != "..." {
			content = true
		}
	}
	if content {
		docs++
	}
	return docs
}
