// Package files reads readings from files a person has: FHIR R4 JSON (a
// Bundle of any type, or a single resource) and Omron Connect CSV exports
// in their three known layouts. The format is told by the content, not by
// the file name. Import stores one file's readings in the profile's
// file-import account in one transaction: a file goes in whole or not at
// all, and importing it again changes nothing.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
}

// File is what was read from one file.
type File struct {
	Name    string // as given (a path, or "stdin")
	Format  string // what it was read as, for people
	Batch   health.Batch
	Ignored map[string]int // what it held that vitals does not store, by description
	// Zone is the zone zone-less CSV rows were read in; nil when no row
	// needed one.
	Zone *time.Location
}

// Error is a file that could not be read. Err says where: a *RowError (CSV
// line and column), a *fhir.EntryError (bundle entry and element) or a
// *fhir.DecodeError (JSON line and column).
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return e.File + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrUnrecognized is returned (inside an *Error) for a file that is
// neither FHIR JSON nor an Omron Connect CSV export.
var ErrUnrecognized = errors.New("unrecognised format")

// ReadFile reads the file at path. The name "-" reads standard input.
func ReadFile(path string, stdin io.Reader, opt Options) (*File, error) {
	var (
		data []byte
		err  error
		name = path
	)
	if path == "-" {
		name = "stdin"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("cannot read it: %w", unwrapPath(err))}
	}
	return Read(name, data, opt)
}

// unwrapPath drops the path an *os.PathError repeats, since Error names
// the file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// Read reads one file's content; name is used in messages and as the
// origin of FHIR readings that do not name their own.
func Read(name string, data []byte, opt Options) (*File, error) {
	data = bytes.TrimPrefix(data, bomUTF8)
	if bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE) {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again", ErrUnrecognized)}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: the file is empty", ErrUnrecognized)}
	}
	var (
		f   *File
		err error
	)
	switch trimmed[0] {
	case '{':
		f, err = readFHIR(name, data)
	case '[':
		err = fmt.Errorf("%w: a JSON array; vitals reads a FHIR R4 Bundle or a single FHIR resource (an object with \"resourceType\")", ErrUnrecognized)
	case '<':
		err = fmt.Errorf("%w: XML; vitals reads FHIR R4 as JSON, not XML", ErrUnrecognized)
	default:
		if k, ok := vitalsKind(data); ok {
			f, err = readVitalsCSV(data, k)
		} else {
			f, err = readOmronCSV(data, opt)
		}
	}
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	f.Name = name
	return f, nil
}

func readFHIR(name string, data []byte) (*File, error) {
	// A file's resource ids are unique only within their source; the file
	// itself is the source of those that name none, identified by its
	// content (a name is often reused, and stdin has none), so the same
	// file imported again is the same keys.
	sum := sha256.Sum256(data)
	scope := "sha256:" + hex.EncodeToString(sum[:12])
	b, ignored, err := fhir.MapResource(data, fhir.Options{Origin: filepath.Base(name), IDScope: scope})
	if err != nil {
		return nil, err
	}
	var head struct {
		ResourceType string            `json:"resourceType"`
		Type         string            `json:"type"`
		Entry        []json.RawMessage `json:"entry"`
	}
	_ = json.Unmarshal(data, &head) // it decoded once already
	format := "FHIR R4 " + head.ResourceType
	if head.ResourceType == "Bundle" {
		typ := head.Type
		if typ == "" {
			typ = "untyped"
		}
		format = fmt.Sprintf("FHIR R4 Bundle (%s, %d entries)", typ, len(head.Entry))
	}
	return &File{Format: format, Batch: b, Ignored: ignored}, nil
}

// Store is what Import needs of the store (*store.DB has it).
type Store interface {
	// LocalAccount returns the profile's account of a local provider,
	// creating it the first time.
	LocalAccount(ctx context.Context, profileID int64, p store.Provider) (store.Account, error)
	// Upsert stores a batch in one transaction: all of it or nothing.
	Upsert(ctx context.Context, profileID, accountID int64, b health.Batch) (store.Result, error)
}

var _ Store = (*store.DB)(nil)

// Import stores a file's readings for a profile in its file-import
// account, in one transaction: all of them or none. Readings already
// imported (same provider id) are updated only if they changed. A file
// with no readings changes nothing, not even the account list.
func Import(ctx context.Context, db Store, profileID int64, f *File) (store.Result, error) {
	if f.Batch.Len() == 0 {
		return store.Result{}, nil
	}
	acct, err := db.LocalAccount(ctx, profileID, store.ProviderFile)
	if err != nil {
		return nil, fmt.Errorf("import %s: find the file-import account: %w", f.Name, err)
	}
	res, err := db.Upsert(ctx, profileID, acct.ID, f.Batch)
	if err != nil {
		return nil, fmt.Errorf("import %s: store the readings: %w", f.Name, err)
	}
	return res, nil
}
