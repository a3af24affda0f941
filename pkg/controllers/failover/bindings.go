package failover

import (
	"encoding/json"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// onChange registers handlers on both binding kinds: fn gets the reference and the spec
// of the new object for every add and update.
func onChange(s *bindings.Accessor, fn func(key bindings.Ref, spec *workv1alpha2.ResourceBindingSpec)) {
	call := func(obj any) {
		if b, ok := bindings.Wrap(obj); ok {
			fn(b.Ref(), b.Spec)
		}
	}
	_ = s.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    call,
		UpdateFunc: func(_, obj any) { call(obj) },
	})
}

// getCopy returns a deep copy of the binding key, to change and write back.
func getCopy(s *bindings.Accessor, key bindings.Ref) (*bindings.Binding, error) {
	b, err := s.Get(key)
	if err != nil {
		return nil, err
	}
	return b.DeepCopy(), nil
}

// allRefs lists the references of every binding of both kinds.
func allRefs(s *bindings.Accessor) []bindings.Ref {
	all, _ := s.List(labels.Everything())
	keys := make([]bindings.Ref, 0, len(all))
	for _, b := range all {
		keys = append(keys, b.Ref())
	}
	return keys
}

// placement is the placement the scheduler last applied (its annotation), else the spec's.
func placementOf(b *bindings.Binding) *policyv1alpha1.Placement {
	if raw := b.Object.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation]; raw != "" {
		p := &policyv1alpha1.Placement{}
		if err := json.Unmarshal([]byte(raw), p); err == nil {
			return p
		}
	}
	if b.Spec.Placement != nil {
		return b.Spec.Placement
	}
	return &policyv1alpha1.Placement{}
}

// evictionEvent records Karmada's eviction Event on the binding and its template.
func evictionEvent(r record.EventRecorder, b *bindings.Binding, cluster string, err error) {
	ref := controllers.TemplateRef(b.Spec)
	if err != nil {
		r.Eventf(b.Object, corev1.EventTypeWarning, ReasonEvictFailed, "Evict from cluster %s failed.", cluster)
		r.Eventf(ref, corev1.EventTypeWarning, ReasonEvictFailed, "Evict from cluster %s failed.", cluster)
		return
	}
	r.Eventf(b.Object, corev1.EventTypeNormal, ReasonEvictSucceed, "Evict from cluster %s succeed.", cluster)
	r.Eventf(ref, corev1.EventTypeNormal, ReasonEvictSucceed, "Evict from cluster %s succeed.", cluster)
}

// keptEvent records, once per distinct message, why a workload stays on a cluster it should
// leave: no other cluster can take it.
type keptEvents struct {
	mu   sync.Mutex
	last map[bindings.Ref]string
}

func (k *keptEvents) record(r record.EventRecorder, b *bindings.Binding, clusters []string, why error) {
	msg := "Evict from cluster " + strings.Join(clusters, ", ") + " failed. No other cluster can take the workload, so it stays where it is: " + why.Error()
	k.mu.Lock()
	same := k.last[b.Ref()] == msg
	k.last[b.Ref()] = msg
	k.mu.Unlock()
	if same {
		return
	}
	r.Event(b.Object, corev1.EventTypeWarning, ReasonEvictFailed, msg)
	r.Event(controllers.TemplateRef(b.Spec), corev1.EventTypeWarning, ReasonEvictFailed, msg)
}

func (k *keptEvents) forget(key bindings.Ref) {
	k.mu.Lock()
	delete(k.last, key)
	k.mu.Unlock()
}
