package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York, whatever the machine has

	"vitals/health"
)

// Sixteen monitoring weeks, each worked by hand from the rules of
// clinical-rules.md (not from the code), rendered as Markdown and HTML.
// Every summary line, the flags-per-week table, the office and home
// statement, the warnings and the readings tables are asserted whole, in
// both formats.
//
// Every reading has a pulse of 70 unless said otherwise, so each mean
// pulse is 70.0.

// zones the weeks are taken in.
var (
	est   = health.FixedZone(-5 * 3600)
	paris = health.FixedZone(3600)
)

func newYork(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// rd is a home reading at a wall-clock time ("2025-01-13 07:00", seconds
// optional) in loc, with the offset loc had then.
func rd(t testing.TB, wall string, loc *time.Location, sys, dia float64) health.BloodPressure {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(wall) > len(layout) {
		layout += ":05"
	}
	local, err := time.ParseInLocation(layout, wall, loc)
	if err != nil {
		t.Fatal(err)
	}
	return health.BloodPressure{
		Meta: health.Meta{ProviderID: local.Format(time.RFC3339), Time: local.UTC(), Offset: health.OffsetOf(local),
			Device: "HEM-7600T", Origin: "Omron Wellness", Setting: health.SettingHome},
		Systolic: health.Of(sys), Diastolic: health.Of(dia), Pulse: health.Of(70),
	}
}

func afibFlag(r health.BloodPressure) health.BloodPressure  { r.PossibleAFib = true; return r }
func irregular(r health.BloodPressure) health.BloodPressure { r.IrregularHeartbeat = true; return r }
func inOffice(r health.BloodPressure) health.BloodPressure {
	r.Setting, r.Device, r.Origin = health.SettingOffice, "", "Riverside Clinic"
	return r
}

// line is a row of the summary: its label, value, and whether it is
// marked (bold in Markdown, class="alert" in HTML).
type line struct {
	label, value string
	alert        bool
}

// handWeek is a week and what its report must say.
type handWeek struct {
	name         string
	rb           health.Rulebook
	from, to     health.Date
	home, office []health.BloodPressure
	warnings     []string
	summary      []line
	weeks        []string // Markdown rows of the flags-per-week table
	officeHome   string
	times        string   // the note on times
	officeRows   []string // Markdown rows, every office reading
	homeRows     []string // Markdown rows, every home reading
}

func d(m time.Month, day int) health.Date { return health.Date{Year: 2025, Month: m, Day: day} }

// common lines.
const (
	noOffice   = "No office readings in this period: masked and white-coat hypertension cannot be assessed."
	oneOffset  = "Times are the wall clock where each reading was taken (UTC−05:00)."
	withOffset = "Times are the wall clock where each reading was taken, with its UTC offset."
	notMet     = "not assessed: the protocol minimum (3 days, 12 averaged readings) is not met"
	mhYes      = "morning hypertension: the morning mean is at or above 135/85"
	mhNo       = "no morning hypertension: the morning mean is below 135/85"
	below20    = "below 20 mmHg"
	pulse70    = "70.0 bpm"
)

func ahaBelow() string { return "below the home threshold 130/80 (AHA/ACC 2025)" }
func ahaAbove() string { return "at or above the home threshold 130/80 (AHA/ACC 2025)" }
func eshBelow() string { return "below the home threshold 135/85 (ESH 2023)" }
func eshAbove() string { return "at or above the home threshold 135/85 (ESH 2023)" }
func met(days, n int) string {
	return fmt.Sprintf("met: %d days and %d readings averaged (needs 3 days and 12 readings)", days, n)
}

func handWeeks(t testing.TB) []handWeek {
	ny := newYork(t)
	r := func(wall string, sys, dia float64) health.BloodPressure { return rd(t, wall, est, sys, dia) }
	var out []handWeek

	// 1. The window boundaries, AHA/ACC 2025: a reading at each edge of
	// the morning (04:00–11:59) and evening (18:00–23:59) windows, each in
	// a sitting of its own (the next reading is hours away). Day 1, 12
	// Jan: 120/80, 122/80. Averaged, 13–17 Jan, 15 readings on 5 days:
	//   systolic  13th 140+110+126 = 376, 14th 100+132+122 = 354, 15th 136+134+112 = 382,
	//             16th 130+128+118 = 376, 17th 138+124+120 = 382: 1870/15 = 124.67 → 124.7
	//   diastolic 90+70+78 = 238, 64+86+76 = 226, 86+84+72 = 242, 84+80+74 = 238,
	//             88+78+76 = 242: 1186/15 = 79.07 → 79.1: below 130/80.
	//   morning   04:00 and 11:59: 140+132+136+134+130+138 = 810/6 = 135.0;
	//             90+86+86+84+84+88 = 518/6 = 86.33 → 86.3: at or above 135/85.
	//   evening   18:00 and 23:59: 126+122+128+118+120 = 614/5 = 122.8;
	//             78+76+80+74+76 = 384/5 = 76.8.
	//   neither   03:59, 12:00 (twice), 17:59. ME-dif 135 − 122.8 = 12.2.
	// Home scale (AHA/ACC): Stage 1 130–134 or 80–84; Stage 2 ≥ 135 or ≥ 85.
	out = append(out, handWeek{
		name: "window boundaries", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 120, 80), r("2025-01-12 07:01", 122, 80),
			r("2025-01-13 04:00", 140, 90), r("2025-01-13 12:00", 110, 70), r("2025-01-13 18:00", 126, 78),
			r("2025-01-14 03:59", 100, 64), r("2025-01-14 11:59", 132, 86), r("2025-01-14 23:59", 122, 76),
			r("2025-01-15 04:00", 136, 86), r("2025-01-15 11:59", 134, 84), r("2025-01-15 17:59", 112, 72),
			r("2025-01-16 11:59", 130, 84), r("2025-01-16 18:00", 128, 80), r("2025-01-16 23:59", 118, 74),
			r("2025-01-17 04:00", 138, 88), r("2025-01-17 12:00", 124, 78), r("2025-01-17 18:00", 120, 76),
		},
		summary: []line{
			{"Home mean", "124.7/79.1 mmHg (15 readings over 5 days, 15 sittings)", false},
			{"Against the home threshold", ahaBelow(), false},
			{"Protocol minimum", met(5, 15), false},
			{"Day 1", "2025-01-12 (2 readings) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "135.0/86.3 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "122.8/76.8 mmHg (5 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+12.2 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/90 mmHg on 2025-01-13 04:00", false},
			{"Lowest", "100/64 mmHg on 2025-01-14 03:59", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 17 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 120/80 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-01-12 | 07:01 | 122/80 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-01-13 | 04:00 | 140/90 | 70 | morning | Stage 2 |  |",
			"| 2025-01-13 | 12:00 | 110/70 | 70 |  | Normal |  |",
			"| 2025-01-13 | 18:00 | 126/78 | 70 | evening | Elevated |  |",
			"| 2025-01-14 | 03:59 | 100/64 | 70 |  | Normal |  |",
			"| 2025-01-14 | 11:59 | 132/86 | 70 | morning | Stage 2 |  |",
			"| 2025-01-14 | 23:59 | 122/76 | 70 | evening | Elevated |  |",
			"| 2025-01-15 | 04:00 | 136/86 | 70 | morning | Stage 2 |  |",
			"| 2025-01-15 | 11:59 | 134/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-15 | 17:59 | 112/72 | 70 |  | Normal |  |",
			"| 2025-01-16 | 11:59 | 130/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-16 | 18:00 | 128/80 | 70 | evening | Stage 1 |  |",
			"| 2025-01-16 | 23:59 | 118/74 | 70 | evening | Normal |  |",
			"| 2025-01-17 | 04:00 | 138/88 | 70 | morning | Stage 2 |  |",
			"| 2025-01-17 | 12:00 | 124/78 | 70 |  | Elevated |  |",
			"| 2025-01-17 | 18:00 | 120/76 | 70 | evening | Elevated |  |",
		},
	})

	// 2. Sittings, ESH 2023: a sitting is the readings within 10 minutes of
	// its first, and takes its first reading's slot. 11:58 + 12:00 is a
	// morning sitting; 11:55 + 12:05:00 (exactly 10 minutes) too; 11:55 +
	// 12:05:01 is two sittings, the second in no slot. Day 1: 130/80.
	//   systolic  13th 140+138+126+124 = 528, 14th 136+134+128+122 = 520,
	//             15th 138+132+124+120 = 514: 1562/12 = 130.17 → 130.2
	//   diastolic 88+86+80+78 = 332, 86+84+80+76 = 326, 88+82+78+76 = 324:
	//             982/12 = 81.83 → 81.8: below 135/85.
	//   morning   140+138+136+134+138 = 686/5 = 137.2; 88+86+86+84+88 = 432/5 = 86.4
	//   evening   126+124+128+122+124+120 = 744/6 = 124.0; 80+78+80+76+78+76 = 468/6 = 78.0
	//   ME-dif    137.2 − 124.0 = 13.2. Sittings 2 + 2 + 3 = 7.
	// Home scale (ESH): hypertension at 135 or 85.
	out = append(out, handWeek{
		name: "sittings", rb: health.ESH2023, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 130, 80),
			r("2025-01-13 11:58", 140, 88), r("2025-01-13 12:00", 138, 86), r("2025-01-13 20:00", 126, 80), r("2025-01-13 20:01", 124, 78),
			r("2025-01-14 11:55", 136, 86), r("2025-01-14 12:05:00", 134, 84), r("2025-01-14 20:00", 128, 80), r("2025-01-14 20:01", 122, 76),
			r("2025-01-15 11:55", 138, 88), r("2025-01-15 12:05:01", 132, 82), r("2025-01-15 20:00", 124, 78), r("2025-01-15 20:01", 120, 76),
		},
		summary: []line{
			{"Home mean", "130.2/81.8 mmHg (12 readings over 3 days, 7 sittings)", false},
			{"Against the home threshold", eshBelow(), false},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "137.2/86.4 mmHg (5 readings)", false},
			{"Evening mean (18:00–23:59)", "124.0/78.0 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+13.2 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/88 mmHg on 2025-01-13 11:58", false},
			{"Lowest", "120/76 mmHg on 2025-01-15 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 130/80 | 70 | morning | Normal | day 1, not averaged |",
			"| 2025-01-13 | 11:58 | 140/88 | 70 | morning | Hypertension |  |",
			"| 2025-01-13 | 12:00 | 138/86 | 70 | morning | Hypertension |  |",
			"| 2025-01-13 | 20:00 | 126/80 | 70 | evening | Normal |  |",
			"| 2025-01-13 | 20:01 | 124/78 | 70 | evening | Normal |  |",
			"| 2025-01-14 | 11:55 | 136/86 | 70 | morning | Hypertension |  |",
			"| 2025-01-14 | 12:05 | 134/84 | 70 | morning | Normal |  |",
			"| 2025-01-14 | 20:00 | 128/80 | 70 | evening | Normal |  |",
			"| 2025-01-14 | 20:01 | 122/76 | 70 | evening | Normal |  |",
			"| 2025-01-15 | 11:55 | 138/88 | 70 | morning | Hypertension |  |",
			"| 2025-01-15 | 12:05 | 132/82 | 70 |  | Normal |  |",
			"| 2025-01-15 | 20:00 | 124/78 | 70 | evening | Normal |  |",
			"| 2025-01-15 | 20:01 | 120/76 | 70 | evening | Normal |  |",
		},
	})

	// 3. Spring forward, AHA/ACC 2025, America/New_York, 8–14 March 2025:
	// at 02:00 on Sunday 9 March the clocks go to 03:00. 01:58 EST and
	// 03:01 EDT are 3 minutes apart: one sitting, no slot (01:58). Day 1:
	// Saturday 8 March, 130/80 at −05:00; afterwards −04:00.
	//   systolic  9th 134+132+140+138+126+124 = 794, 10th 142+140+128+126 = 536,
	//             11th 138+136+124+122 = 520: 1850/14 = 132.14 → 132.1
	//   diastolic 84+82+88+86+78+76 = 494, 90+88+80+78 = 336, 86+84+78+76 = 324:
	//             1154/14 = 82.43 → 82.4: at or above 130/80.
	//   morning   140+138+142+140+138+136 = 834/6 = 139.0; 88+86+90+88+86+84 = 522/6 = 87.0
	//   evening   126+124+128+126+124+122 = 750/6 = 125.0; 78+76+80+78+78+76 = 466/6 = 77.67 → 77.7
	//   ME-dif    139 − 125 = 14.0. Sittings 3 + 2 + 2 = 7. Two offsets: times carry them.
	z := func(wall string, sys, dia float64) health.BloodPressure { return rd(t, wall, ny, sys, dia) }
	out = append(out, handWeek{
		name: "spring forward", rb: health.AHA2025, from: d(3, 8), to: d(3, 14),
		home: []health.BloodPressure{
			z("2025-03-08 07:00", 130, 80),
			z("2025-03-09 01:58", 134, 84), z("2025-03-09 03:01", 132, 82),
			z("2025-03-09 07:00", 140, 88), z("2025-03-09 07:01", 138, 86), z("2025-03-09 20:00", 126, 78), z("2025-03-09 20:01", 124, 76),
			z("2025-03-10 07:00", 142, 90), z("2025-03-10 07:01", 140, 88), z("2025-03-10 20:00", 128, 80), z("2025-03-10 20:01", 126, 78),
			z("2025-03-11 07:00", 138, 86), z("2025-03-11 07:01", 136, 84), z("2025-03-11 20:00", 124, 78), z("2025-03-11 20:01", 122, 76),
		},
		summary: []line{
			{"Home mean", "132.1/82.4 mmHg (14 readings over 3 days, 7 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(3, 14), false},
			{"Day 1", "2025-03-08 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "139.0/87.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "125.0/77.7 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+14.0 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "142/90 mmHg on 2025-03-10 07:00 -04:00", false},
			{"Lowest", "122/76 mmHg on 2025-03-11 20:01 -04:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-03-08 to 2025-03-14 | 15 | 0 | 0 |"},
		officeHome: noOffice, times: withOffset,
		homeRows: []string{
			"| 2025-03-08 | 07:00 -05:00 | 130/80 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-03-09 | 01:58 -05:00 | 134/84 | 70 |  | Stage 1 |  |",
			"| 2025-03-09 | 03:01 -04:00 | 132/82 | 70 |  | Stage 1 |  |",
			"| 2025-03-09 | 07:00 -04:00 | 140/88 | 70 | morning | Stage 2 |  |",
			"| 2025-03-09 | 07:01 -04:00 | 138/86 | 70 | morning | Stage 2 |  |",
			"| 2025-03-09 | 20:00 -04:00 | 126/78 | 70 | evening | Elevated |  |",
			"| 2025-03-09 | 20:01 -04:00 | 124/76 | 70 | evening | Elevated |  |",
			"| 2025-03-10 | 07:00 -04:00 | 142/90 | 70 | morning | Stage 2 |  |",
			"| 2025-03-10 | 07:01 -04:00 | 140/88 | 70 | morning | Stage 2 |  |",
			"| 2025-03-10 | 20:00 -04:00 | 128/80 | 70 | evening | Stage 1 |  |",
			"| 2025-03-10 | 20:01 -04:00 | 126/78 | 70 | evening | Elevated |  |",
			"| 2025-03-11 | 07:00 -04:00 | 138/86 | 70 | morning | Stage 2 |  |",
			"| 2025-03-11 | 07:01 -04:00 | 136/84 | 70 | morning | Stage 2 |  |",
			"| 2025-03-11 | 20:00 -04:00 | 124/78 | 70 | evening | Elevated |  |",
			"| 2025-03-11 | 20:01 -04:00 | 122/76 | 70 | evening | Elevated |  |",
		},
	})

	// 4. Fall back, ESH 2023, America/New_York, 30 October – 5 November
	// 2025: at 02:00 EDT on Sunday 2 November the clocks go back to 01:00,
	// so 01:30 happens twice, an hour apart: two sittings, no slot. Day 1:
	// 30 October, 128/82.
	//   systolic  31st 136+134+124+122 = 516, 2nd 130+128+138+136+126+124 = 782,
	//             3rd 134+132 = 266: 1564/12 = 130.33 → 130.3
	//   diastolic 86+84+78+76 = 324, 82+80+88+86+80+78 = 494, 84+82 = 166:
	//             984/12 = 82.0: below 135/85.
	//   morning   136+134+138+136+134+132 = 810/6 = 135.0; 86+84+88+86+84+82 = 510/6 = 85.0:
	//             exactly at 135/85, so morning hypertension.
	//   evening   124+122+126+124 = 496/4 = 124.0; 78+76+80+78 = 312/4 = 78.0
	//   ME-dif    135 − 124 = 11.0. Sittings 2 + 4 + 1 = 7.
	// time.Date does not say which of the two 01:30s it gives: each is
	// taken at its own offset, an hour apart (05:30 and 06:30 UTC).
	first130 := rd(t, "2025-11-02 01:30", health.FixedZone(-4*3600), 130, 82)
	second130 := rd(t, "2025-11-02 01:30", health.FixedZone(-5*3600), 128, 80)
	if second130.Time.Sub(first130.Time) != time.Hour {
		t.Fatalf("the two 01:30s are %v apart", second130.Time.Sub(first130.Time))
	}
	out = append(out, handWeek{
		name: "fall back", rb: health.ESH2023, from: d(10, 30), to: d(11, 5),
		home: []health.BloodPressure{
			z("2025-10-30 07:00", 128, 82),
			z("2025-10-31 07:00", 136, 86), z("2025-10-31 07:01", 134, 84), z("2025-10-31 20:00", 124, 78), z("2025-10-31 20:01", 122, 76),
			first130, second130,
			z("2025-11-02 07:00", 138, 88), z("2025-11-02 07:01", 136, 86), z("2025-11-02 20:00", 126, 80), z("2025-11-02 20:01", 124, 78),
			z("2025-11-03 07:00", 134, 84), z("2025-11-03 07:01", 132, 82),
		},
		summary: []line{
			{"Home mean", "130.3/82.0 mmHg (12 readings over 3 days, 7 sittings)", false},
			{"Against the home threshold", eshBelow(), false},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-10-30 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "135.0/85.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "124.0/78.0 mmHg (4 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+11.0 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "138/88 mmHg on 2025-11-02 07:00 -05:00", false},
			{"Lowest", "122/76 mmHg on 2025-10-31 20:01 -04:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-10-30 to 2025-11-05 | 13 | 0 | 0 |"},
		officeHome: noOffice, times: withOffset,
		homeRows: []string{
			"| 2025-10-30 | 07:00 -04:00 | 128/82 | 70 | morning | Normal | day 1, not averaged |",
			"| 2025-10-31 | 07:00 -04:00 | 136/86 | 70 | morning | Hypertension |  |",
			"| 2025-10-31 | 07:01 -04:00 | 134/84 | 70 | morning | Normal |  |",
			"| 2025-10-31 | 20:00 -04:00 | 124/78 | 70 | evening | Normal |  |",
			"| 2025-10-31 | 20:01 -04:00 | 122/76 | 70 | evening | Normal |  |",
			"| 2025-11-02 | 01:30 -04:00 | 130/82 | 70 |  | Normal |  |",
			"| 2025-11-02 | 01:30 -05:00 | 128/80 | 70 |  | Normal |  |",
			"| 2025-11-02 | 07:00 -05:00 | 138/88 | 70 | morning | Hypertension |  |",
			"| 2025-11-02 | 07:01 -05:00 | 136/86 | 70 | morning | Hypertension |  |",
			"| 2025-11-02 | 20:00 -05:00 | 126/80 | 70 | evening | Normal |  |",
			"| 2025-11-02 | 20:01 -05:00 | 124/78 | 70 | evening | Normal |  |",
			"| 2025-11-03 | 07:00 -05:00 | 134/84 | 70 | morning | Normal |  |",
			"| 2025-11-03 | 07:01 -05:00 | 132/82 | 70 | morning | Normal |  |",
		},
	})

	// 5. A flight mid-week, AHA/ACC 2025: New York (−05:00) until the 14th,
	// Paris (+01:00) from the 15th. Each reading keeps its own wall clock:
	// 07:00 in Paris on the 15th (01:00 in New York) is a morning reading
	// of the 15th; 23:30 in Paris on the 16th (17:30 in New York) an
	// evening one. Day 1: 12 Jan, 126/80.
	//   systolic  13th 136+134+124+122 = 516, 14th 138+136 = 274, 15th 140+138+128+126 = 532,
	//             16th 132+130 = 262: 1584/12 = 132.0
	//   diastolic 86+84+78+76 = 324, 88+86 = 174, 90+88+80+78 = 336, 84+82 = 166:
	//             1000/12 = 83.33 → 83.3: at or above 130/80.
	//   morning   136+134+138+136+140+138+132 = 954/7 = 136.29 → 136.3;
	//             86+84+88+86+90+88+84 = 606/7 = 86.57 → 86.6
	//   evening   124+122+128+126+130 = 630/5 = 126.0; 78+76+80+78+82 = 394/5 = 78.8
	//   ME-dif    954/7 − 126 = 10.29 → 10.3. Sittings 2 + 1 + 2 + 2 = 7.
	p := func(wall string, sys, dia float64) health.BloodPressure { return rd(t, wall, paris, sys, dia) }
	out = append(out, handWeek{
		name: "a flight to Paris", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 126, 80),
			r("2025-01-13 07:00", 136, 86), r("2025-01-13 07:01", 134, 84), r("2025-01-13 20:00", 124, 78), r("2025-01-13 20:01", 122, 76),
			r("2025-01-14 07:00", 138, 88), r("2025-01-14 07:01", 136, 86),
			p("2025-01-15 07:00", 140, 90), p("2025-01-15 07:01", 138, 88), p("2025-01-15 20:00", 128, 80), p("2025-01-15 20:01", 126, 78),
			p("2025-01-16 07:00", 132, 84), p("2025-01-16 23:30", 130, 82),
		},
		summary: []line{
			{"Home mean", "132.0/83.3 mmHg (12 readings over 4 days, 7 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(4, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "136.3/86.6 mmHg (7 readings)", false},
			{"Evening mean (18:00–23:59)", "126.0/78.8 mmHg (5 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+10.3 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/90 mmHg on 2025-01-15 07:00 +01:00", false},
			{"Lowest", "122/76 mmHg on 2025-01-13 20:01 -05:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: noOffice, times: withOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 -05:00 | 126/80 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-01-13 | 07:00 -05:00 | 136/86 | 70 | morning | Stage 2 |  |",
			"| 2025-01-13 | 07:01 -05:00 | 134/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-13 | 20:00 -05:00 | 124/78 | 70 | evening | Elevated |  |",
			"| 2025-01-13 | 20:01 -05:00 | 122/76 | 70 | evening | Elevated |  |",
			"| 2025-01-14 | 07:00 -05:00 | 138/88 | 70 | morning | Stage 2 |  |",
			"| 2025-01-14 | 07:01 -05:00 | 136/86 | 70 | morning | Stage 2 |  |",
			"| 2025-01-15 | 07:00 +01:00 | 140/90 | 70 | morning | Stage 2 |  |",
			"| 2025-01-15 | 07:01 +01:00 | 138/88 | 70 | morning | Stage 2 |  |",
			"| 2025-01-15 | 20:00 +01:00 | 128/80 | 70 | evening | Stage 1 |  |",
			"| 2025-01-15 | 20:01 +01:00 | 126/78 | 70 | evening | Elevated |  |",
			"| 2025-01-16 | 07:00 +01:00 | 132/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-16 | 23:30 +01:00 | 130/82 | 70 | evening | Stage 1 |  |",
		},
	})

	// 6. Blanked readings, AHA/ACC 2025. Day 1 (12 Jan) holds only a
	// reading blanked without a flag. On the 14th a possible-AFib reading
	// is blanked, the next (07:02) carries an irregular-heartbeat flag — two
	// flags in three consecutive readings — and at 20:01 another reading is
	// blanked without a cause. Blanked readings are never averaged:
	//   systolic  13th 132+130+124+122 = 508, 14th 134+126+124 = 384,
	//             15th 130+128+122+120 = 500, 16th 136: 1528/12 = 127.33 → 127.3
	//   diastolic 84+82+78+76 = 320, 86+80+78 = 244, 82+80+76+74 = 312, 86:
	//             962/12 = 80.17 → 80.2: at or above 130/80 (80.17 ≥ 80).
	//   morning   132+130+134+130+128+136 = 790/6 = 131.67 → 131.7; 84+82+86+82+80+86 = 500/6 = 83.3
	//   evening   124+122+126+124+122+120 = 738/6 = 123.0; 78+76+80+78+76+74 = 462/6 = 77.0
	//   ME-dif    790/6 − 123 = 8.67 → 8.7. Sittings 2 + 2 + 2 + 1 = 7.
	//   The week: 1 + 4 + 5 + 4 + 1 = 15 readings, 2 flagged, 2 blanked
	//   without a cause (12th, 14th); 3 blanked in all.
	out = append(out, handWeek{
		name: "blanked readings", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 0, 0),
			r("2025-01-13 07:00", 132, 84), r("2025-01-13 07:01", 130, 82), r("2025-01-13 20:00", 124, 78), r("2025-01-13 20:01", 122, 76),
			afibFlag(r("2025-01-14 07:00", 0, 0)), irregular(r("2025-01-14 07:02", 134, 86)),
			r("2025-01-14 20:00", 126, 80), r("2025-01-14 20:01", 0, 0), r("2025-01-14 20:02", 124, 78),
			r("2025-01-15 07:00", 130, 82), r("2025-01-15 07:01", 128, 80), r("2025-01-15 20:00", 122, 76), r("2025-01-15 20:01", 120, 74),
			r("2025-01-16 07:00", 136, 86),
		},
		warnings: []string{"Repeated rhythm flags: 2 or more flagged readings in 3 consecutive readings, from 2025-01-14 07:00. " +
			"A screening signal to confirm with an ECG."},
		summary: []line{
			{"Home mean", "127.3/80.2 mmHg (12 readings over 4 days, 7 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(4, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "131.7/83.3 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "123.0/77.0 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhNo, false},
			{"Morning − evening systolic (ME-dif)", "+8.7 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "136/86 mmHg on 2025-01-16 07:00", false},
			{"Lowest", "120/74 mmHg on 2025-01-15 20:01", false},
			{"Possible AFib flags", "1 reading, on 2025-01-14, but 2 readings were blanked, cause not given (see Blanked readings)", true},
			{"Irregular heartbeat flags", "1 reading, on 2025-01-14", true},
			{"Blanked readings", "3 readings without values; 1 with a rhythm flag; 2 blanked, cause not given, on 2025-01-12, 2025-01-14: " +
				"counted in the flag rates, never averaged or charted", true},
			{"2 or more flags in 3 consecutive readings", "yes, from 2025-01-14 07:00: a stronger signal", true},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| **2025-01-12 to 2025-01-18** | 15 | 2 | 2 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 | no values | 70 | morning | blanked, cause not given | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 132/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-13 | 07:01 | 130/82 | 70 | morning | Stage 1 |  |",
			"| 2025-01-13 | 20:00 | 124/78 | 70 | evening | Elevated |  |",
			"| 2025-01-13 | 20:01 | 122/76 | 70 | evening | Elevated |  |",
			"| 2025-01-14 | 07:00 | no values | 70 | morning | blanked: possible AFib | **possible AFib** |",
			"| 2025-01-14 | 07:02 | 134/86 | 70 | morning | Stage 2 | **irregular heartbeat** |",
			"| 2025-01-14 | 20:00 | 126/80 | 70 | evening | Stage 1 |  |",
			"| 2025-01-14 | 20:01 | no values | 70 | evening | blanked, cause not given |  |",
			"| 2025-01-14 | 20:02 | 124/78 | 70 | evening | Elevated |  |",
			"| 2025-01-15 | 07:00 | 130/82 | 70 | morning | Stage 1 |  |",
			"| 2025-01-15 | 07:01 | 128/80 | 70 | morning | Stage 1 |  |",
			"| 2025-01-15 | 20:00 | 122/76 | 70 | evening | Elevated |  |",
			"| 2025-01-15 | 20:01 | 120/74 | 70 | evening | Elevated |  |",
			"| 2025-01-16 | 07:00 | 136/86 | 70 | morning | Stage 2 |  |",
		},
	})

	// 7 and 8. The minimum, ESH 2023: 3 days and 12 readings after day 1
	// (150/95, 148/94), then the same less its last reading.
	//   12 readings: systolic 13th 138+136+128+126 = 528, 14th 140+138+130+128 = 536,
	//             15th 136+134+126+124 = 520: 1584/12 = 132.0;
	//             diastolic 88+86+82+80 = 336, 90+88+84+82 = 344, 86+84+80+78 = 328:
	//             1008/12 = 84.0: below 135/85.
	//             morning 138+136+140+138+136+134 = 822/6 = 137.0; 88+86+90+88+86+84 = 522/6 = 87.0
	//             evening 128+126+130+128+126+124 = 762/6 = 127.0; 82+80+84+82+80+78 = 486/6 = 81.0
	//             ME-dif 10.0.
	//   11 readings (no 124/78 at 20:01 on the 15th): 1460/11 = 132.73 → 132.7;
	//             930/11 = 84.55 → 84.5; evening 638/5 = 127.6, 408/5 = 81.6;
	//             ME-dif 137 − 127.6 = 9.4; the lowest is now the first 126/80.
	//             No verdict of any kind.
	minimum := []health.BloodPressure{
		r("2025-01-12 07:00", 150, 95), r("2025-01-12 07:01", 148, 94),
		r("2025-01-13 07:00", 138, 88), r("2025-01-13 07:01", 136, 86), r("2025-01-13 20:00", 128, 82), r("2025-01-13 20:01", 126, 80),
		r("2025-01-14 07:00", 140, 90), r("2025-01-14 07:01", 138, 88), r("2025-01-14 20:00", 130, 84), r("2025-01-14 20:01", 128, 82),
		r("2025-01-15 07:00", 136, 86), r("2025-01-15 07:01", 134, 84), r("2025-01-15 20:00", 126, 80), r("2025-01-15 20:01", 124, 78),
	}
	minimumRows := []string{
		"| 2025-01-12 | 07:00 | 150/95 | 70 | morning | Hypertension | day 1, not averaged |",
		"| 2025-01-12 | 07:01 | 148/94 | 70 | morning | Hypertension | day 1, not averaged |",
		"| 2025-01-13 | 07:00 | 138/88 | 70 | morning | Hypertension |  |",
		"| 2025-01-13 | 07:01 | 136/86 | 70 | morning | Hypertension |  |",
		"| 2025-01-13 | 20:00 | 128/82 | 70 | evening | Normal |  |",
		"| 2025-01-13 | 20:01 | 126/80 | 70 | evening | Normal |  |",
		"| 2025-01-14 | 07:00 | 140/90 | 70 | morning | Hypertension |  |",
		"| 2025-01-14 | 07:01 | 138/88 | 70 | morning | Hypertension |  |",
		"| 2025-01-14 | 20:00 | 130/84 | 70 | evening | Normal |  |",
		"| 2025-01-14 | 20:01 | 128/82 | 70 | evening | Normal |  |",
		"| 2025-01-15 | 07:00 | 136/86 | 70 | morning | Hypertension |  |",
		"| 2025-01-15 | 07:01 | 134/84 | 70 | morning | Normal |  |",
		"| 2025-01-15 | 20:00 | 126/80 | 70 | evening | Normal |  |",
		"| 2025-01-15 | 20:01 | 124/78 | 70 | evening | Normal |  |",
	}
	out = append(out, handWeek{
		name: "minimum just met", rb: health.ESH2023, from: d(1, 12), to: d(1, 18), home: minimum,
		summary: []line{
			{"Home mean", "132.0/84.0 mmHg (12 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", eshBelow(), false},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (2 readings) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "137.0/87.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "127.0/81.0 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+10.0 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/90 mmHg on 2025-01-14 07:00", false},
			{"Lowest", "124/78 mmHg on 2025-01-15 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 14 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset, homeRows: minimumRows,
	})
	out = append(out, handWeek{
		name: "minimum just missed", rb: health.ESH2023, from: d(1, 12), to: d(1, 18), home: minimum[:len(minimum)-1],
		warnings: []string{"Protocol minimum not met: 11 readings averaged over 3 days; the protocol needs at least 3 days and 12 readings. " +
			"The means below are not a protocol result: the home threshold, morning hypertension and the ME-dif flag are not assessed."},
		summary: []line{
			{"Home mean", "132.7/84.5 mmHg (11 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", notMet, false},
			{"Protocol minimum", "NOT met: 3 days and 11 readings averaged (needs 3 days and 12 readings)", true},
			{"Day 1", "2025-01-12 (2 readings) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "137.0/87.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "127.6/81.6 mmHg (5 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", "morning hypertension " + notMet, false},
			{"Morning − evening systolic (ME-dif)", "+9.4 mmHg: " + notMet, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/90 mmHg on 2025-01-14 07:00", false},
			{"Lowest", "126/80 mmHg on 2025-01-13 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset, homeRows: minimumRows[:len(minimumRows)-1],
	})

	// five lays out 25 readings after day 1, 13–17 Jan, five a day:
	// 07:00, 07:01, 07:02 (a morning sitting) and 20:00, 20:01 (an
	// evening one), all at sys/dia but the last, which is last.
	five := func(day1 health.BloodPressure, sys, dia float64, last [2]float64) []health.BloodPressure {
		out := []health.BloodPressure{day1}
		for i := range 25 {
			at := fmt.Sprintf("2025-01-%d %s", 13+i/5, []string{"07:00", "07:01", "07:02", "20:00", "20:01"}[i%5])
			if i == 24 {
				out = append(out, r(at, last[0], last[1]))
			} else {
				out = append(out, r(at, sys, dia))
			}
		}
		return out
	}

	// 9. A mean that rounds onto the ESH threshold: 24 readings of 135/85
	// and one of 134/84 after day 1 (120/80).
	//   (24·135 + 134)/25 = 3374/25 = 134.96 and (24·85 + 84)/25 = 2124/25 = 84.96:
	//   below 135/85, shown with two decimals, since 135.0/85.0 would read
	//   as the threshold.
	//   morning 15 readings of 135/85: 135.0/85.0, morning hypertension;
	//   evening (9·135 + 134)/10 = 134.9, (9·85 + 84)/10 = 84.9; ME-dif
	//   135 − 134.9 = 0.1. Sittings 5 · 2 = 10.
	out = append(out, handWeek{
		name: "134.96/84.96 under ESH", rb: health.ESH2023, from: d(1, 12), to: d(1, 18),
		home: five(r("2025-01-12 07:00", 120, 80), 135, 85, [2]float64{134, 84}),
		summary: []line{
			{"Home mean", "134.96/84.96 mmHg (25 readings over 5 days, 10 sittings)", false},
			{"Against the home threshold", eshBelow(), false},
			{"Protocol minimum", met(5, 25), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "135.0/85.0 mmHg (15 readings)", false},
			{"Evening mean (18:00–23:59)", "134.9/84.9 mmHg (10 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+0.1 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "135/85 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "134/84 mmHg on 2025-01-17 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 26 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 120/80 | 70 | morning | Normal | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 135/85 | 70 | morning | Hypertension |  |",
			"| 2025-01-17 | 20:00 | 135/85 | 70 | evening | Hypertension |  |",
			"| 2025-01-17 | 20:01 | 134/84 | 70 | evening | Normal |  |",
		},
	})

	// 10. A mean that rounds onto the AHA threshold, with office readings
	// below it: 24 readings of 130/80 and one of 129/79.
	//   (24·130 + 129)/25 = 3249/25 = 129.96; (24·80 + 79)/25 = 1999/25 = 79.96: below 130/80.
	//   office (126 + 124)/2 = 125.0, (76 + 74)/2 = 75.0: below 130/80 too, so
	//   normal in both, not masked (the rounded 130.0/80.0 would have said so).
	//   morning 130.0/80.0, below 135/85; evening (9·130 + 129)/10 = 129.9,
	//   (9·80 + 79)/10 = 79.9; ME-dif 0.1.
	out = append(out, handWeek{
		name: "129.96/79.96 under AHA", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home:   five(r("2025-01-12 07:00", 120, 80), 130, 80, [2]float64{129, 79}),
		office: []health.BloodPressure{inOffice(r("2025-01-14 10:00", 126, 76)), inOffice(r("2025-01-14 10:05", 124, 74))},
		summary: []line{
			{"Home mean", "129.96/79.96 mmHg (25 readings over 5 days, 10 sittings)", false},
			{"Against the home threshold", ahaBelow(), false},
			{"Protocol minimum", met(5, 25), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "130.0/80.0 mmHg (15 readings)", false},
			{"Evening mean (18:00–23:59)", "129.9/79.9 mmHg (10 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhNo, false},
			{"Morning − evening systolic (ME-dif)", "+0.1 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "130/80 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "129/79 mmHg on 2025-01-17 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks: []string{"| 2025-01-12 to 2025-01-18 | 26 | 0 | 0 |"},
		officeHome: "Normal blood pressure in the office and at home: office mean 125.0/75.0 mmHg (2 readings) is below the office threshold 130/80 (AHA/ACC 2025); " +
			"home mean 129.96/79.96 mmHg (25 readings) is below the home threshold 130/80 (AHA/ACC 2025).",
		times: oneOffset,
		officeRows: []string{
			"| 2025-01-14 | 10:00 | 126/76 | 70 | Elevated |  |",
			"| 2025-01-14 | 10:05 | 124/74 | 70 | Elevated |  |",
		},
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 120/80 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 130/80 | 70 | morning | Stage 1 |  |",
			"| 2025-01-17 | 20:01 | 129/79 | 70 | evening | Elevated |  |",
		},
	})

	// tens lays out 25 morning readings (07:00–07:04) and 25 evening ones
	// (20:00–20:04), 13–17 Jan, after day 1; the last of each is given.
	tens := func(day1 health.BloodPressure, m, mLast, e, eLast [2]float64) []health.BloodPressure {
		out := []health.BloodPressure{day1}
		for day := 13; day <= 17; day++ {
			for _, slot := range []struct {
				hour       string
				v, vLast   [2]float64
				lastOfWeek bool
			}{{"07", m, mLast, day == 17}, {"20", e, eLast, day == 17}} {
				for k := range 5 {
					v := slot.v
					if slot.lastOfWeek && k == 4 {
						v = slot.vLast
					}
					out = append(out, r(fmt.Sprintf("2025-01-%d %s:%02d", day, slot.hour, k), v[0], v[1]))
				}
			}
		}
		return out
	}

	// 11. ME-dif exactly 20: 25 mornings of 140/88, 25 evenings of 120/78.
	//   ME-dif 140 − 120 = 20.0: at or above 20, the J-HOP risk.
	//   mean (25·140 + 25·120)/50 = 130.0, (25·88 + 25·78)/50 = 83.0: at or above 130/80.
	//   morning 140.0/88.0 (morning hypertension); evening 120.0/78.0.
	//   Day 1 (12 Jan): 128/82. Sittings 10.
	out = append(out, handWeek{
		name: "ME-dif 20.0", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: tens(r("2025-01-12 07:00", 128, 82), [2]float64{140, 88}, [2]float64{140, 88}, [2]float64{120, 78}, [2]float64{120, 78}),
		summary: []line{
			{"Home mean", "130.0/83.0 mmHg (50 readings over 5 days, 10 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(5, 50), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "140.0/88.0 mmHg (25 readings)", false},
			{"Evening mean (18:00–23:59)", "120.0/78.0 mmHg (25 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+20.0 mmHg: at or above 20 mmHg: extra cardiovascular risk (J-HOP study, Hypertens Res 2021;44:1597)", true},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/88 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "120/78 mmHg on 2025-01-13 20:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 51 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 128/82 | 70 | morning | Stage 1 | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 140/88 | 70 | morning | Stage 2 |  |",
			"| 2025-01-13 | 20:00 | 120/78 | 70 | evening | Elevated |  |",
		},
	})

	// 12. ME-dif 19.92, whose rounded means say 20.0: 24 mornings of 140/88
	// and one of 139/88; 24 evenings of 120/78 and one of 121/78.
	//   morning 3499/25 = 139.96 → 140.0 (at or above 135: one decimal);
	//   evening 3001/25 = 120.04 → 120.0; ME-dif 139.96 − 120.04 = 19.92 → 19.9,
	//   below 20 (140.0 − 120.0 = 20.0 would have flagged it).
	//   mean (3499 + 3001)/50 = 130.0, (25·88 + 25·78)/50 = 83.0: at or above 130/80.
	out = append(out, handWeek{
		name: "ME-dif 19.92", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: tens(r("2025-01-12 07:00", 128, 82), [2]float64{140, 88}, [2]float64{139, 88}, [2]float64{120, 78}, [2]float64{121, 78}),
		summary: []line{
			{"Home mean", "130.0/83.0 mmHg (50 readings over 5 days, 10 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(5, 50), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "140.0/88.0 mmHg (25 readings)", false},
			{"Evening mean (18:00–23:59)", "120.0/78.0 mmHg (25 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+19.9 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "140/88 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "120/78 mmHg on 2025-01-13 20:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks:      []string{"| 2025-01-12 to 2025-01-18 | 51 | 0 | 0 |"},
		officeHome: noOffice, times: oneOffset,
		homeRows: []string{
			"| 2025-01-17 | 07:04 | 139/88 | 70 | morning | Stage 2 |  |",
			"| 2025-01-17 | 20:04 | 121/78 | 70 | evening | Elevated |  |",
		},
	})

	// 13. Categories on the AHA/ACC home scale, and an office reading on
	// the office scale. Home: Normal < 120 and < 80; Elevated 120–129 and
	// < 80; Stage 1 130–134 or 80–84; Stage 2 ≥ 135 or ≥ 85; Severe > 180
	// or > 120. Office 132/84: Stage 1 (ACC/AHA 2017/2025).
	//   systolic  13th 119+120+129+130 = 498, 14th 119+134+135+120 = 508,
	//             15th 180+181+150+124 = 635: 1641/12 = 136.75 → 136.8 (half away from zero)
	//   diastolic 79+79+79+79 = 316, 80+84+70+85 = 319, 120+100+121+78 = 419:
	//             1054/12 = 87.83 → 87.8: at or above 130/80.
	//   morning   119+120+119+134+180+181 = 853/6 = 142.17 → 142.2; 79+79+80+84+120+100 = 542/6 = 90.3
	//   evening   129+130+135+120+150+124 = 788/6 = 131.33 → 131.3; 79+79+70+85+121+78 = 512/6 = 85.3
	//   ME-dif    (853 − 788)/6 = 65/6 = 10.83 → 10.8
	//   above 180/120: 181/100 and 150/121 (180/120 itself is not).
	//   office 132.0/84.0, at or above 130/80: sustained hypertension.
	//   lowest: 119/79 (13th) below 119/80 (14th): the diastolic breaks the tie.
	severe := "181/100 mmHg on 2025-01-15 07:01 (home); 150/121 mmHg on 2025-01-15 20:00 (home) are above 180/120. " +
		health.SevereAttention + " " + health.SevereAdvice
	out = append(out, handWeek{
		name: "categories, AHA/ACC 2025", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 118, 78),
			r("2025-01-13 07:00", 119, 79), r("2025-01-13 07:01", 120, 79), r("2025-01-13 20:00", 129, 79), r("2025-01-13 20:01", 130, 79),
			r("2025-01-14 07:00", 119, 80), r("2025-01-14 07:01", 134, 84), r("2025-01-14 20:00", 135, 70), r("2025-01-14 20:01", 120, 85),
			r("2025-01-15 07:00", 180, 120), r("2025-01-15 07:01", 181, 100), r("2025-01-15 20:00", 150, 121), r("2025-01-15 20:01", 124, 78),
		},
		office:   []health.BloodPressure{inOffice(r("2025-01-14 10:00", 132, 84))},
		warnings: []string{severe},
		summary: []line{
			{"Home mean", "136.8/87.8 mmHg (12 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "142.2/90.3 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "131.3/85.3 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+10.8 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "181/100 mmHg on 2025-01-15 07:01", false},
			{"Lowest", "119/79 mmHg on 2025-01-13 07:00", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "181/100 on 2025-01-15 07:01; 150/121 on 2025-01-15 20:00", true},
		},
		weeks: []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: "Sustained hypertension: office mean 132.0/84.0 mmHg (1 reading) is at or above the office threshold 130/80 (AHA/ACC 2025); " +
			"home mean 136.8/87.8 mmHg (12 readings) is at or above the home threshold 130/80 (AHA/ACC 2025).",
		times:      oneOffset,
		officeRows: []string{"| 2025-01-14 | 10:00 | 132/84 | 70 | Stage 1 |  |"},
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 118/78 | 70 | morning | Normal | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 119/79 | 70 | morning | Normal |  |",
			"| 2025-01-13 | 07:01 | 120/79 | 70 | morning | Elevated |  |",
			"| 2025-01-13 | 20:00 | 129/79 | 70 | evening | Elevated |  |",
			"| 2025-01-13 | 20:01 | 130/79 | 70 | evening | Stage 1 |  |",
			"| 2025-01-14 | 07:00 | 119/80 | 70 | morning | Stage 1 |  |",
			"| 2025-01-14 | 07:01 | 134/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-14 | 20:00 | 135/70 | 70 | evening | Stage 2 |  |",
			"| 2025-01-14 | 20:01 | 120/85 | 70 | evening | Stage 2 |  |",
			"| 2025-01-15 | 07:00 | 180/120 | 70 | morning | Stage 2 |  |",
			"| 2025-01-15 | 07:01 | 181/100 | 70 | morning | Severe | **above 180/120** |",
			"| 2025-01-15 | 20:00 | 150/121 | 70 | evening | Severe | **above 180/120** |",
			"| 2025-01-15 | 20:01 | 124/78 | 70 | evening | Elevated |  |",
		},
	})

	// 14. Categories on the ESH home scale (normal below 135 and 85,
	// hypertension at or above either), and office readings on the ESH
	// office grades: 145/85 grade 1, isolated systolic (≥ 140 with < 90);
	// 138/88 high-normal; 165/95 grade 2 (systolic 160–179 wins over the
	// diastolic's grade 1).
	//   systolic  13th 134+135+134+120 = 523, 14th 136+180+182+128 = 626,
	//             15th 140+132+126+124 = 522: 1671/12 = 139.25 → 139.3
	//   diastolic 84+84+85+70 = 323, 86+110+100+82 = 378, 88+84+80+78 = 330:
	//             1031/12 = 85.92 → 85.9: at or above 135/85.
	//   morning   134+135+136+180+140+132 = 857/6 = 142.83 → 142.8; 84+84+86+110+88+84 = 536/6 = 89.3
	//   evening   134+120+182+128+126+124 = 814/6 = 135.67 → 135.7; 85+70+100+82+80+78 = 495/6 = 82.5
	//   ME-dif    (857 − 814)/6 = 43/6 = 7.17 → 7.2
	//   above 180/120: 182/100 only.
	//   office (145 + 138 + 165)/3 = 448/3 = 149.33 → 149.3, (85 + 88 + 95)/3 = 268/3 = 89.33 → 89.3:
	//   at or above 140/90 (149.33 ≥ 140): sustained hypertension.
	out = append(out, handWeek{
		name: "categories, ESH 2023", rb: health.ESH2023, from: d(1, 12), to: d(1, 18),
		home: []health.BloodPressure{
			r("2025-01-12 07:00", 130, 80),
			r("2025-01-13 07:00", 134, 84), r("2025-01-13 07:01", 135, 84), r("2025-01-13 20:00", 134, 85), r("2025-01-13 20:01", 120, 70),
			r("2025-01-14 07:00", 136, 86), r("2025-01-14 07:01", 180, 110), r("2025-01-14 20:00", 182, 100), r("2025-01-14 20:01", 128, 82),
			r("2025-01-15 07:00", 140, 88), r("2025-01-15 07:01", 132, 84), r("2025-01-15 20:00", 126, 80), r("2025-01-15 20:01", 124, 78),
		},
		office: []health.BloodPressure{
			inOffice(r("2025-01-13 10:00", 145, 85)), inOffice(r("2025-01-14 10:00", 138, 88)), inOffice(r("2025-01-15 10:00", 165, 95)),
		},
		warnings: []string{"182/100 mmHg on 2025-01-14 20:00 (home) is above 180/120. " + health.SevereAttention + " " + health.SevereAdvice},
		summary: []line{
			{"Home mean", "139.3/85.9 mmHg (12 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", eshAbove(), true},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "142.8/89.3 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "135.7/82.5 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhYes, true},
			{"Morning − evening systolic (ME-dif)", "+7.2 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "182/100 mmHg on 2025-01-14 20:00", false},
			{"Lowest", "120/70 mmHg on 2025-01-13 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "182/100 on 2025-01-14 20:00", true},
		},
		weeks: []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: "Sustained hypertension: office mean 149.3/89.3 mmHg (3 readings) is at or above the office threshold 140/90 (ESH 2023); " +
			"home mean 139.3/85.9 mmHg (12 readings) is at or above the home threshold 135/85 (ESH 2023).",
		times: oneOffset,
		officeRows: []string{
			"| 2025-01-13 | 10:00 | 145/85 | 70 | Grade 1, isolated systolic |  |",
			"| 2025-01-14 | 10:00 | 138/88 | 70 | High-normal |  |",
			"| 2025-01-15 | 10:00 | 165/95 | 70 | Grade 2 |  |",
		},
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 130/80 | 70 | morning | Normal | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 134/84 | 70 | morning | Normal |  |",
			"| 2025-01-13 | 07:01 | 135/84 | 70 | morning | Hypertension |  |",
			"| 2025-01-13 | 20:00 | 134/85 | 70 | evening | Hypertension |  |",
			"| 2025-01-13 | 20:01 | 120/70 | 70 | evening | Normal |  |",
			"| 2025-01-14 | 07:00 | 136/86 | 70 | morning | Hypertension |  |",
			"| 2025-01-14 | 07:01 | 180/110 | 70 | morning | Hypertension |  |",
			"| 2025-01-14 | 20:00 | 182/100 | 70 | evening | Hypertension | **above 180/120** |",
			"| 2025-01-14 | 20:01 | 128/82 | 70 | evening | Normal |  |",
			"| 2025-01-15 | 07:00 | 140/88 | 70 | morning | Hypertension |  |",
			"| 2025-01-15 | 07:01 | 132/84 | 70 | morning | Normal |  |",
			"| 2025-01-15 | 20:00 | 126/80 | 70 | evening | Normal |  |",
			"| 2025-01-15 | 20:01 | 124/78 | 70 | evening | Normal |  |",
		},
	})

	// three lays out 3 days after day 1 of the same four readings a day.
	three := func(day1 health.BloodPressure, v [4][2]float64) []health.BloodPressure {
		out := []health.BloodPressure{day1}
		for day := 13; day <= 15; day++ {
			for k, at := range []string{"07:00", "07:01", "20:00", "20:01"} {
				out = append(out, r(fmt.Sprintf("2025-01-%d %s", day, at), v[k][0], v[k][1]))
			}
		}
		return out
	}

	// 15. Masked hypertension, AHA/ACC 2025: home 134/84, 132/82, 128/80,
	// 126/78 each day (13–15 Jan), office 124/76 and 122/74.
	//   home 3·520/12 = 130.0, 3·324/12 = 81.0: at or above 130/80;
	//   office 123.0/75.0: below 130/80: masked.
	//   morning 133.0/83.0 (below 135/85); evening 127.0/79.0; ME-dif 6.0.
	out = append(out, handWeek{
		name: "masked hypertension", rb: health.AHA2025, from: d(1, 12), to: d(1, 18),
		home:   three(r("2025-01-12 07:00", 140, 90), [4][2]float64{{134, 84}, {132, 82}, {128, 80}, {126, 78}}),
		office: []health.BloodPressure{inOffice(r("2025-01-14 10:00", 124, 76)), inOffice(r("2025-01-14 10:05", 122, 74))},
		summary: []line{
			{"Home mean", "130.0/81.0 mmHg (12 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", ahaAbove(), true},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "133.0/83.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "127.0/79.0 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhNo, false},
			{"Morning − evening systolic (ME-dif)", "+6.0 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "134/84 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "126/78 mmHg on 2025-01-13 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks: []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: "Masked hypertension: office mean 123.0/75.0 mmHg (2 readings) is below the office threshold 130/80 (AHA/ACC 2025); " +
			"home mean 130.0/81.0 mmHg (12 readings) is at or above the home threshold 130/80 (AHA/ACC 2025).",
		times: oneOffset,
		officeRows: []string{
			"| 2025-01-14 | 10:00 | 124/76 | 70 | Elevated |  |",
			"| 2025-01-14 | 10:05 | 122/74 | 70 | Elevated |  |",
		},
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 140/90 | 70 | morning | Stage 2 | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 134/84 | 70 | morning | Stage 1 |  |",
			"| 2025-01-13 | 20:01 | 126/78 | 70 | evening | Elevated |  |",
		},
	})

	// 16. White-coat hypertension, ESH 2023: home 132/84, 130/82, 126/80,
	// 124/78 each day, office 148/92 and 144/90.
	//   home 3·512/12 = 128.0, 3·324/12 = 81.0: below 135/85;
	//   office 146.0/91.0: at or above 140/90: white-coat.
	//   morning 131.0/83.0; evening 125.0/79.0; ME-dif 6.0.
	//   Office grades: 148/92 and 144/90 grade 1 (diastolic 90–99, so not
	//   isolated systolic).
	out = append(out, handWeek{
		name: "white-coat hypertension", rb: health.ESH2023, from: d(1, 12), to: d(1, 18),
		home:   three(r("2025-01-12 07:00", 150, 95), [4][2]float64{{132, 84}, {130, 82}, {126, 80}, {124, 78}}),
		office: []health.BloodPressure{inOffice(r("2025-01-14 10:00", 148, 92)), inOffice(r("2025-01-14 10:05", 144, 90))},
		summary: []line{
			{"Home mean", "128.0/81.0 mmHg (12 readings over 3 days, 6 sittings)", false},
			{"Against the home threshold", eshBelow(), false},
			{"Protocol minimum", met(3, 12), false},
			{"Day 1", "2025-01-12 (1 reading) shown, not averaged, as the protocol says", false},
			{"Morning mean (04:00–11:59)", "131.0/83.0 mmHg (6 readings)", false},
			{"Evening mean (18:00–23:59)", "125.0/79.0 mmHg (6 readings)", false},
			{"Morning hypertension (morning mean ≥ 135/85)", mhNo, false},
			{"Morning − evening systolic (ME-dif)", "+6.0 mmHg: " + below20, false},
			{"Mean pulse", pulse70, false},
			{"Highest", "132/84 mmHg on 2025-01-13 07:00", false},
			{"Lowest", "124/78 mmHg on 2025-01-13 20:01", false},
			{"Possible AFib flags", "none", false},
			{"Irregular heartbeat flags", "none", false},
			{"Readings above 180/120", "none", false},
		},
		weeks: []string{"| 2025-01-12 to 2025-01-18 | 13 | 0 | 0 |"},
		officeHome: "White-coat hypertension: office mean 146.0/91.0 mmHg (2 readings) is at or above the office threshold 140/90 (ESH 2023); " +
			"home mean 128.0/81.0 mmHg (12 readings) is below the home threshold 135/85 (ESH 2023).",
		times: oneOffset,
		officeRows: []string{
			"| 2025-01-14 | 10:00 | 148/92 | 70 | Grade 1 |  |",
			"| 2025-01-14 | 10:05 | 144/90 | 70 | Grade 1 |  |",
		},
		homeRows: []string{
			"| 2025-01-12 | 07:00 | 150/95 | 70 | morning | Hypertension | day 1, not averaged |",
			"| 2025-01-13 | 07:00 | 132/84 | 70 | morning | Normal |  |",
			"| 2025-01-15 | 20:01 | 124/78 | 70 | evening | Normal |  |",
		},
	})
	return out
}

// htmlText is how html/template writes text.
var htmlText = strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "+", "&#43;")

// htmlCells turns a Markdown table row into the cells the HTML report
// writes for it (classes as its template gives them).
func htmlCells(md string, classes ...string) string {
	cells := strings.Split(md, "|")
	cells = cells[1 : len(cells)-1]
	var b strings.Builder
	for i, c := range cells {
		c = strings.Trim(strings.TrimSpace(c), "*")
		class := ""
		if i < len(classes) && classes[i] != "" {
			class = ` class="` + classes[i] + `"`
		}
		fmt.Fprintf(&b, "<td%s>%s</td>", class, htmlText.Replace(c))
	}
	return b.String()
}

func TestHandWorkedWeeks(t *testing.T) {
	weeks := handWeeks(t)
	if len(weeks) != 16 {
		t.Fatalf("%d weeks", len(weeks))
	}
	for _, w := range weeks {
		t.Run(w.name, func(t *testing.T) {
			r := New("Jane Q. Doe", "p-1042", w.home, w.office, Options{
				From: w.from, To: w.to, Rulebook: w.rb,
				Now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), Zone: time.UTC,
			})
			var md, html bytes.Buffer
			if err := r.Markdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.HTML(&html); err != nil {
				t.Fatal(err)
			}
			checkMarkdown(t, w, md.String())
			checkHTML(t, w, html.String())
		})
	}
}

func checkMarkdown(t *testing.T, w handWeek, md string) {
	t.Helper()
	want := func(what, s string) {
		t.Helper()
		if !strings.Contains(md, s) {
			t.Errorf("markdown: %s:\n%s\n--- in ---\n%s", what, s, md)
		}
	}
	summary := "## Summary\n\n| | |\n|---|---|\n"
	for _, l := range w.summary {
		label := l.label
		if l.alert {
			label = "**" + label + "**"
		}
		summary += "| " + label + " | " + l.value + " |\n"
	}
	want("the whole summary", summary+"\n## ")
	want("the flags per week", "| Week | Readings | Flagged | Blanked, cause not given |\n|---|--:|--:|--:|\n"+strings.Join(w.weeks, "\n")+"\n\n")
	want("office and home", "## Office and home\n\n"+w.officeHome+"\n")
	if n := strings.Count(md, "> **Warning:**"); n != len(w.warnings) {
		t.Errorf("markdown: %d warnings, want %d", n, len(w.warnings))
	}
	for _, a := range w.warnings {
		want("a warning", "> **Warning:** "+a+"\n")
	}
	want("the note on times", w.times+" Morning is 04:00–11:59 and evening 18:00–23:59")
	if len(w.officeRows) > 0 {
		want("the office readings", strings.Join(w.officeRows, "\n")+"\n")
	}
	// The home readings: all of them in order, or the rows given, each.
	scale := "Category (" + w.rb.HomeGuideline().Name() + ")"
	if len(w.homeRows) == len(w.home) {
		want("every home reading", "| Date | Time | mmHg | Pulse | Slot | "+scale+" | Flags |\n|---|---|--:|--:|---|---|---|\n"+strings.Join(w.homeRows, "\n")+"\n\n")
	} else {
		want("the home scale", scale)
		for _, row := range w.homeRows {
			want("a home reading", row+"\n")
		}
	}
}

func checkHTML(t *testing.T, w handWeek, html string) {
	t.Helper()
	want := func(what, s string) {
		t.Helper()
		if !strings.Contains(html, s) {
			t.Errorf("html: %s:\n%s", what, s)
		}
	}
	if n := strings.Count(html, `<th scope="row">`); n != len(w.summary) {
		t.Errorf("html: %d summary rows, want %d", n, len(w.summary))
	}
	for _, l := range w.summary {
		class := ""
		if l.alert {
			class = ` class="alert"`
		}
		want("a summary line", fmt.Sprintf(`<tr%s><th scope="row">%s</th><td>%s</td></tr>`, class, htmlText.Replace(l.label), htmlText.Replace(l.value)))
	}
	for _, row := range w.weeks {
		want("a week", htmlCells(row, "nowrap", "num", "num", "num")+"</tr>")
	}
	want("office and home", `<p class="statement">`+htmlText.Replace(w.officeHome)+"</p>")
	if n := strings.Count(html, `<p class="alert"><strong>Warning:</strong>`); n != len(w.warnings) {
		t.Errorf("html: %d warnings, want %d", n, len(w.warnings))
	}
	for _, a := range w.warnings {
		want("a warning", `<p class="alert"><strong>Warning:</strong> `+htmlText.Replace(a)+"</p>")
	}
	want("the note on times", "<p>"+htmlText.Replace(w.times)+" Morning is 04:00–11:59")
	for _, row := range w.officeRows {
		want("an office reading", htmlCells(row, "nowrap", "nowrap", "num", "num", "", "flags")+"</tr>")
	}
	for _, row := range w.homeRows {
		want("a home reading", htmlCells(row, "nowrap", "nowrap", "num", "num", "", "", "flags")+"</tr>")
	}
	want("the home scale", "Category ("+htmlText.Replace(w.rb.HomeGuideline().Name())+")")
}
