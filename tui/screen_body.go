package tui

import (
	"fmt"
	"math"
	"strings"

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
	items = append(items, plural(len(d.readings), "weighing", "weighings"))
	stats := flow(items, w)

	// The weight chart takes the height, unless BMI or body fat charts
	// below it can have at least seven lines.
	fixed := 1 + len(stats)
	mainH := h - fixed
	if (d.hasBMI || d.hasFat) && h-fixed-8 >= 8 {
		mainH = max(min((h-fixed)*11/20, 20), 8)
	}
	out := []string{st.title.Render(fmt.Sprintf("Weight (%s), daily means", unit))}
	c := lineChart{start: p.Start, days: p.Days(), prec: 1, lines: []line{
		{data: converted(d.weight, mass), name: "weight, " + unit, mark: "──", chars: solidLine, color: st.sys},
	}}
	out = append(out, c.render(st, w, mainH))
	out = append(out, stats...)

	rest := h - height(out) - 1
	if rest < 7 {
		return strings.Join(out, "\n")
	}
	bmi := lineChart{start: p.Start, days: p.Days(), prec: 1,
		lines: []line{{data: d.bmi, name: "BMI, kg/m²", mark: "──", chars: solidLine, color: st.dia}}}
	fat := lineChart{start: p.Start, days: p.Days(), prec: 1,
		lines: []line{{data: d.fat, name: "body fat, %", mark: "──", chars: solidLine, color: st.line2}}}
	switch {
	case d.hasBMI && d.hasFat && w >= 100:
		cw := (w - 3) / 2
		out = append(out, twoColumns([]string{st.title.Render("BMI")}, []string{st.title.Render("Body fat")}, w)...)
		out = append(out, twoColumns(strings.Split(bmi.render(st, cw, rest), "\n"), strings.Split(fat.render(st, w-3-cw, rest), "\n"), w)...)
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

	title := fmt.Sprintf("Steps a day: %d of %s at or above the goal of %s", d.goalMet, plural(d.stepDays, "day", "days"), thousands(goal))
	chartH := max(min((h-len(stats)-3)/2+2, 18), 7)
	out := []string{st.title.Render(title)}
	out = append(out, barChart{data: d.steps, goal: goal, start: p.Start}.render(st, w, chartH))
	out = append(out, st.muted.Render(fmt.Sprintf("█ a day's steps · ✓ at or above the goal · ┄ goal %s (display.step_goal)", thousands(goal))))
	out = append(out, stats...)

	// The hourly profile of the chosen day.
	rest := h - height(out) - 2
	r, ok := d.byDay[f.actDay]
	head := fmt.Sprintf("Hourly steps on %s", dayLabel(f.actDay))
	if ok && r.Steps.Valid() {
		head += fmt.Sprintf(": %s steps", thousands(r.Steps.Or(0)))
	}
	head += st.muted.Render("   , and . change the day")
	out = append(out, "", st.title.Render(head))
	if rest < 4 {
		return strings.Join(out, "\n")
	}
	if !ok || len(r.Hourly) == 0 {
		out = append(out, st.muted.Render("No hourly counts for this day."))
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
	out = append(out, hourly.render(st, min(w, 24*4+8), min(rest, 14)))
	return strings.Join(out, "\n")
}

func stepMark(x, goal float64) string {
	if x >= goal {
		return "✓ "
	}
	return "△ "
}

func (f frame) vitals(w, h int) string {
	st, d, p := f.st, f.d.vt, f.d.period
	if !d.hasTemp && !d.hasOxygen {
		lines := []string{
			fmt.Sprintf("No temperature or SpO2 readings in this period (%s).", periodLabel(p)),
			"Omron thermometers and pulse oximeters, and 1upHealth, deliver them when the account has them; files import with `vitals import FILE`.",
		}
		return st.muted.Render(strings.Join(wrapLines(lines, w), "\n"))
	}
	u := f.set.units
	temp := func(v health.Value) health.Value { x, _ := u.Temp(v); return x }
	_, tunit := u.Temp(health.Missing)
	parts := 0
	if d.hasTemp {
		parts++
	}
	if d.hasOxygen {
		parts++
	}
	each := h / parts
	var out []string
	if d.hasTemp {
		head := fmt.Sprintf("Temperature (%s): latest %s on %s · highest %s · %s", tunit,
			st.value.Render(num(temp(d.latestT.Celsius), 1)), f.when(d.latestT.Local()),
			num(temp(d.maxT), 1), plural(len(d.temps), "reading", "readings"))
		c := lineChart{start: p.Start, days: p.Days(), prec: 1,
			lines: []line{{data: converted(d.temp, temp), name: "daily mean", mark: "──", chars: solidLine, color: st.sys}}}
		out = append(out, st.title.Render(fit(head, w)), c.render(st, w, each-1))
	} else {
		out = append(out, st.muted.Render("No temperature readings in this period."))
	}
	if d.hasOxygen {
		head := fmt.Sprintf("SpO2 (%%): latest %s on %s · lowest %s · %s",
			st.value.Render(num(d.latestO.Percent, 0)), f.when(d.latestO.Local()),
			num(d.minO, 0), plural(len(d.spo2), "reading", "readings"))
		c := lineChart{start: p.Start, days: p.Days(), prec: 0, ceiling: 100,
			lines: []line{{data: d.oxygen, name: "daily mean", mark: "──", chars: solidLine, color: st.dia}}}
		out = append(out, st.title.Render(fit(head, w)), c.render(st, w, h-height(out)-1))
	} else {
		out = append(out, st.muted.Render("No SpO2 readings in this period."))
	}
	return strings.Join(out, "\n")
}
