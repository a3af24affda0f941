package clusterstatus

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// nodeSummary counts nodes and Ready nodes.
func nodeSummary(nodes []*corev1.Node) *clusterv1alpha1.NodeSummary {
	s := &clusterv1alpha1.NodeSummary{TotalNum: int32(len(nodes))}
	for _, n := range nodes {
		if estimator.NodeReady(n) {
			s.ReadyNum++
		}
	}
	return s
}

// podRequests is what a pod asks of a node, as the scheduler counts it (init
// containers, sidecars and overhead included), plus one "pods".
func podRequests(p *corev1.Pod) corev1.ResourceList {
	req := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
	req[corev1.ResourcePods] = *resource.NewQuantity(1, resource.DecimalSI)
	return req
}

func podTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func add(into corev1.ResourceList, l corev1.ResourceList) {
	for k, v := range l {
		q := into[k]
		q.Add(v)
		into[k] = q
	}
}

// resourceSummary sums node allocatable, the requests of pods bound to a node and
// still running (allocated), and the requests of pods not yet bound (allocating).
// models, when given, grade every node's free resources.
func resourceSummary(nodes []*corev1.Node, pods []*corev1.Pod, models []clusterv1alpha1.ResourceModel) *clusterv1alpha1.ResourceSummary {
	s := &clusterv1alpha1.ResourceSummary{
		Allocatable: corev1.ResourceList{},
		Allocated:   corev1.ResourceList{},
		Allocating:  corev1.ResourceList{},
	}
	for _, n := range nodes {
		add(s.Allocatable, n.Status.Allocatable)
	}
	usedByNode := map[string]corev1.ResourceList{}
	for _, p := range pods {
		if podTerminal(p) {
			continue
		}
		req := podRequests(p)
		if p.Spec.NodeName == "" {
			add(s.Allocating, req)
			continue
		}
		add(s.Allocated, req)
		if usedByNode[p.Spec.NodeName] == nil {
			usedByNode[p.Spec.NodeName] = corev1.ResourceList{}
		}
		add(usedByNode[p.Spec.NodeName], req)
	}
	if len(models) > 0 {
		s.AllocatableModelings = modelings(nodes, usedByNode, models)
	}
	return s
}

// modelings counts, for every grade of models, the nodes whose free resources
// (allocatable minus requests of their running pods) reach that grade's minimums for
// every resource of the model and no higher grade's.
func modelings(nodes []*corev1.Node, used map[string]corev1.ResourceList, models []clusterv1alpha1.ResourceModel) []clusterv1alpha1.AllocatableModeling {
	sorted := append([]clusterv1alpha1.ResourceModel(nil), models...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Grade < sorted[j].Grade })
	counts := make([]int, len(sorted))
	for _, n := range nodes {
		free := corev1.ResourceList{}
		for k, v := range n.Status.Allocatable {
			q := v.DeepCopy()
			if u, ok := used[n.Name][k]; ok {
				q.Sub(u)
			}
			free[k] = q
		}
		if i := gradeIndex(free, sorted); i >= 0 {
			counts[i]++
		}
	}
	out := make([]clusterv1alpha1.AllocatableModeling, len(sorted))
	for i, m := range sorted {
		out[i] = clusterv1alpha1.AllocatableModeling{Grade: m.Grade, Count: counts[i]}
	}
	return out
}

// gradeIndex is the index of the highest model whose minimum the node reaches for
// every resource, or -1 when it reaches none (a node with less than grade 0's
// minimums, which standardized models make impossible).
func gradeIndex(free corev1.ResourceList, models []clusterv1alpha1.ResourceModel) int {
	best := -1
	for i, m := range models {
		ok := true
		for _, r := range m.Ranges {
			have := free[corev1.ResourceName(r.Name)]
			if have.Cmp(r.Min) < 0 {
				ok = false
				break
			}
		}
		if ok {
			best = i
		}
	}
	return best
}

// apiEnablements turns discovery into the sorted list Karmada publishes:
// subresources are skipped, groups and resources are sorted.
func apiEnablements(lists []*metav1.APIResourceList) []clusterv1alpha1.APIEnablement {
	var out []clusterv1alpha1.APIEnablement
	for _, l := range lists {
		if l == nil {
			continue
		}
		e := clusterv1alpha1.APIEnablement{GroupVersion: l.GroupVersion}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			e.Resources = append(e.Resources, clusterv1alpha1.APIResource{Name: r.Name, Kind: r.Kind})
		}
		sort.Slice(e.Resources, func(i, j int) bool { return e.Resources[i].Name < e.Resources[j].Name })
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GroupVersion < out[j].GroupVersion })
	return out
}
