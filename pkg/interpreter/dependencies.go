package interpreter

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/karmada-one/karmada-one/pkg/names"
)

// discoveryServiceNameLabel is discoveryv1.LabelServiceName: the Service an EndpointSlice
// belongs to.
const discoveryServiceNameLabel = "kubernetes.io/service-name"

// podTemplateDependencies answers for workloads whose pod template sits at fields.
func podTemplateDependencies(fields ...string) dependenciesFunc {
	specPath := append(append([]string{}, fields...), "spec")
	return func(obj *unstructured.Unstructured) ([]Dependency, error) {
		spec, err := podSpecAt(obj, specPath...)
		if err != nil {
			return nil, err
		}
		return PodSpecDependencies(spec, obj.GetNamespace()), nil
	}
}

func podDependencies(obj *unstructured.Unstructured) ([]Dependency, error) {
	spec, err := podSpecAt(obj, "spec")
	if err != nil {
		return nil, err
	}
	return PodSpecDependencies(spec, obj.GetNamespace()), nil
}

// PodSpecDependencies lists what pods of spec need in namespace before they can start:
// ConfigMaps, Secrets, the ServiceAccount (unless the default one, which every namespace
// has) and PersistentVolumeClaims. The result is sorted by kind (that order) and name.
func PodSpecDependencies(spec *corev1.PodSpec, namespace string) []Dependency {
	configMaps, secrets, pvcs := nameSet{}, nameSet{}, nameSet{}

	for _, s := range spec.ImagePullSecrets {
		secrets.add(s.Name)
	}
	visitEnv := func(envFrom []corev1.EnvFromSource, env []corev1.EnvVar) {
		for _, from := range envFrom {
			if from.ConfigMapRef != nil {
				configMaps.add(from.ConfigMapRef.Name)
			}
			if from.SecretRef != nil {
				secrets.add(from.SecretRef.Name)
			}
		}
		for _, e := range env {
			if e.ValueFrom == nil {
				continue
			}
			if e.ValueFrom.ConfigMapKeyRef != nil {
				configMaps.add(e.ValueFrom.ConfigMapKeyRef.Name)
			}
			if e.ValueFrom.SecretKeyRef != nil {
				secrets.add(e.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
	for _, c := range spec.InitContainers {
		visitEnv(c.EnvFrom, c.Env)
	}
	for _, c := range spec.Containers {
		visitEnv(c.EnvFrom, c.Env)
	}
	for _, c := range spec.EphemeralContainers {
		visitEnv(c.EnvFrom, c.Env)
	}

	secretRef := func(ref *corev1.LocalObjectReference) {
		if ref != nil {
			secrets.add(ref.Name)
		}
	}
	for _, v := range spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			configMaps.add(v.ConfigMap.Name)
		case v.Secret != nil:
			secrets.add(v.Secret.SecretName)
		case v.PersistentVolumeClaim != nil:
			pvcs.add(v.PersistentVolumeClaim.ClaimName)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					configMaps.add(src.ConfigMap.Name)
				}
				if src.Secret != nil {
					secrets.add(src.Secret.Name)
				}
			}
		case v.CSI != nil:
			secretRef(v.CSI.NodePublishSecretRef)
		case v.CephFS != nil:
			secretRef(v.CephFS.SecretRef)
		case v.Cinder != nil:
			secretRef(v.Cinder.SecretRef)
		case v.FlexVolume != nil:
			secretRef(v.FlexVolume.SecretRef)
		case v.RBD != nil:
			secretRef(v.RBD.SecretRef)
		case v.ScaleIO != nil:
			secretRef(v.ScaleIO.SecretRef)
		case v.ISCSI != nil:
			secretRef(v.ISCSI.SecretRef)
		case v.StorageOS != nil:
			secretRef(v.StorageOS.SecretRef)
		case v.AzureFile != nil:
			secrets.add(v.AzureFile.SecretName)
		}
	}

	var deps []Dependency
	add := func(kind string, set nameSet) {
		for _, name := range set.sorted() {
			deps = append(deps, Dependency{APIVersion: "v1", Kind: kind, Namespace: namespace, Name: name})
		}
	}
	add("ConfigMap", configMaps)
	add("Secret", secrets)
	sa := spec.ServiceAccountName
	if sa == "" {
		sa = spec.DeprecatedServiceAccount
	}
	if sa != "" && sa != "default" {
		deps = append(deps, Dependency{APIVersion: "v1", Kind: "ServiceAccount", Namespace: namespace, Name: sa})
	}
	add("PersistentVolumeClaim", pvcs)
	return deps
}

// ingressDependencies: the Secrets holding an Ingress's TLS certificates.
func ingressDependencies(obj *unstructured.Unstructured) ([]Dependency, error) {
	tls, _, err := unstructured.NestedSlice(obj.Object, "spec", "tls")
	if err != nil {
		return nil, err
	}
	secrets := nameSet{}
	for _, t := range tls {
		if m, ok := t.(map[string]interface{}); ok {
			name, _ := m["secretName"].(string)
			secrets.add(name)
		}
	}
	var deps []Dependency
	for _, name := range secrets.sorted() {
		deps = append(deps, Dependency{APIVersion: "v1", Kind: "Secret", Namespace: obj.GetNamespace(), Name: name})
	}
	return deps, nil
}

// serviceImportDependencies: a consumer of a ServiceImport needs the derived Service and
// the EndpointSlices collected for it from the exporting clusters (docs/design/mcs.md).
func serviceImportDependencies(obj *unstructured.Unstructured) ([]Dependency, error) {
	derived := names.GenerateDerivedServiceName(obj.GetName())
	return []Dependency{
		{APIVersion: "v1", Kind: "Service", Namespace: obj.GetNamespace(), Name: derived},
		{
			APIVersion:    "discovery.k8s.io/v1",
			Kind:          "EndpointSlice",
			Namespace:     obj.GetNamespace(),
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{discoveryServiceNameLabel: derived}},
		},
	}, nil
}

// nameSet collects non-empty names.
type nameSet map[string]struct{}

func (s nameSet) add(name string) {
	if name != "" {
		s[name] = struct{}{}
	}
}

func (s nameSet) sorted() []string {
	list := make([]string, 0, len(s))
	for name := range s {
		list = append(list, name)
	}
	sort.Strings(list)
	return list
}
