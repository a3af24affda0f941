package controllers

import (
	"encoding/json"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// StrategicPatch returns the strategic merge patch that turns old into cur (typed
// objects of one kind); ok is false when they are equal. Controllers send such
// patches without a resourceVersion: each writes only the fields it changed, so two
// controllers writing different parts of one object never conflict, and an unchanged
// object is never written at all.
func StrategicPatch(old, cur runtime.Object) (patch []byte, ok bool, err error) {
	o, err := json.Marshal(old)
	if err != nil {
		return nil, false, err
	}
	c, err := json.Marshal(cur)
	if err != nil {
		return nil, false, err
	}
	p, err := strategicpatch.CreateTwoWayMergePatch(o, c, cur)
	if err != nil {
		return nil, false, err
	}
	return p, string(p) != "{}", nil
}

// MergePatch returns the JSON merge patch (RFC 7386) that turns old into cur, for
// objects without a Go type (resource templates); ok is false when they are equal.
func MergePatch(old, cur interface{}) (patch []byte, ok bool, err error) {
	o, err := json.Marshal(old)
	if err != nil {
		return nil, false, err
	}
	c, err := json.Marshal(cur)
	if err != nil {
		return nil, false, err
	}
	p, err := jsonpatch.CreateMergePatch(o, c)
	if err != nil {
		return nil, false, err
	}
	return p, string(p) != "{}", nil
}
