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

package detector

import (
	"reflect"
	"testing"

	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestResolveSchedulePriority(t *testing.T) {
	classes := map[string]int32{"high": 1000, "negative": -10}
	get := func(name string) (*schedulingv1.PriorityClass, error) {
		if v, ok := classes[name]; ok {
			return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: v}, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}, name)
	}
	kube := func(name string) *policyv1alpha1.SchedulePriority {
		return &policyv1alpha1.SchedulePriority{PriorityClassSource: policyv1alpha1.KubePriorityClass, PriorityClassName: name}
	}
	cases := []struct {
		name    string
		sp      *policyv1alpha1.SchedulePriority
		want    *workv1alpha2.SchedulePriority
		wantErr string
	}{
		{name: "no schedulePriority", sp: nil, want: nil},
		{name: "KubePriorityClass takes the class value", sp: kube("high"), want: &workv1alpha2.SchedulePriority{Priority: 1000}},
		{name: "negative values too", sp: kube("negative"), want: &workv1alpha2.SchedulePriority{Priority: -10}},
		{name: "missing class", sp: kube("absent"), wantErr: `priorityclasses.scheduling.k8s.io "absent" not found`},
		{name: "PodPriorityClass", sp: &policyv1alpha1.SchedulePriority{PriorityClassSource: policyv1alpha1.PodPriorityClass},
			wantErr: "priority class source is PodPriorityClass, but PodPriorityClass is not supported yet"},
		{name: "FederatedPriorityClass", sp: &policyv1alpha1.SchedulePriority{PriorityClassSource: policyv1alpha1.FederatedPriorityClass},
			wantErr: "priority class source is FederatedPriorityClass, but FederatedPriorityClass is not supported yet"},
		{name: "unknown source", sp: &policyv1alpha1.SchedulePriority{PriorityClassSource: "Other"}, wantErr: "unsupported priority class source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveSchedulePriority(tc.sp, get)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if tc.sp.PriorityClassSource == policyv1alpha1.KubePriorityClass && !apierrors.IsNotFound(err) {
					t.Errorf("a missing class is not a NotFound error: %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestWorkloadAffinityGroups(t *testing.T) {
	both := &policyv1alpha1.Placement{WorkloadAffinity: &policyv1alpha1.WorkloadAffinity{
		Affinity:     &policyv1alpha1.WorkloadAffinityTerm{GroupByLabelKey: "app.group"},
		AntiAffinity: &policyv1alpha1.WorkloadAntiAffinityTerm{GroupByLabelKey: "ha.group"},
	}}
	cases := []struct {
		name      string
		labels    map[string]string
		placement *policyv1alpha1.Placement
		want      *workv1alpha2.WorkloadAffinityGroups
	}{
		{name: "no rule", labels: map[string]string{"app.group": "a"}, placement: &policyv1alpha1.Placement{}, want: nil},
		{name: "no labels", labels: nil, placement: both, want: nil},
		{name: "both labels", labels: map[string]string{"app.group": "train", "ha.group": "flink"}, placement: both,
			want: &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=train", AntiAffinityGroup: "ha.group=flink"}},
		{name: "only the affinity label", labels: map[string]string{"app.group": "train"}, placement: both,
			want: &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=train"}},
		{name: "an empty value is still a group", labels: map[string]string{"ha.group": ""}, placement: both,
			want: &workv1alpha2.WorkloadAffinityGroups{AntiAffinityGroup: "ha.group="}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := WorkloadAffinityGroups(tc.labels, tc.placement); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
