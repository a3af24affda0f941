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

// Package detector holds the pure logic of the detector (docs/design/pipeline.md, "Detector"):
// matching templates against PropagationPolicies and ClusterPropagationPolicies,
// choosing the claiming policy, the claim metadata and building the binding.
// Nothing here talks to an API server.
package detector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Policy is either a PropagationPolicy or a ClusterPropagationPolicy; exactly one of
// the two fields is set in a valid value. The zero value means "no policy".
type Policy struct {
	PP  *policyv1alpha1.PropagationPolicy
	CPP *policyv1alpha1.ClusterPropagationPolicy
}

// FromPropagationPolicy wraps pp.
func FromPropagationPolicy(pp *policyv1alpha1.PropagationPolicy) Policy {
	return Policy{PP: pp}
}

// FromClusterPropagationPolicy wraps cpp.
func FromClusterPropagationPolicy(cpp *policyv1alpha1.ClusterPropagationPolicy) Policy {
	return Policy{CPP: cpp}
}

// IsZero tells whether p holds no policy.
func (p Policy) IsZero() bool { return p.PP == nil && p.CPP == nil }

// IsCluster tells whether p is a ClusterPropagationPolicy.
func (p Policy) IsCluster() bool { return p.PP == nil && p.CPP != nil }

// Object returns the policy's metadata accessor, nil for the zero Policy.
func (p Policy) Object() metav1.Object {
	switch {
	case p.PP != nil:
		return p.PP
	case p.CPP != nil:
		return p.CPP
	}
	return nil
}

// Spec returns the policy's spec, nil for the zero Policy.
func (p Policy) Spec() *policyv1alpha1.PropagationSpec {
	switch {
	case p.PP != nil:
		return &p.PP.Spec
	case p.CPP != nil:
		return &p.CPP.Spec
	}
	return nil
}

// Name returns the policy's name.
func (p Policy) Name() string {
	if o := p.Object(); o != nil {
		return o.GetName()
	}
	return ""
}

// Namespace returns the policy's namespace ("" for a ClusterPropagationPolicy).
func (p Policy) Namespace() string {
	if p.PP != nil {
		return p.PP.Namespace
	}
	return ""
}

// PermanentIDLabel returns the label key carrying this kind of policy's permanent id.
func (p Policy) PermanentIDLabel() string {
	if p.IsCluster() {
		return policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel
	}
	return policyv1alpha1.PropagationPolicyPermanentIDLabel
}

// PermanentID returns the policy's permanent id (set by the API server on create).
func (p Policy) PermanentID() string {
	if o := p.Object(); o != nil {
		return o.GetLabels()[p.PermanentIDLabel()]
	}
	return ""
}

// IsDeleting tells whether the policy has a deletion timestamp.
func (p Policy) IsDeleting() bool {
	o := p.Object()
	return o != nil && o.GetDeletionTimestamp() != nil
}

// Priority returns spec.priority (0 when unset).
func (p Policy) Priority() int32 {
	if s := p.Spec(); s != nil && s.Priority != nil {
		return *s.Priority
	}
	return 0
}
