package interpreter

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// retainWorkloadReplicas keeps the member's spec.replicas when the template is labelled
// resourcetemplate.karmada.io/retain-replicas=true: an autoscaler in the member owns the
// replicas then, and the control plane must not fight it. The label travels with the
// template's labels into desired.
func retainWorkloadReplicas(desired, observed *unstructured.Unstructured) error {
	if desired.GetLabels()[workv1alpha2.RetainReplicasLabel] != workv1alpha2.RetainReplicasValue {
		return nil
	}
	replicas, found, err := unstructured.NestedFieldNoCopy(observed.Object, "spec", "replicas")
	if err != nil || !found {
		return err
	}
	return unstructured.SetNestedField(desired.Object, replicas, "spec", "replicas")
}

// retainPod keeps what the member decided for a Pod: the node it was bound to, and the
// service account, volumes and mounts its admission added (the token volume). A Pod's
// spec is almost immutable, so sending the template's values would only fail.
func retainPod(desired, observed *unstructured.Unstructured) error {
	for _, field := range []string{"nodeName", "serviceAccountName", "volumes"} {
		if err := copyField(desired, observed, "spec", field); err != nil {
			return err
		}
	}
	for _, list := range []string{"containers", "initContainers"} {
		if err := retainVolumeMounts(desired, observed, list); err != nil {
			return err
		}
	}
	return nil
}

// retainVolumeMounts copies each container's volumeMounts from the observed container
// of the same name.
func retainVolumeMounts(desired, observed *unstructured.Unstructured, list string) error {
	observedContainers, _, err := unstructured.NestedSlice(observed.Object, "spec", list)
	if err != nil {
		return err
	}
	mounts := map[string]interface{}{}
	for _, c := range observedContainers {
		if m, ok := c.(map[string]interface{}); ok {
			if name, ok := m["name"].(string); ok {
				mounts[name] = m["volumeMounts"]
			}
		}
	}
	desiredContainers, found, err := unstructured.NestedSlice(desired.Object, "spec", list)
	if err != nil || !found {
		return err
	}
	for _, c := range desiredContainers {
		m, ok := c.(map[string]interface{})
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		vm, seen := mounts[name]
		switch {
		case !seen:
		case vm == nil:
			delete(m, "volumeMounts")
		default:
			m["volumeMounts"] = vm
		}
	}
	return unstructured.SetNestedSlice(desired.Object, desiredContainers, "spec", list)
}

// retainService keeps what a member's API server allocated for a Service and will not
// let anyone change: the cluster IP(s), the health-check node port, and node ports the
// template leaves to the member.
func retainService(desired, observed *unstructured.Unstructured) error {
	if ip, _, _ := unstructured.NestedString(observed.Object, "spec", "clusterIP"); ip != "" {
		if err := unstructured.SetNestedField(desired.Object, ip, "spec", "clusterIP"); err != nil {
			return err
		}
		if ips, found, _ := unstructured.NestedStringSlice(observed.Object, "spec", "clusterIPs"); found {
			if err := unstructured.SetNestedStringSlice(desired.Object, ips, "spec", "clusterIPs"); err != nil {
				return err
			}
		}
	}
	if port, found, _ := unstructured.NestedFieldNoCopy(observed.Object, "spec", "healthCheckNodePort"); found && port != nil {
		if err := unstructured.SetNestedField(desired.Object, port, "spec", "healthCheckNodePort"); err != nil {
			return err
		}
	}
	return retainNodePorts(desired, observed)
}

// retainNodePorts gives every desired port without a nodePort the one the member
// allocated for the same port and protocol, so an update does not reallocate it.
func retainNodePorts(desired, observed *unstructured.Unstructured) error {
	observedPorts, _, err := unstructured.NestedSlice(observed.Object, "spec", "ports")
	if err != nil {
		return err
	}
	allocated := map[string]interface{}{}
	for _, p := range observedPorts {
		if m, ok := p.(map[string]interface{}); ok && m["nodePort"] != nil {
			allocated[portKey(m)] = m["nodePort"]
		}
	}
	if len(allocated) == 0 {
		return nil
	}
	desiredPorts, found, err := unstructured.NestedSlice(desired.Object, "spec", "ports")
	if err != nil || !found {
		return err
	}
	for _, p := range desiredPorts {
		m, ok := p.(map[string]interface{})
		if !ok || !isUnsetPort(m["nodePort"]) {
			continue
		}
		if np, ok := allocated[portKey(m)]; ok {
			m["nodePort"] = np
		}
	}
	return unstructured.SetNestedSlice(desired.Object, desiredPorts, "spec", "ports")
}

func portKey(port map[string]interface{}) string {
	protocol, _ := port["protocol"].(string)
	if protocol == "" {
		protocol = "TCP"
	}
	b, _ := json.Marshal([]interface{}{port["port"], protocol})
	return string(b)
}

func isUnsetPort(v interface{}) bool {
	switch n := v.(type) {
	case nil:
		return true
	case int64:
		return n == 0
	case float64:
		return n == 0
	}
	return false
}

// retainServiceAccount merges the member's secrets and imagePullSecrets into the
// desired ones (desired first): a member's token controller or admission may add its
// own, and dropping them would break the pods using them.
func retainServiceAccount(desired, observed *unstructured.Unstructured) error {
	for _, field := range []string{"secrets", "imagePullSecrets"} {
		observedRefs, _, err := unstructured.NestedSlice(observed.Object, field)
		if err != nil {
			return err
		}
		if len(observedRefs) == 0 {
			continue
		}
		desiredRefs, _, err := unstructured.NestedSlice(desired.Object, field)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		merged := make([]interface{}, 0, len(desiredRefs)+len(observedRefs))
		for _, ref := range append(desiredRefs, observedRefs...) {
			key := refKey(ref)
			if seen[key] {
				continue
			}
			seen[key] = true
			merged = append(merged, ref)
		}
		if err := unstructured.SetNestedSlice(desired.Object, merged, field); err != nil {
			return err
		}
	}
	return nil
}

// refKey identifies a secret reference by name, or by its whole content without one.
func refKey(ref interface{}) string {
	if m, ok := ref.(map[string]interface{}); ok {
		if name, ok := m["name"].(string); ok {
			return "name:" + name
		}
	}
	b, _ := json.Marshal(ref)
	return string(b)
}

// retainPVC keeps the volume a member bound the claim to; it cannot change.
func retainPVC(desired, observed *unstructured.Unstructured) error {
	name, _, _ := unstructured.NestedString(observed.Object, "spec", "volumeName")
	if name == "" {
		return nil
	}
	return unstructured.SetNestedField(desired.Object, name, "spec", "volumeName")
}

// retainPV keeps the claim a member's volume controller bound the volume to.
func retainPV(desired, observed *unstructured.Unstructured) error {
	ref, found, err := unstructured.NestedFieldNoCopy(observed.Object, "spec", "claimRef")
	if err != nil || !found || ref == nil {
		return err
	}
	return unstructured.SetNestedField(desired.Object, ref, "spec", "claimRef")
}

// copyField makes desired's field at path equal observed's, removing it when observed
// has none.
func copyField(desired, observed *unstructured.Unstructured, path ...string) error {
	v, found, err := unstructured.NestedFieldNoCopy(observed.Object, path...)
	if err != nil {
		return err
	}
	if !found || v == nil {
		unstructured.RemoveNestedField(desired.Object, path...)
		return nil
	}
	return unstructured.SetNestedField(desired.Object, v, path...)
}
