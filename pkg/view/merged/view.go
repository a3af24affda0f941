// Package merged serves the merged multi-cluster view: one Kubernetes endpoint, at
// /apis/search.karmada.io/v1alpha1/proxying/<clusters>/proxy/<path>, where unmodified
// kubectl and client-go read the member clusters as if they were one cluster.
//
// Reads fan out to the Ready members as the caller (impersonated, so each member's RBAC
// applies) and are merged: every object is annotated with its cluster, resourceVersions
// and continue tokens hold one position per cluster, Tables gain CLUSTER and ADOPTION
// columns. Writes go to the one place that owns the object. Discovery and the kinds
// only the control plane has are answered by the control plane itself.
package merged

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	"github.com/karmada-one/karmada-one/pkg/metrics"
	"github.com/karmada-one/karmada-one/pkg/view/clusterproxy"
)

// DefaultMemberTimeout bounds how long the view waits for a member to start answering
// before it leaves that member out with a warning.
const DefaultMemberTimeout = 3 * time.Second

var requestInfoFactory = &genericapirequest.RequestInfoFactory{
	APIPrefixes:          sets.NewString("api", "apis"),
	GrouplessAPIPrefixes: sets.NewString("api"),
}

var everything = labels.Everything()

// View serves the merged view. It is created with the server and started once the
// control plane serves (it reads Clusters through the loopback connection).
type View struct {
	secrets       membercluster.SecretGetter
	memberTimeout time.Duration
	cache         *Cache

	mu           sync.Mutex
	clusters     clusterlisters.ClusterLister
	synced       cache.InformerSynced
	controlPlane *endpoint
	upstreams    map[string]*endpoint
}

// endpoint is an authenticated transport to one API server.
type endpoint struct {
	fingerprint string
	host        *url.URL
	rt          http.RoundTripper
}

// New returns a view that reads cluster credentials with secrets and serves warm lists
// from the members' shared informers in members.
func New(secrets membercluster.SecretGetter, members *membercluster.Registry) *View {
	v := &View{secrets: secrets, memberTimeout: DefaultMemberTimeout, upstreams: map[string]*endpoint{}}
	v.cache = newCache(members)
	return v
}

// Start connects the view to the control plane through loopback and runs until ctx ends.
func (v *View) Start(ctx context.Context, loopback *rest.Config) error {
	cfg := rest.CopyConfig(loopback)
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	client, err := karmadaclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	factory := karmadainformers.NewSharedInformerFactory(client, 0)
	clusters := factory.Cluster().V1alpha1().Clusters()
	lister, informer := clusters.Lister(), clusters.Informer()
	rt, err := rest.TransportFor(loopback)
	if err != nil {
		return err
	}
	host, err := url.Parse(loopback.Host)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.clusters, v.synced = lister, informer.HasSynced
	v.controlPlane = &endpoint{host: host, rt: rt}
	v.mu.Unlock()
	factory.Start(ctx.Done())
	v.cache.start(ctx, lister)
	metrics.Register()
	return nil
}

// SetMemberTimeout changes how long a member may take to start answering.
func (v *View) SetMemberTimeout(d time.Duration) { v.memberTimeout = d }

// Handler implements the proxying connect resource: path is what follows {name}/.
func (v *View) Handler(_ context.Context, name, p string, requester user.Info) (http.Handler, error) {
	sub, ok := strings.CutPrefix(strings.TrimPrefix(p, "/"), "proxy")
	if !ok || (sub != "" && !strings.HasPrefix(sub, "/")) {
		return nil, apierrors.NewNotFound(searchv1alpha1.Resource("proxying"), name+"/"+p)
	}
	if sub == "" {
		sub = "/"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.serve(w, r, name, sub, requester)
	}), nil
}

// request is one view request being served.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	user    user.Info
	path    string
	query   url.Values
	info    *genericapirequest.RequestInfo
	gvr     schema.GroupVersionResource
	narrow  bool // the proxying name listed clusters
	targets []*clusterv1alpha1.Cluster
	warn    []string
}

func (v *View) serve(w http.ResponseWriter, r *http.Request, name, p string, requester user.Info) {
	v.mu.Lock()
	lister, synced := v.clusters, v.synced
	v.mu.Unlock()
	if lister == nil || !synced() {
		writeError(w, apierrors.NewServiceUnavailable("the merged view is starting; retry in a moment"))
		return
	}
	inner := &http.Request{Method: r.Method, URL: &url.URL{Path: p, RawQuery: r.URL.RawQuery}, Header: r.Header}
	info, err := requestInfoFactory.NewRequestInfo(inner)
	if err != nil {
		writeError(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	rq := &request{w: w, r: r, user: requester, path: p, query: r.URL.Query(), info: info}
	if !info.IsResourceRequest {
		v.toControlPlane(rq)
		return
	}
	rq.gvr = schema.GroupVersionResource{Group: info.APIGroup, Version: info.APIVersion, Resource: info.Resource}
	all, names := clusterSet(name)
	rq.narrow = !all
	if err := v.selectTargets(rq, lister, names); err != nil {
		writeError(w, err)
		return
	}
	if controlPlaneOnly(info.APIGroup) || len(rq.targets) == 0 {
		v.toControlPlane(rq)
		return
	}
	switch {
	case info.Verb == "list":
		v.list(rq)
	case info.Verb == "watch":
		v.watch(rq)
	case info.Verb == "get" && info.Subresource == "":
		v.get(rq)
	default:
		v.route(rq)
	}
}

// controlPlaneOnly are groups no member serves: Karmada's own API and the aggregator's.
func controlPlaneOnly(group string) bool {
	return group == "karmada.io" || strings.HasSuffix(group, ".karmada.io") || group == "apiregistration.k8s.io"
}

// selectTargets picks the Ready clusters of the view that serve the resource.
func (v *View) selectTargets(rq *request, lister clusterlisters.ClusterLister, names []string) error {
	var candidates []*clusterv1alpha1.Cluster
	if names == nil {
		all, err := lister.List(everything)
		if err != nil {
			return err
		}
		candidates = all
	} else {
		for _, n := range names {
			c, err := lister.Get(n)
			if apierrors.IsNotFound(err) {
				return apierrors.NewNotFound(clusterv1alpha1.Resource("clusters"), n)
			}
			if err != nil {
				return err
			}
			candidates = append(candidates, c)
		}
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].Name < candidates[j].Name })
	for _, c := range candidates {
		if !serves(c, rq.gvr) {
			continue
		}
		if c.DeletionTimestamp != nil || !meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady) {
			rq.warn = append(rq.warn, fmt.Sprintf("cluster %s is not Ready; its objects are not shown", c.Name))
			continue
		}
		rq.targets = append(rq.targets, c)
	}
	return nil
}

// serves reports whether the cluster's API enablements list the resource (a cluster
// whose APIs are not collected yet is assumed to serve it).
func serves(c *clusterv1alpha1.Cluster, gvr schema.GroupVersionResource) bool {
	if len(c.Status.APIEnablements) == 0 {
		return true
	}
	gv := gvr.GroupVersion().String()
	for _, e := range c.Status.APIEnablements {
		if e.GroupVersion != gv {
			continue
		}
		for _, r := range e.Resources {
			if r.Name == gvr.Resource {
				return true
			}
		}
	}
	return false
}

// upstream returns the impersonating transport to a member.
func (v *View) upstream(c *clusterv1alpha1.Cluster) (*endpoint, error) {
	cfg, err := membercluster.ImpersonatorConfig(c, v.secrets)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(cfg.Host + "\x00" + cfg.BearerToken + "\x00" + string(cfg.CAData) + "\x00" + strconv.FormatBool(cfg.Insecure)))
	fp := hex.EncodeToString(h[:])
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.upstreams[c.Name]; ok && e.fingerprint == fp {
		return e, nil
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	host, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	e := &endpoint{fingerprint: fp, host: host, rt: rt}
	v.upstreams[c.Name] = e
	return e, nil
}

// memberResponse is one member's answer to a read.
type memberResponse struct {
	cluster string
	status  int
	body    []byte
	err     error       // the member could not be reached in time
	list    *memberList // read from the view's cache instead
}

// open sends a request to a member as the caller. The member has memberTimeout to
// start answering; the body may then take as long as the caller waits.
func (v *View) open(ctx context.Context, c *clusterv1alpha1.Cluster, u user.Info, method, p string, q url.Values, header http.Header) (*http.Response, context.CancelFunc, error) {
	if err := v.cache.unreachable(c.Name); err != nil {
		return nil, nil, fmt.Errorf("not answering: %w", err)
	}
	e, err := v.upstream(c)
	if err != nil {
		return nil, nil, err
	}
	loc := *e.host
	loc.Path = path.Join(loc.Path, p)
	loc.RawQuery = q.Encode()
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, method, loc.String(), nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	timedOut := false
	timer := time.AfterFunc(v.memberTimeout, func() { timedOut = true; cancel() })
	resp, err := clusterproxy.Impersonating(e.rt, u).RoundTrip(req)
	if !timer.Stop() && timedOut {
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		return nil, nil, fmt.Errorf("no answer within %s", v.memberTimeout)
	}
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return resp, cancel, nil
}

// fetch reads one member's whole answer.
func (v *View) fetch(ctx context.Context, c *clusterv1alpha1.Cluster, u user.Info, p string, q url.Values, accept string) memberResponse {
	resp, cancel, err := v.open(ctx, c, u, http.MethodGet, p, q, http.Header{"Accept": {accept}})
	if err != nil {
		return memberResponse{cluster: c.Name, err: err}
	}
	defer cancel()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return memberResponse{cluster: c.Name, err: err}
	}
	return memberResponse{cluster: c.Name, status: resp.StatusCode, body: body}
}

// inParallel runs read for every target at once; answers come back in target order.
func inParallel(rq *request, read func(c *clusterv1alpha1.Cluster) memberResponse) []memberResponse {
	out := make([]memberResponse, len(rq.targets))
	var wg sync.WaitGroup
	for i, c := range rq.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = read(c)
		}()
	}
	wg.Wait()
	return out
}

// memberAccept keeps the JSON forms the client accepts (Table, metadata or plain): the
// view rewrites JSON only.
func memberAccept(accept string) string {
	var out []string
	for _, part := range strings.Split(accept, ",") {
		part = strings.TrimSpace(part)
		mt, _, _ := strings.Cut(part, ";")
		if strings.TrimSpace(mt) == "application/json" {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		return "application/json"
	}
	return strings.Join(out, ",")
}

// statusOf decodes a member's error body.
func statusOf(m memberResponse) *apierrors.StatusError {
	var st metav1.Status
	if json.Unmarshal(m.body, &st) == nil && st.Kind == "Status" {
		return &apierrors.StatusError{ErrStatus: st}
	}
	return apierrors.NewGenericServerResponse(m.status, "get", schema.GroupResource{}, "", strings.TrimSpace(string(m.body)), 0, false)
}

// memberQuery is the client's query for one cluster: the view resourceVersion becomes
// that cluster's own, the view's paging parameters are removed.
func memberQuery(q url.Values, rvs map[string]string, cluster string) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = vs
	}
	out.Del("continue")
	out.Del("limit")
	if rvs != nil {
		if rv, ok := rvs[cluster]; ok {
			out.Set("resourceVersion", rv)
		} else {
			out.Del("resourceVersion")
			out.Del("resourceVersionMatch")
		}
	}
	return out
}

// viewResourceVersion checks the resourceVersion parameter: a view version, "0", "" or,
// on a one-cluster view, that member's own version.
func viewResourceVersion(rq *request) (map[string]string, error) {
	rv := rq.query.Get("resourceVersion")
	if rvs, ok := DecodeResourceVersion(rv); ok {
		return rvs, nil
	}
	if rv == "" || rv == "0" || len(rq.targets) == 1 {
		return nil, nil
	}
	return nil, apierrors.NewBadRequest(fmt.Sprintf("resourceVersion %q was not issued by this view; use a resourceVersion from a view response, \"0\", or none", rv))
}

// addWarnings puts the view's warnings in the response headers; kubectl prints them as
// "Warning: ...".
func addWarnings(rq *request) {
	for _, w := range rq.warn {
		rq.w.Header().Add("Warning", "299 - "+strconv.Quote(w))
	}
}

// writeJSON writes a 200 response with the view's warnings.
func writeJSON(rq *request, body []byte) {
	addWarnings(rq)
	rq.w.Header().Set("Content-Type", "application/json")
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write(body)
}

// writeError writes err as a metav1.Status.
func writeError(w http.ResponseWriter, err error) {
	var st metav1.Status
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st = se.Status()
	} else {
		st = apierrors.NewInternalError(err).ErrStatus
	}
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Code == 0 {
		st.Code = http.StatusInternalServerError
	}
	body, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	_, _ = w.Write(body)
}

func writeRequestError(rq *request, err error) {
	addWarnings(rq)
	writeError(rq.w, err)
}

// toControlPlane forwards the request unchanged to the control plane as the caller.
func (v *View) toControlPlane(rq *request) {
	v.mu.Lock()
	cp := v.controlPlane
	v.mu.Unlock()
	loc := *cp.host
	loc.Path = path.Join(loc.Path, rq.path)
	if strings.HasSuffix(rq.path, "/") && !strings.HasSuffix(loc.Path, "/") {
		loc.Path += "/"
	}
	klog.V(4).InfoS("Merged view: answered by the control plane", "path", rq.path, "user", rq.user.GetName())
	addWarnings(rq)
	clusterproxy.Forward(&loc, clusterproxy.Impersonating(cp.rt, rq.user), rq.w, rq.r)
}

// toMember forwards the request unchanged to one member as the caller.
func (v *View) toMember(rq *request, c *clusterv1alpha1.Cluster) {
	h, err := clusterproxy.Handler(c, v.secrets, rq.path, rq.user, responder{rq.w})
	if err != nil {
		writeRequestError(rq, apierrors.NewServiceUnavailable(err.Error()))
		return
	}
	klog.V(4).InfoS("Merged view: routed to a member", "path", rq.path, "cluster", c.Name, "user", rq.user.GetName())
	h.ServeHTTP(rq.w, rq.r)
}

type responder struct{ w http.ResponseWriter }

func (r responder) Object(statusCode int, _ runtime.Object) {
	r.w.WriteHeader(statusCode)
}

func (r responder) Error(err error) { writeError(r.w, err) }
