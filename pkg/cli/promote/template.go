package promote

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// bookkeepingPrefixes start the label and annotation keys the control plane writes on the
// objects it propagates. A member object that carries them from an earlier propagation must
// not bring them into the template: they describe another binding and Work.
var bookkeepingPrefixes = []string{
	"work.karmada.io/",
	"resourcebinding.karmada.io/",
	"clusterresourcebinding.karmada.io/",
	"propagationpolicy.karmada.io/",
	"clusterpropagationpolicy.karmada.io/",
	"policy.karmada.io/",
}

// bookkeepingKeys are further keys of the same kind.
var bookkeepingKeys = map[string]bool{
	policyv1alpha1.ManagedByKarmadaLabel:                 true,
	workv1alpha2.ResourceTemplateUIDAnnotation:           true,
	workv1alpha2.ResourceTemplateGenerationAnnotationKey: true,
	workv1alpha2.ManagedAnnotation:                       true,
	workv1alpha2.ManagedLabels:                           true,
	clusterv1alpha1.CacheSourceAnnotationKey:             true,
}

func isBookkeeping(key string) bool {
	if bookkeepingKeys[key] {
		return true
	}
	for _, p := range bookkeepingPrefixes {
		if strings.HasPrefix(key, p) && key != workv1alpha2.ResourceConflictResolutionAnnotation {
			return true
		}
	}
	return false
}

// Template turns an object read from a member cluster into a resource template for the
// control plane: what the member's apiserver and controllers set is removed (uid,
// resourceVersion, generation, managedFields, creationTimestamp, ownerReferences, finalizers,
// status, and per kind e.g. a Service's cluster IPs or a Deployment's revision), as is the
// bookkeeping of an earlier propagation; and the annotation
// work.karmada.io/conflict-resolution=overwrite lets the control plane take over the member's
// copy in place. obj is not modified.
func Template(obj *unstructured.Unstructured) *unstructured.Unstructured {
	t := obj.DeepCopy()
	interpreter.PruneIrrelevantFields(t)
	if l := t.GetLabels(); l != nil {
		for k := range l {
			if isBookkeeping(k) {
				delete(l, k)
			}
		}
		if len(l) == 0 {
			l = nil
		}
		t.SetLabels(l)
	}
	a := t.GetAnnotations()
	for k := range a {
		if isBookkeeping(k) {
			delete(a, k)
		}
	}
	if a == nil {
		a = map[string]string{}
	}
	a[workv1alpha2.ResourceConflictResolutionAnnotation] = workv1alpha2.ResourceConflictResolutionOverwrite
	t.SetAnnotations(a)
	return t
}

// ResolveKind maps what the user typed as the type (deployment, deployments, deploy,
// Deployment, deployment.apps, deployments.v1.apps) to a REST mapping, the way kubectl does:
// first as a resource (fully qualified, then by group), then as a kind.
func ResolveKind(mapper meta.RESTMapper, arg string) (*meta.RESTMapping, error) {
	if arg == "" {
		return nil, fmt.Errorf("a resource type is required, e.g. deployment")
	}
	fullGVR, gr := schema.ParseResourceArg(strings.ToLower(arg))
	var gvk schema.GroupVersionKind
	if fullGVR != nil {
		gvk, _ = mapper.KindFor(*fullGVR)
	}
	var err error
	if gvk.Empty() {
		gvk, err = mapper.KindFor(gr.WithVersion(""))
	}
	if !gvk.Empty() {
		return mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	fullGVK, gk := schema.ParseKindArg(arg)
	if fullGVK == nil {
		g := gk.WithVersion("")
		fullGVK = &g
	}
	if !fullGVK.Empty() {
		if m, kerr := mapper.RESTMapping(fullGVK.GroupKind(), fullGVK.Version); kerr == nil {
			return m, nil
		}
	}
	if m, kerr := mapper.RESTMapping(gk); kerr == nil {
		return m, nil
	}
	if err == nil {
		err = fmt.Errorf("no match")
	}
	return nil, err
}

// ProxyConfig is cfg (the control plane's) pointed at the cluster proxy of cluster: requests go
// to /apis/cluster.karmada.io/v1alpha1/clusters/<cluster>/proxy/... and the control plane
// forwards them to the member as the caller.
func ProxyConfig(cfg *rest.Config, cluster string) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Host = strings.TrimSuffix(cfg.Host, "/") + "/apis/" + clusterv1alpha1.SchemeGroupVersion.String() + "/clusters/" + cluster + "/proxy"
	return c
}

// ResourceName is how kubectl names a kind in its output: deployment.apps, configmap.
func ResourceName(gvk schema.GroupVersionKind) string {
	n := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		n += "." + gvk.Group
	}
	return n
}
