package health

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Plausible ranges for readings a person types in. Anything outside is a
// typing mistake, not a measurement a home device could make.
const (
	MinSystolic  = 50
	MaxSystolic  = 300
	MinDiastolic = 30
	MaxDiastolic = 200
	MinPulse     = 20
	MaxPulse     = 250
	MinWeightKg  = 2
	MaxWeightKg  = 500
)

// Ranges of recorded values that are not blood pressures. Outside them a
// number is a unit mix-up (98.6 sent as °C, a fraction sent as a
// percentage) or a transmission error, not a measurement.
const (
	MinCelsius = 25  // below: a thermometer's error, or °F taken for °C the other way round
	MaxCelsius = 45  // above: 98.6 °F sent as °C, or kelvins
	MinSpO2    = 50  // pulse oximeters do not read reliably below about 70 %
	MaxSpO2    = 100 // a saturation above 100 % does not exist
)

// RangeError is a value outside the range allowed for its field.
type RangeError struct {
	Field    string // "systolic", "weight", ...
	Value    float64
	Min, Max float64
	Unit     string
}

func (e *RangeError) Error() string {
	// 'g' keeps 1200 as it is and writes a corrupt 1e308 in six characters.
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return fmt.Sprintf("%s is not a number: want %s–%s %s", e.Field, f(e.Min), f(e.Max), e.Unit)
	}
	return fmt.Sprintf("%s %s %s is out of range: want %s–%s %s", e.Field, f(e.Value), e.Unit, f(e.Min), f(e.Max), e.Unit)
}

// ErrSystolicNotAbove is returned when systolic is not above diastolic,
// which usually means the two were swapped.
var ErrSystolicNotAbove = errors.New("systolic must be above diastolic (were they swapped?)")

func checkRange(field string, x, lo, hi float64, unit string) error {
	// "Not inside" rather than "below or above": NaN compares false with
	// everything and must be refused too.
	if !(x >= lo && x <= hi) {
		return &RangeError{Field: field, Value: x, Min: lo, Max: hi, Unit: unit}
	}
	return nil
}

// checkPresent checks a value that may be missing: missing passes.
func checkPresent(field string, v Value, lo, hi float64, unit string) error {
	if x, ok := v.Get(); ok {
		return checkRange(field, x, lo, hi, unit)
	}
	return nil
}

// CheckBloodPressure validates a typed-in blood pressure: systolic 50–300,
// diastolic 30–200, systolic above diastolic, and the pulse (when given)
// 20–250 beats per minute.
func CheckBloodPressure(sys, dia float64, pulse Value) error {
	if err := checkRange("systolic", sys, MinSystolic, MaxSystolic, "mmHg"); err != nil {
		return err
	}
	if err := checkRange("diastolic", dia, MinDiastolic, MaxDiastolic, "mmHg"); err != nil {
		return err
	}
	if sys <= dia {
		return ErrSystolicNotAbove
	}
	return checkPresent("pulse", pulse, MinPulse, MaxPulse, "bpm")
}

// CheckWeight validates a typed-in body weight in kilograms: 2–500 kg.
func CheckWeight(kg float64) error {
	return checkRange("weight", kg, MinWeightKg, MaxWeightKg, "kg")
}

// CheckValues checks the values a device or a health system recorded:
// each one present within the ranges of CheckBloodPressure. Unlike a typed-in
// reading, either pressure may be missing and their order is not checked.
// Importers refuse a reading that fails: a 1200 mmHg systolic would
// otherwise raise a false alarm and pull every mean with it.
func (b BloodPressure) CheckValues() error {
	return firstError(
		checkPresent("systolic", b.Systolic, MinSystolic, MaxSystolic, "mmHg"),
		checkPresent("diastolic", b.Diastolic, MinDiastolic, MaxDiastolic, "mmHg"),
		checkPresent("pulse", b.Pulse, MinPulse, MaxPulse, "bpm"),
	)
}

// CheckValues checks a recorded body temperature: 25–45 °C when present.
func (t Temperature) CheckValues() error {
	return checkPresent("temperature", t.Celsius, MinCelsius, MaxCelsius, "°C")
}

// CheckValues checks a recorded SpO2 reading: 50–100 % and a pulse of
// 20–250 beats per minute, each when present.
func (s SpO2) CheckValues() error {
	return firstError(
		checkPresent("SpO2", s.Percent, MinSpO2, MaxSpO2, "%"),
		checkPresent("pulse", s.Pulse, MinPulse, MaxPulse, "bpm"),
	)
}

// firstError returns the first non-nil error: one value at fault is
// enough to name, and a *RangeError stays what errors.As finds.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
