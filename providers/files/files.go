// Package files reads readings from files a person has: FHIR R4 JSON (a
// Bundle of any type, or a single resource), Omron Connect CSV exports in
// their three known layouts, and vitals' own CSV exports. The format is
// told by the content, not by the file name.
//
// Files are read as streams: a CSV line by line, a Bundle entry by entry,
// and their readings are handed on a page at a time, so memory holds one
// page of readings and a bounded part of the file whatever its size.
// Import stores the pages of one file in one store import: a file goes in
// whole or not at all, importing it again changes nothing, and a
// cancelled context leaves the database as it was.
package files

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	_ "time/tzdata" // CSV rows name IANA zones; resolve them on systems without a zone database

	"vitals/fhir"
	"vitals/health"
	"vitals/store"
)

// Options change how files are read.
type Options struct {
	// Zone is the wall-clock zone of CSV rows that name none. Nil means
	// the local zone.
	Zone *time.Location
	// Now is the time readings are checked against: a reading dated after
	// Now (plus health.FutureAllowance) or before 1900 is refused. Zero
	// means the time the reading starts.
	Now time.Time
	// PageSize is how many readings are handed on at a time (and at most
	// fhir.DefaultPageBytes of their raw payloads); 0 means
	// fhir.DefaultPageSize.
	PageSize int
	// Progress, when set, is told how far the reading has gone, after
	// every read from the file and every page stored. It is called from
	// the goroutine that reads, and must be quick.
	Progress func(Progress)
}

// Progress is how far a file's reading has gone.
type Progress struct {
	Bytes    int64 // of the file's content read
	Size     int64 // the content's size
	Readings int   // readings read (and, in Import, stored)
}

// File is what was read from one file.
type File struct {
	Name   string // as given (a path, or "stdin")
	Format string // what it was read as, for people
	Size   int64  // bytes of content
	SHA256 string // of the content, hex
	// Readings is how many readings the file held; Counts gives them by
	// kind.
	Readings int
	Counts   map[health.Kind]int
	Ignored  map[string]int // what it held that vitals does not store, by description
	// Zone is the zone zone-less CSV rows were read in; nil when no row
	// needed one.
	Zone *time.Location
	// Severe holds the earliest few blood-pressure readings above
	// 180/120 mmHg (at most SevereKept), SevereCount how many there were.
	Severe      []health.BloodPressure
	SevereCount int

	// Batch holds the readings when the file was read by Read or
	// ReadFile. Import stores them page by page and leaves it empty.
	Batch health.Batch
	// ImportID is the store's id of the import (vitals import --undo ID);
	// 0 when the file added nothing, so the store kept no record of it.
	ImportID int64
	// Result is what the store did with the readings (Import only).
	Result store.Result
}

// SevereKept is how many readings above 180/120 mmHg a File names.
const SevereKept = 3

// Error is a file that could not be read: the file is at fault (its
// content, or its path). Err says where: a *RowError (CSV line and
// column), a *fhir.EntryError (bundle entry and element) or a
// *fhir.DecodeError (JSON line and column). Errors of Import that are not
// an *Error (the database, a full disk, an interruption) are not the
// file's fault.
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return e.File + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrUnrecognized is returned (inside an *Error) for a file that is
// neither FHIR JSON nor an Omron Connect or vitals CSV export.
var ErrUnrecognized = errors.New("unrecognised format")

// unwrapPath drops the path an *os.PathError repeats, since Error names
// the file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Store is where Import keeps a file's readings; DB makes one of a
// *store.DB.
type Store interface {
	// BeginImport starts one file's import for a profile.
	BeginImport(ctx context.Context, profileID int64, name, sha256 string) (Tx, error)
}

// Tx is one file's import under way, as *store.Import does it: pages
// added, then all of them kept (Commit) or none (Rollback).
type Tx interface {
	ID() int64
	Add(health.Batch) (store.Result, error)
	Commit() (store.Result, error)
	Rollback() error
}

// DB is the Store of a database.
func DB(db *store.DB) Store { return storeDB{db} }

type storeDB struct{ db *store.DB }

func (s storeDB) BeginImport(ctx context.Context, profileID int64, name, sha256 string) (Tx, error) {
	im, err := s.db.BeginImport(ctx, profileID, name, sha256)
	if err != nil {
		return nil, err
	}
	return im, nil
}

// Import reads the file at path ("-" reads stdin) and stores its readings
// for a profile, a page at a time, in one import: all of them, or, when
// anything fails or ctx is cancelled, none, and no trace of the import.
// profile gives the profile's id when the first page is stored: a file
// without readings stores nothing and needs none. A file with no
// readings returns a File with no ImportID.
//
// An error that is an *Error is the file's fault; any other (the store,
// a full disk, an interruption, which wraps context.Canceled) is not.
func Import(ctx context.Context, db Store, profile func(context.Context) (int64, error), path string, stdin io.Reader, opt Options) (*File, error) {
	in, err := openInput(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	defer in.close()
	p := newPager(ctx, in, opt)
	p.begin = func() (Tx, error) {
		id, err := profile(ctx)
		if err != nil {
			return nil, err
		}
		return db.BeginImport(ctx, id, path, p.file.SHA256)
	}
	if err := p.read(); err != nil {
		if p.tx != nil {
			p.tx.Rollback()
		}
		return nil, p.fail(err)
	}
	f := p.file
	if p.tx == nil {
		return f, nil
	}
	res, err := p.tx.Commit()
	if err != nil {
		return nil, p.fail(&storeError{err})
	}
	f.Result = res
	// The store keeps a record of an import that added rows (new
	// measurements, new routes to held ones, readings kept beside another
	// under one id) and drops any other.
	if t := res.Total(); t.Added+t.Held+t.Kept > 0 {
		f.ImportID = p.tx.ID()
	}
	return f, nil
}

// ReadFile reads the whole file at path into memory ("-" reads stdin).
// Import reads a file without holding it.
func ReadFile(path string, stdin io.Reader, opt Options) (*File, error) {
	in, err := openInput(context.Background(), path, stdin)
	if err != nil {
		return nil, err
	}
	defer in.close()
	return readAll(in, opt)
}

// Read reads one file's content into memory; name is used in messages and
// as the origin of FHIR readings that do not name their own.
func Read(name string, data []byte, opt Options) (*File, error) {
	in, err := inputOf(name, data)
	if err != nil {
		return nil, err
	}
	return readAll(in, opt)
}

func readAll(in *input, opt Options) (*File, error) {
	p := newPager(context.Background(), in, opt)
	p.keep = true
	if err := p.read(); err != nil {
		return nil, p.fail(err)
	}
	return p.file, nil
}

// pager reads one input and takes its pages of readings: it checks every
// reading, notes what the import says of them, and stores them (Import)
// or keeps them (Read).
type pager struct {
	ctx  context.Context
	in   *input
	opt  Options
	now  time.Time
	file *File

	keep  bool               // keep the readings in file.Batch
	begin func() (Tx, error) // start the store's import, at the first page
	tx    Tx
	pos   int64 // bytes of content read
}

func newPager(ctx context.Context, in *input, opt Options) *pager {
	p := &pager{ctx: ctx, in: in, opt: opt, now: opt.Now,
		file: &File{Name: in.name, Size: in.size, SHA256: hex.EncodeToString(in.sum[:]), Counts: map[health.Kind]int{}}}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	if p.opt.PageSize <= 0 {
		p.opt.PageSize = fhir.DefaultPageSize
	}
	return p
}

// read reads the input by its format.
func (p *pager) read() error {
	src := &source{ctx: p.ctx, r: p.in.content()}
	if p.opt.Progress != nil {
		src.onRead = func(pos int64) {
			p.pos = pos
			p.progress()
		}
	}
	switch p.in.first {
	case '{':
		return p.readFHIR(src)
	case '[':
		return fmt.Errorf("%w: a JSON array; vitals reads a FHIR R4 Bundle or a single FHIR resource (an object with \"resourceType\")", ErrUnrecognized)
	case '<':
		return fmt.Errorf("%w: XML; vitals reads FHIR R4 as JSON, not XML", ErrUnrecognized)
	}
	if k, ok, err := vitalsKind(p.in.content()); err != nil {
		return err
	} else if ok {
		return p.readVitalsCSV(src, k)
	}
	return p.readOmronCSV(src)
}

func (p *pager) readFHIR(src *source) error {
	// A file's resource ids are unique only within their source; the file
	// itself is the source of those that name none, identified by its
	// content (a name is often reused, and stdin has none), so the same
	// file imported again is the same keys.
	scope := "sha256:" + hex.EncodeToString(p.in.sum[:12])
	opt := fhir.StreamOptions{
		Options:  fhir.Options{Origin: filepath.Base(p.in.name), IDScope: scope, Strict: true, Now: p.now},
		PageSize: p.opt.PageSize,
	}
	doc, err := fhir.ReadPages(p.ctx, src, opt, p)
	if err != nil {
		return err
	}
	p.file.Format = "FHIR R4 " + doc.ResourceType
	if doc.ResourceType == "Bundle" {
		typ := doc.BundleType
		if typ == "" {
			typ = "untyped"
		}
		p.file.Format = fmt.Sprintf("FHIR R4 Bundle (%s, %d %s)", typ, doc.Entries, health.Plural(doc.Entries, "entry", "entries"))
	}
	p.file.Ignored = doc.Ignored
	return nil
}

// Page takes one page of readings (fhir.Sink).
func (p *pager) Page(b health.Batch) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	// Every reading is checked here whatever read it; the readers have
	// named the line or entry of what they refuse already.
	if err := b.Check(p.now); err != nil {
		return err
	}
	p.note(b)
	if p.keep {
		p.file.Batch.Append(b)
		return nil
	}
	if p.tx == nil {
		tx, err := p.begin()
		if err != nil {
			return &storeError{err}
		}
		p.tx = tx
	}
	if _, err := p.tx.Add(b); err != nil {
		return &storeError{err}
	}
	p.progress()
	return nil
}

func (p *pager) progress() {
	if p.opt.Progress != nil {
		p.opt.Progress(Progress{Bytes: p.pos, Size: p.in.size, Readings: p.file.Readings})
	}
}

// Reset forgets the pages taken so far (fhir.Sink).
func (p *pager) Reset() error {
	f := p.file
	f.Readings, f.Counts, f.Severe, f.SevereCount, f.Batch = 0, map[health.Kind]int{}, nil, 0, health.Batch{}
	if p.tx == nil {
		return nil
	}
	err := p.tx.Rollback()
	p.tx = nil
	if err != nil {
		return &storeError{err}
	}
	return nil
}

// note counts a page's readings and keeps the earliest above 180/120.
func (p *pager) note(b health.Batch) {
	f := p.file
	f.Readings += b.Len()
	for k, n := range b.Counts() {
		if n > 0 {
			f.Counts[k] += n
		}
	}
	for _, r := range b.BloodPressure {
		if !r.HasPressures() || !health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0)) {
			continue
		}
		f.SevereCount++
		r.Raw = nil
		i, _ := slices.BinarySearchFunc(f.Severe, r, func(a, b health.BloodPressure) int { return a.Time.Compare(b.Time) })
		if i < SevereKept {
			f.Severe = slices.Insert(f.Severe, i, r)
			if len(f.Severe) > SevereKept {
				f.Severe = f.Severe[:SevereKept]
			}
		}
	}
}

// storeError is an error of the store: not the file's fault.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// fail gives an error of reading the file its final form: an
// interruption, the store's error, or an *Error naming the file.
func (p *pager) fail(err error) error {
	var (
		se *storeError
		fe *Error
	)
	switch {
	case p.ctx.Err() != nil:
		return interrupted(p.ctx, p.in.name)
	case errors.As(err, &fe):
		return err
	case errors.As(err, &se):
		return fmt.Errorf("%s: store the readings: %w", p.in.name, se.err)
	}
	return &Error{File: p.in.name, Err: err}
}

// page gathers a CSV file's readings into pages for the pager.
type page struct {
	p     *pager
	b     health.Batch
	bytes int // raw payload bytes in b
}

// added notes a reading just appended to the page's batch, with its raw
// payload's size, and hands the page on when it is full.
func (pg *page) added(raw int) error {
	pg.bytes += raw
	if pg.b.Len() < pg.p.opt.PageSize && pg.bytes < fhir.DefaultPageBytes {
		return nil
	}
	return pg.flush()
}

func (pg *page) flush() error {
	if pg.b.Len() == 0 {
		return nil
	}
	b := pg.b
	pg.b, pg.bytes = health.Batch{}, 0
	return pg.p.Page(b)
}
