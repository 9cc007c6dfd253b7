package store

import (
	"context"
	"fmt"
	"io"
)

// DumpReadings writes every reading and condition the database holds, one
// line per row in (account, provider id) order, each column but the row
// id written out, and each table's row count. Two databases that stored
// the same readings dump the same, so a sync interrupted, killed or run
// under faults can be compared with a clean one.
//
// Cursors are left out: a sync resumed after an interruption starts a new
// walk of the streams it had finished, so its cursors are equivalent to a
// clean sync's (the next sync asks for the same thing) without being
// equal.
func (db *DB) DumpReadings(ctx context.Context, w io.Writer) error {
	for _, t := range allTables {
		if err := db.dumpTable(ctx, w, t.name); err != nil {
			return fmt.Errorf("store: dump %s: %w", t.name, err)
		}
	}
	return nil
}

func (db *DB) dumpTable(ctx context.Context, w io.Writer, table string) error {
	rows, err := db.r.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY account_id, provider_id`)
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
		if _, err := io.WriteString(w, table); err != nil {
			return err
		}
		for i, c := range cols {
			if c != "id" {
				fmt.Fprintf(w, " %s=%v", c, vals[i])
			}
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s: %d rows\n", table, n)
	return err
}
