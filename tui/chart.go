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

// ref is a horizontal reference line, such as a threshold.
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
	// floor and ceiling bound the y axis when it grows to fill its rows
	// (0 and 0: no negative values, no ceiling).
	floor, ceiling float64
}

// chartRows is what a chart needs besides its plot: the x axis, its
// labels and the legend.
const chartRows = 3

// render draws the chart in exactly w columns and h lines.
func (c lineChart) render(st styles, w, h int) string {
	lo, hi, ok := math.Inf(1), math.Inf(-1), false
	for _, l := range c.lines {
		if a, b, has := l.data.minMax(); has {
			lo, hi, ok = min(lo, a), max(hi, b), true
		}
	}
	plotH := h - chartRows
	if !ok || plotH < 2 || c.days <= 0 {
		return block("", w, h)
	}
	for _, r := range c.refs {
		lo, hi = min(lo, r.value), max(hi, r.value)
	}
	lo, hi, steps := yScale(lo, hi, plotH, c.prec)
	// Round steps rarely fill the rows exactly: spread the rows left over
	// above and below, within the floor and ceiling the values allow.
	step := (hi - lo) / float64(steps)
	for spare := plotH - steps - 1; spare > 0; spare-- {
		up := spare%2 == 0 || lo-step < c.floor
		if up && (c.ceiling == 0 || hi+step <= c.ceiling) {
			hi += step
		} else if lo-step >= c.floor {
			lo -= step
		} else if c.ceiling == 0 || hi+step <= c.ceiling {
			hi += step
		} else {
			break
		}
		steps++
	}
	yfmt := func(v float64) string { return fmt.Sprintf("%.*f", c.prec, v) }
	labelW := max(len(yfmt(lo)), len(yfmt(hi)))
	const offset = 2 // the label's cell and the axis
	leftPad := offset + labelW
	cols := layColumns(c.days, w-leftPad-1)
	if cols.cols < 2 {
		return block("", w, h)
	}

	var data [][]float64
	var chars []asciigraph.CharSet
	var colors []asciigraph.AnsiColor
	for _, r := range c.refs {
		v := make([]float64, cols.cols)
		for i := range v {
			v[i] = r.value
		}
		data, chars, colors = append(data, v), append(chars, refLine), append(colors, c.refColor)
	}
	for _, l := range c.lines {
		data = append(data, l.data.resample(cols))
		chars, colors = append(chars, l.chars), append(colors, l.color)
	}
	plot := plotExactly(data, plotH, steps, lo, hi, labelW, yfmt,
		asciigraph.SeriesChars(chars...), asciigraph.SeriesColors(colors...))

	var b strings.Builder
	b.WriteString(plot)
	b.WriteByte('\n')
	axis, labels := c.xAxis(cols, leftPad)
	b.WriteString(st.muted.Render(axis))
	b.WriteByte('\n')
	b.WriteString(st.muted.Render(labels))
	b.WriteByte('\n')
	b.WriteString(c.legend(st, w))
	return block(b.String(), w, h)
}

// plotExactly draws the plot with one line for each of steps+1 round
// values from hi down to lo, and pads it to rows lines at the top. With
// bounds on multiples of the step, asciigraph's rows fall exactly on them.
func plotExactly(data [][]float64, rows, steps int, lo, hi float64, labelW int, yfmt func(float64) string, opts ...asciigraph.Option) string {
	base := []asciigraph.Option{
		asciigraph.LowerBound(lo), asciigraph.UpperBound(hi), asciigraph.Offset(2), asciigraph.Height(steps),
		asciigraph.YAxisValueFormatter(func(v float64) string { return fmt.Sprintf("%*s", labelW, yfmt(v)) }),
	}
	out := asciigraph.PlotMany(data, append(base, opts...)...)
	lines := strings.Split(out, "\n")
	if len(lines) > rows { // only if rounding ever disagreed
		lines = lines[len(lines)-rows:]
	}
	for len(lines) < rows {
		lines = append([]string{""}, lines...)
	}
	return strings.Join(lines, "\n")
}

// yScale picks the smallest round step that fits [lo, hi] into rows
// lines, and the bounds on multiples of it.
func yScale(lo, hi float64, rows, prec int) (float64, float64, int) {
	base := 1.0
	if prec > 0 {
		base = 0.1
	}
	for mag := base; ; mag *= 10 {
		for _, m := range []float64{1, 2, 2.5, 5} {
			step := mag * m
			if prec == 0 && step != math.Trunc(step) {
				continue
			}
			l, h := math.Floor(lo/step+1e-9)*step, math.Ceil(hi/step-1e-9)*step
			if h <= l {
				h = l + step
			}
			n := int(math.Round((h - l) / step))
			if n+1 <= rows {
				return l, h, n
			}
		}
	}
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
// parenthesised parts of the names go first.
func (c lineChart) legend(st styles, w int) string {
	build := func(name func(string) string) string {
		var parts []string
		for i := len(c.lines) - 1; i >= 0; i-- {
			if l := c.lines[i]; l.name != "" {
				parts = append(parts, ansiFG(l.color).Render(l.mark)+" "+name(l.name))
			}
		}
		for _, r := range c.refs {
			if r.name != "" {
				parts = append(parts, ansiFG(c.refColor).Render("┄┄")+" "+name(r.name))
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
// lighter shade, and a ✓ row marks the days that met the goal.
type barChart struct {
	data   daySeries
	goal   float64
	start  health.Date
	labels func(i int) string // label of bar i when the bars are not days (hours)
}

var eighths = []rune(" ▁▂▃▄▅▆▇█")

// render draws the chart in w columns and h lines: the plot, a ✓ row,
// and the axis labels.
func (c barChart) render(st styles, w, h int) string {
	days := c.data.days()
	lo, hi, ok := c.data.minMax()
	_ = lo
	plotH := h - 2 // the ✓ row and the labels
	if c.goal == 0 {
		plotH = h - 1
	}
	if !ok || plotH < 2 || days == 0 {
		return block("", w, h)
	}
	top := max(hi, c.goal) * 1.05
	yfmt := func(v float64) string {
		if v >= 1000 {
			return fmt.Sprintf("%.0fk", v/1000)
		}
		return fmt.Sprintf("%.0f", v)
	}
	labelW := max(len(yfmt(top)), len(yfmt(c.goal)), 1)
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
	goalRow := -1
	if c.goal > 0 {
		goalRow = int(math.Round(c.goal / top * float64(plotH*8)))
	}
	grid := make([][]string, plotH)
	for r := range grid {
		grid[r] = make([]string, 0, n*(barW+gap))
	}
	met := make([]string, 0, n*(barW+gap))
	for i := range n {
		a, b := i, i+1
		if cols.perDay == 0 {
			a, b = cols.span(i)
		}
		v := c.data.mean(a, b)
		eighthsTall := 0
		if !math.IsNaN(v) {
			eighthsTall = int(math.Round(v / top * float64(plotH*8)))
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
		b.WriteString(fitRight(label, labelW) + " ┤" + strings.Join(grid[r], "") + "\n")
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
