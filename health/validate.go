package health

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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

// Plausible ranges of the other kinds: beyond what any person has
// measured (the heaviest recorded human weighed about 635 kg; BMIs above
// 200 and below 7 are not survivable; no one walks 150,000 steps or burns
// 20,000 kcal in a day; body composition percentages are bounded by
// anatomy). A value outside is a unit mix-up, a placeholder or a corrupt
// transmission, and would wreck every chart and mean it entered.
const (
	MinBMI            = 5
	MaxBMI            = 200
	MinBodyPercent    = 1  // body fat and skeletal muscle, %
	MaxBodyPercent    = 80 //
	MinVisceralFat    = 0.5
	MaxVisceralFat    = 60 // levels: Omron 1–30, Tanita 1–59
	MinRestingKcal    = 300
	MaxRestingKcal    = 6000
	MaxStepsPerDay    = 150_000
	MaxStepsPerHour   = 15_000 // 200 steps a minute for an hour
	MaxKcalPerDay     = 20_000
	MaxMetresPerDay   = 300_000
	MinHeartRate      = MinPulse
	MaxHeartRate      = MaxPulse
	FutureAllowance   = 36 * time.Hour // time zones and a device clock a little ahead
	earliestYear      = 1900
	earliestDateLabel = "1900-01-01"
)

// ErrImplausibleTime is a reading dated before 1900 or after tomorrow:
// a device clock never set, a zero date, or a corrupt field.
var ErrImplausibleTime = errors.New("implausible date")

// CheckTime checks a reading's instant against now: not before 1900-01-01
// and not later than now plus FutureAllowance.
func CheckTime(t, now time.Time) error {
	if t.Year() < earliestYear {
		return fmt.Errorf("%w %s: want %s or later", ErrImplausibleTime, t.UTC().Format("2006-01-02"), earliestDateLabel)
	}
	if t.After(now.Add(FutureAllowance)) {
		return fmt.Errorf("%w %s: it is in the future (is the device's clock set?)", ErrImplausibleTime, t.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return nil
}

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

// CheckValues checks a recorded weight and body composition, each when
// present.
func (w Weight) CheckValues() error {
	return firstError(
		checkPresent("weight", w.Weight, MinWeightKg, MaxWeightKg, "kg"),
		checkPresent("BMI", w.BMI, MinBMI, MaxBMI, "kg/m²"),
		checkPresent("body fat", w.BodyFat, MinBodyPercent, MaxBodyPercent, "%"),
		checkPresent("skeletal muscle", w.SkeletalMuscle, MinBodyPercent, MaxBodyPercent, "%"),
		checkPresent("visceral fat", w.VisceralFat, MinVisceralFat, MaxVisceralFat, "level"),
		checkPresent("resting metabolism", w.RestingMetabolism, MinRestingKcal, MaxRestingKcal, "kcal"),
	)
}

// CheckValues checks a day's activity totals and its hours, each when
// present.
func (a Activity) CheckValues() error {
	errs := []error{
		checkPresent("steps", a.Steps, 0, MaxStepsPerDay, "steps"),
		checkPresent("aerobic steps", a.AerobicSteps, 0, MaxStepsPerDay, "steps"),
		checkPresent("calories", a.Calories, 0, MaxKcalPerDay, "kcal"),
		checkPresent("distance", a.Distance, 0, MaxMetresPerDay, "m"),
	}
	for _, h := range a.Hourly {
		if h.Hour < 0 || h.Hour > 23 {
			errs = append(errs, &RangeError{Field: "hour", Value: float64(h.Hour), Min: 0, Max: 23})
		}
		errs = append(errs,
			checkPresent("steps in an hour", h.Steps, 0, MaxStepsPerHour, "steps"),
			checkPresent("aerobic steps in an hour", h.AerobicSteps, 0, MaxStepsPerHour, "steps"),
			checkPresent("calories in an hour", h.Calories, 0, MaxKcalPerDay, "kcal"),
			checkPresent("distance in an hour", h.Distance, 0, MaxMetresPerDay, "m"))
	}
	return firstError(errs...)
}

// CheckValues checks a heart rate: 20–250 beats per minute when present.
func (h HeartRate) CheckValues() error {
	return checkPresent("heart rate", h.BPM, MinHeartRate, MaxHeartRate, "bpm")
}

// Check checks every reading of the batch: its values (CheckValues) and
// its date (CheckTime against now). It returns the first problem, named
// by the reading's kind and provider id, or nil.
func (b *Batch) Check(now time.Time) error {
	var err error
	check := func(k Kind, m Meta, values error) bool {
		if values == nil {
			values = CheckTime(m.Time, now)
		}
		if values != nil {
			err = &ReadingError{Kind: k, ProviderID: m.ProviderID, Err: values}
			return false
		}
		return true
	}
	for _, r := range b.BloodPressure {
		if !check(KindBloodPressure, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.Weight {
		if !check(KindWeight, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.Activity {
		if !check(KindActivity, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.Temperature {
		if !check(KindTemperature, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.SpO2 {
		if !check(KindSpO2, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.HeartRate {
		if !check(KindHeartRate, r.Meta, r.CheckValues()) {
			return err
		}
	}
	for _, r := range b.Conditions {
		if !check(KindCondition, r.Meta, nil) {
			return err
		}
	}
	return nil
}

// ReadingError is a reading refused, named by its kind and provider id.
type ReadingError struct {
	Kind       Kind
	ProviderID string
	Err        error
}

func (e *ReadingError) Error() string {
	return fmt.Sprintf("%s reading %q: %v", strings.ToLower(e.Kind.Label()), e.ProviderID, e.Err)
}

func (e *ReadingError) Unwrap() error { return e.Err }

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
