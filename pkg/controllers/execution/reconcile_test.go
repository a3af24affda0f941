package execution

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// fakeMembers connects to members on fake clients, by cluster name.
type fakeMembers map[string]*membercluster.Member

func (f fakeMembers) Get(c *clusterv1alpha1.Cluster) (*membercluster.Member, error) {
	if m, ok := f[c.Name]; ok {
		return m, nil
	}
	return nil, errors.New("no such member")
}

const (
	workNS  = "karmada-es-member1"
	workKey = workNS + "/web-default-deployment"
)

// newExecution is the execution controller on fake clients: objs in the control plane and
// memberObjs in member1 (a fake dynamic client).
func newExecution(t *testing.T, objs []runtime.Object, memberObjs ...runtime.Object) (*controller, *controllertest.Env, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	env := controllertest.New(t, controllertest.Objects{Karmada: objs})
	member := controllertest.NewDynamic(memberObjs...)
	e := &controller{
		c:              env.C,
		recorder:       env.Recorder,
		statusRecorder: env.Recorder,
		queue:          controllers.NewQueue("test-execution"),
		works:          env.C.KarmadaInformers.Work().V1alpha1().Works().Lister(),
		workInf:        env.C.KarmadaInformers.Work().V1alpha1().Works().Informer(),
		clusters:       env.C.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		members:        fakeMembers{"member1": membercluster.NewMember(env.Ctx, "member1", kubefake.NewSimpleClientset(), member)},
		cache:          map[string]*memberCache{},
	}
	t.Cleanup(e.queue.ShutDown)
	env.Start(t)
	return e, env, member
}

// desired is the member copy of Deployment default/web the binding controller renders.
func desired(replicas int64, conflict string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default",
			"labels": map[string]interface{}{"app": "web", policyv1alpha1.ManagedByKarmadaLabel: policyv1alpha1.ManagedByKarmadaLabelValue},
			"annotations": map[string]interface{}{
				workv1alpha2.WorkNamespaceAnnotation: workNS, workv1alpha2.WorkNameAnnotation: "web-default-deployment",
				workv1alpha2.ResourceTemplateUIDAnnotation: "uid-web", workv1alpha2.ResourceConflictResolutionAnnotation: conflict,
			}},
		"spec": map[string]interface{}{"replicas": replicas, "template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c", "image": "nginx"}}}}},
	}}
	return u
}

// inMember is a Deployment default/web already in the member: managed by the control
// plane or someone else's.
func inMember(replicas int64, managed bool) *unstructured.Unstructured {
	u := desired(replicas, workv1alpha2.ResourceConflictResolutionAbort)
	u.SetUID("uid-member")
	if !managed {
		u.SetLabels(map[string]string{"app": "theirs"})
		u.SetAnnotations(nil)
	}
	return u
}

func newWork(m *unstructured.Unstructured) *workv1alpha1.Work {
	raw, err := m.MarshalJSON()
	if err != nil {
		panic(err)
	}
	return &workv1alpha1.Work{
		ObjectMeta: metav1.ObjectMeta{Namespace: workNS, Name: "web-default-deployment", Generation: 1,
			Finalizers: []string{workv1alpha1.ExecutionControllerFinalizer}},
		Spec: workv1alpha1.WorkSpec{Workload: workv1alpha1.WorkloadTemplate{Manifests: []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}}},
	}
}

func notReady(c *clusterv1alpha1.Cluster) *clusterv1alpha1.Cluster {
	c.Status.Conditions[0].Status = metav1.ConditionFalse
	return c
}

// TestReconcile: what a Work does to the member and what it says about it.
func TestReconcile(t *testing.T) {
	abort, overwrite := workv1alpha2.ResourceConflictResolutionAbort, workv1alpha2.ResourceConflictResolutionOverwrite
	cases := []struct {
		name    string
		work    func() *workv1alpha1.Work
		cluster *clusterv1alpha1.Cluster // nil: the Cluster does not exist
		member  []runtime.Object

		wantErr      bool
		wantRequeue  time.Duration
		wantReplicas int64  // of the member's Deployment; 0: there is none
		wantManaged  bool   // the member's Deployment carries the managed label
		wantApplied  string // Applied condition status, "" for none
		wantMessage  string // in the Applied condition's message
		wantEvent    string
		wantFinalize bool // the Work gets the execution finalizer
	}{
		{name: "created in the member", work: func() *workv1alpha1.Work { return newWork(desired(2, abort)) },
			cluster: controllertest.Cluster("member1"), wantReplicas: 2, wantManaged: true, wantApplied: "True",
			wantEvent: "Normal SyncSucceed Sync work(karmada-es-member1/web-default-deployment) to cluster(member1) successful."},
		{name: "our copy drifted: put back", work: func() *workv1alpha1.Work { return newWork(desired(2, abort)) },
			cluster: controllertest.Cluster("member1"), member: []runtime.Object{inMember(5, true)},
			wantReplicas: 2, wantManaged: true, wantApplied: "True", wantEvent: "Normal SyncSucceed "},
		{name: "someone else's object: not taken over", work: func() *workv1alpha1.Work { return newWork(desired(2, abort)) },
			cluster: controllertest.Cluster("member1"), member: []runtime.Object{inMember(5, false)},
			wantErr: true, wantReplicas: 5, wantManaged: false, wantApplied: "False",
			wantMessage: "already exists in cluster member1 and is not managed by the control plane",
			wantEvent:   "Warning SyncFailed Failed to sync work(karmada-es-member1/web-default-deployment) to cluster(member1)"},
		{name: "someone else's object with Overwrite: taken over", work: func() *workv1alpha1.Work { return newWork(desired(2, overwrite)) },
			cluster: controllertest.Cluster("member1"), member: []runtime.Object{inMember(5, false)},
			wantReplicas: 2, wantManaged: true, wantApplied: "True", wantEvent: "Normal SyncSucceed "},
		{name: "cluster not ready: nothing applied, looked at again", work: func() *workv1alpha1.Work { return newWork(desired(2, abort)) },
			cluster: notReady(controllertest.Cluster("member1")), wantRequeue: NotReadyRetry,
			wantEvent: "Normal WorkDispatching Work is being dispatched to member clusters."},
		{name: "dispatching suspended: nothing applied", work: func() *workv1alpha1.Work {
			w := newWork(desired(2, abort))
			w.Spec.SuspendDispatching = ptr.To(true)
			return w
		}, cluster: controllertest.Cluster("member1"), wantEvent: "Normal WorkDispatching Work dispatching is in a suspended state."},
		{name: "cluster does not exist", work: func() *workv1alpha1.Work { return newWork(desired(2, abort)) },
			wantApplied: "False", wantMessage: "cluster member1 does not exist"},
		{name: "a new Work gets its finalizer first", work: func() *workv1alpha1.Work {
			w := newWork(desired(2, abort))
			w.Finalizers = nil
			return w
		}, cluster: controllertest.Cluster("member1"), wantFinalize: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := []runtime.Object{tc.work()}
			if tc.cluster != nil {
				objs = append(objs, tc.cluster)
			}
			e, env, member := newExecution(t, objs, tc.member...)
			requeue, err := e.reconcile(env.Ctx, workKey)
			if (err != nil) != tc.wantErr || requeue != tc.wantRequeue {
				t.Fatalf("reconcile = %v, %v; want error %v, requeue %v", requeue, err, tc.wantErr, tc.wantRequeue)
			}
			got, err := member.Resource(controllertest.Deployments).Namespace("default").Get(env.Ctx, "web", metav1.GetOptions{})
			switch {
			case tc.wantReplicas == 0:
				if !apierrors.IsNotFound(err) {
					t.Errorf("member Deployment: %v, want none", err)
				}
			case err != nil:
				t.Fatalf("member Deployment: %v", err)
			default:
				if r, _, _ := unstructured.NestedInt64(got.Object, "spec", "replicas"); r != tc.wantReplicas {
					t.Errorf("member replicas %d, want %d", r, tc.wantReplicas)
				}
				if managed := got.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel] == "true"; managed != tc.wantManaged {
					t.Errorf("member labels %v, want managed=%v", got.GetLabels(), tc.wantManaged)
				}
			}
			w, err := env.Karmada.WorkV1alpha1().Works(workNS).Get(env.Ctx, "web-default-deployment", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied)
			switch {
			case tc.wantApplied == "" && c != nil:
				t.Errorf("Applied condition %+v, want none", c)
			case tc.wantApplied != "" && (c == nil || string(c.Status) != tc.wantApplied || !strings.Contains(c.Message, tc.wantMessage)):
				t.Errorf("Applied condition %+v, want %s with %q", c, tc.wantApplied, tc.wantMessage)
			}
			if tc.wantApplied == "True" {
				if len(w.Status.ManifestStatuses) != 1 || w.Status.ManifestStatuses[0].Identifier.Name != "web" || w.Status.ManifestStatuses[0].Identifier.Resource != "deployments" {
					t.Errorf("manifestStatuses %+v", w.Status.ManifestStatuses)
				}
			}
			if tc.wantFinalize != (len(w.Status.Conditions) == 0 && slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer)) {
				t.Errorf("finalizers %v conditions %v: want only the finalizer added = %v", w.Finalizers, w.Status.Conditions, tc.wantFinalize)
			}
			evs := env.Events()
			if tc.wantEvent != "" && !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, tc.wantEvent) }) {
				t.Errorf("events %q, want %q", evs, tc.wantEvent)
			}
		})
	}
}

// TestFinalize: a deleted Work removes its object from the member, or only releases it
// with preserveResourcesOnDeletion; an object that is not ours is never deleted.
func TestFinalize(t *testing.T) {
	cases := []struct {
		name        string
		preserve    bool
		member      *unstructured.Unstructured
		wantDeleted bool
	}{
		{"our object is deleted", false, inMember(2, true), true},
		{"preserved: released, not deleted", true, inMember(2, true), false},
		{"someone else's object stays", false, inMember(2, false), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWork(desired(2, workv1alpha2.ResourceConflictResolutionAbort))
			now := metav1.Now()
			w.DeletionTimestamp = &now
			w.Spec.PreserveResourcesOnDeletion = ptr.To(tc.preserve)
			e, env, member := newExecution(t, []runtime.Object{w, controllertest.Cluster("member1")}, tc.member)
			if _, err := e.reconcile(env.Ctx, workKey); err != nil {
				t.Fatal(err)
			}
			got, err := member.Resource(controllertest.Deployments).Namespace("default").Get(env.Ctx, "web", metav1.GetOptions{})
			if tc.wantDeleted {
				if !apierrors.IsNotFound(err) {
					t.Errorf("member object: %v, want deleted", err)
				}
			} else if err != nil {
				t.Fatalf("member object: %v, want kept", err)
			} else if tc.preserve && (got.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel] != "" || got.GetAnnotations()[workv1alpha2.WorkNameAnnotation] != "") {
				t.Errorf("preserved object still marked as ours: %v %v", got.GetLabels(), got.GetAnnotations())
			}
			w, err = env.Karmada.WorkV1alpha1().Works(workNS).Get(env.Ctx, w.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
				t.Errorf("finalizers %v, want the execution finalizer gone", w.Finalizers)
			}
		})
	}
}
