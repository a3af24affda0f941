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
	rbs, _ := b.rbLister.List(labels.Everything())
	for _, o := range rbs {
		if affected(schema.FromAPIVersionAndKind(o.Spec.Resource.APIVersion, o.Spec.Resource.Kind)) {
			k := bindingKey(o.Namespace, o.Name)
			b.queue.Add(k)
			b.status.AddAfter(k, statusCoalesce)
		}
	}
	crbs, _ := b.crbLister.List(labels.Everything())
	for _, o := range crbs {
		if affected(schema.FromAPIVersionAndKind(o.Spec.Resource.APIVersion, o.Spec.Resource.Kind)) {
			k := bindingKey("", o.Name)
			b.queue.Add(k)
			b.status.AddAfter(k, statusCoalesce)
		}
	}
}
