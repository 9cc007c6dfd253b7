package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// sqliteDialect is SQLite through modernc.org/sqlite.
type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) rebind(q string) string { return q }

// The version is SQLite's user_version, written in the migration's own
// transaction, so a half-applied migration is impossible.
func (sqliteDialect) schemaVersion(ctx context.Context, h handle) (int, error) {
	var v int
	err := h.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

func (sqliteDialect) setSchemaVersion(ctx context.Context, tx *txn, v int) error {
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v))
	return err
}

// An immediate transaction already holds SQLite's write lock.
func (sqliteDialect) lockMigrations(ctx context.Context, tx *txn) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

// SQLite's extended result code SQLITE_CONSTRAINT_UNIQUE, and the primary
// key's, which refuses a duplicate the same way.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

func (sqliteDialect) uniqueViolation(err error) bool {
	var ce interface{ Code() int }
	if !errors.As(err, &ce) {
		return false
	}
	return ce.Code() == sqliteConstraintUnique || ce.Code() == sqliteConstraintPrimaryKey
}

// A SQLite write transaction already excludes every other writer
// (immediate transactions, one write connection).
func (sqliteDialect) lockProfile(context.Context, *txn, int64) error { return nil }

func (sqliteDialect) lockProfileFor(ctx context.Context, tx *txn, _, accountID int64) (Provider, error) {
	return accountProvider(ctx, tx, accountID)
}

// SQLite has no lock that outlives a statement but the write lock,
// which must not be held across a network call: see LockRefresh.
func (sqliteDialect) advisoryLock(context.Context, handle, int64) (func(), error) {
	return func() {}, nil
}

func (sqliteDialect) bulkRows() int { return bulkRows }

// prepare prepares q for the transaction: in process, preparing costs
// no round trip and saves parsing q again for every row.
func (sqliteDialect) prepare(ctx context.Context, tx *txn, q string) (stmt, error) {
	return tx.PrepareContext(ctx, q)
}

// insertNew runs the one-row INSERT per row: in process, a prepared
// statement costs no round trip, and LastInsertId needs no RETURNING.
func (sqliteDialect) insertInts(ctx context.Context, x *idTx, table string, cols []string, rows [][]int64) error {
	st, err := x.stmt("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Repeat("?, ", len(cols)-1) + "?)")
	if err != nil {
		return err
	}
	args := make([]any, len(cols))
	for _, r := range rows {
		for c, v := range r {
			args[c] = v
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func (sqliteDialect) insertNew(_ context.Context, x *idTx, ins bulkInsert, rows [][]any) (map[int]int64, error) {
	st, err := x.stmt(ins.single)
	if err != nil {
		return nil, err
	}
	ids := make(map[int]int64, len(rows))
	for i, args := range rows {
		res, err := st.ExecContext(x.ctx, args...)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
