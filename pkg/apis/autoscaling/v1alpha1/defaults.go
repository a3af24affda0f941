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

package v1alpha1

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/utils/ptr"

	hpav2 "k8s.io/kubernetes/pkg/apis/autoscaling/v2"
)

// SetDefaultsFederatedHPA fills what Karmada's mutating webhook fills, which are the
// HorizontalPodAutoscaler's defaults: minReplicas 1, 80% average CPU utilization when
// no metric is given, and every unset part of a given behavior.
func SetDefaultsFederatedHPA(obj *FederatedHPA) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		MinReplicas: obj.Spec.MinReplicas,
		MaxReplicas: obj.Spec.MaxReplicas,
		Metrics:     obj.Spec.Metrics,
		Behavior:    obj.Spec.Behavior,
	}}
	hpav2.SetDefaults_HorizontalPodAutoscaler(hpa)
	obj.Spec.MinReplicas = hpa.Spec.MinReplicas
	obj.Spec.Metrics = hpa.Spec.Metrics
	obj.Spec.Behavior = hpa.Spec.Behavior
}

// SetDefaultsCronFederatedHPA fills the rule defaults of Karmada's schema: suspend
// false and three successful and three failed executions kept.
func SetDefaultsCronFederatedHPA(obj *CronFederatedHPA) {
	for i := range obj.Spec.Rules {
		r := &obj.Spec.Rules[i]
		if r.Suspend == nil {
			r.Suspend = ptr.To(false)
		}
		if r.SuccessfulHistoryLimit == nil {
			r.SuccessfulHistoryLimit = ptr.To[int32](3)
		}
		if r.FailedHistoryLimit == nil {
			r.FailedHistoryLimit = ptr.To[int32](3)
		}
	}
}
