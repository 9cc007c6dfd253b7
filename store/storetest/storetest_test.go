package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

func TestReadingsAndDiff(t *testing.T) {
	Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		loc := Location(t, backend)
		db, err := store.Open(ctx, loc, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		p, err := db.EnsureProfile(ctx, "me")
		if err != nil {
			t.Fatal(err)
		}
		acct, err := db.UpsertAccount(ctx, store.Account{ProfileID: p.ID, Provider: store.ProviderOmron, ExternalID: "u"})
		if err != nil {
			t.Fatal(err)
		}
		empty := Readings(t, loc)
		if !strings.Contains(empty, "bp_readings: 0 rows\n") || !strings.Contains(empty, "conditions: 0 rows\n") {
			t.Errorf("empty database dump:\n%s", empty)
		}
		r := health.BloodPressure{Meta: health.Meta{ProviderID: "bp-1", Time: time.Date(2025, 1, 12, 13, 0, 0, 0, time.UTC)},
			Systolic: health.Of(142), Diastolic: health.Of(91), PossibleAFib: true}
		if _, err := db.Upsert(ctx, p.ID, acct.ID, health.Batch{BloodPressure: []health.BloodPressure{r}}); err != nil {
			t.Fatal(err)
		}
		one := Readings(t, loc)
		if !strings.Contains(one, "bp_readings: 1 rows\n") || !strings.Contains(one, "provider_id=bp-1") || strings.Contains(one, " id=") {
			t.Errorf("dump of one reading (provider id shown, row id left out):\n%s", one)
		}
		// Flags read the same from either backend (a boolean on one, an
		// integer on the other).
		if !strings.Contains(one, " possible_afib=1 irregular=0 ") || Dump(t, db) != one {
			t.Errorf("dump of a flagged reading:\n%s", one)
		}
		if d := Diff(one, empty); !strings.HasPrefix(d, "line 1:") {
			t.Errorf("Diff = %q: want the first line that differs", d)
		}
	})
	if d := Diff("a\nb", "a"); d != "2 lines against 1" {
		t.Errorf("Diff of a prefix = %q", d)
	}
}
