package merged

import (
	"encoding/json"
	"fmt"

	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
)

// managedLabel marks member objects the control plane manages (ADOPTION Y).
const managedLabel = "karmada.io/managed"

// Objects from members are rewritten as raw JSON: only metadata is touched, so every
// kind (built-in, custom, Table rows, PartialObjectMetadata) passes through unchanged
// otherwise, and nothing is lost to a Go type that does not know a field.

// annotateObject marks obj (a JSON object) as read from cluster and replaces its
// resourceVersion with rv(old) (kept when rv is nil). It reports whether the object
// carries the managed label.
func annotateObject(obj json.RawMessage, cluster string, rv func(old string) string) (json.RawMessage, bool, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(obj, &top); err != nil {
		return nil, false, err
	}
	var md map[string]json.RawMessage
	if raw, ok := top["metadata"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &md); err != nil {
			return nil, false, err
		}
	}
	if md == nil {
		md = map[string]json.RawMessage{}
	}
	managed := false
	if raw, ok := md["labels"]; ok {
		var labels map[string]string
		if json.Unmarshal(raw, &labels) == nil && labels[managedLabel] == "true" {
			managed = true
		}
	}
	annotations := map[string]string{}
	if raw, ok := md["annotations"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &annotations); err != nil {
			return nil, false, err
		}
	}
	annotations[searchv1alpha1.CachedFromClusterAnnotation] = cluster
	md["annotations"], _ = json.Marshal(annotations)
	if rv != nil {
		var old string
		if raw, ok := md["resourceVersion"]; ok {
			_ = json.Unmarshal(raw, &old)
		}
		if nv := rv(old); nv != "" {
			md["resourceVersion"], _ = json.Marshal(nv)
		}
	}
	top["metadata"], _ = json.Marshal(md)
	out, err := json.Marshal(top)
	return out, managed, err
}

// objectResourceVersion reads metadata.resourceVersion of a JSON object.
func objectResourceVersion(obj json.RawMessage) string {
	var o struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(obj, &o)
	return o.Metadata.ResourceVersion
}

// Table columns the view adds: CLUSTER after NAME, ADOPTION at the end.
var (
	clusterColumn = json.RawMessage(`{"name":"Cluster","type":"string","format":"","description":"The member cluster the object is in.","priority":0}`)
	adoptionWide  = json.RawMessage(`{"name":"Adoption","type":"string","format":"","description":"Y when the control plane manages the object (label karmada.io/managed=true), N otherwise.","priority":1}`)
	adoption      = json.RawMessage(`{"name":"Adoption","type":"string","format":"","description":"Y when the control plane manages the object (label karmada.io/managed=true), N otherwise.","priority":0}`)
)

// tableColumns returns the member's column definitions with the view's two columns.
// For pods ADOPTION is a wide column, as the guide's pod listing has none.
func tableColumns(cols []json.RawMessage, resource string) []json.RawMessage {
	if len(cols) == 0 {
		return cols
	}
	out := make([]json.RawMessage, 0, len(cols)+2)
	out = append(out, cols[0], clusterColumn)
	out = append(out, cols[1:]...)
	if resource == "pods" {
		return append(out, adoptionWide)
	}
	return append(out, adoption)
}

type tableRow struct {
	Cells      []json.RawMessage `json:"cells"`
	Conditions json.RawMessage   `json:"conditions,omitempty"`
	Object     json.RawMessage   `json:"object,omitempty"`
}

// tableRow adds the cluster and adoption cells to one Table row and annotates its
// object. keepObject false drops the object (the client asked for includeObject=None;
// the view always asks members for metadata, which ADOPTION needs).
func transformRow(row json.RawMessage, cluster string, rv func(string) string, keepObject bool) (json.RawMessage, error) {
	var r tableRow
	if err := json.Unmarshal(row, &r); err != nil {
		return nil, err
	}
	managed := false
	if len(r.Object) > 0 && string(r.Object) != "null" {
		obj, m, err := annotateObject(r.Object, cluster, rv)
		if err != nil {
			return nil, fmt.Errorf("table row object: %w", err)
		}
		r.Object, managed = obj, m
	}
	if !keepObject {
		r.Object = nil
	}
	cells := make([]json.RawMessage, 0, len(r.Cells)+2)
	if len(r.Cells) > 0 {
		cells = append(cells, r.Cells[0])
	}
	c, _ := json.Marshal(cluster)
	cells = append(cells, c)
	if len(r.Cells) > 1 {
		cells = append(cells, r.Cells[1:]...)
	}
	if managed {
		cells = append(cells, json.RawMessage(`"Y"`))
	} else {
		cells = append(cells, json.RawMessage(`"N"`))
	}
	r.Cells = cells
	return json.Marshal(r)
}
