package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

func basePP(name string) *policyv1alpha1.PropagationPolicy {
	return &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}},
			Placement:         policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}},
		},
	}
}

func baseOP(name string) *policyv1alpha1.OverridePolicy {
	return &policyv1alpha1.OverridePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: policyv1alpha1.OverrideSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}},
			OverrideRules:     []policyv1alpha1.RuleWithCluster{{Overriders: policyv1alpha1.Overriders{}}},
		},
	}
}

func baseCluster(name string) *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: clusterv1alpha1.ClusterSpec{SyncMode: clusterv1alpha1.Push, APIEndpoint: "https://10.0.0.1:6443"}}
}

func models(ranges ...[]clusterv1alpha1.ResourceModelRange) []clusterv1alpha1.ResourceModel {
	var out []clusterv1alpha1.ResourceModel
	for i, r := range ranges {
		out = append(out, clusterv1alpha1.ResourceModel{Grade: uint(i), Ranges: r})
	}
	return out
}

func r(name, min, max string) clusterv1alpha1.ResourceModelRange {
	return clusterv1alpha1.ResourceModelRange{Name: clusterv1alpha1.ResourceName(name), Min: resource.MustParse(min), Max: resource.MustParse(max)}
}

const maxQ = "9223372036854775807"

// TestInvalidObjectsThroughTheAPI sends invalid policies, overrides, clusters and
// resource models to the real server: each is refused with the field to fix, and
// none is stored.
func TestInvalidObjectsThroughTheAPI(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	ctx := context.Background()

	pp := func(mut func(*policyv1alpha1.PropagationPolicy)) runtime.Object {
		p := basePP("bad")
		mut(p)
		return p
	}
	op := func(mut func(*policyv1alpha1.OverridePolicy)) runtime.Object {
		o := baseOP("bad")
		mut(o)
		return o
	}
	cl := func(mut func(*clusterv1alpha1.Cluster)) runtime.Object {
		c := baseCluster("bad")
		mut(c)
		return c
	}
	sr := func(a policyv1alpha1.SpreadConstraint) []policyv1alpha1.SpreadConstraint {
		return []policyv1alpha1.SpreadConstraint{a}
	}
	img := func(o policyv1alpha1.ImageOverrider) func(*policyv1alpha1.OverridePolicy) {
		return func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ImageOverrider = []policyv1alpha1.ImageOverrider{o}
		}
	}
	cases := []struct {
		name  string
		obj   runtime.Object
		field string
	}{
		// PropagationPolicy
		{"no selectors", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors = nil }), "spec.resourceSelectors"},
		{"selector without kind", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].Kind = "" }), "spec.resourceSelectors[0].kind"},
		{"selector without apiVersion", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].APIVersion = "" }), "spec.resourceSelectors[0].apiVersion"},
		{"selector in another namespace", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ResourceSelectors[0].Namespace = "other" }), "spec.resourceSelectors[0].namespace"},
		{"bad label selector", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.ResourceSelectors[0].Name = ""
			p.Spec.ResourceSelectors[0].LabelSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}
		}), "spec.resourceSelectors[0].labelSelector.matchExpressions[0].operator"},
		{"field selector key", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "color", Operator: "In", Values: []string{"x"}}}}
		}), "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].key"},
		{"field selector operator", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "region", Operator: "Exists"}}}
		}), "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].operator"},
		{"affinity and affinities", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: "a"}}
		}), "spec.placement"},
		{"affinity name missing", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: ""}}
		}), "spec.placement.clusterAffinities[0].affinityName"},
		{"affinity name too long", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: strings.Repeat("a", 33)}}
		}), "spec.placement.clusterAffinities[0].affinityName"},
		{"affinity name duplicate", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterAffinity = nil
			p.Spec.Placement.ClusterAffinities = []policyv1alpha1.ClusterAffinityTerm{{AffinityName: "a"}, {AffinityName: "a"}}
		}), "spec.placement.clusterAffinities[1].affinityName"},
		{"spread field and label", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = sr(policyv1alpha1.SpreadConstraint{SpreadByField: "cluster", SpreadByLabel: "x", MaxGroups: 2, MinGroups: 1})
		}), "spec.placement.spreadConstraints[0]"},
		{"spread max below min", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = sr(policyv1alpha1.SpreadConstraint{SpreadByField: "cluster", MaxGroups: 1, MinGroups: 2})
		}), "spec.placement.spreadConstraints[0]"},
		{"spread unknown field", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = sr(policyv1alpha1.SpreadConstraint{SpreadByField: "planet", MaxGroups: 1, MinGroups: 1})
		}), "spec.placement.spreadConstraints[0].spreadByField"},
		{"spread region without cluster", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.SpreadConstraints = sr(policyv1alpha1.SpreadConstraint{SpreadByField: "region", MaxGroups: 1, MinGroups: 1})
		}), "spec.placement.spreadConstraints"},
		{"scheduling type", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Tripled"}
		}), "spec.placement.replicaScheduling.replicaSchedulingType"},
		{"division preference", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Random"}
		}), "spec.placement.replicaScheduling.replicaDivisionPreference"},
		{"zero weight", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"m"}}, Weight: 0}}}}
		}), "spec.placement.replicaScheduling.weightPreference.staticWeightList[0].weight"},
		{"dynamic weight value", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ReplicaScheduling = &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: "Divided", ReplicaDivisionPreference: "Weighted",
				WeightPreference: &policyv1alpha1.ClusterPreferences{DynamicWeight: "Guess"}}
		}), "spec.placement.replicaScheduling.weightPreference.dynamicWeight"},
		{"toleration exists with value", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Placement.ClusterTolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"}}
		}), "spec.placement.clusterTolerations[0].value"},
		{"conflict resolution", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ConflictResolution = "Merge" }), "spec.conflictResolution"},
		{"preemption value", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.Preemption = "Sometimes" }), "spec.preemption"},
		{"preemption without names", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Preemption = "Always"
			p.Spec.ResourceSelectors[0].Name = ""
		}), "spec.resourceSelectors[0].name"},
		{"suspension both", pp(func(p *policyv1alpha1.PropagationPolicy) {
			yes := true
			p.Spec.Suspension = &policyv1alpha1.Suspension{Dispatching: &yes, DispatchingOnClusters: &policyv1alpha1.SuspendClusters{ClusterNames: []string{"m"}}}
		}), "spec.suspension"},
		{"application failover without propagateDeps", pp(func(p *policyv1alpha1.PropagationPolicy) {
			p.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{}}
		}), "spec.propagateDeps"},
		{"activation preference", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Spec.ActivationPreference = "Eager" }), "spec.activationPreference"},
		{"policy name", pp(func(p *policyv1alpha1.PropagationPolicy) { p.Name = "Not_A_Name" }), "metadata.name"},
		// OverridePolicy
		{"image component", op(img(policyv1alpha1.ImageOverrider{Component: "Digest", Operator: "replace", Value: "x"})), "spec.overrideRules[0].overriders.imageOverrider[0].component"},
		{"image operator", op(img(policyv1alpha1.ImageOverrider{Component: "Tag", Operator: "append", Value: "x"})), "spec.overrideRules[0].overriders.imageOverrider[0].operator"},
		{"image add without value", op(img(policyv1alpha1.ImageOverrider{Component: "Registry", Operator: "add"})), "spec.overrideRules[0].overriders.imageOverrider[0].value"},
		{"image remove with value", op(img(policyv1alpha1.ImageOverrider{Component: "Tag", Operator: "remove", Value: "v1"})), "spec.overrideRules[0].overriders.imageOverrider[0].value"},
		{"image predicate path", op(img(policyv1alpha1.ImageOverrider{Predicate: &policyv1alpha1.ImagePredicate{Path: "spec/containers"}, Component: "Tag", Operator: "replace", Value: "v"})), "spec.overrideRules[0].overriders.imageOverrider[0].predicate.path"},
		{"command operator", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.CommandOverrider = []policyv1alpha1.CommandArgsOverrider{{ContainerName: "c", Operator: "replace", Value: []string{"x"}}}
		}), "spec.overrideRules[0].overriders.commandOverrider[0].operator"},
		{"args without container", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.ArgsOverrider = []policyv1alpha1.CommandArgsOverrider{{Operator: "add", Value: []string{"x"}}}
		}), "spec.overrideRules[0].overriders.argsOverrider[0].containerName"},
		{"plaintext path", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "data/x", Operator: "remove"}}
		}), "spec.overrideRules[0].overriders.plaintext[0].path"},
		{"plaintext replace without value", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.Plaintext = []policyv1alpha1.PlaintextOverrider{{Path: "/data/x", Operator: "replace"}}
		}), "spec.overrideRules[0].overriders.plaintext[0].value"},
		{"labels operator", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.LabelsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "merge", Value: map[string]string{"a": "b"}}}
		}), "spec.overrideRules[0].overriders.labelsOverrider[0].operator"},
		{"label key", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].Overriders.LabelsOverrider = []policyv1alpha1.LabelAnnotationOverrider{{Operator: "add", Value: map[string]string{"bad key!": "b"}}}
		}), "spec.overrideRules[0].overriders.labelsOverrider[0].value"},
		{"target cluster field selector", op(func(p *policyv1alpha1.OverridePolicy) {
			p.Spec.OverrideRules[0].TargetCluster = &policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "color", Operator: "In", Values: []string{"x"}}}}}
		}), "spec.overrideRules[0].targetCluster.fieldSelector.matchExpressions[0].key"},
		// Cluster
		{"cluster name too long", cl(func(c *clusterv1alpha1.Cluster) { c.Name = strings.Repeat("a", 49) }), "metadata.name"},
		{"cluster sync mode", cl(func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "Carrier" }), "spec.syncMode"},
		{"cluster sync mode missing", cl(func(c *clusterv1alpha1.Cluster) { c.Spec.SyncMode = "" }), "spec.syncMode"},
		{"cluster endpoint with query", cl(func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://10.0.0.1:6443?x=1" }), "spec.apiEndpoint"},
		{"cluster endpoint without host", cl(func(c *clusterv1alpha1.Cluster) { c.Spec.APIEndpoint = "https://" }), "spec.apiEndpoint"},
		{"cluster proxy scheme", cl(func(c *clusterv1alpha1.Cluster) { c.Spec.ProxyURL = "ftp://proxy:21" }), "spec.proxyURL"},
		{"cluster taint effect", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.Taints = []corev1.Taint{{Key: "k", Effect: "Sometimes"}}
		}), "spec.taints[0].effect"},
		// Resource models
		{"model resource name", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = models([]clusterv1alpha1.ResourceModelRange{r("gpu", "0", maxQ)})
		}), "spec.resourceModels[0].ranges[0].name"},
		{"model max not above min", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = models([]clusterv1alpha1.ResourceModelRange{r("cpu", "0", "2")}, []clusterv1alpha1.ResourceModelRange{r("cpu", "2", "2")}, []clusterv1alpha1.ResourceModelRange{r("cpu", "2", maxQ)})
		}), "spec.resourceModels[1].ranges[0]"},
		{"model gap", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = models([]clusterv1alpha1.ResourceModelRange{r("cpu", "0", "1")}, []clusterv1alpha1.ResourceModelRange{r("cpu", "2", maxQ)})
		}), "spec.resourceModels[1].ranges[0].min"},
		{"model different resources", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = models([]clusterv1alpha1.ResourceModelRange{r("cpu", "0", "1")}, []clusterv1alpha1.ResourceModelRange{r("memory", "1", maxQ)})
		}), "spec.resourceModels[1].ranges[0].name"},
		{"model duplicate grade", cl(func(c *clusterv1alpha1.Cluster) {
			c.Spec.ResourceModels = models([]clusterv1alpha1.ResourceModelRange{r("cpu", "0", "1")}, []clusterv1alpha1.ResourceModelRange{r("cpu", "1", maxQ)})
			c.Spec.ResourceModels[1].Grade = 0
		}), "spec.resourceModels[1].grade"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			switch o := tc.obj.(type) {
			case *policyv1alpha1.PropagationPolicy:
				_, err = kc.PolicyV1alpha1().PropagationPolicies(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			case *policyv1alpha1.OverridePolicy:
				_, err = kc.PolicyV1alpha1().OverridePolicies(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			case *clusterv1alpha1.Cluster:
				_, err = kc.ClusterV1alpha1().Clusters().Create(ctx, o, metav1.CreateOptions{})
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want 422 Invalid, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.field+":") && !strings.Contains(err.Error(), tc.field+"[") && !strings.Contains(err.Error(), tc.field+".") {
				t.Fatalf("error does not name %s: %v", tc.field, err)
			}
		})
	}
	// Nothing invalid was stored.
	pps, _ := kc.PolicyV1alpha1().PropagationPolicies("").List(ctx, metav1.ListOptions{})
	ops, _ := kc.PolicyV1alpha1().OverridePolicies("").List(ctx, metav1.ListOptions{})
	cls, _ := kc.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
	if n := len(pps.Items) + len(ops.Items) + len(cls.Items); n != 0 {
		t.Fatalf("%d invalid objects were stored", n)
	}
	// Valid ones still are.
	if _, err := kc.PolicyV1alpha1().PropagationPolicies("default").Create(ctx, basePP("good"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
