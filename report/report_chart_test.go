package report

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/health"
)

// recorder is a canvas that keeps what is drawn, for reading the chart's
// geometry back.
type recorder struct {
	lines []recLine
	texts []recText
	tris  []rgb
}

type recLine struct {
	x1, y1, x2, y2 float64
	c              rgb
	dashed         bool
}

type recText struct {
	x, y float64
	s    string
	a    anchor
}

func (r *recorder) line(x1, y1, x2, y2 float64, c rgb, _ float64, dashed bool) {
	r.lines = append(r.lines, recLine{x1, y1, x2, y2, c, dashed})
}
func (r *recorder) polyline([]float64, []float64, rgb, float64)          {}
func (r *recorder) circle(float64, float64, float64, rgb, *rgb, float64) {}
func (r *recorder) square(float64, float64, float64, rgb, *rgb, float64) {}
func (r *recorder) triangle(_, _, _ float64, fill rgb)                   { r.tris = append(r.tris, fill) }
func (r *recorder) rect(float64, float64, float64, float64, rgb)         {}
func (r *recorder) text(x, y float64, s string, _ float64, a anchor, _ rgb) {
	r.texts = append(r.texts, recText{x, y, s, a})
}

// axis is the chart's y axis as a reader sees it: each label's value at
// the height of the grid line it names (a label's baseline sits 4 units
// below its line).
type axis struct{ ys, values []float64 }

func (a axis) valueAt(y float64) float64 {
	// Linear between the first and the last labelled line.
	n := len(a.ys) - 1
	return a.values[0] + (y-a.ys[0])*(a.values[n]-a.values[0])/(a.ys[n]-a.ys[0])
}

// chartData makes a week of home readings spread from lo to hi (systolic)
// and lo−45 to hi−45 (diastolic), with a blanked reading of each kind.
func chartData(lo, hi float64) []health.BloodPressure {
	var out []health.BloodPressure
	for i := range 14 {
		v := lo + (hi-lo)*float64(i)/13
		out = append(out, at(12+i/2, []string{"07:00", "20:00"}[i%2], math.Round(v), math.Round(v-45)))
	}
	blank := at(15, "07:05", 0, 0)
	afib := at(16, "07:05", 0, 0)
	afib.PossibleAFib = true
	return append(out, blank, afib)
}

// TestReportChartThreshold reads the chart every report draws (the SVG of
// the HTML and, through the same drawing, the PDF) over value ranges from
// low to very high, under both rulebooks: the dashed threshold lines sit
// at the heights the axis labels give their values, both lines of the
// threshold the legend names are drawn, and the blanked readings' marks
// are named in the legend.
func TestReportChartThreshold(t *testing.T) {
	for _, rb := range []health.Rulebook{health.AHA2025, health.ESH2023} {
		th := rb.HomeThreshold()
		for _, span := range [][2]float64{{90, 110}, {110, 150}, {125, 140}, {150, 210}, {170, 260}, {130, 131}} {
			t.Run(fmt.Sprintf("%s %g–%g", rb, span[0], span[1]), func(t *testing.T) {
				r := New("J", "p", chartData(span[0], span[1]), nil, Options{From: jan(12), To: jan(18), Rulebook: rb})
				var rec recorder
				r.view().Chart.draw(&rec)

				var ax axis
				for _, tx := range rec.texts {
					if tx.a != anchorEnd || tx.x != plotLeft-6 {
						continue
					}
					v, err := strconv.ParseFloat(tx.s, 64)
					if err != nil {
						continue // the "mmHg" title
					}
					grid := false
					for _, l := range rec.lines {
						grid = grid || (l.c == colGrid && l.y1 == l.y2 && l.y1 == tx.y-4 && l.x1 == plotLeft && l.x2 == plotRight)
					}
					if !grid {
						t.Errorf("label %s has no grid line at its height", tx.s)
					}
					ax.ys, ax.values = append(ax.ys, tx.y-4), append(ax.values, v)
				}
				if len(ax.ys) < 2 {
					t.Fatalf("%d axis labels", len(ax.ys))
				}
				var drawn []float64
				for _, l := range rec.lines {
					if l.c == colThreshold && l.dashed && l.y1 == l.y2 && l.x1 == plotLeft && l.x2 == plotRight {
						drawn = append(drawn, math.Round(ax.valueAt(l.y1)*1e6)/1e6)
					}
				}
				legend := fmt.Sprintf("home threshold %s (%s)", th, rb.Name())
				if !hasText(rec.texts, legend) {
					t.Errorf("legend lacks %q", legend)
				}
				if fmt.Sprint(drawn) != fmt.Sprint([]float64{th.Systolic, th.Diastolic}) {
					t.Errorf("threshold lines at %v by the axis labels, want %v (legend: %s)", drawn, []float64{th.Systolic, th.Diastolic}, legend)
				}
				if !hasText(rec.texts, "flagged reading without values (not charted)") ||
					!hasText(rec.texts, "reading blanked, cause not given (not charted)") || len(rec.tris) < 4 {
					t.Errorf("blanked readings: %d marks, legend %v", len(rec.tris), rec.texts)
				}
			})
		}
	}
}

func hasText(ts []recText, s string) bool {
	for _, t := range ts {
		if t.s == s {
			return true
		}
	}
	return false
}

// TestHTMLChartThreshold reads the SVG in the HTML report itself: the
// dashed lines of the threshold's colour sit where the axis labels put
// 135 and 85 (ESH 2023).
func TestHTMLChartThreshold(t *testing.T) {
	r := New("J", "p", chartData(120, 160), nil, Options{From: jan(12), To: jan(18), Rulebook: health.ESH2023,
		Now: time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var ax axis
	for _, m := range regexp.MustCompile(`<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="end"[^>]*>(\d+)</text>`).FindAllStringSubmatch(svg, -1) {
		ax.ys, ax.values = append(ax.ys, num(m[2])-4), append(ax.values, num(m[3]))
	}
	var drawn []string
	for _, m := range regexp.MustCompile(`<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)" stroke="`+colThreshold.hex()+`"[^>]*stroke-dasharray`).FindAllStringSubmatch(svg, -1) {
		if m[1] != m[2] {
			continue // the legend's sample is level too; the plot's lines are long
		}
		drawn = append(drawn, fmt.Sprintf("%.0f", ax.valueAt(num(m[1]))))
	}
	// The legend's sample line sits above the plot, at a height outside
	// the axis; the plot's two lines are 135 and 85.
	got := strings.Join(drawn, " ")
	if !strings.Contains(got, "135 85") || !strings.Contains(svg, "home threshold 135/85 (ESH 2023)") {
		t.Errorf("dashed lines at %s by the axis labels; want 135 and 85 named in the legend", got)
	}
}
