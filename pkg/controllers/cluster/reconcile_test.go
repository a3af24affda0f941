package cluster

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

func TestDesiredTaints(t *testing.T) {
	userTaint := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	notReady := corev1.Taint{Key: clusterv1alpha1.TaintClusterNotReady, Effect: corev1.TaintEffectNoSchedule}
	cases := []struct {
		name   string
		cond   *metav1.ConditionStatus
		taints []corev1.Taint
		want   []string
	}{
		{"no condition yet", nil, nil, []string{clusterv1alpha1.TaintClusterNotReady}},
		{"ready", ptr(metav1.ConditionTrue), []corev1.Taint{notReady, userTaint}, []string{"dedicated"}},
		{"not ready keeps user taints", ptr(metav1.ConditionFalse), []corev1.Taint{userTaint}, []string{"dedicated", clusterv1alpha1.TaintClusterNotReady}},
		{"unknown is unreachable", ptr(metav1.ConditionUnknown), []corev1.Taint{notReady}, []string{clusterv1alpha1.TaintClusterUnreachable}},
		{"already right stays as is", ptr(metav1.ConditionFalse), []corev1.Taint{notReady}, []string{clusterv1alpha1.TaintClusterNotReady}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clusterv1alpha1.Cluster{Spec: clusterv1alpha1.ClusterSpec{Taints: tc.taints}}
			if tc.cond != nil {
				c.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: *tc.cond}}
			}
			got := desiredTaints(c, time.Now())
			var keys []string
			for _, tt := range got {
				keys = append(keys, tt.Key)
				if tt.Key == clusterv1alpha1.TaintClusterNotReady || tt.Key == clusterv1alpha1.TaintClusterUnreachable {
					if tt.Effect != corev1.TaintEffectNoSchedule {
						t.Errorf("%s has effect %s", tt.Key, tt.Effect)
					}
				}
			}
			if len(keys) != len(tc.want) {
				t.Fatalf("taints %v, want %v", keys, tc.want)
			}
			for i := range keys {
				if keys[i] != tc.want[i] {
					t.Fatalf("taints %v, want %v", keys, tc.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
