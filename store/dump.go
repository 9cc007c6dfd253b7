package store

import (
	"context"
	"fmt"
	"io"
)

// DumpReadings writes every reading and condition the database holds, one
// line per row in (account, id scope, provider id, variant) order, each
// column but the row id written out (a row's measurement as the key of
// the row it points at, since row ids differ between databases), and each
// table's row count. Two databases that stored
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
	rows, err := db.r.QueryContext(ctx, `SELECT t.*, s.account_id, s.id_scope, s.provider_id, s.variant FROM `+table+
		` t LEFT JOIN `+table+` s ON s.id = t.measurement ORDER BY t.account_id, t.id_scope, t.provider_id, t.variant`)
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
		shown := vals[len(cols)-4:]
		for i, c := range cols[:len(cols)-4] {
			switch c {
			case "id":
			case "measurement":
				if vals[i] != nil {
					fmt.Fprintf(w, " measurement=%v/%q/%q/%v", shown[0], shown[1], shown[2], shown[3])
				} else {
					fmt.Fprint(w, " measurement=shown")
				}
			default:
				v := vals[i]
				if b, ok := v.(bool); ok { // a flag: BOOLEAN on PostgreSQL, 0 or 1 on SQLite
					v = b2i(b)
				}
				fmt.Fprintf(w, " %s=%v", c, v)
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
