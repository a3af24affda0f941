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
)

func TestSplitPointer(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"/", []string{""}, false},
		{"/a/b", []string{"a", "b"}, false},
		{"/a~1b/c~0d/~01", []string{"a/b", "c~d", "~1"}, false},
		{"a/b", nil, true},
		{"/a~", nil, true},
		{"/a~2", nil, true},
	}
	for _, tc := range cases {
		got, err := splitPointer(tc.in)
		if (err != nil) != tc.err || !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitPointer(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, key := range []string{"plain", "topology.istio.io/network", "a~b", "~1/~0"} {
		tokens, err := splitPointer("/" + escapeToken(key))
		if err != nil || len(tokens) != 1 || tokens[0] != key {
			t.Errorf("escapeToken(%q) does not round-trip: %q, %v", key, tokens, err)
		}
	}
}

// evanphxQuirk tells whether op is one that gopkg.in/evanphx/json-patch.v4 accepts against
// RFC 6902/6901: replace of a missing object member (v4 adds it), array indexes with leading
// zeros, a sign or negative values, and pointers without the leading "/".
func evanphxQuirk(op Operation) bool {
	tokens, err := splitPointer(op.Path)
	if err != nil {
		return true
	}
	for _, tok := range tokens {
		if len(tok) > 1 && (tok[0] == '0' || tok[0] == '+' || tok[0] == '-') {
			return true
		}
	}
	return op.Op == OpReplace
}

// TestApplyOperation checks the applier against expected documents and against
// gopkg.in/evanphx/json-patch.v4 on every case.
func TestApplyOperation(t *testing.T) {
	doc := map[string]interface{}{
		"a":   map[string]interface{}{"b": "c", "n": nil},
		"arr": []interface{}{"x", "y", "z"},
		"nested": map[string]interface{}{
			"list": []interface{}{map[string]interface{}{"k": []interface{}{int64(1)}}},
		},
		"s": "str",
	}
	cases := []struct {
		name string
		op   Operation
		want string // JSON of the result; "" means an error
	}{
		{"add member", Operation{OpAdd, "/a/d", "e"}, `{"a":{"b":"c","d":"e","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"add overwrites", Operation{OpAdd, "/a/b", int64(7)}, `{"a":{"b":7,"n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"add null", Operation{OpAdd, "/a/b", nil}, `{"a":{"b":null,"n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"add object", Operation{OpAdd, "/o", map[string]interface{}{"p": true}}, `{"a":{"b":"c","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"o":{"p":true},"s":"str"}`},
		{"add empty key", Operation{OpAdd, "/", "e"}, `{"":"e","a":{"b":"c","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"insert first", Operation{OpAdd, "/arr/0", "w"}, `{"a":{"b":"c","n":null},"arr":["w","x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"insert middle", Operation{OpAdd, "/arr/2", "w"}, `{"a":{"b":"c","n":null},"arr":["x","y","w","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"insert at end", Operation{OpAdd, "/arr/3", "w"}, `{"a":{"b":"c","n":null},"arr":["x","y","z","w"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"append", Operation{OpAdd, "/arr/-", "w"}, `{"a":{"b":"c","n":null},"arr":["x","y","z","w"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"append in array in array", Operation{OpAdd, "/nested/list/0/k/-", int64(2)}, `{"a":{"b":"c","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1,2]}]},"s":"str"}`},
		{"add past end", Operation{OpAdd, "/arr/4", "w"}, ""},
		{"add leading zero", Operation{OpAdd, "/arr/01", "w"}, ""},
		{"add missing parent", Operation{OpAdd, "/missing/x", "w"}, ""},
		{"add into string", Operation{OpAdd, "/s/x", "w"}, ""},
		{"add into null", Operation{OpAdd, "/a/n/x", "w"}, ""},
		{"replace member", Operation{OpReplace, "/a/b", "d"}, `{"a":{"b":"d","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"replace null member", Operation{OpReplace, "/a/n", "d"}, `{"a":{"b":"c","n":"d"},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"replace element", Operation{OpReplace, "/arr/1", "Y"}, `{"a":{"b":"c","n":null},"arr":["x","Y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"replace missing", Operation{OpReplace, "/a/missing", "d"}, ""},
		{"replace past end", Operation{OpReplace, "/arr/3", "d"}, ""},
		{"replace dash", Operation{OpReplace, "/arr/-", "d"}, ""},
		{"remove member", Operation{OpRemove, "/a/b", nil}, `{"a":{"n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"remove element", Operation{OpRemove, "/arr/0", nil}, `{"a":{"b":"c","n":null},"arr":["y","z"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"remove last element", Operation{OpRemove, "/arr/2", nil}, `{"a":{"b":"c","n":null},"arr":["x","y"],"nested":{"list":[{"k":[1]}]},"s":"str"}`},
		{"remove nested element", Operation{OpRemove, "/nested/list/0/k/0", nil}, `{"a":{"b":"c","n":null},"arr":["x","y","z"],"nested":{"list":[{"k":[]}]},"s":"str"}`},
		{"remove missing", Operation{OpRemove, "/a/missing", nil}, ""},
		{"remove past end", Operation{OpRemove, "/arr/3", nil}, ""},
		{"remove through missing", Operation{OpRemove, "/x/y", nil}, ""},
		{"bad pointer", Operation{OpAdd, "a", "x"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nativeAll(t, doc, []Operation{tc.op})
			ref, refErr := evanphx(t, doc, []Operation{tc.op})
			if tc.want == "" {
				if err == nil {
					t.Fatalf("want an error, got %s", mustJSON(t, got))
				}
				if refErr == nil && !evanphxQuirk(tc.op) {
					t.Fatalf("evanphx accepts it: %s", mustJSON(t, ref))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := mustJSON(t, got); s != tc.want {
				t.Fatalf("got  %s\nwant %s", s, tc.want)
			}
			if refErr != nil {
				t.Fatalf("evanphx fails: %v", refErr)
			}
			assertJSONEqual(t, got, ref)
		})
	}
}

func TestApplyOperationRoot(t *testing.T) {
	got, err := applyOperation([]interface{}{"a"}, Operation{OpReplace, "", map[string]interface{}{}})
	if err != nil || !reflect.DeepEqual(got, map[string]interface{}{}) {
		t.Fatalf("replace root: %v, %v", got, err)
	}
	if _, err := applyOperation("x", Operation{OpRemove, "", nil}); err == nil {
		t.Fatal("remove root: want an error")
	}
	// a root array grows by being returned
	got, err = applyOperation([]interface{}{"a"}, Operation{OpAdd, "/-", "b"})
	if err != nil || !reflect.DeepEqual(got, []interface{}{"a", "b"}) {
		t.Fatalf("append to root array: %v, %v", got, err)
	}
}

func TestOperationJSON(t *testing.T) {
	ops := []Operation{{OpAdd, "/a", nil}, {OpRemove, "/b", "ignored"}, {OpReplace, "/c", []interface{}{"x"}}}
	want := `[{"op":"add","path":"/a","value":null},{"op":"remove","path":"/b"},{"op":"replace","path":"/c","value":["x"]}]`
	if got := mustJSON(t, ops); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
