package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// testPostgres names the variable that points the tests at a PostgreSQL
// server: a URL whose role may create schemas (and, for the role tests,
// roles) in its database.
const testPostgres = "VITALS_TEST_POSTGRES"

// testBackends are the backends every store test runs on.
func testBackends() []string { return []string{"sqlite", "postgres"} }

// eachBackend runs f as a subtest per backend: SQLite always, PostgreSQL
// when VITALS_TEST_POSTGRES names a server (skipped, and said, without).
func eachBackend(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range testBackends() {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

// testLocation is a new, empty database of the backend for one test: a
// file in the test's folder, or a schema of its own in the PostgreSQL
// database, dropped when the test ends.
func testLocation(tb testing.TB, backend string) string {
	tb.Helper()
	if backend == "sqlite" {
		return filepath.Join(tb.TempDir(), "data", "vitals.db")
	}
	server := os.Getenv(testPostgres)
	if server == "" {
		tb.Skip("VITALS_TEST_POSTGRES not set: set it to a PostgreSQL URL (postgres://user:password@127.0.0.1:5432/db) to run this test on PostgreSQL too")
	}
	ctx := context.Background()
	schema := "vt_" + randomID(6)
	if err := CreateSchema(ctx, server, schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := DropSchema(context.Background(), server, schema); err != nil {
			tb.Error(err)
		}
	})
	loc, err := SchemaURL(server, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// openTest opens a new database of the backend, closed when the test ends.
func openTest(tb testing.TB, backend string) *DB {
	tb.Helper()
	return openAt(tb, testLocation(tb, backend), Options{})
}

// openAt opens the database at loc, closed when the test ends.
func openAt(tb testing.TB, loc string, opt Options) *DB {
	tb.Helper()
	db, err := Open(context.Background(), loc, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
