package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"vitals/providers"
	"vitals/store"
)

// Several hubs on one database (Options.Hub set) share the accounts
// through the store's leases:
//
//   - A round takes the account's lease once it has one of the engine's
//     slots, and hands it back when it ends, so a hub holds at most
//     Options.Concurrency leases and the accounts it is not syncing are
//     free for idle hubs: four hubs run four times the rounds of one.
//   - Every hub keeps a worker per account on the schedule the stored
//     last sync sets. A worker that finds the lease held looks again when
//     it runs out; one that finds the account synced since (by another
//     hub) waits for its next due time. A hub that died holds its leases
//     until they run out (Options.LeaseTTL); the next worker to ask takes
//     the account over (a TookOver event).
//   - A request that is not the schedule's (a notification, "sync now")
//     for an account another hub holds is handed to the holder with
//     store.RequestSync. Every round takes in the requests waiting for
//     the accounts its hub holds as it starts and before it lets go, and
//     every Options.RequestPoll a hub takes its own and claims the
//     accounts whose requests nobody holds. Each request is taken once,
//     so a notification makes one fetch across the hubs.

// errLeaseLost ends a round whose lease another hub took over: this hub
// missed its renewals for a whole LeaseTTL.
var errLeaseLost = errors.New("another hub took the account over")

// lease takes the account's lease for a round of req, and in with it the
// requests other hubs handed over. It returns the round's context (ended
// if the lease is lost) and the function that hands the lease back; ok is
// false when the round must not run, with out saying why.
func (e *Engine) lease(ctx context.Context, a *account, req *request, out *Outcome) (leased context.Context, release func(), ok bool) {
	acct := out.Account
	hub := e.opt.Hub
	l, err := e.db.AcquireLease(ctx, acct.ID, hub, e.opt.LeaseTTL)
	switch {
	case errors.Is(err, store.ErrLeaseHeld):
		out.skipped, out.retryAt = true, l.Expires
		out.Err = fmt.Errorf("%s: %w", acct.Title(), err)
		if req.trigger == Manual || len(req.rewind) > 0 {
			e.handOver(ctx, acct, *req)
		}
		return nil, nil, false
	case err != nil:
		// The database is failing: keep what was asked, look again later.
		e.opt.Logger.Warn("sync: take the lease", "account", acct.ID, "err", err)
		a.mu.Lock()
		a.pending.merge(*req)
		a.mu.Unlock()
		out.skipped, out.retryAt = true, time.Now().Add(e.opt.LeaseRenew)
		return nil, nil, false
	}
	bg := context.WithoutCancel(ctx)
	giveBack := func() {
		e.takeRequests(bg, 0, nil) // nothing handed over is left behind
		if err := e.db.ReleaseLease(bg, acct.ID, hub); err != nil {
			e.opt.Logger.Warn("sync: hand the lease back", "account", acct.ID, "err", err)
		}
	}
	e.takeRequests(ctx, acct.ID, req)
	if l.TakenFrom != "" {
		e.bus.publish(Event{Kind: TookOver, At: time.Now(), AccountID: acct.ID, ProfileID: acct.ProfileID,
			Provider: acct.Provider, Account: acct.Title(), Trigger: req.trigger, TakenFrom: l.TakenFrom})
	}
	if req.empty() {
		giveBack() // a claim whose requests another hub took
		out.skipped = true
		return nil, nil, false
	}
	if scheduledOnly(*req) {
		fresh, err := e.db.Account(ctx, acct.ID)
		if err == nil {
			due := fresh.LastSyncAt.Add(e.period(a))
			if !fresh.LastSyncAt.IsZero() && due.After(time.Now()) {
				// Another hub synced it since this one planned the round.
				a.mu.Lock()
				a.acct.LastSyncAt, a.acct.LastError = fresh.LastSyncAt, fresh.LastError
				a.mu.Unlock()
				giveBack()
				out.skipped, out.retryAt = true, due.Add(e.jitter())
				return nil, nil, false
			}
		}
	}

	leased, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(e.opt.LeaseRenew)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			_, err := e.db.RenewLease(bg, acct.ID, hub, e.opt.LeaseTTL)
			if errors.Is(err, store.ErrLeaseLost) {
				e.opt.Logger.Warn("sync: lease lost; stopping the account's round", "account", acct.ID)
				cancel(errLeaseLost)
				return
			}
			if err != nil {
				e.opt.Logger.Warn("sync: renew the lease", "account", acct.ID, "err", err)
			}
		}
	}()
	return leased, func() {
		close(stop)
		<-renewed
		cancel(nil)
		giveBack()
	}, true
}

// scheduledOnly reports whether a request is the schedule's alone, which
// a round another hub has just run makes needless.
func scheduledOnly(r request) bool {
	return r.full && len(r.rewind) == 0 && (r.trigger == Scheduled || r.trigger == CatchUp)
}

// period is the time between an account's scheduled rounds.
func (e *Engine) period(a *account) time.Duration {
	if e.notified(a) {
		return e.opt.CatchUp
	}
	return e.opt.Interval
}

// leaseJitter spreads the hubs that wait for one lease.
func (e *Engine) leaseJitter() time.Duration {
	return rand.N(e.opt.LeaseRenew/4 + 1)
}

// handOver records req for the hub that holds the account.
func (e *Engine) handOver(ctx context.Context, acct store.Account, req request) {
	for _, sr := range syncRequests(acct.ID, req) {
		sr.RequestedBy = e.opt.Hub
		if _, err := e.db.RequestSync(context.WithoutCancel(ctx), sr); err != nil {
			e.opt.Logger.Warn("sync: hand a request to the account's hub", "account", acct.ID, "reason", sr.Reason, "err", err)
		}
	}
}

// syncRequests is req as store.SyncRequests: one for every stream (a
// manual round's, or a notification of every stream), and one per day
// notified streams are to be fetched from.
func syncRequests(accountID int64, req request) []store.SyncRequest {
	var out []store.SyncRequest
	if req.full && req.trigger == Manual {
		out = append(out, store.SyncRequest{AccountID: accountID, Reason: Manual.String()})
	}
	byDay := map[time.Time][]string{}
	for s, from := range req.rewind {
		if s == "" {
			out = append(out, store.SyncRequest{AccountID: accountID, Reason: Notification.String(), From: from})
			continue
		}
		byDay[from] = append(byDay[from], string(s))
	}
	for from, streams := range byDay {
		out = append(out, store.SyncRequest{AccountID: accountID, Reason: Notification.String(), Streams: streams, From: from})
	}
	return out
}

// fromSyncRequest is what a handed-over request asks of a round. A
// notification's arrival is taken as when it was handed over.
func fromSyncRequest(sr store.SyncRequest) request {
	if sr.Reason != Notification.String() {
		return request{trigger: Manual, full: true}
	}
	r := request{trigger: Notification, rewind: map[providers.Stream]time.Time{}, notified: sr.RequestedAt}
	if len(sr.Streams) == 0 {
		r.rewind[""] = sr.From
	}
	for _, s := range sr.Streams {
		r.rewind[providers.Stream(s)] = sr.From
	}
	return r
}

// takeRequests takes the requests waiting for the accounts this hub
// holds: those of accountID merge into req, the others go to their
// accounts' workers.
func (e *Engine) takeRequests(ctx context.Context, accountID int64, req *request) {
	srs, err := e.db.TakeSyncRequests(ctx, e.opt.Hub)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping
		}
		e.opt.Logger.Warn("sync: take the requests handed over", "err", err)
		return
	}
	for _, sr := range srs {
		r := fromSyncRequest(sr)
		if sr.AccountID == accountID && req != nil {
			req.merge(r)
			continue
		}
		e.dispatch(ctx, sr.AccountID, r)
	}
}

// dispatch asks an account's worker for r, reading the accounts again
// when the account is new to this hub.
func (e *Engine) dispatch(ctx context.Context, accountID int64, r request) {
	e.mu.Lock()
	a := e.accounts[accountID]
	e.mu.Unlock()
	if a == nil {
		if err := e.Reload(ctx); err != nil {
			e.opt.Logger.Warn("sync: read the accounts again", "err", err)
		}
		e.mu.Lock()
		a = e.accounts[accountID]
		e.mu.Unlock()
	}
	if a == nil {
		e.opt.Logger.Warn("sync: a request for an account that no longer syncs was dropped", "account", accountID)
		return
	}
	a.ask(r)
}

// poll takes the requests handed to this hub, and claims the accounts
// whose requests no hub holds.
func (e *Engine) poll(ctx context.Context) {
	e.takeRequests(ctx, 0, nil)
	ids, err := e.db.UnheldSyncRequests(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		e.opt.Logger.Warn("sync: look for requests nobody holds", "err", err)
		return
	}
	for _, id := range ids {
		e.mu.Lock()
		a := e.accounts[id]
		e.mu.Unlock()
		if a != nil {
			a.ask(request{claim: true})
		}
	}
}

// releaseAll hands back whatever lease this hub still holds as it stops.
func (e *Engine) releaseAll(ctx context.Context) {
	if e.opt.Hub == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if n, err := e.db.ReleaseLeases(ctx, e.opt.Hub); err != nil {
		e.opt.Logger.Warn("sync: hand the leases back", "err", err)
	} else if n > 0 {
		e.opt.Logger.Info("sync: leases handed back", "leases", n)
	}
}

// HubName is a name for a hub that no other hub shares: the host, the
// process id and a random suffix.
func HubName(host string, pid int) string {
	return fmt.Sprintf("%s-%d-%08x", host, pid, rand.Uint32())
}
