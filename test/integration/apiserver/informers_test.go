package apiserver

import (
	"context"
	"slices"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"

	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestTemplateInformerStopsWithItsCRD: the control plane watches every propagatable kind,
// custom resources included. When a CRD is deleted, the informer on its kind stops (it used
// to retry and log "Failed to watch" for ever); when the CRD comes back, asking for the kind
// starts a fresh informer that sees the new objects.
func TestTemplateInformerStopsWithItsCRD(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dyn := dynamic.NewForConfigOrDie(s.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(s.Client.Discovery()))
	templates := controllers.NewTemplates(ctx, dyn, mapper, nil)
	crds := apiextensionsclient.NewForConfigOrDie(s.Config).ApiextensionsV1().CustomResourceDefinitions()
	gvr := schema.GroupVersionResource{Group: "example.karmada.io", Version: "v1", Resource: "gadgets"}

	createCRD := func() {
		t.Helper()
		crd := &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: "gadgets.example.karmada.io"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: gvr.Group,
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: "Gadget", Plural: "gadgets", Singular: "gadget", ListKind: "GadgetList"},
				Scope: apiextensionsv1.NamespaceScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: ptrOf(true)}}}},
			},
		}
		if _, err := crds.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// Established: a CRD deleted before it is established takes no instances with it.
		waitTemplates(t, "the gadgets CRD to be established and served", func() (bool, error) {
			c, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, cond := range c.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					_, err := dyn.Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{})
					return err == nil, nil
				}
			}
			return false, nil
		})
	}
	createGadget := func(name string) {
		t.Helper()
		g := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "example.karmada.io/v1", "kind": "Gadget", "metadata": map[string]interface{}{"name": name},
		}}
		if _, err := dyn.Resource(gvr).Namespace("default").Create(ctx, g, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cached := func(inf cache.SharedIndexInformer, name string) bool {
		_, ok, _ := inf.GetStore().GetByKey("default/" + name)
		return ok
	}

	createCRD()
	createGadget("g1")
	inf, err := templates.Synced(ctx, gvr)
	if err != nil {
		t.Fatal(err)
	}
	waitTemplates(t, "g1 in the template cache", func() (bool, error) { return cached(inf, "g1"), nil })

	if err := crds.Delete(ctx, "gadgets.example.karmada.io", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTemplates(t, "the informer on the deleted kind to stop", func() (bool, error) {
		return !slices.Contains(templates.Known(), gvr), nil
	})
	// Stopped for good: nothing asks for the kind, nothing starts it again.
	time.Sleep(3 * time.Second)
	if slices.Contains(templates.Known(), gvr) {
		t.Fatalf("the informer on %s was started again with no CRD", gvr)
	}

	waitTemplates(t, "the CRD to be gone", func() (bool, error) {
		_, err := crds.Get(ctx, "gadgets.example.karmada.io", metav1.GetOptions{})
		return err != nil, nil
	})
	createCRD()
	createGadget("g2")
	inf, err = templates.Synced(ctx, gvr)
	if err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cached(inf, "g2") && !cached(inf, "g1"), nil
	}); err != nil {
		t.Fatalf("the new informer's cache holds %v (known %v, synced %v)", inf.GetStore().ListKeys(), templates.Known(), inf.HasSynced())
	}
}

func waitTemplates(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true,
		func(context.Context) (bool, error) { return cond() }); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func ptrOf[T any](v T) *T { return &v }
