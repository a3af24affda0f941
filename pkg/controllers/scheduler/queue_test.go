package scheduler

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
)

// drain takes every key the queue hands out, in order.
func drain(t *testing.T, q interface {
	Get() (string, bool)
	Done(string)
	Len() int
}) []string {
	t.Helper()
	var out []string
	for q.Len() > 0 {
		k, quit := q.Get()
		if quit {
			t.Fatal("queue shut down")
		}
		out = append(out, k)
		q.Done(k)
	}
	return out
}

func TestPriorityQueueOrder(t *testing.T) {
	prio := map[string]int32{"low": -5, "a": 0, "b": 0, "high": 1000, "mid": 500, "c": 0}
	q := newPriorityQueue("test-order", func(k string) int32 { return prio[k] })
	defer q.ShutDown()
	for _, k := range []string{"a", "low", "b", "high", "c", "mid"} {
		q.Add(k)
	}
	got := drain(t, q)
	want := []string{"high", "mid", "a", "b", "c", "low"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v (higher priority first, FIFO among equals)", got, want)
		}
	}
}

// A key added again while it waits takes its new priority; a key added while being
// processed comes back once, with its priority.
func TestPriorityQueueRequeue(t *testing.T) {
	prio := map[string]int32{"x": 0, "y": 10}
	q := newPriorityQueue("test-touch", func(k string) int32 { return prio[k] })
	defer q.ShutDown()
	q.Add("x")
	q.Add("y")
	prio["x"] = 100
	q.Add("x") // still waiting: priority re-read
	if got := drain(t, q); len(got) != 2 || got[0] != "x" || got[1] != "y" {
		t.Fatalf("got %v, want [x y]", got)
	}

	q.Add("y")
	k, _ := q.Get()
	q.Add("y") // while processing: queued again after Done
	q.Add("x")
	q.Done(k)
	if got := drain(t, q); len(got) != 2 || got[0] != "x" || got[1] != "y" {
		t.Fatalf("got %v, want [x y]", got)
	}
}

// The scheduler reads a key's priority from the binding's spec.schedulePriority.
func TestBindingPriority(t *testing.T) {
	s, _ := newScheduler(t,
		&workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "urgent"},
			Spec: workv1alpha2.ResourceBindingSpec{SchedulePriority: &workv1alpha2.SchedulePriority{Priority: 1000}}},
		&workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "plain"}},
		&workv1alpha2.ClusterResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "x"},
			Spec: workv1alpha2.ResourceBindingSpec{SchedulePriority: &workv1alpha2.SchedulePriority{Priority: 1000}}})
	for key, want := range map[binding.Ref]int32{binding.RB("ns", "urgent"): 1000, binding.RB("ns", "plain"): 0, binding.RB("ns", "gone"): 0, binding.CRB("x"): 0} {
		if got := s.priority(key); got != want {
			t.Errorf("priority(%s) = %d, want %d", key, got, want)
		}
	}
}

func TestWorkloadPeers(t *testing.T) {
	rb := func(ns, name string, g *workv1alpha2.WorkloadAffinityGroups, clusters ...string) *workv1alpha2.ResourceBinding {
		b := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: workv1alpha2.ResourceBindingSpec{WorkloadAffinityGroups: g}}
		for _, c := range clusters {
			b.Spec.Clusters = append(b.Spec.Clusters, workv1alpha2.TargetCluster{Name: c, Replicas: 1})
		}
		return b
	}
	aff := &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=train", AntiAffinityGroup: "ha=flink"}
	var objs []runtime.Object
	for _, b := range []*workv1alpha2.ResourceBinding{
		rb("ns", "self", aff, "member9"),
		rb("ns", "same-affinity", &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=train"}, "member1", "member2"),
		rb("ns", "same-anti", &workv1alpha2.WorkloadAffinityGroups{AntiAffinityGroup: "ha=flink"}, "member3"),
		rb("ns", "other-group", &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=serve", AntiAffinityGroup: "ha=other"}, "member4"),
		rb("ns", "unscheduled", &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=train"}),
		rb("ns", "written-not-seen", &workv1alpha2.WorkloadAffinityGroups{AntiAffinityGroup: "ha=flink"}),
		rb("other-ns", "same-group-elsewhere", aff, "member5"),
		rb("ns", "no-groups", nil, "member6"),
	} {
		objs = append(objs, b)
	}
	s, _ := newScheduler(t, objs...)
	s.workloadAffinity = true
	s.written[binding.RB("ns", "written-not-seen")] = []workv1alpha2.TargetCluster{{Name: "member7"}}
	self, err := s.store.Get(binding.RB("ns", "self"))
	if err != nil {
		t.Fatal(err)
	}
	peers, err := s.workloadPeers(self)
	if err != nil {
		t.Fatal(err)
	}
	if len(peers.Affinity) != 1 || len(peers.Affinity[0]) != 2 || peers.Affinity[0][0] != "member1" || peers.Affinity[0][1] != "member2" {
		t.Errorf("affinity peers %v, want [[member1 member2]]", peers.Affinity)
	}
	slices.Sort(peers.AntiAffinity)
	if len(peers.AntiAffinity) != 2 || peers.AntiAffinity[0] != "member3" || peers.AntiAffinity[1] != "member7" {
		t.Errorf("anti-affinity clusters %v, want [member3 member7]", peers.AntiAffinity)
	}

	s.workloadAffinity = false
	if peers, _ := s.workloadPeers(self); peers != nil {
		t.Errorf("gate off: peers %v, want nil", peers)
	}
}
