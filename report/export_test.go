package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/fhir"
	"vitals/fhir/fhirtest"
	"vitals/health"
	"vitals/providers/files"
	"vitals/report"
	"vitals/store"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	m := func(when string, offset int, device, origin string) health.Meta {
		return health.Meta{Time: utc(when), Offset: offset, Device: device, Origin: origin}
	}
	b := health.Batch{
		BloodPressure: []health.BloodPressure{
			{Meta: m("2025-01-12T20:05:00Z", -6*3600, "", "Omron Connect CSV"), Systolic: health.Of(121), Diastolic: health.Of(79)},
			{Meta: m("2025-01-12T14:12:00Z", -6*3600, "HEM-7600T", "Omron Wellness"), Systolic: health.Of(114), Diastolic: health.Of(74), Pulse: health.Of(47)},
			// Same instant: ordered by the other columns.
			{Meta: m("2025-01-12T14:12:00Z", -6*3600, "HEM-7600T", "Omron Wellness"), PossibleAFib: true},
			{Meta: m("2024-11-21T06:42:00Z", 5*3600+1800, "Cuff, \"large\"", "Omron Wellness"), Systolic: health.Of(128.5), Diastolic: health.Of(81), IrregularHeartbeat: true},
		},
		Weight: []health.Weight{
			{Meta: m("2025-01-12T13:00:00Z", 0, "HBF-702T", "Omron Wellness"), Weight: health.Of(71.6), BMI: health.Of(23.4), BodyFat: health.Of(21.5),
				SkeletalMuscle: health.Of(33.1), VisceralFat: health.Of(7), RestingMetabolism: health.Of(1520)},
			{Meta: m("2025-01-13T13:00:00Z", 0, "", "Epic"), BMI: health.Of(23.1)},
		},
		Activity:    []health.Activity{{Meta: m("2025-01-12T06:00:00Z", -6*3600, "", "Omron Wellness"), Steps: health.Of(0), Calories: health.Of(1980.5), Distance: health.Of(5321.4)}},
		Temperature: []health.Temperature{{Meta: m("2025-01-12T14:30:00Z", 3600, "", "x"), Celsius: health.Of(36.667)}},
		SpO2:        []health.SpO2{{Meta: m("2025-01-12T14:31:00Z", 3600, "", "x"), Percent: health.Of(97), Pulse: health.Of(68)}},
		HeartRate:   []health.HeartRate{{Meta: m("2025-01-12T14:33:00Z", 3600, "", "x"), BPM: health.Of(72)}},
		Conditions:  []health.Condition{{Meta: m("2009-01-31T10:19:15Z", 3600, "", "carin"), System: "http://snomed.info/sct", Code: "49436004", Display: "Atrial Fibrillation", Status: "active"}},
	}
	want := map[health.Kind]string{
		health.KindBloodPressure: `time_utc,utc_offset,systolic,diastolic,pulse,possible_afib,irregular_heartbeat,device,source
2024-11-21T06:42:00Z,+05:30,128.5,81,,false,true,"Cuff, ""large""",Omron Wellness
2025-01-12T14:12:00Z,-06:00,,,,true,false,HEM-7600T,Omron Wellness
2025-01-12T14:12:00Z,-06:00,114,74,47,false,false,HEM-7600T,Omron Wellness
2025-01-12T20:05:00Z,-06:00,121,79,,false,false,,Omron Connect CSV
`,
		health.KindWeight: `time_utc,utc_offset,weight_kg,bmi,body_fat_pct,skeletal_muscle_pct,visceral_fat_level,resting_metabolism_kcal,device,source
2025-01-12T13:00:00Z,+00:00,71.6,23.4,21.5,33.1,7,1520,HBF-702T,Omron Wellness
2025-01-13T13:00:00Z,+00:00,,23.1,,,,,,Epic
`,
		health.KindActivity: `time_utc,utc_offset,steps,aerobic_steps,calories_kcal,distance_m,device,source
2025-01-12T06:00:00Z,-06:00,0,,1980.5,5321.4,,Omron Wellness
`,
		health.KindTemperature: "time_utc,utc_offset,celsius,device,source\n2025-01-12T14:30:00Z,+01:00,36.667,,x\n",
		health.KindSpO2:        "time_utc,utc_offset,spo2_pct,pulse,device,source\n2025-01-12T14:31:00Z,+01:00,97,68,,x\n",
		health.KindHeartRate:   "time_utc,utc_offset,bpm,device,source\n2025-01-12T14:33:00Z,+01:00,72,,x\n",
		health.KindCondition: `time_utc,utc_offset,code_system,code,display,status,source
2009-01-31T10:19:15Z,+01:00,http://snomed.info/sct,49436004,Atrial Fibrillation,active,carin
`,
	}
	for _, k := range report.CSVKinds() {
		var buf bytes.Buffer
		if err := report.WriteCSV(&buf, k, b, report.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != want[k] {
			t.Errorf("%s CSV:\n%s\nwant:\n%s", k, got, want[k])
		}
	}
	if err := report.WriteCSV(&bytes.Buffer{}, "glucose", b, report.CSVOptions{}); err == nil {
		t.Error("WriteCSV(glucose): no error")
	}
}

func TestWriteFHIRReadsBack(t *testing.T) {
	t.Parallel()
	b := health.Batch{BloodPressure: []health.BloodPressure{{
		Meta:     health.Meta{AccountID: 1, ProviderID: "p", Time: utc("2025-01-12T14:12:00Z"), Offset: -6 * 3600, Origin: "Omron Wellness", Setting: health.SettingHome},
		Systolic: health.Of(114), Diastolic: health.Of(74), PossibleAFib: true,
	}}}
	var buf bytes.Buffer
	if err := report.WriteFHIR(&buf, b, report.FHIROptions{ExportOptions: fhir.ExportOptions{PatientID: "uid"}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := fhir.MapBundle(buf.Bytes(), fhir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var a, c bytes.Buffer
	_ = report.WriteCSV(&a, health.KindBloodPressure, b, report.CSVOptions{})
	_ = report.WriteCSV(&c, health.KindBloodPressure, got, report.CSVOptions{})
	if a.String() != c.String() {
		t.Errorf("FHIR round trip:\n%s\nwant\n%s", c.String(), a.String())
	}
}

func openDB(t *testing.T, name string) (*store.DB, store.Profile) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), name), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := db.EnsureProfile(context.Background(), "me")
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}

func importFile(t *testing.T, db *store.DB, p store.Profile, path string) {
	t.Helper()
	profile := func(context.Context) (int64, error) { return p.ID, nil }
	if _, err := files.Import(context.Background(), files.DB(db), profile, path, nil, files.Options{}); err != nil {
		t.Fatal(err)
	}
}

func exportCSV(t *testing.T, db *store.DB, p store.Profile) map[health.Kind][]byte {
	t.Helper()
	b, err := db.Batch(context.Background(), store.Filter{ProfileID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[health.Kind][]byte{}
	for _, k := range report.CSVKinds() {
		var buf bytes.Buffer
		if err := report.WriteCSV(&buf, k, b, report.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
		out[k] = buf.Bytes()
	}
	return out
}

// TestSyntheaRoundTrip imports the public bundles, exports FHIR, imports
// that into a new database and compares the two databases' CSV exports
// byte for byte; and checks the first CSV export against the files' own
// values, read independently.
func TestSyntheaRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	paths := fhirtest.SyntheaFiles(t)
	db1, p1 := openDB(t, "first.db")
	for _, path := range paths {
		importFile(t, db1, p1, path)
	}
	first := exportCSV(t, db1, p1)

	b, err := db1.Batch(ctx, store.Filter{ProfileID: p1.ID})
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "export.json")
	var buf bytes.Buffer
	if err := report.WriteFHIR(&buf, b, report.FHIROptions{ExportOptions: fhir.ExportOptions{PatientID: p1.UID, PatientName: "me"}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundle, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db2, p2 := openDB(t, "second.db")
	importFile(t, db2, p2, bundle)
	second := exportCSV(t, db2, p2)
	for _, k := range report.CSVKinds() {
		if !bytes.Equal(first[k], second[k]) {
			t.Errorf("%s CSV differs after the FHIR round trip:\n%s\nvs\n%s", k, first[k], second[k])
		}
	}
	// A second export of the same database is the same bundle.
	var again bytes.Buffer
	_ = report.WriteFHIR(&again, b, report.FHIROptions{ExportOptions: fhir.ExportOptions{PatientID: p1.UID, PatientName: "me"}})
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("exporting the same readings twice gave two different bundles")
	}

	got := csvValues(t, first)
	want := fileValues(t, paths)
	if len(got) != len(want) {
		t.Errorf("CSV export has %d values, the files %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.key != w.key || math.Abs(g.value-w.value) > 0.001 {
			t.Errorf("value %d: CSV %s = %v, file %s = %v", i, g.key, g.value, w.key, w.value)
			break
		}
	}
}

// value is one number at one time in one column.
type value struct {
	key   string // "time_utc offset column source"
	value float64
}

func sortValues(vs []value) {
	slices.SortFunc(vs, func(a, b value) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		switch {
		case a.value < b.value:
			return -1
		case a.value > b.value:
			return 1
		}
		return 0
	})
}

// csvValues reads the measured numbers back out of the CSV exports.
func csvValues(t *testing.T, exports map[health.Kind][]byte) []value {
	t.Helper()
	columns := map[health.Kind][]string{
		health.KindBloodPressure: {"systolic", "diastolic"},
		health.KindWeight:        {"weight_kg", "bmi"},
		health.KindHeartRate:     {"bpm"},
		health.KindTemperature:   {"celsius"},
		health.KindSpO2:          {"spo2_pct"},
	}
	var out []value
	for k, cols := range columns {
		recs, err := csv.NewReader(bytes.NewReader(exports[k])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := recs[0]
		for _, rec := range recs[1:] {
			for _, col := range cols {
				i := slices.Index(header, col)
				if rec[i] == "" {
					continue
				}
				x, err := strconv.ParseFloat(rec[i], 64)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, value{fmt.Sprintf("%s %s %s %s", rec[0], rec[1], col, rec[len(rec)-1]), x})
			}
		}
	}
	sortValues(out)
	return out
}

// fileValues reads the same numbers straight from the bundles, converting
// pounds and °F by hand.
func fileValues(t *testing.T, paths []string) []value {
	t.Helper()
	type quantity struct {
		Value float64 `json:"value"`
		Unit  string  `json:"unit"`
	}
	type coded struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	}
	var out []value
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		source := filepath.Base(path)
		for _, e := range doc.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
			}
			_ = json.Unmarshal(e.Resource, &head)
			if head.ResourceType != "Observation" {
				continue
			}
			var o struct {
				Code      coded     `json:"code"`
				Effective string    `json:"effectiveDateTime"`
				Value     *quantity `json:"valueQuantity"`
				Component []struct {
					Code  coded     `json:"code"`
					Value *quantity `json:"valueQuantity"`
				} `json:"component"`
			}
			if err := json.Unmarshal(e.Resource, &o); err != nil {
				t.Fatal(err)
			}
			when := func() string {
				at, err := time.Parse(time.RFC3339, o.Effective)
				if err != nil {
					t.Fatalf("%s: %v", source, err)
				}
				_, off := at.Zone()
				return at.UTC().Format(time.RFC3339) + " " + health.FormatOffset(off)
			}
			add := func(col string, q *quantity) {
				x := q.Value
				switch q.Unit {
				case "lb", "[lb_av]", "lbs":
					x *= 0.45359237
				case "°F", "[degF]":
					x = (x - 32) / 1.8
				}
				out = append(out, value{when() + " " + col + " " + source, x})
			}
			codes := map[string]bool{}
			for _, c := range o.Code.Coding {
				codes[c.Code] = true
			}
			switch {
			case codes["85354-9"] || codes["55284-4"]:
				for _, c := range o.Component {
					switch c.Code.Coding[0].Code {
					case "8480-6":
						add("systolic", c.Value)
					case "8462-4":
						add("diastolic", c.Value)
					}
				}
			case codes["29463-7"]:
				add("weight_kg", o.Value)
			case codes["39156-5"]:
				add("bmi", o.Value)
			case codes["8867-4"]:
				add("bpm", o.Value)
			case codes["8310-5"]:
				add("celsius", o.Value)
			case codes["59408-5"] || codes["2708-6"]:
				add("spo2_pct", o.Value)
			}
		}
	}
	sortValues(out)
	return out
}
