// Package store keeps vitals' data: profiles, source accounts and their
// secrets, readings of every kind, sync cursors and leases. It has one
// API and two backends, chosen by the location given to Open: a SQLite
// file (modernc.org/sqlite, pure Go), one person's database and the
// default; or a PostgreSQL database (pgx v5), a clinic's, shared by
// several hub processes and clinicians.
//
// Every statement is written once, in SQL both backends accept; the few
// things that differ (placeholders, the schema and its version, a bulk
// insert, locks) are the dialect's (dialect.go).
//
// On SQLite, writes go through one connection (SQLite allows one writer
// at a time); reads have their own pool, so a sync in progress never
// freezes a screen. On PostgreSQL one pool serves both.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"vitals/seal"
)

// ErrNotFound is returned when a profile, account or cursor does not exist.
var ErrNotFound = errors.New("not found")

// ErrReadOnly is returned by a write to a database opened read-only, or
// under a role that may only read it (a clinician's on PostgreSQL).
var ErrReadOnly = errors.New("the database is open read-only")

// Options change how a database is opened.
type Options struct {
	// Keyring keeps OAuth secrets in the OS keyring when one answers;
	// without it (and whenever the keyring fails) they are kept in the
	// database file, which is only readable by its owner. A PostgreSQL
	// database is shared by hubs on other machines: it never uses the
	// keyring.
	Keyring bool
	// ReadOnly opens the database for reading only (offline viewing of a
	// copy, a clinician's session).
	ReadOnly bool
	// SealKey returns the keyring that encrypts the secrets kept in the
	// database (when the OS keyring is not used or does not answer). It is
	// called when a secret is first saved (create true: make a key if
	// there is none) or first read (create false), and its result is
	// kept. Nil keeps secrets in plain form in a SQLite file, protected
	// only by the file's permissions; PostgreSQL refuses to keep a plain
	// secret (ErrPlainSecret).
	SealKey func(create bool) (*seal.Keyring, error)
}

// DB is an open vitals database.
type DB struct {
	location string // the file's path, or the URL without its password
	d        dialect
	w        handle // SQLite: one connection, as SQLite has one writer at a time
	r        handle // SQLite: readers, which WAL lets run beside the writer; PostgreSQL: w
	keyring  keyring
	sealKey  func(create bool) (*seal.Keyring, error) // nil: secrets in the database are kept plain
	readOnly bool                                     // opened read-only, or the role may not write
	secrets  bool                                     // the role may read the secrets table
	ackOnly  bool                                     // read-only, but the role may acknowledge alerts (a clinician's)
	shared   bool                                     // PostgreSQL: tokens are always sealed, never in a keyring

	sealMu sync.Mutex
	seal   *seal.Keyring // from sealKey, once it has given one
	uid    string        // this database's random id, used to name keyring entries
	now    func() time.Time
}

// IsPostgres reports whether a database location is a PostgreSQL URL
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgres(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// Open opens the database at location, creating it if needed, and brings
// its schema up to date. A location is a PostgreSQL URL (see IsPostgres),
// a file: URL, or a file's path. A new file is created readable by its
// owner only, in a folder only its owner can enter.
func Open(ctx context.Context, location string, opt Options) (*DB, error) {
	if IsPostgres(location) {
		return openPostgres(ctx, location, opt)
	}
	path, err := sqlitePath(location)
	if err != nil {
		return nil, err
	}
	return openSQLite(ctx, path, opt)
}

// sqlitePath is the file a SQLite location names: a path, or a file: URL.
func sqlitePath(location string) (string, error) {
	rest, ok := strings.CutPrefix(location, "file:")
	if !ok {
		return location, nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return "", fmt.Errorf("store: %s is not a file: URL: %w", location, err)
	}
	if u.Path != "" {
		return u.Path, nil
	}
	if u.Opaque != "" { // file:relative/path
		return u.Opaque, nil
	}
	return rest, nil
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if !opt.ReadOnly {
		if err := createPrivate(path); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := openSQLiteHandles(path, opt.ReadOnly, false)
	if err != nil {
		return nil, err
	}
	if opt.ReadOnly {
		db, err = readableInPlace(ctx, db, path)
		if err != nil {
			return nil, err
		}
	}
	if !opt.ReadOnly {
		if err := db.migrate(ctx); err != nil {
			db.Close()
			if notADatabase(err) {
				return nil, fmt.Errorf("store: %s is not a vitals database (SQLite cannot read it): check the path, or move the file aside", path)
			}
			return nil, fmt.Errorf("store: %s: %w", path, err)
		}
	}
	if err := db.loadUID(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if opt.Keyring {
		db.keyring = newOSKeyring()
	}
	db.sealKey = opt.SealKey
	return db, nil
}

// openSQLiteHandles opens the writer's and the readers' connections.
// Immutable tells SQLite that nobody can change the file while it is open,
// so it reads without the -shm file it would otherwise have to create.
func openSQLiteHandles(path string, readOnly, immutable bool) (*DB, error) {
	d := sqliteDialect{}
	db := &DB{location: path, d: d, now: time.Now, readOnly: readOnly, secrets: true}
	w, err := sql.Open("sqlite", dsn(path, readOnly, true, immutable))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	db.w = handle{w, d}
	r, err := sql.Open("sqlite", dsn(path, true, false, immutable))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	db.r = handle{r, d}
	return db, nil
}

// readableInPlace makes a read-only open work in a folder this user may
// not write to (a copy shared read-only, a mounted backup). SQLite reads
// a database in WAL mode through a -shm file beside it, which it cannot
// create there; when nothing is left in the -wal file, the database file
// alone is the whole database and is read as immutable. With writes still
// in the -wal file, reading the file alone would silently miss them, so
// the error says what to do instead.
func readableInPlace(ctx context.Context, db *DB, path string) (*DB, error) {
	var probe int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&probe)
	if err == nil || !readOnlyFolder(err) {
		return db, nil // other errors surface where the database is first read
	}
	db.Close()
	if fi, statErr := os.Stat(path + "-wal"); statErr == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("store: %s: its last writes are still in %s, which SQLite cannot read in a folder this user may not write to: copy both files to a folder you can write to, or open it once where it can be written", path, filepath.Base(path)+"-wal")
	}
	return openSQLiteHandles(path, true, true)
}

// readOnlyFolder reports the failures of a read-only folder: SQLite's
// SQLITE_READONLY family (a -shm it may not create) and SQLITE_CANTOPEN
// (the same, with a -wal file present); the database file itself was
// found before.
func readOnlyFolder(err error) bool {
	var ce interface{ Code() int }
	if !errors.As(err, &ce) {
		return false
	}
	code := ce.Code() & 0xff
	return code == 8 || code == 14
}

// notADatabase reports SQLite's SQLITE_NOTADB: the file is something else.
func notADatabase(err error) bool {
	var ce interface{ Code() int }
	return errors.As(err, &ce) && ce.Code() == 26
}

// dsn builds the driver's connection string: WAL so readers never wait for
// the writer, a busy timeout instead of instant "database is locked"
// errors, foreign keys on, and immediate write transactions so two writers
// never deadlock upgrading a read lock.
func dsn(path string, readOnly, writer, immutable bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if writer && !readOnly {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	}
	if readOnly {
		q.Set("mode", "ro")
	}
	if immutable {
		q.Set("immutable", "1")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// createPrivate makes the folder (0700) and an empty file (0600) before
// SQLite opens it; SQLite gives its -wal and -shm files the same mode.
func createPrivate(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: create folder %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	defer f.Close()
	// An existing file keeps its mode on open; tighten it, since it may
	// hold tokens.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("store: restrict %s: %w", path, err)
	}
	return nil
}

// Path is the database file's path, or its URL without the password:
// fit for messages and logs.
func (db *DB) Path() string { return db.location }

// Backend is "sqlite" or "postgres".
func (db *DB) Backend() string { return db.d.name() }

// ReadOnly reports whether writes are refused: the database was opened
// read-only, or (PostgreSQL) the role it was opened as may only read.
func (db *DB) ReadOnly() bool { return db.readOnly }

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.r.DB != nil && db.r.DB != db.w.DB {
		errs = append(errs, db.r.Close())
	}
	if db.w.DB != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

// writable refuses a write to a read-only database with a message that
// says what was refused.
func (db *DB) writable(what string) error {
	if db.readOnly {
		return fmt.Errorf("store: %s: %w", what, ErrReadOnly)
	}
	return nil
}

func (db *DB) loadUID(ctx context.Context) error {
	err := db.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'uid'`).Scan(&db.uid)
	if err == nil || db.readOnly {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read database id: %w", err)
	}
	// Two hubs starting on a new database may both get here: the one
	// that inserts second reads the first one's id.
	if _, err := db.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('uid', ?) ON CONFLICT (key) DO NOTHING`, randomID(8)); err != nil {
		return fmt.Errorf("record database id: %w", err)
	}
	return db.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'uid'`).Scan(&db.uid)
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// tx runs f in one write transaction, committed when f returns nil.
func (db *DB) tx(ctx context.Context, f func(*txn) error) error {
	if db.readOnly {
		return ErrReadOnly
	}
	return db.runTx(ctx, f)
}

// runTx runs f in a transaction on the writer, committed when f succeeds.
func (db *DB) runTx(ctx context.Context, f func(*txn) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}
