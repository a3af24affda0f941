package server

import (
	"net"

	"k8s.io/apimachinery/pkg/runtime/schema"
	controlplaneapiserver "k8s.io/kubernetes/pkg/controlplane/apiserver"

	"github.com/karmada-one/karmada-one/pkg/registry"
)

var emptyIPNet net.IPNet

// apiServicePriorities orders groups in discovery the way kube-apiserver does, with
// Karmada's groups after kube's, so `kubectl get deploy` resolves as on any cluster.
func apiServicePriorities() map[schema.GroupVersion]controlplaneapiserver.APIServicePriority {
	p := controlplaneapiserver.DefaultGenericAPIServicePriorities()
	add := func(group string, prio int32, versions map[string]int32) {
		for v, vp := range versions {
			p[schema.GroupVersion{Group: group, Version: v}] = controlplaneapiserver.APIServicePriority{Group: prio, Version: vp}
		}
	}
	add("apps", 17800, map[string]int32{"v1": 15})
	add("autoscaling", 17500, map[string]int32{"v1": 15, "v2": 30})
	add("batch", 17400, map[string]int32{"v1": 15})
	add("networking.k8s.io", 17200, map[string]int32{"v1": 15, "v1beta1": 9})
	add("policy", 17100, map[string]int32{"v1": 15})
	add("storage.k8s.io", 16800, map[string]int32{"v1": 15, "v1beta1": 9})
	add("scheduling.k8s.io", 16600, map[string]int32{"v1": 15})
	add("node.k8s.io", 16300, map[string]int32{"v1": 15})
	add("resource.k8s.io", 16200, map[string]int32{"v1": 21})
	prio := int32(15000)
	for _, gv := range registry.GroupVersions() {
		p[gv] = controlplaneapiserver.APIServicePriority{Group: prio, Version: 15}
		prio -= 100
	}
	return p
}
