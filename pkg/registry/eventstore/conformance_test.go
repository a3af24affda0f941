package eventstore

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
)

// TestConformance runs k8s.io/apiserver's storage test suite (the one the etcd3 store
// and the watch cache pass) against the in-memory store, for every test whose subject
// this store supports: no compaction hooks, transformers, historical (exact) lists or
// progress notifications.
func TestConformance(t *testing.T) {
	noKeyCheck := func(context.Context, *testing.T, string) {}
	noCallsCheck := func(*testing.T, uint64, uint64) {}
	tests := map[string]func(ctx context.Context, t *testing.T, s storage.Interface){
		"Create": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestCreate(ctx, t, s, noKeyCheck)
		},
		"CreateWithTTL":  storagetesting.RunTestCreateWithTTL,
		"CreateKeyExist": storagetesting.RunTestCreateWithKeyExist,
		"Get":            storagetesting.RunTestGet,
		"KeySchema":      storagetesting.RunTestKeySchema,

		"UnconditionalDelete":                  storagetesting.RunTestUnconditionalDelete,
		"ConditionalDelete":                    storagetesting.RunTestConditionalDelete,
		"DeleteWithSuggestion":                 storagetesting.RunTestDeleteWithSuggestion,
		"DeleteWithSuggestionAndConflict":      storagetesting.RunTestDeleteWithSuggestionAndConflict,
		"DeleteWithSuggestionOfDeletedObject":  storagetesting.RunTestDeleteWithSuggestionOfDeletedObject,
		"ValidateDeletionWithSuggestion":       storagetesting.RunTestValidateDeletionWithSuggestion,
		"ValidateDeletionWithOnlySuggestion":   storagetesting.RunTestValidateDeletionWithOnlySuggestionValid,
		"DeleteWithConflict":                   storagetesting.RunTestDeleteWithConflict,
		"PreconditionalDeleteWithSuggestion":   storagetesting.RunTestPreconditionalDeleteWithSuggestion,
		"PreconditionalDeleteOnlySuggestionOK": storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass,

		"GuaranteedUpdateWithTTL":                storagetesting.RunTestGuaranteedUpdateWithTTL,
		"GuaranteedUpdateWithConflict":           storagetesting.RunTestGuaranteedUpdateWithConflict,
		"GuaranteedUpdateWithSuggestionConflict": storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict,

		"ListPaging":             storagetesting.RunTestListPaging,
		"GetListRecursivePrefix": storagetesting.RunTestGetListRecursivePrefix,
		"ListContinuation": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestListContinuation(ctx, t, s, noCallsCheck)
		},
		"ListPaginationRareObject": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestListPaginationRareObject(ctx, t, s, noCallsCheck)
		},
		"ListContinuationWithFilter": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestListContinuationWithFilter(ctx, t, s, noCallsCheck)
		},
		"NamespaceScopedList": storagetesting.RunTestNamespaceScopedList,
		"GetListNonRecursive": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestGetListNonRecursive(ctx, t, increaseRV(s.(*Store)), s)
		},
		"ListInconsistentContinuation": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestListInconsistentContinuation(ctx, t, s, compaction(s.(*Store)))
		},
		"ConsistentList": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestConsistentList(ctx, t, s, increaseRV(s.(*Store)), false, true, false)
		},
		"WatchFromZero": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestWatchFromZero(ctx, t, s, compaction(s.(*Store)))
		},

		"Watch":                          storagetesting.RunTestWatch,
		"ClusterScopedWatch":             storagetesting.RunTestClusterScopedWatch,
		"NamespaceScopedWatch":           storagetesting.RunTestNamespaceScopedWatch,
		"DeleteTriggerWatch":             storagetesting.RunTestDeleteTriggerWatch,
		"WatchFromNonZero":               storagetesting.RunTestWatchFromNonZero,
		"DelayedWatchDelivery":           storagetesting.RunTestDelayedWatchDelivery,
		"WatchContextCancel":             storagetesting.RunTestWatchContextCancel,
		"WatcherTimeout":                 storagetesting.RunTestWatcherTimeout,
		"WatchDeleteEventObjectLatestRV": storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV,
		"WatchInitializationSignal":      storagetesting.RunTestWatchInitializationSignal,
		"WatchDispatchNoBookmarks": func(ctx context.Context, t *testing.T, s storage.Interface) {
			storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, s, false)
		},
		"SendInitialEventsBackwardCompat": storagetesting.RunSendInitialEventsBackwardCompatibility,
		"WatchSemantics":                  storagetesting.RunWatchSemantics,
		"WatchSemanticInitialEventsExt":   storagetesting.RunWatchSemanticInitialEventsExtended,
		"WatchListMatchSingle":            storagetesting.RunWatchListMatchSingle,
	}
	for name, run := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel) // after the suite's parallel subtests, unlike a defer
			// A fresh etcd is at revision 1, and the suite watches from there.
			s := New(Options{NewFunc: func() runtime.Object { return &example.Pod{} }, ResourcePrefix: "/pods/", startRV: 1})
			go s.Run(ctx)
			run(ctx, t, s)
		})
	}
}

// increaseRV is a write the store's lists and watches do not see, as the suite's etcd
// helper writes a key outside the resource prefix.
func increaseRV(s *Store) storagetesting.IncreaseRVFunc {
	return func(context.Context, *testing.T) int64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return int64(s.nextRVLocked())
	}
}

// compaction forgets the changes up to a version, as an etcd compaction does.
func compaction(s *Store) storagetesting.Compaction {
	return func(_ context.Context, t *testing.T, resourceVersion string) {
		rv, err := s.versioner.ParseResourceVersion(resourceVersion)
		if err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var kept []*change
		n := len(s.history)
		for i := 0; i < n; i++ {
			if c := s.history[(s.historyStart+i)%n]; c.rv > rv {
				kept = append(kept, c)
			}
		}
		s.history, s.historyStart = kept, 0
		s.compactedRV = max(s.compactedRV, rv)
	}
}
