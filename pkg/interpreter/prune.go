// Package interpreter holds per-kind knowledge of Kubernetes objects that the control
// plane needs: which fields belong to the cluster an object was stored in (and must
// not travel to a member), replicas, status and health.
package interpreter

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// metadataSetByServer are the metadata fields a kube-apiserver fills in; a member
// fills its own.
var metadataSetByServer = []string{
	"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
	"managedFields", "resourceVersion", "selfLink", "uid", "ownerReferences", "finalizers",
}

// PruneIrrelevantFields removes from obj what the control plane's own apiserver and
// controllers wrote and a member cluster must decide for itself: server metadata,
// status, and per-kind fields (Deployment revisions, Job generated selectors and TTL,
// Service cluster IPs, service-account token data, a PVC's selected node).
func PruneIrrelevantFields(obj *unstructured.Unstructured) {
	for _, f := range metadataSetByServer {
		unstructured.RemoveNestedField(obj.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(obj.Object, "status")
	if obj.GroupVersionKind().Group != "" && obj.GroupVersionKind().Group != "apps" && obj.GroupVersionKind().Group != "batch" {
		return
	}
	switch obj.GetKind() {
	case "Deployment":
		unstructured.RemoveNestedField(obj.Object, "metadata", "annotations", "deployment.kubernetes.io/revision")
		unstructured.RemoveNestedField(obj.Object, "metadata", "annotations", "deployment.kubernetes.io/revision-history")
	case "Job":
		pruneJob(obj)
	case "Service":
		if ip, found, _ := unstructured.NestedString(obj.Object, "spec", "clusterIP"); found && ip != "None" {
			unstructured.RemoveNestedField(obj.Object, "spec", "clusterIP")
			unstructured.RemoveNestedField(obj.Object, "spec", "clusterIPs")
		}
	case "Secret":
		if t, _, _ := unstructured.NestedString(obj.Object, "type"); t == "kubernetes.io/service-account-token" {
			unstructured.RemoveNestedField(obj.Object, "metadata", "annotations", "kubernetes.io/service-account.uid")
			unstructured.RemoveNestedField(obj.Object, "data")
		}
	case "ServiceAccount":
		pruneServiceAccount(obj)
	case "PersistentVolumeClaim":
		unstructured.RemoveNestedField(obj.Object, "metadata", "annotations", "volume.kubernetes.io/selected-node")
	}
}

func pruneJob(obj *unstructured.Unstructured) {
	// A member's job controller makes its own TTL deletions; a TTL copied from the
	// template would make the member delete a Job the control plane then re-creates.
	unstructured.RemoveNestedField(obj.Object, "spec", "ttlSecondsAfterFinished")
	if manual, _, _ := unstructured.NestedBool(obj.Object, "spec", "manualSelector"); manual {
		return
	}
	generated := []string{"controller-uid", "batch.kubernetes.io/controller-uid"}
	for _, k := range generated {
		unstructured.RemoveNestedField(obj.Object, "spec", "selector", "matchLabels", k)
	}
	for _, k := range append(generated, "job-name", "batch.kubernetes.io/job-name") {
		unstructured.RemoveNestedField(obj.Object, "spec", "template", "metadata", "labels", k)
	}
	if m, found, _ := unstructured.NestedMap(obj.Object, "spec", "selector", "matchLabels"); found && len(m) == 0 {
		unstructured.RemoveNestedField(obj.Object, "spec", "selector")
	}
}

func pruneServiceAccount(obj *unstructured.Unstructured) {
	secrets, found, _ := unstructured.NestedSlice(obj.Object, "secrets")
	if !found {
		return
	}
	prefix := obj.GetName() + "-token-"
	kept := secrets[:0]
	for _, s := range secrets {
		if m, ok := s.(map[string]interface{}); ok {
			if name, _ := m["name"].(string); strings.HasPrefix(name, prefix) {
				continue
			}
		}
		kept = append(kept, s)
	}
	_ = unstructured.SetNestedSlice(obj.Object, kept, "secrets")
}

// RecordManagedKeys writes the managed-labels and managed-annotations annotations:
// the sorted keys of the labels and annotations the control plane owns on obj, so a
// later update can tell a key it removed from one a member added.
func RecordManagedKeys(obj *unstructured.Unstructured) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotationKeys := []string{workv1alpha2.ManagedAnnotation, workv1alpha2.ManagedLabels}
	for k := range annotations {
		if k != workv1alpha2.ManagedAnnotation && k != workv1alpha2.ManagedLabels {
			annotationKeys = append(annotationKeys, k)
		}
	}
	sort.Strings(annotationKeys)
	var labelKeys []string
	for k := range obj.GetLabels() {
		labelKeys = append(labelKeys, k)
	}
	sort.Strings(labelKeys)
	annotations[workv1alpha2.ManagedAnnotation] = strings.Join(annotationKeys, ",")
	annotations[workv1alpha2.ManagedLabels] = strings.Join(labelKeys, ",")
	obj.SetAnnotations(annotations)
}
