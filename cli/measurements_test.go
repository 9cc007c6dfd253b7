package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers/files"
	"vitals/report"
	"vitals/sandbox"
	"vitals/store"
)

// bpBundle is a FHIR bundle of one blood pressure, from a named source.
func bpBundle(source, id, when string, sys, dia int) string {
	meta := ""
	if source != "" {
		meta = fmt.Sprintf(`"meta":{"source":%q},`, source)
	}
	return `{"resourceType":"Bundle","type":"collection",` + meta + `"entry":[` + bpResource(id, when, sys, dia) + `]}`
}

func bpResource(id, when string, sys, dia int) string {
	return fmt.Sprintf(`{"resource":{"resourceType":"Observation","id":%q,"status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":%q,
		"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":%d,"unit":"mm[Hg]"}},
		{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":%d,"unit":"mm[Hg]"}}]}}`, id, when, sys, dia)
}

func (e ieEnv) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// measurementCounts returns the profile's measurements of every kind.
func measurementCounts(t *testing.T, path string) map[health.Kind]int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.Profile(ctx, store.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[health.Kind]int{}
	for _, k := range append(health.Kinds, health.KindCondition) {
		n, err := db.Count(ctx, k, store.Filter{ProfileID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	n, err := db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: p.ID, Severe: true})
	if err != nil {
		t.Fatal(err)
	}
	out["severe"] = n
	return out
}

func sameCounts(a, b map[health.Kind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, n := range a {
		if b[k] != n {
			return false
		}
	}
	return true
}

// TestImportIDsReusedAcrossFiles: two clinics' bundles that both call their
// Observation "1" are two readings, the hypertensive crisis among them; a
// source that reuses an id for another reading has it kept beside, and
// the import says so; so does a bundle that repeats an id.
func TestImportIDsReusedAcrossFiles(t *testing.T) {
	t.Parallel()
	e := newIEEnv(t)
	a := e.write(t, "a.json", bpBundle("Clinic A", "1", "2025-03-01T08:00:00-06:00", 182, 121))
	b := e.write(t, "b.json", bpBundle("Clinic B", "1", "2025-03-02T08:00:00-06:00", 118, 76))
	againA := e.write(t, "a-later.json", bpBundle("Clinic A", "1", "2025-03-03T08:00:00-06:00", 121, 79))
	repeated := e.write(t, "repeated.json", `{"resourceType":"Bundle","type":"collection","entry":[`+
		bpResource("1", "2025-03-04T08:00:00Z", 140, 90)+","+bpResource("1", "2025-03-05T08:00:00Z", 120, 80)+`]}`)
	for _, step := range []struct {
		path string
		want []string
	}{
		{a, []string{"blood pressure: 1 added", "warning: 1 reading above 180/120"}},
		{b, []string{"blood pressure: 1 added"}},
		{a, []string{"blood pressure: 1 skipped as duplicates"}},
		{againA, []string{"blood pressure: 1 kept beside a different reading with the same id", "note: 1 reading reuses an id"}},
		{repeated, []string{"blood pressure: 1 added, 1 kept beside a different reading with the same id"}},
	} {
		out, errOut, err := e.run(t, "", "import", step.path)
		if err != nil {
			t.Fatalf("import %s: %v\n%s", step.path, err, errOut)
		}
		for _, w := range step.want {
			if !strings.Contains(out, w) {
				t.Errorf("import %s: output lacks %q:\n%s", filepath.Base(step.path), w, out)
			}
		}
		if strings.Contains(out, "updated") {
			t.Errorf("import %s overwrote a reading:\n%s", filepath.Base(step.path), out)
		}
	}
	got := measurementCounts(t, e.db)
	if got[health.KindBloodPressure] != 5 || got["severe"] != 1 {
		t.Errorf("stored %v, want 5 blood pressures and the crisis reading", got)
	}
}

// omronCSV writes readings as an Omron Connect CSV export in the US
// layout: wall-clock dates and minutes in loc, no flag column, and zeros
// for the pressures a monitor blanked.
func omronCSV(t *testing.T, bps []health.BloodPressure, loc *time.Location) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n")
	cell := func(v health.Value) string {
		if x, ok := v.Get(); ok {
			return fmt.Sprint(x)
		}
		return "0"
	}
	for _, r := range bps {
		local := r.Time.In(loc)
		if _, off := local.Zone(); off != r.Offset {
			t.Fatalf("reading %s at offset %d, not in %s", r.ProviderID, r.Offset, loc)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,-,-,-,-\n", local.Format("Jan 2 2006"), local.Format("15:04"), cell(r.Systolic), cell(r.Diastolic), cell(r.Pulse))
	}
	return b.String()
}

// TestOneMeasurementAcrossRoutes follows the same readings along every
// route vitals knows: the Omron API, an Omron Connect CSV export of them,
// vitals' own FHIR and CSV exports. Each count is the count of one route.
func TestOneMeasurementAcrossRoutes(t *testing.T) {
	ctx := context.Background()
	env := newSyncEnv(t, sandbox.Options{Seed: 3})

	// The accounts alone: what the vendors hold.
	apiDB := env.link(t, "api.db")
	if _, err := env.run(ctx, apiDB, nil, "sync"); err != nil {
		t.Fatal(err)
	}
	want := measurementCounts(t, apiDB)
	wantReport := reportOf(t, env, apiDB)
	if !strings.Contains(wantReport, "mmHg") || !strings.Contains(wantReport, "readings") {
		t.Fatalf("the one route's report has no numbers to compare:\n%s", wantReport)
	}
	db, err := store.Open(ctx, apiDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := db.Profile(ctx, store.DefaultProfile)
	omronAcct, _ := db.FindAccounts(ctx, store.ProviderOmron, env.sb.Omron.Patients()[0].ID)
	omronBP, err := db.BloodPressures(ctx, store.Filter{ProfileID: prof.ID, AccountID: omronAcct[0].ID})
	db.Close()
	if err != nil || len(omronBP) < 100 || want[health.KindBloodPressure] <= len(omronBP) {
		t.Fatalf("%d Omron readings of %d, %v: want a patient with readings from both vendors", len(omronBP), want[health.KindBloodPressure], err)
	}
	blanked := 0
	for _, r := range omronBP {
		if !r.Systolic.Valid() {
			blanked++
		}
	}
	if blanked == 0 {
		t.Errorf("the patient has no blanked reading: the CSV's 0/0/0 rows go untested")
	}
	t.Logf("the accounts hold %v; Omron's %d blood pressures (%d blanked) go into the CSV", want, len(omronBP), blanked)
	chicago, _ := time.LoadLocation("America/Chicago")
	csvPath := filepath.Join(env.dir, "OMRON-report.csv")
	if err := os.WriteFile(csvPath, []byte(omronCSV(t, omronBP, chicago)), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("an Omron CSV, then the Omron account", func(t *testing.T) {
		both := env.link(t, "both.db")
		out, err := env.run(ctx, both, nil, "import", "--tz", "America/Chicago", csvPath)
		if err != nil || !strings.Contains(out, fmt.Sprintf("blood pressure: %d added", len(omronBP))) {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if _, err := env.run(ctx, both, nil, "sync"); err != nil {
			t.Fatal(err)
		}
		if got := measurementCounts(t, both); !sameCounts(got, want) {
			t.Errorf("CSV and account: %v, want the account's alone %v", got, want)
		}
		sameReport(t, reportOf(t, env, both), wantReport)
		// The Sources section lists the CSV as a route of its own, each
		// of its readings also brought by the Omron account.
		routes := strings.Join(routesOf(t, env, both), "\n")
		csvRoute := regexp.MustCompile(`(?m)^Omron Connect CSV \(imported file\): (\d+) readings?, (\d+) of them also by another route$`).FindStringSubmatch(routes)
		if csvRoute == nil || csvRoute[1] != csvRoute[2] || csvRoute[1] == "0" {
			t.Errorf("the report's routes:\n%s\nwant the CSV's, every reading of it also by another route", routes)
		}
		if !strings.Contains(routes, "(Omron account): ") || !strings.Contains(routes, "(1upHealth account): ") {
			t.Errorf("the report's routes:\n%s\nwant the Omron and 1upHealth accounts", routes)
		}
		// Unlinking the account keeps the CSV's measurements.
		if out, err := env.run(ctx, both, nil, "unlink", "omron", "--yes"); err != nil {
			t.Fatalf("unlink: %v\n%s", err, out)
		}
		got := measurementCounts(t, both)
		if bp := want[health.KindBloodPressure]; got[health.KindBloodPressure] != bp {
			t.Errorf("after unlinking Omron: %d blood pressures, want %d (the CSV's %d and 1upHealth's)", got[health.KindBloodPressure], bp, len(omronBP))
		}
	})

	t.Run("vitals' FHIR export into its own profile", func(t *testing.T) {
		dbPath := copyDB(t, apiDB, filepath.Join(env.dir, "fhir.db"))
		bundle := filepath.Join(env.dir, "all.json")
		if out, err := env.run(ctx, dbPath, nil, "export", "--format", "fhir", "--out", bundle); err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
		out, err := env.run(ctx, dbPath, nil, "import", bundle)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, " added") || !strings.Contains(out, "already held through another route") {
			t.Errorf("import of the export:\n%s", out)
		}
		if got := measurementCounts(t, dbPath); !sameCounts(got, want) {
			t.Errorf("after importing its own export: %v, want %v", got, want)
		}
		sameReport(t, reportOf(t, env, dbPath), wantReport)
		if out, _ := env.run(ctx, dbPath, nil, "import", bundle); !strings.Contains(out, "skipped as duplicates") || strings.Contains(out, "already held") {
			t.Errorf("the export imported twice:\n%s", out)
		}
	})

	t.Run("vitals' CSV export into its own profile and a new one", func(t *testing.T) {
		dbPath := copyDB(t, apiDB, filepath.Join(env.dir, "csv.db"))
		dir := filepath.Join(env.dir, "csv") + string(filepath.Separator)
		if out, err := env.run(ctx, dbPath, nil, "export", "--format", "csv", "--out", dir); err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
		exported, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		if len(exported) < 6 {
			t.Fatalf("exported %v, want a file per kind", exported)
		}
		out, err := env.run(ctx, dbPath, nil, append([]string{"import"}, exported...)...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, " added") {
			t.Errorf("import of the export added readings:\n%s", out)
		}
		if got := measurementCounts(t, dbPath); !sameCounts(got, want) {
			t.Errorf("after importing its own export: %v, want %v", got, want)
		}
		sameReport(t, reportOf(t, env, dbPath), wantReport)
		// Into an empty database and out again: the same bytes.
		fresh := filepath.Join(env.dir, "fresh.db")
		if out, err := env.run(ctx, fresh, nil, append([]string{"import"}, exported...)...); err != nil {
			t.Fatalf("import into a new database: %v\n%s", err, out)
		}
		again := filepath.Join(env.dir, "again") + string(filepath.Separator)
		if out, err := env.run(ctx, fresh, nil, "export", "--format", "csv", "--out", again); err != nil {
			t.Fatalf("export again: %v\n%s", err, out)
		}
		for _, path := range exported {
			first, _ := os.ReadFile(path)
			second, err := os.ReadFile(filepath.Join(again, filepath.Base(path)))
			if err != nil || !bytes.Equal(first, second) {
				t.Errorf("%s does not round-trip (%v): %d bytes, then %d", filepath.Base(path), err, len(first), len(second))
			}
		}
	})
}

// reportOf is the Markdown report of the last 30 days of the database's
// default profile, without the line that says when it was made: every
// number and verdict a clinician reads.
func reportOf(t *testing.T, env syncEnv, db string) string {
	t.Helper()
	to := health.DateOf(time.Now())
	out, err := env.run(context.Background(), db, nil, "report", "--format", "md", "--from", to.AddDays(-29).String(), "--to", to.String())
	if err != nil {
		t.Fatalf("report of %s: %v", db, err)
	}
	var keep []string
	inRoutes := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "The readings arrived by these routes."):
			inRoutes = true // the routes differ by route: routesOf reads them
		case inRoutes && (l == "" || strings.HasPrefix(l, "- ")):
		case strings.Contains(l, "| Made |"), strings.HasPrefix(l, "Made by vitals on"):
		default:
			inRoutes = false
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// routesOf is the list of routes in the Sources section of the report
// of the last 30 days.
func routesOf(t *testing.T, env syncEnv, db string) []string {
	t.Helper()
	to := health.DateOf(time.Now())
	out, err := env.run(context.Background(), db, nil, "report", "--format", "md", "--from", to.AddDays(-29).String(), "--to", to.String())
	if err != nil {
		t.Fatalf("report of %s: %v", db, err)
	}
	_, rest, ok := strings.Cut(out, "The readings arrived by these routes.")
	if !ok {
		return nil
	}
	var routes []string
	for _, l := range strings.Split(rest, "\n")[1:] {
		if r, ok := strings.CutPrefix(l, "- "); ok {
			routes = append(routes, r)
		} else if l != "" {
			break
		}
	}
	return routes
}

// sameReport fails where two reports part.
func sameReport(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Errorf("the report differs from the one route's at line %d:\n got %s\nwant %s", i+1, gl[i], wl[i])
			return
		}
	}
	t.Errorf("the report has %d lines, the one route's %d", len(gl), len(wl))
}

// TestVitalsCSVHeadersAreTheExports: the importer knows every header the
// export writes (files sits below report and keeps its own copy).
func TestVitalsCSVHeadersAreTheExports(t *testing.T) {
	for _, k := range report.CSVKinds() {
		header, err := report.CSVHeader(k)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := files.VitalsCSVKind(strings.Join(header, ",")); !ok || got != k {
			t.Errorf("%s: the importer reads the export's header as %q, %v", k, got, ok)
		}
	}
}
