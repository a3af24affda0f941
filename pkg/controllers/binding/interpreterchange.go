package binding

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// requeueKinds re-renders the Works and re-aggregates the status of the bindings whose
// template is of a kind a customization or interpreter webhook change concerns (revised
// replicas, retained fields and aggregated status come from the interpreter).
func (b *controller) requeueKinds(affected controllers.KindSet) {
	all, _ := b.store.List(labels.Everything())
	for _, o := range all {
		if affected(schema.FromAPIVersionAndKind(o.Spec.Resource.APIVersion, o.Spec.Resource.Kind)) {
			b.queue.Add(o.Ref())
			b.status.AddAfter(o.Ref(), statusCoalesce)
		}
	}
}
