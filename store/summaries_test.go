package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
	"vitals/store/storetest"
)

func reading(id string, at time.Time, offset int, sys, dia float64) health.BloodPressure {
	return health.BloodPressure{
		Meta:      health.Meta{ProviderID: id, Time: at, Offset: offset, Origin: "test"},
		Systolic:  health.Of(sys),
		Diastolic: health.Of(dia),
	}
}

// daysOf writes summaries as "date account readings/bp/afib/irregular/blanked/severe"
// lines, for comparing with hand-written ones.
func daysOf(t *testing.T, db *store.DB, profileID int64, from, to string) string {
	t.Helper()
	f, _ := health.ParseDate(from)
	l, _ := health.ParseDate(to)
	sums, err := db.DaySummaries(context.Background(), profileID, f, l)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range sums {
		fmt.Fprintf(&b, "%s a%d %d/%d/%d/%d/%d/%d\n", s.Day, s.AccountID, s.Readings, s.BP, s.AFib, s.Irregular, s.Blanked, s.Severe)
	}
	return b.String()
}

func TestDaySummariesFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := storetest.Open(t, backend, store.Options{})
		p, err := db.EnsureProfile(ctx, "p-1")
		if err != nil {
			t.Fatal(err)
		}
		omron, err := db.UpsertAccount(ctx, store.Account{ProfileID: p.ID, Provider: store.ProviderOmron, ExternalID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		// New York (UTC−5): 03:30 UTC on 3 Nov is 22:30 on 2 Nov there.
		ny := -5 * 3600
		d := time.Date(2026, 11, 3, 3, 30, 0, 0, time.UTC)
		flagged := reading("o3", d.Add(10*time.Hour), ny, 128, 80)
		flagged.PossibleAFib = true
		blanked := reading("o4", d.Add(11*time.Hour), ny, 0, 0)
		blanked.IrregularHeartbeat = true
		page := health.Batch{
			BloodPressure: []health.BloodPressure{
				reading("o1", d, ny, 182, 95),                   // 2 Nov, severe
				reading("o2", d.Add(5*time.Hour), ny, 120, 121), // 3 Nov 03:30 local, severe (diastolic)
				flagged, blanked, // 3 Nov
				reading("o5", d.Add(30*time.Hour), ny, 180, 120), // 4 Nov 04:30, not above 180/120
			},
			Weight: []health.Weight{{Meta: health.Meta{ProviderID: "w1", Time: d.Add(6 * time.Hour), Offset: ny}, Weight: health.Of(80)}},
			Conditions: []health.Condition{{Meta: health.Meta{ProviderID: "c1", Time: d.Add(6 * time.Hour), Offset: ny},
				System: "http://snomed.info/sct", Code: "49436004"}},
		}
		if _, err := db.CommitPage(ctx, p.ID, omron.ID, "bp", "c1", page); err != nil {
			t.Fatal(err)
		}
		a := omron.ID
		want := fmt.Sprintf("2026-11-02 a%[1]d 1/1/0/0/0/1\n2026-11-03 a%[1]d 4/3/1/1/1/1\n2026-11-04 a%[1]d 1/1/0/0/0/0\n", a)
		if got := daysOf(t, db, p.ID, "2026-11-01", "2026-11-30"); got != want {
			t.Fatalf("after the page:\n%s\nwant (the condition is not a reading):\n%s", got, want)
		}

		// A file holding o5 again is another route to it: counted once.
		// Its new reading on 5 Nov is the file's.
		im, err := db.BeginImport(ctx, p.ID, "export.csv", "ab")
		if err != nil {
			t.Fatal(err)
		}
		again := reading("f5", d.Add(30*time.Hour), ny, 180, 120)
		again.IDScope = "file"
		extra := reading("f6", d.Add(54*time.Hour), ny, 130, 85)
		extra.IDScope = "file"
		if _, err := im.Add(health.Batch{BloodPressure: []health.BloodPressure{again, extra}}); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Commit(); err != nil {
			t.Fatal(err)
		}
		sums, _ := db.DaySummaries(ctx, p.ID, health.Date{Year: 2026, Month: 11, Day: 5}, health.Date{Year: 2026, Month: 11, Day: 5})
		if len(sums) != 1 || sums[0].AccountID == a || sums[0].Readings != 1 {
			t.Fatalf("5 Nov: %+v, want one reading of the file's account", sums)
		}
		file := sums[0].AccountID
		want4 := fmt.Sprintf("2026-11-04 a%d 1/1/0/0/0/0\n2026-11-05 a%d 1/1/0/0/0/0\n", a, file)
		if got := daysOf(t, db, p.ID, "2026-11-04", "2026-11-05"); got != want4 {
			t.Errorf("after the file:\n%s\nwant:\n%s", got, want4)
		}

		// The vendor corrects o1: it was taken a day later (22:32 on
		// 3 Nov). 2 Nov empties.
		moved := reading("o1", d.Add(24*time.Hour+2*time.Minute), ny, 182, 95)
		if _, err := db.CommitPage(ctx, p.ID, omron.ID, "bp", "c2", health.Batch{BloodPressure: []health.BloodPressure{moved}}); err != nil {
			t.Fatal(err)
		}
		got := daysOf(t, db, p.ID, "2026-11-02", "2026-11-03")
		if strings.Contains(got, "2026-11-02") {
			t.Errorf("2 Nov still summarized after the correction moved its reading:\n%s", got)
		}
		if got := daysOf(t, db, p.ID, "2026-11-03", "2026-11-03"); got != fmt.Sprintf("2026-11-03 a%d 5/4/1/1/1/2\n", a) {
			t.Errorf("3 Nov after the correction: %s", got)
		}

		// Undoing the file takes 5 Nov out; o5 stays, the vendor's.
		list, err := db.Imports(ctx, p.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("imports: %+v, %v", list, err)
		}
		if _, err := db.UndoImport(ctx, p.ID, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if got, want := daysOf(t, db, p.ID, "2026-11-04", "2026-11-05"), fmt.Sprintf("2026-11-04 a%d 1/1/0/0/0/0\n", a); got != want {
			t.Errorf("after undo:\n%s\nwant:\n%s", got, want)
		}

		// A typed-in reading is summarized with the manual account.
		manual, err := db.LocalAccount(ctx, p.ID, store.ProviderManual)
		if err != nil {
			t.Fatal(err)
		}
		typed := reading("m1", d.Add(72*time.Hour), ny, 140, 90)
		typed.Manual = true
		if _, err := db.Upsert(ctx, p.ID, manual.ID, health.Batch{BloodPressure: []health.BloodPressure{typed}}); err != nil {
			t.Fatal(err)
		}
		if got, want := daysOf(t, db, p.ID, "2026-11-05", "2026-11-05"), fmt.Sprintf("2026-11-05 a%d 1/1/0/0/0/0\n", manual.ID); got != want {
			t.Errorf("typed in: %s, want %s", got, want)
		}

		// Unlinking the vendor account takes its days out.
		if err := db.RemoveAccount(ctx, omron.ID); err != nil {
			t.Fatal(err)
		}
		if got, want := daysOf(t, db, p.ID, "2026-11-01", "2026-11-30"), fmt.Sprintf("2026-11-05 a%d 1/1/0/0/0/0\n", manual.ID); got != want {
			t.Errorf("after unlinking:\n%s\nwant:\n%s", got, want)
		}
		newest, err := db.NewestReadings(ctx)
		if err != nil || !newest[p.ID].Equal(typed.Time) {
			t.Errorf("newest = %v, %v; want %v", newest[p.ID], err, typed.Time)
		}
	})
}

func TestMonitoringDaysAndBands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := storetest.Open(t, backend, store.Options{})
		start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		// Days with readings in 1–30 Nov: 0, 1, 2, 15, 16 and 30, each
		// with two readings; one more on 1 Dec, outside the period.
		for _, n := range []int{0, 1, 2, 15, 16, 30} {
			p, err := db.EnsureProfile(ctx, fmt.Sprintf("p-%02d", n))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := db.LocalAccount(ctx, p.ID, store.ProviderManual)
			var rs []health.BloodPressure
			for i := range n {
				at := start.AddDate(0, 0, i)
				rs = append(rs, reading(fmt.Sprintf("%d-a", i), at, 0, 120, 80), reading(fmt.Sprintf("%d-b", i), at.Add(time.Minute), 0, 121, 80))
			}
			rs = append(rs, reading("dec", start.AddDate(0, 0, 30), 0, 120, 80))
			if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: rs}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Monitoring(ctx, health.Date{Year: 2026, Month: 11, Day: 1}, health.Date{Year: 2026, Month: 11, Day: 30})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]health.MonitoringBand{0: health.BandUnder2, 1: health.BandUnder2, 2: health.Band2to15, 15: health.Band2to15, 16: health.Band16to30, 30: health.Band16to30}
		if len(got) != len(want) {
			t.Fatalf("%d periods, want %d", len(got), len(want))
		}
		for _, m := range got {
			p, _ := db.ProfileByID(ctx, m.ProfileID)
			var n int
			fmt.Sscanf(p.Name, "p-%d", &n)
			if m.Days != n || m.Readings != 2*n || m.Band != want[n] || (n > 0) != (len(m.Sources) == 1) {
				t.Errorf("%s: %d days, %d readings, band %s, sources %v; want %d, %d, %s", p.Name, m.Days, m.Readings, m.Band, m.Sources, n, 2*n, want[n])
			}
		}
	})
}

func TestAcknowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := storetest.Open(t, backend, store.Options{})
		p, _ := db.EnsureProfile(ctx, "p-1042")
		other, _ := db.EnsureProfile(ctx, "p-7")
		a, _ := db.LocalAccount(ctx, p.ID, store.ProviderManual)
		at := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
		fine := reading("ok", at, 3600, 120, 80)
		high := reading("high", at.Add(time.Hour), 3600, 185, 100)
		if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{fine, high}}); err != nil {
			t.Fatal(err)
		}
		rs, _ := db.BloodPressures(ctx, store.Filter{ProfileID: p.ID})
		if len(rs) != 2 {
			t.Fatalf("%d readings", len(rs))
		}
		fineID, highID := rs[0].ID, rs[1].ID

		if _, err := db.Acknowledge(ctx, p.ID, fineID, "dr-lee", "x"); !errors.Is(err, store.ErrNotAlert) {
			t.Errorf("a reading in range: %v, want ErrNotAlert", err)
		}
		if _, err := db.Acknowledge(ctx, other.ID, highID, "dr-lee", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another profile's reading: %v, want ErrNotFound", err)
		}
		if _, err := db.Acknowledge(ctx, p.ID, highID, " ", "x"); err == nil {
			t.Error("nobody acknowledged, and it was kept")
		}
		ack, err := db.Acknowledge(ctx, p.ID, highID, "dr-lee", " called, repeat in clinic ")
		if err != nil {
			t.Fatal(err)
		}
		if ack.Alert() != store.AlertID(highID) || !ack.Severe() || ack.Note != "called, repeat in clinic" {
			t.Errorf("ack = %+v", ack)
		}
		list, err := db.Acks(ctx, store.AckFilter{ProfileID: p.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("acks = %+v, %v", list, err)
		}
		g := list[0]
		if g.By != "dr-lee" || g.Reading.ID != highID || !g.Reading.Time.Equal(high.Time) || g.Reading.Offset != 3600 ||
			g.Reading.Systolic.Or(0) != 185 || g.Reading.Diastolic.Or(0) != 100 || g.At.IsZero() {
			t.Errorf("listed ack = %+v", g)
		}
		if list, _ := db.Acks(ctx, store.AckFilter{ProfileID: p.ID, From: at.Add(2 * time.Hour)}); len(list) != 0 {
			t.Errorf("acks of readings after the one acknowledged: %+v", list)
		}
		id, err := store.ParseAlertID(store.AlertID(highID))
		if err != nil || id != highID {
			t.Errorf("ParseAlertID(AlertID(%d)) = %d, %v", highID, id, err)
		}
		for _, bad := range []string{"", "bp-", "bp-x", "42", "bp--1"} {
			if _, err := store.ParseAlertID(bad); err == nil {
				t.Errorf("ParseAlertID(%q) took it", bad)
			}
		}
	})
}
