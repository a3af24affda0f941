package interpreter

import (
	"encoding/json"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// toTyped reads an unstructured object (or part of one) into a typed API struct.
func toTyped(m map[string]interface{}, into interface{}) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(m, into)
}

// toMap turns a typed API struct back into its unstructured form.
func toMap(from interface{}) (map[string]interface{}, error) {
	return runtime.DefaultUnstructuredConverter.ToUnstructured(from)
}

// statusOf reads obj's .status into a typed status struct; a missing status leaves into
// at its zero value.
func statusOf(obj *unstructured.Unstructured, into interface{}) error {
	status, _, err := unstructured.NestedMap(obj.Object, "status")
	if err != nil {
		return err
	}
	if status == nil {
		return nil
	}
	if err := toTyped(status, into); err != nil {
		return fmt.Errorf("reading status: %w", err)
	}
	return nil
}

// setStatus replaces obj's .status with the unstructured form of status.
func setStatus(obj *unstructured.Unstructured, status interface{}) error {
	m, err := toMap(status)
	if err != nil {
		return err
	}
	obj.Object["status"] = m
	return nil
}

// itemStatus decodes a member's reflected status into into; false means the member has
// not reported one yet.
func itemStatus(item workv1alpha2.AggregatedStatusItem, into interface{}) (bool, error) {
	if item.Status == nil || len(item.Status.Raw) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(item.Status.Raw, into); err != nil {
		return false, fmt.Errorf("status from cluster %s: %w", item.ClusterName, err)
	}
	return true, nil
}

// rawExtension encodes a reflected status for Work.status.manifestStatuses.
func rawExtension(status interface{}) (*runtime.RawExtension, error) {
	raw, err := json.Marshal(status)
	if err != nil {
		return nil, err
	}
	return &runtime.RawExtension{Raw: raw}, nil
}

// templateGeneration returns the template generation a member object was last written
// from (annotation resourcetemplate.karmada.io/generation), 0 when absent.
func templateGeneration(obj *unstructured.Unstructured) (int64, error) {
	s, ok := obj.GetAnnotations()[workv1alpha2.ResourceTemplateGenerationAnnotationKey]
	if !ok || s == "" {
		return 0, nil
	}
	g, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("annotation %s=%q is not a generation: %w", workv1alpha2.ResourceTemplateGenerationAnnotationKey, s, err)
	}
	return g, nil
}
