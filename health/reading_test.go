package health

import "testing"

func TestBatchOnly(t *testing.T) {
	b := Batch{
		BloodPressure: make([]BloodPressure, 2),
		Weight:        make([]Weight, 3),
		Activity:      make([]Activity, 1),
		Conditions:    make([]Condition, 1),
	}
	for _, tc := range []struct {
		name  string
		kinds []Kind
		want  map[Kind]int
	}{
		{"none", nil, map[Kind]int{}},
		{"one", []Kind{KindWeight}, map[Kind]int{KindWeight: 3}},
		{"two and an empty one", []Kind{KindBloodPressure, KindCondition, KindSpO2}, map[Kind]int{KindBloodPressure: 2, KindCondition: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := b.Only(tc.kinds...)
			c := got.Counts()
			if len(c) != len(tc.want) {
				t.Fatalf("counts %v, want %v", c, tc.want)
			}
			for k, n := range tc.want {
				if c[k] != n {
					t.Errorf("%s: %d, want %d", k, c[k], n)
				}
			}
		})
	}
}

// A zero or negative number is a device's placeholder, never a
// measurement (clinical-rules.md: "Never chart or average a zero").
func TestMeasured(t *testing.T) {
	for _, tc := range []struct {
		in   Value
		want Value
	}{
		{Missing, Missing},
		{Of(0), Missing},
		{Of(-1), Missing},
		{Of(0.1), Of(0.1)},
		{Of(120), Of(120)},
	} {
		if got := Measured(tc.in); got != tc.want {
			t.Errorf("Measured(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	r := BloodPressure{Systolic: Of(0), Diastolic: Of(0), Pulse: Of(72), PossibleAFib: true}.Cleaned()
	if r.Systolic.Valid() || r.Diastolic.Valid() || r.Pulse != Of(72) || !r.PossibleAFib {
		t.Errorf("Cleaned blanked reading = %+v: want pressures missing, pulse and flag kept", r)
	}
}
