package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/guptarohit/asciigraph"

	"vitals/health"
)

// styles are every style the dashboard uses, in one place. Colours come in
// light and dark variants; the terminal's background picks one. Colour is
// never the only carrier of a meaning: every coloured mark has a symbol or
// a word beside it, so NO_COLOR (which the renderer honours by dropping
// colours) loses nothing.
type styles struct {
	dark bool

	title, muted, bold, label, value lipgloss.Style
	good, warn, bad, severe          lipgloss.Style
	tabActive, tabInactive, tabBar   lipgloss.Style
	period                           lipgloss.Style
	banner, bannerBad                lipgloss.Style
	header, selected                 lipgloss.Style
	status, statusErr, statusOK      lipgloss.Style
	helpKey, helpDesc, helpSep       lipgloss.Style
	box                              lipgloss.Style
	link                             lipgloss.Style
	filter                           lipgloss.Style // a list's filter text
	qr                               lipgloss.Style // a QR code: black on white whatever the theme, for a camera

	// Chart colours (256-colour indices, which asciigraph writes itself).
	sys, dia, pulse, threshold, line2 asciigraph.AnsiColor
	morning, evening                  asciigraph.AnsiColor
	barGood, barLow                   lipgloss.Style
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	fg := func(light, dark string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(light, dark)) }

	s := styles{dark: dark}
	s.title = lipgloss.NewStyle().Bold(true)
	s.muted = fg("#6C6C6C", "#8A8A8A")
	s.bold = lipgloss.NewStyle().Bold(true)
	s.label = fg("#5F5F87", "#AFAFD7")
	s.value = lipgloss.NewStyle().Bold(true)
	s.good = fg("#007A3D", "#5FD787")
	s.warn = fg("#8A5A00", "#FFD75F")
	s.bad = fg("#B3261E", "#FF875F")
	s.severe = fg("#B3261E", "#FF5F5F").Bold(true)

	s.tabActive = lipgloss.NewStyle().Bold(true).Reverse(true)
	s.tabInactive = fg("#444444", "#BCBCBC")
	s.tabBar = lipgloss.NewStyle()
	s.period = fg("#444444", "#BCBCBC")

	s.banner = fg("#8A5A00", "#FFD75F").Bold(true)
	s.bannerBad = fg("#B3261E", "#FF5F5F").Bold(true)
	s.header = lipgloss.NewStyle().Bold(true).Underline(true)
	s.selected = lipgloss.NewStyle().Reverse(true)

	s.status = fg("#444444", "#BCBCBC")
	s.statusErr = fg("#B3261E", "#FF875F").Bold(true)
	s.statusOK = fg("#007A3D", "#5FD787")
	s.helpKey = fg("#303030", "#E4E4E4").Bold(true)
	s.helpDesc = fg("#6C6C6C", "#8A8A8A")
	s.helpSep = fg("#9E9E9E", "#585858")
	s.box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).
		BorderForeground(c("#5F5F87", "#AFAFD7"))
	s.link = lipgloss.NewStyle().Underline(true)
	s.filter = fg("#005F87", "#87D7FF").Bold(true)
	s.qr = lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FFFFFF"))

	if dark {
		s.sys, s.dia, s.pulse, s.threshold, s.line2 = 203, 75, 246, 242, 114
		s.morning, s.evening = 214, 141
	} else {
		s.sys, s.dia, s.pulse, s.threshold, s.line2 = 160, 25, 242, 246, 28
		s.morning, s.evening = 130, 91
	}
	s.barGood = fg("#007A3D", "#5FD787")
	s.barLow = fg("#8A5A00", "#FFD75F")
	return s
}

// severityMark is the symbol that carries a category's severity without
// colour: ✓ normal, △ elevated, ▲ high, ▲▲ very high, !! severe.
func severityMark(s health.Severity) string {
	switch s {
	case health.SeverityNormal:
		return "✓"
	case health.SeverityElevated:
		return "△"
	case health.SeverityHigh:
		return "▲"
	case health.SeverityVeryHigh:
		return "▲▲"
	}
	return "!!"
}

// sev is the style of a severity.
func (s styles) sev(v health.Severity) lipgloss.Style {
	switch v {
	case health.SeverityNormal:
		return s.good
	case health.SeverityElevated:
		return s.warn
	case health.SeverityHigh, health.SeverityVeryHigh:
		return s.bad
	}
	return s.severe
}

// category writes a category with its mark, coloured: "▲ Stage 1".
func (s styles) category(c health.Category) string {
	name := c.Name
	if c.IsolatedSystolic {
		name += " (ISH)"
	}
	return s.sev(c.Severity).Render(severityMark(c.Severity) + " " + name)
}
