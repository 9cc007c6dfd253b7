package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitals/store/storetest"
)

// runClinic runs vitals in-process on the database and configuration in
// dir (the keyring off, as in every test) and returns what it printed.
func runClinic(t *testing.T, dir string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runClinicOn(t, dir, filepath.Join(dir, "vitals.db"), stdin, args...)
}

// runClinicOn is runClinic on the database at db (a file or a URL).
func runClinicOn(t *testing.T, dir, db string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cfg := filepath.Join(dir, "config.toml")
	if _, statErr := os.Stat(cfg); statErr != nil {
		if err := os.WriteFile(cfg, []byte("keyring = false\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	a := &invocation{stdin: stdin, stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", db, "--config", cfg}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// fakeTerminal stands in for an interactive terminal on stdin or stdout.
type fakeTerminal struct {
	io.Reader
	io.Writer
}

func (fakeTerminal) IsTerminal() bool { return true }

// TestReportFromImportedWeek imports the monitoring week of
// report/testdata/omron-week-us.csv with the real import command and checks
// that the report's numbers are the ones worked by hand in
// report/report_test.go.
func TestReportFromImportedWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		db := storetest.Location(t, backend)
		if _, _, err := runClinicOn(t, dir, db, nil, "profile", "add", "p-1042", "--display-name", "Jane Q. Doe"); err != nil {
			t.Fatal(err)
		}
		csv := filepath.Join("..", "report", "testdata", "omron-week-us.csv")
		if out, errOut, err := runClinicOn(t, dir, db, nil, "--profile", "p-1042", "import", "--tz", "America/New_York", csv); err != nil {
			t.Fatalf("import: %v\n%s%s", err, out, errOut)
		}

		// The default period: the 7 days ending on the day of the last reading.
		md, errOut, err := runClinicOn(t, dir, db, nil, "--profile", "p-1042", "report", "--format", "md")
		if err != nil {
			t.Fatalf("report: %v\n%s", err, errOut)
		}
		for _, want := range []string{
			"# Home blood-pressure report: Jane Q. Doe",
			"| Period | 2025-01-12 to 2025-01-18 (7 days) |",
			"| Home mean | 131.2/82.5 mmHg (24 readings over 6 days, 12 sittings) |",
			"| **Against the home threshold** | at or above the home threshold 130/80 (AHA/ACC 2025) |",
			"| Day 1 | 2025-01-12 (4 readings) shown, not averaged, as the protocol says |",
			"| Morning mean (04:00–11:59) | 138.2/86.5 mmHg (12 readings) |",
			"| Evening mean (18:00–23:59) | 124.2/78.6 mmHg (12 readings) |",
			"| Morning − evening systolic (ME-dif) | +14.0 mmHg: below 20 mmHg |",
			"| Mean pulse | 69.8 bpm |",
			"| Highest | 142/89 mmHg on 2025-01-15 06:45 |",
			"| Lowest | 120/76 mmHg on 2025-01-14 19:31 |",
			"Times are the wall clock where each reading was taken (UTC−05:00).",
			"| 2025-01-15 | 06:45 | 142/89 | 74 | morning | Stage 2 |  |",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("report lacks %q", want)
			}
		}

		// The ESH rulebook judges the same mean below its 135/85.
		md, _, err = runClinicOn(t, dir, db, nil, "--profile", "p-1042", "report", "--rulebook", "esh2023", "--from", "2025-01-12", "--to", "2025-01-18")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(md, "| Against the home threshold | below the home threshold 135/85 (ESH 2023) |") {
			t.Errorf("ESH report:\n%s", md)
		}

		// PDF and HTML files, private, named by the extension.
		for _, name := range []string{"week.pdf", "week.html"} {
			path := filepath.Join(dir, name)
			_, errOut, err := runClinicOn(t, dir, db, nil, "--profile", "p-1042", "report", "--out", path)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			head := map[string]string{"week.pdf": "%PDF-", "week.html": "<!DOCTYPE html>"}[name]
			if !bytes.HasPrefix(data, []byte(head)) {
				t.Errorf("%s starts %q", name, data[:min(20, len(data))])
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %o, want 600", name, fi.Mode().Perm())
			}
			if !strings.Contains(errOut, "wrote the") || !strings.Contains(errOut, path) {
				t.Errorf("%s: stderr %q", name, errOut)
			}
		}
	})
}

// TestReportLongPeriod: a period of more than a year is refused with what
// the report would hold and the flag that writes it anyway. From
// 1700-01-01 to 2025-01-01 is 118 704 days (report/long_test.go), to
// 2025-01-18 17 more: 118 722 days with the day itself. Weeks count from
// 1700-01-01: 12 Jan 2025 is day 118 715 = 7·16 959 + 2, so its week runs
// 10–16 Jan (5 days of 4 readings) and the last 17–18 Jan (8).
func TestReportLongPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		db := storetest.Location(t, backend)
		csv := filepath.Join("..", "report", "testdata", "omron-week-us.csv")
		if out, errOut, err := runClinicOn(t, dir, db, nil, "import", "--tz", "America/New_York", csv); err != nil {
			t.Fatalf("import: %v\n%s%s", err, out, errOut)
		}
		out, _, err := runClinicOn(t, dir, db, nil, "report", "--from", "1700-01-01", "--to", "2025-01-18")
		want := "the period 1700-01-01 to 2025-01-18 is 118,722 days long, more than a year: the report would list 28 home readings and 0 office readings. " +
			"Give --all to write it anyway, or choose at most 366 days with --from and --to (the protocol covers 7)"
		if err == nil || err.Error() != want || out != "" {
			t.Errorf("without --all: %v, output %d bytes; want the error\n%s", err, len(out), want)
		}
		out, _, err = runClinicOn(t, dir, db, nil, "report", "--from", "1700-01-01", "--to", "2025-01-18", "--all")
		if err != nil || !strings.Contains(out, "| Period | 1700-01-01 to 2025-01-18 (118722 days) |") ||
			!strings.Contains(out, "| 2025-01-10 to 2025-01-16 | 20 | 0 | 0 |") || !strings.Contains(out, "| 2025-01-17 to 2025-01-18 | 8 | 0 | 0 |") {
			t.Errorf("with --all: %v\n%s", err, out)
		}
		// A year, 366 days at most, needs no flag.
		if _, _, err := runClinicOn(t, dir, db, nil, "report", "--from", "2024-01-18", "--to", "2025-01-17"); err != nil {
			t.Errorf("366 days: %v", err)
		}
	})
}

func TestReportErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		db := storetest.Location(t, backend)
		if _, _, err := runClinicOn(t, dir, db, nil, "profile", "add", "me"); err != nil {
			t.Fatal(err) // a database to report on: read-only commands refuse a missing one
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"report"}, "no blood-pressure readings"},
			{[]string{"report", "--from", "12/01/2025"}, "--from: date \"12/01/2025\": want YYYY-MM-DD"},
			{[]string{"report", "--format", "docx"}, "want md, html or pdf"},
			{[]string{"report", "--rulebook", "nice"}, "want aha2025 or esh2023"},
			{[]string{"report", "--paper", "a3"}, "want a4 or letter"},
			{[]string{"report", "--from", "2025-01-18", "--to", "2025-01-12"}, "starts (2025-01-18) after it ends"},
			{[]string{"--profile", "nobody", "report"}, "vitals profile add nobody"},
		} {
			_, _, err := runClinicOn(t, dir, db, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.want)
			}
		}
	})
}

// A PDF is not written to a terminal, but may be piped.
func TestReportPDFNotToTerminal(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runClinic(t, dir, nil, "add", "bp", "128/82", "--at", "2025-01-14T07:00:00-05:00"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg := filepath.Join(dir, "config.toml")
	a := &invocation{stdin: strings.NewReader(""), stdout: fakeTerminal{Writer: &out}, stderr: io.Discard}
	root := newRootCmd(a)
	root.SetArgs([]string{"--db", filepath.Join(dir, "vitals.db"), "--config", cfg, "report", "--format", "pdf"})
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("PDF to a terminal: %v", err)
	}
	pdf, _, err := runClinic(t, dir, nil, "report", "--format", "pdf")
	if err != nil || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("PDF to a pipe: %v, starts %q", err, pdf[:min(8, len(pdf))])
	}
}
