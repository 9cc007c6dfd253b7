package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"vitals/health"
)

// bpLayout is how the blood-pressure screen divides its height.
type bpLayout struct {
	chartH, statsH, caveatH, tableRows int
}

// bpLayoutFor divides a body h lines high: the statistics take their
// lines (up to 6), the rhythm-flag caveat its lines (0 without flags in
// the period), the chart what its values need up to about half the
// height (chart says how many lines it draws when allowed max; nil: all
// of them), and the table of readings the rest, at least 3 rows while
// the chart can give them up.
func bpLayoutFor(h int, chart func(max int) int, stats, caveat int) bpLayout {
	l := bpLayout{statsH: min(max(stats, 1), 6), caveatH: caveat}
	fixed := 1 + l.statsH + l.caveatH + 1 // title, statistics, caveat, table header
	l.chartH = min(max(h*11/20, 10), maxChartLines, max(h-fixed-3, 8))
	if chart != nil {
		l.chartH = min(chart(l.chartH), l.chartH)
	}
	l.tableRows = max(h-fixed-l.chartH, 1)
	return l
}

func (f frame) bpChartTitle() string {
	d := f.d.bp
	if d.chartOffice {
		return fmt.Sprintf("Blood pressure, daily means of %s (no home readings in this period)", howMany(d.charted, "office reading", "office readings"))
	}
	return fmt.Sprintf("Blood pressure, daily means of %s", howMany(d.charted, "home reading", "home readings"))
}

// bpChart is the period's systolic, diastolic and (optionally) pulse,
// with the threshold that applies to what is charted.
func (f frame) bpChart(withPulse bool) lineChart {
	d, st, rb := f.d.bp, f.st, f.set.rulebook
	t, what := rb.HomeThreshold(), "home"
	if d.chartOffice {
		t, what = rb.OfficeThreshold(), "office"
	}
	c := lineChart{
		start: f.d.period.Start, days: f.d.period.Days(), refColor: st.threshold, minSpan: 20,
		refs: []ref{{t.Systolic, fmt.Sprintf("%s threshold %s (%s)", what, t, rb.Name())}, {t.Diastolic, ""}},
	}
	if withPulse && !d.pulse.empty() {
		c.lines = append(c.lines, line{data: d.pulse, name: "pulse", mark: "··", chars: dottedLine, color: st.pulse})
	}
	c.lines = append(c.lines,
		line{data: d.dia, name: "diastolic", mark: "══", chars: doubleLine, color: st.dia},
		line{data: d.sys, name: "systolic", mark: "──", chars: solidLine, color: st.sys},
	)
	// The diastolic threshold line needs no legend of its own.
	c.refs[1].name = ""
	return c
}

// bpScreenChart is the blood-pressure screen's chart in h lines: with
// the pulse, unless the pulse's range would make the pressures' rows
// coarser (on a short terminal the pulse, 60 or so, would stretch the
// axis down; the table lists it anyway).
func (f frame) bpScreenChart(h int) lineChart {
	with, without := f.bpChart(true), f.bpChart(false)
	a, _, okA := with.scale(h - chartRows)
	b, _, okB := without.scale(h - chartRows)
	if okB && (!okA || a.step > b.step) {
		return without
	}
	return with
}

func (f frame) bloodPressure(w, h int) string {
	st, d := f.st, f.d.bp
	if len(d.readings) == 0 {
		return f.emptyPeriod("blood-pressure", d.latest != nil, w)
	}
	l := f.bpLayout // computed when the terminal was resized
	title := st.title.Render(f.bpChartTitle())
	if w >= 110 {
		title += st.muted.Render(fmt.Sprintf(" · morning %s, evening %s", health.SlotMorning.Hours(), health.SlotEvening.Hours()))
	}
	out := []string{title}
	if d.sys.empty() {
		msg := wrapLines([]string{"No reading in this period has both pressures to chart (blanked readings are listed below, never charted)."}, w)
		out = append(out, block(st.muted.Render(strings.Join(msg, "\n")), w, l.chartH))
	} else {
		out = append(out, f.bpScreenChart(l.chartH).render(st, w, l.chartH))
	}
	stats := flow(f.bpStats(), w)
	for len(stats) < l.statsH {
		stats = append(stats, "")
	}
	out = append(out, stats[:l.statsH]...)
	out = append(out, f.bpCaveat(w)...)
	out = append(out, f.bpTable(w, l.tableRows))
	return strings.Join(out, "\n")
}

// bpStats are the period's statistics, as items to flow into lines. The
// home mean and its verdict are the summary's, as on every screen.
func (f frame) bpStats() []string {
	st, g, d := f.st, f.d.summary, f.d.bp
	var items []string
	if g.Mean.Valid() {
		items = append(items, fmt.Sprintf("Home mean %s mmHg (%s; day 1 left out)", st.value.Render(g.MeanText()), howMany(g.Readings, "reading", "readings")))
		items = append(items, f.verdict(g.Verdict, g.VerdictText()))
	} else if len(g.Entries) > 0 {
		items = append(items, st.muted.Render(fmt.Sprintf("No home mean: day 1 (%s) is never averaged", shortDay(g.FirstDay))))
	}
	if g.Morning.Valid() {
		items = append(items, fmt.Sprintf("morning %s (%s)", g.MorningText(), thousands(float64(g.Morning.N))))
	}
	if g.Evening.Valid() {
		items = append(items, fmt.Sprintf("evening %s (%s)", g.Evening, thousands(float64(g.Evening.N))))
	}
	if g.MEDif.Valid() {
		s := "ME-dif " + g.MEDifText()
		if g.MEDifVerdict == health.AtOrAbove {
			s = st.bad.Render("▲ "+s) + st.muted.Render(fmt.Sprintf(" (≥ %.0f: extra risk, J-HOP)", health.MEDifRisk))
		}
		items = append(items, s)
	}
	if len(d.shares) > 0 {
		// One item a category, so that the shares wrap between them.
		for i, s := range d.shares {
			item := st.category(s.cat) + " " + percent(s.n, d.charted)
			if i == 0 {
				item = s.cat.Guideline.Name() + ": " + item
			}
			items = append(items, item)
		}
	}
	if g.Office.Valid() {
		items = append(items, fmt.Sprintf("office mean %s (%d)", g.OfficeText(), g.Office.N))
	}
	if n := d.flags.flagged; n > 0 {
		items = append(items, st.banner.Render(fmt.Sprintf("⚠ %s with rhythm flags", howMany(n, "reading", "readings"))))
	}
	if n := d.flags.blanked; n > 0 {
		items = append(items, st.banner.Render(fmt.Sprintf("○ %d %s", n, health.BlankedNoCause)))
	}
	if n := len(g.Severe); n > 0 {
		items = append(items, st.bannerBad.Render(fmt.Sprintf("!! %d above 180/120", n)))
	}
	return items
}

// bpCaveat is the rhythm-flag caveat, on one line, for a period whose
// readings carry a flag (the table marks them).
func (f frame) bpCaveat(w int) []string {
	if f.d.bp.flags.flagged == 0 {
		return nil
	}
	text := health.FlagCaveat
	if ansi.StringWidth(text) > w {
		text = health.FlagCaveatShort
	}
	return wrapStyled(f.st.muted, text, w)
}

// bpTable lists the period's readings (those the filter keeps), newest
// first, from the scroll position: only the rows on screen are formatted.
func (f frame) bpTable(w, rows int) string {
	st, rs, kept := f.st, f.d.bp.readings, f.rows.bp
	n := len(rs)
	if kept != nil {
		n = len(kept)
	}
	// newest is the i-th newest reading listed.
	newest := func(i int) health.BloodPressure {
		if kept != nil {
			return rs[kept[n-1-i]]
		}
		return rs[n-1-i]
	}
	off := min(max(f.bpOffset, 0), max(n-rows, 0))
	d := f.d.bp
	short, flagsW := true, d.flagsShortW
	if w >= 100 {
		short, flagsW = false, d.flagsW
	}
	// The source column's title says where the list stands.
	pos := fmt.Sprintf("%s–%s/%s", thousands(float64(off+1)), thousands(float64(min(off+rows, n))), thousands(float64(n)))
	if n == 0 {
		pos = "none"
	}
	sourceTitle := "Source · " + pos
	if w < 100 {
		sourceTitle = pos
	}
	t := table{sel: -1, cols: []column{
		{title: "When", width: len(f.when(f.now))},
		{title: "mmHg", width: 7, right: true},
		{title: "Pulse", width: 5, right: true},
		{title: "Category", width: max(d.catW, len("Category"))},
		{title: "Flags", width: max(flagsW, len("Flags"))},
		{title: sourceTitle, width: 8, grow: true, words: true},
	}}
	for i := off; i < min(off+rows, n); i++ {
		r := newest(i)
		text, c, ok := bpCategory(r, f.set.rulebook)
		cat := st.muted.Render(text)
		if ok {
			cat = st.category(c)
			if r.Setting == health.SettingOffice {
				cat += st.muted.Render(" office")
			}
		}
		flags := bpFlags(r, short)
		src := strings.TrimPrefix(where(r.Meta), " · ")
		if r.Manual {
			src = strings.TrimSpace("typed in " + src)
		}
		t.rows = append(t.rows, []string{
			f.when(r.Local()),
			pressure(r.Systolic, r.Diastolic),
			num(r.Pulse, 0),
			cat,
			st.banner.Render(flags),
			st.muted.Render(src),
		})
	}
	table := t.render(st, w)
	if n == 0 && kept != nil {
		table += "\n" + strings.Join(f.noMatch(TabBP, "reading", w), "\n")
	}
	return table
}

// bpCategory is a reading's category cell, as text (its width), and the
// category when the reading has one.
func bpCategory(r health.BloodPressure, rb health.Rulebook) (string, health.Category, bool) {
	c, ok := r.Category(rb)
	switch {
	case ok:
		text := severityMark(c.Severity) + " " + c.Name
		if c.IsolatedSystolic {
			text += " (ISH)"
		}
		if r.Setting == health.SettingOffice {
			text += " office"
		}
		return text, c, true
	case r.Blanked():
		return health.BlankedText(r), c, false
	}
	return "— a pressure missing", c, false
}

// bpFlags is a reading's flags cell, with "irreg." for short.
func bpFlags(r health.BloodPressure, short bool) string {
	irregular := "irregular"
	if short {
		irregular = "irreg."
	}
	switch {
	case r.PossibleAFib && r.IrregularHeartbeat:
		return "⚠ AFib, " + irregular
	case r.PossibleAFib:
		return "⚠ AFib"
	case r.IrregularHeartbeat:
		return "⚠ " + irregular
	}
	return ""
}

// emptyPeriod explains an empty screen and how to find data.
func (f frame) emptyPeriod(what string, older bool, w int) string {
	p := f.d.period
	lines := []string{fmt.Sprintf("No %s readings in this period (%s).", what, periodLabel(p))}
	if note := f.firstSyncNote(); note != "" {
		lines = append(lines, note)
	} else if older {
		lines = append(lines, "Older readings exist: press ← to go back, + for a longer period, or t for the latest.")
	} else {
		lines = append(lines, "Link an account on "+TabSources.ref()+", or import files with `vitals import FILE`.")
	}
	return f.st.muted.Render(strings.Join(wrapLines(lines, w), "\n"))
}

// firstSyncNote says that readings are still arriving, while the first
// sync of a linked account runs; "" otherwise.
func (f frame) firstSyncNote() string {
	names := f.d.firstSync
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " is syncing for the first time: its readings appear here as they arrive."
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] +
		" are syncing for the first time: their readings appear here as they arrive."
}

// when writes a reading's wall-clock time as the period needs it.
func (f frame) when(t time.Time) string { return f.d.period.when(t) }
