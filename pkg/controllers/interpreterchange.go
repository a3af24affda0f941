package controllers

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	interpreterwebhook "github.com/karmada-one/karmada-one/pkg/interpreter/webhook"
)

// KindSet tells whether a kind is among those a change concerns.
type KindSet func(gvk schema.GroupVersionKind) bool

// OnInterpreterChange calls fn whenever a ResourceInterpreterCustomization or a
// ResourceInterpreterWebhookConfiguration is created, changed or deleted, with the kinds
// whose interpretation may have changed (before and after the change), so controllers
// re-derive what they computed with the old rules without waiting for the objects
// themselves to change.
func (c *Context) OnInterpreterChange(fn func(KindSet)) error {
	ric := c.KarmadaInformers.Config().V1alpha1().ResourceInterpreterCustomizations().Informer()
	if _, err := ric.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { fn(customizationKinds(obj)) },
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*configv1alpha1.ResourceInterpreterCustomization)
			n, ok2 := obj.(*configv1alpha1.ResourceInterpreterCustomization)
			if ok1 && ok2 && equality.Semantic.DeepEqual(o.Spec, n.Spec) {
				return
			}
			fn(either(customizationKinds(oldObj), customizationKinds(obj)))
		},
		DeleteFunc: func(obj interface{}) { fn(customizationKinds(obj)) },
	}); err != nil {
		return err
	}
	riwc := c.KarmadaInformers.Config().V1alpha1().ResourceInterpreterWebhookConfigurations().Informer()
	_, err := riwc.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { fn(webhookKinds(obj)) },
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*configv1alpha1.ResourceInterpreterWebhookConfiguration)
			n, ok2 := obj.(*configv1alpha1.ResourceInterpreterWebhookConfiguration)
			if ok1 && ok2 && equality.Semantic.DeepEqual(o.Webhooks, n.Webhooks) {
				return
			}
			fn(either(webhookKinds(oldObj), webhookKinds(obj)))
		},
		DeleteFunc: func(obj interface{}) { fn(webhookKinds(obj)) },
	})
	return err
}

func unwrap(obj interface{}) interface{} {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

func customizationKinds(obj interface{}) KindSet {
	c, ok := unwrap(obj).(*configv1alpha1.ResourceInterpreterCustomization)
	if !ok {
		return func(schema.GroupVersionKind) bool { return false }
	}
	gv, _ := schema.ParseGroupVersion(c.Spec.Target.APIVersion)
	target := gv.WithKind(c.Spec.Target.Kind)
	return func(gvk schema.GroupVersionKind) bool { return gvk == target }
}

func webhookKinds(obj interface{}) KindSet {
	c, ok := unwrap(obj).(*configv1alpha1.ResourceInterpreterWebhookConfiguration)
	if !ok {
		return func(schema.GroupVersionKind) bool { return false }
	}
	return func(gvk schema.GroupVersionKind) bool { return interpreterwebhook.ClaimsKind(c, gvk) }
}

func either(a, b KindSet) KindSet {
	return func(gvk schema.GroupVersionKind) bool { return a(gvk) || b(gvk) }
}
