package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"vitals/health"
)

// plotRow is one line of a drawn chart's plot: its y-axis label and what
// is drawn right of the axis.
type plotRow struct {
	label float64
	cells string
}

// parsePlot reads the plot rows of a drawn chart (top first) and its
// legend, from the text as a person sees it.
func parsePlot(t *testing.T, drawn string) (rows []plotRow, legend string) {
	t.Helper()
	plain := ansi.Strip(drawn)
	if strings.TrimSpace(plain) == "" {
		return nil, "" // no room for a chart: nothing drawn, nothing claimed
	}
	lines := strings.Split(plain, "\n")
	for i, l := range lines {
		if strings.Contains(l, "└") {
			if i+2 < len(lines) {
				legend = lines[i+2]
			}
			break
		}
		at := strings.IndexAny(l, "┤┼")
		if at < 0 {
			t.Fatalf("plot line without an axis: %q\n%s", l, drawn)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(l[:at]), 64)
		if err != nil {
			t.Fatalf("y label %q: %v\n%s", l[:at], err, drawn)
		}
		rows = append(rows, plotRow{label: v, cells: l[at:]})
	}
	return rows, legend
}

// TestChartThresholdRows sweeps every chart height the dashboard and
// `vitals show` use (4 to 40 lines: the blood-pressure screen, the
// overview, the review) over value ranges near, across and away from the
// thresholds of both rulebooks, and reads each chart as a person would:
// the y labels must be evenly spaced, and every row that carries the
// threshold glyph ┄ must be labelled with a threshold value, exactly
// (the scale puts a threshold on a row, never between two labels). Both
// lines of a threshold the legend names as drawn must be there, and a
// threshold the legend calls "off the chart" must not be.
func TestChartThresholdRows(t *testing.T) {
	st := newStyles(true)
	type span struct{ sysLo, sysHi, diaLo, diaHi float64 }
	spans := []span{
		{118, 142, 72, 92},  // around both thresholds
		{128, 132, 78, 82},  // hugging them
		{60, 186, 40, 122},  // the widest a week holds
		{150, 200, 95, 125}, // all above
		{100, 112, 60, 68},  // all below, thresholds near or far
		{134, 136, 84, 86},  // on the ESH threshold
		{90, 250, 50, 140},  // a monitor's whole range
	}
	// A sweep of other ranges, worked out rather than picked.
	for lo := 70.0; lo <= 170; lo += 17 {
		for w := 3.0; w <= 90; w += 29 {
			spans = append(spans, span{lo, lo + w, lo*0.62 - 5, lo*0.62 - 5 + w/2})
		}
	}
	for _, rb := range []health.Rulebook{health.AHA2025, health.ESH2023} {
		th := rb.HomeThreshold()
		for si, sp := range spans {
			// 14 days rising from lo to hi, with day 5 missing: the gap
			// shows the threshold line behind the data.
			const days = 14
			sys, dia := make([]float64, days), make([]float64, days)
			for d := range days {
				f := float64(d) / (days - 1)
				sys[d] = sp.sysLo + f*(sp.sysHi-sp.sysLo)
				dia[d] = sp.diaLo + f*(sp.diaHi-sp.diaLo)
			}
			sys[5], dia[5] = math.NaN(), math.NaN()
			c := lineChart{days: days, minSpan: 20, refColor: st.threshold,
				refs: []ref{{th.Systolic, "home threshold " + th.String()}, {th.Diastolic, ""}},
				lines: []line{
					{data: nanSeries(dia...), name: "diastolic", mark: "══", chars: doubleLine},
					{data: nanSeries(sys...), name: "systolic", mark: "──", chars: solidLine},
				}}
			for h := 4; h <= 40; h++ {
				t.Run(fmt.Sprintf("%s/range %d/height %d", rb, si, h), func(t *testing.T) {
					drawn := c.render(st, 100, h)
					if strings.Count(drawn, "\n")+1 > h {
						t.Errorf("%d lines in %d", strings.Count(drawn, "\n")+1, h)
					}
					rows, legend := parsePlot(t, drawn)
					if len(rows) < 2 {
						return // too small to draw: nothing claimed
					}
					step := rows[0].label - rows[1].label
					if step <= 0 {
						t.Fatalf("labels do not fall: %v", rows)
					}
					for i := 1; i < len(rows); i++ {
						if d := rows[i-1].label - rows[i].label; math.Abs(d-step) > 1e-9 {
							t.Fatalf("labels %v and %v are %g apart, others %g:\n%s", rows[i-1].label, rows[i].label, d, step, drawn)
						}
					}
					var onRows []float64
					for _, r := range rows {
						if strings.Contains(r.cells, "┄") {
							if r.label != th.Systolic && r.label != th.Diastolic {
								t.Errorf("the threshold glyph on the row labelled %g; thresholds %s:\n%s", r.label, th, drawn)
							}
							onRows = append(onRows, r.label)
						}
					}
					switch {
					case strings.Contains(legend, "off the chart"):
						if len(onRows) > 0 {
							t.Errorf("legend says off the chart, glyph on rows %v:\n%s", onRows, drawn)
						}
					case strings.Contains(legend, "┄┄ home threshold "+th.String()):
						if len(onRows) == 0 {
							t.Errorf("legend names the threshold, no row shows it:\n%s", drawn)
						}
					default:
						t.Errorf("legend %q names no threshold", legend)
					}
				})
			}
		}
	}
}

// nanSeries is a daySeries with a value a day, NaN for none.
func nanSeries(values ...float64) daySeries {
	acc := &dayAcc{sum: make([]float64, len(values)), n: make([]int, len(values))}
	for i, v := range values {
		if !math.IsNaN(v) {
			acc.sum[i], acc.n[i] = v, 1
		}
	}
	return acc.series()
}

// TestRowOf: a value is drawn on the row whose label is nearest, the
// upper one when it lies half way, as the scale's doc says.
func TestRowOf(t *testing.T) {
	s := yScale{lo: 60, hi: 160, step: 20, rows: 6} // 60, 80, …, 160
	for _, tc := range []struct {
		v    float64
		want int
	}{{60, 0}, {69.99, 0}, {70, 1}, {80, 1}, {129.99, 3}, {130, 4}, {140, 4}, {160, 5}} {
		if got := s.rowOf(tc.v); got != tc.want {
			t.Errorf("rowOf(%g) = %d (label %g), want %d", tc.v, got, s.label(got), tc.want)
		}
	}
}

// TestBPScreenChartDropsPulse: on a short chart the pulse (60 or so)
// would stretch the axis to coarser rows; the pressures keep the finer
// rows and the pulse is left to the table. With room, it is drawn.
func TestBPScreenChartDropsPulse(t *testing.T) {
	f := frame{st: newStyles(true), set: settings{rulebook: health.AHA2025}, d: &snapshot{
		period: Period{Start: health.Date{Year: 2025, Month: 1, Day: 1}, End: health.Date{Year: 2025, Month: 1, Day: 3}},
		bp: bpData{
			sys: series(128, 140, 172), dia: series(80, 86, 96), pulse: series(56, 60, 64),
		},
	}}
	named := func(c lineChart) []string {
		var out []string
		for _, l := range c.lines {
			out = append(out, l.name)
		}
		return out
	}
	// 5 rows: with the pulse, 56–172 and 130/80 need 55–180 on steps of
	// 25 (6 rows), so steps of 50; without, 80–172 fits 80–180 on 25.
	if got := named(f.bpScreenChart(5 + chartRows)); fmt.Sprint(got) != "[diastolic systolic]" {
		t.Errorf("5 rows: lines %v, want the pressures only", got)
	}
	// 14 rows: steps of 10 from 50 to 180 hold everything.
	if got := named(f.bpScreenChart(14 + chartRows)); fmt.Sprint(got) != "[pulse diastolic systolic]" {
		t.Errorf("14 rows: lines %v, want the pulse too", got)
	}
}
