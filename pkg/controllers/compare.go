package controllers

import (
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// EqualExcept tells whether two objects' maps (e.g. unstructured content) hold the same
// keys with semantically equal values, leaving out the keys in skip. It compares in place:
// controllers call it on every informer event.
func EqualExcept(a, b map[string]interface{}, skip ...string) bool {
	for k, v := range a {
		if slices.Contains(skip, k) {
			continue
		}
		w, ok := b[k]
		if !ok || !apiequality.Semantic.DeepEqual(v, w) {
			return false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !slices.Contains(skip, k) {
			return false
		}
	}
	return true
}
