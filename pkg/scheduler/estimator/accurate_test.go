/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package estimator

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

type nodeOpt func(*corev1.Node)

func node(name string, alloc corev1.ResourceList, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{
			Allocatable: alloc,
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func notReady(n *corev1.Node)    { n.Status.Conditions[0].Status = corev1.ConditionFalse }
func noReadyCond(n *corev1.Node) { n.Status.Conditions = nil }
func cordoned(n *corev1.Node)    { n.Spec.Unschedulable = true }
func labelled(k, v string) nodeOpt {
	return func(n *corev1.Node) { n.Labels[k] = v }
}
func tainted(key string, effect corev1.TaintEffect) nodeOpt {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: "x", Effect: effect})
	}
}

func pod(name, nodeName string, phase corev1.PodPhase, requests corev1.ResourceList) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: requests}}},
		},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func claimRequest(nc *workv1alpha2.NodeClaim, kv ...string) *Request {
	return NewRequest(&workv1alpha2.ReplicaRequirements{ResourceRequest: rl(kv...), NodeClaim: nc})
}

func TestNodeReplicas(t *testing.T) {
	small := rl("cpu", "1", "memory", "4Gi", "pods", "110")
	big := rl("cpu", "8", "memory", "32Gi", "pods", "110")
	tolerateGPU := &workv1alpha2.NodeClaim{Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}}

	for _, tc := range []struct {
		name      string
		nodes     []*corev1.Node
		pods      []*corev1.Pod
		req       *Request
		want      int32
		limitedBy corev1.ResourceName
	}{
		{
			name:  "fragmentation: 3 nodes with 1 CPU each cannot hold a 2-CPU replica",
			nodes: []*corev1.Node{node("a", small), node("b", small), node("c", small)},
			req:   request("cpu", "2"),
			want:  0, limitedBy: "cpu",
		},
		{
			name:  "1 CPU replicas fit one per small node",
			nodes: []*corev1.Node{node("a", small), node("b", small), node("c", small)},
			req:   request("cpu", "1"),
			want:  3, limitedBy: "cpu",
		},
		{
			name:  "per node floor, then sum: 8 CPU / 3 = 2 per node",
			nodes: []*corev1.Node{node("a", big), node("b", big)},
			req:   request("cpu", "3"),
			want:  4, limitedBy: "cpu",
		},
		{
			name:  "every requested resource counts: memory binds",
			nodes: []*corev1.Node{node("a", big)},
			req:   request("cpu", "1", "memory", "16Gi"),
			want:  2, limitedBy: "memory",
		},
		{
			name:  "milli-CPU requests",
			nodes: []*corev1.Node{node("a", small)},
			req:   request("cpu", "300m"),
			want:  3, limitedBy: "cpu",
		},
		{
			name:  "requests of running pods are taken off their node",
			nodes: []*corev1.Node{node("a", big), node("b", big)},
			pods: []*corev1.Pod{
				pod("p1", "a", corev1.PodRunning, rl("cpu", "7")),
				pod("p2", "b", corev1.PodPending, rl("cpu", "2")), // bound, not started: counts
			},
			req:  request("cpu", "2"),
			want: 0 + 3, limitedBy: "cpu",
		},
		{
			name:  "terminal pods are ignored",
			nodes: []*corev1.Node{node("a", big)},
			pods: []*corev1.Pod{
				pod("done", "a", corev1.PodSucceeded, rl("cpu", "8")),
				pod("failed", "a", corev1.PodFailed, rl("cpu", "8")),
			},
			req:  request("cpu", "4"),
			want: 2, limitedBy: "cpu",
		},
		{
			name:  "pods not bound to a node take nothing",
			nodes: []*corev1.Node{node("a", big)},
			pods:  []*corev1.Pod{pod("pending", "", corev1.PodPending, rl("cpu", "8"))},
			req:   request("cpu", "4"),
			want:  2, limitedBy: "cpu",
		},
		{
			name:  "pods on unknown nodes are ignored",
			nodes: []*corev1.Node{node("a", big)},
			pods:  []*corev1.Pod{pod("elsewhere", "gone", corev1.PodRunning, rl("cpu", "8"))},
			req:   request("cpu", "4"),
			want:  2, limitedBy: "cpu",
		},
		{
			name:  "free pod slots bound the answer",
			nodes: []*corev1.Node{node("a", rl("cpu", "8", "pods", "3"))},
			pods:  []*corev1.Pod{pod("p", "a", corev1.PodRunning, nil)},
			req:   request("cpu", "100m"),
			want:  2, limitedBy: "pods",
		},
		{
			name:  "no requests: free pod slots",
			nodes: []*corev1.Node{node("a", rl("cpu", "1", "pods", "5")), node("b", rl("cpu", "1", "pods", "7"))},
			pods:  []*corev1.Pod{pod("p", "b", corev1.PodRunning, nil)},
			req:   request(),
			want:  5 + 6, limitedBy: "pods",
		},
		{
			name:  "nil request: free pod slots",
			nodes: []*corev1.Node{node("a", rl("pods", "5"))},
			req:   nil,
			want:  5, limitedBy: "pods",
		},
		{
			name:  "full node: no free pod slot",
			nodes: []*corev1.Node{node("a", rl("cpu", "8", "pods", "1"))},
			pods:  []*corev1.Pod{pod("p", "a", corev1.PodRunning, nil)},
			req:   request("cpu", "1"),
			want:  0, limitedBy: "pods",
		},
		{
			name:  "a resource the node does not offer",
			nodes: []*corev1.Node{node("a", big)},
			req:   request("cpu", "1", "nvidia.com/gpu", "1"),
			want:  0, limitedBy: "nvidia.com/gpu",
		},
		{
			name:  "NotReady and condition-less nodes are skipped",
			nodes: []*corev1.Node{node("a", big, notReady), node("b", big, noReadyCond), node("c", small)},
			req:   request("cpu", "1"),
			want:  1, limitedBy: "cpu",
		},
		{
			name:  "cordoned (unschedulable) nodes are skipped",
			nodes: []*corev1.Node{node("a", big, cordoned), node("c", small)},
			req:   request("cpu", "1"),
			want:  1, limitedBy: "cpu",
		},
		{
			name:  "a cordoned node is used when the replica tolerates node.kubernetes.io/unschedulable",
			nodes: []*corev1.Node{node("a", big, cordoned)},
			req: claimRequest(&workv1alpha2.NodeClaim{Tolerations: []corev1.Toleration{
				{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}},
				"cpu", "1"),
			want: 8, limitedBy: "cpu",
		},
		{
			name:  "only cordoned nodes: nothing, and the reason says so",
			nodes: []*corev1.Node{node("a", big, cordoned)},
			req:   request("cpu", "1"),
			want:  0, limitedBy: LimitedByNoNode,
		},
		{
			name: "no nodes at all",
			req:  request("cpu", "1"),
			want: 0, limitedBy: LimitedByNoNode,
		},
		{
			name:  "NoSchedule taint not tolerated",
			nodes: []*corev1.Node{node("gpu", big, tainted("gpu", corev1.TaintEffectNoSchedule)), node("c", small)},
			req:   request("cpu", "1"),
			want:  1, limitedBy: "cpu",
		},
		{
			name:  "NoExecute taint not tolerated",
			nodes: []*corev1.Node{node("gpu", big, tainted("gpu", corev1.TaintEffectNoExecute)), node("c", small)},
			req:   request("cpu", "1"),
			want:  1, limitedBy: "cpu",
		},
		{
			name:  "PreferNoSchedule taints do not exclude",
			nodes: []*corev1.Node{node("gpu", big, tainted("gpu", corev1.TaintEffectPreferNoSchedule))},
			req:   request("cpu", "1"),
			want:  8, limitedBy: "cpu",
		},
		{
			name:  "tolerated taint",
			nodes: []*corev1.Node{node("gpu", big, tainted("gpu", corev1.TaintEffectNoSchedule)), node("c", small)},
			req:   claimRequest(tolerateGPU, "cpu", "1"),
			want:  9, limitedBy: "cpu",
		},
		{
			name: "toleration of another key does not help",
			nodes: []*corev1.Node{node("gpu", big, tainted("gpu", corev1.TaintEffectNoSchedule),
				tainted("other", corev1.TaintEffectNoExecute))},
			req:  claimRequest(tolerateGPU, "cpu", "1"),
			want: 0, limitedBy: LimitedByNoNode,
		},
		{
			name:  "nodeSelector",
			nodes: []*corev1.Node{node("a", big, labelled("zone", "z1")), node("b", big, labelled("zone", "z2")), node("c", small)},
			req:   claimRequest(&workv1alpha2.NodeClaim{NodeSelector: map[string]string{"zone": "z1"}}, "cpu", "1"),
			want:  8, limitedBy: "cpu",
		},
		{
			name:  "nodeSelector matching nothing",
			nodes: []*corev1.Node{node("a", big)},
			req:   claimRequest(&workv1alpha2.NodeClaim{NodeSelector: map[string]string{"zone": "nowhere"}}, "cpu", "1"),
			want:  0, limitedBy: LimitedByNoNode,
		},
		{
			name:  "required node affinity",
			nodes: []*corev1.Node{node("a", big, labelled("zone", "z1")), node("b", big, labelled("zone", "z2")), node("c", small)},
			req: claimRequest(&workv1alpha2.NodeClaim{HardNodeAffinity: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"z2", "z3"}}},
			}}}}, "cpu", "2"),
			want: 4, limitedBy: "cpu",
		},
		{
			name:  "nodeSelector and node affinity must both match",
			nodes: []*corev1.Node{node("a", big, labelled("zone", "z1"), labelled("disk", "ssd")), node("b", big, labelled("zone", "z2"), labelled("disk", "ssd"))},
			req: claimRequest(&workv1alpha2.NodeClaim{
				NodeSelector: map[string]string{"disk": "ssd"},
				HardNodeAffinity: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"z2"}}},
				}}}}, "cpu", "4"),
			want: 2, limitedBy: "cpu",
		},
		{
			name:  "the resource that bounds most nodes is named",
			nodes: []*corev1.Node{node("a", rl("cpu", "8", "memory", "2Gi", "pods", "110")), node("b", big), node("c", big)},
			req:   request("cpu", "2", "memory", "1Gi"),
			want:  2 + 4 + 4, limitedBy: "cpu",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NodeReplicas(tc.nodes, tc.pods, tc.req)
			if got.Replicas != tc.want || got.LimitedBy != tc.limitedBy {
				t.Errorf("got %d (%s), want %d (%s)", got.Replicas, got.LimitedBy, tc.want, tc.limitedBy)
			}
		})
	}
}

// The accurate estimator catches what the general estimator misses: the summary of three
// 1-CPU nodes says 3 CPU are free, which the general estimator reads as room for one 2-CPU
// replica; node by node there is none. With both enabled the smaller answer wins.
func TestAccurateBeatsSummaryOnFragmentation(t *testing.T) {
	small := rl("cpu", "1", "memory", "4Gi", "pods", "110")
	nodes := []*corev1.Node{node("a", small), node("b", small), node("c", small)}
	cluster := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1"},
		Status: clusterv1alpha1.ClusterStatus{ResourceSummary: &clusterv1alpha1.ResourceSummary{
			Allocatable: rl("cpu", "3", "memory", "12Gi", "pods", "330"),
		}},
	}
	req := request("cpu", "2")
	general, _ := NewGeneral(true).MaxAvailableReplicas(cluster, req)
	if general.Replicas != 1 {
		t.Fatalf("general estimate %d, want 1", general.Replicas)
	}
	acc := NewAccurate(staticCaches(t, nodes, nil))
	got, ok := acc.MaxAvailableReplicas(cluster, req)
	if !ok || got.Replicas != 0 {
		t.Fatalf("accurate estimate %d ok=%v, want 0 ok=true", got.Replicas, ok)
	}
	if m := Min([]Estimator{NewGeneral(true), acc}, cluster, req); m.Replicas != 0 {
		t.Fatalf("Min = %d, want 0", m.Replicas)
	}
}

// fakeCaches serves informers on a fake clientset.
type fakeCaches struct {
	nodes, pods cache.SharedIndexInformer
	err         error
}

func (f *fakeCaches) NodeAndPodInformers(*clusterv1alpha1.Cluster) (cache.SharedIndexInformer, cache.SharedIndexInformer, error) {
	return f.nodes, f.pods, f.err
}

func newFakeCaches(t *testing.T, start bool, objs ...interface{}) (*fakeCaches, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Node:
			if _, err := client.CoreV1().Nodes().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		case *corev1.Pod:
			if _, err := client.CoreV1().Pods(o.Namespace).Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	f := &fakeCaches{nodes: factory.Core().V1().Nodes().Informer(), pods: factory.Core().V1().Pods().Informer()}
	if start {
		factory.Start(ctx.Done())
		if !cache.WaitForCacheSync(ctx.Done(), f.nodes.HasSynced, f.pods.HasSynced) {
			t.Fatal("caches did not sync")
		}
	}
	return f, client
}

func staticCaches(t *testing.T, nodes []*corev1.Node, pods []*corev1.Pod) *fakeCaches {
	var objs []interface{}
	for _, n := range nodes {
		objs = append(objs, n)
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	f, _ := newFakeCaches(t, true, objs...)
	return f
}

func TestAccurateNotSynced(t *testing.T) {
	cluster := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}}
	f, _ := newFakeCaches(t, false, node("a", rl("cpu", "8", "pods", "110")))
	acc := NewAccurate(f)
	acc.SyncWait = 100 * time.Millisecond
	start := time.Now()
	if _, ok := acc.MaxAvailableReplicas(cluster, request("cpu", "1")); ok {
		t.Error("unsynced caches must answer ok=false")
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("a member met for the first time was not waited for (%s)", waited)
	}
	// Only the first meeting waits.
	start = time.Now()
	if _, ok := acc.MaxAvailableReplicas(cluster, request("cpu", "1")); ok || time.Since(start) > 50*time.Millisecond {
		t.Errorf("second call: ok=%v after %s", ok, time.Since(start))
	}
	if _, ok := NewAccurate(&fakeCaches{err: errors.New("unreachable")}).MaxAvailableReplicas(cluster, request("cpu", "1")); ok {
		t.Error("an unreachable member must answer ok=false")
	}
	// Min then ignores the accurate estimator.
	if m := Min([]Estimator{acc}, cluster, request("cpu", "1")); m != Unbounded {
		t.Errorf("Min over an unsynced estimator = %+v, want Unbounded", m)
	}
}

// A member met for the first time is waited for, so that a freshly started scheduler does not
// decide on the general estimate alone.
func TestAccurateWaitsForFirstSync(t *testing.T) {
	cluster := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}}
	client := fake.NewSimpleClientset(node("a", rl("cpu", "8", "pods", "110")))
	factory := informers.NewSharedInformerFactory(client, 0)
	f := &fakeCaches{nodes: factory.Core().V1().Nodes().Informer(), pods: factory.Core().V1().Pods().Informer()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		time.Sleep(100 * time.Millisecond)
		factory.Start(ctx.Done())
	}()
	est, ok := NewAccurate(f).MaxAvailableReplicas(cluster, request("cpu", "1"))
	if !ok || est.Replicas != 8 {
		t.Fatalf("got %d ok=%v, want 8 ok=true", est.Replicas, ok)
	}
}

// The snapshot is reused while nothing changes and rebuilt after any node or pod event.
func TestAccurateFollowsCacheChanges(t *testing.T) {
	cluster := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}}
	f, client := newFakeCaches(t, true, node("a", rl("cpu", "4", "pods", "110")))
	acc := NewAccurate(f)
	req := request("cpu", "1")
	estimate := func() int32 {
		est, ok := acc.MaxAvailableReplicas(cluster, req)
		if !ok {
			t.Fatal("not ok")
		}
		return est.Replicas
	}
	waitFor := func(want int32) {
		t.Helper()
		var got int32
		err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			got = estimate()
			return got == want, nil
		})
		if err != nil {
			t.Fatalf("estimate stayed %d, want %d", got, want)
		}
	}
	waitFor(4)
	first := acc.members["member1"].snapshot()
	if again := acc.members["member1"].snapshot(); again != first {
		t.Error("snapshot rebuilt although nothing changed")
	}

	ctx := context.Background()
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod("p", "a", corev1.PodRunning, rl("cpu", "3")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(1)
	if _, err := client.CoreV1().Nodes().Create(ctx, node("b", rl("cpu", "2", "pods", "110")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(3)
	if err := client.CoreV1().Pods("default").Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(6)

	// A reconnected member (new informers) is read afresh.
	f2, _ := newFakeCaches(t, true, node("x", rl("cpu", "1", "pods", "110")))
	f.nodes, f.pods = f2.nodes, f2.pods
	waitFor(1)
	acc.Forget("member1")
	if _, ok := acc.members["member1"]; ok {
		t.Error("Forget kept the member")
	}
}
