package propagation

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
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
	e.Apply(t, "", crdYAML("example.io", "Widget", "widgets")+`---
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
		_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-widgets-crd", "--ignore-not-found")
		_, _ = e.CP.Kubectl(t, "", "delete", "crd", "widgets.example.io", "--ignore-not-found", "--timeout=60s")
	})
	e.WaitOnly(t, crdsGVR, "", "widgets.example.io", "member1")
	e.Kubectl(t, "", "wait", "--for", "condition=Established", "crd/widgets.example.io", "--timeout=60s")

	e.Apply(t, ns, `apiVersion: example.io/v1
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
	e.WaitMember(t, "member1", widgetsGVR, ns, "w1", sizeIs(3))
	e.WaitRB(t, ns, "w1-widget", framework.CheckScheduled)

	e.Kubectl(t, "", "-n", ns, "patch", "widget", "w1", "--type", "merge", "-p", `{"spec":{"size":5}}`)
	e.WaitMember(t, "member1", widgetsGVR, ns, "w1", sizeIs(5))

	e.Kubectl(t, "", "-n", ns, "delete", "widget", "w1")
	e.WaitMemberGone(t, "member1", widgetsGVR, ns, "w1")

	t.Run("GroupEndingInKarmadaIO", func(t *testing.T) { testKarmadaSuffixGroup(t, e, ns) })
}

// testKarmadaSuffixGroup: only Karmada's own API groups are never propagated; a user's group
// that merely ends in .karmada.io propagates like any other. Deleting its CRD stops the
// control plane's watches on the kind (they used to retry and log "Failed to watch").
func testKarmadaSuffixGroup(t *testing.T, e *env, ns string) {
	gadgets := schema.GroupVersionResource{Group: "example.karmada.io", Version: "v1", Resource: "gadgets"}
	e.Apply(t, "", crdYAML("example.karmada.io", "Gadget", "gadgets")+`---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: e2e-gadgets-crd
spec:
  resourceSelectors:
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: gadgets.example.karmada.io}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`)
	t.Cleanup(func() {
		_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-gadgets-crd", "--ignore-not-found")
		_, _ = e.CP.Kubectl(t, "", "delete", "crd", "gadgets.example.karmada.io", "--ignore-not-found", "--timeout=60s")
	})
	e.WaitOnly(t, crdsGVR, "", "gadgets.example.karmada.io", "member1")
	e.Kubectl(t, "", "wait", "--for", "condition=Established", "crd/gadgets.example.karmada.io", "--timeout=60s")
	e.Apply(t, ns, `apiVersion: example.karmada.io/v1
kind: Gadget
metadata:
  name: g1
spec:
  size: 1
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: gadgets
spec:
  resourceSelectors:
  - {apiVersion: example.karmada.io/v1, kind: Gadget}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`)
	e.WaitMember(t, "member1", gadgets, ns, "g1", checkManaged)
	e.WaitRB(t, ns, "g1-gadget", framework.CheckScheduled)

	// Delete the CRD (its objects go with it, in the control plane and then in member1).
	e.Kubectl(t, "", "delete", "crd", "gadgets.example.karmada.io", "--timeout=60s")
	e.WaitMemberGone(t, "member1", crdsGVR, "", "gadgets.example.karmada.io")
	if e.LogPath == "" {
		return
	}
	// Watches on the kind end: no "Failed to watch" about it for a while (the reflector
	// retried within a second or two before).
	start := logSize(e.LogPath)
	time.Sleep(8 * time.Second)
	if lines := logLinesSince(e.LogPath, start, "Failed to watch", "gadgets"); len(lines) > 0 {
		t.Errorf("the control plane still watches the deleted kind:\n%s", strings.Join(lines, "\n"))
	}
}

// crdYAML is a namespaced CRD of group/kind (version v1) that keeps any field.
func crdYAML(group, kind, plural string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  names: {kind: %[2]s, plural: %[3]s, singular: %[4]s}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`, group, kind, plural, strings.ToLower(kind))
}

func logSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logLinesSince returns the lines of the log written after offset that contain every word.
func logLinesSince(path string, offset int64, words ...string) []string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b[offset:]), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}
