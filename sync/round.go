package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vitals/providers"
	"vitals/store"
)

// Outcome is how one account's round ended.
type Outcome struct {
	Account store.Account
	Result  store.Result // what the round stored, per kind
	Pages   int          // pages stored
	// Err is nil when the round finished. Otherwise it says why it
	// stopped: errors.Is(Err, providers.ErrNeedsRelink) when the provider
	// refused the credentials, errors.Is(Err, ErrInterrupted) when the
	// context ended first.
	Err error

	// skipped: the round did not run, because another hub holds the
	// account or synced it recently enough; retryAt says when to look
	// again (zero: as scheduled).
	skipped bool
	retryAt time.Time
}

// NeedsRelink reports whether only linking the account again can help.
func (o Outcome) NeedsRelink() bool { return errors.Is(o.Err, providers.ErrNeedsRelink) }

// Totals sums the round's counts over every kind.
func (o Outcome) Totals() store.Counts { return o.Result.Total() }

// ErrInterrupted is the error of a round whose context ended first. What
// it stored is kept; the next round resumes from there.
var ErrInterrupted = errors.New("sync interrupted")

// round runs one round of an account: the requested streams, each page
// stored with its cursor, then the outcome recorded and published.
func (e *Engine) round(ctx context.Context, a *account, req request) Outcome {
	acct := a.snapshot()
	out := Outcome{Account: acct, Result: store.Result{}}

	// One round of an account at a time, then one of the engine's slots.
	if out.Err = acquire(ctx, a.busy); out.Err != nil {
		return out
	}
	defer func() { <-a.busy }()
	// The stored state is the truth, read once this round holds the
	// account: the round it waited for may have found the credentials
	// refused, someone may have linked the account again since, or
	// unlinked it (then there is nothing to fetch, and nothing to record).
	stored, err := e.db.Account(ctx, acct.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		out.Err = fmt.Errorf("%s: unlinked before its sync began: %w", acct.Title(), err)
		return out
	case err == nil:
		a.mu.Lock()
		a.relink = stored.State == store.StateNeedsRelink
		a.mu.Unlock()
		if stored.State == store.StateNeedsRelink {
			out.Err = fmt.Errorf("%s: %w", acct.Title(), providers.ErrNeedsRelink)
			out.Account.State = store.StateNeedsRelink
			return out
		}
	}
	if out.Err = acquire(ctx, e.sem); out.Err != nil {
		return out
	}
	defer func() { <-e.sem }()
	// A hub takes the lease only once it has a slot, so it never holds
	// more accounts than it can sync: an idle hub finds the rest free.
	if e.opt.Hub != "" {
		leased, release, ok := e.lease(ctx, a, &req, &out)
		if !ok {
			return out
		}
		defer release()
		ctx = leased
	}

	a.mu.Lock()
	a.running = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.running = false
		a.mu.Unlock()
	}()

	ev := func(k EventKind) Event {
		return Event{Kind: k, At: time.Now(), AccountID: acct.ID, ProfileID: acct.ProfileID, Provider: acct.Provider, Account: acct.Title(), Trigger: req.trigger}
	}
	e.bus.publish(ev(Started))

	out.Err = e.streams(ctx, a, acct, req, &out, ev)

	// The record of how the round ended must be written even when the
	// round stopped because ctx ended.
	bg := context.WithoutCancel(ctx)
	end := ev(Finished)
	end.Pages = out.Pages
	t := out.Result.Total()
	end.Added, end.Held, end.Updated, end.Unchanged = t.Added, t.Held, t.Updated, t.Unchanged
	switch {
	case out.Err == nil:
		end.Notified = req.notified
		if err := e.db.RecordSync(bg, acct.ID, nil); err != nil {
			e.opt.Logger.Warn("record sync", "account", acct.ID, "err", err)
		}
	case errors.Is(out.Err, ErrInterrupted):
		// Not a failure of the account: nothing to record.
		end.Kind, end.Err = Failed, out.Err
	case out.NeedsRelink():
		end.Kind, end.Err = NeedsRelink, out.Err
		if err := e.db.SetAccountState(bg, acct.ID, store.StateNeedsRelink); err != nil {
			e.opt.Logger.Warn("mark account needs relinking", "account", acct.ID, "err", err)
		}
		if err := e.db.RecordSync(bg, acct.ID, out.Err); err != nil {
			e.opt.Logger.Warn("record sync", "account", acct.ID, "err", err)
		}
		a.mu.Lock()
		a.relink = true
		a.acct.State = store.StateNeedsRelink
		a.src = nil // linking again saves new credentials: start afresh
		a.mu.Unlock()
		out.Account.State = store.StateNeedsRelink
	default:
		end.Kind, end.Err = Failed, out.Err
		if err := e.db.RecordSync(bg, acct.ID, out.Err); err != nil {
			e.opt.Logger.Warn("record sync", "account", acct.ID, "err", err)
		}
	}
	e.bus.publish(end)
	return out
}

// streams walks the streams the request names. It stops at the first
// stream that fails for a reason that would fail the next one too (the
// provider in trouble, the credentials refused, ctx ended, the database
// failing); a stream the provider refuses on its own does not stop the
// others.
func (e *Engine) streams(ctx context.Context, a *account, acct store.Account, req request, out *Outcome, ev func(EventKind) Event) error {
	src, err := e.source(a)
	if err != nil {
		return fmt.Errorf("%s: %w", acct.Title(), err)
	}
	// Every stream's cursor at once: one statement, not one a stream.
	// Nothing else moves them while the round runs (the lease, or the
	// engine's one round an account).
	cursors, err := e.db.Cursors(ctx, acct.ID)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		return storeError{err}
	}
	var errs []error
	for _, s := range src.Streams() {
		from, rewind := req.rewind[s]
		if all, ok := req.rewind[""]; ok && (!rewind || all.Before(from)) {
			from, rewind = all, true
		}
		if !req.full && !rewind {
			continue
		}
		err := e.stream(ctx, src, acct, s, cursors[string(s)], from, rewind, out, ev)
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		if errors.Is(err, providers.ErrNeedsRelink) || errors.Is(err, providers.ErrTemporary) ||
			errors.Is(err, providers.ErrRateLimited) || errors.As(err, new(storeError)) {
			break
		}
	}
	return errors.Join(errs...)
}

// acquire takes one of slots' tokens, waiting for one as long as ctx
// lasts.
func acquire(ctx context.Context, slots chan struct{}) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return interrupted(ctx)
	}
}

// interrupted is the error of a round whose context ended.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
}

// storeError marks a failure of the database: the next stream would fail
// the same way.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

// stream fetches one stream page by page, from its stored cursor (or, for
// a notification, from a day), committing each page with the cursor that
// follows it. The next page is fetched while the current one is being
// committed: the network and SQLite work side by side, and the order of
// commits, which resuming relies on, is unchanged.
func (e *Engine) stream(ctx context.Context, src providers.Source, acct store.Account, s providers.Stream, cursor string, from time.Time, rewind bool, out *Outcome, ev func(EventKind) Event) error {
	// A stream never synced fetches its whole history, notified or not:
	// rewinding it would skip what came before the notification.
	if rw, ok := src.(providers.Rewinder); ok && rewind && cursor != "" {
		if cv, ok := src.(providers.Coverage); ok {
			if covered, ok := cv.Covered(s, cursor); ok {
				from = rewindFrom(from, covered, e.opt.LookBack)
			}
		}
		cursor = rw.Rewind(s, cursor, from)
	}

	// The page being fetched when ctx ends may still arrive (for
	// ShutdownGrace) and is stored; no page starts after that. Retry's
	// pauses end with ctx, or when this stream returns.
	fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		select {
		case <-time.After(e.opt.ShutdownGrace):
			cancel()
		case <-fetchCtx.Done():
		}
	})
	defer stop()
	retryCtx, stopRetry := context.WithCancel(ctx)
	defer stopRetry()

	type fetched struct {
		page providers.Page
		err  error
	}
	// fetch starts fetching the page at cursor. Its pauses are announced
	// only once the page before is stored (after), so that subscribers
	// see events in the order of the stream.
	fetch := func(cursor string, after <-chan struct{}) <-chan fetched {
		done := make(chan fetched, 1)
		go func() {
			page, err := providers.Retry(retryCtx, e.opt.Retry, func(context.Context) (providers.Page, error) {
				return src.Fetch(fetchCtx, s, cursor)
			}, func(w providers.Wait) {
				select {
				case <-after:
				case <-retryCtx.Done(): // the stream ended: nothing to announce
					return
				}
				wait := ev(Waiting)
				wait.Stream, wait.Until, wait.RateLimited, wait.Err = string(s), time.Now().Add(w.For), w.RateLimited(), w.Err
				e.bus.publish(wait)
			})
			done <- fetched{page, err}
		}()
		return done
	}

	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	stored := make(chan struct{})
	close(stored)
	inFlight := fetch(cursor, stored)
	for {
		r := <-inFlight
		if r.err != nil {
			return fmt.Errorf("%s: %w", s, r.err)
		}
		page := r.page
		if page.More && page.Cursor == cursor {
			return fmt.Errorf("%s: the provider sent more pages without moving the cursor; stopped to avoid a loop", s)
		}
		stored = make(chan struct{})
		inFlight = nil
		if page.More && ctx.Err() == nil {
			inFlight = fetch(page.Cursor, stored)
		}
		res, err := e.db.CommitPage(context.WithoutCancel(ctx), acct.ProfileID, acct.ID, string(s), page.Cursor, page.Batch)
		if err != nil {
			return storeError{err}
		}
		out.Result.Merge(res)
		out.Pages++
		ps := ev(PageStored)
		ps.Stream, ps.Pages = string(s), out.Pages
		t := res.Total()
		ps.Added, ps.Held, ps.Updated, ps.Unchanged = t.Added, t.Held, t.Updated, t.Unchanged
		e.bus.publish(ps)
		close(stored)
		if !page.More {
			return nil
		}
		if inFlight == nil { // ctx ended: no page was started
			return context.Cause(ctx)
		}
		cursor = page.Cursor
	}
}
