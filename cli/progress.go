package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"vitals/store"
	"vitals/sync"
)

// syncProgress shows a headless sync's events: on a terminal, one line per
// account redrawn in place (one summary line when the accounts outnumber
// the terminal's rows); elsewhere a plain log, a line per event. Feed it
// every event with Handle, then call Close. Not safe for concurrent use.
type syncProgress struct {
	w      io.Writer
	term   bool
	width  int
	single bool // one summary line instead of a line per account

	lines []*progressLine
	byID  map[int64]*progressLine
	drawn bool
}

type progressLine struct {
	label string
	text  string
	state sync.EventKind
	begun bool
	c     struct{ added, updated, unchanged, pages int }
}

// newSyncProgress prepares the display of accounts' progress on w. names maps
// profile ids to the names shown beside each account. On a terminal
// (term true) width and height are its size in cells (0 when unknown).
func newSyncProgress(w io.Writer, accounts []store.Account, names map[int64]string, term bool, width, height int) *syncProgress {
	p := &syncProgress{w: w, term: term, width: width, byID: map[int64]*progressLine{}}
	labelWidth := 0
	for _, a := range accounts {
		l := &progressLine{label: names[a.ProfileID] + " · " + a.Title(), text: "queued", state: -1}
		labelWidth = max(labelWidth, ansi.StringWidth(l.label))
		p.lines = append(p.lines, l)
		p.byID[a.ID] = l
	}
	for _, l := range p.lines {
		l.label += strings.Repeat(" ", labelWidth-ansi.StringWidth(l.label))
	}
	p.single = term && height > 0 && len(accounts) > height-2
	return p
}

// Handle shows one event.
func (p *syncProgress) Handle(ev sync.Event) {
	l := p.byID[ev.AccountID]
	if l == nil {
		return // an account this display was not asked about
	}
	msg := describe(l, ev)
	if !p.term {
		fmt.Fprintf(p.w, "%s: %s\n", strings.TrimRight(l.label, " "), msg)
		return
	}
	l.text = msg
	p.draw(l)
}

// Stopping says, on every account still syncing, that the sync is
// stopping: the page being fetched is stored first, which may take as
// long as the provider takes to answer (up to Options.ShutdownGrace).
func (p *syncProgress) Stopping() {
	const msg = "stopping: storing the page being fetched (Ctrl-C again quits at once; what is stored stays)"
	for _, l := range p.lines {
		if !l.begun || l.state == sync.Finished || l.state == sync.Failed || l.state == sync.NeedsRelink {
			continue
		}
		if !p.term {
			fmt.Fprintf(p.w, "%s: %s\n", strings.TrimRight(l.label, " "), msg)
			continue
		}
		l.text = msg
		p.draw(l)
	}
}

// describe updates a line's counts with ev and says what happened.
func describe(l *progressLine, ev sync.Event) string {
	if ev.Kind == sync.Started {
		l.c = struct{ added, updated, unchanged, pages int }{}
	}
	l.state = ev.Kind
	switch ev.Kind {
	case sync.Started:
		l.begun = true
		return fmt.Sprintf("syncing (%s)…", ev.Trigger)
	case sync.PageStored:
		l.c.added += ev.Added
		l.c.updated += ev.Updated
		l.c.unchanged += ev.Unchanged
		l.c.pages = ev.Pages
		return fmt.Sprintf("%s: page %d stored; %s so far", ev.Stream, l.c.pages, counts(l.c.added, l.c.updated, l.c.unchanged))
	case sync.Waiting:
		wait := ev.Until.Sub(ev.At).Round(time.Second)
		if ev.RateLimited {
			return fmt.Sprintf("%s: rate limited by the provider, resuming in %s (at %s)", ev.Stream, wait, ev.Until.Local().Format("15:04:05"))
		}
		return fmt.Sprintf("%s: %v; trying again in %s", ev.Stream, errLine(ev.Err), max(wait, time.Second))
	case sync.Finished:
		l.c.added, l.c.updated, l.c.unchanged = ev.Added, ev.Updated, ev.Unchanged
		return "✓ done: " + counts(ev.Added, ev.Updated, ev.Unchanged)
	case sync.Failed:
		return "✗ failed: " + errLine(ev.Err)
	case sync.NeedsRelink:
		return "✗ needs linking again: the provider refused its credentials"
	}
	return ev.Kind.String()
}

func counts(added, updated, unchanged int) string {
	return fmt.Sprintf("%d new, %d updated, %d unchanged", added, updated, unchanged)
}

func errLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// draw redraws one line in place: the cursor rests below the block of
// lines, so a line is reached by moving up and back down.
func (p *syncProgress) draw(changed *progressLine) {
	if p.single {
		p.drawSummary()
		return
	}
	if !p.drawn {
		for _, l := range p.lines {
			fmt.Fprintf(p.w, "%s\n", p.fit(l.label+"  "+l.text))
		}
		p.drawn = true
		return
	}
	for i, l := range p.lines {
		if l != changed {
			continue
		}
		up := len(p.lines) - i
		fmt.Fprintf(p.w, "\x1b[%dA\r\x1b[2K%s\x1b[%dB\r", up, p.fit(l.label+"  "+l.text), up)
	}
}

func (p *syncProgress) drawSummary() {
	var done, failed, relink, running, added int
	for _, l := range p.lines {
		switch l.state {
		case sync.Finished:
			done++
		case sync.Failed:
			failed++
		case sync.NeedsRelink:
			relink++
		case sync.Started, sync.PageStored, sync.Waiting:
			running++
		}
		added += l.c.added
	}
	s := fmt.Sprintf("syncing %d accounts: %d done, %d running, %d failed, %d need linking again; %d new readings",
		len(p.lines), done, running, failed, relink, added)
	fmt.Fprintf(p.w, "\r\x1b[2K%s", p.fit(s))
	p.drawn = true
}

// fit cuts a line to the terminal's width, so it never wraps and throws
// the in-place redraw off.
func (p *syncProgress) fit(s string) string {
	if p.width <= 1 {
		return s
	}
	return ansi.Truncate(s, p.width-1, "…")
}

// Close leaves the display complete: on a terminal, every line drawn and
// the cursor below them.
func (p *syncProgress) Close() {
	if !p.term {
		return
	}
	if p.single {
		p.drawSummary()
		fmt.Fprintln(p.w)
		return
	}
	if !p.drawn {
		p.draw(nil)
	}
}
