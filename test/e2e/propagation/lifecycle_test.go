package propagation

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// simplePolicy selects one object by kind and name and places it on the given clusters.
func simplePolicy(policy, apiVersion, kind, name string, clusters ...string) string {
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %s
spec:
  resourceSelectors:
    - apiVersion: %s
      kind: %s
      name: %s
  placement:
    clusterAffinity:
      clusterNames: [%s]
`, policy, apiVersion, kind, name, strings.Join(clusters, ", "))
}

func firstImage(u *unstructured.Unstructured) string {
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		return ""
	}
	img, _, _ := unstructured.NestedString(cs[0].(map[string]any), "image")
	return img
}

// testConflict: an object the user created in a member is never taken over silently.
func testConflict(t *testing.T, e *env) {
	ns := e.namespace(t, "e2e-conflict")
	// The user's own deployment in member1.
	e.MemberKubectl(t, "member1", "create", "deployment", "web", "--image", "nginx:1.25", "-n", ns)
	e.WaitDeploymentReady(t, "member1", ns, "web", 1)

	e.Kubectl(t, "", "create", "deployment", "web", "--image", "nginx:1.27", "-n", ns)
	e.Apply(t, ns, simplePolicy("web", "apps/v1", "Deployment", "web", "member1"))

	workName := names.GenerateWorkName("Deployment", "web", ns)
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("Work karmada-es-member1/%s Applied=False naming the object", workName), func() error {
		w, err := e.Work("member1", workName)
		if err != nil {
			return err
		}
		s, r, m := framework.Condition(w.Status.Conditions, workv1alpha1.WorkApplied)
		if s != metav1.ConditionFalse || !strings.Contains(m, "web") {
			return fmt.Errorf("Applied=%s (%s: %q)", s, r, m)
		}
		return nil
	})
	w, _ := e.Work("member1", workName)
	_, r, m := framework.Condition(w.Status.Conditions, workv1alpha1.WorkApplied)
	t.Logf("conflict reported as Applied=False %s: %s", r, m)
	e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
		if s, _, _ := framework.Condition(rb.Status.Conditions, workv1alpha2.FullyApplied); s != metav1.ConditionFalse {
			return fmt.Errorf("FullyApplied=%s, want False", s)
		}
		if len(rb.Status.AggregatedStatus) != 1 || rb.Status.AggregatedStatus[0].ClusterName != "member1" ||
			rb.Status.AggregatedStatus[0].Applied || rb.Status.AggregatedStatus[0].AppliedMessage == "" {
			return fmt.Errorf("aggregatedStatus %+v, want member1 applied=false with a message", rb.Status.AggregatedStatus)
		}
		return nil
	})
	untouched := func() error {
		u, err := e.MemberGet("member1", framework.DeploymentsGVR, ns, "web")
		if err != nil {
			return err
		}
		if img := firstImage(u); img != "nginx:1.25" {
			return fmt.Errorf("image %q, the user's was nginx:1.25", img)
		}
		if _, ok := u.GetLabels()[managedLabel]; ok {
			return fmt.Errorf("labels %v: taken over", u.GetLabels())
		}
		return nil
	}
	framework.Consistently(t, 5*time.Second, "member1's own deployment untouched", untouched)

	// Overwrite: the member object is adopted.
	e.Kubectl(t, "", "patch", "propagationpolicy", "web", "-n", ns, "--type", "merge", "-p", `{"spec":{"conflictResolution":"Overwrite"}}`)
	e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, "web", func(u *unstructured.Unstructured) error {
		if err := checkManaged(u); err != nil {
			return err
		}
		if img := firstImage(u); img != "nginx:1.27" {
			return fmt.Errorf("image %q, want the template's nginx:1.27", img)
		}
		return nil
	})
	framework.Eventually(t, framework.WaitTimeout, "Work Applied=True after Overwrite", func() error {
		w, err := e.Work("member1", workName)
		if err != nil {
			return err
		}
		if s, r, m := framework.Condition(w.Status.Conditions, workv1alpha1.WorkApplied); s != metav1.ConditionTrue {
			return fmt.Errorf("Applied=%s (%s: %s)", s, r, m)
		}
		return nil
	})
	e.WaitRB(t, ns, "web-deployment", checkAggregated([]string{"member1"}, true))

	// The per-object annotation on the template works too.
	t.Run("TemplateAnnotation", func(t *testing.T) {
		e.MemberKubectl(t, "member2", "create", "configmap", "settings", "--from-literal=owner=user", "-n", ns)
		e.Apply(t, ns, `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations:
    work.karmada.io/conflict-resolution: overwrite
data:
  owner: karmada
`)
		e.Apply(t, ns, simplePolicy("settings", "v1", "ConfigMap", "settings", "member2"))
		e.WaitMember(t, "member2", framework.ConfigMapsGVR, ns, "settings", func(u *unstructured.Unstructured) error {
			if v, _, _ := unstructured.NestedString(u.Object, "data", "owner"); v != "karmada" {
				return fmt.Errorf("data %v", u.Object["data"])
			}
			return checkManaged(u)
		})
	})
}

// testStatus: member status flows back into bindings and templates.
func testStatus(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-status")

	t.Run("StatefulSet", func(t *testing.T) {
		e.Apply(t, ns, `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 2
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: nginx
`)
		e.Apply(t, ns, simplePolicy("db", "apps/v1", "StatefulSet", "db", "member1", "member2"))
		for _, m := range []string{"member1", "member2"} {
			e.WaitMember(t, m, statefulsetsGVR, ns, "db", func(u *unstructured.Unstructured) error {
				r, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
				ready, _, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas")
				if r != 2 || ready != 2 {
					return fmt.Errorf("spec.replicas %d readyReplicas %d", r, ready)
				}
				return checkManaged(u)
			})
		}
		e.WaitOnly(t, statefulsetsGVR, ns, "db", "member1", "member2")
		framework.Eventually(t, framework.WaitTimeout, "template StatefulSet status readyReplicas 4", func() error {
			s, err := e.CP.Client.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if s.Status.ReadyReplicas != 4 || s.Status.Replicas != 4 {
				return fmt.Errorf("status %+v", s.Status)
			}
			return nil
		})
		e.WaitRB(t, ns, "db-statefulset", checkAggregated([]string{"member1", "member2"}, true))
	})

	t.Run("Job", func(t *testing.T) {
		e.Apply(t, ns, `apiVersion: batch/v1
kind: Job
metadata:
  name: batch
spec:
  parallelism: 2
  completions: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["true"]
`)
		e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: batch
spec:
  resourceSelectors:
    - apiVersion: batch/v1
      kind: Job
      name: batch
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
            weight: 1
          - targetCluster:
              clusterNames: [member2]
            weight: 1
`)
		// Each member runs half: parallelism 1, completions 2.
		for _, m := range []string{"member1", "member2"} {
			framework.Eventually(t, framework.WaitTimeout, "job batch in "+m+" with parallelism 1, completions 2", func() error {
				j, err := e.MKube[m].BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if ptrVal(j.Spec.Parallelism) != 1 || ptrVal(j.Spec.Completions) != 2 {
					return fmt.Errorf("parallelism %s completions %s", framework.PtrStr(j.Spec.Parallelism), framework.PtrStr(j.Spec.Completions))
				}
				if j.Labels[managedLabel] != "true" {
					return fmt.Errorf("labels %v", j.Labels)
				}
				return nil
			})
		}
		e.WaitOnly(t, jobsGVR, ns, "batch", "member1", "member2")
		// KWOK's pod-complete stage completes Job pods; then the members' Jobs succeed.
		membersDone := framework.Poll(framework.WaitTimeout, func() error {
			for _, m := range []string{"member1", "member2"} {
				j, err := e.MKube[m].BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if j.Status.Succeeded != 2 || !jobComplete(j) {
					return fmt.Errorf("%s: status %+v", m, j.Status)
				}
			}
			return nil
		})
		if membersDone == nil {
			framework.Eventually(t, framework.WaitTimeout, "template Job status succeeded 4 and Complete", func() error {
				j, err := e.CP.Client.BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if j.Status.Succeeded != 4 || !jobComplete(j) {
					return fmt.Errorf("status %+v", j.Status)
				}
				return nil
			})
		} else {
			t.Logf("member Jobs did not complete (%v); checking the active sum instead", membersDone)
			framework.Eventually(t, framework.WaitTimeout, "template Job status active = Σ members' active", func() error {
				var sum int32
				for _, m := range []string{"member1", "member2"} {
					j, err := e.MKube[m].BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
					if err != nil {
						return err
					}
					sum += j.Status.Active
				}
				j, err := e.CP.Client.BatchV1().Jobs(ns).Get(ctx, "batch", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if sum == 0 || j.Status.Active != sum {
					return fmt.Errorf("template active %d, members' sum %d", j.Status.Active, sum)
				}
				return nil
			})
		}
		e.WaitRB(t, ns, "batch-job", checkAggregated([]string{"member1", "member2"}, false))
	})

	t.Run("Service", func(t *testing.T) {
		e.Kubectl(t, "", "create", "service", "clusterip", "svc", "--tcp=80:8080", "-n", ns)
		e.Apply(t, ns, simplePolicy("svc", "v1", "Service", "svc", "member1", "member2"))
		e.WaitOnly(t, framework.ServicesGVR, ns, "svc", "member1", "member2")
		for _, m := range []string{"member1", "member2"} {
			framework.Eventually(t, framework.WaitTimeout, "service svc in "+m, func() error {
				s, err := e.MKube[m].CoreV1().Services(ns).Get(ctx, "svc", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if s.Spec.Type != corev1.ServiceTypeClusterIP || net.ParseIP(s.Spec.ClusterIP) == nil {
					return fmt.Errorf("type %s clusterIP %q", s.Spec.Type, s.Spec.ClusterIP)
				}
				if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 80 || s.Spec.Ports[0].TargetPort.IntValue() != 8080 {
					return fmt.Errorf("ports %+v", s.Spec.Ports)
				}
				if s.Labels[managedLabel] != "true" {
					return fmt.Errorf("labels %v", s.Labels)
				}
				return nil
			})
		}
		e.WaitRB(t, ns, "svc-service", checkAggregated([]string{"member1", "member2"}, true))
		// An update of the template keeps each member's own clusterIP.
		ip := map[string]string{}
		for _, m := range []string{"member1", "member2"} {
			s, _ := e.MKube[m].CoreV1().Services(ns).Get(ctx, "svc", metav1.GetOptions{})
			ip[m] = s.Spec.ClusterIP
		}
		e.Kubectl(t, "", "label", "service", "svc", "-n", ns, "tier=front")
		for _, m := range []string{"member1", "member2"} {
			framework.Eventually(t, framework.WaitTimeout, "label update reaching svc in "+m, func() error {
				s, err := e.MKube[m].CoreV1().Services(ns).Get(ctx, "svc", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if s.Labels["tier"] != "front" {
					return fmt.Errorf("labels %v", s.Labels)
				}
				if s.Spec.ClusterIP != ip[m] {
					return fmt.Errorf("clusterIP changed from %s to %s", ip[m], s.Spec.ClusterIP)
				}
				return nil
			})
		}
	})

	t.Run("Pod", func(t *testing.T) {
		e.Kubectl(t, "", "run", "single", "--image", "nginx", "--restart=Never", "-n", ns)
		e.Apply(t, ns, simplePolicy("single", "v1", "Pod", "single", "member3"))
		e.WaitOnly(t, podsGVR, ns, "single", "member3")
		framework.Eventually(t, framework.WaitTimeout, "pod single Running in member3", func() error {
			p, err := e.MKube["member3"].CoreV1().Pods(ns).Get(ctx, "single", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" {
				return fmt.Errorf("phase %s node %q", p.Status.Phase, p.Spec.NodeName)
			}
			return nil
		})
		framework.Eventually(t, framework.WaitTimeout, "template pod status.phase Running", func() error {
			p, err := e.CP.Client.CoreV1().Pods(ns).Get(ctx, "single", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if p.Status.Phase != corev1.PodRunning {
				return fmt.Errorf("phase %q", p.Status.Phase)
			}
			return nil
		})
		e.WaitRB(t, ns, "single-pod", checkAggregated([]string{"member3"}, true))
	})
}

func jobComplete(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// testDeletion: deleting a template removes its managed copies, never a user's object.
func testDeletion(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-deletion")
	// member1 already has a ConfigMap "shared" of its own.
	e.MemberKubectl(t, "member1", "create", "configmap", "shared", "--from-literal=owner=user", "-n", ns)

	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: del
spec:
  resourceSelectors:
    - apiVersion: v1
      kind: ConfigMap
      labelSelector:
        matchLabels:
          app: del
    - apiVersion: apps/v1
      kind: Deployment
      name: runner
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
`)
	e.Apply(t, ns, `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
  labels:
    app: del
data:
  owner: karmada
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: solo
  labels:
    app: del
data:
  owner: karmada
`)
	e.Kubectl(t, "", "create", "deployment", "runner", "--image", "nginx", "--replicas=2", "-n", ns)

	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "solo", "member1", "member2")
	e.WaitMember(t, "member2", framework.ConfigMapsGVR, ns, "shared", checkManaged)
	for _, m := range []string{"member1", "member2"} {
		e.WaitDeploymentReady(t, m, ns, "runner", 2)
	}
	userCopy := func() error {
		u, err := e.MemberGet("member1", framework.ConfigMapsGVR, ns, "shared")
		if err != nil {
			return err
		}
		if v, _, _ := unstructured.NestedString(u.Object, "data", "owner"); v != "user" {
			return fmt.Errorf("data %v", u.Object["data"])
		}
		if _, ok := u.GetLabels()[managedLabel]; ok {
			return fmt.Errorf("labels %v", u.GetLabels())
		}
		return nil
	}
	framework.Consistently(t, 2*time.Second, "member1's own ConfigMap shared untouched", userCopy)

	// Deleting "shared": member2's managed copy goes, member1's own stays.
	e.Kubectl(t, "", "delete", "configmap", "shared", "-n", ns)
	e.WaitMemberGone(t, "member2", framework.ConfigMapsGVR, ns, "shared")
	framework.Consistently(t, 5*time.Second, "member1's own ConfigMap shared survives the template's deletion", userCopy)
	framework.Eventually(t, framework.WaitTimeout, "the Works of shared to be gone", func() error {
		for _, m := range []string{"member1", "member2"} {
			_, err := e.Work(m, names.GenerateWorkName("ConfigMap", "shared", ns))
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})

	// Deleting "solo" removes it everywhere; "runner" takes its pods with it.
	e.Kubectl(t, "", "delete", "configmap", "solo", "-n", ns)
	e.Kubectl(t, "", "delete", "deployment", "runner", "-n", ns)
	for _, m := range []string{"member1", "member2"} {
		e.WaitMemberGone(t, m, framework.ConfigMapsGVR, ns, "solo")
		e.WaitMemberGone(t, m, framework.DeploymentsGVR, ns, "runner")
		framework.Eventually(t, framework.WaitTimeout, "runner's pods gone from "+m, func() error {
			l, err := e.MKube[m].CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=runner"})
			if err != nil {
				return err
			}
			if len(l.Items) > 0 {
				return fmt.Errorf("%d pods left", len(l.Items))
			}
			return nil
		})
	}
	framework.Eventually(t, framework.WaitTimeout, "the bindings of deleted templates to be gone", func() error {
		for _, rb := range []string{"shared-configmap", "solo-configmap", "runner-deployment"} {
			if _, err := e.RB(ns, rb); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s: %v", rb, err)
			}
		}
		return nil
	})
	// The policy still exists and the user's object is still there.
	if err := userCopy(); err != nil {
		t.Errorf("member1's own ConfigMap shared: %v", err)
	}
}
