package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"vitals/health"
)

// The blood-pressure chart is laid out once, in abstract units on a
// chartW × chartH page, and drawn through a canvas: SVG for HTML, fpdf for
// PDF. Both formats therefore show the same chart.
const (
	chartW = 720.0
	chartH = 300.0

	plotLeft   = 46.0
	plotRight  = chartW - 14
	plotTop    = 54.0
	plotBottom = chartH - 34

	fontSize = 11.0
)

// rgb is a colour.
type rgb struct{ R, G, B uint8 }

func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

var (
	colSystolic  = rgb{179, 38, 30}
	colDiastolic = rgb{31, 95, 168}
	colThreshold = rgb{199, 119, 0}
	colFlag      = rgb{123, 31, 162}
	colGrid      = rgb{221, 221, 221}
	colAxis      = rgb{90, 90, 90}
	colText      = rgb{40, 40, 40}
	colShade     = rgb{238, 238, 238}
	colWhite     = rgb{255, 255, 255}
)

// anchor is where a text's x is: its start, middle or end.
type anchor int

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

// canvas is what the chart is drawn with. Coordinates are chart units,
// y downwards.
type canvas interface {
	line(x1, y1, x2, y2 float64, c rgb, width float64, dashed bool)
	polyline(xs, ys []float64, c rgb, width float64)
	circle(x, y, r float64, stroke rgb, fill *rgb, width float64)
	square(x, y, half float64, stroke rgb, fill *rgb, width float64)
	triangle(x, y, half float64, fill rgb)
	rect(x, y, w, h float64, fill rgb)
	text(x, y float64, s string, size float64, a anchor, c rgb)
}

// chart is what the blood-pressure chart shows.
type chart struct {
	From       health.Date
	Days       int
	Threshold  health.Threshold
	Rulebook   string
	Points     []point
	Blank      []float64 // x of flagged readings without values
	Unflagged  []float64 // x of readings blanked without a cause given
	FirstDay   int       // index of day 1 (not averaged), or -1
	YMin, YMax float64
}

// gridStep is the mmHg between the chart's horizontal grid lines.
const gridStep = 20.0

// point is a reading with values; X is days since From, fractional.
type point struct {
	X        float64
	Sys, Dia float64
	Slot     health.Slot
	Flagged  bool
}

func newChart(s health.Summary) chart {
	c := chart{From: s.From, Days: s.To.Sub(s.From) + 1, Threshold: s.HomeThreshold, Rulebook: s.Rulebook.Name(), FirstDay: -1}
	if s.From.IsZero() {
		c.Days = 0
	}
	if !s.FirstDay.IsZero() {
		c.FirstDay = s.FirstDay.Sub(s.From)
	}
	lo, hi := 60.0, 160.0
	for _, e := range s.Entries {
		l := e.Local()
		x := float64(health.DateOf(l).Sub(s.From)) + (float64(l.Hour())+float64(l.Minute())/60)/24
		if !e.HasPressures() {
			switch {
			case e.Flagged():
				c.Blank = append(c.Blank, x)
			case e.Blanked():
				c.Unflagged = append(c.Unflagged, x)
			}
			continue
		}
		p := point{X: x, Sys: e.Systolic.Or(0), Dia: e.Diastolic.Or(0), Slot: e.Slot, Flagged: e.Flagged()}
		c.Points = append(c.Points, p)
		lo, hi = math.Min(lo, p.Dia-10), math.Max(hi, p.Sys+10)
	}
	c.YMin, c.YMax = math.Floor(lo/gridStep)*gridStep, math.Ceil(hi/gridStep)*gridStep
	return c
}

func (c chart) x(days float64) float64 {
	if c.Days <= 0 {
		return plotLeft
	}
	return plotLeft + (plotRight-plotLeft)*days/float64(c.Days)
}

func (c chart) y(mmHg float64) float64 {
	return plotBottom - (plotBottom-plotTop)*(mmHg-c.YMin)/(c.YMax-c.YMin)
}

// draw draws the chart on cv.
func (c chart) draw(cv canvas) {
	// Day 1, shaded behind everything; named when it is wide enough.
	if c.FirstDay >= 0 && c.FirstDay < c.Days {
		x0, x1 := c.x(float64(c.FirstDay)), c.x(float64(c.FirstDay+1))
		cv.rect(x0, plotTop, x1-x0, plotBottom-plotTop, colShade)
		if x1-x0 >= 40 {
			cv.text((x0+x1)/2, plotTop+12, "day 1", fontSize*0.85, anchorMiddle, colAxis)
			cv.text((x0+x1)/2, plotTop+24, "not averaged", fontSize*0.85, anchorMiddle, colAxis)
		}
	}
	// Horizontal grid and the mmHg axis: a label on every line, at the
	// height of the value it names.
	for i := 0; c.YMin+float64(i)*gridStep <= c.YMax; i++ {
		v := c.YMin + float64(i)*gridStep
		y := c.y(v)
		cv.line(plotLeft, y, plotRight, y, colGrid, 0.6, false)
		cv.text(plotLeft-6, y+4, fmt.Sprint(v), fontSize, anchorEnd, colText)
	}
	cv.text(plotLeft-6, plotTop-10, "mmHg", fontSize, anchorEnd, colText)
	// Vertical lines and date labels: every day of a short period; month
	// or year starts of a long one, so a report of years draws a few
	// dozen lines, not one a day.
	for _, t := range c.ticks() {
		x := c.x(float64(t.day))
		cv.line(x, plotTop, x, plotBottom, colGrid, 0.6, false)
		if t.top != "" {
			cv.text(c.x(float64(t.day)+t.at), plotBottom+14, t.top, fontSize*0.9, anchorMiddle, colText)
			cv.text(c.x(float64(t.day)+t.at), plotBottom+27, t.bottom, fontSize*0.9, anchorMiddle, colText)
		}
	}
	cv.line(c.x(float64(c.Days)), plotTop, c.x(float64(c.Days)), plotBottom, colGrid, 0.6, false)
	cv.line(plotLeft, plotBottom, plotRight, plotBottom, colAxis, 1, false)
	cv.line(plotLeft, plotTop, plotLeft, plotBottom, colAxis, 1, false)

	// Home threshold.
	for _, v := range []float64{c.Threshold.Systolic, c.Threshold.Diastolic} {
		if v > c.YMin && v < c.YMax {
			cv.line(plotLeft, c.y(v), plotRight, c.y(v), colThreshold, 1.2, true)
		}
	}

	if len(c.Points) == 0 {
		cv.text((plotLeft+plotRight)/2, (plotTop+plotBottom)/2, "No readings with values in this period", fontSize*1.2, anchorMiddle, colAxis)
	}
	// Lines, then markers on top.
	xs := make([]float64, len(c.Points))
	sys := make([]float64, len(c.Points))
	dia := make([]float64, len(c.Points))
	for i, p := range c.Points {
		xs[i], sys[i], dia[i] = c.x(p.X), c.y(p.Sys), c.y(p.Dia)
	}
	if len(c.Points) > 1 {
		cv.polyline(xs, sys, colSystolic, 1.2)
		cv.polyline(xs, dia, colDiastolic, 1.2)
	}
	for i, p := range c.Points {
		for _, s := range []struct {
			y   float64
			col rgb
		}{{sys[i], colSystolic}, {dia[i], colDiastolic}} {
			marker(cv, p.Slot, xs[i], s.y, s.col)
		}
		if p.Flagged {
			cv.circle(xs[i], sys[i], 7.5, colFlag, nil, 1.6)
		}
	}
	for _, x := range c.Blank {
		cv.triangle(c.x(x), plotBottom-6, 5, colFlag)
	}
	for _, x := range c.Unflagged {
		cv.triangle(c.x(x), plotBottom-6, 5, colAxis)
	}
	c.legend(cv)
}

// tick is a vertical grid line at the start of day, labelled (top and
// bottom line) at day + at.
type tick struct {
	day         int
	at          float64
	top, bottom string
}

// ticks are the chart's vertical lines: each day of a period up to 62
// days (labels thinned to 14 at most), else the first day of each month
// (up to 800 days) or year, with their labels thinned to fit.
func (c chart) ticks() []tick {
	var out []tick
	if c.Days <= 62 {
		step := max(1, (c.Days+13)/14)
		for d := 0; d < c.Days; d++ {
			t := tick{day: d, at: 0.5}
			if d%step == 0 {
				date := c.From.AddDays(d).In(time.UTC)
				t.top, t.bottom = date.Format("Mon"), date.Format("Jan 2")
			}
			out = append(out, t)
		}
		return out
	}
	monthly := c.Days <= 800
	var starts []int
	for d := 0; d < c.Days; {
		date := c.From.AddDays(d).In(time.UTC)
		next := time.Date(date.Year()+1, time.January, 1, 0, 0, 0, 0, time.UTC)
		if monthly {
			next = time.Date(date.Year(), date.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		}
		if d > 0 || date.Day() == 1 && (monthly || date.Month() == time.January) {
			starts = append(starts, d)
		}
		d = health.DateOf(next).Sub(c.From)
	}
	step := max(1, (len(starts)+13)/14)
	for i, d := range starts {
		t := tick{day: d}
		if i%step == 0 {
			date := c.From.AddDays(d).In(time.UTC)
			t.top, t.bottom = date.Format("Jan"), date.Format("2006")
			if !monthly {
				t.top, t.bottom = date.Format("2006"), ""
			}
		}
		out = append(out, t)
	}
	return out
}

// marker draws a reading: a filled circle in the morning, an open square
// in the evening, an open circle at other times.
func marker(cv canvas, slot health.Slot, x, y float64, col rgb) {
	white := colWhite
	switch slot {
	case health.SlotMorning:
		cv.circle(x, y, 3.6, col, &col, 1)
	case health.SlotEvening:
		cv.square(x, y, 3.4, col, &white, 1.4)
	default:
		cv.circle(x, y, 3.4, col, &white, 1.4)
	}
}

func (c chart) legend(cv canvas) {
	x, y := plotLeft, 16.0
	item := func(draw func(x float64), label string, width float64) {
		draw(x)
		cv.text(x+10, y+4, label, fontSize*0.9, anchorStart, colText)
		x += width
	}
	item(func(x float64) { marker(cv, health.SlotMorning, x, y, colAxis) }, "morning", 70)
	item(func(x float64) { marker(cv, health.SlotEvening, x, y, colAxis) }, "evening", 68)
	item(func(x float64) { marker(cv, health.SlotOther, x, y, colAxis) }, "other", 54)
	item(func(x float64) { cv.line(x-6, y, x+6, y, colSystolic, 2, false) }, "systolic", 70)
	item(func(x float64) { cv.line(x-6, y, x+6, y, colDiastolic, 2, false) }, "diastolic", 74)
	item(func(x float64) { cv.circle(x, y, 5.5, colFlag, nil, 1.6) }, "rhythm flag", 88)
	item(func(x float64) { cv.line(x-6, y, x+6, y, colThreshold, 1.6, true) },
		fmt.Sprintf("home threshold %s (%s)", c.Threshold, c.Rulebook), 0)
	x = plotLeft
	if len(c.Blank) > 0 {
		cv.triangle(x, y+17, 4.5, colFlag)
		cv.text(x+10, y+21, "flagged reading without values (not charted)", fontSize*0.9, anchorStart, colText)
		x += 250
	}
	if len(c.Unflagged) > 0 {
		cv.triangle(x, y+17, 4.5, colAxis)
		cv.text(x+10, y+21, "reading "+health.BlankedNoCause+" (not charted)", fontSize*0.9, anchorStart, colText)
	}
}

// svgCanvas writes SVG elements.
type svgCanvas struct{ b *strings.Builder }

func (s svgCanvas) line(x1, y1, x2, y2 float64, c rgb, w float64, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`+"\n", x1, y1, x2, y2, c.hex(), w, dash)
}

func (s svgCanvas) polyline(xs, ys []float64, c rgb, w float64) {
	pts := make([]string, len(xs))
	for i := range xs {
		pts[i] = fmt.Sprintf("%.1f,%.1f", xs[i], ys[i])
	}
	fmt.Fprintf(s.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%.1f" stroke-linejoin="round"/>`+"\n", strings.Join(pts, " "), c.hex(), w)
}

func svgFill(fill *rgb) string {
	if fill == nil {
		return "none"
	}
	return fill.hex()
}

func (s svgCanvas) circle(x, y, r float64, stroke rgb, fill *rgb, w float64) {
	fmt.Fprintf(s.b, `<circle cx="%.1f" cy="%.1f" r="%.1f" stroke="%s" fill="%s" stroke-width="%.1f"/>`+"\n", x, y, r, stroke.hex(), svgFill(fill), w)
}

func (s svgCanvas) square(x, y, h float64, stroke rgb, fill *rgb, w float64) {
	fmt.Fprintf(s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" stroke="%s" fill="%s" stroke-width="%.1f"/>`+"\n", x-h, y-h, 2*h, 2*h, stroke.hex(), svgFill(fill), w)
}

func (s svgCanvas) triangle(x, y, h float64, fill rgb) {
	fmt.Fprintf(s.b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>`+"\n", x, y-h, x+h, y+h, x-h, y+h, fill.hex())
}

func (s svgCanvas) rect(x, y, w, h float64, fill rgb) {
	fmt.Fprintf(s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, y, w, h, fill.hex())
}

func (s svgCanvas) text(x, y float64, t string, size float64, a anchor, c rgb) {
	anchors := [...]string{"start", "middle", "end"}
	fmt.Fprintf(s.b, `<text x="%.1f" y="%.1f" font-size="%.1f" text-anchor="%s" fill="%s">%s</text>`+"\n",
		x, y, size, anchors[a], c.hex(), template.HTMLEscapeString(t))
}

// svg renders the chart as an inline SVG element.
func (c chart) svg() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" role="img" aria-label="%s" font-family="Helvetica, Arial, sans-serif">`+"\n",
		chartW, chartH, template.HTMLEscapeString(c.caption()))
	fmt.Fprintf(&b, "<title>%s</title>\n", template.HTMLEscapeString(c.caption()))
	c.draw(svgCanvas{&b})
	b.WriteString("</svg>")
	// Every string in it went through HTMLEscapeString.
	return template.HTML(b.String())
}

func (c chart) caption() string {
	return fmt.Sprintf("Home blood pressure, %d readings with values: systolic and diastolic by day, home threshold %s (%s)",
		len(c.Points), c.Threshold, c.Rulebook)
}
