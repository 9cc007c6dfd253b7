package sync_test

import (
	"context"
	"fmt"
	"net/http"
	gosync "sync"
	"testing"
	"time"

	"vitals/providers"
	"vitals/providers/omron"
	"vitals/sandbox"
	"vitals/store"
	"vitals/store/storetest"
	"vitals/sync"
)

// hubs runs one engine per name on its own connection to the database at
// loc, as separate `vitals serve` processes would, and records every
// event each publishes.
type hubs struct {
	names   []string
	engines []*sync.Engine
	dbs     []*store.DB

	mu     gosync.Mutex
	events map[string][]sync.Event // by hub
}

func startHubs(t *testing.T, ctx context.Context, loc string, sb *sandbox.Sandbox, opt sync.Options, names ...string) (*hubs, func()) {
	t.Helper()
	h := &hubs{names: names, events: map[string][]sync.Event{}}
	cfg := sb.Config("")
	ctx, cancel := context.WithCancel(ctx)
	var wg gosync.WaitGroup
	for _, name := range names {
		db, err := store.Open(context.Background(), loc, store.Options{SealKey: testSealKey})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		o := opt
		o.Hub = name
		e := sync.New(db, sourcesFor(cfg, db, &http.Client{Timeout: 10 * time.Second}, 0), o)
		events, unsubscribe := e.Subscribe()
		wg.Go(func() {
			for ev := range events {
				h.mu.Lock()
				h.events[name] = append(h.events[name], ev)
				h.mu.Unlock()
			}
		})
		wg.Go(func() {
			defer unsubscribe()
			if err := e.Run(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
		h.engines, h.dbs = append(h.engines, e), append(h.dbs, db)
	}
	return h, func() { cancel(); wg.Wait() }
}

// count returns, per hub, the events of kind with trigger t.
func (h *hubs) count(kind sync.EventKind, t sync.Trigger, account int64) map[string]int {
	return h.countIf(func(ev sync.Event) bool {
		return ev.Kind == kind && ev.Trigger == t && (account == 0 || ev.AccountID == account)
	})
}

// countIf returns, per hub, the events that match.
func (h *hubs) countIf(match func(sync.Event) bool) map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for name, evs := range h.events {
		for _, ev := range evs {
			if match(ev) {
				out[name]++
			}
		}
	}
	return out
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// waitFor polls cond until it holds or the time runs out.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHubsShareAccounts: three hubs on one database sync each of 24
// accounts once, between them, each taking some; none fetches an account
// another is fetching. A notification reaching a hub while a hub that
// died holds the account is handed over, claimed once the dead hub's
// lease has run out (a takeover), and fetched once across the hubs. The
// hubs hand their leases back when they stop.
func TestHubsShareAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		sb := startSandbox(t, sandbox.Options{Seed: 3, Patients: 24, HistoryDays: 7, Latency: 50 * time.Millisecond})
		loc := storetest.Location(t, backend)
		db, err := store.Open(ctx, loc, store.Options{SealKey: testSealKey})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cfg := sb.Config("")
		var accts []store.Account
		for i, p := range sb.Omron.Patients() {
			accts = append(accts, linkOmron(t, db, cfg.Omron, fmt.Sprintf("p-%02d", i), p))
		}

		const ttl = time.Second
		opt := sync.Options{Concurrency: 2, LeaseTTL: ttl, RequestPoll: 50 * time.Millisecond, Settle: 10 * time.Millisecond, NotifyGap: -1}
		h, stop := startHubs(t, ctx, loc, sb, opt, "hub-a", "hub-b", "hub-c")
		stopped := false
		defer func() {
			if !stopped {
				stop()
			}
		}()
		synced := func() bool {
			list, err := db.Accounts(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if a.LastSuccessAt.IsZero() {
					return false
				}
			}
			return true
		}
		waitFor(t, 30*time.Second, "every account synced", synced)
		// A worker that found another hub's lease looks again once it runs
		// out: give the hubs that long to (not) sync again.
		time.Sleep(ttl + 200*time.Millisecond)

		for _, a := range accts {
			if n := h.count(sync.Finished, sync.Scheduled, a.ID); sum(n) != 1 {
				t.Errorf("account %d synced %d times (%v); want once", a.ID, sum(n), n)
			}
		}
		per := h.count(sync.Finished, sync.Scheduled, 0)
		for _, name := range h.names {
			if per[name] == 0 {
				t.Errorf("%s synced no account (%v): the first hub took them all", name, per)
			}
		}
		t.Logf("rounds per hub: %v", per)

		// A hub that died holds the first account; a notification for it
		// reaches hub-b.
		target := accts[0]
		if _, err := db.AcquireLease(ctx, target.ID, "hub-dead", ttl); err != nil {
			t.Fatal(err)
		}
		dead := time.Now()
		n, err := h.engines[1].Notify(ctx, store.ProviderOmron, target.ExternalID, []providers.Stream{providers.Stream(omron.BloodPressure)}, time.Now().AddDate(0, 0, -1))
		if err != nil || n != 1 {
			t.Fatalf("notify = %d, %v", n, err)
		}
		// The round that serves it may be a hub's scheduled look at the
		// account, which takes the request in: it carries the
		// notification's time.
		notified := func(ev sync.Event) bool {
			return ev.Kind == sync.Finished && ev.AccountID == target.ID && !ev.Notified.IsZero()
		}
		waitFor(t, 10*time.Second, "the notified round", func() bool { return sum(h.countIf(notified)) == 1 })
		if since := time.Since(dead); since < ttl {
			t.Errorf("the account was fetched %s after the dead hub took its lease, before the lease ran out", since)
		}
		time.Sleep(300 * time.Millisecond) // six polls: time for a second fetch, if one were coming
		if n := h.countIf(func(ev sync.Event) bool { return ev.Kind == sync.Started && ev.AccountID == target.ID }); sum(n) != 2 {
			t.Errorf("the account's rounds: %d (%v); want two, the first sync and the notification's", sum(n), n)
		}
		if n := h.countIf(func(ev sync.Event) bool { return ev.Kind == sync.TookOver && ev.TakenFrom == "hub-dead" }); sum(n) != 1 {
			t.Errorf("takeovers %v; want one, from hub-dead", n)
		}

		stop()
		stopped = true
		if o := sb.Overlaps(); o.Total != 0 {
			t.Errorf("accounts fetched by two hubs at once: %+v", o)
		}
		if r := sb.RefreshReuses(); r.Total != 0 {
			t.Errorf("refresh tokens used twice: %+v", r)
		}
		leases, err := db.Leases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			if l.Holder != "" {
				t.Errorf("account %d still held by %s after the hubs stopped", l.AccountID, l.Holder)
			}
		}
	})
}
