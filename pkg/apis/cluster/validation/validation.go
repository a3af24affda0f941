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

// Package validation checks Cluster objects before they are stored. Every function is pure and
// returns errors with the exact field path and a message that says what to change.
package validation

import (
	"fmt"
	"math"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	kubevalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// ClusterNameMaxLength is the longest cluster name: the name becomes part of the execution
// namespace "karmada-es-<name>", which must stay a valid label (63 characters), with room to spare.
const ClusterNameMaxLength = 48

var (
	supportedSyncModes    = []string{string(clusterv1alpha1.Push), string(clusterv1alpha1.Pull)}
	supportedTaintEffects = []string{
		string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute),
	}
	supportedModelResources = []string{
		string(clusterv1alpha1.ResourceCPU), string(clusterv1alpha1.ResourceMemory),
		string(clusterv1alpha1.ResourceStorage), string(clusterv1alpha1.ResourceEphemeralStorage),
	}
	supportedProxySchemes = []string{"http", "https", "socks5"}
)

// ValidateClusterName returns the problems of a cluster name: a DNS-1123 label of at most
// ClusterNameMaxLength characters. It fits apivalidation.ValidateNameFunc.
func ValidateClusterName(name string, _ bool) []string {
	if len(name) > ClusterNameMaxLength {
		return []string{fmt.Sprintf("must be no more than %d characters (the name is used in the execution namespace karmada-es-<name>)", ClusterNameMaxLength)}
	}
	return kubevalidation.IsDNS1123Label(name)
}

// ValidateCluster validates a Cluster on create.
func ValidateCluster(c *clusterv1alpha1.Cluster) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&c.ObjectMeta, false, ValidateClusterName, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateClusterSpec(&c.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateClusterUpdate validates a Cluster on update: metadata rules for updates plus every
// create rule on the new object.
func ValidateClusterUpdate(newC, oldC *clusterv1alpha1.Cluster) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newC.ObjectMeta, &oldC.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateClusterSpec(&newC.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateClusterStatusUpdate validates a write to the status subresource. The status is
// reported by the control plane itself, so only the metadata rules apply.
func ValidateClusterStatusUpdate(newC, oldC *clusterv1alpha1.Cluster) field.ErrorList {
	return apivalidation.ValidateObjectMetaUpdate(&newC.ObjectMeta, &oldC.ObjectMeta, field.NewPath("metadata"))
}

// ValidateClusterSpec validates a ClusterSpec.
func ValidateClusterSpec(spec *clusterv1alpha1.ClusterSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	switch spec.SyncMode {
	case "":
		allErrs = append(allErrs, field.Required(fldPath.Child("syncMode"), "must be Push (the control plane applies resources) or Pull (an agent in the member does)"))
	case clusterv1alpha1.Push, clusterv1alpha1.Pull:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("syncMode"), spec.SyncMode, supportedSyncModes))
	}

	if spec.APIEndpoint != "" {
		allErrs = append(allErrs, ValidateAPIEndpoint(spec.APIEndpoint, fldPath.Child("apiEndpoint"))...)
	}
	if spec.ProxyURL != "" {
		allErrs = append(allErrs, ValidateProxyURL(spec.ProxyURL, fldPath.Child("proxyURL"))...)
	}
	allErrs = append(allErrs, validateSecretRef(spec.SecretRef, fldPath.Child("secretRef"))...)
	allErrs = append(allErrs, validateSecretRef(spec.ImpersonatorSecretRef, fldPath.Child("impersonatorSecretRef"))...)
	allErrs = append(allErrs, ValidateTaints(spec.Taints, fldPath.Child("taints"))...)
	if len(spec.ResourceModels) > 0 {
		allErrs = append(allErrs, ValidateResourceModels(spec.ResourceModels, fldPath.Child("resourceModels"))...)
	}
	return allErrs
}

// ValidateAPIEndpoint checks that endpoint is a URL with a host and without user information,
// query or fragment, e.g. "https://10.0.0.1:6443".
func ValidateAPIEndpoint(endpoint string, fldPath *field.Path) field.ErrorList {
	const form = "; use a URL such as https://10.0.0.1:6443 or https://api.example.com"
	u, err := url.Parse(endpoint)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, endpoint, "must be a valid URL: "+err.Error()+form)}
	}
	var allErrs field.ErrorList
	if u.Host == "" {
		allErrs = append(allErrs, field.Invalid(fldPath, endpoint, "must include a host"+form))
	}
	if u.User != nil {
		allErrs = append(allErrs, field.Invalid(fldPath, endpoint, "must not contain user information; put credentials in the Secret named by secretRef"))
	}
	if u.RawQuery != "" || u.ForceQuery {
		allErrs = append(allErrs, field.Invalid(fldPath, endpoint, "must not contain query parameters"))
	}
	if u.Fragment != "" {
		allErrs = append(allErrs, field.Invalid(fldPath, endpoint, "must not contain a fragment"))
	}
	return allErrs
}

// ValidateProxyURL checks that proxyURL parses and uses http, https or socks5.
func ValidateProxyURL(proxyURL string, fldPath *field.Path) field.ErrorList {
	u, err := url.Parse(proxyURL)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, proxyURL, "must be a valid URL such as http://proxy.example.com:3128: "+err.Error())}
	}
	for _, s := range supportedProxySchemes {
		if u.Scheme == s {
			if u.Host == "" {
				return field.ErrorList{field.Invalid(fldPath, proxyURL, "must include a host, e.g. http://proxy.example.com:3128")}
			}
			return nil
		}
	}
	return field.ErrorList{field.Invalid(fldPath, proxyURL, fmt.Sprintf("unsupported scheme %q: use http, https or socks5", u.Scheme))}
}

func validateSecretRef(ref *clusterv1alpha1.LocalSecretReference, fldPath *field.Path) field.ErrorList {
	if ref == nil {
		return nil
	}
	var allErrs field.ErrorList
	if ref.Namespace == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), "the namespace of the Secret, usually karmada-cluster"))
	} else {
		for _, msg := range kubevalidation.IsDNS1123Label(ref.Namespace) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), ref.Namespace, msg))
		}
	}
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), "the name of the Secret"))
	} else {
		for _, msg := range kubevalidation.IsDNS1123Subdomain(ref.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), ref.Name, msg))
		}
	}
	return allErrs
}

// ValidateTaints checks cluster taints: a qualified-name key, a label-value value, an effect of
// NoSchedule, PreferNoSchedule or NoExecute, and no two taints with the same key and effect.
func ValidateTaints(taints []corev1.Taint, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i, t := range taints {
		idxPath := fldPath.Index(i)
		if t.Key == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("key"), "a taint needs a key"))
		} else {
			for _, msg := range kubevalidation.IsQualifiedName(t.Key) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("key"), t.Key, msg))
			}
		}
		for _, msg := range kubevalidation.IsValidLabelValue(t.Value) {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("value"), t.Value, msg))
		}
		switch t.Effect {
		case "":
			allErrs = append(allErrs, field.Required(idxPath.Child("effect"), "one of NoSchedule, PreferNoSchedule or NoExecute"))
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("effect"), t.Effect, supportedTaintEffects))
		}
		k := t.Key + "\x00" + string(t.Effect)
		if seen[k] {
			allErrs = append(allErrs, field.Duplicate(idxPath, fmt.Sprintf("%s:%s (a key may appear once per effect)", t.Key, t.Effect)))
		}
		seen[k] = true
	}
	return allErrs
}

// maxInt64Quantity is the upper bound of the last resource model grade.
var maxInt64Quantity = *resource.NewQuantity(math.MaxInt64, resource.DecimalSI)

// ValidateResourceModels checks customized resource models (expected already standardised, that
// is sorted by grade): grades unique and ascending; every model lists the same resources in the
// same order; only cpu, memory, storage and ephemeral-storage; max > min; the first model's
// minimums are 0; each model's minimum equals the previous model's maximum (compared by value, so
// "2" equals "2000m"); the last model's maximums are MaxInt64 (9223372036854775807); every
// quantity lies in [0, MaxInt64] and is 0 or at least 1n.
func ValidateResourceModels(models []clusterv1alpha1.ResourceModel, fldPath *field.Path) field.ErrorList {
	// Reject out-of-range quantities before comparing any: comparing quantities with huge
	// exponents (e.g. "9e9999999") costs big-number arithmetic of that size.
	var allErrs field.ErrorList
	for i := range models {
		for j := range models[i].Ranges {
			rPath := fldPath.Index(i).Child("ranges").Index(j)
			allErrs = append(allErrs, validateModelQuantity(&models[i].Ranges[j].Min, rPath.Child("min"))...)
			allErrs = append(allErrs, validateModelQuantity(&models[i].Ranges[j].Max, rPath.Child("max"))...)
		}
	}
	if len(allErrs) > 0 {
		return allErrs
	}

	grades := map[uint]bool{}
	for i, m := range models {
		mPath := fldPath.Index(i)
		if grades[m.Grade] {
			allErrs = append(allErrs, field.Duplicate(mPath.Child("grade"), m.Grade))
		} else if i > 0 && m.Grade < models[i-1].Grade {
			allErrs = append(allErrs, field.Invalid(mPath.Child("grade"), m.Grade, "models must be sorted by ascending grade"))
		}
		grades[m.Grade] = true

		if len(m.Ranges) == 0 {
			allErrs = append(allErrs, field.Required(mPath.Child("ranges"), "each model needs at least one resource range, e.g. {name: cpu, min: \"0\", max: \"1\"}"))
			continue
		}
		if i > 0 && len(models[i-1].Ranges) != len(m.Ranges) {
			allErrs = append(allErrs, field.Invalid(mPath.Child("ranges"), len(m.Ranges),
				fmt.Sprintf("every model must list the same resources in the same order; the previous model lists %d", len(models[i-1].Ranges))))
			continue
		}

		names := map[clusterv1alpha1.ResourceName]bool{}
		for j, r := range m.Ranges {
			rPath := mPath.Child("ranges").Index(j)
			if !isSupportedModelResource(r.Name) {
				allErrs = append(allErrs, field.NotSupported(rPath.Child("name"), r.Name, supportedModelResources))
				continue
			}
			if names[r.Name] {
				allErrs = append(allErrs, field.Duplicate(rPath.Child("name"), r.Name))
				continue
			}
			names[r.Name] = true

			if r.Max.Cmp(r.Min) <= 0 {
				allErrs = append(allErrs, field.Invalid(rPath.Child("max"), r.Max.String(),
					fmt.Sprintf("must be greater than min (%s)", r.Min.String())))
			}
			if i == 0 {
				if !r.Min.IsZero() {
					allErrs = append(allErrs, field.Invalid(rPath.Child("min"), r.Min.String(), "must be 0 in the first model"))
				}
			} else {
				prev := models[i-1].Ranges[j]
				if prev.Name != r.Name {
					allErrs = append(allErrs, field.Invalid(rPath.Child("name"), r.Name,
						fmt.Sprintf("every model must list the same resources in the same order; the previous model has %q here", prev.Name)))
				} else if prev.Max.Cmp(r.Min) != 0 {
					allErrs = append(allErrs, field.Invalid(rPath.Child("min"), r.Min.String(),
						fmt.Sprintf("must equal the max of the previous model (%s): grade intervals must be contiguous and must not overlap", prev.Max.String())))
				}
			}
			if i == len(models)-1 && r.Max.Cmp(maxInt64Quantity) != 0 {
				allErrs = append(allErrs, field.Invalid(rPath.Child("max"), r.Max.String(),
					"must be 9223372036854775807 (MaxInt64) in the last model, so that every node falls into a grade"))
			}
		}
	}
	return allErrs
}

// validateModelQuantity checks, cheaply, that q lies in [0, MaxInt64] and is either 0 or at least
// 1n (the finest precision Kubernetes quantities use).
func validateModelQuantity(q *resource.Quantity, fldPath *field.Path) field.ErrorList {
	f := q.AsApproximateFloat64()
	switch {
	case math.IsNaN(f) || f < 0 || f > float64(math.MaxInt64):
		return field.ErrorList{field.Invalid(fldPath, "<value omitted>", "must be between 0 and 9223372036854775807 (MaxInt64)")}
	case f < 0.9e-9 && !q.IsZero():
		return field.ErrorList{field.Invalid(fldPath, "<value omitted>", "must be 0 or at least 1n")}
	}
	return nil
}

func isSupportedModelResource(name clusterv1alpha1.ResourceName) bool {
	for _, s := range supportedModelResources {
		if string(name) == s {
			return true
		}
	}
	return false
}
