package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"vitals/fhir"
	"vitals/fhir/fhirtest"
	"vitals/health"
	"vitals/providers/files"
	"vitals/report"
)

// TestCell: a text a spreadsheet would run as a formula gets a leading
// apostrophe, one that starts with apostrophes before such a character
// one more, controls are escaped, and every other text is as it was.
func TestCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"HEM-7600T":              "HEM-7600T",
		`=HYPERLINK("x","y")`:    `'=HYPERLINK("x","y")`,
		"+1 555":                 "'+1 555",
		"-2":                     "'-2",
		"@SUM(A1)":               "'@SUM(A1)",
		"'=x":                    "''=x",
		"''-x":                   "'''-x",
		"'quoted'":               "'quoted'",
		"'":                      "'",
		"":                       "",
		"\tx":                    " x",
		"a\x1b[2Jb":              `a\x1b[2Jb`,
		"HEM-\u202eT0067":        `HEM-\u202eT0067`,
		"Omron Connect CSV":      "Omron Connect CSV",
		"Clinic=A":               "Clinic=A",
		"=\x1b]52;c;aGk=\x07x y": `'=\x1b]52;c;aGk=\x07x y`,
	} {
		if got := report.Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriteCSVText: text cells are made safe by default and written as
// they are with RawText; numbers and times never change.
func TestWriteCSVText(t *testing.T) {
	t.Parallel()
	b := health.Batch{
		BloodPressure: []health.BloodPressure{{
			Meta:     health.Meta{Time: utc("2025-01-12T14:12:00Z"), Offset: -5 * 3600, Device: "=1+1", Origin: "-src"},
			Systolic: health.Of(114), Diastolic: health.Of(74),
		}},
		Conditions: []health.Condition{{
			Meta:   health.Meta{Time: utc("2025-01-12T14:12:00Z"), Origin: "@clinic"},
			System: "http://snomed.info/sct", Code: "49436004", Display: "=cmd|' /C calc'!A0", Status: "active",
		}},
	}
	for _, tt := range []struct {
		raw  bool
		kind health.Kind
		want []string
	}{
		{false, health.KindBloodPressure, []string{"2025-01-12T14:12:00Z", "-05:00", "114", "74", "", "false", "false", "'=1+1", "'-src"}},
		{true, health.KindBloodPressure, []string{"2025-01-12T14:12:00Z", "-05:00", "114", "74", "", "false", "false", "=1+1", "-src"}},
		{false, health.KindCondition, []string{"2025-01-12T14:12:00Z", "+00:00", "http://snomed.info/sct", "49436004", "'=cmd|' /C calc'!A0", "active", "'@clinic"}},
	} {
		var buf bytes.Buffer
		if err := report.WriteCSV(&buf, tt.kind, b, report.CSVOptions{RawText: tt.raw}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[1]; strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s, raw %v: %q, want %q", tt.kind, tt.raw, got, tt.want)
		}
	}
}

// TestWriteFHIRStreams: the bundle written an entry at a time is the
// bytes fhir.EncodeBundle gives for it, on the public Synthea bundles
// imported, and progress is told.
func TestWriteFHIRStreams(t *testing.T) {
	t.Parallel()
	var all health.Batch
	for _, path := range fhirtest.SyntheaFiles(t) {
		f, err := files.ReadFile(path, nil, files.Options{})
		if err != nil {
			t.Fatal(err)
		}
		all.Append(f.Batch)
	}
	opt := fhir.ExportOptions{PatientID: "uid", PatientName: "Ann"}
	for _, b := range []health.Batch{{}, all} {
		bundle, err := fhir.NewBundle(b, opt)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fhir.EncodeBundle(bundle)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		last := 0
		if err := report.WriteFHIR(&got, b, report.FHIROptions{ExportOptions: opt, Progress: func(n int) { last = n }}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%d readings: the streamed bundle differs from EncodeBundle's (%d and %d bytes)", b.Len(), got.Len(), len(want))
		}
		if b.Len() >= 1000 && last < 1000 {
			t.Errorf("%d readings: progress told %d", b.Len(), last)
		}
	}
}

// TestWriteFHIREscapes: what a screen would act on is written as JSON
// escapes, which read back as the same text.
func TestWriteFHIREscapes(t *testing.T) {
	t.Parallel()
	device := "HEM\x1b]52;c;aGk=\x07\u202e\u0085\x7f\U000E0041"
	b := health.Batch{HeartRate: []health.HeartRate{{
		Meta: health.Meta{AccountID: 1, ProviderID: "p", Time: utc("2025-01-12T14:12:00Z"), Device: device}, BPM: health.Of(61)}}}
	var buf bytes.Buffer
	if err := report.WriteFHIR(&buf, b, report.FHIROptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\x07\u202e\u0085\x7f\U000E0041") {
		t.Errorf("raw controls in the bundle: %q", out)
	}
	for _, esc := range []string{`\u001b`, `\u0007`, `\u202e`, `\u0085`, `\u007f`, `\udb40\udc41`} {
		if !strings.Contains(out, esc) {
			t.Errorf("no %s in the bundle", esc)
		}
	}
	back, _, err := fhir.MapBundle(buf.Bytes(), fhir.Options{})
	if err != nil || len(back.HeartRate) != 1 || back.HeartRate[0].Device != device {
		t.Errorf("read back: %+v, %v; want the device %q", back.HeartRate, err, device)
	}
}
