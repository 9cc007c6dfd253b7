package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// A clinic's database has two kinds of role. The hub's owns the schema:
// `vitals serve`, imports and every command that writes run as it, and it
// alone reads the (sealed) tokens. A clinician's may read profiles,
// accounts and their sync state, and readings, and nothing else: not the
// secrets table, not a lease, and it may write nothing. The store finds
// out which it was opened as (checkRole): under a clinician's, the
// database is read-only and no token is ever asked for.

// Default role names, as docs/clinic.md and `vitals db roles` use them.
const (
	HubRole       = "vitals_hub"
	ClinicianRole = "vitals_clinician"
)

// ErrNotPostgres is returned by what only a PostgreSQL database has.
var ErrNotPostgres = errors.New("only a PostgreSQL database has roles")

// clinicianTables are the tables a clinician's role may read: what the
// dashboard, `vitals show`, `vitals report` and `vitals export` read.
// It may also insert into acknowledgements (grantSQL).
func clinicianTables() []string {
	out := []string{"schema_migrations", "meta", "profiles", "accounts", "systems", "cursors", "imports", "daily_summaries", "acknowledgements"}
	for _, t := range allTables {
		out = append(out, t.name)
	}
	return out
}

// RolesSQL returns the SQL a clinic's administrator runs once, as a
// superuser, to make the two roles and the schema the hub fills, and then
// (as the hub's role, after the hub's first start has created the tables,
// and again after an upgrade that adds tables) to let the clinician's
// role read. Names are quoted as identifiers.
func RolesSQL(schema, hub, clinician string) string {
	s, h, c := ident(schema), ident(hub), ident(clinician)
	var b strings.Builder
	fmt.Fprintf(&b, `-- vitals: the roles of a clinic's database (docs/clinic.md).
-- 1. As a superuser, once. Set the passwords with \password in psql.
CREATE ROLE %[2]s LOGIN;
CREATE ROLE %[3]s LOGIN;
CREATE SCHEMA IF NOT EXISTS %[1]s AUTHORIZATION %[2]s;
REVOKE ALL ON SCHEMA %[1]s FROM PUBLIC;
GRANT USAGE ON SCHEMA %[1]s TO %[3]s;
ALTER ROLE %[2]s SET search_path = %[1]s;
ALTER ROLE %[3]s SET search_path = %[1]s;
-- A clinician's sessions are read-only unless a transaction asks to
-- write, which only acknowledging an alert does (the one table granted).
ALTER ROLE %[3]s SET default_transaction_read_only = on;

-- 2. As %[2]s, after the first hub has started (it creates the tables),
--    and after every upgrade of vitals that adds tables
--    (or: vitals db roles --grant %[3]s, run as %[2]s).
`, s, h, c)
	b.WriteString(grantSQL(s, c))
	b.WriteString("-- No privilege at all on secrets, leases or sync_requests: a clinician never sees a token.\n")
	return b.String()
}

// grantSQL lets role read the clinician's tables of schema.
func grantSQL(schema, role string) string {
	var tables []string
	for _, t := range clinicianTables() {
		tables = append(tables, schema+"."+t)
	}
	// A clinician reviews alerts: acknowledging is the one write allowed.
	return fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s;\nGRANT SELECT ON %s TO %s;\nGRANT INSERT ON %s.acknowledgements TO %s;\n",
		schema, role, strings.Join(tables, ", "), role, schema, role)
}

// ident quotes a name as an SQL identifier when it needs it.
func ident(name string) string {
	plain := name != ""
	for i, r := range name {
		plain = plain && (r == '_' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9')
	}
	if plain {
		return name
	}
	return pgx.Identifier{name}.Sanitize()
}

// GrantClinician lets an existing role read what a clinician reads in
// this database's schema, and nothing else. It runs as the hub's role,
// which owns the tables.
func (db *DB) GrantClinician(ctx context.Context, role string) error {
	if !db.shared {
		return fmt.Errorf("store: grant %s: %w", role, ErrNotPostgres)
	}
	if err := db.writable("grant " + role); err != nil {
		return err
	}
	var schema string
	if err := db.r.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("store: grant %s: %w", role, err)
	}
	err := db.tx(ctx, func(tx *txn) error {
		for _, stmt := range strings.Split(strings.TrimSpace(grantSQL(ident(schema), ident(role))), "\n") {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: grant %s read access: %w", role, err)
	}
	return nil
}

// CanReadSecrets reports whether the role the database was opened as may
// read the tokens: false under a clinician's.
func (db *DB) CanReadSecrets() bool { return db.secrets }
