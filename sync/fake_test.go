package sync

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
)

// fakeSource serves readings page by page from memory. The cursor is the
// index of the next reading, so a test can tell exactly what was asked.
type fakeSource struct {
	pageSize int
	streams  []providers.Stream

	mu    gosync.Mutex
	data  map[providers.Stream][]health.BloodPressure
	calls []fetchCall
	// fault, when set, may fail the nth call (from 1) before it is served.
	fault func(ctx context.Context, n int, s providers.Stream, cursor string) error
}

type fetchCall struct {
	At     time.Time
	Stream providers.Stream
	Cursor string
}

// day0 is the first reading's day in every fake stream.
var day0 = time.Date(2024, 1, 1, 7, 30, 0, 0, time.UTC)

func newFake(pageSize int, sizes map[providers.Stream]int) *fakeSource {
	f := &fakeSource{pageSize: pageSize, data: map[providers.Stream][]health.BloodPressure{}}
	for s := range sizes {
		f.streams = append(f.streams, s)
	}
	slices.Sort(f.streams)
	for s, n := range sizes {
		f.add(s, n)
	}
	return f
}

// add appends n readings to a stream, one a day after the last.
func (f *fakeSource) add(s providers.Stream, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	have := len(f.data[s])
	for i := have; i < have+n; i++ {
		f.data[s] = append(f.data[s], health.BloodPressure{
			Meta: health.Meta{
				ProviderID: fmt.Sprintf("%s-%d", s, i),
				Time:       day0.AddDate(0, 0, i),
				Offset:     -5 * 3600,
				Device:     "HEM-7600T",
				Origin:     "fake",
				Raw:        []byte(fmt.Sprintf(`{"id":%d}`, i)),
			},
			Systolic:  health.Of(float64(110 + i%40)),
			Diastolic: health.Of(float64(70 + i%20)),
			Pulse:     health.Of(float64(60 + i%30)),
		})
	}
}

func (f *fakeSource) Streams() []providers.Stream { return f.streams }

func (f *fakeSource) Fetch(ctx context.Context, s providers.Stream, cursor string) (providers.Page, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fetchCall{At: time.Now(), Stream: s, Cursor: cursor})
	n, fault := len(f.calls), f.fault
	f.mu.Unlock()
	if fault != nil {
		if err := fault(ctx, n, s, cursor); err != nil {
			return providers.Page{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return providers.Page{}, providers.Temporary(err)
	}
	from := 0
	if cursor != "" {
		var err error
		if from, err = strconv.Atoi(cursor); err != nil {
			return providers.Page{}, fmt.Errorf("fake: bad cursor %q", cursor)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.data[s]
	to := min(from+f.pageSize, len(all))
	var p providers.Page
	p.Batch.BloodPressure = slices.Clone(all[from:to])
	p.Cursor = strconv.Itoa(to)
	p.More = to < len(all)
	return p, nil
}

// Rewind makes the fake a notified source: the cursor moves back to the
// first reading on or after from, never forward.
func (f *fakeSource) Rewind(s providers.Stream, cursor string, from time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, _ := strconv.Atoi(cursor)
	for i, r := range f.data[s] {
		if !r.Time.Before(from) {
			return strconv.Itoa(min(i, at))
		}
	}
	return cursor
}

func (f *fakeSource) fetches() []fetchCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeSource) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, d := range f.data {
		n += len(d)
	}
	return n
}

// plainSource hides the fake's Rewind: a provider without notifications.
type plainSource struct{ f *fakeSource }

func (p plainSource) Streams() []providers.Stream { return p.f.Streams() }
func (p plainSource) Fetch(ctx context.Context, s providers.Stream, c string) (providers.Page, error) {
	return p.f.Fetch(ctx, s, c)
}

// fixture is a database with one profile, and the Sources of the
// profile's accounts for the engines made from it. A test sets one up with
//
//	fx := openFixture(t, backend)
//	fake := newFake(10, map[providers.Stream]int{"a": 25, "b": 7})
//	acct := fx.fakeAccount(t, store.ProviderOneUp, "u1", fake)
//	e := fx.engine(Options{})
//
// and links more accounts, before or after making the engine, with more
// calls to fakeAccount.
type fixture struct {
	db      *store.DB
	profile store.Profile
	srcs    *sources
}

// testSealKey is the tests' token key: a shared database keeps tokens
// sealed only.
func testSealKey(bool) (*seal.Keyring, error) {
	return seal.New(bytes.Repeat([]byte{4}, seal.KeySize))
}

// openFixture opens a new database of the backend (storetest.Location)
// and closes it when the test ends.
func openFixture(t testing.TB, backend string) fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, backend, store.Options{SealKey: testSealKey})
	p, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	srcs := &sources{by: map[int64]providers.Source{}, calls: map[int64]int{}}
	return fixture{db: db, profile: p, srcs: srcs}
}

// account links an account of provider p to the fixture's profile.
func (f fixture) account(t testing.TB, p store.Provider, external string) store.Account {
	t.Helper()
	a, err := f.db.UpsertAccount(context.Background(), store.Account{ProfileID: f.profile.ID, Provider: p, ExternalID: external})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fakeAccount links an account of provider p whose Source is fake.
func (f fixture) fakeAccount(t testing.TB, p store.Provider, external string, fake *fakeSource) store.Account {
	t.Helper()
	a := f.account(t, p, external)
	f.serve(a, fake)
	return a
}

// serve makes fake the Source of acct for the fixture's engines, as its
// provider would serve it: an Omron account's Source is notified (the
// fake is a providers.Rewinder), any other provider's is not
// (plainSource). An engine asks for an account's Source once; a new one
// takes effect in engines that have not yet asked.
func (f fixture) serve(acct store.Account, fake *fakeSource) {
	var src providers.Source = plainSource{fake}
	if acct.Provider == store.ProviderOmron {
		src = fake
	}
	f.serveSource(acct, src)
}

// serveSource makes src the Source of acct for the fixture's engines.
func (f fixture) serveSource(acct store.Account, src providers.Source) {
	f.srcs.mu.Lock()
	defer f.srcs.mu.Unlock()
	f.srcs.by[acct.ID] = src
}

// engine makes an engine over the fixture's database whose Sources are
// those given to fakeAccount and serve.
func (f fixture) engine(opt Options) *Engine {
	return New(f.db, f.srcs.get, opt)
}

// sources maps account ids to their Sources and counts factory calls.
type sources struct {
	mu    gosync.Mutex
	by    map[int64]providers.Source
	calls map[int64]int
}

func (s *sources) get(a store.Account) (providers.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[a.ID]++
	src, ok := s.by[a.ID]
	if !ok {
		return nil, fmt.Errorf("no source for account %d", a.ID)
	}
	return src, nil
}

// made says how many times an engine asked for an account's Source.
func (s *sources) made(accountID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[accountID]
}

// snapshot is what a database holds of a profile, without row ids and
// bookkeeping times: two syncs of the same data must give equal snapshots.
type snapshot struct {
	Batch   health.Batch
	Cursors map[int64]map[string]string
}

func takeSnapshot(t testing.TB, db *store.DB, profileID int64) snapshot {
	t.Helper()
	ctx := context.Background()
	b, err := db.Batch(ctx, store.Filter{ProfileID: profileID, Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	b.EachMeta(func(m *health.Meta) { m.ID = 0 })
	accts, err := db.Accounts(ctx, profileID)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{Batch: b, Cursors: map[int64]map[string]string{}}
	for _, a := range accts {
		c, err := db.Cursors(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.Cursors[a.ID] = c
	}
	return s
}

// collect gathers every event of a subscription until stop is called.
type collector struct {
	mu     gosync.Mutex
	events []Event
	done   chan struct{}
	unsub  func()
}

func collect(e *Engine) *collector {
	ch, unsub := e.Subscribe()
	c := &collector{done: make(chan struct{}), unsub: unsub}
	go func() {
		defer close(c.done)
		for ev := range ch {
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.mu.Unlock()
		}
	}()
	return c
}

// stop ends the subscription and returns everything it saw.
func (c *collector) stop() []Event {
	c.unsub()
	<-c.done
	return c.events
}

func (c *collector) snapshot() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

func kinds(evs []Event) []EventKind {
	var out []EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// fastRetry retries at once, so fault tests take no time.
var fastRetry = providers.RetryPolicy{Initial: time.Millisecond, Max: 5 * time.Millisecond, Tries: 4, MaxRateWait: time.Second}
