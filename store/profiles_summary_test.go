package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"vitals/health"
)

// seedProfiles adds n profiles ("p-0000" …); profile i gets i%7 blood
// pressures a day apart ending on day0 + i%7 days, and every third one a
// weight and a condition. Profile 0 has no account and no readings.
func seedProfiles(tb testing.TB, db *DB, n int, day0 time.Time) {
	tb.Helper()
	ctx := context.Background()
	for i := range n {
		p, err := db.AddProfile(ctx, fmt.Sprintf("p-%04d", i), fmt.Sprintf("Patient %d", i), 0)
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			continue
		}
		a, err := db.LocalAccount(ctx, p.ID, ProviderFile)
		if err != nil {
			tb.Fatal(err)
		}
		var b health.Batch
		for d := range i % 7 {
			r := bp(fmt.Sprint(d), day0.AddDate(0, 0, d+1), 120, 80)
			r.Offset = (i % 3) * 3600
			b.BloodPressure = append(b.BloodPressure, r)
		}
		if i%3 == 0 {
			b.Weight = []health.Weight{{Meta: health.Meta{ProviderID: "w", Time: day0}, Weight: health.Of(70)}}
			b.Conditions = []health.Condition{{Meta: health.Meta{ProviderID: "c", Time: day0.AddDate(1, 0, 0)}, Code: health.SNOMEDAtrialFibrillation}}
		}
		if _, err := db.Upsert(ctx, p.ID, a.ID, b); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestProfileSummaries(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := openTest(t, backend)
		ctx := context.Background()
		day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		const n = 500
		seedProfiles(t, db, n, day0)
		// A second account on one profile.
		p7, _ := db.Profile(ctx, "p-0007")
		if _, err := db.LocalAccount(ctx, p7.ID, ProviderManual); err != nil {
			t.Fatal(err)
		}

		got, err := db.ProfileSummaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d profiles, want %d", len(got), n)
		}
		for i, s := range got {
			bps, weights, conds := i%7, 0, 0
			if i > 0 && i%3 == 0 {
				weights, conds = 1, 1
			}
			accounts := 1
			switch i {
			case 0:
				accounts = 0
			case 7:
				accounts = 2
			}
			if s.Name != fmt.Sprintf("p-%04d", i) || s.DisplayName != fmt.Sprintf("Patient %d", i) {
				t.Fatalf("profile %d is %q (%q)", i, s.Name, s.DisplayName)
			}
			if s.Accounts != accounts || s.Total != bps+weights ||
				s.Readings[health.KindBloodPressure] != bps || s.Readings[health.KindCondition] != conds {
				t.Errorf("%s: %d accounts, %d readings %v; want %d accounts, %d bp, %d weight, %d conditions",
					s.Name, s.Accounts, s.Total, s.Readings, accounts, bps, weights, conds)
			}
			// The newest measurement: the last blood pressure, else the weight
			// (the condition, a year later, is not a measurement).
			var last time.Time
			offset := 0
			switch {
			case bps > 0:
				last, offset = day0.AddDate(0, 0, bps), (i%3)*3600
			case weights > 0:
				last = day0
			}
			if !s.LastReading.Equal(last) || s.LastOffset != offset {
				t.Errorf("%s: last reading %v %+d, want %v %+d", s.Name, s.LastReading, s.LastOffset, last, offset)
			}
		}
	})
}

func TestProfileSummaryOfOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := openTest(t, backend)
		ctx := context.Background()
		day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		seedProfiles(t, db, 10, day0)
		p6, _ := db.Profile(ctx, "p-0006")
		s, err := db.ProfileSummary(ctx, p6.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Profile 6: 6 blood pressures a day apart from day0+1 at offset
		// (6 % 3) h = 0, a weight and a condition (6 % 3 == 0), one account.
		if s.Name != "p-0006" || s.Accounts != 1 || s.Total != 7 || s.Readings[health.KindBloodPressure] != 6 ||
			s.Readings[health.KindWeight] != 1 || s.Readings[health.KindCondition] != 1 ||
			!s.LastReading.Equal(day0.AddDate(0, 0, 6)) || s.LastOffset != 0 {
			t.Errorf("summary of p-0006 = %+v", s)
		}
		empty, _ := db.Profile(ctx, "p-0000")
		if s, err := db.ProfileSummary(ctx, empty.ID); err != nil || s.Accounts != 0 || s.Total != 0 || len(s.Readings) != 0 {
			t.Errorf("summary of an empty profile = %+v, %v", s, err)
		}
		if _, err := db.ProfileSummary(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("summary of no profile: %v, want ErrNotFound", err)
		}
	})
}

// The list with per-profile queries, as a caller would write it without
// ProfileSummaries: the baseline of the benchmark.
func profileListNPlusOne(ctx context.Context, db *DB) (int, error) {
	ps, err := db.Profiles(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range ps {
		accounts, err := db.Accounts(ctx, p.ID)
		if err != nil {
			return 0, err
		}
		for _, k := range health.Kinds {
			sp, err := db.Span(ctx, k, Filter{ProfileID: p.ID})
			if err != nil {
				return 0, err
			}
			total += sp.N
		}
		total += len(accounts)
	}
	return total, nil
}

func profilesBenchDB(b *testing.B) *DB {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "vitals.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	seedProfiles(b, db, 500, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return db
}

func BenchmarkProfileSummaries(b *testing.B) {
	db, ctx := profilesBenchDB(b), context.Background()
	for b.Loop() {
		if _, err := db.ProfileSummaries(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProfileListNPlusOne(b *testing.B) {
	db, ctx := profilesBenchDB(b), context.Background()
	for b.Loop() {
		if _, err := profileListNPlusOne(ctx, db); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProfileSummariesYears lists 100 profiles with two years of
// twice-daily blood pressures each (146,000 readings): the list must not
// read every reading's row.
func BenchmarkProfileSummariesYears(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "vitals.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	day0 := time.Date(2024, 1, 1, 7, 0, 0, 0, time.UTC)
	for i := range 100 {
		p, err := db.AddProfile(ctx, fmt.Sprintf("p-%04d", i), "", 0)
		if err != nil {
			b.Fatal(err)
		}
		a, err := db.LocalAccount(ctx, p.ID, ProviderFile)
		if err != nil {
			b.Fatal(err)
		}
		var batch health.Batch
		for r := range 2 * 730 {
			batch.BloodPressure = append(batch.BloodPressure, bp(fmt.Sprint(r), day0.Add(time.Duration(r)*12*time.Hour), 120, 80))
		}
		if _, err := db.Upsert(ctx, p.ID, a.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := db.ProfileSummaries(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
