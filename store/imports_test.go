package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"vitals/health"
)

func bpAt(id string, at time.Time, sys, dia float64) health.BloodPressure {
	return health.BloodPressure{Meta: health.Meta{ProviderID: id, IDScope: "file-a", Time: at, Offset: 3600},
		Systolic: health.Of(sys), Diastolic: health.Of(dia)}
}

func TestImportPagesCommitAndUndo(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, err := db.EnsureProfile(ctx, "me")
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

		// A first file: three readings in two pages.
		im, err := db.BeginImport(ctx, p.ID, "week.csv", "aa")
		if err != nil {
			t.Fatal(err)
		}
		im.Add(health.Batch{BloodPressure: []health.BloodPressure{bpAt("a1", day, 130, 80), bpAt("a2", day.Add(time.Hour), 131, 81)}})
		im.Add(health.Batch{BloodPressure: []health.BloodPressure{bpAt("a3", day.Add(2*time.Hour), 132, 82)}})
		res, err := im.Commit()
		if err != nil || res[health.KindBloodPressure].Added != 3 {
			t.Fatalf("first import: %+v, %v", res, err)
		}
		first := im.ID()

		// A second file holds a2 again (another route) and one new reading.
		b := bpAt("b2", day.Add(time.Hour), 131, 81)
		b.IDScope = "file-b"
		c := bpAt("b4", day.Add(3*time.Hour), 140, 90)
		c.IDScope = "file-b"
		im2, _ := db.BeginImport(ctx, p.ID, "other.json", "bb")
		im2.Add(health.Batch{BloodPressure: []health.BloodPressure{b, c}})
		res, err = im2.Commit()
		if err != nil || res[health.KindBloodPressure].Added != 1 || res[health.KindBloodPressure].Held != 1 {
			t.Fatalf("second import: %+v, %v", res, err)
		}
		if n := countBP(t, db, Filter{ProfileID: p.ID}); n != 4 {
			t.Fatalf("%d measurements, want 4", n)
		}

		// Undoing the first file leaves the second's: a2 stays, through b2.
		n, err := db.UndoImport(ctx, p.ID, first)
		if err != nil || n != 3 {
			t.Fatalf("undo first: %d rows, %v; want 3", n, err)
		}
		if n := countBP(t, db, Filter{ProfileID: p.ID}); n != 2 {
			t.Errorf("after undo: %d measurements, want 2 (b2 and b4)", n)
		}
		if _, err := db.UndoImport(ctx, p.ID, first); !errors.Is(err, ErrUndone) {
			t.Errorf("undo twice: %v, want ErrUndone", err)
		}
		if _, err := db.UndoImport(ctx, p.ID, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("undo of no import: %v, want ErrNotFound", err)
		}
		list, err := db.Imports(ctx, p.ID)
		if err != nil || len(list) != 2 || list[0].Name != "other.json" || list[0].Added != 2 || list[1].UndoneAt.IsZero() {
			t.Errorf("imports = %+v, %v", list, err)
		}
	})
}

// A rolled-back, cancelled or empty import leaves nothing behind: no
// readings, no import record, no file-import account.
func TestImportLeavesNoTrace(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		day := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			name string
			end  func(*Import, context.CancelFunc) error
		}{
			{"rolled back", func(im *Import, _ context.CancelFunc) error { return im.Rollback() }},
			{"cancelled", func(im *Import, cancel context.CancelFunc) error {
				cancel()
				_, err := im.Commit()
				if err == nil {
					return fmt.Errorf("a cancelled import committed")
				}
				return nil
			}},
			{"empty", func(im *Import, _ context.CancelFunc) error { _, err := im.Commit(); return err }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := openTest(t, backend)
				p, _ := db.EnsureProfile(context.Background(), "me")
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				im, err := db.BeginImport(ctx, p.ID, "x.csv", "cc")
				if err != nil {
					t.Fatal(err)
				}
				if tc.name != "empty" {
					if _, err := im.Add(health.Batch{BloodPressure: []health.BloodPressure{bpAt("a1", day, 130, 80)}}); err != nil {
						t.Fatal(err)
					}
				}
				if err := tc.end(im, cancel); err != nil {
					t.Fatal(err)
				}
				bg := context.Background()
				accts, _ := db.Accounts(bg, p.ID)
				list, _ := db.Imports(bg, p.ID)
				if n := countBP(t, db, Filter{ProfileID: p.ID}); n != 0 || len(accts) != 0 || len(list) != 0 {
					t.Errorf("left %d readings, accounts %+v, imports %+v", n, accts, list)
				}
			})
		}
	})
}
