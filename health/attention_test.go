package health

import (
	"slices"
	"testing"
	"time"
)

func TestBandOf(t *testing.T) {
	for _, tc := range []struct {
		days int
		want MonitoringBand
	}{
		{0, BandUnder2}, {1, BandUnder2}, {2, Band2to15}, {15, Band2to15}, {16, Band16to30}, {30, Band16to30},
	} {
		if got := BandOf(tc.days); got != tc.want {
			t.Errorf("BandOf(%d) = %s, want %s", tc.days, got, tc.want)
		}
	}
}

// week is a protocol week of home readings at sys/dia: day 1 holds one
// reading (discarded), then 4 readings a day for days 2–4 (12 averaged:
// the minimum), morning 07:00 and evening 19:00.
func week(t *testing.T, from Date, sys, dia float64, days int) Summary {
	t.Helper()
	var rs []BloodPressure
	add := func(d Date, h, m int, s, di float64) {
		at := d.In(time.UTC).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		rs = append(rs, BloodPressure{Meta: Meta{ProviderID: at.String(), Time: at, Setting: SettingHome}, Systolic: Of(s), Diastolic: Of(di)})
	}
	add(from, 7, 0, 200, 100)
	for i := 1; i < days; i++ {
		d := from.AddDays(i)
		add(d, 7, 0, sys, dia)
		add(d, 7, 1, sys, dia)
		add(d, 19, 0, sys, dia)
		add(d, 19, 1, sys, dia)
	}
	return Summarize(rs, nil, from, from.AddDays(6), AHA2025)
}

func TestNeedsAttention(t *testing.T) {
	d := DateOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	prev := d.AddDays(-7)
	above := week(t, d, 132, 78, 4)  // 12 readings at 132/78: at or above 130/80
	higher := week(t, d, 131, 79, 4) // 131/79
	below := week(t, d, 128, 79, 4)  // below 130/80
	short := week(t, d, 140, 90, 3)  // 8 readings: not assessed
	before := week(t, prev, 131, 79, 4)
	same := week(t, prev, 132, 78, 4) // not rising
	for _, tc := range []struct {
		name string
		f    AttentionFacts
		want []Attention
	}{
		{"all well", AttentionFacts{Week: below, Previous: before, DaysSinceReading: 0, QuietDays: 7}, nil},
		{"severe not acknowledged", AttentionFacts{UnacknowledgedSevere: 1, Week: below, DaysSinceReading: 0, QuietDays: 7}, []Attention{AttentionSevere}},
		{"a new flag", AttentionFacts{NewFlags: 1, Week: below, DaysSinceReading: 0, QuietDays: 7}, []Attention{AttentionFlag}},
		{"above and rising", AttentionFacts{Week: above, Previous: before, DaysSinceReading: 0, QuietDays: 7}, []Attention{AttentionRising}},
		{"above but not rising", AttentionFacts{Week: above, Previous: same, DaysSinceReading: 0, QuietDays: 7}, nil},
		{"rising in diastolic only", AttentionFacts{Week: higher, Previous: week(t, prev, 131, 78, 4), DaysSinceReading: 0, QuietDays: 7}, []Attention{AttentionRising}},
		{"above, nothing assessed before", AttentionFacts{Week: above, Previous: Summary{}, DaysSinceReading: 0, QuietDays: 7}, []Attention{AttentionRising}},
		{"above the threshold below the minimum", AttentionFacts{Week: short, DaysSinceReading: 0, QuietDays: 7}, nil},
		{"quiet 6 days of 7", AttentionFacts{Week: below, DaysSinceReading: 6, QuietDays: 7}, nil},
		{"quiet 7 days of 7", AttentionFacts{Week: below, DaysSinceReading: 7, QuietDays: 7}, []Attention{AttentionQuiet}},
		{"no readings ever", AttentionFacts{DaysSinceReading: -1, QuietDays: 7}, []Attention{AttentionQuiet}},
		{"relink", AttentionFacts{Week: below, NeedsRelink: 1, DaysSinceReading: 1, QuietDays: 7}, []Attention{AttentionRelink}},
		{"everything", AttentionFacts{UnacknowledgedSevere: 2, NewFlags: 1, Week: above, Previous: before, DaysSinceReading: 9, QuietDays: 7, NeedsRelink: 1},
			[]Attention{AttentionSevere, AttentionFlag, AttentionRising, AttentionQuiet, AttentionRelink}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsAttention(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("NeedsAttention = %v, want %v", got, tc.want)
			}
		})
	}
	// The weeks above are what their names say: 12 averaged readings is
	// the minimum, 8 is not; 132/78 is at or above 130/80 (systolic),
	// 128/79 below.
	if above.Verdict != AtOrAbove || below.Verdict != Below || short.Verdict != NotAssessed || !above.MinimumMet {
		t.Fatalf("weeks: above %v, below %v, short %v", above.Verdict, below.Verdict, short.Verdict)
	}
}
