package merged

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/metrics"
)

// memberList is a member's list or Table, with the items left as raw JSON.
type memberList struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Metadata   struct {
		ResourceVersion string `json:"resourceVersion,omitempty"`
		Continue        string `json:"continue,omitempty"`
	} `json:"metadata"`
	Items             []json.RawMessage `json:"items"`
	ColumnDefinitions []json.RawMessage `json:"columnDefinitions"`
	Rows              []json.RawMessage `json:"rows"`

	// prepared lists come from the view's cache with every object already in the
	// view's shape.
	prepared bool
}

// merged is the list being assembled from the members.
type merged struct {
	kind, apiVersion string
	table            bool
	columns          []json.RawMessage
	items            []json.RawMessage
	rvs              map[string]string
	next             *continueToken
}

// add appends one cluster's page, rewriting every object for the view.
func (m *merged) add(rq *request, cluster string, l *memberList, keepObject bool) error {
	if m.kind == "" {
		m.kind, m.apiVersion = l.Kind, l.APIVersion
		m.table = l.Kind == "Table"
		if m.table {
			m.columns = tableColumns(l.ColumnDefinitions, rq.gvr.Resource)
		}
	}
	if l.Metadata.ResourceVersion != "" {
		m.rvs[cluster] = l.Metadata.ResourceVersion
	}
	rv := func(old string) string {
		if old == "" {
			return ""
		}
		return EncodeResourceVersion(map[string]string{cluster: old})
	}
	if l.Kind == "Table" {
		if len(m.columns) == 0 && len(l.ColumnDefinitions) > 0 {
			m.columns = tableColumns(l.ColumnDefinitions, rq.gvr.Resource)
		}
		if l.prepared {
			m.items = append(m.items, l.Rows...)
			return nil
		}
		for _, row := range l.Rows {
			out, err := transformRow(row, cluster, rv, keepObject)
			if err != nil {
				return err
			}
			m.items = append(m.items, out)
		}
		return nil
	}
	if l.prepared {
		m.items = append(m.items, l.Items...)
		return nil
	}
	for _, item := range l.Items {
		out, _, err := annotateObject(item, cluster, rv)
		if err != nil {
			return err
		}
		m.items = append(m.items, out)
	}
	return nil
}

// encode writes the merged list in the member's own list shape.
func (m *merged) encode() []byte {
	var b bytes.Buffer
	kind, apiVersion := m.kind, m.apiVersion
	if kind == "" {
		kind, apiVersion = "List", "v1"
	}
	md := map[string]string{}
	if rv := EncodeResourceVersion(m.rvs); rv != "" {
		md["resourceVersion"] = rv
	}
	if m.next != nil {
		md["continue"] = m.next.encode()
	}
	head, _ := json.Marshal(struct {
		Kind       string            `json:"kind"`
		APIVersion string            `json:"apiVersion"`
		Metadata   map[string]string `json:"metadata"`
	}{kind, apiVersion, md})
	b.Write(head[:len(head)-1])
	if m.table {
		cols, _ := json.Marshal(m.columns)
		if len(m.columns) == 0 {
			cols = []byte("[]")
		}
		b.WriteString(`,"columnDefinitions":`)
		b.Write(cols)
		b.WriteString(`,"rows":[`)
	} else {
		b.WriteString(`,"items":[`)
	}
	for i, it := range m.items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// list answers a list: all clusters at once, or one cluster after another when the
// client pages with limit/continue (each cluster in name order, from where it stopped).
func (v *View) list(rq *request) {
	rvs, err := viewResourceVersion(rq)
	if err != nil {
		writeRequestError(rq, err)
		return
	}
	q := rq.query
	keepObject := q.Get("includeObject") != "None"
	if !keepObject {
		q = cloneValues(q)
		q.Set("includeObject", "Metadata")
	}
	limit, _ := strconv.ParseInt(q.Get("limit"), 10, 64)
	accept := memberAccept(rq.r.Header.Get("Accept"))
	out := &merged{rvs: map[string]string{}}
	start, tok, err := resumePoint(rq, q, out)
	if err != nil {
		writeRequestError(rq, err)
		return
	}
	t := &listTally{rq: rq}
	if limit <= 0 && tok.Cluster == "" {
		err = v.listAll(rq, q, rvs, accept, keepObject, t, out)
	} else {
		err = v.listPage(rq, q, rvs, accept, keepObject, limit, start, tok, t, out)
	}
	if err != nil {
		writeRequestError(rq, err)
		return
	}
	if t.answered == 0 && t.forbidden > 0 {
		writeRequestError(rq, t.firstForbidden)
		return
	}
	writeJSON(rq, out.encode())
}

// resumePoint reads the continue token of a paged list: the index of the target cluster to
// go on with and the token, whose resource versions seed out. Without a token it is the
// first target.
func resumePoint(rq *request, q url.Values, out *merged) (int, continueToken, error) {
	var tok continueToken
	c := q.Get("continue")
	if c == "" {
		return 0, tok, nil
	}
	tok, err := decodeContinue(c)
	if err != nil {
		return 0, tok, apierrors.NewBadRequest(err.Error())
	}
	start := -1
	for i, t := range rq.targets {
		if t.Name == tok.Cluster {
			start = i
		}
	}
	if start < 0 {
		return 0, tok, apierrors.NewResourceExpired(fmt.Sprintf("cluster %s left the view while paging; list again from the start", tok.Cluster))
	}
	for k, rv := range tok.RV {
		out.rvs[k] = rv
	}
	return start, tok, nil
}

// listTally turns each member's answer into a list or a warning, and counts answers and
// refusals: a list that every member refused is refused as the first member did.
type listTally struct {
	rq                  *request
	forbidden, answered int
	firstForbidden      error
}

// take returns the member's list, nil when its objects are left out (with a warning), or
// the error that fails the whole list.
func (t *listTally) take(m memberResponse) (*memberList, error) {
	rq := t.rq
	switch {
	case m.list != nil:
		t.answered++
		return m.list, nil
	case m.err != nil:
		rq.warn = append(rq.warn, fmt.Sprintf("cluster %s is unreachable (%v); its objects are not shown", m.cluster, m.err))
		return nil, nil
	case m.status == http.StatusOK:
		t.answered++
		var l memberList
		if err := json.Unmarshal(m.body, &l); err != nil {
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s answered with an unreadable list (%v); its objects are not shown", m.cluster, err))
			return nil, nil
		}
		return &l, nil
	case m.status == http.StatusForbidden:
		t.forbidden++
		if t.firstForbidden == nil {
			t.firstForbidden = statusOf(m)
		}
		rq.warn = append(rq.warn, fmt.Sprintf("cluster %s: %s", m.cluster, statusOf(m).ErrStatus.Message))
		return nil, nil
	case m.status == http.StatusNotFound:
		return nil, nil
	case m.status >= 500:
		rq.warn = append(rq.warn, fmt.Sprintf("cluster %s failed (%s); its objects are not shown", m.cluster, statusOf(m).ErrStatus.Message))
		return nil, nil
	default:
		return nil, statusOf(m)
	}
}

// listAll is an unpaged list: every target at once, merged.
func (v *View) listAll(rq *request, q url.Values, rvs map[string]string, accept string, keepObject bool, t *listTally, out *merged) error {
	for _, m := range v.fanOutList(rq, q, rvs, accept) {
		l, err := t.take(m)
		if err != nil {
			return err
		}
		if l != nil {
			if err := out.add(rq, m.cluster, l, keepObject); err != nil {
				return err
			}
		}
	}
	return nil
}

// listPage fills one page: targets in order from start, each from the view's cache when
// warm or from the member, until limit objects are in; out.next says where the next page
// starts (a cluster, and within it the cache's or the member's own continue token).
func (v *View) listPage(rq *request, q url.Values, rvs map[string]string, accept string, keepObject bool,
	limit int64, start int, tok continueToken, t *listTally, out *merged) error {
	remaining := limit
	for i := start; i < len(rq.targets); i++ {
		c := rq.targets[i]
		l, cacheNext, fromCache, err := v.pageOf(rq, q, rvs, accept, c, limit, remaining, i == start, tok, t)
		if err != nil {
			return err
		}
		if l == nil {
			continue
		}
		before := len(out.items)
		if err := out.add(rq, c.Name, l, keepObject); err != nil {
			return err
		}
		remaining -= int64(len(out.items) - before)
		if fromCache && cacheNext != "" {
			out.next = &continueToken{Cluster: c.Name, Cached: true, After: cacheNext}
			break
		}
		if !fromCache && l.Metadata.Continue != "" {
			out.next = &continueToken{Cluster: c.Name, Member: l.Metadata.Continue}
			break
		}
		if limit > 0 && remaining <= 0 {
			if i+1 < len(rq.targets) {
				out.next = &continueToken{Cluster: rq.targets[i+1].Name}
			}
			break
		}
	}
	if out.next != nil {
		out.next.RV = out.rvs
	}
	return nil
}

// pageOf reads one cluster's part of a page: from the view's cache when it is warm (and,
// when resuming, when the token came from the cache), else from the member with the
// remaining limit and the member's own continue token.
func (v *View) pageOf(rq *request, q url.Values, rvs map[string]string, accept string, c *clusterv1alpha1.Cluster,
	limit, remaining int64, resuming bool, tok continueToken, t *listTally) (l *memberList, cacheNext string, fromCache bool, err error) {
	switch {
	case resuming && tok.Cached:
		if l, cacheNext, fromCache = v.cache.page(rq, c, q, tok.After, remaining); !fromCache {
			return nil, "", false, apierrors.NewResourceExpired(fmt.Sprintf("the view's cache of cluster %s was dropped while paging; list again from the start", c.Name))
		}
	case !resuming || tok.Member == "":
		l, cacheNext, fromCache = v.cache.page(rq, c, q, "", remaining)
	}
	if fromCache {
		t.answered++
		metrics.ViewReads.WithLabelValues("cache").Inc()
		return l, cacheNext, true, nil
	}
	metrics.ViewReads.WithLabelValues("member").Inc()
	mq := memberQuery(q, rvs, c.Name)
	if limit > 0 {
		mq.Set("limit", strconv.FormatInt(remaining, 10))
	}
	if resuming && tok.Member != "" {
		mq.Set("continue", tok.Member)
		mq.Del("resourceVersion")
		mq.Del("resourceVersionMatch")
	}
	l, err = t.take(v.fetch(rq.r.Context(), c, rq.user, rq.path, mq, accept))
	return l, "", false, err
}

// fanOutList lists every target at once, from the cache where it is warm.
func (v *View) fanOutList(rq *request, q url.Values, rvs map[string]string, accept string) []memberResponse {
	return inParallel(rq, func(c *clusterv1alpha1.Cluster) memberResponse {
		if l, _, ok := v.cache.page(rq, c, q, "", 0); ok {
			metrics.ViewReads.WithLabelValues("cache").Inc()
			return memberResponse{cluster: c.Name, status: http.StatusOK, list: l}
		}
		metrics.ViewReads.WithLabelValues("member").Inc()
		return v.fetch(rq.r.Context(), c, rq.user, rq.path, memberQuery(q, rvs, c.Name), accept)
	})
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
