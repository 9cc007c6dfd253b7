package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"vitals/health"
)

// dash stands for a value that was not measured: never a zero.
const dash = "—"

// num writes a value with prec decimals, or a dash when it is missing.
func num(v health.Value, prec int) string {
	if !v.Valid() {
		return dash
	}
	return v.Format(prec)
}

// thousands writes a whole number with thousands separators: 12,345.
func thousands(x float64) string {
	n := int64(math.Round(x))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// signed writes a change with its sign: +1.2, −0.4, ±0.0.
func signed(x float64, prec int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', prec, 64)
	switch {
	case s == strconv.FormatFloat(0, 'f', prec, 64):
		return "±" + s
	case x > 0:
		return "+" + s
	}
	return "−" + s
}

// pressure writes systolic/diastolic, with dashes for missing values.
func pressure(sys, dia health.Value) string {
	return num(sys, 0) + "/" + num(dia, 0)
}

// ago says how long before now t was, in the largest sensible unit.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	case d < 2*365*24*time.Hour:
		return fmt.Sprintf("%d months ago", int(d.Hours()/24/30))
	}
	return fmt.Sprintf("%d years ago", int(d.Hours()/24/365))
}

// Date formats.
const (
	fmtDay      = "Mon 02 Jan"
	fmtDayYear  = "02 Jan 2006"
	fmtDateTime = "02 Jan 2006 15:04" // the same day style as fmtDayYear
	fmtClock    = "15:04"
)

// dayLabel writes a date as "Mon 02 Mar".
func dayLabel(d health.Date) string { return d.In(time.UTC).Format(fmtDay) }

// shortDay writes a date as "02 Mar".
func shortDay(d health.Date) string { return d.In(time.UTC).Format("02 Jan") }

// periodLabel writes a period's dates, with years only where they are needed.
func periodLabel(p Period) string {
	if p.Start.IsZero() {
		return ""
	}
	s, e := p.Start.In(time.UTC), p.End.In(time.UTC)
	if p.Start == p.End {
		return e.Format(fmtDayYear)
	}
	if s.Year() == e.Year() {
		return s.Format("02 Jan") + " – " + e.Format(fmtDayYear)
	}
	return s.Format(fmtDayYear) + " – " + e.Format(fmtDayYear)
}

// howMany writes "1 reading", "3,000 readings".
func howMany(n int, one, many string) string {
	return thousands(float64(n)) + " " + health.Plural(n, one, many)
}

// percent writes n/total as a whole percentage.
func percent(n, total int) string {
	if total == 0 {
		return dash
	}
	p := int(math.Round(100 * float64(n) / float64(total)))
	if p == 0 && n > 0 {
		return "<1%" // not none
	}
	return strconv.Itoa(p) + "%"
}

// fit truncates s to w cells with an ellipsis and pads it to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// fitWords is fit that cuts text at a space when it must cut it, so no
// word is left half shown; a first word too long for w is cut as fit
// would.
func fitWords(s string, w int) string {
	if w <= 0 || ansi.StringWidth(s) <= w {
		return fit(s, w)
	}
	return fit(cutWords(s, w-1)+"…", w)
}

// cutWords shortens s to at most w cells, at a space when one is near:
// a long word (a path, an address) is cut inside rather than dropped.
func cutWords(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	const near = 12
	cut := ansi.Truncate(s, w, "")
	plain := ansi.Strip(cut)
	if next := ansi.Strip(s)[len(plain):]; !strings.HasPrefix(next, " ") {
		if i := strings.LastIndex(plain, " "); i > 0 && ansi.StringWidth(plain[i:]) <= near {
			cut = ansi.Truncate(s, ansi.StringWidth(plain[:i]), "")
		}
	}
	return strings.TrimRight(cut, " ")
}

// fitRight truncates s to w cells and pads it on the left.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// block makes text exactly w cells wide and h lines high: long lines are
// cut, short ones padded, missing lines added. Every screen goes through
// it, so no screen can push the status line off the terminal.
func block(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// wrap breaks text into lines of at most w cells at spaces. Hyphens stay
// inside their words ("HEM-7600T", "ME-dif"): the wrapper would break at
// them, so they are swapped for non-breaking ones while it works.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	const nbHyphen = "\u2011"
	s = ansi.Wrap(strings.ReplaceAll(s, "-", nbHyphen), w, "")
	return strings.Split(strings.ReplaceAll(s, nbHyphen, "-"), "\n")
}

// wrapStyled wraps text to w cells and styles each line: a style laid
// over text that is wrapped afterwards would not reach the later lines.
func wrapStyled(style lipgloss.Style, text string, w int) []string {
	lines := wrap(text, w)
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// height is the number of lines of the blocks, each of which may hold
// several.
func height(blocks []string) int {
	n := 0
	for _, b := range blocks {
		n += strings.Count(b, "\n") + 1
	}
	return n
}
