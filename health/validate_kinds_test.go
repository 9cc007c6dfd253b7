package health

import (
	"errors"
	"math"
	"testing"
	"time"
)

// Each plausible range is checked on both sides of both ends.
func TestCheckValuesOfEveryKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"weight 500 kg", Weight{Weight: Of(500)}.CheckValues(), true},
		{"weight 500.1 kg", Weight{Weight: Of(500.1)}.CheckValues(), false},
		{"weight 1e6 kg", Weight{Weight: Of(1e6)}.CheckValues(), false},
		{"weight 2 kg", Weight{Weight: Of(2)}.CheckValues(), true},
		{"weight 1.9 kg", Weight{Weight: Of(1.9)}.CheckValues(), false},
		{"BMI 5", Weight{BMI: Of(5)}.CheckValues(), true},
		{"BMI 4.9", Weight{BMI: Of(4.9)}.CheckValues(), false},
		{"BMI 200", Weight{BMI: Of(200)}.CheckValues(), true},
		{"BMI 200.1", Weight{BMI: Of(200.1)}.CheckValues(), false},
		{"body fat 80 %", Weight{BodyFat: Of(80)}.CheckValues(), true},
		{"body fat 80.1 %", Weight{BodyFat: Of(80.1)}.CheckValues(), false},
		{"body fat 0.9 %", Weight{BodyFat: Of(0.9)}.CheckValues(), false},
		{"skeletal muscle 81 %", Weight{SkeletalMuscle: Of(81)}.CheckValues(), false},
		{"visceral fat 60", Weight{VisceralFat: Of(60)}.CheckValues(), true},
		{"visceral fat 61", Weight{VisceralFat: Of(61)}.CheckValues(), false},
		{"resting 6000 kcal", Weight{RestingMetabolism: Of(6000)}.CheckValues(), true},
		{"resting 6001 kcal", Weight{RestingMetabolism: Of(6001)}.CheckValues(), false},
		{"resting 299 kcal", Weight{RestingMetabolism: Of(299)}.CheckValues(), false},
		{"nothing measured", Weight{}.CheckValues(), true},
		{"steps 0", Activity{Steps: Of(0)}.CheckValues(), true},
		{"steps -1", Activity{Steps: Of(-1)}.CheckValues(), false},
		{"steps 150000", Activity{Steps: Of(150000)}.CheckValues(), true},
		{"steps 150001", Activity{Steps: Of(150001)}.CheckValues(), false},
		{"steps 1e18", Activity{Steps: Of(1e18)}.CheckValues(), false},
		{"calories 20001", Activity{Calories: Of(20001)}.CheckValues(), false},
		{"distance 300 km", Activity{Distance: Of(300000)}.CheckValues(), true},
		{"distance 300.001 km", Activity{Distance: Of(300001)}.CheckValues(), false},
		{"an hour of 15000 steps", Activity{Hourly: []HourActivity{{Hour: 23, Steps: Of(15000)}}}.CheckValues(), true},
		{"an hour of 15001 steps", Activity{Hourly: []HourActivity{{Hour: 9, Steps: Of(15001)}}}.CheckValues(), false},
		{"hour 24", Activity{Hourly: []HourActivity{{Hour: 24}}}.CheckValues(), false},
		{"heart rate 250", HeartRate{BPM: Of(250)}.CheckValues(), true},
		{"heart rate 251", HeartRate{BPM: Of(251)}.CheckValues(), false},
		{"heart rate 1e308", HeartRate{BPM: Of(1e308)}.CheckValues(), false},
		{"heart rate 20", HeartRate{BPM: Of(20)}.CheckValues(), true},
		{"heart rate 19", HeartRate{BPM: Of(19)}.CheckValues(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var re *RangeError
			if tc.ok != (tc.err == nil) {
				t.Fatalf("err = %v, want ok = %v", tc.err, tc.ok)
			}
			if !tc.ok && !errors.As(tc.err, &re) {
				t.Errorf("%v is not a *RangeError", tc.err)
			}
		})
	}
}

func TestCheckTime(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t  time.Time
		ok bool
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Time{}, false}, // year 1
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{now.Add(FutureAllowance), true},
		{now.Add(FutureAllowance + time.Second), false},
		{now.AddDate(-30, 0, 0), true},
	} {
		err := CheckTime(tc.t, now)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrImplausibleTime)) {
			t.Errorf("CheckTime(%s) = %v, want ok = %v", tc.t, err, tc.ok)
		}
	}
}

func TestBatchCheckNamesTheReading(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	good := Meta{ProviderID: "ok", Time: now.Add(-time.Hour)}
	b := Batch{
		BloodPressure: []BloodPressure{{Meta: good, Systolic: Of(120), Diastolic: Of(80)}},
		HeartRate:     []HeartRate{{Meta: Meta{ProviderID: "hr-9", Time: good.Time}, BPM: Of(math.MaxFloat64)}},
	}
	err := b.Check(now)
	var re *ReadingError
	if !errors.As(err, &re) || re.Kind != KindHeartRate || re.ProviderID != "hr-9" {
		t.Fatalf("Check = %v, want the heart rate hr-9 named", err)
	}
	b.HeartRate = nil
	b.Conditions = []Condition{{Meta: Meta{ProviderID: "c-1", Time: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if err := b.Check(now); !errors.Is(err, ErrImplausibleTime) {
		t.Errorf("a condition dated 9999: %v, want ErrImplausibleTime", err)
	}
	b.Conditions = nil
	if err := b.Check(now); err != nil {
		t.Errorf("a plausible batch: %v", err)
	}
}
