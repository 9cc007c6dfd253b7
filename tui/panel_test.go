package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"vitals/health"
	"vitals/panel/paneltest"
	"vitals/store"
)

// panelFixture is a dashboard on the three patients of the known weeks
// (paneltest.Known), opened on the Panel tab at w×h.
func panelFixture(t *testing.T, w, h int) (*model, map[string]store.Profile) {
	t.Helper()
	today := health.Date{Year: 2026, Month: 11, Day: 30}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ps := paneltest.Known(t, db, today)
	now := paneltest.Now(today)
	m := newModel(Options{DB: db, Profile: ps["p-above"], Tab: TabPanel, Now: func() time.Time { return now }, Location: time.UTC, Who: "dr-lee"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(t, m, m.loadCmd())
	run(t, m, m.profilesCmd())
	return m, ps
}

// TestGoldenPanel draws the panel of the known weeks at 120×36 and 80×24
// (testdata/TestGoldenPanel, read line by line; the numbers on it are the
// hand-worked ones of cli's TestPanelJSONKnownWeeks).
func TestGoldenPanel(t *testing.T) {
	for _, size := range [][2]int{{120, 36}, {80, 24}} {
		w, h := size[0], size[1]
		m, _ := panelFixture(t, w, h)
		got := screen(m)
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			checkFrame(t, got, w, h)
			golden.RequireEqual(t, trimRight(got))
		})
	}
}

// TestPanelSortFilterOpenBack sorts by a column, filters by attention and
// by text, opens a patient with enter and comes back to the same row.
func TestPanelSortFilterOpenBack(t *testing.T) {
	m, ps := panelFixture(t, 120, 36)
	order := func() string {
		var out []string
		for _, i := range m.rows.panel {
			out = append(out, m.data.panel[i].Handle)
		}
		return strings.Join(out, " ")
	}
	// Attention first: p-above has two reasons, p-nine one, p-below none.
	if got := order(); got != "p-above p-nine p-below" {
		t.Errorf("by attention: %s", got)
	}
	for m.panelSt.sort.String() != "days" {
		m.Update(keyMsg("o"))
	}
	if got := order(); got != "p-above p-nine p-below" { // 7, 9, 21 days
		t.Errorf("by days: %s", got)
	}
	m.Update(keyMsg("O"))
	if got := order(); got != "p-below p-nine p-above" {
		t.Errorf("by days, reversed: %s", got)
	}
	m.Update(keyMsg("!"))
	if got := order(); got != "p-nine p-above" {
		t.Errorf("needing attention: %s", got)
	}
	m.Update(keyMsg("!"))
	m.Update(keyMsg("/"))
	for _, r := range "cy" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	m.Update(keyMsg("enter"))
	if got := order(); got != "p-nine" {
		t.Errorf("filtered by \"cy\": %s", got)
	}
	m.Update(keyMsg("esc")) // clears the filter
	// The selection stayed on p-nine, the second row; it opens, and esc
	// comes back to it.
	m.Update(keyMsg("down"))
	m.Update(keyMsg("up"))
	if m.panelSt.sel != ps["p-nine"].ID {
		t.Fatalf("selected %d, want p-nine", m.panelSt.sel)
	}
	run(t, m, func() tea.Msg { return nil })
	cmd := m.onKey(keyMsg("enter"))
	run(t, m, cmd)
	if m.tab != TabOverview || m.profile.ID != ps["p-nine"].ID {
		t.Fatalf("after enter: tab %s, profile %s", m.tab, m.profile.Name)
	}
	run(t, m, m.onKey(keyMsg("esc")))
	if m.tab != TabPanel || m.panelSt.sel != ps["p-nine"].ID {
		t.Errorf("after esc: tab %s, selected %d; want the panel on p-nine", m.tab, m.panelSt.sel)
	}
}

// TestAckKeyOnAlerts acknowledges the possible-AFib flag of p-above from
// the Alerts tab: the alert says who acknowledged it, and the panel no
// longer counts a new flag.
func TestAckKeyOnAlerts(t *testing.T) {
	m, ps := panelFixture(t, 120, 36)
	run(t, m, m.onKey(keyMsg("enter"))) // p-above, first by attention
	if m.profile.ID != ps["p-above"].ID {
		t.Fatalf("opened %s", m.profile.Name)
	}
	run(t, m, m.onKey(keyMsg("6")))
	run(t, m, m.onKey(keyMsg("A")))
	if m.overlay != overlayPicker || len(m.picker.match) != 1 {
		t.Fatalf("overlay %d, %d alerts to pick", m.overlay, len(m.picker.match))
	}
	run(t, m, m.onKey(keyMsg("enter")))
	if m.overlay != overlayAck {
		t.Fatalf("overlay %d, want the note", m.overlay)
	}
	for _, r := range "ECG booked" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	run(t, m, m.onKey(keyMsg("enter")))
	if s := screen(m); !strings.Contains(s, "✓ acknowledged") || !strings.Contains(s, "Acknowledged by dr-lee") || !strings.Contains(s, "ECG booked") {
		t.Errorf("the Alerts tab after the acknowledgement:\n%s", s)
	}
	run(t, m, m.onKey(keyMsg("9")))
	for _, r := range m.data.panel {
		if r.Handle == "p-above" && (r.NewFlags != 0 || len(r.Attention) != 1 || r.Attention[0] != health.AttentionRising) {
			t.Errorf("p-above after the acknowledgement: %d new flags, %v", r.NewFlags, r.Attention)
		}
	}
}
