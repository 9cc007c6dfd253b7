package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the dashboard answers to: the only place keys are
// defined. The help overlay and the hint line are generated from it.
type KeyMap struct {
	NextTab, PrevTab, Tabs key.Binding

	Longer, Shorter key.Binding // period length
	Earlier, Later  key.Binding // move the period in time
	Today           key.Binding

	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	DayBefore, DayAfter                     key.Binding // the activity screen's chosen day

	Sync, SyncOne                 key.Binding
	Link, Connect, Relink, Unlink key.Binding
	Enroll                        key.Binding // an enrollment link for the profile
	Copy                          key.Binding

	Filter  key.Binding // type to narrow the list on screen
	Write   key.Binding // the clinician's report or an export of the period
	Details key.Binding // the status line's whole message
	Mouse   key.Binding // mouse capture on and off, to select text

	// The panel's: sort column, reverse, only who needs attention. The
	// Alerts tab's: acknowledge an alert.
	Sort, Reverse, Attention key.Binding
	Ack                      key.Binding

	Profile key.Binding
	Select  key.Binding
	Back    key.Binding
	Help    key.Binding
	Quit    key.Binding

	// Keys of the overlays, which their boxes name.
	LinkOmron, LinkOneUp     key.Binding // the link menu
	Yes, No                  key.Binding // a question
	PickUp, PickDown         key.Binding // a picker, whose letters go to its search
	PickPageUp, PickPageDown key.Binding
	// The write menu: which file.
	WriteMarkdown, WriteHTML, WritePDF, WriteCSV, WriteFHIR key.Binding

	// Hints that stand for pairs above on the one-line help.
	PeriodHint, MoveHint key.Binding
}

// DefaultKeyMap returns the dashboard's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		NextTab: b([]string{"tab"}, "tab", "next tab"),
		PrevTab: b([]string{"shift+tab"}, "shift+tab", "previous tab"),
		Tabs:    b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "tabs"),

		Longer:  b([]string{"+", "="}, "+", "longer period"),
		Shorter: b([]string{"-", "_"}, "-", "shorter period"),
		Earlier: b([]string{"left", "h"}, "←/h", "earlier"),
		Later:   b([]string{"right", "l"}, "→/l", "later"),
		Today:   b([]string{"t"}, "t", "latest readings"),

		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:    b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:  b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:       b([]string{"home", "g"}, "g", "first"),
		Bottom:    b([]string{"end", "G"}, "G", "last"),
		DayBefore: b([]string{",", "<"}, ",", "day before (activity)"),
		DayAfter:  b([]string{".", ">"}, ".", "day after (activity)"),

		Sync:    b([]string{"s"}, "s", "sync"),
		SyncOne: b([]string{"S"}, "S", "sync the chosen account"),
		Link:    b([]string{"a"}, "a", "link an account"),
		Connect: b([]string{"c"}, "c", "connect a system"),
		Relink:  b([]string{"r"}, "r", "relink"),
		Unlink:  b([]string{"x", "delete"}, "x", "unlink"),
		Copy:    b([]string{"y"}, "y", "copy the address"),
		Enroll:  b([]string{"E"}, "E", "enrollment link for the patient"),

		Filter:  b([]string{"/"}, "/", "filter the list"),
		Write:   b([]string{"w"}, "w", "write a report or export"),
		Details: b([]string{"e"}, "e", "whole status message"),
		Mouse:   b([]string{"m"}, "m", "mouse on/off (select text)"),

		Sort:      b([]string{"o"}, "o", "panel: sort by the next column"),
		Reverse:   b([]string{"O"}, "O", "panel: reverse the order"),
		Attention: b([]string{"!"}, "!", "needs attention"),
		Ack:       b([]string{"A"}, "A", "acknowledge"),

		Profile: b([]string{"p"}, "p", "profile"),
		Select:  b([]string{"enter"}, "enter", "choose"),
		Back:    b([]string{"esc"}, "esc", "close"),
		Help:    b([]string{"?"}, "?", "help"),
		Quit:    b([]string{"q", "ctrl+c"}, "q", "quit"),

		LinkOmron:    b([]string{"o"}, "o", "Omron Wellness"),
		LinkOneUp:    b([]string{"u"}, "u", "1upHealth"),
		Yes:          b([]string{"y", "Y"}, "y", "yes"),
		No:           b([]string{"n", "N", "esc", "q"}, "n", "no"),
		PickUp:       b([]string{"up", "ctrl+p"}, "↑", "up"),
		PickDown:     b([]string{"down", "ctrl+n"}, "↓", "down"),
		PickPageUp:   b([]string{"pgup"}, "pgup", "page up"),
		PickPageDown: b([]string{"pgdown"}, "pgdn", "page down"),

		WriteMarkdown: b([]string{"m"}, "m", "report, Markdown"),
		WriteHTML:     b([]string{"h"}, "h", "report, HTML"),
		WritePDF:      b([]string{"p"}, "p", "report, PDF"),
		WriteCSV:      b([]string{"c"}, "c", "export, CSV (a file per type)"),
		WriteFHIR:     b([]string{"f"}, "f", "export, FHIR R4 bundle"),

		PeriodHint: b([]string{"-", "+"}, "-/+", "period"),
		MoveHint:   b([]string{"left", "right"}, "←/→", "move period"),
	}
}

// ShortHelp is the hint line at the bottom of the screen.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Quit, k.Tabs, k.PeriodHint, k.MoveHint, k.Sync, k.Profile}
}

// PanelHelp is the hint line of the Panel tab.
func (k KeyMap) PanelHelp() []key.Binding {
	sel := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	sort := key.NewBinding(key.WithKeys("o"), key.WithHelp("o/O", "sort"))
	filter := key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	return []key.Binding{k.Help, k.Quit, k.Tabs, sel, sort, k.Attention, filter}
}

// FullHelp is the help overlay, one column a group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Tabs, k.NextTab, k.PrevTab, k.Profile, k.Help, k.Back, k.Quit},
		{k.Shorter, k.Longer, k.Earlier, k.Later, k.Today, k.DayBefore, k.DayAfter},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Select},
		{k.Sync, k.SyncOne, k.Link, k.Connect, k.Relink, k.Unlink, k.Copy, k.Enroll},
		{k.Filter, k.Write, k.Details, k.Mouse},
		{k.Sort, k.Reverse, k.Attention, k.Ack},
	}
}

// WriteHelp is the write menu's keys, in its order.
func (k KeyMap) WriteHelp() []key.Binding {
	return []key.Binding{k.WriteMarkdown, k.WriteHTML, k.WritePDF, k.WriteCSV, k.WriteFHIR}
}
