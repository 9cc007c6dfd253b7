package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CopyProgress says how far a Copy is: Done of Total rows of what it is
// copying (a table's name) have been read.
type CopyProgress struct {
	What        string
	Done, Total int64
}

// CopyResult counts what a Copy added. A row already in the target (the
// same profile, account and key) is left as it is: copying twice adds
// nothing the second time.
type CopyResult struct {
	Profiles       int // profiles added
	MergedProfiles int // profiles the target already had (same uid, or same name)
	Accounts       int // accounts added
	Secrets        int // credentials copied (newer than the target's, or missing there)
	Readings       int // reading rows added, every provenance of every kind
	Unchanged      int // reading rows the target already held
}

// CopyOptions change what Copy does.
type CopyOptions struct {
	// NoSecrets leaves the credentials behind (their accounts must be
	// linked again in the target).
	NoSecrets bool
	// Progress, when not nil, hears how far the copy is after each batch.
	Progress func(CopyProgress)
}

// ErrSameDatabase is returned by Copy when both ends are one database.
var ErrSameDatabase = errors.New("the source and the target are the same database")

// copyBatch is how many reading rows Copy reads and writes at a time.
const copyBatch = 2000

// Copy copies every profile of src into dst with its accounts, systems,
// cursors, file imports and readings, and its credentials, opened with
// src's key and sealed again with dst's (a sealed value is bound to its
// database). Profiles are matched by uid, then by name: a profile both
// hold is merged, its readings joined to the measurements dst holds by
// the identity rules (identity.go); a profile dst lacks arrives exactly
// as src keeps it. Reading rows are matched by account and key, so a
// copy interrupted and run again, or run twice, adds nothing twice.
// Leases and sync requests, which belong to running hubs, stay behind.
func Copy(ctx context.Context, dst, src *DB, opt CopyOptions) (CopyResult, error) {
	var res CopyResult
	if dst.uid != "" && dst.uid == src.uid {
		return res, fmt.Errorf("store: copy %s to %s: %w", src.Path(), dst.Path(), ErrSameDatabase)
	}
	if err := dst.writable("copy into " + dst.Path()); err != nil {
		return res, err
	}
	c := &copier{dst: dst, src: src, opt: opt, res: &res}
	if err := c.count(ctx); err != nil {
		return res, err
	}
	profiles, err := src.Profiles(ctx)
	if err != nil {
		return res, err
	}
	for _, p := range profiles {
		if err := c.profile(ctx, p); err != nil {
			return res, fmt.Errorf("store: copy profile %q: %w", p.Name, err)
		}
	}
	return res, nil
}

// copier is one Copy.
type copier struct {
	dst, src    *DB
	opt         CopyOptions
	res         *CopyResult
	done, total int64
}

// count finds how many reading rows there are to read, for the progress.
func (c *copier) count(ctx context.Context) error {
	for _, t := range allTables {
		var n int64
		if err := c.src.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return fmt.Errorf("store: count %s: %w", t.name, err)
		}
		c.total += n
	}
	return nil
}

func (c *copier) progress(what string, n int) {
	c.done += int64(n)
	if c.opt.Progress != nil {
		c.opt.Progress(CopyProgress{What: what, Done: c.done, Total: c.total})
	}
}

// profile copies one profile and everything it holds.
func (c *copier) profile(ctx context.Context, p Profile) error {
	dp, err := c.targetProfile(ctx, p)
	if err != nil {
		return err
	}
	accounts, err := c.accounts(ctx, p.ID, dp.ID)
	if err != nil {
		return err
	}
	imports, err := c.imports(ctx, p.ID, dp.ID, accounts)
	if err != nil {
		return err
	}
	for _, t := range allTables {
		if err := c.readings(ctx, t, p.ID, dp.ID, accounts, imports); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if err := c.acks(ctx, p.ID, dp.ID); err != nil {
		return fmt.Errorf("acknowledgements: %w", err)
	}
	// The summaries of the profile as the copy left it.
	return c.dst.tx(ctx, func(tx *txn) error {
		x := newIDTx(ctx, tx)
		defer x.close()
		if err := x.touchAll(dp.ID); err != nil {
			return err
		}
		return x.summarize()
	})
}

// targetProfile finds src's profile p in dst, by uid then by name, or
// adds it with its uid, so that a provider that knows the uid
// (1upHealth's app user) still finds the person.
func (c *copier) targetProfile(ctx context.Context, p Profile) (Profile, error) {
	dp, err := c.dst.scanProfile(c.dst.w.QueryRowContext(ctx, profileSelect+` WHERE uid = ?`, p.UID), p.Name)
	if errors.Is(err, ErrNotFound) {
		dp, err = c.dst.scanProfile(c.dst.w.QueryRowContext(ctx, profileSelect+` WHERE name = ?`, p.Name), p.Name)
	}
	if err == nil {
		c.res.MergedProfiles++
		return dp, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Profile{}, err
	}
	dp = p
	err = c.dst.w.QueryRowContext(ctx, `INSERT INTO profiles (name, display_name, uid, height_m, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		p.Name, p.DisplayName, p.UID, nullIfZero(p.HeightM), p.CreatedAt.Unix()).Scan(&dp.ID)
	if err != nil {
		return Profile{}, fmt.Errorf("add profile: %w", err)
	}
	c.res.Profiles++
	return dp, nil
}

// accounts copies a profile's accounts, their systems and cursors and
// credentials, and returns dst's id of each of src's accounts.
func (c *copier) accounts(ctx context.Context, from, to int64) (map[int64]int64, error) {
	accts, err := c.src.Accounts(ctx, from)
	if err != nil {
		return nil, err
	}
	// In src's order: a new profile's accounts keep their order in dst.
	slices.SortFunc(accts, func(a, b Account) int { return cmp.Compare(a.ID, b.ID) })
	ids := map[int64]int64{}
	for _, a := range accts {
		var id int64
		err := c.dst.w.QueryRowContext(ctx, `SELECT id FROM accounts WHERE profile_id = ? AND provider = ? AND external_id = ?`,
			to, a.Provider, a.ExternalID).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = c.dst.w.QueryRowContext(ctx, `INSERT INTO accounts (profile_id, provider, external_id, label, state, last_sync_at, last_success_at, last_error, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				to, a.Provider, a.ExternalID, a.Label, a.State, unix(a.LastSyncAt), unix(a.LastSuccessAt), a.LastError, a.CreatedAt.Unix()).Scan(&id)
			if err != nil {
				return nil, fmt.Errorf("add %s account: %w", a.Provider, err)
			}
			c.res.Accounts++
		case err != nil:
			return nil, fmt.Errorf("find %s account: %w", a.Provider, err)
		default:
			// The target's own record of its syncs stands, unless src's
			// is newer.
			if _, err := c.dst.w.ExecContext(ctx, `UPDATE accounts SET state = ?, last_sync_at = ?, last_success_at = ?, last_error = ?
				WHERE id = ? AND COALESCE(last_sync_at, 0) < ?`,
				a.State, unix(a.LastSyncAt), unix(a.LastSuccessAt), a.LastError, id, a.LastSyncAt.Unix()); err != nil {
				return nil, fmt.Errorf("update %s account: %w", a.Provider, err)
			}
		}
		ids[a.ID] = id
		if err := c.systems(ctx, a.ID, id); err != nil {
			return nil, err
		}
		if err := c.cursors(ctx, a.ID, id); err != nil {
			return nil, err
		}
		if !c.opt.NoSecrets {
			if err := c.secret(ctx, a, id); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

func (c *copier) systems(ctx context.Context, from, to int64) error {
	systems, err := c.src.Systems(ctx, from)
	if err != nil {
		return err
	}
	for _, s := range systems {
		if _, err := c.dst.w.ExecContext(ctx, `INSERT INTO systems (account_id, system_id, name, kind, connected_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, system_id) DO NOTHING`, to, s.ID, s.Name, s.Kind, s.ConnectedAt.Unix()); err != nil {
			return fmt.Errorf("copy system %s: %w", s.Name, err)
		}
	}
	return nil
}

// cursors copies where each stream stands; the newer of two wins.
func (c *copier) cursors(ctx context.Context, from, to int64) error {
	rows, err := c.src.r.QueryContext(ctx, `SELECT stream, value, updated_at FROM cursors WHERE account_id = ?`, from)
	if err != nil {
		return fmt.Errorf("read cursors: %w", err)
	}
	type cursor struct {
		stream, value string
		at            int64
	}
	var all []cursor
	for rows.Next() {
		var k cursor
		if err := rows.Scan(&k.stream, &k.value, &k.at); err != nil {
			rows.Close()
			return fmt.Errorf("read cursors: %w", err)
		}
		all = append(all, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cursors: %w", err)
	}
	for _, k := range all {
		if _, err := c.dst.w.ExecContext(ctx, `INSERT INTO cursors (account_id, stream, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
			WHERE cursors.updated_at < excluded.updated_at`, to, k.stream, k.value, k.at); err != nil {
			return fmt.Errorf("copy cursor %s: %w", k.stream, err)
		}
	}
	return nil
}

// secret copies an account's credentials when the target has none or
// older ones (refresh tokens rotate: the newest is the one that works),
// opened with src's key and sealed for dst.
func (c *copier) secret(ctx context.Context, a Account, to int64) error {
	var srcAt int64
	err := c.src.r.QueryRowContext(ctx, `SELECT updated_at FROM secrets WHERE account_id = ?`, a.ID).Scan(&srcAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read credentials of account %d: %w", a.ID, err)
	}
	var dstAt int64
	err = c.dst.w.QueryRowContext(ctx, `SELECT updated_at FROM secrets WHERE account_id = ?`, to).Scan(&dstAt)
	if err == nil && dstAt >= srcAt {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read credentials of account %d: %w", to, err)
	}
	plain, err := c.src.LoadSecret(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("%w (copy without credentials to link the accounts again in the target)", err)
	}
	if err := c.dst.SaveSecret(ctx, to, plain); err != nil {
		return err
	}
	// Stamped with src's time, so that a copy run again finds it current.
	if _, err := c.dst.w.ExecContext(ctx, `UPDATE secrets SET updated_at = ? WHERE account_id = ?`, srcAt, to); err != nil {
		return fmt.Errorf("save credentials of account %d: %w", to, err)
	}
	c.res.Secrets++
	return nil
}

// imports copies a profile's file-import records and returns dst's id of
// each of src's.
func (c *copier) imports(ctx context.Context, from, to int64, accounts map[int64]int64) (map[int64]int64, error) {
	rows, err := c.src.r.QueryContext(ctx, `SELECT id, account_id, name, sha256, imported_at, added, undone_at FROM imports WHERE profile_id = ? ORDER BY id`, from)
	if err != nil {
		return nil, fmt.Errorf("read imports: %w", err)
	}
	type record struct {
		id, account, at, added int64
		name, sum              string
		undone                 sql.NullInt64
	}
	var all []record
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.id, &r.account, &r.name, &r.sum, &r.at, &r.added, &r.undone); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read imports: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read imports: %w", err)
	}
	ids := map[int64]int64{}
	for _, r := range all {
		var id int64
		err := c.dst.w.QueryRowContext(ctx, `SELECT id FROM imports WHERE profile_id = ? AND sha256 = ? AND imported_at = ? AND name = ?`,
			to, r.sum, r.at, r.name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			var undone any
			if r.undone.Valid {
				undone = r.undone.Int64
			}
			err = c.dst.w.QueryRowContext(ctx, `INSERT INTO imports (profile_id, account_id, name, sha256, imported_at, added, undone_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, to, accounts[r.account], r.name, r.sum, r.at, r.added, undone).Scan(&id)
		}
		if err != nil {
			return nil, fmt.Errorf("copy import of %s: %w", r.name, err)
		}
		ids[r.id] = id
	}
	return ids, nil
}

// srcRow is a reading row as src keeps it.
type srcRow struct {
	id, measurement int64
	takenAt         int64
	args            []any // insertCols' values for dst, with the row's own values
}

// readings copies one table's rows of a profile: every row dst lacks is
// inserted, batch by batch, as a measurement of its own; then the rows
// are linked. In a minute where dst held no measurement before the copy
// the links are src's; in one where it did, each new row is placed like
// a reading an upsert stores, joining dst's measurement when it is the
// same one.
func (c *copier) readings(ctx context.Context, t table, from, to int64, accounts, imports map[int64]int64) error {
	occupied, err := c.occupied(ctx, t, to)
	if err != nil {
		return err
	}
	ins := upsertStatements(t).insert
	added := map[int64]int64{}  // src id → dst id, of the rows this copy inserted
	links := map[int64]int64{}  // src id → src id of its shown row, for rows that are not shown
	minute := map[int64]int64{} // src id → its UTC minute, for shown rows
	var order []int64           // src ids inserted, in src's order
	read := 0
	for after := int64(0); ; {
		batch, err := c.readBatch(ctx, t, from, after, to, accounts, imports)
		if err != nil || len(batch) == 0 {
			if err == nil {
				break
			}
			return err
		}
		after = batch[len(batch)-1].id
		rows := make([][]any, len(batch))
		for i, r := range batch {
			rows[i] = r.args
			if r.measurement != 0 {
				links[r.id] = r.measurement
			} else {
				minute[r.id] = minuteOf(r.takenAt)
			}
		}
		err = c.dst.tx(ctx, func(tx *txn) error {
			if err := tx.d.lockProfile(ctx, tx, to); err != nil {
				return err
			}
			x := newIDTx(ctx, tx)
			defer x.close()
			ids, err := tx.d.insertNew(ctx, x, ins, rows)
			for i, id := range ids {
				added[batch[i].id] = id
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("insert rows: %w", err)
		}
		for _, r := range batch {
			if _, ok := added[r.id]; ok {
				order = append(order, r.id)
			}
		}
		read += len(batch)
		c.progress(t.name, len(batch))
	}
	c.res.Readings += len(order)
	c.res.Unchanged += read - len(order)
	if len(order) == 0 {
		return nil
	}
	return c.dst.tx(ctx, func(tx *txn) error {
		if err := tx.d.lockProfile(ctx, tx, to); err != nil {
			return err
		}
		x := newIDTx(ctx, tx)
		defer x.close()
		link, err := x.stmt("UPDATE " + t.name + " SET measurement = ? WHERE id = ?")
		if err != nil {
			return err
		}
		var refresh []int64 // shown rows that gained rows
		gained := map[int64]bool{}
		for _, id := range order {
			shown, linked := links[id]
			if !linked {
				shown = id
			}
			dstShown, isNew := added[shown]
			if m, ok := minute[shown]; isNew && ok && !occupied[m] {
				// A minute dst held nothing in: the measurement as src has it.
				if linked {
					if _, err := link.ExecContext(ctx, dstShown, added[id]); err != nil {
						return err
					}
					if !gained[dstShown] {
						gained[dstShown] = true
						refresh = append(refresh, dstShown)
					}
				}
				continue
			}
			p, err := x.row(t, added[id])
			if err != nil {
				return err
			}
			if _, err := x.place(t, to, p); err != nil {
				return fmt.Errorf("place row %d: %w", added[id], err)
			}
		}
		// Each measurement chooses its shown row and fills it, as src's did.
		for _, id := range refresh {
			if err := x.refresh(t, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// occupied returns the UTC minutes in which dst holds a measurement of
// the profile, before the copy adds any.
func (c *copier) occupied(ctx context.Context, t table, profileID int64) (map[int64]bool, error) {
	rows, err := c.dst.w.QueryContext(ctx, `SELECT taken_at FROM `+t.name+` WHERE profile_id = ? AND measurement IS NULL`, profileID)
	if err != nil {
		return nil, fmt.Errorf("read measurements: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out[minuteOf(at)] = true
	}
	return out, rows.Err()
}

// readBatch reads the next rows of a profile from src after the id
// after, bound for dst: its profile, accounts and imports, the row's own
// values (what another provenance filled in is not its own) and the
// digest an upsert into dst would compute, so that the same reading
// synced or imported into dst again is found unchanged.
func (c *copier) readBatch(ctx context.Context, t table, profileID, after, to int64, accounts, imports map[int64]int64) ([]srcRow, error) {
	q := "SELECT id, account_id, id_scope, provider_id, variant, COALESCE(measurement, 0), filled, taken_at, utc_offset, device, origin, setting, manual, raw, import_id, " +
		strings.Join(t.cols, ", ") + " FROM " + t.name + " WHERE profile_id = ? AND id > ? ORDER BY id LIMIT " + fmt.Sprint(copyBatch)
	rows, err := c.src.r.QueryContext(ctx, q, profileID, after)
	if err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	defer rows.Close()
	var out []srcRow
	for rows.Next() {
		var r srcRow
		var account, variant, filled, offset int64
		var scope, pid, device, origin, setting string
		var manual bool
		var raw []byte
		var importID sql.NullInt64
		vals := make([]any, len(t.cols))
		dests := []any{&r.id, &account, &scope, &pid, &variant, &r.measurement, &filled, &r.takenAt, &offset, &device, &origin, &setting, &manual, &raw, &importID}
		for i := range vals {
			dests = append(dests, &vals[i])
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("read rows: %w", err)
		}
		dstAccount, ok := accounts[account]
		if !ok {
			return nil, fmt.Errorf("row %d: account %d is not the profile's", r.id, account)
		}
		own := provenance{vals: t.normVals(vals), filled: filled}.own(t)
		var raws any
		if raw != nil {
			raws = raw
		}
		r.args = append([]any{to, dstAccount, pid, r.takenAt, offset, device, origin, setting, manual, raws}, own...)
		digest := digestOf(r.args)
		var imp any
		if importID.Valid {
			imp = imports[importID.Int64]
		}
		r.args = append(r.args, scope, variant, digest, imp)
		out = append(out, r)
	}
	return out, rows.Err()
}
