package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	gosync "sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

func TestTabsByKeyAndMouse(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	steps := []struct {
		key  string
		tab  Tab
		text string
	}{
		{"2", TabBP, "Blood pressure, daily means of"},
		{"tab", TabWeight, "Weight (kg), daily means"},
		{"tab", TabActivity, "Steps a day"},
		{"shift+tab", TabWeight, "Weight (kg)"},
		{"8", TabReview, "Home blood-pressure review"},
		{"tab", TabPanel, "Panel: 2 patients"},
		{"tab", TabOverview, "Latest blood pressure"}, // wraps around
		{"shift+tab", TabPanel, "Panel: 2 patients"},
		{"shift+tab", TabReview, "Home blood-pressure review"},
		{"7", TabSources, "Sources: linked accounts"},
		{"6", TabAlerts, "Alerts, 30 days"},
		{"5", TabVitals, "Temperature (°C)"},
	}
	for _, s := range steps {
		press(t, m, s.key)
		if m.tab != s.tab || !strings.Contains(screen(m), s.text) {
			t.Fatalf("after %q: tab %v, want %v showing %q", s.key, m.tab, s.tab, s.text)
		}
	}
	// A click on a tab's label opens it.
	spans := m.tabBar().spans
	m.Update(tea.MouseClickMsg{X: spans[TabActivity][0] + 1, Y: 0, Button: tea.MouseLeft})
	if m.tab != TabActivity {
		t.Fatalf("click on the Activity tab: tab %v", m.tab)
	}
	m.Update(tea.MouseClickMsg{X: spans[TabOverview][1] - 1, Y: 0, Button: tea.MouseLeft})
	if m.tab != TabOverview {
		t.Fatalf("click on the Overview tab: tab %v", m.tab)
	}
}

func TestPeriodKeys(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	steps := []struct{ key, want string }{
		{"-", "7 days: 09 Mar – 15 Mar 2026"},
		{"left", "7 days: 02 Mar – 08 Mar 2026"},
		{"h", "7 days: 23 Feb – 01 Mar 2026"},
		{"right", "7 days: 02 Mar – 08 Mar 2026"},
		{"+", "30 days: 07 Feb – 08 Mar 2026"}, // keeps the end it moved to
		{"t", "30 days: 14 Feb – 15 Mar 2026"},
		{"right", "This period already ends today."},
		{"+", "90 days: 16 Dec 2025 – 15 Mar 2026"},
		{"+", "1 year: 16 Mar 2025 – 15 Mar 2026"},
		{"+", "all readings: 16 Nov 2025 – 15 Mar 2026"},
		{"+", "all readings: 16 Nov 2025 – 15 Mar 2026"}, // the longest
		{"left", "The period holds every reading"},
	}
	for _, s := range steps {
		press(t, m, s.key)
		if got := screen(m); !strings.Contains(got, s.want) {
			t.Fatalf("after %q: want %q:\n%s", s.key, s.want, got)
		}
	}
}

// TestPeriodAnchorsOnOldData: a database whose newest reading is older
// than the period shows the period ending on that reading, and says so.
func TestPeriodAnchorsOnOldData(t *testing.T) {
	fx := newFixture(t)
	fx.options.Now = func() time.Time { return fixNow.AddDate(0, 3, 0) } // 15 June
	m := loaded(t, fx, 120, 36)
	got := screen(m)
	for _, w := range []string{"30 days: 14 Feb – 15 Mar 2026", "(ends on the newest reading)", "128.9/81.7 mmHg (107 readings, 26 days; day 1 left out)"} {
		if !strings.Contains(got, w) {
			t.Errorf("want %q:\n%s", w, got)
		}
	}
}

func TestResizeReflowsEveryScreen(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 80, 24)
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 36}, {200, 60}, {81, 25}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for tab := range tabCount {
			m.tab = tab
			checkFrame(t, screen(m), size[0], size[1])
		}
		// Overlays stay inside the screen too.
		press(t, m, "?")
		checkFrame(t, screen(m), size[0], size[1])
		press(t, m, "esc")
	}
	for _, size := range [][2]int{{79, 24}, {80, 23}, {40, 10}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		got := screen(m)
		if !strings.Contains(strings.Join(strings.Fields(got), " "), fmt.Sprintf("The terminal is %d×%d: vitals needs at least 80×24.", size[0], size[1])) {
			t.Errorf("%dx%d: want the too-small message:\n%s", size[0], size[1], got)
		}
	}
}

func TestHelpOverlay(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	press(t, m, "?")
	got := screen(m)
	// Every binding of the key map is explained.
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			if !strings.Contains(got, b.Help().Desc) {
				t.Errorf("help lacks %q:\n%s", b.Help().Desc, got)
			}
		}
	}
	press(t, m, "?")
	if m.overlay != overlayNone {
		t.Fatal("? did not close the help")
	}
	press(t, m, "?", "esc")
	if m.overlay != overlayNone || strings.Contains(screen(m), "Mouse: click a tab") {
		t.Fatal("esc did not close the help")
	}
	// At 80x24 the groups stack so that none is cut.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, m, "?")
	got = screen(m)
	for _, w := range []string{"copy the address", "day after (activity)", "previous tab", "page down"} {
		if !strings.Contains(got, w) {
			t.Errorf("80x24 help lacks %q:\n%s", w, got)
		}
	}
}

func TestQuitKeys(t *testing.T) {
	fx := newFixture(t)
	for _, k := range []string{"q", "ctrl+c"} {
		m := loaded(t, fx, 80, 24)
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

// fakeEngine records what the dashboard asks of the engine.
type fakeEngine struct {
	mu     gosync.Mutex
	synced [][]int64
	events chan sync.Event
}

func (e *fakeEngine) SyncNow(ids ...int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.synced = append(e.synced, ids)
}

func (e *fakeEngine) Subscribe() (<-chan sync.Event, func()) {
	var once gosync.Once
	return e.events, func() { once.Do(func() { close(e.events) }) }
}

// TestEngineEventsUpdateTheScreen: events change the status line, and
// stored pages reload the data (debounced), so new readings appear.
func TestEngineEventsUpdateTheScreen(t *testing.T) {
	fx := newFixture(t)
	eng := &fakeEngine{events: make(chan sync.Event, 8)}
	fx.options.Engine = eng
	m := loaded(t, fx, 120, 36)
	m.debounce = time.Millisecond
	ev := func(e sync.Event) tea.Cmd {
		e.AccountID, e.ProfileID, e.Provider, e.Account = fx.omron.ID, fx.me.ID, store.ProviderOmron, "Omron Wellness"
		_, cmd := m.Update(syncEventMsg(e))
		return cmd
	}
	status := func() string {
		lines := strings.Split(screen(m), "\n")
		return lines[len(lines)-2]
	}

	if cmd := ev(sync.Event{Kind: sync.Started, At: fixNow}); cmd != nil {
		t.Error("a round's start should not reload")
	}
	if !strings.Contains(status(), "⟳ Omron Wellness: syncing…") {
		t.Errorf("status after Started: %q", status())
	}

	// A new reading lands in the database with a page.
	newer := bp("live-1", at(2026, 3, 15, 21, 10), 151, 97, 81)
	if _, err := fx.db.Upsert(context.Background(), fx.me.ID, fx.omron.ID, health.Batch{BloodPressure: []health.BloodPressure{newer}}); err != nil {
		t.Fatal(err)
	}
	cmd := ev(sync.Event{Kind: sync.PageStored, At: fixNow, Stream: "bloodpressure", Added: 1, Pages: 1})
	if !strings.Contains(status(), "⟳ Omron Wellness: bloodpressure, page 1, 1 new") {
		t.Errorf("status after PageStored: %q", status())
	}
	if strings.Contains(screen(m), "151/97") {
		t.Fatal("the screen changed before the reload")
	}
	// A second page before the reload folds into the same reload.
	if again := ev(sync.Event{Kind: sync.PageStored, At: fixNow, Stream: "bloodpressure", Updated: 1, Pages: 2}); again != nil {
		t.Error("a second page scheduled a second reload")
	}
	run(t, m, cmd) // the debounce tick, then the load
	if got := screen(m); !strings.Contains(got, "151/97 mmHg · pulse 81") || !strings.Contains(got, "▲▲ Stage 2 (home, AHA/ACC 2025)") {
		t.Errorf("the new reading does not show:\n%s", got)
	}

	until := time.Date(2026, 3, 15, 21, 45, 0, 0, fixZone)
	ev(sync.Event{Kind: sync.Waiting, At: fixNow, Stream: "weight", Until: until, RateLimited: true})
	if !strings.Contains(status(), "Omron Wellness: rate-limited, waiting until 21:45:00") {
		t.Errorf("status while rate-limited: %q", status())
	}
	run(t, m, ev(sync.Event{Kind: sync.Failed, At: fixNow, Err: errors.New("omron: fetch weight page: server said 503")}))
	if s := status(); !strings.Contains(s, "✗ Omron Wellness: omron: fetch weight page: server said 503") {
		t.Errorf("status after Failed: %q", s)
	}
	run(t, m, ev(sync.Event{Kind: sync.Finished, At: fixNow.Add(-2 * time.Minute), Added: 3}))
	if s := status(); !strings.Contains(s, "✓ Omron Wellness synced 2 min ago (3 new)") {
		t.Errorf("status after Finished: %q", s)
	}

	// Another person's events leave this screen alone.
	before := screen(m)
	if _, cmd := m.Update(syncEventMsg(sync.Event{Kind: sync.Failed, ProfileID: fx.me.ID + 1, AccountID: 99, Account: "Their Omron", Err: errors.New("refused")})); cmd != nil || screen(m) != before {
		t.Errorf("an event of another profile changed the screen (reload %v):\n%s", cmd != nil, screen(m))
	}

	// s asks the engine for every linked account that can sync: not the
	// one that needs relinking.
	press(t, m, "s")
	if len(eng.synced) != 1 || fmt.Sprint(eng.synced[0]) != fmt.Sprint([]int64{fx.omron.ID, fx.scale.ID}) {
		t.Errorf("SyncNow calls %v, want [[%d %d]]", eng.synced, fx.omron.ID, fx.scale.ID)
	}
	press(t, m, "7", "down", "S")
	if len(eng.synced) != 2 || fmt.Sprint(eng.synced[1]) != fmt.Sprint([]int64{fx.scale.ID}) {
		t.Errorf("S on the second source: SyncNow calls %v", eng.synced)
	}
}

func TestOfflineSaysHowFromTheCommandLine(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	status := func() string {
		lines := strings.Split(screen(m), "\n")
		return lines[len(lines)-2]
	}
	// Every account's state fits, in fewer words as the line narrows.
	for _, tc := range []struct {
		width int
		want  string
	}{
		{200, "Offline: showing the database · ✓ Omron Wellness synced 30 min ago · ✓ Omron scale synced 30 min ago · ✗ 1upHealth needs relinking"},
		{120, "Offline · ✓ Omron Wellness 30 min ago · ✓ Omron scale 30 min ago · ✗ 1upHealth needs relinking"},
		{80, "Offline · ✓ Omron Wellness · ✓ Omron scale · ✗ 1upHealth needs relinking"},
	} {
		m.Update(tea.WindowSizeMsg{Width: tc.width, Height: 36})
		if got := strings.TrimSpace(status()); got != tc.want {
			t.Errorf("offline status at %d columns: %q, want %q", tc.width, got, tc.want)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	press(t, m, "s")
	if !strings.Contains(status(), "Run `vitals sync`") {
		t.Errorf("s offline: %q", status())
	}
	press(t, m, "7", "a")
	if !strings.Contains(status(), "`vitals link omron`") {
		t.Errorf("a without actions: %q", status())
	}
	if !strings.Contains(screen(m), "From a shell: `vitals link omron`") {
		t.Errorf("the sources screen should say how to link from a shell:\n%s", screen(m))
	}
}

// fakeActions answers like a linking flow that waits for the browser.
type fakeActions struct {
	url      string
	release  chan error // what Link, Relink and Connect return, when sent
	unlinked []int64
	systems  []store.System
	profile  store.Profile
	provider store.Provider
	system   store.System
}

func (a *fakeActions) wait(ctx context.Context, show func(string)) error {
	show(a.url)
	select {
	case err := <-a.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *fakeActions) Link(ctx context.Context, p store.Profile, prov store.Provider, show func(string)) (store.Account, error) {
	a.profile, a.provider = p, prov
	return store.Account{Provider: prov}, a.wait(ctx, show)
}

func (a *fakeActions) Relink(ctx context.Context, _ store.Account, show func(string)) error {
	return a.wait(ctx, show)
}

func (a *fakeActions) Unlink(_ context.Context, acct store.Account) error {
	a.unlinked = append(a.unlinked, acct.ID)
	return nil
}

func (a *fakeActions) Systems(context.Context, store.Account) ([]store.System, error) {
	return a.systems, nil
}

func (a *fakeActions) Connect(ctx context.Context, _ store.Account, s store.System, show func(string)) error {
	a.system = s
	return a.wait(ctx, show)
}

// startKey presses a key that starts an action and delivers the action's
// first message (its address), as the program would.
func startKey(t *testing.T, m *model, k string) {
	t.Helper()
	_, cmd := m.Update(keyMsg(k))
	if cmd == nil {
		t.Fatalf("%s started nothing", k)
	}
	// The action's first message is its address; the command that waits
	// for the next one is left for the test to run once it has answered.
	m.Update(cmd())
}

func TestLinkingFromSources(t *testing.T) {
	fx := newFixture(t)
	acts := &fakeActions{url: "http://127.0.0.1:53682/authorize?client_id=demo&state=abc", release: make(chan error, 1),
		systems: []store.System{{ID: "1", Name: "Riverside Clinic", Kind: "clinical"}, {ID: "2", Name: "Fitbit", Kind: "device"}, {ID: "3", Name: "Mercy Hospital", Kind: "clinical"}}}
	fx.options.Actions = acts
	m := loaded(t, fx, 120, 36)

	// a, then o: link Omron; the screen shows the address while it waits.
	press(t, m, "7", "a")
	if !strings.Contains(screen(m), "Link an account") {
		t.Fatalf("a shows no menu:\n%s", screen(m))
	}
	startKey(t, m, "o")
	got := screen(m)
	if !strings.Contains(got, "Linking Omron Wellness…") || !strings.Contains(got, acts.url) {
		t.Fatalf("the address is not shown:\n%s", got)
	}
	if acts.provider != store.ProviderOmron || acts.profile.ID != fx.me.ID {
		t.Errorf("Link(%v, %v)", acts.profile.Name, acts.provider)
	}
	// y copies it (OSC 52).
	_, cmd := m.Update(keyMsg("y"))
	if cmd == nil || !strings.Contains(fmt.Sprintf("%T", cmd()), "setClipboard") {
		t.Errorf("y does not copy the address")
	}
	// esc cancels: the action sees its context end and says so.
	press(t, m, "esc")
	run(t, m, waitAction(m.action.ch))
	if m.action != nil || !strings.Contains(screen(m), "Linking Omron Wellness: cancelled.") {
		t.Fatalf("cancel:\n%s", screen(m))
	}

	// r relinks the selected account (1upHealth, the third) and succeeds.
	press(t, m, "down", "down")
	startKey(t, m, "r")
	acts.release <- nil
	run(t, m, waitAction(m.action.ch))
	if !strings.Contains(screen(m), "1upHealth is linked again.") {
		t.Fatalf("relink:\n%s", screen(m))
	}

	// c lists the systems to connect; the search box narrows them.
	press(t, m, "c")
	if m.overlay != overlayPicker || !strings.Contains(screen(m), "Mercy Hospital") {
		t.Fatalf("c shows no systems:\n%s", screen(m))
	}
	for _, r := range "merc" {
		press(t, m, string(r))
	}
	if got := screen(m); strings.Contains(got, "Fitbit") || !strings.Contains(got, "1 of 3") {
		t.Fatalf("search did not narrow:\n%s", got)
	}
	startKey(t, m, "enter")
	acts.release <- errors.New("the health system refused the connection")
	run(t, m, waitAction(m.action.ch))
	if acts.system.Name != "Mercy Hospital" || !strings.Contains(screen(m), "✗ Connecting Mercy Hospital failed: the health system refused the connection") {
		t.Fatalf("connect %q:\n%s", acts.system.Name, screen(m))
	}

	// x asks first; n keeps the account; y unlinks it.
	press(t, m, "x")
	if !strings.Contains(screen(m), "Unlink 1upHealth?") {
		t.Fatalf("x does not ask:\n%s", screen(m))
	}
	press(t, m, "n")
	if len(acts.unlinked) != 0 {
		t.Fatal("n unlinked")
	}
	press(t, m, "x", "y")
	if fmt.Sprint(acts.unlinked) != fmt.Sprint([]int64{fx.oneup.ID}) {
		t.Errorf("unlinked %v", acts.unlinked)
	}
}

func TestProfileSwitcher(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	press(t, m, "p")
	got := screen(m)
	if !strings.Contains(got, "Switch profile") || !strings.Contains(got, "Pat Doe") || !strings.Contains(got, "● Alex Example") {
		t.Fatalf("p:\n%s", got)
	}
	for _, r := range "pat" {
		press(t, m, string(r))
	}
	if got := screen(m); strings.Contains(got, "● Alex Example") || !strings.Contains(got, "1 of 2") {
		t.Fatalf("search:\n%s", got)
	}
	press(t, m, "enter")
	got = screen(m)
	if !strings.Contains(got, " Pat Doe · 30 days") || !strings.Contains(got, "No blood-pressure readings yet.") {
		t.Fatalf("after switching:\n%s", got)
	}
	// One profile: p says how to add people.
	ctx := context.Background()
	if err := fx.db.RemoveProfile(ctx, "p-1042"); err != nil {
		t.Fatal(err)
	}
	m = loaded(t, fx, 120, 36)
	press(t, m, "p")
	if m.overlay != overlayNone || !strings.Contains(screen(m), "`vitals profile add NAME`") {
		t.Fatalf("p with one profile:\n%s", screen(m))
	}
}

// TestManyProfiles: with hundreds of people the switcher lists only what
// fits and finds one by any part of a name.
func TestManyProfiles(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for i := range 500 {
		if _, err := fx.db.AddProfile(ctx, fmt.Sprintf("p-%04d", i), fmt.Sprintf("Patient %d", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	m := loaded(t, fx, 120, 36)
	press(t, m, "p")
	got := screen(m)
	if !strings.Contains(got, "of 502") {
		t.Fatalf("switcher:\n%s", got)
	}
	checkFrame(t, got, 120, 36)
	for _, r := range "0417" {
		press(t, m, string(r))
	}
	if got := screen(m); !strings.Contains(got, "Patient 417") || !strings.Contains(got, "1 of 502") {
		t.Fatalf("search 0417:\n%s", got)
	}
	press(t, m, "enter")
	if !strings.Contains(screen(m), "Patient 417 · 30 days") {
		t.Fatalf("switched:\n%s", screen(m))
	}
}

// TestColours: colours reach a colour terminal, and none reach NO_COLOR
// or a file; meanings survive without them (symbols and words).
func TestColours(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	m.tab = TabBP
	styled := m.View().Content
	if !strings.Contains(styled, "\x1b[") {
		t.Fatal("no styles at all")
	}
	for _, tc := range []struct {
		name string
		env  []string
		out  io.Writer
	}{
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, &bytes.Buffer{}},
		{"a file", []string{"TERM=xterm-256color"}, &bytes.Buffer{}},
	} {
		var buf bytes.Buffer
		w := colorprofile.NewWriter(&buf, tc.env)
		if tc.name == "NO_COLOR" {
			w.Profile = colorprofile.Detect(&fakeTTY{&buf}, tc.env)
		}
		fmt.Fprint(w, styled)
		out := buf.String()
		if strings.Contains(out, "38;5;") || strings.Contains(out, "38;2;") {
			t.Errorf("%s: colours remain", tc.name)
		}
		for _, mark := range []string{"▲ Stage 1", "✓ Normal", "△ Elevated", "!! Severe", "── systolic", "══ diastolic", "┄┄ home threshold"} {
			if !strings.Contains(out, mark) {
				t.Errorf("%s: %q is lost without colour", tc.name, mark)
			}
		}
	}
	// A light background gets the light palette.
	m.Update(tea.BackgroundColorMsg{Color: lightGrey{}})
	if m.st.dark {
		t.Error("a light background kept the dark palette")
	}
}

type lightGrey struct{}

func (lightGrey) RGBA() (r, g, b, a uint32) { return 0xeeee, 0xeeee, 0xeeee, 0xffff }

// fakeTTY makes colorprofile treat a buffer as a terminal, so NO_COLOR is
// what removes the colours.
type fakeTTY struct{ io.Writer }

func (fakeTTY) Fd() uintptr { return 1 }

// TestRenderForShow: the screen vitals show prints, without a terminal.
func TestRenderForShow(t *testing.T) {
	fx := newFixture(t)
	out, err := Render(context.Background(), fx.options, Screen{Tab: TabBP, Range: Range90d, Width: 100, Height: 30})
	if err != nil {
		t.Fatal(err)
	}
	plain := trimRight(ansi.Strip(out))
	for _, w := range []string{"[2 Blood pressure]", "90 days: 16 Dec 2025 – 15 Mar 2026", "Blood pressure, daily means of", "── systolic"} {
		if !strings.Contains(plain, w) {
			t.Errorf("want %q:\n%s", w, plain)
		}
	}
	if strings.Contains(plain, "? help") {
		t.Error("vitals show prints key hints")
	}
	checkFrame(t, ansi.Strip(out), 100, 30)
}

// TestProgram runs the real program (teatest) in a fixed-size terminal:
// the first screen, a tab key, an engine event from the subscriber
// goroutine, and quitting.
func TestProgram(t *testing.T) {
	fx := newFixture(t)
	eng := &fakeEngine{events: make(chan sync.Event, 8)}
	fx.options.Engine = eng
	m := newModel(fx.options)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	// Run forwards events through Send; do the same here.
	go func() {
		for ev := range eng.events {
			tm.Send(syncEventMsg(ev))
		}
	}()
	waitFor(t, tm, "128.9/81.7")
	tm.Send(keyMsg("2"))
	waitFor(t, tm, "home readings")
	eng.events <- sync.Event{Kind: sync.Started, AccountID: fx.omron.ID, ProfileID: fx.me.ID, Account: "Omron Wellness"}
	waitFor(t, tm, "syncing…")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	close(eng.events)
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	// The renderer moves the cursor between runs of text: match short
	// runs, with the escape sequences taken out.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), text) },
		teatest.WithDuration(5*time.Second))
}

func TestActivityDayKeys(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	m.tab = TabActivity
	// Day k counts 4 000 + (1 237·k mod 8 000): 14 Mar (k = 118) 5 966.
	for _, s := range []struct{ key, want string }{
		{",", "Hourly steps on Sat 14 Mar: 5,966 steps"},
		{",", "Hourly steps on Fri 13 Mar: 4,729 steps"},
		{".", "Hourly steps on Sat 14 Mar"},
		{".", "Hourly steps on Sun 15 Mar: 7,203 steps"},
		{".", "Hourly steps on Sun 15 Mar"}, // the last day with a count
		{"up", "Hourly steps on Sat 14 Mar"},
	} {
		press(t, m, s.key)
		if got := screen(m); !strings.Contains(got, s.want) {
			t.Fatalf("after %q: want %q:\n%s", s.key, s.want, got)
		}
	}
}

func TestTableScrolling(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	press(t, m, "2")
	// 113 readings in 30 days (111 with values, the blanked AFib one and
	// the office one); the rows the chart leaves fit at 120x36, ten or
	// more.
	n := m.bpLayout.tableRows
	if n < 10 {
		t.Fatalf("%d table rows at 120x36, want 10 or more", n)
	}
	pos := func(from int) string { return fmt.Sprintf("Source · %d–%d/113", from, from+n-1) }
	for _, s := range []struct {
		key  string
		want string
	}{
		{"", pos(1)},
		{"down", pos(2)},
		{"pgdown", pos(2 + n - 1)}, // a page keeps one row of the last
		{"G", pos(114 - n)},
		{"down", pos(114 - n)},
		{"g", pos(1)},
		{"up", pos(1)},
	} {
		if s.key != "" {
			press(t, m, s.key)
		}
		if got := screen(m); !strings.Contains(got, s.want) {
			t.Fatalf("after %q: want %q:\n%s", s.key, s.want, got)
		}
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown, Y: 20})
	if got := screen(m); !strings.Contains(got, pos(4)) {
		t.Fatalf("wheel:\n%s", got)
	}
}

// TestRun runs the dashboard as the root command does, with the engine's
// events arriving through Run's subscriber goroutine, and quits with q.
func TestRun(t *testing.T) {
	fx := newFixture(t)
	eng := &fakeEngine{events: make(chan sync.Event, 8)}
	fx.options.Engine = eng
	in, typer := io.Pipe()
	out := &lockedBuffer{}
	fx.options.ProgramOptions = []tea.ProgramOption{
		tea.WithInput(in), tea.WithOutput(out), tea.WithWindowSize(100, 30),
		tea.WithColorProfile(colorprofile.Ascii), tea.WithoutSignalHandler(),
	}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), fx.options) }()

	waitOutput(t, out, "128.9/81.7")
	eng.events <- sync.Event{Kind: sync.Waiting, AccountID: fx.omron.ID, ProfileID: fx.me.ID, Account: "Omron Wellness",
		RateLimited: true, Until: time.Date(2026, 3, 15, 21, 40, 0, 0, fixZone)}
	waitOutput(t, out, "rate-limited, waiting until 21:40:00")
	if _, err := typer.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("q did not quit")
	}
	// Run ended the subscription, which closed the channel.
	if _, open := <-eng.events; open {
		t.Error("the subscription is still open")
	}
}

type lockedBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitOutput(t *testing.T, b *lockedBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(ansi.Strip(b.String()), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%q never appeared:\n%s", text, ansi.Strip(b.String()))
}

// TestActivityDayFollowsNewHours: until the person picks a day, the
// activity screen shows the latest day with hours, as a sync brings them;
// a day the person picked stays.
func TestActivityDayFollowsNewHours(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	today := fixtureActivity(t, fx, 2026, 3, 15)
	hours := today.Hourly
	today.Hourly = nil // a source that sends the day's total first
	if _, err := fx.db.Upsert(ctx, fx.me.ID, fx.omron.ID, health.Batch{Activity: []health.Activity{today}}); err != nil {
		t.Fatal(err)
	}
	m := loaded(t, fx, 120, 36)
	m.tab = TabActivity
	if got := screen(m); !strings.Contains(got, "Hourly steps on Sat 14 Mar") {
		t.Fatalf("want the latest day with hours, 14 Mar:\n%s", got)
	}
	today.Hourly = hours // the hours arrive with the next page
	if _, err := fx.db.Upsert(ctx, fx.me.ID, fx.omron.ID, health.Batch{Activity: []health.Activity{today}}); err != nil {
		t.Fatal(err)
	}
	run(t, m, m.loadCmd())
	if got := screen(m); !strings.Contains(got, "Hourly steps on Sun 15 Mar") {
		t.Fatalf("after the hours of 15 Mar arrived, want 15 Mar:\n%s", got)
	}
	press(t, m, ",")
	run(t, m, m.loadCmd())
	if got := screen(m); !strings.Contains(got, "Hourly steps on Sat 14 Mar") {
		t.Fatalf("a day the person chose must stay across reloads:\n%s", got)
	}
}

// fixtureActivity returns the fixture's activity record of a day.
func fixtureActivity(t *testing.T, fx *fixture, y int, mo time.Month, d int) health.Activity {
	t.Helper()
	day := at(y, mo, d, 0, 0)
	rs, err := fx.db.Activities(context.Background(), store.Filter{ProfileID: fx.me.ID, From: day, To: day.Add(time.Hour)})
	if err != nil || len(rs) != 1 {
		t.Fatalf("activity of %s: %v, %v", day.Format(time.DateOnly), rs, err)
	}
	return rs[0]
}

// TestUnlinkedAccountLeavesTheStatusLine: once an account is gone from
// the database, the status line stops speaking of its last sync.
func TestUnlinkedAccountLeavesTheStatusLine(t *testing.T) {
	fx := newFixture(t)
	fx.options.Engine = &fakeEngine{events: make(chan sync.Event, 1)}
	m := loaded(t, fx, 120, 36)
	status := func() string {
		lines := strings.Split(screen(m), "\n")
		return lines[len(lines)-2]
	}
	m.Update(syncEventMsg(sync.Event{Kind: sync.Finished, At: fixNow, AccountID: fx.scale.ID, ProfileID: fx.me.ID,
		Provider: store.ProviderOmron, Account: "Omron scale"}))
	if !strings.Contains(status(), "Omron scale") {
		t.Fatalf("status after the scale's sync: %q", status())
	}
	if err := fx.db.RemoveAccount(context.Background(), fx.scale.ID); err != nil {
		t.Fatal(err)
	}
	run(t, m, m.loadCmd())
	if s := status(); strings.Contains(s, "scale") {
		t.Errorf("status still speaks of the unlinked scale: %q", s)
	}
}

// TestHeldReadingsReload: a page whose readings were all held (another
// route of measurements already stored) reports 0 new, 0 updated and 0
// unchanged, yet it changed what Sources counts: the dashboard reloads
// after every stored page.
func TestHeldReadingsReload(t *testing.T) {
	fx := newFixture(t)
	fx.options.Engine = &fakeEngine{events: make(chan sync.Event, 1)}
	m := loaded(t, fx, 120, 36)
	m.debounce = time.Millisecond
	m.tab = TabSources
	count := func() int { return m.data.accounts[2].total } // 1upHealth
	before := count()
	// The same measurement as the fixture's reading of 15 Mar 20:17,
	// delivered through 1upHealth.
	same := routine(at(2026, 3, 15, 0, 0))[3]
	same.ProviderID = "oneup-copy-1"
	res, err := fx.db.Upsert(context.Background(), fx.me.ID, fx.oneup.ID, health.Batch{BloodPressure: []health.BloodPressure{same}})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Total(); c.Held != 1 || c.Added+c.Updated+c.Unchanged != 0 {
		t.Fatalf("the copy was not held: %+v", c)
	}
	_, cmd := m.Update(syncEventMsg(sync.Event{Kind: sync.PageStored, At: fixNow, AccountID: fx.oneup.ID, ProfileID: fx.me.ID,
		Provider: store.ProviderOneUp, Stream: "Observation", Pages: 1, Held: res.Total().Held}))
	if cmd == nil {
		t.Fatal("a page of held readings did not schedule a reload")
	}
	run(t, m, cmd)
	if count() != before+1 {
		t.Errorf("1upHealth delivers %d readings after the reload, want %d", count(), before+1)
	}
}
