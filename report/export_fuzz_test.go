package report_test

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers/files"
	"vitals/report"
	"vitals/sanitize"
)

// FuzzExportRoundTrip builds one reading of any kind from the fuzzer's
// values, exports it (CSV, with text made safe and with --raw-text; FHIR)
// and imports the export as vitals import does: the import must succeed
// and give back what the format carries, exactly: values, flags, time,
// offset, device, source; FHIR also the setting, the manual flag and the
// hourly activity. A reading health refuses (a value out of range, a
// date before 1900 or in the future) is not exported, as the store holds
// none.
func FuzzExportRoundTrip(f *testing.F) {
	f.Add(uint8(0), 128.0, 82.0, 66.0, 0.0, 0.0, 0.0, uint8(0b11), int64(1736689920), int16(-360), "HEM-7600T", "Omron Wellness", "", uint8(1))
	f.Add(uint8(0), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, uint8(0), int64(1736689920), int16(60), `=HYPERLINK("x","y")`, "'=x", "", uint8(0))
	f.Add(uint8(1), 81.7373, 24.3, 21.5, 35.2, 9.0, 1650.0, uint8(0), int64(1700000000), int16(330), "BC-601\x1b[2J", "Tanita\r\nScale", "", uint8(2))
	f.Add(uint8(2), 10234.0, 4100.0, 2300.5, 7400.25, 1200.0, 10.0, uint8(0b100), int64(1700000000), int16(-480), "", "Fitbit", "", uint8(1))
	f.Add(uint8(3), 37.25, 0.0, 0.0, 0.0, 0.0, 0.0, uint8(0b1000), int64(1600000000), int16(0), "\u202eTherm", "-clinic", "", uint8(2))
	f.Add(uint8(4), 97.0, 61.0, 0.0, 0.0, 0.0, 0.0, uint8(0), int64(1600000000), int16(540), "@oxi", "+1", "", uint8(0))
	f.Add(uint8(5), 61.0, 0.0, 0.0, 0.0, 0.0, 0.0, uint8(0), int64(1600000000), int16(-30), "watch\xff", "x", "", uint8(0))
	f.Add(uint8(6), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, uint8(0), int64(1500000000), int16(60), "", "Clinic A", "Atrial fibrillation", uint8(0))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind uint8, a, b, c, d, e, g float64, flags uint8, unix int64, offsetMin int16, device, origin, text string, setting uint8) {
		batch, k := fuzzReading(kind, []float64{a, b, c, d, e, g}, flags, unix, offsetMin, device, origin, text, setting)
		if batch.Check(now) != nil {
			return
		}
		for _, raw := range []bool{false, true} {
			var buf bytes.Buffer
			if err := report.WriteCSV(&buf, k, batch, report.CSVOptions{RawText: raw}); err != nil {
				t.Fatalf("CSV export: %v", err)
			}
			back, err := files.Read("export.csv", buf.Bytes(), files.Options{Now: now})
			if err != nil {
				t.Fatalf("the CSV export (raw %v) does not import: %v\n%s", raw, err, buf.String())
			}
			text := func(s string) string { return sanitize.Line(s) }
			if raw {
				text = csvRawText
			}
			if got, want := carried(back.Batch, false, text), carried(batch, false, text); !slices.Equal(got, want) {
				t.Fatalf("CSV (raw %v) export and import:\n got  %q\n want %q\n%s", raw, got, want, buf.String())
			}
		}
		var buf bytes.Buffer
		if err := report.WriteFHIR(&buf, batch, report.FHIROptions{}); err != nil {
			t.Fatalf("FHIR export: %v", err)
		}
		back, err := files.Read("export.json", buf.Bytes(), files.Options{Now: now})
		if err != nil {
			t.Fatalf("the FHIR export does not import: %v\n%s", err, buf.String())
		}
		jsonText := func(s string) string { return string([]rune(s)) } // invalid UTF-8 becomes U+FFFD, byte by byte
		want := batch
		want.EachMeta(func(m *health.Meta) {
			if m.Origin == "" {
				m.Origin = "export.json" // a reading without a source is the file's
			}
		})
		if got, want := carried(back.Batch, true, jsonText), carried(want, true, jsonText); !slices.Equal(got, want) {
			t.Fatalf("FHIR export and import:\n got  %q\n want %q\n%s", got, want, buf.String())
		}
	})
}

// csvRawText is a text after a CSV file of --raw-text and vitals import:
// a NUL byte is written \x00, a line break CRLF inside a cell reads back
// as LF, and an apostrophe before a formula's first character is taken as
// the export's own.
func csvRawText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\x00", `\x00`), "\r\n", "\n")
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i > 0 && i < len(s) && strings.IndexByte("=+-@\t\r", s[i]) >= 0 {
		return s[1:]
	}
	return s
}

// fuzzReading makes one reading of kind k%7 from the fuzzer's values: a
// value of 0 or NaN is missing (for activity, NaN only).
func fuzzReading(kind uint8, x []float64, flags uint8, unix int64, offsetMin int16, device, origin, text string, setting uint8) (health.Batch, health.Kind) {
	off := int(offsetMin) % (14 * 60) * 60
	m := health.Meta{AccountID: 1, ProviderID: "p", Time: time.Unix(unix, int64(flags)*1e7).UTC(), Offset: off, Device: device, Origin: origin,
		Setting: []health.Setting{health.SettingUnknown, health.SettingHome, health.SettingOffice}[int(setting)%3], Manual: flags&0b10000 != 0}
	v := func(i int) health.Value {
		if math.IsNaN(x[i]) || x[i] == 0 {
			return health.Missing
		}
		return health.Of(x[i])
	}
	count := func(i int) health.Value {
		if math.IsNaN(x[i]) {
			return health.Missing
		}
		return health.Of(x[i])
	}
	var b health.Batch
	k := report.CSVKinds()[int(kind)%7]
	switch k {
	case health.KindBloodPressure:
		b.BloodPressure = []health.BloodPressure{{Meta: m, Systolic: v(0), Diastolic: v(1), Pulse: v(2),
			PossibleAFib: flags&1 != 0, IrregularHeartbeat: flags&2 != 0, BodyMovement: flags&4 != 0}}
	case health.KindWeight:
		b.Weight = []health.Weight{{Meta: m, Weight: v(0), BMI: v(1), BodyFat: v(2), SkeletalMuscle: v(3), VisceralFat: v(4), RestingMetabolism: v(5)}}
	case health.KindActivity:
		a := health.Activity{Meta: m, Steps: count(0), AerobicSteps: count(1), Calories: count(2), Distance: count(3)}
		if flags&4 != 0 {
			a.Hourly = []health.HourActivity{{Hour: int(math.Abs(x[5])) % 24, Steps: count(4), AerobicSteps: health.Missing, Calories: count(5), Distance: health.Missing}}
		}
		b.Activity = []health.Activity{a}
	case health.KindTemperature:
		b.Temperature = []health.Temperature{{Meta: m, Celsius: v(0)}}
	case health.KindSpO2:
		b.SpO2 = []health.SpO2{{Meta: m, Percent: v(0), Pulse: v(1)}}
	case health.KindHeartRate:
		b.HeartRate = []health.HeartRate{{Meta: m, BPM: v(0)}}
	case health.KindCondition:
		// Only atrial fibrillation is imported from FHIR, so only it is held.
		b.Conditions = []health.Condition{{Meta: m, System: "http://snomed.info/sct", Code: health.SNOMEDAtrialFibrillation, Display: text, Status: device}}
	}
	return b, k
}

// carried describes each reading by what an export carries, its texts
// as text gives them: CSV the values, flags but body movement, time,
// offset, device and source; FHIR also the body-movement flag, the
// setting, the manual flag and the hourly activity.
func carried(b health.Batch, fhir bool, text func(string) string) []string {
	var out []string
	num := func(vs ...health.Value) string {
		var s []string
		for _, v := range vs {
			if x, ok := v.Get(); ok {
				s = append(s, strconv.FormatFloat(x, 'g', -1, 64))
			} else {
				s = append(s, "-")
			}
		}
		return strings.Join(s, "/")
	}
	meta := func(m health.Meta) string {
		s := fmt.Sprintf("%s%+d %q %q", m.Time.UTC().Format(time.RFC3339Nano), m.Offset, text(m.Device), text(m.Origin))
		if fhir {
			s += fmt.Sprintf(" %s manual=%v", m.Setting, m.Manual)
		}
		return s
	}
	for _, r := range b.BloodPressure {
		s := fmt.Sprintf("bp %s %s afib=%v ihb=%v", meta(r.Meta), num(r.Systolic, r.Diastolic, r.Pulse), r.PossibleAFib, r.IrregularHeartbeat)
		if fhir {
			s += fmt.Sprintf(" move=%v", r.BodyMovement)
		}
		out = append(out, s)
	}
	for _, r := range b.Weight {
		out = append(out, fmt.Sprintf("weight %s %s", meta(r.Meta), num(r.Weight, r.BMI, r.BodyFat, r.SkeletalMuscle, r.VisceralFat, r.RestingMetabolism)))
	}
	for _, r := range b.Activity {
		s := fmt.Sprintf("activity %s %s", meta(r.Meta), num(r.Steps, r.AerobicSteps, r.Calories, r.Distance))
		if fhir {
			for _, h := range r.Hourly {
				s += fmt.Sprintf(" %d:%s", h.Hour, num(h.Steps, h.AerobicSteps, h.Calories, h.Distance))
			}
		}
		out = append(out, s)
	}
	for _, r := range b.Temperature {
		out = append(out, fmt.Sprintf("temperature %s %s", meta(r.Meta), num(r.Celsius)))
	}
	for _, r := range b.SpO2 {
		out = append(out, fmt.Sprintf("spo2 %s %s", meta(r.Meta), num(r.Percent, r.Pulse)))
	}
	for _, r := range b.HeartRate {
		out = append(out, fmt.Sprintf("hr %s %s", meta(r.Meta), num(r.BPM)))
	}
	for _, r := range b.Conditions {
		m := r.Meta
		m.Device = "" // a condition has no device
		out = append(out, fmt.Sprintf("condition %s %q %q %q %q", meta(m), text(r.System), text(r.Code), text(r.Display), text(r.Status)))
	}
	slices.Sort(out)
	return out
}
