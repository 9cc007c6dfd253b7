package health

import (
	"errors"
	"fmt"
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

// RangeError is a value outside the range allowed for its field.
type RangeError struct {
	Field    string // "systolic", "weight", ...
	Value    float64
	Min, Max float64
	Unit     string
}

func (e *RangeError) Error() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return fmt.Sprintf("%s %s %s is out of range: want %s–%s %s", e.Field, f(e.Value), e.Unit, f(e.Min), f(e.Max), e.Unit)
}

// ErrSystolicNotAbove is returned when systolic is not above diastolic,
// which usually means the two were swapped.
var ErrSystolicNotAbove = errors.New("systolic must be above diastolic (were they swapped?)")

func checkRange(field string, x, lo, hi float64, unit string) error {
	if x < lo || x > hi {
		return &RangeError{Field: field, Value: x, Min: lo, Max: hi, Unit: unit}
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
	if p, ok := pulse.Get(); ok {
		return checkRange("pulse", p, MinPulse, MaxPulse, "bpm")
	}
	return nil
}

// CheckWeight validates a typed-in body weight in kilograms: 2–500 kg.
func CheckWeight(kg float64) error {
	return checkRange("weight", kg, MinWeightKg, MaxWeightKg, "kg")
}
