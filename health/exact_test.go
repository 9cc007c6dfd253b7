package health

import (
	"math/big"
	"testing"
)

// frac is num/den, exactly: a mean is a sum over a count.
func frac(num, den int64) Exact { return Exact{big.NewRat(num, den)} }

// TestFormatMean: one decimal, half away from zero; two where one would
// read as the limit while the exact value is below it.
func TestFormatMean(t *testing.T) {
	for _, tc := range []struct {
		name  string
		x     Exact
		limit float64
		want  string
	}{
		// ESH 135: 134.96 would round to 135.0 and read as "at or above".
		{"134.96 under 135", frac(13496, 100), 135, "134.96"},
		{"135.00 at 135", frac(135, 1), 135, "135.0"},
		{"134.94 under 135 rounds down", frac(13494, 100), 135, "134.9"},
		{"134.95 under 135", frac(13495, 100), 135, "134.95"},
		{"135.04 over 135", frac(13504, 100), 135, "135.0"},
		// AHA 130/80.
		{"129.96 under 130", frac(12996, 100), 130, "129.96"},
		{"130.00 at 130", frac(130, 1), 130, "130.0"},
		{"79.96 under 80", frac(7996, 100), 80, "79.96"},
		{"80.00 at 80", frac(80, 1), 80, "80.0"},
		// Two decimals that still reach the limit are cut: 134.996 is
		// below 135, and 135.00 would say otherwise.
		{"134.996 under 135", frac(134996, 1000), 135, "134.99"},
		// 4049/30 = 134.9666…: two decimals 134.97.
		{"4049/30 under 135", frac(4049, 30), 135, "134.97"},
		// A true half that float64 cannot hold (134.35 is stored as
		// 134.34999…): half away from zero gives 134.4.
		{"2687/20 = 134.35", frac(2687, 20), 135, "134.4"},
		// A limit far away changes nothing.
		{"9.25", frac(925, 100), 20, "9.3"},
		{"-9.25", frac(-925, 100), 20, "-9.3"},
		{"-9.24", frac(-924, 100), 20, "-9.2"},
		{"19.92 under 20", frac(1992, 100), 20, "19.9"},
		{"19.83 under 20", frac(1983, 100), 20, "19.8"},
		{"19.96 under 20", frac(1996, 100), 20, "19.96"},
		{"20.00 at 20", frac(20, 1), 20, "20.0"},
		{"missing", Exact{}, 20, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatMean(tc.x, tc.limit); got != tc.want {
				t.Errorf("FormatMean(%s, %g) = %q, want %q", tc.x.r.RatString(), tc.limit, got, tc.want)
			}
		})
	}
}

func TestExactString(t *testing.T) {
	for _, tc := range []struct {
		x    Exact
		want string
	}{
		{frac(925, 100), "9.3"},   // half away from zero, not to even
		{frac(-925, 100), "-9.3"}, // away from zero on the negative side too
		{frac(1, 3), "0.3"},
		{frac(2, 3), "0.7"},
		{frac(-1, 20), "-0.1"},
		{frac(0, 1), "0.0"},
		{ExactOf(134.96), "135.0"}, // String has no limit: FormatMean does
	} {
		if got := tc.x.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.x.r.RatString(), got, tc.want)
		}
	}
	for _, tc := range []struct {
		x    Exact
		want string
	}{
		{frac(1996, 100), "+19.96"},
		{frac(-42, 10), "−4.2"},
		{frac(-1, 100), "±0.0"},
		{frac(0, 1), "±0.0"},
		{frac(2, 1), "+2.0"},
	} {
		if got := FormatSigned(tc.x, MEDifRisk); got != tc.want {
			t.Errorf("FormatSigned(%s) = %q, want %q", tc.x.r.RatString(), got, tc.want)
		}
	}
	if got := RoundHalfAway(9.25, 1); got != 9.3 {
		t.Errorf("RoundHalfAway(9.25, 1) = %v", got)
	}
}

// TestExactCompare: a mean just below a limit is below it, whatever float
// rounding would make of it.
func TestExactCompare(t *testing.T) {
	// 1619/12 = 134.9166…; 1620/12 = 135 exactly.
	if frac(1619, 12).AtLeast(135) || !frac(1620, 12).AtLeast(135) {
		t.Error("1619/12 or 1620/12 against 135")
	}
	// A difference of two exact means: 1621/12 − 1381/12 = 240/12 = 20.
	if d := frac(1621, 12).Sub(frac(1381, 12)); !d.AtLeast(20) || d.Cmp(20) != 0 {
		t.Errorf("1621/12 − 1381/12 = %s, want exactly 20", d.r.RatString())
	}
	if (Exact{}).AtLeast(0) || (Exact{}).Valid() || ExactOf(nan()).Valid() {
		t.Error("a missing Exact compared or counted")
	}
}

// TestExactMeanFractions: readings that are not whole numbers (a FHIR
// feed may send 120.5) are summed exactly beside the whole ones.
func TestExactMeanFractions(t *testing.T) {
	var m exactMean
	for _, x := range []float64{120.5, 121, 119.25} {
		m.add(Of(x))
	}
	m.add(Missing)
	// (120.5 + 121 + 119.25) / 3 = 360.75 / 3 = 120.25 exactly → 120.3.
	if got := m.mean(); m.n != 3 || got.Cmp(120.25) != 0 || got.String() != "120.3" {
		t.Errorf("mean of 3: %s (%d values)", got.r.RatString(), m.n)
	}
	var none exactMean
	if none.mean().Valid() {
		t.Error("a mean of nothing")
	}
}
