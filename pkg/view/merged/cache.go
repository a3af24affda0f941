package merged

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"reflect"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/printers"
	printersinternal "k8s.io/kubernetes/pkg/printers/internalversion"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// The view's cache serves list pages from informers on the members instead of asking
// the members each time. It caches only what someone lists (a kind is cached in a
// member from its first list on, and dropped after idleTimeout without lists), keeps
// objects without managedFields, and shares the member informers the controllers
// already run (pods and nodes are watched for cluster status anyway). Lists the cache
// cannot answer exactly (explicit resourceVersions, field selectors beyond name and
// namespace, kinds without a built-in printer, metadata-only lists) go to the members.
//
// The cache reads as the control plane, so before answering from it the view asks the
// member whether the caller may list there (a SubjectAccessReview, remembered for
// sarTTL): what a user sees from the cache is what the member would have shown.

const (
	idleTimeout = 10 * time.Minute
	sarTTL      = 5 * time.Second
)

// sharedResources are watched by the controllers on every member already.
var sharedResources = map[schema.GroupVersionResource]bool{
	{Version: "v1", Resource: "pods"}:  true,
	{Version: "v1", Resource: "nodes"}: true,
}

// Cache holds the view's member informers.
type Cache struct {
	members  *membercluster.Registry
	clusters clusterlisters.ClusterLister
	printer  *printers.HumanReadableGenerator

	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	sars    map[string]sarDecision
	probes  map[string]probe
}

type cacheKey struct {
	cluster string
	gvr     schema.GroupVersionResource
}

type cacheEntry struct {
	informer cache.SharedIndexInformer
	member   *membercluster.Member
	stop     context.CancelFunc // nil for informers shared with the controllers
	lastUsed time.Time
}

type probe struct {
	ok      bool
	err     error
	expires time.Time
}

// reachable checks the member's /readyz, remembering the answer for a second, so a
// member that went away is noticed at once rather than when its status turns.
func (c *Cache) reachable(ctx context.Context, m *membercluster.Member) bool {
	now := time.Now()
	c.mu.Lock()
	p, ok := c.probes[m.Name]
	c.mu.Unlock()
	if ok && now.Before(p.expires) {
		return p.ok
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := m.Client.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
	c.mu.Lock()
	c.probes[m.Name] = probe{ok: err == nil, err: err, expires: now.Add(time.Second)}
	c.mu.Unlock()
	return err == nil
}

// unreachable is the error of the member's last probe when it failed within the last
// second: the view then leaves the member out at once instead of waiting for it again.
func (c *Cache) unreachable(cluster string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.probes[cluster]; ok && !p.ok && time.Now().Before(p.expires) {
		return p.err
	}
	return nil
}

type sarDecision struct {
	allowed bool
	expires time.Time
}

func newCache(members *membercluster.Registry) *Cache {
	return &Cache{
		members: members,
		printer: printers.NewTableGenerator().With(printersinternal.AddHandlers),
		entries: map[cacheKey]*cacheEntry{},
		sars:    map[string]sarDecision{},
		probes:  map[string]probe{},
	}
}

// start runs the idle sweep until ctx ends.
func (c *Cache) start(ctx context.Context, clusters clusterlisters.ClusterLister) {
	if c.members == nil {
		return
	}
	c.mu.Lock()
	c.clusters = clusters
	c.mu.Unlock()
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				c.sweep(now)
			}
		}
	}()
}

// sweep drops informers nobody listed for idleTimeout, and those of members whose
// connection was replaced or removed.
func (c *Cache) sweep(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		gone := false
		select {
		case <-e.member.Done():
			gone = true
		default:
		}
		if gone || now.Sub(e.lastUsed) > idleTimeout {
			if e.stop != nil {
				e.stop()
			}
			delete(c.entries, k)
			klog.V(2).InfoS("Merged view: stopped caching", "cluster", k.cluster, "resource", k.gvr)
		}
	}
	for k, d := range c.sars {
		if now.After(d.expires) {
			delete(c.sars, k)
		}
	}
}

// cacheable reports whether the list request can be answered from a cache at all.
func cacheable(rq *request, q url.Values) bool {
	if rq.info.Subresource != "" {
		return false
	}
	if rv := q.Get("resourceVersion"); rv != "" && rv != "0" {
		return false
	}
	if q.Get("resourceVersionMatch") != "" || q.Get("sendInitialEvents") != "" {
		return false
	}
	if strings.Contains(rq.r.Header.Get("Accept"), "as=PartialObjectMetadata") {
		return false
	}
	if fs := q.Get("fieldSelector"); fs != "" {
		sel, err := fields.ParseSelector(fs)
		if err != nil {
			return false
		}
		for _, r := range sel.Requirements() {
			if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
				return false
			}
		}
	}
	return knownKind(rq.gvr) != ""
}

var builtinKinds = sync.OnceValue(func() map[schema.GroupVersionResource]string {
	out := map[schema.GroupVersionResource]string{}
	for gvk := range clientgoscheme.Scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(gvk.Kind, "List") || strings.HasSuffix(gvk.Kind, "Options") {
			continue
		}
		out[gvk.GroupVersion().WithResource(guessResource(gvk.Kind))] = gvk.Kind
	}
	return out
})

// knownKind is the kind of a built-in resource, "" when the member informers cannot
// hold it as a typed object.
func knownKind(gvr schema.GroupVersionResource) string {
	return builtinKinds()[gvr]
}

// guessResource is the plural resource name of a built-in kind.
func guessResource(kind string) string {
	plural, _ := meta.UnsafeGuessKindToResource(schema.GroupVersionKind{Kind: kind})
	return plural.Resource
}

// entry returns the warm informer of a kind in a cluster, starting one (and reporting
// not warm) on first use.
func (c *Cache) entry(cluster *clusterv1alpha1.Cluster, gvr schema.GroupVersionResource) (*cacheEntry, bool) {
	if c.members == nil {
		return nil, false
	}
	k := cacheKey{cluster.Name, gvr}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok {
		select {
		case <-e.member.Done():
			if e.stop != nil {
				e.stop()
			}
			delete(c.entries, k)
			ok = false
		default:
		}
	}
	if !ok {
		m, err := c.members.Get(cluster)
		if err != nil {
			return nil, false
		}
		e = &cacheEntry{member: m}
		if sharedResources[gvr] {
			inf, err := m.Informers.ForResource(gvr)
			if err != nil {
				return nil, false
			}
			e.informer = inf.Informer()
			m.StartInformers()
		} else {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-m.Done():
					cancel()
				case <-ctx.Done():
				}
			}()
			factory := informers.NewSharedInformerFactoryWithOptions(m.Client, 0, informers.WithTransform(membercluster.StripManagedFields))
			inf, err := factory.ForResource(gvr)
			if err != nil {
				cancel()
				return nil, false
			}
			e.informer, e.stop = inf.Informer(), cancel
			factory.Start(ctx.Done())
		}
		c.entries[k] = e
		klog.V(2).InfoS("Merged view: caching", "cluster", cluster.Name, "resource", gvr)
	}
	e.lastUsed = time.Now()
	return e, e.informer.HasSynced()
}

// allowed asks the member whether the caller may list the resource in the namespace.
func (c *Cache) allowed(rq *request, e *cacheEntry, cluster string) bool {
	u := rq.user
	key := strings.Join([]string{cluster, u.GetName(), strings.Join(u.GetGroups(), ","), rq.gvr.String(), rq.info.Namespace}, "\x00")
	now := time.Now()
	c.mu.Lock()
	d, ok := c.sars[key]
	c.mu.Unlock()
	if ok && now.Before(d.expires) {
		return d.allowed
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   u.GetName(),
		Groups: u.GetGroups(),
		UID:    u.GetUID(),
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: "list", Group: rq.gvr.Group, Version: rq.gvr.Version, Resource: rq.gvr.Resource, Namespace: rq.info.Namespace,
		},
	}}
	ctx, cancel := context.WithTimeout(rq.r.Context(), time.Second)
	defer cancel()
	res, err := e.member.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return false
	}
	c.mu.Lock()
	c.sars[key] = sarDecision{allowed: res.Status.Allowed, expires: now.Add(sarTTL)}
	c.mu.Unlock()
	return res.Status.Allowed
}

// page answers one cluster's part of a list from the cache: up to limit objects (all
// when limit <= 0) after key after in namespace/name order, and the key to continue
// from. ok is false when the cache cannot answer; the member is asked instead.
func (c *Cache) page(rq *request, cluster *clusterv1alpha1.Cluster, q url.Values, after string, limit int64) (*memberList, string, bool) {
	if !cacheable(rq, q) {
		return nil, "", false
	}
	e, warm := c.entry(cluster, rq.gvr)
	// A member that stopped answering has a stale cache: it is left out with a warning
	// (the probe's failure makes the direct request fail at once).
	if !warm || !c.reachable(rq.r.Context(), e.member) || !c.allowed(rq, e, cluster.Name) {
		return nil, "", false
	}
	selector := labels.Everything()
	if s := q.Get("labelSelector"); s != "" {
		sel, err := labels.Parse(s)
		if err != nil {
			return nil, "", false
		}
		selector = sel
	}
	fieldSel := fields.Everything()
	if s := q.Get("fieldSelector"); s != "" {
		fieldSel, _ = fields.ParseSelector(s)
	}
	items, next := pageItems(e.informer.GetIndexer(), rq.info.Namespace, selector, fieldSel, after, limit)
	gvk, err := c.kindOf(rq.gvr)
	if err != nil {
		return nil, "", false
	}
	out := &objectWriter{cluster: cluster.Name, gvk: gvk}
	l := &memberList{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind + "List", prepared: true}
	l.Metadata.ResourceVersion = e.informer.LastSyncResourceVersion()
	if strings.Contains(rq.r.Header.Get("Accept"), "as=Table") {
		if err := c.tableRows(l, out, gvk, items, rq.query.Get("includeObject")); err != nil {
			return nil, "", false
		}
		return l, next, true
	}
	l.Items = make([]json.RawMessage, 0, len(items))
	for _, obj := range items {
		raw, err := out.object(obj)
		if err != nil {
			return nil, "", false
		}
		l.Items = append(l.Items, raw)
	}
	return l, next, true
}

// pageItems picks a page of cached objects in key order after the key after, matching the
// selectors, at most limit of them (all when limit ≤ 0); next is the key of the page's last
// object when another matching object follows. Keys are "namespace/name" (or "name"):
// sorting them gives the page order without touching the objects, and only the page's
// objects are read.
func pageItems(indexer cache.Indexer, namespace string, selector labels.Selector, fieldSel fields.Selector, after string, limit int64) ([]runtime.Object, string) {
	var keys []string
	if namespace != "" {
		keys, _ = indexer.IndexKeys(cache.NamespaceIndex, namespace)
	} else {
		keys = indexer.ListKeys()
	}
	sort.Strings(keys)
	i := 0
	if after != "" {
		i = sort.SearchStrings(keys, after)
		if i < len(keys) && keys[i] == after {
			i++
		}
	}
	var items []runtime.Object
	next, lastKey := "", ""
	for ; i < len(keys); i++ {
		o, exists, _ := indexer.GetByKey(keys[i])
		obj, ok := o.(runtime.Object)
		if !exists || !ok {
			continue
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			continue
		}
		if !selector.Matches(labels.Set(m.GetLabels())) {
			continue
		}
		if !fieldSel.Empty() && !fieldSel.Matches(fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()}) {
			continue
		}
		if limit > 0 && int64(len(items)) == limit {
			next = lastKey
			break
		}
		items = append(items, obj)
		lastKey = keys[i]
	}
	return items, next
}

// tableRows makes l a Table of items: the columns come with the first row (or, for an
// empty page, from the kind's printer).
func (c *Cache) tableRows(l *memberList, out *objectWriter, gvk schema.GroupVersionKind, items []runtime.Object, includeObject string) error {
	l.Kind, l.APIVersion = "Table", metav1.SchemeGroupVersion.String()
	for i, obj := range items {
		cols, row, err := c.tableRow(out, obj, includeObject, i == 0)
		if err != nil {
			return err
		}
		if i == 0 {
			l.ColumnDefinitions = cols
		}
		l.Rows = append(l.Rows, row)
	}
	if len(items) == 0 {
		cols, err := c.emptyColumns(gvk)
		if err != nil {
			return err
		}
		l.ColumnDefinitions = cols
	}
	return nil
}

// objectWriter encodes cached objects as the view returns them: with apiVersion and
// kind, the cluster annotation and a view resourceVersion, without touching the shared
// cached object (a shallow copy gets the new metadata maps).
type objectWriter struct {
	cluster string
	gvk     schema.GroupVersionKind
}

// viewMeta returns a copy of obj's metadata fields the view changes.
func (w *objectWriter) viewMeta(m metav1.Object) (map[string]string, string) {
	ann := make(map[string]string, len(m.GetAnnotations())+1)
	for k, v := range m.GetAnnotations() {
		ann[k] = v
	}
	ann[searchv1alpha1.CachedFromClusterAnnotation] = w.cluster
	rv := ""
	if m.GetResourceVersion() != "" {
		rv = EncodeResourceVersion(map[string]string{w.cluster: m.GetResourceVersion()})
	}
	return ann, rv
}

// object encodes the whole object.
func (w *objectWriter) object(obj runtime.Object) (json.RawMessage, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("unexpected cached object %T", obj)
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	copied := cp.Interface().(runtime.Object)
	m, err := meta.Accessor(copied)
	if err != nil {
		return nil, err
	}
	ann, rv := w.viewMeta(m)
	m.SetAnnotations(ann)
	m.SetResourceVersion(rv)
	return typedJSON(copied, w.gvk)
}

func (c *Cache) kindOf(gvr schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	kind := knownKind(gvr)
	if kind == "" {
		return schema.GroupVersionKind{}, fmt.Errorf("no built-in kind for %s", gvr)
	}
	return gvr.GroupVersion().WithKind(kind), nil
}

// typedJSON encodes a typed object from an informer with its apiVersion and kind.
func typedJSON(obj runtime.Object, gvk schema.GroupVersionKind) (json.RawMessage, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	head := `{"kind":` + strconv.Quote(gvk.Kind) + `,"apiVersion":` + strconv.Quote(gvk.GroupVersion().String())
	if len(raw) > 2 {
		head += ","
	}
	return append([]byte(head), raw[1:]...), nil
}

// tableRow prints one object with kube's own printers, as the member's apiserver would,
// with the view's CLUSTER and ADOPTION cells already in place.
func (c *Cache) tableRow(w *objectWriter, obj runtime.Object, includeObject string, withColumns bool) ([]json.RawMessage, json.RawMessage, error) {
	gvk := w.gvk
	internal, err := legacyscheme.Scheme.New(schema.GroupVersionKind{Group: gvk.Group, Version: runtime.APIVersionInternal, Kind: gvk.Kind})
	if err != nil {
		return nil, nil, err
	}
	// Convert reads obj without copying it first (ConvertToVersion would deep-copy every
	// object of every page); the internal object is only printed.
	if err := legacyscheme.Scheme.Convert(obj, internal, nil); err != nil {
		return nil, nil, err
	}
	t, err := c.printer.GenerateTable(internal, printers.GenerateOptions{Wide: true})
	if err != nil {
		return nil, nil, err
	}
	if len(t.Rows) != 1 {
		return nil, nil, fmt.Errorf("printer gave %d rows", len(t.Rows))
	}
	var cols []json.RawMessage
	if withColumns {
		for _, cd := range t.ColumnDefinitions {
			raw, _ := json.Marshal(cd)
			cols = append(cols, raw)
		}
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	printed := t.Rows[0].Cells
	cells := make([]interface{}, 0, len(printed)+2)
	if len(printed) > 0 {
		cells = append(cells, printed[0])
	}
	cells = append(cells, w.cluster)
	if len(printed) > 1 {
		cells = append(cells, printed[1:]...)
	}
	if m.GetLabels()[managedLabel] == "true" {
		cells = append(cells, "Y")
	} else {
		cells = append(cells, "N")
	}
	row := struct {
		Cells      []interface{}              `json:"cells"`
		Conditions []metav1.TableRowCondition `json:"conditions,omitempty"`
		Object     json.RawMessage            `json:"object,omitempty"`
	}{Cells: cells, Conditions: t.Rows[0].Conditions}
	switch includeObject {
	case "None":
	case "Object":
		row.Object, err = w.object(obj)
	default:
		ann, rv := w.viewMeta(m)
		pom := metav1.PartialObjectMetadata{
			TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"},
			ObjectMeta: metav1.ObjectMeta{
				Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
				ResourceVersion: rv, Generation: m.GetGeneration(), CreationTimestamp: m.GetCreationTimestamp(),
				DeletionTimestamp: m.GetDeletionTimestamp(), DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(),
				Labels: m.GetLabels(), Annotations: ann, OwnerReferences: m.GetOwnerReferences(), Finalizers: m.GetFinalizers(),
			},
		}
		row.Object, err = json.Marshal(pom)
	}
	if err != nil {
		return nil, nil, err
	}
	out, err := json.Marshal(row)
	return cols, out, err
}

// emptyColumns are the columns of a kind's table when no object is listed.
func (c *Cache) emptyColumns(gvk schema.GroupVersionKind) ([]json.RawMessage, error) {
	internalList, err := legacyscheme.Scheme.New(schema.GroupVersionKind{Group: gvk.Group, Version: runtime.APIVersionInternal, Kind: gvk.Kind + "List"})
	if err != nil {
		return nil, err
	}
	t, err := c.printer.GenerateTable(internalList, printers.GenerateOptions{Wide: true})
	if err != nil {
		return nil, err
	}
	cols := make([]json.RawMessage, len(t.ColumnDefinitions))
	for i, cd := range t.ColumnDefinitions {
		cols[i], _ = json.Marshal(cd)
	}
	return cols, nil
}
