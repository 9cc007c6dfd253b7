// Package health is the domain of vitals: reading types, units, clinical
// rules and statistics. It is pure: no I/O, no clock, no imports from the
// rest of the project.
package health

import (
	"math"
	"strconv"
)

// A Value is a measured number, or nothing when the device did not measure
// it. The zero Value is missing, so a reading built field by field never
// invents a 0 for something that was not measured.
type Value struct {
	x  float64
	ok bool
}

// Of returns a present value. NaN and infinities are not measurements and
// give a missing value.
func Of(x float64) Value {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Value{}
	}
	return Value{x: x, ok: true}
}

// Missing is the absent value, spelled out for readability at call sites.
var Missing = Value{}

// Get returns the number and whether it was measured.
func (v Value) Get() (float64, bool) { return v.x, v.ok }

// Valid reports whether the value was measured.
func (v Value) Valid() bool { return v.ok }

// Or returns the number, or def when it is missing.
func (v Value) Or(def float64) float64 {
	if !v.ok {
		return def
	}
	return v.x
}

// Float returns the number, or NaN when it is missing; NaN is what charts
// draw as a gap.
func (v Value) Float() float64 { return v.Or(math.NaN()) }

// Measured returns v, or Missing when v is zero or less. No cuff, scale,
// thermometer or oximeter measures a zero: such a number is a device's
// placeholder (Omron blanks the values of a measurement taken during a
// rhythm error), and it is never averaged, charted or compared.
func Measured(v Value) Value {
	if v.ok && v.x <= 0 {
		return Missing
	}
	return v
}

// Map applies f to a present value and leaves a missing one missing.
func (v Value) Map(f func(float64) float64) Value {
	if !v.ok {
		return v
	}
	return Of(f(v.x))
}

// Format writes the value with prec decimals, or "" when it is missing.
func (v Value) Format(prec int) string {
	if !v.ok {
		return ""
	}
	return strconv.FormatFloat(v.x, 'f', prec, 64)
}

// String writes the shortest form that reads back to the same number, or ""
// when the value is missing.
func (v Value) String() string { return v.Format(-1) }
