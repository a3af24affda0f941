// Package validation checks config.karmada.io objects.
package validation

import (
	"fmt"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// ValidateResourceInterpreterCustomization requires a target and compiles every script,
// reporting Lua's error at the script's field path.
func ValidateResourceInterpreterCustomization(c *configv1alpha1.ResourceInterpreterCustomization) field.ErrorList {
	var errs field.ErrorList
	target := field.NewPath("spec", "target")
	if c.Spec.Target.APIVersion == "" {
		errs = append(errs, field.Required(target.Child("apiVersion"), "set the apiVersion of the kind to interpret, e.g. apps.kruise.io/v1alpha1"))
	} else if _, err := schema.ParseGroupVersion(c.Spec.Target.APIVersion); err != nil {
		errs = append(errs, field.Invalid(target.Child("apiVersion"), c.Spec.Target.APIVersion, err.Error()))
	}
	if c.Spec.Target.Kind == "" {
		errs = append(errs, field.Required(target.Child("kind"), "set the kind to interpret, e.g. CloneSet"))
	}
	rules := field.NewPath("spec", "customizations")
	r := c.Spec.Customizations
	check := func(name, fn, script string) {
		p := rules.Child(name, "luaScript")
		if strings.TrimSpace(script) == "" {
			errs = append(errs, field.Required(p, fmt.Sprintf("write a Lua script defining function %s, or remove %s", fn, name)))
			return
		}
		if _, err := interpreter.CompileLua(script); err != nil {
			errs = append(errs, field.Invalid(p, "<lua script>", fmt.Sprintf("the Lua script does not compile: %v", err)))
			return
		}
		if !strings.Contains(script, fn) {
			errs = append(errs, field.Invalid(p, "<lua script>", fmt.Sprintf("the Lua script must define function %s", fn)))
		}
	}
	if r.Retention != nil {
		check("retention", "Retain", r.Retention.LuaScript)
	}
	if r.ReplicaResource != nil {
		check("replicaResource", "GetReplicas", r.ReplicaResource.LuaScript)
	}
	if r.ReplicaRevision != nil {
		check("replicaRevision", "ReviseReplica", r.ReplicaRevision.LuaScript)
	}
	if r.StatusReflection != nil {
		check("statusReflection", "ReflectStatus", r.StatusReflection.LuaScript)
	}
	if r.StatusAggregation != nil {
		check("statusAggregation", "AggregateStatus", r.StatusAggregation.LuaScript)
	}
	if r.HealthInterpretation != nil {
		check("healthInterpretation", "InterpretHealth", r.HealthInterpretation.LuaScript)
	}
	if r.DependencyInterpretation != nil {
		check("dependencyInterpretation", "GetDependencies", r.DependencyInterpretation.LuaScript)
	}
	return errs
}

var knownOperations = sets.New(
	configv1alpha1.InterpreterOperationAll, configv1alpha1.InterpreterOperationInterpretReplica,
	configv1alpha1.InterpreterOperationInterpretComponent, configv1alpha1.InterpreterOperationReviseReplica,
	configv1alpha1.InterpreterOperationReviseComponents, configv1alpha1.InterpreterOperationInterpretStatus,
	configv1alpha1.InterpreterOperationPrune, configv1alpha1.InterpreterOperationRetain,
	configv1alpha1.InterpreterOperationAggregateStatus, configv1alpha1.InterpreterOperationInterpretHealth,
	configv1alpha1.InterpreterOperationInterpretDependency,
)

// ValidateResourceInterpreterWebhookConfiguration checks names, client configs, rules,
// timeouts and context versions.
func ValidateResourceInterpreterWebhookConfiguration(c *configv1alpha1.ResourceInterpreterWebhookConfiguration) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, w := range c.Webhooks {
		p := field.NewPath("webhooks").Index(i)
		switch {
		case w.Name == "":
			errs = append(errs, field.Required(p.Child("name"), "give the webhook a fully qualified name, e.g. workloads.example.com"))
		case len(strings.Split(w.Name, ".")) < 3:
			errs = append(errs, field.Invalid(p.Child("name"), w.Name, "must be a fully qualified domain name with at least three segments"))
		case names.Has(w.Name):
			errs = append(errs, field.Duplicate(p.Child("name"), w.Name))
		}
		names.Insert(w.Name)
		cc := p.Child("clientConfig")
		switch {
		case w.ClientConfig.URL == nil && w.ClientConfig.Service == nil:
			errs = append(errs, field.Required(cc, "set url or service"))
		case w.ClientConfig.URL != nil && w.ClientConfig.Service == nil:
			u, err := url.Parse(*w.ClientConfig.URL)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				errs = append(errs, field.Invalid(cc.Child("url"), *w.ClientConfig.URL, "must be an https URL with a host, e.g. https://interpreter.example.com:8443/interpret"))
			}
		case w.ClientConfig.Service != nil:
			if w.ClientConfig.Service.Name == "" {
				errs = append(errs, field.Required(cc.Child("service", "name"), "name the Service of the webhook"))
			}
			if w.ClientConfig.Service.Namespace == "" {
				errs = append(errs, field.Required(cc.Child("service", "namespace"), "give the namespace of the Service"))
			}
		}
		if w.TimeoutSeconds != nil && (*w.TimeoutSeconds < 1 || *w.TimeoutSeconds > 30) {
			errs = append(errs, field.Invalid(p.Child("timeoutSeconds"), *w.TimeoutSeconds, "must be between 1 and 30 seconds"))
		}
		if len(w.InterpreterContextVersions) == 0 {
			errs = append(errs, field.Required(p.Child("interpreterContextVersions"), "list the ResourceInterpreterContext versions the webhook accepts, e.g. v1alpha1"))
		} else if !sets.New(w.InterpreterContextVersions...).Has("v1alpha1") {
			errs = append(errs, field.NotSupported(p.Child("interpreterContextVersions"), w.InterpreterContextVersions, []string{"v1alpha1"}))
		}
		for j, r := range w.Rules {
			rp := p.Child("rules").Index(j)
			if len(r.Operations) == 0 {
				errs = append(errs, field.Required(rp.Child("operations"), "list the operations, or \"*\" for all"))
			}
			for k, op := range r.Operations {
				if !knownOperations.Has(op) {
					errs = append(errs, field.NotSupported(rp.Child("operations").Index(k), op, sets.List(knownOperations)))
				}
			}
			errs = append(errs, wildcardAlone(rp.Child("operations"), operationsAsStrings(r.Operations))...)
			for _, l := range []struct {
				name   string
				values []string
			}{{"apiGroups", r.APIGroups}, {"apiVersions", r.APIVersions}, {"kinds", r.Kinds}} {
				if len(l.values) == 0 {
					errs = append(errs, field.Required(rp.Child(l.name), "list at least one value, or \"*\" for all"))
				}
				errs = append(errs, wildcardAlone(rp.Child(l.name), l.values)...)
			}
		}
	}
	return errs
}

func operationsAsStrings(ops []configv1alpha1.InterpreterOperation) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = string(o)
	}
	return out
}

func wildcardAlone(p *field.Path, values []string) field.ErrorList {
	if len(values) > 1 && sets.New(values...).Has("*") {
		return field.ErrorList{field.Invalid(p, values, "\"*\" must be the only value when present")}
	}
	return nil
}
