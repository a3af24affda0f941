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
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

var (
	fuzzComponents = []policyv1alpha1.ImageComponent{policyv1alpha1.Registry, policyv1alpha1.Repository, policyv1alpha1.Tag}
	fuzzOperators  = []policyv1alpha1.OverriderOperator{opAdd, opRemove, opReplace}
)

// FuzzParseImage: parsing never panics, and whatever parses formats to a reference that parses
// back to the same Image and the same text.
func FuzzParseImage(f *testing.F) {
	for _, s := range []string{
		"myapp", "myapp:1.0.0", "test-repo/myapp:1.0.0", "registry.example.com:5000/team/app:v1",
		"localhost/app", "localhost:5000", "[::1]:5000/app:v2", "app@" + sha, "app:1.0@" + sha,
		"a__b-c.d/e---f:G_1.-x", "MyApp", "app:", "reg.io:/x", "@", ":", "/", "",
	} {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, s, value string) {
		img, err := ParseImage(s)
		for _, c := range fuzzComponents {
			for _, op := range fuzzOperators {
				_, _ = OverrideImage(s, c, op, value) // must not panic
			}
		}
		if err != nil {
			return
		}
		if img.Tag != "" && img.Digest != "" {
			t.Fatalf("%q parsed with both tag and digest: %+v", s, img)
		}
		out := img.String()
		again, err := ParseImage(out)
		if err != nil {
			t.Fatalf("%q parsed to %+v, formatted to %q which does not parse: %v", s, img, out, err)
		}
		if again != img || again.String() != out {
			t.Fatalf("%q: %+v -> %q -> %+v", s, img, out, again)
		}
	})
}

const fuzzDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
  namespace: default
  labels: {app: myapp}
  annotations: {cfg: '{"a":{"b":[1,2]},"s":"x"}', yml: "a:\n  b: [1, 2]\n"}
spec:
  replicas: 2
  selector: {matchLabels: {app: myapp}}
  template:
    metadata: {labels: {app: myapp}}
    spec:
      initContainers: [{name: init, image: "busybox:1.36"}]
      containers:
        - name: myapp
          image: registry.example.com:5000/team/myapp:1.0.0
          command: [./myapp, --parameter1=foo]
        - name: sidecar
          image: proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          args: [--port=80]
`

// Path prefixes the fuzzer extends, so that generated paths often hit the Deployment.
var fuzzPaths = []string{
	"", "/metadata/labels", "/metadata/annotations", "/spec/template/spec/containers",
	"/spec/template/spec/containers/0", "/spec/template/spec/containers/1", "/spec",
	"/spec/template/spec/initContainers/0/image", "/metadata/annotations/cfg", "/metadata/annotations/yml",
}

// FuzzApply applies random overriders of every kind to a Deployment. Apply must never panic
// nor modify its input, its result must be valid unstructured content, and each overrider's
// operations, applied by gopkg.in/evanphx/json-patch.v4, must give the same document (except
// where v4 departs from RFC 6902, see evanphxQuirk). Paths are a known prefix (selected by a
// byte) followed by a fuzzed suffix.
func FuzzApply(f *testing.F) {
	f.Add(uint8(0), uint8(0), "test-repo", uint8(0), "", "myapp", "--cluster=m1", uint8(0), "topology.istio.io/network", "n1",
		uint8(2), uint8(1), "/example", []byte(`2`), uint8(8), "", uint8(0), "/a/b/-", []byte(`3`), false)
	f.Add(uint8(2), uint8(2), sha, uint8(7), "", "sidecar", "--port=80", uint8(1), "app", "",
		uint8(1), uint8(6), "/replicas", []byte(``), uint8(9), "", uint8(2), "/a/b/0", []byte(`"z"`), true)
	f.Add(uint8(1), uint8(1), "", uint8(5), "/image", "nope", "", uint8(2), "app", "other",
		uint8(0), uint8(3), "/-", []byte(`{"name":"x","image":"x"}`), uint8(0), "/metadata/name", uint8(1), "", []byte(`null`), false)
	f.Add(uint8(2), uint8(0), "-debug", uint8(1), "/app", "myapp", "./myapp", uint8(0), "a~b/c", "v",
		uint8(2), uint8(4), "/name", []byte(`"y"`), uint8(8), "", uint8(2), "/missing", []byte(`1`), false)
	deployment := object(f, fuzzDeployment)
	f.Fuzz(func(t *testing.T, component, imgOp uint8, imgValue string, predicateSel uint8, predicate, container, listValue string,
		labelOp uint8, labelKey, labelValue string, ptOp, ptSel uint8, ptPath string, ptValue []byte,
		fieldSel uint8, fieldPath string, fieldOp uint8, subPath string, fieldValue []byte, yamlField bool) {
		predicate = fuzzPaths[int(predicateSel)%len(fuzzPaths)] + predicate
		ptPath = fuzzPaths[int(ptSel)%len(fuzzPaths)] + ptPath
		fieldPath = fuzzPaths[int(fieldSel)%len(fuzzPaths)] + fieldPath
		base := deployment.DeepCopy()
		before := mustJSON(t, base.Object)

		img := policyv1alpha1.ImageOverrider{Component: fuzzComponents[int(component)%3], Operator: fuzzOperators[int(imgOp)%3], Value: imgValue}
		if predicate != "" {
			img.Predicate = &policyv1alpha1.ImagePredicate{Path: predicate}
		}
		list := policyv1alpha1.CommandArgsOverrider{ContainerName: container, Operator: fuzzOperators[int(imgOp)%2], Value: []string{listValue}}
		field := policyv1alpha1.FieldOverrider{FieldPath: fieldPath}
		if yamlField {
			field.YAML = []policyv1alpha1.YAMLPatchOperation{{SubPath: subPath, Operator: fuzzOperators[int(fieldOp)%3], Value: rawJSON(string(fieldValue))}}
		} else {
			field.JSON = []policyv1alpha1.JSONPatchOperation{{SubPath: subPath, Operator: fuzzOperators[int(fieldOp)%3], Value: rawJSON(string(fieldValue))}}
		}
		o := policyv1alpha1.Overriders{
			ImageOverrider:       []policyv1alpha1.ImageOverrider{img},
			CommandOverrider:     []policyv1alpha1.CommandArgsOverrider{list},
			ArgsOverrider:        []policyv1alpha1.CommandArgsOverrider{list},
			LabelsOverrider:      []policyv1alpha1.LabelAnnotationOverrider{{Operator: fuzzOperators[int(labelOp)%3], Value: map[string]string{labelKey: labelValue}}},
			AnnotationsOverrider: []policyv1alpha1.LabelAnnotationOverrider{{Operator: fuzzOperators[int(labelOp/3)%3], Value: map[string]string{labelKey: labelValue}}},
			FieldOverrider:       []policyv1alpha1.FieldOverrider{field},
			Plaintext:            []policyv1alpha1.PlaintextOverrider{{Path: ptPath, Operator: fuzzOperators[int(ptOp)%3], Value: rawJSON(string(ptValue))}},
		}

		got, _, err := Apply(base, member1, nil, []*policyv1alpha1.OverridePolicy{op("default", "fuzz", byName, rule(o))})
		if mustJSON(t, base.Object) != before {
			t.Fatal("Apply modified its input")
		}
		if err == nil {
			_ = got.DeepCopy() // panics on content that is not JSON-compatible
			if _, ok := got.Object["metadata"].(map[string]interface{}); !ok && got.Object["metadata"] != nil {
				t.Fatalf("metadata became %T", got.Object["metadata"])
			}
		}

		// The same overriders step by step, checked against the reference implementation.
		work := base.DeepCopy()
		steps := []func(*unstructured.Unstructured) ([]Operation, error){
			func(u *unstructured.Unstructured) ([]Operation, error) { return ImagePatches(u, &o.ImageOverrider[0]) },
			func(u *unstructured.Unstructured) ([]Operation, error) {
				return CommandPatches(u, &o.CommandOverrider[0])
			},
			func(u *unstructured.Unstructured) ([]Operation, error) { return ArgsPatches(u, &o.ArgsOverrider[0]) },
			func(u *unstructured.Unstructured) ([]Operation, error) {
				return LabelsPatches(u, &o.LabelsOverrider[0])
			},
			func(u *unstructured.Unstructured) ([]Operation, error) {
				return AnnotationsPatches(u, &o.AnnotationsOverrider[0])
			},
			func(u *unstructured.Unstructured) ([]Operation, error) { return FieldPatches(u, &o.FieldOverrider[0]) },
			func(u *unstructured.Unstructured) ([]Operation, error) { return PlaintextPatches(u, &o.Plaintext[0]) },
		}
		var stepErr error
		for _, step := range steps {
			ops, err := step(work)
			if err != nil {
				stepErr = err
				break
			}
			quirk := false
			for _, op := range ops {
				quirk = quirk || op.Path == "" || evanphxQuirk(op)
			}
			var ref interface{}
			var refErr error
			if !quirk {
				ref, refErr = evanphx(t, work.Object, ops)
			}
			if err := applyToObject(work, ops, nil, "step", "", ""); err != nil {
				stepErr = err
				break
			}
			if quirk {
				continue
			}
			if refErr != nil {
				t.Fatalf("native applied %s, evanphx failed: %v", mustJSON(t, ops), refErr)
			}
			if g, w := normalise(t, work.Object), normalise(t, ref); !reflect.DeepEqual(g, w) {
				t.Fatalf("operations %s\nnative  %s\nevanphx %s", mustJSON(t, ops), mustJSON(t, g), mustJSON(t, w))
			}
		}
		if (stepErr == nil) != (err == nil) {
			t.Fatalf("Apply error %v, step by step %v", err, stepErr)
		}
		if err == nil {
			assertJSONEqual(t, got.Object, work.Object)
		}
	})
}
