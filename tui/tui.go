// Package tui is the vitals dashboard: a Bubble Tea program with one root
// model. Screens are components that render from a snapshot of the
// database; they keep no state and run no Update of their own. Database
// reads happen in commands, never in Update; the sync engine's events reach
// the program through Program.Send from a subscriber goroutine.
//
// The package knows the sync engine, the linking flows and the report and
// export writers only through the small Engine, Actions and Files
// interfaces, which the command line implements; each runs in a command.
//
// Choices a user meets: / filters the list on screen (blood pressure
// table, alerts, sources; each keeps its own filter, words match in any
// order, esc clears); m hands the mouse to the terminal to select text and
// takes it back (the period bar says "mouse off" meanwhile); a status line
// too long for the terminal ends with "… e: whole message" and e shows it
// whole with every account's error; w writes the clinician's report (md,
// html, pdf) or an export (CSV folder, FHIR bundle) of the period on
// screen, to a fresh name that can be edited, and asks (a second enter)
// before replacing a file. While a linked account's first sync runs (an
// engine is running, and the account has neither finished nor failed a
// sync), the period is never anchored on the old readings that arrive
// first, and the screens say that readings are still arriving.
package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

// Engine is the background sync engine, as the dashboard needs it;
// *sync.Engine satisfies it.
type Engine interface {
	// SyncNow asks for a sync round of the given accounts now. It returns
	// at once; progress arrives as events.
	SyncNow(accountIDs ...int64)
	// Subscribe returns a channel of the engine's events and a function
	// that ends the subscription and closes the channel. The engine may
	// drop events for a slow subscriber; Event.Dropped says so.
	Subscribe() (<-chan sync.Event, func())
}

// Actions are the browser-based steps of linking, which run outside the
// dashboard's Update as commands. Each is given a context that ends when
// the person cancels (Esc), and a show function to call with the address
// the person must open (the screen shows it, copyable, while the action
// waits). show may be called more than once; it must not be called after
// the action returns.
type Actions interface {
	// Link links a new account of the provider (store.ProviderOmron or
	// store.ProviderOneUp) to the profile.
	Link(ctx context.Context, profile store.Profile, provider store.Provider, show func(url string)) (store.Account, error)
	// Relink links an account again after the provider refused its
	// credentials.
	Relink(ctx context.Context, account store.Account, show func(url string)) error
	// Unlink forgets an account and its tokens. The dashboard has asked
	// the person first.
	Unlink(ctx context.Context, account store.Account) error
	// Systems lists the health systems and devices an aggregator account
	// (1upHealth) can connect.
	Systems(ctx context.Context, account store.Account) ([]store.System, error)
	// Connect connects a system through the aggregator account.
	Connect(ctx context.Context, account store.Account, system store.System, show func(url string)) error
}

// Options configure the dashboard.
type Options struct {
	DB      *store.DB
	Profile store.Profile // whose readings show first

	Units     health.Units
	Rulebook  health.Rulebook
	StepGoal  int // steps a day; 8,000 when 0
	QuietDays int // a source without data this many days is flagged; 7 when 0

	Engine  Engine  // nil: offline, the database as it is
	Actions Actions // nil: linking happens on the command line
	Files   Files   // nil: reports and exports are written on the command line
	// Enroll makes an enrollment link for a profile (vitals enroll); nil
	// when no hub's public address is configured.
	Enroll func(ctx context.Context, profile store.Profile, provider store.Provider) (EnrollmentLink, error)

	Tab Tab // the first screen
	// Who is the clinician acknowledging alerts on the Alerts tab (the
	// operating system's user); "" refuses acknowledgements.
	Who   string
	Range Range // the first period

	// Now and Location are the clock and the viewer's zone (time.Now and
	// time.Local when nil); tests fix them.
	Now      func() time.Time
	Location *time.Location

	// ProgramOptions are passed to tea.NewProgram (tests set input,
	// output, window size and colour profile).
	ProgramOptions []tea.ProgramOption
}

func (o Options) settings() settings {
	s := settings{units: o.Units, rulebook: o.Rulebook, stepGoal: o.StepGoal, quietDays: o.QuietDays, now: o.Now, loc: o.Location}
	if s.units == (health.Units{}) {
		s.units = health.MetricUnits()
	}
	if s.rulebook == "" {
		s.rulebook = health.AHA2025
	}
	if s.stepGoal <= 0 {
		s.stepGoal = 8000
	}
	if s.quietDays <= 0 {
		s.quietDays = 7
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.Local
	}
	return s
}

// Run shows the dashboard until the person quits or ctx ends. Cancelling
// ctx (the command's signal handling) quits the program; the engine,
// which the caller owns, finishes its page on the same cancellation.
func Run(ctx context.Context, o Options) error {
	if o.DB == nil {
		return errors.New("tui: no database")
	}
	m := newModel(o)
	m.ctx = ctx
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, o.ProgramOptions...)...)
	if o.Engine != nil {
		// The subscriber goroutine: events reach the program through Send,
		// and it ends when the subscription closes its channel.
		events, unsubscribe := o.Engine.Subscribe()
		defer unsubscribe()
		go func() {
			for ev := range events {
				p.Send(syncEventMsg(ev))
			}
		}()
	}
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // quit by a signal or the caller: not an error
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// Screen says which screen Render draws, and how large.
type Screen struct {
	Tab           Tab
	Range         Range
	Width, Height int
	Light         bool // draw for a light background
}

// Render draws one screen without a terminal, for vitals show: the same
// code as the dashboard, with the data loaded before drawing. The result
// carries colours as ANSI sequences; write it through a colour-profile
// writer (colorprofile.NewWriter) to strip them where they do not belong.
func Render(ctx context.Context, o Options, s Screen) (string, error) {
	if o.DB == nil {
		return "", errors.New("tui: no database")
	}
	o.Tab, o.Range = s.Tab, s.Range
	m := newModel(o)
	m.ctx = ctx
	m.static = true
	m.setTheme(!s.Light)
	m.resize(s.Width, s.Height)
	snap, err := load(ctx, o.DB, m.query(), m.set)
	if err != nil {
		return "", err
	}
	m.applySnapshot(snap)
	if ps, err := loadProfiles(ctx, o.DB); err == nil {
		m.profiles = ps
	}
	return m.render(), nil
}

// Tab is one screen of the dashboard.
type Tab int

const (
	TabOverview Tab = iota
	TabBP
	TabWeight
	TabActivity
	TabVitals
	TabAlerts
	TabSources
	TabReview
	TabPanel // the clinician's patient list: every profile
	tabCount
)

var tabNames = [tabCount]struct{ flag, title, short string }{
	{"overview", "Overview", "Overview"},
	{"bp", "Blood pressure", "BP"},
	{"weight", "Weight", "Weight"},
	{"activity", "Activity", "Steps"},
	{"vitals", "Vitals", "Vitals"},
	{"alerts", "Alerts", "Alerts"},
	{"sources", "Sources", "Sources"},
	{"review", "Review", "Review"},
	{"panel", "Panel", "Pts"},
}

func (t Tab) String() string { return tabNames[t].title }

// ref names a tab in a sentence with the key that opens it: "the Alerts
// tab (key 6)". A bare "Alerts (6)" reads like a count of six alerts.
func (t Tab) ref() string { return fmt.Sprintf("the %s tab (key %d)", t, t+1) }

// TabNames lists the tabs as --tab spells them.
func TabNames() []string {
	var out []string
	for _, n := range tabNames {
		out = append(out, n.flag)
	}
	return out
}

// ParseTab reads a tab's name as --tab spells it.
func ParseTab(s string) (Tab, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range tabNames {
		if s == n.flag || s == strings.ToLower(n.title) {
			return Tab(i), nil
		}
	}
	switch s {
	case "bloodpressure", "blood-pressure":
		return TabBP, nil
	case "steps":
		return TabActivity, nil
	}
	return 0, fmt.Errorf("tab %q: want one of %s", s, strings.Join(TabNames(), ", "))
}
