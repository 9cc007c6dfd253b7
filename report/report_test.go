package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/health"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The monitoring week in testdata/omron-week-us.csv, an Omron Connect
// export (US layout, newest first, local wall-clock times), taken in US
// Eastern time (UTC−05:00 in January): two readings a minute apart each
// morning and evening from Sunday 12 to Saturday 18 January 2025.
//
// The protocol's answer, worked by hand:
//
// Day 1 (2025-01-12) is discarded: its 4 readings (152/96, 148/94, 140/90,
// 138/88) are left out. Days 2–7 give 24 readings in 12 sessions on 6 days:
// the protocol minimum (3 days, 12 readings) is met.
//
// Morning readings (all between 06:45 and 07:31), 12:
//
//	systolic  140+138+136+134+142+140+137+135+139+137+141+139 = 1658; 1658/12 = 138.1666… → 138.2
//	diastolic  88+ 86+ 85+ 84+ 89+ 87+ 86+ 85+ 87+ 86+ 88+ 87 = 1038; 1038/12 =  86.5
//	pulse      72+ 70+ 71+ 70+ 74+ 73+ 72+ 71+ 73+ 72+ 75+ 74 =  867;  867/12 =  72.25  → 72.3
//
// Evening readings (all between 19:30 and 21:01), 12:
//
//	systolic  126+124+122+120+128+126+123+121+125+123+127+125 = 1490; 1490/12 = 124.1666… → 124.2
//	diastolic  80+ 78+ 77+ 76+ 80+ 79+ 78+ 77+ 79+ 78+ 81+ 80 =  943;  943/12 =  78.5833… →  78.6
//	pulse      68+ 66+ 67+ 66+ 69+ 68+ 66+ 65+ 67+ 66+ 70+ 69 =  807;  807/12 =  67.25  → 67.3
//
// All 24:
//
//	systolic  (1658 + 1490)/24 = 3148/24 = 131.1666… → 131.2
//	diastolic (1038 +  943)/24 = 1981/24 =  82.5416… →  82.5
//	pulse     ( 867 +  807)/24 = 1674/24 =  69.75    →  69.8
//
// AHA 2025 (home threshold 130/80): 3148/24 ≥ 130, so at or above.
// ESH 2023 (home threshold 135/85): 3148/24 < 135 and 1981/24 < 85, so below.
// ME-dif = 1658/12 − 1490/12 = 168/12 = 14.0 mmHg exactly, below 20.
// Morning hypertension: 1658/12 = 138.17 ≥ 135, so yes.
// Flags per week: the one week holds all 28 readings, none flagged.
// Highest: 142/89 on 2025-01-15 06:45; lowest: 120/76 on 2025-01-14 19:31.
// No rhythm flags (the US layout has no column for them), nothing above
// 180/120, no office readings.
type weekAnswer struct {
	mean, morning, evening string
	pulse                  string
	readings, days         int
	sessions               int
	medif                  string
	highest, lowest        string
	highestAt, lowestAt    string
}

var handWorked = weekAnswer{
	mean: "131.2/82.5", morning: "138.2/86.5", evening: "124.2/78.6", pulse: "69.8",
	readings: 24, days: 6, sessions: 12, medif: "14.0",
	highest: "142/89", highestAt: "2025-01-15 06:45", lowest: "120/76", lowestAt: "2025-01-14 19:31",
}

// readOmronCSV reads the US layout of an Omron Connect export, for the
// report's own tests (the importer in providers/files is tested on its
// own, and end to end in package main).
func readOmronCSV(t testing.TB, path string, offset int) []health.BloodPressure {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	num := func(s string) health.Value {
		if s == "-" || s == "" {
			return health.Missing
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return health.Of(x)
	}
	var out []health.BloodPressure
	for i, r := range recs[1:] {
		local, err := time.ParseInLocation("Jan 2 2006 15:04", r[0]+" "+r[1], health.FixedZone(offset))
		if err != nil {
			t.Fatalf("%s line %d: %v", path, i+2, err)
		}
		out = append(out, health.BloodPressure{
			Meta: health.Meta{ProviderID: strconv.Itoa(i), Time: local.UTC(), Offset: offset,
				Origin: "Omron Connect export", Setting: health.SettingHome},
			Systolic: num(r[2]), Diastolic: num(r[3]), Pulse: num(r[4]),
		})
	}
	return out
}

const eastern = -5 * 3600

func weekReport(t *testing.T, rb health.Rulebook) Report {
	home := readOmronCSV(t, filepath.Join("testdata", "omron-week-us.csv"), eastern)
	return New("Jane Q. Doe", "p-1042", home, nil, Options{
		From: health.Date{Year: 2025, Month: time.January, Day: 12}, To: health.Date{Year: 2025, Month: time.January, Day: 18},
		Rulebook: rb,
		Now:      time.Date(2025, 1, 20, 14, 30, 0, 0, time.UTC),
		Zone:     time.UTC,
	})
}

func TestMonitoringWeekSummary(t *testing.T) {
	s := weekReport(t, health.AHA2025).Summary
	want := handWorked
	got := weekAnswer{
		mean: s.Mean.String(), morning: s.Morning.String(), evening: s.Evening.String(), pulse: s.Mean.Pulse.Format(1),
		readings: s.Readings, days: s.Days, sessions: s.Sessions, medif: s.MEDif.String(),
		highest: bpText(s.Highest), highestAt: s.Highest.Local().Format(dateTimeLayout),
		lowest: bpText(s.Lowest), lowestAt: s.Lowest.Local().Format(dateTimeLayout),
	}
	if got != want {
		t.Errorf("summary\n got %+v\nwant %+v", got, want)
	}
	if s.FirstDay != (health.Date{Year: 2025, Month: time.January, Day: 12}) || s.FirstDayReadings != 4 || !s.MinimumMet {
		t.Errorf("first day %v (%d readings), minimum met %v", s.FirstDay, s.FirstDayReadings, s.MinimumMet)
	}
	if s.Verdict != health.AtOrAbove || s.MorningVerdict != health.AtOrAbove || s.MEDifVerdict != health.Below ||
		s.Flagged != 0 || len(s.Severe) != 0 || s.OfficeHome != health.OfficeHomeUnknown {
		t.Errorf("AHA verdicts: home %v, morning %v, ME-dif %v, flags %d, severe %d, office/home %v",
			s.Verdict, s.MorningVerdict, s.MEDifVerdict, s.Flagged, len(s.Severe), s.OfficeHome)
	}
	if esh := weekReport(t, health.ESH2023).Summary; esh.Verdict != health.Below || esh.Mean.String() != want.mean {
		t.Errorf("ESH: mean %s %v 135/85, want below", esh.Mean, esh.Verdict)
	}
}

// TestMonitoringWeekMarkdown checks the numbers worked by hand in the
// rendered report, then the whole report against the golden file.
func TestMonitoringWeekMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := weekReport(t, health.AHA2025).Markdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| Home mean | 131.2/82.5 mmHg (24 readings over 6 days, 12 sittings) |",
		"| **Against the home threshold** | at or above the home threshold 130/80 (AHA/ACC 2025) |",
		"| Protocol minimum | met: 6 days and 24 readings averaged (needs 3 days and 12 readings) |",
		"| Day 1 | 2025-01-12 (4 readings) shown, not averaged, as the protocol says |",
		"| Morning mean (04:00–11:59) | 138.2/86.5 mmHg (12 readings) |",
		"| Evening mean (18:00–23:59) | 124.2/78.6 mmHg (12 readings) |",
		"| **Morning hypertension (morning mean ≥ 135/85)** | morning hypertension: the morning mean is at or above 135/85 |",
		"| Morning − evening systolic (ME-dif) | +14.0 mmHg: below 20 mmHg |",
		"| Mean pulse | 69.8 bpm |",
		"| Highest | 142/89 mmHg on 2025-01-15 06:45 |",
		"| Lowest | 120/76 mmHg on 2025-01-14 19:31 |",
		"| Possible AFib flags | none |",
		"| Readings above 180/120 | none |",
		"| 2025-01-12 to 2025-01-18 | 28 | 0 | 0 |",
		"Times are the wall clock where each reading was taken (UTC−05:00).",
		"| 2025-01-12 | 07:00 | 152/96 | 78 | morning | Stage 2 | day 1, not averaged |",
		"| 2025-01-15 | 06:45 | 142/89 | 74 | morning | Stage 2 |  |",
		"| 2025-01-13 | 20:00 | 126/80 | 68 | evening | Stage 1 |  |",
		"| 2025-01-14 | 07:06 | 134/84 | 70 | morning | Stage 1 |  |",
		"| 2025-01-14 | 07:05 | 136/85 | 71 | morning | Stage 2 |  |",
		"Category (home, AHA/ACC 2025)",
		"not a diagnosis: confirm it with an ECG",
		"sensitivity ≈ 96 %, specificity ≈ 94 %; positive predictive value in real primary care ≈ 42 %",
		"No office readings in this period",
		"- Omron Connect export (home): 28 readings",
		"Made by vitals on 2025-01-20 14:30 UTC.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	golden(t, "week-aha2025.md", b.Bytes())

	b.Reset()
	if err := weekReport(t, health.ESH2023).Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| Against the home threshold | below the home threshold 135/85 (ESH 2023) |",
		"Category (home, ESH 2023)",
		"| 2025-01-13 | 07:00 | 140/88 | 72 | morning | Hypertension |",
		"| 2025-01-14 | 07:06 | 134/84 | 70 | morning | Normal |",
		"| 2025-01-14 | 07:05 | 136/85 | 71 | morning | Hypertension |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("ESH markdown lacks %q", want)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; review with -update and git diff.\n got:\n%s", path, got)
	}
}
