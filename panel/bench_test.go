package panel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vitals/health"
	"vitals/panel"
	"vitals/store"
)

// benchToday is the last day of the generated histories.
var benchToday = health.Date{Year: 2026, Month: 11, Day: 30}

// generate writes patients profiles with days of history each: two home
// readings a day (07:00 and 19:00 UTC), through the store's own Upsert,
// one transaction a patient, so the daily summaries are kept as in use.
// A database is kept in VITALS_BENCH_DIR between runs when that is set
// (generating 10,000 patients of two years takes minutes).
func generate(b *testing.B, patients, days int) *store.DB {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("VITALS_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("panel-%d-%d.db", patients, days))
	if _, err := os.Stat(path); err == nil {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	// A generation that was stopped goes on where it stopped: each
	// patient's readings are one transaction, so a patient is whole or
	// has none.
	tmp := path + ".part"
	db, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sums, err := db.ProfileSummaries(ctx)
	if err != nil {
		b.Fatal(err)
	}
	done := map[string]bool{}
	for _, s := range sums {
		done[s.Name] = s.Total > 0
	}
	end := benchToday.In(time.UTC)
	for i := range patients {
		name := fmt.Sprintf("p-%05d", i)
		if done[name] {
			continue
		}
		p, err := db.EnsureProfile(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		a, err := db.LocalAccount(ctx, p.ID, store.ProviderManual)
		if err != nil {
			b.Fatal(err)
		}
		rs := make([]health.BloodPressure, 0, 2*days)
		for d := days - 1; d >= 0; d-- {
			day := end.AddDate(0, 0, -d)
			for j, h := range []time.Duration{7 * time.Hour, 19 * time.Hour} {
				sys := float64(115 + (i+d+j)%30)
				rs = append(rs, health.BloodPressure{
					Meta:     health.Meta{ProviderID: fmt.Sprintf("%d-%d", d, j), Time: day.Add(h), Setting: health.SettingHome},
					Systolic: health.Of(sys), Diastolic: health.Of(sys - 45), PossibleAFib: (i+d)%97 == 0,
				})
			}
		}
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	if db, err = store.Open(ctx, path, store.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkPanel builds the panel of clinics of several sizes and history
// lengths. The ratios that matter (docs/architecture.md): 10,000 patients
// of two years against 10,000 of one month (the history's length should
// not count), and 10,000 patients against 1,000 (linear at most). The
// large cases are skipped under -short.
func BenchmarkPanel(b *testing.B) {
	for _, c := range []struct {
		patients, days int
	}{{1000, 30}, {10000, 30}, {10000, 730}} {
		b.Run(fmt.Sprintf("patients=%d/days=%d", c.patients, c.days), func(b *testing.B) {
			if testing.Short() && c.patients*c.days > 30000 {
				b.Skip("large clinic: not under -short")
			}
			db := generate(b, c.patients, c.days)
			o := panel.Options{Now: func() time.Time { return benchToday.In(time.UTC).Add(21 * time.Hour) }, Location: time.UTC}
			b.ResetTimer()
			for b.Loop() {
				rows, err := panel.Build(context.Background(), db, o)
				if err != nil || len(rows) != c.patients {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}
