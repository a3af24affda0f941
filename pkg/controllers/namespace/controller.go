// Package namespace propagates the control plane's namespaces to every member
// cluster, including clusters that join later (docs/design/pipeline.md, "Namespaces").
package namespace

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/events"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	policylisters "github.com/karmada-one/karmada-one/pkg/generated/listers/policy/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/pkg/overrides"
)

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	nsInf    cache.SharedIndexInformer
	clusters clusterlisters.ClusterLister
	works    worklisters.WorkLister
	cops     policylisters.ClusterOverridePolicyLister
	// recorder records the override Events on namespaces, as Karmada's override manager.
	recorder record.EventRecorder
}

// Start runs the namespace sync controller.
func Start(ctx context.Context, c *controllers.Context) error {
	n := &controller{
		c:        c,
		queue:    controllers.NewQueue("namespace-sync-controller"),
		nsInf:    c.KubeInformers.Core().V1().Namespaces().Informer(),
		clusters: c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		works:    c.KarmadaInformers.Work().V1alpha1().Works().Lister(),
		cops:     c.KarmadaInformers.Policy().V1alpha1().ClusterOverridePolicies().Lister(),
		recorder: c.EventRecorder(events.ComponentOverrideManager),
	}
	if _, err := c.KarmadaInformers.Policy().V1alpha1().ClusterOverridePolicies().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { n.enqueueAll() },
		UpdateFunc: func(_, _ interface{}) { n.enqueueAll() },
		DeleteFunc: func(interface{}) { n.enqueueAll() },
	}); err != nil {
		return err
	}
	if _, err := n.nsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    controllers.EnqueueName(n.queue),
		UpdateFunc: func(_, obj interface{}) { controllers.EnqueueName(n.queue)(obj) },
		DeleteFunc: controllers.EnqueueName(n.queue),
	}); err != nil {
		return err
	}
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer()
	all := func(interface{}) {
		for _, key := range n.nsInf.GetStore().ListKeys() {
			n.queue.Add(key)
		}
	}
	if _, err := clusterInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: all,
		UpdateFunc: func(oldObj, obj interface{}) {
			if (oldObj.(*clusterv1alpha1.Cluster).DeletionTimestamp == nil) != (obj.(*clusterv1alpha1.Cluster).DeletionTimestamp == nil) {
				all(obj)
			}
		},
	}); err != nil {
		return err
	}
	workInf := c.KarmadaInformers.Work().V1alpha1().Works().Informer()
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), n.nsInf.HasSynced, clusterInf.HasSynced, workInf.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "namespace-sync-controller", n.queue, 2, n.reconcile)
	}()
	return nil
}

func (n *controller) enqueueAll() {
	for _, key := range n.nsInf.GetStore().ListKeys() {
		n.queue.Add(key)
	}
}

// skip tells whether a namespace stays in the control plane only.
func skip(ns *corev1.Namespace) bool {
	if detector.IsReservedNamespace(ns.Name) || ns.Labels[policyv1alpha1.NamespaceSkipAutoPropagationLabel] == "true" {
		return true
	}
	// A namespace claimed by a ClusterPropagationPolicy is propagated by its binding.
	_, claimed := detector.ClaimOf(ns)
	return claimed
}

func (n *controller) reconcile(ctx context.Context, name string) (time.Duration, error) {
	workName := names.GenerateWorkName("Namespace", name, "")
	obj, found, err := n.nsInf.GetStore().GetByKey(name)
	if err != nil {
		return 0, err
	}
	clusters, err := n.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if !found {
		// Gone from the control plane (its contents, and so their Works, went first):
		// withdraw it from the members. Only namespaces the control plane created there
		// are deleted, see the execution controller.
		var errs []error
		for _, cl := range clusters {
			ns := names.GenerateExecutionSpaceName(cl.Name)
			if w, err := n.works.Works(ns).Get(workName); err == nil && w.DeletionTimestamp == nil && ownedByNamespaceSync(w.Labels) {
				if err := n.c.KarmadaClient.WorkV1alpha1().Works(ns).Delete(ctx, workName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					errs = append(errs, err)
				}
			}
		}
		return 0, errors.Join(errs...)
	}
	nsObj := obj.(*corev1.Namespace)
	if skip(nsObj) || nsObj.DeletionTimestamp != nil {
		return 0, nil
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(nsObj)
	if err != nil {
		return 0, err
	}
	tmpl := &unstructured.Unstructured{Object: raw}
	tmpl.SetAPIVersion("v1")
	tmpl.SetKind("Namespace")
	unstructured.RemoveNestedField(tmpl.Object, "spec")
	cops, err := n.cops.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	policies := overrides.Select(tmpl, cops, nil)
	var errs []error
	for _, cl := range clusters {
		if cl.DeletionTimestamp != nil {
			continue
		}
		m := tmpl.DeepCopy()
		// ClusterOverridePolicies apply to namespaces too (the Istio walkthrough labels
		// istio-system differently per member).
		applied, err := overrides.ApplyPolicies(m, cl, policies)
		if err != nil {
			var oerr *overrides.Error
			if errors.As(err, &oerr) && oerr.Name != "" {
				n.recorder.Eventf(nsObj, corev1.EventTypeWarning, events.ApplyOverridePolicyFailed,
					"Apply cluster override policy(%s) for cluster(%s) failed.", oerr.Name, cl.Name)
			}
			errs = append(errs, fmt.Errorf("cluster %s: %w", cl.Name, err))
			continue
		}
		_, clusterOverrides, err := applied.Annotations()
		if err != nil {
			return 0, err
		}
		annotations, drop := map[string]string{}, []string{}
		if clusterOverrides != "" {
			annotations[policyv1alpha1.AppliedClusterOverrides] = clusterOverrides
		} else {
			drop = append(drop, policyv1alpha1.AppliedClusterOverrides)
		}
		execNS := names.GenerateExecutionSpaceName(cl.Name)
		binding.PrepareManifest(m, execNS, workName, nil, nil)
		written, err := binding.EnsureWork(ctx, n.c.KarmadaClient, n.works, binding.DesiredWork{
			Namespace: execNS, Name: workName, Manifest: m,
			Labels:      map[string]string{namespaceSyncLabel: "true"},
			Annotations: annotations, DropAnnotations: drop,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", cl.Name, err))
		} else if written {
			for _, a := range applied.ClusterOverrides {
				n.recorder.Eventf(nsObj, corev1.EventTypeNormal, events.ApplyOverridePolicySucceed,
					"Apply cluster override policy(%s) for cluster(%s) succeed.", a.PolicyName, cl.Name)
			}
		}
	}
	return 0, errors.Join(errs...)
}

// namespaceSyncLabel marks the Works this controller owns.
const namespaceSyncLabel = "namespace.karmada.io/auto-propagated"

func ownedByNamespaceSync(l map[string]string) bool { return l[namespaceSyncLabel] == "true" }
