package store

import (
	"context"
	"testing"
	"time"

	"vitals/health"
)

// A database that held readings before version 7 gets their summaries
// when it is opened by this version.
func TestMigrationBuildsSummaries(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		loc := testLocation(t, backend)
		db, err := Open(ctx, loc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, a := fixture(t, db)
		at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{
			bp("1", at, 190, 90), bp("2", at.Add(time.Minute), 130, 80), bp("3", at.Add(24*time.Hour), 120, 80),
		}}); err != nil {
			t.Fatal(err)
		}
		// Back to version 6: no summaries, no acknowledgements, and not
		// version 8's indexes either.
		undo := []string{`DROP TABLE daily_summaries`, `DROP TABLE acknowledgements`}
		for _, t := range allTables {
			undo = append(undo, `DROP INDEX `+t.name+`_account_time`)
		}
		err = db.tx(ctx, func(tx *txn) error {
			for _, q := range undo {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if backend == "postgres" { // the version is the highest recorded
				_, err := tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version >= 7`)
				return err
			}
			return db.d.setSchemaVersion(ctx, tx, 6)
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()

		db = openAt(t, loc, Options{})
		got, err := db.DaySummaries(ctx, p.ID, health.Date{Year: 2026, Month: 11, Day: 1}, health.Date{Year: 2026, Month: 11, Day: 30})
		if err != nil {
			t.Fatal(err)
		}
		// bp() readings are at UTC−5: 07:00 on 3 and 4 Nov.
		if len(got) != 2 || got[0].Day.String() != "2026-11-03" || got[0].Readings != 2 || got[0].Severe != 1 ||
			got[1].Day.String() != "2026-11-04" || got[1].Readings != 1 || got[1].Severe != 0 {
			t.Errorf("summaries after the migration: %+v", got)
		}
	})
}
