package merged

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func TestKnownKind(t *testing.T) {
	for gvr, want := range map[schema.GroupVersionResource]string{
		{Version: "v1", Resource: "pods"}:                         "Pod",
		{Group: "apps", Version: "v1", Resource: "deployments"}:   "Deployment",
		{Version: "v1", Resource: "configmaps"}:                   "ConfigMap",
		{Group: "example.io", Version: "v1", Resource: "widgets"}: "",
	} {
		if got := knownKind(gvr); got != want {
			t.Errorf("%v: got %q, want %q", gvr, got, want)
		}
	}
}

// The cache prints rows with kube's own printers, so the view's columns are the ones a
// member's apiserver would give.
func TestCacheTableRow(t *testing.T) {
	c := newCache(nil)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: "default", Labels: map[string]string{"karmada.io/managed": "true"}},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
		Status:     appsv1.DeploymentStatus{ReadyReplicas: 1, UpdatedReplicas: 2, AvailableReplicas: 1},
	}
	cols, row, err := c.tableRow(&objectWriter{cluster: "member1", gvk: appsv1.SchemeGroupVersion.WithKind("Deployment")}, d, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, col := range cols {
		var cd metav1.TableColumnDefinition
		_ = json.Unmarshal(col, &cd)
		names = append(names, cd.Name)
	}
	if len(names) < 5 || names[0] != "Name" || names[1] != "Ready" || names[2] != "Up-to-date" || names[3] != "Available" || names[4] != "Age" {
		t.Fatalf("columns %v", names)
	}
	var r struct {
		Cells  []interface{} `json:"cells"`
		Object struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		} `json:"object"`
	}
	if err := json.Unmarshal(row, &r); err != nil {
		t.Fatal(err)
	}
	if r.Cells[0] != "nginx" || r.Cells[1] != "member1" || r.Cells[2] != "1/2" || r.Cells[len(r.Cells)-1] != "Y" {
		t.Fatalf("cells %v", r.Cells)
	}
	if r.Object.Metadata.Annotations["resource.karmada.io/cached-from-cluster"] != "member1" || d.Annotations != nil {
		t.Fatalf("the row's metadata must carry the cluster, the cached object must stay untouched: %+v, %v", r.Object.Metadata, d.Annotations)
	}

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	pod.ResourceVersion = "42"
	_, prow, err := c.tableRow(&objectWriter{cluster: "member2", gvk: corev1.SchemeGroupVersion.WithKind("Pod")}, pod, "Object", false)
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Cells  []interface{} `json:"cells"`
		Object struct {
			Kind string `json:"kind"`
		} `json:"object"`
	}
	_ = json.Unmarshal(prow, &pr)
	if pr.Cells[3] != "Running" || pr.Object.Kind != "Pod" || pr.Cells[len(pr.Cells)-1] != "N" {
		t.Fatalf("pod row %s", prow)
	}
	if pod.ResourceVersion != "42" || pod.Annotations != nil {
		t.Fatal("encoding the object for the view changed the cached pod")
	}
}
