package sync

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"vitals/providers"
	"vitals/store"
	"vitals/store/storetest"
)

// The tests of this file hold the engine to what a notification may cost:
// a rewind bounded by what a stream has read (Options.LookBack), bursts
// merged into one round and rounds at most one a NotifyGap, strangers
// that cost a counter.

// coveredFake is a fake whose cursors say how far they have read, as
// omron.Source's do: the day of the newest reading fetched.
type coveredFake struct{ *fakeSource }

func (c coveredFake) Covered(s providers.Stream, cursor string) (time.Time, bool) {
	n, err := strconv.Atoi(cursor)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	data := c.data[s]
	if len(data) == 0 {
		return time.Time{}, false
	}
	y, m, d := data[min(n, len(data))-1].Time.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
}

var _ providers.Coverage = coveredFake{}

// requested lists fetches as stream@cursor.
func requested(cs []fetchCall) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c.Stream)+"@"+c.Cursor)
	}
	return out
}

// TestRewindFromBounds: the look-back bound at its edges. The stream has
// read up to 30 January; with 48 hours of look-back nothing rewinds it
// before 28 January, and a later day is kept as asked.
func TestRewindFromBounds(t *testing.T) {
	covered := time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)
	floor := time.Date(2024, 1, 28, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		from     time.Time
		want     time.Time
		lookBack time.Duration
	}{
		{"a nanosecond before the floor", floor.Add(-time.Nanosecond), floor, DefaultLookBack},
		{"the floor", floor, floor, DefaultLookBack},
		{"a nanosecond after the floor", floor.Add(time.Nanosecond), floor.Add(time.Nanosecond), DefaultLookBack},
		{"the day before what was read", covered.AddDate(0, 0, -1), covered.AddDate(0, 0, -1), DefaultLookBack},
		{"what was read", covered, covered, DefaultLookBack},
		{"1970", time.Unix(1, 0), floor, DefaultLookBack},
		{"no time at all", time.Time{}, floor, DefaultLookBack},
		{"year 9999 (rewinds nothing)", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), DefaultLookBack},
		{"a week of look-back", time.Unix(1, 0), covered.AddDate(0, 0, -7), 7 * 24 * time.Hour},
	} {
		if got := rewindFrom(tc.from, covered, tc.lookBack); !got.Equal(tc.want) {
			t.Errorf("%s: rewindFrom(%s) = %s, want %s", tc.name, tc.from, got, tc.want)
		}
	}
	if o := (Options{}).withDefaults(); o.LookBack != 48*time.Hour || o.NotifyGap != 30*time.Second {
		t.Errorf("defaults: look-back %s, gap %s; want 48h and 30s", o.LookBack, o.NotifyGap)
	}
}

// TestNotificationRewindIsBounded: one caught-up stream of 30 daily
// readings (1 to 30 January 2024), notified from various days, through
// the engine. Reading i is on 1 January + i days, so the fetch's cursor
// says which day the stream was moved back to. Without Coverage (the
// plain fake) a notification from 1970 walks the whole stream again.
func TestNotificationRewindIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		for _, tc := range []struct {
			name    string
			from    time.Time
			covered bool
			want    string
		}{
			{"1970", time.Unix(1, 0).UTC(), true, "bloodpressure@27"},
			{"a week before", day0.AddDate(0, 0, 22), true, "bloodpressure@27"},
			{"the floor: 48 h before 30 January", time.Date(2024, 1, 28, 0, 0, 0, 0, time.UTC), true, "bloodpressure@27"},
			{"a day after the floor", time.Date(2024, 1, 29, 0, 0, 0, 0, time.UTC), true, "bloodpressure@28"},
			{"year 9999: a caught-up fetch", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), true, "bloodpressure@30"},
			{"1970 without Coverage", time.Unix(1, 0).UTC(), false, "bloodpressure@0"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					fx := openFixture(t, backend)
					acct := fx.account(t, store.ProviderOmron, "u")
					fake := newFake(100, map[providers.Stream]int{"bloodpressure": 30})
					var src providers.Source = fake
					if tc.covered {
						src = coveredFake{fake}
					}
					fx.serveSource(acct, src)
					e := fx.engine(Options{Notifications: true})
					if out := e.RunOnce(ctx, []store.Account{acct}); out[0].Err != nil {
						t.Fatal(out[0].Err)
					}
					go e.Run(ctx)
					synctest.Wait()
					if _, err := e.Notify(ctx, store.ProviderOmron, "u", []providers.Stream{"bloodpressure"}, tc.from); err != nil {
						t.Fatal(err)
					}
					time.Sleep(2 * time.Second)
					synctest.Wait()
					if got := requested(fake.fetches()[1:]); !slices.Equal(got, []string{tc.want}) {
						t.Errorf("fetched %v, want [%s]", got, tc.want)
					}
					cancel()
					e.workers.Wait()
				})
			})
		}
	})
}

// TestNotificationFloodMakesOneRoundPerGap: 12 notifications a second
// for 10 seconds, each from 1970 and for every stream or a single one,
// make one round at the end of the settle window (one request per
// stream), and what came after it one more round when NotifyGap has
// passed: not one round a second. A manual sync does not wait for the
// gap.
func TestNotificationFloodMakesOneRoundPerGap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fx := openFixture(t, backend)
			acct := fx.account(t, store.ProviderOmron, "u")
			fake := newFake(100, map[providers.Stream]int{"activity": 30, "bloodpressure": 30, "weight": 30})
			fx.serveSource(acct, coveredFake{fake})
			e := fx.engine(Options{Notifications: true})
			c := collect(e)
			go e.Run(ctx)
			synctest.Wait()
			if n := len(fake.fetches()); n != 3 {
				t.Fatalf("first round fetched %d pages, want 3", n)
			}
			start := time.Now()
			streams := [][]providers.Stream{nil, {"bloodpressure"}, {"weight"}}
			for i := range 120 {
				if _, err := e.Notify(ctx, store.ProviderOmron, "u", streams[i%3], time.Unix(1, 0)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Second / 12)
			}
			synctest.Wait()
			floodEnd := time.Since(start)
			round := []string{"activity@27", "bloodpressure@27", "weight@27"}
			if got := requested(fake.fetches()[3:]); !slices.Equal(got, round) {
				t.Errorf("%s of notifications fetched %v, want one round: %v", floodEnd, got, round)
			}
			// The rest of the flood waits, merged, for the gap.
			time.Sleep(start.Add(DefaultSettle + DefaultNotifyGap + time.Second).Sub(time.Now()))
			synctest.Wait()
			if got := requested(fake.fetches()[3:]); !slices.Equal(got, append(slices.Clone(round), round...)) {
				t.Errorf("after the gap fetched %v, want two rounds", got)
			}
			time.Sleep(5 * time.Minute)
			synctest.Wait()
			if n := len(fake.fetches()); n != 9 {
				t.Errorf("%d fetches in all, want 9: the flood is served", n)
			}

			// Notified again, then a manual sync asked for during the gap: the
			// manual one runs at once, and takes the notification with it.
			e.Notify(ctx, store.ProviderOmron, "u", nil, time.Unix(1, 0))
			time.Sleep(2 * time.Second)
			synctest.Wait()
			e.Notify(ctx, store.ProviderOmron, "u", nil, time.Unix(1, 0))
			time.Sleep(100 * time.Millisecond)
			e.SyncNow(acct.ID)
			synctest.Wait()
			if n := len(fake.fetches()); n != 15 {
				t.Errorf("%d fetches, want 15: a manual round does not wait for the gap", n)
			}
			var rounds []Trigger
			for _, ev := range c.stop() {
				if ev.Kind == Finished {
					rounds = append(rounds, ev.Trigger)
				}
			}
			// The round at start is a notified account's catch-up.
			if want := []Trigger{CatchUp, Notification, Notification, Notification, Manual}; !slices.Equal(rounds, want) {
				t.Errorf("rounds %v, want %v", rounds, want)
			}
			cancel()
			e.workers.Wait()
		})
	})
}

// TestUnknownUsersCostACounter: a thousand notifications naming strangers
// fetch nothing and look up the database a few times, not a thousand; a
// user linked since is still found when the lookups are not spent.
func TestUnknownUsersCostACounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fx := openFixture(t, backend)
			acct := fx.account(t, store.ProviderOmron, "known")
			fake := newFake(100, map[providers.Stream]int{"bloodpressure": 3})
			fx.serveSource(acct, coveredFake{fake})
			e := fx.engine(Options{Notifications: true})
			go e.Run(ctx)
			synctest.Wait()
			before := len(fake.fetches())
			for i := range 1000 {
				if n, err := e.Notify(ctx, store.ProviderOmron, fmt.Sprintf("stranger-%d", i), nil, day0); n != 0 || err != nil {
					t.Fatalf("Notify(stranger-%d) = %d, %v", i, n, err)
				}
			}
			got := e.NotifyCounts()
			if got.Received != 1000 || got.Unknown != 1000 || got.LookedUp > 5 {
				t.Errorf("counts %+v: want 1000 received, 1000 unknown, at most 5 database lookups", got)
			}
			time.Sleep(time.Minute / 2)
			synctest.Wait()
			if n := len(fake.fetches()); n != before {
				t.Errorf("strangers' notifications fetched %d pages", n-before)
			}

			// Linked by another process; the lookups have refilled.
			other := fx.account(t, store.ProviderOmron, "newcomer")
			fx.serveSource(other, coveredFake{newFake(100, map[providers.Stream]int{"bloodpressure": 2})})
			if n, err := e.Notify(ctx, store.ProviderOmron, "newcomer", nil, day0); n != 1 || err != nil {
				t.Errorf("Notify(newcomer) = %d, %v; want 1", n, err)
			}
			cancel()
			e.workers.Wait()
		})
	})
}
