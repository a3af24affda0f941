// Package webhook asks the webhooks registered by ResourceInterpreterWebhookConfigurations
// to interpret the kinds they claim, the way Karmada's "customized webhook" interpreter
// does: one ResourceInterpreterContext (config.karmada.io/v1alpha1) POSTed over HTTPS per
// question, answered in its response.
package webhook

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// The wire form of the review object. Field names and JSON tags are Karmada's, so a
// webhook written against Karmada's Go types decodes it unchanged.

// ContextAPIVersion and ContextKind identify the review object on the wire.
const (
	ContextAPIVersion = "config.karmada.io/v1alpha1"
	ContextKind       = "ResourceInterpreterContext"
)

// ResourceInterpreterContext carries one question to a webhook and its answer back.
type ResourceInterpreterContext struct {
	metav1.TypeMeta `json:",inline"`
	Request         *ResourceInterpreterRequest  `json:"request,omitempty"`
	Response        *ResourceInterpreterResponse `json:"response,omitempty"`
}

// ResourceInterpreterRequest is the question: the operation and the objects it is about.
type ResourceInterpreterRequest struct {
	UID       types.UID                           `json:"uid"`
	Kind      metav1.GroupVersionKind             `json:"kind"`
	Name      string                              `json:"name"`
	Namespace string                              `json:"namespace,omitempty"`
	Operation configv1alpha1.InterpreterOperation `json:"operation"`
	// Object is the resource template (or, for InterpretStatus and InterpretHealth, the
	// member cluster's copy).
	Object json.RawMessage `json:"object,omitempty"`
	// ObservedObject is the member's copy, for Retain.
	ObservedObject json.RawMessage `json:"observedObject,omitempty"`
	// DesiredReplicas is the share to give a member, for ReviseReplica.
	DesiredReplicas *int32 `json:"replicas,omitempty"`
	// AggregatedStatus are the members' reflected statuses, for AggregateStatus.
	AggregatedStatus []workv1alpha2.AggregatedStatusItem `json:"aggregatedStatus,omitempty"`
}

// ResourceInterpreterResponse is the answer; which fields count depends on the operation.
type ResourceInterpreterResponse struct {
	UID                 types.UID                         `json:"uid"`
	Successful          bool                              `json:"successful"`
	Status              *RequestStatus                    `json:"status,omitempty"`
	Patch               []byte                            `json:"patch,omitempty"`
	PatchType           *PatchType                        `json:"patchType,omitempty"`
	ReplicaRequirements *workv1alpha2.ReplicaRequirements `json:"replicaRequirements,omitempty"`
	Replicas            *int32                            `json:"replicas,omitempty"`
	Dependencies        []interpreter.Dependency          `json:"dependencies,omitempty"`
	RawStatus           json.RawMessage                   `json:"rawStatus,omitempty"`
	Healthy             *bool                             `json:"healthy,omitempty"`
}

// RequestStatus says why a webhook did not answer successfully.
type RequestStatus struct {
	Message string `json:"message,omitempty"`
	Code    int32  `json:"code,omitempty"`
}

// PatchType names the patch format of a response; only JSONPatch (RFC 6902) exists.
type PatchType string

// PatchTypeJSONPatch is an RFC 6902 JSON patch.
const PatchTypeJSONPatch PatchType = "JSONPatch"
