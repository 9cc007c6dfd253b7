package files

import (
	"context"
	"errors"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// fakeStore records what Import asks of the store.
type fakeStore struct {
	account    store.Account
	accountErr error
	upsertErr  error

	asked    []store.Provider // LocalAccount's providers, in order
	upserted []health.Batch
	into     []int64 // the account of each upsert
}

func (s *fakeStore) LocalAccount(_ context.Context, profileID int64, p store.Provider) (store.Account, error) {
	s.asked = append(s.asked, p)
	if s.accountErr != nil {
		return store.Account{}, s.accountErr
	}
	a := s.account
	a.ProfileID, a.Provider = profileID, p
	return a, nil
}

func (s *fakeStore) Upsert(_ context.Context, _, accountID int64, b health.Batch) (store.Result, error) {
	if s.upsertErr != nil {
		return nil, s.upsertErr
	}
	s.upserted = append(s.upserted, b)
	s.into = append(s.into, accountID)
	return store.Result{health.KindBloodPressure: {Added: b.Len()}}, nil
}

func readTestFile(t *testing.T, content string) *File {
	t.Helper()
	f, err := Read("bp.json", []byte(content), Options{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const oneBP = `{"resourceType": "Observation", "id": "bp-1", "status": "final",
 "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
 "effectiveDateTime": "2024-01-20T07:30:00Z",
 "component": [
  {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 128, "unit": "mm[Hg]"}},
  {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 82, "unit": "mm[Hg]"}}]}`

// TestImportStoresInTheFileAccount: the readings go, in one upsert, into
// the profile's file-import account.
func TestImportStoresInTheFileAccount(t *testing.T) {
	t.Parallel()
	f := readTestFile(t, oneBP)
	if f.Batch.Len() != 1 {
		t.Fatalf("the fixture maps to %d readings, want 1", f.Batch.Len())
	}
	db := &fakeStore{account: store.Account{ID: 42}}
	res, err := Import(context.Background(), db, 7, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.asked) != 1 || db.asked[0] != store.ProviderFile {
		t.Errorf("accounts asked for: %v, want the file-import account once", db.asked)
	}
	if len(db.upserted) != 1 || db.into[0] != 42 || db.upserted[0].Len() != 1 {
		t.Errorf("upserts %v into accounts %v: want one batch of 1 into account 42", db.upserted, db.into)
	}
	if got := res.Total().Added; got != 1 {
		t.Errorf("result adds %d, want the store's answer (1)", got)
	}
}

// TestImportEmptyFileTouchesNothing: a file with no readings creates no
// account and stores nothing.
func TestImportEmptyFileTouchesNothing(t *testing.T) {
	t.Parallel()
	f := readTestFile(t, `{"resourceType": "Bundle", "type": "collection", "entry": []}`)
	db := &fakeStore{}
	res, err := Import(context.Background(), db, 7, f)
	if err != nil || len(res) != 0 {
		t.Fatalf("Import = %v, %v; want nothing and no error", res, err)
	}
	if len(db.asked) != 0 || len(db.upserted) != 0 {
		t.Errorf("the store was used: accounts %v, upserts %d", db.asked, len(db.upserted))
	}
}

// TestImportStoreErrors: a store failure comes back wrapped, naming the
// file and the step.
func TestImportStoreErrors(t *testing.T) {
	t.Parallel()
	broken := errors.New("disk I/O error")
	for _, tc := range []struct {
		name string
		db   *fakeStore
		step string
	}{
		{"account", &fakeStore{accountErr: broken}, "find the file-import account"},
		{"upsert", &fakeStore{upsertErr: broken}, "store the readings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Import(context.Background(), tc.db, 7, readTestFile(t, oneBP))
			if !errors.Is(err, broken) || res != nil {
				t.Fatalf("Import = %v, %v; want no result and the store's error", res, err)
			}
			if want := "import bp.json: " + tc.step + ": disk I/O error"; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		})
	}
}
