// Package descheduler is Karmada's karmada-descheduler, embedded and switched on with
// `kubectl karmada addons enable karmada-descheduler`: every interval it finds replicas that a
// member cannot run (its pods stay Unschedulable longer than a threshold), takes them out of
// that member's assignment in the binding, and lets the scheduler place them elsewhere.
//
// Only bindings whose replicas are divided by capacity (Aggregated, or dynamicWeight) are
// touched: with static weights the scheduler would put the replicas straight back. The move
// is only as good as the estimates: with the karmada-scheduler-estimator addon on, the
// scheduler sees the member is full node by node and places the replicas elsewhere.
package descheduler

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
)

// Defaults of --descheduling-interval and --unschedulable-threshold, as in Karmada.
const (
	DefaultInterval               = 2 * time.Minute
	DefaultUnschedulableThreshold = 5 * time.Minute
)

// Event reasons on the binding and its template, as Karmada records them.
const (
	ReasonDescheduleSucceed = "DescheduleBindingSucceed"
	ReasonDescheduleFailed  = "DescheduleBindingFailed"
)

// Controller is the descheduler.
type Controller struct {
	c        *controllers.Context
	addons   *addons.State
	recorder record.EventRecorder
	store    *binding.Accessor
	kick     chan struct{}

	// Interval is how often bindings are examined while the addon is enabled.
	Interval time.Duration
	// UnschedulableThreshold is how long a pod must have been Unschedulable before its replica
	// is moved: long enough for the member's autoscaler or a returning node to help.
	UnschedulableThreshold time.Duration
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// New builds the descheduler; Start runs it.
func New(ctx context.Context, c *controllers.Context) *Controller {
	return &Controller{
		c:                      c,
		addons:                 addons.Shared(ctx, c.ControlPlaneClient, c.EventRecorder),
		recorder:               c.EventRecorder("karmada-descheduler"),
		store:                  binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		kick:                   make(chan struct{}, 1),
		Interval:               orDefault(c.Options.DeschedulingInterval, DefaultInterval),
		UnschedulableThreshold: orDefault(c.Options.UnschedulableThreshold, DefaultUnschedulableThreshold),
		Now:                    time.Now,
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Start runs the descheduler until ctx ends. It idles while the addon is disabled and runs a
// round at once when the addon is switched on.
func Start(ctx context.Context, c *controllers.Context) error {
	d := New(ctx, c)
	d.addons.OnChange(func(name string, enabled bool) {
		if name == addons.Descheduler && enabled {
			select {
			case d.kick <- struct{}{}:
			default:
			}
		}
	})
	go d.Run(ctx)
	return nil
}

// Run examines the bindings every Interval (and when the addon is switched on) while the addon
// is enabled.
func (d *Controller) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), d.store.HasSynced, d.addons.HasSynced) {
		return
	}
	ticker := time.NewTicker(d.Interval)
	defer ticker.Stop()
	for {
		if d.addons.Enabled(addons.Descheduler) {
			d.RunOnce(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-d.kick:
		}
	}
}

// RunOnce examines every eligible binding once.
func (d *Controller) RunOnce(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("descheduler")
	rbs, err := d.store.ListResourceBindings("", labels.Everything())
	if err != nil {
		logger.Error(err, "Listing bindings failed")
		return
	}
	for _, b := range rbs {
		if ctx.Err() != nil {
			return
		}
		if ok, why := Eligible(b); !ok {
			logger.V(5).Info("Skipping binding", "binding", klog.KObj(b), "reason", why)
			continue
		}
		d.deschedule(klog.NewContext(ctx, logger.WithValues("binding", klog.KObj(b))), b)
	}
}
