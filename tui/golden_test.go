package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// updating reports whether -update was given. The flag is defined by
// charmbracelet/x/exp/golden, which teatest brings into the test binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestGoldenScreens draws every tab at 80x24 and 120x36 from the fixture
// and compares them with the screens in testdata/golden, which a person
// has read line by line (go test ./tui -run Golden -update rewrites them).
// The numbers on them are checked against hand-worked values in
// TestScreenFacts, so a golden file is never the only witness.
func TestGoldenScreens(t *testing.T) {
	fx := newFixture(t)
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		w, h := size[0], size[1]
		m := loaded(t, fx, w, h)
		for tab := range tabCount {
			m.tab = tab
			got := screen(m)
			checkFrame(t, got, w, h)
			name := fmt.Sprintf("%s-%dx%d.txt", tabNames[tab].flag, w, h)
			compareGolden(t, name, got)
		}
	}
}

// checkFrame asserts the screen fills the terminal exactly: a line too
// long wraps and pushes the status line off the top.
func checkFrame(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n != w {
			t.Errorf("%dx%d: line %d is %d wide: %q", w, h, i+1, n, l)
		}
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	// Trailing blanks are the terminal's, not the screen's: the files
	// keep them off so that a person can read and diff them.
	got = trimRight(got)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run Golden -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden screen:\n%s", name, lineDiff(string(want), got))
	}
}

func trimRight(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// lineDiff shows the lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d\n  want %q\n  got  %q\n", i+1, a, c)
		}
	}
	return b.String()
}
