package files

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// fakeStore records what Import asks of the store.
type fakeStore struct {
	beginErr, addErr, commitErr error

	profiles []int64 // the profile of each import begun
	tx       []*fakeTx
}

type fakeTx struct {
	s          *fakeStore
	pages      []health.Batch
	committed  bool
	rolledBack bool
}

func (s *fakeStore) BeginImport(_ context.Context, profileID int64, _, _ string) (Tx, error) {
	if s.beginErr != nil {
		return nil, s.beginErr
	}
	s.profiles = append(s.profiles, profileID)
	tx := &fakeTx{s: s}
	s.tx = append(s.tx, tx)
	return tx, nil
}

func (tx *fakeTx) ID() int64 { return 42 }

func (tx *fakeTx) Add(b health.Batch) (store.Result, error) {
	if tx.s.addErr != nil {
		return nil, tx.s.addErr
	}
	tx.pages = append(tx.pages, b)
	return store.Result{health.KindBloodPressure: {Added: b.Len()}}, nil
}

func (tx *fakeTx) Commit() (store.Result, error) {
	if tx.s.commitErr != nil {
		return nil, tx.s.commitErr
	}
	tx.committed = true
	n := 0
	for _, p := range tx.pages {
		n += p.Len()
	}
	return store.Result{health.KindBloodPressure: {Added: n}}, nil
}

func (tx *fakeTx) Rollback() error { tx.rolledBack = true; return nil }

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := writeFile(path, content); err != nil {
		t.Fatal(err)
	}
	return path
}

const oneBP = `{"resourceType": "Observation", "id": "bp-1", "status": "final",
 "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
 "effectiveDateTime": "2024-01-20T07:30:00Z",
 "component": [
  {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 128, "unit": "mm[Hg]"}},
  {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 82, "unit": "mm[Hg]"}}]}`

// profileOf returns a profile function that counts its calls.
func profileOf(id int64, calls *int) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { *calls++; return id, nil }
}

// TestImportStoresPages: the readings go to the store page by page, in one
// import for the profile, committed at the end.
func TestImportStoresPages(t *testing.T) {
	t.Parallel()
	var csv strings.Builder
	csv.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg)\n")
	for i := range 25 {
		csv.WriteString(time.Date(2025, 1, 1+i, 8, 0, 0, 0, time.UTC).Format("Jan 2 2006") + ",08:00,120,80\n")
	}
	path := writeTemp(t, "bp.csv", csv.String())
	db := &fakeStore{}
	calls := 0
	f, err := Import(context.Background(), db, profileOf(7, &calls), path, nil, Options{Zone: time.UTC, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || len(db.tx) != 1 || db.profiles[0] != 7 {
		t.Fatalf("profile asked %d times, imports begun for %v: want one, for profile 7", calls, db.profiles)
	}
	var sizes []int
	for _, p := range db.tx[0].pages {
		sizes = append(sizes, p.Len())
	}
	if want := []int{10, 10, 5}; !equalInts(sizes, want) || !db.tx[0].committed {
		t.Errorf("pages of %v, committed %v; want %v, committed", sizes, db.tx[0].committed, want)
	}
	if f.ImportID != 42 || f.Readings != 25 || f.Result.Total().Added != 25 {
		t.Errorf("import id %d, %d readings, %+v", f.ImportID, f.Readings, f.Result.Total())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestImportEmptyFileTouchesNothing: a file with no readings asks for no
// profile and begins no import.
func TestImportEmptyFileTouchesNothing(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, "empty.json", `{"resourceType": "Bundle", "type": "collection", "entry": []}`)
	db := &fakeStore{}
	calls := 0
	f, err := Import(context.Background(), db, profileOf(7, &calls), path, nil, Options{})
	if err != nil || f.Readings != 0 || f.ImportID != 0 {
		t.Fatalf("Import = %+v, %v; want nothing and no error", f, err)
	}
	if calls != 0 || len(db.tx) != 0 {
		t.Errorf("the profile was asked for %d times, %d imports begun", calls, len(db.tx))
	}
}

// TestImportStoreErrors: a store failure comes back naming the file and
// the step, is not an *Error (the file is not at fault), and leaves the
// import rolled back.
func TestImportStoreErrors(t *testing.T) {
	t.Parallel()
	full := errors.New("database or disk is full")
	for _, tc := range []struct {
		name string
		db   *fakeStore
	}{
		{"begin", &fakeStore{beginErr: full}},
		{"add", &fakeStore{addErr: full}},
		{"commit", &fakeStore{commitErr: full}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "bp.json", oneBP)
			calls := 0
			f, err := Import(context.Background(), tc.db, profileOf(7, &calls), path, nil, Options{})
			if !errors.Is(err, full) || f != nil {
				t.Fatalf("Import = %v, %v; want no file and the store's error", f, err)
			}
			var fe *Error
			if errors.As(err, &fe) {
				t.Errorf("error %q is an *Error: it blames the file", err)
			}
			if want := path + ": store the readings: database or disk is full"; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			for _, tx := range tc.db.tx {
				if tx.committed || (tc.name == "add" && !tx.rolledBack) {
					t.Errorf("import committed %v, rolled back %v", tx.committed, tx.rolledBack)
				}
			}
		})
	}
}

// TestImportCancelled: a cancelled context stops the import before it
// stores anything, and says it was interrupted, not that the file is bad.
func TestImportCancelled(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, "bp.json", oneBP)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db := &fakeStore{}
	calls := 0
	_, err := Import(ctx, db, profileOf(7, &calls), path, nil, Options{})
	var fe *Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &fe) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error %v: want an interruption, not the file's fault", err)
	}
	if len(db.tx) != 0 {
		t.Errorf("%d imports begun", len(db.tx))
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
