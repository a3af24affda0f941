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

package affinity

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func fields(reqs ...corev1.NodeSelectorRequirement) *policyv1alpha1.ClusterAffinity {
	return &policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{MatchExpressions: reqs}}
}

func req(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func TestMatches(t *testing.T) {
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "member1", Labels: map[string]string{"env": "prod", "tier": "gold"}},
		Spec:       clusterv1alpha1.ClusterSpec{Provider: "huaweicloud", Region: "cn-north-1", Zones: []string{"az1", "az2"}},
	}
	bare := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "bare"}}
	legacyZone := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "old"}, Spec: clusterv1alpha1.ClusterSpec{Zone: "az1"}}

	cases := []struct {
		name    string
		cluster *clusterv1alpha1.Cluster
		a       *policyv1alpha1.ClusterAffinity
		want    bool
	}{
		{"nil affinity matches all", c, nil, true},
		{"empty affinity matches all", c, &policyv1alpha1.ClusterAffinity{}, true},
		{"clusterNames lists it", c, &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}, true},
		{"clusterNames does not", c, &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"}}, false},
		{"exclude", c, &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"member1"}}, false},
		{"labels match", c, &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}, true},
		{"labels expression", c, &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"gold"}}}}}, false},
		{"labels and names are ANDed", c, &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member2"},
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}, false},
		{"provider In", c, fields(req("provider", corev1.NodeSelectorOpIn, "huaweicloud")), true},
		{"provider In, no provider", bare, fields(req("provider", corev1.NodeSelectorOpIn, "huaweicloud")), false},
		{"region NotIn", c, fields(req("region", corev1.NodeSelectorOpNotIn, "cn-north-1")), false},
		{"region NotIn, no region", bare, fields(req("region", corev1.NodeSelectorOpNotIn, "cn-north-1")), true},
		{"region Exists", c, fields(req("region", corev1.NodeSelectorOpExists)), true},
		{"region DoesNotExist", c, fields(req("region", corev1.NodeSelectorOpDoesNotExist)), false},
		{"zone In overlaps", c, fields(req("zone", corev1.NodeSelectorOpIn, "az2", "az9")), true},
		{"zone In disjoint", c, fields(req("zone", corev1.NodeSelectorOpIn, "az9")), false},
		{"zone In, no zones", bare, fields(req("zone", corev1.NodeSelectorOpIn, "az1")), false},
		{"zone NotIn overlaps", c, fields(req("zone", corev1.NodeSelectorOpNotIn, "az1")), false},
		{"zone NotIn disjoint", c, fields(req("zone", corev1.NodeSelectorOpNotIn, "az3")), true},
		{"zone NotIn, no zones", bare, fields(req("zone", corev1.NodeSelectorOpNotIn, "az3")), true},
		{"deprecated zone counts", legacyZone, fields(req("zone", corev1.NodeSelectorOpIn, "az1")), true},
		{"requirements are ANDed", c, fields(req("provider", corev1.NodeSelectorOpIn, "huaweicloud"), req("zone", corev1.NodeSelectorOpIn, "az3")), false},
		{"Gt never matches", c, fields(req("region", corev1.NodeSelectorOpGt, "1")), false},
		{"invalid label selector matches nothing", c, &policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: "Bogus"}}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Matches(tc.cluster, tc.a); got != tc.want {
				t.Fatalf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileRejectsInvalidSelector(t *testing.T) {
	_, err := Compile(&policyv1alpha1.ClusterAffinity{LabelSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}})
	if err == nil {
		t.Fatal("want an error")
	}
}
