package controllers

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
)

func TestInterpreterChangeKinds(t *testing.T) {
	cloneSet := schema.GroupVersionKind{Group: "apps.kruise.io", Version: "v1alpha1", Kind: "CloneSet"}
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	workflow := schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Workflow"}

	ric := &configv1alpha1.ResourceInterpreterCustomization{}
	ric.Spec.Target.APIVersion, ric.Spec.Target.Kind = "apps.kruise.io/v1alpha1", "CloneSet"
	hooks := &configv1alpha1.ResourceInterpreterWebhookConfiguration{Webhooks: []configv1alpha1.ResourceInterpreterWebhook{{
		Rules: []configv1alpha1.RuleWithOperations{{
			Operations: []configv1alpha1.InterpreterOperation{"InterpretHealth"},
			Rule:       configv1alpha1.Rule{APIGroups: []string{"argoproj.io"}, APIVersions: []string{"*"}, Kinds: []string{"*"}},
		}},
	}}}
	cases := []struct {
		name string
		set  KindSet
		gvk  schema.GroupVersionKind
		want bool
	}{
		{"customization target", customizationKinds(ric), cloneSet, true},
		{"customization other kind", customizationKinds(ric), deployment, false},
		{"deleted customization (tombstone)", customizationKinds(cache.DeletedFinalStateUnknown{Obj: ric}), cloneSet, true},
		{"webhook wildcard kinds in its group", webhookKinds(hooks), workflow, true},
		{"webhook other group", webhookKinds(hooks), deployment, false},
		{"update: old or new", either(customizationKinds(ric), webhookKinds(hooks)), workflow, true},
		{"not a config object", webhookKinds("junk"), workflow, false},
	}
	for _, tc := range cases {
		if got := tc.set(tc.gvk); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
