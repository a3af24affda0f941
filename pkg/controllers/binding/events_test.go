package binding

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/record"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/overrides"
)

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

// TestSyncWorkEvents: SyncWork Events go on the binding and the template with Karmada's
// messages; success only when a Work was written, a failure once until it changes.
func TestSyncWorkEvents(t *testing.T) {
	rb, crb := record.NewFakeRecorder(20), record.NewFakeRecorder(20)
	b := &controller{rbRecorder: rb, crbRecorder: crb}
	tmpl := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default"}}}
	v, _ := bindings.Wrap(&workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-deployment"}})

	b.recordSync(v, tmpl, nil, false)
	if got := drain(rb); len(got) != 0 {
		t.Errorf("nothing written, yet %q", got)
	}
	b.recordSync(v, tmpl, nil, true)
	ok := "Normal SyncWorkSucceed Sync work of ResourceBinding(default/web-deployment) successful."
	if got := drain(rb); len(got) != 2 || got[0] != ok || got[1] != ok {
		t.Errorf("success: %q", got)
	}
	errs := []error{errors.New("cluster member1: boom"), errors.New("cluster member2: bang")}
	b.recordSync(v, tmpl, errs, false)
	b.recordSync(v, tmpl, errs, false) // a retry with the same failure
	fail := "Warning SyncWorkFailed [cluster member1: boom, cluster member2: bang]"
	if got := drain(rb); len(got) != 2 || got[0] != fail || got[1] != fail {
		t.Errorf("failure: %q", got)
	}

	cv, _ := bindings.Wrap(&workv1alpha2.ClusterResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader-clusterrole"}})
	b.recordSync(cv, tmpl, nil, true)
	if got := drain(crb); len(got) != 2 || got[0] != "Normal SyncWorkSucceed Sync work of ClusterResourceBinding(reader-clusterrole) successful." {
		t.Errorf("cluster binding: %q", got)
	}
}

// TestOverrideEvents: one ApplyOverridePolicySucceed per policy applied to a cluster's
// copy, and ApplyOverridePolicyFailed naming the failing policy and the cluster.
func TestOverrideEvents(t *testing.T) {
	rec := record.NewFakeRecorder(20)
	b := &controller{overrideRecorder: rec}
	tmpl := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "web", "namespace": "default"}}}
	b.overridesApplied(tmpl, "member1", overrides.Applied{
		ClusterOverrides: []overrides.AppliedOverriders{{PolicyName: "cop"}},
		Overrides:        []overrides.AppliedOverriders{{PolicyName: "op"}, {PolicyName: "op"}}, // two rules of one policy
	})
	want := []string{
		"Normal ApplyOverridePolicySucceed Apply cluster override policy(cop) for cluster(member1) succeed.",
		"Normal ApplyOverridePolicySucceed Apply override policy(default/op) for cluster(member1) succeed.",
	}
	if got := drain(rec); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("applied: %q, want %q", got, want)
	}
	b.overrideFailed(tmpl, "member2", &overrides.Error{PolicyKind: policyv1alpha1.ResourceKindOverridePolicy, Namespace: "default", Name: "bad",
		Overrider: "plaintext", Operation: "replace", Path: "/spec/x", Err: errors.New(`missing key "x"`)})
	b.overrideFailed(tmpl, "member2", &overrides.Error{PolicyKind: policyv1alpha1.ResourceKindClusterOverridePolicy, Name: "cbad"})
	want = []string{
		"Warning ApplyOverridePolicyFailed Apply override policy(default/bad) for cluster(member2) failed.",
		"Warning ApplyOverridePolicyFailed Apply cluster override policy(cbad) for cluster(member2) failed.",
	}
	if got := drain(rec); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("failed: %q, want %q", got, want)
	}
}
