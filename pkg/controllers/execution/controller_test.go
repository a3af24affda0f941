package execution

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(y map[string]interface{}) map[string]interface{} { return y }

func TestSubset(t *testing.T) {
	have := obj(map[string]interface{}{
		"metadata": map[string]interface{}{"name": "web", "labels": map[string]interface{}{"a": "1", "member": "x"}},
		"spec": map[string]interface{}{
			"replicas": int64(2), "strategy": map[string]interface{}{"type": "RollingUpdate"},
			"template": map[string]interface{}{"spec": map[string]interface{}{"containers": []interface{}{
				map[string]interface{}{"name": "c", "image": "nginx", "imagePullPolicy": "Always"},
			}}},
		},
		"status": map[string]interface{}{"readyReplicas": int64(2)},
	})
	cases := []struct {
		name string
		want map[string]interface{}
		ok   bool
	}{
		{"member defaults and status do not count", obj(map[string]interface{}{
			"metadata": map[string]interface{}{"name": "web", "labels": map[string]interface{}{"a": "1"}},
			"spec": map[string]interface{}{"replicas": float64(2), "template": map[string]interface{}{"spec": map[string]interface{}{
				"containers": []interface{}{map[string]interface{}{"name": "c", "image": "nginx"}}}}},
		}), true},
		{"replicas drifted", obj(map[string]interface{}{"spec": map[string]interface{}{"replicas": int64(3)}}), false},
		{"image drifted", obj(map[string]interface{}{"spec": map[string]interface{}{"template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c", "image": "nginx:2"}}}}}}), false},
		{"a container more", obj(map[string]interface{}{"spec": map[string]interface{}{"template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c"}, map[string]interface{}{"name": "d"}}}}}}), false},
		{"label missing in member", obj(map[string]interface{}{"metadata": map[string]interface{}{"labels": map[string]interface{}{"b": "2"}}}), false},
		{"empty values match absent fields", obj(map[string]interface{}{"spec": map[string]interface{}{"paused": nil, "selector": map[string]interface{}{}}}), true},
	}
	for _, c := range cases {
		if got := subset(c.want, have); got != c.ok {
			t.Errorf("%s: subset = %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestMergeMemberMetadataKeepsForeignKeysOnly(t *testing.T) {
	want := &unstructured.Unstructured{Object: map[string]interface{}{}}
	want.SetLabels(map[string]string{"app": "web", "karmada.io/managed": "true"})
	want.SetAnnotations(map[string]string{"resourcetemplate.karmada.io/managed-labels": "app,karmada.io/managed"})
	observed := &unstructured.Unstructured{Object: map[string]interface{}{}}
	observed.SetResourceVersion("42")
	observed.SetFinalizers([]string{"member/finalizer"})
	// "old" was set by the control plane last time (recorded) and is no longer wanted;
	// "added-by-member" was added in the member and must survive.
	observed.SetLabels(map[string]string{"app": "old-value", "old": "x", "added-by-member": "y", "karmada.io/managed": "true"})
	observed.SetAnnotations(map[string]string{"resourcetemplate.karmada.io/managed-labels": "app,karmada.io/managed,old", "deployment.kubernetes.io/revision": "3"})
	mergeMemberMetadata(want, observed)
	l := want.GetLabels()
	if l["app"] != "web" || l["added-by-member"] != "y" || l["old"] != "" {
		t.Errorf("labels = %v; want app=web kept from the template, added-by-member kept, old removed", l)
	}
	if want.GetAnnotations()["deployment.kubernetes.io/revision"] != "3" {
		t.Errorf("annotation added by the member was dropped: %v", want.GetAnnotations())
	}
	if want.GetResourceVersion() != "42" || len(want.GetFinalizers()) != 1 {
		t.Errorf("resourceVersion/finalizers not kept from the member: %q %v", want.GetResourceVersion(), want.GetFinalizers())
	}
}
