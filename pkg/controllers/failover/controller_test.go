package failover

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
)

func cluster(name string, taints ...corev1.Taint) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	c.Spec.Taints = taints
	c.Status.APIEnablements = []clusterv1alpha1.APIEnablement{{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "deployments", Kind: "Deployment"}}}}
	c.Status.Conditions = []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue}}
	c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}}
	return c
}

func rbOn(clusterName string) *workv1alpha2.ResourceBinding {
	return &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-deployment", Generation: 1},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web"},
			Replicas: 1,
			Placement: &policyv1alpha1.Placement{
				ClusterAffinity:   &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"m1", "m2"}},
				SpreadConstraints: []policyv1alpha1.SpreadConstraint{{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MaxGroups: 1, MinGroups: 1}},
			},
			Clusters: []workv1alpha2.TargetCluster{{Name: clusterName, Replicas: 1}},
		},
	}
}

// newTaintManager wires a taint manager to a fake clientset and listers holding objs.
func newTaintManager(t *testing.T, rb *workv1alpha2.ResourceBinding, clusters ...*clusterv1alpha1.Cluster) (*taintManager, *fake.Clientset, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewSimpleClientset(rb)
	inf := karmadainformers.NewSharedInformerFactory(client, 0)
	store := bindings.NewAccessor(client, inf)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	inf.Start(ctx.Done())
	inf.WaitForCacheSync(ctx.Done())
	clIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, c := range clusters {
		_ = clIdx.Add(c)
	}
	rec := record.NewFakeRecorder(20)
	tm := &taintManager{
		s:         store,
		clusters:  clusterlisters.NewClusterLister(clIdx),
		recorder:  rec,
		purgeMode: policyv1alpha1.PurgeModeGracefully,
		kept:      &keptEvents{last: map[bindings.Ref]string{}},
		now:       time.Now,
	}
	return tm, client, rec
}

func drain(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

var down = corev1.Taint{Key: "down", Effect: corev1.TaintEffectNoExecute}

func TestTaintManagerEvicts(t *testing.T) {
	tm, client, rec := newTaintManager(t, rbOn("m1"), cluster("m1", down), cluster("m2"))
	if _, err := tm.reconcile(context.Background(), bindings.RB("ns", "web-deployment")); err != nil {
		t.Fatal(err)
	}
	got, err := client.WorkV1alpha2().ResourceBindings("ns").Get(context.Background(), "web-deployment", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Clusters) != 0 || len(got.Spec.GracefulEvictionTasks) != 1 {
		t.Fatalf("clusters %v tasks %v, want m1 moved into an eviction task", got.Spec.Clusters, got.Spec.GracefulEvictionTasks)
	}
	if task := got.Spec.GracefulEvictionTasks[0]; task.FromCluster != "m1" || task.PurgeMode != policyv1alpha1.PurgeModeGracefully ||
		task.Reason != "TaintUntolerated" || task.Producer != "TaintManager" || *task.Replicas != 1 {
		t.Errorf("task %+v", task)
	}
	evs := drain(rec)
	if len(evs) != 2 || evs[0] != "Normal EvictWorkloadFromClusterSucceed Evict from cluster m1 succeed." {
		t.Errorf("events %q", evs)
	}
}

func TestTaintManagerKeepsWorkloadWithNowhereToGo(t *testing.T) {
	tm, client, rec := newTaintManager(t, rbOn("m1"), cluster("m1", down), cluster("m2", down))
	for i := 0; i < 2; i++ {
		if _, err := tm.reconcile(context.Background(), bindings.RB("ns", "web-deployment")); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := client.WorkV1alpha2().ResourceBindings("ns").Get(context.Background(), "web-deployment", metav1.GetOptions{})
	if len(got.Spec.Clusters) != 1 || len(got.Spec.GracefulEvictionTasks) != 0 {
		t.Fatalf("clusters %v tasks %v, want the workload kept on m1", got.Spec.Clusters, got.Spec.GracefulEvictionTasks)
	}
	evs := drain(rec)
	if len(evs) != 2 || !strings.HasPrefix(evs[0], "Warning EvictWorkloadFromClusterFailed Evict from cluster m1 failed. No other cluster can take the workload") {
		t.Errorf("want one Warning on the binding and one on the template (not repeated), got %q", evs)
	}
}

func TestTaintManagerToleration(t *testing.T) {
	rb := rbOn("m1")
	secs := int64(60)
	rb.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "down", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs}}
	tainted := down
	tainted.TimeAdded = &metav1.Time{Time: time.Now().Add(-20 * time.Second)}
	tm, client, _ := newTaintManager(t, rb, cluster("m1", tainted), cluster("m2"))
	after, err := tm.reconcile(context.Background(), bindings.RB("ns", "web-deployment"))
	if err != nil {
		t.Fatal(err)
	}
	if after < 35*time.Second || after > 40*time.Second {
		t.Errorf("look again after %v, want about 40s", after)
	}
	got, _ := client.WorkV1alpha2().ResourceBindings("ns").Get(context.Background(), "web-deployment", metav1.GetOptions{})
	if len(got.Spec.GracefulEvictionTasks) != 0 {
		t.Errorf("evicted before tolerationSeconds passed: %v", got.Spec.GracefulEvictionTasks)
	}
}

func TestApplicationTask(t *testing.T) {
	app := &policyv1alpha1.ApplicationFailoverBehavior{PurgeMode: policyv1alpha1.PurgeModeNever}
	task, err := applicationTask(app, nil, "m1", ComponentApplicationFailover, []string{"m1"})
	if err != nil {
		t.Fatal(err)
	}
	if task.SuppressDeletion == nil || !*task.SuppressDeletion || task.Reason != "ApplicationFailure" || task.Producer != "resource-binding-application-failover-controller" {
		t.Errorf("Never: %+v", task)
	}
	grace := int32(30)
	task, _ = applicationTask(&policyv1alpha1.ApplicationFailoverBehavior{PurgeMode: policyv1alpha1.PurgeModeGracefully, GracePeriodSeconds: &grace}, nil, "m1", ComponentApplicationFailover, nil)
	if task.GracePeriodSeconds == nil || *task.GracePeriodSeconds != 30 || task.SuppressDeletion != nil {
		t.Errorf("Gracefully: %+v", task)
	}
}
