// Package propagation tests propagation end to end, the way a user sees it: templates and
// policies created with kubectl in the control plane, objects checked in three real member
// clusters (kube-apiserver + kube-scheduler + KWOK nodes), bindings and Works inspected in
// the control plane.
//
// One control plane and three members are started once (TestPropagation) and shared by the
// subtests; every subtest works in its own namespace. The members' KWOK nodes are chosen so
// that capacity-based scheduling has one right answer:
//
//	member1: one node 2 CPU / 16Gi / 110 pods  (default resource model grade 2)
//	member2: one node 8 CPU / 64Gi / 110 pods  (grade 4)
//	member3: one node 4 CPU / 32Gi / 110 pods  (grade 3)
//
// so a replica requesting 1 CPU (and no memory) has 2, 8 and 4 free slots there, whether the
// summary estimate or the resource-model estimate is used.
package propagation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

const managedLabel = "karmada.io/managed"

var (
	statefulsetsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	jobsGVR         = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	podsGVR         = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	clusterrolesGVR = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
)

// nodeSpecs are the members' KWOK nodes (see the package comment).
var nodeSpecs = map[string][]members.NodeSpec{
	"member1": {{Name: "member1-node", CPU: "2", Memory: "16Gi", Pods: "110"}},
	"member2": {{Name: "member2-node", CPU: "8", Memory: "64Gi", Pods: "110"}},
	"member3": {{Name: "member3-node", CPU: "4", Memory: "32Gi", Pods: "110"}},
}

// env is the shared environment with this suite's helpers.
type env struct{ *framework.Env }

// setup starts member1..3, the control plane with its controllers, and joins the members.
func setup(t *testing.T) *env {
	t.Helper()
	return &env{framework.Setup(t, framework.Options{Name: "propagation", Members: nodeSpecs})}
}

// ---------------------------------------------------------------------------------------
// namespaces

// namespace creates a namespace in the control plane, waits until the control plane has
// propagated it to every member, and deletes it from the control plane at the end.
func (e *env) namespace(t *testing.T, name string) string {
	t.Helper()
	e.Kubectl(t, "", "create", "namespace", name)
	// Deleting the namespace deletes its templates, hence their member copies; wait for it so
	// that the next subtest starts from clean members.
	t.Cleanup(func() {
		if out, err := e.CP.Kubectl(t, "", "delete", "namespace", name, "--timeout=90s"); err != nil {
			t.Errorf("deleting namespace %s in the control plane: %v\n%s", name, err, out)
		}
	})
	if err := framework.Poll(framework.WaitTimeout, func() error {
		for _, m := range e.MemberNames {
			if _, err := e.MKube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	}); err != nil {
		// Not what this suite is about; say so and carry on (a propagated namespaced object's
		// namespace is ensured first anyway).
		t.Errorf("namespace %s was not auto-propagated to all members within %s: %v", name, framework.WaitTimeout, err)
		for _, m := range e.MemberNames {
			_, _ = e.MKube[m].CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		}
	}
	return name
}

// ---------------------------------------------------------------------------------------
// members

// checkManaged is a member-object check: carries karmada.io/managed=true.
func checkManaged(u *unstructured.Unstructured) error {
	if u.GetLabels()[managedLabel] != "true" {
		return fmt.Errorf("labels %v lack %s=true", u.GetLabels(), managedLabel)
	}
	return nil
}

// memberReplicas maps member ⇒ spec.replicas of the Deployment, for members that have it.
func (e *env) memberReplicas(ns, name string) (map[string]int32, error) {
	out := map[string]int32{}
	for _, m := range e.MemberNames {
		d, err := e.MemberDeployment(m, ns, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[m] = ptrVal(d.Spec.Replicas)
	}
	return out, nil
}

// runningPods lists the Running pods of a member namespace matching a label selector.
func (e *env) runningPods(member, ns, selector string) ([]corev1.Pod, error) {
	l, err := e.MKube[member].CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------
// control plane

// targetClusters maps spec.clusters to name ⇒ replicas; a cluster listed twice is an error.
func targetClusters(tcs []workv1alpha2.TargetCluster) (map[string]int32, error) {
	out := map[string]int32{}
	for _, tc := range tcs {
		if _, dup := out[tc.Name]; dup {
			return nil, fmt.Errorf("cluster %s listed twice in %v", tc.Name, tcs)
		}
		out[tc.Name] = tc.Replicas
	}
	return out, nil
}

// checkAggregated is a binding check: FullyApplied=True and one aggregatedStatus item per
// wanted cluster, sorted by name, applied, and (when healthy) Healthy.
func checkAggregated(want []string, healthy bool) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		if s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.FullyApplied); s != metav1.ConditionTrue {
			return fmt.Errorf("FullyApplied=%s (%s: %s)", s, r, m)
		}
		var got []string
		for _, it := range rb.Status.AggregatedStatus {
			got = append(got, it.ClusterName)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("aggregatedStatus clusters [%s], want [%s] (sorted by name)", strings.Join(got, ","), strings.Join(want, ","))
		}
		for _, it := range rb.Status.AggregatedStatus {
			if !it.Applied {
				return fmt.Errorf("aggregatedStatus %s: applied false (%s)", it.ClusterName, it.AppliedMessage)
			}
			if healthy && it.Health != workv1alpha2.ResourceHealthy {
				return fmt.Errorf("aggregatedStatus %s: health %q, want Healthy (status %s)", it.ClusterName, it.Health, rawStr(it.Status))
			}
		}
		return nil
	}
}

// kubectlRow returns the whitespace-separated fields of the row whose first field is name
// in a kubectl get table, and the header's fields.
func kubectlRow(out, name string) (header, row []string) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) > 0 {
		header = strings.Fields(lines[0])
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == name {
			return header, f
		}
	}
	return header, nil
}

// column returns the value of a column of a kubectl get row.
func column(header, row []string, col string) string {
	for i, h := range header {
		if h == col && i < len(row) {
			return row[i]
		}
	}
	return ""
}

// allocatedCPU is the CPU the control plane sees allocated in a member, in millicores.
func (e *env) allocatedCPU(member string) (int64, error) {
	c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(context.Background(), member, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	if c.Status.ResourceSummary == nil {
		return 0, errors.New("no resourceSummary")
	}
	q := c.Status.ResourceSummary.Allocated[corev1.ResourceCPU]
	a := c.Status.ResourceSummary.Allocating[corev1.ResourceCPU]
	return q.MilliValue() + a.MilliValue(), nil
}

// waitAllocatedCPU waits until every member's allocated (+ allocating) CPU, as published in
// its Cluster status, equals want (whole CPUs), so the scheduler's estimates are what the
// test computed.
func (e *env) waitAllocatedCPU(t *testing.T, want map[string]int64) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("Cluster status allocated cpu %v", want), func() error {
		var diffs []string
		for _, m := range e.MemberNames {
			got, err := e.allocatedCPU(m)
			if err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
			if got != want[m]*1000 {
				diffs = append(diffs, fmt.Sprintf("%s %dm (want %d)", m, got, want[m]))
			}
		}
		if len(diffs) > 0 {
			return errors.New(strings.Join(diffs, ", "))
		}
		return nil
	})
}

// ---------------------------------------------------------------------------------------
// small helpers

func ptrVal(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}
func rawStr(r *runtime.RawExtension) string {
	if r == nil {
		return "<nil>"
	}
	return string(r.Raw)
}
func mapStr(m map[string]int32) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
func sameMap(a, b map[string]int32) bool { return mapStr(a) == mapStr(b) }
