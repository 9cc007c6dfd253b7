package tui

import (
	"strings"
	"testing"

	"vitals/health"
)

// The fixture's numbers worked by hand (see fixture_test.go). The period
// of 30 days is 14 Feb – 15 Mar 2026.
//
// Blood pressure: each routine day holds 136/86, 132/84 (07:30, 07:32),
// 124/78, 120/76 (20:15, 20:17), each shifted by the day's delta, which
// runs −3 … +3 over every seven days, so a day means 128/81 plus its
// delta. The 30 days are four whole weeks (deltas sum to 0) plus 14 and
// 15 Feb (+2, +3); the gap days 20 Feb (+1), 3 Mar (−2) and 4 Mar (−1)
// have no readings: 27 routine days whose deltas sum to +7 a slot, ×4
// slots = +28 over 108 readings. Deltas −3 … +3 occur 4, 3, 3, 4, 3, 5, 5
// times.
//
//	all 111   systolic  108·128 + 28 = 13 852, + 142 + 128 + 186 = 14 308
//	          diastolic 108·81  + 28 =  8 776, +  92 +  80 + 122 =  9 070
//
// The one home mean (the protocol's) leaves out day 1, 14 Feb (delta +2:
// 4 readings, 512 + 8 = 520 systolic, 324 + 8 = 332 diastolic):
//
//	systolic  (14 308 − 520) / 107 = 13 788 / 107 = 128.86 → 128.9
//	diastolic ( 9 070 − 332) / 107 =  8 738 / 107 =  81.66 →  81.7
//	at or above 130/80 (AHA/ACC 2025): 81.66 ≥ 80; below 135/85 (ESH 2023).
//	morning: 27·268 + 2·7 + 142 = 7 392 over 55, less 14 Feb's 272:
//	         7 120 / 53 = 134.34 → 134.3; diastolic 27·170 + 14 + 92 =
//	         4 696, less 174: 4 522 / 53 = 85.32 → 85.3 (morning
//	         hypertension: 85.32 ≥ 85)
//	evening: 27·244 + 14 + 128 + 186 = 6 916 over 56, less 248:
//	         6 668 / 54 = 123.48 → 123.5; diastolic 27·154 + 14 + 80 + 122
//	         = 4 374, less 158: 4 216 / 54 = 78.07 → 78.1
//	ME-dif (exact means): 7 120/53 − 6 668/54 = 134.3396 − 123.4815 =
//	         10.858 → +10.9 (the rounded means would give 10.8)
//
// Home-scale categories (AHA/ACC 2025 home: Stage 1 130–134 or 80–84,
// Stage 2 ≥ 135 or ≥ 85) of the 111 charted readings:
//
//	07:30 136/86: deltas −3, −2 (133/83, 134/84) Stage 1: 7; the rest Stage 2: 20
//	07:32 132/84: −3 … 0 Stage 1: 14; +1 … +3 (dia ≥ 85) Stage 2: 13
//	20:15 124/78: −3 … +1 Elevated: 17; +2, +3 (dia ≥ 80) Stage 1: 10
//	20:17 120/76: −3 … −1 Normal: 10; 0 … +3 Elevated: 17
//	specials: 142/92 Stage 2, 128/80 Stage 1, 186/122 Severe
//	Normal 10, Elevated 34, Stage 1 32, Stage 2 34, Severe 1 of 111:
//	9 %, 31 %, 29 %, 31 %, 1 %.
//
// The last 7 days (9–15 Mar) hold 28 routine readings, whose deltas cancel
// (exactly 128/81), plus the three specials: 28·128 + 456 = 4 040 and
// 28·81 + 294 = 2 562 over 31. Day 1 is 9 Mar (delta −3: 500/312):
// (4 040 − 500) / 27 = 131.11 → 131.1 and (2 562 − 312) / 27 = 83.33 →
// 83.3, on 6 days.
//
// Steps: day k of the fixture (k = 0 on 16 Nov 2025) counts
// 4 000 + (1 237·k mod 8 000). 15 Mar is k = 119: 4 000 + (147 203 mod
// 8 000) = 7 203. The last seven days: 7 203 + 5 966 + 4 729 + 11 492 +
// 10 255 + 9 018 + 7 781 = 56 444 / 7 = 8 063.4. Over 30 days: mean 7 933,
// 14 days at or above 8 000, best 11 989 on Sat 21 Feb, bands 4 sedentary,
// 10 low active, 8 somewhat active, 8 active; 0.75 m a step: 178.5 km.
//
// Weight: 84.0 − 0.02·k kg until 4 Mar. 14 Feb is k = 90: 82.2 kg; 4 Mar
// is k = 108: 81.84 kg; change −0.36 → −0.4 kg; BMI 81.84 / 1.75² = 26.72
// → 26.7 (Overweight, WHO).
func TestScreenFacts(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	tests := []struct {
		tab  Tab
		want []string
	}{
		{TabOverview, []string{
			"123/79 mmHg · pulse 64", "△ Elevated (home, AHA/ACC 2025)",
			"128.9/81.7 mmHg (107 readings, 26 days; day 1 left out)", "▲ at or above the home threshold 130/80 (AHA/ACC 2025)",
			"morning 134.3/85.3 · evening 123.5/78.1",
			"Possible AFib on 2 readings (12 Mar), irregular heartbeat on 1 (10 Mar)",
			"A monitor's possible-AFib or irregular-heartbeat flag is a screening result, not a diagnosis: confirm it with an ECG.",
			"186/122 mmHg on Sat 14 Mar 21:05",
			"81.8 kg · BMI 26.7 △ Overweight (WHO)", "−0.4 kg over 30 days (82.2 → 81.8)",
			"today so far 7,203 of 8,000", "7-day average 8,063",
			"✗ 1upHealth", "needs relinking",
		}},
		{TabBP, []string{
			"Home mean 128.9/81.7 mmHg (107 readings; day 1 left out)", "▲ at or above the home threshold 130/80 (AHA/ACC 2025)",
			"morning 134.3/85.3 (53)", "evening 123.5/78.1 (54)", "ME-dif +10.9",
			"home, AHA/ACC 2025: ✓ Normal 9%", "△ Elevated 31%", "▲ Stage 1 29%", "▲▲ Stage 2 31%", "!! Severe 1%",
			"office mean 142.0/91.0 (1)", health.FlagCaveat,
		}},
		{TabWeight, []string{"change over 30 days −0.4 kg (82.2 → 81.8)", "BMI 26.7 △ Overweight (WHO)"}},
		{TabActivity, []string{
			"14 of 30 days at or above the goal of 8,000", "mean 7,933 steps a day △ Somewhat active",
			"best 11,989 (Sat 21 Feb)", "distance 178.5 km",
			"Sedentary 4, Low active 10, Somewhat active 8, Active 8", "Hourly steps on Sun 15 Mar: 7,203 steps",
		}},
		// SpO2 reading i is taken on 24 Feb + i days: i = 19 is 15 Mar
		// (February 2026 has 28 days), 93 % (i mod 5 = 4), pulse 70.
		{TabVitals, []string{"latest 37.2 on Thu 12 Mar 08:00 · highest 37.9", "SpO2 (%): latest 93 (pulse 70) on Sun 15 Mar 08:05 · lowest 93"}},
		{TabAlerts, []string{
			"✗ 1upHealth needs relinking", "!! Above 180/120 · Sat 14 Mar 21:05 · 186/122 mmHg",
			"⚠ Repeated rhythm flags from Thu 12 Mar 07:40",
			"⚠ Possible AFib · Thu 12 Mar 07:40 · —/— mmHg (blanked), pulse 96",
			"A monitor's AFib flag is a screening result, not a diagnosis: confirm it with an ECG.",
			"Rhythm flags a week (flagged/readings): week of 07 Mar 3/31",
		}},
		{TabReview, []string{
			"107 readings on 26 days", "day 1 (14 Feb, 4 readings) not averaged",
			"Mean 128.9/81.7 mmHg  ▲ at or above the home threshold 130/80 (AHA/ACC 2025)",
			"Morning 134.3/85.3 (53)  ▲ morning hypertension: the morning mean is at or above 135/85",
			"Evening 123.5/78.1 (54)", "ME-dif +10.9 mmHg  ✓ below 20 mmHg",
			"Sustained hypertension", health.FlagCaveat,
		}},
	}
	for _, tc := range tests {
		m.tab = tc.tab
		got := screen(m)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: want %q on screen:\n%s", tc.tab, w, got)
			}
		}
	}

	// Scrolled down, the alerts list the rest.
	m.tab = TabAlerts
	press(t, m, "down", "down", "down", "down", "down")
	for _, w := range []string{"○ Omron scale has gone quiet: newest reading 11 days ago", "• Atrial fibrillation recorded by Riverside Clinic (active)"} {
		if got := screen(m); !strings.Contains(got, w) {
			t.Errorf("alerts scrolled: want %q:\n%s", w, got)
		}
	}
}

// TestSevenDays checks the 7-day means and that changing the period
// changes every number.
func TestSevenDays(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	press(t, m, "-") // 30 days → 7 days
	got := screen(m)
	for _, w := range []string{"7 days: 09 Mar – 15 Mar 2026", "131.1/83.3 mmHg (27 readings, 6 days; day 1 left out)"} {
		if !strings.Contains(got, w) {
			t.Errorf("want %q:\n%s", w, got)
		}
	}
	// The week before has the routine only, on five days (3 and 4 Mar
	// are gaps): 2 Mar (delta −3) is day 1; 5–8 Mar have deltas 0, +1,
	// +2, +3, which sum to +6 a slot, so systolic (16·128 + 4·6) / 16 =
	// 2 072 / 16 = 129.5 and diastolic (16·81 + 24) / 16 = 1 320 / 16 =
	// 82.5: below 130 but at or above 80.
	press(t, m, "left")
	got = screen(m)
	for _, w := range []string{"7 days: 02 Mar – 08 Mar 2026", "129.5/82.5 mmHg (16 readings, 4 days; day 1 left out)", "▲ at or above the home threshold 130/80", "−0.1 kg over 7 days (81.9 → 81.8)"} {
		if !strings.Contains(got, w) {
			t.Errorf("week before: want %q:\n%s", w, got)
		}
	}
}

// TestUnits draws weight, distance and temperature in pounds, miles and
// degrees Fahrenheit.
func TestUnits(t *testing.T) {
	fx := newFixture(t)
	fx.options.Units = health.Units{Weight: health.Pounds, Temperature: health.Fahrenheit, Distance: health.Miles}
	m := loaded(t, fx, 120, 36)
	for tab, want := range map[Tab][]string{
		// 81.84 kg / 0.45359237 = 180.43 lb; 82.2 kg = 181.22 lb.
		TabOverview: {"180.4 lb", "−0.8 lb over 30 days (181.2 → 180.4)"},
		TabWeight:   {"Weight (lb)", "latest 180.4 lb"},
		// 178 496 m / 1 609.344 = 110.9 mi.
		TabActivity: {"distance 110.9 mi"},
		// 37.2 °C = 98.96 °F, 37.9 °C = 100.22 °F.
		TabVitals: {"Temperature (°F): latest 99.0", "highest 100.2"},
	} {
		m.tab = tab
		got := screen(m)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: want %q:\n%s", tab, w, got)
			}
		}
	}
}

// TestESHRulebook names the ESH guideline and thresholds wherever the
// rulebook speaks.
func TestESHRulebook(t *testing.T) {
	fx := newFixture(t)
	fx.options.Rulebook = health.ESH2023
	m := loaded(t, fx, 120, 36)
	got := screen(m)
	// 128.9/81.7 is below 135/85: the ESH home threshold.
	for _, w := range []string{"rulebook ESH 2023", "✓ below the home threshold 135/85 (ESH 2023)", "(ESH 2023)"} {
		if !strings.Contains(got, w) {
			t.Errorf("want %q:\n%s", w, got)
		}
	}
	m.tab = TabBP
	if got := screen(m); !strings.Contains(got, "ESH 2023: ") {
		t.Errorf("the category shares must name ESH 2023:\n%s", got)
	}
}

// TestFlaggedReadingsAlwaysMarked: the table marks every flagged reading,
// shows a blanked reading's pressures as dashes, and never shows 0.
func TestFlaggedReadingsAlwaysMarked(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 60)
	m.tab = TabBP
	press(t, m, "-") // 7 days: every reading of the week fits
	got := screen(m)
	var blank, afib, irregular bool
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "Thu 12 Mar 07:40") {
			blank = strings.Contains(l, "—/—") && strings.Contains(l, "⚠ AFib") && strings.Contains(l, "blanked: possible AFib")
		}
		if strings.Contains(l, "Thu 12 Mar 07:44") {
			afib = strings.Contains(l, "142/92") && strings.Contains(l, "⚠ AFib, irregular")
		}
		if strings.Contains(l, "Tue 10 Mar 20:30") {
			irregular = strings.Contains(l, "⚠ irregular")
		}
		if strings.Contains(l, " 0/0") || strings.Contains(l, "0/—") {
			t.Errorf("a zero shown as a reading: %q", l)
		}
	}
	if !blank || !afib || !irregular {
		t.Errorf("flagged rows not marked (blank %v, afib %v, irregular %v):\n%s", blank, afib, irregular, got)
	}
}

// TestBlankedWithoutCause: a reading whose values are all missing and
// that carries no flag (the US Omron CSV layout has no flag column) is
// kept and said to be blanked, cause not given, on every screen that
// lists readings; it is counted, never averaged.
func TestBlankedWithoutCause(t *testing.T) {
	fx := newFixture(t)
	blank := bp("blank-1", at(2026, 3, 13, 20, 40), 0, 0, 0)
	if _, err := fx.db.Upsert(t.Context(), fx.me.ID, fx.omron.ID, health.Batch{BloodPressure: []health.BloodPressure{blank}}); err != nil {
		t.Fatal(err)
	}
	m := loaded(t, fx, 120, 60)
	press(t, m, "-") // 7 days: 9–15 Mar
	for tab, want := range map[Tab][]string{
		// The mean is unchanged: 131.1/83.3 of 27 readings (TestSevenDays).
		TabOverview: {"131.1/83.3 mmHg (27 readings, 6 days; day 1 left out)", "○ 1 reading blanked, cause not given (13 Mar)"},
		TabBP:       {"Fri 13 Mar 20:40     —/—     — blanked, cause not given", "○ 1 blanked, cause not given"},
		// The week: 28 routine readings, the 4 specials (a blanked
		// possible-AFib one among them) and this one: 33, 3 flagged.
		TabAlerts: {"○ Blanked reading, cause not given · Fri 13 Mar 20:40 · no values · HEM-7600T",
			"week of 09 Mar 3/33 (1 blanked, cause not given)"},
		TabReview: {"2 readings blanked (1 cause not given)", "Fri 13 Mar 20:40      —/— mmHg  pulse   —  ○ blanked, cause not given",
			health.BlankedNote[:60]},
	} {
		m.tab = tab
		got := screen(m)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: want %q:\n%s", tab, w, got)
			}
		}
	}
}
