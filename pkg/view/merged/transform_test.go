package merged

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestResourceVersionRoundTrip(t *testing.T) {
	in := map[string]string{"member2": "88", "member1": "123"}
	s := EncodeResourceVersion(in)
	out, ok := DecodeResourceVersion(s)
	if !ok || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip of %v gave %v, %v", in, out, ok)
	}
	if EncodeResourceVersion(map[string]string{"member1": "123", "member2": "88"}) != s {
		t.Fatal("the same versions must encode to the same string")
	}
	for _, plain := range []string{"", "0", "123", "not base64!", EncodeResourceVersion(nil)} {
		if _, ok := DecodeResourceVersion(plain); ok {
			t.Errorf("%q decoded as a view resourceVersion", plain)
		}
	}
}

func TestContinueToken(t *testing.T) {
	tok := continueToken{RV: map[string]string{"m1": "5"}, Cluster: "m2", Member: "abc"}
	got, err := decodeContinue(tok.encode())
	if err != nil || !reflect.DeepEqual(got, tok) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := decodeContinue("eyJ9"); err == nil {
		t.Fatal("a token without a cluster must be refused")
	}
}

func TestClusterSet(t *testing.T) {
	if all, _ := clusterSet("karmada"); !all {
		t.Fatal("karmada means all clusters")
	}
	all, names := clusterSet("m2, m1,m2,,")
	if all || !reflect.DeepEqual(names, []string{"m1", "m2"}) {
		t.Fatalf("got %v %v", all, names)
	}
}

func TestAnnotateObject(t *testing.T) {
	in := json.RawMessage(`{"kind":"Deployment","metadata":{"name":"nginx","resourceVersion":"7","labels":{"karmada.io/managed":"true"}},"spec":{"replicas":2}}`)
	out, managed, err := annotateObject(in, "member1", func(old string) string { return "v" + old })
	if err != nil || !managed {
		t.Fatalf("managed=%v err=%v", managed, err)
	}
	var o struct {
		Metadata struct {
			ResourceVersion string            `json:"resourceVersion"`
			Annotations     map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec map[string]int `json:"spec"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	if o.Metadata.ResourceVersion != "v7" || o.Metadata.Annotations["resource.karmada.io/cached-from-cluster"] != "member1" || o.Spec["replicas"] != 2 {
		t.Fatalf("got %s", out)
	}
	if _, managed, _ := annotateObject(json.RawMessage(`{"metadata":{"name":"x"}}`), "m", nil); managed {
		t.Fatal("an object without the label is not managed")
	}
}

func TestTableColumnsAndRows(t *testing.T) {
	cols := []json.RawMessage{json.RawMessage(`{"name":"Name"}`), json.RawMessage(`{"name":"Ready"}`)}
	names := func(cs []json.RawMessage) (out []string) {
		for _, c := range cs {
			var d struct {
				Name     string `json:"name"`
				Priority int    `json:"priority"`
			}
			_ = json.Unmarshal(c, &d)
			out = append(out, d.Name+"/"+string(rune('0'+d.Priority)))
		}
		return out
	}
	if got := names(tableColumns(cols, "deployments")); !reflect.DeepEqual(got, []string{"Name/0", "Cluster/0", "Ready/0", "Adoption/0"}) {
		t.Fatalf("deployments: %v", got)
	}
	if got := names(tableColumns(cols, "pods")); !reflect.DeepEqual(got, []string{"Name/0", "Cluster/0", "Ready/0", "Adoption/1"}) {
		t.Fatalf("pods: ADOPTION is a wide column: %v", got)
	}
	row := json.RawMessage(`{"cells":["nginx","1/1"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"nginx","labels":{"karmada.io/managed":"true"}}}}`)
	out, err := transformRow(row, "member1", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Cells  []string        `json:"cells"`
		Object json.RawMessage `json:"object"`
	}
	_ = json.Unmarshal(out, &r)
	if !reflect.DeepEqual(r.Cells, []string{"nginx", "member1", "1/1", "Y"}) || r.Object != nil {
		t.Fatalf("got %s", out)
	}
}

func TestMergedEncode(t *testing.T) {
	m := &merged{kind: "ConfigMapList", apiVersion: "v1", rvs: map[string]string{"m1": "3"}, items: []json.RawMessage{json.RawMessage(`{"a":1}`)}, next: &continueToken{Cluster: "m2"}}
	var out struct {
		Kind     string `json:"kind"`
		Metadata struct {
			ResourceVersion, Continue string
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(m.encode(), &out); err != nil {
		t.Fatalf("invalid JSON: %v: %s", err, m.encode())
	}
	tok, err := decodeContinue(out.Metadata.Continue)
	if out.Kind != "ConfigMapList" || len(out.Items) != 1 || err != nil || tok.Cluster != "m2" {
		t.Fatalf("got %+v", out)
	}
	if rvs, _ := DecodeResourceVersion(out.Metadata.ResourceVersion); rvs["m1"] != "3" {
		t.Fatalf("resourceVersion %q", out.Metadata.ResourceVersion)
	}
}

func TestMemberAccept(t *testing.T) {
	got := memberAccept("application/json;as=Table;v=v1;g=meta.k8s.io,application/vnd.kubernetes.protobuf, application/json")
	if got != "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" {
		t.Fatalf("got %q", got)
	}
	if memberAccept("application/vnd.kubernetes.protobuf") != "application/json" {
		t.Fatal("protobuf-only clients get JSON")
	}
}
