package health

import (
	"errors"
	"testing"
)

func TestConversions(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64, string) (float64, error)
		x    float64
		unit string
		want float64
	}{
		{"kg", ToKilograms, 71.6, "kg", 71.6},
		{"UCUM pound", ToKilograms, 160, "[lb_av]", 72.5748}, // 160 × 0.45359237 = 72.5747792
		{"lb", ToKilograms, 164, "lb", 74.3891},              // 164 × 0.45359237 = 74.38914868
		{"lbs", ToKilograms, 100, "lbs", 45.3592},
		{"grams", ToKilograms, 3500, "g", 3.5},
		{"Cel", ToCelsius, 36.6, "Cel", 36.6},
		{"degF", ToCelsius, 98.6, "[degF]", 37},
		{"°F", ToCelsius, 98, "°F", 36.667}, // (98 − 32) × 5/9 = 36.666…
		{"°C", ToCelsius, 37.2, "°C", 37.2},
		{"miles", ToMetres, 1, "miles", 1609.34},
		{"km", ToMetres, 2.5, "km", 2500},
		{"m", ToMetres, 800, "m", 800},
	}
	for _, tt := range tests {
		got, err := tt.f(tt.x, tt.unit)
		if err != nil || got != tt.want {
			t.Errorf("%s: %g %s = %g, %v; want %g", tt.name, tt.x, tt.unit, got, err, tt.want)
		}
	}
	if _, err := ToKilograms(1, "stone"); !errors.Is(err, ErrUnknownUnit) {
		t.Errorf("stone: %v, want ErrUnknownUnit", err)
	}
}

func TestDisplayUnits(t *testing.T) {
	u, err := ParseUnits("lb", "F", "mi")
	if err != nil {
		t.Fatal(err)
	}
	if v, sym := u.Mass(Of(45.359237)); sym != "lb" || v.Format(1) != "100.0" {
		t.Errorf("mass = %s %s", v.Format(1), sym)
	}
	if v, sym := u.Temp(Of(37)); sym != "°F" || v.Format(1) != "98.6" {
		t.Errorf("temp = %s %s", v.Format(1), sym)
	}
	if v, sym := u.Dist(Of(1609.344)); sym != "mi" || v.Format(2) != "1.00" {
		t.Errorf("dist = %s %s", v.Format(2), sym)
	}
	if v, _ := u.Mass(Missing); v.Valid() {
		t.Error("a missing weight converted to a number")
	}
	if _, err := ParseUnits("stone", "", ""); err == nil {
		t.Error("unknown weight unit accepted")
	}
}

func TestValue(t *testing.T) {
	var zero Value
	if zero.Valid() || zero.String() != "" {
		t.Error("the zero Value is not missing")
	}
	if v := Of(0); !v.Valid() || v.String() != "0" {
		t.Error("a measured 0 is not present")
	}
	if Of(nan()).Valid() {
		t.Error("NaN is a measurement")
	}
}
