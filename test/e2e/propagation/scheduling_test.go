package propagation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// waitPlacement waits until the binding's spec.clusters and the member Deployments'
// spec.replicas agree (same clusters, same replicas) and check accepts the assignment.
func (e *env) waitPlacement(t *testing.T, ns, name, what string, check func(map[string]int32) error) map[string]int32 {
	t.Helper()
	var got map[string]int32
	rbName := names.GenerateBindingName("Deployment", name)
	framework.Eventually(t, framework.WaitTimeout, what, func() error {
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		bc, err := targetClusters(rb.Spec.Clusters)
		if err != nil {
			return err
		}
		if err := check(bc); err != nil {
			s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled)
			return fmt.Errorf("binding spec.clusters %s (Scheduled=%s %s: %s): %v", mapStr(bc), s, r, m, err)
		}
		mr, err := e.memberReplicas(ns, name)
		if err != nil {
			return err
		}
		if !sameMap(bc, mr) {
			return fmt.Errorf("binding spec.clusters %s but member deployments' spec.replicas %s", mapStr(bc), mapStr(mr))
		}
		got = bc
		return nil
	})
	return got
}

// exactly is a placement check for one expected assignment.
func exactly(want map[string]int32) func(map[string]int32) error {
	return func(got map[string]int32) error {
		if !sameMap(got, want) {
			return fmt.Errorf("want %s", mapStr(want))
		}
		return nil
	}
}

// waitAllReady waits until every member in the assignment runs its replicas ready.
func (e *env) waitAllReady(t *testing.T, ns, name string, placement map[string]int32) {
	t.Helper()
	for _, m := range e.MemberNames {
		if n, ok := placement[m]; ok {
			e.WaitDeploymentReady(t, m, ns, name, n)
		}
	}
}

// deleteAndDrain deletes a Deployment template and waits until no member has it and no
// member's CPU is allocated any more, so the next capacity scenario starts from idle members.
func (e *env) deleteAndDrain(t *testing.T, ns, name string) {
	t.Helper()
	e.Kubectl(t, "", "delete", "deployment", name, "-n", ns)
	for _, m := range e.MemberNames {
		e.WaitMemberGone(t, m, framework.DeploymentsGVR, ns, name)
	}
	e.waitAllocatedCPU(t, map[string]int64{})
}

func cpuDeployment(name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels:
    app: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - name: app
        image: nginx
        resources:
          requests:
            cpu: "1"
`, name, replicas)
}

func testReplicaScheduling(t *testing.T, e *env) {
	t.Run("StaticWeights", func(t *testing.T) {
		ns := e.namespace(t, "e2e-static-weights")
		policy := func(w1, w2 int) string {
			return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: web
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - targetCluster:
              clusterNames: [member1]
            weight: %d
          - targetCluster:
              clusterNames: [member2]
            weight: %d
`, w1, w2)
		}
		e.Apply(t, ns, policy(1, 1))
		e.Kubectl(t, "", "create", "deployment", "web", "--image", "nginx", "--replicas=3", "-n", ns)
		// 1:1 of 3: Webster gives 2/1, which side gets 2 is a stable tie-break.
		got := e.waitPlacement(t, ns, "web", "3 replicas split 1:1 over member1/member2", func(p map[string]int32) error {
			if len(p) != 2 || p["member1"]+p["member2"] != 3 || (p["member1"] != 1 && p["member1"] != 2) {
				return fmt.Errorf("want {member1:2 member2:1} or {member1:1 member2:2}")
			}
			return nil
		})
		e.waitAllReady(t, ns, "web", got)
		waitTemplateReady(t, e, ns, "web", "3/3")

		// 2:1 of 9 ⇒ 6 and 3 (weights are recomputed from scratch).
		e.Apply(t, ns, policy(2, 1))
		e.Kubectl(t, "", "scale", "deployment", "web", "--replicas=9", "-n", ns)
		got = e.waitPlacement(t, ns, "web", "9 replicas split 2:1", exactly(map[string]int32{"member1": 6, "member2": 3}))
		e.waitAllReady(t, ns, "web", got)
		waitTemplateReady(t, e, ns, "web", "9/9")
		if have, _ := e.Presence(framework.DeploymentsGVR, ns, "web"); strings.Contains(strings.Join(have, ","), "member3") {
			t.Errorf("member3 is not in the placement but has the deployment")
		}
	})

	t.Run("Duplicated", func(t *testing.T) {
		ns := e.namespace(t, "e2e-duplicated")
		e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: web
  placement:
    clusterAffinity:
      clusterNames: [member1, member2, member3]
    replicaScheduling:
      replicaSchedulingType: Duplicated
`)
		e.Kubectl(t, "", "create", "deployment", "web", "--image", "nginx", "--replicas=2", "-n", ns)
		want := map[string]int32{"member1": 2, "member2": 2, "member3": 2}
		e.waitPlacement(t, ns, "web", "2 replicas duplicated to every member", exactly(want))
		e.waitAllReady(t, ns, "web", want)
		// The template's status sums the members': 6 ready for spec.replicas 2 (kubectl
		// shows READY 6/2, as Karmada does for duplicated workloads).
		waitTemplateReadyReplicas(t, e, ns, "web", 6)
		e.Kubectl(t, "", "scale", "deployment", "web", "--replicas=3", "-n", ns)
		want = map[string]int32{"member1": 3, "member2": 3, "member3": 3}
		e.waitPlacement(t, ns, "web", "3 replicas duplicated to every member", exactly(want))
		e.waitAllReady(t, ns, "web", want)
	})

	// The capacity scenarios need idle members: nothing else in this suite requests CPU.
	t.Run("AggregatedGuide", func(t *testing.T) {
		ns := e.namespace(t, "e2e-aggregated-guide")
		e.waitAllocatedCPU(t, map[string]int64{})
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-aggregated.yaml"))
		e.Apply(t, ns, framework.GuideYAML(t, "deployment-nginx-estimator.yaml"))
		// 5 × (1 CPU, 2Gi): free slots member1 2, member2 8, member3 4 ⇒ all 5 on member2,
		// "assigned to as few clusters as possible".
		want := map[string]int32{"member2": 5}
		e.waitPlacement(t, ns, "nginx", "5 replicas aggregated on member2", exactly(want))
		e.waitAllReady(t, ns, "nginx", want)
		waitTemplateReady(t, e, ns, "nginx", "5/5")
		e.deleteAndDrain(t, ns, "nginx")
	})

	t.Run("AggregatedScaling", func(t *testing.T) {
		ns := e.namespace(t, "e2e-aggregated-scale")
		e.waitAllocatedCPU(t, map[string]int64{})
		e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: agg
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: app
  placement:
    clusterAffinity:
      clusterNames: [member1, member2, member3]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Aggregated
`)
		e.Apply(t, ns, cpuDeployment("app", 3))
		// Free 1-CPU slots 2/8/4 ⇒ member2 alone holds 3.
		want := map[string]int32{"member2": 3}
		e.waitPlacement(t, ns, "app", "3 replicas aggregated on member2", exactly(want))
		e.waitAllReady(t, ns, "app", want)
		e.waitAllocatedCPU(t, map[string]int64{"member2": 3})

		// Scale up to 6: member2 already holds replicas and still has room ⇒ stays alone.
		e.Kubectl(t, "", "scale", "deployment", "app", "--replicas=6", "-n", ns)
		want = map[string]int32{"member2": 6}
		e.waitPlacement(t, ns, "app", "6 replicas still aggregated on member2", exactly(want))
		e.waitAllReady(t, ns, "app", want)
		e.waitAllocatedCPU(t, map[string]int64{"member2": 6})

		// Scale up to 9: member2 keeps its 6 and has 2 free; the 3 missing go to member2 first,
		// then the next-largest member3 (free 4): Webster of 3 over 2:4 ⇒ +1 member2, +2 member3.
		e.Kubectl(t, "", "scale", "deployment", "app", "--replicas=9", "-n", ns)
		want = map[string]int32{"member2": 7, "member3": 2}
		e.waitPlacement(t, ns, "app", "9 replicas: existing 6 kept on member2, 3 more on member2/member3", exactly(want))
		e.waitAllReady(t, ns, "app", want)
		e.waitAllocatedCPU(t, map[string]int64{"member2": 7, "member3": 2})

		// Scale down to 3: only clusters that held replicas, none gains.
		e.Kubectl(t, "", "scale", "deployment", "app", "--replicas=3", "-n", ns)
		prev := want
		got := e.waitPlacement(t, ns, "app", "scale down to 3 within the previous placement", func(p map[string]int32) error {
			var sum int32
			for c, n := range p {
				sum += n
				if n > prev[c] {
					return fmt.Errorf("%s gained replicas on a scale down (previous %s)", c, mapStr(prev))
				}
			}
			if sum != 3 {
				return fmt.Errorf("sum %d, want 3", sum)
			}
			return nil
		})
		t.Logf("aggregated scale down 9 ⇒ 3: %s", mapStr(got))
		e.waitAllReady(t, ns, "app", got)
		e.deleteAndDrain(t, ns, "app")
	})

	t.Run("DynamicWeight", func(t *testing.T) {
		ns := e.namespace(t, "e2e-dynamic-weight")
		e.waitAllocatedCPU(t, map[string]int64{})
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-nginx-dynamic-weight.yaml"))
		e.Apply(t, ns, cpuDeployment("nginx", 7))
		// Weights = free 1-CPU slots 2:8:4; Webster of 7 ⇒ 1/4/2 (exactly proportional).
		want := map[string]int32{"member1": 1, "member2": 4, "member3": 2}
		e.waitPlacement(t, ns, "nginx", "7 replicas divided 1/4/2 by available replicas", exactly(want))
		e.waitAllReady(t, ns, "nginx", want)
		waitTemplateReady(t, e, ns, "nginx", "7/7")
		e.waitAllocatedCPU(t, map[string]int64{"member1": 1, "member2": 4, "member3": 2})

		// Scale up to 10: existing replicas stay, the 3 new ones follow the free slots 1:4:2
		// ⇒ +2 member2, +1 member3.
		e.Kubectl(t, "", "scale", "deployment", "nginx", "--replicas=10", "-n", ns)
		want = map[string]int32{"member1": 1, "member2": 6, "member3": 3}
		e.waitPlacement(t, ns, "nginx", "scale up to 10 keeping the existing 1/4/2", exactly(want))
		e.waitAllReady(t, ns, "nginx", want)
		e.waitAllocatedCPU(t, map[string]int64{"member1": 1, "member2": 6, "member3": 3})

		// Scale down to 4: the new total divided by the previous assignment 1:6:3 ⇒ 0/3/1;
		// member1 ends with 0 and is dropped (its copy removed).
		e.Kubectl(t, "", "scale", "deployment", "nginx", "--replicas=4", "-n", ns)
		want = map[string]int32{"member2": 3, "member3": 1}
		e.waitPlacement(t, ns, "nginx", "scale down to 4 in proportion to the previous 1/6/3", exactly(want))
		e.WaitMemberGone(t, "member1", framework.DeploymentsGVR, ns, "nginx")
		e.waitAllReady(t, ns, "nginx", want)
		waitTemplateReady(t, e, ns, "nginx", "4/4")
		e.deleteAndDrain(t, ns, "nginx")
	})

	t.Run("Unschedulable", func(t *testing.T) {
		ns := e.namespace(t, "e2e-unschedulable")
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-aggregated.yaml"))
		// 5 × (100 CPU, 200Gi): no member node can hold one.
		e.Apply(t, ns, framework.GuideYAML(t, "deployment-nginx-estimator-unschedulable.yaml"))
		e.WaitRB(t, ns, "nginx-deployment", func(rb *workv1alpha2.ResourceBinding) error {
			s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled)
			if s != metav1.ConditionFalse || (r != workv1alpha2.BindingReasonNoClusterFit && r != workv1alpha2.BindingReasonUnschedulable) || m == "" {
				return fmt.Errorf("Scheduled=%s reason %q message %q; want False, NoClusterFit or Unschedulable, with a message", s, r, m)
			}
			if len(rb.Spec.Clusters) != 0 {
				return fmt.Errorf("spec.clusters %v, want none", rb.Spec.Clusters)
			}
			return nil
		})
		rb, _ := e.RB(ns, "nginx-deployment")
		_, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled)
		t.Logf("Scheduled=False %s: %s", r, m)
		out := e.Kubectl(t, "", "get", "rb", "nginx-deployment", "-n", ns, "-o=custom-columns=NAME:.metadata.name,CLUSTER:.spec.clusters")
		if h, row := kubectlRow(out, "nginx-deployment"); column(h, row, "CLUSTER") != "<none>" {
			t.Errorf("the guide shows CLUSTER <none>:\n%s", out)
		}
		out = e.Kubectl(t, "", "get", "rb", "nginx-deployment", "-n", ns)
		if h, row := kubectlRow(out, "nginx-deployment"); column(h, row, "SCHEDULED") != "False" {
			t.Errorf("kubectl get rb should show SCHEDULED False:\n%s", out)
		}
		framework.Consistently(t, 3*time.Second, "no member gets the unschedulable deployment", func() error {
			if have, err := e.Presence(framework.DeploymentsGVR, ns, "nginx"); err != nil || len(have) > 0 {
				return fmt.Errorf("present in %v (%v)", have, err)
			}
			return nil
		})
		// The template reports 0/5 like the guide's kubectl get deployments.
		out = e.Kubectl(t, "", "get", "deployment", "nginx", "-n", ns)
		if h, row := kubectlRow(out, "nginx"); column(h, row, "READY") != "0/5" {
			t.Errorf("kubectl get deployment should show READY 0/5:\n%s", out)
		}
	})
}
