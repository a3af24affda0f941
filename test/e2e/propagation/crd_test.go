package propagation

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	crdsGVR    = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	widgetsGVR = schema.GroupVersionResource{Group: "example.io", Version: "v1", Resource: "widgets"}
)

// testCustomResource: a CRD propagated by a ClusterPropagationPolicy, then objects of that
// kind, a kind the control plane discovers only once the CRD exists, propagated by a
// PropagationPolicy; an edit follows.
func testCustomResource(t *testing.T, e *env) {
	ns := e.namespace(t, "e2e-crd")
	e.apply(t, "", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.io
spec:
  group: example.io
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: e2e-widgets-crd
spec:
  resourceSelectors:
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: widgets.example.io}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`)
	t.Cleanup(func() {
		_, _ = e.cp.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-widgets-crd", "--ignore-not-found")
		_, _ = e.cp.Kubectl(t, "", "delete", "crd", "widgets.example.io", "--ignore-not-found", "--timeout=60s")
	})
	e.waitOnly(t, crdsGVR, "", "widgets.example.io", "member1")
	e.kubectl(t, "", "wait", "--for", "condition=Established", "crd/widgets.example.io", "--timeout=60s")

	e.apply(t, ns, `apiVersion: example.io/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: widgets
spec:
  resourceSelectors:
  - {apiVersion: example.io/v1, kind: Widget}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`)
	sizeIs := func(want int64) func(*unstructured.Unstructured) error {
		return func(u *unstructured.Unstructured) error {
			if err := checkManaged(u); err != nil {
				return err
			}
			if got, _, _ := unstructured.NestedInt64(u.Object, "spec", "size"); got != want {
				return fmt.Errorf("spec.size %d, want %d", got, want)
			}
			return nil
		}
	}
	e.waitMember(t, "member1", widgetsGVR, ns, "w1", sizeIs(3))
	e.waitRB(t, ns, "w1-widget", checkScheduled)

	e.kubectl(t, "", "-n", ns, "patch", "widget", "w1", "--type", "merge", "-p", `{"spec":{"size":5}}`)
	e.waitMember(t, "member1", widgetsGVR, ns, "w1", sizeIs(5))

	e.kubectl(t, "", "-n", ns, "delete", "widget", "w1")
	e.waitMemberGone(t, "member1", widgetsGVR, ns, "w1")
}
