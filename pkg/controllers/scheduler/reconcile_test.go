package scheduler

import (
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
)

// newScheduler is the scheduler on fake clients holding objs, its informers synced.
func newScheduler(t *testing.T, objs ...runtime.Object) (*controller, *controllertest.Env) {
	t.Helper()
	env := controllertest.New(t, controllertest.Objects{Karmada: objs})
	s := &controller{
		c:        env.C,
		recorder: env.Recorder,
		store:    binding.NewAccessor(env.C.KarmadaClient, env.C.KarmadaInformers),
		clusters: env.C.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		addons:   addons.NewState(env.Kube, env.Recorder, klog.Background()), // not run: the estimator addon is off
		written:  map[binding.Ref][]workv1alpha2.TargetCluster{},
	}
	env.Start(t)
	return s, env
}

// unscheduled is a claimed ResourceBinding of Deployment default/web with 3 replicas.
func unscheduled(placement policyv1alpha1.Placement) *workv1alpha2.ResourceBinding {
	return &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-deployment", Generation: 1,
			Labels: map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "pp-id"},
			Annotations: map[string]string{policyv1alpha1.PropagationPolicyNamespaceAnnotation: "default",
				policyv1alpha1.PropagationPolicyNameAnnotation: "web"}},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource:  workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "web", UID: "uid-web"},
			Replicas:  3,
			Placement: &placement,
		},
	}
}

func names(cs ...string) *policyv1alpha1.ClusterAffinity {
	return &policyv1alpha1.ClusterAffinity{ClusterNames: cs}
}

func duplicated() *policyv1alpha1.ReplicaSchedulingStrategy {
	return &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated}
}

func staticWeights(w map[string]int64) *policyv1alpha1.ReplicaSchedulingStrategy {
	var list []policyv1alpha1.StaticClusterWeight
	for _, c := range []string{"member1", "member2", "member3"} {
		if n, ok := w[c]; ok {
			list = append(list, policyv1alpha1.StaticClusterWeight{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{c}}, Weight: n})
		}
	}
	return &policyv1alpha1.ReplicaSchedulingStrategy{
		ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: list},
	}
}

func result(b *workv1alpha2.ResourceBinding) string {
	var parts []string
	for _, c := range b.Spec.Clusters {
		parts = append(parts, c.Name+":"+strconv.Itoa(int(c.Replicas)))
	}
	return strings.Join(parts, ",")
}

// TestReconcile: the scheduler's decisions as a user sees them on the binding and in Events.
func TestReconcile(t *testing.T) {
	prod := controllertest.Cluster("member2")
	prod.Labels = map[string]string{"env": "prod"}
	tainted := controllertest.Cluster("member3")
	tainted.Spec.Taints = []corev1.Taint{{Key: "maintenance", Effect: corev1.TaintEffectNoSchedule}}
	clusters := []runtime.Object{controllertest.Cluster("member1"), prod, tainted}

	cases := []struct {
		name    string
		binding func() *workv1alpha2.ResourceBinding
		// wantClusters is spec.clusters afterwards ("-" when the scheduler must not touch the binding).
		wantClusters string
		wantReason   string // of the Scheduled condition; "" for True
		wantEvent    string // an Event that must be recorded (on the binding and the template)
	}{
		{
			name: "duplicated to the named clusters",
			binding: func() *workv1alpha2.ResourceBinding {
				return unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member1", "member2"), ReplicaScheduling: duplicated()})
			},
			wantClusters: "member1:3,member2:3",
			wantEvent:    "Normal ScheduleBindingSucceed Binding has been scheduled successfully. Result: {member1:3, member2:3}",
		},
		{
			name: "divided by static weights",
			binding: func() *workv1alpha2.ResourceBinding {
				return unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member1", "member2"),
					ReplicaScheduling: staticWeights(map[string]int64{"member1": 2, "member2": 1})})
			},
			wantClusters: "member1:2,member2:1",
			wantEvent:    "Normal ScheduleBindingSucceed Binding has been scheduled successfully. Result: {member1:2, member2:1}",
		},
		{
			name: "label selector picks the matching cluster only",
			binding: func() *workv1alpha2.ResourceBinding {
				return unscheduled(policyv1alpha1.Placement{ReplicaScheduling: duplicated(), ClusterAffinity: &policyv1alpha1.ClusterAffinity{
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}})
			},
			wantClusters: "member2:3",
			wantEvent:    "Normal ScheduleBindingSucceed Binding has been scheduled successfully. Result: {member2:3}",
		},
		{
			name: "no cluster fits (a newly tainted cluster, one that went away): the old result is cleared",
			binding: func() *workv1alpha2.ResourceBinding {
				b := unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member3", "gone"), ReplicaScheduling: duplicated()})
				b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "gone", Replicas: 3}}
				return b
			},
			wantClusters: "",
			wantReason:   workv1alpha2.BindingReasonNoClusterFit,
			wantEvent:    "Warning ScheduleBindingFailed ",
		},
		{
			name: "a binding no policy claims keeps what it has",
			binding: func() *workv1alpha2.ResourceBinding {
				b := unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member1"), ReplicaScheduling: duplicated()})
				b.Labels, b.Annotations = nil, nil
				return b
			},
			wantClusters: "-",
		},
		{
			name: "a binding for another scheduler is left to it",
			binding: func() *workv1alpha2.ResourceBinding {
				b := unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member1"), ReplicaScheduling: duplicated()})
				b.Spec.SchedulerName = "other-scheduler"
				return b
			},
			wantClusters: "-",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.binding()
			s, env := newScheduler(t, append([]runtime.Object{orig}, clusters...)...)
			if _, err := s.reconcile(env.Ctx, binding.RB("default", "web-deployment")); err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			b, err := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			evs := env.Events()
			cond := meta.FindStatusCondition(b.Status.Conditions, workv1alpha2.Scheduled)
			if tc.wantClusters == "-" {
				if result(b) != result(orig) || cond != nil || len(evs) != 0 {
					t.Errorf("binding touched: clusters %q, condition %+v, events %q", result(b), cond, evs)
				}
				return
			}
			if got := result(b); got != tc.wantClusters {
				t.Errorf("spec.clusters = %q, want %q", got, tc.wantClusters)
			}
			if got := b.Annotations[policyv1alpha1.PolicyPlacementAnnotation]; got != placementJSON(orig.Spec.Placement) {
				t.Errorf("applied-placement annotation %q, want %q", got, placementJSON(orig.Spec.Placement))
			}
			if cond == nil {
				t.Fatal("no Scheduled condition")
			}
			if tc.wantReason == "" {
				if cond.Status != metav1.ConditionTrue || cond.Reason != workv1alpha2.BindingReasonSuccess || b.Status.LastScheduledTime == nil ||
					b.Status.SchedulerObservedGeneration != 1 {
					t.Errorf("Scheduled condition %+v, lastScheduledTime %v, observed generation %d", cond, b.Status.LastScheduledTime, b.Status.SchedulerObservedGeneration)
				}
			} else if cond.Status != metav1.ConditionFalse || cond.Reason != tc.wantReason || cond.Message == "" {
				t.Errorf("Scheduled condition %+v, want False/%s with a message", cond, tc.wantReason)
			}
			n := 0
			for _, e := range evs {
				if strings.HasPrefix(e, tc.wantEvent) {
					n++
				}
			}
			if n != 2 {
				t.Errorf("events %q: want %q on the binding and on the template", evs, tc.wantEvent)
			}
			// A second pass over the result it wrote changes nothing and says nothing more.
			controllertest.Eventually(t, "the informer to see the result", func() bool {
				c, err := s.store.Get(binding.RB("default", "web-deployment"))
				return err == nil && meta.FindStatusCondition(c.Status.Conditions, workv1alpha2.Scheduled) != nil
			})
			if _, err := s.reconcile(env.Ctx, binding.RB("default", "web-deployment")); err != nil {
				t.Fatalf("second reconcile: %v", err)
			}
			if evs := env.Events(); len(evs) != 0 {
				t.Errorf("second reconcile recorded %q", evs)
			}
		})
	}
}

// TestReconcileDeletedCluster: the replicas of a cluster that went away move to the one left.
func TestReconcileDeletedCluster(t *testing.T) {
	b := unscheduled(policyv1alpha1.Placement{ClusterAffinity: names("member1", "member2"),
		ReplicaScheduling: staticWeights(map[string]int64{"member1": 1, "member2": 1})})
	b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 2}, {Name: "member2", Replicas: 1}}
	s, env := newScheduler(t, b, controllertest.Cluster("member1"))
	if _, err := s.reconcile(env.Ctx, binding.RB("default", "web-deployment")); err != nil {
		t.Fatal(err)
	}
	got, _ := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
	if r := result(got); r != "member1:3" {
		t.Errorf("spec.clusters = %q, want member1:3", r)
	}
}
