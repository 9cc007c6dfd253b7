package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"vitals/health"
)

// The smallest terminal the screens are laid out for.
const (
	minWidth  = 80
	minHeight = 24
)

// frame is what a screen needs to draw itself: the program context
// (styles, settings, clock, keys), the snapshot, and the view state the
// root model keeps for it. Screens are functions of a frame and a size.
type frame struct {
	st      styles
	set     settings
	keys    KeyMap
	d       *snapshot
	now     time.Time
	engine  bool
	actions bool
	enroll  bool // enrollment links can be made here (E)
	static  bool

	bpOffset, alertOffset, reviewOffset, sourceSel int
	actDay                                         health.Date
	bpLayout                                       bpLayout
	rows                                           filteredRows // what the lists' filters keep
	filters                                        [tabCount]string
	panel                                          panelState
}

// drawHook, when set by a test, is called each time a screen or the tab
// bar is drawn: input must draw neither.
var drawHook func()

func (m *model) frame() frame {
	if drawHook != nil {
		drawHook()
	}
	return frame{
		st: m.st, set: m.set, keys: m.keys, d: m.data, now: m.set.now(),
		engine: m.opts.Engine != nil, actions: m.opts.Actions != nil, enroll: m.opts.Enroll != nil, static: m.static,
		bpOffset: m.bpOffset, alertOffset: m.alertOffset, reviewOffset: m.reviewOffset,
		sourceSel: m.sourceSel, actDay: m.actDay, bpLayout: m.bpLayout,
		rows: m.rows, filters: m.filters, panel: m.panelSt,
	}
}

// View draws the screen.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if m.mouseOff {
		v.MouseMode = tea.MouseModeNone // the terminal's: text can be selected
	}
	v.WindowTitle = "vitals · " + m.profile.Title()
	return v
}

// render draws the whole screen: tab bar, period bar, the current screen,
// the status line and the key hints.
func (m *model) render() string {
	if m.width == 0 && m.height == 0 {
		return "" // the terminal has not said its size yet
	}
	if m.width < minWidth || m.height < minHeight {
		return m.tooSmall()
	}
	lines := []string{
		m.tabBar().text,
		m.periodBar(),
		m.body(),
		m.statusLine(),
	}
	if !m.static {
		lines = append(lines, m.hintLine())
	}
	screen := strings.Join(lines, "\n")
	if box := m.overlayBox(); box != "" {
		x := max((m.width-lipgloss.Width(box))/2, 0)
		y := max((m.height-lipgloss.Height(box))/2, 1)
		screen = lipgloss.NewCompositor(
			lipgloss.NewLayer(screen),
			lipgloss.NewLayer(box).X(x).Y(y).Z(1),
		).Render()
		screen = block(screen, m.width, m.height) // the compositor trims line ends
	}
	return screen
}

func (m *model) tooSmall() string {
	msg := fmt.Sprintf("The terminal is %d×%d: vitals needs at least %d×%d.\nEnlarge the window, or press q to quit.",
		m.width, m.height, minWidth, minHeight)
	w := max(m.width, 1)
	lines := wrap(msg, w)
	return lipgloss.Place(w, max(m.height, len(lines)), lipgloss.Center, lipgloss.Center, strings.Join(lines, "\n"))
}

// tabBarLayout is the tab bar and where each tab lies, for mouse clicks.
type tabBarLayout struct {
	text  string
	spans [][2]int // [start, end) columns of each tab
}

// tabBar is the tab bar as drawn now.
func (m *model) tabBar() tabBarLayout { return m.tabBarFor(m.tab) }

// tabBarFor is the tab bar with tab cur open, in the widest of its
// formats that fits the terminal.
func (m *model) tabBarFor(cur Tab) tabBarLayout {
	if drawHook != nil {
		drawHook()
	}
	badge := ""
	if m.data != nil && len(m.data.alerts) > 0 {
		badge = fmt.Sprintf(" ⚠%d", len(m.data.alerts))
	}
	type format struct {
		short   bool
		pad     string
		sep     string
		numOnly bool
	}
	formats := []format{{false, " ", "", false}, {false, "", " ", false}, {true, " ", "", false}, {true, "", " ", false}, {true, "", " ", true}}
	for i, f := range formats {
		var parts []string
		var spans [][2]int
		x := 0
		for t := range tabCount {
			title := tabNames[t].title
			if f.short {
				title = tabNames[t].short
			}
			if t == TabAlerts {
				title += badge
			}
			label := fmt.Sprintf("%d %s", t+1, title)
			if f.numOnly && t != cur {
				label = fmt.Sprint(int(t) + 1)
			}
			label = f.pad + label + f.pad
			w := ansi.StringWidth(label)
			switch {
			case t == cur && m.static:
				label = "[" + strings.TrimSpace(label) + "]"
				label = fit(label, max(w, ansi.StringWidth(label)))
			case t == cur:
				label = m.st.tabActive.Render(label)
			default:
				label = m.st.tabInactive.Render(label)
			}
			w = ansi.StringWidth(label)
			spans = append(spans, [2]int{x, x + w})
			parts = append(parts, label)
			x += w + len(f.sep)
		}
		text := strings.Join(parts, f.sep)
		if ansi.StringWidth(text) <= m.width || i == len(formats)-1 {
			return tabBarLayout{text: fit(text, m.width), spans: spans}
		}
	}
	return tabBarLayout{}
}

func (m *model) periodBar() string {
	if m.tab == TabPanel {
		left := " " + m.st.bold.Render("Every patient")
		if m.data != nil {
			left += " · today " + m.data.today.String()
		}
		if m.loading {
			left += m.st.muted.Render(" ⟳")
		}
		right := m.st.muted.Render("rulebook " + m.set.rulebook.Name() + " ")
		if gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right); gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
		return fit(left, m.width)
	}
	left := " " + m.st.bold.Render(m.profile.Title())
	if m.data == nil {
		return fit(left+m.st.muted.Render(" · loading readings…"), m.width)
	}
	p := m.data.period
	left += " · " + p.Range.String() + ": " + periodLabel(p)
	if p.Anchored {
		left += m.st.warn.Render(" (ends on the newest reading)")
	}
	if len(m.data.firstSync) > 0 {
		note := " · ⟳ first sync, readings arriving"
		if ansi.StringWidth(left+note) > m.width-2 {
			note = " · ⟳ first sync"
		}
		left += m.st.warn.Render(note)
	}
	if m.loading {
		left += m.st.muted.Render(" ⟳")
	}
	right := "rulebook " + m.set.rulebook.Name() + " "
	if m.mouseOff {
		// Said while it lasts: clicks and the wheel do nothing meanwhile.
		off := "mouse off (" + m.keys.Mouse.Help().Key + ") "
		right = off + "· " + right
		if m.width-ansi.StringWidth(left)-ansi.StringWidth(right) < 1 {
			right = off
		}
	}
	right = m.st.muted.Render(right)
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return fit(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *model) body() (out string) {
	if m.data == nil {
		msg := "Loading readings…"
		if m.notice != "" && m.bad {
			msg = "Nothing to show: the database could not be read."
		}
		return block(indent(m.st.muted.Render(msg)), m.width, m.bodyH)
	}
	f := m.frame()
	w, h := m.bodyW, m.bodyH
	var s string
	// A screen that fails to draw says so in its place; the program, and
	// the sync behind it, keep running.
	defer func() {
		if r := recover(); r != nil {
			out = block(indent(m.st.statusErr.Render(fmt.Sprintf("✗ This screen could not be drawn (%v). Other screens still work; please report it.", r))), m.width, h)
		}
	}()
	switch m.tab {
	case TabOverview:
		s = f.overview(w, h)
	case TabBP:
		s = f.bloodPressure(w, h)
	case TabWeight:
		s = f.weight(w, h)
	case TabActivity:
		s = f.activity(w, h)
	case TabVitals:
		s = f.vitals(w, h)
	case TabAlerts:
		s = f.alertsScreen(w, h)
	case TabSources:
		s = f.sources(w, h)
	case TabReview:
		s = f.review(w, h)
	case TabPanel:
		s = f.panelScreen(w, h)
	}
	// A column of margin on each side.
	return block(indent(block(s, w, h)), m.width, h)
}

// indent puts one space before every line.
func indent(s string) string { return " " + strings.ReplaceAll(s, "\n", "\n ") }

// statusLine is the notice or the sync states on one line. Text that
// does not fit is never cut silently: the line ends by saying that e
// shows all of it.
func (m *model) statusLine() string {
	w := m.width - 1
	text, bad := m.statusText(w)
	if bad && !strings.Contains(text, "✗") {
		text = "✗ " + text
	}
	if ansi.StringWidth(text) > w && !m.static {
		more := " … " + m.keys.Details.Help().Key + ": whole message"
		text = cutWords(text, w-ansi.StringWidth(more)) + more
	}
	style := m.st.status
	if bad {
		style = m.st.statusErr
	}
	return style.Render(fit(" "+text, m.width))
}

func (m *model) helpModel() help.Model {
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = m.st.helpKey, m.st.helpKey
	h.Styles.ShortDesc, h.Styles.FullDesc = m.st.helpDesc, m.st.helpDesc
	h.Styles.ShortSeparator, h.Styles.FullSeparator = m.st.helpSep, m.st.helpSep
	h.Styles.Ellipsis = m.st.helpSep
	h.SetWidth(m.width - 1)
	return h
}

// hintLine is the key hints, or the filter of the list on screen.
func (m *model) hintLine() string {
	if filterable(m.tab) && (m.filtering || m.filters[m.tab] != "") {
		return m.filterLine()
	}
	keys := m.keys.ShortHelp()
	switch m.tab {
	case TabPanel:
		keys = m.keys.PanelHelp()
	case TabAlerts:
		keys = append(keys[:3:3], m.keys.Ack, key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")), m.keys.PeriodHint, m.keys.Profile)
	}
	return fit(" "+m.helpModel().ShortHelpView(keys), m.width)
}

// overlayBox is the box drawn over the screen, if any.
func (m *model) overlayBox() string {
	st := m.st
	boxW := m.overlayWidth()
	switch m.overlay {
	case overlayHelp:
		inner := boxW - 4
		h := m.helpModel()
		h.SetWidth(0) // measured whole; rows are made to fit below
		groups := m.keys.FullHelp()
		// As many groups side by side as fit, row after row.
		var rows []string
		keysW := 0
		for i := 0; i < len(groups); {
			n := 1
			for i+n < len(groups) && lipgloss.Width(h.FullHelpView(groups[i:i+n+1])) <= inner {
				n++
			}
			rows = append(rows, h.FullHelpView(groups[i:i+n]))
			keysW = max(keysW, lipgloss.Width(rows[len(rows)-1]))
			i += n
		}
		mouse := "Mouse: click a tab to open it; the wheel scrolls lists. " +
			m.keys.Mouse.Help().Key + " lets the terminal have the mouse, to select and copy text, and takes it back."
		body := st.title.Render("Keys") + "\n\n" + strings.Join(rows, "\n\n") +
			"\n\n" + strings.Join(wrapStyled(st.muted, mouse, min(max(keysW, 40), inner)), "\n") +
			"\n" + st.muted.Render("? or esc closes this help.")
		return st.box.Render(body)
	case overlayPicker:
		return st.box.Render(m.picker.render(st))
	case overlayAck:
		if m.ack != nil {
			return m.ackBox()
		}
	case overlayDetails:
		inner := boxW - 4
		var lines []string
		for _, l := range m.details {
			style := st.status
			if strings.HasPrefix(l, "✗") {
				style = st.statusErr
			}
			lines = append(lines, wrapStyled(style, l, inner)...)
		}
		// A box as high as the screen at most; what is left is counted.
		if room := m.height - 6; len(lines) > room {
			lines = append(lines[:room-1], st.muted.Render(fmt.Sprintf("… %d more lines: enlarge the terminal to read them", len(lines)-room+1)))
		}
		body := st.title.Render("Status") + "\n\n" + strings.Join(lines, "\n") + "\n\n" +
			st.helpKey.Render(m.keys.Details.Help().Key) + st.helpDesc.Render(" or ") +
			st.helpKey.Render(m.keys.Back.Help().Key) + st.helpDesc.Render(" closes")
		return st.box.Width(boxW).Render(body)
	case overlayWrite:
		if m.write == nil {
			return ""
		}
		if m.write.step == writeChoose {
			return st.box.Width(m.writeMenuWidth() + 4).Render(m.writeBox(m.writeMenuWidth()))
		}
		return st.box.Width(boxW).Render(m.writeBox(boxW - 4))
	case overlayEnroll:
		return m.enrollBox(boxW)
	case overlayLinkMenu:
		body := st.title.Render("Link an account") + "\n\n" +
			st.helpKey.Render(m.keys.LinkOmron.Help().Key) + "  Omron Wellness (blood pressure, AFib flags, weight, activity…)\n" +
			st.helpKey.Render(m.keys.LinkOneUp.Help().Key) + "  1upHealth (health systems and devices, FHIR)\n\n" +
			st.muted.Render("A browser opens for you to sign in. esc cancels.")
		return st.box.Render(body)
	case overlayConfirm:
		a := m.confirm
		body := st.title.Render("Unlink "+a.Title()+"?") + "\n\n" +
			wrapJoin(fmt.Sprintf("vitals stops syncing it and forgets its tokens. It has delivered %s to this database.",
				howMany(a.total, "reading", "readings")), boxW-4) + "\n\n" +
			st.helpKey.Render(m.keys.Yes.Help().Key) + " unlink   " + st.helpKey.Render(m.keys.No.Help().Key) + " keep it"
		return st.box.Render(body)
	case overlayAction:
		a := m.action
		if a == nil {
			return ""
		}
		inner := boxW - 4
		body := st.title.Render(a.title+"…") + "\n\n"
		if a.url == "" {
			body += st.muted.Render("Starting…")
		} else {
			body += wrapJoin("Open this address in a browser and sign in (vitals tried to open it for you):", inner) + "\n\n"
			// The address is cut into lines of the box's width, never at
			// its characters' meaning; y copies it whole.
			body += st.link.Hyperlink(a.url).Render(ansi.Hardwrap(a.url, inner, false))
		}
		body += "\n\n"
		if a.done {
			body += st.muted.Render("Cancelling…")
		} else {
			body += st.helpKey.Render(m.keys.Copy.Help().Key) + st.helpDesc.Render(" copy the address   ") +
				st.helpKey.Render(m.keys.Back.Help().Key) + st.helpDesc.Render(" cancel")
		}
		return st.box.Width(boxW).Render(body)
	}
	return ""
}

// overlayWidth is the widest an overlay box may be.
func (m *model) overlayWidth() int { return min(m.width-4, 96) }

// wrapJoin wraps text to w cells.
func wrapJoin(s string, w int) string { return strings.Join(wrap(s, w), "\n") }
