package health

import (
	"fmt"
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

// day1 is a reading on January 12, day 1 of the test periods: shown,
// never averaged.
func day1() BloodPressure { return bpAt(12, "07:00", 120, 80) }

// sittings lays out readings after day 1: from January 13, a morning
// sitting (07:00, 07:01, … up to five readings) and an evening sitting
// (20:00, …) a day, as many days as the longer list needs.
func sittings(morning, evening [][2]float64) []BloodPressure {
	out := []BloodPressure{day1()}
	for _, slot := range []struct {
		hour string
		rs   [][2]float64
	}{{"07", morning}, {"20", evening}} {
		for i, v := range slot.rs {
			out = append(out, bpAt(13+i/5, fmt.Sprintf("%s:%02d", slot.hour, i%5), v[0], v[1]))
		}
	}
	return out
}

// repeat is n copies of sys/dia, followed by the extra readings.
func repeat(n int, sys, dia float64, extra ...[2]float64) [][2]float64 {
	out := make([][2]float64, 0, n+len(extra))
	for range n {
		out = append(out, [2]float64{sys, dia})
	}
	return append(out, extra...)
}

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
		t.Run(tc.hhmm, func(t *testing.T) {
			if got := SlotOf(bpAt(12, tc.hhmm, 120, 80).Local()); got != tc.want {
				t.Errorf("slot %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSummarizeSlotBoundaries puts one reading at each edge of the morning
// and evening windows, each on its own day after day 1 so that no two
// share a sitting, and checks which means each reached.
func TestSummarizeSlotBoundaries(t *testing.T) {
	home := []BloodPressure{
		bpAt(11, "07:00", 170, 100), // day 1: not averaged
		bpAt(12, "03:59", 100, 60),  // other
		bpAt(13, "04:00", 140, 90),  // morning
		bpAt(14, "11:59", 150, 94),  // morning
		bpAt(15, "12:00", 110, 70),  // other
		bpAt(16, "17:59", 112, 72),  // other
		bpAt(17, "18:00", 120, 76),  // evening
		bpAt(18, "23:59", 126, 78),  // evening
	}
	s := Summarize(home, nil, jan(11), jan(18), AHA2025)
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
	if s.Mean.String() != "122.6/77.1" || s.Readings != 7 || s.Days != 7 {
		t.Errorf("mean = %s (%d readings, %d days), want 122.6/77.1 (7, 7)", s.Mean, s.Readings, s.Days)
	}
	if s.FirstDay != jan(11) || s.FirstDayReadings != 1 {
		t.Errorf("day 1 %v (%d readings), want 2025-01-11 (1)", s.FirstDay, s.FirstDayReadings)
	}
}

// TestSummarizeSittingEdges: a sitting is the readings within 10 minutes
// of its first; its slot and date are its first reading's.
func TestSummarizeSittingEdges(t *testing.T) {
	at := func(day int, hhmm string, after time.Duration) BloodPressure {
		r := bpAt(day, hhmm, 140, 90)
		r.Time = r.Time.Add(after)
		return r
	}
	for _, tc := range []struct {
		name         string
		first, other BloodPressure
		sittings     int
		slot         Slot // of the second reading
		date         Date // of the second reading
	}{
		{"11:58 then 12:00", at(13, "11:58", 0), at(13, "12:00", 0), 1, SlotMorning, jan(13)},
		{"10 minutes after 11:55", at(13, "11:55", 0), at(13, "11:55", 10*time.Minute), 1, SlotMorning, jan(13)},
		{"10 minutes 1 second after 11:55", at(13, "11:55", 0), at(13, "11:55", 10*time.Minute+time.Second), 2, SlotOther, jan(13)},
		{"17:58 then 18:01", at(13, "17:58", 0), at(13, "18:01", 0), 1, SlotOther, jan(13)},
		{"23:58 then 00:03 the next day", at(13, "23:58", 0), at(14, "00:03", 0), 1, SlotEvening, jan(13)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize([]BloodPressure{day1(), tc.first, tc.other}, nil, jan(12), jan(14), AHA2025)
			if s.Sessions != tc.sittings {
				t.Errorf("%d sittings, want %d", s.Sessions, tc.sittings)
			}
			if last := s.Entries[2]; last.Slot != tc.slot || last.Date != tc.date || !last.Averaged {
				t.Errorf("second reading: slot %v on %v (averaged %v), want %v on %v", last.Slot, last.Date, last.Averaged, tc.slot, tc.date)
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
			hhmm := fmt.Sprintf("07:%02d", i)
			if i >= k/2 && k > 1 {
				hhmm = fmt.Sprintf("20:%02d", i)
			}
			out = append(out, bpAt(12+d, hhmm, sys, dia))
		}
	}
	return out
}

func TestSummarizeDay1(t *testing.T) {
	for _, tc := range []struct {
		name       string
		home       []BloodPressure
		firstDay   Date
		onDay1     int
		mean       string
		readings   int
		blanked    int
		noCause    int
		minimumMet bool
	}{
		// Day 1 at 170/100 is left out: (120·4) / 4 = 120, (70·4) / 4 = 70.
		{"day 1 high", append(days(1, 2, 170, 100), days(3, 2, 120, 70)[2:]...), jan(12), 2, "120.0/70.0", 4, 0, 0, false},
		// Day 1 holds only a reading the monitor blanked: it is still
		// day 1, and the three days after it are averaged: 12 readings.
		{"day 1 holds only a blanked reading", append([]BloodPressure{bpAt(12, "07:00", 0, 0)}, days(4, 4, 130, 85)[4:]...),
			jan(12), 1, "130.0/85.0", 12, 1, 1, true},
		// Everything on one day: day 1, nothing averaged.
		{"one day only", days(1, 2, 170, 100), jan(12), 2, "", 0, 0, 0, false},
		// A reading before the period is not day 1.
		{"a reading before the period", append([]BloodPressure{bpAt(10, "07:00", 200, 110)}, days(2, 2, 120, 70)...),
			jan(12), 2, "120.0/70.0", 2, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.home, nil, jan(12), jan(18), AHA2025)
			if s.FirstDay != tc.firstDay || s.FirstDayReadings != tc.onDay1 {
				t.Errorf("day 1 %v with %d readings, want %v with %d", s.FirstDay, s.FirstDayReadings, tc.firstDay, tc.onDay1)
			}
			if s.Mean.String() != tc.mean || s.Readings != tc.readings || s.MinimumMet != tc.minimumMet {
				t.Errorf("mean %q of %d (minimum %v), want %q of %d (%v)", s.Mean, s.Readings, s.MinimumMet, tc.mean, tc.readings, tc.minimumMet)
			}
			if s.Blanked != tc.blanked || s.BlankedNoCause.N != tc.noCause {
				t.Errorf("blanked %d (no cause %d), want %d (%d)", s.Blanked, s.BlankedNoCause.N, tc.blanked, tc.noCause)
			}
			for _, e := range s.Entries {
				if e.Averaged && e.Date == s.FirstDay {
					t.Errorf("a day-1 reading averaged: %+v", e)
				}
			}
		})
	}
	s := Summarize(days(1, 2, 170, 100), nil, jan(12), jan(18), AHA2025)
	if s.Verdict != NotAssessed || s.VerdictText() != NotAssessedNoMean {
		t.Errorf("one day only: %v %q", s.Verdict, s.VerdictText())
	}
}

// TestSummarizeMinimum: 3 days and 12 averaged readings after day 1, on
// both sides; below it no verdict of any kind is given.
func TestSummarizeMinimum(t *testing.T) {
	for _, tc := range []struct {
		name      string
		home      []BloodPressure
		days, n   int
		minimumOK bool
	}{
		// Day 1 is discarded: 4 days of 4 readings leave 3 days, 12 readings.
		{"3 days, 12 readings", days(4, 4, 140, 90), 3, 12, true},
		{"3 days, 11 readings", days(4, 4, 140, 90)[:15], 3, 11, false},
		{"2 days, 12 readings", days(3, 6, 140, 90), 2, 12, false},
		{"3 days, 9 readings", days(4, 3, 140, 90), 3, 9, false},
		{"4 days, 12 readings", days(5, 3, 140, 90), 4, 12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.home, nil, jan(12), jan(18), AHA2025)
			if s.Days != tc.days || s.Readings != tc.n || s.MinimumMet != tc.minimumOK {
				t.Errorf("%d days, %d readings, minimum met %v; want %d, %d, %v",
					s.Days, s.Readings, s.MinimumMet, tc.days, tc.n, tc.minimumOK)
			}
			// 140/90 is at or above 130/80 and 135/85; ME-dif 140 − 140 = 0.
			want := [3]Verdict{AtOrAbove, AtOrAbove, Below}
			if !tc.minimumOK {
				want = [3]Verdict{NotAssessed, NotAssessed, NotAssessed}
			}
			if got := [3]Verdict{s.Verdict, s.MorningVerdict, s.MEDifVerdict}; got != want {
				t.Errorf("verdicts (home, morning, ME-dif) %v, want %v", got, want)
			}
			if !tc.minimumOK && (s.VerdictText() != NotAssessedMinimum ||
				!strings.HasSuffix(s.MorningVerdictText(), NotAssessedMinimum) || s.MEDifVerdictText() != NotAssessedMinimum) {
				t.Errorf("texts %q, %q, %q", s.VerdictText(), s.MorningVerdictText(), s.MEDifVerdictText())
			}
		})
	}
}

// TestSummarizeVerdictExact: the verdict compares the exact mean, and the
// figure shown beside it never reads as the limit when it is below it.
func TestSummarizeVerdictExact(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rb       Rulebook
		readings [][2]float64 // 25 readings after day 1
		text     string
		verdict  Verdict
	}{
		// (24·135 + 134) / 25 = 3374 / 25 = 134.96; (24·85 + 84) / 25 = 2124 / 25 = 84.96.
		{"ESH 134.96/84.96", ESH2023, repeat(24, 135, 85, [2]float64{134, 84}), "134.96/84.96", Below},
		{"ESH 135.00/85.00", ESH2023, repeat(25, 135, 85), "135.0/85.0", AtOrAbove},
		// (24·135 + 134) / 25 = 134.96 with diastolic 80: still below.
		{"ESH 134.96/80.00", ESH2023, repeat(24, 135, 80, [2]float64{134, 80}), "134.96/80.0", Below},
		// (24·135 + 134) / 25 = 134.96 with diastolic 85: at or above.
		{"ESH 134.96/85.00", ESH2023, repeat(24, 135, 85, [2]float64{134, 85}), "134.96/85.0", AtOrAbove},
		// (24·130 + 129) / 25 = 3249 / 25 = 129.96; (24·80 + 79) / 25 = 1999 / 25 = 79.96.
		{"AHA 129.96/79.96", AHA2025, repeat(24, 130, 80, [2]float64{129, 79}), "129.96/79.96", Below},
		{"AHA 130.00/79.00", AHA2025, repeat(25, 130, 79), "130.0/79.0", AtOrAbove},
		{"AHA 129.00/80.00", AHA2025, repeat(25, 129, 80), "129.0/80.0", AtOrAbove},
		// (24·129 + 130) / 25 = 3226 / 25 = 129.04: one decimal suffices.
		{"AHA 129.04/79.04", AHA2025, repeat(24, 129, 79, [2]float64{130, 80}), "129.0/79.0", Below},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(sittings(tc.readings, nil), nil, jan(12), jan(18), tc.rb)
			if s.Readings != 25 || !s.MinimumMet {
				t.Fatalf("%d readings, minimum %v", s.Readings, s.MinimumMet)
			}
			if s.MeanText() != tc.text || s.Verdict != tc.verdict {
				t.Errorf("mean %s %v, want %s %v", s.MeanText(), s.Verdict, tc.text, tc.verdict)
			}
			want := fmt.Sprintf("%s the home threshold %s (%s)", tc.verdict, tc.rb.HomeThreshold(), tc.rb.Name())
			if s.VerdictText() != want {
				t.Errorf("verdict %q, want %q", s.VerdictText(), want)
			}
		})
	}
}

func TestSummarizeMEDif(t *testing.T) {
	for _, tc := range []struct {
		name             string
		morning, evening [][2]float64
		text             string
		verdict          Verdict
	}{
		// (24·140 + 139) / 25 = 3499 / 25 = 139.96 and (24·120 + 121) / 25 =
		// 3001 / 25 = 120.04: ME-dif 19.92, below 20. (Rounded means,
		// 140.0 − 120.0, would have made it 20.0 and flagged it.)
		{"19.92", repeat(24, 140, 80, [2]float64{139, 80}), repeat(24, 120, 80, [2]float64{121, 80}), "+19.9", Below},
		{"20.00", repeat(25, 140, 80), repeat(25, 120, 80), "+20.0", AtOrAbove},
		// 139.96 − 120 = 19.96: two decimals, since 20.0 would read as the limit.
		{"19.96", repeat(24, 140, 80, [2]float64{139, 80}), repeat(25, 120, 80), "+19.96", Below},
		// (15·129 + 5·130) / 20 = 2585 / 20 = 129.25; − 120 = 9.25 → 9.3,
		// half away from zero.
		{"9.25", repeat(15, 129, 80, repeat(5, 130, 80)...), repeat(20, 120, 80), "+9.3", Below},
		{"−9.25", repeat(20, 120, 80), repeat(15, 129, 80, repeat(5, 130, 80)...), "−9.3", Below},
		// Evenings higher: not the J-HOP pattern.
		{"−25", repeat(15, 130, 80), repeat(15, 155, 80), "−25.0", Below},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(sittings(tc.morning, tc.evening), nil, jan(12), jan(18), AHA2025)
			if s.MEDifText() != tc.text || s.MEDifVerdict != tc.verdict {
				t.Errorf("ME-dif %s %v, want %s %v", s.MEDifText(), s.MEDifVerdict, tc.text, tc.verdict)
			}
		})
	}
	// Below the minimum the value is shown, the flag not given: one day
	// after day 1, morning 140 and evening 110: ME-dif 30.
	s := Summarize(sittings(repeat(2, 140, 80), repeat(2, 110, 70)), nil, jan(12), jan(18), AHA2025)
	if s.MEDifText() != "+30.0" || s.MEDifVerdict != NotAssessed || s.MEDifVerdictText() != NotAssessedMinimum {
		t.Errorf("below the minimum: %s %v %q", s.MEDifText(), s.MEDifVerdict, s.MEDifVerdictText())
	}
	s = Summarize(sittings(repeat(15, 150, 80), nil), nil, jan(12), jan(18), AHA2025)
	if s.MEDif.Valid() || s.MEDifVerdict != NotAssessed {
		t.Errorf("ME-dif without evening readings = %v", s.MEDifText())
	}
}

func TestSummarizeMorningHypertension(t *testing.T) {
	evenings := repeat(25, 110, 70)
	for _, tc := range []struct {
		name    string
		morning [][2]float64
		text    string
		verdict Verdict
	}{
		{"135/84", repeat(25, 135, 84), "135.0/84.0", AtOrAbove},
		{"134/85", repeat(25, 134, 85), "134.0/85.0", AtOrAbove},
		{"134/84", repeat(25, 134, 84), "134.0/84.0", Below},
		// (24·135 + 134) / 25 = 134.96; (24·85 + 84) / 25 = 84.96.
		{"134.96/84.96", repeat(24, 135, 85, [2]float64{134, 84}), "134.96/84.96", Below},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(sittings(tc.morning, evenings), nil, jan(12), jan(18), AHA2025)
			if s.MorningText() != tc.text || s.MorningVerdict != tc.verdict {
				t.Errorf("morning %s %v, want %s %v", s.MorningText(), s.MorningVerdict, tc.text, tc.verdict)
			}
		})
	}
	// Six morning readings on two days: no verdict (issue 11: "Morning
	// hypertension: yes" from 6 readings).
	s := Summarize(append(sittings(repeat(3, 150, 95), nil), bpAt(14, "07:00", 150, 95), bpAt(14, "07:01", 150, 95), bpAt(14, "07:02", 150, 95)),
		nil, jan(12), jan(18), AHA2025)
	if s.Morning.N != 6 || s.MorningVerdict != NotAssessed || !strings.Contains(s.MorningVerdictText(), "not assessed") {
		t.Errorf("6 morning readings: %d, %v %q", s.Morning.N, s.MorningVerdict, s.MorningVerdictText())
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
			t.Run(fmt.Sprintf("%s %s", rb, tc.name), func(t *testing.T) {
				hs, hd := at(ht, tc.homeAbove)
				os, od := at(ot, tc.officeAbove)
				s := Summarize(days(4, 4, hs, hd), []BloodPressure{office(bpAt(14, "10:30", os, od))}, jan(12), jan(18), rb)
				if s.OfficeHome != tc.want {
					t.Errorf("office %v/%v home %v/%v: %v, want %v", os, od, hs, hd, s.OfficeHome, tc.want)
				}
				st := s.OfficeHomeStatement()
				if !strings.HasPrefix(st, tc.name) || !strings.Contains(st, rb.Name()) ||
					!strings.Contains(st, "office threshold "+ot.String()) || !strings.Contains(st, "home threshold "+ht.String()) {
					t.Errorf("statement %q", st)
				}
			})
		}
	}
	// The exact home mean decides: AHA home 129.96/79.96 (see
	// TestSummarizeVerdictExact) with an office 125/75 is not masked.
	homeJustBelow := sittings(repeat(24, 130, 80, [2]float64{129, 79}), nil)
	s := Summarize(homeJustBelow, []BloodPressure{office(bpAt(14, "10:30", 125, 75))}, jan(12), jan(18), AHA2025)
	want := "Normal blood pressure in the office and at home: office mean 125.0/75.0 mmHg (1 reading) is below the office threshold 130/80 (AHA/ACC 2025); " +
		"home mean 129.96/79.96 mmHg (25 readings) is below the home threshold 130/80 (AHA/ACC 2025)."
	if s.OfficeHome != Normotension || s.OfficeHomeStatement() != want {
		t.Errorf("129.96/79.96: %v\n%q\nwant\n%q", s.OfficeHome, s.OfficeHomeStatement(), want)
	}
	// Below the minimum: not assessed, the office side still stated.
	s = Summarize(days(3, 4, 140, 90), []BloodPressure{office(bpAt(14, "10:30", 125, 75))}, jan(12), jan(18), AHA2025)
	want = "Masked or white-coat hypertension not assessed: the home readings fall short of the protocol minimum (3 days, 12 averaged readings); " +
		"office mean 125.0/75.0 mmHg (1 reading) is below the office threshold 130/80 (AHA/ACC 2025)."
	if s.OfficeHome != OfficeHomeNotAssessed || s.OfficeHomeStatement() != want {
		t.Errorf("below the minimum: %v\n%q\nwant\n%q", s.OfficeHome, s.OfficeHomeStatement(), want)
	}
	s = Summarize(days(4, 4, 140, 90), nil, jan(12), jan(18), AHA2025)
	if s.OfficeHome != OfficeHomeUnknown || s.OfficeHomeStatement() != "" {
		t.Errorf("without office readings: %v %q", s.OfficeHome, s.OfficeHomeStatement())
	}
	s = Summarize(nil, []BloodPressure{office(bpAt(14, "10:30", 150, 95))}, jan(12), jan(18), AHA2025)
	if s.OfficeHome != OfficeHomeUnknown || s.OfficeVerdict != AtOrAbove {
		t.Errorf("without home readings: %v, office %v", s.OfficeHome, s.OfficeVerdict)
	}
	// Office readings outside the period are left out.
	s = Summarize(days(4, 4, 140, 90), []BloodPressure{office(bpAt(25, "10:30", 150, 95))}, jan(12), jan(18), AHA2025)
	if s.OfficeHome != OfficeHomeUnknown {
		t.Errorf("an office reading after the period counted: %v", s.OfficeHome)
	}
}

// TestSummarizeFlags: possible-AFib readings whose values were zeroed, an
// irregular-heartbeat reading, and a reading blanked without a flag, on
// day 1 and later.
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
		bpAt(14, "20:05", 0, 0),            // blanked, no flag: cause not given
		ihb(afib(bpAt(19, "07:00", 0, 0))), // week 2; with the next, 2 flags in 3 readings
		bpAt(19, "07:01", 120, 72),
		ihb(bpAt(19, "20:00", 140, 88)),
	}
	s := Summarize(home, nil, jan(12), jan(19), AHA2025)
	if s.PossibleAFib.N != 2 || len(s.PossibleAFib.Dates) != 2 || s.PossibleAFib.Dates[0] != jan(12) || s.PossibleAFib.Dates[1] != jan(19) {
		t.Errorf("possible AFib %+v", s.PossibleAFib)
	}
	if s.Irregular.N != 3 || len(s.Irregular.Dates) != 2 || s.Irregular.Dates[0] != jan(13) {
		t.Errorf("irregular %+v", s.Irregular)
	}
	if s.Flagged != 4 || s.Blanked != 3 || s.BlankedNoCause.N != 1 || s.BlankedNoCause.Dates[0] != jan(14) {
		t.Errorf("flagged %d, blanked %d, without a cause %+v; want 4, 3, 1 on Jan 14", s.Flagged, s.Blanked, s.BlankedNoCause)
	}
	// Week 1 (12–18 Jan): 2 + 2 + 3 = 7 readings, 2 flagged, 1 blanked
	// without a cause; week 2 (19 Jan): 3 readings, 2 flagged.
	want := []WeekFlags{{jan(12), jan(18), 7, 2, 1}, {jan(19), jan(19), 3, 2, 0}}
	if len(s.Weeks) != 2 || s.Weeks[0] != want[0] || s.Weeks[1] != want[1] {
		t.Errorf("weeks %+v, want %+v", s.Weeks, want)
	}
	// The first run with two flags in three readings starts on Jan 19 at 07:00.
	if !s.RepeatedFlags || s.RepeatedFlagsAt.Format("2006-01-02 15:04") != "2025-01-19 07:00" {
		t.Errorf("repeated flags %v at %v", s.RepeatedFlags, s.RepeatedFlagsAt)
	}
	// Zeros never reach a mean: days 13, 14 and 19 leave
	// (128+126+124+122+120+140) / 6 = 760 / 6 = 126.66… → 126.7.
	if s.Mean.Systolic.String() != "126.7" || s.Readings != 6 || s.Lowest.Systolic.Or(0) != 120 {
		t.Errorf("mean %s of %d, lowest %v", s.Mean, s.Readings, s.Lowest.Systolic)
	}
	for _, e := range s.Entries {
		if e.Blanked() && (e.Systolic.Valid() || e.Pulse.Valid() || e.Averaged) {
			t.Errorf("a blanked reading kept values: %+v", e)
		}
	}
	if got := BlankedText(s.Entries[0].BloodPressure); got != "blanked: possible AFib" {
		t.Errorf("day 1's blanked reading: %q", got)
	}
	if got := BlankedText(s.Entries[6].BloodPressure); got != BlankedNoCause {
		t.Errorf("the unflagged blanked reading: %q", got)
	}
	// Flags one apart from each other by two readings are not repeated.
	s = Summarize([]BloodPressure{ihb(bpAt(12, "07:00", 120, 70)), bpAt(12, "20:00", 120, 70), bpAt(13, "07:00", 120, 70), ihb(bpAt(13, "20:00", 120, 70))}, nil, jan(12), jan(13), AHA2025)
	if s.RepeatedFlags {
		t.Error("flags 3 readings apart count as repeated")
	}
}

func TestSummarizeSevere(t *testing.T) {
	home := []BloodPressure{
		bpAt(12, "07:00", 182, 100), // day 1: not averaged, still a warning
		bpAt(13, "07:00", 180, 120), // at 180/120 exactly: not above
		bpAt(14, "07:00", 150, 90),
	}
	s := Summarize(home, []BloodPressure{office(bpAt(13, "11:00", 170, 121))}, jan(12), jan(18), AHA2025)
	if len(s.Severe) != 2 || s.Severe[0].Systolic.Or(0) != 182 || s.Severe[1].Diastolic.Or(0) != 121 {
		t.Errorf("severe %+v", s.Severe)
	}
}

// TestSummarizePeriodWallClock: the period is in the readings' own wall
// clock, not UTC: a reading at 23:30 Eastern on Jan 18 is 04:30 UTC on the
// 19th and belongs to the 18th.
func TestSummarizePeriodWallClock(t *testing.T) {
	rs := []BloodPressure{bpAt(18, "23:30", 120, 80), bpAt(19, "00:30", 130, 85)}
	s := Summarize(rs, nil, jan(18), jan(18), AHA2025)
	if len(s.Entries) != 1 || s.Entries[0].Date != jan(18) {
		t.Errorf("period Jan 18: %+v", s.Entries)
	}
	// Zero dates take the readings' span; day 1 is Jan 18.
	s = Summarize(rs, nil, Date{}, Date{}, AHA2025)
	if s.From != jan(18) || s.To != jan(19) || s.FirstDay != jan(18) || s.Readings != 1 || s.Mean.String() != "130.0/85.0" {
		t.Errorf("open period: %v–%v, day 1 %v, %d readings, mean %s", s.From, s.To, s.FirstDay, s.Readings, s.Mean)
	}
}

// TestSummarizeZoneChange: a reading keeps its own wall clock. Flying
// from Eastern (−05:00) to Central Europe (+01:00) mid-week, the 07:00
// readings at +01:00 are morning readings of their own dates.
func TestSummarizeZoneChange(t *testing.T) {
	paris := func(r BloodPressure) BloodPressure {
		local := r.Local()
		wall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), 0, 0, FixedZone(3600))
		r.Time, r.Offset = wall.UTC(), 3600
		return r
	}
	home := []BloodPressure{
		day1(),
		bpAt(13, "07:00", 140, 90), bpAt(13, "20:00", 120, 80),
		// 07:00 at +01:00 on the 14th is 01:00 at −05:00 the same day:
		// morning by its own clock.
		paris(bpAt(14, "07:00", 150, 94)), paris(bpAt(14, "20:00", 124, 82)),
	}
	s := Summarize(home, nil, jan(12), jan(18), AHA2025)
	// Morning (140 + 150) / 2 = 145; evening (120 + 124) / 2 = 122.
	if s.Morning.String() != "145.0/92.0" || s.Evening.String() != "122.0/81.0" || s.Days != 2 {
		t.Errorf("morning %s, evening %s, %d days", s.Morning, s.Evening, s.Days)
	}
}

// TestSummarizeLongSpan: a period of three centuries is counted in days,
// not in a time.Duration (which overflows after 292 years), so each
// reading falls in its own week. From 1 Jan 1700 to 1 Jan 2000: 300·365
// days plus the 72 leap days of 1700–1999 (75 years divisible by 4, less
// 1700, 1800 and 1900) = 109 572 days; 109 572 = 7·15 653 + 1, so week
// 15 653 runs from 31 Dec 1999 to 6 Jan 2000.
func TestSummarizeLongSpan(t *testing.T) {
	y2k := func(day int, hhmm string) BloodPressure {
		r := bpAt(day, hhmm, 120, 80)
		r.Time = r.Time.AddDate(2000-2025, 0, 0)
		return r
	}
	if got := (Date{2000, time.January, 1}).Sub(Date{1700, time.January, 1}); got != 109572 {
		t.Fatalf("days from 1700-01-01 to 2000-01-01: %d, want 109572", got)
	}
	ihb := y2k(8, "07:00")
	ihb.IrregularHeartbeat = true
	home := []BloodPressure{y2k(1, "07:00"), y2k(6, "07:00"), y2k(7, "07:00"), ihb, y2k(14, "20:00")}
	s := Summarize(home, nil, Date{1700, time.January, 1}, Date{2000, time.January, 14}, AHA2025)
	// 109 572 + 14 days = 109 586 = 7·15 655 + 1: 15 656 weeks.
	if len(s.Weeks) != 15656 {
		t.Fatalf("%d weeks, want 15656", len(s.Weeks))
	}
	var got []WeekFlags
	for _, w := range s.Weeks {
		if w.Readings > 0 {
			got = append(got, w)
		}
	}
	d := func(y int, m time.Month, day int) Date { return Date{y, m, day} }
	want := []WeekFlags{
		{d(1999, 12, 31), d(2000, 1, 6), 2, 0, 0},
		{d(2000, 1, 7), d(2000, 1, 13), 2, 1, 0},
		{d(2000, 1, 14), d(2000, 1, 14), 1, 0, 0},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("weeks with readings %v, want %v", got, want)
	}
}

func TestSplitBySetting(t *testing.T) {
	home, off := SplitBySetting([]BloodPressure{bpAt(12, "07:00", 120, 80), office(bpAt(12, "10:00", 140, 90)), {}})
	if len(home) != 2 || len(off) != 1 {
		t.Errorf("%d home, %d office", len(home), len(off))
	}
}
