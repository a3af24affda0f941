package addons

import (
	"context"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// EventComponent is the source of the Events recorded on the ConfigMap.
const EventComponent = "addons-controller"

// State is the running control plane's view of the addons ConfigMap. Controllers ask Enabled
// whenever they decide something and register OnChange to react at once.
type State struct {
	logger   klog.Logger
	recorder record.EventRecorder
	informer cache.SharedIndexInformer

	mu        sync.RWMutex
	enabled   map[string]bool
	invalid   []string
	reg       cache.ResourceEventHandlerRegistration
	listeners []func(name string, enabled bool)
}

var shared sync.Map // kubernetes.Interface → *State

// Shared returns the State of the control plane that client talks to, starting its watch on
// the first call: the scheduler and the descheduler start in any order and share one watch
// (and one Event per change), while several control planes in one process (tests) each get
// their own. The watch runs until ctx ends.
func Shared(ctx context.Context, client kubernetes.Interface, recorder func(component string) record.EventRecorder) *State {
	if s, ok := shared.Load(client); ok {
		return s.(*State)
	}
	s := NewState(client, recorder(EventComponent), klog.FromContext(ctx).WithName("addons"))
	if actual, loaded := shared.LoadOrStore(client, s); loaded {
		return actual.(*State)
	}
	go func() {
		<-ctx.Done()
		shared.Delete(client)
	}()
	s.Run(ctx)
	return s
}

// NewState returns a State watching the addons ConfigMap through client; call Run to start it.
func NewState(client kubernetes.Interface, recorder record.EventRecorder, logger klog.Logger) *State {
	// Only the one ConfigMap is watched, not every ConfigMap of the control plane.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", ConfigMapName).String()
		}))
	s := &State{
		logger:   logger,
		recorder: recorder,
		informer: factory.Core().V1().ConfigMaps().Informer(),
		enabled:  map[string]bool{},
	}
	reg, _ := s.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { s.apply(configMap(obj)) },
		UpdateFunc: func(_, obj interface{}) { s.apply(configMap(obj)) },
		DeleteFunc: func(interface{}) { s.apply(nil) },
	})
	s.mu.Lock()
	s.reg = reg
	s.mu.Unlock()
	return s
}

// Run starts the watch; it returns at once.
func (s *State) Run(ctx context.Context) {
	go s.informer.Run(ctx.Done())
}

func configMap(obj interface{}) *corev1.ConfigMap {
	if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == ConfigMapName {
		return cm
	}
	return nil
}

// HasSynced tells whether the ConfigMap has been read once. Controllers wait for it so that a
// restarted control plane never acts with an addon off that is in fact on.
func (s *State) HasSynced() bool {
	s.mu.RLock()
	reg := s.reg
	s.mu.RUnlock()
	return reg != nil && reg.HasSynced()
}

// Enabled tells whether the addon name is on.
func (s *State) Enabled(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.enabled[name]
}

// OnChange registers fn to be called (from the watch's goroutine, so it must not block) with
// every addon that is switched on or off after the initial read.
func (s *State) OnChange(fn func(name string, enabled bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, fn)
}

// apply takes a new version of the ConfigMap (nil: deleted), logs what changed, records an
// Event on the ConfigMap and tells the listeners.
func (s *State) apply(cm *corev1.ConfigMap) {
	var data map[string]string
	if cm != nil {
		data = cm.Data
	}
	next, invalid := Parse(data)
	s.mu.Lock()
	prev, prevInvalid := s.enabled, s.invalid
	s.enabled, s.invalid = next, invalid
	initial := s.reg == nil || !s.reg.HasSynced()
	listeners := append([]func(string, bool){}, s.listeners...)
	s.mu.Unlock()

	if !slices.Equal(invalid, prevInvalid) {
		for _, name := range invalid {
			msg := fmt.Sprintf("%s: value %q is neither %q nor %q; the addon stays disabled. Fix it with `kubectl karmada addons enable|disable %s`.",
				name, data[name], Enabled, Disabled, name)
			s.logger.Info("Invalid addon value in ConfigMap "+Namespace+"/"+ConfigMapName, "addon", name, "value", data[name])
			if cm != nil && !initial {
				s.recorder.Event(cm, corev1.EventTypeWarning, ReasonInvalidValue, msg)
			}
		}
	}
	for _, name := range Names() {
		was, is := prev[name], next[name]
		if initial {
			if is {
				s.logger.Info("Addon enabled", "addon", name, "configMap", Namespace+"/"+ConfigMapName)
			}
			continue
		}
		if was == is {
			continue
		}
		reason, verb := ReasonAddonDisabled, "disabled"
		if is {
			reason, verb = ReasonAddonEnabled, "enabled"
		}
		s.logger.Info("Addon "+verb, "addon", name, "configMap", Namespace+"/"+ConfigMapName)
		if cm != nil {
			msg := fmt.Sprintf("%s %s", name, verb)
			if is {
				msg += ": " + Describe(name)
			}
			s.recorder.Event(cm, corev1.EventTypeNormal, reason, msg)
		}
		for _, fn := range listeners {
			fn(name, is)
		}
	}
}
