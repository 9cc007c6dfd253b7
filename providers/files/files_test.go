package files

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"vitals/fhir"
	"vitals/fhir/fhirtest"
	"vitals/health"
	"vitals/store"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// bpWant is what a test expects of one blood-pressure row.
type bpWant struct {
	id          string
	at          string
	offset      int
	sys, dia, p float64 // 0: missing
	afib, ihb   bool
	movement    bool
	device      string
}

func valueOf(x float64) health.Value {
	if x == 0 {
		return health.Missing
	}
	return health.Of(x)
}

func (w bpWant) reading() health.BloodPressure {
	return health.BloodPressure{
		Meta: health.Meta{ProviderID: w.id, IDScope: ScopeOmronCSV, Time: utc(w.at), Offset: w.offset, Device: w.device,
			Origin: OriginOmronCSV, Setting: health.SettingHome},
		Systolic: valueOf(w.sys), Diastolic: valueOf(w.dia), Pulse: valueOf(w.p),
		PossibleAFib: w.afib, IrregularHeartbeat: w.ihb, BodyMovement: w.movement,
	}
}

func TestReadOmronCSV(t *testing.T) {
	t.Parallel()
	chicago := zone(t, "America/Chicago")
	berlin := zone(t, "Europe/Berlin")
	const cst, cdt = -6 * 3600, -5 * 3600
	usRows := []bpWant{
		{id: "omron-csv:2025-01-12T08:12:00", at: "2025-01-12T14:12:00Z", offset: cst, sys: 114, dia: 74, p: 47},
		{id: "omron-csv:2025-01-12T08:14:00", at: "2025-01-12T14:14:00Z", offset: cst, sys: 118, dia: 76, p: 49},
		{id: "omron-csv:2025-01-12T20:05:00", at: "2025-01-13T02:05:00Z", offset: cst, sys: 121, dia: 79},
		// 0/0/0: a measurement the monitor blanked; this layout has no flag
		// column to say why. Kept as a reading without values.
		{id: "omron-csv:2025-02-03T07:58:00", at: "2025-02-03T13:58:00Z", offset: cst},
		// Mar 9 2025 is the day US clocks moved forward: 21:30 is CDT.
		{id: "omron-csv:2025-03-09T21:30:00", at: "2025-03-10T02:30:00Z", offset: cdt, sys: 135, dia: 88, p: 72},
	}
	usIgnored := map[string]int{`CSV column "Notes"`: 1}
	tests := []struct {
		file    string
		zone    *time.Location
		format  string
		want    []bpWant
		ignored map[string]int
		zoned   bool // whether rows were read in the default zone
	}{
		{
			file: "omron-us.csv", zone: chicago, format: "Omron Connect CSV, US layout (month-first dates)",
			want: usRows, ignored: usIgnored, zoned: true,
		},
		{
			file: "omron-us-bom-crlf.csv", zone: chicago, format: "Omron Connect CSV, US layout (month-first dates)",
			want: usRows, ignored: usIgnored, zoned: true,
		},
		{
			file: "omron-us-flags.csv", zone: chicago, format: "Omron Connect CSV, US layout (month-first dates)",
			want: []bpWant{
				// Possible AFib with zeros: the zeros are missing values.
				{id: "omron-csv:2025-04-01T07:05:00", at: "2025-04-01T12:05:00Z", offset: cdt, afib: true},
				{id: "omron-csv:2025-04-01T07:07:00", at: "2025-04-01T12:07:00Z", offset: cdt, sys: 142, dia: 91, p: 88, ihb: true},
				// A second reading in the same minute gets its own id.
				{id: "omron-csv:2025-04-01T07:07:00#2", at: "2025-04-01T12:07:00Z", offset: cdt, sys: 139, dia: 90, p: 86, movement: true},
				{id: "omron-csv:2025-04-01T20:15:00", at: "2025-04-02T01:15:00Z", offset: cdt, sys: 126, dia: 80, p: 70},
			},
			ignored: map[string]int{"CSV row repeated in the file": 1}, zoned: true,
		},
		{
			file: "omron-eu.csv", zone: berlin, format: "Omron Connect CSV, day-first layout",
			want: []bpWant{
				{id: "omron-csv:2024-11-21T07:40:00/HEM-7600T-E", at: "2024-11-21T06:40:00Z", offset: 3600, sys: 132, dia: 84, p: 66, device: "HEM-7600T-E"},
				{id: "omron-csv:2024-11-21T07:42:00/HEM-7600T-E", at: "2024-11-21T06:42:00Z", offset: 3600, afib: true, device: "HEM-7600T-E"},
				{id: "omron-csv:2024-11-21T19:05:00/HEM-7600T-E", at: "2024-11-21T18:05:00Z", offset: 3600, sys: 128, dia: 81, ihb: true, device: "HEM-7600T-E"},
			},
			ignored: map[string]int{`CSV column "Measurement Mode"`: 4, "CSV row without a measurement": 1}, zoned: true,
		},
		{
			file: "omron-eu-semicolon.csv", zone: berlin, format: "Omron Connect CSV, day-first layout",
			want: []bpWant{
				{id: "omron-csv:2024-11-21T07:40:00/HEM-7600T-E", at: "2024-11-21T06:40:00Z", offset: 3600, sys: 132, dia: 84, p: 66, device: "HEM-7600T-E"},
				{id: "omron-csv:2024-11-21T19:05:00/HEM-7600T-E", at: "2024-11-21T18:05:00Z", offset: 3600, sys: 128, dia: 81, ihb: true, device: "HEM-7600T-E"},
			},
			ignored: map[string]int{`CSV column "Measurement Mode"`: 2}, zoned: true,
		},
		{
			// Each row names its zone; --tz plays no part.
			file: "omron-timezone.csv", zone: chicago, format: "Omron Connect CSV with a Timezone column",
			want: []bpWant{
				{id: "omron-csv:2024-11-21T11:40:00/HEM-7361T", at: "2024-11-21T10:40:00Z", offset: 3600, sys: 131, dia: 85, p: 70, device: "HEM-7361T"},
				{id: "omron-csv:2024-07-01T08:00:00/HEM-7361T", at: "2024-07-01T06:00:00Z", offset: 7200, sys: 125, dia: 82, p: 64, device: "HEM-7361T"},
				{id: "omron-csv:2024-07-01T08:00:00/HEM-7361T#2", at: "2024-07-01T12:00:00Z", offset: -4 * 3600, sys: 119, dia: 77, p: 61, device: "HEM-7361T"},
				{id: "omron-csv:2024-12-01T08:00:00/HEM-7361T", at: "2024-12-01T13:00:00Z", offset: -5 * 3600, sys: 121, dia: 78, p: 60, ihb: true, movement: true, device: "HEM-7361T"},
				// IHB counted twice and the pressures zeroed: flagged, values missing.
				{id: "omron-csv:2024-12-02T09:10:00/HEM-7361T", at: "2024-12-02T03:40:00Z", offset: 5*3600 + 1800, ihb: true, device: "HEM-7361T"},
			},
			ignored: map[string]int{
				`CSV column "Measurement Mode"`: 5, `CSV column "Cuff wrap guide"`: 1, `CSV column "Positioning Indicator"`: 1,
				`CSV column "room temperature(°C)"`: 1, "CSV row without a measurement": 1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(filepath.Join("testdata", tt.file), nil, Options{Zone: tt.zone})
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != tt.format {
				t.Errorf("format %q, want %q", f.Format, tt.format)
			}
			var want []health.BloodPressure
			for _, w := range tt.want {
				want = append(want, w.reading())
			}
			got := f.Batch.BloodPressure
			for i := range got {
				if len(got[i].Raw) == 0 || strings.ContainsAny(string(got[i].Raw), "\r\n") {
					t.Errorf("row %d: raw %q, want the line without its end", i, got[i].Raw)
				}
				got[i].Raw = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("readings:\n got  %+v\n want %+v", got, want)
			}
			if f.Batch.Len() != len(got) {
				t.Errorf("batch has %v, want only blood pressure", f.Batch.Counts())
			}
			if !reflect.DeepEqual(f.Ignored, tt.ignored) {
				t.Errorf("ignored %v, want %v", f.Ignored, tt.ignored)
			}
			if (f.Zone != nil) != tt.zoned || (tt.zoned && f.Zone != tt.zone) {
				t.Errorf("zone used %v, want %v (used: %v)", f.Zone, tt.zone, tt.zoned)
			}
		})
	}
}

// TestBOMAndCRLFKeepRawLines checks that a BOM and CRLF change nothing a
// reading keeps, so that the two exports of the same readings dedupe.
func TestBOMAndCRLFKeepRawLines(t *testing.T) {
	t.Parallel()
	a, err := ReadFile("testdata/omron-us.csv", nil, Options{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile("testdata/omron-us-bom-crlf.csv", nil, Options{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Batch, b.Batch) {
		t.Errorf("BOM/CRLF file reads differently:\n %+v\n %+v", a.Batch, b.Batch)
	}
	if got, want := string(a.Batch.BloodPressure[1].Raw), "Jan 12 2025,08:14,118,76,49,-,-,-,after coffee"; got != want {
		t.Errorf("raw %q, want %q", got, want)
	}
}

func TestReadFHIRFiles(t *testing.T) {
	t.Parallel()
	f, err := ReadFile("testdata/device-feed.json", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "FHIR R4 Bundle (searchset, 7 entries)"; f.Format != want {
		t.Errorf("format %q, want %q", f.Format, want)
	}
	if f.Zone != nil {
		t.Errorf("zone %v reported for a FHIR file", f.Zone)
	}
	want := map[health.Kind]int{health.KindBloodPressure: 1, health.KindWeight: 1, health.KindActivity: 1, health.KindTemperature: 1, health.KindSpO2: 1}
	if got := f.Batch.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	bp := f.Batch.BloodPressure[0]
	if v, _ := bp.Systolic.Get(); v != 127 || bp.Diastolic.Valid() || bp.Origin != "Withings" || bp.Setting != health.SettingHome || bp.Device != "BPM Connect" {
		t.Errorf("MDC panel with absent diastolic: %+v", bp)
	}
	if w, _ := f.Batch.Weight[0].Weight.Get(); w != 81.7373 { // 180.2 lb × 0.45359237 = 81.73735... kg
		t.Errorf("weight %v kg, want 81.7373 (180.2 lbs)", f.Batch.Weight[0].Weight)
	}
	if c, _ := f.Batch.Temperature[0].Celsius.Get(); c != 37.5 {
		t.Errorf("temperature %v °C, want 37.5 (99.5 °F)", f.Batch.Temperature[0].Celsius)
	}
	if a := f.Batch.Activity[0]; a.Origin != "device-feed.json" || a.Offset != -5*3600 || !a.Time.Equal(utc("2025-02-01T05:00:00Z")) {
		t.Errorf("steps: origin %q offset %d time %v", a.Origin, a.Offset, a.Time)
	}
	wantIgnored := map[string]int{"Observation 150023 (component)": 1, "Observation 2339-0 Glucose": 1, "OperationOutcome": 1}
	if !reflect.DeepEqual(f.Ignored, wantIgnored) {
		t.Errorf("ignored %v, want %v", f.Ignored, wantIgnored)
	}

	one, err := ReadFile("testdata/single-observation.json", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if one.Format != "FHIR R4 Observation" || len(one.Batch.HeartRate) != 1 || one.Batch.HeartRate[0].Setting != health.SettingOffice {
		t.Errorf("single Observation: %q %+v", one.Format, one.Batch)
	}
}

// TestFormatByContent reads files whose names lie about what they hold.
func TestFormatByContent(t *testing.T) {
	t.Parallel()
	json, _ := os.ReadFile("testdata/single-observation.json")
	csv, _ := os.ReadFile("testdata/omron-us.csv")
	if f, err := Read("readings.csv", json, Options{}); err != nil || len(f.Batch.HeartRate) != 1 {
		t.Errorf("JSON named .csv: %v, %v", f, err)
	}
	// Five readings: the 0/0/0 row is a blanked reading.
	if f, err := Read("bundle.json", csv, Options{Zone: time.UTC}); err != nil || len(f.Batch.BloodPressure) != 5 {
		t.Errorf("CSV named .json: %v, %v", f, err)
	}
	stdin := strings.NewReader(string(csv))
	if f, err := ReadFile("-", stdin, Options{Zone: time.UTC}); err != nil || f.Name != "stdin" || len(f.Batch.BloodPressure) != 5 {
		t.Errorf("CSV on stdin: %v, %v", f, err)
	}
}

func TestReadBadInput(t *testing.T) {
	t.Parallel()
	const us = "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n"
	tests := []struct {
		name   string
		data   string
		line   int    // CSV or JSON line, 0 when none
		column string // CSV column
		entry  string // FHIR entry path
		field  string // FHIR element
		text   string // in the message
	}{
		{name: "not a number", data: us + "Jan 12 2025,08:12,114,74,47,-,-,-,-\nJan 12 2025,08:14,12a,76,49,-,-,-,-\n",
			line: 3, column: "Systolic (mmHg)", text: `"12a" is not a number`},
		{name: "negative pressure", data: us + "Jan 12 2025,08:12,114,-74,47,-,-,-,-\n",
			line: 2, column: "Diastolic (mmHg)", text: "negative"},
		{name: "infinite pressure", data: us + "Jan 12 2025,08:12,Inf,74,47,-,-,-,-\n",
			line: 2, column: "Systolic (mmHg)", text: `"Inf" is not a number`},
		{name: "systolic no monitor measures", data: us + "Jan 12 2025,08:12,114,74,47,-,-,-,-\nJan 12 2025,08:14,1200,76,49,-,-,-,-\n",
			line: 3, column: "Systolic (mmHg)", text: "systolic 1200 mmHg is out of range: want 50–300 mmHg"},
		{name: "pulse no monitor measures", data: us + "Jan 12 2025,08:12,114,74,470,-,-,-,-\n",
			line: 2, column: "Pulse (bpm)", text: "pulse 470 bpm is out of range"},
		{name: "impossible date", data: us + "Jan 32 2025,08:12,114,74,47,-,-,-,-\n",
			line: 2, column: "Date", text: `"Jan 32 2025 08:12" is not a date`},
		{name: "ambiguous numeric date", data: us + "01/02/2025,08:12,114,74,47,-,-,-,-\n",
			line: 2, column: "Date", text: "is not a date"},
		{name: "missing date", data: us + ",08:12,114,74,47,-,-,-,-\n",
			line: 2, column: "Date", text: "no date"},
		{name: "too few fields", data: us + "Jan 12 2025,08:12,114,74\n",
			line: 2, text: "4 fields, the header has 9"},
		{name: "extra field with a value", data: us + "Jan 12 2025,08:12,114,74,47,-,-,-,-,surprise\n",
			line: 2, text: "10 fields"},
		{name: "unknown time zone", data: "\"Measurement Date\",\"Timezone\",\"SYS(mmHg)\",\"DIA(mmHg)\"\n\"2024/11/21 11:40\",\"Europe/Berlin\",\"131\",\"85\"\n\"2024/11/22 11:40\",\"Mars/Olympus\",\"131\",\"85\"\n",
			line: 3, column: "Timezone", text: `"Mars/Olympus" is not a time zone`},
		{name: "flag that is not yes or no", data: "Date,Time,SYS,DIA,Irregular heartbeat\n21 Nov 2024,07:40,132,84,maybe\n",
			line: 2, column: "Irregular heartbeat", text: `"maybe" is not a yes/no value`},
		{name: "unterminated quote", data: us + "Jan 12 2025,08:12,114,74,47,-,-,-,-\n\"Jan 13 2025,08:12,114,74,47,-,-,-,-\n",
			line: 3, text: "quote"},
		{name: "unrecognised text", data: "hello,world\n1,2\n", text: "unrecognised format"},
		{name: "empty file", data: "", text: "empty"},
		{name: "blank file", data: " \n\r\n", text: "empty"},
		{name: "JSON array", data: `[{"resourceType":"Observation"}]`, text: "JSON array"},
		{name: "XML", data: `<Bundle xmlns="http://hl7.org/fhir"/>`, text: "XML"},
		{name: "UTF-16", data: "\xff\xfeD\x00a\x00", text: "UTF-16"},
		{name: "malformed JSON", data: "{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n    {\"resource\": }\n  ]\n}\n",
			line: 4, text: "line 4"},
		{name: "not a FHIR resource", data: `{"hello":"world"}`, text: "not a FHIR resource"},
		{name: "bad effectiveDateTime", data: `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","id":"x","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"12/01/2024","valueQuantity":{"value":70,"code":"kg"}}}]}`,
			entry: "entry[0]", field: "effectiveDateTime", text: "entry[0] Observation/x, effectiveDateTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Read("bad-input.csv", []byte(tt.data), Options{Zone: time.UTC})
			if err == nil {
				t.Fatalf("no error; read %v", f.Batch.Counts())
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "bad-input.csv" || !strings.HasPrefix(err.Error(), "bad-input.csv: ") {
				t.Errorf("error %q does not name the file", err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q, want it to say %q", err, tt.text)
			}
			var (
				re *RowError
				de *fhir.DecodeError
				ee *fhir.EntryError
			)
			switch {
			case tt.entry != "":
				if !errors.As(err, &ee) || ee.Path != tt.entry || ee.Field != tt.field {
					t.Errorf("error %q: want entry %s field %s", err, tt.entry, tt.field)
				}
			case tt.line > 0 && errors.As(err, &de):
				if de.Line != tt.line {
					t.Errorf("error %q: JSON line %d, want %d", err, de.Line, tt.line)
				}
			case tt.line > 0:
				if !errors.As(err, &re) || re.Line != tt.line || re.Column != tt.column {
					t.Errorf("error %q: want line %d column %q", err, tt.line, tt.column)
				}
			default:
				if !errors.Is(err, ErrUnrecognized) && !errors.As(err, &ee) {
					t.Errorf("error %q: want ErrUnrecognized", err)
				}
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	t.Parallel()
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.csv"), nil, Options{})
	var fe *Error
	if !errors.As(err, &fe) || !errors.Is(err, os.ErrNotExist) || strings.Count(err.Error(), "nope.csv") != 1 {
		t.Errorf("error %q: want one naming the file once, wrapping ErrNotExist", err)
	}
}

func openStore(t *testing.T) (*store.DB, store.Profile) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "vitals.db"), store.Options{})
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

// importFile imports the file at path into profile p of db.
func importFile(t *testing.T, db *store.DB, p store.Profile, path string, opt Options) (*File, error) {
	t.Helper()
	return Import(context.Background(), DB(db), func(context.Context) (int64, error) { return p.ID, nil }, path, nil, opt)
}

// fixtures are the files of testdata (the fuzz corpus aside).
func fixtures(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, pattern := range []string{"testdata/*.csv", "testdata/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	return paths
}

// TestImportIsIdempotent imports every fixture twice in a row: the second
// time nothing is added or updated. Overlapping files store each reading
// once.
func TestImportIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, p := openStore(t)
	snapshot := func() health.Batch {
		b, err := db.Batch(ctx, store.Filter{ProfileID: p.ID, Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, path := range fixtures(t) {
		f, err := importFile(t, db, p, path, Options{Zone: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot()
		again, err := importFile(t, db, p, path, Options{Zone: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if c := again.Result.Total(); c.Added != 0 || c.Updated != 0 || c.Unchanged != f.Readings {
			t.Errorf("%s imported again: %+v; want all %d unchanged", path, c, f.Readings)
		}
		if again.ImportID != 0 {
			t.Errorf("%s imported again has import id %d: it added nothing", path, again.ImportID)
		}
		if !reflect.DeepEqual(before, snapshot()) {
			t.Errorf("%s imported again changed the stored readings", path)
		}
	}
	// The same US readings with and without BOM and CRLF (their 0/0/0 row
	// a blanked reading), and the EU readings in two layouts, are stored
	// once each.
	bps, _ := db.BloodPressures(ctx, store.Filter{ProfileID: p.ID})
	if want := 5 + 4 + 3 + 5 + 1; len(bps) != want {
		t.Errorf("%d blood-pressure readings stored, want %d", len(bps), want)
	}
}

// TestSyntheaImports imports every public Synthea bundle into one
// database: everything a bundle maps to is stored, with plausible values
// and times (the import refuses others), in pages of every size.
func TestSyntheaImports(t *testing.T) {
	t.Parallel()
	for _, pageSize := range []int{0, 7} {
		db, p := openStore(t)
		for _, path := range fhirtest.SyntheaFiles(t) {
			whole, err := ReadFile(path, nil, Options{})
			if err != nil {
				t.Fatalf("%v", err)
			}
			f, err := importFile(t, db, p, path, Options{PageSize: pageSize})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := f.Result.Total().Added+f.Result.Total().Held, whole.Batch.Len(); got != want || f.Readings != want {
				t.Errorf("%s in pages of %d: %d added or held of %d read, want %d", filepath.Base(path), pageSize, got, f.Readings, want)
			}
			if f.ImportID == 0 {
				t.Errorf("%s: no import id", filepath.Base(path))
			}
		}
	}
}

func TestLocalZoneNamesTheZone(t *testing.T) {
	t.Setenv("TZ", "Asia/Tokyo")
	if got := ZoneName(LocalZone()); got != "Asia/Tokyo" {
		t.Errorf("ZoneName(LocalZone()) with TZ=Asia/Tokyo = %q", got)
	}
	if got := ZoneName(time.Local); got != "the local zone" {
		t.Errorf("ZoneName(time.Local) = %q", got)
	}
}

// FuzzRead feeds Read arbitrary bytes, starting from the fixtures (the
// files of testdata, never its fuzz corpus, which go test replays on its
// own): it must return readings or an error naming the file, never panic,
// and every reading it returns has an id and passes health's checks, its
// values in range and its time plausible.
func FuzzRead(f *testing.F) {
	for _, p := range fixtures(f) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read("fuzz", data, Options{Zone: time.UTC, Now: now})
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "fuzz" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		file.Batch.EachMeta(func(m *health.Meta) {
			if m.ProviderID == "" || m.Time.IsZero() {
				t.Fatalf("reading without provider id or time: %+v", m)
			}
		})
		if err := file.Batch.Check(now); err != nil {
			t.Fatalf("a reading health refuses: %v", err)
		}
		if file.Readings != file.Batch.Len() {
			t.Fatalf("%d readings counted, %d read", file.Readings, file.Batch.Len())
		}
	})
}

// TestSkippedHourMovesForward: a monitor whose clock still read standard
// time at 02:30 on the night US clocks went forward took the reading at
// 07:30 UTC (03:30 EDT), not an hour before the time it shows.
func TestSkippedHourMovesForward(t *testing.T) {
	t.Parallel()
	data := "Date,Time,Systolic (mmHg),Diastolic (mmHg)\nMar 9 2025,02:30,121,80\n"
	f, err := Read("dst.csv", []byte(data), Options{Zone: zone(t, "America/New_York")})
	if err != nil {
		t.Fatal(err)
	}
	got := f.Batch.BloodPressure[0]
	if !got.Time.Equal(utc("2025-03-09T07:30:00Z")) || got.Offset != -4*3600 {
		t.Errorf("02:30 on 9 March 2025 in New York = %s at offset %d, want 2025-03-09T07:30:00Z at -14400",
			got.Time.Format(time.RFC3339), got.Offset)
	}
}
