package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"vitals/health"
)

const benchReadings = 100_000

// benchBatch makes n readings two per morning and evening, as a home
// monitor records them.
func benchBatch(n int) []health.BloodPressure {
	t0 := time.Date(2016, 1, 1, 7, 0, 0, 0, time.UTC)
	rs := make([]health.BloodPressure, n)
	for i := range rs {
		at := t0.Add(time.Duration(i/2)*12*time.Hour + time.Duration(i%2)*time.Minute)
		rs[i] = health.BloodPressure{
			Meta: health.Meta{
				ProviderID: fmt.Sprint(1_600_000_000_000 + i),
				Time:       at, Offset: -18000, Device: "HEM-7600T", Origin: "Omron Wellness", Setting: health.SettingHome,
				Raw: []byte(`{"id":1644043106941,"systolic":128,"diastolic":82,"pulse":64}`),
			},
			Systolic: health.Of(float64(110 + i%40)), Diastolic: health.Of(float64(70 + i%25)), Pulse: health.Of(float64(55 + i%30)),
			PossibleAFib: i%500 == 0,
		}
	}
	return rs
}

// benchDB is a new database of the backend with a profile and its file
// account.
func benchDB(b *testing.B, backend string) (*DB, Profile, Account) {
	b.Helper()
	ctx := context.Background()
	db := openTest(b, backend)
	p, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		b.Fatal(err)
	}
	a, err := db.LocalAccount(ctx, p.ID, ProviderFile)
	if err != nil {
		b.Fatal(err)
	}
	return db, p, a
}

// eachBenchBackend runs f as a sub-benchmark per backend (PostgreSQL when
// VITALS_TEST_POSTGRES names a server).
func eachBenchBackend(b *testing.B, f func(b *testing.B, backend string)) {
	for _, backend := range testBackends() {
		b.Run(backend, func(b *testing.B) { f(b, backend) })
	}
}

// BenchmarkUpsert stores 100,000 new blood-pressure readings through the
// store's upsert (key check, digest, the look for the same measurement
// from another route, counts) in one transaction. Compare SQLite's with
// BenchmarkBaselineInsert, PostgreSQL's with BenchmarkBaselineCopy.
func BenchmarkUpsert(b *testing.B) {
	rs := benchBatch(benchReadings)
	eachBenchBackend(b, func(b *testing.B, backend string) {
		for b.Loop() {
			b.StopTimer()
			db, p, a := benchDB(b, backend)
			b.StartTimer()
			if _, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchReadings*b.N)/b.Elapsed().Seconds(), "readings/s")
	})
}

// BenchmarkUpsertAgain re-stores the same 100,000 readings: every one is a
// duplicate, which is what a re-import or an overlapping sync does.
func BenchmarkUpsertAgain(b *testing.B) {
	rs := benchBatch(benchReadings)
	eachBenchBackend(b, func(b *testing.B, backend string) {
		db, p, a := benchDB(b, backend)
		if _, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchReadings*b.N)/b.Elapsed().Seconds(), "readings/s")
	})
}

// BenchmarkUpsertHeldElsewhere imports 100,000 readings the profile
// already holds through its vendor account: each is linked to its
// measurement as another provenance (the slow path of identity).
func BenchmarkUpsertHeldElsewhere(b *testing.B) {
	rs := benchBatch(benchReadings)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, p, file := benchDB(b, "sqlite")
		vendor, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Upsert(ctx, p.ID, vendor.ID, health.Batch{BloodPressure: rs}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := db.Upsert(ctx, p.ID, file.ID, health.Batch{BloodPressure: rs})
		if err != nil || res[health.KindBloodPressure].Held != benchReadings {
			b.Fatalf("%+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(benchReadings*b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkBaselineInsert is the floor to compare against: the same rows
// into the same table with one bare prepared INSERT in one transaction,
// through the same driver.
func BenchmarkBaselineInsert(b *testing.B) {
	rs := benchBatch(benchReadings)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, p, a := benchDB(b, "sqlite")
		b.StartTimer()
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO bp_readings
			(profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest,
			 systolic, diastolic, pulse, possible_afib, irregular, body_movement)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rs {
			r := &rs[i]
			if _, err := st.ExecContext(ctx, p.ID, a.ID, r.ProviderID, r.Time.Unix(), r.Offset, r.Device, r.Origin,
				string(r.Setting), r.Manual, r.Raw, int64(i), r.Systolic.Or(0), r.Diastolic.Or(0), r.Pulse.Or(0),
				r.PossibleAFib, r.IrregularHeartbeat, r.BodyMovement); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchReadings*b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkBaselineCopy is PostgreSQL's floor: the same rows into the
// same table by COPY (pgx CopyFrom), in one transaction, the fastest way
// rows go into PostgreSQL.
func BenchmarkBaselineCopy(b *testing.B) {
	rs := benchBatch(benchReadings)
	ctx := context.Background()
	cols := []string{"profile_id", "account_id", "provider_id", "taken_at", "utc_offset", "device", "origin", "setting", "manual", "raw", "digest",
		"systolic", "diastolic", "pulse", "possible_afib", "irregular", "body_movement"}
	for b.Loop() {
		b.StopTimer()
		db, p, a := benchDB(b, "postgres")
		conn, err := db.w.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			i := 0
			n, err := tx.CopyFrom(ctx, pgx.Identifier{"bp_readings"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(rs) {
					return nil, nil
				}
				r := &rs[i]
				i++
				return []any{p.ID, a.ID, r.ProviderID, r.Time.Unix(), r.Offset, r.Device, r.Origin, string(r.Setting), r.Manual, r.Raw, int64(i),
					r.Systolic.Or(0), r.Diastolic.Or(0), r.Pulse.Or(0), r.PossibleAFib, r.IrregularHeartbeat, r.BodyMovement}, nil
			}))
			if err != nil || n != int64(len(rs)) {
				tx.Rollback(ctx)
				return fmt.Errorf("copied %d rows: %w", n, err)
			}
			return tx.Commit(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		conn.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchReadings*b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkAggregateTenYears is one daily aggregate over ten years of
// twice-daily readings: what a chart of "all" asks for.
func BenchmarkAggregateTenYears(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, backend string) {
		db, p, a := benchDB(b, backend)
		rs := benchBatch(4 * 3650)
		if _, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			got, err := db.Aggregate(context.Background(), Filter{ProfileID: p.ID}, Day, Systolic, Diastolic, BPPulse)
			if err != nil || len(got) != 3650 {
				b.Fatalf("%d days, %v", len(got), err)
			}
		}
	})
}

// BenchmarkRangeMonth reads one month out of ten years.
func BenchmarkRangeMonth(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, backend string) {
		db, p, a := benchDB(b, backend)
		rs := benchBatch(4 * 3650)
		if _, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			b.Fatal(err)
		}
		from := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
		for b.Loop() {
			got, err := db.BloodPressures(context.Background(), Filter{ProfileID: p.ID, From: from, To: from.AddDate(0, 1, 0)})
			if err != nil || len(got) != 120 {
				b.Fatalf("%d readings, %v", len(got), err)
			}
		}
	})
}
