package files

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"vitals/fhir"
	"vitals/health"
	"vitals/store"
)

// TestDevZeroFailsFast: a device that never ends, of NUL bytes, is refused
// at its first bytes, without copying it or growing memory.
func TestDevZeroFailsFast(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	start := time.Now()
	calls := 0
	_, err := Import(context.Background(), &fakeStore{}, profileOf(1, &calls), "/dev/zero", nil, Options{})
	var fe *Error
	if !errors.As(err, &fe) || fe.File != "/dev/zero" || !errors.Is(err, ErrUnrecognized) || !strings.Contains(err.Error(), "NUL bytes") {
		t.Errorf("error %v: want one naming /dev/zero and its NUL bytes", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// endless gives the same text forever.
type endless struct{ s string }

func (e endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.s)
	}
	return n, nil
}

// TestLimits: a row, a line or a JSON value larger than what vitals holds
// at a time is refused with its line or entry, whatever comes after it.
func TestLimits(t *testing.T) {
	t.Parallel()
	us := "Date,Time,Systolic (mmHg),Diastolic (mmHg)\n"
	long := strings.Repeat("x", MaxRecord+1)
	bp := `{"resource":{"resourceType":"Observation","id":"1","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2024-01-01T08:00:00Z","valueQuantity":{"value":61,"unit":"/min"}}}`
	for _, tt := range []struct {
		name, data string
		line       int
		entry      string
	}{
		{"one endless line", long, 1, ""},
		{"a long row", us + "Jan 12 2025,08:12,114,74\nJan 13 2025,08:12," + long + ",74\n", 3, ""},
		{"a long quoted cell over many lines", us + "Jan 12 2025,08:12,114,74\n\"" + strings.Repeat("a\n", MaxRecord) + "\",1,2,3\n", 3, ""},
		{"a vitals CSV row", "time_utc,utc_offset,bpm,device,source\n2024-01-01T08:00:00Z,+00:00,61,\"" + long + "\",x\n", 2, ""},
		{"a huge entry", `{"resourceType":"Bundle","entry":[` + bp + `,{"resource":{"resourceType":"Basic","text":"` + strings.Repeat("y", fhir.DefaultMaxValue) + `"}}]}`, 0, "entry[1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read("big", []byte(tt.data), Options{Zone: time.UTC})
			var (
				re *RowError
				ee *fhir.EntryError
			)
			switch {
			case tt.entry != "":
				if !errors.As(err, &ee) || ee.Path != tt.entry || !strings.Contains(err.Error(), "larger than 8 MiB") {
					t.Errorf("error %.300v, want %s larger than 8 MiB", err, tt.entry)
				}
			default:
				if !errors.As(err, &re) || re.Line != tt.line || !errors.Is(err, ErrRecordTooLong) {
					t.Errorf("error %.300v, want line %d too long", err, tt.line)
				}
			}
		})
	}

	// Standard input that never ends without a line end stops at the
	// limit too, copied no further than the sniffing needs... and then
	// read: the copy is bounded by what the parser refuses.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := Import(ctx, &fakeStore{}, profileOf(1, new(int)), "-", io.LimitReader(endless{"abc"}, 4<<20), Options{})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 1 || !errors.Is(err, ErrRecordTooLong) {
		t.Errorf("stdin of one long line: %v", err)
	}
}

// TestPlausibleByLine: every reading of every format is checked against
// health's ranges and dates, named by the line and column (CSV) or entry
// and element (FHIR).
func TestPlausibleByLine(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vitals := func(header, row string) string { return header + "\n" + row + "\n" }
	for _, tt := range []struct {
		name, data, column, text string
		line                     int
	}{
		{"Omron in the future", "Date,Time,SYS,DIA\nJan 12 2025,08:12,120,80\nJan 12 2027,08:12,120,80\n", "Date", "in the future", 3},
		{"Omron before 1900", "Measurement Date,SYS,DIA\n1899/12/31 08:12,120,80\n", "Measurement Date", "implausible date 1899-12-31", 2},
		{"vitals time in year 1", vitals("time_utc,utc_offset,bpm,device,source", "0001-01-01T00:00:00Z,+00:00,61,,x"), "time_utc", "implausible date 0001-01-01", 2},
		{"vitals weight", vitals("time_utc,utc_offset,weight_kg,bmi,body_fat_pct,skeletal_muscle_pct,visceral_fat_level,resting_metabolism_kcal,device,source",
			"2025-01-01T08:00:00Z,+00:00,80,,95,,,,,x"), "body_fat_pct", "body fat 95 % is out of range", 2},
		{"vitals steps", vitals("time_utc,utc_offset,steps,aerobic_steps,calories_kcal,distance_m,device,source",
			"2025-01-01T08:00:00Z,+00:00,200000,,,,,x"), "steps", "steps 200000", 2},
		{"vitals heart rate", vitals("time_utc,utc_offset,bpm,device,source", "2025-01-01T08:00:00Z,+00:00,0.5,,x"), "bpm", "heart rate 0.5 bpm", 2},
		{"vitals temperature", vitals("time_utc,utc_offset,celsius,device,source", "2025-01-01T08:00:00Z,+00:00,98.6,,x"), "celsius", "temperature 98.6", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read("x.csv", []byte(tt.data), Options{Zone: time.UTC, Now: now})
			var re *RowError
			if !errors.As(err, &re) || re.Line != tt.line || re.Column != tt.column || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %v, want line %d column %s saying %q", err, tt.line, tt.column, tt.text)
			}
		})
	}
	// FHIR: the entry and the element.
	doc := `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"w","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2025-01-01T08:00:00Z","valueQuantity":{"value":900,"unit":"kg"}}}]}`
	_, err := Read("x.json", []byte(doc), Options{Now: now})
	var ee *fhir.EntryError
	if !errors.As(err, &ee) || ee.Path != "entry[0]" || ee.Field != "valueQuantity" || !strings.Contains(err.Error(), "weight 900 kg") {
		t.Errorf("FHIR weight of 900 kg: %v", err)
	}
}

// blocked is standard input that never gives anything.
type blocked struct{ c chan struct{} }

func (b blocked) Read([]byte) (int, error) { <-b.c; return 0, io.EOF }

// TestCancelWhileWaiting: an import waiting on standard input stops as
// soon as its context is cancelled (Ctrl-C, SIGTERM).
func TestCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	stdin := blocked{make(chan struct{})}
	defer close(stdin.c)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Import(ctx, &fakeStore{}, profileOf(1, new(int)), "-", stdin, Options{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stdin: interrupted") {
		t.Errorf("error %v, want stdin interrupted", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopped after %v", d)
	}
}

// cancelAfter is a Store whose import cancels a context after its first
// page.
type cancelAfter struct {
	Store
	cancel context.CancelFunc
}

func (c cancelAfter) BeginImport(ctx context.Context, profileID int64, name, sum string) (Tx, error) {
	tx, err := c.Store.BeginImport(ctx, profileID, name, sum)
	if err != nil {
		return nil, err
	}
	return cancelTx{tx, c.cancel}, nil
}

type cancelTx struct {
	Tx
	cancel context.CancelFunc
}

func (c cancelTx) Add(b health.Batch) (store.Result, error) {
	res, err := c.Tx.Add(b)
	c.cancel()
	return res, err
}

// TestCancelMidImport: an import cancelled after it stored a page leaves
// the database as it was: no reading, no import, no account.
func TestCancelMidImport(t *testing.T) {
	t.Parallel()
	var csv strings.Builder
	csv.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg)\n")
	for i := range 3000 {
		csv.WriteString(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour).Format("Jan 2 2006,15:04") + ",120,80\n")
	}
	path := writeTemp(t, "bp.csv", csv.String())
	db, p := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	profile := func(context.Context) (int64, error) { return p.ID, nil }
	_, err := Import(ctx, cancelAfter{DB(db), cancel}, profile, path, nil, Options{Zone: time.UTC})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want an interruption", err)
	}
	bg := context.Background()
	n, _ := db.Count(bg, health.KindBloodPressure, store.Filter{ProfileID: p.ID})
	accts, _ := db.Accounts(bg, p.ID)
	imports, _ := db.Imports(bg, p.ID)
	if n != 0 || len(accts) != 0 || len(imports) != 0 {
		t.Errorf("left %d readings, accounts %v, imports %v", n, accts, imports)
	}
}

// TestRepeatsFarApart: two rows of one minute far apart in a file (beyond
// what the reader remembers) are still two readings, not one over the
// other: the store keeps the second beside the first.
func TestRepeatsFarApart(t *testing.T) {
	t.Parallel()
	var csv strings.Builder
	csv.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg)\n")
	csv.WriteString("Jan 1 2020,08:00,120,80\n")
	for i := range recentKeys + 10 {
		csv.WriteString(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour).Format("Jan 2 2006,15:04") + ",121,81\n")
	}
	csv.WriteString("Jan 1 2020,08:00,130,85\n") // the same minute, another reading
	db, p := openStore(t)
	f, err := importFile(t, db, p, writeTemp(t, "far.csv", csv.String()), Options{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Result[health.KindBloodPressure]
	if want := (store.Counts{Added: recentKeys + 11, Kept: 1}); c != want {
		t.Errorf("%+v, want %+v", c, want)
	}
}
