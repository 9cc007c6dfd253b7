package store

import (
	"context"
	"testing"
	"time"

	"vitals/health"
)

// routesFixture is a profile with a file-import account and a linked
// vendor account.
func routesFixture(t *testing.T, db *DB) (Profile, Account, Account) {
	t.Helper()
	p, file := fixture(t, db)
	vendor, err := db.UpsertAccount(context.Background(), Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	return p, file, vendor
}

func upsertBP(t *testing.T, db *DB, p Profile, a Account, rs ...health.BloodPressure) Counts {
	t.Helper()
	res, err := db.Upsert(context.Background(), p.ID, a.ID, health.Batch{BloodPressure: rs})
	if err != nil {
		t.Fatal(err)
	}
	return res[health.KindBloodPressure]
}

func countBP(t *testing.T, db *DB, f Filter) int {
	t.Helper()
	n, err := db.Count(context.Background(), health.KindBloodPressure, f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func withPulse(r health.BloodPressure, pulse float64) health.BloodPressure {
	r.Pulse = health.Of(pulse)
	return r
}

// TestIdentityRule stores a vendor's reading, then a file's, and counts
// the measurements: one when the rule says they are the same.
func TestIdentityRule(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		at := time.Date(2026, 3, 1, 7, 12, 40, 0, time.UTC)
		minute := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC) // a CSV has minutes only
		blank := health.BloodPressure{Meta: health.Meta{ProviderID: "csv", Time: minute}}
		afib := health.BloodPressure{Meta: health.Meta{ProviderID: "api", Time: at}, PossibleAFib: true}
		for _, tt := range []struct {
			name       string
			api, file  health.BloodPressure
			sameRoute  bool // the file's reading comes from the vendor account too
			want       int
			wantPulse  float64 // the shown record's pulse, 0: missing
			wantFlag   bool    // the shown record's possible-AFib flag
			wantFromAP bool
		}{
			{name: "same minute, same values", api: bp("api", at, 128, 82), file: bp("csv", minute, 128, 82), want: 1, wantFromAP: true},
			{name: "half a mmHg apart", api: bp("api", at, 128.4, 82), file: bp("csv", minute, 128, 82), want: 1},
			{name: "one mmHg apart", api: bp("api", at, 129, 82), file: bp("csv", minute, 128, 82), want: 2},
			{name: "the next minute", api: bp("api", at, 128, 82), file: bp("csv", minute.Add(time.Minute), 128, 82), want: 2},
			{name: "pulse from the file fills the vendor's record", api: bp("api", at, 128, 82), file: withPulse(bp("csv", minute, 128, 82), 64), want: 1, wantPulse: 64},
			{name: "both blanked: the flag shows", api: afib, file: blank, want: 1, wantFlag: true},
			{name: "a blanked reading and a measured one", api: bp("api", at, 128, 82), file: blank, want: 2},
			{name: "one route, two ids: two measurements", api: bp("api", at, 128, 82), file: bp("api-2", minute, 128, 82), sameRoute: true, want: 2},
		} {
			t.Run(tt.name, func(t *testing.T) {
				db := openTest(t, backend)
				p, file, vendor := routesFixture(t, db)
				upsertBP(t, db, p, vendor, tt.api)
				second := file
				if tt.sameRoute {
					second = vendor
				}
				c := upsertBP(t, db, p, second, tt.file)
				if got := countBP(t, db, Filter{ProfileID: p.ID}); got != tt.want {
					t.Fatalf("%d measurements, want %d (second upsert %+v)", got, tt.want, c)
				}
				if tt.want == 1 && c != (Counts{Held: 1}) {
					t.Errorf("second upsert %+v, want 1 already held", c)
				}
				if tt.want == 2 && c != (Counts{Added: 1}) {
					t.Errorf("second upsert %+v, want 1 added", c)
				}
				if tt.want != 1 {
					return
				}
				got, _ := db.BloodPressures(context.Background(), Filter{ProfileID: p.ID})
				if got[0].AccountID != vendor.ID {
					t.Errorf("shown record from account %d, want the vendor's %d", got[0].AccountID, vendor.ID)
				}
				if got[0].Pulse.Or(0) != tt.wantPulse || got[0].PossibleAFib != tt.wantFlag {
					t.Errorf("shown pulse %v, AFib %v; want %v, %v", got[0].Pulse, got[0].PossibleAFib, tt.wantPulse, tt.wantFlag)
				}
			})
		}
	})
}

// TestVendorRecordIsShown: a file's reading stored first is shown until the
// vendor's copy arrives, which takes its place.
func TestVendorRecordIsShown(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, file, vendor := routesFixture(t, db)
		at := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC)
		if c := upsertBP(t, db, p, file, bp("csv", at, 182, 121)); c != (Counts{Added: 1}) {
			t.Fatalf("file: %+v", c)
		}
		if c := upsertBP(t, db, p, vendor, bp("api", at.Add(30*time.Second), 182, 121)); c != (Counts{Held: 1}) {
			t.Fatalf("vendor: %+v", c)
		}
		got, _ := db.BloodPressures(ctx, Filter{ProfileID: p.ID})
		if len(got) != 1 || got[0].AccountID != vendor.ID || got[0].ProviderID != "api" {
			t.Fatalf("shown %+v, want the vendor's record alone", got)
		}
		// Either account's filter finds the measurement, once.
		for _, a := range []Account{file, vendor} {
			if n := countBP(t, db, Filter{ProfileID: p.ID, AccountID: a.ID}); n != 1 {
				t.Errorf("account %d: %d measurements, want 1", a.ID, n)
			}
		}
		if n := countBP(t, db, Filter{ProfileID: p.ID, Severe: true}); n != 1 {
			t.Errorf("%d readings above 180/120, want 1", n)
		}
	})
}

// TestVendorCorrection: the vendor sends a reading again with another
// value: updated in place, still one measurement with both provenances.
func TestVendorCorrection(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, file, vendor := routesFixture(t, db)
		at := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC)
		upsertBP(t, db, p, vendor, bp("api", at, 130, 85))
		upsertBP(t, db, p, file, bp("csv", at, 130, 85))
		if c := upsertBP(t, db, p, vendor, bp("api", at, 131, 85)); c != (Counts{Updated: 1}) {
			t.Fatalf("correction: %+v, want 1 updated", c)
		}
		got, _ := db.BloodPressures(ctx, Filter{ProfileID: p.ID})
		if len(got) != 1 || got[0].Systolic.Or(0) != 131 {
			t.Fatalf("shown %+v, want the corrected 131 alone", got)
		}
		routes, err := db.Routes(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(routes) != 2 || routes[0].Rows != 1 || routes[0].Alone != 0 || routes[1].Rows != 1 || routes[1].Alone != 0 {
			t.Errorf("routes %+v, want two routes of one row each, neither alone", routes)
		}
	})
}

// TestFileReusedIDIsKeptBeside: a file's different reading under a key it
// delivered before is kept beside it, never written over; the same file
// again changes nothing.
func TestFileReusedIDIsKeptBeside(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := openTest(t, backend)
		p, file, _ := routesFixture(t, db)
		at := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC)
		crisis := bp("1", at, 182, 121)
		crisis.IDScope = "source:Clinic"
		normal := bp("1", at.Add(time.Hour), 118, 76)
		normal.IDScope = "source:Clinic"
		if c := upsertBP(t, db, p, file, crisis, normal); c != (Counts{Added: 1, Kept: 1}) {
			t.Fatalf("first: %+v, want 1 added, 1 kept", c)
		}
		if c := upsertBP(t, db, p, file, crisis, normal); c != (Counts{Unchanged: 2}) {
			t.Fatalf("again: %+v, want 2 unchanged", c)
		}
		if n := countBP(t, db, Filter{ProfileID: p.ID, Severe: true}); n != 1 {
			t.Errorf("%d crisis readings, want 1", n)
		}
		got, _ := db.BloodPressures(context.Background(), Filter{ProfileID: p.ID})
		if len(got) != 2 || got[0].Variant != 0 || got[1].Variant != 1 {
			t.Errorf("stored %+v, want variants 0 and 1", got)
		}
		// Another scope is another namespace: its "1" is its own.
		other := bp("1", at, 118, 76)
		other.IDScope = "source:Clinic B"
		if c := upsertBP(t, db, p, file, other); c != (Counts{Added: 1}) {
			t.Errorf("other scope: %+v, want 1 added", c)
		}
	})
}

// TestFileReadInAnotherZone: the same rows of a zone-less file read in
// another zone are the same readings at other instants: updated.
func TestFileReadInAnotherZone(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := openTest(t, backend)
		p, file, _ := routesFixture(t, db)
		r := bp("omron-csv:2026-03-01T07:12:00", time.Date(2026, 3, 1, 13, 12, 0, 0, time.UTC), 128, 82)
		r.IDScope, r.Offset = "omron-csv", -6*3600
		upsertBP(t, db, p, file, r)
		r.Time, r.Offset = time.Date(2026, 3, 1, 6, 12, 0, 0, time.UTC), 3600
		if c := upsertBP(t, db, p, file, r); c != (Counts{Updated: 1}) {
			t.Fatalf("another zone: %+v, want 1 updated", c)
		}
		if n := countBP(t, db, Filter{ProfileID: p.ID}); n != 1 {
			t.Errorf("%d readings, want 1", n)
		}
	})
}

// TestRemoveAccountPromotes: unlinking the vendor keeps the measurements a
// file also holds, shown from the file's record, and loses the ones only
// the vendor had.
func TestRemoveAccountPromotes(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, file, vendor := routesFixture(t, db)
		at := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC)
		upsertBP(t, db, p, file, bp("csv-1", at, 128, 82), bp("csv-2", at.Add(12*time.Hour), 135, 88))
		upsertBP(t, db, p, vendor, withPulse(bp("api-1", at, 128, 82), 61), bp("api-2", at.Add(12*time.Hour), 135, 88), bp("api-3", at.Add(24*time.Hour), 140, 90))
		if n := countBP(t, db, Filter{ProfileID: p.ID}); n != 3 {
			t.Fatalf("%d measurements before, want 3", n)
		}
		if err := db.RemoveAccount(ctx, vendor.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := db.BloodPressures(ctx, Filter{ProfileID: p.ID})
		if len(got) != 2 || got[0].ProviderID != "csv-1" || got[1].ProviderID != "csv-2" {
			t.Fatalf("after unlinking %+v, want the file's two", got)
		}
		if got[0].Pulse.Valid() {
			t.Errorf("the file's record kept the vendor's pulse %v", got[0].Pulse)
		}
		routes, _ := db.Routes(ctx, p.ID)
		if len(routes) != 1 || routes[0].Rows != 2 || routes[0].Alone != 2 {
			t.Errorf("routes %+v, want the file alone with 2", routes)
		}
	})
}

// TestRemoveRoute removes one file's readings and keeps the others'.
func TestRemoveRoute(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, file, vendor := routesFixture(t, db)
		at := time.Date(2026, 3, 1, 7, 12, 0, 0, time.UTC)
		a, b := bp("1", at, 128, 82), bp("1", at.Add(time.Hour), 128, 82)
		a.IDScope, a.Origin = "source:A", "A"
		b.IDScope, b.Origin = "source:B", "B"
		upsertBP(t, db, p, file, a, b)
		upsertBP(t, db, p, vendor, bp("api", at, 128, 82))
		n, err := db.RemoveRoute(ctx, p.ID, file.ID, "A", "source:A")
		if err != nil || n != 1 {
			t.Fatalf("removed %d, %v; want 1", n, err)
		}
		if got := countBP(t, db, Filter{ProfileID: p.ID}); got != 2 {
			t.Errorf("%d measurements, want 2 (the vendor's and B's)", got)
		}
	})
}

// TestWeightPartsJoin: a scale's weight and BMI sent apart by one source
// at one instant are one weight reading showing both; a BMI of another
// instant is not.
func TestWeightPartsJoin(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, _, _ := routesFixture(t, db)
		oneup, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOneUp, ExternalID: "x"})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 7, 12, 5, 0, time.UTC)
		meta := func(id string, at time.Time) health.Meta {
			return health.Meta{ProviderID: id, Time: at, Origin: "Withings"}
		}
		weight := health.Weight{Meta: meta("w1", at), Weight: health.Of(80.2)}
		bmi := health.Weight{Meta: meta("b1", at), BMI: health.Of(26.2)}
		later := health.Weight{Meta: meta("b2", at.Add(time.Second)), BMI: health.Of(26.2)}
		for _, step := range []struct {
			w    health.Weight
			want Counts
		}{{weight, Counts{Added: 1}}, {bmi, Counts{Held: 1}}, {later, Counts{Added: 1}}} {
			res, err := db.Upsert(ctx, p.ID, oneup.ID, health.Batch{Weight: []health.Weight{step.w}})
			if err != nil {
				t.Fatal(err)
			}
			if res[health.KindWeight] != step.want {
				t.Errorf("%s: %+v, want %+v", step.w.ProviderID, res[health.KindWeight], step.want)
			}
		}
		ws, _ := db.Weights(ctx, Filter{ProfileID: p.ID})
		if len(ws) != 2 || ws[0].Weight.Or(0) != 80.2 || ws[0].BMI.Or(0) != 26.2 {
			t.Fatalf("weights %+v, want 80.2 kg with BMI 26.2, then the lone BMI", ws)
		}
		// The aggregate sees the filled BMI too.
		days, _ := db.Aggregate(ctx, Filter{ProfileID: p.ID}, Day, BMI)
		if len(days) != 1 || days[0].Stats[0].N != 2 {
			t.Errorf("BMI aggregate %+v, want 2 BMIs in one day", days)
		}
	})
}

// TestConditionsAreMeasurementsToo: the same diagnosis from two routes is
// one condition.
func TestConditionsAreMeasurementsToo(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTest(t, backend)
		p, file, vendor := routesFixture(t, db)
		at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		c := health.Condition{Meta: health.Meta{ProviderID: "c1", Time: at}, System: "http://snomed.info/sct", Code: health.SNOMEDAtrialFibrillation, Status: "active"}
		for _, a := range []Account{vendor, file} {
			if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{Conditions: []health.Condition{c}}); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := db.Count(ctx, health.KindCondition, Filter{ProfileID: p.ID}); n != 1 {
			t.Errorf("%d conditions, want 1", n)
		}
	})
}
