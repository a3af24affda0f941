package merged

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

type clusterEvent struct {
	cluster string
	event   watchEvent
	err     error // the cluster's stream ended
}

// watch merges the members' watch streams into one. Every event's object carries the
// view resourceVersion of everything sent so far, so a client that resumes from it
// resumes each member where it stopped. When one member's stream ends the merged
// stream ends too, and the client watches again from its last version.
func (v *View) watch(rq *request) {
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
	ctx := rq.r.Context()
	streams := v.openWatches(rq, q, rvs)
	defer func() {
		for _, s := range streams {
			if s.resp != nil {
				s.resp.Body.Close()
				s.cancel()
			}
		}
	}()
	events := make(chan clusterEvent)
	if err := startWatchReaders(ctx, rq, streams, events); err != nil {
		writeRequestError(rq, err)
		return
	}
	flusher := startWatchResponse(rq)
	v.relayEvents(rq, q, rvs, streams, events, keepObject, flusher)
}

// openedWatch is one member's watch response (or why it could not be opened).
type openedWatch struct {
	resp   *http.Response
	cancel func()
	err    error
}

// openWatches opens the watch on every target at once and waits for all the answers.
func (v *View) openWatches(rq *request, q url.Values, rvs map[string]string) []openedWatch {
	header := http.Header{"Accept": {memberAccept(rq.r.Header.Get("Accept"))}}
	streams := make([]openedWatch, len(rq.targets))
	done := make(chan struct{}, len(rq.targets))
	for i, c := range rq.targets {
		go func() {
			resp, cancel, err := v.open(rq.r.Context(), c, rq.user, http.MethodGet, rq.path, memberQuery(q, rvs, c.Name), header)
			streams[i] = openedWatch{resp, cancel, err}
			done <- struct{}{}
		}()
	}
	for range rq.targets {
		<-done
	}
	return streams
}

// startWatchReaders starts one reader per member that answered OK, feeding events. An
// unreachable, forbidden, missing or failing member is left out with a warning; any other
// refusal, or no member left to watch, is the watch's error.
func startWatchReaders(ctx context.Context, rq *request, streams []openedWatch, events chan<- clusterEvent) error {
	live, forbidden := 0, 0
	var firstErr error
	for i, s := range streams {
		c := rq.targets[i].Name
		switch {
		case s.err != nil:
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s is unreachable (%v); its objects are not watched", c, s.err))
			continue
		case s.resp.StatusCode != http.StatusOK:
			m := memberResponse{cluster: c, status: s.resp.StatusCode}
			m.body, _ = readAllLimited(s.resp)
			st := statusOf(m)
			if s.resp.StatusCode == http.StatusForbidden {
				forbidden++
				rq.warn = append(rq.warn, fmt.Sprintf("cluster %s: %s", c, st.ErrStatus.Message))
			} else if s.resp.StatusCode >= 500 || s.resp.StatusCode == http.StatusNotFound {
				rq.warn = append(rq.warn, fmt.Sprintf("cluster %s failed (%s); its objects are not watched", c, st.ErrStatus.Message))
			}
			if firstErr == nil {
				firstErr = st
			}
			if s.resp.StatusCode < 500 && s.resp.StatusCode != http.StatusForbidden && s.resp.StatusCode != http.StatusNotFound {
				return st
			}
			continue
		}
		live++
		go readWatch(ctx, c, json.NewDecoder(s.resp.Body), events)
	}
	if live > 0 {
		return nil
	}
	if forbidden > 0 || firstErr != nil {
		return firstErr
	}
	return apierrors.NewServiceUnavailable("no member cluster of the view can be watched")
}

// readWatch decodes one member's events until its stream ends (the end is sent as an
// event with err) or the request is over.
func readWatch(ctx context.Context, cluster string, body *json.Decoder, events chan<- clusterEvent) {
	for {
		var ev watchEvent
		if err := body.Decode(&ev); err != nil {
			select {
			case events <- clusterEvent{cluster: cluster, err: err}:
			case <-ctx.Done():
			}
			return
		}
		select {
		case events <- clusterEvent{cluster: cluster, event: ev}:
		case <-ctx.Done():
			return
		}
	}
}

// startWatchResponse writes the headers (and warnings) of the chunked watch response.
func startWatchResponse(rq *request) http.Flusher {
	addWarnings(rq)
	h := rq.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Transfer-Encoding", "chunked")
	rq.w.WriteHeader(http.StatusOK)
	flusher, _ := rq.w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	return flusher
}

// relayEvents writes the members' events in the view's shape until the client goes, a
// member's stream ends or an ERROR event is sent. With sendInitialEvents every member ends
// its initial objects with a bookmark; the client sees one such bookmark, after the last
// member's initial objects.
func (v *View) relayEvents(rq *request, q url.Values, rvs map[string]string, streams []openedWatch,
	events <-chan clusterEvent, keepObject bool, flusher http.Flusher) {
	ctx := rq.r.Context()
	state := map[string]string{}
	for k, rv := range rvs {
		state[k] = rv
	}
	initialPending := map[string]bool{}
	if q.Get("sendInitialEvents") == "true" {
		for i, s := range streams {
			if s.err == nil && s.resp.StatusCode == http.StatusOK {
				initialPending[rq.targets[i].Name] = true
			}
		}
	}
	for {
		var ce clusterEvent
		select {
		case <-ctx.Done():
			return
		case ce = <-events:
		}
		if ce.err != nil {
			return
		}
		if ce.event.Type == "BOOKMARK" && len(initialPending) > 0 && initialEventsEnd(ce.event.Object) {
			delete(initialPending, ce.cluster)
			state[ce.cluster] = objectResourceVersion(ce.event.Object)
			if len(initialPending) > 0 {
				continue
			}
		}
		out, err := v.rewriteEvent(rq, ce.cluster, ce.event, state, keepObject)
		if err != nil {
			continue
		}
		if _, err := rq.w.Write(out); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		if ce.event.Type == "ERROR" {
			return
		}
	}
}

// rewriteEvent gives one member event the view's shape and advances state.
func (v *View) rewriteEvent(rq *request, cluster string, ev watchEvent, state map[string]string, keepObject bool) ([]byte, error) {
	if ev.Type == "ERROR" {
		return encodeEvent(ev)
	}
	var probe struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(ev.Object, &probe)
	advance := func(old string) string {
		if old != "" {
			state[cluster] = old
		}
		return EncodeResourceVersion(state)
	}
	if probe.Kind == "Table" {
		var t map[string]json.RawMessage
		if err := json.Unmarshal(ev.Object, &t); err != nil {
			return nil, err
		}
		var rows []json.RawMessage
		_ = json.Unmarshal(t["rows"], &rows)
		for i, row := range rows {
			out, err := transformRow(row, cluster, advance, keepObject)
			if err != nil {
				return nil, err
			}
			rows[i] = out
		}
		t["rows"], _ = json.Marshal(rows)
		var cols []json.RawMessage
		if json.Unmarshal(t["columnDefinitions"], &cols) == nil && len(cols) > 0 {
			t["columnDefinitions"], _ = json.Marshal(tableColumns(cols, rq.gvr.Resource))
		}
		var md map[string]json.RawMessage
		if json.Unmarshal(t["metadata"], &md) == nil && md != nil {
			md["resourceVersion"], _ = json.Marshal(EncodeResourceVersion(state))
			t["metadata"], _ = json.Marshal(md)
		}
		ev.Object, _ = json.Marshal(t)
		return encodeEvent(ev)
	}
	obj, _, err := annotateObject(ev.Object, cluster, advance)
	if err != nil {
		return nil, err
	}
	ev.Object = obj
	return encodeEvent(ev)
}

// initialEventsEnd reports whether a bookmark closes a member's initial events.
func initialEventsEnd(obj json.RawMessage) bool {
	var o struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(obj, &o)
	return o.Metadata.Annotations[metav1.InitialEventsAnnotationKey] == "true"
}

func encodeEvent(ev watchEvent) ([]byte, error) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(ev); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
