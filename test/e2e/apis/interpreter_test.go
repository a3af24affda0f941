package apis

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("InterpreterCustomization", testInterpreterCustomization) }

var (
	crdGVR   = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	flockGVR = schema.GroupVersionResource{Group: "interp.example.io", Version: "v1", Resource: "flocks"}
)

const flockCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: flocks.interp.example.io
spec:
  group: interp.example.io
  scope: Namespaced
  names: {kind: Flock, plural: flocks, singular: flock}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: e2e-flocks-crd
spec:
  resourceSelectors:
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: flocks.interp.example.io}
  placement:
    clusterAffinity:
      clusterNames: [member1, member2, member3]
---
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: e2e-flocks
spec:
  target: {apiVersion: interp.example.io/v1, kind: Flock}
  customizations:
    replicaResource:
      luaScript: |
        function GetReplicas(obj)
          return obj.spec.birds, nil
        end
    replicaRevision:
      luaScript: |
        function ReviseReplica(obj, n)
          obj.spec.birds = n
          return obj
        end
    statusAggregation:
      luaScript: |
        function AggregateStatus(obj, items)
          local flying = 0
          for i = 1, #items do
            if items[i].status ~= nil and items[i].status.flying ~= nil then
              flying = flying + items[i].status.flying
            end
          end
          obj.status = {flying = flying, clusters = #items}
          return obj
        end
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return obj.status ~= nil and obj.status.flying == obj.spec.birds
        end
`

// testInterpreterCustomization: a CRD kind unknown to the built-in interpreter gets its
// replicas, revision, status aggregation and health from a ResourceInterpreterCustomization:
// a Flock of 6 birds divided across two members gets 3 each, and the members' statuses add
// up in the template.
func testInterpreterCustomization(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "e2e-interp")
	e.Apply(t, "", flockCRD)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = e.Dyn.Resource(crdGVR).Delete(ctx, "flocks.interp.example.io", metav1.DeleteOptions{})
		_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-flocks-crd", "--ignore-not-found")
		_, _ = e.CP.Kubectl(t, "", "delete", "resourceinterpretercustomization", "e2e-flocks", "--ignore-not-found")
	})
	for _, m := range []string{"member1", "member2", "member3"} {
		e.WaitMember(t, m, crdGVR, "", "flocks.interp.example.io", nil)
	}
	e.Kubectl(t, "", "wait", "--for", "condition=Established", "crd/flocks.interp.example.io", "--timeout=60s")

	e.Apply(t, ns, `apiVersion: interp.example.io/v1
kind: Flock
metadata:
  name: geese
spec:
  birds: 6
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: geese
spec:
  resourceSelectors:
  - {apiVersion: interp.example.io/v1, kind: Flock, name: geese}
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [member1]}, weight: 1}
        - {targetCluster: {clusterNames: [member2]}, weight: 1}
`)
	e.WaitRB(t, ns, "geese-flock", func(rb *workv1alpha2.ResourceBinding) error {
		if rb.Spec.Replicas != 6 {
			return fmt.Errorf("binding replicas %d, want 6 from GetReplicas", rb.Spec.Replicas)
		}
		if got := framework.TargetClusters(rb.Spec.Clusters); got["member1"] != 3 || got["member2"] != 3 {
			return fmt.Errorf("clusters %v, want 3 in member1 and member2", got)
		}
		return nil
	})
	birds := func(want int64) func(*unstructured.Unstructured) error {
		return func(u *unstructured.Unstructured) error {
			if got, _, _ := unstructured.NestedInt64(u.Object, "spec", "birds"); got != want {
				return fmt.Errorf("spec.birds %d, want %d (ReviseReplica)", got, want)
			}
			return nil
		}
	}
	ctx := context.Background()
	for _, m := range []string{"member1", "member2"} {
		u := e.WaitMember(t, m, flockGVR, ns, "geese", birds(3))
		// A member controller would report this; the test plays its part.
		_ = unstructured.SetNestedField(u.Object, int64(3), "status", "flying")
		if _, err := e.MDyn[m].Resource(flockGVR).Namespace(ns).UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("setting the status in %s: %v", m, err)
		}
	}

	framework.Eventually(t, framework.WaitTimeout, "the template's status aggregated by the script", func() error {
		u, err := e.Dyn.Resource(flockGVR).Namespace(ns).Get(ctx, "geese", metav1.GetOptions{})
		if err != nil {
			return err
		}
		flying, _, _ := unstructured.NestedInt64(u.Object, "status", "flying")
		clusters, _, _ := unstructured.NestedInt64(u.Object, "status", "clusters")
		if flying != 6 || clusters != 2 {
			return fmt.Errorf("status %v, want flying 6 from 2 clusters", u.Object["status"])
		}
		return nil
	})
	e.WaitRB(t, ns, "geese-flock", func(rb *workv1alpha2.ResourceBinding) error {
		if len(rb.Status.AggregatedStatus) != 2 {
			return fmt.Errorf("aggregated status of %d clusters, want 2", len(rb.Status.AggregatedStatus))
		}
		for _, item := range rb.Status.AggregatedStatus {
			if item.Health != workv1alpha2.ResourceHealthy {
				return fmt.Errorf("%s is %q, want Healthy by InterpretHealth", item.ClusterName, item.Health)
			}
		}
		return nil
	})

	// A script that fails at run time does not stop the controllers: the operation fails
	// with an Event on the template, and the binding keeps its last good replicas.
	e.Kubectl(t, "", "patch", "resourceinterpretercustomization", "e2e-flocks", "--type=merge", "-p",
		`{"spec":{"customizations":{"replicaResource":{"luaScript":"function GetReplicas(obj)\n  error('flock lost')\nend"}}}}`)
	e.Kubectl(t, "", "-n", ns, "label", "flock", "geese", "touched=yes")
	e.WaitEvent(t, ns, "Flock", "geese", "Warning", "GetReplicasFailed", "flock lost")
	rb, err := e.RB(ns, "geese-flock")
	if err != nil || rb.Spec.Replicas != 6 {
		t.Fatalf("binding after the failing script: %v, %v", rb, err)
	}
}
