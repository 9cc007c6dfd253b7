package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
)

// fixture makes a profile and a file account to hang readings on.
func fixture(t *testing.T, db *DB) (Profile, Account) {
	t.Helper()
	ctx := context.Background()
	p, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.LocalAccount(ctx, p.ID, ProviderFile)
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// cursorOf is where a stream of an account stands ("" when it has none
// or they cannot be read).
func cursorOf(db *DB, accountID int64, stream string) (string, error) {
	cs, err := db.Cursors(context.Background(), accountID)
	return cs[stream], err
}

func bp(id string, at time.Time, sys, dia float64) health.BloodPressure {
	return health.BloodPressure{
		Meta:      health.Meta{ProviderID: id, Time: at, Offset: -5 * 3600, Origin: "test"},
		Systolic:  health.Of(sys),
		Diastolic: health.Of(dia),
	}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested")
	path := filepath.Join(dir, "vitals.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
	}
	var mode string
	if err := db.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenTightensExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vitals.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
}

func TestReopenKeepsSchemaAndData(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		path := testLocation(t, backend)
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, a := fixture(t, db)
		at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 120, 80)}}); err != nil {
			t.Fatal(err)
		}
		uid := db.uid
		db.Close()
		db, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, err := db.Count(ctx, health.KindBloodPressure, Filter{ProfileID: p.ID})
		if err != nil || n != 1 {
			t.Fatalf("count after reopen = %d, %v; want 1", n, err)
		}
		if db.uid != uid || uid == "" {
			t.Errorf("database id %q after reopen, was %q", db.uid, uid)
		}
	})
}

func TestUpsertAddsSkipsAndUpdates(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, _ := fixture(t, db)
		// A vendor account: its changed reading is a correction, made in place
		// (a file's is kept beside: TestFileReusedIDIsKeptBeside).
		a, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		batch := health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 120, 80), bp("2", at.Add(time.Hour), 130, 85)}}

		res, err := db.Upsert(ctx, p.ID, a.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got := res[health.KindBloodPressure]; got != (Counts{Added: 2}) {
			t.Errorf("first upsert = %+v, want 2 added", got)
		}
		res, err = db.Upsert(ctx, p.ID, a.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got := res[health.KindBloodPressure]; got != (Counts{Unchanged: 2}) {
			t.Errorf("same batch again = %+v, want 2 unchanged", got)
		}
		batch.BloodPressure[1].Systolic = health.Of(131)
		res, err = db.Upsert(ctx, p.ID, a.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got := res[health.KindBloodPressure]; got != (Counts{Updated: 1, Unchanged: 1}) {
			t.Errorf("one changed = %+v, want 1 updated 1 unchanged", got)
		}
		got, err := db.BloodPressures(ctx, Filter{ProfileID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[1].Systolic.Or(0) != 131 {
			t.Fatalf("stored %+v", got)
		}
	})
}

func TestUpsertKeepsMissingAsMissing(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, a := fixture(t, db)
		at := time.Date(2026, 1, 6, 6, 3, 13, 0, time.UTC)
		afib := health.BloodPressure{Meta: health.Meta{ProviderID: "afib", Time: at}, PossibleAFib: true}
		w := health.Weight{Meta: health.Meta{ProviderID: "w", Time: at}, Weight: health.Of(71.6), BMI: health.Of(25.52)}
		act := health.Activity{Meta: health.Meta{ProviderID: "a", Time: at}, Steps: health.Of(4000),
			Hourly: []health.HourActivity{{Hour: 7, Steps: health.Of(1200)}, {Hour: 8}}}
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{afib}, Weight: []health.Weight{w}, Activity: []health.Activity{act}}); err != nil {
			t.Fatal(err)
		}
		var nulls int
		db.r.QueryRowContext(ctx, `SELECT count(*) FROM bp_readings WHERE systolic IS NULL AND diastolic IS NULL AND pulse IS NULL AND possible_afib`).Scan(&nulls)
		if nulls != 1 {
			t.Errorf("AFib reading without values: %d rows with NULL pressures, want 1", nulls)
		}
		db.r.QueryRowContext(ctx, `SELECT count(*) FROM weight_readings WHERE body_fat_pct IS NULL AND visceral_fat IS NULL AND weight_kg = 71.6`).Scan(&nulls)
		if nulls != 1 {
			t.Errorf("weight without body fat: %d rows with NULL body fat, want 1", nulls)
		}
		bps, _ := db.BloodPressures(ctx, Filter{ProfileID: p.ID})
		if len(bps) != 1 || bps[0].Systolic.Valid() || !bps[0].PossibleAFib {
			t.Errorf("read back %+v, want flagged with missing pressures", bps)
		}
		acts, _ := db.Activities(ctx, Filter{ProfileID: p.ID})
		if len(acts) != 1 || len(acts[0].Hourly) != 2 || acts[0].Hourly[0].Steps.Or(0) != 1200 || acts[0].Hourly[1].Steps.Valid() {
			t.Errorf("hourly read back %+v", acts)
		}
	})
}

func TestUpsertIsAllOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, a := fixture(t, db)
		at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		bad := health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 120, 80), bp("", at, 1, 1)}}
		if _, err := db.Upsert(ctx, p.ID, a.ID, bad); err == nil {
			t.Fatal("a reading without provider id was accepted")
		}
		if n, _ := db.Count(ctx, health.KindBloodPressure, Filter{ProfileID: p.ID}); n != 0 {
			t.Errorf("%d readings stored from a failed batch, want 0", n)
		}
	})
}

func TestCommitPageMovesCursorWithReadings(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, a := fixture(t, db)
		at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		if _, err := db.CommitPage(ctx, p.ID, a.ID, "bloodpressure", "page-2", health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 120, 80)}}); err != nil {
			t.Fatal(err)
		}
		if c, _ := cursorOf(db, a.ID, "bloodpressure"); c != "page-2" {
			t.Errorf("cursor = %q, want page-2", c)
		}
		// A failing page leaves both the readings and the cursor as they were.
		_, err := db.CommitPage(ctx, p.ID, a.ID, "bloodpressure", "page-3", health.Batch{BloodPressure: []health.BloodPressure{bp("2", at, 1, 1), bp("", at, 1, 1)}})
		if err == nil {
			t.Fatal("bad page committed")
		}
		if c, _ := cursorOf(db, a.ID, "bloodpressure"); c != "page-2" {
			t.Errorf("cursor after failed page = %q, want page-2", c)
		}
		if n, _ := db.Count(ctx, health.KindBloodPressure, Filter{ProfileID: p.ID}); n != 1 {
			t.Errorf("%d readings, want 1", n)
		}
	})
}

// TestCommitPageStoredAlready: a page whose readings the account holds
// already, exactly so (a caught-up sync's), moves the cursor and counts
// them unchanged; a page with anything else in it is stored as any page
// is, and a page that fails moves nothing.
func TestCommitPageStoredAlready(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, err := db.EnsureProfile(ctx, "me")
		if err != nil {
			t.Fatal(err)
		}
		omron, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOneUp, ExternalID: "u2"})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		page := []health.BloodPressure{bp("1", at, 120, 80), bp("2", at.Add(time.Hour), 130, 85)}
		if _, err := db.CommitPage(ctx, p.ID, omron.ID, "bp", "c1", health.Batch{BloodPressure: page}); err != nil {
			t.Fatal(err)
		}
		changed := bp("2", at.Add(time.Hour), 131, 85)
		for _, tc := range []struct {
			name    string
			account int64
			batch   health.Batch
			want    Counts // blood pressure
			fails   bool
		}{
			{"the same page again", omron.ID, health.Batch{BloodPressure: page}, Counts{Unchanged: 2}, false},
			{"an empty page", omron.ID, health.Batch{}, Counts{}, false},
			{"one reading corrected", omron.ID, health.Batch{BloodPressure: []health.BloodPressure{page[0], changed}}, Counts{Updated: 1, Unchanged: 1}, false},
			{"the same readings through another account", other.ID, health.Batch{BloodPressure: page[:1]}, Counts{Held: 1}, false},
			{"a stored reading and one without an id", omron.ID, health.Batch{BloodPressure: []health.BloodPressure{page[0], bp("", at, 1, 1)}}, Counts{}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				was, _ := cursorOf(db, tc.account, "bp")
				res, err := db.CommitPage(ctx, p.ID, tc.account, "bp", tc.name, tc.batch)
				cur, _ := cursorOf(db, tc.account, "bp")
				if tc.fails {
					if err == nil || !strings.Contains(err.Error(), "no provider id") || cur != was {
						t.Errorf("error %v, cursor %q; want the reading named and the cursor left at %q", err, cur, was)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := res[health.KindBloodPressure]; got != tc.want || cur != tc.name {
					t.Errorf("counts %+v, cursor %q; want %+v and %q", got, cur, tc.want, tc.name)
				}
			})
		}
		if n, _ := db.Count(ctx, health.KindBloodPressure, Filter{ProfileID: p.ID}); n != 2 {
			t.Errorf("%d measurements, want 2", n)
		}
	})
}

func TestQueryFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, a := fixture(t, db)
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		rs := []health.BloodPressure{bp("1", t0, 120, 80), bp("2", t0.Add(24*time.Hour), 185, 100), bp("3", t0.Add(48*time.Hour), 125, 82)}
		rs[2].PossibleAFib = true
		rs[0].Setting = health.SettingOffice
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			f    Filter
			want []string
		}{
			{"all", Filter{}, []string{"1", "2", "3"}},
			{"from", Filter{From: t0.Add(time.Hour)}, []string{"2", "3"}},
			{"to is exclusive", Filter{To: t0.Add(24 * time.Hour)}, []string{"1"}},
			{"newest", Filter{Newest: true, Limit: 2}, []string{"3", "2"}},
			{"flagged", Filter{Flagged: true}, []string{"3"}},
			{"severe", Filter{Severe: true}, []string{"2"}},
			{"office", Filter{Place: OfficeOnly}, []string{"1"}},
			{"home", Filter{Place: HomeOnly}, []string{"2", "3"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.f.ProfileID = p.ID
				got, err := db.BloodPressures(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, r := range got {
					ids = append(ids, r.ProviderID)
				}
				if len(ids) != len(tt.want) {
					t.Fatalf("got %v, want %v", ids, tt.want)
				}
				for i := range ids {
					if ids[i] != tt.want[i] {
						t.Fatalf("got %v, want %v", ids, tt.want)
					}
				}
			})
		}
	})
}

func TestAggregateByLocalDay(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, a := fixture(t, db)
		// Offset -05:00: 03:00 UTC on 2 March is 22:00 on 1 March at home.
		rs := []health.BloodPressure{
			bp("1", time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC), 120, 80),
			bp("2", time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), 130, 90),
			bp("3", time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), 141, 91),
			{Meta: health.Meta{ProviderID: "afib", Time: time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC), Offset: -5 * 3600}, PossibleAFib: true},
		}
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Aggregate(ctx, Filter{ProfileID: p.ID}, Day, Systolic, Diastolic)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("%d days, want 2: %+v", len(got), got)
		}
		// 1 March: 120 and 130 → 125; 2 March: 141 only (the AFib reading has
		// no values and must not pull the mean towards 0).
		if got[0].Start.String() != "2026-03-01" || got[0].Stats[0].Mean.Or(0) != 125 || got[0].Stats[1].Mean.Or(0) != 85 {
			t.Errorf("1 March = %+v", got[0])
		}
		if got[1].Start.String() != "2026-03-02" || got[1].N != 2 || got[1].Stats[0].N != 1 || got[1].Stats[0].Mean.Or(0) != 141 {
			t.Errorf("2 March = %+v", got[1])
		}
		weeks, err := db.Aggregate(ctx, Filter{ProfileID: p.ID}, Week, Systolic)
		if err != nil {
			t.Fatal(err)
		}
		// 1 March 2026 is a Sunday (week of Mon 23 Feb); 2 March a Monday.
		if len(weeks) != 2 || weeks[0].Start.String() != "2026-02-23" || weeks[1].Start.String() != "2026-03-02" {
			t.Errorf("weeks = %+v", weeks)
		}
	})
}

func TestProfilesAndAccounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openAt(t, testLocation(t, backend), Options{SealKey: fixedKey(testKey(t))})
		if _, err := db.AddProfile(ctx, "p-1042", "Ada Lovelace", 1.68); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddProfile(ctx, "p-1042", "", 0); !errors.Is(err, ErrProfileExists) {
			t.Errorf("duplicate profile: %v, want ErrProfileExists", err)
		}
		if _, err := db.AddProfile(ctx, "bad name", "", 0); !errors.Is(err, ErrBadProfileName) {
			t.Errorf("bad name: %v, want ErrBadProfileName", err)
		}
		p, err := db.Profile(ctx, "p-1042")
		if err != nil || p.Title() != "Ada Lovelace" || p.HeightM != 1.68 || len(p.UID) != 32 {
			t.Fatalf("profile = %+v, %v", p, err)
		}
		acc, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "sub-1"})
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "sub-1"})
		if err != nil || again.ID != acc.ID {
			t.Errorf("relinking made account %d, want %d (%v)", again.ID, acc.ID, err)
		}
		if err := db.SaveSecret(ctx, acc.ID, []byte(`{"access_token":"x"}`)); err != nil {
			t.Fatal(err)
		}
		if s, err := db.LoadSecret(ctx, acc.ID); err != nil || string(s) != `{"access_token":"x"}` {
			t.Errorf("secret = %q, %v", s, err)
		}
		if _, err := db.AddProfile(ctx, "p-1043", "", 0); err != nil {
			t.Fatal(err)
		}
		if err := db.RenameProfile(ctx, "p-1042", "p-1043"); !errors.Is(err, ErrProfileExists) {
			t.Errorf("rename onto a taken name: %v, want ErrProfileExists", err)
		}
		if err := db.RenameProfile(ctx, "p-9999", "p-2001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("rename of no profile: %v, want ErrNotFound", err)
		}
		if err := db.RenameProfile(ctx, "p-1042", "p-2000"); err != nil {
			t.Fatal(err)
		}
		if p, err := db.Profile(ctx, "p-2000"); err != nil || p.Title() != "Ada Lovelace" {
			t.Errorf("renamed profile = %+v, %v", p, err)
		}
		if err := db.RemoveProfile(ctx, "p-2000"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadSecret(ctx, acc.ID); !errors.Is(err, ErrNoSecret) {
			t.Errorf("secret after removing the profile: %v, want ErrNoSecret", err)
		}
	})
}

type fakeKeyring struct {
	m    map[string]string
	fail bool
}

func (k *fakeKeyring) Set(_ context.Context, u, s string) error {
	if k.fail {
		return errors.New("no secret service")
	}
	k.m[u] = s
	return nil
}
func (k *fakeKeyring) Get(_ context.Context, u string) (string, error) { return k.m[u], nil }
func (k *fakeKeyring) Delete(_ context.Context, u string) error {
	delete(k.m, u)
	return nil
}

// One person's SQLite file keeps tokens in the OS keyring when one
// answers; a shared database never does (TestSharedDatabaseSealsOnly).
func TestSecretsPreferKeyringAndFallBack(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, "sqlite")
	p, _ := fixture(t, db)
	acc, _ := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u"})
	kr := &fakeKeyring{m: map[string]string{}}
	db.keyring = kr
	if err := db.SaveSecret(ctx, acc.ID, []byte("tok")); err != nil {
		t.Fatal(err)
	}
	var inDB []byte
	db.r.QueryRowContext(ctx, `SELECT secret FROM secrets WHERE account_id = ?`, acc.ID).Scan(&inDB)
	if len(inDB) != 0 || len(kr.m) != 1 {
		t.Errorf("with a keyring: %q in the database, %d keyring entries; want nothing and 1", inDB, len(kr.m))
	}
	if s, err := db.LoadSecret(ctx, acc.ID); err != nil || string(s) != "tok" {
		t.Errorf("load = %q, %v", s, err)
	}
	kr.fail = true
	if err := db.SaveSecret(ctx, acc.ID, []byte("tok2")); err != nil {
		t.Fatal(err)
	}
	if s, err := db.LoadSecret(ctx, acc.ID); err != nil || string(s) != "tok2" {
		t.Errorf("after fallback load = %q, %v", s, err)
	}
}

func TestOpenRefusesAnotherFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, []byte("shopping list: milk, eggs, bread, and a great deal more text than a header\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), path+" is not a vitals database") {
		t.Errorf("opening a text file: %v", err)
	}
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), "shopping list") {
		t.Error("the file was changed")
	}
}

// Buckets are the reading's own wall-clock day (and the Monday starting
// its week), computed by arithmetic both backends do alike: before 1970,
// across midnight in zones far from UTC, and on either side of a week.
func TestAggregateBucketsFollowTheWallClock(t *testing.T) {
	cases := []struct {
		utc    string // the instant
		offset int    // seconds east of UTC
		day    string // its wall-clock date
		week   string // the Monday of its week
	}{
		{"1969-12-31T23:30:00Z", 0, "1969-12-31", "1969-12-29"},
		{"1970-01-01T03:00:00Z", -5 * 3600, "1969-12-31", "1969-12-29"},
		{"1960-02-29T12:00:00Z", 0, "1960-02-29", "1960-02-29"},
		{"2026-03-01T10:30:00Z", 14 * 3600, "2026-03-02", "2026-03-02"},  // Sunday in UTC, Monday on Kiritimati
		{"2026-03-02T09:00:00Z", -10 * 3600, "2026-03-01", "2026-02-23"}, // Monday in UTC, Sunday in Honolulu
		{"2026-03-08T23:59:59Z", 0, "2026-03-08", "2026-03-02"},
		{"2026-03-09T00:00:00Z", 0, "2026-03-09", "2026-03-09"},
	}
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		for i, c := range cases {
			at, err := time.Parse(time.RFC3339, c.utc)
			if err != nil {
				t.Fatal(err)
			}
			p, err := db.AddProfile(ctx, fmt.Sprintf("p-%d", i), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			a, err := db.LocalAccount(ctx, p.ID, ProviderFile)
			if err != nil {
				t.Fatal(err)
			}
			r := bp("1", at, 120, 80)
			r.Offset = c.offset
			if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{r}}); err != nil {
				t.Fatal(err)
			}
			for _, by := range []struct {
				period Period
				want   string
			}{{Day, c.day}, {Week, c.week}} {
				got, err := db.Aggregate(ctx, Filter{ProfileID: p.ID}, by.period, Systolic)
				if err != nil || len(got) != 1 || got[0].Start.String() != by.want {
					t.Errorf("%s at %+d s, period %d: buckets %+v, %v; want one starting %s", c.utc, c.offset, by.period, got, err, by.want)
				}
			}
		}
	})
}
