package fhir

// Reading a FHIR document as a stream: a Bundle's entries one at a time,
// mapped and handed on page by page, so that memory holds one entry and
// one page of readings whatever the file's size.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"vitals/health"
)

// Limits of ReadPages, when StreamOptions leaves them zero.
const (
	// DefaultMaxValue bounds one JSON value held whole: a Bundle entry, a
	// lone resource, or any other element of a Bundle. Public health
	// records' largest entries (a claim, a document reference) are under
	// 100 KB.
	DefaultMaxValue = 8 << 20
	// DefaultPageSize is how many readings a page holds at most: a few
	// megabytes, and few enough pages that a store's cost per page does
	// not count.
	DefaultPageSize = 5000
	// DefaultPageBytes bounds the raw payloads a page holds.
	DefaultPageBytes = 4 << 20
)

// StreamOptions are the mapping's Options and the limits of a stream.
type StreamOptions struct {
	Options
	MaxValue  int // bytes of one JSON value held whole; 0: DefaultMaxValue
	PageSize  int // readings per page; 0: DefaultPageSize
	PageBytes int // raw payload bytes per page; 0: DefaultPageBytes
}

// A Sink takes the pages of readings ReadPages maps.
type Sink interface {
	// Page takes one page of readings. An error stops the reading.
	Page(health.Batch) error
	// Reset forgets every page given so far: the document said, after its
	// entries, something that changes their readings (a Bundle's
	// meta.source or identifier written after its entries), and they are
	// read again.
	Reset() error
}

// Document is what ReadPages read, besides the readings.
type Document struct {
	ResourceType string // "Bundle", "Observation", ...
	BundleType   string // a Bundle's type ("collection", "searchset"); "" when it has none
	Entries      int    // a Bundle's entries
	// Ignored counts what the document held that vitals does not store,
	// by description, as MapResource does.
	Ignored map[string]int
}

// ErrTooLarge is a JSON value larger than StreamOptions.MaxValue.
var ErrTooLarge = errors.New("too large")

// ReadPages reads one FHIR R4 resource from r, a Bundle of any type or a
// single resource, and hands its readings to sink page by page. A
// Bundle's entries are read one at a time, so memory holds one entry and
// one page whatever the size of r; a lone resource is read whole. Each
// value held whole (an entry, a lone resource) may be at most
// opt.MaxValue bytes. ctx is checked between entries.
//
// Errors are those of MapResource: a *DecodeError for JSON that does not
// parse (with its line and column in r), an *EntryError naming the entry
// and element at fault. r is read again from the start to find a line,
// and when a Bundle's meta or identifier follows its entries.
func ReadPages(ctx context.Context, r io.ReadSeeker, opt StreamOptions, sink Sink) (*Document, error) {
	if opt.MaxValue <= 0 {
		opt.MaxValue = DefaultMaxValue
	}
	if opt.PageSize <= 0 {
		opt.PageSize = DefaultPageSize
	}
	if opt.PageBytes <= 0 {
		opt.PageBytes = DefaultPageBytes
	}
	s := &stream{ctx: ctx, r: r, opt: opt, sink: sink}
	doc, err := s.read(nil)
	var late *lateHead
	if errors.As(err, &late) {
		// The Bundle named its source after its entries: read them again
		// knowing it.
		if err := sink.Reset(); err != nil {
			return nil, err
		}
		doc, err = s.read(late.head)
	}
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) && de.Line == 0 {
			de.Line, de.Column = s.position(de.offset)
		}
		return nil, err
	}
	return doc, nil
}

// bundleHead is what a Bundle says of all its entries: where they come
// from, and the namespace of their ids.
type bundleHead struct {
	meta       *Meta
	identifier *Identifier
}

// lateHead is a Bundle's head found after its entries were mapped without
// it.
type lateHead struct{ head *bundleHead }

func (*lateHead) Error() string { return "fhir: the Bundle's meta or identifier follows its entries" }

// stream is one reading of a document.
type stream struct {
	ctx  context.Context
	r    io.ReadSeeker
	opt  StreamOptions
	sink Sink

	lr  *limitReader
	dec *json.Decoder
	m   *mapper
}

// limitReader lets the decoder read at most up to an offset of the input,
// which bounds the value it holds.
type limitReader struct {
	r     io.Reader
	read  int64 // bytes read so far
	limit int64 // the decoder may not read past this offset
}

func (l *limitReader) Read(p []byte) (int, error) {
	room := l.limit - l.read
	if room <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// bound lets the decoder hold one more value of at most MaxValue bytes,
// starting where it stands.
func (s *stream) bound() {
	s.lr.limit = s.dec.InputOffset() + int64(s.opt.MaxValue) + 1
}

// read reads the document from the start; head, when known, is the root
// Bundle's head.
func (s *stream) read(head *bundleHead) (*Document, error) {
	if _, err := s.r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("fhir: read: %w", err)
	}
	s.lr = &limitReader{r: s.r}
	s.dec = json.NewDecoder(s.lr)
	s.m = newMapper(s.opt.Options)
	doc := &Document{Ignored: s.m.ignored}

	s.bound()
	tok, err := s.dec.Token()
	if err != nil {
		return nil, s.jsonError(err, 0)
	}
	if tok != json.Delim('{') {
		return nil, &DecodeError{offset: 0, Err: errors.New("not a JSON object: a FHIR resource is one")}
	}
	var (
		seen  bool       // entries were mapped
		known = head     // the head the entries were mapped with
		found bundleHead // the head as the document says it
	)
	if head != nil {
		s.applyHead(head)
	}
	for {
		s.bound()
		start := s.dec.InputOffset()
		if !s.dec.More() {
			break
		}
		tok, err := s.dec.Token()
		if err != nil {
			return nil, s.jsonError(err, start)
		}
		key, _ := tok.(string)
		switch key {
		case "resourceType":
			if err := s.value(&doc.ResourceType, key); err != nil {
				return nil, err
			}
			if doc.ResourceType != "Bundle" && doc.ResourceType != "" {
				// A single resource: read it whole.
				if seen {
					if err := s.sink.Reset(); err != nil {
						return nil, err
					}
				}
				return s.single(doc)
			}
		case "type":
			if err := s.value(&doc.BundleType, key); err != nil {
				return nil, err
			}
		case "meta":
			if err := s.value(&found.meta, key); err != nil {
				return nil, err
			}
		case "identifier":
			if err := s.value(&found.identifier, key); err != nil {
				return nil, err
			}
		case "entry":
			if head == nil && changed(known, &found) {
				h := found
				known = &h
				s.applyHead(known)
			}
			n, err := s.entries(doc.Entries)
			if err != nil {
				return nil, err
			}
			doc.Entries, seen = n, seen || n > 0
		default:
			var skip json.RawMessage
			if err := s.value(&skip, key); err != nil {
				return nil, err
			}
		}
	}
	start := s.dec.InputOffset()
	if _, err := s.dec.Token(); err != nil { // the closing brace
		return nil, s.jsonError(err, start)
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	if doc.ResourceType == "" {
		return nil, &EntryError{Err: errors.New("no resourceType: not a FHIR resource")}
	}
	switch {
	case head != nil && changed(head, &found):
		return nil, errors.New("fhir: the Bundle's head changed between two readings of it")
	case head == nil && seen && changed(known, &found):
		return nil, &lateHead{head: &found}
	}
	if err := s.emit(true); err != nil {
		return nil, err
	}
	return doc, nil
}

// changed reports whether the head the entries were mapped with (nil:
// none) differs from the one found, in what it means to them.
func changed(known *bundleHead, found *bundleHead) bool {
	var k bundleHead
	if known != nil {
		k = *known
	}
	return source(k.meta) != source(found.meta) || ident(k.identifier) != ident(found.identifier)
}

func source(m *Meta) string {
	if m == nil {
		return ""
	}
	return m.Source
}

func ident(id *Identifier) Identifier {
	if id == nil {
		return Identifier{}
	}
	return *id
}

// applyHead makes the root Bundle's head the origin and id scope of its
// entries, as mapper.bundle does for a Bundle held whole.
func (s *stream) applyHead(h *bundleHead) {
	m := s.m
	m.origin, m.scope = s.opt.Origin, s.opt.IDScope
	if h.meta != nil && h.meta.Source != "" {
		m.origin = unescapeSource(h.meta.Source)
	}
	if s.opt.IDScope != "" {
		switch {
		case h.meta != nil && h.meta.Source != "":
			m.scope = "source:" + m.origin
		case h.identifier != nil && h.identifier.Value != "":
			m.scope = "bundle:" + h.identifier.System + "|" + h.identifier.Value
		}
	}
}

// value decodes the value of a root element into v.
func (s *stream) value(v any, key string) error {
	s.bound()
	start := s.dec.InputOffset()
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return s.jsonError(err, start)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := key
			if te.Field != "" {
				field += "." + te.Field
			}
			return &EntryError{Resource: s.resource(key), Field: field, Err: typeMismatch(te)}
		}
		return &EntryError{Resource: s.resource(key), Field: key, Err: err}
	}
	return nil
}

// resource names the resource an element of the root is in, for errors:
// the Bundle's, but for resourceType, which says what the resource is.
func (s *stream) resource(key string) string {
	if key == "resourceType" {
		return ""
	}
	return "Bundle"
}

// entries maps the elements of the root Bundle's entry array, numbered
// from first, and returns the number of entries read so far.
func (s *stream) entries(first int) (int, error) {
	s.bound()
	start := s.dec.InputOffset()
	tok, err := s.dec.Token()
	if err != nil {
		return first, s.jsonError(err, start)
	}
	if tok == nil {
		return first, nil // "entry": null
	}
	if tok != json.Delim('[') {
		return first, &EntryError{Resource: "Bundle", Field: "entry", Err: fmt.Errorf("is a JSON %s, want an array", tokenKind(tok))}
	}
	i := first
	for {
		s.bound()
		if !s.dec.More() {
			break
		}
		if i%64 == 0 {
			if err := s.ctx.Err(); err != nil {
				return i, err
			}
		}
		path := fmt.Sprintf("entry[%d]", i)
		start := s.dec.InputOffset()
		var e BundleEntry
		if err := s.dec.Decode(&e); err != nil {
			var te *json.UnmarshalTypeError
			switch {
			case errors.Is(err, ErrTooLarge):
				return i, &EntryError{Path: path, Err: fmt.Errorf("larger than %d MiB: vitals reads entries of up to %d MiB", s.opt.MaxValue>>20, s.opt.MaxValue>>20)}
			case errors.As(err, &te):
				return i, s.m.entryError(path, "", err)
			}
			return i, s.jsonError(err, start)
		}
		s.m.entry = i
		if err := s.m.resource(e.Resource, path, e.FullURL); err != nil {
			return i, err
		}
		i++
		if s.m.full(s.opt.PageSize, s.opt.PageBytes) {
			if err := s.emit(false); err != nil {
				return i, err
			}
		}
	}
	s.bound()
	start = s.dec.InputOffset()
	if _, err := s.dec.Token(); err != nil { // the closing bracket
		return i, s.jsonError(err, start)
	}
	return i, nil
}

// single maps a document that is one resource, not a Bundle: read again
// from the start, whole.
func (s *stream) single(doc *Document) (*Document, error) {
	if _, err := s.r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("fhir: read: %w", err)
	}
	s.lr = &limitReader{r: s.r}
	s.dec = json.NewDecoder(s.lr)
	s.m = newMapper(s.opt.Options)
	doc.Ignored, doc.BundleType, doc.Entries = s.m.ignored, "", 0
	s.bound()
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, &EntryError{Resource: doc.ResourceType, Err: fmt.Errorf("larger than %d MiB: vitals reads resources of up to %d MiB outside a Bundle", s.opt.MaxValue>>20, s.opt.MaxValue>>20)}
		}
		return nil, s.jsonError(err, 0)
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	if err := s.m.resource(raw, "", ""); err != nil {
		return nil, err
	}
	if err := s.emit(true); err != nil {
		return nil, err
	}
	return doc, nil
}

// end checks that nothing but white space follows the document.
func (s *stream) end() error {
	s.bound()
	start := s.dec.InputOffset()
	_, err := s.dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	// The first character after white space is at fault.
	off, c := start+1, byte(' ')
	if _, err := s.r.Seek(start, io.SeekStart); err == nil {
		buf := make([]byte, 4<<10)
		n, _ := io.ReadFull(s.r, buf)
		if i := bytes.IndexFunc(buf[:n], func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
			off, c = start+int64(i)+1, buf[i]
		}
	}
	return &DecodeError{offset: off, Err: fmt.Errorf("invalid character %s after top-level value", quoteChar(c))}
}

// quoteChar quotes a character as encoding/json's errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(c))
	return "'" + q[1:len(q)-1] + "'"
}

// emit hands the mapped readings to the sink: a full page, or (last) all
// that is left.
func (s *stream) emit(last bool) error {
	b := s.m.flush(last)
	if b.Len() == 0 {
		return nil
	}
	return s.sink.Page(b)
}

// jsonError describes an error of the decoder in the value that starts
// at offset start: JSON that does not parse (at an offset turned into a
// line and column later), a value too large, or the reader's own error.
func (s *stream) jsonError(err error, start int64) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder's offsets are not those of the input: find the
		// character at fault in the value again.
		return &DecodeError{offset: s.locate(start, se.Offset), Err: errors.New(se.Error())}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &DecodeError{offset: s.lr.read, Err: errors.New("unexpected end of JSON input")}
	case errors.Is(err, ErrTooLarge):
		return &DecodeError{offset: start + 1,
			Err: fmt.Errorf("a JSON value larger than %d MiB: vitals holds at most %d MiB of a file at a time", s.opt.MaxValue>>20, s.opt.MaxValue>>20)}
	}
	return err
}

// locate finds the offset of a syntax error in the value that starts at
// offset start, by parsing it again on its own; fallback is the offset the
// decoder gave.
func (s *stream) locate(start, fallback int64) int64 {
	end, err := s.r.Seek(0, io.SeekEnd)
	if err != nil {
		return fallback
	}
	if _, err := s.r.Seek(start, io.SeekStart); err != nil {
		return fallback
	}
	buf := make([]byte, min(int64(s.opt.MaxValue)+1, max(end-start, 0)))
	n, _ := io.ReadFull(s.r, buf)
	buf = bytes.TrimRight(buf[:n], " \t\r\n")
	var v any
	dec := json.NewDecoder(bytes.NewReader(buf))
	err = dec.Decode(&v)
	if err == nil {
		// The value parses: what follows it is at fault.
		rest := buf[dec.InputOffset():]
		return start + dec.InputOffset() + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n"))) + 1
	}
	if err := json.Unmarshal(buf, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return start + se.Offset
		}
	}
	return fallback
}

// position finds the 1-based line and column of a byte offset of r.
func (s *stream) position(off int64) (line, col int) {
	line, col = 1, 1
	if _, err := s.r.Seek(0, io.SeekStart); err != nil {
		return 0, 0
	}
	buf := make([]byte, min(off, 64<<10)+1)
	var read int64
	lineStart := int64(0)
	for read < off {
		n, err := s.r.Read(buf[:min(int64(len(buf)), off-read)])
		for i, c := range buf[:n] {
			if c == '\n' {
				line++
				lineStart = read + int64(i) + 1
			}
		}
		read += int64(n)
		if err != nil {
			break
		}
	}
	col = int(off - lineStart)
	if col < 1 {
		col = 1
	}
	return line, col
}

// tokenKind names the JSON kind of a token other than a delimiter.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	case json.Delim:
		return "object"
	}
	return "value"
}
