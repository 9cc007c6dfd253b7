package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The lists' filter (/): typing narrows the list on screen (the blood
// pressure table, the alerts, the sources) to the rows that hold every
// word typed; enter keeps the filter and gives the keys back to the list,
// esc clears it. Each list keeps its own filter across tabs and reloads.
// The rows' text is prepared when the snapshot loads (search fields), so
// a key press only compares strings.

// filteredRows are what the filters keep: indexes into the snapshot's
// lists, in their order. nil keeps every row; an empty slice, none.
type filteredRows struct {
	bp, alerts, sources []int
	panel               []int // the panel's rows, sorted and kept: never nil once loaded
}

// filterable reports whether a tab has a list that / filters.
func filterable(t Tab) bool { return t == TabBP || t == TabAlerts || t == TabSources || t == TabPanel }

// newFilterInput is the filter's text field for a dark or light
// background, keeping what prev holds.
func newFilterInput(dark bool, prev textinput.Model) textinput.Model {
	in := textinput.New()
	// A steady cursor: a blinking one would wake the program for nothing.
	st := textinput.DefaultStyles(dark)
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Prompt = "filter /"
	in.CharLimit = 64
	in.SetWidth(20)
	in.SetValue(prev.Value())
	if prev.Focused() {
		in.Focus()
	}
	return in
}

// matchRows returns the indexes of the texts that hold every word of
// filter (case-insensitive), or nil when filter has no words.
func matchRows(filter string, texts func(i int) string, n int) []int {
	words := strings.Fields(strings.ToLower(filter))
	if len(words) == 0 {
		return nil
	}
	out := []int{}
	for i := range n {
		s := texts(i)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(s, w) }) {
			out = append(out, i)
		}
	}
	return out
}

// applyFilters works out the rows each filter keeps, on a new filter
// text or a new snapshot.
func (m *model) applyFilters() {
	m.rows = filteredRows{}
	d := m.data
	if d == nil {
		return
	}
	m.rows.bp = matchRows(m.filters[TabBP], func(i int) string { return d.bp.search[i] }, len(d.bp.readings))
	m.rows.alerts = matchRows(m.filters[TabAlerts], func(i int) string { return d.alerts[i].search }, len(d.alerts))
	m.rows.sources = matchRows(m.filters[TabSources], func(i int) string { return d.accounts[i].search }, len(d.accounts))
	m.rows.panel = m.panelOrder()
}

// visibleSources are the indexes of the accounts the Sources tab lists.
func (m *model) visibleSources() []int { return visibleSources(m.data, m.rows.sources) }

func visibleSources(d *snapshot, rows []int) []int {
	if rows != nil || d == nil {
		return rows
	}
	all := make([]int, len(d.accounts))
	for i := range all {
		all[i] = i
	}
	return all
}

// startFilter gives the keys to the current tab's filter.
func (m *model) startFilter() tea.Cmd {
	if !filterable(m.tab) {
		m.say("%s filters the lists of %s, %s and %s.", m.keys.Filter.Help().Key, TabBP.ref(), TabAlerts.ref(), TabSources.ref())
		return nil
	}
	if m.data == nil {
		return nil
	}
	m.filtering = true
	m.filterIn.SetValue(m.filters[m.tab])
	m.filterIn.CursorEnd()
	return m.filterIn.Focus()
}

// stopFilter gives the keys back to the dashboard, keeping the filter.
func (m *model) stopFilter() {
	m.filtering = false
	m.filterIn.Blur()
}

// clearFilter removes the current tab's filter.
func (m *model) clearFilter() {
	m.stopFilter()
	m.filterIn.SetValue("")
	m.setFilter("")
}

func (m *model) setFilter(text string) {
	if m.filters[m.tab] == text {
		return
	}
	m.filters[m.tab] = text
	switch m.tab {
	case TabBP:
		m.bpOffset = 0
	case TabAlerts:
		m.alertOffset = 0
	}
	m.applyFilters()
	m.clampScroll()
	m.clampPanel()
}

// onFilterKey types into the filter: enter keeps it, esc clears it.
func (m *model) onFilterKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Back):
		m.clearFilter()
		return nil
	case key.Matches(k, m.keys.Select):
		m.stopFilter()
		return nil
	}
	var cmd tea.Cmd
	m.filterIn, cmd = m.filterIn.Update(k)
	m.setFilter(m.filterIn.Value())
	return cmd
}

// filterCount says how many rows of the current tab's list the filter
// keeps: "12 of 113 readings".
func (m *model) filterCount() string {
	if m.data == nil {
		return ""
	}
	var kept []int
	var n int
	var one, many string
	switch m.tab {
	case TabBP:
		kept, n, one, many = m.rows.bp, len(m.data.bp.readings), "reading", "readings"
	case TabAlerts:
		kept, n, one, many = m.rows.alerts, len(m.data.alerts), "alert", "alerts"
	case TabSources:
		kept, n, one, many = m.rows.sources, len(m.data.accounts), "source", "sources"
	case TabPanel:
		kept, n, one, many = m.rows.panel, len(m.data.panel), "patient", "patients"
	}
	if kept == nil {
		return "all " + howMany(n, one, many)
	}
	return fmt.Sprintf("%s of %s", thousands(float64(len(kept))), howMany(n, one, many))
}

// filterLine replaces the key hints while the current tab's list is
// filtered: the filter (being typed, or kept), how many rows it keeps,
// and the keys that end it.
func (m *model) filterLine() string {
	st, k := m.st, m.keys
	hint := func(b key.Binding, desc string) string {
		return st.helpKey.Render(b.Help().Key) + " " + st.helpDesc.Render(desc)
	}
	var left, keys string
	if m.filtering {
		left = m.filterIn.View()
		keys = hint(k.Select, "keep") + "  " + hint(k.Back, "clear")
	} else {
		left = st.helpDesc.Render("filter ") + st.filter.Render("/"+m.filters[m.tab])
		keys = hint(k.Filter, "change") + "  " + hint(k.Back, "clear")
	}
	count := st.muted.Render(m.filterCount())
	line := " " + left + "  " + count + "  " + keys
	if ansi.StringWidth(line) > m.width {
		line = " " + left + "  " + count
	}
	return fit(line, m.width)
}
