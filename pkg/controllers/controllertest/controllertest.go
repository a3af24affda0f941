// Package controllertest builds controllers.Context on fake clients, for reconcile tests
// that run without an API server or members: the Karmada and kube fake clientsets with
// their informer factories, resource templates in a fake dynamic client, a REST mapper
// of the kinds the tests use, and a fake Event recorder.
package controllertest

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// Kinds the fake mapper and dynamic clients know.
var (
	Deployments  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	ConfigMaps   = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	Secrets      = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	Namespaces   = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	ClusterRoles = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
)

var kinds = []struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
}{
	{Deployments, "Deployment", true},
	{ConfigMaps, "ConfigMap", true},
	{Secrets, "Secret", true},
	{Namespaces, "Namespace", false},
	{ClusterRoles, "ClusterRole", false},
}

// Mapper maps the kinds above.
func Mapper() meta.ResettableRESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	for _, k := range kinds {
		scope := meta.RESTScopeRoot
		if k.namespaced {
			scope = meta.RESTScopeNamespace
		}
		m.AddSpecific(k.gvr.GroupVersion().WithKind(k.kind), k.gvr, k.gvr.GroupVersion().WithResource(k.gvr.Resource[:len(k.gvr.Resource)-1]), scope)
	}
	return resettable{m}
}

type resettable struct{ *meta.DefaultRESTMapper }

func (resettable) Reset() {}

// NewDynamic is a fake dynamic client (a control plane's or a member's) that can list
// the kinds above, holding objs.
func NewDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	lists := map[schema.GroupVersionResource]string{}
	for _, k := range kinds {
		lists[k.gvr] = k.kind + "List"
	}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
}

// Env is a controllers.Context on fake clients.
type Env struct {
	Ctx      context.Context
	C        *controllers.Context
	Karmada  *fake.Clientset
	Kube     *kubefake.Clientset
	Dynamic  *dynamicfake.FakeDynamicClient
	Recorder *record.FakeRecorder
}

// Objects is what an Env starts with.
type Objects struct {
	// Karmada are Karmada API objects (policies, bindings, Works, Clusters).
	Karmada []runtime.Object
	// Kube are objects of the typed kube clientset (PriorityClasses, ConfigMaps of the
	// control plane's own namespace).
	Kube []runtime.Object
	// Templates are resource templates (unstructured) in the dynamic client.
	Templates []runtime.Object
	// TemplateIndexers are added to every template informer.
	TemplateIndexers cache.Indexers
}

// New returns an Env holding objs; it stops with the test. Controllers ask for their
// listers and informers, then Start starts and syncs them.
func New(t *testing.T, objs Objects) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kc := fake.NewSimpleClientset(objs.Karmada...)
	kube := kubefake.NewSimpleClientset(objs.Kube...)
	dyn := NewDynamic(objs.Templates...)
	rec := record.NewFakeRecorder(100)
	mapper := Mapper()
	c := &controllers.Context{
		Options:            controllers.Options{Workers: 1, WorkSyncs: 1},
		ControlPlaneClient: kube,
		KarmadaClient:      kc,
		KubeInformers:      kubeinformers.NewSharedInformerFactory(kube, 0),
		KarmadaInformers:   karmadainformers.NewSharedInformerFactory(kc, 0),
		EventRecorder:      func(string) record.EventRecorder { return rec },
		Dynamic:            dyn,
		Templates:          controllers.NewTemplates(ctx, dyn, mapper, objs.TemplateIndexers),
		Mapper:             mapper,
		Interpreter:        interpreter.Default(),
	}
	return &Env{Ctx: ctx, C: c, Karmada: kc, Kube: kube, Dynamic: dyn, Recorder: rec}
}

// Start starts the informers asked for so far and the template informers of gvrs, and
// waits until they have synced.
func (e *Env) Start(t *testing.T, gvrs ...schema.GroupVersionResource) {
	t.Helper()
	e.C.KarmadaInformers.Start(e.Ctx.Done())
	e.C.KubeInformers.Start(e.Ctx.Done())
	for typ, ok := range e.C.KarmadaInformers.WaitForCacheSync(e.Ctx.Done()) {
		if !ok {
			t.Fatalf("informer of %v did not sync", typ)
		}
	}
	e.C.KubeInformers.WaitForCacheSync(e.Ctx.Done())
	for _, gvr := range gvrs {
		if _, err := e.C.Templates.Synced(e.Ctx, gvr); err != nil {
			t.Fatal(err)
		}
	}
}

// Events drains the recorded Events.
func (e *Env) Events() []string {
	return Drain(e.Recorder)
}

// Drain returns the Events rec holds, emptying it.
func Drain(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case ev := <-rec.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// Eventually polls cond (every 10ms, for up to 5s) and fails the test when it never
// holds: informers on fake clients see writes asynchronously.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Cluster is a Ready member cluster that serves the kinds above and has room.
func Cluster(name string) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, k := range kinds {
		gv := k.gvr.GroupVersion().String()
		i := -1
		for j := range c.Status.APIEnablements {
			if c.Status.APIEnablements[j].GroupVersion == gv {
				i = j
			}
		}
		if i < 0 {
			c.Status.APIEnablements = append(c.Status.APIEnablements, clusterv1alpha1.APIEnablement{GroupVersion: gv})
			i = len(c.Status.APIEnablements) - 1
		}
		c.Status.APIEnablements[i].Resources = append(c.Status.APIEnablements[i].Resources,
			clusterv1alpha1.APIResource{Name: k.gvr.Resource, Kind: k.kind})
	}
	c.Status.Conditions = []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue,
		Reason: "ClusterReady", LastTransitionTime: metav1.Now()}}
	c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{Allocatable: corev1.ResourceList{
		corev1.ResourcePods:   resource.MustParse("100"),
		corev1.ResourceCPU:    resource.MustParse("100"),
		corev1.ResourceMemory: resource.MustParse("1Ti"),
	}}
	return c
}
