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
	"encoding/json"
	"reflect"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// object builds unstructured content from YAML, as a decoder of API objects would.
func object(t testing.TB, y string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]interface{}
	if err := utiljson.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// normalise round-trips v through JSON so that values built in different ways compare equal.
func normalise(t testing.TB, v interface{}) interface{} {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	var out interface{}
	if err := utiljson.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// evanphx applies ops with gopkg.in/evanphx/json-patch.v4 (the reference implementation) to
// the JSON form of doc.
func evanphx(t testing.TB, doc interface{}, ops []Operation) (interface{}, error) {
	t.Helper()
	docJSON, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	patchJSON, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(patchJSON)
	if err != nil {
		t.Fatalf("decoding %s: %v", patchJSON, err)
	}
	out, err := patch.Apply(docJSON)
	if err != nil {
		return nil, err
	}
	var v interface{}
	if err := utiljson.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	return v, nil
}

// nativeAll applies ops with the package's applier to a copy of doc.
func nativeAll(t testing.TB, doc interface{}, ops []Operation) (interface{}, error) {
	t.Helper()
	cur := normalise(t, doc) // a private copy
	var err error
	for _, op := range ops {
		if cur, err = applyOperation(cur, op); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

func assertJSONEqual(t testing.TB, got, want interface{}) {
	t.Helper()
	g, w := normalise(t, got), normalise(t, want)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
}

func mustJSON(t testing.TB, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
