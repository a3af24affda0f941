package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	register("FailoverTaintEviction", testTaintEviction)
	register("FailoverNoOtherCluster", testNoOtherCluster)
	register("FailoverApplication", testApplicationFailover)
	register("FailoverPartitionKeepsObjects", testPartition)
}

// onePolicy places the Deployment on exactly one of the clusters (the one with the most room
// first), with extra placement YAML (indented for placement:) and extra spec YAML.
func onePolicy(name string, clusters []string, placementExtra, specExtra string) string {
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %[1]s
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: %[1]s
  placement:
    clusterAffinity:
      clusterNames: [%[2]s]
    spreadConstraints:
    - spreadByField: cluster
      maxGroups: 1
      minGroups: 1
    replicaScheduling:
      replicaSchedulingType: Duplicated
%[3]s%[4]s`, name, strings.Join(clusters, ", "), placementExtra, specExtra)
}

// taint adds (or with a trailing "-", removes) a taint with kubectl karmada taint.
func taint(t *testing.T, e *framework.Env, cluster, spec string) {
	t.Helper()
	if out, err := e.Karmadactl("taint", "clusters", cluster, spec); err != nil {
		t.Fatalf("kubectl karmada taint clusters %s %s: %v\n%s", cluster, spec, err, out)
	}
}

func untaintAtEnd(t *testing.T, e *framework.Env, cluster, key string) {
	t.Cleanup(func() {
		_, _ = e.Karmadactl("taint", "clusters", cluster, key+":NoExecute-")
	})
}

func onlyCluster(name string) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		if err := framework.CheckScheduled(rb); err != nil {
			return err
		}
		if got := framework.ClusterNames(rb.Spec.Clusters); strings.Join(got, ",") != name {
			return fmt.Errorf("clusters %v, want [%s]", got, name)
		}
		return nil
	}
}

func healthyOn(cluster string) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		for _, it := range rb.Status.AggregatedStatus {
			if it.ClusterName == cluster && it.Health == workv1alpha2.ResourceHealthy {
				return nil
			}
		}
		return fmt.Errorf("no Healthy aggregatedStatus for %s: %+v", cluster, rb.Status.AggregatedStatus)
	}
}

// testTaintEviction: a NoExecute taint tolerated for 5 s moves the workload after those 5 s;
// the old copy stays while the graceful-eviction task lasts and goes once the new copy is
// healthy.
func testTaintEviction(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "failover-taint")
	const name = "web"
	e.Apply(t, ns, framework.DeploymentYAML(name, 2, "100m", nil))
	e.Apply(t, ns, onePolicy(name, []string{"member1", "member2"}, `    clusterTolerations:
    - key: failover-test
      operator: Exists
      effect: NoExecute
      tolerationSeconds: 5
`, ""))
	rbName := name + "-deployment"
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if err := onlyCluster("member2")(rb); err != nil {
			return err
		}
		return healthyOn("member2")(rb)
	})
	oldCopy := e.WaitMember(t, "member2", framework.DeploymentsGVR, ns, name, nil)

	untaintAtEnd(t, e, "member2", "failover-test")
	taint(t, e, "member2", "failover-test=yes:NoExecute")
	tainted := time.Now()
	// Tolerated for 5 s: still there for a while.
	framework.Consistently(t, 3*time.Second, "the tolerated taint keeps the workload on member2", func() error {
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		return onlyCluster("member2")(rb)
	})
	// Evicted: member1 takes over, with a graceful-eviction task for member2 while the old
	// copy is still there.
	var sawTaskWithOldCopy bool
	framework.Eventually(t, framework.WaitTimeout, "eviction from member2 with the old copy kept until member1 is healthy", func() error {
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		if len(rb.Spec.GracefulEvictionTasks) == 1 {
			task := rb.Spec.GracefulEvictionTasks[0]
			if task.FromCluster != "member2" || task.Reason != workv1alpha2.EvictionReasonTaintUntolerated || task.Producer != workv1alpha2.EvictionProducerTaintManager || task.PurgeMode != "Gracefully" {
				return fmt.Errorf("unexpected task %+v", task)
			}
			if d, err := e.MemberDeployment("member2", ns, name); err == nil && d.UID == oldCopy.GetUID() {
				sawTaskWithOldCopy = true
			}
		}
		if s := framework.ClusterNames(rb.Spec.Clusters); strings.Join(s, ",") != "member1" {
			return fmt.Errorf("clusters %v, want [member1]", s)
		}
		if !sawTaskWithOldCopy {
			return errors.New("the eviction task was not yet seen while member2 still had its copy")
		}
		return nil
	})
	if since := time.Since(tainted); since < 4*time.Second {
		t.Errorf("evicted %s after the taint; tolerationSeconds is 5", since)
	}
	e.WaitEvent(t, ns, "ResourceBinding", rbName, "Normal", "EvictWorkloadFromClusterSucceed", "Evict from cluster member2 succeed.")
	e.WaitEvent(t, ns, "Deployment", name, "Normal", "EvictWorkloadFromClusterSucceed", "Evict from cluster member2 succeed.")
	// The task ends once member1 reports the workload healthy, and member2's copy goes.
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if err := healthyOn("member1")(rb); err != nil {
			return err
		}
		if len(rb.Spec.GracefulEvictionTasks) > 0 {
			return fmt.Errorf("eviction tasks still open: %+v", rb.Spec.GracefulEvictionTasks)
		}
		return nil
	})
	framework.Eventually(t, framework.WaitTimeout, "only member1 has the Deployment", e.PresentIn(framework.DeploymentsGVR, ns, name, "member1"))
}

// testNoOtherCluster: a workload that can go nowhere else stays on its tainted cluster, with a
// Warning that says why.
func testNoOtherCluster(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "failover-nowhere")
	const name = "stay"
	e.Apply(t, ns, framework.DeploymentYAML(name, 1, "100m", nil))
	e.Apply(t, ns, onePolicy(name, []string{"member3"}, "", ""))
	rbName := name + "-deployment"
	e.WaitRB(t, ns, rbName, onlyCluster("member3"))
	copy := e.WaitMember(t, "member3", framework.DeploymentsGVR, ns, name, nil)

	untaintAtEnd(t, e, "member3", "failover-test")
	taint(t, e, "member3", "failover-test=yes:NoExecute")
	e.WaitEvent(t, ns, "ResourceBinding", rbName, "Warning", "EvictWorkloadFromClusterFailed",
		"Evict from cluster member3 failed. No other cluster can take the workload, so it stays where it is: 0/3 clusters are available")
	framework.Consistently(t, 5*time.Second, "the workload stays on member3", func() error {
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		if len(rb.Spec.GracefulEvictionTasks) > 0 {
			return fmt.Errorf("eviction task created: %+v", rb.Spec.GracefulEvictionTasks)
		}
		if err := onlyCluster("member3")(rb); err != nil {
			return err
		}
		d, err := e.MemberDeployment("member3", ns, name)
		if err != nil {
			return err
		}
		if d.UID != copy.GetUID() {
			return fmt.Errorf("member3's copy was replaced (uid %s, was %s)", d.UID, copy.GetUID())
		}
		return nil
	})
}

// testApplicationFailover: the copy on member2 cannot run (an override pins its pods to a
// node that does not exist); after tolerationSeconds the workload moves to member3, member2's
// copy goes at once (purgeMode Directly) and member3's copy carries the preserved state as a
// label while the eviction task lasts.
func testApplicationFailover(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "failover-app")
	const name = "app"
	// Every version of member3's copy, to see the injected label even if the task ends fast.
	w, err := e.MKube["member3"].AppsV1().Deployments(ns).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	labelled := make(chan string, 1)
	go func() {
		for ev := range w.ResultChan() {
			if d, ok := ev.Object.(*appsv1.Deployment); ok {
				if v, ok := d.Labels["failover.example.io/replicas"]; ok {
					select {
					case labelled <- v:
					default:
					}
				}
			}
		}
	}()
	e.Apply(t, ns, framework.DeploymentYAML(name, 2, "100m", nil))
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: broken-on-member2
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: app
  overrideRules:
  - targetCluster:
      clusterNames: [member2]
    overriders:
      plaintext:
      - path: /spec/template/spec/nodeSelector
        operator: add
        value: {"no-such-node": "true"}
`)
	e.Apply(t, ns, onePolicy(name, []string{"member2", "member3"}, "", `  propagateDeps: true
  failover:
    application:
      decisionConditions:
        tolerationSeconds: 5
      purgeMode: Directly
      statePreservation:
        rules:
        - aliasLabelName: failover.example.io/replicas
          jsonPath: "{.replicas}"
`))
	rbName := name + "-deployment"
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if len(rb.Spec.GracefulEvictionTasks) > 0 || strings.Join(framework.ClusterNames(rb.Spec.Clusters), ",") == "member3" {
			return nil // already failed over
		}
		for _, it := range rb.Status.AggregatedStatus {
			if it.ClusterName == "member2" && it.Health == workv1alpha2.ResourceUnhealthy {
				return nil
			}
		}
		return fmt.Errorf("member2 not reported Unhealthy yet: clusters %v, status %+v", rb.Spec.Clusters, rb.Status.AggregatedStatus)
	})
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if err := onlyCluster("member3")(rb); err != nil {
			return err
		}
		return healthyOn("member3")(rb)
	})
	e.WaitEvent(t, ns, "ResourceBinding", rbName, "Normal", "EvictWorkloadFromClusterSucceed", "Evict from cluster member2 succeed.")
	framework.Eventually(t, framework.WaitTimeout, "member2's broken copy removed", e.PresentIn(framework.DeploymentsGVR, ns, name, "member3"))
	select {
	case v := <-labelled:
		if v != "2" {
			t.Errorf("preserved state label failover.example.io/replicas = %q, want \"2\" (status.replicas on member2)", v)
		}
	case <-time.After(framework.WaitTimeout):
		t.Error("member3's copy never carried the preserved state label failover.example.io/replicas")
	}
	// The task ends once member3 is healthy.
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if len(rb.Spec.GracefulEvictionTasks) > 0 {
			return fmt.Errorf("eviction tasks still open: %+v", rb.Spec.GracefulEvictionTasks)
		}
		return nil
	})
}

// testPartition: member1's API server is frozen (SIGSTOP) for longer than the failure
// threshold, so member1 turns not Ready; once it resumes, every object is still there, the
// same object (never deleted and recreated), and the binding never left member1.
func testPartition(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "failover-partition")
	const name = "steady"
	e.Apply(t, ns, framework.DeploymentYAML(name, 1, "100m", nil))
	e.Apply(t, ns, onePolicy(name, []string{"member1"}, "", ""))
	rbName := name + "-deployment"
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if err := onlyCluster("member1")(rb); err != nil {
			return err
		}
		return healthyOn("member1")(rb)
	})
	before := e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, name, nil)
	nsBefore, err := e.MKube["member1"].CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	pid := e.Members["member1"].PIDs()["kube-apiserver"]
	if pid == 0 {
		t.Fatal("member1's kube-apiserver PID is unknown")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	framework.Eventually(t, framework.WaitTimeout, "member1 reported not Ready", func() error {
		c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(context.Background(), "member1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s, _, _ := framework.Condition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); s == metav1.ConditionTrue {
			return errors.New("still Ready")
		}
		return nil
	})
	// Longer than the thresholds, while the binding must keep member1.
	framework.Consistently(t, 10*time.Second, "the binding keeps member1 while it is away", func() error {
		rb, err := e.RB(ns, rbName)
		if err != nil {
			return err
		}
		if s := framework.ClusterNames(rb.Spec.Clusters); strings.Join(s, ",") != "member1" || len(rb.Spec.GracefulEvictionTasks) > 0 {
			return fmt.Errorf("clusters %v, eviction tasks %v", s, rb.Spec.GracefulEvictionTasks)
		}
		return nil
	})
	resume()
	framework.Eventually(t, framework.WaitTimeout, "member1 Ready again", func() error {
		c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(context.Background(), "member1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s, _, _ := framework.Condition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); s != metav1.ConditionTrue {
			return fmt.Errorf("Ready=%s", s)
		}
		return nil
	})
	e.WaitRB(t, ns, rbName, healthyOn("member1"))
	framework.Consistently(t, 5*time.Second, "member1's objects are the same objects", func() error {
		d, err := e.MemberDeployment("member1", ns, name)
		if err != nil {
			return err
		}
		if d.UID != before.GetUID() {
			return fmt.Errorf("Deployment recreated: uid %s, was %s", d.UID, before.GetUID())
		}
		n, err := e.MKube["member1"].CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && n.DeletionTimestamp != nil) {
			return errors.New("namespace deleted")
		} else if err != nil {
			return err
		}
		if n.UID != nsBefore.UID {
			return fmt.Errorf("namespace recreated: uid %s, was %s", n.UID, nsBefore.UID)
		}
		return nil
	})
}
