package tui

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// loaded returns a model on the fixture, sized and with its data loaded
// as the program would load it (the command's work done in line).
func loaded(t testing.TB, fx *fixture, w, h int) *model {
	t.Helper()
	m := newModel(fx.options)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(t, m, m.loadCmd())
	run(t, m, m.profilesCmd())
	return m
}

// run executes a command and feeds its messages back into the model, as
// the program would; ticks are delivered at once.
func run(t testing.TB, m *model, cmd tea.Cmd) {
	t.Helper()
	for depth := 0; cmd != nil && depth < 50; depth++ {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return
		case tea.BatchMsg:
			for _, c := range msg {
				run(t, m, c)
			}
			return
		case clockTickMsg:
			return // the clock ticks forever
		}
		_, cmd = m.Update(msg)
	}
}

// screen is what the terminal shows, without styles.
func screen(m *model) string {
	return ansi.Strip(m.View().Content)
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press sends keys and runs what they start.
func press(t testing.TB, m *model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(t, m, cmd)
	}
}

// TestDump prints every screen when VITALS_TUI_DUMP is set, for a person
// to look at: VITALS_TUI_DUMP=120x36 go test ./tui -run TestDump -v
func TestDump(t *testing.T) {
	size := os.Getenv("VITALS_TUI_DUMP")
	if size == "" {
		t.Skip("set VITALS_TUI_DUMP=WxH to print the screens")
	}
	var w, h int
	fmt.Sscanf(size, "%dx%d", &w, &h)
	fx := newFixture(t)
	m := loaded(t, fx, w, h)
	if r := os.Getenv("VITALS_TUI_RANGE"); r != "" {
		m.rng, _ = ParseRange(r)
		run(t, m, m.loadCmd())
	}
	for tab := range tabCount {
		m.tab = tab
		fmt.Printf("==== %s %dx%d\n%s\n", tab, w, h, strings.TrimRight(screen(m), "\n"))
	}
}

// TestSeed writes the fixture to VITALS_TUI_SEED, for trying the
// dashboard in a terminal: go run . --db that-file
func TestSeed(t *testing.T) {
	path := os.Getenv("VITALS_TUI_SEED")
	if path == "" {
		t.Skip("set VITALS_TUI_SEED=path to write the fixture database")
	}
	os.Remove(path)
	fx := newFixtureAt(t, path, days(os.Getenv("VITALS_TUI_SEED_DAYS"), 120))
	fx.db.Close()
	// Move the data to the real calendar, so that the dashboard, which
	// runs on the real clock, shows it as the golden screens do.
	today := time.Now().In(fixZone)
	shift := int64(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, fixZone).Sub(at(2026, 3, 15, 0, 0)).Hours()/24) * 86400
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		"UPDATE bp_readings SET taken_at = taken_at + ?", "UPDATE weight_readings SET taken_at = taken_at + ?",
		"UPDATE activity_readings SET taken_at = taken_at + ?", "UPDATE temperature_readings SET taken_at = taken_at + ?",
		"UPDATE spo2_readings SET taken_at = taken_at + ?", "UPDATE conditions SET taken_at = taken_at + ?",
		"UPDATE accounts SET last_sync_at = last_sync_at + ?1, last_success_at = last_success_at + ?1, created_at = created_at + ?1",
	} {
		if _, err := raw.Exec(q, shift); err != nil {
			t.Fatal(err)
		}
	}
}

func days(s string, def int) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		return def
	}
	return n
}
