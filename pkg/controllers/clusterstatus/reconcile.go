package clusterstatus

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// Reasons of the Ready condition, as Karmada publishes them.
const (
	ReasonClusterReady        = "ClusterReady"
	ReasonClusterNotReady     = "ClusterNotReady"
	ReasonClusterNotReachable = "ClusterNotReachable"

	ReasonAPIEnablementsComplete = "Complete"
	ReasonAPIEnablementsPartial  = "Partial"
	ReasonAPIEnablementsEmpty    = "Empty"
)

type healthStatus string

const (
	healthy     healthStatus = ReasonClusterReady
	notReady    healthStatus = ReasonClusterNotReady
	unreachable healthStatus = ReasonClusterNotReachable
)

// informerSyncTimeout bounds how long one round waits for a member's node and pod
// caches; a slow member then gets its summaries in a later round.
const informerSyncTimeout = 20 * time.Second

func (ctrl *Controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	logger := klog.FromContext(ctx).WithValues("cluster", key)
	period := ctrl.c.Options.ClusterStatusUpdateFrequency
	cluster, err := ctrl.clusters.Get(key)
	if apierrors.IsNotFound(err) {
		ctrl.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !cluster.DeletionTimestamp.IsZero() {
		ctrl.forget(key)
		return 0, nil
	}

	member, connErr := ctrl.c.Members.Get(cluster)
	status, message := unreachable, ""
	if connErr != nil {
		message = connErr.Error()
	} else {
		status, message = probe(ctx, member)
	}
	ready, requeue := ctrl.publishedHealth(cluster, status, message)

	newStatus := cluster.Status.DeepCopy()
	ctrl.setReadyCondition(cluster, newStatus, ready)

	if ready.status == healthy && member != nil {
		if err := collect(ctx, member, cluster, newStatus); err != nil {
			logger.V(2).Info("Collecting member status failed; keeping the previous values", "err", err)
		}
	}

	if !apiequality.Semantic.DeepEqual(&cluster.Status, newStatus) {
		updated := cluster.DeepCopy()
		updated.Status = *newStatus
		if _, err := ctrl.c.KarmadaClient.ClusterV1alpha1().Clusters().UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			return 0, err
		}
		logger.V(2).Info("Updated cluster status", "ready", ready.status)
	}
	if requeue > 0 && requeue < period {
		return requeue, nil
	}
	return period, nil
}

// probe asks the member's /readyz (or /healthz on servers without it).
func probe(ctx context.Context, m *membercluster.Member) (healthStatus, string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rc := m.Client.Discovery().RESTClient()
	get := func(path string) (int, []byte, error) {
		var code int
		body, err := rc.Get().AbsPath(path).Do(ctx).StatusCode(&code).Raw()
		if code != 0 {
			return code, body, nil
		}
		return 0, nil, err
	}
	code, body, err := get("/readyz")
	if err == nil && code == http.StatusNotFound {
		code, body, err = get("/healthz")
	}
	switch {
	case err != nil:
		return unreachable, fmt.Sprintf("cluster is not reachable: %v", err)
	case code == http.StatusOK && string(body) == "ok":
		return healthy, "cluster is healthy and ready to accept workloads"
	default:
		return notReady, fmt.Sprintf("cluster is reachable but its health endpoint answered %d", code)
	}
}

// publishedHealth applies the success/failure thresholds: the first observation is
// published at once; afterwards a change is published only after it has lasted the
// threshold. It returns what to publish and, while a change is pending, when to look
// again.
func (ctrl *Controller) publishedHealth(cluster *clusterv1alpha1.Cluster, seen healthStatus, message string) (observation, time.Duration) {
	now := ctrl.now()
	ctrl.mu.Lock()
	defer ctrl.mu.Unlock()
	obs, ok := ctrl.health[cluster.Name]
	if !ok || obs.status != seen {
		obs = &observation{status: seen, since: now}
		ctrl.health[cluster.Name] = obs
	}
	obs.message = message

	current := meta.FindStatusCondition(cluster.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
	if current == nil {
		return *obs, 0
	}
	currentlyHealthy := current.Status == metav1.ConditionTrue
	if (seen == healthy) == currentlyHealthy {
		return *obs, 0
	}
	threshold := ctrl.c.Options.ClusterFailureThreshold
	if seen == healthy {
		threshold = ctrl.c.Options.ClusterSuccessThreshold
	}
	if elapsed := now.Sub(obs.since); elapsed < threshold {
		// Keep publishing what is published until the change has lasted.
		return observation{status: healthStatus(current.Reason), message: current.Message, since: obs.since}, threshold - elapsed
	}
	return *obs, 0
}

func (ctrl *Controller) setReadyCondition(cluster *clusterv1alpha1.Cluster, st *clusterv1alpha1.ClusterStatus, obs observation) {
	cond := metav1.Condition{Type: clusterv1alpha1.ClusterConditionReady, Reason: string(obs.status), Message: obs.message, ObservedGeneration: cluster.Generation}
	switch obs.status {
	case healthy:
		cond.Status = metav1.ConditionTrue
	case notReady, unreachable:
		cond.Status = metav1.ConditionFalse
	default:
		cond.Status = metav1.ConditionUnknown
	}
	old := meta.FindStatusCondition(st.Conditions, clusterv1alpha1.ClusterConditionReady)
	if old != nil && old.Status != cond.Status {
		eventType := corev1.EventTypeNormal
		if cond.Status != metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning
		}
		ctrl.recorder.Eventf(cluster, eventType, cond.Reason, "Ready changed to %s: %s", cond.Status, cond.Message)
	}
	meta.SetStatusCondition(&st.Conditions, cond)
}

// collect fills version, API enablements and summaries of a Ready member.
func collect(ctx context.Context, m *membercluster.Member, cluster *clusterv1alpha1.Cluster, st *clusterv1alpha1.ClusterStatus) error {
	v, err := m.Client.Discovery().ServerVersion()
	if err != nil {
		return err
	}
	st.KubernetesVersion = v.GitVersion

	_, lists, err := m.Client.Discovery().ServerGroupsAndResources()
	cond := metav1.Condition{Type: clusterv1alpha1.ClusterConditionCompleteAPIEnablements, ObservedGeneration: cluster.Generation}
	switch {
	case err != nil && !discovery.IsGroupDiscoveryFailedError(err):
		return err
	case err != nil:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, ReasonAPIEnablementsPartial, fmt.Sprintf("some API groups could not be discovered: %v", err)
	case len(lists) == 0:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, ReasonAPIEnablementsEmpty, "the cluster reported no API resources"
	default:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, ReasonAPIEnablementsComplete, "collected complete APIs from the cluster"
	}
	if len(lists) > 0 {
		st.APIEnablements = apiEnablements(lists)
	}
	meta.SetStatusCondition(&st.Conditions, cond)

	nodeInformer := m.Informers.Core().V1().Nodes()
	podInformer := m.Informers.Core().V1().Pods()
	nodeSynced, podSynced := nodeInformer.Informer().HasSynced, podInformer.Informer().HasSynced
	m.StartInformers()
	syncCtx, cancel := context.WithTimeout(ctx, informerSyncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), nodeSynced, podSynced) {
		return fmt.Errorf("node and pod caches of %s not synced yet", m.Name)
	}
	nodes, err := nodeInformer.Lister().List(labels.Everything())
	if err != nil {
		return err
	}
	pods, err := podInformer.Lister().List(labels.Everything())
	if err != nil {
		return err
	}
	st.NodeSummary = nodeSummary(nodes)
	var models []clusterv1alpha1.ResourceModel
	if features.Enabled(features.CustomizedClusterResourceModeling) {
		models = cluster.Spec.ResourceModels
	}
	st.ResourceSummary = resourceSummary(nodes, pods, models)
	return nil
}

func (ctrl *Controller) forget(name string) {
	ctrl.mu.Lock()
	delete(ctrl.health, name)
	ctrl.mu.Unlock()
}

func specChanged(old, cur interface{}) bool {
	o, ok1 := old.(*clusterv1alpha1.Cluster)
	c, ok2 := cur.(*clusterv1alpha1.Cluster)
	return !ok1 || !ok2 || o.Generation != c.Generation || !c.DeletionTimestamp.IsZero()
}

func (ctrl *Controller) enqueueClustersUsingSecret(obj interface{}) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	clusters, err := ctrl.clusters.List(labels.Everything())
	if err != nil {
		return
	}
	for _, c := range clusters {
		if ref := c.Spec.SecretRef; ref != nil && ref.Namespace == s.Namespace && ref.Name == s.Name {
			ctrl.queue.Add(c.Name)
		}
	}
}
