package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vitals/providers"
	"vitals/store"
	"vitals/sync"
)

func progressEvents(at time.Time) []sync.Event {
	return []sync.Event{
		{Kind: sync.Started, AccountID: 1, Trigger: sync.Manual},
		{Kind: sync.Started, AccountID: 2, Trigger: sync.Manual},
		{Kind: sync.PageStored, AccountID: 1, Stream: "bloodpressure", Added: 100, Pages: 1},
		{Kind: sync.Waiting, AccountID: 1, Stream: "bloodpressure", At: at, Until: at.Add(30 * time.Second), RateLimited: true, Err: &providers.RateLimitError{Op: "omron", RetryAfter: 30 * time.Second}},
		{Kind: sync.PageStored, AccountID: 1, Stream: "bloodpressure", Added: 20, Unchanged: 3, Pages: 2},
		{Kind: sync.NeedsRelink, AccountID: 2, Err: providers.ErrNeedsRelink},
		{Kind: sync.Finished, AccountID: 1, Added: 120, Unchanged: 3, Pages: 2},
	}
}

func progressAccounts() ([]store.Account, map[int64]string) {
	return []store.Account{
		{ID: 1, ProfileID: 7, Provider: store.ProviderOmron},
		{ID: 2, ProfileID: 8, Provider: store.ProviderOneUp, Label: "Clinic"},
	}, map[int64]string{7: "me", 8: "p-1042"}
}

func TestProgressLog(t *testing.T) {
	var b strings.Builder
	accts, names := progressAccounts()
	p := newSyncProgress(&b, accts, names, false, 0, 0)
	for _, ev := range progressEvents(time.Date(2025, 3, 1, 12, 0, 0, 0, time.Local)) {
		p.Handle(ev)
	}
	p.Handle(sync.Event{Kind: sync.Failed, AccountID: 9, Err: errors.New("not shown")})
	p.Close()
	want := `me · Omron Wellness: syncing (manual)…
p-1042 · Clinic: syncing (manual)…
me · Omron Wellness: bloodpressure: page 1 stored; 100 new, 0 updated, 0 unchanged so far
me · Omron Wellness: bloodpressure: rate limited by the provider, resuming in 30s (at 12:00:30)
me · Omron Wellness: bloodpressure: page 2 stored; 120 new, 0 updated, 3 unchanged so far
p-1042 · Clinic: ✗ needs linking again: the provider refused its credentials
me · Omron Wellness: ✓ done: 120 new, 0 updated, 3 unchanged
`
	if b.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestProgressTerminalRedrawsLinesInPlace(t *testing.T) {
	var b strings.Builder
	accts, names := progressAccounts()
	p := newSyncProgress(&b, accts, names, true, 60, 24)
	evs := progressEvents(time.Now())
	p.Handle(evs[0])
	p.Handle(evs[1])
	p.Handle(evs[6])
	p.Close()
	// Labels are padded to the longest; lines are cut to 59 cells.
	want := "me · Omron Wellness  syncing (manual)…\n" +
		"p-1042 · Clinic      queued\n" +
		"\x1b[1A\r\x1b[2Kp-1042 · Clinic      syncing (manual)…\x1b[1B\r" +
		"\x1b[2A\r\x1b[2Kme · Omron Wellness  ✓ done: 120 new, 0 updated, 3 unchang…\x1b[2B\r" // 59 cells
	if b.String() != want {
		t.Errorf("terminal output:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestProgressTerminalSummarisesManyAccounts(t *testing.T) {
	var b strings.Builder
	var accts []store.Account
	for i := range 30 {
		accts = append(accts, store.Account{ID: int64(i + 1), ProfileID: 1, Provider: store.ProviderOmron, Label: fmt.Sprint(i)})
	}
	p := newSyncProgress(&b, accts, map[int64]string{1: "me"}, true, 200, 24)
	p.Handle(sync.Event{Kind: sync.Started, AccountID: 1})
	p.Handle(sync.Event{Kind: sync.Finished, AccountID: 1, Added: 5})
	p.Handle(sync.Event{Kind: sync.Started, AccountID: 2})
	p.Handle(sync.Event{Kind: sync.PageStored, AccountID: 2, Added: 7, Pages: 1})
	p.Close()
	last := b.String()[strings.LastIndex(b.String(), "\r\x1b[2K")+len("\r\x1b[2K"):]
	if want := "syncing 30 accounts: 1 done, 1 running, 0 failed, 0 need linking again; 12 new readings\n"; last != want {
		t.Errorf("summary line %q, want %q", last, want)
	}
}

// TestProgressStopping: when the sync is asked to stop, the accounts
// still syncing say that the page in flight is being stored; finished
// and queued ones say nothing more.
func TestProgressStopping(t *testing.T) {
	accts, names := progressAccounts()
	accts = append(accts, store.Account{ID: 3, ProfileID: 7, Provider: store.ProviderOneUp})
	var b strings.Builder
	p := newSyncProgress(&b, accts, names, false, 0, 0)
	p.Handle(sync.Event{Kind: sync.Started, AccountID: 1, Trigger: sync.Manual})
	p.Handle(sync.Event{Kind: sync.Started, AccountID: 2, Trigger: sync.Manual})
	p.Handle(sync.Event{Kind: sync.Finished, AccountID: 2})
	b.Reset()
	p.Stopping()
	want := "me · Omron Wellness: stopping: storing the page being fetched (Ctrl-C again quits at once; what is stored stays)\n"
	if b.String() != want {
		t.Errorf("log:\n%q\nwant:\n%q", b.String(), want)
	}

	b.Reset()
	p = newSyncProgress(&b, accts, names, true, 200, 24)
	p.Handle(sync.Event{Kind: sync.Started, AccountID: 1, Trigger: sync.Manual})
	p.Stopping()
	p.Close()
	if got := b.String(); !strings.Contains(got, "\x1b[3A\r\x1b[2Kme · Omron Wellness  stopping: storing the page being fetched") {
		t.Errorf("terminal: the first line is not redrawn in place with the notice:\n%q", got)
	}
}
