package health

import (
	"math"
	"math/big"
	"strings"
)

// Exact is a number kept exactly, as a fraction: a mean is its sum over
// its count, a difference of means the difference of those fractions.
// Verdicts compare it exactly and it is rounded once, only for display
// (clinical-rules.md, "Conventions where the guidelines leave a choice
// open"). The zero Exact is missing.
type Exact struct{ r *big.Rat }

// ExactOf returns x exactly (every float64 is a fraction); NaN and
// infinities give a missing Exact.
func ExactOf(x float64) Exact {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Exact{}
	}
	return Exact{new(big.Rat).SetFloat64(x)}
}

// Valid reports whether there is a number.
func (e Exact) Valid() bool { return e.r != nil }

// Float is the nearest float64, or NaN when missing: for charts and
// sorting, never for a verdict.
func (e Exact) Float() float64 {
	if e.r == nil {
		return math.NaN()
	}
	f, _ := e.r.Float64()
	return f
}

// Value is the nearest float64 as a Value (missing when e is).
func (e Exact) Value() Value {
	if e.r == nil {
		return Missing
	}
	return Of(e.Float())
}

// Cmp compares e with x exactly: −1 below, 0 equal, +1 above. A missing
// Exact compares below everything.
func (e Exact) Cmp(x float64) int {
	if e.r == nil {
		return -1
	}
	return e.r.Cmp(new(big.Rat).SetFloat64(x))
}

// AtLeast reports whether e ≥ limit, exactly; false when e is missing.
func (e Exact) AtLeast(limit float64) bool { return e.r != nil && e.Cmp(limit) >= 0 }

// Sub returns e − o exactly, missing if either is.
func (e Exact) Sub(o Exact) Exact {
	if e.r == nil || o.r == nil {
		return Exact{}
	}
	return Exact{new(big.Rat).Sub(e.r, o.r)}
}

// String is e rounded half away from zero to one decimal ("" when missing):
// for a number no verdict stands beside. Beside a verdict, use FormatMean.
func (e Exact) String() string { return e.Format(1) }

// Format rounds e half away from zero to prec decimals ("" when missing).
func (e Exact) Format(prec int) string {
	if e.r == nil {
		return ""
	}
	return formatScaled(roundScaled(e.r, prec, halfAway), prec)
}

// FormatMean writes a mean that is shown beside a verdict against limit:
// rounded half away from zero to one decimal, except where that figure
// would read as the limit or above while the exact mean is below it. Then
// it has two decimals (134.96, not 135.0), and if even two decimals would
// reach the limit they are cut, not rounded (134.99), so the number shown
// never contradicts the verdict beside it. "" when x is missing.
func FormatMean(x Exact, limit float64) string {
	if x.r == nil {
		return ""
	}
	one := roundScaled(x.r, 1, halfAway)
	lim := new(big.Rat).SetFloat64(limit)
	if x.r.Cmp(lim) >= 0 || scaledRat(one, 1).Cmp(lim) < 0 {
		return formatScaled(one, 1)
	}
	two := roundScaled(x.r, 2, halfAway)
	if scaledRat(two, 2).Cmp(lim) >= 0 {
		two = roundScaled(x.r, 2, down)
	}
	return formatScaled(two, 2)
}

// FormatSigned is FormatMean with a sign: "+19.96", "−4.2", "±0.0".
func FormatSigned(x Exact, limit float64) string {
	s := FormatMean(x, limit)
	switch {
	case s == "":
		return ""
	case strings.TrimLeft(s, "-0.") == "":
		return "±" + strings.TrimPrefix(s, "-")
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	}
	return "+" + s
}

// RoundHalfAway rounds x half away from zero to prec decimals, deciding
// the half on x's exact binary value (9.25 → 9.3; math.Round does the same
// for the scaled number but the scaling itself may round).
func RoundHalfAway(x float64, prec int) float64 {
	e := ExactOf(x)
	if !e.Valid() {
		return x
	}
	f, _ := scaledRat(roundScaled(e.r, prec, halfAway), prec).Float64()
	return f
}

type rounding int

const (
	halfAway rounding = iota // half away from zero
	down                     // towards minus infinity
)

// roundScaled returns r·10^prec rounded to an integer.
func roundScaled(r *big.Rat, prec int, mode rounding) *big.Int {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).DivMod(num, den, new(big.Int)) // floor division for den > 0: m ≥ 0
	if mode == down {
		return q
	}
	// Half away from zero: compare the remainder with half the
	// denominator; at exactly half, a positive number goes up and a
	// negative one (whose floor is already away from zero) stays.
	twice := new(big.Int).Lsh(m, 1)
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && num.Sign() >= 0:
		q.Add(q, big.NewInt(1))
	}
	return q
}

// scaledRat is n / 10^prec.
func scaledRat(n *big.Int, prec int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	return new(big.Rat).SetFrac(n, scale)
}

// formatScaled writes n / 10^prec with prec decimals.
func formatScaled(n *big.Int, prec int) string {
	neg := n.Sign() < 0
	digits := new(big.Int).Abs(n).String()
	if prec > 0 {
		for len(digits) <= prec {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-prec] + "." + digits[len(digits)-prec:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// exactMean accumulates a mean exactly. Whole numbers (every mmHg a cuff
// reports) are summed as integers; any other value as a fraction.
type exactMean struct {
	whole int64
	frac  *big.Rat // nil while every value was whole
	n     int
}

// maxWhole keeps the integer sum far from overflowing.
const maxWhole = 1 << 40

func (m *exactMean) add(v Value) {
	x, ok := v.Get()
	if !ok {
		return
	}
	m.n++
	if x == math.Trunc(x) && math.Abs(x) < maxWhole && math.Abs(float64(m.whole)) < 1<<61 {
		m.whole += int64(x)
		return
	}
	if m.frac == nil {
		m.frac = new(big.Rat)
	}
	m.frac.Add(m.frac, new(big.Rat).SetFloat64(x))
}

// mean is sum ÷ n, or missing without values.
func (m *exactMean) mean() Exact {
	if m.n == 0 {
		return Exact{}
	}
	sum := new(big.Rat).SetInt64(m.whole)
	if m.frac != nil {
		sum.Add(sum, m.frac)
	}
	return Exact{sum.Quo(sum, new(big.Rat).SetInt64(int64(m.n)))}
}
