package detector

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// requeueKinds re-examines every template of the kinds a customization or interpreter
// webhook change concerns: their bindings carry replicas, requirements and components
// the interpreter derived, which may now differ.
func (d *controller) requeueKinds(affected controllers.KindSet) {
	for _, gvr := range d.templates.Known() {
		gvk, err := d.c.Mapper.KindFor(gvr)
		if err != nil || !affected(gvk) {
			continue
		}
		for _, obj := range d.templates.Informer(gvr).GetStore().List() {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				d.queue.Add(templateKey(gvr, u.GetNamespace(), u.GetName()))
			}
		}
	}
}
