package detector

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func cm(gen int64, labels map[string]string, data map[string]interface{}, status string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap", "data": data}}
	u.SetName("c")
	u.SetGeneration(gen)
	u.SetLabels(labels)
	if status != "" {
		u.Object["status"] = map[string]interface{}{"x": status}
	}
	return u
}

func TestSignificant(t *testing.T) {
	base := cm(0, map[string]string{"app": "a"}, map[string]interface{}{"k": "v"}, "")
	cases := []struct {
		name string
		cur  *unstructured.Unstructured
		want bool
	}{
		{"nothing changed", cm(0, map[string]string{"app": "a"}, map[string]interface{}{"k": "v"}, ""), false},
		{"status only", cm(0, map[string]string{"app": "a"}, map[string]interface{}{"k": "v"}, "s"), false},
		{"claim written by the detector", cm(0, map[string]string{"app": "a", "propagationpolicy.karmada.io/permanent-id": "id"}, map[string]interface{}{"k": "v"}, ""), false},
		{"user label", cm(0, map[string]string{"app": "b"}, map[string]interface{}{"k": "v"}, ""), true},
		{"data of a kind without generation", cm(0, map[string]string{"app": "a"}, map[string]interface{}{"k": "w"}, ""), true},
		{"generation bump alone (kube bumps it for annotation changes, the claim included)", cm(2, map[string]string{"app": "a"}, map[string]interface{}{"k": "v"}, ""), false},
	}
	for _, c := range cases {
		if got := significant(base, c.cur); got != c.want {
			t.Errorf("%s: significant = %v, want %v", c.name, got, c.want)
		}
	}
}
