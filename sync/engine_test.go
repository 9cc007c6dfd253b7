package sync

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"testing/synctest"
	"time"

	"vitals/health"
	"vitals/providers"
	"vitals/store"
	"vitals/store/storetest"
)

func TestRunOnceStoresEveryPageWithItsCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		fake := newFake(10, map[providers.Stream]int{"a": 25, "b": 7})
		acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
		e := fx.engine(Options{})
		c := collect(e)

		out := e.RunOnce(ctx, []store.Account{acct})

		if err := out[0].Err; err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		if got := out[0].Totals(); got != (store.Counts{Added: 32}) || out[0].Pages != 4 {
			t.Errorf("outcome: %+v in %d pages, want 32 added in 4 pages", got, out[0].Pages)
		}
		var calls []string
		for _, f := range fake.fetches() {
			calls = append(calls, string(f.Stream)+"@"+f.Cursor)
		}
		if want := []string{"a@", "a@10", "a@20", "b@"}; !slices.Equal(calls, want) {
			t.Errorf("fetches %v, want %v", calls, want)
		}
		cursors, err := fx.db.Cursors(ctx, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		for stream, want := range map[string]string{"a": "25", "b": "7"} {
			if got := cursors[stream]; got != want {
				t.Errorf("cursor of %s = %q, want %q", stream, got, want)
			}
		}
		if n, err := fx.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID}); err != nil || n != 32 {
			t.Errorf("stored %d readings (%v), want 32", n, err)
		}
		got, _ := fx.db.Account(ctx, acct.ID)
		if got.LastSuccessAt.IsZero() || got.LastError != "" {
			t.Errorf("account after success: last success %v, last error %q", got.LastSuccessAt, got.LastError)
		}

		evs := c.stop()
		type step struct {
			kind   EventKind
			stream string
			added  int
			pages  int
		}
		var steps []step
		for _, ev := range evs {
			if ev.AccountID != acct.ID || ev.Trigger != Manual || ev.Provider != store.ProviderOneUp {
				t.Errorf("event %v carries account %d, trigger %v, provider %s", ev.Kind, ev.AccountID, ev.Trigger, ev.Provider)
			}
			steps = append(steps, step{ev.Kind, ev.Stream, ev.Added, ev.Pages})
		}
		want := []step{
			{Started, "", 0, 0},
			{PageStored, "a", 10, 1},
			{PageStored, "a", 10, 2},
			{PageStored, "a", 5, 3},
			{PageStored, "b", 7, 4},
			{Finished, "", 32, 4},
		}
		if !slices.Equal(steps, want) {
			t.Errorf("events:\n got %v\nwant %v", steps, want)
		}
	})
}

func TestSyncWithNothingNewMakesOneRequestPerStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		fake := newFake(10, map[providers.Stream]int{"a": 25, "b": 7})
		acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
		e := fx.engine(Options{})
		e.RunOnce(ctx, []store.Account{acct})
		before := len(fake.fetches())

		out := e.RunOnce(ctx, []store.Account{acct})
		if out[0].Err != nil || out[0].Totals() != (store.Counts{}) {
			t.Fatalf("second sync: %+v, %v; want nothing stored", out[0].Totals(), out[0].Err)
		}
		if got := fake.fetches()[before:]; len(got) != 2 || got[0].Cursor != "25" || got[1].Cursor != "7" {
			t.Errorf("second sync fetched %v, want one request per stream from its cursor", got)
		}

		fake.add("b", 3)
		before = len(fake.fetches())
		out = e.RunOnce(ctx, []store.Account{acct})
		if got := out[0].Totals(); got != (store.Counts{Added: 3}) {
			t.Errorf("third sync stored %+v, want the 3 new readings", got)
		}
		if n := len(fake.fetches()) - before; n != 2 {
			t.Errorf("third sync made %d requests, want 2", n)
		}
	})
}

// pagesOf lists the fetches an uninterrupted first sync makes.
func pagesOf(f *fakeSource) []fetchCall {
	var out []fetchCall
	for _, s := range f.Streams() {
		n := len(f.data[s])
		for from := 0; ; from += f.pageSize {
			c := ""
			if from > 0 {
				c = strconv.Itoa(from)
			}
			out = append(out, fetchCall{Stream: s, Cursor: c})
			if from+f.pageSize >= n {
				break
			}
		}
	}
	return out
}

func callsOf(cs []fetchCall) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Stream)+"@"+c.Cursor)
	}
	return out
}

// resumeFrom lists the fetches a sync makes after committed pages of a
// first sync: every stream from its stored cursor, at least one request
// each.
func resumeFrom(f *fakeSource, committed int) []fetchCall {
	pages := pagesOf(f)
	cursor := map[providers.Stream]int{}
	for _, p := range pages[:committed] {
		at, _ := strconv.Atoi(p.Cursor)
		cursor[p.Stream] = min(at+f.pageSize, len(f.data[p.Stream]))
	}
	var out []fetchCall
	for _, s := range f.Streams() {
		n := len(f.data[s])
		for from := cursor[s]; ; from += f.pageSize {
			c := ""
			if _, ok := cursor[s]; ok || from > 0 {
				c = strconv.Itoa(from)
			}
			out = append(out, fetchCall{Stream: s, Cursor: c})
			if from+f.pageSize >= n {
				break
			}
		}
	}
	return out
}

// TestInterruptedSyncResumesFromLastCommittedPage stops a sync before
// every page in turn, both gracefully (the page in flight is stored) and
// abruptly (it is lost, as when the process is killed), then syncs again
// with a fresh engine: the database must end exactly as after one
// uninterrupted sync, and the second sync must not fetch a committed page
// again.
func TestInterruptedSyncResumesFromLastCommittedPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sizes := map[providers.Stream]int{"a": 45, "b": 12}
		ref := openFixture(t, backend)
		refFake := newFake(10, sizes)
		refAcct := ref.fakeAccount(t, store.ProviderOneUp, "u1", refFake)
		if out := ref.engine(Options{}).RunOnce(context.Background(), []store.Account{refAcct}); out[0].Err != nil {
			t.Fatal(out[0].Err)
		}
		want := takeSnapshot(t, ref.db, ref.profile.ID)
		total := len(pagesOf(refFake))
		if total != 7 {
			t.Fatalf("fixture has %d pages, want 7", total)
		}

		for _, graceful := range []bool{true, false} {
			for k := 0; k < total; k++ {
				t.Run(fmt.Sprintf("graceful=%v/after%d", graceful, k), func(t *testing.T) {
					fx := openFixture(t, backend)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					first := newFake(10, sizes)
					acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", first)
					first.fault = func(fctx context.Context, n int, _ providers.Stream, _ string) error {
						if n != k+1 {
							return nil
						}
						cancel() // stop while page k+1 is being fetched
						if !graceful {
							<-fctx.Done() // the grace runs out: the page never arrives
							return providers.Temporary(fctx.Err())
						}
						return nil
					}
					grace := time.Hour
					if !graceful {
						grace = time.Millisecond
					}
					out := fx.engine(Options{ShutdownGrace: grace}).RunOnce(ctx, []store.Account{acct})
					committed := k
					if graceful {
						committed = k + 1
					}
					if committed == total { // the last page arrived: nothing was left to do
						if out[0].Err != nil {
							t.Fatalf("sync whose last page arrived after the stop ended with %v, want success", out[0].Err)
						}
					} else if !errors.Is(out[0].Err, ErrInterrupted) {
						t.Fatalf("interrupted sync ended with %v, want ErrInterrupted", out[0].Err)
					}
					if out[0].Pages != committed {
						t.Errorf("interrupted sync stored %d pages, want %d", out[0].Pages, committed)
					}
					if a, _ := fx.db.Account(context.Background(), acct.ID); a.LastError != "" {
						t.Errorf("an interruption was recorded as a failure: %q", a.LastError)
					}

					second := newFake(10, sizes)
					fx.serve(acct, second)
					out = fx.engine(Options{}).RunOnce(context.Background(), []store.Account{acct})
					if out[0].Err != nil {
						t.Fatalf("resumed sync: %v", out[0].Err)
					}
					if got, want := callsOf(second.fetches()), callsOf(resumeFrom(second, committed)); !slices.Equal(got, want) {
						t.Errorf("resumed sync fetched %v, want %v", got, want)
					}
					if got := takeSnapshot(t, fx.db, fx.profile.ID); !reflect.DeepEqual(got, want) {
						t.Errorf("database after resume differs from an uninterrupted sync (%d vs %d readings, cursors %v vs %v)",
							got.Batch.Len(), want.Batch.Len(), got.Cursors, want.Cursors)
					}
				})
			}
		}
	})
}

func TestTemporaryFailuresBackOffThenGiveUpForTheRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		sizes := map[providers.Stream]int{"a": 25, "b": 7}
		fake := newFake(10, sizes)
		acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
		down := &providers.StatusError{Op: "fake: fetch", StatusCode: 503}
		fake.fault = func(_ context.Context, n int, _ providers.Stream, _ string) error {
			if n >= 2 { // the second page and every try after it
				return down
			}
			return nil
		}
		e := fx.engine(Options{Retry: fastRetry})
		c := collect(e)
		out := e.RunOnce(ctx, []store.Account{acct})
		evs := c.stop()

		if !errors.Is(out[0].Err, providers.ErrTemporary) || out[0].Pages != 1 {
			t.Fatalf("outcome: %d pages, %v; want 1 page then a temporary failure", out[0].Pages, out[0].Err)
		}
		if n := len(fake.fetches()); n != 1+fastRetry.Tries {
			t.Errorf("%d requests, want the first page and %d tries of the second (stream b is not tried while the provider fails)", n, fastRetry.Tries)
		}
		wantKinds := []EventKind{Started, PageStored, Waiting, Waiting, Waiting, Failed}
		if got := kinds(evs); !slices.Equal(got, wantKinds) {
			t.Errorf("events %v, want %v", got, wantKinds)
		}
		for _, ev := range evs {
			if ev.Kind == Waiting && (ev.RateLimited || ev.Stream != "a" || !errors.Is(ev.Err, providers.ErrTemporary) || ev.Until.Before(ev.At)) {
				t.Errorf("waiting event %+v: want a back-off on stream a", ev)
			}
		}
		a, _ := fx.db.Account(ctx, acct.ID)
		if !strings.Contains(a.LastError, "HTTP 503") || !a.LastSuccessAt.IsZero() {
			t.Errorf("account records last error %q, last success %v; want the 503 and no success", a.LastError, a.LastSuccessAt)
		}

		// The provider recovers: the next round ends with exactly what one
		// clean sync stores.
		fake.mu.Lock()
		fake.fault = nil
		fake.mu.Unlock()
		if out := e.RunOnce(ctx, []store.Account{acct}); out[0].Err != nil {
			t.Fatal(out[0].Err)
		}
		ref := openFixture(t, backend)
		refAcct := ref.fakeAccount(t, store.ProviderOneUp, "u1", newFake(10, sizes))
		ref.engine(Options{}).RunOnce(ctx, []store.Account{refAcct})
		if !reflect.DeepEqual(takeSnapshot(t, fx.db, fx.profile.ID), takeSnapshot(t, ref.db, ref.profile.ID)) {
			t.Error("after recovery the database differs from a clean sync")
		}
		if a, _ := fx.db.Account(ctx, acct.ID); a.LastError != "" {
			t.Errorf("last error %q survives a good round", a.LastError)
		}
	})
}

func TestRateLimitWaitsRetryAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			fx := openFixture(t, backend)
			fake := newFake(10, map[providers.Stream]int{"a": 5})
			fake.fault = func(_ context.Context, n int, _ providers.Stream, _ string) error {
				if n == 1 {
					return &providers.RateLimitError{Op: "fake: fetch", RetryAfter: 42 * time.Second}
				}
				return nil
			}
			acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
			e := fx.engine(Options{Retry: providers.DefaultRetry()})
			c := collect(e)
			out := e.RunOnce(ctx, []store.Account{acct})
			evs := c.stop()
			if out[0].Err != nil {
				t.Fatal(out[0].Err)
			}
			calls := fake.fetches()
			if len(calls) != 2 || calls[1].At.Sub(calls[0].At) != 42*time.Second {
				t.Fatalf("calls %v: want a second call exactly 42s after the first", calls)
			}
			i := slices.IndexFunc(evs, func(ev Event) bool { return ev.Kind == Waiting })
			if i < 0 || !evs[i].RateLimited || !evs[i].Until.Equal(calls[0].At.Add(42*time.Second)) || !errors.Is(evs[i].Err, providers.ErrRateLimited) {
				t.Errorf("waiting event %+v: want rate limited until %v", evs, calls[0].At.Add(42*time.Second))
			}
		})
	})
}

func TestRateLimitLongerThanPolicyEndsTheRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			fx := openFixture(t, backend)
			fake := newFake(10, map[providers.Stream]int{"a": 5, "b": 5})
			fake.fault = func(context.Context, int, providers.Stream, string) error {
				return &providers.RateLimitError{Op: "fake: fetch", RetryAfter: 2 * time.Hour}
			}
			acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
			e := fx.engine(Options{})
			start := time.Now()
			out := e.RunOnce(context.Background(), []store.Account{acct})
			if !errors.Is(out[0].Err, providers.ErrRateLimited) || len(fake.fetches()) != 1 || time.Since(start) != 0 {
				t.Errorf("outcome %v after %d requests and %v: want the rate limit at once, and stream b left alone", out[0].Err, len(fake.fetches()), time.Since(start))
			}
		})
	})
}

func TestRefusedStreamDoesNotStopTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		fake := newFake(10, map[providers.Stream]int{"a": 5, "b": 5})
		fake.fault = func(_ context.Context, _ int, s providers.Stream, _ string) error {
			if s == "a" {
				return &providers.StatusError{Op: "fake: fetch a", StatusCode: 400, Reason: "type not available in this region"}
			}
			return nil
		}
		acct := fx.fakeAccount(t, store.ProviderOmron, "u1", fake)
		e := fx.engine(Options{Retry: fastRetry})
		out := e.RunOnce(ctx, []store.Account{acct})
		if out[0].Err == nil || !strings.Contains(out[0].Err.Error(), "a: fake: fetch a: HTTP 400") {
			t.Errorf("error %v: want stream a's refusal", out[0].Err)
		}
		if out[0].Totals().Added != 5 || len(fake.fetches()) != 2 {
			t.Errorf("stored %+v in %d requests; want stream b's 5 readings, and no retry of a 400", out[0].Totals(), len(fake.fetches()))
		}
	})
}

func TestSourceThatCannotBeMadeFailsTheRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		acct := fx.account(t, store.ProviderOmron, "u1")
		e := New(fx.db, func(store.Account) (providers.Source, error) {
			return nil, errors.New("config: omron.client_id is not set")
		}, Options{})
		out := e.RunOnce(ctx, []store.Account{acct})
		if out[0].Err == nil || !strings.Contains(out[0].Err.Error(), "client_id is not set") {
			t.Errorf("outcome %v: want the factory's error", out[0].Err)
		}
		if a, _ := fx.db.Account(ctx, acct.ID); !strings.Contains(a.LastError, "client_id") {
			t.Errorf("last error %q: want the factory's error recorded", a.LastError)
		}
	})
}

// refusingFake is a source of five readings whose provider refuses the
// refresh token while *refused holds, as a dead grant's does.
func refusingFake(refused *bool) *fakeSource {
	f := newFake(10, map[providers.Stream]int{"a": 5})
	f.fault = func(context.Context, int, providers.Stream, string) error {
		if *refused {
			return fmt.Errorf("fake: refresh token: %w", providers.ErrNeedsRelink)
		}
		return nil
	}
	return f
}

// TestNeedsRelinkStopsOnlyThatAccount: a refused refresh token marks the
// account, publishes NeedsRelink and stops its worker, while the other
// account keeps its schedule; linking it again brings it back.
func TestNeedsRelinkStopsOnlyThatAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			refused := true
			deadFake := refusingFake(&refused)
			liveFake := newFake(10, map[providers.Stream]int{"a": 5})
			dead := fx.fakeAccount(t, store.ProviderOmron, "dead", deadFake)
			fx.fakeAccount(t, store.ProviderOneUp, "live", liveFake)
			e := fx.engine(Options{Interval: 30 * time.Minute, Retry: fastRetry})
			c := collect(e)
			done := make(chan error)
			go func() { done <- e.Run(ctx) }()
			synctest.Wait()

			a, _ := fx.db.Account(ctx, dead.ID)
			if a.State != store.StateNeedsRelink || !strings.Contains(a.LastError, "link it again") {
				t.Errorf("dead account: state %s, last error %q; want needs relinking", a.State, a.LastError)
			}
			evs := c.snapshot()
			if !slices.ContainsFunc(evs, func(ev Event) bool { return ev.Kind == NeedsRelink && ev.AccountID == dead.ID }) {
				t.Errorf("no NeedsRelink event for the dead account in %v", kinds(evs))
			}
			for _, s := range e.Status() {
				if s.Account.ID == dead.ID && (s.Worker || !s.NeedsRelink) {
					t.Errorf("dead account status %+v: want its worker stopped", s)
				}
			}
			if len(deadFake.fetches()) != 1 {
				t.Errorf("dead account fetched %d times, want 1 (a refused refresh is not retried)", len(deadFake.fetches()))
			}

			time.Sleep(95 * time.Minute) // three more scheduled rounds
			e.SyncNow(dead.ID)
			synctest.Wait()
			if n := len(liveFake.fetches()); n != 4 {
				t.Errorf("live account fetched %d times in 95 minutes, want 4 (one a round)", n)
			}
			if n := len(deadFake.fetches()); n != 1 {
				t.Errorf("dead account fetched %d times after being stopped, want none", n-1)
			}

			// Linking again returns the account to the active state.
			refused = false
			if _, err := fx.db.UpsertAccount(ctx, store.Account{ProfileID: fx.profile.ID, Provider: store.ProviderOmron, ExternalID: "dead"}); err != nil {
				t.Fatal(err)
			}
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if n, err := fx.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID, AccountID: dead.ID}); err != nil || n != 5 {
				t.Errorf("relinked account stored %d readings (%v), want 5", n, err)
			}
			if n := fx.srcs.made(dead.ID); n != 2 {
				t.Errorf("relinked account's source made %d times, want 2 (a fresh one after relinking)", n)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			c.stop()
		})
	})
}

// TestRelinkedAccountSyncsAtOnce: an account linked again after its
// credentials were refused syncs as soon as the engine sees it active,
// not a period after its failed round: the person has just linked it to
// see it work.
func TestRelinkedAccountSyncsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			refused := true
			fake := refusingFake(&refused)
			acct := fx.fakeAccount(t, store.ProviderOmron, "u", fake)
			e := fx.engine(Options{Interval: 30 * time.Minute, Retry: fastRetry})
			done := make(chan error)
			go func() { done <- e.Run(ctx) }()
			synctest.Wait()
			if n := len(fake.fetches()); n != 1 {
				t.Fatalf("%d fetches before relinking, want the one refused", n)
			}

			time.Sleep(2 * time.Minute)
			refused = false
			if _, err := fx.db.UpsertAccount(ctx, store.Account{ProfileID: fx.profile.ID, Provider: store.ProviderOmron, ExternalID: "u"}); err != nil {
				t.Fatal(err)
			}
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if n, err := fx.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID, AccountID: acct.ID}); err != nil || n != 5 {
				t.Errorf("relinked account stored %d readings (%v) at once, want 5", n, err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	})
}

func TestSlowSubscriberDoesNotBlockTheEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", newFake(1, map[providers.Stream]int{"a": 20}))
		e := fx.engine(Options{EventBuffer: 4})
		slow, unsub := e.Subscribe()
		defer unsub()

		finished := make(chan []Outcome)
		go func() { finished <- e.RunOnce(ctx, []store.Account{acct}) }()
		select {
		case out := <-finished:
			if out[0].Err != nil || out[0].Pages != 20 {
				t.Fatalf("outcome %+v", out[0])
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a subscriber that does not read blocked the engine")
		}

		var got []EventKind
		for range 4 {
			got = append(got, (<-slow).Kind)
		}
		if want := []EventKind{Started, PageStored, PageStored, PageStored}; !slices.Equal(got, want) {
			t.Errorf("slow subscriber's first events %v, want %v", got, want)
		}
		e.RunOnce(ctx, []store.Account{acct})
		// 22 events in the first round (started, 20 pages, finished): 4 fit.
		if ev := <-slow; ev.Kind != Started || ev.Dropped != 18 {
			t.Errorf("next event %v with %d dropped, want started with 18 dropped", ev.Kind, ev.Dropped)
		}
	})
}

// TestNotifications: a notified account is left alone by the schedule,
// fetches only the notified stream from the day before the notification
// (a burst of notifications makes one fetch), and is caught up daily.
func TestNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			omronFake := newFake(100, map[providers.Stream]int{"activity": 30, "bloodpressure": 30, "weight": 30})
			oneupFake := newFake(100, map[providers.Stream]int{"observations": 30})
			omron := fx.fakeAccount(t, store.ProviderOmron, "omron-user", omronFake)
			fx.fakeAccount(t, store.ProviderOneUp, "oneup-user", oneupFake)
			e := fx.engine(Options{Interval: 30 * time.Minute, Notifications: true, CatchUp: 24 * time.Hour, Settle: time.Second})
			c := collect(e)
			go e.Run(ctx)
			synctest.Wait()
			start := time.Now()
			if n := len(omronFake.fetches()); n != 3 {
				t.Fatalf("first round fetched %d omron pages, want 3 (one a stream)", n)
			}

			// One new reading, then a burst of notifications for it.
			omronFake.add("bloodpressure", 1)
			from := time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)
			for range 50 {
				if n, err := e.Notify(ctx, store.ProviderOmron, "omron-user", []providers.Stream{"bloodpressure"}, from); n != 1 || err != nil {
					t.Fatalf("Notify = %d, %v; want 1 account", n, err)
				}
			}
			before := len(c.snapshot())
			time.Sleep(2 * time.Second)
			synctest.Wait()
			calls := omronFake.fetches()[3:]
			// 2024-01-20 starts with reading 19 (07:30 that day).
			if got := callsOf(calls); !slices.Equal(got, []string{"bloodpressure@19"}) {
				t.Errorf("notifications fetched %v, want one request for bloodpressure from 2024-01-20", got)
			}
			evs := c.snapshot()[before:]
			if len(evs) != 3 || evs[0].Trigger != Notification || evs[2].Kind != Finished || evs[2].Added != 1 || evs[2].Unchanged != 11 {
				t.Errorf("notification round events %+v: want one round adding 1 and finding 11 unchanged", evs)
			}

			// Scheduled rounds skip the notified account...
			time.Sleep(start.Add(2*time.Hour + time.Minute).Sub(time.Now()))
			synctest.Wait()
			if n := len(omronFake.fetches()); n != 4 {
				t.Errorf("omron fetched %d times in two hours of schedule, want no scheduled fetch", n-4)
			}
			if n := len(oneupFake.fetches()); n != 5 {
				t.Errorf("1upHealth fetched %d times in two hours, want 5 (start and every 30 minutes)", n)
			}
			// ...until its daily catch-up.
			time.Sleep(start.Add(24*time.Hour + time.Minute).Sub(time.Now()))
			synctest.Wait()
			catchUp := omronFake.fetches()[4:]
			if got := callsOf(catchUp); !slices.Equal(got, []string{"activity@30", "bloodpressure@31", "weight@30"}) {
				t.Errorf("catch-up fetched %v, want every stream from its cursor", got)
			}
			last := c.snapshot()
			i := slices.IndexFunc(last, func(ev Event) bool {
				return ev.AccountID == omron.ID && ev.Trigger == CatchUp && ev.Kind == Started && ev.At.After(start)
			})
			if i < 0 {
				t.Error("no catch-up round started")
			}
			cancel()
			e.workers.Wait()
			c.stop()
		})
	})
}

func TestNotificationOfNeverSyncedStreamFetchesItsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fx := openFixture(t, backend)
			fake := newFake(100, map[providers.Stream]int{"bloodpressure": 30, "weight": 3})
			acct := fx.fakeAccount(t, store.ProviderOmron, "u", fake)
			// Synced a moment ago (by another run): no round at start.
			if err := fx.db.RecordSync(ctx, acct.ID, nil); err != nil {
				t.Fatal(err)
			}
			e := fx.engine(Options{Notifications: true})
			go e.Run(ctx)
			synctest.Wait()
			if n := len(fake.fetches()); n != 0 {
				t.Fatalf("%d fetches at start, want none: the account synced a moment ago", n)
			}
			if _, err := e.Notify(ctx, store.ProviderOmron, "u", nil, day0.AddDate(0, 0, 25)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Second)
			synctest.Wait()
			if got := callsOf(fake.fetches()); !slices.Equal(got, []string{"bloodpressure@", "weight@"}) {
				t.Errorf("fetched %v: a notification without a type fetches every stream, from the start when never synced", got)
			}
			cancel()
			e.workers.Wait()
		})
	})
}

func TestNotifyUnknownAndNewlyLinkedUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fx := openFixture(t, backend)
			e := fx.engine(Options{Notifications: true})
			go e.Run(ctx)
			synctest.Wait()
			if n, err := e.Notify(ctx, store.ProviderOmron, "stranger", []providers.Stream{"bloodpressure"}, day0); n != 0 || err != nil {
				t.Errorf("Notify(stranger) = %d, %v; want 0, nil", n, err)
			}
			// Linked by another process while the engine runs.
			fx.fakeAccount(t, store.ProviderOmron, "newcomer", newFake(100, map[providers.Stream]int{"bloodpressure": 3}))
			if n, err := e.Notify(ctx, store.ProviderOmron, "newcomer", []providers.Stream{"bloodpressure"}, day0); n != 1 || err != nil {
				t.Errorf("Notify(newcomer) = %d, %v; want 1", n, err)
			}
			time.Sleep(2 * time.Second)
			synctest.Wait()
			if n, _ := fx.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID}); n != 3 {
				t.Errorf("newly linked account stored %d readings, want 3", n)
			}
			cancel()
			e.workers.Wait()
		})
	})
}

func TestScheduleWithJitter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			fake := newFake(100, map[providers.Stream]int{"a": 1})
			fx.fakeAccount(t, store.ProviderOneUp, "u", fake)
			e := fx.engine(Options{Interval: 30 * time.Minute, Jitter: 3 * time.Minute})
			go e.Run(ctx)
			time.Sleep(10 * time.Hour)
			cancel()
			e.workers.Wait()
			calls := fake.fetches()
			if len(calls) < 10*60/33 || len(calls) > 10*60/30+1 {
				t.Errorf("%d rounds in 10 hours, want one every 30 to 33 minutes", len(calls))
			}
			spread := map[time.Duration]bool{}
			for i := 1; i < len(calls); i++ {
				gap := calls[i].At.Sub(calls[i-1].At)
				if gap < 30*time.Minute || gap >= 33*time.Minute {
					t.Errorf("round %d came %v after the one before, want 30m to 33m", i, gap)
				}
				spread[gap] = true
			}
			if len(spread) < 2 {
				t.Errorf("every gap is the same (%v): jitter is not applied", spread)
			}
		})
	})
}

func TestRestartDoesNotSyncAgainTooSoon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			fake := newFake(100, map[providers.Stream]int{"a": 1})
			acct := fx.fakeAccount(t, store.ProviderOneUp, "u", fake)
			if err := fx.db.RecordSync(ctx, acct.ID, nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Minute)
			e := fx.engine(Options{Interval: 30 * time.Minute})
			start := time.Now()
			go e.Run(ctx)
			synctest.Wait()
			if s := e.Status(); len(s) != 1 || !s[0].NextRun.Equal(start.Add(20*time.Minute)) {
				t.Errorf("status %+v: want the next round 20 minutes from now", s)
			}
			time.Sleep(21 * time.Minute)
			calls := fake.fetches()
			if len(calls) != 1 || calls[0].At.Sub(start) != 20*time.Minute {
				t.Errorf("calls %v: want one, 20 minutes after the start (30 after the last sync)", calls)
			}
			// A manual sync runs at once and restarts the schedule.
			e.SyncNow()
			synctest.Wait()
			if n := len(fake.fetches()); n != 2 {
				t.Errorf("SyncNow made %d requests, want 1", n-1)
			}
			cancel()
			e.workers.Wait()
		})
	})
}

func TestRunStopsWithContextAndReturnsAfterWorkers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			fake := newFake(1, map[providers.Stream]int{"a": 10})
			inFlight := make(chan struct{})
			fake.fault = func(ctx context.Context, n int, _ providers.Stream, _ string) error {
				if n == 3 {
					close(inFlight)
					time.Sleep(5 * time.Second) // a slow page, still arriving after the stop
				}
				return nil
			}
			fx.fakeAccount(t, store.ProviderOneUp, "u", fake)
			e := fx.engine(Options{})
			done := make(chan error)
			go func() { done <- e.Run(ctx) }()
			<-inFlight
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			if n, _ := fx.db.Count(context.Background(), health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID}); n != 3 {
				t.Errorf("%d readings stored, want 3: the page in flight is stored, no page starts after", n)
			}
			// A stopped engine may run again.
			ctx, cancel = context.WithCancel(context.Background())
			go func() { done <- e.Run(ctx) }()
			synctest.Wait()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("second Run: %v", err)
			}
			if n, _ := fx.db.Count(context.Background(), health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID}); n != 10 {
				t.Errorf("%d readings stored after the second run, want all 10", n)
			}
		})
	})
}

func TestAccountLinkedWhileRunningJoinsAtRescan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			e := fx.engine(Options{Rescan: time.Minute})
			go e.Run(ctx)
			synctest.Wait()
			// Linked by `vitals link` in another process.
			fake := newFake(100, map[providers.Stream]int{"a": 4})
			fx.fakeAccount(t, store.ProviderOneUp, "late", fake)
			time.Sleep(59 * time.Second)
			synctest.Wait()
			if n := len(fake.fetches()); n != 0 {
				t.Errorf("fetched %d times before the rescan", n)
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if n, _ := fx.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: fx.profile.ID}); n != 4 {
				t.Errorf("an account linked while the engine runs stored %d readings after the rescan, want 4", n)
			}
			cancel()
			e.workers.Wait()
		})
	})
}

func TestRunOnceLeavesAccountsThatMustBeLinkedAgainAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		fake := newFake(10, map[providers.Stream]int{"a": 5})
		fake.fault = func(context.Context, int, providers.Stream, string) error {
			return fmt.Errorf("fake: refresh: %w", providers.ErrNeedsRelink)
		}
		acct := fx.fakeAccount(t, store.ProviderOmron, "u", fake)
		e := fx.engine(Options{})
		// Two at once: the second waits for the first, which finds the
		// credentials refused; it must not ask again.
		var outs [2][]Outcome
		var wg gosync.WaitGroup
		for i := range outs {
			wg.Go(func() { outs[i] = e.RunOnce(ctx, []store.Account{acct}) })
		}
		wg.Wait()
		for _, out := range outs {
			if !out[0].NeedsRelink() || out[0].Account.State != store.StateNeedsRelink {
				t.Errorf("outcome %+v: want needs relinking", out[0])
			}
		}
		if n := len(fake.fetches()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		// A later sync, given the account as stored, asks nothing and says so.
		acct, _ = fx.db.Account(ctx, acct.ID)
		c := collect(e)
		out := e.RunOnce(ctx, []store.Account{acct})
		evs := c.stop()
		if !out[0].NeedsRelink() || len(fake.fetches()) != 1 {
			t.Errorf("outcome %v after %d requests: want needs relinking, no request", out[0].Err, len(fake.fetches()))
		}
		if len(evs) != 1 || evs[0].Kind != NeedsRelink {
			t.Errorf("events %v: want one NeedsRelink", kinds(evs))
		}
	})
}

// TestReloadWhileStoppingStartsNoWorker: a Reload that comes while Run
// waits for the page in flight (a notification naming a newly linked
// user, the dashboard linking an account) starts no worker: nothing joins
// the workers Run is waiting for, and nothing outlives Run.
func TestReloadWhileStoppingStartsNoWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			fake := newFake(1, map[providers.Stream]int{"a": 3})
			fake.fault = func(context.Context, int, providers.Stream, string) error {
				time.Sleep(5 * time.Second) // every page is slow
				return nil
			}
			fx.fakeAccount(t, store.ProviderOneUp, "slow", fake)
			// With notifications on, a worker makes its account's Source as
			// it starts: the factory's count shows whether one started.
			e := fx.engine(Options{Notifications: true})
			done := make(chan error)
			go func() { done <- e.Run(ctx) }()
			synctest.Wait() // the first page is on its way
			cancel()
			synctest.Wait() // Run waits for it

			late := fx.fakeAccount(t, store.ProviderOmron, "late", newFake(1, map[providers.Stream]int{"b": 1}))
			if err := e.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			if made := fx.srcs.made(late.ID); made != 0 {
				t.Errorf("a worker started for an account reloaded while Run was stopping (its Source made %d times)", made)
			}
			for _, s := range e.Status() {
				if s.Worker {
					t.Errorf("account %d still has a worker after Run returned", s.Account.ID)
				}
			}
		})
	})
}

// TestUnlinkedAccountIsNotFetched: a round asked for before its account
// was unlinked (a queued SyncNow, a notification) fetches nothing and
// publishes nothing, since no one is left to see the account.
func TestUnlinkedAccountIsNotFetched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		fx := openFixture(t, backend)
		fake := newFake(10, map[providers.Stream]int{"a": 5})
		acct := fx.fakeAccount(t, store.ProviderOneUp, "u", fake)
		e := fx.engine(Options{})
		if err := e.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		e.mu.Lock()
		a := e.accounts[acct.ID]
		e.mu.Unlock()
		if err := fx.db.RemoveAccount(ctx, acct.ID); err != nil {
			t.Fatal(err)
		}
		c := collect(e)
		out := e.round(ctx, a, request{trigger: Manual, full: true})
		evs := c.stop()
		if !errors.Is(out.Err, store.ErrNotFound) {
			t.Errorf("outcome error %v: want one that says the account is gone (store.ErrNotFound)", out.Err)
		}
		if n := len(fake.fetches()); n != 0 {
			t.Errorf("%d requests for an unlinked account, want none", n)
		}
		if len(evs) != 0 {
			t.Errorf("events %v for an unlinked account, want none", kinds(evs))
		}
	})
}

// TestSyncNowAfterReloadBeforeRun: the dashboard asks for a sync as it
// opens, before Run has loaded the accounts; after a Reload, the request
// waits for the worker, which runs it at once, however recent the last
// sync was.
func TestSyncNowAfterReloadBeforeRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			fx := openFixture(t, backend)
			fake := newFake(100, map[providers.Stream]int{"a": 1})
			acct := fx.fakeAccount(t, store.ProviderOneUp, "u", fake)
			if err := fx.db.RecordSync(ctx, acct.ID, nil); err != nil { // synced a moment ago
				t.Fatal(err)
			}
			e := fx.engine(Options{})
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			e.SyncNow()
			go e.Run(ctx)
			synctest.Wait()
			if n := len(fake.fetches()); n != 1 {
				t.Errorf("%d requests: want the requested round at once", n)
			}
			cancel()
			e.workers.Wait()
		})
	})
}
