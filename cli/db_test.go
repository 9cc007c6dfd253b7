package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vitals/fhir/fhirtest"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
)

// dbEnv is a configuration folder (the keyring off, a token key beside
// it) for commands run on any database.
type dbEnv struct {
	dir, config string
}

func newDBEnv(t *testing.T) dbEnv {
	t.Helper()
	dir := t.TempDir()
	e := dbEnv{dir: dir, config: filepath.Join(dir, "config.toml")}
	if err := os.WriteFile(e.config, []byte("keyring = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs vitals on the database at db (a path or a URL).
func (e dbEnv) run(t *testing.T, db string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &invocation{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", db, "--config", e.config}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// mustRun is run for a step that must work.
func (e dbEnv) mustRun(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := e.run(t, db, args...)
	if err != nil {
		t.Fatalf("vitals %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// exportCSV exports every type to CSV files in a new folder and returns
// them by name.
func (e dbEnv) exportCSV(t *testing.T, db string, profile string) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e.mustRun(t, db, "--profile", profile, "export", "--format", "csv", "--out", filepath.Join(dir, "vitals.csv"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, de := range entries {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[de.Name()] = string(b)
	}
	return out
}

// sameFiles reports the first difference of two exports.
func sameFiles(t *testing.T, got, want map[string]string, what string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(got) != len(want) {
		t.Errorf("%s: %d files, want %d (%v)", what, len(got), len(want), names)
	}
	for _, n := range names {
		if got[n] != want[n] {
			t.Errorf("%s: %s differs: %s", what, n, storetest.Diff(got[n], want[n]))
		}
	}
}

// The Synthea bundles imported into PostgreSQL export, as CSV, byte for
// byte what they export from SQLite.
func TestSyntheaSameOnBothBackends(t *testing.T) {
	files := fhirtest.SyntheaFiles(t)
	e := newDBEnv(t)
	exports := map[string]map[string]string{}
	for _, backend := range storetest.Backends() {
		db := storetest.Location(t, backend)
		out, errOut, err := e.run(t, db, append([]string{"import"}, files...)...)
		if err != nil {
			t.Fatalf("%s: import: %v\n%s%s", backend, err, out, errOut)
		}
		exports[backend] = e.exportCSV(t, db, "me")
	}
	sqlite, postgres := exports["sqlite"], exports["postgres"]
	if len(sqlite["vitals-bloodpressure.csv"]) < 1000 {
		t.Fatalf("the SQLite export is too small to compare: %v", sqlite)
	}
	sameFiles(t, postgres, sqlite, "PostgreSQL's export against SQLite's")
}

// vitals db copy moves a store to PostgreSQL and back: the readings
// export the same at every step, the progress is on stderr, and copying
// again adds nothing.
func TestDBCopyBothWays(t *testing.T) {
	e := newDBEnv(t)
	first := filepath.Join(e.dir, "first.db")
	e.mustRun(t, first, "import", "--tz", "America/Chicago", ieUS, ieTZ, ieFH)
	want := e.exportCSV(t, first, "me")
	pg := storetest.Location(t, "postgres")

	out, errOut, err := e.run(t, first, "db", "copy", "--from", first, "--to", pg)
	if err != nil {
		t.Fatalf("copy to PostgreSQL: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "1 profiles added, 0 merged") || !strings.Contains(out, ":xxxxx@") {
		t.Errorf("copy said %q; want one profile added, and the URL without its password", out)
	}
	if !strings.Contains(errOut, "vitals: copying bp_readings: ") || !strings.Contains(errOut, "(100%)") || strings.Contains(errOut, "\r") {
		t.Errorf("progress when piped, want plain lines ending at 100%%:\n%s", errOut)
	}
	sameFiles(t, e.exportCSV(t, pg, "me"), want, "PostgreSQL after the copy")

	back := filepath.Join(e.dir, "back.db")
	e.mustRun(t, first, "db", "copy", "--from", pg, "--to", back)
	sameFiles(t, e.exportCSV(t, back, "me"), want, "SQLite copied back")
	if a, b := storetest.Readings(t, first), storetest.Readings(t, back); a != b {
		t.Errorf("the round trip changed the rows: %s", storetest.Diff(b, a))
	}

	again := e.mustRun(t, first, "db", "copy", "--from", first, "--to", pg)
	if !strings.Contains(again, "0 profiles added, 1 merged; 0 accounts added; 0 tokens; 0 reading rows added") {
		t.Errorf("a second copy said %q; want nothing added", again)
	}
	if _, _, err := e.run(t, first, "db", "copy", "--from", first); err == nil || !strings.Contains(err.Error(), "--from DB --to DB") {
		t.Errorf("copy without --to: %v", err)
	}
}

// On a terminal the copy redraws one line with a bar.
func TestDBCopyProgressOnTerminal(t *testing.T) {
	var w bytes.Buffer
	p := &copyProgress{w: &w, term: true, width: 120}
	p.show(store.CopyProgress{What: "bp_readings", Done: 50, Total: 200})
	p.show(store.CopyProgress{What: "bp_readings", Done: 200, Total: 200})
	p.done()
	got := w.String()
	if !strings.Contains(got, "\r[######..................] bp_readings: 50 of 200 rows (25%)") ||
		!strings.HasSuffix(got, "\r[########################] bp_readings: 200 of 200 rows (100%)\x1b[K\n") {
		t.Errorf("terminal progress %q", got)
	}
}

func TestDBRolesAndKey(t *testing.T) {
	e := newDBEnv(t)
	db := filepath.Join(e.dir, "v.db")
	sql := e.mustRun(t, db, "db", "roles", "--schema", "clinic", "--clinician", "dr_ada")
	if !strings.Contains(sql, "GRANT SELECT ON clinic.schema_migrations, clinic.meta, clinic.profiles, clinic.accounts,") ||
		!strings.Contains(sql, "TO dr_ada;") || strings.Contains(sql, "clinic.secrets") {
		t.Errorf("roles SQL:\n%s", sql)
	}
	if _, _, err := e.run(t, db, "db", "roles", "--grant", "dr_ada"); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("--grant on a SQLite file: %v", err)
	}
	key := e.mustRun(t, db, "db", "key")
	if _, err := seal.Parse([]byte(key)); err != nil || !strings.HasPrefix(key, "# vitals token key") {
		t.Errorf("vitals db key printed %q: %v", key, err)
	}
}

// A clinician's role reads a clinic's database: report, show and export
// work, read-only; a command that writes says why it cannot; no token is
// ever read.
func TestClinicianReadsAClinic(t *testing.T) {
	e := newDBEnv(t)
	hubURL := storetest.Location(t, "postgres")
	e.mustRun(t, hubURL, "profile", "add", "p-1042", "--display-name", "Jane Q. Doe")
	csv := filepath.Join("..", "report", "testdata", "omron-week-us.csv")
	e.mustRun(t, hubURL, "--profile", "p-1042", "import", "--tz", "America/New_York", csv)
	hub, err := store.Open(context.Background(), hubURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	clin := storetest.ClinicianURL(t, hub, hubURL)

	md := e.mustRun(t, clin, "--profile", "p-1042", "report", "--format", "md")
	if !strings.Contains(md, "Jane Q. Doe") {
		t.Errorf("report as a clinician:\n%s", md)
	}
	hubMD := e.mustRun(t, hubURL, "--profile", "p-1042", "report", "--format", "md")
	if md != hubMD {
		t.Errorf("the clinician's report differs from the hub's: %s", storetest.Diff(md, hubMD))
	}
	screen := e.mustRun(t, clin, "--profile", "p-1042", "show", "--tab", "bp", "--width", "100", "--height", "30")
	if !strings.Contains(screen, "Blood pressure") {
		t.Errorf("show as a clinician:\n%s", screen)
	}
	if _, _, err := e.run(t, clin, "--profile", "p-1042", "import", csv); err == nil || !strings.Contains(err.Error(), "may only read") {
		t.Errorf("import as a clinician: %v, want a refusal that says the role may only read", err)
	}
	if _, _, err := e.run(t, clin, "report"); err == nil || !strings.Contains(err.Error(), `no profile "me"`) {
		t.Errorf("report of a profile the clinic does not have: %v", err)
	}

	// The clinician finds an alert on the panel (a reading above 180/120
	// the hub stored today) and acknowledges it; the report says so.
	e.mustRun(t, hubURL, "--profile", "p-1042", "add", "bp", "186/121")
	var rows struct {
		Patients []struct {
			Profile string `json:"profile"`
			Alerts  []struct {
				ID     string `json:"id"`
				Severe bool   `json:"severe"`
			} `json:"alerts"`
		} `json:"patients"`
	}
	if err := json.Unmarshal([]byte(e.mustRun(t, clin, "panel", "--json")), &rows); err != nil || len(rows.Patients) != 1 ||
		len(rows.Patients[0].Alerts) != 1 || !rows.Patients[0].Alerts[0].Severe {
		t.Fatalf("panel --json as a clinician: %+v, %v", rows, err)
	}
	id := rows.Patients[0].Alerts[0].ID
	out := e.mustRun(t, clin, "ack", "p-1042", "--alert", id, "--by", "dr-lee", "--note", "called, repeat in clinic")
	if !strings.Contains(out, "acknowledged "+id+" of p-1042") {
		t.Errorf("ack as a clinician:\n%s", out)
	}
	if md := e.mustRun(t, clin, "--profile", "p-1042", "report", "--format", "md"); !strings.Contains(md, "acknowledged by dr-lee") {
		t.Errorf("the report lacks the clinician's acknowledgement:\n%s", md)
	}
}
