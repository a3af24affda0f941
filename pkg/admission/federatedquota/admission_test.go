package federatedquota

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func quota(name string, overall, used corev1.ResourceList) *unstructured.Unstructured {
	q := &policyv1alpha1.FederatedResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy.karmada.io/v1alpha1", Kind: "FederatedResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name)},
		Spec:       policyv1alpha1.FederatedResourceQuotaSpec{Overall: overall},
		Status:     policyv1alpha1.FederatedResourceQuotaStatus{OverallUsed: used},
	}
	m, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(q)
	return &unstructured.Unstructured{Object: m}
}

func rb(req corev1.ResourceList, replicas ...int32) *workv1alpha2.ResourceBinding {
	b := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-deployment"}}
	b.Spec.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: req}
	for i, r := range replicas {
		b.Spec.Clusters = append(b.Spec.Clusters, workv1alpha2.TargetCluster{Name: []string{"member1", "member2"}[i], Replicas: r})
	}
	return b
}

func newPlugin(gate bool, objs ...runtime.Object) (*Plugin, *dynamicfake.FakeDynamicClient) {
	c := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{frqResource: "FederatedResourceQuotaList"}, objs...)
	p := New()
	p.enabled = func() bool { return gate }
	p.SetDynamicClient(c)
	return p, c
}

func attrs(op admission.Operation, cur, old *workv1alpha2.ResourceBinding, dryRun bool) admission.Attributes {
	var o runtime.Object
	if old != nil {
		o = old
	}
	return admission.NewAttributesRecord(cur, o, workv1alpha2.SchemeGroupVersion.WithKind("ResourceBinding"), "ns", cur.Name,
		workv1alpha2.SchemeGroupVersion.WithResource("resourcebindings"), "", op, nil, dryRun, nil)
}

func usedOf(t *testing.T, c *dynamicfake.FakeDynamicClient, name string) string {
	t.Helper()
	u, err := c.Resource(frqResource).Namespace("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := &policyv1alpha1.FederatedResourceQuota{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, q); err != nil {
		t.Fatal(err)
	}
	cpu := q.Status.OverallUsed[corev1.ResourceCPU]
	return cpu.String()
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		gate     bool
		op       admission.Operation
		cur, old *workv1alpha2.ResourceBinding
		dryRun   bool
		wantErr  string // substring; "" = allowed
		wantUsed string // quota q's overallUsed cpu afterwards
	}{
		{"gate off lets anything through", false, admission.Create, rb(rl("cpu", "10"), 1), nil, false, "", "3"},
		{"create unscheduled", true, admission.Create, rb(rl("cpu", "10")), nil, false, "", "3"},
		{"create within quota", true, admission.Create, rb(rl("cpu", "500m"), 1, 1), nil, false, "", "4"},
		{"create over quota", true, admission.Create, rb(rl("cpu", "1"), 1, 1), nil, false,
			`admission webhook "resourcebinding.karmada.io" denied the request: FederatedResourceQuota(ns/q) exceeded for resource cpu: requested sum 5, limit 4.`, "3"},
		{"scale up counts only the change", true, admission.Update, rb(rl("cpu", "1"), 2, 2), rb(rl("cpu", "1"), 2, 1), false, "", "4"},
		{"scale up over quota", true, admission.Update, rb(rl("cpu", "1"), 3, 2), rb(rl("cpu", "1"), 2, 1), false,
			"requested sum 5, limit 4.", "3"},
		{"bigger requests over quota", true, admission.Update, rb(rl("cpu", "2"), 2, 1), rb(rl("cpu", "1"), 2, 1), false,
			"requested sum 6, limit 4.", "3"},
		{"move between clusters is not checked", true, admission.Update, rb(rl("cpu", "1"), 3), rb(rl("cpu", "1"), 2, 1), false, "", "3"},
		{"scale down returns quota", true, admission.Update, rb(rl("cpu", "1"), 1), rb(rl("cpu", "1"), 2, 1), false, "", "1"},
		{"dry run is checked but not counted", true, admission.Create, rb(rl("cpu", "1"), 1), nil, true, "", "3"},
		{"dry run over quota is refused", true, admission.Create, rb(rl("cpu", "2"), 1), nil, true, "requested sum 5, limit 4.", "3"},
		{"resource without a quota", true, admission.Create, rb(rl("ephemeral-storage", "100Gi"), 1), nil, false, "", "3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, client := newPlugin(c.gate, quota("q", rl("cpu", "4"), rl("cpu", "3")), quota("mem-only", rl("memory", "1Gi"), nil))
			if c.dryRun {
				// The fake client has no dry run: make sure the plugin asks for it and
				// pretend it was honoured.
				client.PrependReactor("update", "federatedresourcequotas", func(a k8stesting.Action) (bool, runtime.Object, error) {
					if a.GetSubresource() == "status" {
						return true, nil, nil
					}
					return false, nil, nil
				})
			}
			err := p.Validate(ctx, attrs(c.op, c.cur, c.old, c.dryRun), nil)
			if c.wantErr == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want %q", err, c.wantErr)
				}
				if !apierrors.IsForbidden(err) || apierrors.ReasonForError(err) != ReasonQuotaExceeded {
					t.Errorf("error reason = %s (%v), want 403 QuotaExceeded", apierrors.ReasonForError(err), err)
				}
			}
			if got := usedOf(t, client, "q"); got != c.wantUsed {
				t.Errorf("overallUsed cpu = %s, want %s", got, c.wantUsed)
			}
		})
	}
}

func TestValidateAsksForDryRun(t *testing.T) {
	p, client := newPlugin(true, quota("q", rl("cpu", "4"), nil))
	var dry []string
	client.PrependReactor("update", "federatedresourcequotas", func(a k8stesting.Action) (bool, runtime.Object, error) {
		dry = a.(k8stesting.UpdateActionImpl).GetUpdateOptions().DryRun
		return true, nil, nil
	})
	if err := p.Validate(context.Background(), attrs(admission.Create, rb(rl("cpu", "1"), 1), nil, true), nil); err != nil {
		t.Fatal(err)
	}
	if len(dry) != 1 || dry[0] != metav1.DryRunAll {
		t.Errorf("status update dryRun = %v, want [All]", dry)
	}
}

// A conflict on the status write re-reads the quota and checks again against what
// another writer counted meanwhile.
func TestValidateRetriesConflicts(t *testing.T) {
	p, client := newPlugin(true, quota("q", rl("cpu", "4"), rl("cpu", "1")))
	conflicts := 0
	client.PrependReactor("update", "federatedresourcequotas", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			return false, nil, nil
		}
		conflicts++
		// Someone else took 2 more cpu first.
		_ = client.Tracker().Update(frqResource, quota("q", rl("cpu", "4"), rl("cpu", "3")), "ns")
		return true, nil, apierrors.NewConflict(frqResource.GroupResource(), "q", nil)
	})
	err := p.Validate(context.Background(), attrs(admission.Create, rb(rl("cpu", "2"), 1), nil, false), nil)
	if err == nil || !strings.Contains(err.Error(), "requested sum 5, limit 4.") {
		t.Fatalf("error = %v, want a refusal computed from the re-read quota", err)
	}
}
