// Package storetest helps tests use vitals databases: a new database of
// each backend for a test, and dumps of what two databases hold.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"vitals/store"
)

// EnvPostgres names the variable that points the tests at a PostgreSQL
// server: a URL whose role may create schemas in its database (and roles,
// for the tests of the clinician's role).
const EnvPostgres = "VITALS_TEST_POSTGRES"

// Backends are the store's backends, as Location and Each name them.
func Backends() []string { return []string{"sqlite", "postgres"} }

// Each runs f as a subtest per backend: "sqlite" always, "postgres"
// skipped (and said) unless VITALS_TEST_POSTGRES names a server.
func Each(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

// Location returns where a new, empty database of the backend is, for
// one test: a file in the test's temporary folder, or a PostgreSQL schema
// of its own, dropped when the test ends. It skips the test when the
// backend is "postgres" and VITALS_TEST_POSTGRES is not set.
func Location(tb testing.TB, backend string) string {
	tb.Helper()
	switch backend {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "vitals.db")
	case "postgres":
	default:
		tb.Fatalf("storetest: no backend %q", backend)
	}
	server := Postgres(tb)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "vt_" + hex.EncodeToString(b)
	if err := store.CreateSchema(ctx, server, schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := store.DropSchema(context.Background(), server, schema); err != nil {
			tb.Error(err)
		}
	})
	loc, err := store.SchemaURL(server, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// Postgres returns the server VITALS_TEST_POSTGRES names, or skips the
// test.
func Postgres(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		tb.Skip("VITALS_TEST_POSTGRES not set: set it to a PostgreSQL URL (postgres://user:password@127.0.0.1:5432/db) to run this test on PostgreSQL too")
	}
	return server
}

// Open opens a new database of the backend, closed when the test ends.
func Open(tb testing.TB, backend string, opt store.Options) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), Location(tb, backend), opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Readings returns the dump of every reading the database at location
// holds (see store.DB.DumpReadings), opening it read-only.
func Readings(tb testing.TB, location string) string {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, location, store.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	return Dump(tb, db)
}

// Dump returns the dump of every reading an open database holds.
func Dump(tb testing.TB, db *store.DB) string {
	tb.Helper()
	var b strings.Builder
	if err := db.DumpReadings(context.Background(), &b); err != nil {
		tb.Fatalf("dump %s: %v", db.Path(), err)
	}
	return b.String()
}

// Diff shows where two dumps part: the first line that differs, or how
// many lines each has when one is the start of the other.
func Diff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got %.300s\nwant %.300s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(gl), len(wl))
}

// ClinicianURL makes a login role for one test, lets it read the
// PostgreSQL database at hubURL as a clinician (store.DB.GrantClinician,
// through hub), and returns the URL it connects with. The role is dropped
// when the test ends; the test is skipped when the test server's role may
// not create roles.
func ClinicianURL(tb testing.TB, hub *store.DB, hubURL string) string {
	tb.Helper()
	ctx := context.Background()
	b := make([]byte, 10)
	rand.Read(b)
	role, password := "vt_clin_"+hex.EncodeToString(b[:4]), hex.EncodeToString(b[4:])
	conn, err := pgx.Connect(ctx, hubURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD '"+password+"'"); err != nil {
		tb.Skipf("the test server's role may not create roles (%v): grant it CREATEROLE to test the clinician's role", err)
	}
	// As store.RolesSQL makes it: read-only sessions by default.
	if _, err := conn.Exec(ctx, "ALTER ROLE "+role+" SET default_transaction_read_only = on"); err != nil {
		tb.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, hubURL)
		if err != nil {
			tb.Error(err)
			return
		}
		defer conn.Close(ctx)
		s := pgx.Identifier{schema}.Sanitize()
		for _, q := range []string{"REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM " + role, "REVOKE ALL ON SCHEMA " + s + " FROM " + role, "DROP ROLE " + role} {
			if _, err := conn.Exec(ctx, q); err != nil {
				tb.Errorf("%s: %v", q, err)
			}
		}
	})
	if err := hub.GrantClinician(ctx, role); err != nil {
		tb.Fatal(err)
	}
	u, err := url.Parse(hubURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	return u.String()
}
