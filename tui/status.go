package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vitals/store"
	"vitals/sync"
)

// The status line: what the sync engine is doing for each account, or
// the notice of the last action.

// syncStatus is what the status line says about one account's sync.
type syncStatus struct {
	title       string
	kind        sync.EventKind
	stream      string
	pages       int
	added       int // new readings this round
	until       time.Time
	rateLimited bool
	err         string
	at          time.Time
}

// onSyncEvent updates the status line and reloads when readings or an
// account's state changed.
func (m *model) onSyncEvent(ev sync.Event) tea.Cmd {
	if m.profile.ID != 0 && ev.ProfileID != 0 && ev.ProfileID != m.profile.ID {
		return nil // another person's account
	}
	st := m.syncs[ev.AccountID]
	if st == nil || ev.Kind == sync.Started {
		st = &syncStatus{}
		m.syncs[ev.AccountID] = st
	}
	st.title = ev.Account
	if st.title == "" {
		st.title = store.Account{Provider: ev.Provider}.Title()
	}
	st.kind, st.at = ev.Kind, ev.At
	st.err, st.until, st.rateLimited = "", time.Time{}, false
	// Events lost by a slow subscriber: the database knows best.
	reload := ev.Dropped > 0
	switch ev.Kind {
	case sync.PageStored:
		st.stream, st.pages = ev.Stream, ev.Pages
		st.added += ev.Added
		// A page reloads when it stored anything: new measurements, new
		// routes to held ones (what Sources counts), corrections.
		reload = reload || ev.Added+ev.Held+ev.Updated > 0
	case sync.Waiting:
		st.stream, st.until, st.rateLimited = ev.Stream, ev.Until, ev.RateLimited
		if ev.Err != nil {
			st.err = ev.Err.Error()
		}
	case sync.Finished:
		st.added = max(st.added, ev.Added)
		reload = true // the last sync times changed
	case sync.Failed, sync.NeedsRelink:
		if ev.Err != nil {
			st.err = ev.Err.Error()
		}
		reload = true
	}
	if !reload {
		return nil
	}
	return m.requestReload()
}

// statusText is the status line's text for a line w cells wide, and
// whether it reports a problem. It says every account's state: when the
// full sentences do not fit, it drops counts and words before accounts.
func (m *model) statusText(w int) (string, bool) {
	if m.notice != "" {
		return m.notice, m.bad
	}
	var text string
	bad := false
	for level := range 4 {
		text, bad = m.syncSummary(level)
		if ansi.StringWidth(text) <= w {
			break
		}
	}
	return text, bad
}

// syncSummary writes the accounts' sync states: tersely from level 1 on,
// from level 2 with only the marks and names of the accounts that are
// well, and at level 3 without "Offline".
func (m *model) syncSummary(level int) (string, bool) {
	var parts []string
	bad := false
	for _, id := range m.syncOrder() {
		st := m.syncs[id]
		s, b := m.eventPart(st, m.accountName(id, st.title), level)
		parts = append(parts, s)
		bad = bad || b
	}
	if len(parts) > 0 {
		return strings.Join(parts, " · "), bad
	}
	// No events yet: the database's record of each account.
	if m.data != nil {
		for _, a := range m.data.accounts {
			if a.Syncs() {
				parts = append(parts, m.recordPart(a, a.short, level))
			}
		}
	}
	prefix := "Syncing in the background"
	if m.opts.Engine == nil {
		prefix = "Offline: showing the database"
	}
	if len(parts) == 0 {
		if m.opts.Engine == nil {
			return prefix + " · no linked accounts", false
		}
		return "No linked accounts: link one on " + TabSources.ref(), false
	}
	if level > 0 {
		// "Offline" stays while there is room: the engine's absence is
		// worth a word; its presence is the normal case.
		if m.opts.Engine != nil || level == 3 {
			return strings.Join(parts, " · "), false
		}
		prefix = "Offline"
	}
	return prefix + " · " + strings.Join(parts, " · "), false
}

// eventPart says what an account's last event says: more tersely from
// level 1 on, with only its mark and name from level 2 (when it is well).
// It reports whether the account is in trouble.
func (m *model) eventPart(st *syncStatus, name string, level int) (string, bool) {
	now := m.set.now()
	switch st.kind {
	case sync.Started:
		return "⟳ " + name + ": syncing…", false
	case sync.PageStored:
		s := fmt.Sprintf("⟳ %s: %s, page %d", name, st.stream, st.pages)
		if level > 0 {
			s = fmt.Sprintf("⟳ %s: %s p%d", name, st.stream, st.pages)
		} else if st.added > 0 {
			s += fmt.Sprintf(", %s new", thousands(float64(st.added)))
		}
		return s, false
	case sync.Waiting:
		why := "retrying"
		if st.rateLimited {
			why = "rate-limited"
		}
		until := st.until.In(m.set.loc).Format("15:04:05")
		if level > 0 {
			return fmt.Sprintf("… %s: %s until %s", name, why, until), false
		}
		return fmt.Sprintf("… %s: %s, waiting until %s", name, why, until), false
	case sync.Finished:
		s := fmt.Sprintf("✓ %s synced %s", name, ago(now, st.at))
		if level > 1 {
			s = "✓ " + name
		} else if level > 0 {
			s = fmt.Sprintf("✓ %s %s", name, ago(now, st.at))
		} else if st.added > 0 {
			s += fmt.Sprintf(" (%s new)", thousands(float64(st.added)))
		}
		return s, false
	case sync.Failed:
		return fmt.Sprintf("✗ %s: %s", name, st.err), true
	case sync.NeedsRelink:
		if level > 0 {
			return fmt.Sprintf("✗ %s needs relinking", name), true
		}
		return fmt.Sprintf("✗ %s needs relinking (Sources, r)", name), true
	}
	return name, false
}

// recordPart says what the database records of an account's syncs,
// before any event of this session.
func (m *model) recordPart(a accountInfo, name string, level int) string {
	now := m.set.now()
	switch {
	case a.State == store.StateNeedsRelink:
		return "✗ " + name + " needs relinking"
	case a.LastError != "" && level > 0:
		return "✗ " + name + " failed " + ago(now, a.LastSyncAt)
	case a.LastError != "":
		return "✗ " + name + " last sync failed " + ago(now, a.LastSyncAt)
	case a.LastSuccessAt.IsZero() && m.opts.Engine != nil:
		return "⟳ " + name + ": first sync…"
	case a.LastSuccessAt.IsZero():
		return "… " + name + " not synced yet"
	case level > 1:
		return "✓ " + name
	case level > 0:
		return "✓ " + name + " " + ago(now, a.LastSuccessAt)
	}
	return "✓ " + name + " synced " + ago(now, a.LastSuccessAt)
}

// openDetails shows the status line's whole message, which the line may
// have had to cut: the last notice, and every account's sync state with
// its error in full.
func (m *model) openDetails() {
	var lines []string
	if m.notice != "" {
		l := m.notice
		if m.bad && !strings.Contains(l, "✗") {
			l = "✗ " + l
		}
		lines = append(lines, l)
	}
	for _, id := range m.syncOrder() {
		st := m.syncs[id]
		s, _ := m.eventPart(st, st.title, 0)
		if st.kind == sync.Waiting && st.err != "" {
			s += ": " + st.err
		}
		lines = append(lines, s)
	}
	if m.data != nil {
		for _, a := range m.data.accounts {
			if !a.Syncs() || m.syncs[a.ID] != nil {
				continue
			}
			s := m.recordPart(a, a.Title(), 0)
			if a.LastError != "" {
				s += ": " + a.LastError
			}
			lines = append(lines, s)
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "Nothing to report: no message, and no linked account.")
	}
	m.details = lines
	m.overlay = overlayDetails
}

// accountName is the short name of an account, for the status line;
// title is what the engine called it.
func (m *model) accountName(id int64, title string) string {
	if m.data != nil {
		for _, a := range m.data.accounts {
			if a.ID == id {
				return a.short
			}
		}
	}
	return shortTitle(store.Account{Label: title})
}

func (m *model) syncOrder() []int64 { return slices.Sorted(maps.Keys(m.syncs)) }
