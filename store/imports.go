package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vitals/health"
)

// An Import stores one file's readings, page by page, in one write
// transaction: Commit keeps all of them, Rollback (or a cancelled
// context) none, and nothing else (not even the file-import account) is
// left behind. The file's readings are tagged with the import, so that
// UndoImport can take exactly them back out. An Import is not safe for
// concurrent use; while it is open, other writers wait.
type Import struct {
	ctx       context.Context
	tx        *txn
	id        int64
	profileID int64
	accountID int64
	res       Result
	done      bool
}

// ImportRecord is a file import as the database remembers it.
type ImportRecord struct {
	ID         int64
	ProfileID  int64
	Name       string // the file's name as given ("-" for stdin)
	SHA256     string // of the file's bytes, hex
	ImportedAt time.Time
	Added      int       // rows it added: new measurements and new routes to held ones
	UndoneAt   time.Time // zero unless it was taken back out
}

// ErrImportDone is returned by an Import used after Commit or Rollback.
var ErrImportDone = errors.New("import already committed or rolled back")

// BeginImport starts storing a file's readings for a profile, in its
// file-import account (made in the same transaction the first time).
func (db *DB) BeginImport(ctx context.Context, profileID int64, name, sha256 string) (*Import, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: import %s: %w", name, err)
	}
	im := &Import{ctx: ctx, tx: tx, profileID: profileID, res: Result{}}
	now := db.now().Unix()
	err = tx.d.lockProfile(ctx, tx, profileID)
	if err == nil {
		err = tx.QueryRowContext(ctx, `
		INSERT INTO accounts (profile_id, provider, external_id, label, state, created_at)
		VALUES (?, ?, '', '', ?, ?)
		ON CONFLICT (profile_id, provider, external_id) DO UPDATE SET state = accounts.state
		RETURNING id`, profileID, ProviderFile, StateActive, now).Scan(&im.accountID)
	}
	if err == nil {
		err = tx.QueryRowContext(ctx, `INSERT INTO imports (profile_id, account_id, name, sha256, imported_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			profileID, im.accountID, name, sha256, now).Scan(&im.id)
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: import %s: %w", name, err)
	}
	return im, nil
}

// ID is the import's id (vitals import --undo ID).
func (im *Import) ID() int64 { return im.id }

// Add stores a page of the file's readings and returns what it did with
// them; the counts of every page add up in Commit's result.
func (im *Import) Add(b health.Batch) (Result, error) {
	if im.done {
		return nil, ErrImportDone
	}
	res, err := upsertImport(im.ctx, im.tx, im.profileID, im.accountID, im.id, b)
	if err != nil {
		return nil, fmt.Errorf("store: import: %w", err)
	}
	im.res.Merge(res)
	return res, nil
}

// Commit keeps everything added and returns the counts of the whole
// file. A file that added no row leaves no trace: its record is dropped
// and, when the file-import account holds nothing else, the account too.
func (im *Import) Commit() (Result, error) {
	if im.done {
		return nil, ErrImportDone
	}
	im.done = true
	t := im.res.Total()
	added := t.Added + t.Held + t.Kept
	var err error
	if added == 0 {
		err = im.dropEmpty()
	} else {
		_, err = im.tx.ExecContext(im.ctx, `UPDATE imports SET added = ? WHERE id = ?`, added, im.id)
	}
	if err != nil {
		im.tx.Rollback()
		return nil, fmt.Errorf("store: import: %w", err)
	}
	if err := im.tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: import: %w", err)
	}
	return im.res, nil
}

// dropEmpty removes an import that added nothing, and the file-import
// account when nothing else is kept in it.
func (im *Import) dropEmpty() error {
	if _, err := im.tx.ExecContext(im.ctx, `DELETE FROM imports WHERE id = ?`, im.id); err != nil {
		return err
	}
	var used bool
	q := `SELECT EXISTS (SELECT 1 FROM imports WHERE account_id = ?)`
	args := []any{im.accountID}
	for _, t := range allTables {
		q += ` OR EXISTS (SELECT 1 FROM ` + t.name + ` WHERE account_id = ?)`
		args = append(args, im.accountID)
	}
	if err := im.tx.QueryRowContext(im.ctx, q, args...).Scan(&used); err != nil {
		return err
	}
	if used {
		return nil
	}
	_, err := im.tx.ExecContext(im.ctx, `DELETE FROM accounts WHERE id = ?`, im.accountID)
	return err
}

// Rollback forgets everything added; after Commit it does nothing.
func (im *Import) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	if err := im.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("store: roll back import: %w", err)
	}
	return nil
}

// Imports lists a profile's file imports, newest first.
func (db *DB) Imports(ctx context.Context, profileID int64) ([]ImportRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, profile_id, name, sha256, imported_at, added, undone_at FROM imports
		WHERE profile_id = ? ORDER BY imported_at DESC, id DESC`, profileID)
	if err != nil {
		return nil, fmt.Errorf("store: list imports: %w", err)
	}
	defer rows.Close()
	var out []ImportRecord
	for rows.Next() {
		var r ImportRecord
		var at int64
		var undone sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ProfileID, &r.Name, &r.SHA256, &at, &r.Added, &undone); err != nil {
			return nil, fmt.Errorf("store: list imports: %w", err)
		}
		r.ImportedAt = time.Unix(at, 0).UTC()
		r.UndoneAt = fromUnix(undone)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list imports: %w", err)
	}
	return out, nil
}

// ErrUndone is returned by UndoImport for an import already taken out.
var ErrUndone = errors.New("import already undone")

// UndoImport takes a file import back out of its profile: every row it
// added goes, each measurement it was one of several routes to keeps its
// other routes, and rows earlier imports added stay. It returns how many
// rows it removed, or ErrNotFound, or ErrUndone.
func (db *DB) UndoImport(ctx context.Context, profileID, importID int64) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *txn) error {
		if err := tx.d.lockProfile(ctx, tx, profileID); err != nil {
			return err
		}
		var undone sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT undone_at FROM imports WHERE id = ? AND profile_id = ?`, importID, profileID).Scan(&undone)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import %d: %w", importID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if undone.Valid {
			return fmt.Errorf("import %d: %w", importID, ErrUndone)
		}
		x := newIDTx(ctx, tx)
		defer x.close()
		for _, t := range allTables {
			m, err := x.remove(t, "import_id = ?", importID)
			if err != nil {
				return fmt.Errorf("%s: %w", t.kind, err)
			}
			n += int(m)
		}
		if err := x.summarize(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE imports SET undone_at = ? WHERE id = ?`, db.now().Unix(), importID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: undo import: %w", err)
	}
	return n, nil
}
