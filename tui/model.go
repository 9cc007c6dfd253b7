package tui

import (
	"context"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

// Messages the program receives besides terminal input (and the actions'
// own, in actions.go).
type (
	// dataMsg carries a snapshot loaded by loadCmd; seq tells a stale
	// load (the period or profile changed meanwhile) from the current one.
	dataMsg struct {
		seq  int
		snap *snapshot
		err  error
	}
	profilesMsg struct {
		profiles []store.Profile
		err      error
	}
	// syncEventMsg is an event of the sync engine, sent by the subscriber
	// goroutine that Run starts.
	syncEventMsg  sync.Event
	reloadTickMsg struct{}
	clockTickMsg  time.Time
)

type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayPicker
	overlayLinkMenu
	overlayConfirm
	overlayAction
	overlayDetails // the status line's whole message (e)
	overlayWrite   // the write menu and its file name (w)
	overlayAck     // the note of an acknowledgement (A on Alerts)
	overlayEnroll  // an enrollment link: the provider, then the link and its QR code (E)
)

// model is the dashboard's one root model.
type model struct {
	ctx    context.Context // ends when the program does: loads and actions follow it
	opts   Options
	set    settings
	keys   KeyMap
	st     styles
	static bool // vitals show: no key hints, no overlays

	// Sizes, laid out on a resize or a new snapshot (layout.go); Update
	// and the screens only read them.
	width, height int
	bodyW, bodyH  int
	bpLayout      bpLayout           // the blood-pressure screen's division
	reviewMax     int                // the review's largest scroll position
	tabSpans      [tabCount][][2]int // the tab bar's columns, by the tab open

	tab      Tab
	rng      Range
	end      health.Date // zero: today, or the newest data (resolvePeriod)
	profile  store.Profile
	profiles []store.Profile

	data        *snapshot
	loading     bool
	loadSeq     int
	reloadTimer bool // a reload is scheduled
	reloadAgain bool // events arrived while loading
	debounce    time.Duration

	// Screen state: the root model owns it; screens only read it.
	bpOffset, alertOffset, reviewOffset, sourceSel int
	actDay                                         health.Date
	actDayChosen                                   bool // by the person (, and .), not by the dashboard

	syncs  map[int64]*syncStatus
	notice string
	bad    bool // the notice is an error

	// mouseOff gives the mouse to the terminal (m), so that text can be
	// selected and copied; the dashboard then ignores clicks and wheels.
	mouseOff bool
	// details are the lines of the details overlay, taken when it opens.
	details []string

	// The lists' filters (/): each list tab keeps its own text; the rows
	// each keeps are worked out when the text or the data changes.
	filters   [tabCount]string
	filtering bool // typing into filterIn
	filterIn  textinput.Model
	rows      filteredRows

	write  *writeState  // the write menu, then its file name
	enroll *enrollState // the enrollment box (E): provider, then the link shown once

	panelSt panelState // the Panel tab's order, filter and selection
	ack     *ackState  // the acknowledgement being written (A on Alerts)

	overlay  overlay
	picker   picker
	action   *actionState
	actionID int
	confirm  *accountInfo
}

func newModel(o Options) *model {
	m := &model{
		ctx:      context.Background(),
		opts:     o,
		set:      o.settings(),
		keys:     DefaultKeyMap(),
		tab:      o.Tab,
		rng:      o.Range,
		profile:  o.Profile,
		syncs:    map[int64]*syncStatus{},
		debounce: 750 * time.Millisecond,
	}
	m.setTheme(true)
	return m
}

func (m *model) setTheme(dark bool) {
	m.st = newStyles(dark)
	m.filterIn = newFilterInput(dark, m.filterIn)
}

func (m *model) query() query {
	return query{profile: m.profile, rng: m.rng, end: m.end, syncing: m.opts.Engine != nil, panel: m.tab == TabPanel}
}

// Init loads the data and asks the terminal for its background colour.
func (m *model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.loadCmd(), m.profilesCmd(), clockTick())
}

// loadCmd reads a snapshot in a command: the database is never read in
// Update.
func (m *model) loadCmd() tea.Cmd {
	m.loadSeq++
	m.loading = true
	seq, db, q, set, parent := m.loadSeq, m.opts.DB, m.query(), m.set, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, 30*time.Second)
		defer cancel()
		snap, err := load(ctx, db, q, set)
		return dataMsg{seq: seq, snap: snap, err: err}
	}
}

func (m *model) profilesCmd() tea.Cmd {
	db, ctx := m.opts.DB, m.ctx
	return func() tea.Msg {
		ps, err := loadProfiles(ctx, db)
		return profilesMsg{ps, err}
	}
}

func clockTick() tea.Cmd {
	return tea.Tick(30*time.Second, func(t time.Time) tea.Msg { return clockTickMsg(t) })
}

// requestReload schedules a reload after the debounce delay, folding the
// events of a busy sync into one read of the database.
func (m *model) requestReload() tea.Cmd {
	if m.loading {
		m.reloadAgain = true
		return nil
	}
	if m.reloadTimer {
		return nil
	}
	m.reloadTimer = true
	return tea.Tick(m.debounce, func(time.Time) tea.Msg { return reloadTickMsg{} })
}

// applySnapshot takes a freshly loaded snapshot and keeps the screens'
// positions where they still make sense.
func (m *model) applySnapshot(s *snapshot) {
	prev := m.data
	m.data = s
	if prev == nil || prev.period != s.period || prev.profile.ID != s.profile.ID {
		m.bpOffset, m.alertOffset, m.reviewOffset = 0, 0, 0
	}
	if _, ok := s.ac.byDay[m.actDay]; !ok || !s.period.Contains(m.actDay) || !m.actDayChosen {
		// The latest day with an hourly breakdown: today, just begun,
		// would show a few empty hours. Chosen again with every snapshot
		// until the person picks a day, since a sync may bring the hours
		// of later days.
		m.actDayChosen = false
		m.actDay = s.period.End
		if n := len(s.ac.hourlyDays); n > 0 {
			m.actDay = s.ac.hourlyDays[n-1]
		} else if n := len(s.ac.days); n > 0 {
			m.actDay = s.ac.days[n-1]
		}
	}
	if prev != nil && m.sourceSel < len(prev.accounts) {
		id := prev.accounts[m.sourceSel].ID
		for i, a := range s.accounts {
			if a.ID == id {
				m.sourceSel = i
			}
		}
	}
	m.sourceSel = min(m.sourceSel, max(len(s.accounts)-1, 0))
	// The status line speaks of the profile's accounts only: not of one
	// unlinked since its last event.
	for id := range m.syncs {
		if !slices.ContainsFunc(s.accounts, func(a accountInfo) bool { return a.ID == id }) {
			delete(m.syncs, id)
		}
	}
	m.applyFilters()
	m.layout()
	m.clampScroll()
	m.clampPanel()
}

func (m *model) say(format string, args ...any) {
	m.notice, m.bad = fmt.Sprintf(format, args...), false
}

func (m *model) fail(format string, args ...any) {
	m.notice, m.bad = fmt.Sprintf(format, args...), true
}

// Update is the program's one Update: it changes state and returns
// commands; it reads nothing from the database.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		m.clampScroll()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setTheme(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.MouseClickMsg:
		if m.mouseOff {
			return m, nil
		}
		return m, m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		if m.mouseOff {
			return m, nil
		}
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			m.scroll(-3)
		case tea.MouseWheelDown:
			m.scroll(3)
		}
		return m, nil
	case dataMsg:
		if msg.seq != m.loadSeq {
			return m, nil // a newer load is on its way
		}
		m.loading = false
		if msg.err != nil {
			m.fail("Could not read the database: %v", msg.err)
		} else {
			m.applySnapshot(msg.snap)
		}
		if m.reloadAgain {
			m.reloadAgain = false
			return m, m.requestReload()
		}
		return m, nil
	case profilesMsg:
		if msg.err != nil {
			m.fail("%v", msg.err)
			return m, nil
		}
		m.profiles = msg.profiles
		return m, nil
	case syncEventMsg:
		return m, m.onSyncEvent(sync.Event(msg))
	case reloadTickMsg:
		m.reloadTimer = false
		return m, m.loadCmd()
	case clockTickMsg:
		var cmd tea.Cmd
		if m.data != nil && m.end.IsZero() && m.set.today() != m.data.today {
			cmd = m.loadCmd() // midnight passed: today is a new day
		}
		return m, tea.Batch(cmd, clockTick())
	case actionMsg:
		return m, m.onAction(msg)
	case systemsMsg:
		if msg.err != nil {
			m.fail("Could not list the systems of %s: %v", msg.account.Title(), msg.err)
			return m, nil
		}
		if len(msg.systems) == 0 {
			m.say("%s offers no systems to connect.", msg.account.Title())
			return m, nil
		}
		m.notice = ""
		return m, m.openPicker(newSystemPicker(msg.account, msg.systems, m.st.dark))
	case suggestedMsg:
		return m, m.onSuggested(msg)
	case writtenMsg:
		return m, m.onWritten(msg)
	case ackedMsg:
		return m, m.onAcked(msg)
	case enrolledMsg:
		return m, m.onEnrolled(msg)
	case syncRequestedMsg:
		if msg.err != nil {
			m.fail("Sync could not start: %v", msg.err)
		} else {
			m.say("Sync requested for %s.", howMany(msg.n, "account", "accounts"))
		}
		return m, nil
	}
	// Anything else goes to the text field that has the keys (its cursor).
	var cmd tea.Cmd
	switch {
	case m.overlay == overlayPicker:
		m.picker.input, cmd = m.picker.input.Update(msg)
	case m.overlay == overlayWrite && m.write != nil && m.write.step == writeName:
		m.write.input, cmd = m.write.input.Update(msg)
	case m.overlay == overlayAck && m.ack != nil:
		m.ack.input, cmd = m.ack.input.Update(msg)
	case m.overlay == overlayNone && m.filtering:
		m.filterIn, cmd = m.filterIn.Update(msg) // a paste, too
		m.setFilter(m.filterIn.Value())
	}
	return m, cmd
}
