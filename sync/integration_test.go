package sync_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"vitals/providers"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
	"vitals/store/storetest"
	"vitals/sync"
)

// TestSyncUnderFaultsEndsLikeACleanSync: against servers (Omron and
// 1upHealth) that answer 20% of data requests with 429, 10% with 500 and
// hold 5% past the client's timeout, syncing again the accounts whose
// round gave up ends with exactly the database a fault-free sync of the
// same data stores.
func TestSyncUnderFaultsEndsLikeACleanSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		if testing.Short() {
			t.Skip("waits out the sandbox's one-second Retry-After")
		}
		ctx := context.Background()
		now := time.Now()
		clock := func() time.Time { return now } // both sandboxes make the same history
		faults, err := sandbox.ParseFaults("429:0.2,500:0.1,timeout:0.05")
		if err != nil {
			t.Fatal(err)
		}
		const pageSize = 250
		policy := providers.RetryPolicy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, Tries: 3, MaxRateWait: 5 * time.Second}

		// The reference: no faults.
		link := func(sb *sandbox.Sandbox, db *store.DB) []store.Account {
			cfg := sb.Config("")
			return []store.Account{
				linkOmron(t, db, cfg.Omron, "me", sb.Omron.Patients()[0]),
				linkOneUp(t, db, sb, cfg.OneUp, "me", oneupsim.Withings, oneupsim.EpicTestSite),
			}
		}
		clean := startSandbox(t, sandbox.Options{Seed: 11, Now: clock, OneUp: noDataDelay})
		cleanDB := openDB(t, backend)
		accts := link(clean, cleanDB)
		e := sync.New(cleanDB, sourcesFor(clean.Config(""), cleanDB, &http.Client{Timeout: 10 * time.Second}, pageSize), sync.Options{})
		for _, out := range e.RunOnce(ctx, accts) {
			if out.Err != nil {
				t.Fatal(out.Err)
			}
		}
		want := storetest.Dump(t, cleanDB)

		faulty := startSandbox(t, sandbox.Options{Seed: 11, Now: clock, Faults: faults,
			Omron: func(o *omronsim.Options) { o.SlowDelay = 2 * time.Second },
			OneUp: func(o *oneupsim.Options) { noDataDelay(o); o.Faults.Hang = 2 * time.Second },
		})
		db := openDB(t, backend)
		accts = link(faulty, db)
		hc := &http.Client{Timeout: 200 * time.Millisecond}
		e = sync.New(db, sourcesFor(faulty.Config(""), db, hc, pageSize), sync.Options{Retry: policy})
		pending, gaveUp := accts, 0
		for round := 1; len(pending) > 0; round++ {
			if round > 30 {
				t.Fatalf("still failing after 30 rounds")
			}
			var failed []store.Account
			for _, out := range e.RunOnce(ctx, pending) {
				if out.Err == nil {
					continue
				}
				if !errors.Is(out.Err, providers.ErrTemporary) && !errors.Is(out.Err, providers.ErrRateLimited) {
					t.Fatalf("round %d of %s failed for a reason retrying does not cure: %v", round, out.Account.Provider, out.Err)
				}
				if a, _ := db.Account(ctx, out.Account.ID); a.LastError == "" {
					t.Errorf("round %d of %s gave up without recording why", round, out.Account.Provider)
				}
				failed = append(failed, out.Account)
				gaveUp++
			}
			pending = failed
		}
		t.Logf("%d rounds gave up; %d data requests against %d without faults", gaveUp, dataRequests(faulty), dataRequests(clean))
		if got := storetest.Dump(t, db); got != want {
			t.Errorf("database after syncing under faults differs from a clean sync: %s", storetest.Diff(got, want))
		}

		// The cursors left behind are right: with the faults gone, the next
		// sync stores nothing new and asks once per stream.
		if err := faulty.Omron.SetFaults(nil); err != nil {
			t.Fatal(err)
		}
		if err := faulty.OneUp.SetFaults(oneupsim.Faults{}); err != nil {
			t.Fatal(err)
		}
		before := dataRequests(faulty)
		streams := 0
		for _, out := range e.RunOnce(ctx, accts) {
			if out.Err != nil || out.Totals().Added != 0 || out.Totals().Updated != 0 {
				t.Errorf("%s sync after recovery: %+v, %v; want nothing new", out.Account.Provider, out.Totals(), out.Err)
			}
			src, _ := sourcesFor(faulty.Config(""), db, hc, pageSize)(out.Account)
			streams += len(src.Streams())
		}
		if n := dataRequests(faulty) - before; n != streams {
			t.Errorf("sync after recovery made %d data requests, want %d (one per stream)", n, streams)
		}
	})
}

// dataRequests counts the requests a sandbox's data APIs answered: Omron's
// measurement endpoint and 1upHealth's FHIR searches.
func dataRequests(sb *sandbox.Sandbox) int {
	n := 0
	for k, v := range sb.Counts() {
		if strings.HasSuffix(k, "/api/measurement") || strings.Contains(k, " /oneup/r4/") {
			n += v
		}
	}
	return n
}
