package interpreter

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestBundledScriptsCompile(t *testing.T) {
	all, err := BundledCustomizations()
	if err != nil || len(all) == 0 {
		t.Fatalf("bundled: %d, %v", len(all), err)
	}
	for _, c := range all {
		r := c.Spec.Customizations
		for op := range map[Operation]bool{OperationRetain: true, OperationInterpretReplica: true, OperationReviseReplica: true,
			OperationInterpretStatus: true, OperationAggregateStatus: true, OperationInterpretHealth: true, OperationInterpretDependency: true} {
			if s := scriptOf(&r, op); s != "" {
				if _, err := CompileLua(s); err != nil {
					t.Errorf("%s %s: %v", c.Name, op, err)
				}
			}
		}
	}
}

const cloneSetYAML = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web, namespace: shop, generation: 4}
spec:
  replicas: 4
  template:
    spec:
      serviceAccountName: web-sa
      nodeSelector: {disk: ssd}
      containers:
      - name: web
        image: nginx
        envFrom: [{configMapRef: {name: web-config}}]
        resources: {requests: {cpu: 250m, memory: 64Mi}}
status: {observedGeneration: 4, replicas: 2, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, updateRevision: web-2, labelSelector: app=web}
`

func TestBundledCloneSet(t *testing.T) {
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(cloneSetYAML), &obj.Object); err != nil {
		t.Fatal(err)
	}
	in := Customized(Default(), BundledRules())

	n, req, ok, err := in.GetReplicas(obj)
	b, _ := json.Marshal(req)
	if err != nil || !ok || n != 4 || string(b) != `{"nodeClaim":{"nodeSelector":{"disk":"ssd"}},"resourceRequest":{"cpu":"250m","memory":"64Mi"}}` {
		t.Fatalf("GetReplicas = %d %s %v %v", n, b, ok, err)
	}
	revised, err := in.ReviseReplica(obj, 1)
	if got, _, _ := unstructured.NestedInt64(revised.Object, "spec", "replicas"); err != nil || got != 1 {
		t.Fatalf("ReviseReplica = %d %v", got, err)
	}
	raw, err := in.ReflectStatus(obj)
	if err != nil || string(raw.Raw) != `{"availableReplicas":4,"labelSelector":"app=web","observedGeneration":4,"readyReplicas":4,"replicas":2,"updateRevision":"web-2","updatedReplicas":4}` {
		t.Fatalf("ReflectStatus = %s %v", raw.Raw, err)
	}
	if h, err := in.InterpretHealth(obj); err != nil || h != workv1alpha1.ResourceHealthy {
		t.Fatalf("health = %v %v", h, err)
	}
	stale := obj.DeepCopy()
	_ = unstructured.SetNestedField(stale.Object, int64(3), "status", "observedGeneration")
	if h, _ := in.InterpretHealth(stale); h != workv1alpha1.ResourceUnhealthy {
		t.Fatalf("health of a copy that has not observed its generation = %v", h)
	}
	items := []workv1alpha2.AggregatedStatusItem{
		{ClusterName: "m1", Status: &runtime.RawExtension{Raw: []byte(`{"replicas":2,"readyReplicas":1,"updateRevision":"web-2","observedGeneration":4}`)}},
		{ClusterName: "m2", Status: &runtime.RawExtension{Raw: []byte(`{"replicas":2,"readyReplicas":2}`)}},
	}
	agg, err := in.AggregateStatus(obj, items)
	if err != nil {
		t.Fatal(err)
	}
	st := agg.Object["status"].(map[string]interface{})
	if st["replicas"] != int64(4) || st["readyReplicas"] != int64(3) || st["updateRevision"] != "web-2" || st["observedGeneration"] != int64(4) || st["currentRevision"] != "" {
		t.Fatalf("aggregated status = %v", st)
	}
	deps, err := in.GetDependencies(obj)
	b, _ = json.Marshal(deps)
	if err != nil || string(b) != `[{"apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config"},{"apiVersion":"v1","kind":"ServiceAccount","namespace":"shop","name":"web-sa"}]` {
		t.Fatalf("GetDependencies = %s %v", b, err)
	}
}
