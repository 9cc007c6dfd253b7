package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"vitals/health"
	"vitals/store"

	"vitals/store/storetest"
)

// ieEnv is a database and config for the import and export command tests.
type ieEnv struct {
	dir, db, config string
}

func newIEEnv(t *testing.T) ieEnv { return newIEEnvOn(t, "sqlite") }

// newIEEnvOn is newIEEnv on a new database of the backend
// (storetest.Location).
func newIEEnvOn(t *testing.T, backend string) ieEnv {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return ieEnv{dir: dir, db: storetest.Location(t, backend), config: config}
}

// run runs vitals with the given arguments and returns its output and error.
func (e ieEnv) run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &invocation{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", e.db, "--config", e.config}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// snapshot is everything the database holds, for "nothing changed" checks.
type ieSnapshot struct {
	Profiles []store.Profile
	Accounts [][]store.Account
	Readings []health.Batch
}

func (e ieEnv) snapshot(t *testing.T) ieSnapshot {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s ieSnapshot
	if s.Profiles, err = db.Profiles(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Profiles {
		accts, err := db.Accounts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.Accounts = append(s.Accounts, accts)
		b, err := db.Batch(ctx, store.Filter{ProfileID: p.ID, Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Readings = append(s.Readings, b)
	}
	return s
}

const (
	ieUS = "../providers/files/testdata/omron-us.csv"
	ieTZ = "../providers/files/testdata/omron-timezone.csv"
	ieFH = "../providers/files/testdata/device-feed.json"
)

func TestImportCommand(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		out, errOut, err := e.run(t, "", "import", "--tz", "America/Chicago", ieUS, ieFH)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, errOut)
		}
		for _, want := range []string{
			ieUS + ": Omron Connect CSV, US layout (month-first dates)",
			"times read in America/Chicago (from --tz)",
			"blood pressure: 5 added", // the 0/0/0 row is a blanked reading
			`1  CSV column "Notes"`,
			ieFH + ": FHIR R4 Bundle (searchset, 7 entries)",
			"weight:         1 added",
			"1  Observation 2339-0 Glucose",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}

		out, _, err = e.run(t, "", "import", "--tz", "America/Chicago", ieUS)
		if err != nil || !strings.Contains(out, "blood pressure: 5 skipped as duplicates") {
			t.Errorf("re-import: %v\n%s", err, out)
		}
		// A zone-less file read in another zone is the same readings at other
		// instants: updated, not doubled.
		out, _, err = e.run(t, "", "import", "--tz", "Europe/Berlin", ieUS)
		if err != nil || !strings.Contains(out, "blood pressure: 5 updated") {
			t.Errorf("re-import in another zone: %v\n%s", err, out)
		}
		// Files that name their zones do not mention one.
		out, _, _ = e.run(t, "", "import", ieTZ)
		if strings.Contains(out, "times read in") {
			t.Errorf("zoned CSV mentions a default zone:\n%s", out)
		}
		// Standard input.
		data, _ := os.ReadFile("../providers/files/testdata/single-observation.json")
		out, _, err = e.run(t, string(data), "import", "-")
		if err != nil || !strings.Contains(out, "stdin: FHIR R4 Observation") || !strings.Contains(out, "heart rate:     1 added") {
			t.Errorf("import -: %v\n%s", err, out)
		}
	})
}

func TestImportLocalZoneIsNamed(t *testing.T) {
	t.Setenv("TZ", "Asia/Tokyo")
	e := newIEEnv(t)
	out, _, err := e.run(t, "", "import", ieUS)
	if err != nil || !strings.Contains(out, "times read in Asia/Tokyo (the local zone; choose another with --tz)") {
		t.Errorf("import without --tz: %v\n%s", err, out)
	}
}

// TestImportBadFiles imports bad files beside good ones: each bad one is
// named with its line or entry, the good ones still import, the exit is an
// error, and the bad ones change nothing.
func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		bad := map[string]string{
			"bad-row.csv":    "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm)\nJan 12 2025,08:12,114,74,47\nJan 13 2025,08:12,11x,74,47\n",
			"broken.json":    "{\"resourceType\": \"Bundle\",\n \"entry\": [\n  {\"resource\": {\"resourceType\": \"Observation\",}}\n]}\n",
			"bad-entry.json": `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"o","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"soon","valueQuantity":{"value":60}}}]}`,
			"notes.txt":      "shopping list\nmilk\n",
		}
		var paths []string
		for name, content := range bad {
			p := filepath.Join(e.dir, name)
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}

		// On a new database, bad files alone create nothing, not even a profile.
		_, errOut, err := e.run(t, "", append([]string{"import"}, paths...)...)
		if err == nil {
			t.Fatal("importing only bad files succeeded")
		}
		if s := e.snapshot(t); len(s.Profiles) != 0 {
			t.Errorf("bad files created profiles %v", s.Profiles)
		}
		for _, want := range []string{
			"bad-row.csv: line 3, column \"Systolic (mmHg)\": \"11x\" is not a number",
			"broken.json: line 3, column",
			"bad-entry.json: entry[0] Observation/o, effectiveDateTime: \"soon\"",
			"notes.txt: unrecognised format",
			"Nothing from this file was imported",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if msg := err.Error(); !strings.Contains(msg, "4 of 4 files could not be imported") || strings.Contains(msg, "the others were") {
			t.Errorf("error %q, want 4 of 4 failed and no word of others", err)
		}
		if _, _, err := e.run(t, "", "import", paths[0]); err == nil || err.Error() != "the file could not be imported (see above)" {
			t.Errorf("one bad file: error %v", err)
		}

		if _, _, err := e.run(t, "", "import", ieTZ); err != nil {
			t.Fatal(err)
		}
		before := e.snapshot(t)
		out, errOut, err := e.run(t, "", append(append([]string{"import"}, paths...), ieFH)...)
		if err == nil || !strings.Contains(err.Error(), "4 of 5 files") {
			t.Errorf("mixed import: error %v", err)
		}
		if !strings.Contains(out, "blood pressure: 1 added") {
			t.Errorf("the good file was not imported:\n%s\n%s", out, errOut)
		}
		// Everything but the good file's readings is as it was.
		after := e.snapshot(t)
		after.Readings[0].BloodPressure = ieWithoutBP(after.Readings[0].BloodPressure, "dev-bp-1")
		after.Readings[0].Weight, after.Readings[0].Activity, after.Readings[0].Temperature, after.Readings[0].SpO2 = nil, nil, nil, nil
		if !reflect.DeepEqual(before, after) {
			t.Errorf("bad files changed the database:\n%+v\n%+v", before, after)
		}
	})
}

func ieWithoutBP(bps []health.BloodPressure, id string) []health.BloodPressure {
	var out []health.BloodPressure
	for _, b := range bps {
		if b.ProviderID != id {
			out = append(out, b)
		}
	}
	return out
}

func TestImportArguments(t *testing.T) {
	t.Parallel()
	e := newIEEnv(t)
	if _, _, err := e.run(t, "", "import"); err == nil || !strings.Contains(err.Error(), "name at least one file") {
		t.Errorf("import without files: %v", err)
	}
	if _, _, err := e.run(t, "", "import", "--tz", "Mars/Olympus", ieUS); err == nil || !strings.Contains(err.Error(), "IANA") {
		t.Errorf("bad --tz: %v", err)
	}
	if _, _, err := e.run(t, "", "--profile", "nobody", "import", ieUS); err == nil || !strings.Contains(err.Error(), "vitals profile add nobody") {
		t.Errorf("unknown profile: %v", err)
	}
	out, _, err := e.run(t, "", "import", "--help")
	if err != nil || !strings.Contains(out, "vitals import ~/Downloads/OMRON-report.csv") {
		t.Errorf("import --help: %v\n%s", err, out)
	}
}

// TestPrintIgnored checks that skipped readings are always listed, and
// that other resources are grouped by type when there are many.
func TestPrintIgnored(t *testing.T) {
	t.Parallel()
	ignored := map[string]int{
		"Claim": 88, "Encounter": 28, "Organization": 109, "Coverage": 28, "CarePlan": 5, "CareTeam": 5,
		"Observation 2160-0 Creatinine": 4, "Observation 718-7 Hemoglobin": 2,
		"Condition 44054006 Diabetes": 1, "Procedure": 21, "Immunization": 11,
		"Observation 29463-7 Body weight (skipped: unit \"st\" not understood)": 1,
	}
	var buf bytes.Buffer
	printIgnored(&buf, ignored, false)
	out := buf.String()
	for _, want := range []string{
		"not imported:   303",
		"  109  Organization\n",
		"    1  Observation 29463-7 Body weight (skipped: unit \"st\" not understood)\n",
		"   11  in 3 other resource types (--verbose lists everything)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Creatinine") {
		t.Errorf("unknown codes listed one by one without --verbose:\n%s", out)
	}
	buf.Reset()
	printIgnored(&buf, ignored, true)
	if n := strings.Count(buf.String(), "\n"); n != len(ignored)+1 {
		t.Errorf("--verbose printed %d lines, want %d:\n%s", n, len(ignored)+1, buf.String())
	}
}

// TestImportWarnsAboveSevere: a reading above 180/120 gets a warning
// wherever it appears, an import included; 180/120 itself does not.
func TestImportWarnsAboveSevere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		csv := filepath.Join(e.dir, "week.csv")
		data := "Date,Time,Systolic (mmHg),Diastolic (mmHg)\n" +
			"Jan 13 2025,07:00,186,104\nJan 12 2025,07:00,180,120\nJan 12 2025,20:00,150,122\n"
		if err := os.WriteFile(csv, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		out, _, err := e.run(t, "", "import", "--tz", "UTC", csv)
		if err != nil {
			t.Fatal(err)
		}
		want := "  warning: 2 readings above 180/120 mmHg (150/122 on 2025-01-12 20:00, 186/104 on 2025-01-13 07:00). Readings this high need prompt medical attention, whatever the rulebook.\n"
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	})
}
