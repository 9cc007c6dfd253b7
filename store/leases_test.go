package store

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"vitals/clocktest"
)

// twoHubs opens the same new database twice, as two hub processes would,
// on one fake clock, with one linked account.
func twoHubs(t *testing.T, backend string) (a, b *DB, clock *clocktest.Clock, account int64) {
	t.Helper()
	ctx := context.Background()
	loc := testLocation(t, backend)
	a = openAt(t, loc, Options{})
	b = openAt(t, loc, Options{})
	clock = clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	a.now, b.now = clock.Now, clock.Now
	p, err := a.EnsureProfile(ctx, "p-1")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	return a, b, clock, acct.ID
}

func TestLeaseLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		hubA, hubB, clock, acct := twoHubs(t, backend)
		const ttl = 30 * time.Second

		l, err := hubA.AcquireLease(ctx, acct, "hub-a", ttl)
		if err != nil || l.Holder != "hub-a" || l.TakenFrom != "" || l.Takeovers != 0 || !l.Expires.Equal(clock.Now().Add(ttl)) {
			t.Fatalf("first acquire = %+v, %v", l, err)
		}
		held, err := hubB.AcquireLease(ctx, acct, "hub-b", ttl)
		if !errors.Is(err, ErrLeaseHeld) || held.Holder != "hub-a" {
			t.Fatalf("acquire of a live lease = %+v, %v; want ErrLeaseHeld naming hub-a", held, err)
		}
		clock.Advance(20 * time.Second)
		if l, err = hubA.RenewLease(ctx, acct, "hub-a", ttl); err != nil || !l.Expires.Equal(clock.Now().Add(ttl)) {
			t.Fatalf("renew = %+v, %v", l, err)
		}
		clock.Advance(29 * time.Second)
		if _, err := hubB.AcquireLease(ctx, acct, "hub-b", ttl); !errors.Is(err, ErrLeaseHeld) {
			t.Fatalf("acquire a second before the renewed lease runs out: %v, want ErrLeaseHeld", err)
		}

		// hub-a stops renewing (it died): once its lease has run out,
		// hub-b takes the account over, and hub-a learns it lost it.
		clock.Advance(time.Second)
		l, err = hubB.AcquireLease(ctx, acct, "hub-b", ttl)
		if err != nil || l.Holder != "hub-b" || l.TakenFrom != "hub-a" || l.Takeovers != 1 || !l.Acquired.Equal(clock.Now()) {
			t.Fatalf("takeover = %+v, %v; want hub-b, taken from hub-a, 1 takeover", l, err)
		}
		if _, err := hubA.RenewLease(ctx, acct, "hub-a", ttl); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("renew after a takeover: %v, want ErrLeaseLost", err)
		}
		// Acquiring one's own lease again renews it: not a takeover.
		clock.Advance(time.Second)
		if l, err = hubB.AcquireLease(ctx, acct, "hub-b", ttl); err != nil || l.Takeovers != 1 || l.TakenFrom != "" || l.Acquired.Equal(clock.Now()) {
			t.Errorf("re-acquire by the holder = %+v, %v; want the same lease, renewed", l, err)
		}

		// Released, it is free at once, and taking it is not a takeover.
		if n, err := hubB.ReleaseLeases(ctx, "hub-b"); err != nil || n != 1 {
			t.Fatalf("ReleaseLeases = %d, %v; want 1", n, err)
		}
		if l, err = hubA.AcquireLease(ctx, acct, "hub-a", ttl); err != nil || l.Takeovers != 1 || l.TakenFrom != "" {
			t.Errorf("acquire after a release = %+v, %v; want no new takeover", l, err)
		}
		if err := hubA.ReleaseLease(ctx, acct, "hub-b"); err != nil {
			t.Fatal(err)
		}
		if l, _ := hubB.Lease(ctx, acct); !l.Live(clock.Now()) || l.Holder != "hub-a" {
			t.Errorf("a release by a hub that does not hold the lease changed it: %+v", l)
		}
		if err := hubA.ReleaseLease(ctx, acct, "hub-a"); err != nil {
			t.Fatal(err)
		}
		ls, err := hubB.Leases(ctx)
		if err != nil || len(ls) != 1 || ls[0].Live(clock.Now()) || ls[0].Takeovers != 1 {
			t.Errorf("Leases = %+v, %v; want one free lease with its one takeover", ls, err)
		}
	})
}

// Hubs racing for the same accounts: each account gets one holder, and a
// lease that ran out is taken over by exactly one of them.
func TestLeaseRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		hubA, hubB, clock, first := twoHubs(t, backend)
		p, _ := hubA.Profile(ctx, "p-1")
		accounts := []int64{first}
		for i := range 7 {
			a, err := hubA.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOneUp, ExternalID: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			accounts = append(accounts, a.ID)
		}
		const ttl = 10 * time.Second
		race := func() map[int64][]string {
			var mu gosync.Mutex
			won := map[int64][]string{}
			var wg gosync.WaitGroup
			for h := range 4 {
				db := []*DB{hubA, hubB}[h%2]
				holder := fmt.Sprintf("hub-%d", h)
				wg.Go(func() {
					for _, acct := range accounts {
						_, err := db.AcquireLease(ctx, acct, holder, ttl)
						if errors.Is(err, ErrLeaseHeld) {
							continue
						}
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						won[acct] = append(won[acct], holder)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return won
		}
		won := race()
		for _, acct := range accounts {
			if len(won[acct]) != 1 {
				t.Errorf("account %d was won by %v; want exactly one hub", acct, won[acct])
			}
		}
		// Every lease runs out: the next race takes each over once.
		clock.Advance(ttl)
		won = race()
		for _, acct := range accounts {
			l, err := hubB.Lease(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			if len(won[acct]) > 1 || l.Takeovers > 1 {
				t.Errorf("account %d: taken over by %v, %d takeovers counted; want at most one", acct, won[acct], l.Takeovers)
			}
			if len(won[acct]) == 1 && (l.Holder != won[acct][0] || (l.TakenFrom == "") != (l.Takeovers == 0)) {
				t.Errorf("account %d: lease %+v, won by %v", acct, l, won[acct])
			}
		}
	})
}

// A notification received by a hub that does not hold the account reaches
// the holder once, and waits while nobody holds it.
func TestSyncRequestsReachTheHolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		hubA, hubB, clock, acct := twoHubs(t, backend)
		if _, err := hubA.AcquireLease(ctx, acct, "hub-a", time.Minute); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 5, 3, 22, 10, 0, 0, time.UTC)
		want := SyncRequest{AccountID: acct, Reason: "notification", Streams: []string{"bloodpressure", "weight"}, From: from, RequestedBy: "hub-b"}
		if _, err := hubB.RequestSync(ctx, want); err != nil {
			t.Fatal(err)
		}
		if _, err := hubB.RequestSync(ctx, SyncRequest{AccountID: acct, Reason: "manual", RequestedBy: "hub-b"}); err != nil {
			t.Fatal(err)
		}
		if got, err := hubB.TakeSyncRequests(ctx, "hub-b"); err != nil || len(got) != 0 {
			t.Fatalf("a hub that holds nothing took %+v, %v", got, err)
		}
		got, err := hubA.TakeSyncRequests(ctx, "hub-a")
		if err != nil || len(got) != 2 {
			t.Fatalf("the holder took %+v, %v; want both requests", got, err)
		}
		g := got[0]
		if g.Reason != "notification" || !g.From.Equal(from) || len(g.Streams) != 2 || g.Streams[1] != "weight" || g.RequestedBy != "hub-b" ||
			!g.RequestedAt.Equal(clock.Now()) || got[1].Reason != "manual" || got[1].Streams != nil || !got[1].From.IsZero() {
			t.Errorf("requests read back as %+v", got)
		}
		if again, _ := hubA.TakeSyncRequests(ctx, "hub-a"); len(again) != 0 {
			t.Errorf("requests taken twice: %+v", again)
		}

		// Nobody holds the account: the request waits for whoever takes it.
		if err := hubA.ReleaseLease(ctx, acct, "hub-a"); err != nil {
			t.Fatal(err)
		}
		if _, err := hubA.RequestSync(ctx, SyncRequest{AccountID: acct, Reason: "notification", RequestedBy: "hub-a"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := hubA.TakeSyncRequests(ctx, "hub-a"); len(got) != 0 {
			t.Errorf("taken without the lease: %+v", got)
		}
		if ids, err := hubB.UnheldSyncRequests(ctx); err != nil || len(ids) != 1 || ids[0] != acct {
			t.Errorf("waiting unheld = %v, %v; want [%d]", ids, err, acct)
		}
		if _, err := hubB.AcquireLease(ctx, acct, "hub-b", time.Minute); err != nil {
			t.Fatal(err)
		}
		if ids, err := hubA.UnheldSyncRequests(ctx); err != nil || len(ids) != 0 {
			t.Errorf("waiting unheld once hub-b holds the account = %v, %v; want none", ids, err)
		}
		if got, _ := hubB.TakeSyncRequests(ctx, "hub-b"); len(got) != 1 {
			t.Errorf("the new holder took %+v; want the waiting request", got)
		}

		// A holder whose lease ran out leaves its requests to others.
		if _, err := hubA.RequestSync(ctx, SyncRequest{AccountID: acct, Reason: "manual", RequestedBy: "hub-a"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if ids, err := hubA.UnheldSyncRequests(ctx); err != nil || len(ids) != 1 {
			t.Errorf("waiting unheld after hub-b's lease ran out = %v, %v; want [%d]", ids, err, acct)
		}
	})
}

// Two hubs refreshing one account's token: the second waits until the
// first is done. On SQLite the lock is a no-op (see LockRefresh).
func TestLockRefreshExcludesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	hubA, hubB, _, acct := twoHubs(t, "postgres")
	unlock, err := hubA.LockRefresh(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		u, err := hubB.LockRefresh(ctx, acct)
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("the second hub took the refresh lock while the first held it")
	case <-time.After(300 * time.Millisecond):
	}
	// Another account's lock is free meanwhile.
	other, err := hubB.LockRefresh(ctx, acct+1)
	if err != nil {
		t.Fatal(err)
	}
	other()
	unlock()
	select {
	case u := <-got:
		u()
	case <-time.After(10 * time.Second):
		t.Fatal("the second hub never got the refresh lock after the first let it go")
	}
	// A waiter whose context ends gives up.
	unlock, _ = hubA.LockRefresh(ctx, acct)
	defer unlock()
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := hubB.LockRefresh(short, acct); err == nil {
		t.Error("LockRefresh returned without the lock when its context ended")
	}
}
