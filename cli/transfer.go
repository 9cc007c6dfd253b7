package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"vitals/sanitize"
)

// progressDelay is how long an import or export runs before it shows its
// progress: most end sooner, and a line drawn and erased at once would
// only flicker. Tests shorten it.
var progressDelay = time.Second

// progressEvery is how often the progress line is redrawn at most.
const progressEvery = 200 * time.Millisecond

// transferProgress shows how far a long import or export has gone, on
// one line of a terminal redrawn in place: bytes and readings, and an
// estimate of the time left. Nothing is drawn for the first progressDelay,
// nor ever when the stream is not a terminal (piped, or a file). Done
// erases the line. Not safe for concurrent use.
type transferProgress struct {
	w     io.Writer
	what  string // "importing bp.csv"
	now   func() time.Time
	width int // the terminal's width in cells; 0 when unknown

	start time.Time // for the delay
	since time.Time // for the time left: the start of what update measures
	last  time.Time // when the line was last drawn
	drawn bool
}

// newTransferProgress returns a display of what's progress on w, or nil
// (which shows nothing) when term is false.
func newTransferProgress(w io.Writer, term bool, width int, what string, now func() time.Time) *transferProgress {
	if !term {
		return nil
	}
	t := now()
	return &transferProgress{w: w, what: sanitize.Line(what), now: now, width: width, start: t, since: t}
}

// status shows a step without numbers ("reading 1,200 readings from the
// database").
func (p *transferProgress) status(text string) {
	if p == nil || !p.due() {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[2K%s", p.fit(p.what+": "+text+"…"))
}

// restart starts what update measures, after a step (status) that it
// does not: the time left is estimated from its start.
func (p *transferProgress) restart() {
	if p != nil {
		p.since = p.now()
	}
}

// due reports whether the line is to be drawn now, and notes that it is.
func (p *transferProgress) due() bool {
	now := p.now()
	if now.Sub(p.start) < progressDelay || (p.drawn && now.Sub(p.last) < progressEvery) {
		return false
	}
	p.last, p.drawn = now, true
	return true
}

// update shows the progress: bytes of size read or written (size 0 when
// unknown), rows of total (total 0 when unknown).
func (p *transferProgress) update(bytes, size int64, rows, total int) {
	if p == nil || !p.due() {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[2K%s", p.fit(p.line(p.last.Sub(p.since), bytes, size, rows, total)))
}

// line says how far the transfer has gone.
func (p *transferProgress) line(elapsed time.Duration, bytes, size int64, rows, total int) string {
	var parts []string
	fraction := -1.0
	switch {
	case size > 0:
		fraction = float64(bytes) / float64(size)
		parts = append(parts, fmt.Sprintf("%s of %s (%d%%)", byteSize(bytes), byteSize(size), int(fraction*100)))
	case bytes > 0:
		parts = append(parts, byteSize(bytes))
	}
	switch {
	case total > 0:
		if fraction < 0 {
			fraction = float64(rows) / float64(total)
		}
		parts = append(parts, fmt.Sprintf("%s of %s readings", grouped(rows), grouped(total)))
	default:
		parts = append(parts, grouped(rows)+" readings")
	}
	if eta, ok := timeLeft(elapsed, fraction); ok {
		parts = append(parts, eta)
	}
	return p.what + ": " + strings.Join(parts, ", ")
}

// timeLeft estimates the time left from the time taken for a fraction of
// the work, once there is enough of either to go by.
func timeLeft(elapsed time.Duration, fraction float64) (string, bool) {
	if fraction < 0.01 || fraction >= 1 || elapsed < progressEvery {
		return "", false
	}
	left := time.Duration(float64(elapsed) * (1 - fraction) / fraction)
	switch {
	case left < time.Second:
		return "less than a second left", true
	case left < 100*time.Second:
		return fmt.Sprintf("about %d s left", int(left.Round(time.Second)/time.Second)), true
	}
	return fmt.Sprintf("about %d min left", int(left.Round(time.Minute)/time.Minute)), true
}

// done erases the progress line, if one was drawn.
func (p *transferProgress) done() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[2K")
	p.drawn = false
}

// fit cuts a line to the terminal's width, so it never wraps and throws
// the redraw off.
func (p *transferProgress) fit(s string) string {
	if p.width <= 1 {
		return s
	}
	return ansi.Truncate(s, p.width-1, "…")
}

// byteSize writes a number of bytes for people: 512 B, 45.2 MB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	x, i := float64(n), -1
	for x >= unit && i < 3 {
		x /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", x, "kMGT"[i])
}

// grouped writes a count with thousands separators: 1,234,567.
func grouped(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// countingWriter counts the bytes written through it and reports them.
type countingWriter struct {
	w       io.Writer
	n       int64
	written func(n int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if c.written != nil {
		c.written(c.n)
	}
	return n, err
}
