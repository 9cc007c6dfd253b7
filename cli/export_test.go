package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vitals/store/storetest"
)

func TestExportCSVCommand(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		if _, errOut, err := e.run(t, "", "import", "--tz", "America/Chicago", ieUS, ieTZ, ieFH); err != nil {
			t.Fatalf("import: %v\n%s", err, errOut)
		}
		out, errOut, err := e.run(t, "", "export", "--format", "csv", "--type", "bloodpressure", "--from", "2025-01-01", "--to", "2025-01-12", "--tz", "America/Chicago")
		if err != nil {
			t.Fatalf("export: %v\n%s", err, errOut)
		}
		// Jan 12 20:05 in Chicago is Jan 13 02:05 UTC: still inside --to
		// 2025-01-12 read in Chicago. Readings before --from are left out.
		want := `time_utc,utc_offset,systolic,diastolic,pulse,possible_afib,irregular_heartbeat,device,source
2025-01-12T14:12:00Z,-06:00,114,74,47,false,false,,Omron Connect CSV
2025-01-12T14:14:00Z,-06:00,118,76,49,false,false,,Omron Connect CSV
2025-01-13T02:05:00Z,-06:00,121,79,,false,false,,Omron Connect CSV
`
		if out != want {
			t.Errorf("export:\n%s\nwant:\n%s", out, want)
		}
		if !strings.Contains(errOut, "exported 3 blood pressure readings to standard output") {
			t.Errorf("stderr: %s", errOut)
		}

		// RFC 3339 bounds, --to included.
		out, _, err = e.run(t, "", "export", "--type", "bp", "--from", "2025-01-12T14:14:00Z", "--to", "2025-01-13T02:05:00Z")
		if err != nil || strings.Count(out, "\n") != 3 {
			t.Errorf("RFC 3339 range: %v\n%s", err, out)
		}

		// Several types to one --out: a file per type beside it, 0600.
		dest := filepath.Join(e.dir, "out", "vitals.csv")
		if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, errOut, err := e.run(t, "", "export", "--out", dest); err != nil {
			t.Fatalf("export --out: %v\n%s", err, errOut)
		}
		entries, _ := os.ReadDir(filepath.Dir(dest))
		var names []string
		for _, de := range entries {
			names = append(names, de.Name())
			info, _ := de.Info()
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", de.Name(), info.Mode().Perm())
			}
		}
		wantNames := []string{"vitals-activity.csv", "vitals-bloodpressure.csv", "vitals-spo2.csv", "vitals-temperature.csv", "vitals-weight.csv"}
		if !slices.Equal(names, wantNames) {
			t.Errorf("files %v, want %v", names, wantNames)
		}
		// A directory gets kind.csv files.
		dir := filepath.Join(e.dir, "dir") + string(filepath.Separator)
		if _, _, err := e.run(t, "", "export", "--type", "weight,spo2", "--out", dir); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"weight.csv", "spo2.csv"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestExportFHIRCommandRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		if _, errOut, err := e.run(t, "", "import", "--tz", "America/Chicago", ieUS, ieTZ, ieFH); err != nil {
			t.Fatalf("import: %v\n%s", err, errOut)
		}
		bundle := filepath.Join(e.dir, "all.json")
		if _, errOut, err := e.run(t, "", "export", "--format", "fhir", "--out", bundle); err != nil {
			t.Fatalf("export fhir: %v\n%s", err, errOut)
		}
		again, _, err := e.run(t, "", "export", "--format", "fhir")
		if err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(bundle); string(data) != again {
			t.Error("two FHIR exports of the same database differ")
		}

		f := newIEEnvOn(t, backend)
		out, errOut, err := f.run(t, "", "import", bundle)
		if err != nil {
			t.Fatalf("import the export: %v\n%s", err, errOut)
		}
		if !strings.Contains(out, "FHIR R4 Bundle (collection") {
			t.Errorf("import output: %s", out)
		}
		for _, kind := range []string{"bloodpressure", "weight", "activity", "temperature", "spo2"} {
			a, _, err1 := e.run(t, "", "export", "--type", kind)
			b, _, err2 := f.run(t, "", "export", "--type", kind)
			if err1 != nil || err2 != nil || a != b {
				t.Errorf("%s CSV differs after a FHIR round trip (%v, %v):\n%s\nvs\n%s", kind, err1, err2, a, b)
			}
		}
	})
}

func TestExportArguments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		e := newIEEnvOn(t, backend)
		if _, _, err := e.run(t, "", "profile", "add", "me"); err != nil {
			t.Fatal(err) // export refuses a database that does not exist
		}
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"export"}, "a CSV file holds one type"},
			{[]string{"export", "--format", "xml", "--type", "bp"}, `--format "xml": want csv or fhir`},
			{[]string{"export", "--type", "glucose"}, `--type "glucose"`},
			{[]string{"export", "--type", "bp", "--from", "12/01/2025"}, `--from "12/01/2025": want a date`},
			{[]string{"export", "--type", "bp", "--from", "2025-02-01", "--to", "2025-01-01"}, "is after --to"},
			{[]string{"export", "--type", "bp", "--tz", "Nowhere/Land"}, "IANA"},
			{[]string{"export", "--type", "bp", "--out", filepath.Join(e.dir, "no", "such", "dir", "x.csv")}, "does the folder exist"},
		}
		for _, tt := range tests {
			if _, _, err := e.run(t, "", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
			}
		}
		out, _, err := e.run(t, "", "export", "--help")
		if err != nil || !strings.Contains(out, "vitals export --format fhir --out all.json") {
			t.Errorf("export --help: %v\n%s", err, out)
		}
	})
}
