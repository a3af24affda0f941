package failover

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
)

// binding is a deep copy of a ResourceBinding or ClusterResourceBinding, seen through
// the parts failover reads and writes. Queue keys are "namespace/name" for a
// ResourceBinding and "name" for a ClusterResourceBinding.
type binding struct {
	key    string
	obj    runtime.Object
	meta   metav1.Object
	spec   *workv1alpha2.ResourceBindingSpec
	status *workv1alpha2.ResourceBindingStatus
}

// bindings reads bindings of both kinds from the shared informers and writes them back.
type bindings struct {
	client karmadaclient.Interface
	rb     worklisters.ResourceBindingLister
	crb    worklisters.ClusterResourceBindingLister
	synced []cache.InformerSynced
}

func newBindings(c *controllers.Context) *bindings {
	rb := c.KarmadaInformers.Work().V1alpha2().ResourceBindings()
	crb := c.KarmadaInformers.Work().V1alpha2().ClusterResourceBindings()
	return &bindings{
		client: c.KarmadaClient,
		rb:     rb.Lister(),
		crb:    crb.Lister(),
		synced: []cache.InformerSynced{rb.Informer().HasSynced, crb.Informer().HasSynced},
	}
}

// onChange registers handlers on both kinds: fn gets the key and the spec and status of the
// new object for every add and update.
func onChange(c *controllers.Context, fn func(key string, spec *workv1alpha2.ResourceBindingSpec, status *workv1alpha2.ResourceBindingStatus)) {
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { call(obj, fn) },
		UpdateFunc: func(_, obj any) { call(obj, fn) },
	}
	_, _ = c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Informer().AddEventHandler(h)
	_, _ = c.KarmadaInformers.Work().V1alpha2().ClusterResourceBindings().Informer().AddEventHandler(h)
}

func call(obj any, fn func(string, *workv1alpha2.ResourceBindingSpec, *workv1alpha2.ResourceBindingStatus)) {
	key, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	switch o := obj.(type) {
	case *workv1alpha2.ResourceBinding:
		fn(key, &o.Spec, &o.Status)
	case *workv1alpha2.ClusterResourceBinding:
		fn(key, &o.Spec, &o.Status)
	}
}

// get returns a deep copy of the binding named by key.
func (s *bindings) get(key string) (*binding, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, err
	}
	if ns == "" {
		o, err := s.crb.Get(name)
		if err != nil {
			return nil, err
		}
		o = o.DeepCopy()
		return &binding{key: key, obj: o, meta: o, spec: &o.Spec, status: &o.Status}, nil
	}
	o, err := s.rb.ResourceBindings(ns).Get(name)
	if err != nil {
		return nil, err
	}
	o = o.DeepCopy()
	return &binding{key: key, obj: o, meta: o, spec: &o.Spec, status: &o.Status}, nil
}

// all lists the keys of every binding of both kinds.
func (s *bindings) all() []string {
	var keys []string
	rbs, _ := s.rb.List(labels.Everything())
	for _, o := range rbs {
		keys = append(keys, o.Namespace+"/"+o.Name)
	}
	crbs, _ := s.crb.List(labels.Everything())
	for _, o := range crbs {
		keys = append(keys, o.Name)
	}
	return keys
}

// update writes the binding's spec (optimistic concurrency on its resourceVersion).
func (s *bindings) update(ctx context.Context, b *binding) error {
	var err error
	switch o := b.obj.(type) {
	case *workv1alpha2.ResourceBinding:
		_, err = s.client.WorkV1alpha2().ResourceBindings(o.Namespace).Update(ctx, o, metav1.UpdateOptions{})
	case *workv1alpha2.ClusterResourceBinding:
		_, err = s.client.WorkV1alpha2().ClusterResourceBindings().Update(ctx, o, metav1.UpdateOptions{})
	}
	return err
}

// placement is the placement the scheduler last applied (its annotation), else the spec's.
func (b *binding) placement() *policyv1alpha1.Placement {
	if raw := b.meta.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation]; raw != "" {
		p := &policyv1alpha1.Placement{}
		if err := json.Unmarshal([]byte(raw), p); err == nil {
			return p
		}
	}
	if b.spec.Placement != nil {
		return b.spec.Placement
	}
	return &policyv1alpha1.Placement{}
}

func (b *binding) cluster() bool { return b.meta.GetNamespace() == "" }

// evictionEvent records Karmada's eviction Event on the binding and its template.
func evictionEvent(r record.EventRecorder, b *binding, cluster string, err error) {
	ref := controllers.TemplateRef(b.spec)
	if err != nil {
		r.Eventf(b.obj, corev1.EventTypeWarning, ReasonEvictFailed, "Evict from cluster %s failed.", cluster)
		r.Eventf(ref, corev1.EventTypeWarning, ReasonEvictFailed, "Evict from cluster %s failed.", cluster)
		return
	}
	r.Eventf(b.obj, corev1.EventTypeNormal, ReasonEvictSucceed, "Evict from cluster %s succeed.", cluster)
	r.Eventf(ref, corev1.EventTypeNormal, ReasonEvictSucceed, "Evict from cluster %s succeed.", cluster)
}

// keptEvent records, once per distinct message, why a workload stays on a cluster it should
// leave: no other cluster can take it.
type keptEvents struct {
	mu   sync.Mutex
	last map[string]string
}

func (k *keptEvents) record(r record.EventRecorder, b *binding, clusters []string, why error) {
	msg := "Evict from cluster " + strings.Join(clusters, ", ") + " failed. No other cluster can take the workload, so it stays where it is: " + why.Error()
	k.mu.Lock()
	same := k.last[b.key] == msg
	k.last[b.key] = msg
	k.mu.Unlock()
	if same {
		return
	}
	r.Event(b.obj, corev1.EventTypeWarning, ReasonEvictFailed, msg)
	r.Event(controllers.TemplateRef(b.spec), corev1.EventTypeWarning, ReasonEvictFailed, msg)
}

func (k *keptEvents) forget(key string) {
	k.mu.Lock()
	delete(k.last, key)
	k.mu.Unlock()
}
