package apiserver

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestInterpreterConfigAPI serves config.karmada.io: valid customizations and webhook
// configurations are stored and listed by kubectl with Karmada's names and columns;
// invalid ones (no target, a script that does not compile) are refused at the field to fix.
func TestInterpreterConfigAPI(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	ctx := context.Background()

	ric := func(name string, mut func(*configv1alpha1.ResourceInterpreterCustomization)) *configv1alpha1.ResourceInterpreterCustomization {
		c := &configv1alpha1.ResourceInterpreterCustomization{ObjectMeta: metav1.ObjectMeta{Name: name}}
		c.Spec.Target = configv1alpha1.CustomizationTarget{APIVersion: "apps.example.io/v1", Kind: "Workload"}
		c.Spec.Customizations.ReplicaResource = &configv1alpha1.ReplicaResourceRequirement{LuaScript: "function GetReplicas(obj)\n  return obj.spec.replicas, nil\nend"}
		if mut != nil {
			mut(c)
		}
		return c
	}
	if _, err := kc.ConfigV1alpha1().ResourceInterpreterCustomizations().Create(ctx, ric("good", nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("valid customization refused: %v", err)
	}
	out := s.MustKubectl(t, "", "get", "ric")
	if !strings.Contains(out, "TARGET-API-VERSION") || !strings.Contains(out, "TARGET-KIND") || !strings.Contains(out, "apps.example.io/v1") {
		t.Errorf("kubectl get ric:\n%s", out)
	}
	out = s.MustKubectl(t, "", "api-resources", "--api-group=config.karmada.io")
	for _, want := range []string{"resourceinterpretercustomizations", "ric", "resourceinterpreterwebhookconfigurations", "false"} {
		if !strings.Contains(out, want) {
			t.Errorf("api-resources lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct {
		name  string
		obj   *configv1alpha1.ResourceInterpreterCustomization
		field string
		msg   string
	}{
		{"no apiVersion", ric("a", func(c *configv1alpha1.ResourceInterpreterCustomization) { c.Spec.Target.APIVersion = "" }), "spec.target.apiVersion", "Required"},
		{"no kind", ric("b", func(c *configv1alpha1.ResourceInterpreterCustomization) { c.Spec.Target.Kind = "" }), "spec.target.kind", "Required"},
		{"lua syntax error", ric("c", func(c *configv1alpha1.ResourceInterpreterCustomization) {
			c.Spec.Customizations.HealthInterpretation = &configv1alpha1.HealthInterpretation{LuaScript: "function InterpretHealth(obj)\n  return obj.status.ready ==\nend"}
		}), "spec.customizations.healthInterpretation.luaScript", "does not compile"},
		{"wrong function", ric("d", func(c *configv1alpha1.ResourceInterpreterCustomization) {
			c.Spec.Customizations.StatusAggregation = &configv1alpha1.StatusAggregation{LuaScript: "function Aggregate(obj, items) return obj end"}
		}), "spec.customizations.statusAggregation.luaScript", "AggregateStatus"},
	} {
		_, err := kc.ConfigV1alpha1().ResourceInterpreterCustomizations().Create(ctx, tc.obj, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want Invalid at %s mentioning %q", tc.name, err, tc.field, tc.msg)
		}
	}

	url := "https://interpreter.example.com:8443/interpret"
	hook := &configv1alpha1.ResourceInterpreterWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "hooks"},
		Webhooks: []configv1alpha1.ResourceInterpreterWebhook{{
			Name:                       "workloads.example.com",
			ClientConfig:               admissionregistrationv1.WebhookClientConfig{URL: &url},
			Rules:                      []configv1alpha1.RuleWithOperations{{Operations: []configv1alpha1.InterpreterOperation{"InterpretReplica"}, Rule: configv1alpha1.Rule{APIGroups: []string{"apps.example.io"}, APIVersions: []string{"v1"}, Kinds: []string{"Workload"}}}},
			InterpreterContextVersions: []string{"v1alpha1"},
		}}}
	if _, err := kc.ConfigV1alpha1().ResourceInterpreterWebhookConfigurations().Create(ctx, hook, metav1.CreateOptions{}); err != nil {
		t.Fatalf("valid webhook configuration refused: %v", err)
	}
	bad := hook.DeepCopy()
	bad.Name = "bad"
	bad.Webhooks[0].Rules[0].Operations = []configv1alpha1.InterpreterOperation{"*", "Retain"}
	bad.Webhooks[0].TimeoutSeconds = ptr(int32(60))
	_, err := kc.ConfigV1alpha1().ResourceInterpreterWebhookConfigurations().Create(ctx, bad, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "webhooks[0].rules[0].operations") || !strings.Contains(err.Error(), "webhooks[0].timeoutSeconds") {
		t.Errorf("invalid webhook configuration: err = %v", err)
	}
}
