package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
)

// v2Row is a reading as version 2 of the schema stored it.
type v2Row struct {
	table   string
	account int64
	id      string
	at      time.Time
	origin  string
	vals    []any // the kind's columns
}

// TestMigrateFromVersion2 upgrades a database written by the previous
// schema, in which a CSV import and the linked Omron account each kept a
// copy of the same reading and 1upHealth's weight and BMI were two rows:
// after the upgrade each is one measurement, and syncing or importing the
// same readings again changes nothing.
func TestMigrateFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	old, err := sql.Open("sqlite", dsn(path, false, true, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/sqlite/0001_init.sql", "migrations/sqlite/0002_source_index.sql"} {
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(body)); err != nil {
			t.Fatal(err)
		}
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`PRAGMA user_version = 2`)
	mustExec(`INSERT INTO profiles (id, name, uid, created_at) VALUES (1, 'me', 'u', 0)`)
	mustExec(`INSERT INTO accounts (id, profile_id, provider, external_id, created_at) VALUES (1, 1, 'omron', 'x', 0), (2, 1, 'file', '', 0), (3, 1, 'oneup', 'y', 0)`)
	at := time.Date(2026, 3, 1, 7, 12, 31, 0, time.UTC)
	minute := at.Truncate(time.Minute)
	const csv = "omron-csv:2026-03-01T01:12:00"
	rows := []v2Row{
		{"bp_readings", 1, "api-1", at, "Omron Wellness", []any{128.0, 82.0, 61.0, false, false, false}},
		{"bp_readings", 1, "api-2", at.Add(12 * time.Hour), "Omron Wellness", []any{135.0, 88.0, 70.0, false, false, false}},
		{"bp_readings", 2, csv, minute, "Omron Connect CSV", []any{128.0, 82.0, 61.0, false, false, false}},
		{"bp_readings", 2, "omron-csv:2026-03-02T01:12:00", minute.Add(24 * time.Hour), "Omron Connect CSV", []any{140.0, 90.0, nil, false, false, false}},
		{"weight_readings", 3, "w1", at, "Withings", []any{80.2, nil, nil, nil, nil, nil}},
		{"weight_readings", 3, "b1", at, "Withings", []any{nil, 26.2, nil, nil, nil, nil}},
	}
	for _, r := range rows {
		tb, _ := tableByName(r.table)
		args := append([]any{int64(1), r.account, r.id, r.at.Unix(), -21600, "", r.origin, "home", false, nil}, r.vals...)
		cols := append(append([]string{}, commonCols...), tb.cols...)
		mustExec("INSERT INTO "+r.table+" ("+strings.Join(cols, ", ")+", digest) VALUES ("+placeholders(len(cols)+1)+")", append(args, digestOf(args))...)
	}
	old.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	db.r.QueryRow(`PRAGMA user_version`).Scan(&version)
	// The latest is the highest-numbered file (migrations/sqlite/).
	if latest, _ := latestVersion("sqlite"); version != latest || latest < 8 {
		t.Fatalf("schema version %d, want %d (the latest)", version, latest)
	}
	if n := countBP(t, db, Filter{ProfileID: 1}); n != 3 {
		t.Errorf("%d blood-pressure measurements, want 3 (api-1 and its CSV copy are one)", n)
	}
	bps, _ := db.BloodPressures(ctx, Filter{ProfileID: 1})
	if len(bps) > 0 && bps[0].ProviderID != "api-1" {
		t.Errorf("first measurement shows %s, want the vendor's api-1", bps[0].ProviderID)
	}
	ws, _ := db.Weights(ctx, Filter{ProfileID: 1})
	if len(ws) != 1 || ws[0].Weight.Or(0) != 80.2 || ws[0].BMI.Or(0) != 26.2 {
		t.Errorf("weights %+v, want one of 80.2 kg with BMI 26.2", ws)
	}

	// The same readings again, by both routes: nothing changes.
	again := func(account int64, r health.BloodPressure) Counts {
		res, err := db.Upsert(ctx, 1, account, health.Batch{BloodPressure: []health.BloodPressure{r}})
		if err != nil {
			t.Fatal(err)
		}
		return res[health.KindBloodPressure]
	}
	api := health.BloodPressure{Meta: health.Meta{ProviderID: "api-1", Time: at, Offset: -21600, Origin: "Omron Wellness", Setting: health.SettingHome},
		Systolic: health.Of(128), Diastolic: health.Of(82), Pulse: health.Of(61)}
	if c := again(1, api); c != (Counts{Unchanged: 1}) {
		t.Errorf("the vendor's reading synced again: %+v, want unchanged", c)
	}
	fromCSV := api
	fromCSV.ProviderID, fromCSV.IDScope, fromCSV.Time, fromCSV.Origin = csv, "omron-csv", minute, "Omron Connect CSV"
	if c := again(2, fromCSV); c != (Counts{Unchanged: 1}) {
		t.Errorf("the CSV imported again: %+v, want unchanged", c)
	}
}

func tableByName(name string) (table, bool) {
	for _, t := range allTables {
		if t.name == name {
			return t, true
		}
	}
	return table{}, false
}
