package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to checkpoint the database before hashing it

	"vitals/store"
)

// The tests of big imports run the built binary, as a person does, and
// measure its peak memory (the kernel's maximum resident set size of the
// process, what /usr/bin/time -v reports). They take about a minute on two
// cores, and are skipped under -short.

// peakBound is the most memory (resident set) an import may take, whatever
// the size of its file: the Go runtime, SQLite's page cache, a page of
// readings (at most 5,000, or 4 MiB of raw payload) and one JSON value
// (at most 8 MiB), with room for the collector.
const peakBound = 96 << 20

// growthBound is how much more memory a file ten times larger may take:
// what grows is not the readings in memory but SQLite's index of the
// transaction's write-ahead log and the collector's slack, so the peak
// stays far below ten times (measured 1.0–1.7×).
const growthBound = 2.0

func TestBigImports(t *testing.T) {
	if testing.Short() {
		t.Skip("imports of hundreds of megabytes: skipped under -short")
	}
	bin := buildVitals(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, db string, stdin io.Reader, args ...string) (out, errOut string, peak int64, err error) {
		t.Helper()
		return runMeasured(t, stdin, bin, append([]string{"--db", db, "--config", cfg}, args...)...)
	}

	t.Run("CSV of 200 MB", func(t *testing.T) {
		var peaks [2]int64
		for i, size := range []int64{20e6, 200e6} {
			path := filepath.Join(dir, fmt.Sprintf("omron-%d.csv", size))
			rows := writeBigCSV(t, path, size)
			db := filepath.Join(dir, fmt.Sprintf("csv-%d.db", size))
			start := time.Now()
			out, errOut, peak, err := run(t, db, nil, "import", "--tz", "UTC", path)
			if err != nil {
				t.Fatalf("import of %d MB: %v\n%s", size/1e6, err, errOut)
			}
			if want := fmt.Sprintf("blood pressure: %d added", rows); !strings.Contains(out, want) {
				t.Errorf("import of %d MB says:\n%s\nwant %q", size/1e6, out, want)
			}
			peaks[i] = peak
			t.Logf("%d MB, %d readings: %v, peak memory %.1f MiB", size/1e6, rows, time.Since(start).Round(100*time.Millisecond), float64(peak)/(1<<20))
			os.Remove(path)
		}
		checkPeaks(t, peaks)
	})

	t.Run("bundle of a million entries", func(t *testing.T) {
		var peaks [2]int64
		for i, entries := range []int{100_000, 1_000_000} {
			path := filepath.Join(dir, fmt.Sprintf("bundle-%d.json", entries))
			size, readings := writeBigBundle(t, path, entries)
			db := filepath.Join(dir, fmt.Sprintf("fhir-%d.db", entries))
			start := time.Now()
			out, errOut, peak, err := run(t, db, nil, "import", path)
			if err != nil {
				t.Fatalf("import of %d entries: %v\n%s", entries, err, errOut)
			}
			for _, want := range []string{
				fmt.Sprintf("FHIR R4 Bundle (collection, %d entries)", entries),
				fmt.Sprintf("blood pressure: %d added", readings/2),
				fmt.Sprintf("weight:         %d added", readings/2),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("import of %d entries says:\n%s\nwant %q", entries, out, want)
				}
			}
			peaks[i] = peak
			t.Logf("%d entries (%d MB, %d readings): %v, peak memory %.1f MiB", entries, size/1e6, readings, time.Since(start).Round(100*time.Millisecond), float64(peak)/(1<<20))
			os.Remove(path)
		}
		checkPeaks(t, peaks)
	})

	t.Run("SIGTERM while storing", func(t *testing.T) {
		db := filepath.Join(dir, "kept.db")
		// A database with readings and an import already.
		small := filepath.Join(dir, "small.csv")
		writeBigCSV(t, small, 1e6)
		if _, errOut, _, err := run(t, db, nil, "import", "--tz", "UTC", small); err != nil {
			t.Fatalf("first import: %v\n%s", err, errOut)
		}
		before, beforeDump := dbState(t, db)

		big := filepath.Join(dir, "big.csv")
		writeBigCSV(t, big, 100e6)
		cmd := exec.Command(bin, "--db", db, "--config", cfg, "import", "--tz", "UTC", big)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Storing has started when the write-ahead log grows: the
		// transaction spills its pages there.
		wal := db + "-wal"
		deadline := time.Now().Add(60 * time.Second)
		for {
			if fi, err := os.Stat(wal); err == nil && fi.Size() > 4<<20 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the import stored nothing in a minute:\n%s", errOut.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		sent := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		took := time.Since(sent)
		t.Logf("stopped %v after SIGTERM", took.Round(time.Millisecond))
		if err == nil || !strings.Contains(errOut.String(), "interrupted") || !strings.Contains(errOut.String(), "the database is as it was") {
			t.Errorf("SIGTERM: %v\n%s", err, errOut.String())
		}
		if took > 10*time.Second {
			t.Errorf("the import took %v to stop", took)
		}
		after, afterDump := dbState(t, db)
		if after != before {
			t.Errorf("the database file changed: sha256 %s before, %s after", before, after)
		}
		if afterDump != beforeDump {
			t.Errorf("the readings changed:\n%s\n%s", beforeDump, afterDump)
		}
	})

	t.Run("/dev/zero", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero")
		}
		for _, args := range [][]string{{"import", "/dev/zero"}, {"import", "-"}} {
			zero, err := os.Open("/dev/zero")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, errOut, peak, err := run(t, filepath.Join(dir, "zero.db"), zero, args...)
			zero.Close()
			if err == nil || !strings.Contains(errOut, "NUL bytes") {
				t.Errorf("vitals %s: %v\n%s", strings.Join(args, " "), err, errOut)
			}
			t.Logf("vitals %s < /dev/zero: refused in %v, peak memory %.1f MiB", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
			if peak > peakBound {
				t.Errorf("peak memory %d MiB", peak>>20)
			}
		}
	})
}

// runMeasured runs the binary and returns its output and its peak
// resident memory in bytes. The kernel's figure for a child counts the
// memory of the process that started it, so the peak is read through
// /usr/bin/time (a small process), else from the child's own high-water
// mark in /proc while it runs.
func runMeasured(t *testing.T, stdin io.Reader, bin string, args ...string) (out, errOut string, peak int64, err error) {
	t.Helper()
	var o, e bytes.Buffer
	const timeCmd = "/usr/bin/time"
	if _, statErr := os.Stat(timeCmd); statErr == nil {
		report := filepath.Join(t.TempDir(), "peak")
		cmd := exec.Command(timeCmd, append([]string{"-o", report, "-f", "%M", bin}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &o, &e
		err = cmd.Run()
		if data, rerr := os.ReadFile(report); rerr == nil {
			fields := strings.Fields(string(data)) // "Command exited with non-zero status 1" may come first
			if len(fields) > 0 {
				var kib int64
				fmt.Sscan(fields[len(fields)-1], &kib)
				peak = kib << 10
			}
		}
		return o.String(), e.String(), peak, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &o, &e
	if err := cmd.Start(); err != nil {
		return "", "", 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	for {
		if hwm := highWater(status); hwm > peak {
			peak = hwm
		}
		select {
		case err = <-done:
			return o.String(), e.String(), peak, err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// highWater reads VmHWM, a process's peak resident memory, from its
// /proc status; 0 when there is none.
func highWater(status string) int64 {
	data, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib)
			return kib << 10
		}
	}
	return 0
}

// checkPeaks checks the peak memory of a file and of one ten times
// larger.
func checkPeaks(t *testing.T, peaks [2]int64) {
	t.Helper()
	if peaks[0] == 0 {
		t.Skip("no memory figures from this system")
	}
	ratio := float64(peaks[1]) / float64(peaks[0])
	t.Logf("peak memory of the file ten times larger: %.2f× (%.1f MiB against %.1f MiB; bound %d MiB)",
		ratio, float64(peaks[1])/(1<<20), float64(peaks[0])/(1<<20), peakBound>>20)
	if peaks[1] > peakBound || ratio > growthBound {
		t.Errorf("peak memory %d MiB (%.2f× the smaller file's): want at most %d MiB and %.1f×", peaks[1]>>20, ratio, peakBound>>20, growthBound)
	}
}

// writeBigCSV writes an Omron Connect export (US layout) of about size
// bytes, a reading a minute from 2020 with a long note on each, and
// returns how many rows it holds. It streams: memory holds one row.
func writeBigCSV(t *testing.T, path string, size int64) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n")
	written := int64(n)
	note := strings.Repeat("after a walk; before coffee; seated five minutes; left arm; ", 15)
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := 0
	for written < size {
		n, _ := fmt.Fprintf(w, "%s,%s,%d,%d,%d,-,-,-,%s%d\n", at.Format("Jan 2 2006"), at.Format("15:04"),
			110+rows%40, 70+rows%20, 55+rows%30, note, rows)
		written += int64(n)
		at = at.Add(time.Minute)
		rows++
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return rows
}

// writeBigBundle writes a FHIR collection Bundle of entries entries, as a
// health system's export has them: one in ten a reading (blood pressures
// and weights in turn), the others encounters and laboratory results
// vitals does not store. It returns the file's size and its readings. It
// streams: memory holds one entry.
func writeBigBundle(t *testing.T, path string, entries int) (int64, int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cw := &countingWriter{w: f}
	w := bufio.NewWriterSize(cw, 1<<20)
	w.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[` + "\n")
	at := time.Date(2010, 1, 1, 8, 0, 0, 0, time.UTC)
	readings := 0
	for i := range entries {
		if i > 0 {
			w.WriteString(",\n")
		}
		when := at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		switch {
		case i%20 == 0:
			fmt.Fprintf(w, `{"fullUrl":"urn:uuid:bp-%d","resource":{"resourceType":"Observation","id":"bp-%d","status":"final",`+
				`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],`+
				`"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}]},"effectiveDateTime":%q,`+
				`"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":%d,"unit":"mm[Hg]"}},`+
				`{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":%d,"unit":"mm[Hg]"}}]}}`,
				i, i, when, 110+i%40, 70+i%20)
			readings++
		case i%20 == 10:
			fmt.Fprintf(w, `{"fullUrl":"urn:uuid:w-%d","resource":{"resourceType":"Observation","id":"w-%d","status":"final",`+
				`"code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},"effectiveDateTime":%q,`+
				`"valueQuantity":{"value":%d.%d,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}}`, i, i, when, 60+i%30, i%10)
			readings++
		case i%2 == 0:
			fmt.Fprintf(w, `{"fullUrl":"urn:uuid:e-%d","resource":{"resourceType":"Encounter","id":"e-%d","status":"finished",`+
				`"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"period":{"start":%q,"end":%q}}}`, i, i, when, when)
		default:
			fmt.Fprintf(w, `{"fullUrl":"urn:uuid:g-%d","resource":{"resourceType":"Observation","id":"g-%d","status":"final",`+
				`"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose"}]},"effectiveDateTime":%q,`+
				`"valueQuantity":{"value":%d,"unit":"mg/dL"}}}`, i, i, when, 80+i%40)
		}
	}
	w.WriteString("\n]}\n")
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return cw.n, readings
}

// dbState checkpoints the database (its write-ahead log folded into the
// file) and returns the file's SHA-256 and a dump of its readings and
// imports.
func dbState(t *testing.T, path string) (sum, dump string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, table := range []string{"profiles", "accounts", "imports", "bp_readings"} {
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, fmt.Sprintf("%s: %d", table, n))
	}
	raw.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString(strings.Join(counts, ", ") + "\n")
	if err := db.DumpReadings(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), b.String()
}
