package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column is one column of a table. A column with grow set takes the width
// the others leave; its width is then a minimum.
type column struct {
	title string
	width int
	right bool
	grow  bool
	words bool // text cut at a space, never inside a word ("7 Series…", not "7 Series Up…")
}

// table lays out rows under a header in exactly w columns. Callers pass
// only the rows that fit on screen, so its cost follows the screen, not
// the data.
type table struct {
	cols []column
	rows [][]string
	sel  int // index in rows of the selected row; -1 for none
}

func (t table) render(st styles, w int) string {
	widths := make([]int, len(t.cols))
	used, grow := 0, -1
	for i, c := range t.cols {
		widths[i] = c.width
		used += c.width + 1
		if c.grow && grow < 0 {
			grow = i
		}
	}
	used--
	if grow >= 0 && used < w {
		widths[grow] += w - used
	}
	cell := func(i int, s string) string {
		switch {
		case t.cols[i].right:
			return fitRight(s, widths[i])
		case t.cols[i].words:
			return fitWords(s, widths[i])
		}
		return fit(s, widths[i])
	}
	var b strings.Builder
	var head []string
	for i, c := range t.cols {
		head = append(head, cell(i, c.title))
	}
	b.WriteString(st.header.Render(fit(strings.Join(head, " "), w)))
	for r, row := range t.rows {
		var cells []string
		for i := range t.cols {
			s := ""
			if i < len(row) {
				s = row[i]
			}
			cells = append(cells, cell(i, s))
		}
		line := fit(strings.Join(cells, " "), w)
		if r == t.sel {
			line = st.selected.Render(stripForSelection(line))
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// stripForSelection removes a row's own colours so the selection's reverse
// video reads as one bar.
func stripForSelection(s string) string { return ansi.Strip(s) }
