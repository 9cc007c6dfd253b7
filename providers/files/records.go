package files

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"vitals/sanitize"
)

// MaxRecord is the longest CSV record (a row, with any line breaks its
// quoted cells hold) vitals reads. Omron Connect and vitals' own rows are
// a few hundred bytes; a longer one is not a CSV export (a binary file, a
// file of one endless line) and is refused with its line, before it fills
// memory.
const MaxRecord = 64 << 10

// ErrRecordTooLong is the error of a CSV record longer than MaxRecord.
var ErrRecordTooLong = fmt.Errorf("longer than %d KiB, which no row of a CSV export is (is this a CSV file?)", MaxRecord>>10)

// tap passes a file's bytes to a CSV reader and keeps those of the
// record being read, so that a row's text can be kept verbatim, with
// bounded memory: it refuses to hold more than a record of MaxRecord
// bytes and what the CSV reader reads ahead.
type tap struct {
	r     io.Reader
	base  int64  // the offset of buf[0] in the input
	buf   []byte // the input from base to what the CSV reader has read
	lines int    // line ends before base
	err   error  // a record too long, once seen
}

// readAhead is at most how much a CSV reader reads beyond its record (the
// size of its bufio.Reader).
const readAhead = 4096

func (t *tap) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	room := MaxRecord + readAhead - len(t.buf)
	if room <= 0 {
		t.err = &RowError{Line: t.lines + 1, Err: ErrRecordTooLong}
		return 0, t.err
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// span returns the bytes of the input between two offsets still held.
func (t *tap) span(from, to int64) []byte { return t.buf[from-t.base : to-t.base] }

// release forgets the input before offset upto.
func (t *tap) release(upto int64) {
	n := int(upto - t.base)
	t.lines += bytes.Count(t.buf[:n], []byte{'\n'})
	t.buf = t.buf[:copy(t.buf, t.buf[n:])]
	t.base = upto
}

// recordReader reads CSV records, each with its raw text and its line.
type recordReader struct {
	tap *tap
	r   *csv.Reader
}

func newRecordReader(r io.Reader, delim rune) *recordReader {
	t := &tap{r: r}
	c := csv.NewReader(t)
	c.Comma = delim
	c.FieldsPerRecord = -1
	c.ReuseRecord = false
	return &recordReader{tap: t, r: c}
}

// next returns the next record, its text without its line end, and the
// line it starts on. The text is valid until the next call. Its error is
// a *RowError (a record too long, a quote left open), io.EOF at the end,
// or the input's own.
func (c *recordReader) next() (rec []string, raw []byte, line int, err error) {
	start := c.r.InputOffset()
	c.tap.release(start)
	rec, err = c.r.Read()
	if c.tap.err != nil {
		return nil, nil, 0, c.tap.err
	}
	if c.r.InputOffset()-start > MaxRecord {
		return nil, nil, 0, &RowError{Line: c.tap.lines + 1 + leadingLines(c.tap.span(start, c.r.InputOffset())), Err: ErrRecordTooLong}
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, 0, &RowError{Line: pe.StartLine, Err: pe.Err}
		}
		return nil, nil, 0, err
	}
	line, _ = c.r.FieldPos(0)
	raw = bytes.TrimRight(c.tap.span(start, c.r.InputOffset()), "\r\n")
	// Blank lines before the record are part of the span: drop them.
	raw = bytes.TrimLeft(raw, "\r\n")
	return rec, raw, line, nil
}

// leadingLines counts the blank lines a record's span starts with.
func leadingLines(span []byte) int {
	return bytes.Count(span[:len(span)-len(bytes.TrimLeft(span, "\r\n"))], []byte{'\n'})
}

// quote quotes a cell of a file for a message, cut to a length a message
// can hold.
func quote(s string) string { return strconv.Quote(sanitize.Cut(s, 60)) }

// recentKeys is how many rows back a CSV reader remembers the ids it gave,
// to number two readings in one minute and to tell a repeated row. Exports
// are in time order, so the rows of a minute are together; further apart,
// the store decides (the same row again is a duplicate, another reading
// under a known id is kept beside it).
const recentKeys = 16384

// recent remembers the last recentKeys keys given to put, and a value
// for each: memory stays bounded however long the file.
type recent[V any] struct {
	m     map[string]V
	order []string // the keys, oldest at next once full
	next  int
}

func (r *recent[V]) get(k string) (V, bool) {
	v, ok := r.m[k]
	return v, ok
}

func (r *recent[V]) put(k string, v V) {
	if r.m == nil {
		r.m = map[string]V{}
	}
	if _, ok := r.m[k]; !ok {
		if len(r.order) < recentKeys {
			r.order = append(r.order, k)
		} else {
			delete(r.m, r.order[r.next])
			r.order[r.next] = k
			r.next = (r.next + 1) % recentKeys
		}
	}
	r.m[k] = v
}
