package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Cursors returns every stream's cursor of an account.
func (db *DB) Cursors(ctx context.Context, accountID int64) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT stream, value FROM cursors WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: read cursors of account %d: %w", accountID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var s, v string
		if err := rows.Scan(&s, &v); err != nil {
			return nil, err
		}
		out[s] = v
	}
	return out, rows.Err()
}

// ResetCursors forgets where an account's streams stand, so the next sync
// starts from the beginning (readings already stored are kept).
func (db *DB) ResetCursors(ctx context.Context, accountID int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM cursors WHERE account_id = ?`, accountID); err != nil {
		return fmt.Errorf("store: reset cursors of account %d: %w", accountID, err)
	}
	return nil
}

// execer is a transaction or a handle: what runs a statement.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func setCursor(ctx context.Context, x execer, accountID int64, stream, value string, now int64) error {
	_, err := x.ExecContext(ctx, `
		INSERT INTO cursors (account_id, stream, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		accountID, stream, value, now)
	if err != nil {
		return fmt.Errorf("save cursor %s: %w", stream, err)
	}
	return nil
}
