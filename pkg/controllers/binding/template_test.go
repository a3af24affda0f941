package binding

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestTemplateChanged(t *testing.T) {
	base := func() *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]interface{}{"name": "nginx", "namespace": "default", "resourceVersion": "10", "generation": int64(1),
				"labels": map[string]interface{}{"app": "nginx"}},
			"spec":   map[string]interface{}{"replicas": int64(1)},
			"status": map[string]interface{}{"replicas": int64(0)},
		}}
	}
	cases := []struct {
		name   string
		edit   func(u *unstructured.Unstructured)
		expect bool
	}{
		{"status only", func(u *unstructured.Unstructured) { u.Object["status"] = map[string]interface{}{"replicas": int64(2)} }, false},
		{"resourceVersion only", func(u *unstructured.Unstructured) { u.SetResourceVersion("11") }, false},
		{"status removed", func(u *unstructured.Unstructured) { delete(u.Object, "status") }, false},
		{"spec", func(u *unstructured.Unstructured) { u.Object["spec"] = map[string]interface{}{"replicas": int64(2)} }, true},
		{"label", func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"app": "web"}) }, true},
		{"annotation added", func(u *unstructured.Unstructured) { u.SetAnnotations(map[string]string{"a": "b"}) }, true},
		{"new top-level field", func(u *unstructured.Unstructured) { u.Object["data"] = map[string]interface{}{"k": "v"} }, true},
		{"generation", func(u *unstructured.Unstructured) { u.SetGeneration(2) }, true},
	}
	for _, c := range cases {
		o, n := base(), base()
		c.edit(n)
		if got := templateChanged(o, n); got != c.expect {
			t.Errorf("%s: templateChanged = %v, want %v", c.name, got, c.expect)
		}
		if got := templateChanged(n, o); got != c.expect {
			t.Errorf("%s (reversed): templateChanged = %v, want %v", c.name, got, c.expect)
		}
	}
}
