package detector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
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

func TestPropagatable(t *testing.T) {
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	cases := []struct {
		gv    string
		kind  string
		name  string
		verbs []string
		want  bool
	}{
		{"apps/v1", "Deployment", "deployments", all, true},
		{"v1", "ConfigMap", "configmaps", all, true},
		{"v1", "Node", "nodes", all, true},
		{"apps/v1", "Deployment", "deployments/scale", all, false},
		{"v1", "Event", "events", all, false},
		{"events.k8s.io/v1", "Event", "events", all, false},
		{"coordination.k8s.io/v1", "Lease", "leases", all, false},
		{"cluster.karmada.io/v1alpha1", "Cluster", "clusters", all, false},
		{"policy.karmada.io/v1alpha1", "PropagationPolicy", "propagationpolicies", all, false},
		{"work.karmada.io/v1alpha2", "ResourceBinding", "resourcebindings", all, false},
		{"config.karmada.io/v1alpha1", "ResourceInterpreterCustomization", "resourceinterpretercustomizations", all, false},
		{"networking.karmada.io/v1alpha1", "MultiClusterIngress", "multiclusteringresses", all, false},
		{"autoscaling.karmada.io/v1alpha1", "FederatedHPA", "federatedhpas", all, false},
		// Only Karmada's own groups are skipped: a user's group ending in .karmada.io is not.
		{"example.karmada.io/v1", "Widget", "widgets", all, true},
		{"stable.example.com/v1", "CronTab", "crontabs", all, true},
		// ServiceExport/ServiceImport are meant to be propagated.
		{"multicluster.x-k8s.io/v1alpha1", "ServiceExport", "serviceexports", all, true},
		// Kinds that cannot be listed, watched and deleted cannot be templates.
		{"authorization.k8s.io/v1", "SubjectAccessReview", "subjectaccessreviews", []string{"create"}, false},
		{"v1", "ComponentStatus", "componentstatuses", []string{"get", "list"}, false},
	}
	for _, c := range cases {
		gv, err := schema.ParseGroupVersion(c.gv)
		if err != nil {
			t.Fatal(err)
		}
		r := metav1.APIResource{Name: c.name, Kind: c.kind, Verbs: c.verbs}
		if got := propagatable(gv, r); got != c.want {
			t.Errorf("%s %s: propagatable = %v, want %v", c.gv, c.name, got, c.want)
		}
	}
}
