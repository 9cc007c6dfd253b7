package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationSteps are the parts of migrations that SQL alone cannot do,
// run after the version's SQL in the same transaction.
var migrationSteps = map[int]func(context.Context, *sql.Tx) error{
	// Version 3 links the rows that are one measurement: a database whose
	// file imports and linked accounts each kept a copy counts each
	// reading once after the upgrade.
	3: func(ctx context.Context, tx *sql.Tx) error {
		x := newIDTx(ctx, tx)
		defer x.close()
		for _, t := range allTables {
			if err := x.linkAll(t); err != nil {
				return err
			}
		}
		return nil
	},
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations the database has not seen. The version is SQLite's
// user_version, so a half-applied migration is impossible.
func (db *DB) migrate(ctx context.Context) error {
	var current int
	if err := db.w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	latest := 0
	for _, name := range files {
		v, err := migrationVersion(name)
		if err != nil {
			return err
		}
		latest = max(latest, v)
		if v <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if step := migrationSteps[v]; step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", name, err)
		}
	}
	if current > latest {
		return fmt.Errorf("schema version %d is newer than this vitals knows (%d): update vitals", current, latest)
	}
	return nil
}

// migrationVersion reads the number a migration's file name starts with.
func migrationVersion(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	num, _, _ := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %s: name must start with a positive number", name)
	}
	return v, nil
}
