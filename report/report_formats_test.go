package report

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

func jan(day int) health.Date { return health.Date{Year: 2025, Month: time.January, Day: day} }

// at is a reading on a January 2025 day at hh:mm Eastern.
func at(day int, hhmm string, sys, dia float64) health.BloodPressure {
	local, err := time.ParseInLocation("2006-01-02 15:04", "2025-01-01 "+hhmm, health.FixedZone(eastern))
	if err != nil {
		panic(err)
	}
	local = local.AddDate(0, 0, day-1)
	return health.BloodPressure{
		Meta:      health.Meta{ProviderID: local.Format(time.RFC3339), Time: local.UTC(), Offset: eastern, Device: "HEM-7600T", Origin: "Omron Wellness", Setting: health.SettingHome},
		Systolic:  health.Of(sys),
		Diastolic: health.Of(dia),
		Pulse:     health.Of(70),
	}
}

// flaggedReport is the monitoring week with rhythm flags, a blanked
// possible-AFib reading, a reading above 180/120, an afternoon reading and
// two office readings below the office threshold: masked hypertension.
//
// By hand, over the week's 24 averaged readings (report_test.go) plus
// 150/92 (Jan 16 07:40, morning), 146/90 (Jan 17 07:30, morning) and
// 186/104 (Jan 15 14:00, neither morning nor evening); the blanked reading
// is never averaged:
//
//	home      (3148 + 150 + 146 + 186)/27 = 3630/27 = 134.44… → 134.4
//	          (1981 +  92 +  90 + 104)/27 = 2267/27 =  83.96… →  84.0
//	morning   (1658 + 150 + 146)/14 = 1954/14 = 139.57… → 139.6
//	          (1038 +  92 +  90)/14 = 1220/14 =  87.14… →  87.1
//	evening   unchanged, 124.2/78.6; ME-dif 1954/14 − 1490/12 =
//	          139.571 − 124.167 = 15.405 → 15.4
//	office    (126 + 124)/2 = 125.0, (78 + 76)/2 = 77.0: below 130/80
//	flags     possible AFib Jan 16 07:30, irregular Jan 16 07:40 and
//	          Jan 17 07:30: 3 of 32 readings, and the first two are
//	          consecutive, so 2 flags in 3 readings from Jan 16 07:30.
func flaggedReport(t testing.TB) Report {
	home := readOmronCSV(t, filepath.Join("testdata", "omron-week-us.csv"), eastern)
	afib := at(16, "07:30", 0, 0) // Omron zeroes the values of a possible-AFib reading
	afib.PossibleAFib, afib.Pulse = true, health.Of(0)
	ihb1, ihb2 := at(16, "07:40", 150, 92), at(17, "07:30", 146, 90)
	ihb1.IrregularHeartbeat, ihb2.IrregularHeartbeat = true, true
	home = append(home, afib, ihb1, ihb2, at(15, "14:00", 186, 104))
	office := []health.BloodPressure{at(14, "10:00", 126, 78), at(14, "10:05", 124, 76)}
	for i := range office {
		office[i].Setting, office[i].Manual, office[i].Origin, office[i].Device = health.SettingOffice, true, "Entered by hand", ""
	}
	return New("Jane Q. Doe", "p-1042", home, office, Options{
		From: jan(12), To: jan(18), Rulebook: health.AHA2025,
		Now: time.Date(2025, 1, 20, 14, 30, 0, 0, time.UTC), Zone: time.UTC,
	})
}

func TestFlaggedWeekMarkdown(t *testing.T) {
	r := flaggedReport(t)
	s := r.Summary
	if s.PossibleAFib.N != 1 || s.Irregular.N != 2 || !s.RepeatedFlags || s.Blanked != 1 || s.BlankedNoCause.N != 0 || len(s.Severe) != 1 ||
		s.OfficeHome != health.MaskedHypertension {
		t.Fatalf("summary: afib %d, irregular %d, repeated %v, blanked %d (%d without a cause), severe %d, office/home %v",
			s.PossibleAFib.N, s.Irregular.N, s.RepeatedFlags, s.Blanked, s.BlankedNoCause.N, len(s.Severe), s.OfficeHome)
	}
	var b bytes.Buffer
	if err := r.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"> **Warning:** 186/104 mmHg on 2025-01-15 14:00 (home) is above 180/120.",
		"> **Warning:** Repeated rhythm flags: 2 or more flagged readings in 3 consecutive readings, from 2025-01-16 07:30.",
		"| **Possible AFib flags** | 1 reading, on 2025-01-16 |",
		"| **Irregular heartbeat flags** | 2 readings, on 2025-01-16, 2025-01-17 |",
		"| Home mean | 134.4/84.0 mmHg (27 readings over 6 days, 15 sittings) |",
		"| Morning mean (04:00–11:59) | 139.6/87.1 mmHg (14 readings) |",
		"| Morning − evening systolic (ME-dif) | +15.4 mmHg: below 20 mmHg |",
		"| Highest | 186/104 mmHg on 2025-01-15 14:00 |",
		"| **2025-01-12 to 2025-01-18** | 32 | 3 | 0 |",
		"| **2 or more flags in 3 consecutive readings** | yes, from 2025-01-16 07:30: a stronger signal |",
		"| Blanked readings | 1 reading without values; 1 with a rhythm flag: counted in the flag rates, never averaged or charted |",
		"| **Readings above 180/120** | 186/104 on 2025-01-15 14:00 |",
		"| 2025-01-16 | 07:30 | no values |  | morning | blanked: possible AFib | **possible AFib** |",
		"| 2025-01-16 | 07:40 | 150/92 | 70 | morning | Stage 2 | **irregular heartbeat** |",
		"| 2025-01-15 | 14:00 | 186/104 | 70 |  | Severe | **above 180/120** |",
		"Masked hypertension: office mean 125.0/77.0 mmHg (2 readings) is below the office threshold 130/80 (AHA/ACC 2025); " +
			"home mean 134.4/84.0 mmHg (27 readings) is at or above the home threshold 130/80 (AHA/ACC 2025).",
		"| 2025-01-14 | 10:00 | 126/78 | 70 | Elevated | entered by hand |",
		"- HEM-7600T (Omron Wellness, home): 4 readings",
		"- Entered by hand (office): 2 readings",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestTooFewReadings(t *testing.T) {
	home := []health.BloodPressure{at(12, "07:00", 150, 95), at(13, "07:00", 140, 90), at(13, "20:00", 138, 88)}
	r := New("Jane Q. Doe", "p-1042", home, nil, Options{From: jan(12), To: jan(18), Now: time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	if err := r.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"> **Warning:** Protocol minimum not met: 2 readings averaged over 1 day; the protocol needs at least 3 days and 12 readings.",
		"| Against the home threshold | not assessed: the protocol minimum (3 days, 12 averaged readings) is not met |",
		"| **Protocol minimum** | NOT met: 1 day and 2 readings averaged (needs 3 days and 12 readings) |",
		// 140/90 in the morning, at or above 135/85, yet no verdict.
		"| Morning hypertension (morning mean ≥ 135/85) | morning hypertension not assessed: the protocol minimum (3 days, 12 averaged readings) is not met |",
		"| Morning − evening systolic (ME-dif) | +2.0 mmHg: not assessed: the protocol minimum (3 days, 12 averaged readings) is not met |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "at or above") {
		t.Error("a report short of the protocol minimum judges a mean")
	}
}

func TestMixedOffsetsShowOffsets(t *testing.T) {
	away := at(14, "07:00", 130, 80)
	away.Offset = 3600 // a reading in Europe: its wall clock is 13:00
	r := New("J", "p", []health.BloodPressure{at(13, "07:00", 120, 80), away}, nil, Options{From: jan(12), To: jan(18)})
	var b bytes.Buffer
	if err := r.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 2025-01-13 | 07:00 -05:00 |", "| 2025-01-14 | 13:00 +01:00 |", "with its UTC offset"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := flaggedReport(t).HTML(&b); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{
		"<!DOCTYPE html>", "<style>", "@media print", "break-inside: avoid", "thead { display: table-header-group; }",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"", "<polyline", "stroke-dasharray",
		"134.4/84.0", "Masked hypertension", "not a diagnosis", `<tr class="flagged">`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Nothing is fetched from elsewhere.
	if m := regexp.MustCompile(`(?i)(src=|href=|@import|url\()`).FindString(h); m != "" {
		t.Errorf("HTML refers to an outside resource: %q", m)
	}
}

// TestPDF checks the file is a PDF, that its pages draw the chart with
// vector operators, and (with pdftotext) that the key numbers are in it.
func TestPDF(t *testing.T) {
	var b bytes.Buffer
	if err := flaggedReport(t).PDF(&b); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data[len(data)-32:], []byte("%%EOF")) {
		t.Fatalf("not a PDF: starts %q", data[:min(16, len(data))])
	}
	content := pageContent(t, data)
	// Lines (m … l S), the dashed threshold ([…] d), filled markers (re, curves c).
	lines := regexp.MustCompile(`(?m)[\d.]+ [\d.]+ l`).FindAllString(content, -1)
	if len(lines) < 100 {
		t.Errorf("%d line segments in the page content; the chart is not drawn", len(lines))
	}
	if !regexp.MustCompile(`\[[\d. ]+\] [\d.]+ d`).MatchString(content) {
		t.Error("no dashed line (the threshold) in the page content")
	}
	if n := strings.Count(content, " c\n") + strings.Count(content, " c "); n < 50 {
		t.Errorf("%d curve segments: the circle markers are not drawn", n)
	}

	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed: text not checked")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Home blood-pressure report", "Jane Q. Doe", "2025-01-12 to 2025-01-18",
		"134.4/84.0 mmHg", "Masked hypertension", "130/80 mmHg (AHA/ACC 2025)",
		"186/104", "possible AFib", "not a diagnosis", "page 1 of",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

// pageContent inflates the PDF's compressed streams and joins them.
func pageContent(t *testing.T, pdf []byte) string {
	t.Helper()
	var all strings.Builder
	re := regexp.MustCompile(`(?s)/Filter /FlateDecode[^>]*>>\s*stream\r?\n`)
	for _, loc := range re.FindAllIndex(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(pdf[loc[1]:]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(zr) // a stream ends where its data does; the error after is expected
		all.Write(b)
		all.WriteByte('\n')
	}
	if all.Len() == 0 {
		all.Write(pdf) // uncompressed
	}
	return all.String()
}

func TestLoadDefaultPeriod(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.AddProfile(ctx, "p-1042", "Jane Q. Doe", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, db, p, Options{}); !errors.Is(err, ErrNoReadings) {
		t.Errorf("no readings: %v, want ErrNoReadings", err)
	}
	acc, err := db.LocalAccount(ctx, p.ID, store.ProviderFile)
	if err != nil {
		t.Fatal(err)
	}
	home := readOmronCSV(t, filepath.Join("testdata", "omron-week-us.csv"), eastern)
	home = append(home, at(2, "07:00", 120, 80)) // ten days before: outside the default week
	late := at(25, "09:00", 150, 95)             // an office reading after the last home one
	late.Setting = health.SettingOffice
	if _, err := db.Upsert(ctx, p.ID, acc.ID, health.Batch{BloodPressure: append(home, late)}); err != nil {
		t.Fatal(err)
	}
	r, err := Load(ctx, db, p, Options{Now: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	if s.From != jan(12) || s.To != jan(18) || len(s.Entries) != 28 || s.Mean.String() != handWorked.mean || r.Patient != "Jane Q. Doe" {
		t.Errorf("default period %s to %s, %d readings, mean %s, patient %q", s.From, s.To, len(s.Entries), s.Mean, r.Patient)
	}
	// --to alone: the week ending there, with the office reading in it.
	r, err = Load(ctx, db, p, Options{To: jan(25)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.From != jan(19) || len(r.Summary.OfficeReadings) != 1 || len(r.Summary.Entries) != 0 {
		t.Errorf("--to 2025-01-25: from %s, %d office, %d home", r.Summary.From, len(r.Summary.OfficeReadings), len(r.Summary.Entries))
	}
	if _, err := Load(ctx, db, p, Options{From: jan(18), To: jan(12)}); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"md": Markdown, "Markdown": Markdown, "html": HTML, "PDF": PDF} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseFormat("docx"); err == nil {
		t.Error("docx accepted")
	}
}

// A period without readings renders in every format and says so.
func TestEmptyReport(t *testing.T) {
	for name, opt := range map[string]Options{
		"period given": {From: jan(12), To: jan(18)},
		"no period":    {},
	} {
		r := New("Jane Q. Doe", "p-1042", nil, nil, opt)
		for _, f := range []Format{Markdown, HTML, PDF} {
			var b bytes.Buffer
			if err := r.Write(&b, f); err != nil {
				t.Errorf("%s, %s: %v", name, f, err)
			}
			if f == Markdown && (!strings.Contains(b.String(), "No home readings in this period.") ||
				!strings.Contains(b.String(), "Protocol minimum not met: 0 readings averaged over 0 days") ||
				strings.Contains(b.String(), "Rhythm flags per week")) {
				t.Errorf("%s: markdown\n%s", name, b.String())
			}
		}
	}
}

func BenchmarkReport(b *testing.B) {
	r := flaggedReport(b)
	for _, f := range []Format{Markdown, HTML, PDF} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if err := r.Write(io.Discard, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A table that starts near the foot of a page moves whole to the next:
// the week with one office reading puts the office table there, and once
// drew its header alone on seven pages of their own.
func TestPDFTableHeaderNeverStandsAlone(t *testing.T) {
	home := readOmronCSV(t, filepath.Join("testdata", "omron-week-us.csv"), eastern)
	office := []health.BloodPressure{{
		Meta:     health.Meta{ProviderID: "office", Time: time.Date(2025, 1, 15, 15, 30, 0, 0, time.UTC), Offset: eastern, Origin: health.OriginManual, Setting: health.SettingOffice, Manual: true},
		Systolic: health.Of(128), Diastolic: health.Of(79),
	}}
	r := New("me", "me", home, office, Options{
		From: health.Date{Year: 2025, Month: time.January, Day: 12}, To: health.Date{Year: 2025, Month: time.January, Day: 18},
		Rulebook: health.AHA2025, Now: time.Date(2025, 1, 20, 14, 30, 0, 0, time.UTC), Zone: time.UTC,
	})
	var b bytes.Buffer
	if err := r.PDF(&b); err != nil {
		t.Fatal(err)
	}
	// A summary page with the chart, then 1 office and 28 home rows: three
	// A4 pages.
	if n := len(regexp.MustCompile(`/Type /Page\b`).FindAll(b.Bytes(), -1)); n > 3 {
		t.Errorf("%d pages for one office and 28 home readings, want at most 3", n)
	}
}
