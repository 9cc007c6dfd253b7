package tui

import (
	"cmp"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"vitals/health"
)

// converted returns a series in display units (kg or lb, °C or °F). The
// conversions are linear, so converting prefix sums converts the means.
func converted(s daySeries, f func(health.Value) health.Value) daySeries {
	out := daySeries{start: s.start, n: s.n, sum: make([]float64, len(s.sum))}
	// sum of n values of a·x+b is a·sum + b·n.
	b := f(health.Of(0)).Or(0)
	a := f(health.Of(1)).Or(0) - b
	for i := range s.sum {
		out.sum[i] = a*s.sum[i] + b*float64(s.n[i])
	}
	out.lo, out.hi = a*s.lo+b, a*s.hi+b
	if a < 0 {
		out.lo, out.hi = out.hi, out.lo
	}
	return out
}

func (f frame) weight(w, h int) string {
	st, d, p := f.st, f.d.wt, f.d.period
	if !d.hasData {
		return f.emptyPeriod("weight", d.latest != nil, w)
	}
	u := f.set.units
	mass := func(v health.Value) health.Value { x, _ := u.Mass(v); return x }
	_, unit := u.Mass(health.Missing)

	var items []string
	if d.last != nil {
		items = append(items, fmt.Sprintf("latest %s %s (%s)", st.value.Render(num(mass(d.last.Weight), 1)), unit, d.last.Local().Format("Mon 02 Jan")))
	}
	if d.first != nil && d.last != nil && d.first != d.last {
		// The change between the values as shown, so the three agree.
		a, b := health.Round(mass(d.first.Weight).Or(0), 1), health.Round(mass(d.last.Weight).Or(0), 1)
		items = append(items, fmt.Sprintf("change over %s %s %s (%.1f → %.1f)", p.Range, signed(b-a, 1), unit, a, b))
	}
	if d.minKg.Valid() {
		items = append(items, fmt.Sprintf("range %s–%s %s", num(mass(d.minKg), 1), num(mass(d.maxKg), 1), unit))
	}
	if b := d.latestBMI; b != nil {
		x := b.BMI.Or(0)
		c := health.ClassifyBMI(x)
		items = append(items, fmt.Sprintf("BMI %.1f ", x)+st.sev(c.Severity).Render(severityMark(c.Severity)+" "+c.Name)+st.muted.Render(" (WHO)"))
	}
	if d.last != nil && d.last.BodyFat.Valid() {
		items = append(items, "body fat "+num(d.last.BodyFat, 1)+"%")
	}
	items = append(items, howMany(len(d.readings), "weighing", "weighings"))
	stats := flow(items, w)

	// The weight chart, then BMI and body fat below it; each is as tall
	// as its values need, up to its share of the height.
	fixed := 1 + len(stats)
	mainH := min(h-fixed, maxChartLines)
	if (d.hasBMI || d.hasFat) && h-fixed-8 >= 8 {
		mainH = max(min((h-fixed)*11/20, maxChartLines), 8)
	}
	out := []string{st.title.Render(fmt.Sprintf("Weight (%s), daily means", unit))}
	// Two kilograms at least: a scale's day-to-day wobble is not a trend.
	kg2 := mass(health.Of(2)).Or(0) - mass(health.Of(0)).Or(0)
	c := lineChart{start: p.Start, days: p.Days(), prec: 1, minSpan: kg2, lines: []line{
		{data: converted(d.weight, mass), name: "weight, " + unit, mark: "──", chars: solidLine, color: st.sys},
	}}
	out = append(out, c.render(st, w, mainH))
	out = append(out, stats...)

	rest := min(h-height(out)-1, maxChartLines)
	if rest < 7 || !d.hasBMI && !d.hasFat {
		return strings.Join(out, "\n")
	}
	bmi := lineChart{start: p.Start, days: p.Days(), prec: 1, minSpan: 1,
		lines: []line{{data: d.bmi, name: "BMI, kg/m²", mark: "──", chars: solidLine, color: st.dia}}}
	fat := lineChart{start: p.Start, days: p.Days(), prec: 1, minSpan: 2,
		lines: []line{{data: d.fat, name: "body fat, %", mark: "──", chars: solidLine, color: st.line2}}}
	switch {
	case d.hasBMI && d.hasFat && w >= 100:
		out = append(out, twoColumns([]string{st.title.Render("BMI")}, []string{st.title.Render("Body fat")}, w)...)
		out = append(out, sideBySide(st, bmi, fat, w, rest))
	case d.hasBMI:
		out = append(out, st.title.Render("BMI"), bmi.render(st, w, rest))
	default:
		out = append(out, st.title.Render("Body fat"), fat.render(st, w, rest))
	}
	return strings.Join(out, "\n")
}

func (f frame) activity(w, h int) string {
	st, d, p := f.st, f.d.ac, f.d.period
	if d.stepDays == 0 {
		return f.emptyPeriod("activity", false, w)
	}
	goal := float64(f.set.stepGoal)
	mean := d.steps.mean(0, d.steps.days())
	band := health.ClassifySteps(mean)
	var bands [4]int
	best, bestDay := -1.0, health.Date{}
	for i := range d.steps.days() {
		x := d.steps.day(i)
		if math.IsNaN(x) {
			continue
		}
		bands[health.ClassifySteps(x).Level]++
		if x > best {
			best, bestDay = x, p.Start.AddDays(i)
		}
	}
	items := []string{
		fmt.Sprintf("mean %s steps a day ", st.value.Render(thousands(mean))) + st.sev(band.Severity).Render(stepMark(mean, goal)+band.Name),
		fmt.Sprintf("best %s (%s)", thousands(best), dayLabel(bestDay)),
	}
	if d.hasDist {
		v, unit := f.set.units.Dist(health.Of(d.distance))
		items = append(items, fmt.Sprintf("distance %s %s", num(v, 1), unit))
	}
	var bandParts []string
	for lvl, n := range bands {
		name := health.ClassifySteps([]float64{0, 5000, 7500, 10000}[lvl]).Name
		bandParts = append(bandParts, fmt.Sprintf("%s %d", name, n))
	}
	items = append(items, "days by band: "+strings.Join(bandParts, ", "))
	stats := flow(items, w)

	title := fmt.Sprintf("Steps a day: %d of %s at or above the goal of %s", d.goalMet, howMany(d.stepDays, "day", "days"), thousands(goal))
	chartH := max(min((h-len(stats)-3)/2+2, 18), 7)
	out := []string{st.title.Render(title)}
	out = append(out, barChart{data: d.steps, goal: goal, start: p.Start}.render(st, w, chartH))
	out = append(out, st.muted.Render(fmt.Sprintf("█ a day's steps · ✓ at or above the goal · ┄ goal %s (display.step_goal)", thousands(goal))))
	out = append(out, stats...)

	// The hourly profile of the chosen day, from the source that counted
	// by the hour.
	rest := h - height(out) - 2
	head := fmt.Sprintf("Hourly steps on %s", dayLabel(f.actDay))
	extra := "" // said when there is room
	day, hasDay := d.byDay[f.actDay]
	r, hasHours := d.hourly[f.actDay]
	switch {
	case hasHours && (r.AccountID != day.AccountID || r.ProviderID != day.ProviderID):
		// Another source counted more that day, without hours.
		head += fmt.Sprintf(": %s steps", thousands(hourlySteps(r)))
		if src := cmp.Or(r.Device, r.Origin); src != "" {
			head += " by " + src
		}
		if x, ok := day.Steps.Get(); ok {
			extra = fmt.Sprintf(" (the day's count: %s", thousands(x))
			if src := cmp.Or(day.Device, day.Origin); src != "" {
				extra += " by " + src
			}
			extra += ")"
		}
	case hasDay && day.Steps.Valid():
		head += fmt.Sprintf(": %s steps", thousands(day.Steps.Or(0)))
	}
	// The keys that change the day, set apart at the right as key hints
	// (not run on from the title, where ", and ." read as punctuation).
	hint := ""
	if !f.static {
		k := f.keys
		hint = st.helpKey.Render(k.DayBefore.Help().Key) + " " + st.helpDesc.Render("day before") + "  " +
			st.helpKey.Render(k.DayAfter.Help().Key) + " " + st.helpDesc.Render("day after")
	}
	const gap = 3
	hw := ansi.StringWidth(hint)
	if ansi.StringWidth(head+extra)+gap+hw <= w {
		head += extra
	}
	if ansi.StringWidth(head)+gap+hw > w {
		hint, hw = "", 0
	}
	line := st.title.Render(fit(head, w))
	if hint != "" {
		line = st.title.Render(head) + strings.Repeat(" ", w-ansi.StringWidth(head)-hw) + hint
	}
	out = append(out, "", line)
	if rest < 4 {
		return strings.Join(out, "\n")
	}
	if !hasHours {
		msg := "No hourly breakdown for this day"
		if src := cmp.Or(day.Device, day.Origin); hasDay && len(day.Hourly) > 0 {
			msg = "No steps in any hour of this day"
		} else if hasDay && src != "" {
			msg += ": " + src + " reports the day's total only"
		}
		if n := len(d.hourlyDays); n > 0 && d.hourlyDays[n-1] != f.actDay {
			msg += fmt.Sprintf(". The latest day with steps by the hour is %s.", dayLabel(d.hourlyDays[n-1]))
		} else {
			msg += "."
		}
		out = append(out, wrapStyled(st.muted, msg, w)...)
		return strings.Join(out, "\n")
	}
	acc := &dayAcc{sum: make([]float64, 24), n: make([]int, 24)}
	for _, hr := range r.Hourly {
		if x, ok := hr.Steps.Get(); ok && hr.Hour >= 0 && hr.Hour < 24 {
			acc.sum[hr.Hour] += x
			acc.n[hr.Hour]++
		}
	}
	hourly := barChart{data: acc.series(), labels: func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("%02d", i)
		}
		return ""
	}}
	out = append(out, hourly.render(st, min(w, 24*4+10), min(rest, 14)))
	return strings.Join(out, "\n")
}

func stepMark(x, goal float64) string {
	if x >= goal {
		return "✓ "
	}
	return "△ "
}

func (f frame) vitals(w, h int) string {
	st, d := f.st, f.d.vt
	u := f.set.units
	temp := func(v health.Value) health.Value { x, _ := u.Temp(v); return x }
	_, tunit := u.Temp(health.Missing)

	// Both sections always show. One without readings in the period
	// takes two lines and says where its newest reading is; the charts
	// share the rest, each no taller than its values need.
	var tempHead, oxHead string
	var tempChart, oxChart func(w, h int) string
	if d.hasTemp {
		tempHead = fmt.Sprintf("Temperature (%s): latest %s on %s · highest %s · %s", tunit,
			st.value.Render(num(temp(d.latestT.Celsius), 1)), f.when(d.latestT.Local()),
			num(temp(d.maxT), 1), howMany(len(d.temps), "reading", "readings"))
		c := lineChart{start: f.d.period.Start, days: f.d.period.Days(), prec: 1,
			minSpan: temp(health.Of(1)).Or(0) - temp(health.Of(0)).Or(0),
			lines:   []line{{data: converted(d.temp, temp), name: "temperature, daily mean", mark: "──", chars: solidLine, color: st.sys}}}
		tempChart = func(w, h int) string { return c.render(st, w, h) }
	} else {
		tempHead = fmt.Sprintf("Temperature (%s)", tunit)
	}
	if d.hasOxygen {
		latest := st.value.Render(num(d.latestO.Percent, 0))
		if p, ok := d.latestO.Pulse.Get(); ok {
			latest += fmt.Sprintf(" (pulse %.0f)", p)
		}
		oxHead = fmt.Sprintf("SpO2 (%%): latest %s on %s · lowest %s · %s", latest,
			f.when(d.latestO.Local()), num(d.minO, 0), howMany(len(d.spo2), "reading", "readings"))
		ox := lineChart{start: f.d.period.Start, days: f.d.period.Days(), minSpan: 4, ceiling: 100,
			lines: []line{{data: d.oxygen, name: "SpO2 %, daily mean", mark: "──", chars: solidLine, color: st.dia}}}
		pulse := lineChart{start: f.d.period.Start, days: f.d.period.Days(), minSpan: 20,
			lines: []line{{data: d.pulse, name: "pulse /min, daily mean", mark: "··", chars: dottedLine, color: st.pulse}}}
		oxChart = func(w, h int) string {
			if !d.hasPulse || w < 110 {
				return ox.render(st, w, h)
			}
			// Pulse beside SpO2: the two scales do not share an axis.
			return sideBySide(st, ox, pulse, w, h)
		}
	} else {
		oxHead = "SpO2 (%)"
	}

	tempNone := f.noneInPeriod("temperature", d.newestT, w)
	oxNone := f.noneInPeriod("SpO2", d.newestO, w)
	// The rows: each section's head, then its chart or its sentence.
	rows := h - 2 - 1 // the two heads and the blank line between the sections
	if tempChart == nil {
		rows -= len(tempNone)
	}
	if oxChart == nil {
		rows -= len(oxNone)
	}
	each := rows
	if tempChart != nil && oxChart != nil {
		each = rows / 2
	}
	each = min(each, maxChartLines)

	out := []string{st.title.Render(fit(tempHead, w))}
	if tempChart != nil {
		out = append(out, tempChart(w, each))
	} else {
		out = append(out, tempNone...)
	}
	out = append(out, "", st.title.Render(fit(oxHead, w)))
	if oxChart != nil {
		out = append(out, oxChart(w, min(h-height(out), maxChartLines)))
	} else {
		out = append(out, oxNone...)
	}
	// Rows to spare list the readings themselves.
	if rows := h - height(out) - 3; rows >= 2 && (d.hasTemp || d.hasOxygen) {
		out = append(out, "", st.title.Render("Readings in this period, newest first"), f.vitalsTable(w, rows))
	}
	return strings.Join(out, "\n")
}

// vitalsTable lists the period's temperatures and SpO2 readings, newest
// first, as many as rows.
func (f frame) vitalsTable(w, rows int) string {
	d := f.d.vt
	temp := func(v health.Value) health.Value { x, _ := f.set.units.Temp(v); return x }
	_, tunit := f.set.units.Temp(health.Missing)
	t := table{sel: -1, cols: []column{
		{title: "When", width: len(f.when(f.now))},
		{title: "Reading", width: 24},
		{title: "Source", width: 10, grow: true, words: true},
	}}
	i, j := len(d.temps)-1, len(d.spo2)-1
	for len(t.rows) < rows && (i >= 0 || j >= 0) {
		if j < 0 || i >= 0 && d.temps[i].Time.After(d.spo2[j].Time) {
			r := d.temps[i]
			t.rows = append(t.rows, []string{f.when(r.Local()), "temperature " + num(temp(r.Celsius), 1) + " " + tunit, f.st.muted.Render(strings.TrimPrefix(where(r.Meta), " · "))})
			i--
			continue
		}
		r := d.spo2[j]
		v := "SpO2 " + num(r.Percent, 0) + "%"
		if r.Pulse.Valid() {
			v += " · pulse " + num(r.Pulse, 0)
		}
		t.rows = append(t.rows, []string{f.when(r.Local()), v, f.st.muted.Render(strings.TrimPrefix(where(r.Meta), " · "))})
		j--
	}
	return t.render(f.st, w)
}

// noneInPeriod says that a kind has no readings in the period, when its
// newest reading is (newest is its own wall clock; zero: never), and how
// to reach it.
func (f frame) noneInPeriod(what string, newest time.Time, w int) []string {
	p := f.d.period
	in := "in these " + p.Range.String()
	switch p.Range {
	case Range1y:
		in = "in this year-long period"
	case RangeAll:
		in = "yet"
	}
	var text string
	switch {
	case len(f.d.firstSync) > 0 && (newest.IsZero() || !p.Contains(health.DateOf(newest))):
		text = fmt.Sprintf("No %s readings in this period yet: the first sync is still running.", what)
	case newest.IsZero():
		text = fmt.Sprintf("No %s readings yet. Omron thermometers and pulse oximeters, and health systems through 1upHealth, deliver them; files import with `vitals import FILE`.", what)
	case health.DateOf(newest).After(p.End):
		text = fmt.Sprintf("No %s readings %s; the newest is from %s: press t for the latest readings.", what, in, f.dayOf(newest))
	case p.Range == RangeAll:
		text = fmt.Sprintf("No %s readings %s.", what, in)
	default:
		text = fmt.Sprintf("No %s readings %s; the latest is from %s: press + for a longer period.", what, in, f.dayOf(newest))
	}
	return wrapStyled(f.st.muted, text, w)
}

// dayOf writes a reading's own date, with the year when it is not the
// period's.
func (f frame) dayOf(t time.Time) string {
	if t.Year() != f.d.period.End.Year {
		return t.Format("Mon 02 Jan 2006")
	}
	return t.Format(fmtDay)
}
