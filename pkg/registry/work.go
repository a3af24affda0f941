package registry

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	networkingvalidation "github.com/karmada-one/karmada-one/pkg/apis/networking/validation"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	workvalidation "github.com/karmada-one/karmada-one/pkg/apis/work/validation"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

func workKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     workv1alpha1.Resource("works"),
		Singular:     "work",
		GroupVersion: workv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &workv1alpha1.Work{} },
		NewList:      func() runtime.Object { return &workv1alpha1.WorkList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"wk"},
		Table: karmadarest.Table{
			Columns: []karmadarest.Column{
				{Name: "Workload-Kind", Description: "Kinds of the manifests in the Work."},
				{Name: "Applied", Description: "Status of the Applied condition."},
			},
			Cells: func(obj runtime.Object) []interface{} {
				w := obj.(*workv1alpha1.Work)
				var kinds []string
				for _, m := range w.Spec.Workload.Manifests {
					var tm struct {
						Kind string `json:"kind"`
					}
					if len(m.Raw) > 0 && json.Unmarshal(m.Raw, &tm) == nil {
						kinds = append(kinds, tm.Kind)
					} else if m.Object != nil {
						kinds = append(kinds, m.Object.GetObjectKind().GroupVersionKind().Kind)
					}
				}
				return []interface{}{strings.Join(kinds, ","), conditionStatus(w.Status.Conditions, workv1alpha1.WorkApplied)}
			},
		},
		Hooks: karmadarest.Hooks{
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, workv1alpha1.WorkPermanentIDLabel)
			},
			Default: func(obj runtime.Object) {
				w := obj.(*workv1alpha1.Work)
				setPermanentID(w, workv1alpha1.WorkPermanentIDLabel)
				prepareManifests(w)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return workvalidation.ValidateWork(obj.(*workv1alpha1.Work))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return workvalidation.ValidateWorkUpdate(obj.(*workv1alpha1.Work), old.(*workv1alpha1.Work))
			},
		},
	}
}

var bindingTable = karmadarest.Table{
	Columns: []karmadarest.Column{
		{Name: "Scheduled", Description: "Status of the Scheduled condition."},
		{Name: "FullyApplied", Description: "Status of the FullyApplied condition."},
	},
	Cells: func(obj runtime.Object) []interface{} {
		var st *workv1alpha2.ResourceBindingStatus
		switch b := obj.(type) {
		case *workv1alpha2.ResourceBinding:
			st = &b.Status
		case *workv1alpha2.ClusterResourceBinding:
			st = &b.Status
		}
		return []interface{}{conditionStatus(st.Conditions, workv1alpha2.Scheduled), conditionStatus(st.Conditions, workv1alpha2.FullyApplied)}
	},
}

func resourceBindingKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     workv1alpha2.Resource("resourcebindings"),
		Singular:     "resourcebinding",
		GroupVersion: workv1alpha2.SchemeGroupVersion,
		New:          func() runtime.Object { return &workv1alpha2.ResourceBinding{} },
		NewList:      func() runtime.Object { return &workv1alpha2.ResourceBindingList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"rb"},
		Table:        bindingTable,
		Hooks: karmadarest.Hooks{
			PrepareCreate: func(obj runtime.Object) {
				setPermanentID(obj, workv1alpha2.ResourceBindingPermanentIDLabel)
			},
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, workv1alpha2.ResourceBindingPermanentIDLabel)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return workvalidation.ValidateResourceBinding(obj.(*workv1alpha2.ResourceBinding))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return workvalidation.ValidateResourceBindingUpdate(obj.(*workv1alpha2.ResourceBinding), old.(*workv1alpha2.ResourceBinding))
			},
		},
	}
}

func clusterResourceBindingKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     workv1alpha2.Resource("clusterresourcebindings"),
		Singular:     "clusterresourcebinding",
		GroupVersion: workv1alpha2.SchemeGroupVersion,
		New:          func() runtime.Object { return &workv1alpha2.ClusterResourceBinding{} },
		NewList:      func() runtime.Object { return &workv1alpha2.ClusterResourceBindingList{} },
		HasStatus:    true,
		ShortNames:   []string{"crb"},
		Table:        bindingTable,
		Hooks: karmadarest.Hooks{
			PrepareCreate: func(obj runtime.Object) {
				setPermanentID(obj, workv1alpha2.ClusterResourceBindingPermanentIDLabel)
			},
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, workv1alpha2.ClusterResourceBindingPermanentIDLabel)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return workvalidation.ValidateClusterResourceBinding(obj.(*workv1alpha2.ClusterResourceBinding))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return workvalidation.ValidateClusterResourceBindingUpdate(obj.(*workv1alpha2.ClusterResourceBinding), old.(*workv1alpha2.ClusterResourceBinding))
			},
		},
	}
}

func multiClusterIngressKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     networkingv1alpha1.Resource("multiclusteringresses"),
		Singular:     "multiclusteringress",
		GroupVersion: networkingv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &networkingv1alpha1.MultiClusterIngress{} },
		NewList:      func() runtime.Object { return &networkingv1alpha1.MultiClusterIngressList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"mci"},
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterIngress(obj.(*networkingv1alpha1.MultiClusterIngress))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterIngressUpdate(obj.(*networkingv1alpha1.MultiClusterIngress), old.(*networkingv1alpha1.MultiClusterIngress))
			},
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterIngressStatusUpdate(obj.(*networkingv1alpha1.MultiClusterIngress), old.(*networkingv1alpha1.MultiClusterIngress))
			},
		},
	}
}

// multiClusterServiceKind serves MultiClusterService (short name mcs; Karmada defines no
// printer columns for it). What Karmada's webhooks do happens here: a permanent id label
// on create, and the validation.
func multiClusterServiceKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     networkingv1alpha1.Resource(networkingv1alpha1.ResourcePluralMultiClusterService),
		Singular:     networkingv1alpha1.ResourceSingularMultiClusterService,
		GroupVersion: networkingv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &networkingv1alpha1.MultiClusterService{} },
		NewList:      func() runtime.Object { return &networkingv1alpha1.MultiClusterServiceList{} },
		Namespaced:   true,
		HasStatus:    true,
		ShortNames:   []string{"mcs"},
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				setPermanentID(obj, networkingv1alpha1.MultiClusterServicePermanentIDLabel)
			},
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, networkingv1alpha1.MultiClusterServicePermanentIDLabel)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterService(obj.(*networkingv1alpha1.MultiClusterService))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterServiceUpdate(obj.(*networkingv1alpha1.MultiClusterService), old.(*networkingv1alpha1.MultiClusterService))
			},
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return networkingvalidation.ValidateMultiClusterServiceStatusUpdate(obj.(*networkingv1alpha1.MultiClusterService), old.(*networkingv1alpha1.MultiClusterService))
			},
		},
	}
}

// prepareManifests does to each manifest what Karmada's Work webhook does: prune the
// fields that belong to the control plane's copy, label it with the Work's permanent
// id and record which label and annotation keys the control plane owns. Manifests
// that are not JSON objects are left for validation to reject.
func prepareManifests(w *workv1alpha1.Work) {
	id := w.Labels[workv1alpha1.WorkPermanentIDLabel]
	for i := range w.Spec.Workload.Manifests {
		m := &w.Spec.Workload.Manifests[i]
		raw := m.Raw
		if len(raw) == 0 && m.Object != nil {
			b, err := json.Marshal(m.Object)
			if err != nil {
				continue
			}
			raw = b
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			continue
		}
		interpreter.PruneIrrelevantFields(u)
		if id != "" {
			labels := u.GetLabels()
			if labels == nil {
				labels = map[string]string{}
			}
			labels[workv1alpha1.WorkPermanentIDLabel] = id
			u.SetLabels(labels)
		}
		interpreter.RecordManagedKeys(u)
		b, err := u.MarshalJSON()
		if err != nil {
			continue
		}
		m.Raw, m.Object = b, nil
	}
}

func conditionStatus(conds []metav1.Condition, t string) string {
	if c := meta.FindStatusCondition(conds, t); c != nil {
		return string(c.Status)
	}
	return ""
}
