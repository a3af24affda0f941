package dependencies

import (
	"github.com/karmada-one/karmada-one/pkg/binding"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// newDistributor is the dependencies distributor on fake clients: bindings in objs,
// templates (workloads and their dependencies) in templates.
func newDistributor(t *testing.T, objs, templates []runtime.Object) (*controller, *controllertest.Env) {
	t.Helper()
	env := controllertest.New(t, controllertest.Objects{Karmada: objs, Templates: templates})
	d := &controller{
		c:        env.C,
		recorder: env.Recorder,
		queue:    controllers.NewTypedQueue[binding.Ref]("test-dependencies"),
		store:    binding.NewAccessor(env.C.KarmadaClient, env.C.KarmadaInformers),
		rbInf:    env.C.KarmadaInformers.Work().V1alpha2().ResourceBindings().Informer(),
		memory:   newMemory(),
	}
	t.Cleanup(d.queue.ShutDown)
	if err := d.rbInf.AddIndexers(cache.Indexers{dependencyIndex: dependencyIndexFunc}); err != nil {
		t.Fatal(err)
	}
	env.Start(t, controllertest.Deployments, controllertest.ConfigMaps, controllertest.Secrets)
	return d, env
}

// workload is Deployment ns/name whose pods mount ConfigMap cm and take env from Secret
// secret (either may be "").
func workload(name, cm, secret string) *unstructured.Unstructured {
	c := map[string]interface{}{"name": "c", "image": "nginx"}
	if secret != "" {
		c["envFrom"] = []interface{}{map[string]interface{}{"secretRef": map[string]interface{}{"name": secret}}}
	}
	spec := map[string]interface{}{"containers": []interface{}{c}}
	if cm != "" {
		spec["volumes"] = []interface{}{map[string]interface{}{"name": "v", "configMap": map[string]interface{}{"name": cm}}}
	}
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": name, "namespace": "default", "uid": "uid-" + name},
		"spec":     map[string]interface{}{"replicas": int64(1), "template": map[string]interface{}{"spec": spec}},
	}}
}

func object(kind, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": kind,
		"metadata": map[string]interface{}{"name": name, "namespace": "default", "uid": "uid-" + name}}}
	return u
}

// referrerOf is the claimed, scheduled binding of Deployment default/name with propagateDeps.
func referrerOf(name string, conflict policyv1alpha1.ConflictResolution, clusters ...string) *workv1alpha2.ResourceBinding {
	rb := &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name + "-deployment", UID: types.UID("uid-rb-" + name), Generation: 1,
			Labels: map[string]string{workv1alpha2.ResourceBindingPermanentIDLabel: "id-" + name,
				policyv1alpha1.PropagationPolicyPermanentIDLabel: "pp-id"}},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource:           workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
			PropagateDeps:      true,
			ConflictResolution: conflict,
			Placement:          &policyv1alpha1.Placement{},
		},
	}
	for _, c := range clusters {
		rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: c, Replicas: 1})
	}
	return rb
}

type fixture struct {
	d   *controller
	env *controllertest.Env
}

// attached reads binding name from the API server (nil when there is none).
func (e *fixture) attached(t *testing.T, name string) *workv1alpha2.ResourceBinding {
	t.Helper()
	b, err := e.env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(e.env.Ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *fixture) reconcile(t *testing.T, key string) {
	ns, name, _ := strings.Cut(key, "/")
	t.Helper()
	if _, err := e.d.reconcile(e.env.Ctx, binding.RB(ns, name)); err != nil {
		t.Fatalf("reconcile %s: %v", key, err)
	}
}

// requiredBy describes an attached binding's referrers: "name@cluster+cluster,...".
func requiredBy(b *workv1alpha2.ResourceBinding) string {
	var out []string
	for _, r := range b.Spec.RequiredBy {
		var cs []string
		for _, c := range r.Clusters {
			cs = append(cs, c.Name)
		}
		out = append(out, r.Name+"@"+strings.Join(cs, "+"))
	}
	return strings.Join(out, ",")
}

// TestReconcileAttaches: a referrer's existing dependencies get attached bindings that follow
// its clusters; nothing else does.
func TestReconcileAttaches(t *testing.T) {
	cases := []struct {
		name      string
		rb        func() *workv1alpha2.ResourceBinding
		templates []runtime.Object
		want      map[string]string // attached binding → its requiredBy; absent: no such binding
		wantFin   bool              // the referrer carries the distributor's finalizer
	}{
		{
			name:      "ConfigMap and Secret of a propagated Deployment",
			rb:        func() *workv1alpha2.ResourceBinding { return referrerOf("web", "", "member1", "member2") },
			templates: []runtime.Object{workload("web", "cfg", "sec"), object("ConfigMap", "cfg"), object("Secret", "sec"), object("ConfigMap", "unused")},
			want:      map[string]string{"cfg-configmap": "web-deployment@member1+member2", "sec-secret": "web-deployment@member1+member2"},
			wantFin:   true,
		},
		{
			name:      "a dependency that does not exist gets no binding",
			rb:        func() *workv1alpha2.ResourceBinding { return referrerOf("web", "", "member1") },
			templates: []runtime.Object{workload("web", "cfg", "missing"), object("ConfigMap", "cfg")},
			want:      map[string]string{"cfg-configmap": "web-deployment@member1"},
			wantFin:   true,
		},
		{
			name: "propagateDeps off: nothing is carried",
			rb: func() *workv1alpha2.ResourceBinding {
				rb := referrerOf("web", "", "member1")
				rb.Spec.PropagateDeps = false
				return rb
			},
			templates: []runtime.Object{workload("web", "cfg", ""), object("ConfigMap", "cfg")},
			want:      map[string]string{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, env := newDistributor(t, []runtime.Object{tc.rb()}, tc.templates)
			f := &fixture{d: d, env: env}
			f.reconcile(t, "default/web-deployment")
			for _, name := range []string{"cfg-configmap", "sec-secret", "unused-configmap", "missing-secret"} {
				b := f.attached(t, name)
				want, ok := tc.want[name]
				if !ok {
					if b != nil {
						t.Errorf("%s exists, want none", name)
					}
					continue
				}
				if b == nil {
					t.Errorf("%s missing", name)
					continue
				}
				if got := requiredBy(b); got != want {
					t.Errorf("%s requiredBy %q, want %q", name, got, want)
				}
				if b.Labels[names.GenerateDependedByLabelKey("default", "web-deployment")] != "id-web" || b.Spec.Placement != nil ||
					b.Spec.ConflictResolution != policyv1alpha1.ConflictAbort {
					t.Errorf("%s labels %v placement %v conflictResolution %q", name, b.Labels, b.Spec.Placement, b.Spec.ConflictResolution)
				}
				if o := metav1.GetControllerOf(b); o == nil || o.Name != strings.TrimSuffix(strings.TrimSuffix(name, "-configmap"), "-secret") {
					t.Errorf("%s controller %+v, want the dependency", name, o)
				}
			}
			rb, _ := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
			if hasFinalizer(rb) != tc.wantFin {
				t.Errorf("referrer finalizers %v, want the distributor's = %v", rb.Finalizers, tc.wantFin)
			}
			if tc.wantFin && !strings.Contains(rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey], `"name":"cfg"`) {
				t.Errorf("dependencies annotation %q", rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey])
			}
			evs := env.Events()
			if tc.wantFin && !slices.Contains(evs, "Normal SyncScheduleResultToDependenciesSucceed Sync schedule results to dependencies succeed.") {
				t.Errorf("events %q", evs)
			}
		})
	}
}

// TestReconcileWithdraws: a dependency no longer referenced loses its attached binding;
// one still needed by another referrer keeps it, resolved from the referrers that remain.
func TestReconcileWithdraws(t *testing.T) {
	web, api := referrerOf("web", policyv1alpha1.ConflictOverwrite, "member1"), referrerOf("api", "", "member2")
	d, env := newDistributor(t, []runtime.Object{web, api},
		[]runtime.Object{workload("web", "cfg", "sec"), workload("api", "cfg", ""), object("ConfigMap", "cfg"), object("Secret", "sec")})
	f := &fixture{d: d, env: env}
	f.reconcile(t, "default/web-deployment")
	f.reconcile(t, "default/api-deployment")

	cfg := f.attached(t, "cfg-configmap")
	if cfg == nil || requiredBy(cfg) != "web-deployment@member1,api-deployment@member2" {
		t.Fatalf("shared ConfigMap's binding %v", cfg)
	}
	// Referrers disagree: the most permissive wins, and the conflict is reported.
	if cfg.Spec.ConflictResolution != policyv1alpha1.ConflictOverwrite {
		t.Errorf("conflictResolution %q, want Overwrite", cfg.Spec.ConflictResolution)
	}
	if evs := env.Events(); !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, "Warning DependencyPolicyConflict ") }) {
		t.Errorf("events %q, want DependencyPolicyConflict", evs)
	}

	// web stops using the Secret and then stops propagating its dependencies.
	u := workload("web", "cfg", "")
	if _, err := env.Dynamic.Resource(controllertest.Deployments).Namespace("default").Update(env.Ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "the caches", func() bool {
		tmpl, _ := d.template(env.Ctx, "apps/v1", "Deployment", "default", "web")
		_, err := d.store.Get(binding.RB("default", "sec-secret"))
		return tmpl != nil && len(tmpl.GetUID()) > 0 && !strings.Contains(string(mustJSON(tmpl)), "secretRef") && err == nil
	})
	f.reconcile(t, "default/web-deployment")
	if b := f.attached(t, "sec-secret"); b != nil {
		t.Errorf("the Secret no longer referenced still has its binding: requiredBy %q", requiredBy(b))
	}
	if b := f.attached(t, "cfg-configmap"); b == nil || requiredBy(b) != "web-deployment@member1,api-deployment@member2" {
		t.Errorf("the ConfigMap still referenced lost its binding or referrers: %v", b)
	}

	rb, _ := env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
	rb.Spec.PropagateDeps = false
	if _, err := env.Karmada.WorkV1alpha2().ResourceBindings("default").Update(env.Ctx, rb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "the referrer's update in the cache", func() bool {
		b, err := d.store.Get(binding.RB("default", "web-deployment"))
		return err == nil && !b.Spec.PropagateDeps
	})
	f.reconcile(t, "default/web-deployment")
	cfg = f.attached(t, "cfg-configmap")
	if cfg == nil || requiredBy(cfg) != "api-deployment@member2" {
		t.Fatalf("the ConfigMap's binding after web withdrew: %v", cfg)
	}
	if cfg.Spec.ConflictResolution != policyv1alpha1.ConflictAbort || cfg.Labels[names.GenerateDependedByLabelKey("default", "web-deployment")] != "" {
		t.Errorf("after web withdrew: conflictResolution %q labels %v", cfg.Spec.ConflictResolution, cfg.Labels)
	}
	rb, _ = env.Karmada.WorkV1alpha2().ResourceBindings("default").Get(env.Ctx, "web-deployment", metav1.GetOptions{})
	if hasFinalizer(rb) {
		t.Errorf("web still holds the distributor's finalizer: %v", rb.Finalizers)
	}

	// The last referrer goes: the attached binding goes too.
	if err := env.Karmada.WorkV1alpha2().ResourceBindings("default").Delete(env.Ctx, "api-deployment", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "the deletion in the cache", func() bool {
		_, err := d.store.Get(binding.RB("default", "api-deployment"))
		b, err2 := d.store.Get(binding.RB("default", "cfg-configmap"))
		return apierrors.IsNotFound(err) && err2 == nil && requiredBy(b.ResourceBinding()) == "api-deployment@member2"
	})
	f.reconcile(t, "default/api-deployment")
	if b := f.attached(t, "cfg-configmap"); b != nil {
		t.Errorf("the ConfigMap nobody references still has its binding: %q", requiredBy(b))
	}
}

func mustJSON(u *unstructured.Unstructured) []byte {
	b, _ := u.MarshalJSON()
	return b
}
