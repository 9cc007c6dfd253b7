package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrations holds each backend's schema history: migrations/sqlite/ from
// the first version on; migrations/postgres/ from version 4, the schema
// SQLite had reached when PostgreSQL arrived, written in one step. Both
// go on with the same numbers, so a version names one schema on either.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationSteps are the parts of migrations that SQL alone cannot do,
// run after the version's SQL in the same transaction.
var migrationSteps = map[int]func(context.Context, *txn) error{
	// Version 3 links the rows that are one measurement: a database whose
	// file imports and linked accounts each kept a copy counts each
	// reading once after the upgrade.
	3: func(ctx context.Context, tx *txn) error {
		x := newIDTx(ctx, tx)
		defer x.close()
		for _, t := range allTables {
			if err := x.linkAll(t); err != nil {
				return err
			}
		}
		return nil
	},
	// Version 7 adds daily summaries: built here for the readings held.
	7: func(ctx context.Context, tx *txn) error {
		x := newIDTx(ctx, tx)
		defer x.close()
		if err := x.touchAll(0); err != nil {
			return err
		}
		return x.summarize()
	},
}

// migration is one embedded migration file.
type migration struct {
	version int
	name    string
}

// migrationFiles lists a backend's migrations in order.
func migrationFiles(backend string) ([]migration, error) {
	files, err := fs.Glob(migrations, "migrations/"+backend+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []migration
	for _, name := range files {
		v, err := migrationVersion(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, name})
	}
	return out, nil
}

// latestVersion is the schema version this build writes.
func latestVersion(backend string) (int, error) {
	ms, err := migrationFiles(backend)
	if err != nil || len(ms) == 0 {
		return 0, fmt.Errorf("no %s migrations: %w", backend, err)
	}
	return ms[len(ms)-1].version, nil
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations the database has not seen. Each transaction reads the
// version again under the dialect's lock, so hubs starting together on
// one PostgreSQL database apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	current, err := db.d.schemaVersion(ctx, db.w)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	ms, err := migrationFiles(db.d.name())
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	if current > latest {
		return fmt.Errorf("schema version %d is newer than this vitals knows (%d): update vitals", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		body, err := migrations.ReadFile(m.name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *txn) error {
			now, err := db.d.lockMigrations(ctx, tx)
			if err != nil || now >= m.version {
				return err // another process applied it meanwhile
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if step := migrationSteps[m.version]; step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			return db.d.setSchemaVersion(ctx, tx, m.version)
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", path.Base(m.name), err)
		}
	}
	return nil
}

// checkVersion is what a read-only open does instead of migrating: a
// schema older or newer than this build's cannot be read right.
func (db *DB) checkVersion(ctx context.Context) error {
	current, err := db.d.schemaVersion(ctx, db.r)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	latest, err := latestVersion(db.d.name())
	if err != nil {
		return err
	}
	switch {
	case current == 0:
		return fmt.Errorf("it holds no vitals schema: a hub (or any command run with the hub's role) creates it")
	case current < latest:
		return fmt.Errorf("its schema is version %d and this vitals reads version %d: start a hub of this version (it upgrades the schema), or use the vitals that wrote it", current, latest)
	case current > latest:
		return fmt.Errorf("schema version %d is newer than this vitals knows (%d): update vitals", current, latest)
	}
	return nil
}

// migrationVersion reads the number a migration's file name starts with.
func migrationVersion(name string) (int, error) {
	base := path.Base(name)
	num, _, _ := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %s: name must start with a positive number", name)
	}
	return v, nil
}
