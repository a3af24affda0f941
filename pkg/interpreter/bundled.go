package interpreter

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
)

//go:embed thirdparty/*.yaml
var thirdpartyFS embed.FS

var (
	bundledOnce  sync.Once
	bundledRules []*configv1alpha1.ResourceInterpreterCustomization
	bundledErr   error
)

// BundledCustomizations are the customizations for popular CRDs built into the binary
// (Karmada's "thirdparty" interpreter). A user's customization of the same kind and
// operation wins over them.
func BundledCustomizations() ([]*configv1alpha1.ResourceInterpreterCustomization, error) {
	bundledOnce.Do(func() {
		files, err := fs.Glob(thirdpartyFS, "thirdparty/*.yaml")
		if err != nil {
			bundledErr = err
			return
		}
		for _, f := range files {
			b, err := thirdpartyFS.ReadFile(f)
			if err != nil {
				bundledErr = err
				return
			}
			c := &configv1alpha1.ResourceInterpreterCustomization{}
			if err := yaml.UnmarshalStrict(b, c); err != nil {
				bundledErr = fmt.Errorf("%s: %w", f, err)
				return
			}
			bundledRules = append(bundledRules, c)
		}
	})
	return bundledRules, bundledErr
}

// BundledRules serves the bundled customizations as a RuleSource.
func BundledRules() RuleSource {
	all, err := BundledCustomizations()
	if err != nil {
		panic(err) // the files are part of the binary and covered by tests
	}
	return func(gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules {
		return RulesFor(all, gvk)
	}
}
