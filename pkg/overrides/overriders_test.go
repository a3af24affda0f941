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
	"errors"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

const (
	opAdd     = policyv1alpha1.OverriderOpAdd
	opRemove  = policyv1alpha1.OverriderOpRemove
	opReplace = policyv1alpha1.OverriderOpReplace
)

// The guide's Deployment myapp (image and command examples together).
const guideDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
  namespace: default
  labels:
    app: myapp
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: myapp
    spec:
      containers:
        - image: myapp:1.0.0
          name: myapp
          command:
            - ./myapp
            - --parameter1=foo
            - --parameter2=bar
`

const multiContainerPod = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  initContainers:
    - name: init
      image: busybox:1.36
  containers:
    - name: web
      image: registry.example.com/team/web:v1
      args: ["--port=80", "--verbose", "--port=80"]
    - name: sidecar
      image: localhost:5000/proxy@` + sha + `
    - name: noimage
`

func rawJSON(s string) apiextensionsv1.JSON { return apiextensionsv1.JSON{Raw: []byte(s)} }

// compileAndApply compiles one overrider against a copy of obj, applies the operations with
// the package's applier, checks that gopkg.in/evanphx/json-patch.v4 gives the same result
// for the same operations, and returns the overridden copy. obj itself is left alone.
func compileAndApply(t *testing.T, obj *unstructured.Unstructured, compile func(*unstructured.Unstructured) ([]Operation, error)) (*unstructured.Unstructured, []Operation, error) {
	t.Helper()
	before := mustJSON(t, obj.Object)
	work := obj.DeepCopy()
	ops, err := compile(work)
	if err != nil {
		return nil, nil, err
	}
	ref, refErr := evanphx(t, work.Object, ops)
	if err := applyToObject(work, ops, nil, "test", "", ""); err != nil {
		return nil, ops, err
	}
	if refErr != nil {
		t.Fatalf("evanphx cannot apply %s: %v", mustJSON(t, ops), refErr)
	}
	assertJSONEqual(t, work.Object, ref)
	if mustJSON(t, obj.Object) != before {
		t.Fatal("the input object was modified")
	}
	return work, ops, nil
}

func nested(t *testing.T, obj *unstructured.Unstructured, path string) interface{} {
	t.Helper()
	v, err := lookup(obj.Object, path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func assertAt(t *testing.T, obj *unstructured.Unstructured, path string, want interface{}) {
	t.Helper()
	assertJSONEqual(t, nested(t, obj, path), want)
}

func TestImagePatchesGuide(t *testing.T) {
	cases := []struct {
		name string
		o    policyv1alpha1.ImageOverrider
		want string
	}{
		{"registry add", policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Registry, Operator: opAdd, Value: "test-repo"}, "test-repo/myapp:1.0.0"},
		{"repository replace", policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Repository, Operator: opReplace, Value: "myapp2"}, "myapp2:1.0.0"},
		{"tag remove", policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Tag, Operator: opRemove}, "myapp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ops, err := compileAndApply(t, object(t, guideDeployment), func(u *unstructured.Unstructured) ([]Operation, error) {
				return ImagePatches(u, &tc.o)
			})
			if err != nil {
				t.Fatal(err)
			}
			want := `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"` + tc.want + `"}]`
			if got := mustJSON(t, ops); got != want {
				t.Fatalf("ops %s, want %s", got, want)
			}
			assertAt(t, out, "/spec/template/spec/containers/0/image", tc.want)
		})
	}
}

func TestImagePatchesKinds(t *testing.T) {
	tmpl := func(apiVersion, kind string) string {
		return "apiVersion: " + apiVersion + "\nkind: " + kind + `
metadata: {name: x, namespace: default}
spec:
  template:
    spec:
      initContainers: [{name: init, image: "init:1"}]
      containers: [{name: a, image: "a:1"}, {name: b, image: "reg.io/b:2"}]
`
	}
	o := policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Registry, Operator: opReplace, Value: "mirror.local"}
	for _, k := range [][2]string{{"apps/v1", "Deployment"}, {"apps/v1", "ReplicaSet"}, {"apps/v1", "DaemonSet"}, {"apps/v1", "StatefulSet"}, {"batch/v1", "Job"}} {
		t.Run(k[1], func(t *testing.T) {
			out, _, err := compileAndApply(t, object(t, tmpl(k[0], k[1])), func(u *unstructured.Unstructured) ([]Operation, error) { return ImagePatches(u, &o) })
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, out, "/spec/template/spec/containers/0/image", "mirror.local/a:1")
			assertAt(t, out, "/spec/template/spec/containers/1/image", "mirror.local/b:2")
			assertAt(t, out, "/spec/template/spec/initContainers/0/image", "init:1")
		})
	}
	// kinds without well-known containers (CronJob, a look-alike CRD, a ConfigMap) are untouched
	for _, k := range [][2]string{{"batch/v1", "CronJob"}, {"example.io/v1", "Deployment"}, {"v1", "ConfigMap"}, {"apps/v1", "Pod"}} {
		t.Run("untouched "+k[0]+" "+k[1], func(t *testing.T) {
			ops, err := ImagePatches(object(t, tmpl(k[0], k[1])), &o)
			if err != nil || len(ops) != 0 {
				t.Fatalf("got %v, %v; want no operations", ops, err)
			}
		})
	}
}

func TestImagePatchesMultiContainerPod(t *testing.T) {
	o := policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Registry, Operator: opReplace, Value: "mirror.local:5000"}
	out, ops, err := compileAndApply(t, object(t, multiContainerPod), func(u *unstructured.Unstructured) ([]Operation, error) { return ImagePatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 {
		t.Fatalf("want 2 operations, got %s", mustJSON(t, ops))
	}
	assertAt(t, out, "/spec/containers/0/image", "mirror.local:5000/team/web:v1")
	assertAt(t, out, "/spec/containers/1/image", "mirror.local:5000/proxy@"+sha)
	assertAt(t, out, "/spec/initContainers/0/image", "busybox:1.36")

	// an unchanged image gives no operation
	o = policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Tag, Operator: opReplace, Value: "v1"}
	ops, err = ImagePatches(object(t, multiContainerPod), &o)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"op":"replace","path":"/spec/containers/1/image","value":"localhost:5000/proxy:v1"}]`; mustJSON(t, ops) != want {
		t.Fatalf("got %s, want %s", mustJSON(t, ops), want)
	}
}

func TestImagePatchesPredicate(t *testing.T) {
	pod := object(t, multiContainerPod)
	o := policyv1alpha1.ImageOverrider{Predicate: &policyv1alpha1.ImagePredicate{Path: "/spec/initContainers/0/image"},
		Component: policyv1alpha1.Registry, Operator: opAdd, Value: "docker.io"}
	out, ops, err := compileAndApply(t, pod, func(u *unstructured.Unstructured) ([]Operation, error) { return ImagePatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 {
		t.Fatalf("want 1 operation, got %s", mustJSON(t, ops))
	}
	assertAt(t, out, "/spec/initContainers/0/image", "docker.io/busybox:1.36")
	assertAt(t, out, "/spec/containers/0/image", "registry.example.com/team/web:v1")

	// a predicate works on any kind, e.g. an image held in a custom resource
	cr := object(t, "apiVersion: example.io/v1\nkind: App\nmetadata: {name: a}\nspec:\n  runtime:\n    image: app:1\n")
	o = policyv1alpha1.ImageOverrider{Predicate: &policyv1alpha1.ImagePredicate{Path: "/spec/runtime/image"}, Component: policyv1alpha1.Tag, Operator: opReplace, Value: "2"}
	out, _, err = compileAndApply(t, cr, func(u *unstructured.Unstructured) ([]Operation, error) { return ImagePatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, out, "/spec/runtime/image", "app:2")

	for _, tc := range []struct{ path, msg string }{
		{"/spec/containers/9/image", "out of range"},
		{"/spec/missing", `missing key "missing"`},
		{"/spec/containers", "expected an image string"},
		{"/spec/containers/2/name", ""}, // "noimage" is a valid repository: no error
	} {
		o := policyv1alpha1.ImageOverrider{Predicate: &policyv1alpha1.ImagePredicate{Path: tc.path}, Component: policyv1alpha1.Tag, Operator: opAdd, Value: "x"}
		_, err := ImagePatches(pod, &o)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Path != tc.path || e.Overrider != ImageOverriderName || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an *Error at the path containing %q", tc.path, err, tc.msg)
		}
	}
}

func TestImagePatchesInvalidImage(t *testing.T) {
	d := object(t, guideDeployment)
	if err := unstructured.SetNestedField(d.Object, []interface{}{
		map[string]interface{}{"name": "ok", "image": "ok:1"},
		map[string]interface{}{"name": "bad", "image": "Bad/Image:1"},
	}, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	_, err := ImagePatches(d, &policyv1alpha1.ImageOverrider{Component: policyv1alpha1.Registry, Operator: opAdd, Value: "r.io"})
	want := `imageOverrider Registry add /spec/template/spec/containers/1/image: invalid image reference "Bad/Image:1": invalid repository "Bad/Image"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestCommandArgsPatches(t *testing.T) {
	cases := []struct {
		name   string
		yaml   string
		args   bool
		o      policyv1alpha1.CommandArgsOverrider
		path   string
		want   interface{} // nil: no change
		numOps int
	}{
		{"guide: command add", guideDeployment, false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opAdd, Value: []string{"--cluster=v8o-karmada-member1"}},
			"/spec/template/spec/containers/0/command", []interface{}{"./myapp", "--parameter1=foo", "--parameter2=bar", "--cluster=v8o-karmada-member1"}, 1},
		{"guide: command remove", guideDeployment, false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opRemove, Value: []string{"--parameter1=foo"}},
			"/spec/template/spec/containers/0/command", []interface{}{"./myapp", "--parameter2=bar"}, 1},
		{"command add several", guideDeployment, false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opAdd, Value: []string{"-a", "-b"}},
			"/spec/template/spec/containers/0/command", []interface{}{"./myapp", "--parameter1=foo", "--parameter2=bar", "-a", "-b"}, 2},
		{"args absent: add creates", guideDeployment, true,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opAdd, Value: []string{"--v=2"}},
			"/spec/template/spec/containers/0/args", []interface{}{"--v=2"}, 1},
		{"args absent: remove creates empty", guideDeployment, true,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opRemove, Value: []string{"--v=2"}},
			"/spec/template/spec/containers/0/args", []interface{}{}, 1},
		{"args remove drops every equal element", multiContainerPod, true,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "web", Operator: opRemove, Value: []string{"--port=80", "--absent"}},
			"/spec/containers/0/args", []interface{}{"--verbose"}, 1},
		{"args remove, nothing equal", multiContainerPod, true,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "web", Operator: opRemove, Value: []string{"--absent"}},
			"/spec/containers/0/args", []interface{}{"--port=80", "--verbose", "--port=80"}, 0},
		{"args add on second container", multiContainerPod, true,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "sidecar", Operator: opAdd, Value: []string{"--x"}},
			"/spec/containers/1/args", []interface{}{"--x"}, 1},
		{"unknown container", multiContainerPod, false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "nope", Operator: opAdd, Value: []string{"--x"}},
			"", nil, 0},
		{"init containers are not containers", multiContainerPod, false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "init", Operator: opAdd, Value: []string{"--x"}},
			"", nil, 0},
		{"null command is absent", strings.Replace(guideDeployment, "command:\n            - ./myapp\n            - --parameter1=foo\n            - --parameter2=bar", "command: null", 1), false,
			policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opAdd, Value: []string{"run"}},
			"/spec/template/spec/containers/0/command", []interface{}{"run"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compile := func(u *unstructured.Unstructured) ([]Operation, error) { return CommandPatches(u, &tc.o) }
			if tc.args {
				compile = func(u *unstructured.Unstructured) ([]Operation, error) { return ArgsPatches(u, &tc.o) }
			}
			out, ops, err := compileAndApply(t, object(t, tc.yaml), compile)
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != tc.numOps {
				t.Fatalf("got %d operations (%s), want %d", len(ops), mustJSON(t, ops), tc.numOps)
			}
			if tc.path != "" {
				assertAt(t, out, tc.path, tc.want)
			}
		})
	}

	t.Run("not a list", func(t *testing.T) {
		d := object(t, strings.Replace(guideDeployment, "command:\n            - ./myapp\n            - --parameter1=foo\n            - --parameter2=bar", "command: ./myapp", 1))
		_, err := CommandPatches(d, &policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opAdd, Value: []string{"x"}})
		if want := "commandOverrider add /spec/template/spec/containers/0/command: expected an array, found a string"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("replace is not supported", func(t *testing.T) {
		_, err := ArgsPatches(object(t, guideDeployment), &policyv1alpha1.CommandArgsOverrider{ContainerName: "myapp", Operator: opReplace, Value: []string{"x"}})
		if err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestLabelsAnnotationsPatches(t *testing.T) {
	withMeta := `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels: {keep: "1", change: old, drop: x}
  annotations: {note: a}
`
	bare := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n"
	noMeta := "apiVersion: v1\nkind: Namespace\n"
	cases := []struct {
		name        string
		yaml        string
		annotations bool
		o           policyv1alpha1.LabelAnnotationOverrider
		want        interface{} // the map afterwards; nil: absent
	}{
		{"add creates and overwrites", withMeta, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"change": "new", "topology.istio.io/network": "network1"}},
			map[string]interface{}{"keep": "1", "change": "new", "drop": "x", "topology.istio.io/network": "network1"}},
		{"add creates the map", bare, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"topology.istio.io/network": "network1"}},
			map[string]interface{}{"topology.istio.io/network": "network1"}},
		{"add creates metadata", noMeta, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"a": "b"}},
			map[string]interface{}{"a": "b"}},
		{"replace skips absent keys", withMeta, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opReplace, Value: map[string]string{"change": "new", "absent": "v"}},
			map[string]interface{}{"keep": "1", "change": "new", "drop": "x"}},
		{"replace without a map", bare, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opReplace, Value: map[string]string{"a": "b"}}, nil},
		{"remove skips absent keys", withMeta, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opRemove, Value: map[string]string{"drop": "", "absent": ""}},
			map[string]interface{}{"keep": "1", "change": "old"}},
		{"remove without metadata", noMeta, false,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opRemove, Value: map[string]string{"a": ""}}, nil},
		{"annotations add with special key", withMeta, true,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"example.io/a~b": "v"}},
			map[string]interface{}{"note": "a", "example.io/a~b": "v"}},
		{"annotations replace", withMeta, true,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opReplace, Value: map[string]string{"note": "b"}},
			map[string]interface{}{"note": "b"}},
		{"annotations remove", withMeta, true,
			policyv1alpha1.LabelAnnotationOverrider{Operator: opRemove, Value: map[string]string{"note": ""}},
			map[string]interface{}{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compile := func(u *unstructured.Unstructured) ([]Operation, error) { return LabelsPatches(u, &tc.o) }
			field := "labels"
			if tc.annotations {
				compile = func(u *unstructured.Unstructured) ([]Operation, error) { return AnnotationsPatches(u, &tc.o) }
				field = "annotations"
			}
			out, _, err := compileAndApply(t, object(t, tc.yaml), compile)
			if err != nil {
				t.Fatal(err)
			}
			got, found, _ := unstructured.NestedFieldNoCopy(out.Object, "metadata", field)
			if tc.want == nil {
				if found {
					t.Fatalf("want no %s, got %v", field, got)
				}
				return
			}
			assertJSONEqual(t, got, tc.want)
		})
	}

	t.Run("own metadata, not the pod template", func(t *testing.T) {
		out, _, err := compileAndApply(t, object(t, guideDeployment), func(u *unstructured.Unstructured) ([]Operation, error) {
			return LabelsPatches(u, &policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"app": "changed"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, out, "/metadata/labels/app", "changed")
		assertAt(t, out, "/spec/template/metadata/labels/app", "myapp")
	})
	t.Run("labels not a map", func(t *testing.T) {
		_, err := LabelsPatches(object(t, "metadata: {labels: [a]}"), &policyv1alpha1.LabelAnnotationOverrider{Operator: opAdd, Value: map[string]string{"a": "b"}})
		if want := "labelsOverrider add /metadata/labels: expected an object, found an array"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
}

func TestFieldPatches(t *testing.T) {
	cm := `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  config.json: '{"server":{"port":8080,"big":12345678901234567890,"tags":["a"]},"url":"http://a?b=1&c=<2>"}'
  config.yaml: |
    # a comment
    server:
      port: 8080
      tags:
        - a
    name: x
  plain: not json {
  multi: "a: 1\n---\nb: 2\n"
  single: "--- # start\na: 1\n...\n"
  number: "42"
`
	cases := []struct {
		name  string
		o     policyv1alpha1.FieldOverrider
		path  string
		want  string
		noOps bool
	}{
		{"json replace and add", policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
			{SubPath: "/server/port", Operator: opReplace, Value: rawJSON("9090")},
			{SubPath: "/server/tags/-", Operator: opAdd, Value: rawJSON(`"b"`)},
			{SubPath: "/extra", Operator: opAdd, Value: rawJSON(`{"on":true}`)},
		}}, "/data/config.json",
			`{"extra":{"on":true},"server":{"big":12345678901234567890,"port":9090,"tags":["a","b"]},"url":"http://a?b=1&c=<2>"}`, false},
		{"json remove", policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json", JSON: []policyv1alpha1.JSONPatchOperation{
			{SubPath: "/url", Operator: opRemove},
		}}, "/data/config.json", `{"server":{"big":12345678901234567890,"port":8080,"tags":["a"]}}`, false},
		{"yaml replace and add", policyv1alpha1.FieldOverrider{FieldPath: "/data/config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{
			{SubPath: "/server/port", Operator: opReplace, Value: rawJSON("9090")},
			{SubPath: "/server/tags/0", Operator: opAdd, Value: rawJSON(`"z"`)},
			{SubPath: "/name", Operator: opRemove},
		}}, "/data/config.yaml", "server:\n  port: 9090\n  tags:\n  - z\n  - a\n", false},
		{"yaml with document markers", policyv1alpha1.FieldOverrider{FieldPath: "/data/single", YAML: []policyv1alpha1.YAMLPatchOperation{
			{SubPath: "/a", Operator: opReplace, Value: rawJSON("2")},
		}}, "/data/single", "a: 2\n", false},
		{"yaml no-op replace keeps the text", policyv1alpha1.FieldOverrider{FieldPath: "/data/number", YAML: []policyv1alpha1.YAMLPatchOperation{
			{SubPath: "", Operator: opReplace, Value: rawJSON("42")},
		}}, "/data/number", "42", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ops, err := compileAndApply(t, object(t, cm), func(u *unstructured.Unstructured) ([]Operation, error) { return FieldPatches(u, &tc.o) })
			if err != nil {
				t.Fatal(err)
			}
			if tc.noOps != (len(ops) == 0) {
				t.Fatalf("operations: %s", mustJSON(t, ops))
			}
			assertAt(t, out, tc.path, tc.want)
		})
	}

	errCases := []struct {
		name string
		o    policyv1alpha1.FieldOverrider
		want string
	}{
		{"not JSON", policyv1alpha1.FieldOverrider{FieldPath: "/data/plain", JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: opRemove}}},
			"fieldOverrider json /data/plain: field does not hold json"},
		{"missing sub path", policyv1alpha1.FieldOverrider{FieldPath: "/data/config.yaml", YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/server/missing", Operator: opReplace, Value: rawJSON("1")}}},
			`fieldOverrider yaml replace /data/config.yaml: subPath /server/missing: missing key "missing"`},
		{"missing field", policyv1alpha1.FieldOverrider{FieldPath: "/data/nope", YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/a", Operator: opRemove}}},
			`fieldOverrider yaml /data/nope: missing key "nope"`},
		{"not a string", policyv1alpha1.FieldOverrider{FieldPath: "/metadata", JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: opRemove}}},
			"fieldOverrider json /metadata: expected a string holding json, found an object"},
		{"several YAML documents", policyv1alpha1.FieldOverrider{FieldPath: "/data/multi", YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/a", Operator: opReplace, Value: rawJSON("2")}}},
			"fieldOverrider yaml /data/multi: field holds 2 YAML documents"},
		{"both formats", policyv1alpha1.FieldOverrider{FieldPath: "/data/config.json",
			JSON: []policyv1alpha1.JSONPatchOperation{{SubPath: "/a", Operator: opRemove}}, YAML: []policyv1alpha1.YAMLPatchOperation{{SubPath: "/a", Operator: opRemove}}},
			"fieldOverrider /data/config.json: json and yaml cannot both be set"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FieldPatches(object(t, cm), &tc.o)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant prefix %s", err, tc.want)
			}
		})
	}
}

func TestPlaintextPatches(t *testing.T) {
	// guide: replace /data/example of ConfigMap myconfigmap (value written as the number 2)
	cm := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: myconfigmap\ndata:\n  example: \"1\"\n")
	o := policyv1alpha1.PlaintextOverrider{Path: "/data/example", Operator: opReplace, Value: rawJSON("2")}
	out, ops, err := compileAndApply(t, cm, func(u *unstructured.Unstructured) ([]Operation, error) { return PlaintextPatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	// A bare number replacing a string stays a string: ConfigMap data must be strings.
	if want := `[{"op":"replace","path":"/data/example","value":"2"}]`; mustJSON(t, ops) != want {
		t.Fatalf("got %s, want %s", mustJSON(t, ops), want)
	}
	if v := out.Object["data"].(map[string]interface{})["example"]; v != "2" {
		t.Fatalf("got %#v, want \"2\"", v)
	}
	// Where the current value is not a string, the value is taken as written.
	num := object(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 1\n")
	on := policyv1alpha1.PlaintextOverrider{Path: "/spec/replicas", Operator: opReplace, Value: rawJSON("2")}
	if _, ops, err := compileAndApply(t, num, func(u *unstructured.Unstructured) ([]Operation, error) { return PlaintextPatches(u, &on) }); err != nil ||
		mustJSON(t, ops) != `[{"op":"replace","path":"/spec/replicas","value":2}]` {
		t.Fatalf("number replace: %s %v", mustJSON(t, ops), err)
	}

	// guide (Istio): add topology.istio.io/network under /metadata/labels of istio-system
	ns := object(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n")
	o = policyv1alpha1.PlaintextOverrider{Path: "/metadata/labels", Operator: opAdd, Value: rawJSON(`{"topology.istio.io/network":"network1"}`)}
	out, _, err = compileAndApply(t, ns, func(u *unstructured.Unstructured) ([]Operation, error) { return PlaintextPatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	if got := out.GetLabels(); got["topology.istio.io/network"] != "network1" || len(got) != 1 {
		t.Fatalf("labels %v", got)
	}

	// remove
	o = policyv1alpha1.PlaintextOverrider{Path: "/data/example", Operator: opRemove}
	out, _, err = compileAndApply(t, cm, func(u *unstructured.Unstructured) ([]Operation, error) { return PlaintextPatches(u, &o) })
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, out, "/data", map[string]interface{}{})

	// failures carry the path
	o = policyv1alpha1.PlaintextOverrider{Path: "/data/missing", Operator: opReplace, Value: rawJSON(`"x"`)}
	work := cm.DeepCopy()
	ops, err = PlaintextPatches(work, &o)
	if err != nil {
		t.Fatal(err)
	}
	err = applyToObject(work, ops, nil, PlaintextOverriderName, "", string(o.Operator))
	if want := `plaintext replace /data/missing: missing key "missing"`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if _, err := PlaintextPatches(cm, &policyv1alpha1.PlaintextOverrider{Path: "/a", Operator: "move"}); err == nil {
		t.Fatal("move: want an error")
	}
	if _, err := PlaintextPatches(cm, &policyv1alpha1.PlaintextOverrider{Path: "/a", Operator: opAdd, Value: rawJSON("{")}); err == nil {
		t.Fatal("invalid JSON value: want an error")
	}
}

func TestYAMLDocuments(t *testing.T) {
	for in, want := range map[string]int{
		"":                        0,
		"# only a comment\n":      0,
		"a: 1\n":                  1,
		"---\na: 1\n":             1,
		"a: 1\n---\n":             1,
		"a: 1\n...\n---\n# c\n":   1,
		"a: 1\n---\nb: 2\n":       2,
		"--- a\n--- b\n":          2,
		"key: |\n  ---\n  text\n": 1,
		"a: 1\n---x: 2\n":         1, // "---x" is not a separator
		"a: 1\r\n---\r\nb: 2\r\n": 2,
	} {
		if got := yamlDocuments(in); got != want {
			t.Errorf("yamlDocuments(%q) = %d, want %d", in, got, want)
		}
	}
}
