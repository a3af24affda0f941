package unifiedauth

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Karmada's tools and e2e tests look the Works up by these names.
func TestWorkNames(t *testing.T) {
	if got := names.GenerateWorkName("ClusterRole", ImpersonatorName, ""); got != "karmada-impersonator-7cbb6bd5c9" {
		t.Errorf("ClusterRole Work %q, want karmada-impersonator-7cbb6bd5c9", got)
	}
	if got := names.GenerateWorkName("ClusterRoleBinding", ImpersonatorName, ""); got != "karmada-impersonator-84f8c8f8c6" {
		t.Errorf("ClusterRoleBinding Work %q, want karmada-impersonator-84f8c8f8c6", got)
	}
	if !workNames.Has("karmada-impersonator-7cbb6bd5c9") || !workNames.Has("karmada-impersonator-84f8c8f8c6") || workNames.Len() != 2 {
		t.Errorf("workNames %v", workNames.UnsortedList())
	}
}

func rule(groups, resources, names []string, verbs ...string) rbacv1.PolicyRule {
	if len(verbs) == 0 {
		verbs = []string{"get"}
	}
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, ResourceNames: names, Verbs: verbs}
}

func l(s ...string) []string { return s }

func TestRuleGrantsProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rule    rbacv1.PolicyRule
		cluster string
		want    bool
	}{
		{"clusters/proxy", rule(l("cluster.karmada.io"), l("clusters/proxy"), nil), "member1", true},
		{"clusters/proxy, any cluster", rule(l("cluster.karmada.io"), l("clusters/proxy"), nil), "", true},
		{"clusters/proxy named", rule(l("cluster.karmada.io"), l("clusters/proxy"), l("member1")), "member1", true},
		{"clusters/proxy named elsewhere", rule(l("cluster.karmada.io"), l("clusters/proxy"), l("member2")), "member1", false},
		{"clusters/proxy named elsewhere, any cluster", rule(l("cluster.karmada.io"), l("clusters/proxy"), l("member2")), "", true},
		{"wildcard group and resource (cluster-admin)", rule(l("*"), l("*"), nil, "*"), "member1", true},
		{"*/proxy", rule(l("cluster.karmada.io"), l("*/proxy"), nil), "member1", true},
		{"clusters only", rule(l("cluster.karmada.io"), l("clusters"), nil, "*"), "member1", false},
		{"other group", rule(l("apps"), l("clusters/proxy"), nil), "member1", false},
		{"the view", rule(l("search.karmada.io"), l("proxying/proxy"), nil), "member1", true},
		{"the view by name still reaches every member", rule(l("search.karmada.io"), l("proxying/proxy"), l("karmada")), "member1", true},
		{"search wildcard resource", rule(l("search.karmada.io"), l("*"), nil), "member1", true},
		{"resourceregistries", rule(l("search.karmada.io"), l("resourceregistries"), nil), "member1", false},
		{"non-resource URLs", rbacv1.PolicyRule{NonResourceURLs: l("*"), Verbs: l("get")}, "member1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ruleGrantsProxy(&tc.rule, tc.cluster); got != tc.want {
				t.Errorf("ruleGrantsProxy(%+v, %q) = %v, want %v", tc.rule, tc.cluster, got, tc.want)
			}
		})
	}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func crb(name, roleKind, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: roleKind, Name: role}, Subjects: subjects}
}

func user(n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}
}
func group(n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: n}
}
func sa(ns, n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: n}
}

// controlPlaneRBAC is a small control plane: kube's cluster-admin, Karmada's
// cluster-proxy-admin, a view role, a role for member1's proxy only and an unrelated one.
func controlPlaneRBAC() ([]*rbacv1.ClusterRole, []*rbacv1.ClusterRoleBinding) {
	roles := []*rbacv1.ClusterRole{
		clusterRole("cluster-admin", rule(l("*"), l("*"), nil, "*"), rbacv1.PolicyRule{NonResourceURLs: l("*"), Verbs: l("*")}),
		clusterRole("cluster-proxy-admin", rule(l("cluster.karmada.io"), l("clusters/proxy"), nil, "*")),
		clusterRole("merged-view", rule(l("search.karmada.io"), l("proxying/proxy"), nil)),
		clusterRole("member1-proxy", rule(l("cluster.karmada.io"), l("clusters/proxy"), l("member1"))),
		clusterRole("view", rule(l(""), l("pods"), nil, "get", "list")),
	}
	bindings := []*rbacv1.ClusterRoleBinding{
		crb("cluster-admin", "ClusterRole", "cluster-admin", group("system:masters")),
		crb("cluster-proxy-admin", "ClusterRole", "cluster-proxy-admin", user("karmada-admin")),
		crb("alice-view", "ClusterRole", "merged-view", sa("default", "alice"), user("zed")),
		crb("bob-member1", "ClusterRole", "member1-proxy", user("bob"), group("team-a")),
		crb("carol-pods", "ClusterRole", "view", user("carol")),
		crb("dangling", "ClusterRole", "gone", user("dave")),
		// Same name, other namespace: one resourceName.
		crb("alice-again", "ClusterRole", "merged-view", sa("other", "alice")),
	}
	return roles, bindings
}

func TestImpersonationRulesFromRBAC(t *testing.T) {
	roles, bindings := controlPlaneRBAC()
	impersonate := func(resource string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{Verbs: l("impersonate"), APIGroups: l(""), Resources: l(resource), ResourceNames: names}
	}
	for _, tc := range []struct {
		cluster string
		want    []rbacv1.PolicyRule
	}{
		{"member1", []rbacv1.PolicyRule{
			impersonate("users", "bob", "karmada-admin", "zed"),
			impersonate("serviceaccounts", "alice"),
			impersonate("groups", "system:masters", "team-a"),
		}},
		{"member2", []rbacv1.PolicyRule{
			impersonate("users", "karmada-admin", "zed"),
			impersonate("serviceaccounts", "alice"),
			impersonate("groups", "system:masters"),
		}},
	} {
		t.Run(tc.cluster, func(t *testing.T) {
			got := ImpersonationRules(ProxySubjects(tc.cluster, roles, bindings))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rules\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	// Only groups: no rule for users or service accounts.
	got := ImpersonationRules([]rbacv1.Subject{group("b"), group("a"), group("b")})
	if len(got) != 1 || got[0].Resources[0] != "groups" || !reflect.DeepEqual(got[0].ResourceNames, l("a", "b")) {
		t.Errorf("groups only: %+v", got)
	}
	// Nobody: no rules, written as an empty list so that older rules in the member go.
	if got := ImpersonationRules(nil); got == nil || len(got) != 0 {
		t.Errorf("no subjects: %#v, want an empty non-nil list", got)
	}
}

func testCluster() *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1", UID: types.UID("cluster-uid")},
		Spec: clusterv1alpha1.ClusterSpec{
			SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
			ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1-impersonator"},
		},
	}
}

func TestDesiredWorks(t *testing.T) {
	works, err := DesiredWorks(testCluster(), []rbacv1.Subject{group("system:masters"), user("karmada-admin")})
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 2 {
		t.Fatalf("%d works", len(works))
	}
	for i, want := range []struct{ work, kind string }{
		{"karmada-impersonator-7cbb6bd5c9", "ClusterRole"},
		{"karmada-impersonator-84f8c8f8c6", "ClusterRoleBinding"},
	} {
		w := works[i]
		m := w.Manifest
		if w.Namespace != "karmada-es-member1" || w.Name != want.work {
			t.Errorf("work %d is %s/%s, want karmada-es-member1/%s", i, w.Namespace, w.Name, want.work)
		}
		if m.GetAPIVersion() != "rbac.authorization.k8s.io/v1" || m.GetKind() != want.kind || m.GetName() != "karmada-impersonator" || m.GetNamespace() != "" {
			t.Errorf("manifest %s %s %s/%s", m.GetAPIVersion(), m.GetKind(), m.GetNamespace(), m.GetName())
		}
		wantLabels := map[string]string{"karmada.io/system": "true", "karmada.io/managed": "true"}
		if !reflect.DeepEqual(m.GetLabels(), wantLabels) {
			t.Errorf("%s labels %v, want %v", want.kind, m.GetLabels(), wantLabels)
		}
		a := m.GetAnnotations()
		if a["work.karmada.io/conflict-resolution"] != "overwrite" || a["work.karmada.io/name"] != want.work || a["work.karmada.io/namespace"] != "karmada-es-member1" {
			t.Errorf("%s annotations %v", want.kind, a)
		}
		if _, found := m.Object["metadata"].(map[string]interface{})["creationTimestamp"]; found {
			t.Errorf("%s manifest carries creationTimestamp", want.kind)
		}
		if len(w.OwnerReferences) != 1 || w.OwnerReferences[0].Kind != "Cluster" || w.OwnerReferences[0].UID != "cluster-uid" ||
			w.OwnerReferences[0].APIVersion != "cluster.karmada.io/v1alpha1" || w.OwnerReferences[0].Controller == nil || !*w.OwnerReferences[0].Controller {
			t.Errorf("%s owner references %+v", want.kind, w.OwnerReferences)
		}
	}
	raw, _ := json.Marshal(works[0].Manifest.Object["rules"])
	if string(raw) != `[{"apiGroups":[""],"resourceNames":["karmada-admin"],"resources":["users"],"verbs":["impersonate"]},`+
		`{"apiGroups":[""],"resourceNames":["system:masters"],"resources":["groups"],"verbs":["impersonate"]}]` {
		t.Errorf("rules %s", raw)
	}
	raw, _ = json.Marshal(map[string]interface{}{"roleRef": works[1].Manifest.Object["roleRef"], "subjects": works[1].Manifest.Object["subjects"]})
	if string(raw) != `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"karmada-impersonator"},`+
		`"subjects":[{"kind":"ServiceAccount","name":"karmada-impersonator","namespace":"karmada-cluster"}]}` {
		t.Errorf("binding %s", raw)
	}
	// No subjects: "rules": [] (not null), so the member's old rules are replaced.
	works, err = DesiredWorks(testCluster(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(works[0].Manifest.Object["rules"]); string(raw) != "[]" {
		t.Errorf("no subjects: rules %s, want []", raw)
	}
}

// fixture is the controller on listers the test fills, writing to a fake clientset.
type fixture struct {
	u        *controller
	client   *fake.Clientset
	works    cache.Indexer
	roles    cache.Indexer
	bindings cache.Indexer
	recorder *record.FakeRecorder
}

func newFixture(t *testing.T, cluster *clusterv1alpha1.Cluster, withNamespace bool) *fixture {
	t.Helper()
	idx := func() cache.Indexer {
		return cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	}
	f := &fixture{client: fake.NewSimpleClientset(), works: idx(), roles: idx(), bindings: idx(), recorder: record.NewFakeRecorder(10)}
	clusters, namespaces := idx(), idx()
	_ = clusters.Add(cluster)
	if withNamespace {
		_ = namespaces.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "karmada-es-" + cluster.Name}})
	}
	roles, bindings := controlPlaneRBAC()
	for _, r := range roles {
		_ = f.roles.Add(r)
	}
	for _, b := range bindings {
		_ = f.bindings.Add(b)
	}
	f.u = &controller{
		c:          &controllers.Context{KarmadaClient: f.client},
		clusters:   clusterlisters.NewClusterLister(clusters),
		roles:      rbaclisters.NewClusterRoleLister(f.roles),
		bindings:   rbaclisters.NewClusterRoleBindingLister(f.bindings),
		namespaces: corelisters.NewNamespaceLister(namespaces),
		works:      worklisters.NewWorkLister(f.works),
		recorder:   f.recorder,
	}
	return f
}

// reconcile runs one reconcile and then feeds the Works the fake API holds to the lister,
// as the informer would; it returns the write actions of that reconcile.
func (f *fixture) reconcile(t *testing.T) []clienttesting.Action {
	t.Helper()
	f.client.ClearActions()
	if _, err := f.u.reconcile(context.Background(), "member1"); err != nil {
		t.Fatal(err)
	}
	var writes []clienttesting.Action
	for _, a := range f.client.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			writes = append(writes, a)
		}
	}
	list, err := f.client.WorkV1alpha1().Works("karmada-es-member1").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		_ = f.works.Update(&list.Items[i])
	}
	return writes
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestReconcileWritesOnlyChanges(t *testing.T) {
	f := newFixture(t, testCluster(), true)

	writes := f.reconcile(t)
	if len(writes) != 2 || writes[0].GetVerb() != "create" || writes[1].GetVerb() != "create" {
		t.Fatalf("first reconcile: %v, want two creates", writes)
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Normal SyncImpersonationConfigSucceed Sync impersonation config succeed." {
		t.Errorf("events %q", ev)
	}
	w, err := f.client.WorkV1alpha1().Works("karmada-es-member1").Get(context.Background(), "karmada-impersonator-7cbb6bd5c9", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Finalizers) != 1 || w.Finalizers[0] != workv1alpha1.ExecutionControllerFinalizer || len(w.OwnerReferences) != 1 || w.OwnerReferences[0].Name != "member1" {
		t.Errorf("work finalizers %v owners %+v", w.Finalizers, w.OwnerReferences)
	}

	// Nothing changed: nothing is written, no Event.
	if writes := f.reconcile(t); len(writes) != 0 {
		t.Errorf("unchanged: %v", writes)
	}
	if ev := f.events(); len(ev) != 0 {
		t.Errorf("unchanged: events %q", ev)
	}
	// An unrelated binding changes nothing either.
	_ = f.bindings.Add(crb("erin-pods", "ClusterRole", "view", user("erin")))
	if writes := f.reconcile(t); len(writes) != 0 {
		t.Errorf("unrelated binding: %v", writes)
	}

	// A new user of the proxy: the ClusterRole's Work alone is patched.
	_ = f.bindings.Add(crb("frank-proxy", "ClusterRole", "cluster-proxy-admin", user("frank")))
	writes = f.reconcile(t)
	if len(writes) != 1 || writes[0].GetVerb() != "patch" {
		t.Fatalf("new subject: %v, want one patch", writes)
	}
	if p := writes[0].(clienttesting.PatchAction); p.GetName() != "karmada-impersonator-7cbb6bd5c9" || !strings.Contains(string(p.GetPatch()), "frank") {
		t.Errorf("patch of %s: %s", p.GetName(), p.GetPatch())
	}
	if ev := f.events(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Normal SyncImpersonationConfigSucceed") {
		t.Errorf("events %q", ev)
	}
}

func TestReconcileSkips(t *testing.T) {
	noRef := testCluster()
	noRef.Spec.ImpersonatorSecretRef = nil
	deleting := testCluster()
	deleting.DeletionTimestamp = &metav1.Time{}
	deleting.Finalizers = []string{"x"}
	for _, tc := range []struct {
		name      string
		cluster   *clusterv1alpha1.Cluster
		namespace bool
	}{
		{"no impersonatorSecretRef", noRef, true},
		{"being deleted", deleting, true},
		{"no execution namespace yet", testCluster(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cluster, tc.namespace)
			if writes := f.reconcile(t); len(writes) != 0 {
				t.Errorf("writes %v", writes)
			}
			if ev := f.events(); len(ev) != 0 {
				t.Errorf("events %q", ev)
			}
		})
	}
}

func TestReconcileFailureEvent(t *testing.T) {
	f := newFixture(t, testCluster(), true)
	f.client.PrependReactor("create", "works", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("boom")
	})
	_, err := f.u.reconcile(context.Background(), "member1")
	if err == nil || !strings.Contains(err.Error(), "writing Work karmada-es-member1/karmada-impersonator-7cbb6bd5c9 (ClusterRole): boom") {
		t.Fatalf("error %v", err)
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Warning SyncImpersonationConfigFailed "+err.Error() {
		t.Errorf("events %q", ev)
	}
}
