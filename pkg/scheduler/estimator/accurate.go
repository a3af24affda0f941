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
	"math"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// AccurateName is the name of the node-level estimator, as Karmada calls its per-member
// estimator service.
const AccurateName = "scheduler-estimator"

// LimitedByNoNode is the Estimate.LimitedBy of a cluster where no node can run the replica at
// all (none Ready and schedulable, or none matching the node claim), so that the scheduler's
// "available replicas per cluster" message says why the cluster got 0.
const LimitedByNoNode corev1.ResourceName = "no matching node"

// MemberCaches hands the accurate estimator the live node and pod caches of a member cluster.
// It is an interface so that the estimator stays free of connection handling and can be tested
// with fake informers.
type MemberCaches interface {
	// NodeAndPodInformers returns the member's node and pod informers, started (not
	// necessarily synced yet). An error means the member cannot be reached at all.
	NodeAndPodInformers(cluster *clusterv1alpha1.Cluster) (nodes, pods cache.SharedIndexInformer, err error)
}

// RegistryCaches reads members through the control plane's shared member connections, so the
// estimator uses the very node and pod informers the cluster status controller already keeps:
// no extra watch per member, and no separate estimator process as Karmada needs.
func RegistryCaches(r *membercluster.Registry) MemberCaches { return registryCaches{r} }

type registryCaches struct{ r *membercluster.Registry }

func (rc registryCaches) NodeAndPodInformers(c *clusterv1alpha1.Cluster) (cache.SharedIndexInformer, cache.SharedIndexInformer, error) {
	m, ok := rc.r.Lookup(c.Name)
	if !ok {
		var err error
		if m, err = rc.r.Get(c); err != nil {
			return nil, nil, err
		}
	}
	nodes := m.Informers.Core().V1().Nodes().Informer()
	pods := m.Informers.Core().V1().Pods().Informer()
	m.StartInformers()
	return nodes, pods, nil
}

// Accurate is Karmada's scheduler-estimator, run inside the control plane: it estimates from
// the member's nodes and pods, node by node, so it sees fragmentation that a resource summary
// hides (three nodes with 1 free CPU each cannot hold one replica asking for 2 CPU, although
// the cluster has 3 CPU free).
//
// For every Ready node that is schedulable (spec.unschedulable unset, unless tolerated), whose
// NoSchedule and NoExecute taints the replica tolerates and that matches the replica's
// nodeSelector and required node affinity (replicaRequirements.nodeClaim):
//
//	free     = allocatable − requests of the node's non-terminal pods
//	replicas = min(free pod slots, floor(free_r / request_r) for every requested resource r)
//
// and the cluster's answer is the sum over those nodes. Pods not bound to a node yet take
// nothing from any node: the member's own scheduler may still place them anywhere.
//
// The per-node free resources of a member are computed once per change of its caches (event
// handlers on the informers bump a counter) and shared by all bindings, because summing the
// requests of every pod for every binding would make scheduling cost grow with pods × bindings.
type Accurate struct {
	caches MemberCaches

	// SyncWait is how long the estimator waits, once per member, for the member's caches to
	// sync when it first meets the member (the control plane has just started, or the member
	// just joined). Without it, a restarted scheduler would place replicas on the general
	// estimate alone in its first seconds — exactly the placements the addon exists to avoid.
	// After that the estimator never waits: an unsynced member is answered with ok=false.
	SyncWait time.Duration

	mu      sync.Mutex
	members map[string]*memberCache // by cluster name
}

var _ Estimator = &Accurate{}

// NewAccurate returns the node-level estimator reading members through caches.
func NewAccurate(caches MemberCaches) *Accurate {
	return &Accurate{caches: caches, members: map[string]*memberCache{}, SyncWait: DefaultSyncWait}
}

// DefaultSyncWait is the default Accurate.SyncWait.
const DefaultSyncWait = 5 * time.Second

// Name implements Estimator.
func (a *Accurate) Name() string { return AccurateName }

// MaxAvailableReplicas implements Estimator. It answers ok=false while the member's node or pod
// cache is not synced (a member just joined, or unreachable since start): an empty cache would
// read as "no room at all", and the general estimator's answer is then the better guess.
func (a *Accurate) MaxAvailableReplicas(c *clusterv1alpha1.Cluster, req *Request) (Estimate, bool) {
	nodes, pods, err := a.caches.NodeAndPodInformers(c)
	if err != nil || nodes == nil || pods == nil {
		return Estimate{}, false
	}
	mc := a.member(c.Name, nodes, pods)
	if !mc.synced(a.SyncWait) {
		return Estimate{}, false
	}
	return mc.snapshot().estimate(req), true
}

// Forget drops what the estimator keeps about a cluster (for a cluster that was removed).
func (a *Accurate) Forget(cluster string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if mc, ok := a.members[cluster]; ok {
		mc.stop()
		delete(a.members, cluster)
	}
}

func (a *Accurate) member(name string, nodes, pods cache.SharedIndexInformer) *memberCache {
	a.mu.Lock()
	defer a.mu.Unlock()
	mc := a.members[name]
	if mc != nil && mc.nodes == nodes && mc.pods == pods {
		return mc
	}
	if mc != nil {
		// The member was reconnected: its informers are new.
		mc.stop()
	}
	mc = &memberCache{nodes: nodes, pods: pods, since: time.Now()}
	mc.watch()
	a.members[name] = mc
	return mc
}

// memberCache holds the last node snapshot of one member and knows when it is outdated.
type memberCache struct {
	nodes, pods cache.SharedIndexInformer
	since       time.Time // when the estimator first met these informers

	// changes counts informer events. Handlers run after the informer's store has been
	// updated, so a snapshot taken when changes was n reflects at least the state of event n.
	changes atomic.Int64
	regs    []cache.ResourceEventHandlerRegistration

	mu   sync.Mutex
	snap *snapshot
}

func (mc *memberCache) watch() {
	bump := func() { mc.changes.Add(1) }
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { bump() },
		UpdateFunc: func(interface{}, interface{}) { bump() },
		DeleteFunc: func(interface{}) { bump() },
	}
	for _, inf := range []cache.SharedIndexInformer{mc.nodes, mc.pods} {
		if reg, err := inf.AddEventHandler(h); err == nil {
			mc.regs = append(mc.regs, reg)
		} else {
			// A stopped informer takes no handlers; never trust a cached snapshot then.
			mc.changes.Store(-1)
		}
	}
}

// synced tells whether both caches are synced, waiting for them until wait after the member
// was first met.
func (mc *memberCache) synced(wait time.Duration) bool {
	deadline := mc.since.Add(wait)
	for {
		if mc.nodes.HasSynced() && mc.pods.HasSynced() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)))
	}
}

func (mc *memberCache) stop() {
	for i, reg := range mc.regs {
		inf := mc.nodes
		if i == 1 {
			inf = mc.pods
		}
		_ = inf.RemoveEventHandler(reg)
	}
	mc.regs = nil
}

func (mc *memberCache) snapshot() *snapshot {
	gen := mc.changes.Load()
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.snap != nil && mc.snap.gen == gen && gen >= 0 {
		return mc.snap
	}
	nodeObjs := mc.nodes.GetStore().List()
	nodes := make([]*corev1.Node, 0, len(nodeObjs))
	for _, o := range nodeObjs {
		if n, ok := o.(*corev1.Node); ok {
			nodes = append(nodes, n)
		}
	}
	podObjs := mc.pods.GetStore().List()
	pods := make([]*corev1.Pod, 0, len(podObjs))
	for _, o := range podObjs {
		if p, ok := o.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	mc.snap = newSnapshot(nodes, pods)
	mc.snap.gen = gen
	return mc.snap
}

// snapshot is the free room of every Ready node of a member at one moment.
type snapshot struct {
	gen   int64
	nodes []nodeRoom
}

// nodeRoom is one Ready node's free room, in scaled units (see Scaled).
type nodeRoom struct {
	node *corev1.Node
	pods int64                         // free pod slots
	free map[corev1.ResourceName]int64 // allocatable − requests, per allocatable resource
}

// NodeReplicas is the accurate estimate computed directly from lists of nodes and pods, for
// callers (and tests) that hold them already: the sum over the nodes that can run the replica
// of what each can still take. See Accurate for the rules.
func NodeReplicas(nodes []*corev1.Node, pods []*corev1.Pod, req *Request) Estimate {
	return newSnapshot(nodes, pods).estimate(req)
}

func newSnapshot(nodes []*corev1.Node, pods []*corev1.Pod) *snapshot {
	s := &snapshot{nodes: make([]nodeRoom, 0, len(nodes))}
	index := make(map[string]int, len(nodes))
	for _, n := range nodes {
		if !NodeReady(n) {
			continue
		}
		room := nodeRoom{node: n, free: make(map[corev1.ResourceName]int64, len(n.Status.Allocatable))}
		for name, q := range n.Status.Allocatable {
			if name == corev1.ResourcePods {
				room.pods = q.Value()
				continue
			}
			room.free[name] = Scaled(name, &q)
		}
		index[n.Name] = len(s.nodes)
		s.nodes = append(s.nodes, room)
	}
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		i, ok := index[p.Spec.NodeName]
		if !ok {
			continue
		}
		room := &s.nodes[i]
		room.pods--
		// As the kube-scheduler counts: init containers, sidecars and pod overhead included.
		for name, q := range resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{}) {
			if name == corev1.ResourcePods {
				continue
			}
			room.free[name] -= Scaled(name, &q)
		}
	}
	return s
}

// NodeReady reports whether the node's Ready condition is True (cluster status counts
// such nodes too).
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// unschedulableTaint is what spec.unschedulable means to the kube-scheduler: a cordoned node
// takes only pods that tolerate this taint.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

func hardTaint(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// claim is a replica's node claim, compiled once per estimate.
type claim struct {
	affinity    nodeaffinity.RequiredNodeAffinity
	tolerations []corev1.Toleration
}

func newClaim(req *Request) claim {
	var c claim
	if req == nil || req.Requirements == nil || req.Requirements.NodeClaim == nil {
		c.affinity = nodeaffinity.NewRequiredNodeAffinity(nil, nil)
		return c
	}
	nc := req.Requirements.NodeClaim
	var aff *corev1.Affinity
	if nc.HardNodeAffinity != nil {
		aff = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: nc.HardNodeAffinity}}
	}
	c.affinity = nodeaffinity.NewRequiredNodeAffinity(nc.NodeSelector, aff)
	c.tolerations = nc.Tolerations
	return c
}

func (c *claim) admits(n *corev1.Node) bool {
	logger := klog.Background()
	if n.Spec.Unschedulable && !corev1helper.TolerationsTolerateTaint(logger, c.tolerations, &unschedulableTaint, true) {
		return false
	}
	if _, untolerated := corev1helper.FindMatchingUntoleratedTaint(logger, n.Spec.Taints, c.tolerations, hardTaint, true); untolerated {
		return false
	}
	ok, err := c.affinity.Match(n)
	return ok && err == nil
}

func (s *snapshot) estimate(req *Request) Estimate {
	c := newClaim(req)
	var resources []Amount
	if req != nil {
		resources = req.Resources
	}
	var total int64
	// bound counts, per resource, the nodes where it is what limits the replicas, so that
	// LimitedBy names the resource that runs out most often.
	bound := map[corev1.ResourceName]int{}
	matched := false
	for i := range s.nodes {
		room := &s.nodes[i]
		if !c.admits(room.node) {
			continue
		}
		matched = true
		n, by := room.pods, corev1.ResourcePods
		for _, r := range resources {
			if n <= 0 {
				break
			}
			v := room.free[r.Name] / r.Value // a resource the node does not offer is 0
			if v < n {
				n, by = v, r.Name
			}
		}
		if n < 0 {
			n = 0
		}
		bound[by]++
		total = satAdd(total, n)
	}
	est := Estimate{Replicas: clamp32(total)}
	if !matched {
		est.LimitedBy = LimitedByNoNode
		return est
	}
	best := -1
	for _, name := range append([]corev1.ResourceName{corev1.ResourcePods}, names(resources)...) {
		if bound[name] > best {
			best, est.LimitedBy = bound[name], name
		}
	}
	if total >= math.MaxInt32 {
		est.LimitedBy = ""
	}
	return est
}

func names(amounts []Amount) []corev1.ResourceName {
	out := make([]corev1.ResourceName, len(amounts))
	for i, a := range amounts {
		out[i] = a.Name
	}
	return out
}
