// Package fhirtest finds the public FHIR R4 sample data that the tests of
// several packages read: the Synthea bundles kept beside the project, in
// ../shared/testdata/fhir-synthea from the module root.
package fhirtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SyntheaFiles returns the paths of the Synthea bundles, or skips the test
// when they are not there (a checkout without the shared folder).
func SyntheaFiles(t testing.TB) []string {
	t.Helper()
	files, tried := find()
	if len(files) == 0 {
		t.Skipf("no Synthea bundles in %s: skipping the tests on public sample data", strings.Join(tried, " or "))
	}
	return files
}

// SyntheaFilesIfAny returns the paths of the Synthea bundles, or none when
// they are not there: for a test that uses them when it can (a fuzz
// target's seeds) and must run without them.
func SyntheaFilesIfAny() []string {
	files, _ := find()
	return files
}

// find looks for the bundles beside the module root, and beside the main
// checkout of a git worktree, and says where it looked.
func find() (files, tried []string) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, nil
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, []string{"(no go.mod above the test's folder)"}
		}
		dir = parent
	}
	for _, root := range []string{dir, mainCheckout(dir)} {
		if root == "" {
			continue
		}
		want := filepath.Join(root, "..", "shared", "testdata", "fhir-synthea")
		tried = append(tried, want)
		if files, err = filepath.Glob(filepath.Join(want, "*.json")); err == nil && len(files) > 0 {
			return files, tried
		}
	}
	return nil, tried
}

// mainCheckout returns the main working tree of the repository when root
// is a linked git worktree (its .git is a file naming the real one), so a
// worktree kept elsewhere finds the shared folder beside the main one; ""
// otherwise.
func mainCheckout(root string) string {
	data, err := os.ReadFile(filepath.Join(root, ".git"))
	if err != nil {
		return "" // a directory (the main checkout itself) or no git at all
	}
	gitdir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return ""
	}
	gitdir = strings.TrimSpace(gitdir)
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(root, gitdir)
	}
	common := filepath.Join(gitdir, "..", "..") // <main>/.git/worktrees/<name>
	if c, err := os.ReadFile(filepath.Join(gitdir, "commondir")); err == nil {
		if p := strings.TrimSpace(string(c)); filepath.IsAbs(p) {
			common = p
		} else {
			common = filepath.Join(gitdir, p)
		}
	}
	return filepath.Dir(filepath.Clean(common))
}
