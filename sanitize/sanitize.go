// Package sanitize is the one place text from outside (files, vendors'
// answers, health systems' names and displays) is made safe to show.
//
// A terminal obeys control sequences: a device name holding ESC ] 52 can
// write to the reader's clipboard, ESC [ 2 J clears the screen. Unicode
// bidirectional controls (U+202E and kin) make text read differently
// from what it is. A spreadsheet runs a cell that starts with =, +, - or
// @ as a formula. Every output of text that vitals did not write itself
// goes through this package.
package sanitize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s fit for one line of a terminal: tabs and line breaks
// become spaces, and every other control or bidirectional formatting
// character is written as a visible escape (\x1b, \u202e), so that a
// person sees something was there and nothing acts on the terminal.
// Invalid UTF-8 becomes U+FFFD.
func Line(s string) string { return clean(s, false) }

// Text is Line for text of several lines: line breaks and tabs stay.
func Text(s string) string { return clean(s, true) }

func clean(s string, multiline bool) string {
	if safe(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				b.WriteRune(utf8.RuneError)
				continue
			}
			b.WriteRune(r)
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !multiline {
				b.WriteByte(' ')
			} // a CR before LF is dropped: the LF ends the line
		case unsafe(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safe reports quickly whether s needs no change, as almost all text
// does.
func safe(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return safeSlow(s[i:], multiline)
		}
		if c < 0x20 || c == 0x7f {
			if !(multiline && (c == '\n' || c == '\t')) {
				return false
			}
		}
	}
	return true
}

func safeSlow(s string, multiline bool) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafe(r) || (!multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// unsafe reports a rune that acts on a terminal or on how text reads:
// C0 and C1 controls and DEL, and the format characters that reorder or
// hide text (bidi embeddings, overrides, isolates and marks; zero-width
// characters; the byte-order mark; tag characters).
func unsafe(r rune) bool {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
		return true
	}
	return unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

// Cut returns s cut to at most n bytes on a character boundary, with "…"
// when it was longer.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Cell returns s safe for a spreadsheet cell of text: a cell that starts
// with =, +, -, @, a tab or a carriage return would be run as a formula by
// Excel, LibreOffice and Google Sheets, so it gets a leading apostrophe
// (OWASP's advice), which spreadsheets show as text and do not display.
// Cells of numbers must not go through Cell: -5 is a number. The text is
// also made a safe line (Line).
func Cell(s string) string {
	s = Line(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
