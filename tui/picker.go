package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"vitals/store"
)

type pickKind int

const (
	pickProfile pickKind = iota
	pickSystem
	pickAlert // an alert to acknowledge
)

// pickItem is one entry of a picker; index points into the list it was
// made from.
type pickItem struct {
	title, detail string
	search        string // lower-case text the filter matches
	index         int
	current       bool
}

// picker is a searchable list in a box: the profile switcher and the
// choice of a system to connect. Filtering is a substring match over
// text prepared once, so hundreds of entries stay instant; only the rows
// on screen are drawn.
type picker struct {
	kind    pickKind
	title   string
	input   textinput.Model
	items   []pickItem
	match   []int // indexes into items
	sel     int   // index into match
	account store.Account
	systems []store.System
	w       int // content width, set by setWidth
}

// pickerRows is how many entries the box lists at once.
const pickerRows = 10

func newPicker(kind pickKind, title string, items []pickItem, dark bool) picker {
	in := textinput.New()
	// A steady cursor: a blinking one would wake the program twice a
	// second for nothing.
	ist := textinput.DefaultStyles(dark)
	ist.Cursor.Blink = false
	in.SetStyles(ist)
	in.Placeholder = "type to search"
	in.Prompt = "/ "
	in.CharLimit = 64
	p := picker{kind: kind, title: title, input: in, items: items}
	p.filter()
	for i, j := range p.match {
		if p.items[j].current {
			p.sel = i
		}
	}
	return p
}

func newProfilePicker(ps []store.Profile, current int64, dark bool) picker {
	items := make([]pickItem, len(ps))
	for i, p := range ps {
		detail := ""
		if p.DisplayName != "" && p.DisplayName != p.Name {
			detail = p.Name
		}
		items[i] = pickItem{title: p.Title(), detail: detail, index: i, current: p.ID == current,
			search: strings.ToLower(p.Name + " " + p.DisplayName)}
	}
	return newPicker(pickProfile, "Switch profile", items, dark)
}

func newSystemPicker(a store.Account, systems []store.System, dark bool) picker {
	items := make([]pickItem, len(systems))
	for i, s := range systems {
		items[i] = pickItem{title: s.Name, detail: s.Kind, index: i, search: strings.ToLower(s.Name + " " + s.Kind)}
	}
	p := newPicker(pickSystem, "Connect a system through "+a.Title(), items, dark)
	p.account, p.systems = a, systems
	return p
}

// filter keeps the entries whose text holds every word typed.
func (p *picker) filter() {
	words := strings.Fields(strings.ToLower(p.input.Value()))
	p.match = p.match[:0]
	for i, it := range p.items {
		ok := true
		for _, w := range words {
			if !strings.Contains(it.search, w) {
				ok = false
				break
			}
		}
		if ok {
			p.match = append(p.match, i)
		}
	}
	p.sel = min(max(p.sel, 0), max(len(p.match)-1, 0))
}

func (p *picker) move(n int) {
	p.sel = min(max(p.sel+n, 0), max(len(p.match)-1, 0))
}

func (p *picker) chosen() (pickItem, bool) {
	if p.sel >= len(p.match) {
		return pickItem{}, false
	}
	return p.items[p.match[p.sel]], true
}

// width is the picker's width for a box of at most w: its longest line,
// and room to type.
func (p *picker) width(w int) int {
	n := max(ansi.StringWidth(p.title), 48)
	for _, it := range p.items {
		n = max(n, ansi.StringWidth(it.title)+ansi.StringWidth(it.detail)+4)
	}
	return min(n, w)
}

// setWidth sizes the picker for content w cells wide: on opening and on
// a resize, never while drawing.
func (p *picker) setWidth(w int) {
	p.w = w
	p.input.SetWidth(max(w-4, 1))
}

func (p *picker) render(st styles) string {
	w := p.w
	var b strings.Builder
	b.WriteString(st.title.Render(p.title) + "\n\n")
	b.WriteString(p.input.View() + "\n\n")
	first := min(max(p.sel-pickerRows/2, 0), max(len(p.match)-pickerRows, 0))
	for i := first; i < min(first+pickerRows, len(p.match)); i++ {
		it := p.items[p.match[i]]
		mark := "  "
		if it.current {
			mark = "● "
		}
		line := mark + it.title
		if it.detail != "" {
			line += st.muted.Render("  " + it.detail)
		}
		line = fit(line, w)
		if i == p.sel {
			line = st.selected.Render(stripForSelection(line))
		}
		b.WriteString(line + "\n")
	}
	shown := min(pickerRows, len(p.match)-first)
	if len(p.match) == 0 {
		b.WriteString(st.muted.Render("nothing matches") + "\n")
		shown = 1
	}
	// As many lines as the whole list needs, up to pickerRows, so that
	// the box keeps its size while a search narrows the list.
	b.WriteString(strings.Repeat("\n", max(min(pickerRows, len(p.items))-shown, 0)))
	b.WriteString("\n" + st.muted.Render(fmt.Sprintf("%d of %d · ↑/↓ choose · enter open · esc close", len(p.match), len(p.items))))
	return b.String()
}
