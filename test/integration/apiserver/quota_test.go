package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// TestQuotaAndRebalancerAPIs serves FederatedResourceQuota (policy.karmada.io,
// namespaced) and WorkloadRebalancer (apps.karmada.io, cluster-scoped) as Karmada's CRDs
// declare them, and refuses invalid ones with the field to fix, storing nothing.
func TestQuotaAndRebalancerAPIs(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	ctx := context.Background()

	dc := discovery.NewDiscoveryClientForConfigOrDie(s.Config)
	for gv, want := range map[string]struct {
		name       string
		namespaced bool
	}{
		"policy.karmada.io/v1alpha1": {"federatedresourcequotas", true},
		"apps.karmada.io/v1alpha1":   {"workloadrebalancers", false},
	} {
		list, err := dc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			t.Fatalf("discovery of %s: %v", gv, err)
		}
		found := false
		for _, r := range list.APIResources {
			if r.Name == want.name {
				found = true
				if r.Namespaced != want.namespaced || len(r.ShortNames) != 0 {
					t.Errorf("%s: namespaced=%v shortNames=%v, want namespaced=%v and no short names", want.name, r.Namespaced, r.ShortNames, want.namespaced)
				}
			}
		}
		if !found {
			t.Errorf("%s not served in %s", want.name, gv)
		}
	}

	frq := func(mut func(*policyv1alpha1.FederatedResourceQuota)) *policyv1alpha1.FederatedResourceQuota {
		q := &policyv1alpha1.FederatedResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "bad", Namespace: "default"},
			Spec: policyv1alpha1.FederatedResourceQuotaSpec{
				Overall: rl("cpu", "4", "memory", "4Gi"),
				StaticAssignments: []policyv1alpha1.StaticClusterAssignment{
					{ClusterName: "member1", Hard: rl("cpu", "1")},
					{ClusterName: "member2", Hard: rl("cpu", "2")},
				},
			},
		}
		mut(q)
		return q
	}
	quotaCases := []struct {
		name, field, says string
		q                 *policyv1alpha1.FederatedResourceQuota
	}{
		{"no overall", "spec.overall", "at least one resource", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.Overall = nil; q.Spec.StaticAssignments = nil })},
		{"negative overall", "spec.overall[memory]", "greater than or equal to 0", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.Overall["memory"] = resource.MustParse("-1") })},
		{"unknown resource", "spec.overall[gpu]", "standard resource", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.Overall["gpu"] = resource.MustParse("1") })},
		{"fractional pods", "spec.overall[pods]", "integer", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.Overall["pods"] = resource.MustParse("1500m") })},
		{"bad cluster name", "spec.staticAssignments[0].clusterName", "", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.StaticAssignments[0].ClusterName = "Member_1" })},
		{"cluster twice", "spec.staticAssignments[1].clusterName", "merge", frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Spec.StaticAssignments[1].ClusterName = "member1" })},
		{"assigned beyond overall", "spec.overall[cpu]", "less than assignments", frq(func(q *policyv1alpha1.FederatedResourceQuota) {
			q.Spec.StaticAssignments[1].Hard["cpu"] = resource.MustParse("3500m")
		})},
		{"assigned resource not in overall", "spec.staticAssignments[0].hard[pods]", "not exist in overall", frq(func(q *policyv1alpha1.FederatedResourceQuota) {
			q.Spec.StaticAssignments[0].Hard["pods"] = resource.MustParse("3")
		})},
	}
	for _, c := range quotaCases {
		_, err := kc.PolicyV1alpha1().FederatedResourceQuotas("default").Create(ctx, c.q, metav1.CreateOptions{})
		expectInvalid(t, c.name, err, c.field, c.says)
	}
	if _, err := kc.PolicyV1alpha1().FederatedResourceQuotas("default").Get(ctx, "bad", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("an invalid quota was stored: %v", err)
	}
	good := frq(func(q *policyv1alpha1.FederatedResourceQuota) { q.Name = "good" })
	if _, err := kc.PolicyV1alpha1().FederatedResourceQuotas("default").Create(ctx, good, metav1.CreateOptions{}); err != nil {
		t.Fatalf("valid quota refused: %v", err)
	}

	rb := func(mut func(*appsv1alpha1.WorkloadRebalancer)) *appsv1alpha1.WorkloadRebalancer {
		r := &appsv1alpha1.WorkloadRebalancer{
			ObjectMeta: metav1.ObjectMeta{Name: "bad"},
			Spec: appsv1alpha1.WorkloadRebalancerSpec{Workloads: []appsv1alpha1.ObjectReference{
				{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Namespace: "default"},
			}},
		}
		mut(r)
		return r
	}
	rbCases := []struct {
		name, field string
		r           *appsv1alpha1.WorkloadRebalancer
	}{
		{"no workloads", "spec.workloads", rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Spec.Workloads = nil })},
		{"no kind", "spec.workloads[0].kind", rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Spec.Workloads[0].Kind = "" })},
		{"no name", "spec.workloads[0].name", rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Spec.Workloads[0].Name = "" })},
		{"bad apiVersion", "spec.workloads[0].apiVersion", rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Spec.Workloads[0].APIVersion = "a/b/c" })},
		{"listed twice", "spec.workloads[1]", rb(func(r *appsv1alpha1.WorkloadRebalancer) {
			r.Spec.Workloads = append(r.Spec.Workloads, r.Spec.Workloads[0])
		})},
		{"negative ttl", "spec.ttlSecondsAfterFinished", rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Spec.TTLSecondsAfterFinished = ptr(int32(-1)) })},
	}
	for _, c := range rbCases {
		_, err := kc.AppsV1alpha1().WorkloadRebalancers().Create(ctx, c.r, metav1.CreateOptions{})
		expectInvalid(t, c.name, err, c.field, "")
	}
	if _, err := kc.AppsV1alpha1().WorkloadRebalancers().Create(ctx, rb(func(r *appsv1alpha1.WorkloadRebalancer) { r.Name = "good" }), metav1.CreateOptions{}); err != nil {
		t.Fatalf("valid rebalancer refused: %v", err)
	}
}

func expectInvalid(t *testing.T, name string, err error, field, says string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Errorf("%s: want Invalid, got %v", name, err)
		return
	}
	se, _ := err.(apierrors.APIStatus)
	ok := false
	for _, c := range se.Status().Details.Causes {
		if c.Field == field && strings.Contains(c.Message, says) {
			ok = true
		}
	}
	if !ok {
		t.Errorf("%s: no cause at %s saying %q in %v", name, field, says, err)
	}
}
