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

package binding

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers/controllertest"
	"github.com/karmada-one/karmada-one/pkg/detector"
)

// bindingKinds runs every accessor case once for each kind. The two share a name so a
// mix-up of the kinds (or of an RB's namespace) finds the wrong object.
var bindingKinds = []struct {
	name string
	ref  Ref
}{
	{"ResourceBinding", RB("default", "nginx-deployment")},
	{"ClusterResourceBinding", CRB("nginx-deployment")},
}

type bindingOpt func(b *Binding)

func withLabels(l map[string]string) bindingOpt {
	return func(b *Binding) { b.Object.SetLabels(l) }
}

func withAnnotations(a map[string]string) bindingOpt {
	return func(b *Binding) { b.Object.SetAnnotations(a) }
}

func withFinalizers(f ...string) bindingOpt {
	return func(b *Binding) { b.Object.SetFinalizers(f) }
}

// newBinding is a binding of ref's kind with a resource, two scheduled clusters and
// opts applied; Spec.Resource.Name records the kind so a test can tell which it got.
func newBinding(ref Ref, opts ...bindingOpt) *Binding {
	b := New(ref)
	b.Spec.Resource = workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ref.Namespace, Name: ref.Kind()}
	b.Spec.Replicas = 2
	b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 1}, {Name: "member2", Replicas: 1}}
	for _, o := range opts {
		o(b)
	}
	return b
}

// startAccessor returns an accessor over synced informers of a fake clientset holding
// objs, with the clientset's recorded actions cleared.
func startAccessor(t *testing.T, objs ...*Binding) (*controllertest.Env, *Accessor) {
	t.Helper()
	var ro []runtime.Object
	for _, b := range objs {
		ro = append(ro, b.Object)
	}
	env := controllertest.New(t, controllertest.Objects{Karmada: ro})
	a := NewAccessor(env.Karmada, env.C.KarmadaInformers)
	env.Start(t)
	if !a.HasSynced() {
		t.Fatal("HasSynced() = false after the informers synced")
	}
	env.Karmada.ClearActions()
	return env, a
}

// writes are the recorded actions other than the informers' reads.
func writes(env *controllertest.Env) []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range env.Karmada.Actions() {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			out = append(out, a)
		}
	}
	return out
}

func expectNoWrites(t *testing.T, env *controllertest.Env) {
	t.Helper()
	if w := writes(env); len(w) != 0 {
		t.Errorf("want no writes, got %s", describe(w))
	}
}

func describe(actions []k8stesting.Action) string {
	var s []string
	for _, a := range actions {
		d := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			d += "/" + a.GetSubresource()
		}
		if p, ok := a.(k8stesting.PatchAction); ok {
			d += " " + string(p.GetPatch())
		}
		s = append(s, d)
	}
	return "[" + strings.Join(s, "; ") + "]"
}

// resourceOf is the API resource of ref's kind.
func resourceOf(ref Ref) string {
	if ref.Cluster {
		return "clusterresourcebindings"
	}
	return "resourcebindings"
}

// onlyWrite returns the single write recorded, checking its verb, resource, namespace
// and subresource.
func onlyWrite(t *testing.T, env *controllertest.Env, verb string, ref Ref, subresource string) k8stesting.Action {
	t.Helper()
	w := writes(env)
	if len(w) != 1 {
		t.Fatalf("want one %s, got %s", verb, describe(w))
	}
	a := w[0]
	if a.GetVerb() != verb || a.GetResource().Resource != resourceOf(ref) || a.GetNamespace() != ref.Namespace || a.GetSubresource() != subresource {
		t.Fatalf("want %s %s (namespace %q, subresource %q), got %s (namespace %q)",
			verb, resourceOf(ref), ref.Namespace, subresource, describe(w), a.GetNamespace())
	}
	return a
}

// stored reads ref from the fake API server (not the cache).
func stored(t *testing.T, env *controllertest.Env, ref Ref) *Binding {
	t.Helper()
	var obj any
	var err error
	if ref.Cluster {
		obj, err = env.Karmada.WorkV1alpha2().ClusterResourceBindings().Get(context.Background(), ref.Name, metav1.GetOptions{})
	} else {
		obj, err = env.Karmada.WorkV1alpha2().ResourceBindings(ref.Namespace).Get(context.Background(), ref.Name, metav1.GetOptions{})
	}
	if err != nil {
		t.Fatalf("get %s: %v", ref, err)
	}
	b, ok := Wrap(obj)
	if !ok {
		t.Fatalf("get %s returned %T", ref, obj)
	}
	return b
}

func refs(bs []*Binding) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Ref().String())
	}
	sort.Strings(out)
	return out
}

func TestAccessorGet(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			// The other kind with the same name, and an RB of the same name elsewhere.
			_, a := startAccessor(t, newBinding(RB("default", "nginx-deployment")), newBinding(CRB("nginx-deployment")),
				newBinding(RB("other", "nginx-deployment")))
			b, err := a.Get(k.ref)
			if err != nil {
				t.Fatal(err)
			}
			if b.Ref() != k.ref || b.Cluster() != k.ref.Cluster {
				t.Errorf("Get(%s) returned %s (cluster %v)", k.ref, b.Ref(), b.Cluster())
			}
			if b.Spec.Resource.Name != k.ref.Kind() || b.Spec.Replicas != 2 || len(b.Spec.Clusters) != 2 {
				t.Errorf("Get(%s) spec = %+v", k.ref, *b.Spec)
			}
			if k.ref.Cluster && (b.ClusterResourceBinding() == nil || b.ResourceBinding() != nil) ||
				!k.ref.Cluster && (b.ResourceBinding() == nil || b.ClusterResourceBinding() != nil) {
				t.Errorf("Get(%s) returned a %T", k.ref, b.Object)
			}

			missing := k.ref
			missing.Name = "absent"
			if _, err := a.Get(missing); !apierrors.IsNotFound(err) {
				t.Errorf("Get(%s) error = %v, want NotFound", missing, err)
			}
		})
	}
	t.Run("ResourceBinding in another namespace", func(t *testing.T) {
		_, a := startAccessor(t, newBinding(CRB("x")))
		if _, err := a.Get(RB("default", "x")); !apierrors.IsNotFound(err) {
			t.Errorf("Get(rb:default/x) with only crb:x error = %v, want NotFound", err)
		}
	})
}

func TestAccessorList(t *testing.T) {
	web := withLabels(map[string]string{"app": "web"})
	db := withLabels(map[string]string{"app": "db"})
	_, a := startAccessor(t,
		newBinding(RB("default", "a"), web),
		newBinding(RB("other", "b"), db),
		newBinding(RB("default", "c"), db),
		newBinding(CRB("d"), web),
		newBinding(CRB("e")),
	)
	appWeb := labels.SelectorFromSet(labels.Set{"app": "web"})
	appDB := labels.SelectorFromSet(labels.Set{"app": "db"})

	listCases := []struct {
		name string
		sel  labels.Selector
		want []string
	}{
		{"everything", labels.Everything(), []string{"crb:d", "crb:e", "rb:default/a", "rb:default/c", "rb:other/b"}},
		{"app=web", appWeb, []string{"crb:d", "rb:default/a"}},
		{"app=db", appDB, []string{"rb:default/c", "rb:other/b"}},
		{"none", labels.SelectorFromSet(labels.Set{"app": "none"}), nil},
	}
	for _, c := range listCases {
		t.Run("List "+c.name, func(t *testing.T) {
			bs, err := a.List(c.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := refs(bs); !slices.Equal(got, c.want) {
				t.Errorf("List(%s) = %v, want %v", c.sel, got, c.want)
			}
			for _, b := range bs {
				if b.Spec == nil || b.Status == nil || b.Spec.Resource.Name != b.Ref().Kind() {
					t.Errorf("List returned %s with spec %+v", b.Ref(), b.Spec)
				}
			}
		})
	}

	rbCases := []struct {
		name, namespace string
		sel             labels.Selector
		want            []string
	}{
		{"default", "default", labels.Everything(), []string{"default/a", "default/c"}},
		{"all namespaces", "", labels.Everything(), []string{"default/a", "default/c", "other/b"}},
		{"default app=db", "default", appDB, []string{"default/c"}},
		{"other app=web", "other", appWeb, nil},
		{"empty namespace", "nowhere", labels.Everything(), nil},
	}
	for _, c := range rbCases {
		t.Run("ListResourceBindings "+c.name, func(t *testing.T) {
			rbs, err := a.ListResourceBindings(c.namespace, c.sel)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rb := range rbs {
				got = append(got, rb.Namespace+"/"+rb.Name)
			}
			sort.Strings(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("ListResourceBindings(%q, %s) = %v, want %v", c.namespace, c.sel, got, c.want)
			}
		})
	}
}

func TestAccessorCreateUpdate(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			env, a := startAccessor(t)
			ctx := env.Ctx
			created, err := a.Create(ctx, newBinding(k.ref, withLabels(map[string]string{"app": "web"})))
			if err != nil {
				t.Fatal(err)
			}
			if created.Ref() != k.ref {
				t.Errorf("Create returned %s, want %s", created.Ref(), k.ref)
			}
			onlyWrite(t, env, "create", k.ref, "")
			s := stored(t, env, k.ref)
			if s.Object.GetLabels()["app"] != "web" || s.Spec.Resource.Name != k.ref.Kind() || len(s.Spec.Clusters) != 2 {
				t.Errorf("stored after Create: labels %v, spec %+v", s.Object.GetLabels(), *s.Spec)
			}
			if _, err := a.Create(ctx, newBinding(k.ref)); !apierrors.IsAlreadyExists(err) {
				t.Errorf("second Create error = %v, want AlreadyExists", err)
			}

			env.Karmada.ClearActions()
			s.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member3", Replicas: 2}}
			updated, err := a.Update(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if updated.Ref() != k.ref || len(updated.Spec.Clusters) != 1 || updated.Spec.Clusters[0].Name != "member3" {
				t.Errorf("Update returned %s with clusters %v", updated.Ref(), updated.Spec.Clusters)
			}
			onlyWrite(t, env, "update", k.ref, "")
			if got := stored(t, env, k.ref).Spec.Clusters; len(got) != 1 || got[0].Name != "member3" {
				t.Errorf("stored clusters after Update = %v", got)
			}

			missing := New(Ref{Cluster: k.ref.Cluster, Namespace: k.ref.Namespace, Name: "absent"})
			if _, err := a.Update(ctx, missing); !apierrors.IsNotFound(err) {
				t.Errorf("Update of a missing binding error = %v, want NotFound", err)
			}
		})
	}
}

func TestAccessorPatch(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			env, a := startAccessor(t, newBinding(k.ref, withLabels(map[string]string{"app": "web"})))
			old, err := a.Get(k.ref)
			if err != nil {
				t.Fatal(err)
			}

			// Nothing changed: nothing is sent, and cur comes back.
			same := old.DeepCopy()
			got, wrote, err := a.Patch(env.Ctx, old, same)
			if err != nil || wrote || got != same {
				t.Errorf("Patch(equal) = %p, %v, %v; want cur, false, nil", got, wrote, err)
			}
			expectNoWrites(t, env)

			// Another writer changes the replicas after our read: a patch of an
			// annotation must not send (and so not revert) them, nor the clusters.
			s := stored(t, env, k.ref)
			s.Spec.Replicas = 5
			if _, err := a.Update(env.Ctx, s); err != nil {
				t.Fatal(err)
			}
			env.Karmada.ClearActions()

			cur := old.DeepCopy()
			cur.Object.SetAnnotations(map[string]string{"note": "hello"})
			got, wrote, err = a.Patch(env.Ctx, old, cur)
			if err != nil || !wrote {
				t.Fatalf("Patch = %v, %v; want written", wrote, err)
			}
			if got.Ref() != k.ref || got.Object.GetAnnotations()["note"] != "hello" {
				t.Errorf("Patch returned %s with annotations %v", got.Ref(), got.Object.GetAnnotations())
			}
			p := onlyWrite(t, env, "patch", k.ref, "").(k8stesting.PatchAction)
			if p.GetPatchType() != types.StrategicMergePatchType {
				t.Errorf("patch type = %s, want strategic merge", p.GetPatchType())
			}
			if p.GetName() != k.ref.Name {
				t.Errorf("patched %q, want %q", p.GetName(), k.ref.Name)
			}
			var body map[string]any
			if err := json.Unmarshal(p.GetPatch(), &body); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"metadata": map[string]any{"annotations": map[string]any{"note": "hello"}}}
			if b, _ := json.Marshal(body); string(b) != mustJSON(t, want) {
				t.Errorf("patch body = %s, want %s", p.GetPatch(), mustJSON(t, want))
			}
			for _, untouched := range []string{"clusters", "replicas", "resourceVersion", "labels", "status"} {
				if strings.Contains(string(p.GetPatch()), untouched) {
					t.Errorf("patch body %s sends untouched %s", p.GetPatch(), untouched)
				}
			}
			s = stored(t, env, k.ref)
			if s.Spec.Replicas != 5 || len(s.Spec.Clusters) != 2 || s.Object.GetAnnotations()["note"] != "hello" || s.Object.GetLabels()["app"] != "web" {
				t.Errorf("stored after Patch: replicas %d, clusters %v, annotations %v, labels %v",
					s.Spec.Replicas, s.Spec.Clusters, s.Object.GetAnnotations(), s.Object.GetLabels())
			}
			if old.Object.GetAnnotations()["note"] != "" {
				t.Error("Patch changed the cached old object")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAccessorPatchStatus(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			seed := newBinding(k.ref)
			seed.Status.SchedulerObservedGeneration = 1
			env, a := startAccessor(t, seed)
			b, err := a.Get(k.ref)
			if err != nil {
				t.Fatal(err)
			}

			wrote, err := a.PatchStatus(env.Ctx, b, b.Status.DeepCopy())
			if err != nil || wrote {
				t.Errorf("PatchStatus(unchanged) = %v, %v; want false, nil", wrote, err)
			}
			expectNoWrites(t, env)

			st := b.Status.DeepCopy()
			st.SchedulerObservedGeneration = 4
			st.Conditions = []metav1.Condition{{Type: "Scheduled", Status: metav1.ConditionTrue, Reason: "Success",
				LastTransitionTime: metav1.Unix(1700000000, 0)}}
			wrote, err = a.PatchStatus(env.Ctx, b, st)
			if err != nil || !wrote {
				t.Fatalf("PatchStatus = %v, %v; want true, nil", wrote, err)
			}
			p := onlyWrite(t, env, "patch", k.ref, "status").(k8stesting.PatchAction)
			if p.GetPatchType() != types.StrategicMergePatchType {
				t.Errorf("patch type = %s, want strategic merge", p.GetPatchType())
			}
			var body map[string]any
			if err := json.Unmarshal(p.GetPatch(), &body); err != nil {
				t.Fatal(err)
			}
			if _, ok := body["status"]; !ok || len(body) != 1 {
				t.Errorf("status patch body = %s, want only status", p.GetPatch())
			}
			s := stored(t, env, k.ref)
			if s.Status.SchedulerObservedGeneration != 4 || len(s.Status.Conditions) != 1 || s.Status.Conditions[0].Type != "Scheduled" {
				t.Errorf("stored status = %+v", *s.Status)
			}
			if len(s.Spec.Clusters) != 2 {
				t.Errorf("stored clusters after PatchStatus = %v", s.Spec.Clusters)
			}
			if b.Status.SchedulerObservedGeneration != 1 || len(b.Status.Conditions) != 0 {
				t.Errorf("PatchStatus changed the binding passed in: %+v", *b.Status)
			}
		})
	}
}

func TestAccessorRemoveFinalizer(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			env, a := startAccessor(t, newBinding(k.ref, withFinalizers("example.io/first", k.ref.Finalizer(), "example.io/last")))
			b, err := a.Get(k.ref)
			if err != nil {
				t.Fatal(err)
			}

			if err := a.RemoveFinalizer(env.Ctx, b, "example.io/absent"); err != nil {
				t.Fatal(err)
			}
			expectNoWrites(t, env)

			if err := a.RemoveFinalizer(env.Ctx, b, k.ref.Finalizer()); err != nil {
				t.Fatal(err)
			}
			onlyWrite(t, env, "update", k.ref, "")
			if got, want := stored(t, env, k.ref).Object.GetFinalizers(), []string{"example.io/first", "example.io/last"}; !slices.Equal(got, want) {
				t.Errorf("finalizers after RemoveFinalizer = %v, want %v", got, want)
			}
			if got := b.Object.GetFinalizers(); len(got) != 3 {
				t.Errorf("RemoveFinalizer changed the cached binding: finalizers %v", got)
			}

			gone := newBinding(Ref{Cluster: k.ref.Cluster, Namespace: k.ref.Namespace, Name: "gone"}, withFinalizers(k.ref.Finalizer()))
			if err := a.RemoveFinalizer(env.Ctx, gone, k.ref.Finalizer()); err != nil {
				t.Errorf("RemoveFinalizer of a missing binding = %v, want nil", err)
			}
		})
	}
}

func TestAccessorReleaseClaim(t *testing.T) {
	ppClaim := []bindingOpt{
		withLabels(map[string]string{
			policyv1alpha1.PropagationPolicyPermanentIDLabel: "pp-id",
			"app": "web",
		}),
		withAnnotations(map[string]string{
			policyv1alpha1.PropagationPolicyNamespaceAnnotation: "default",
			policyv1alpha1.PropagationPolicyNameAnnotation:      "nginx-pp",
			"keep": "me",
		}),
	}
	cppClaim := []bindingOpt{
		withLabels(map[string]string{
			policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "cpp-id",
			"app": "web",
		}),
		withAnnotations(map[string]string{
			policyv1alpha1.ClusterPropagationPolicyAnnotation: "all-cpp",
			"keep": "me",
		}),
	}
	for _, k := range bindingKinds {
		for _, claim := range []struct {
			name string
			opts []bindingOpt
		}{{"PropagationPolicy", ppClaim}, {"ClusterPropagationPolicy", cppClaim}} {
			t.Run(k.name+" claimed by "+claim.name, func(t *testing.T) {
				seed := newBinding(k.ref, claim.opts...)
				seed.Object.GetLabels()[k.ref.PermanentIDLabel()] = "binding-id"
				env, a := startAccessor(t, seed)
				cached, err := a.Get(k.ref)
				if err != nil {
					t.Fatal(err)
				}
				if !cached.Claimed() {
					t.Fatal("seeded binding is not claimed")
				}
				if err := a.ReleaseClaim(env.Ctx, k.ref); err != nil {
					t.Fatal(err)
				}
				onlyWrite(t, env, "update", k.ref, "")
				s := stored(t, env, k.ref)
				for _, key := range detector.ClaimLabelKeys {
					if _, ok := s.Object.GetLabels()[key]; ok {
						t.Errorf("label %s kept", key)
					}
				}
				for _, key := range detector.ClaimAnnotationKeys {
					if _, ok := s.Object.GetAnnotations()[key]; ok {
						t.Errorf("annotation %s kept", key)
					}
				}
				if l := s.Object.GetLabels(); l["app"] != "web" || l[k.ref.PermanentIDLabel()] != "binding-id" {
					t.Errorf("labels after ReleaseClaim = %v, want app and the binding's permanent id kept", l)
				}
				if s.Object.GetAnnotations()["keep"] != "me" {
					t.Errorf("annotations after ReleaseClaim = %v, want keep kept", s.Object.GetAnnotations())
				}
				if len(s.Spec.Clusters) != 2 {
					t.Errorf("clusters after ReleaseClaim = %v, want kept", s.Spec.Clusters)
				}
				if s.Claimed() {
					t.Error("binding still claimed after ReleaseClaim")
				}
				// The cached object is shared: ReleaseClaim must not change it (the
				// informer replaces it with the written one; it never edits it).
				if !cached.Claimed() {
					t.Error("ReleaseClaim changed the cached binding")
				}
			})
		}
		t.Run(k.name+" unclaimed", func(t *testing.T) {
			env, a := startAccessor(t, newBinding(k.ref, withLabels(map[string]string{"app": "web"}),
				withAnnotations(map[string]string{"keep": "me"})))
			if err := a.ReleaseClaim(env.Ctx, k.ref); err != nil {
				t.Fatal(err)
			}
			expectNoWrites(t, env)
		})
		t.Run(k.name+" missing", func(t *testing.T) {
			env, a := startAccessor(t)
			if err := a.ReleaseClaim(env.Ctx, k.ref); err != nil {
				t.Errorf("ReleaseClaim of a missing binding = %v, want nil", err)
			}
			expectNoWrites(t, env)
		})
	}
}

func TestAccessorEventHandler(t *testing.T) {
	_, a := startAccessor(t, newBinding(RB("default", "a")), newBinding(CRB("b")))
	var mu sync.Mutex
	seen := map[Ref]bool{}
	err := a.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		if r, ok := RefOf(obj); ok {
			mu.Lock()
			seen[r] = true
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "adds of both kinds", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[RB("default", "a")] && seen[CRB("b")]
	})
}
