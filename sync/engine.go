package sync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"vitals/providers"
	"vitals/store"
)

// SourceFunc makes the Source of a linked account. The engine calls it
// once per account and keeps what it returns for every later round, so
// that an account has one Source and one set of credentials: two rounds
// of one account never refresh its token twice.
type SourceFunc func(store.Account) (providers.Source, error)

// Defaults of Options.
const (
	DefaultInterval      = 30 * time.Minute
	DefaultCatchUp       = 24 * time.Hour
	DefaultSettle        = time.Second
	DefaultNotifyGap     = 30 * time.Second
	DefaultLookBack      = 48 * time.Hour
	DefaultConcurrency   = 4
	DefaultShutdownGrace = 15 * time.Second
	DefaultRescan        = time.Minute
	DefaultLeaseTTL      = 30 * time.Second
	DefaultRequestPoll   = 2 * time.Second
)

// Options tune an Engine. The zero value of every field picks its default.
//
// There is no clock to inject: the engine uses the time package, and its
// tests run it inside testing/synctest bubbles, where the schedule, the
// jitter, Retry-After and the back-off of providers.Retry (whose timers an
// injected clock could not reach) all run on the bubble's fake clock.
type Options struct {
	// Interval is the time between scheduled rounds of an account.
	Interval time.Duration
	// Jitter: up to this much, at random, is added to every scheduled
	// wait, so that many clients (and many accounts) do not sync in step.
	Jitter time.Duration
	// Retry is how patiently a page is fetched again after a temporary
	// failure or a rate limit (providers.DefaultRetry when zero).
	Retry providers.RetryPolicy
	// Notifications says the providers whose Sources are
	// providers.Rewinders (Omron) notify the engine of new data through
	// Notify: scheduled rounds then leave those accounts alone, and a
	// catch-up round every CatchUp fetches what lost notifications missed.
	Notifications bool
	// CatchUp is the period of the catch-up round of notified accounts.
	CatchUp time.Duration
	// Settle is how long a notification waits for others to join it, so
	// that a burst of notifications for one account makes one fetch.
	Settle time.Duration
	// NotifyGap is the least time between the starts of two rounds of an
	// account that only notifications asked for: notifications that come
	// sooner wait, merged, so that a sender who keeps notifying costs the
	// provider at most one request per stream per NotifyGap. Scheduled,
	// manual and catch-up rounds do not wait for it.
	NotifyGap time.Duration
	// LookBack bounds how far a notification may move a stream back: to
	// no earlier than LookBack before what its stored cursor has already
	// read (for Sources that implement providers.Coverage), so that a notification
	// dated 1970 costs what a caught-up fetch costs.
	LookBack time.Duration
	// Concurrency bounds the rounds running at once, across accounts.
	Concurrency int
	// ShutdownGrace is how long the page being fetched when the context
	// ends may still take to arrive and be stored; no page starts after.
	ShutdownGrace time.Duration
	// Rescan is how often Run reads the accounts again, so that an
	// account linked by another process gets a worker (Reload does it at
	// once).
	Rescan time.Duration
	// Hub names this engine among the processes that share the database
	// (host, process id and a random suffix). When set, the engine syncs
	// an account only while it holds the account's lease, hands requests
	// for accounts another hub holds over through the database, and takes
	// the requests handed to it (see lease.go). Empty: one process syncs
	// the database, with no leases.
	Hub string
	// LeaseTTL is how long a lease lasts unrenewed: a hub that dies keeps
	// its accounts no longer than this.
	LeaseTTL time.Duration
	// LeaseRenew is how often a held lease is renewed (LeaseTTL/3 when
	// zero).
	LeaseRenew time.Duration
	// RequestPoll is how often a hub looks for requests handed to it, and
	// for requests that no hub holds.
	RequestPoll time.Duration
	// ProfileID limits the engine to one profile's accounts (0: every
	// profile's).
	ProfileID int64
	// EventBuffer is the size of each subscriber's channel.
	EventBuffer int
	// Logger hears what no event carries (nil: discarded).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Jitter < 0 {
		o.Jitter = 0
	}
	if o.Retry == (providers.RetryPolicy{}) {
		o.Retry = providers.DefaultRetry()
	}
	if o.CatchUp <= 0 {
		o.CatchUp = DefaultCatchUp
	}
	if o.Settle < 0 {
		o.Settle = 0
	} else if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.NotifyGap < 0 {
		o.NotifyGap = 0
	} else if o.NotifyGap == 0 {
		o.NotifyGap = DefaultNotifyGap
	}
	if o.LookBack <= 0 {
		o.LookBack = DefaultLookBack
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.Rescan <= 0 {
		o.Rescan = DefaultRescan
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.LeaseRenew <= 0 || o.LeaseRenew >= o.LeaseTTL {
		o.LeaseRenew = o.LeaseTTL / 3
	}
	if o.RequestPoll <= 0 {
		o.RequestPoll = DefaultRequestPoll
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = DefaultEventBuffer
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Engine keeps linked accounts' readings current: one worker per account,
// rounds on a schedule, on demand and on notifications, each page stored
// with its stream's cursor in one transaction. Safe for concurrent use.
type Engine struct {
	db        *store.DB
	newSource SourceFunc
	opt       Options
	sem       chan struct{} // a slot per round that may run at once
	bus       bus

	// lookups rations the database lookups of users the engine does not
	// know, so that notifications naming strangers cost a counter, not a
	// query each.
	lookups  *rate.Limiter
	received atomic.Int64 // Notify calls
	unknown  atomic.Int64 // ... that named no active account
	lookedUp atomic.Int64 // ... that looked the user up in the database

	mu       gosync.Mutex
	accounts map[int64]*account
	running  bool            // Run has not returned
	runCtx   context.Context // Run's context, while workers may start
	workers  gosync.WaitGroup
}

// New returns an engine over db that makes each account's Source with
// newSource. Nothing runs until Run or RunOnce.
func New(db *store.DB, newSource SourceFunc, opt Options) *Engine {
	opt = opt.withDefaults()
	return &Engine{
		db:        db,
		newSource: newSource,
		opt:       opt,
		sem:       make(chan struct{}, opt.Concurrency),
		bus:       bus{size: opt.EventBuffer},
		accounts:  map[int64]*account{},
		lookups:   rate.NewLimiter(rate.Every(time.Second), 5),
	}
}

// account is what the engine knows of one linked account.
type account struct {
	busy chan struct{} // holds a token while a round runs: one at a time
	wake chan struct{} // tells the worker a request is pending

	mu      gosync.Mutex
	acct    store.Account
	src     providers.Source // made on first use, kept for every round
	pending request
	next    time.Time // when the worker's next scheduled round is due
	running bool      // a round is in progress
	worker  *worker   // nil when no worker runs
	relink  bool      // stopped: the provider refused the credentials
}

type worker struct {
	cancel context.CancelFunc
}

func newAccount(a store.Account) *account {
	return &account{busy: make(chan struct{}, 1), wake: make(chan struct{}, 1), acct: a}
}

func (a *account) snapshot() store.Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acct
}

// request is what a worker has been asked to do; requests that arrive
// before it starts merge into one.
type request struct {
	trigger Trigger
	full    bool // every stream, from its cursor
	// rewind holds notified streams and the day to fetch them from; the
	// key "" stands for every stream.
	rewind map[providers.Stream]time.Time
	// notified is when the earliest notification merged in arrived.
	notified time.Time
	// claim asks a hub to take the account's lease for the sync requests
	// waiting for it in the database (the round takes them in).
	claim bool
}

// empty reports whether the request asks for nothing to be fetched (a
// claim alone fetches only what the requests it takes in ask for).
func (r request) empty() bool { return !r.full && len(r.rewind) == 0 }

// rank orders triggers for a merged request: the one reported is the
// strongest reason.
func rank(t Trigger) int {
	switch t {
	case Manual:
		return 3
	case CatchUp:
		return 2
	case Scheduled:
		return 1
	}
	return 0
}

func (r *request) merge(o request) {
	if r.empty() || rank(o.trigger) > rank(r.trigger) {
		r.trigger = o.trigger
	}
	r.full = r.full || o.full
	r.claim = r.claim || o.claim
	if !o.notified.IsZero() && (r.notified.IsZero() || o.notified.Before(r.notified)) {
		r.notified = o.notified
	}
	for s, from := range o.rewind {
		if r.rewind == nil {
			r.rewind = map[providers.Stream]time.Time{}
		}
		if cur, ok := r.rewind[s]; !ok || from.Before(cur) {
			r.rewind[s] = from
		}
	}
}

// ask adds a request and wakes the worker.
func (a *account) ask(r request) {
	a.mu.Lock()
	a.pending.merge(r)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *account) take() request {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.pending
	a.pending = request{}
	return r
}

func (a *account) onlyNotifications() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.pending.full && len(a.pending.rewind) > 0
}

// Run starts a worker for every linked account that can sync and runs
// them until ctx ends; then it waits for the workers to store the pages
// they were fetching, and returns nil. Accounts linked later join at the
// next Reload, which Run makes every Options.Rescan (and a notification
// that names an unknown user makes at once).
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return errors.New("sync: the engine is already running")
	}
	e.running, e.runCtx = true, ctx
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
	}()
	// stop ends Run's claim on the workers before waiting for them: once
	// runCtx is nil no Reload (a notification naming a new user, the
	// dashboard linking an account) starts a worker, so none joins the
	// group while Wait runs and none outlives Run.
	stop := func() {
		e.mu.Lock()
		e.runCtx = nil
		for _, a := range e.accounts {
			e.stopLocked(a)
		}
		e.mu.Unlock()
		e.workers.Wait()
	}

	if err := e.Reload(ctx); err != nil {
		stop()
		if ctx.Err() != nil {
			return nil // stopped as it started: not a failure
		}
		return err
	}
	rescan := time.NewTicker(e.opt.Rescan)
	defer rescan.Stop()
	var poll <-chan time.Time
	if e.opt.Hub != "" {
		t := time.NewTicker(e.opt.RequestPoll)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-ctx.Done():
			stop()
			e.releaseAll(ctx)
			return nil
		case <-poll:
			e.poll(ctx)
		case <-rescan.C:
			if err := e.Reload(ctx); err != nil && ctx.Err() == nil {
				e.opt.Logger.Warn("sync: read the accounts again", "err", err)
			}
		}
	}
}

// Reload reads the accounts from the database again: a newly linked (or
// relinked) account gets a worker, and the worker of an account that was
// removed or needs relinking stops.
func (e *Engine) Reload(ctx context.Context) error {
	list, err := e.db.Accounts(ctx, e.opt.ProfileID)
	if err != nil {
		return fmt.Errorf("sync: load accounts: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[int64]bool{}
	for _, acct := range list {
		if !acct.Syncs() {
			continue
		}
		seen[acct.ID] = true
		a, relinked := e.accountLocked(acct)
		if acct.State != store.StateActive {
			e.stopLocked(a)
			continue
		}
		a.mu.Lock()
		start := e.runCtx != nil && a.worker == nil
		a.mu.Unlock()
		if start {
			e.startLocked(a)
		}
		if relinked {
			// Its last sync failed and the person has just linked it
			// again, most likely to see it work: not a period from now.
			a.ask(request{trigger: Manual, full: true})
		}
	}
	for id, a := range e.accounts {
		if !seen[id] {
			e.stopLocked(a)
			delete(e.accounts, id)
		}
	}
	return nil
}

// accountLocked returns the engine's record of acct, made on first use,
// with the account's details refreshed; relinked reports that the engine
// knew the account as needing relinking and it is active again. e.mu is
// held.
func (e *Engine) accountLocked(acct store.Account) (a *account, relinked bool) {
	a, ok := e.accounts[acct.ID]
	if !ok {
		a = newAccount(acct)
		e.accounts[acct.ID] = a
		return a, false
	}
	a.mu.Lock()
	if acct.State == store.StateActive {
		relinked = a.relink || a.acct.State == store.StateNeedsRelink
		a.relink = false // linked again since its credentials were refused
	}
	a.acct = acct
	a.mu.Unlock()
	return a, relinked
}

func (e *Engine) startLocked(a *account) {
	ctx, cancel := context.WithCancel(e.runCtx)
	w := &worker{cancel: cancel}
	a.mu.Lock()
	a.worker = w
	a.mu.Unlock()
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		defer cancel()
		e.work(ctx, a)
		a.mu.Lock()
		if a.worker == w {
			a.worker = nil
		}
		a.mu.Unlock()
	}()
}

func (e *Engine) stopLocked(a *account) {
	a.mu.Lock()
	w := a.worker
	a.worker = nil
	a.mu.Unlock()
	if w != nil {
		w.cancel()
	}
}

// SyncNow asks for a round of every stream of the given accounts (every
// account when none is given) as soon as possible. It returns at once;
// progress arrives as events. Requests for an account that is already
// waiting for a round merge into that round. Only accounts the engine
// has loaded are asked: call Reload first to ask before Run has loaded
// them (the request then waits for the account's worker).
func (e *Engine) SyncNow(accountIDs ...int64) {
	e.mu.Lock()
	var targets []*account
	for id, a := range e.accounts {
		if len(accountIDs) == 0 || slices.Contains(accountIDs, id) {
			targets = append(targets, a)
		}
	}
	e.mu.Unlock()
	for _, a := range targets {
		a.ask(request{trigger: Manual, full: true})
	}
}

// rewindFrom is the day a notification that asks for from may rewind a
// stream to, given what its cursor has covered: never before lookBack
// before covered. A later from (even one in the future, which rewinds
// nothing: Rewind only moves a stream back) is kept.
func rewindFrom(from, covered time.Time, lookBack time.Duration) time.Time {
	if floor := covered.Add(-lookBack); from.Before(floor) {
		return floor
	}
	return from
}

// Notify tells the engine that a provider has new data for its user
// externalID: every account linked to that user fetches the given streams
// (every stream when none is given) from the day from on, through the
// Source's providers.Rewinder (a stream never synced fetches its whole
// history instead). The caller picks from: for Omron, the day before the
// notification's date, since the notification carries server time while
// the API filters on the user's local date. Whatever from says, a stream
// whose Source implements providers.Coverage is moved back no further than
// Options.LookBack before what it has already read.
//
// Notifications for an account merge while it waits (for Options.Settle,
// for a round in progress, or for Options.NotifyGap after the last
// notified round), so a burst makes one fetch per stream. Notify returns
// how many accounts were asked; 0 means no linked account has that user,
// and the notification can be ignored. A user the engine does not know is
// looked up in the database (it may have been linked by another process
// since the last Reload), but at most five times at once and once a
// second after that, across users: past that, strangers only cost a
// counter.
func (e *Engine) Notify(ctx context.Context, p store.Provider, externalID string, streams []providers.Stream, from time.Time) (int, error) {
	e.received.Add(1)
	targets := e.find(p, externalID)
	if len(targets) == 0 && e.lookups.Allow() {
		e.lookedUp.Add(1)
		found, err := e.db.FindAccounts(ctx, p, externalID)
		if err != nil {
			return 0, fmt.Errorf("sync: notification for %s user: %w", p, err)
		}
		if len(found) > 0 {
			if err := e.Reload(ctx); err != nil {
				return 0, err
			}
			targets = e.find(p, externalID)
		}
	}
	if len(targets) == 0 {
		e.unknown.Add(1)
		return 0, nil
	}
	r := request{trigger: Notification, rewind: map[providers.Stream]time.Time{}, notified: time.Now()}
	if len(streams) == 0 {
		r.rewind[""] = from
	}
	for _, s := range streams {
		r.rewind[s] = from
	}
	for _, a := range targets {
		a.ask(r)
	}
	return len(targets), nil
}

// NotifyCounts are the notifications the engine was told of since it was
// made, how many of them named no active account, and how many looked a
// user up in the database.
type NotifyCounts struct {
	Received, Unknown, LookedUp int64
}

// NotifyCounts returns the engine's notification counters.
func (e *Engine) NotifyCounts() NotifyCounts {
	return NotifyCounts{Received: e.received.Load(), Unknown: e.unknown.Load(), LookedUp: e.lookedUp.Load()}
}

// find returns the active accounts of a provider's user.
func (e *Engine) find(p store.Provider, externalID string) []*account {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*account
	for _, a := range e.accounts {
		a.mu.Lock()
		if a.acct.Provider == p && a.acct.ExternalID == externalID && a.acct.State == store.StateActive && !a.relink {
			out = append(out, a)
		}
		a.mu.Unlock()
	}
	return out
}

// Status is where an account stands in the engine.
type Status struct {
	Account store.Account
	Running bool      // a round is in progress
	Worker  bool      // a worker runs for it
	NextRun time.Time // the next scheduled (or catch-up) round; zero without a worker
	// NeedsRelink: the provider refused the credentials; nothing runs
	// until the account is linked again and Reload is called.
	NeedsRelink bool
}

// Status lists the accounts the engine knows, by profile and id.
func (e *Engine) Status() []Status {
	e.mu.Lock()
	out := make([]Status, 0, len(e.accounts))
	for _, a := range e.accounts {
		a.mu.Lock()
		s := Status{Account: a.acct, Running: a.running, Worker: a.worker != nil, NeedsRelink: a.relink || a.acct.State == store.StateNeedsRelink}
		if s.Worker {
			s.NextRun = a.next
		}
		a.mu.Unlock()
		out = append(out, s)
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(x, y Status) int {
		return cmp.Or(cmp.Compare(x.Account.ProfileID, y.Account.ProfileID), cmp.Compare(x.Account.ID, y.Account.ID))
	})
	return out
}

// work is an account's worker: it waits for the schedule, a request or
// the end of ctx, and runs rounds one at a time.
func (e *Engine) work(ctx context.Context, a *account) {
	acct := a.snapshot()
	notified := e.notified(a)
	period := e.opt.Interval
	if notified {
		period = e.opt.CatchUp
	}
	// A restart does not sync again an account synced less than a period
	// ago.
	next := time.Now()
	if !acct.LastSyncAt.IsZero() {
		next = later(next, acct.LastSyncAt.Add(period))
	}
	var lastNotified time.Time // the start of the last round only notifications asked for
	for {
		a.mu.Lock()
		a.next = next
		a.mu.Unlock()
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-a.wake:
		case <-timer.C:
			t := Scheduled
			if notified {
				t = CatchUp
			}
			a.ask(request{trigger: t, full: true})
			<-a.wake // ask left a token; this round serves it
		}
		timer.Stop()
		if a.onlyNotifications() && !e.settle(ctx, a, lastNotified) {
			return
		}
		req := a.take()
		if req.empty() && !req.claim {
			continue
		}
		if !req.full {
			lastNotified = time.Now()
		}
		out := e.round(ctx, a, req)
		if out.NeedsRelink() {
			return
		}
		switch {
		case !out.retryAt.IsZero():
			// Another hub holds the account, or synced it: look again
			// when its lease runs out, or when the account is due.
			next = later(out.retryAt, time.Now().Add(100*time.Millisecond)).Add(e.leaseJitter())
		case req.full && !out.skipped && ctx.Err() == nil:
			next = time.Now().Add(period + e.jitter())
		}
	}
}

// settle waits before a round that only notifications asked for: for
// Options.Settle, so that the rest of a burst joins it, and until
// Options.NotifyGap has passed since the last such round began
// (lastNotified). The deadline is fixed when it starts, so a steady stream
// of notifications cannot put the round off for ever; a request for every
// stream (manual, scheduled) ends the wait at once. It returns false when
// ctx ended.
func (e *Engine) settle(ctx context.Context, a *account, lastNotified time.Time) bool {
	deadline := later(time.Now().Add(e.opt.Settle), lastNotified.Add(e.opt.NotifyGap))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for a.onlyNotifications() {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-a.wake: // perhaps a request for every stream: look again
		}
	}
	return true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (e *Engine) jitter() time.Duration {
	if e.opt.Jitter <= 0 {
		return 0
	}
	return rand.N(e.opt.Jitter)
}

// notified reports whether the account's provider notifies the engine, so
// that its scheduled rounds give way to notifications and a daily catch-up.
func (e *Engine) notified(a *account) bool {
	if !e.opt.Notifications {
		return false
	}
	src, err := e.source(a)
	if err != nil {
		return false
	}
	_, ok := src.(providers.Rewinder)
	return ok
}

// source returns the account's Source, made on first use.
func (e *Engine) source(a *account) (providers.Source, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.src != nil {
		return a.src, nil
	}
	src, err := e.newSource(a.acct)
	if err != nil {
		return nil, err
	}
	a.src = src
	return src, nil
}

// RunOnce syncs every stream of each account once, at most
// Options.Concurrency at a time, and returns each account's outcome in the
// order given. It may run beside Run: a round already running for an
// account is waited for, never doubled. Accounts that need relinking are
// not fetched; their outcome says so.
func (e *Engine) RunOnce(ctx context.Context, accounts []store.Account) []Outcome {
	out := make([]Outcome, len(accounts))
	var wg gosync.WaitGroup
	for i, acct := range accounts {
		if !acct.Syncs() {
			out[i] = Outcome{Account: acct, Result: store.Result{}, Err: fmt.Errorf("sync: %s accounts do not sync", acct.Provider)}
			continue
		}
		// The stored state is the truth: another process may have marked
		// the account, or linked it again.
		fresh, err := e.db.Account(ctx, acct.ID)
		if err != nil {
			out[i] = Outcome{Account: acct, Result: store.Result{}, Err: fmt.Errorf("sync: %w", err)}
			continue
		}
		acct = fresh
		e.mu.Lock()
		a, _ := e.accountLocked(acct)
		e.mu.Unlock()
		if acct.State == store.StateNeedsRelink {
			out[i] = Outcome{Account: acct, Result: store.Result{}, Err: fmt.Errorf("%s: %w", acct.Title(), providers.ErrNeedsRelink)}
			e.bus.publish(Event{Kind: NeedsRelink, At: time.Now(), AccountID: acct.ID, ProfileID: acct.ProfileID,
				Provider: acct.Provider, Account: acct.Title(), Trigger: Manual, Err: out[i].Err})
			continue
		}
		wg.Go(func() {
			out[i] = e.round(ctx, a, request{trigger: Manual, full: true})
		})
	}
	wg.Wait()
	return out
}
