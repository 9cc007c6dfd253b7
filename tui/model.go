package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

// Messages the program receives besides terminal input.
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
	// actionMsg is progress of a linking action: the address to show, or
	// its end.
	actionMsg struct {
		id   int
		url  string
		done bool
		err  error
		text string // what happened, for the status line
	}
	systemsMsg struct {
		account store.Account
		systems []store.System
		err     error
	}
	syncRequestedMsg struct {
		n   int
		err error
	}
)

type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayPicker
	overlayLinkMenu
	overlayConfirm
	overlayAction
)

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

// actionState is a linking action in progress.
type actionState struct {
	id     int
	title  string
	url    string
	ch     chan actionMsg
	cancel context.CancelFunc
	done   bool // cancelled, waiting for the action to return
}

// model is the dashboard's one root model.
type model struct {
	ctx    context.Context // ends when the program does: loads and actions follow it
	opts   Options
	set    settings
	keys   KeyMap
	st     styles
	static bool // vitals show: no key hints, no overlays

	width, height int
	bodyW, bodyH  int
	bpLayout      bpLayout // the blood-pressure screen's division, per size

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

func (m *model) setTheme(dark bool) { m.st = newStyles(dark) }

// resize computes the layout once per size change.
func (m *model) resize(w, h int) {
	m.width, m.height = w, h
	m.bodyW = max(w-2, 0)
	chrome := 4 // tab bar, period bar, status line, key hints
	if m.static {
		chrome = 3
	}
	m.bodyH = max(h-chrome, 0)
	m.picker.setWidth(m.pickerWidth())
	m.layout()
}

// pickerWidth is the width of the picker's box content at this size.
func (m *model) pickerWidth() int { return m.picker.width(min(m.overlayWidth()-4, 70)) }

// openPicker shows p, sized for the terminal.
func (m *model) openPicker(p picker) tea.Cmd {
	m.picker = p
	m.picker.setWidth(m.pickerWidth())
	m.overlay = overlayPicker
	return m.picker.input.Focus()
}

// layout divides the screens that share their height between a chart
// and a list. It depends on the size and on the data (a chart takes the
// rows its values need), so it runs on a resize and on new data, never
// while drawing a frame.
func (m *model) layout() {
	var chart func(int) int
	stats := 4
	if m.data != nil && len(m.data.bp.readings) > 0 {
		f := m.frame()
		if d := m.data.bp; d.sys.empty() {
			chart = func(int) int { return 2 } // a sentence instead
		} else {
			c := f.bpChart(true)
			chart = c.height
		}
		stats = len(flow(f.bpStats(), m.bodyW))
	}
	m.bpLayout = bpLayoutFor(m.bodyH, chart, stats)
}

func (m *model) query() query { return query{profile: m.profile, rng: m.rng, end: m.end} }

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
	m.layout()
	m.clampScroll()
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
		return m, m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
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
	case syncRequestedMsg:
		if msg.err != nil {
			m.fail("Sync could not start: %v", msg.err)
		} else {
			m.say("Sync requested for %s.", plural(msg.n, "account", "accounts"))
		}
		return m, nil
	}
	if m.overlay == overlayPicker {
		var cmd tea.Cmd
		m.picker.input, cmd = m.picker.input.Update(msg)
		return m, cmd
	}
	return m, nil
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
		reload = reload || ev.Added+ev.Updated > 0
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

func (m *model) onKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return m.quit()
	}
	m.notice = ""
	switch m.overlay {
	case overlayHelp:
		if key.Matches(k, m.keys.Help, m.keys.Back) {
			m.overlay = overlayNone
		} else if key.Matches(k, m.keys.Quit) {
			return m.quit()
		}
		return nil
	case overlayPicker:
		return m.onPickerKey(k)
	case overlayLinkMenu:
		switch {
		case key.Matches(k, m.keys.LinkOmron):
			m.overlay = overlayNone
			return m.startLink(store.ProviderOmron)
		case key.Matches(k, m.keys.LinkOneUp):
			m.overlay = overlayNone
			return m.startLink(store.ProviderOneUp)
		case key.Matches(k, m.keys.Back, m.keys.Quit):
			m.overlay = overlayNone
		}
		return nil
	case overlayConfirm:
		a := m.confirm
		switch {
		case key.Matches(k, m.keys.Yes):
			m.overlay, m.confirm = overlayNone, nil
			return m.startUnlink(a.Account)
		case key.Matches(k, m.keys.No):
			m.overlay, m.confirm = overlayNone, nil
			m.say("Kept %s.", a.Title())
		}
		return nil
	case overlayAction:
		switch {
		case key.Matches(k, m.keys.Back):
			if m.action != nil && !m.action.done {
				m.action.cancel()
				m.action.done = true
			}
		case key.Matches(k, m.keys.Copy):
			if m.action != nil && m.action.url != "" {
				m.say("Address copied to the clipboard (if the terminal allows it).")
				return tea.SetClipboard(m.action.url)
			}
		}
		return nil
	}

	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Help):
		m.overlay = overlayHelp
	case key.Matches(k, m.keys.NextTab):
		m.tab = (m.tab + 1) % tabCount
	case key.Matches(k, m.keys.PrevTab):
		m.tab = (m.tab + tabCount - 1) % tabCount
	case key.Matches(k, m.keys.Tabs):
		m.tab = Tab(k.String()[0] - '1')
	case key.Matches(k, m.keys.Longer):
		if m.rng < RangeAll {
			return m.setRange(m.rng + 1)
		}
	case key.Matches(k, m.keys.Shorter):
		if m.rng > Range7d {
			return m.setRange(m.rng - 1)
		}
	case key.Matches(k, m.keys.Earlier):
		return m.move(-1)
	case key.Matches(k, m.keys.Later):
		return m.move(1)
	case key.Matches(k, m.keys.Today):
		if !m.end.IsZero() {
			m.end = health.Date{}
			return m.loadCmd()
		}
	case key.Matches(k, m.keys.Profile):
		return m.openProfiles()
	case key.Matches(k, m.keys.Sync):
		return m.syncNow(false)
	case key.Matches(k, m.keys.Up):
		m.scroll(-1)
	case key.Matches(k, m.keys.Down):
		m.scroll(1)
	case key.Matches(k, m.keys.PageUp):
		m.scroll(-max(m.visibleRows()-1, 1))
	case key.Matches(k, m.keys.PageDown):
		m.scroll(max(m.visibleRows()-1, 1))
	case key.Matches(k, m.keys.Top):
		m.scroll(-1 << 30)
	case key.Matches(k, m.keys.Bottom):
		m.scroll(1 << 30)
	case key.Matches(k, m.keys.DayBefore):
		m.moveDay(-1)
	case key.Matches(k, m.keys.DayAfter):
		m.moveDay(1)
	case key.Matches(k, m.keys.SyncOne):
		return m.syncNow(true)
	case key.Matches(k, m.keys.Link):
		return m.openLinkMenu()
	case key.Matches(k, m.keys.Connect):
		return m.connect()
	case key.Matches(k, m.keys.Relink):
		return m.relink()
	case key.Matches(k, m.keys.Unlink):
		return m.askUnlink()
	}
	return nil
}

func (m *model) quit() tea.Cmd {
	if m.action != nil && !m.action.done {
		m.action.cancel()
	}
	return tea.Quit
}

func (m *model) setRange(r Range) tea.Cmd {
	m.rng = r
	if m.data != nil && !m.end.IsZero() {
		m.end = m.data.period.End
	}
	return m.loadCmd()
}

// move shifts the period by its own length, never past today.
func (m *model) move(dir int) tea.Cmd {
	if m.data == nil {
		return nil
	}
	if m.rng == RangeAll {
		m.say("The period holds every reading: choose a shorter one (-) to move in time.")
		return nil
	}
	today := m.set.today()
	end := m.data.period.End.AddDays(dir * m.rng.Days())
	if end.After(today) {
		end = today
	}
	if end == m.data.period.End {
		if dir > 0 {
			m.say("This period already ends today.")
		}
		return nil
	}
	m.end = end
	return m.loadCmd()
}

// moveDay moves the activity screen's day to the previous or next day
// with a record.
func (m *model) moveDay(dir int) {
	if m.data == nil || len(m.data.ac.days) == 0 {
		return
	}
	days := m.data.ac.days
	i := len(days) - 1
	for j, d := range days {
		if !d.Before(m.actDay) {
			i = j
			break
		}
	}
	if days[i] != m.actDay && dir > 0 {
		i--
	}
	i = min(max(i+dir, 0), len(days)-1)
	m.actDay, m.actDayChosen = days[i], true
}

// visibleRows is how many rows the current screen's list shows.
func (m *model) visibleRows() int {
	switch m.tab {
	case TabBP:
		return m.bpLayout.tableRows
	case TabAlerts:
		return max(m.bodyH-alertsHeader, 1)
	case TabReview:
		return m.bodyH
	}
	return 1
}

// scroll moves the current screen's list by n rows.
func (m *model) scroll(n int) {
	switch m.tab {
	case TabBP:
		m.bpOffset += n
	case TabAlerts:
		m.alertOffset += n
	case TabReview:
		m.reviewOffset += n
	case TabSources:
		m.sourceSel += n
	case TabActivity:
		if n == 1 || n == -1 {
			m.moveDay(n)
		}
	}
	m.clampScroll()
}

func (m *model) clampScroll() {
	if m.data == nil {
		return
	}
	clamp := func(v *int, n int) { *v = min(max(*v, 0), max(n, 0)) }
	clamp(&m.bpOffset, len(m.data.bp.readings)-m.bpLayout.tableRows)
	clamp(&m.alertOffset, len(m.data.alerts)-1)
	clamp(&m.reviewOffset, m.frame().reviewScroll(m.bodyW, m.bodyH))
	clamp(&m.sourceSel, len(m.data.accounts)-1)
}

// onClick switches tabs from the tab bar and selects sources.
func (m *model) onClick(mouse tea.Mouse) tea.Cmd {
	if m.overlay != overlayNone || mouse.Button != tea.MouseLeft {
		return nil
	}
	if mouse.Y == 0 {
		for i, r := range m.tabBar().spans {
			if mouse.X >= r[0] && mouse.X < r[1] {
				m.tab = Tab(i)
			}
		}
		return nil
	}
	if m.tab == TabSources && m.data != nil {
		if i := sourceRowAt(m.data.accounts, mouse.Y-2); i >= 0 {
			m.sourceSel = i
		}
	}
	return nil
}

func (m *model) selectedAccount() (accountInfo, bool) {
	if m.data == nil || m.sourceSel >= len(m.data.accounts) {
		return accountInfo{}, false
	}
	return m.data.accounts[m.sourceSel], true
}

// syncNow asks the engine for a round of the profile's linked accounts,
// or of the selected one.
func (m *model) syncNow(selected bool) tea.Cmd {
	e := m.opts.Engine
	if e == nil {
		m.fail("Offline: nothing syncs in this window. Run `vitals sync` in a shell to sync linked accounts.")
		return nil
	}
	var ids []int64
	if selected {
		if m.tab != TabSources {
			m.say("Choose an account on Sources (7), then press S; s syncs them all.")
			return nil
		}
		a, ok := m.selectedAccount()
		if !ok || !a.Syncs() {
			m.fail("The selected source does not sync (file imports and manual entries stay as they are).")
			return nil
		}
		ids = []int64{a.ID}
	} else if m.data != nil {
		for _, a := range m.data.accounts {
			if a.Syncs() && a.State != store.StateNeedsRelink {
				ids = append(ids, a.ID)
			}
		}
	}
	if len(ids) == 0 {
		m.fail("No linked account to sync: press a on Sources (7) to link one, or run `vitals link omron`.")
		return nil
	}
	return func() tea.Msg {
		e.SyncNow(ids...)
		return syncRequestedMsg{n: len(ids)}
	}
}

func (m *model) openProfiles() tea.Cmd {
	if len(m.profiles) <= 1 {
		m.say("This database holds one profile. Add people with `vitals profile add NAME`.")
		return nil
	}
	return m.openPicker(newProfilePicker(m.profiles, m.profile.ID, m.st.dark))
}

func (m *model) onPickerKey(k tea.KeyPressMsg) tea.Cmd {
	p := &m.picker
	switch {
	case key.Matches(k, m.keys.Back):
		m.overlay = overlayNone
		return nil
	case key.Matches(k, m.keys.PickUp):
		p.move(-1)
		return nil
	case key.Matches(k, m.keys.PickDown):
		p.move(1)
		return nil
	case key.Matches(k, m.keys.PickPageUp):
		p.move(-pickerRows)
		return nil
	case key.Matches(k, m.keys.PickPageDown):
		p.move(pickerRows)
		return nil
	case key.Matches(k, m.keys.Select):
		it, ok := p.chosen()
		if !ok {
			return nil
		}
		m.overlay = overlayNone
		if p.kind == pickSystem {
			return m.startConnect(p.account, p.systems[it.index])
		}
		prof := m.profiles[it.index]
		if prof.ID == m.profile.ID {
			return nil
		}
		m.profile, m.end, m.sourceSel = prof, health.Date{}, 0
		m.syncs = map[int64]*syncStatus{}
		m.say("Showing %s.", prof.Title())
		return m.loadCmd()
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(k)
	p.filter()
	return cmd
}

// Linking actions. Each runs in a goroutine started by its command; its
// messages come back through a channel that waitAction reads, one
// message per command, so Update never blocks.

func (m *model) openLinkMenu() tea.Cmd {
	if m.opts.Actions == nil {
		m.fail("Link accounts from a shell here: `vitals link omron` or `vitals link oneup`.")
		return nil
	}
	m.overlay = overlayLinkMenu
	return nil
}

func (m *model) startLink(p store.Provider) tea.Cmd {
	acts, prof := m.opts.Actions, m.profile
	title := "Linking " + store.Account{Provider: p}.Title()
	return m.startAction(title, func(ctx context.Context, show func(string)) (string, error) {
		a, err := acts.Link(ctx, prof, p, show)
		if err != nil {
			return "", err
		}
		return a.Title() + " is linked: its readings arrive with the next sync.", nil
	})
}

func (m *model) relink() tea.Cmd {
	a, ok := m.sourceForAction("relink")
	if !ok {
		return nil
	}
	acts := m.opts.Actions
	return m.startAction("Relinking "+a.Title(), func(ctx context.Context, show func(string)) (string, error) {
		if err := acts.Relink(ctx, a.Account, show); err != nil {
			return "", err
		}
		return a.Title() + " is linked again.", nil
	})
}

func (m *model) askUnlink() tea.Cmd {
	a, ok := m.sourceForAction("unlink")
	if !ok {
		return nil
	}
	m.confirm = &a
	m.overlay = overlayConfirm
	return nil
}

func (m *model) startUnlink(a store.Account) tea.Cmd {
	acts := m.opts.Actions
	return m.startAction("Unlinking "+a.Title(), func(ctx context.Context, _ func(string)) (string, error) {
		if err := acts.Unlink(ctx, a); err != nil {
			return "", err
		}
		return a.Title() + " is unlinked.", nil
	})
}

func (m *model) connect() tea.Cmd {
	a, ok := m.sourceForAction("connect")
	if !ok {
		return nil
	}
	if a.Provider != store.ProviderOneUp {
		m.fail("Systems connect through a 1upHealth account: select one (or link it with a, then u).")
		return nil
	}
	acts := m.opts.Actions
	m.say("Listing the systems %s can connect…", a.Title())
	parent := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, time.Minute)
		defer cancel()
		systems, err := acts.Systems(ctx, a.Account)
		return systemsMsg{account: a.Account, systems: systems, err: err}
	}
}

func (m *model) startConnect(a store.Account, s store.System) tea.Cmd {
	acts := m.opts.Actions
	return m.startAction("Connecting "+s.Name, func(ctx context.Context, show func(string)) (string, error) {
		if err := acts.Connect(ctx, a, s, show); err != nil {
			return "", err
		}
		return s.Name + " is connected: 1upHealth fetches its data in the background.", nil
	})
}

// sourceForAction returns the selected account for an action that needs
// a linked account, or says why there is none.
func (m *model) sourceForAction(verb string) (accountInfo, bool) {
	if m.tab != TabSources {
		m.say("Choose an account on Sources (7) to %s it.", verb)
		return accountInfo{}, false
	}
	if m.opts.Actions == nil {
		m.fail("Here, %s from a shell: `vitals %s --help` says how.", verb, verb)
		return accountInfo{}, false
	}
	a, ok := m.selectedAccount()
	if !ok || !a.Syncs() {
		m.fail("Select a linked Omron or 1upHealth account to %s.", verb)
		return accountInfo{}, false
	}
	return a, true
}

func (m *model) startAction(title string, run func(context.Context, func(string)) (string, error)) tea.Cmd {
	if m.action != nil {
		m.fail("%s is still running.", m.action.title)
		return nil
	}
	m.actionID++
	ctx, cancel := context.WithCancel(m.ctx)
	a := &actionState{id: m.actionID, title: title, ch: make(chan actionMsg, 4), cancel: cancel}
	m.action, m.overlay = a, overlayAction
	id, ch := a.id, a.ch
	start := func() tea.Msg {
		go func() {
			defer cancel()
			show := func(u string) {
				select {
				case ch <- actionMsg{id: id, url: u}:
				case <-ctx.Done():
				}
			}
			text, err := run(ctx, show)
			ch <- actionMsg{id: id, done: true, err: err, text: text}
		}()
		return <-ch
	}
	return start
}

func waitAction(ch chan actionMsg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func (m *model) onAction(msg actionMsg) tea.Cmd {
	a := m.action
	if a == nil || msg.id != a.id {
		return nil
	}
	if !msg.done {
		a.url = msg.url
		return waitAction(a.ch)
	}
	m.action = nil
	if m.overlay == overlayAction {
		m.overlay = overlayNone
	}
	switch {
	case errors.Is(msg.err, context.Canceled):
		m.say("%s: cancelled.", a.title)
	case msg.err != nil:
		m.fail("%s failed: %v", a.title, msg.err)
	default:
		m.say("%s", msg.text)
	}
	return tea.Batch(m.loadCmd(), m.profilesCmd())
}

// View draws the screen.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "vitals · " + m.profile.Title()
	return v
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
	now := m.set.now()
	var parts []string
	bad := false
	for _, id := range m.syncOrder() {
		st := m.syncs[id]
		name := m.accountName(id, st.title)
		switch st.kind {
		case sync.Started:
			parts = append(parts, "⟳ "+name+": syncing…")
		case sync.PageStored:
			s := fmt.Sprintf("⟳ %s: %s, page %d", name, st.stream, st.pages)
			if level > 0 {
				s = fmt.Sprintf("⟳ %s: %s p%d", name, st.stream, st.pages)
			} else if st.added > 0 {
				s += fmt.Sprintf(", %s new", thousands(float64(st.added)))
			}
			parts = append(parts, s)
		case sync.Waiting:
			why := "retrying"
			if st.rateLimited {
				why = "rate-limited"
			}
			until := st.until.In(m.set.loc).Format("15:04:05")
			if level > 0 {
				parts = append(parts, fmt.Sprintf("… %s: %s until %s", name, why, until))
			} else {
				parts = append(parts, fmt.Sprintf("… %s: %s, waiting until %s", name, why, until))
			}
		case sync.Finished:
			s := fmt.Sprintf("✓ %s synced %s", name, ago(now, st.at))
			if level > 1 {
				s = "✓ " + name
			} else if level > 0 {
				s = fmt.Sprintf("✓ %s %s", name, ago(now, st.at))
			} else if st.added > 0 {
				s += fmt.Sprintf(" (%s new)", thousands(float64(st.added)))
			}
			parts = append(parts, s)
		case sync.Failed:
			parts = append(parts, fmt.Sprintf("✗ %s: %s", name, st.err))
			bad = true
		case sync.NeedsRelink:
			if level > 0 {
				parts = append(parts, fmt.Sprintf("✗ %s needs relinking", name))
			} else {
				parts = append(parts, fmt.Sprintf("✗ %s needs relinking (Sources, r)", name))
			}
			bad = true
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " · "), bad
	}
	// No events yet: the database's record of each account.
	if m.data != nil {
		for _, a := range m.data.accounts {
			if !a.Syncs() {
				continue
			}
			var s string
			switch {
			case a.State == store.StateNeedsRelink:
				s = "✗ " + a.short + " needs relinking"
			case a.LastError != "" && level > 0:
				s = "✗ " + a.short + " failed " + ago(now, a.LastSyncAt)
			case a.LastError != "":
				s = "✗ " + a.short + " last sync failed " + ago(now, a.LastSyncAt)
			case a.LastSuccessAt.IsZero():
				s = "… " + a.short + " not synced yet"
			case level > 1:
				s = "✓ " + a.short
			case level > 0:
				s = "✓ " + a.short + " " + ago(now, a.LastSuccessAt)
			default:
				s = "✓ " + a.short + " synced " + ago(now, a.LastSuccessAt)
			}
			parts = append(parts, s)
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
		return "No linked accounts: link one on Sources (7)", false
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
