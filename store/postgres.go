package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresDialect is PostgreSQL through pgx v5's database/sql driver.
type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) rebind(q string) string { return dollarPlaceholders(q) }

// querier is what reading one row needs: a pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// The version is the highest in schema_migrations; no table, no schema.
func (postgresDialect) schemaVersion(ctx context.Context, h handle) (int, error) {
	return pgSchemaVersion(ctx, h)
}

func pgSchemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (postgresDialect) setSchemaVersion(ctx context.Context, tx *txn, v int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().Unix())
	return err
}

// lockMigrations takes a transaction-scoped advisory lock named after the
// schema, so that hubs of one schema migrate one at a time while other
// schemas of the database (tests, a staging copy) go on.
func (postgresDialect) lockMigrations(ctx context.Context, tx *txn) (int, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('vitals migrations ' || current_schema(), 0))`); err != nil {
		return 0, fmt.Errorf("lock migrations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	return pgSchemaVersion(ctx, tx)
}

// pgUniqueViolation is SQLSTATE unique_violation.
const pgUniqueViolation = "23505"

func (postgresDialect) uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

// FOR NO KEY UPDATE excludes the other writers of the profile's readings
// without blocking the foreign-key checks of rows that point at the
// profile (those take FOR KEY SHARE).
func (postgresDialect) lockProfile(ctx context.Context, tx *txn, profileID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM profiles WHERE id = ? FOR NO KEY UPDATE`, profileID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("profile %d: %w", profileID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("lock profile %d: %w", profileID, err)
	}
	return nil
}

func (d postgresDialect) lockProfileFor(ctx context.Context, tx *txn, profileID, accountID int64) (Provider, error) {
	var p Provider
	err := tx.QueryRowContext(ctx, `SELECT a.provider FROM profiles p JOIN accounts a ON a.id = ? WHERE p.id = ? FOR NO KEY UPDATE OF p`, accountID, profileID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) { // say which of the two is missing
		if err := d.lockProfile(ctx, tx, profileID); err != nil {
			return "", err
		}
		return accountProvider(ctx, tx, accountID)
	}
	if err != nil {
		return "", fmt.Errorf("lock profile %d: %w", profileID, err)
	}
	return p, nil
}

// advisoryLock takes a session lock on a connection of its own, held out
// of the pool until unlock. If unlocking fails the connection is closed
// rather than returned with the lock still held: the lock ends with its
// session.
func (postgresDialect) advisoryLock(ctx context.Context, h handle, key int64) (func(), error) {
	conn, err := h.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, err
	}
	return func() {
		// Not the caller's context: the lock must go even when it is done.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// bulkRows: reading what is stored in a batch's range is one round trip;
// asking per reading is three for the first (the minutes held, the INSERT
// that does nothing, then the row it met) and two for each next, which an
// overlapping sync pays for readings it stored already. A new reading
// pays the one round trip more.
func (postgresDialect) bulkRows() int { return 1 }

// prepare only rewrites q's placeholders: pgx prepares a statement the
// first time a connection runs it and reuses it after (see stmt).
func (d postgresDialect) prepare(_ context.Context, tx *txn, q string) (stmt, error) {
	return txStmt{tx: tx.Tx, q: d.rebind(q)}, nil
}

// insertNew sends the rows as one array per column and inserts them with
// one statement: a round trip per row would cost more than the insert.
// The rows' keys are distinct, so the ids come back matched by key.
func (postgresDialect) insertInts(ctx context.Context, x *idTx, table string, cols []string, rows [][]int64) error {
	arrays := make([]any, len(cols))
	for c := range cols {
		col := make([]int64, len(rows))
		for i, r := range rows {
			col[i] = r[c]
		}
		arrays[c] = col
	}
	_, err := x.tx.ExecContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") SELECT * FROM unnest("+
		strings.Repeat("?::int8[], ", len(cols)-1)+"?::int8[])", arrays...)
	return err
}

func (postgresDialect) insertNew(ctx context.Context, x *idTx, ins bulkInsert, rows [][]any) (map[int]int64, error) {
	ids := make(map[int]int64, len(rows))
	if len(rows) == 1 {
		var id int64
		err := x.tx.QueryRowContext(ctx, ins.single+" RETURNING id", rows[0]...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ids, nil
		}
		if err != nil {
			return nil, err
		}
		ids[0] = id
		return ids, nil
	}
	cols := make([]any, len(ins.cols))
	for c := range cols {
		cols[c] = pgArray(ins.pgTypes[c], rows, c)
	}
	at := make(map[string]int, len(rows))
	for i, r := range rows {
		at[variantKey(r[ins.scopeCol].(string), r[ins.providerCol].(string), toInt64(r[ins.variantCol]))] = i
	}
	res, err := x.tx.QueryContext(ctx, ins.unnest, cols...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var id, variant int64
		var scope, providerID string
		if err := res.Scan(&id, &scope, &providerID, &variant); err != nil {
			return nil, err
		}
		ids[at[variantKey(scope, providerID, variant)]] = id
	}
	return ids, res.Err()
}

// pgArray collects column c of rows as a typed slice pgx encodes as an
// array; nil elements are NULLs.
func pgArray(typ string, rows [][]any, c int) any {
	switch typ {
	case "int8":
		out := make([]*int64, len(rows))
		for i, r := range rows {
			switch v := r[c].(type) {
			case int64:
				out[i] = &v
			case int:
				n := int64(v)
				out[i] = &n
			}
		}
		return out
	case "float8":
		out := make([]*float64, len(rows))
		for i, r := range rows {
			if v, ok := r[c].(float64); ok {
				out[i] = &v
			}
		}
		return out
	case "bool":
		out := make([]bool, len(rows))
		for i, r := range rows {
			out[i], _ = r[c].(bool)
		}
		return out
	case "bytea":
		out := make([][]byte, len(rows))
		for i, r := range rows {
			out[i], _ = r[c].([]byte)
		}
		return out
	}
	out := make([]*string, len(rows))
	for i, r := range rows {
		if v, ok := r[c].(string); ok {
			out[i] = &v
		}
	}
	return out
}

// openPostgres opens a clinic's database. The role it connects as decides
// what this process may do: the hub's role writes and migrates; a role
// that may not write opens read-only, and one that may not read the
// secrets table never sees a token.
func openPostgres(ctx context.Context, location string, opt Options) (*DB, error) {
	shown := redactURL(location)
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		return nil, fmt.Errorf("store: %s is not a PostgreSQL URL pgx can read: %w", shown, err)
	}
	if opt.ReadOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "vitals"
	}
	pool := stdlib.OpenDB(*cfg)
	// A hub's workers, its notification endpoint and a few held refresh
	// locks; the server's max_connections is shared by every hub.
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	d := postgresDialect{}
	h := handle{pool, d}
	db := &DB{location: shown, d: d, w: h, r: h, now: time.Now, readOnly: opt.ReadOnly, secrets: true, shared: true}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", shown, err)
	}
	if err := db.checkRole(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s: %w", shown, err)
	}
	if db.readOnly {
		err = db.checkVersion(ctx)
	} else {
		err = db.migrate(ctx)
	}
	if err == nil {
		err = db.loadUID(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s: %w", shown, err)
	}
	db.sealKey = opt.SealKey
	return db, nil
}

// checkRole learns what the connected role may do with a schema that is
// already there: without INSERT on profiles the database is read-only
// (a clinician), without SELECT on secrets no token is ever read.
func (db *DB) checkRole(ctx context.Context) error {
	v, err := pgSchemaVersion(ctx, db.r)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v == 0 {
		return nil // a new database: migrate creates it, or says why it cannot
	}
	var write, secrets, ack sql.NullBool
	err = db.r.QueryRowContext(ctx, `SELECT has_table_privilege(to_regclass('profiles'), 'INSERT'),
		has_table_privilege(to_regclass('secrets'), 'SELECT'),
		COALESCE(has_table_privilege(to_regclass('acknowledgements'), 'INSERT'), false)`).Scan(&write, &secrets, &ack)
	if err != nil {
		return fmt.Errorf("read the role's privileges: %w", err)
	}
	if !write.Bool {
		db.readOnly = true
		db.ackOnly = ack.Bool
	}
	db.secrets = secrets.Bool
	return nil
}

// redactURL is a URL fit for messages: its password replaced.
func redactURL(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	return u.Redacted()
}

// SchemaURL returns a PostgreSQL URL that keeps vitals' tables in schema
// (its search_path): several stores in one database, such as a clinic's
// staging copy, or one per test.
func SchemaURL(location, schema string) (string, error) {
	u, err := url.Parse(location)
	if err != nil || !IsPostgres(location) {
		return "", fmt.Errorf("store: %s is not a PostgreSQL URL", redactURL(location))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// CreateSchema creates a schema in the PostgreSQL database at location
// (it must not exist yet); DropSchema removes one and everything in it.
func CreateSchema(ctx context.Context, location, schema string) error {
	return schemaDDL(ctx, location, "create schema "+schema, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
}

// DropSchema removes a schema CreateSchema made, with all it holds.
func DropSchema(ctx context.Context, location, schema string) error {
	return schemaDDL(ctx, location, "drop schema "+schema, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
}

func schemaDDL(ctx context.Context, location, what, stmt string) error {
	conn, err := pgx.Connect(ctx, location)
	if err != nil {
		return fmt.Errorf("store: %s: connect to %s: %w", what, redactURL(location), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}
