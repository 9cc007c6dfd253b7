package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"vitals/health"
	"vitals/seal"
)

// copyPairs are the directions Copy is tested in.
func copyPairs() [][2]string {
	return [][2]string{{"sqlite", "postgres"}, {"postgres", "sqlite"}, {"sqlite", "sqlite"}}
}

func eachCopyPair(t *testing.T, f func(t *testing.T, from, to string)) {
	for _, p := range copyPairs() {
		t.Run(p[0]+"-to-"+p[1], func(t *testing.T) { f(t, p[0], p[1]) })
	}
}

// copySource fills db with what a person's database holds: two profiles,
// a vendor account with credentials, cursors and a system, file imports
// whose readings are the vendor's too, a reading kept beside another
// under a reused id, a weight sent in parts, and a condition.
func copySource(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 7, 12, 40, 0, time.UTC)
	for i, name := range []string{"me", "p-1042"} {
		p, err := db.AddProfile(ctx, name, fmt.Sprintf("Person %d", i), 1.7)
		if err != nil {
			t.Fatal(err)
		}
		vendor, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "sub-" + name, Label: "Omron"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSecret(ctx, vendor.ID, []byte(`{"refresh_token":"rt-`+name+`"}`)); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSync(ctx, vendor.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSystem(ctx, System{AccountID: vendor.ID, ID: "dev-1", Name: "HEM-7600T", Kind: "device", ConnectedAt: at}); err != nil {
			t.Fatal(err)
		}
		var api []health.BloodPressure
		for d := range 20 {
			r := bp(fmt.Sprint("api-", d), at.AddDate(0, 0, d), float64(120+d), float64(80+d%7))
			r.Origin, r.Pulse, r.PossibleAFib = "Omron Wellness", health.Of(float64(60+d)), d%9 == 0
			api = append(api, r)
		}
		if _, err := db.CommitPage(ctx, p.ID, vendor.ID, "bloodpressure", "page-2", health.Batch{BloodPressure: api}); err != nil {
			t.Fatal(err)
		}
		// An import of a CSV holding half of them (minutes only, no pulse)
		// and two readings of its own, one reusing an id.
		im, err := db.BeginImport(ctx, p.ID, "omron.csv", "abc123")
		if err != nil {
			t.Fatal(err)
		}
		var csv []health.BloodPressure
		for d := range 10 {
			r := api[d]
			r.ProviderID, r.IDScope, r.Origin, r.Time, r.Pulse = fmt.Sprint("csv-", d), "omron-csv", "Omron Connect CSV", r.Time.Truncate(time.Minute), health.Missing
			csv = append(csv, r)
		}
		own := bp("csv-own", at.AddDate(0, 1, 0), 150, 95)
		own.IDScope = "omron-csv"
		reused := bp("csv-own", at.AddDate(0, 1, 1), 111, 71)
		reused.IDScope = "omron-csv"
		weight := []health.Weight{
			{Meta: health.Meta{ProviderID: "w", Time: at, Origin: "Withings"}, Weight: health.Of(80.2)},
			{Meta: health.Meta{ProviderID: "b", Time: at, Origin: "Withings"}, BMI: health.Of(26.2)},
		}
		cond := health.Condition{Meta: health.Meta{ProviderID: "c1", Time: at}, System: "http://snomed.info/sct", Code: "38341003", Display: "Hypertension", Status: "active"}
		if _, err := im.Add(health.Batch{BloodPressure: append(csv, own, reused), Weight: weight[:1], Conditions: []health.Condition{cond}}); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Add(health.Batch{Weight: weight[1:]}); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// holdings is what a database holds, without its row ids: each
// profile's measurements as every query sees them, its routes, accounts
// and imports.
type holdings struct {
	Profiles []Profile
	Batches  []health.Batch
	Routes   [][]Route
	Accounts [][]Account
	Imports  [][]ImportRecord
	Cursors  []map[string]string
	Systems  [][]System
}

func holdingsOf(t *testing.T, db *DB) holdings {
	t.Helper()
	ctx := context.Background()
	var h holdings
	ps, err := db.Profiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		b, err := db.Batch(ctx, Filter{ProfileID: p.ID, Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		forget := func(m *health.Meta) { m.ID, m.ProfileID, m.AccountID = 0, 0, 0 }
		for i := range b.BloodPressure {
			forget(&b.BloodPressure[i].Meta)
		}
		for i := range b.Weight {
			forget(&b.Weight[i].Meta)
		}
		for i := range b.Conditions {
			forget(&b.Conditions[i].Meta)
		}
		h.Batches = append(h.Batches, b)
		routes, err := db.Routes(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range routes {
			routes[i].AccountID = 0
		}
		h.Routes = append(h.Routes, routes)
		accts, err := db.Accounts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var cursors map[string]string
		var systems []System
		for i := range accts {
			if accts[i].Provider == ProviderOmron {
				cursors, _ = db.Cursors(ctx, accts[i].ID)
				systems, _ = db.Systems(ctx, accts[i].ID)
				for j := range systems {
					systems[j].AccountID = 0
				}
			}
			accts[i].ID, accts[i].ProfileID = 0, 0
		}
		h.Accounts = append(h.Accounts, accts)
		h.Cursors = append(h.Cursors, cursors)
		h.Systems = append(h.Systems, systems)
		ims, err := db.Imports(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ims {
			ims[i].ID, ims[i].ProfileID = 0, 0
		}
		h.Imports = append(h.Imports, ims)
		p.ID = 0
		h.Profiles = append(h.Profiles, p)
	}
	return h
}

func keyOf(t *testing.T, b byte) *seal.Keyring {
	t.Helper()
	k, err := seal.New(bytes.Repeat([]byte{b}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A copy into an empty database holds what the source holds, with the
// credentials sealed again for the target; a second copy adds nothing.
func TestCopy(t *testing.T) {
	eachCopyPair(t, func(t *testing.T, from, to string) {
		ctx := context.Background()
		srcKey, dstKey := keyOf(t, 1), keyOf(t, 2)
		src := openAt(t, testLocation(t, from), Options{SealKey: fixedKey(srcKey)})
		dst := openAt(t, testLocation(t, to), Options{SealKey: fixedKey(dstKey)})
		copySource(t, src)
		var seen []CopyProgress
		res, err := Copy(ctx, dst, src, CopyOptions{Progress: func(p CopyProgress) { seen = append(seen, p) }})
		if err != nil {
			t.Fatal(err)
		}
		// Per profile: 20 vendor rows, 12 CSV rows, 2 weight rows, 1 condition.
		want := CopyResult{Profiles: 2, Accounts: 4, Secrets: 2, Readings: 70}
		if res != want {
			t.Errorf("Copy = %+v, want %+v", res, want)
		}
		if len(seen) == 0 || seen[len(seen)-1].Done != 70 || seen[len(seen)-1].Total != 70 {
			t.Errorf("progress %+v, want it to end at 70 of 70 rows", seen)
		}
		got, wantH := holdingsOf(t, dst), holdingsOf(t, src)
		gv, wv := reflect.ValueOf(got), reflect.ValueOf(wantH)
		for i := range gv.NumField() {
			if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
				t.Errorf("%s of the copy:\n%+v\nof the source:\n%+v", gv.Type().Field(i).Name, gv.Field(i), wv.Field(i))
			}
		}
		if n := countBP(t, dst, Filter{ProfileID: 1}); n != 22 {
			t.Errorf("%d blood-pressure measurements in the copy, want 22 (20 from the vendor, 2 the CSV's own)", n)
		}

		// The credentials open with the target's key only.
		me, _ := dst.Profile(ctx, "me")
		accts, _ := dst.Accounts(ctx, me.ID)
		var vendor Account
		for _, a := range accts {
			if a.Provider == ProviderOmron {
				vendor = a
			}
		}
		if s, err := dst.LoadSecret(ctx, vendor.ID); err != nil || string(s) != `{"refresh_token":"rt-me"}` {
			t.Errorf("credentials in the copy = %q, %v", s, err)
		}
		var sealed []byte
		dst.r.QueryRowContext(ctx, `SELECT secret FROM secrets WHERE account_id = ?`, vendor.ID).Scan(&sealed)
		if _, err := srcKey.Open(sealed, dst.secretContext(vendor.ID)); !errors.Is(err, seal.ErrNoKey) {
			t.Errorf("the copy's credentials open with the source's key: %v", err)
		}

		// A re-import into the copy finds the readings unchanged.
		before := holdingsOf(t, dst)
		again, err := Copy(ctx, dst, src, CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if again != (CopyResult{MergedProfiles: 2, Unchanged: 70}) {
			t.Errorf("second Copy = %+v, want nothing added", again)
		}
		if after := holdingsOf(t, dst); !reflect.DeepEqual(after, before) {
			t.Errorf("a second copy changed the target")
		}
		res2, err := dst.Upsert(ctx, me.ID, vendor.ID, health.Batch{BloodPressure: []health.BloodPressure{withOrigin(bp("api-3", time.Date(2026, 3, 4, 7, 12, 40, 0, time.UTC), 123, 83), 63)}})
		if err != nil || res2[health.KindBloodPressure] != (Counts{Unchanged: 1}) {
			t.Errorf("the vendor's reading synced again into the copy: %+v, %v; want unchanged", res2, err)
		}
	})
}

func withOrigin(r health.BloodPressure, pulse float64) health.BloodPressure {
	r.Origin, r.Pulse = "Omron Wellness", health.Of(pulse)
	return r
}

// Copying into a database that holds the same person merges: by uid or by
// name, and each reading the target already holds by another route is
// one measurement, not two.
func TestCopyMerges(t *testing.T) {
	eachCopyPair(t, func(t *testing.T, from, to string) {
		ctx := context.Background()
		key := keyOf(t, 3)
		src := openAt(t, testLocation(t, from), Options{SealKey: fixedKey(key)})
		dst := openAt(t, testLocation(t, to), Options{SealKey: fixedKey(key)})
		at := time.Date(2026, 3, 1, 7, 12, 40, 0, time.UTC)
		// The clinic's hub synced the vendor's readings of "me" and holds
		// another patient.
		clinic, _ := dst.AddProfile(ctx, "me", "", 0)
		if _, err := dst.AddProfile(ctx, "p-7", "", 0); err != nil {
			t.Fatal(err)
		}
		vendor, _ := dst.UpsertAccount(ctx, Account{ProfileID: clinic.ID, Provider: ProviderOmron, ExternalID: "u"})
		upsertBP(t, dst, clinic, vendor, bp("api-1", at, 128, 82), bp("api-2", at.Add(12*time.Hour), 135, 88))
		// The person's own file: one of those readings, one of its own.
		p, file := fixture(t, src)
		csv := bp("csv-1", at.Truncate(time.Minute), 128, 82)
		csv.IDScope = "omron-csv"
		upsertBP(t, src, p, file, csv, bp("csv-2", at.AddDate(0, 0, 1), 140, 90))

		res, err := Copy(ctx, dst, src, CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res != (CopyResult{MergedProfiles: 1, Accounts: 1, Readings: 2}) {
			t.Errorf("Copy = %+v", res)
		}
		if n := countBP(t, dst, Filter{ProfileID: clinic.ID}); n != 3 {
			t.Errorf("%d measurements after the merge, want 3 (api-1 and csv-1 are one)", n)
		}
		got, _ := dst.BloodPressures(ctx, Filter{ProfileID: clinic.ID})
		if len(got) != 3 || got[0].ProviderID != "api-1" {
			t.Errorf("merged readings %+v; want the vendor's api-1 shown first", got)
		}
		ps, _ := dst.Profiles(ctx)
		if len(ps) != 2 {
			t.Errorf("profiles after the merge: %+v, want me and p-7", ps)
		}
		if again, _ := Copy(ctx, dst, src, CopyOptions{}); again.Readings != 0 || again.Accounts != 0 {
			t.Errorf("second Copy = %+v, want nothing added", again)
		}
		if _, err := Copy(ctx, dst, dst, CopyOptions{}); !errors.Is(err, ErrSameDatabase) {
			t.Errorf("copy onto itself: %v, want ErrSameDatabase", err)
		}
	})
}
