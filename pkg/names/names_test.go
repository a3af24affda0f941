package names

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestGenerateBindingName(t *testing.T) {
	cases := []struct{ kind, name, want string }{
		{"Deployment", "nginx", "nginx-deployment"},
		{"ClusterRole", "system:foo", "system.foo-clusterrole"},
		{"ClusterRole", "System:Controller:Foo", "system.controller.foo-clusterrole"},
		{"ConfigMap", "my-config", "my-config-configmap"},
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			if got := GenerateBindingName(c.kind, c.name); got != c.want {
				t.Errorf("GenerateBindingName(%q, %q) = %q, want %q", c.kind, c.name, got, c.want)
			}
		})
	}
}

func TestGenerateWorkName(t *testing.T) {
	cases := []struct{ kind, name, namespace, want string }{
		// Vectors from docs/design/api.md ("Names"); Karmada's e2e tests compute the same names.
		{"Deployment", "nginx", "default", "nginx-687f7fb96f"},
		{"ConfigMap", "my-config", "default", "my-config-76984bdf6f"},
		{"ClusterRole", "system:foo", "", "system.foo-5f7d88f69"},
		{"Namespace", "foo", "", "foo-5dbdc7b59c"},
		// The kind's case does not matter: the key is lower-cased before hashing.
		{"deployment", "nginx", "default", "nginx-687f7fb96f"},
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.namespace+"/"+c.name, func(t *testing.T) {
			if got := GenerateWorkName(c.kind, c.name, c.namespace); got != c.want {
				t.Errorf("GenerateWorkName(%q, %q, %q) = %q, want %q", c.kind, c.name, c.namespace, got, c.want)
			}
		})
	}
	if GenerateWorkName("Deployment", "nginx", "default") == GenerateWorkName("Deployment", "nginx", "other") {
		t.Error("Works of same-named templates in different namespaces must differ")
	}
}

func TestGeneratePolicyName(t *testing.T) {
	cases := []struct{ namespace, name, gvk, want string }{
		{"default", "nginx", "apps/v1, Kind=Deployment", "nginx-6d7f8d5f5b"},
		// The hash covers namespace and GVK only, so the name part changes alone.
		{"default", "web", "apps/v1, Kind=Deployment", "web-6d7f8d5f5b"},
		{"default", "System:Foo", "apps/v1, Kind=Deployment", "system.foo-6d7f8d5f5b"},
	}
	for _, c := range cases {
		t.Run(c.namespace+"/"+c.name, func(t *testing.T) {
			if got := GeneratePolicyName(c.namespace, c.name, c.gvk); got != c.want {
				t.Errorf("GeneratePolicyName(%q, %q, %q) = %q, want %q", c.namespace, c.name, c.gvk, got, c.want)
			}
		})
	}
}

func TestExecutionSpace(t *testing.T) {
	if got := GenerateExecutionSpaceName("member1"); got != "karmada-es-member1" {
		t.Errorf("GenerateExecutionSpaceName = %q", got)
	}
	cases := []struct {
		namespace, want string
		wantErr         bool
	}{
		{"karmada-es-member1", "member1", false},
		{"karmada-es-karmada-es-x", "karmada-es-x", false},
		{"karmada-es-", "", true},
		{"default", "", true},
		{"karmada-system", "", true},
	}
	for _, c := range cases {
		t.Run(c.namespace, func(t *testing.T) {
			got, err := GetClusterName(c.namespace)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("GetClusterName(%q) = %q, %v; want %q, error %v", c.namespace, got, err, c.want, c.wantErr)
			}
			if IsExecutionSpace(c.namespace) == c.wantErr {
				t.Errorf("IsExecutionSpace(%q) = %v", c.namespace, !c.wantErr)
			}
		})
	}
}

func TestGenerateDependedByLabelKey(t *testing.T) {
	// fnv32a("default/nginx") encoded, the same encoding as the work name vectors.
	key := GenerateDependedByLabelKey("default", "nginx")
	if want := "resourcebinding.karmada.io/depended-by-" + hashKey("default/nginx"); key != want {
		t.Errorf("GenerateDependedByLabelKey = %q, want %q", key, want)
	}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		t.Errorf("%q is not a valid label key: %v", key, errs)
	}
	if GenerateBindingReferenceKey("", "nginx") != hashKey("nginx") {
		t.Error("a cluster-scoped referrer hashes its name alone")
	}
}

func TestHashKey(t *testing.T) {
	// The suffix of the work name vector (Deployment, nginx, default).
	if got := hashKey("default-nginx-deployment"); got != "687f7fb96f" {
		t.Errorf("hashKey = %q", got)
	}
	for _, c := range hashKey("anything at all") {
		if !strings.ContainsRune(safeAlphabet, c) {
			t.Errorf("hash character %q outside the alphabet", c)
		}
	}
}

func TestDerivedNames(t *testing.T) {
	if got := GenerateDerivedServiceName("serve"); got != "derived-serve" {
		t.Errorf("GenerateDerivedServiceName = %q", got)
	}
	if got := GenerateImportedEndpointSliceName("serve-abcde", "member1"); got != "imported-member1-serve-abcde" {
		t.Errorf("GenerateImportedEndpointSliceName = %q", got)
	}
}

// FuzzNames checks that no input panics and that valid object names give valid names.
// The hash suffix adds at most 11 characters, so only names that leave room for it
// (and for "-<kind>") can give a valid DNS-1123 subdomain; Karmada has the same limit.
func FuzzNames(f *testing.F) {
	f.Add("Deployment", "nginx", "default")
	f.Add("ClusterRole", "system:foo", "")
	f.Add("Namespace", "foo", "")
	f.Add("", "", "")
	f.Add("Kind", "a.b-c", "kube-system")
	f.Fuzz(func(t *testing.T, kind, name, namespace string) {
		work := GenerateWorkName(kind, name, namespace)
		binding := GenerateBindingName(kind, name)
		policy := GeneratePolicyName(namespace, name, "apps/v1, Kind="+kind)
		label := GenerateDependedByLabelKey(namespace, name)
		space := GenerateExecutionSpaceName(name)
		if got, err := GetClusterName(space); name != "" && (err != nil || got != name) {
			t.Fatalf("GetClusterName(GenerateExecutionSpaceName(%q)) = %q, %v", name, got, err)
		}
		if errs := validation.IsQualifiedName(label); len(errs) > 0 {
			t.Fatalf("label key %q invalid: %v", label, errs)
		}

		if !validKind(kind) || len(validation.IsDNS1123Label(namespace)) > 0 && namespace != "" {
			return
		}
		if len(validation.IsDNS1123Subdomain(sanitize(name))) > 0 || len(name)+len(kind)+12 > validation.DNS1123SubdomainMaxLength {
			return
		}
		for what, got := range map[string]string{"work": work, "binding": binding, "policy": policy} {
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Fatalf("%s name %q for (%q, %q, %q) is not a DNS-1123 subdomain: %v", what, got, kind, name, namespace, errs)
			}
		}
	})
}

// validKind accepts what a Kind looks like: a letter, then letters and digits.
func validKind(kind string) bool {
	if kind == "" {
		return false
	}
	for i, c := range kind {
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isLetter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
