package oneup_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitals/fhir"
	"vitals/fhir/fhirtest"
	"vitals/health"
	"vitals/providers/oneup/oneupsim"
	"vitals/store"
)

// A bundle served as a connected health system arrives with the same
// readings, kind by kind, as a file import of the same bundle.
func TestSyntheaBundleServedMatchesFileImport(t *testing.T) {
	t.Parallel()
	files := fhirtest.SyntheaFiles(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			imported, _, err := fhir.MapBundle(data, fhir.Options{Origin: "file"})
			if err != nil {
				t.Fatalf("map the file: %v", err)
			}
			want := imported.Counts()
			if len(want) == 0 {
				t.Fatalf("the file maps to no readings")
			}
			b, err := oneupsim.LoadBundle(file)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, oneupsim.Options{Bundle: b})
			acct := e.link(oneupsim.EpicTestSite)
			e.syncAll(e.source(acct), acct)
			// 1upHealth serves a weight and its BMI apart (one search per
			// code); stored, they are one measurement, as the file's.
			for _, k := range append(health.Kinds, health.KindCondition) {
				if n, _ := e.db.Count(e.ctx, k, store.Filter{ProfileID: e.profile.ID}); n != want[k] {
					t.Errorf("%s: %d measurements synced, the file import maps %d", k, n, want[k])
				}
			}
			// And stored: the same number of rows as importing the file.
			fileAcct, err := e.db.LocalAccount(e.ctx, e.profile.ID, store.ProviderFile)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.Upsert(e.ctx, e.profile.ID, fileAcct.ID, imported); err != nil {
				t.Fatal(err)
			}
			for _, k := range append(health.Kinds, health.KindCondition) {
				synced, _ := e.db.Count(e.ctx, k, store.Filter{ProfileID: e.profile.ID, AccountID: acct.ID})
				fromFile, _ := e.db.Count(e.ctx, k, store.Filter{ProfileID: e.profile.ID, AccountID: fileAcct.ID})
				if synced != fromFile {
					t.Errorf("%s: %d stored from 1upHealth, %d from the file", k, synced, fromFile)
				}
			}
			office, _ := e.db.BloodPressures(e.ctx, store.Filter{ProfileID: e.profile.ID, AccountID: acct.ID, Place: store.OfficeOnly})
			if len(office) != want[health.KindBloodPressure] {
				t.Errorf("%d of %d blood pressures marked office", len(office), want[health.KindBloodPressure])
			}
			t.Logf("%v", want)
		})
	}
}
