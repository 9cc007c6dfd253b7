// Package store keeps vitals' data in one SQLite file through the pure-Go
// modernc.org/sqlite driver: profiles, source accounts and their secrets,
// readings of every kind, and sync cursors.
//
// Writes go through one connection (SQLite allows one writer at a time);
// reads have their own pool, so a sync in progress never freezes a screen.
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
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"vitals/seal"
)

// ErrNotFound is returned when a profile, account or cursor does not exist.
var ErrNotFound = errors.New("not found")

// Options change how a database is opened.
type Options struct {
	// Keyring keeps OAuth secrets in the OS keyring when one answers;
	// without it (and whenever the keyring fails) they are kept in the
	// database file, which is only readable by its owner.
	Keyring bool
	// ReadOnly opens the file for reading only (offline viewing of a copy).
	ReadOnly bool
	// SealKey returns the keyring that encrypts the secrets kept in the
	// database (when the OS keyring is not used or does not answer). It is
	// called when a secret is first saved (create true: make a key if
	// there is none) or first read (create false), and its result is
	// kept. Nil keeps secrets in plain form, protected only by the file's
	// permissions.
	SealKey func(create bool) (*seal.Keyring, error)
}

// DB is an open vitals database.
type DB struct {
	path    string
	w       *sql.DB // one connection: SQLite has one writer at a time
	r       *sql.DB // readers, which WAL lets run beside the writer
	keyring keyring
	sealKey func(create bool) (*seal.Keyring, error) // nil: secrets in the database are kept plain

	sealMu sync.Mutex
	seal   *seal.Keyring // from sealKey, once it has given one
	uid    string        // this database's random id, used to name keyring entries
	now    func() time.Time
}

// Open opens (creating it if needed) the database at path and brings its
// schema up to date. A new file is created readable by its owner only, in
// a folder only its owner can enter.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	if !opt.ReadOnly {
		if err := createPrivate(path); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{path: path, now: time.Now}
	var err error
	if db.w, err = sql.Open("sqlite", dsn(path, opt.ReadOnly, true)); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetConnMaxLifetime(0)
	if db.r, err = sql.Open("sqlite", dsn(path, true, false)); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.r.SetMaxOpenConns(4)
	if !opt.ReadOnly {
		if err := db.migrate(ctx); err != nil {
			db.Close()
			if notADatabase(err) {
				return nil, fmt.Errorf("store: %s is not a vitals database (SQLite cannot read it): check the path, or move the file aside", path)
			}
			return nil, fmt.Errorf("store: %s: %w", path, err)
		}
	}
	if err := db.loadUID(ctx, opt.ReadOnly); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if opt.Keyring {
		db.keyring = newOSKeyring()
	}
	db.sealKey = opt.SealKey
	return db, nil
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
func dsn(path string, readOnly, writer bool) string {
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

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

func (db *DB) loadUID(ctx context.Context, readOnly bool) error {
	err := db.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'uid'`).Scan(&db.uid)
	if err == nil || readOnly {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read database id: %w", err)
	}
	db.uid = randomID(8)
	_, err = db.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('uid', ?)`, db.uid)
	return err
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// tx runs f in one write transaction, committed when f returns nil.
func (db *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
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
