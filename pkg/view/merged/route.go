package merged

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
)

// streamingSubresources run in the member where the object lives, never on a template.
var streamingSubresources = map[string]bool{"log": true, "exec": true, "attach": true, "portforward": true, "proxy": true}

func readAllLimited(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// found is one cluster that has the object asked for.
type found struct {
	cluster *clusterv1alpha1.Cluster
	body    []byte
	managed bool
}

// locate asks every target for the object at p as the caller.
func (v *View) locate(rq *request, p string, q url.Values, accept string) (hits []found, forbidden error) {
	answers := inParallel(rq, func(c *clusterv1alpha1.Cluster) memberResponse {
		return v.fetch(rq.r.Context(), c, rq.user, p, q, accept)
	})
	for i, m := range answers {
		switch {
		case m.err != nil:
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s is unreachable (%v); it was not searched", m.cluster, m.err))
		case m.status == http.StatusOK:
			hits = append(hits, found{cluster: rq.targets[i], body: m.body, managed: carriesManagedLabel(m.body)})
		case m.status == http.StatusForbidden:
			if forbidden == nil {
				forbidden = statusOf(m)
			}
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s: %s", m.cluster, statusOf(m).ErrStatus.Message))
		case m.status != http.StatusNotFound:
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s failed (%s); it was not searched", m.cluster, statusOf(m).ErrStatus.Message))
		}
	}
	return hits, forbidden
}

func carriesManagedLabel(body []byte) bool {
	var o struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Rows []struct {
			Object struct {
				Metadata struct {
					Labels map[string]string `json:"labels"`
				} `json:"metadata"`
			} `json:"object"`
		} `json:"rows"`
	}
	if json.Unmarshal(body, &o) != nil {
		return false
	}
	if o.Kind == "Table" {
		return len(o.Rows) > 0 && o.Rows[0].Object.Metadata.Labels[managedLabel] == "true"
	}
	return o.Metadata.Labels[managedLabel] == "true"
}

func clusterNames(hits []found) string {
	var names []string
	for _, h := range hits {
		names = append(names, h.cluster.Name)
	}
	return strings.Join(names, ", ")
}

func groupResource(rq *request) schema.GroupResource {
	return schema.GroupResource{Group: rq.gvr.Group, Resource: rq.gvr.Resource}
}

// ambiguous is the error for a name that several clusters have.
func ambiguous(rq *request, hits []found) error {
	return apierrors.NewConflict(groupResource(rq), rq.info.Name, fmt.Errorf(
		"it exists in clusters %s; pick one with the view of that cluster (server .../apis/%s/%s/proxying/<cluster>/proxy, or `kubectl karmada config view -C <cluster>`) or `kubectl karmada get -C <cluster>`",
		clusterNames(hits), searchv1alpha1.GroupName, searchv1alpha1.SchemeGroupVersion.Version))
}

// get returns one object from the cluster that has it. A name no member has is looked
// up in the control plane (a template not propagated yet).
func (v *View) get(rq *request) {
	q := rq.query
	keepObject := q.Get("includeObject") != "None"
	if !keepObject {
		q = cloneValues(q)
		q.Set("includeObject", "Metadata")
	}
	// A view resourceVersion names no version of one member: read the latest.
	if _, ok := DecodeResourceVersion(q.Get("resourceVersion")); ok {
		q = cloneValues(q)
		q.Del("resourceVersion")
	}
	hits, forbidden := v.locate(rq, rq.path, q, memberAccept(rq.r.Header.Get("Accept")))
	switch {
	case len(hits) == 1:
		h := hits[0]
		rv := func(old string) string {
			if old == "" {
				return ""
			}
			return EncodeResourceVersion(map[string]string{h.cluster.Name: old})
		}
		var l memberList
		if json.Unmarshal(h.body, &l) == nil && l.Kind == "Table" {
			m := &merged{rvs: map[string]string{}}
			if err := m.add(rq, h.cluster.Name, &l, keepObject); err != nil {
				writeRequestError(rq, err)
				return
			}
			writeJSON(rq, m.encode())
			return
		}
		out, _, err := annotateObject(h.body, h.cluster.Name, rv)
		if err != nil {
			writeRequestError(rq, err)
			return
		}
		writeJSON(rq, out)
	case len(hits) > 1:
		writeRequestError(rq, ambiguous(rq, hits))
	case forbidden != nil && len(rq.warn) == len(rq.targets):
		writeRequestError(rq, forbidden)
	default:
		v.toControlPlane(rq)
	}
}

// objectPath is the path of the object a request names, without its subresource.
func objectPath(rq *request) string {
	i := rq.info
	var b strings.Builder
	if i.APIGroup == "" {
		b.WriteString("/api/" + i.APIVersion)
	} else {
		b.WriteString("/apis/" + i.APIGroup + "/" + i.APIVersion)
	}
	if i.Namespace != "" {
		b.WriteString("/namespaces/" + i.Namespace)
	}
	b.WriteString("/" + i.Resource + "/" + i.Name)
	return b.String()
}

// route sends a write or a subresource request to the one place that owns the object:
//   - an object the control plane manages in the members (ADOPTION Y) is owned by its
//     template, so the write goes to the control plane;
//   - an unmanaged object found in exactly one cluster goes to that member;
//   - logs, exec, attach and port-forward always go to the member running the pod;
//   - a name in no member goes to the control plane (templates not propagated yet);
//   - anything else (several clusters, a create on a view of several clusters) is
//     refused with what to do instead, never guessed.
func (v *View) route(rq *request) {
	if rq.info.Name == "" {
		if rq.narrow && len(rq.targets) == 1 {
			v.toMember(rq, rq.targets[0])
			return
		}
		if rq.info.Verb == "create" {
			v.toControlPlane(rq)
			return
		}
		writeRequestError(rq, apierrors.NewBadRequest(fmt.Sprintf(
			"%s of %s spans several clusters in the merged view; narrow the view to one cluster (.../proxying/<cluster>/proxy) or use the karmada-apiserver context for templates",
			rq.info.Verb, groupResource(rq))))
		return
	}
	streaming := streamingSubresources[rq.info.Subresource]
	hits, forbidden := v.locate(rq, objectPath(rq), url.Values{}, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json")
	if len(hits) == 0 {
		if forbidden != nil && !streaming {
			writeRequestError(rq, forbidden)
			return
		}
		if streaming {
			writeRequestError(rq, apierrors.NewNotFound(groupResource(rq), rq.info.Name))
			return
		}
		rewriteBody(rq, "")
		v.toControlPlane(rq)
		return
	}
	if streaming {
		if len(hits) > 1 {
			writeRequestError(rq, ambiguous(rq, hits))
			return
		}
		v.toMember(rq, hits[0].cluster)
		return
	}
	allManaged := true
	for _, h := range hits {
		allManaged = allManaged && h.managed
	}
	switch {
	case allManaged:
		rewriteBody(rq, "")
		v.toControlPlane(rq)
	case len(hits) == 1:
		rewriteBody(rq, hits[0].cluster.Name)
		v.toMember(rq, hits[0].cluster)
	default:
		writeRequestError(rq, ambiguous(rq, hits))
	}
}

// rewriteBody undoes what the view added to an object the client sends back (an
// update of an object it read from the view): the cluster annotation goes, a view
// resourceVersion becomes the member's own, or is dropped when the write goes to the
// template (cluster ""), whose version the member's does not match.
func rewriteBody(rq *request, cluster string) *request {
	if rq.r.Method != http.MethodPut || rq.r.Body == nil {
		return rq
	}
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, 32<<20))
	rq.r.Body.Close()
	if err != nil {
		rq.r.Body = io.NopCloser(bytes.NewReader(nil))
		return rq
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		var md map[string]json.RawMessage
		if json.Unmarshal(top["metadata"], &md) == nil && md != nil {
			var ann map[string]string
			if json.Unmarshal(md["annotations"], &ann) == nil && ann != nil {
				delete(ann, searchv1alpha1.CachedFromClusterAnnotation)
				md["annotations"], _ = json.Marshal(ann)
			}
			var rv string
			_ = json.Unmarshal(md["resourceVersion"], &rv)
			if rvs, ok := DecodeResourceVersion(rv); ok {
				if own, ok := rvs[cluster]; ok && cluster != "" {
					md["resourceVersion"], _ = json.Marshal(own)
				} else {
					delete(md, "resourceVersion")
				}
			}
			top["metadata"], _ = json.Marshal(md)
			body, _ = json.Marshal(top)
		}
	}
	rq.r.Body = io.NopCloser(bytes.NewReader(body))
	rq.r.ContentLength = int64(len(body))
	rq.r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return rq
}
