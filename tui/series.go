package tui

import (
	"math"

	"vitals/health"
)

// daySeries is one number per day of a period (a daily mean, or a daily
// total), kept as prefix sums so that a chart of any width can be drawn in
// time proportional to its width, not to the number of days or readings.
type daySeries struct {
	start health.Date
	sum   []float64 // sum[i]: the total of days [0, i)
	n     []int     // n[i]: the number of values in days [0, i)

	lo, hi float64 // the smallest and largest day means
}

// dayAcc collects values by day before they become a daySeries.
type dayAcc struct {
	start health.Date
	sum   []float64
	n     []int
}

func newDayAcc(p Period) *dayAcc {
	d := max(p.Days(), 0)
	return &dayAcc{start: p.Start, sum: make([]float64, d), n: make([]int, d)}
}

// add adds a value to its day; values outside the period and missing
// values are ignored.
func (a *dayAcc) add(d health.Date, v health.Value) {
	x, ok := v.Get()
	i := d.Sub(a.start)
	if !ok || i < 0 || i >= len(a.sum) {
		return
	}
	a.sum[i] += x
	a.n[i]++
}

// series turns the collected values into prefix sums.
func (a *dayAcc) series() daySeries {
	s := daySeries{start: a.start, sum: make([]float64, len(a.sum)+1), n: make([]int, len(a.n)+1)}
	for i := range a.sum {
		s.sum[i+1] = s.sum[i] + a.sum[i]
		s.n[i+1] = s.n[i] + a.n[i]
	}
	s.lo, s.hi = math.Inf(1), math.Inf(-1)
	for i := range a.sum {
		if a.n[i] > 0 {
			x := a.sum[i] / float64(a.n[i])
			s.lo, s.hi = min(s.lo, x), max(s.hi, x)
		}
	}
	return s
}

// days is the number of days the series covers.
func (s daySeries) days() int { return max(len(s.sum)-1, 0) }

// empty reports whether no day has a value.
func (s daySeries) empty() bool { return s.days() == 0 || s.n[len(s.n)-1] == 0 }

// mean is the mean of days [a, b), NaN when none of them has a value.
func (s daySeries) mean(a, b int) float64 {
	a, b = max(a, 0), min(b, s.days())
	if b <= a {
		return math.NaN()
	}
	n := s.n[b] - s.n[a]
	if n == 0 {
		return math.NaN()
	}
	return (s.sum[b] - s.sum[a]) / float64(n)
}

// day is day i's mean, NaN when it has none.
func (s daySeries) day(i int) float64 { return s.mean(i, i+1) }

// count is the number of values in days [a, b).
func (s daySeries) count(a, b int) int {
	a, b = max(a, 0), min(b, s.days())
	if b <= a {
		return 0
	}
	return s.n[b] - s.n[a]
}

// columns lays days onto cols chart columns. With fewer days than
// columns a day spans one or more whole columns; with more, a column is
// the mean of the days it covers. perDay, when not 0, gives every day the
// same number of columns (bars need equal widths).
type columns struct {
	days, cols, perDay int
}

// layColumns spreads days over width columns.
func layColumns(days, width int) columns {
	if days <= 0 || width <= 0 {
		return columns{}
	}
	return columns{days: days, cols: width}
}

// layUniform gives each day the same whole number of columns when there
// is room, else one column to a bucket of days.
func layUniform(days, width int) columns {
	if days <= 0 || width <= 0 {
		return columns{}
	}
	if days <= width {
		per := width / days
		return columns{days: days, cols: per * days, perDay: per}
	}
	return columns{days: days, cols: width}
}

// span is the days [a, b) column col shows.
func (c columns) span(col int) (a, b int) {
	if c.days <= c.cols {
		d := col * c.days / c.cols
		return d, d + 1
	}
	return col * c.days / c.cols, (col + 1) * c.days / c.cols
}

// dayAt is the first day column col shows.
func (c columns) dayAt(col int) int {
	a, _ := c.span(col)
	return a
}

// firstCol is the first column that shows day d (days ≤ cols).
func (c columns) firstCol(d int) int { return (d*c.cols + c.days - 1) / c.days }

// resample returns the series laid onto the columns: NaN where the days
// of a column have no value, which the chart draws as a gap.
func (s daySeries) resample(c columns) []float64 {
	out := make([]float64, c.cols)
	for col := range out {
		a, b := c.span(col)
		out[col] = s.mean(a, b)
	}
	return out
}

// minMax returns the smallest and largest day means; ok is false when
// the series has no value.
func (s daySeries) minMax() (lo, hi float64, ok bool) {
	return s.lo, s.hi, !s.empty()
}
