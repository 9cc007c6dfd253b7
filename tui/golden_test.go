package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestGoldenScreens draws every tab at 80x24 and 120x36 from the fixture
// and compares them with the screens in testdata/TestGoldenScreens, which
// a person has read line by line (go test ./tui -run Golden -update
// rewrites them). The numbers on them are checked against hand-worked
// values in TestScreenFacts, so a golden file is never the only witness.
func TestGoldenScreens(t *testing.T) {
	fx := newFixture(t)
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		w, h := size[0], size[1]
		m := loaded(t, fx, w, h)
		for tab := range TabPanel { // the panel has its own fixture: TestGoldenPanel
			m.tab = tab
			got := screen(m)
			t.Run(fmt.Sprintf("%s-%dx%d", tabNames[tab].flag, w, h), func(t *testing.T) {
				checkFrame(t, got, w, h)
				// Trailing blanks are the terminal's, not the screen's:
				// the files keep them off so that a person can read and
				// diff them.
				golden.RequireEqual(t, trimRight(got))
			})
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

func trimRight(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}
