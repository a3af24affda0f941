package registry

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	clustervalidation "github.com/karmada-one/karmada-one/pkg/apis/cluster/validation"
	"github.com/karmada-one/karmada-one/pkg/features"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

func clusterKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     clusterv1alpha1.Resource("clusters"),
		Singular:     "cluster",
		GroupVersion: clusterv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &clusterv1alpha1.Cluster{} },
		NewList:      func() runtime.Object { return &clusterv1alpha1.ClusterList{} },
		HasStatus:    true,
		Table: karmadarest.Table{
			Columns: []karmadarest.Column{
				{Name: "Version", Description: "Kubernetes version of the member cluster."},
				{Name: "Mode", Description: "How the control plane reaches the member: Push or Pull."},
				{Name: "Ready", Description: "Status of the Ready condition."},
				{Name: "Zones", Wide: true, Description: "Zones the member spans."},
				{Name: "Region", Wide: true, Description: "Region of the member."},
				{Name: "Provider", Wide: true, Description: "Cloud provider of the member."},
				{Name: "API-Endpoint", Wide: true, Description: "Address of the member's API server."},
				{Name: "Proxy-URL", Wide: true, Description: "Proxy used to reach the member."},
			},
			Cells: func(obj runtime.Object) []interface{} {
				c := obj.(*clusterv1alpha1.Cluster)
				ready := "Unknown"
				if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil {
					ready = string(cond.Status)
				}
				return []interface{}{c.Status.KubernetesVersion, string(c.Spec.SyncMode), ready,
					strings.Join(c.Spec.Zones, ","), c.Spec.Region, c.Spec.Provider, c.Spec.APIEndpoint, c.Spec.ProxyURL}
			},
		},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				clusterv1alpha1.SetDefaultsCluster(obj.(*clusterv1alpha1.Cluster), features.Enabled(features.CustomizedClusterResourceModeling))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return clustervalidation.ValidateCluster(obj.(*clusterv1alpha1.Cluster))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return clustervalidation.ValidateClusterUpdate(obj.(*clusterv1alpha1.Cluster), old.(*clusterv1alpha1.Cluster))
			},
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return clustervalidation.ValidateClusterStatusUpdate(obj.(*clusterv1alpha1.Cluster), old.(*clusterv1alpha1.Cluster))
			},
		},
	}
}
