// Package fhirtest finds the public FHIR R4 sample data that the tests of
// several packages read: the Synthea bundles kept beside the project, in
// ../shared/testdata/fhir-synthea from the module root.
package fhirtest

import (
	"os"
	"path/filepath"
	"testing"
)

// SyntheaFiles returns the paths of the Synthea bundles, or skips the test
// when they are not there (a checkout without the shared folder).
func SyntheaFiles(t testing.TB) []string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test's folder; cannot find ../shared/testdata")
		}
		dir = parent
	}
	want := filepath.Join(dir, "..", "shared", "testdata", "fhir-synthea")
	files, err := filepath.Glob(filepath.Join(want, "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("no Synthea bundles in %s: skipping the tests on public sample data", want)
	}
	return files
}
