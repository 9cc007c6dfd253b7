package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/panel"
	"vitals/store"
)

// The Panel tab: the clinician's patient list (package panel builds the
// rows). o cycles the sort column and O reverses it, ! keeps the patients
// who need attention, / filters by text, enter opens the patient on the
// Overview, and esc there comes back to the same row.

// panelState is what the root model keeps for the panel.
type panelState struct {
	sort      panel.Column
	reverse   bool
	attention bool  // only the patients who need attention
	sel       int64 // the profile id of the selected row
	offset    int   // the first row on screen
	opened    bool  // a patient was opened from the panel: esc comes back
}

// panelHeader is the number of lines above the panel's table rows.
const panelHeader = 3

// panelOrder works out the rows the panel lists, in order: sorted by the
// chosen column, kept by the filters. Called when the data or a choice
// changes, never while drawing.
func (m *model) panelOrder() []int {
	d := m.data
	if d == nil {
		return nil
	}
	rows := slices.Clone(d.panel)
	panel.Sort(rows, m.panelSt.sort, m.panelSt.reverse)
	index := make(map[int64]int, len(d.panel))
	for i, r := range d.panel {
		index[r.ProfileID] = i
	}
	out := []int{}
	for _, r := range rows {
		if m.panelSt.attention && !r.NeedsAttention() {
			continue
		}
		if !r.Match(m.filters[TabPanel]) {
			continue
		}
		out = append(out, index[r.ProfileID])
	}
	return out
}

// panelSelIndex is the selected row's place in the list, or 0.
func (m *model) panelSelIndex() int {
	for i, j := range m.rows.panel {
		if m.data.panel[j].ProfileID == m.panelSt.sel {
			return i
		}
	}
	return 0
}

// panelRows is how many table rows fit.
func (m *model) panelRows() int { return max(m.bodyH-panelHeader, 1) }

// movePanel moves the selection by n rows and keeps it on screen.
func (m *model) movePanel(n int) {
	if m.data == nil || len(m.rows.panel) == 0 {
		return
	}
	i := min(max(m.panelSelIndex()+n, 0), len(m.rows.panel)-1)
	m.panelSt.sel = m.data.panel[m.rows.panel[i]].ProfileID
	m.clampPanel()
}

// clampPanel keeps the selection on a listed row and on screen.
func (m *model) clampPanel() {
	if m.data == nil || len(m.rows.panel) == 0 {
		m.panelSt.offset = 0
		return
	}
	i := m.panelSelIndex()
	m.panelSt.sel = m.data.panel[m.rows.panel[i]].ProfileID
	rows := m.panelRows()
	if i < m.panelSt.offset {
		m.panelSt.offset = i
	}
	if i >= m.panelSt.offset+rows {
		m.panelSt.offset = i - rows + 1
	}
	m.panelSt.offset = min(max(m.panelSt.offset, 0), max(len(m.rows.panel)-rows, 0))
}

// onPanelKey handles the panel's own keys; it reports false for a key
// that is not the panel's.
func (m *model) onPanelKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(k, m.keys.Sort):
		m.panelSt.sort = (m.panelSt.sort + 1) % panel.Column(len(panel.Columns()))
		m.say("Sorted by %s.", m.panelSt.sort)
	case key.Matches(k, m.keys.Reverse):
		m.panelSt.reverse = !m.panelSt.reverse
		m.say("Sorted by %s, %s.", m.panelSt.sort, map[bool]string{false: "what needs a look first", true: "reversed"}[m.panelSt.reverse])
	case key.Matches(k, m.keys.Attention):
		m.panelSt.attention = !m.panelSt.attention
		if m.panelSt.attention {
			m.say("Only the patients who need attention; %s shows everyone.", m.keys.Attention.Help().Key)
		} else {
			m.say("Every patient.")
		}
	case key.Matches(k, m.keys.Select):
		return m.openPatient(), true
	default:
		return nil, false
	}
	m.rows.panel = m.panelOrder()
	m.clampPanel()
	return nil, true
}

// openPatient shows the selected patient's Overview; esc comes back.
func (m *model) openPatient() tea.Cmd {
	if m.data == nil || len(m.rows.panel) == 0 {
		return nil
	}
	r := m.data.panel[m.rows.panel[m.panelSelIndex()]]
	prof := store.Profile{ID: r.ProfileID, Name: r.Handle, DisplayName: r.Name}
	for _, p := range m.profiles {
		if p.ID == r.ProfileID {
			prof = p
		}
	}
	m.panelSt.opened = true
	m.tab = TabOverview
	if prof.ID == m.profile.ID {
		return nil
	}
	m.profile, m.end, m.sourceSel = prof, health.Date{}, 0
	m.syncs = map[int64]*syncStatus{}
	m.say("Showing %s; %s goes back to the panel.", prof.Title(), m.keys.Back.Help().Key)
	return m.loadCmd()
}

// panelScreen draws the panel.
func (f frame) panelScreen(w, h int) string {
	st, d := f.st, f.d
	attention := 0
	for _, r := range d.panel {
		if r.NeedsAttention() {
			attention++
		}
	}
	title := fmt.Sprintf("Panel: %s, %d need attention · sorted by %s", howMany(len(d.panel), "patient", "patients"), attention, f.panel.sort)
	if f.panel.reverse {
		title += " (reversed)"
	}
	if f.panel.attention || f.filters[TabPanel] != "" {
		title += fmt.Sprintf(" · %d shown", len(f.rows.panel))
	}
	period := shortDay(d.today.AddDays(-(health.MonitoringPeriodDays - 1))) + "–" + shortDay(d.today) +
		": monitoring days, flags · Home 7d: protocol mean, last 7 days"
	out := []string{st.title.Render(fit(title, w)), st.muted.Render(fit(period, w))}
	if len(d.panel) == 0 {
		out = append(out, "", st.muted.Render("No patients: add a profile (vitals profile add) or import readings."))
		return strings.Join(out, "\n")
	}
	if len(f.rows.panel) == 0 {
		return strings.Join(append(out, "", st.muted.Render("No patient matches: "+f.keys.Back.Help().Key+" clears the text filter, "+
			f.keys.Attention.Help().Key+" the attention filter.")), "\n")
	}
	wide := w >= 110
	cols := []column{
		{title: "!", width: 1},
		{title: "Patient", width: 16, grow: !wide},
		{title: "Newest", width: 6, right: true},
		{title: "Days", width: 8, right: true},
		{title: "Home 7d", width: 11, right: true},
		{title: "Verdict", width: 8},
	}
	if wide {
		cols[1].width = 19
	}
	if wide {
		cols = append(cols, column{title: "Δ 7d", width: 10, right: true})
	}
	cols = append(cols,
		column{title: "AF/Irr", width: 6, right: true},
		column{title: ">180", width: 4, right: true},
	)
	if wide {
		cols = append(cols, column{title: "Needs attention because", width: 20, grow: true, words: true})
	} else {
		cols = append(cols, column{title: "Why", width: 5})
	}
	t := table{cols: cols, sel: -1}
	rows := h - panelHeader
	if !wide {
		rows-- // the legend of the reasons' letters
	}
	end := min(f.panel.offset+rows, len(f.rows.panel))
	for i := f.panel.offset; i < end; i++ {
		r := d.panel[f.rows.panel[i]]
		if r.ProfileID == f.panel.sel && !f.static {
			t.sel = len(t.rows)
		}
		mark := ""
		if r.NeedsAttention() {
			mark = st.bad.Render("▲")
		}
		mean := r.MeanText()
		if mean == "" {
			mean = "—"
		}
		// The verdict's mark carries it without colour, as elsewhere.
		verdict := map[health.Verdict]string{health.AtOrAbove: st.bad.Render("▲ at/abv"), health.Below: st.good.Render("✓ below"),
			health.NotAssessed: st.warn.Render("△ n/a")}[r.Week.Verdict]
		row := []string{mark, r.Title(), r.AgeText(), fmt.Sprintf("%d %s", r.Days, r.Band), mean, verdict}
		if wide {
			row = append(row, r.ChangeText())
		}
		row = append(row, fmt.Sprintf("%d/%d", r.AFib, r.Irregular), fmt.Sprint(r.Severe))
		if wide {
			row = append(row, reasonsText(r))
		} else {
			row = append(row, reasonCodes(r))
		}
		t.rows = append(t.rows, row)
	}
	out = append(out, t.render(st, w))
	if !wide {
		out = append(out, st.muted.Render(fit(health.AttentionLegend, w)))
	}
	return strings.Join(out, "\n")
}

// reasonsText is the attention reasons in words, with the sources named.
func reasonsText(r panel.Row) string {
	var out []string
	for _, a := range r.Attention {
		s := a.Short()
		switch a {
		case health.AttentionQuiet:
			if r.DaysSince < 0 {
				s = "no readings yet"
			} else {
				s = fmt.Sprintf("no readings %s", r.AgeText())
			}
		case health.AttentionRelink:
			s = "relink " + sourceTitles(r.Relink)
		}
		out = append(out, s)
	}
	if len(r.Quiet) > 0 && !slices.Contains(r.Attention, health.AttentionQuiet) {
		out = append(out, "quiet: "+sourceTitles(r.Quiet))
	}
	return strings.Join(out, "; ")
}

// reasonCodes is the reasons in a letter each, for a narrow screen:
// S severe, F flag, R rising, Q quiet, L relink.
func reasonCodes(r panel.Row) string {
	var b strings.Builder
	for _, a := range r.Attention {
		b.WriteString(map[health.Attention]string{health.AttentionSevere: "S", health.AttentionFlag: "F",
			health.AttentionRising: "R", health.AttentionQuiet: "Q", health.AttentionRelink: "L"}[a])
	}
	return b.String()
}

func sourceTitles(ss []panel.Source) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title)
	}
	return strings.Join(out, ", ")
}
