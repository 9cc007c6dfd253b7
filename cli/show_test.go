package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"vitals/fhir/fhirtest"
)

// runShow runs vitals with args on a fresh config, as a script would.
func runShow(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	config := filepath.Join(filepath.Dir(db), "config.toml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	a := &invocation{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", db, "--config", config}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestShowSyntheaPatient imports a real Synthea FHIR bundle with vitals
// import and prints its blood-pressure screen. The patient (Cyndi Fritsch)
// has twelve clinic readings from 2010 to 2020; classified by hand under
// ACC/AHA: nine Stage 2 (e.g. 174/114 on 4 Feb 2020: ≥ 140 but not above
// 180/120) and three hypertensive crises (184/89, 181/115 and 190/95:
// systolic above 180), 75 % and 25 %; mean 2 000/12 = 166.7 over
// 1 242/12 = 103.5.
func TestShowSyntheaPatient(t *testing.T) {
	var bundle string
	for _, f := range fhirtest.SyntheaFiles(t) {
		if strings.Contains(filepath.Base(f), "Cyndi533_Fritsch593_78ad558a") {
			bundle = f
		}
	}
	if bundle == "" {
		t.Skip("the Synthea bundle of Cyndi533 Fritsch593 is not among the shared test data")
	}
	db := filepath.Join(t.TempDir(), "vitals.db")
	if _, err := runShow(t, db, "import", bundle); err != nil {
		t.Fatalf("import: %v", err)
	}
	out, err := runShow(t, db, "show", "--tab", "bp", "--range", "all", "--width", "100", "--height", "30")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour escapes in output that is not a terminal")
	}
	for _, want := range []string{
		"[2 Blood pressure]",
		"daily means of 12 office readings (no home readings in this period)",
		"── systolic   ══ diastolic", "office threshold 130/80 (AHA/ACC 2025)",
		"2011", "2020", // the dated x axis
		"▲▲ Stage 2 75%", "!! Hypertensive crisis 25%", "office mean 166.7/103.5 (12)",
		"04 Feb 2020 05:55 174/114", "▲▲ Stage 2",
		"23 Jan 2018 05:55  190/95", "!! Hypertensive crisis",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 30 {
		t.Errorf("%d lines, want 30", len(lines))
	}

	// The default period (30 days) ends on the newest reading: the data
	// is years old.
	out, err = runShow(t, db, "show")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[1 Overview]", "(ends on the newest reading)", "174/114 mmHg", "▲▲ Stage 2 (ACC/AHA 2017/2025)"} {
		if !strings.Contains(out, want) {
			t.Errorf("overview: want %q in:\n%s", want, out)
		}
	}
}

func TestShowFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vitals.db")
	if _, err := runShow(t, db, "profile", "add", "me"); err != nil {
		t.Fatal(err) // read-only commands refuse a missing database
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"show", "--tab", "charts"}, "overview, bp, weight, activity, vitals, alerts, sources, review"},
		{[]string{"show", "--range", "2w"}, "want 7d, 30d, 90d, 1y or all"},
		{[]string{"show", "--width", "60"}, "at least 80 columns by 24 lines"},
		{[]string{"--demo"}, "the dashboard needs a terminal"},
	} {
		_, err := runShow(t, db, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	// An empty database still draws every screen, with its empty states.
	for _, tab := range []string{"overview", "bp", "weight", "activity", "vitals", "alerts", "sources", "review"} {
		out, err := runShow(t, db, "show", "--tab", tab, "--width", "80", "--height", "24")
		if err != nil {
			t.Fatalf("%s: %v", tab, err)
		}
		if n := strings.Count(out, "\n"); n != 24 {
			t.Errorf("%s: %d lines:\n%s", tab, n, out)
		}
		// Piped, a line ends where its text does.
		for i, line := range strings.Split(out, "\n") {
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s: line %d ends in spaces: %q", tab, i+1, line)
			}
		}
	}
}

// TestReadOnlyDatabase: a database this user may read but not write (a
// copy shared read-only) is shown, exported and reported as it is; a
// command that writes says it may not, and what to do.
func TestReadOnlyDatabase(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only files: run as another user")
	}
	db := filepath.Join(t.TempDir(), "vitals.db")
	if _, err := runShow(t, db, "add", "bp", "142/91", "--pulse", "72"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	out, err := runShow(t, db, "show", "--tab", "bp")
	if err != nil || !strings.Contains(out, "142/91") {
		t.Errorf("show on a read-only database: %v\n%s", err, out)
	}
	if out, err := runShow(t, db, "export", "--type", "bp"); err != nil || !strings.Contains(out, ",142,91,72,") {
		t.Errorf("export from a read-only database: %v\n%s", err, out)
	}
	if _, err := runShow(t, db, "add", "weight", "72.4"); err == nil || !strings.Contains(err.Error(), "this command writes to the database") {
		t.Errorf("add to a read-only database: %v; want an error that says why and what to do", err)
	}
}
