package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"vitals/health"
	"vitals/store"
)

// twoColumns sets two lists of lines side by side, each cut to its width.
func twoColumns(left, right []string, w int) []string {
	gap := 3
	lw := (w - gap) / 2
	rw := w - gap - lw
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range n {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = fit(l, lw) + strings.Repeat(" ", gap) + fit(r, rw)
	}
	return out
}

// wrapLines wraps each line to w cells.
func wrapLines(lines []string, w int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	return out
}

// flow sets items one after another, separated by " · ", starting a new
// line where the next item would not fit.
func flow(items []string, w int) []string {
	var out []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur)+3+ansi.StringWidth(it) <= w:
			cur += " · " + it
		default:
			out = append(out, cur)
			cur = it
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// dateList writes up to n dates, then how many more.
func dateList(ds []health.Date, n int) string {
	var parts []string
	for i, d := range ds {
		if i == n {
			parts = append(parts, fmt.Sprintf("+%d more", len(ds)-n))
			break
		}
		parts = append(parts, shortDay(d))
	}
	return strings.Join(parts, ", ")
}

func (f frame) overview(w, h int) string {
	d := f.d
	cols := w >= 70
	colW := w
	if cols {
		colW = (w - 3) / 2
	}
	var out []string

	bpLeft := wrapLines(f.latestBP(colW), colW)
	bpRight := wrapLines(f.homeMean(w >= 100), colW)
	if cols {
		out = append(out, twoColumns(bpLeft, bpRight, w)...)
	} else {
		out = append(append(out, bpLeft...), bpRight...)
	}
	if banner := f.flagBanner(w); len(banner) > 0 {
		out = append(out, "")
		out = append(out, banner...)
	}

	out = append(out, "")
	wl := wrapLines(f.weightSummary(), colW)
	sl := wrapLines(f.stepsSummary(), colW)
	if cols {
		out = append(out, twoColumns(wl, sl, w)...)
	} else {
		out = append(append(out, wl...), sl...)
	}

	out = append(out, "")
	out = append(out, f.st.title.Render("Sources"))
	if len(d.accounts) == 0 {
		out = append(out, wrap("No sources yet: link an account on "+TabSources.ref()+", or import files with `vitals import FILE`.", w)...)
	}
	nameW := 0
	for _, a := range d.accounts {
		nameW = max(nameW, ansi.StringWidth(a.short))
	}
	for _, a := range d.accounts {
		out = append(out, f.sourceLine(a, min(nameW, 24), w))
	}

	// What is left below shows the period's blood pressure, then its
	// weight and steps side by side.
	if rest := h - height(out) - 1; rest >= 10 && !d.bp.sys.empty() {
		out = append(out, "", f.st.title.Render(f.bpChartTitle()))
		out = append(out, f.bpChart(false).render(f.st, w, min(rest-1, 18)))
	}
	if rest := h - height(out) - 2; rest >= 10 && cols {
		out = append(out, "")
		out = append(out, f.weightAndSteps(w, min(rest, 16))...)
	}
	return strings.Join(out, "\n")
}

// weightAndSteps are the period's weight and daily steps, side by side in
// h lines (title included), for a tall overview.
func (f frame) weightAndSteps(w, h int) []string {
	st, p := f.st, f.d.period
	lw := (w - 3) / 2
	rw := w - 3 - lw
	var left, right []string
	chartH := h - 1
	if wt := f.d.wt; wt.hasData {
		mass := func(v health.Value) health.Value { x, _ := f.set.units.Mass(v); return x }
		_, unit := f.set.units.Mass(health.Missing)
		c := lineChart{start: p.Start, days: p.Days(), prec: 1,
			minSpan: mass(health.Of(2)).Or(0) - mass(health.Of(0)).Or(0),
			lines:   []line{{data: converted(wt.weight, mass), name: "weight, " + unit, mark: "──", chars: solidLine, color: st.sys}}}
		chartH = c.height(chartH)
		left = append([]string{st.title.Render(fmt.Sprintf("Weight (%s), daily means", unit))}, strings.Split(c.render(st, lw, chartH), "\n")...)
	}
	if ac := f.d.ac; ac.stepDays > 0 {
		goal := float64(f.set.stepGoal)
		right = append([]string{st.title.Render("Steps a day, goal " + thousands(goal))},
			strings.Split(barChart{data: ac.steps, goal: goal, start: p.Start}.render(st, rw, chartH), "\n")...)
	}
	if left == nil && right == nil {
		return nil
	}
	return twoColumns(left, right, w)
}

func (f frame) latestBP(w int) []string {
	st, d := f.st, f.d
	out := []string{st.title.Render("Latest blood pressure")}
	r := d.bp.latest
	if len(d.firstSync) > 0 && (r == nil || !d.period.Contains(health.DateOf(r.Local()))) {
		// What arrived first is old: it is not the latest reading.
		return append(out, st.muted.Render("The first sync is still bringing the readings."))
	}
	if r == nil {
		return append(out, st.muted.Render("No blood-pressure readings yet."))
	}
	v := st.value.Render(pressure(r.Systolic, r.Diastolic)) + " mmHg"
	if p, ok := r.Pulse.Get(); ok {
		v += fmt.Sprintf(" · pulse %.0f", p)
	}
	out = append(out, v)
	if c, ok := r.Category(f.set.rulebook); ok {
		out = append(out, st.category(c)+" "+st.muted.Render("("+c.Guideline.Name()+")"))
	} else if r.Blanked() {
		out = append(out, st.muted.Render("Not classified: "+health.BlankedText(*r)+"."))
	} else {
		out = append(out, st.muted.Render("Not classified: a pressure is missing."))
	}
	if r.Flagged() {
		out = append(out, st.banner.Render("⚠ "+flagWords(*r))+" "+st.muted.Render("(screening flag)"))
		if f.d.bp.flags.flagged == 0 {
			// The banner below, which carries the caveat, is only there
			// for flags inside the period.
			out = append(out, st.muted.Render(health.FlagCaveat))
		}
	}
	when := r.Local().Format("Mon 02 Jan 2006 15:04") + where(r.Meta)
	if !d.period.Contains(health.DateOf(r.Local())) {
		when += " (before this period)"
	}
	// A line breaks between the time and the device, not inside the
	// device's name.
	for _, l := range flow(strings.Split(when, " · "), w) {
		out = append(out, st.muted.Render(l))
	}
	return out
}

// flagWords names a reading's rhythm flags.
func flagWords(r health.BloodPressure) string {
	switch {
	case r.PossibleAFib && r.IrregularHeartbeat:
		return "Possible AFib, irregular heartbeat"
	case r.PossibleAFib:
		return "Possible AFib"
	case r.IrregularHeartbeat:
		return "Irregular heartbeat"
	}
	return ""
}

// homeMean is the period's one home mean with its verdict (the
// protocol's: day 1 left out, "not assessed" below the minimum), as the
// review and the report give it.
func (f frame) homeMean(wide bool) []string {
	st, s := f.st, f.d.summary
	out := []string{st.title.Render("Home mean, " + f.d.period.Range.String())}
	if !s.Mean.Valid() {
		msg := "No home readings in this period."
		if len(f.d.firstSync) > 0 {
			msg = "No home readings in this period yet: the first sync is still running."
		}
		if len(s.Entries) > 0 {
			msg = fmt.Sprintf("No home mean: the readings of day 1 (%s) are never averaged.", shortDay(s.FirstDay))
		}
		if s.Office.Valid() {
			msg += fmt.Sprintf(" Office mean %s mmHg (%s): %s.", s.OfficeText(), howMany(s.Office.N, "reading", "readings"), s.OfficeVerdictText())
		}
		return append(out, st.muted.Render(msg))
	}
	out = append(out, st.value.Render(s.MeanText())+" mmHg ("+howMany(s.Readings, "reading", "readings")+
		", "+howMany(s.Days, "day", "days")+"; day 1 left out)")
	out = append(out, f.verdict(s.Verdict, s.VerdictText()))
	if wide {
		var slots []string
		if s.Morning.Valid() {
			slots = append(slots, "morning "+s.MorningText())
		}
		if s.Evening.Valid() {
			slots = append(slots, "evening "+s.Evening.String())
		}
		if len(slots) > 0 {
			out = append(out, st.muted.Render(strings.Join(slots, " · ")))
		}
	}
	return out
}

// verdict writes a verdict's words with the mark that carries it without
// colour: ▲ at or above, ✓ below, △ not assessed.
func (f frame) verdict(v health.Verdict, text string) string {
	switch v {
	case health.AtOrAbove:
		return f.st.bad.Render("▲ " + text)
	case health.Below:
		return f.st.good.Render("✓ " + text)
	}
	return f.st.warn.Render("△ " + text)
}

// flagBanner is the overview's warning about rhythm flags and readings
// above 180/120 in the period.
func (f frame) flagBanner(w int) []string {
	st, fl := f.st, f.d.bp.flags
	var out []string
	if fl.afib+fl.irregular > 0 {
		var what []string
		if fl.afib > 0 {
			what = append(what, fmt.Sprintf("Possible AFib on %s (%s)", howMany(fl.afib, "reading", "readings"), dateList(fl.afibDays, 3)))
		}
		if fl.irregular > 0 {
			what = append(what, fmt.Sprintf("irregular heartbeat on %d (%s)", fl.irregular, dateList(fl.irregularDays, 3)))
		}
		for _, l := range seeAlerts("⚠ "+strings.Join(what, ", ")+".", w) {
			out = append(out, st.banner.Render(l))
		}
		for _, l := range wrap(health.FlagCaveat, w) {
			out = append(out, st.muted.Render(l))
		}
	}
	if fl.blanked > 0 {
		text := fmt.Sprintf("○ %s %s (%s): counted, never averaged or charted.",
			howMany(fl.blanked, "reading", "readings"), health.BlankedNoCause, dateList(fl.blankedDays, 3))
		for _, l := range seeAlerts(text, w) {
			out = append(out, st.banner.Render(l))
		}
	}
	if r := fl.worst; r != nil {
		text := fmt.Sprintf("!! %s above 180/120: %s mmHg on %s.",
			howMany(fl.severe, "reading", "readings"), pressure(r.Systolic, r.Diastolic), f.when(r.Local()))
		for _, l := range seeAlerts(text, w) {
			out = append(out, st.bannerBad.Render(l))
		}
	}
	return out
}

func appendDay(ds []health.Date, d health.Date) []health.Date {
	if len(ds) > 0 && ds[len(ds)-1] == d {
		return ds
	}
	return append(ds, d)
}

func (f frame) weightSummary() []string {
	st, d := f.st, f.d.wt
	out := []string{st.title.Render("Weight")}
	if len(f.d.firstSync) > 0 && !d.hasData {
		return append(out, st.muted.Render("None in this period yet: the first sync is still running."))
	}
	if d.latest == nil {
		return append(out, st.muted.Render("No weight readings yet."))
	}
	v, unit := f.set.units.Mass(d.latest.Weight)
	line := st.value.Render(num(v, 1)) + " " + unit
	if b := d.latestBMI; b != nil {
		if x, ok := b.BMI.Get(); ok {
			c := health.ClassifyBMI(x)
			line += fmt.Sprintf(" · BMI %.1f ", x) + st.sev(c.Severity).Render(severityMark(c.Severity)+" "+c.Name) + st.muted.Render(" (WHO)")
		}
	}
	out = append(out, line)
	if d.first != nil && d.last != nil && d.first != d.last {
		a, _ := f.set.units.Mass(d.first.Weight)
		b, _ := f.set.units.Mass(d.last.Weight)
		// The change between the values as shown, so the three agree.
		x, y := health.Round(a.Or(0), 1), health.Round(b.Or(0), 1)
		out = append(out, fmt.Sprintf("%s %s over %s (%.1f → %.1f)", signed(y-x, 1), unit, f.d.period.Range, x, y))
	} else if !d.hasData {
		out = append(out, st.muted.Render("None in this period; latest on "+d.latest.Local().Format(fmtDayYear)+"."))
	} else {
		out = append(out, st.muted.Render("One weighing in this period: no change to show."))
	}
	return out
}

func (f frame) stepsSummary() []string {
	st, d, p := f.st, f.d.ac, f.d.period
	out := []string{st.title.Render("Steps")}
	if d.stepDays == 0 {
		if len(f.d.firstSync) > 0 {
			return append(out, st.muted.Render("None in this period yet: the first sync is still running."))
		}
		return append(out, st.muted.Render("No step counts in this period."))
	}
	end := p.End.Sub(p.Start)
	day := "today"
	if p.End != f.d.today {
		day = "on " + dayLabel(p.End)
	}
	today := d.steps.day(end)
	goal := float64(f.set.stepGoal)
	line := day + " "
	switch {
	case math.IsNaN(today): // no record that day
		line += st.muted.Render("no count")
	case day == "today":
		// A day not over has no activity band yet.
		line += "so far " + st.value.Render(thousands(today)) + " of " + thousands(goal)
		if today >= goal {
			line += " " + st.good.Render("✓ goal met")
		}
	default:
		b := health.ClassifySteps(today)
		mark := "✓ "
		if today < goal {
			mark = "△ "
		}
		line += st.value.Render(thousands(today)) + " of " + thousands(goal) + " " +
			st.sev(b.Severity).Render(mark+b.Name)
	}
	out = append(out, line)
	if n := d.steps.count(end-6, end+1); n > 0 {
		avg := "7-day average " + thousands(d.steps.mean(end-6, end+1))
		if n < 7 {
			avg += fmt.Sprintf(" (%s with a count)", howMany(n, "day", "days"))
		}
		out = append(out, avg)
	}
	return out
}

// sourceLine is one source with its state and freshness; its name takes
// nameW cells, so that the states line up.
func (f frame) sourceLine(a accountInfo, nameW, w int) string {
	st := f.st
	mark, state := "•", ""
	switch {
	case a.State == store.StateNeedsRelink:
		mark, state = st.bad.Render("✗"), st.bad.Render("needs relinking")
	case !a.Syncs():
		state = st.muted.Render(howMany(a.total, "reading", "readings"))
	case a.LastError != "":
		mark, state = st.bad.Render("✗"), st.bad.Render("last sync failed "+ago(f.now, a.LastSyncAt))
	case a.LastSuccessAt.IsZero() && f.engine:
		mark, state = st.warn.Render("⟳"), st.warn.Render("first sync under way")
	case a.LastSuccessAt.IsZero():
		mark, state = st.warn.Render("…"), st.warn.Render("not synced yet")
	default:
		mark, state = st.good.Render("✓"), "synced "+ago(f.now, a.LastSuccessAt)
	}
	newest := "no readings"
	if !a.newest.IsZero() {
		newest = "newest reading " + ago(f.now, a.newest)
	}
	line := mark + " " + fit(a.short, nameW) + "  " + state + st.muted.Render(" · "+newest)
	if n := len(a.subs); n > 0 && a.Syncs() {
		// The systems behind it, when their names fit whole.
		var names []string
		for _, s := range a.subs {
			names = append(names, s.name)
		}
		if more := st.muted.Render(" · " + strings.Join(names, ", ")); ansi.StringWidth(line+more) <= w {
			line += more
		}
	}
	return fit(line, w)
}

// seeAlerts wraps s to w cells and points to the alerts screen when its
// last line has room for it (it never adds a line).
func seeAlerts(s string, w int) []string {
	lines := wrap(s, w)
	n := len(lines) - 1
	if t := lines[n] + " See " + TabAlerts.ref() + "."; ansi.StringWidth(t) <= w {
		lines[n] = t
	}
	return lines
}
