package health

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// eastern is US Eastern standard time, where the test readings are taken.
const eastern = -5 * 3600

// bpAt is a home reading taken on January day of 2025 at the wall-clock
// time hhmm (Eastern); sys or dia 0 stands for what a monitor writes when
// it blanks the values.
func bpAt(day int, hhmm string, sys, dia float64) BloodPressure {
	local, err := time.ParseInLocation("2006-01-02 15:04", "2025-01-01 "+hhmm, FixedZone(eastern))
	if err != nil {
		panic(err)
	}
	local = local.AddDate(0, 0, day-1)
	return BloodPressure{
		Meta:      Meta{ProviderID: local.Format(time.RFC3339), Time: local.UTC(), Offset: eastern, Setting: SettingHome},
		Systolic:  Of(sys),
		Diastolic: Of(dia),
	}
}

func office(bp BloodPressure) BloodPressure { bp.Setting = SettingOffice; return bp }

func jan(day int) Date { return Date{2025, time.January, day} }

func TestSlotOf(t *testing.T) {
	for _, tc := range []struct {
		hhmm string
		want Slot
	}{
		{"00:00", SlotOther}, {"03:59", SlotOther},
		{"04:00", SlotMorning}, {"11:59", SlotMorning},
		{"12:00", SlotOther}, {"17:59", SlotOther},
		{"18:00", SlotEvening}, {"23:59", SlotEvening},
	} {
		if got := SlotOf(bpAt(12, tc.hhmm, 120, 80).Local()); got != tc.want {
			t.Errorf("%s: slot %v, want %v", tc.hhmm, got, tc.want)
		}
	}
}

// TestSummarizeSlotBoundaries puts one reading at each edge of the morning
// and evening windows, each on its own day so that no two share a session
// (nothing discarded), and checks which means each reached.
func TestSummarizeSlotBoundaries(t *testing.T) {
	home := []BloodPressure{
		bpAt(12, "03:59", 100, 60), // other
		bpAt(13, "04:00", 140, 90), // morning
		bpAt(14, "11:59", 150, 94), // morning
		bpAt(15, "12:00", 110, 70), // other
		bpAt(16, "17:59", 112, 72), // other
		bpAt(17, "18:00", 120, 76), // evening
		bpAt(18, "23:59", 126, 78), // evening
	}
	s := Summarize(home, nil, jan(12), jan(18), SummaryOptions{KeepFirstDay: true})
	// Morning: (140 + 150) / 2 = 145; (90 + 94) / 2 = 92.
	if s.Morning.String() != "145.0/92.0" || s.Morning.N != 2 {
		t.Errorf("morning = %s (%d), want 145.0/92.0 (2)", s.Morning, s.Morning.N)
	}
	// Evening: (120 + 126) / 2 = 123; (76 + 78) / 2 = 77.
	if s.Evening.String() != "123.0/77.0" || s.Evening.N != 2 {
		t.Errorf("evening = %s (%d), want 123.0/77.0 (2)", s.Evening, s.Evening.N)
	}
	// All seven: (100+140+150+110+112+120+126) / 7 = 858 / 7 = 122.57… → 122.6;
	// (60+90+94+70+72+76+78) / 7 = 540 / 7 = 77.14… → 77.1.
	if s.Mean.String() != "122.6/77.1" || s.Readings != 7 {
		t.Errorf("mean = %s (%d), want 122.6/77.1 (7)", s.Mean, s.Readings)
	}
	if !s.FirstDay.IsZero() || s.Days != 7 {
		t.Errorf("first day %v discarded, %d days", s.FirstDay, s.Days)
	}
}

// TestSummarizeSessionEdge checks that a reading joins a morning sitting
// that began at 11:55 when it is exactly 10 minutes later, and starts an
// afternoon sitting of its own one second after that.
func TestSummarizeSessionEdge(t *testing.T) {
	second := func(d time.Duration) BloodPressure {
		r := bpAt(12, "11:55", 130, 80)
		r.Time = r.Time.Add(d)
		r.Systolic = Of(140)
		return r
	}
	for _, tc := range []struct {
		name     string
		after    time.Duration
		sessions int
		morning  int
	}{
		{"10 minutes", 10 * time.Minute, 1, 2},
		{"10 minutes 1 second", 10*time.Minute + time.Second, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize([]BloodPressure{bpAt(12, "11:55", 130, 80), second(tc.after)}, nil, jan(12), jan(12), SummaryOptions{})
			if s.Sessions != tc.sessions || s.Morning.N != tc.morning {
				t.Errorf("%d sessions, %d morning readings; want %d and %d", s.Sessions, s.Morning.N, tc.sessions, tc.morning)
			}
			if last := s.Entries[1]; (last.Slot == SlotMorning) != (tc.morning == 2) {
				t.Errorf("second reading's slot is %v", last.Slot)
			}
		})
	}
}

// days builds n days from January 12 with k readings each (a morning
// sitting, then an evening one), all at sys/dia.
func days(n, k int, sys, dia float64) []BloodPressure {
	var out []BloodPressure
	for d := range n {
		for i := range k {
			hhmm := "07:0" + string(rune('0'+i))
			if i >= k/2 && k > 1 {
				hhmm = "20:0" + string(rune('0'+i))
			}
			out = append(out, bpAt(12+d, hhmm, sys, dia))
		}
	}
	return out
}

func TestSummarizeThresholdEquality(t *testing.T) {
	for _, tc := range []struct {
		rb       Rulebook
		sys, dia float64
		above    bool
	}{
		{AHA2025, 130, 79, true}, // systolic at the threshold
		{AHA2025, 129, 80, true}, // diastolic at the threshold
		{AHA2025, 129, 79, false},
		{ESH2023, 135, 84, true},
		{ESH2023, 134, 85, true},
		{ESH2023, 134, 84, false},
		{ESH2023, 130, 80, false}, // above for AHA, not for ESH
	} {
		s := Summarize(days(4, 4, tc.sys, tc.dia), nil, jan(12), jan(18), SummaryOptions{Rulebook: tc.rb})
		if s.AboveThreshold != tc.above {
			t.Errorf("%s: mean %s above %s = %v, want %v", tc.rb, s.Mean, s.HomeThreshold, s.AboveThreshold, tc.above)
		}
	}
}

func TestSummarizeMinimum(t *testing.T) {
	for _, tc := range []struct {
		name      string
		home      []BloodPressure
		days, n   int
		minimumOK bool
	}{
		// Day 1 is discarded: 4 days of 4 readings leave 3 days, 12 readings.
		{"3 days, 12 readings", days(4, 4, 120, 75), 3, 12, true},
		{"2 days, 12 readings", days(3, 6, 120, 75), 2, 12, false},
		{"3 days, 9 readings", days(4, 3, 120, 75), 3, 9, false},
		// Eleven readings over three days after the discard.
		{"3 days, 11 readings", days(4, 4, 120, 75)[:15], 3, 11, false},
	} {
		s := Summarize(tc.home, nil, jan(12), jan(18), SummaryOptions{})
		if s.Days != tc.days || s.Readings != tc.n || s.MinimumMet != tc.minimumOK {
			t.Errorf("%s: %d days, %d readings, minimum met %v; want %d, %d, %v",
				tc.name, s.Days, s.Readings, s.MinimumMet, tc.days, tc.n, tc.minimumOK)
		}
	}
}

func TestSummarizeFirstDay(t *testing.T) {
	home := append(days(1, 2, 170, 100), days(3, 2, 120, 70)[2:]...) // day 1 high, days 2–3 at 120/70
	s := Summarize(home, nil, jan(12), jan(18), SummaryOptions{})
	if s.FirstDay != jan(12) || s.FirstDayReadings != 2 || s.Mean.String() != "120.0/70.0" || s.Readings != 4 {
		t.Errorf("discarding: first day %v (%d), mean %s of %d; want 2025-01-12 (2), 120.0/70.0 of 4",
			s.FirstDay, s.FirstDayReadings, s.Mean, s.Readings)
	}
	// Kept: (170·2 + 120·4) / 6 = 820 / 6 = 136.66… → 136.7; (100·2 + 70·4) / 6 = 80.
	s = Summarize(home, nil, jan(12), jan(18), SummaryOptions{KeepFirstDay: true})
	if !s.FirstDay.IsZero() || s.Mean.String() != "136.7/80.0" || s.Readings != 6 {
		t.Errorf("keeping: first day %v, mean %s of %d; want none, 136.7/80.0 of 6", s.FirstDay, s.Mean, s.Readings)
	}
	if s.Highest.Systolic.Or(0) != 170 || s.Lowest.Systolic.Or(0) != 120 {
		t.Errorf("highest %v, lowest %v", s.Highest.Systolic, s.Lowest.Systolic)
	}
	// One day only: discarding it would leave nothing, so it is kept.
	s = Summarize(days(1, 2, 170, 100), nil, jan(12), jan(18), SummaryOptions{})
	if !s.FirstDay.IsZero() || s.Readings != 2 {
		t.Errorf("single day: first day %v discarded, %d readings", s.FirstDay, s.Readings)
	}
}

func TestSummarizeMEDif(t *testing.T) {
	for _, tc := range []struct {
		morning, evening float64
		dif              string
		high             bool
	}{
		{150, 130, "20", true},
		{149, 130, "19", false},
		{130, 155, "-25", false}, // evenings higher: not the J-HOP pattern
	} {
		home := []BloodPressure{
			bpAt(12, "07:00", 120, 70), bpAt(12, "20:00", 120, 70), // day 1, discarded
			bpAt(13, "07:00", tc.morning, 80), bpAt(13, "20:00", tc.evening, 78),
		}
		s := Summarize(home, nil, jan(12), jan(13), SummaryOptions{})
		if s.MEDif.String() != tc.dif || s.MEDifHigh != tc.high {
			t.Errorf("%v − %v: ME-dif %v (high %v), want %s (%v)", tc.morning, tc.evening, s.MEDif, s.MEDifHigh, tc.dif, tc.high)
		}
	}
	s := Summarize([]BloodPressure{bpAt(12, "07:00", 150, 80)}, nil, jan(12), jan(12), SummaryOptions{})
	if s.MEDif.Valid() || s.MEDifHigh {
		t.Errorf("ME-dif without evening readings = %v", s.MEDif)
	}
}

func TestSummarizeMorningHypertension(t *testing.T) {
	for _, tc := range []struct {
		sys, dia float64
		want     bool
	}{{135, 84, true}, {134, 85, true}, {134, 84, false}} {
		s := Summarize([]BloodPressure{bpAt(12, "07:00", tc.sys, tc.dia), bpAt(12, "20:00", 110, 70)}, nil, jan(12), jan(12), SummaryOptions{})
		if s.MorningHypertension != tc.want {
			t.Errorf("morning %s: morning hypertension %v, want %v", s.Morning, s.MorningHypertension, tc.want)
		}
	}
}

// TestOfficeHome covers the four combinations for both rulebooks, each
// side exactly at its threshold ("at or above") or one below it.
func TestOfficeHome(t *testing.T) {
	for _, rb := range []Rulebook{AHA2025, ESH2023} {
		ot, ht := rb.OfficeThreshold(), rb.HomeThreshold()
		at := func(t Threshold, above bool) (float64, float64) {
			if above {
				return t.Systolic, t.Diastolic
			}
			return t.Systolic - 1, t.Diastolic - 1
		}
		for _, tc := range []struct {
			officeAbove, homeAbove bool
			want                   OfficeHome
			name                   string
		}{
			{true, true, SustainedHypertension, "Sustained hypertension"},
			{false, true, MaskedHypertension, "Masked hypertension"},
			{true, false, WhiteCoatHypertension, "White-coat hypertension"},
			{false, false, Normotension, "Normal blood pressure"},
		} {
			hs, hd := at(ht, tc.homeAbove)
			os, od := at(ot, tc.officeAbove)
			s := Summarize(days(4, 4, hs, hd), []BloodPressure{office(bpAt(14, "10:30", os, od))}, jan(12), jan(18), SummaryOptions{Rulebook: rb})
			if s.OfficeHome != tc.want {
				t.Errorf("%s office %v/%v home %v/%v: %v, want %v", rb, os, od, hs, hd, s.OfficeHome, tc.want)
			}
			st := s.OfficeHomeStatement()
			if !strings.HasPrefix(st, tc.name) || !strings.Contains(st, rb.Name()) ||
				!strings.Contains(st, "office threshold "+ot.String()) || !strings.Contains(st, "home threshold "+ht.String()) {
				t.Errorf("%s statement %q", rb, st)
			}
		}
	}
	s := Summarize(days(4, 4, 140, 90), nil, jan(12), jan(18), SummaryOptions{})
	if s.OfficeHome != OfficeHomeUnknown || s.OfficeHomeStatement() != "" {
		t.Errorf("without office readings: %v %q", s.OfficeHome, s.OfficeHomeStatement())
	}
	s = Summarize(nil, []BloodPressure{office(bpAt(14, "10:30", 150, 95))}, jan(12), jan(18), SummaryOptions{})
	if s.OfficeHome != OfficeHomeUnknown || !s.OfficeAbove {
		t.Errorf("without home readings: %v, office above %v", s.OfficeHome, s.OfficeAbove)
	}
	// Office readings outside the period are left out.
	s = Summarize(days(4, 4, 140, 90), []BloodPressure{office(bpAt(25, "10:30", 150, 95))}, jan(12), jan(18), SummaryOptions{})
	if s.OfficeHome != OfficeHomeUnknown {
		t.Errorf("an office reading after the period counted: %v", s.OfficeHome)
	}
}

// TestSummarizeFlags: a possible-AFib reading whose values were zeroed, an
// irregular-heartbeat reading, both on the discarded first day and later.
func TestSummarizeFlags(t *testing.T) {
	afib := func(r BloodPressure) BloodPressure { r.PossibleAFib = true; r.Pulse = Of(0); return r }
	ihb := func(r BloodPressure) BloodPressure { r.IrregularHeartbeat = true; return r }
	home := []BloodPressure{
		afib(bpAt(12, "07:00", 0, 0)), // day 1: zeros, no values
		bpAt(12, "07:01", 130, 82),
		bpAt(13, "07:00", 128, 80),
		ihb(bpAt(13, "20:00", 126, 78)),
		bpAt(14, "07:00", 124, 76),
		bpAt(14, "20:00", 122, 74),
		ihb(afib(bpAt(19, "07:00", 0, 0))), // week 2; with the next, 2 flags in 3 readings
		bpAt(19, "07:01", 120, 72),
		ihb(bpAt(19, "20:00", 140, 88)),
	}
	s := Summarize(home, nil, jan(12), jan(19), SummaryOptions{})
	if s.PossibleAFib.N != 2 || len(s.PossibleAFib.Dates) != 2 || s.PossibleAFib.Dates[0] != jan(12) || s.PossibleAFib.Dates[1] != jan(19) {
		t.Errorf("possible AFib %+v", s.PossibleAFib)
	}
	if s.Irregular.N != 3 || len(s.Irregular.Dates) != 2 || s.Irregular.Dates[0] != jan(13) {
		t.Errorf("irregular %+v", s.Irregular)
	}
	if s.Flagged != 4 || s.WithoutValues != 2 {
		t.Errorf("flagged %d, without values %d; want 4, 2", s.Flagged, s.WithoutValues)
	}
	want := []WeekFlags{{jan(12), jan(18), 6, 2}, {jan(19), jan(19), 3, 2}}
	if len(s.Weeks) != 2 || s.Weeks[0] != want[0] || s.Weeks[1] != want[1] {
		t.Errorf("weeks %+v, want %+v", s.Weeks, want)
	}
	// The first run with two flags in three readings starts on Jan 19 at 07:00.
	if !s.RepeatedFlags || s.RepeatedFlagsAt.Format("2006-01-02 15:04") != "2025-01-19 07:00" {
		t.Errorf("repeated flags %v at %v", s.RepeatedFlags, s.RepeatedFlagsAt)
	}
	// Zeros never reach a mean: days 2, 3 and 8 leave
	// (128+126+124+122+120+140) / 6 = 760 / 6 = 126.66… → 126.7.
	if s.Mean.Systolic.String() != "126.7" || s.Readings != 6 || s.Lowest.Systolic.Or(0) != 120 {
		t.Errorf("mean %s of %d, lowest %v", s.Mean, s.Readings, s.Lowest.Systolic)
	}
	for _, e := range s.Entries {
		if e.PossibleAFib && (e.Systolic.Valid() || e.Pulse.Valid() || e.Averaged) {
			t.Errorf("a zeroed AFib reading kept values: %+v", e)
		}
	}
	// Flags one apart from each other by two readings are not repeated.
	s = Summarize([]BloodPressure{ihb(bpAt(12, "07:00", 120, 70)), bpAt(12, "20:00", 120, 70), bpAt(13, "07:00", 120, 70), ihb(bpAt(13, "20:00", 120, 70))}, nil, jan(12), jan(13), SummaryOptions{})
	if s.RepeatedFlags {
		t.Error("flags 3 readings apart count as repeated")
	}
}

func TestSummarizeSevere(t *testing.T) {
	home := []BloodPressure{
		bpAt(12, "07:00", 182, 100), // day 1: discarded from the mean, still a warning
		bpAt(13, "07:00", 180, 120), // at 180/120 exactly: not above
		bpAt(14, "07:00", 150, 90),
	}
	s := Summarize(home, []BloodPressure{office(bpAt(13, "11:00", 170, 121))}, jan(12), jan(18), SummaryOptions{})
	if len(s.Severe) != 2 || s.Severe[0].Systolic.Or(0) != 182 || s.Severe[1].Diastolic.Or(0) != 121 {
		t.Errorf("severe %+v", s.Severe)
	}
}

// TestSummarizePeriodWallClock: the period is in the readings' own wall
// clock, not UTC: a reading at 23:30 Eastern on Jan 18 is 04:30 UTC on the
// 19th and belongs to the 18th.
func TestSummarizePeriodWallClock(t *testing.T) {
	s := Summarize([]BloodPressure{bpAt(18, "23:30", 120, 80), bpAt(19, "00:30", 130, 85)}, nil, jan(18), jan(18), SummaryOptions{})
	if s.Readings != 1 || s.Mean.String() != "120.0/80.0" {
		t.Errorf("period Jan 18: %d readings, mean %s", s.Readings, s.Mean)
	}
	// Zero dates take the readings' span.
	s = Summarize([]BloodPressure{bpAt(18, "23:30", 120, 80), bpAt(19, "00:30", 130, 85)}, nil, Date{}, Date{}, SummaryOptions{KeepFirstDay: true})
	if s.From != jan(18) || s.To != jan(19) || s.Readings != 2 {
		t.Errorf("open period: %v–%v, %d readings", s.From, s.To, s.Readings)
	}
}

func TestSplitBySetting(t *testing.T) {
	home, off := SplitBySetting([]BloodPressure{bpAt(12, "07:00", 120, 80), office(bpAt(12, "10:00", 140, 90)), {}})
	if len(home) != 2 || len(off) != 1 {
		t.Errorf("%d home, %d office", len(home), len(off))
	}
}

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
