package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	policyvalidation "github.com/karmada-one/karmada-one/pkg/apis/policy/validation"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
)

// propagationTable prints CONFLICT-RESOLUTION and PRIORITY, as Karmada does.
var propagationTable = karmadarest.Table{
	Columns: []karmadarest.Column{
		{Name: "Conflict-Resolution", Description: "What happens when a member already has an object of the same name: Abort or Overwrite."},
		{Name: "Priority", Type: "integer", Description: "Higher-priority policies claim resources first."},
	},
	Cells: func(obj runtime.Object) []interface{} {
		var spec *policyv1alpha1.PropagationSpec
		switch p := obj.(type) {
		case *policyv1alpha1.PropagationPolicy:
			spec = &p.Spec
		case *policyv1alpha1.ClusterPropagationPolicy:
			spec = &p.Spec
		}
		var prio int64
		if spec.Priority != nil {
			prio = int64(*spec.Priority)
		}
		return []interface{}{string(spec.ConflictResolution), prio}
	},
}

func propagationPolicyKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     policyv1alpha1.Resource("propagationpolicies"),
		Singular:     "propagationpolicy",
		GroupVersion: policyv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &policyv1alpha1.PropagationPolicy{} },
		NewList:      func() runtime.Object { return &policyv1alpha1.PropagationPolicyList{} },
		Namespaced:   true,
		ShortNames:   []string{"pp"},
		Table:        propagationTable,
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				policyv1alpha1.SetDefaultsPropagationPolicy(obj.(*policyv1alpha1.PropagationPolicy))
			},
			PrepareCreate: func(obj runtime.Object) {
				setPermanentID(obj, policyv1alpha1.PropagationPolicyPermanentIDLabel)
				addFinalizer(obj, policyv1alpha1.PropagationPolicyControllerFinalizer)
			},
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, policyv1alpha1.PropagationPolicyPermanentIDLabel)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return policyvalidation.ValidatePropagationPolicy(obj.(*policyv1alpha1.PropagationPolicy))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidatePropagationPolicyUpdate(obj.(*policyv1alpha1.PropagationPolicy), old.(*policyv1alpha1.PropagationPolicy))
			},
		},
	}
}

func clusterPropagationPolicyKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     policyv1alpha1.Resource("clusterpropagationpolicies"),
		Singular:     "clusterpropagationpolicy",
		GroupVersion: policyv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &policyv1alpha1.ClusterPropagationPolicy{} },
		NewList:      func() runtime.Object { return &policyv1alpha1.ClusterPropagationPolicyList{} },
		ShortNames:   []string{"cpp"},
		Table:        propagationTable,
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				policyv1alpha1.SetDefaultsClusterPropagationPolicy(obj.(*policyv1alpha1.ClusterPropagationPolicy))
			},
			PrepareCreate: func(obj runtime.Object) {
				setPermanentID(obj, policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel)
				addFinalizer(obj, policyv1alpha1.ClusterPropagationPolicyControllerFinalizer)
			},
			PrepareUpdate: func(obj, old runtime.Object) {
				keepPermanentID(obj, old, policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel)
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return policyvalidation.ValidateClusterPropagationPolicy(obj.(*policyv1alpha1.ClusterPropagationPolicy))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidateClusterPropagationPolicyUpdate(obj.(*policyv1alpha1.ClusterPropagationPolicy), old.(*policyv1alpha1.ClusterPropagationPolicy))
			},
		},
	}
}

func overridePolicyKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     policyv1alpha1.Resource("overridepolicies"),
		Singular:     "overridepolicy",
		GroupVersion: policyv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &policyv1alpha1.OverridePolicy{} },
		NewList:      func() runtime.Object { return &policyv1alpha1.OverridePolicyList{} },
		Namespaced:   true,
		ShortNames:   []string{"op"},
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				policyv1alpha1.SetDefaultsOverridePolicy(obj.(*policyv1alpha1.OverridePolicy))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return policyvalidation.ValidateOverridePolicy(obj.(*policyv1alpha1.OverridePolicy))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidateOverridePolicyUpdate(obj.(*policyv1alpha1.OverridePolicy), old.(*policyv1alpha1.OverridePolicy))
			},
		},
	}
}

func clusterOverridePolicyKind() karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     policyv1alpha1.Resource("clusteroverridepolicies"),
		Singular:     "clusteroverridepolicy",
		GroupVersion: policyv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &policyv1alpha1.ClusterOverridePolicy{} },
		NewList:      func() runtime.Object { return &policyv1alpha1.ClusterOverridePolicyList{} },
		ShortNames:   []string{"cop"},
		Table:        karmadarest.Table{},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				policyv1alpha1.SetDefaultsClusterOverridePolicy(obj.(*policyv1alpha1.ClusterOverridePolicy))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return policyvalidation.ValidateClusterOverridePolicy(obj.(*policyv1alpha1.ClusterOverridePolicy))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return policyvalidation.ValidateClusterOverridePolicyUpdate(obj.(*policyv1alpha1.ClusterOverridePolicy), old.(*policyv1alpha1.ClusterOverridePolicy))
			},
		},
	}
}
