package policy

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("Components", testComponents) }

var (
	crdsGVR             = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	flinkDeploymentsGVR = schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinkdeployments"}
)

// testComponents: a FlinkDeployment (a minimal CRD keeping any field) with one job manager
// (1 CPU) and two task managers (2 CPU each). Its binding lists both components, and since
// the policy asks for exactly one cluster the scheduler looks for a cluster that can hold
// the whole 5-CPU set: only member2 (8 CPU) can, member1 (2 CPU) and member3 (4 CPU) would
// come first by name or by pod slots. A FlinkDeployment whose set fits nowhere stays
// unscheduled, saying why.
// (MultiplePodTemplatesScheduling is on in this suite.)
func testComponents(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "e2e-components")
	e.Apply(t, "", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: flinkdeployments.flink.apache.org
spec:
  group: flink.apache.org
  names: {kind: FlinkDeployment, plural: flinkdeployments, singular: flinkdeployment}
  scope: Namespaced
  versions:
  - name: v1beta1
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
  name: e2e-flink-crd
spec:
  resourceSelectors:
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: flinkdeployments.flink.apache.org}
`)
	t.Cleanup(func() {
		_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-flink-crd", "--ignore-not-found")
		_, _ = e.CP.Kubectl(t, "", "delete", "crd", "flinkdeployments.flink.apache.org", "--ignore-not-found", "--timeout=60s")
	})
	e.WaitOnly(t, crdsGVR, "", "flinkdeployments.flink.apache.org", "member1", "member2", "member3")
	e.Kubectl(t, "", "wait", "--for", "condition=Established", "crd/flinkdeployments.flink.apache.org", "--timeout=60s")

	e.Apply(t, ns, flinkYAML("flink", "2")+flinkYAML("huge", "20")+`---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: flink
spec:
  resourceSelectors:
  - {apiVersion: flink.apache.org/v1beta1, kind: FlinkDeployment}
  placement:
    spreadConstraints:
    - {spreadByField: cluster, minGroups: 1, maxGroups: 1}
`)

	rb := e.WaitRB(t, ns, "flink-flinkdeployment", func(rb *workv1alpha2.ResourceBinding) error {
		if len(rb.Spec.Clusters) == 0 {
			return fmt.Errorf("not scheduled yet; conditions %v", rb.Status.Conditions)
		}
		return nil
	})
	checkComponent(t, rb.Spec.Components, 0, "jobmanager", 1, "1", "1Gi")
	checkComponent(t, rb.Spec.Components, 1, "taskmanager", 2, "2", "2Gi")
	if len(rb.Spec.Components) != 2 {
		t.Fatalf("components %+v, want jobmanager and taskmanager", rb.Spec.Components)
	}
	if c := rb.Spec.Clusters; len(c) != 1 || c[0].Name != "member2" {
		t.Fatalf("scheduled to %+v, want member2 alone (the only member that can hold 5 CPU)", c)
	}
	e.WaitOnly(t, flinkDeploymentsGVR, ns, "flink", "member2")

	// 1 + 2×20 CPU: no member can hold the set.
	e.WaitRB(t, ns, "huge-flinkdeployment", func(rb *workv1alpha2.ResourceBinding) error {
		for _, c := range rb.Status.Conditions {
			if c.Type == workv1alpha2.Scheduled && c.Status == metav1.ConditionFalse && c.Reason == workv1alpha2.BindingReasonUnschedulable {
				if len(rb.Spec.Clusters) != 0 {
					return fmt.Errorf("clusters %+v, want none", rb.Spec.Clusters)
				}
				return nil
			}
		}
		return fmt.Errorf("conditions %+v, want Scheduled False Unschedulable", rb.Status.Conditions)
	})
	framework.Consistently(t, 3*time.Second, "huge stays out of every member", e.PresentIn(flinkDeploymentsGVR, ns, "huge"))
}

// flinkYAML is a FlinkDeployment with one job manager (1 CPU, 1Gi) and two task managers of
// tmCPU CPU and 2Gi each.
func flinkYAML(name, tmCPU string) string {
	return fmt.Sprintf(`apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: %s
spec:
  image: flink:1.20
  flinkVersion: v1_20
  jobManager: {resource: {cpu: 1, memory: 1Gi}}
  taskManager: {replicas: 2, resource: {cpu: %s, memory: 2Gi}}
---
`, name, tmCPU)
}

func checkComponent(t *testing.T, cs []workv1alpha2.Component, i int, name string, replicas int32, cpu, memory string) {
	t.Helper()
	if i >= len(cs) {
		t.Fatalf("components %+v: no component %d (%s)", cs, i, name)
	}
	c := cs[i]
	if c.Name != name || c.Replicas != replicas || c.ReplicaRequirements == nil {
		t.Fatalf("component %d = %+v, want %s with %d replicas and requirements", i, c, name, replicas)
	}
	rr := c.ReplicaRequirements.ResourceRequest
	if q := rr.Cpu(); q.Cmp(resource.MustParse(cpu)) != 0 {
		t.Errorf("%s cpu %s, want %s", name, q, cpu)
	}
	if q := rr.Memory(); q.Cmp(resource.MustParse(memory)) != 0 {
		t.Errorf("%s memory %s, want %s", name, q, memory)
	}
}
