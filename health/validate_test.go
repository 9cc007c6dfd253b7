package health

import (
	"errors"
	"math"
	"testing"
)

func TestCheckBloodPressure(t *testing.T) {
	for _, tc := range []struct {
		sys, dia float64
		pulse    Value
		field    string // "" when valid; "order" for systolic ≤ diastolic
	}{
		{50, 30, Missing, ""}, {300, 200, Of(250), ""}, {142, 91, Of(20), ""},
		{49, 30, Missing, "systolic"}, {301, 90, Missing, "systolic"},
		{120, 29, Missing, "diastolic"}, {250, 201, Missing, "diastolic"},
		{90, 90, Missing, "order"}, {80, 120, Missing, "order"},
		{120, 80, Of(19), "pulse"}, {120, 80, Of(251), "pulse"},
	} {
		err := CheckBloodPressure(tc.sys, tc.dia, tc.pulse)
		var re *RangeError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%v/%v: %v", tc.sys, tc.dia, err)
		case tc.field == "order" && !errors.Is(err, ErrSystolicNotAbove):
			t.Errorf("%v/%v: %v, want ErrSystolicNotAbove", tc.sys, tc.dia, err)
		case tc.field != "" && tc.field != "order" && (!errors.As(err, &re) || re.Field != tc.field):
			t.Errorf("%v/%v pulse %v: %v, want a %s range error", tc.sys, tc.dia, tc.pulse, err, tc.field)
		}
	}
	if err := CheckBloodPressure(320, 80, Missing); err == nil || err.Error() != "systolic 320 mmHg is out of range: want 50–300 mmHg" {
		t.Errorf("message: %v", err)
	}
}

func TestCheckWeight(t *testing.T) {
	for kg, ok := range map[float64]bool{2: true, 500: true, 72.4: true, 1.99: false, 500.01: false, 0: false} {
		if err := CheckWeight(kg); (err == nil) != ok {
			t.Errorf("%v kg: %v", kg, err)
		}
	}
	if err := CheckWeight(600); err == nil || err.Error() != "weight 600 kg is out of range: want 2–500 kg" {
		t.Errorf("message: %v", err)
	}
}

// TestCheckRejectsNotANumber: NaN compares false with every bound, so a
// check written as "below or above" would let it through.
func TestCheckRejectsNotANumber(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for name, err := range map[string]error{
		"systolic NaN":  CheckBloodPressure(nan, 80, Missing),
		"diastolic NaN": CheckBloodPressure(120, nan, Missing),
		"systolic Inf":  CheckBloodPressure(inf, 80, Missing),
		"weight NaN":    CheckWeight(nan),
		"weight -Inf":   CheckWeight(math.Inf(-1)),
	} {
		var re *RangeError
		if !errors.As(err, &re) {
			t.Errorf("%s: %v, want a range error", name, err)
		}
	}
	if err := CheckWeight(nan); err == nil || err.Error() != "weight is not a number: want 2–500 kg" {
		t.Errorf("message: %v", err)
	}
}

// TestCheckValues checks recorded (not typed-in) values at each bound.
func TestCheckValues(t *testing.T) {
	bp := func(sys, dia, pulse Value) BloodPressure {
		return BloodPressure{Systolic: sys, Diastolic: dia, Pulse: pulse}
	}
	for _, tc := range []struct {
		name  string
		err   error
		field string // "" when valid
	}{
		{"BP at the bounds", bp(Of(50), Of(200), Of(20)).CheckValues(), ""},
		{"BP at the other bounds", bp(Of(300), Of(30), Of(250)).CheckValues(), ""},
		{"BP without values (blanked by the monitor)", bp(Missing, Missing, Missing).CheckValues(), ""},
		{"diastolic above systolic is not checked", bp(Of(90), Of(120), Missing).CheckValues(), ""},
		{"systolic 1200", bp(Of(1200), Of(80), Missing).CheckValues(), "systolic"},
		{"systolic 49", bp(Of(49), Missing, Missing).CheckValues(), "systolic"},
		{"diastolic 201", bp(Missing, Of(201), Missing).CheckValues(), "diastolic"},
		{"pulse 19", bp(Of(120), Of(80), Of(19)).CheckValues(), "pulse"},
		{"37 °C", Temperature{Celsius: Of(37)}.CheckValues(), ""},
		{"25 °C", Temperature{Celsius: Of(25)}.CheckValues(), ""},
		{"45 °C", Temperature{Celsius: Of(45)}.CheckValues(), ""},
		{"98.6 sent as °C", Temperature{Celsius: Of(98.6)}.CheckValues(), "temperature"},
		{"24.9 °C", Temperature{Celsius: Of(24.9)}.CheckValues(), "temperature"},
		{"SpO2 100 %", SpO2{Percent: Of(100), Pulse: Of(250)}.CheckValues(), ""},
		{"SpO2 50 %", SpO2{Percent: Of(50)}.CheckValues(), ""},
		{"SpO2 as a fraction", SpO2{Percent: Of(0.97)}.CheckValues(), "SpO2"},
		{"SpO2 101 %", SpO2{Percent: Of(101)}.CheckValues(), "SpO2"},
		{"SpO2 pulse 251", SpO2{Percent: Of(97), Pulse: Of(251)}.CheckValues(), "pulse"},
	} {
		var re *RangeError
		switch {
		case tc.field == "" && tc.err != nil:
			t.Errorf("%s: %v", tc.name, tc.err)
		case tc.field != "" && (!errors.As(tc.err, &re) || re.Field != tc.field):
			t.Errorf("%s: %v, want a %s range error", tc.name, tc.err, tc.field)
		}
	}
	if err := (BloodPressure{Systolic: Of(1200), Diastolic: Of(80)}).CheckValues(); err == nil ||
		err.Error() != "systolic 1200 mmHg is out of range: want 50–300 mmHg" {
		t.Errorf("message: %v", err)
	}
	if err := (BloodPressure{Systolic: Of(1e308)}).CheckValues(); err == nil ||
		err.Error() != "systolic 1e+308 mmHg is out of range: want 50–300 mmHg" {
		t.Errorf("message: %v", err)
	}
}
