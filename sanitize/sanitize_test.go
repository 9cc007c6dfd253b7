package sanitize

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "HEM-7600T", "HEM-7600T"},
		{"accented", "Clínica São José", "Clínica São José"},
		{"clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"OSC 52 clipboard", "dev\x1b]52;c;ZXZpbA==\x07ice", `dev\x1b]52;c;ZXZpbA==\x07ice`},
		{"C1 CSI", "x\u009b31mred", `x\x9b31mred`},
		{"bidi override", "txt.exe\u202Egpj", `txt.exe\u202egpj`},
		{"bidi isolate", "a\u2066b\u2069", `a\u2066b\u2069`},
		{"zero width joiner and BOM", "a\u200db\ufeff", `a\u200db\ufeff`},
		{"line breaks become spaces", "one\r\ntwo\tthree", "one  two three"},
		{"delete", "a\x7fb", `a\x7fb`},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"emoji stays", "❤️ 72 bpm", "❤️ 72 bpm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in)
			if got != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\u202e\n\r\t") {
				t.Errorf("Line(%q) = %q still holds a control", tc.in, got)
			}
		})
	}
}

func TestText(t *testing.T) {
	in := "Hypertension\n\tsecond line\x1b[31m\r\nthird"
	want := "Hypertension\n\tsecond line\\x1b[31m\nthird"
	if got := Text(in); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HEM-7600T", "HEM-7600T"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", " =1"}, // the tab becomes a space, and a leading space is no formula
		{"", ""},
		{"Omron Wellness", "Omron Wellness"},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCut(t *testing.T) {
	if got := Cut("héllo", 2); got != "h…" {
		t.Errorf("Cut inside a character = %q, want h…", got)
	}
	if got := Cut("abc", 3); got != "abc" {
		t.Errorf("Cut at the length = %q", got)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "HEM-7600T", "a\x1b[2Jb", "x\u202Ey", "\xff\xfe", "a\r\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s)
		for _, r := range got {
			if unsafe(r) || r == '\n' || r == '\r' || r == '\t' {
				t.Fatalf("Line(%q) = %q holds %U", s, got, r)
			}
		}
		if Line(got) != got {
			t.Fatalf("Line is not idempotent on %q: %q then %q", s, got, Line(got))
		}
		c := Cell(s)
		if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			t.Fatalf("Cell(%q) = %q starts a formula", s, c)
		}
	})
}
