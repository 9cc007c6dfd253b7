package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/guptarohit/asciigraph"

	"vitals/health"
)

// Character sets that tell chart lines apart without colour.
var (
	solidLine  = asciigraph.DefaultCharSet
	doubleLine = asciigraph.CharSet{
		Horizontal: "═", VerticalLine: "║",
		ArcDownRight: "╔", ArcDownLeft: "╗", ArcUpRight: "╚", ArcUpLeft: "╝",
		EndCap: "═", StartCap: "═",
	}
	dottedLine = asciigraph.CreateCharSet("·")
	refLine    = asciigraph.CreateCharSet("┄")
)

// line is one series of a chart.
type line struct {
	data  daySeries
	name  string // legend text
	mark  string // legend symbol, the line's own character
	chars asciigraph.CharSet
	color asciigraph.AnsiColor
}

// ref is a horizontal reference line, such as a threshold. A ref without
// a name belongs to the named one before it (the diastolic line of a
// threshold): the legend names them together.
type ref struct {
	value float64
	name  string
}

// lineChart draws daily values over a period with a dated x axis, its
// reference lines and a legend. It only lays out what the snapshot
// computed: its cost is proportional to its size.
type lineChart struct {
	lines    []line
	refs     []ref
	refColor asciigraph.AnsiColor
	start    health.Date
	days     int
	prec     int // decimals of the y labels
	// minSpan is the smallest range of values the y axis covers, so that
	// small variation (a tenth of a degree) is not blown up into noise.
	minSpan float64
	// floor and ceiling bound the y axis (0 and 0: no negative values, no
	// ceiling; SpO2 stops at 100).
	floor, ceiling float64
}

// chartRows is what a chart needs besides its plot: the x axis, its
// labels and the legend.
const chartRows = 3

// maxChartLines caps a chart's height, axis and legend included: on a
// tall terminal the rows left over go to tables and other sections.
const maxChartLines = 20

// yScale is a chart's vertical scale: rows lines, from lo on the bottom
// row to hi on the top one, step apart. Row i from the bottom is labelled
// lo + i·step, and a value is drawn on the row whose label is nearest to
// it (half a step above a label rounds up), the rule rowOf states.
type yScale struct {
	lo, hi, step float64
	rows         int
}

// label is the value of row i from the bottom.
func (s yScale) label(i int) float64 { return s.lo + float64(i)*s.step }

// units is v in rows above the bottom row (a fraction between rows).
func (s yScale) units(v float64) float64 { return (v - s.lo) / s.step }

// rowOf is the row, from the bottom, on which v is drawn: the row whose
// label is nearest to v, the upper one when v lies exactly half way. It
// is what asciigraph does with the units the chart hands it.
func (s yScale) rowOf(v float64) int { return int(math.Floor(s.units(v) + 0.5 + 1e-9)) }

// scale works out the y axis for at most maxRows lines: the data's range
// with modest padding (and the reference lines near it), widened to the
// chart's minimum span, on round steps. refs reports which reference
// lines the axis holds; those far from the data are left off the chart.
// The rows fall on the reference lines' values: a threshold of 130 is
// drawn on the row labelled 130, never between two labels (see
// roundScale).
func (c lineChart) scale(maxRows int) (s yScale, refs []bool, ok bool) {
	lo, hi, has := math.Inf(1), math.Inf(-1), false
	for _, l := range c.lines {
		if a, b, ok := l.data.minMax(); ok {
			lo, hi, has = min(lo, a), max(hi, b), true
		}
	}
	if !has || maxRows < 2 {
		return yScale{}, nil, false
	}
	// A threshold near the data is drawn, so that the eye can tell which
	// side of it the values are; one far away would squash the data
	// into a few rows.
	near := max(hi-lo, c.minSpan) / 2
	refs = make([]bool, len(c.refs))
	dlo, dhi := lo, hi
	var on []float64
	for i, r := range c.refs {
		if r.value >= dlo-near && r.value <= dhi+near {
			refs[i] = true
			on = append(on, r.value)
		}
	}
	// Fewer reference lines when no round step puts all of them on rows
	// in the height given: the last ones go first.
	for n := len(on); n >= 0; n-- {
		l, h := lo, hi
		for _, v := range on[:n] {
			l, h = min(l, v), max(h, v)
		}
		if s, ok = c.fit(l, h, maxRows, on[:n]); ok {
			for i, k := 0, 0; i < len(refs); i++ {
				if refs[i] {
					refs[i] = k < n
					k++
				}
			}
			return s, refs, true
		}
	}
	return yScale{}, nil, false
}

// fit is the scale of [lo, hi] padded and widened to the minimum span, in
// at most maxRows rows, with every value of on falling on a row.
func (c lineChart) fit(lo, hi float64, maxRows int, on []float64) (yScale, bool) {
	if span := hi - lo; span < c.minSpan {
		mid := (lo + hi) / 2
		lo, hi = mid-c.minSpan/2, mid+c.minSpan/2
		if c.ceiling != 0 && hi > c.ceiling {
			lo, hi = c.ceiling-c.minSpan, c.ceiling
		}
		if lo < c.floor {
			lo, hi = c.floor, c.floor+c.minSpan
		}
	}
	pad := (hi - lo) * 0.03
	plo, phi := max(lo-pad, c.floor), hi+pad
	if c.ceiling != 0 {
		phi = min(phi, c.ceiling)
	}
	return roundScale(plo, phi, lo, hi, maxRows, c.prec, on)
}

// roundScale picks the smallest round step (1, 2, 2.5 or 5 times a power
// of ten, and no finer than the labels' decimals) that fits [lo, hi] into
// at most maxRows lines. The rows are the multiples of the step, or, with
// values to hold (thresholds), the first value plus multiples of the step;
// a step that would put another of the values between rows is passed
// over (130/80 on a step of 20: 80 + 20k never meets 130). [plo, phi] is
// the range padded: the padding goes first when a finer step fits
// without it.
func roundScale(plo, phi, lo, hi float64, maxRows, prec int, on []float64) (yScale, bool) {
	unit := math.Pow10(-prec)
	anchor := 0.0
	if len(on) > 0 {
		anchor = on[0]
	}
	onRow := func(step float64) bool {
		for _, v := range on {
			if k := (v - anchor) / step; math.Abs(k-math.Round(k)) > 1e-9 {
				return false
			}
		}
		return true
	}
	fits := func(lo, hi, step float64) (yScale, bool) {
		l := anchor + math.Floor((lo-anchor)/step+1e-9)*step
		h := anchor + math.Ceil((hi-anchor)/step-1e-9)*step
		n := int(math.Round((h - l) / step))
		if n < 1 {
			h, n = l+step, 1
		}
		return yScale{lo: l, hi: h, step: step, rows: n + 1}, n+1 <= maxRows
	}
	for mag := unit; mag < 1e12; mag *= 10 {
		for _, m := range []float64{1, 2, 2.5, 5} {
			step := mag * m
			if units := step / unit; math.Abs(units-math.Round(units)) > 1e-9 {
				continue // 0.25 cannot be written with one decimal
			}
			if !onRow(step) {
				continue
			}
			if s, ok := fits(plo, phi, step); ok {
				return s, true
			}
			if s, ok := fits(lo, hi, step); ok {
				return s, true
			}
		}
	}
	return yScale{}, false
}

// height is the number of lines the chart draws when given at most h:
// its plot takes the rows its scale needs, no more.
func (c lineChart) height(h int) int {
	s, _, ok := c.scale(h - chartRows)
	if !ok || c.days <= 0 {
		return min(h, 1)
	}
	return s.rows + chartRows
}

// render draws the chart in exactly w columns and at most h lines: the
// plot has the rows its scale needs (see height), so a tall terminal
// does not stretch a narrow range of values.
func (c lineChart) render(st styles, w, h int) string {
	s, drawn, ok := c.scale(h - chartRows)
	if !ok || c.days <= 0 {
		return block("", w, min(h, 1))
	}
	yfmt := func(v float64) string { return fmt.Sprintf("%.*f", c.prec, v) }
	labelW := max(len(yfmt(s.lo)), len(yfmt(s.hi)))
	const offset = 2 // the label's cell and the axis
	leftPad := offset + labelW
	cols := layColumns(c.days, w-leftPad-1)
	if cols.cols < 2 {
		return block("", w, min(h, 1))
	}

	// asciigraph is handed rows, not values: each value becomes the row
	// rowOf puts it on, on a scale of exactly one row per unit, so that
	// the labels are the scale's own and a value lands on the row nearest
	// its label, whatever asciigraph's own arithmetic would make of lo,
	// hi and the height.
	top := s.rows - 1
	var data [][]float64
	var chars []asciigraph.CharSet
	var colors []asciigraph.AnsiColor
	for i, r := range c.refs {
		if !drawn[i] {
			continue
		}
		v := make([]float64, cols.cols)
		for j := range v {
			v[j] = float64(s.rowOf(r.value))
		}
		data, chars, colors = append(data, v), append(chars, refLine), append(colors, c.refColor)
	}
	for _, l := range c.lines {
		v := l.data.resample(cols)
		for j, x := range v {
			if !math.IsNaN(x) {
				v[j] = float64(min(max(s.rowOf(x), 0), top))
			}
		}
		data = append(data, v)
		chars, colors = append(chars, l.chars), append(colors, l.color)
	}
	plot := plotRows(data, s, labelW, yfmt,
		asciigraph.SeriesChars(chars...), asciigraph.SeriesColors(colors...))

	var b strings.Builder
	b.WriteString(plot)
	b.WriteByte('\n')
	axis, labels := c.xAxis(cols, leftPad)
	b.WriteString(st.muted.Render(axis))
	b.WriteByte('\n')
	b.WriteString(st.muted.Render(labels))
	b.WriteByte('\n')
	b.WriteString(c.legend(st, w, drawn))
	return block(b.String(), w, s.rows+chartRows)
}

// sideBySide draws two charts in two columns of w cells, at most h lines
// high: the taller is given the height the shorter needs, and a chart
// still shorter is pushed down, so that their axes and legends fall on
// the same lines.
func sideBySide(st styles, a, b lineChart, w, h int) string {
	if n := min(a.height(h), b.height(h)); n > chartRows+1 {
		h = n
	}
	cw := (w - 3) / 2
	left := strings.Split(a.render(st, cw, h), "\n")
	right := strings.Split(b.render(st, w-3-cw, h), "\n")
	for len(left) < len(right) {
		left = append([]string{""}, left...)
	}
	for len(right) < len(left) {
		right = append([]string{""}, right...)
	}
	return strings.Join(twoColumns(left, right, w), "\n")
}

// plotRows draws the plot from data in rows above the bottom (0 to
// s.rows−1), one line for each of the scale's rows, from the top down,
// each labelled with its value.
func plotRows(data [][]float64, s yScale, labelW int, yfmt func(float64) string, opts ...asciigraph.Option) string {
	top := float64(s.rows - 1)
	base := []asciigraph.Option{
		asciigraph.LowerBound(0), asciigraph.UpperBound(top), asciigraph.Offset(2), asciigraph.Height(s.rows - 1),
		asciigraph.YAxisValueFormatter(func(row float64) string {
			return fmt.Sprintf("%*s", labelW, yfmt(s.label(int(math.Round(row)))))
		}),
	}
	out := asciigraph.PlotMany(data, append(base, opts...)...)
	lines := strings.Split(out, "\n")
	if len(lines) > s.rows { // never: one row per unit
		lines = lines[len(lines)-s.rows:]
	}
	for len(lines) < s.rows {
		lines = append([]string{""}, lines...)
	}
	return strings.Join(lines, "\n")
}

// xAxis draws the axis line and its date labels, spaced so none overlap:
// evenly spaced days for short periods, month or year starts for long ones.
func (c lineChart) xAxis(cols columns, leftPad int) (axis, labels string) {
	format := xLabelFormat(c.days)
	labelW := len([]rune(c.start.In(time.UTC).Format(format)))
	width := leftPad + cols.cols
	ax := []rune(strings.Repeat(" ", leftPad-1) + "└" + strings.Repeat("─", cols.cols))
	lb := []rune(strings.Repeat(" ", width))
	end := -1
	put := func(tick int, label string) {
		at := leftPad + tick - labelW/2
		if at < 0 || at <= end || at+labelW > width || tick >= cols.cols {
			return
		}
		ax[leftPad+tick] = '┬'
		copy(lb[at:], []rune(label))
		end = at + labelW
	}
	label := func(day int) string { return c.start.AddDays(day).In(time.UTC).Format(format) }
	if cols.days <= 120 && cols.days <= cols.cols {
		// Every step-th day, at the middle of its columns.
		perDay := float64(cols.cols) / float64(cols.days)
		step := int(math.Ceil(float64(labelW+2) / perDay))
		for d := 0; d < cols.days; d += step {
			put((cols.firstCol(d)+cols.firstCol(d+1)-1)/2, label(d))
		}
		return string(ax), strings.TrimRight(string(lb), " ")
	}
	// Where the month (or year) changes.
	prev := ""
	for col := range cols.cols {
		day := c.start.AddDays(cols.dayAt(col)).In(time.UTC)
		period := day.Format("2006-01")
		if format == "2006" {
			period = day.Format("2006")
		}
		if period != prev && (col > 0 || day.Day() == 1) {
			put(col, day.Format(format))
		}
		prev = period
	}
	return string(ax), strings.TrimRight(string(lb), " ")
}

// xLabelFormat picks the date format for a period's length.
func xLabelFormat(days int) string {
	switch {
	case days <= 120:
		return "02 Jan"
	case days <= 800:
		return "Jan'06"
	}
	return "2006"
}

// legend names each line by its own character; when it is too wide the
// parenthesised parts of the names go first. A reference line left off
// the chart (far from the data) is named as such.
func (c lineChart) legend(st styles, w int, drawn []bool) string {
	build := func(name func(string) string) string {
		var parts []string
		for i := len(c.lines) - 1; i >= 0; i-- {
			if l := c.lines[i]; l.name != "" {
				parts = append(parts, ansiFG(l.color).Render(l.mark)+" "+name(l.name))
			}
		}
		for i, r := range c.refs {
			if r.name == "" {
				continue
			}
			shown := false
			for j := i; j < len(c.refs) && (j == i || c.refs[j].name == ""); j++ {
				shown = shown || j < len(drawn) && drawn[j]
			}
			if shown {
				parts = append(parts, ansiFG(c.refColor).Render("┄┄")+" "+name(r.name))
			} else {
				parts = append(parts, st.muted.Render(name(r.name)+": off the chart"))
			}
		}
		return strings.Join(parts, "   ")
	}
	full := build(func(s string) string { return s })
	if lipgloss.Width(full) <= w {
		return full
	}
	return build(func(s string) string {
		if i := strings.Index(s, " ("); i > 0 {
			return s[:i]
		}
		return s
	})
}

func ansiFG(c asciigraph.AnsiColor) lipgloss.Style {
	return lipgloss.NewStyle().Foreground(lipgloss.ANSIColor(c))
}

// barChart draws one bar a day (or a bucket of days) from zero, with a
// goal line; bars at or above the goal are drawn full, those below in a
// lighter shade, and a ✓ row marks the days that met the goal. A day (or
// hour) without a count, or with a count of zero, has no bar.
type barChart struct {
	data   daySeries
	goal   float64
	start  health.Date
	labels func(i int) string // label of bar i when the bars are not days (hours)
}

var eighths = []rune(" ▁▂▃▄▅▆▇█")

// roundUp rounds x up to two significant digits (12,193 → 13,000), for the
// top of a bar chart's axis.
func roundUp(x float64) float64 {
	if x <= 0 {
		return 0
	}
	unit := math.Pow10(int(math.Floor(math.Log10(x))) - 1)
	return math.Ceil(x/unit-1e-9) * unit
}

// render draws the chart in w columns and h lines: the plot, a ✓ row,
// and the axis labels. The y axis is labelled at zero, at its top and at
// the goal.
func (c barChart) render(st styles, w, h int) string {
	days := c.data.days()
	plotH := h - 2 // the ✓ row and the labels
	if c.goal == 0 {
		plotH = h - 1
	}
	if c.data.empty() || plotH < 2 || days == 0 {
		return block("", w, h)
	}
	yfmt := func(v float64) string { return thousands(v) }
	// The labels' width depends on the top, the top on the bars, and the
	// bars on the width left: the goal's width is a close first guess.
	labelW := max(len(yfmt(roundUp(max(c.data.hi, c.goal)))), len(yfmt(c.goal)), 1)
	leftPad := labelW + 2
	avail := w - leftPad - 1
	// A gap between bars when there is room for one.
	cols := layUniform(days, avail)
	barW, gap := 1, 0
	if cols.perDay >= 2 {
		barW, gap = cols.perDay-1, 1
	}
	n := days
	if cols.perDay == 0 {
		n = cols.cols
	}
	// The bars' values: a day's, or the mean of a bucket of days. The
	// axis tops at the tallest bar shown, not at a day that a bucket
	// averages away.
	vals := make([]float64, n)
	hi := 0.0
	for i := range n {
		a, b := i, i+1
		if cols.perDay == 0 {
			a, b = cols.span(i)
		}
		vals[i] = c.data.mean(a, b)
		if !math.IsNaN(vals[i]) {
			hi = max(hi, vals[i])
		}
	}
	top := roundUp(max(hi, c.goal))
	if top <= 0 {
		top = 1 // every count is zero: no bars, and no division by zero
	}
	goalRow := -1
	if c.goal > 0 {
		goalRow = min(int(math.Round(c.goal/top*float64(plotH*8))), plotH*8-1)
	}
	grid := make([][]string, plotH)
	for r := range grid {
		grid[r] = make([]string, 0, n*(barW+gap))
	}
	met := make([]string, 0, n*(barW+gap))
	for _, v := range vals {
		eighthsTall := 0
		if !math.IsNaN(v) && v > 0 {
			// At least an eighth: a small count is not no count.
			eighthsTall = max(int(math.Round(v/top*float64(plotH*8))), 1)
		}
		good := c.goal > 0 && !math.IsNaN(v) && v >= c.goal
		style := st.barLow
		if good {
			style = st.barGood
		}
		for r := range plotH {
			rowFromBottom := plotH - 1 - r
			fill := min(max(eighthsTall-rowFromBottom*8, 0), 8)
			cell := string(eighths[fill])
			onGoal := goalRow >= 0 && goalRow/8 == rowFromBottom && fill == 0
			switch {
			case fill > 0:
				cell = style.Render(strings.Repeat(cell, barW))
			case onGoal:
				cell = st.muted.Render(strings.Repeat("┄", barW))
			default:
				cell = strings.Repeat(" ", barW)
			}
			grid[r] = append(grid[r], cell)
			if gap > 0 {
				g := " "
				if goalRow >= 0 && goalRow/8 == rowFromBottom {
					g = st.muted.Render("┄")
				}
				grid[r] = append(grid[r], g)
			}
		}
		mark := strings.Repeat(" ", barW)
		if good {
			mark = st.good.Render(fit("✓", barW))
		}
		met = append(met, mark+strings.Repeat(" ", gap))
	}
	var b strings.Builder
	for r := range plotH {
		rowFromBottom := plotH - 1 - r
		label := ""
		switch {
		case r == 0:
			label = yfmt(top)
		case goalRow >= 0 && goalRow/8 == rowFromBottom:
			label = yfmt(c.goal)
		case r == plotH-1:
			label = "0"
		}
		b.WriteString(st.muted.Render(fitRight(label, labelW)+" ┤") + strings.Join(grid[r], "") + "\n")
	}
	if c.goal > 0 {
		b.WriteString(strings.Repeat(" ", leftPad) + strings.Join(met, "") + "\n")
	}
	b.WriteString(st.muted.Render(c.axisLabels(n, barW+gap, cols, leftPad)))
	return block(b.String(), w, h)
}

// axisLabels writes the label of every bar that has room for one.
func (c barChart) axisLabels(n, per int, cols columns, leftPad int) string {
	label := func(i int) string {
		if c.labels != nil {
			return c.labels(i)
		}
		d := i
		if cols.perDay == 0 {
			d = cols.dayAt(i)
		}
		return c.start.AddDays(d).In(time.UTC).Format(xLabelFormat(c.data.days()))
	}
	width := leftPad + n*per
	lb := []rune(strings.Repeat(" ", width+8))
	end := -1
	for i := range n {
		l := label(i)
		if l == "" {
			continue
		}
		at := leftPad + i*per
		if at <= end || at+len([]rune(l)) > width+1 {
			continue
		}
		copy(lb[at:], []rune(l))
		end = at + len([]rune(l))
	}
	return strings.TrimRight(string(lb), " ")
}
