package main

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layers are the project's packages from the bottom up, as
// docs/architecture.md draws them: a package may import packages of
// lower layers only, never its own layer or one above. A package missing
// from this list fails the test, so a new one is placed on purpose.
var layers = [][]string{
	{"health", "atomicfile", "clocktest", "assets", "fhir/fhirtest", "sanitize", "seal"},
	{"fhir"},
	{"store"},
	{"providers", "store/storetest", "panel/paneltest"},
	{"providers/omron", "providers/oneup", "providers/files", "providers/omron/omronsim", "providers/oneup/oneupsim", "providers/providertest"},
	{"config"},
	{"sandbox", "sync", "report", "panel"},
	{"tui"},
	{"link", "hub"},
	{"enroll"},
	{"app"},
	{"cli"},
	{""}, // main
}

// terminalLibraries draw on a terminal; only the dashboard and the
// command line may: the engine, the store and the providers run headless
// in `vitals serve`.
var terminalLibraries = []string{"charm.land/", "github.com/charmbracelet/", "github.com/mattn/go-isatty"}

var mayUseTerminal = map[string]bool{"tui": true, "cli": true}

func TestPackageEdges(t *testing.T) {
	const module = "vitals"
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layerOf[p] = i
		}
	}
	seen := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		pkg, err := build.ImportDir(path, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(path)
		if rel == "." {
			rel = ""
		}
		own, ok := layerOf[rel]
		if !ok {
			t.Errorf("package %s is on no layer: place it in main_test.go and docs/architecture.md", rel)
			return nil
		}
		seen++
		for _, imp := range pkg.Imports {
			if dep, ok := strings.CutPrefix(imp, module+"/"); ok {
				if l, known := layerOf[dep]; known && l >= own {
					t.Errorf("%s imports %s: a package imports only lower layers", module+"/"+rel, imp)
				}
				continue
			}
			for _, lib := range terminalLibraries {
				if strings.HasPrefix(imp, lib) && !mayUseTerminal[rel] {
					t.Errorf("%s imports the terminal library %s: only tui and cli may", module+"/"+rel, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < len(layerOf) {
		t.Errorf("found %d packages for %d names on the layers: remove the names of packages that are gone", seen, len(layerOf))
	}
}
