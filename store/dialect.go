package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dialect is what differs between SQLite and PostgreSQL, in one place.
// Every statement of the store is written once, in the SQL both accept,
// with ? placeholders; handle and txn rewrite them for the backend. What
// SQL cannot say the same way on both (the schema, its version, a bulk
// insert, locks) is a method here.
type dialect interface {
	// name is "sqlite" or "postgres": the folder of its migrations too.
	name() string
	// rebind rewrites a statement's ? placeholders for the backend.
	rebind(q string) string
	// schemaVersion reads the version of the schema the database holds
	// (0: none); setSchemaVersion records one inside a migration's
	// transaction.
	schemaVersion(ctx context.Context, h handle) (int, error)
	setSchemaVersion(ctx context.Context, tx *txn, v int) error
	// lockMigrations makes tx the only migrating one until it ends and
	// returns the version as it stands then.
	lockMigrations(ctx context.Context, tx *txn) (int, error)
	// uniqueViolation reports an error that is a UNIQUE constraint refusing
	// a row.
	uniqueViolation(err error) bool
	// lockProfile makes the transaction the only writer of a profile's
	// readings until it ends: identity (identity.go) reads a minute's
	// measurements and then links to them, which two concurrent writers
	// of one profile must not interleave.
	lockProfile(ctx context.Context, tx *txn, profileID int64) error
	// lockProfileFor is lockProfile for a write by one account, and reads
	// that account's provider with it: one round trip where a sync's
	// every page needs both.
	lockProfileFor(ctx context.Context, tx *txn, profileID, accountID int64) (Provider, error)
	// advisoryLock holds a lock named by key across every process of the
	// database until unlock is called (LockRefresh).
	advisoryLock(ctx context.Context, h handle, key int64) (unlock func(), err error)
	// insertNew inserts rows of one table that may already be there
	// (ON CONFLICT DO NOTHING) and returns the ids of the rows it added,
	// by their index in rows; see bulkInsert.
	insertNew(ctx context.Context, x *idTx, ins bulkInsert, rows [][]any) (map[int]int64, error)
	// insertInts inserts rows of integers into cols of table: one
	// statement a row where a statement is a function call (SQLite), one
	// for them all where it is a round trip (PostgreSQL).
	insertInts(ctx context.Context, x *idTx, table string, cols []string, rows [][]int64) error
	// bulkRows is the batch size from which an upsert reads what the
	// account holds in the batch's time range at once (upserter.stored)
	// rather than asking per reading.
	bulkRows() int
	// prepare readies q to run many times in tx (see stmt).
	prepare(ctx context.Context, tx *txn, q string) (stmt, error)
}

// stmt is a statement a transaction runs many times with different
// arguments. On SQLite it is prepared once for the transaction, which is
// free in process. On PostgreSQL preparing per transaction would cost two
// round trips (Parse, then Close) each time; pgx instead prepares each
// statement once per connection and keeps it (its statement cache), so
// the statement is simply run.
type stmt interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// txStmt is a statement run through its transaction each time, its
// placeholders already rewritten.
type txStmt struct {
	tx *sql.Tx
	q  string
}

func (s txStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return s.tx.ExecContext(ctx, s.q, args...)
}

func (s txStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, s.q, args...)
}

func (s txStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return s.tx.QueryRowContext(ctx, s.q, args...)
}

// handle is a pool of connections whose statements are written with ?
// placeholders.
type handle struct {
	*sql.DB
	d dialect
}

func (h handle) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return h.DB.ExecContext(ctx, h.d.rebind(q), args...)
}

func (h handle) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return h.DB.QueryContext(ctx, h.d.rebind(q), args...)
}

func (h handle) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return h.DB.QueryRowContext(ctx, h.d.rebind(q), args...)
}

// QueryRow, Query and Exec are the context-free forms, rebound too, so
// that no statement reaches the driver with the wrong placeholders.
func (h handle) QueryRow(q string, args ...any) *sql.Row {
	return h.QueryRowContext(context.Background(), q, args...)
}

func (h handle) Query(q string, args ...any) (*sql.Rows, error) {
	return h.QueryContext(context.Background(), q, args...)
}

func (h handle) Exec(q string, args ...any) (sql.Result, error) {
	return h.ExecContext(context.Background(), q, args...)
}

// BeginTx starts a transaction whose statements are rebound too.
func (h handle) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	tx, err := h.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, d: h.d}, nil
}

// txn is a transaction whose statements are written with ? placeholders.
type txn struct {
	*sql.Tx
	d dialect
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.d.rebind(q))
}

// dollarPlaceholders rewrites ? as $1, $2, ... outside quoted strings and
// identifiers, as PostgreSQL numbers its parameters.
func dollarPlaceholders(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
