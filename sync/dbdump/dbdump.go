// Package dbdump writes out the readings a vitals database holds, row by
// row and without row ids, so that tests can tell whether two syncs
// stored the same thing: a sync interrupted, killed or run under faults
// must end with exactly what a clean sync stores.
//
// Cursors are left out: a sync resumed after an interruption or a failed
// round starts a new walk of the streams it had finished, so its cursors
// are equivalent to a clean sync's (the next sync asks for the same
// thing) without being equal.
package dbdump

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// tables are the reading tables, in a fixed order.
var tables = [...]string{"bp_readings", "weight_readings", "activity_readings", "temperature_readings", "spo2_readings", "heartrate_readings", "conditions"}

// Readings returns every row of the reading tables of the database at
// path, in (account, provider id) order, each column but the row id
// written out, and each table's row count. Two databases that stored the
// same readings dump the same.
func Readings(tb testing.TB, path string) string {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range tables {
		if err := dumpTable(&b, db, table); err != nil {
			tb.Fatalf("dump %s of %s: %v", table, path, err)
		}
	}
	return b.String()
}

func dumpTable(b *strings.Builder, db *sql.DB, table string) error {
	rows, err := db.Query(`SELECT * FROM ` + table + ` ORDER BY account_id, provider_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		b.WriteString(table)
		for i, c := range cols {
			if c != "id" {
				fmt.Fprintf(b, " %s=%v", c, vals[i])
			}
		}
		b.WriteByte('\n')
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Fprintf(b, "%s: %d rows\n", table, n)
	return nil
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
