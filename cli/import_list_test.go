package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vitals/clocktest"
	"vitals/providers/files"
)

// TestImportListUndo: each file that adds readings is an import with an
// id, named in the output; --list lists them; --undo takes exactly one
// back out, once; --json gives the same as data.
func TestImportListUndo(t *testing.T) {
	t.Parallel()
	e := newIEEnv(t)
	out, _, err := e.run(t, "", "import", "--tz", "UTC", ieUS)
	if err != nil || !strings.Contains(out, "  import 1: 5 rows stored; undo with vitals import --undo 1\n") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, _, err = e.run(t, "", "import", "--json", ieTZ, ieUS)
	if err != nil {
		t.Fatal(err)
	}
	var results []importResultJSON
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	if len(results) != 2 || results[0].ImportID != 2 || results[0].Undo != "vitals import --undo 2" ||
		results[0].Readings["bloodpressure"].Added != 5 || results[0].Format != "Omron Connect CSV with a Timezone column" {
		t.Errorf("import --json, a new file: %+v", results[0])
	}
	if r := results[1]; len(results) == 2 && (r.ImportID != 0 || r.Undo != "" || r.Readings["bloodpressure"].Unchanged != 5 || r.Zone == "") {
		t.Errorf("import --json, a file imported before: %+v", r)
	}

	list, _, err := e.run(t, "", "import", "--list")
	if err != nil || !strings.Contains(list, "ID  IMPORTED") || strings.Count(list, "\n") != 3 ||
		!strings.Contains(list, "omron-timezone.csv") || !strings.Contains(list, "omron-us.csv") {
		t.Errorf("import --list: %v\n%s", err, list)
	}

	out, _, err = e.run(t, "", "import", "--undo", "1")
	if err != nil || !strings.HasPrefix(out, "import 1 ("+ieUS+", ") || !strings.HasSuffix(out, " undone: 5 rows removed\n") {
		t.Errorf("import --undo 1: %v\n%s", err, out)
	}
	if s := e.snapshot(t); len(s.Readings[0].BloodPressure) != 5 {
		t.Errorf("after the undo: %d blood pressures, want the other file's 5", len(s.Readings[0].BloodPressure))
	}
	if _, _, err := e.run(t, "", "import", "--undo", "1"); err == nil || !strings.Contains(err.Error(), "undone already") {
		t.Errorf("undo twice: %v", err)
	}
	if _, _, err := e.run(t, "", "import", "--undo", "9"); err == nil || !strings.Contains(err.Error(), "no import 9 in profile me: see vitals import --list") {
		t.Errorf("undo of no import: %v", err)
	}

	out, _, err = e.run(t, "", "import", "--list", "--json")
	var records []importRecordJSON
	if err != nil || json.Unmarshal([]byte(out), &records) != nil || len(records) != 2 {
		t.Fatalf("import --list --json: %v\n%s", err, out)
	}
	if r := records[1]; r.ID != 1 || r.Added != 5 || r.UndoneAt == "" || r.File != ieUS || len(r.SHA256) != 64 {
		t.Errorf("the undone import: %+v", r)
	}
	if r := records[0]; r.ID != 2 || r.UndoneAt != "" {
		t.Errorf("the other import: %+v", r)
	}
	out, _, err = e.run(t, "", "import", "--undo", "2", "--json")
	var undone undoJSON
	if err != nil || json.Unmarshal([]byte(out), &undone) != nil || undone != (undoJSON{ID: 2, File: ieTZ, Removed: 5}) {
		t.Errorf("import --undo 2 --json: %v\n%s", err, out)
	}

	// Another profile: its imports, and its undo command.
	if _, _, err := e.run(t, "", "profile", "add", "dad"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = e.run(t, "", "--profile", "dad", "import", "--list")
	if out != "" {
		t.Errorf("dad's imports: %q", out)
	}
	if out, _, _ = e.run(t, "", "--profile", "dad", "import", ieFH); !strings.Contains(out, "undo with vitals --profile dad import --undo 3") {
		t.Errorf("dad's import:\n%s", out)
	}

	for _, args := range [][]string{{"--list", "--undo", "1"}, {"--list", ieUS}, {"--undo", "1", ieUS}, {"--undo", "-1"}} {
		if _, _, err := e.run(t, "", append([]string{"import"}, args...)...); err == nil {
			t.Errorf("import %v: no error", args)
		}
	}
}

// TestImportFailedMidwayLeavesNoTrace: a file whose error comes after a
// page was stored leaves nothing, not the profile made for it either.
func TestImportFailedMidwayLeavesNoTrace(t *testing.T) {
	t.Parallel()
	e := newIEEnv(t)
	var b strings.Builder
	b.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg)\n")
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 6000 {
		fmt.Fprintf(&b, "%s,120,80\n", at.Format("Jan 2 2006,15:04"))
		at = at.Add(time.Hour)
	}
	b.WriteString("Jan 1 2025,08:00,1200,80\n")
	path := filepath.Join(e.dir, "long.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := e.run(t, "", "import", "--tz", "UTC", path)
	if err == nil || !strings.Contains(errOut, "line 6002, column \"Systolic (mmHg)\": systolic 1200 mmHg is out of range") ||
		!strings.Contains(errOut, "fix it and import it again") {
		t.Errorf("import: %v\n%s", err, errOut)
	}
	if s := e.snapshot(t); len(s.Profiles) != 0 {
		t.Errorf("a failed import left %+v", s)
	}
}

// TestImportFailureSaysWhoIsAtFault: only a file at fault is to be
// fixed; a full disk, a failing database or an interruption say the
// file is not at fault.
func TestImportFailureSaysWhoIsAtFault(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want string
		not  string
	}{
		{"the file", &files.Error{File: "a.csv", Err: errors.New("line 3: bad")}, "fix it and import it again", "not at fault"},
		{"no space", fmt.Errorf("a.csv: store the readings: %w", &os.PathError{Op: "write", Path: "vitals.db-wal", Err: syscall.ENOSPC}), "the disk is full. The file is not at fault", "fix it"},
		{"SQLite full", fmt.Errorf("a.csv: store the readings: %w", sqliteError{13}), "the disk is full. The file is not at fault", "fix it"},
		{"SQLite full, extended", fmt.Errorf("a.csv: store the readings: %w", sqliteError{13 | 3<<8}), "the disk is full", "fix it"},
		{"database", fmt.Errorf("a.csv: store the readings: %w", sqliteError{5}), "The file is not at fault", "fix it"},
		{"interrupted", fmt.Errorf("a.csv: interrupted: %w", context.Canceled), "the import was stopped, and the database is as it was", "fix it"},
	} {
		got := importFailure(tt.err)
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
			t.Errorf("%s: %q, want it to say %q and not %q", tt.name, got, tt.want, tt.not)
		}
	}
}

// sqliteError is an error with SQLite's result code, as the driver's.
type sqliteError struct{ code int }

func (e sqliteError) Error() string { return fmt.Sprintf("sqlite error (%d)", e.code) }
func (e sqliteError) Code() int     { return e.code }

// termBuffer is a terminal that keeps what is written.
type termBuffer struct{ bytes.Buffer }

func (*termBuffer) IsTerminal() bool { return true }

// TestTransferProgress: nothing for the first second, then one line
// redrawn in place at most every progressEvery, with bytes, readings and
// the time left, cut to the terminal's width, erased when done; nothing
// at all off a terminal.
func TestTransferProgress(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	var w termBuffer
	p := newTransferProgress(&w, true, 0, "importing big.csv", clock.Now)
	p.update(10e6, 200e6, 1000, 0)
	clock.Advance(900 * time.Millisecond)
	p.update(20e6, 200e6, 2000, 0)
	if w.Len() != 0 {
		t.Fatalf("drawn within the first second: %q", w.String())
	}
	clock.Advance(1100 * time.Millisecond)
	p.update(100e6, 200e6, 51234, 0)
	want := "\r\x1b[2Kimporting big.csv: 100.0 MB of 200.0 MB (50%), 51,234 readings, about 2 s left"
	if w.String() != want {
		t.Errorf("drawn %q, want %q", w.String(), want)
	}
	clock.Advance(progressEvery / 2)
	p.update(110e6, 200e6, 52000, 0)
	if w.String() != want {
		t.Errorf("redrawn before progressEvery: %q", w.String())
	}
	clock.Advance(progressEvery)
	w.Reset()
	p.update(190e6, 200e6, 99000, 0)
	if want := "\r\x1b[2Kimporting big.csv: 190.0 MB of 200.0 MB (95%), 99,000 readings, less than a second left"; w.String() != want {
		t.Errorf("drawn %q, want %q", w.String(), want)
	}
	w.Reset()
	p.done()
	if w.String() != "\r\x1b[2K" {
		t.Errorf("done wrote %q, want the line erased", w.String())
	}

	// An export: rows of a total, bytes written, a long name cut.
	var e termBuffer
	x := newTransferProgress(&e, true, 40, "exporting blood pressure readings", clock.Now)
	clock.Advance(3 * time.Second)
	x.update(5e6, 0, 30000, 120000)
	if want := "\r\x1b[2Kexporting blood pressure readings: 5.0…"; e.String() != want {
		t.Errorf("drawn %q, want %q", e.String(), want)
	}

	var piped bytes.Buffer
	q := newTransferProgress(&piped, false, 0, "importing big.csv", clock.Now)
	clock.Advance(time.Minute)
	q.update(1, 2, 3, 0)
	q.status("reading")
	q.done()
	if piped.Len() != 0 {
		t.Errorf("progress off a terminal: %q", piped.String())
	}
}

// TestImportAndExportShowProgress runs import and export with standard
// error on a (fake) terminal and then piped: the progress line appears
// and is erased on the terminal, and never when piped. Not parallel: it
// shortens progressDelay.
func TestImportAndExportShowProgress(t *testing.T) {
	defer func(d time.Duration) { progressDelay = d }(progressDelay)
	progressDelay = 0
	e := newIEEnv(t)
	run := func(stderr interface {
		Write([]byte) (int, error)
		String() string
	}, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		a := &invocation{stdin: strings.NewReader(""), stdout: &out, stderr: stderr}
		root := newRootCmd(a)
		root.SetArgs(append([]string{"--db", e.db, "--config", e.config}, args...))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("vitals %v: %v\n%s", args, err, stderr.String())
		}
		return stderr.String()
	}
	var term termBuffer
	got := run(&term, "import", "--tz", "UTC", ieUS)
	if !strings.HasPrefix(got, "\r\x1b[2Kimporting "+ieUS+": ") || !strings.Contains(got, " readings") || !strings.HasSuffix(got, "\r\x1b[2K") {
		t.Errorf("import on a terminal wrote %q", got)
	}
	term.Reset()
	got = run(&term, "export", "--type", "bp", "--out", filepath.Join(e.dir, "bp.csv"))
	if !strings.Contains(got, "\r\x1b[2Kexporting blood pressure readings: reading 5 readings from the database…") || !strings.Contains(got, "\r\x1b[2Kexported 5 blood pressure readings") {
		t.Errorf("export on a terminal wrote %q", got)
	}
	var piped bytes.Buffer
	if got := run(&piped, "import", "--tz", "UTC", ieUS); strings.Contains(got, "\x1b") {
		t.Errorf("import piped wrote %q", got)
	}
	piped.Reset()
	if got := run(&piped, "export", "--format", "fhir", "--out", filepath.Join(e.dir, "all.json")); strings.Contains(got, "\x1b") {
		t.Errorf("export piped wrote %q", got)
	}
}

// TestImportInterruptedJSON: an import interrupted while it waits on
// standard input stops at once, still writes its JSON document with the
// file's error, and says the rest were not imported.
func TestImportInterruptedJSON(t *testing.T) {
	t.Parallel()
	e := newIEEnv(t)
	if _, _, err := e.run(t, "", "import", ieFH); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdin := waiting{c: make(chan struct{}), reading: make(chan struct{}), once: new(sync.Once)}
	defer close(stdin.c)
	// Interrupted once it waits on standard input (not before: a busy
	// machine may take longer than any fixed delay to get there).
	go func() {
		<-stdin.reading
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	var out, errOut bytes.Buffer
	a := &invocation{stdin: stdin, stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs([]string{"--db", e.db, "--config", e.config, "import", "--json", "-", ieTZ})
	err := root.ExecuteContext(ctx)
	var results []importResultJSON
	if err == nil || !strings.Contains(err.Error(), "interrupted") || json.Unmarshal(out.Bytes(), &results) != nil ||
		len(results) != 1 || !strings.Contains(results[0].Error, "stdin: interrupted") || !strings.Contains(errOut.String(), "1 more file was not imported") {
		t.Errorf("import --json, interrupted: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if after := e.snapshot(t); !reflect.DeepEqual(before, after) {
		t.Errorf("an interrupted import changed the database:\n%+v\n%+v", before, after)
	}
}

// waiting is standard input that gives nothing until closed.
type waiting struct {
	c       chan struct{}
	reading chan struct{} // closed at the first Read
	once    *sync.Once
}

func (w waiting) Read([]byte) (int, error) {
	if w.reading != nil {
		w.once.Do(func() { close(w.reading) })
	}
	<-w.c
	return 0, io.EOF
}
