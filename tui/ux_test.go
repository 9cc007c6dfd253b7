package tui

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

// typeText types s into the dashboard a key at a time.
func typeText(t testing.TB, m *model, s string) {
	t.Helper()
	for _, r := range s {
		press(t, m, string(r))
	}
}

// lines returns the screen's lines; last(m, 1) is the key hints, 2 the
// status line.
func last(m *model, n int) string {
	ls := strings.Split(screen(m), "\n")
	return ls[len(ls)-n]
}

// TestFilterNarrowsAndClears: / on the blood-pressure table, the alerts
// and the sources narrows the list to the rows holding every word typed;
// enter keeps the filter, esc clears it; each tab keeps its own.
func TestFilterNarrowsAndClears(t *testing.T) {
	fx := newFixture(t)
	eng := &fakeEngine{events: make(chan sync.Event, 1)}
	fx.options.Engine = eng
	m := loaded(t, fx, 120, 36)
	tableRows := func() []string {
		var out []string
		for _, l := range strings.Split(screen(m), "\n") {
			if regexp.MustCompile(`^ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d [A-Z][a-z]{2} \d\d:\d\d `).MatchString(l) {
				out = append(out, l)
			}
		}
		return out
	}

	press(t, m, "2")
	if n := len(tableRows()); n < 10 {
		t.Fatalf("%d rows before filtering", n)
	}
	press(t, m, "/")
	if !m.filtering || !strings.Contains(last(m, 1), "all 113 readings") {
		t.Fatalf("/ does not open the filter: %q", last(m, 1))
	}
	typeText(t, m, "afib")
	rows := tableRows()
	if len(rows) != 2 || !strings.Contains(rows[0], "⚠ AFib, irregular") || !strings.Contains(rows[1], "—/—") {
		t.Fatalf("afib keeps %d rows, want the two AFib readings:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	if !strings.Contains(last(m, 1), "/afib") || !strings.Contains(last(m, 1), "2 of 113 readings") {
		t.Errorf("filter line: %q", last(m, 1))
	}
	// Words narrow further, in any order; a date matches as written.
	typeText(t, m, " 142")
	if rows := tableRows(); len(rows) != 1 || !strings.Contains(rows[0], "142/92") {
		t.Fatalf("afib 142: %q", rows)
	}
	// enter keeps the filter and gives the keys back: q would quit now,
	// so check with a key that moves.
	press(t, m, "enter")
	if m.filtering || m.filters[TabBP] != "afib 142" {
		t.Fatalf("enter: filtering %v, filter %q", m.filtering, m.filters[TabBP])
	}
	if !strings.Contains(last(m, 1), "filter /afib 142") || !strings.Contains(last(m, 1), "esc clear") {
		t.Errorf("kept filter line: %q", last(m, 1))
	}
	// Nothing matches: the table says so, and how to get out.
	press(t, m, "/")
	typeText(t, m, "zzz")
	if got := screen(m); !strings.Contains(got, "No reading matches the filter /afib 142zzz: esc clears it") {
		t.Fatalf("no match:\n%s", got)
	}
	checkFrame(t, screen(m), 120, 36)
	press(t, m, "esc")
	if m.filtering || m.filters[TabBP] != "" || len(tableRows()) < 10 || strings.Contains(last(m, 1), "filter") {
		t.Fatalf("esc does not clear: %q, %d rows", m.filters[TabBP], len(tableRows()))
	}

	// Alerts: the filter keeps whole alerts.
	press(t, m, "6", "/")
	typeText(t, m, "afib")
	got := screen(m)
	if !strings.Contains(got, "Alerts, 30 days: 2 of 8 alerts match the filter") || strings.Contains(got, "Above 180/120") {
		t.Fatalf("alerts filtered:\n%s", got)
	}
	press(t, m, "enter")
	// Sources: the selection follows the filter, and S syncs the account
	// the filter kept.
	press(t, m, "7", "/")
	typeText(t, m, "scale")
	press(t, m, "enter")
	got = screen(m)
	if strings.Contains(got, "1upHealth  ") || !strings.Contains(got, "Omron scale") {
		t.Fatalf("sources filtered:\n%s", got)
	}
	press(t, m, "S")
	if len(eng.synced) != 1 || fmt.Sprint(eng.synced[0]) != fmt.Sprint([]int64{fx.scale.ID}) {
		t.Errorf("S under the filter synced %v, want the scale", eng.synced)
	}
	// Each tab kept its own filter.
	if m.filters[TabAlerts] != "afib" || m.filters[TabBP] != "" {
		t.Errorf("filters %q", m.filters)
	}
	// esc on a kept filter clears it; / elsewhere says where it works.
	press(t, m, "esc")
	if m.filters[TabSources] != "" || !strings.Contains(screen(m), "1upHealth") {
		t.Errorf("esc on Sources: %q", m.filters[TabSources])
	}
	press(t, m, "1", "/")
	if m.filtering || !strings.Contains(last(m, 2), "/ filters the lists of the Blood pressure tab (key 2)") {
		t.Errorf("/ on Overview: %q", last(m, 2))
	}
	// The filter survives a reload, and is in the help.
	press(t, m, "6")
	run(t, m, m.loadCmd())
	if !strings.Contains(screen(m), "2 of 8 alerts") {
		t.Errorf("the filter did not survive a reload:\n%s", screen(m))
	}
	press(t, m, "?")
	if !strings.Contains(screen(m), "filter the list") {
		t.Errorf("the help does not name /:\n%s", screen(m))
	}
}

// TestMouseToggle: m gives the mouse to the terminal (the view asks for no
// mouse events, so text can be selected) and takes it back; the status
// line and the period bar say so, and clicks do nothing meanwhile.
func TestMouseToggle(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 80, 24)
	if m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the mouse is not captured at first")
	}
	press(t, m, "m")
	if got := m.View().MouseMode; got != tea.MouseModeNone {
		t.Fatalf("m: mouse mode %v, want none", got)
	}
	if !strings.Contains(last(m, 2), "Mouse off: the terminal has it, to select and copy text; m takes it back.") {
		t.Errorf("status: %q", last(m, 2))
	}
	if !strings.Contains(screen(m), "mouse off (m)") {
		t.Errorf("the period bar does not say the mouse is off:\n%s", screen(m))
	}
	checkFrame(t, screen(m), 80, 24)
	spans := m.tabBar().spans
	m.Update(tea.MouseClickMsg{X: spans[TabAlerts][0] + 1, Y: 0, Button: tea.MouseLeft})
	if m.tab != TabOverview {
		t.Error("a click switched tabs while the mouse was off")
	}
	press(t, m, "m")
	if m.View().MouseMode != tea.MouseModeCellMotion || !strings.Contains(last(m, 2), "Mouse on") {
		t.Errorf("m again: mode %v, status %q", m.View().MouseMode, last(m, 2))
	}
	press(t, m, "?")
	if !strings.Contains(screen(m), "mouse on/off") {
		t.Errorf("the help does not name m:\n%s", screen(m))
	}
}

// unbox joins an overlay's lines back into its text: the box's borders
// and the line breaks taken out.
func unbox(s string) string {
	var words []string
	for _, l := range strings.Split(s, "\n") {
		if i, j := strings.Index(l, "│"), strings.LastIndex(l, "│"); i >= 0 && j > i {
			words = append(words, strings.Fields(l[i+len("│"):j])...)
		}
	}
	return strings.Join(words, " ")
}

// TestErrorDetails: an error longer than the status line is cut with a
// pointer to e, never silently; e shows the whole text, wrapped.
func TestErrorDetails(t *testing.T) {
	fx := newFixture(t)
	fx.options.Engine = &fakeEngine{events: make(chan sync.Event, 1)}
	m := loaded(t, fx, 80, 24)
	long := "omron: fetch weight page 3: the server said 503 Service Unavailable three times; " +
		"vitals retries at the next scheduled round, or run `vitals sync --verbose` to see each request"
	run(t, m, func() tea.Msg {
		return syncEventMsg(sync.Event{Kind: sync.Failed, At: fixNow, AccountID: fx.omron.ID, ProfileID: fx.me.ID,
			Provider: store.ProviderOmron, Account: "Omron Wellness", Err: errors.New(long)})
	})
	status := last(m, 2)
	if !strings.HasSuffix(strings.TrimSpace(status), "… e: whole message") || !strings.Contains(status, "✗ Omron Wellness: omron: fetch weight") {
		t.Fatalf("status line: %q", status)
	}
	checkFrame(t, screen(m), 80, 24)
	press(t, m, "e")
	if m.overlay != overlayDetails {
		t.Fatal("e opens nothing")
	}
	got := screen(m)
	checkFrame(t, got, 80, 24)
	if text := unbox(got); !strings.Contains(text, "✗ Omron Wellness: "+long) {
		t.Fatalf("the details lack the whole error:\n%s\n%s", got, text)
	}
	press(t, m, "esc")
	if m.overlay != overlayNone {
		t.Fatal("esc does not close the details")
	}
	// A notice of an action, too: e shows it whole before the key clears
	// it.
	m.fail("Connecting Mercy Hospital failed: %s", long)
	press(t, m, "e")
	if text := unbox(screen(m)); !strings.Contains(text, "✗ Connecting Mercy Hospital failed: "+long) {
		t.Fatalf("the notice is not whole:\n%s", screen(m))
	}
	press(t, m, "e")
	press(t, m, "?")
	if !strings.Contains(screen(m), "whole status message") {
		t.Errorf("the help does not name e:\n%s", screen(m))
	}
}

// neverSynced clears an account's record of syncs, as a newly linked
// account has it.
func neverSynced(t *testing.T, fx *fixture, id int64) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+fx.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE accounts SET last_sync_at = NULL, last_success_at = NULL, last_error = '' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
}

// TestFirstSync: while a linked account's first sync runs, the readings
// arrive oldest first, so the period stays today's instead of following
// them back in time, and the screens say that readings are arriving.
// Once it has finished, or with no engine running, the period is anchored
// on old data as before.
func TestFirstSync(t *testing.T) {
	fx := newFixture(t)
	fx.options.Now = func() time.Time { return fixNow.AddDate(0, 3, 0) } // 15 June: the data is three months old
	neverSynced(t, fx, fx.omron.ID)

	// Offline, nothing is syncing: anchored as before.
	m := loaded(t, fx, 120, 36)
	if got := screen(m); !strings.Contains(got, "30 days: 14 Feb – 15 Mar 2026 (ends on the newest reading)") {
		t.Fatalf("offline: want the anchored period:\n%s", got)
	}

	fx.options.Engine = &fakeEngine{events: make(chan sync.Event, 1)}
	for _, size := range [][2]int{{120, 36}, {80, 24}} {
		m = loaded(t, fx, size[0], size[1])
		got := strings.Join(strings.Fields(screen(m)), " ")
		for _, want := range []string{"30 days: 17 May – 15 Jun 2026", "⟳ first sync", "The first sync is still bringing",
			"None in this period yet: the first sync is still running.", "⟳ Omron Wellness: first sync…", "Omron Wellness first sync under way"} {
			if !strings.Contains(got, want) {
				t.Errorf("%dx%d first sync: want %q:\n%s", size[0], size[1], want, got)
			}
		}
		if strings.Contains(got, "ends on the newest reading") || strings.Contains(got, "Mar 2026") || strings.Contains(got, "Omron Wellness has gone quiet") {
			t.Errorf("%dx%d: a period or reading of March during the first sync:\n%s", size[0], size[1], got)
		}
		for tab := range tabCount {
			m.tab = tab
			got := screen(m)
			checkFrame(t, got, size[0], size[1])
			if strings.Contains(got, "ends on the newest reading") || strings.Contains(got, "Omron Wellness has gone quiet") {
				t.Errorf("%s: anchored, or quiet, during the first sync:\n%s", tab, got)
			}
		}
		m.tab = TabBP
		if got := screen(m); !strings.Contains(strings.Join(strings.Fields(got), " "), "Omron Wellness is syncing for the first time: its readings appear here as they arrive.") {
			t.Errorf("%dx%d: the empty BP screen does not say why:\n%s", size[0], size[1], got)
		}
	}

	// The first sync ends: the database records its success, the
	// dashboard reloads, and the period is anchored on the data again.
	if err := fx.db.RecordSync(context.Background(), fx.omron.ID, nil); err != nil {
		t.Fatal(err)
	}
	m.debounce = time.Millisecond
	_, cmd := m.Update(syncEventMsg(sync.Event{Kind: sync.Finished, At: fixNow, AccountID: fx.omron.ID, ProfileID: fx.me.ID, Provider: store.ProviderOmron}))
	run(t, m, cmd)
	if got := screen(m); !strings.Contains(got, "(ends on the newest reading)") || strings.Contains(got, "first sync") {
		t.Errorf("after the first sync: want the anchored period:\n%s", got)
	}
}

// fakeFiles records what the dashboard asks to write.
type fakeFiles struct {
	mu        gosync.Mutex
	suggested []FileRequest
	written   []FileRequest
	exists    map[string]bool
}

func (f *fakeFiles) Suggest(_ context.Context, req FileRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.suggested = append(f.suggested, req)
	return "/home/alex/vitals-report-me-2026-02-14_2026-03-15.pdf", nil
}

func (f *fakeFiles) Write(_ context.Context, req FileRequest) (FileResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.written = append(f.written, req)
	if f.exists[req.Path] && !req.Replace {
		return FileResult{}, fmt.Errorf("%s: %w", req.Path, fs.ErrExist)
	}
	return FileResult{Paths: []string{req.Path}, What: "AHA/ACC 2025"}, nil
}

// TestWriteReportAndExport: w, then a format, asks for the file of the
// period on screen; the name offered can be changed; an existing file is
// replaced only when the person presses enter on it a second time; the
// status line says where the file went.
func TestWriteReportAndExport(t *testing.T) {
	fx := newFixture(t)
	files := &fakeFiles{exists: map[string]bool{"/home/alex/vitals-report-me-2026-02-14_2026-03-15.pdf": true}}
	fx.options.Files = files
	m := loaded(t, fx, 80, 24)
	press(t, m, "-", "left") // the week of 02 – 08 Mar
	press(t, m, "w")
	got := screen(m)
	checkFrame(t, got, 80, 24)
	for _, want := range []string{"Write a file: Alex Example, 02 Mar – 08 Mar 2026", "p  report, PDF", "c  export, CSV", "f  export, FHIR"} {
		if !strings.Contains(got, want) {
			t.Fatalf("w: want %q:\n%s", want, got)
		}
	}
	press(t, m, "p")
	if len(files.suggested) != 1 {
		t.Fatalf("Suggest called %d times", len(files.suggested))
	}
	want := FileRequest{Kind: ReportPDF, Profile: fx.me, From: health.Date{Year: 2026, Month: 3, Day: 2}, To: health.Date{Year: 2026, Month: 3, Day: 8}, Rulebook: health.AHA2025}
	if got := files.suggested[0]; got != want {
		t.Errorf("Suggest(%+v), want %+v", got, want)
	}
	if got := screen(m); !strings.Contains(got, "The PDF report goes to (enter writes it):") || !strings.Contains(got, "> /home/alex/vitals-report-me") {
		t.Fatalf("the name offered:\n%s", got)
	}
	checkFrame(t, screen(m), 80, 24)
	// The name exists: the dashboard asks before replacing it.
	press(t, m, "enter")
	if len(files.written) != 1 || files.written[0].Replace || files.written[0].Path != "/home/alex/vitals-report-me-2026-02-14_2026-03-15.pdf" {
		t.Fatalf("Write %+v", files.written)
	}
	if got := unbox(screen(m)); !strings.Contains(got, "vitals-report-me-2026-02-14_2026-03-15.pdf already exists: press enter again to replace it, or change the name.") {
		t.Fatalf("exists:\n%s", screen(m))
	}
	// Another name: typed at the end of the one offered.
	press(t, m, "left", "left", "left", "left")
	typeText(t, m, "-week")
	press(t, m, "enter")
	w := files.written[len(files.written)-1]
	if w.Path != "/home/alex/vitals-report-me-2026-02-14_2026-03-15-week.pdf" || w.Replace || w.From != want.From || w.To != want.To {
		t.Fatalf("Write %+v", w)
	}
	if m.overlay != overlayNone {
		t.Fatal("the overlay stays open after writing")
	}
	status := strings.Join(strings.Fields(unbox(openDetails(t, m))), " ")
	if !strings.Contains(status, "Wrote the PDF report to /home/alex/vitals-report-me-2026-02-14_2026-03-15-week.pdf (02 Mar – 08 Mar 2026; AHA/ACC 2025).") {
		t.Fatalf("status: %q", status)
	}
	press(t, m, "esc")

	// Replacing: enter twice on the existing name.
	press(t, m, "w", "f")
	if files.suggested[1].Kind != ExportFHIR {
		t.Errorf("f asked for %v", files.suggested[1].Kind)
	}
	press(t, m, "enter", "enter")
	if w := files.written[len(files.written)-1]; !w.Replace || w.Kind != ExportFHIR {
		t.Errorf("second enter: %+v", w)
	}
	if !strings.Contains(last(m, 2), "Wrote the FHIR export to /home/alex/") {
		t.Errorf("status: %q", last(m, 2))
	}

	// esc closes the menu and writes nothing.
	n := len(files.written)
	press(t, m, "w", "esc")
	if m.overlay != overlayNone || len(files.written) != n {
		t.Errorf("esc: overlay %v, %d writes", m.overlay, len(files.written))
	}

	// Without a writer (vitals show, tests), w says how to do it in a shell.
	fx.options.Files = nil
	m = loaded(t, fx, 80, 24)
	press(t, m, "w")
	if m.overlay != overlayNone || !strings.Contains(screen(m), "vitals report --help") {
		t.Errorf("w without files:\n%s", screen(m))
	}
}

// openDetails presses e and returns the screen, to read a status line
// whole.
func openDetails(t *testing.T, m *model) string {
	t.Helper()
	press(t, m, "e")
	return screen(m)
}

// TestProgramFilterMouseAndWrite runs the real program (teatest): a
// filter typed through the terminal, the mouse handed over and back, and
// a report written through the program's commands.
func TestProgramFilterMouseAndWrite(t *testing.T) {
	fx := newFixture(t)
	files := &fakeFiles{}
	fx.options.Files = files
	m := newModel(fx.options)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	waitFor(t, tm, "128.9/81.7")
	tm.Send(keyMsg("2"))
	waitFor(t, tm, "home readings")
	// The filter's count changes a few cells at a time as the words are
	// typed, which the renderer writes as such: the status line that m
	// brings, all new, says that the keys before it were taken; the final
	// model says what they did.
	tm.Send(keyMsg("/"))
	tm.Type("afib")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("m"))
	waitFor(t, tm, "Mouse off")
	tm.Send(keyMsg("w"))
	tm.Send(keyMsg("m"))
	waitFor(t, tm, "Markdown report goes to")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "Wrote the Markdown report to")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(*model)
	if final.View().MouseMode != tea.MouseModeNone || final.filters[TabBP] != "afib" {
		t.Errorf("final: mouse %v, filter %q", final.View().MouseMode, final.filters[TabBP])
	}
	files.mu.Lock()
	defer files.mu.Unlock()
	if len(files.written) != 1 || files.written[0].Kind != ReportMarkdown || files.written[0].To != (health.Date{Year: 2026, Month: 3, Day: 15}) {
		t.Errorf("written %+v", files.written)
	}
}

// TestReviewScrollsToItsLastLine: the line that says where the review's
// view is never hides a line of it, the last flagged reading included.
func TestReviewScrollsToItsLastLine(t *testing.T) {
	fx := newFixture(t)
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		m := loaded(t, fx, size[0], size[1])
		press(t, m, "8", "G")
		got := screen(m)
		if !strings.Contains(got, "Sat 14 Mar 21:05  186/122 mmHg  pulse  88  !! above 180/120") || !strings.Contains(got, "lines above") {
			t.Errorf("%dx%d: the end of the review:\n%s", size[0], size[1], got)
		}
	}
}

// TestFilterTakesAPaste: text pasted into the filter filters as typing
// does.
func TestFilterTakesAPaste(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	press(t, m, "2", "/")
	m.Update(tea.PasteMsg{Content: "afib"})
	if m.filters[TabBP] != "afib" || len(m.rows.bp) != 2 {
		t.Errorf("after a paste: filter %q keeps %d readings", m.filters[TabBP], len(m.rows.bp))
	}
}
