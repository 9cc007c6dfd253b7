package sync_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"vitals/sandbox"
	"vitals/store"
	"vitals/store/storetest"
	"vitals/sync"
)

// BenchmarkHubs: rounds of caught-up Omron accounts (one request per
// stream, the minimum) against a sandbox that holds every request 50 ms,
// by one hub and by four on one database (PostgreSQL when
// VITALS_TEST_POSTGRES is set, else a SQLite file), each with the default
// concurrency. An operation is one round of each of 64 accounts, asked of
// the hubs in turn as a load balancer would spread them. Compare ns/op of
// hubs=1 and hubs=4: the throughput ratio.
func BenchmarkHubs(b *testing.B) {
	const accounts = 64
	backend := "sqlite"
	if os.Getenv(storetest.EnvPostgres) != "" {
		backend = "postgres"
	}
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("hubs=%d", n), func(b *testing.B) {
			ctx := context.Background()
			sb := startSandbox(b, sandbox.Options{Seed: 5, Patients: accounts, HistoryDays: 7, Latency: 50 * time.Millisecond})
			loc := storetest.Location(b, backend)
			db, err := store.Open(ctx, loc, store.Options{SealKey: testSealKey})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			cfg := sb.Config("")
			var accts []store.Account
			for i, p := range sb.Omron.Patients() {
				accts = append(accts, linkOmron(b, db, cfg.Omron, fmt.Sprintf("p-%02d", i), p))
			}
			// Caught up first: the operation's rounds find nothing new.
			first := sync.New(db, sourcesFor(cfg, db, &http.Client{Timeout: 10 * time.Second}, 0), sync.Options{Concurrency: 16})
			for _, out := range first.RunOnce(ctx, accts) {
				if out.Err != nil {
					b.Fatal(out.Err)
				}
			}

			runCtx, cancel := context.WithCancel(ctx)
			var wg gosync.WaitGroup
			var ended atomic.Int64
			var engines []*sync.Engine
			for i := range n {
				hdb, err := store.Open(ctx, loc, store.Options{SealKey: testSealKey})
				if err != nil {
					b.Fatal(err)
				}
				defer hdb.Close()
				e := sync.New(hdb, sourcesFor(cfg, hdb, &http.Client{Timeout: 10 * time.Second}, 0),
					sync.Options{Hub: fmt.Sprintf("hub-%d", i), Interval: 24 * time.Hour, RequestPoll: 100 * time.Millisecond})
				events, unsubscribe := e.Subscribe()
				wg.Go(func() {
					for ev := range events {
						if ev.Kind == sync.Finished || ev.Kind == sync.Failed {
							ended.Add(1)
						}
					}
				})
				wg.Go(func() {
					defer unsubscribe()
					e.Run(runCtx)
				})
				if err := e.Reload(ctx); err != nil {
					b.Fatal(err)
				}
				engines = append(engines, e)
			}
			defer func() { cancel(); wg.Wait() }()
			before := sb.Omron.Counts()["POST /api/measurement"]

			b.ResetTimer()
			for range b.N {
				ended.Store(0)
				for i, a := range accts {
					engines[i%n].SyncNow(a.ID)
				}
				for ended.Load() < accounts {
					time.Sleep(time.Millisecond)
				}
			}
			b.StopTimer()
			requests := sb.Omron.Counts()["POST /api/measurement"] - before
			b.ReportMetric(float64(requests)/float64(b.N*accounts), "requests/round")
			b.ReportMetric(float64(b.N*accounts)/b.Elapsed().Seconds(), "rounds/s")
		})
	}
}
