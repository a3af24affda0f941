package federatedhpa

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// memberScale is the target's scale subresource in one member.
type memberScale struct {
	Replicas int32
	Selector string
}

// memberView is what the controller reads from member clusters.
type memberView interface {
	Scale(ctx context.Context, cluster string, gvr schema.GroupVersionResource, namespace, name string) (memberScale, error)
	Pods(ctx context.Context, cluster, namespace string, selector labels.Selector) ([]corev1.Pod, error)
	// PodMetrics lists metrics.k8s.io/v1beta1 PodMetrics of the member.
	PodMetrics(ctx context.Context, cluster, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error)
}

// liveMembers reads members through the control plane's member connections.
type liveMembers struct {
	clusters clusterlisters.ClusterLister
	registry *membercluster.Registry

	mu      sync.Mutex
	metrics map[*membercluster.Member]metricsclient.Interface
}

func (l *liveMembers) member(name string) (*membercluster.Member, error) {
	c, err := l.clusters.Get(name)
	if err != nil {
		return nil, err
	}
	return l.registry.Get(c)
}

func (l *liveMembers) Scale(ctx context.Context, cluster string, gvr schema.GroupVersionResource, namespace, name string) (memberScale, error) {
	m, err := l.member(cluster)
	if err != nil {
		return memberScale{}, err
	}
	s, err := m.Dynamic.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{}, "scale")
	if err != nil {
		return memberScale{}, err
	}
	n, _, _ := unstructured.NestedInt64(s.Object, "spec", "replicas")
	sel, _, _ := unstructured.NestedString(s.Object, "status", "selector")
	return memberScale{Replicas: int32(n), Selector: sel}, nil
}

func (l *liveMembers) Pods(ctx context.Context, cluster, namespace string, selector labels.Selector) ([]corev1.Pod, error) {
	m, err := l.member(cluster)
	if err != nil {
		return nil, err
	}
	list, err := m.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String(), ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func (l *liveMembers) PodMetrics(ctx context.Context, cluster, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	m, err := l.member(cluster)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	mc, ok := l.metrics[m]
	if !ok {
		mc, err = metricsclient.NewForConfig(m.Config)
		if err != nil {
			l.mu.Unlock()
			return nil, fmt.Errorf("metrics client of cluster %s: %w", cluster, err)
		}
		// A member reconnected with new details has a new Member: drop the old client.
		for k := range l.metrics {
			if k.Name == m.Name {
				delete(l.metrics, k)
			}
		}
		l.metrics[m] = mc
	}
	l.mu.Unlock()
	list, err := mc.MetricsV1beta1().PodMetricses(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}
