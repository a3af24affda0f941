package interpreter

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// mustObj decodes an object the way clients do (integers as int64).
func mustObj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatalf("bad test object %s: %v", s, err)
	}
	return u
}

// item is one member's reflected status; an empty status means none reported yet.
type item struct{ cluster, status string }

func statusItems(list ...item) []workv1alpha2.AggregatedStatusItem {
	var items []workv1alpha2.AggregatedStatusItem
	for _, i := range list {
		it := workv1alpha2.AggregatedStatusItem{ClusterName: i.cluster, Applied: true}
		if i.status != "" {
			it.Status = &runtime.RawExtension{Raw: []byte(i.status)}
		}
		items = append(items, it)
	}
	return items
}

// assertJSON compares got (anything that marshals) with the JSON text want, ignoring
// formatting and key order; want "null" expects nothing.
func assertJSON(t *testing.T, got interface{}, want string) {
	t.Helper()
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w interface{}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", raw, want)
	}
}

// rawJSON turns a reflected status into comparable JSON (null for none).
func rawJSON(r *runtime.RawExtension) json.RawMessage {
	if r == nil {
		return json.RawMessage("null")
	}
	return r.Raw
}

func mustJSON(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalObjects(a, b map[string]interface{}) bool {
	return reflect.DeepEqual(a, b)
}
