package health

import (
	"testing"
	"time"
)

func reading(at time.Time, sys, dia float64) BloodPressure {
	return BloodPressure{Meta: Meta{Time: at}, Systolic: Of(sys), Diastolic: Of(dia)}
}

func TestSessions(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
	rs := []BloodPressure{
		reading(t0.Add(time.Minute), 130, 84), // out of order on purpose
		reading(t0, 134, 86),
		reading(t0.Add(10*time.Minute), 126, 80),             // exactly 10 minutes after the first: same sitting
		reading(t0.Add(10*time.Minute+time.Second), 120, 78), // just over: a new sitting
		{Meta: Meta{Time: t0.Add(12 * time.Minute)}, PossibleAFib: true},
		reading(t0.Add(12*time.Hour), 140, 90),
	}
	s := Sessions(rs)
	if len(s) != 3 {
		t.Fatalf("%d sessions, want 3", len(s))
	}
	// (134 + 130 + 126) / 3 = 130; (86 + 84 + 80) / 3 = 83.333…
	if s[0].Systolic.Or(0) != 130 || s[0].Diastolic.Format(2) != "83.33" || len(s[0].Readings) != 3 {
		t.Errorf("first session = %v/%v from %d readings", s[0].Systolic, s[0].Diastolic, len(s[0].Readings))
	}
	if !s[0].Start().Equal(t0) {
		t.Errorf("first session starts %v", s[0].Start())
	}
	// The AFib reading has no values: the session mean is the other one's.
	if s[1].Systolic.Or(0) != 120 || !s[1].PossibleAFib || len(s[1].Readings) != 2 {
		t.Errorf("second session = %v, afib %v, %d readings", s[1].Systolic, s[1].PossibleAFib, len(s[1].Readings))
	}
	if only := Sessions([]BloodPressure{{Meta: Meta{Time: t0}, PossibleAFib: true}}); only[0].Systolic.Valid() {
		t.Error("a session of blanked readings has a value")
	}
	// A monitor that zeroes a flagged reading's values: the zeros are not
	// averaged, so the sitting's mean is the other reading's 128/82.
	zeroed := reading(t0.Add(time.Minute), 0, 0)
	zeroed.PossibleAFib = true
	if s := Sessions([]BloodPressure{reading(t0, 128, 82), zeroed}); s[0].Systolic.Or(0) != 128 || s[0].Diastolic.Or(0) != 82 {
		t.Errorf("session with a zeroed reading = %v/%v, want 128/82", s[0].Systolic, s[0].Diastolic)
	}
}

func TestMean(t *testing.T) {
	var m Mean
	if m.Value().Valid() {
		t.Error("empty mean has a value")
	}
	for _, x := range []float64{120, 130, 141} {
		m.Add(x)
	}
	m.AddValue(Missing)
	if m.N() != 3 || m.Value().Or(0) != 130.33333333333334 || m.Min().Or(0) != 120 || m.Max().Or(0) != 141 {
		t.Errorf("mean %v n %d min %v max %v", m.Value(), m.N(), m.Min(), m.Max())
	}
	if Sub(Of(140), Missing).Valid() {
		t.Error("difference with a missing value is not missing")
	}
}
