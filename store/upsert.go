package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"vitals/health"
)

// Counts says what an upsert did with the readings of one kind. Every
// reading lands in exactly one count.
type Counts struct {
	Added int // new measurements
	// Held counts readings of measurements already held through another
	// route (an export of the same readings, the vendor's copy of a file's):
	// each is kept as one more provenance and counted once.
	Held      int
	Updated   int // known readings whose content changed: a vendor's correction, a file read again in another zone
	Unchanged int // known readings stored exactly as they were: duplicates
	// Kept counts readings a file delivered under an id it had already
	// used for a different reading: kept beside that one, never over it.
	Kept int
}

func (c Counts) add(o Counts) Counts {
	return Counts{
		Added: c.Added + o.Added, Held: c.Held + o.Held, Updated: c.Updated + o.Updated,
		Unchanged: c.Unchanged + o.Unchanged, Kept: c.Kept + o.Kept,
	}
}

// Result says what an upsert did, per kind.
type Result map[health.Kind]Counts

// Merge adds o's counts to r.
func (r Result) Merge(o Result) {
	for k, c := range o {
		r[k] = r[k].add(c)
	}
}

// Total sums the counts of every kind.
func (r Result) Total() Counts {
	var t Counts
	for _, c := range r {
		t = t.add(c)
	}
	return t
}

// Upsert stores a batch for one profile and account in one transaction:
// every reading is stamped with them. A reading the route already
// delivered (the same account, id scope and provider id) is updated when
// a vendor sends it changed; a file's different reading under a known id
// is kept beside it. A new reading that is a measurement the profile
// already holds through another route is kept as another provenance of
// it (identity.go). Nothing is stored if any reading fails.
func (db *DB) Upsert(ctx context.Context, profileID, accountID int64, b health.Batch) (Result, error) {
	var res Result
	err := db.tx(ctx, func(tx *txn) error {
		var err error
		res, err = upsertBatch(ctx, tx, profileID, accountID, b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: save readings: %w", err)
	}
	return res, nil
}

// CommitPage stores a page of a stream and moves the stream's cursor in
// the same transaction, so that a sync killed at any moment resumes from
// the last page it committed, with nothing lost and nothing doubled.
//
// A page whose every reading is stored already, exactly so (an
// overlapping or caught-up sync's), has nothing to write but the cursor:
// that takes one statement, not a transaction that locks the profile. No
// writer can come between the look and the cursor to change the outcome:
// the account's pages are written by its one round, and anything else
// that changes its readings meanwhile (a route removed, a correction)
// could as well have come after the page.
func (db *DB) CommitPage(ctx context.Context, profileID, accountID int64, stream, cursor string, b health.Batch) (Result, error) {
	if db.readOnly {
		return nil, fmt.Errorf("store: commit page of %s: %w", stream, ErrReadOnly)
	}
	res, stored, err := db.storedAlready(ctx, profileID, accountID, b)
	if err != nil {
		return nil, fmt.Errorf("store: commit page of %s: %w", stream, err)
	}
	if stored {
		if err := setCursor(ctx, db.w, accountID, stream, cursor, db.now().Unix()); err != nil {
			return nil, fmt.Errorf("store: commit page of %s: %w", stream, err)
		}
		return res, nil
	}
	err = db.tx(ctx, func(tx *txn) error {
		var err error
		if res, err = upsertBatch(ctx, tx, profileID, accountID, b); err != nil {
			return err
		}
		return setCursor(ctx, tx, accountID, stream, cursor, db.now().Unix())
	})
	if err != nil {
		return nil, fmt.Errorf("store: commit page of %s: %w", stream, err)
	}
	return res, nil
}

// storedAlready reports whether every reading of b is stored already
// under its key with the same content, and then counts them as
// unchanged. A reading that would fail to store makes it false: the
// upsert then says why.
func (db *DB) storedAlready(ctx context.Context, profileID, accountID int64, b health.Batch) (Result, bool, error) {
	c := &pageCheck{ctx: ctx, h: db.r, profileID: profileID, accountID: accountID, res: Result{}, all: true}
	unchangedKind(c, bpSpec, b.BloodPressure)
	unchangedKind(c, weightSpec, b.Weight)
	unchangedKind(c, activitySpec, b.Activity)
	unchangedKind(c, temperatureSpec, b.Temperature)
	unchangedKind(c, spo2Spec, b.SpO2)
	unchangedKind(c, heartRateSpec, b.HeartRate)
	unchangedKind(c, conditionSpec, b.Conditions)
	if c.err != nil || !c.all {
		return nil, false, c.err
	}
	return c.res, true, nil
}

// pageCheck is storedAlready's look at a page, kind by kind: all stays
// true while every reading looked at is stored already, and then res
// counts them unchanged.
type pageCheck struct {
	ctx                  context.Context
	h                    handle
	profileID, accountID int64
	res                  Result
	all                  bool
	err                  error
}

// unchangedKind looks at one kind's rows, unless the page is decided.
func unchangedKind[T any](c *pageCheck, s spec[T], rows []T) {
	if !c.all || c.err != nil || len(rows) == 0 {
		return
	}
	lo, hi := timeRange(rows, s.meta)
	found, err := c.h.QueryContext(c.ctx, storedQuery(s.table), c.profileID, c.accountID, lo, hi)
	if err != nil {
		c.err = fmt.Errorf("look up %s readings: %w", s.kind, err)
		return
	}
	same, err := scanStored(found)
	if err != nil {
		c.err = fmt.Errorf("look up %s readings: %w", s.kind, err)
		return
	}
	for i := range rows {
		m, _, digest, err := bind(s, &rows[i], c.profileID, c.accountID)
		if err != nil || !same[storedKey(m.IDScope, m.ProviderID, digest)] {
			c.all = false // the upsert stores it, or says why it cannot
			return
		}
	}
	c.res[s.kind] = c.res[s.kind].add(Counts{Unchanged: len(rows)})
}

// bind checks a reading of an account and returns its meta, with the
// profile and account set, its kind's values and its digest.
func bind[T any](s spec[T], r *T, profileID, accountID int64) (m *health.Meta, args []any, digest int64, err error) {
	m = s.meta(r)
	m.ProfileID, m.AccountID, m.Variant = profileID, accountID, 0
	if m.ProviderID == "" {
		return nil, nil, 0, fmt.Errorf("%s reading at %s has no provider id", s.kind, m.Time.Format("2006-01-02 15:04"))
	}
	if m.Time.IsZero() {
		return nil, nil, 0, fmt.Errorf("%s reading %s has no time", s.kind, m.ProviderID)
	}
	kindArgs, err := s.args(r)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s reading %s: %w", s.kind, m.ProviderID, err)
	}
	args = make([]any, 0, len(commonCols)+len(kindArgs)+4)
	args = append(args, profileID, accountID, m.ProviderID, m.Time.Unix(), m.Offset,
		m.Device, m.Origin, string(m.Setting), m.Manual, rawArg(m.Raw))
	args = append(args, kindArgs...)
	// The digest covers what the reading says, not where it is kept
	// (scope, variant): rows stored before those columns existed keep
	// comparing equal.
	return m, args, digestOf(args), nil
}

func upsertBatch(ctx context.Context, tx *txn, profileID, accountID int64, b health.Batch) (Result, error) {
	return upsertImport(ctx, tx, profileID, accountID, nil, b)
}

// upsertImport is upsertBatch for the rows of a file import (importID
// nil: not an import).
func upsertImport(ctx context.Context, tx *txn, profileID, accountID int64, importID any, b health.Batch) (Result, error) {
	p, err := tx.d.lockProfileFor(ctx, tx, profileID, accountID)
	if err != nil {
		return nil, err
	}
	x := newIDTx(ctx, tx)
	defer x.close()
	rank := rankOf(p)
	x.ranks[accountID] = rank
	u := &upserter{idTx: x, profileID: profileID, accountID: accountID, vendor: rank == 0, importID: importID}
	res := Result{}
	err = errors.Join(
		upsertKind(u, bpSpec, b.BloodPressure, res),
		upsertKind(u, weightSpec, b.Weight, res),
		upsertKind(u, activitySpec, b.Activity, res),
		upsertKind(u, temperatureSpec, b.Temperature, res),
		upsertKind(u, spo2Spec, b.SpO2, res),
		upsertKind(u, heartRateSpec, b.HeartRate, res),
		upsertKind(u, conditionSpec, b.Conditions, res),
	)
	if err != nil {
		return nil, err
	}
	if err := x.summarize(); err != nil {
		return nil, err
	}
	return res, nil
}

// upserter stores one batch of one account.
type upserter struct {
	*idTx
	profileID, accountID int64
	vendor               bool // a vendor account: a changed reading is a correction, made in place
	importID             any  // the file import adding the rows (nil for a sync or an entry)
}

// statements of one kind's upsert, built from the table's columns.
type upsertSQL struct {
	insert                     bulkInsert
	current, byKey, updateByID string
}

// bulkInsert is the INSERT of one table's rows, each bound as
// insertCols lists its columns. Rows whose key is taken are left alone
// (ON CONFLICT DO NOTHING): the upsert then looks at what holds the key.
type bulkInsert struct {
	cols                  []string
	pgTypes               []string // each column's PostgreSQL type, for arrays of it
	scopeCol, providerCol int      // where id_scope and provider_id are in cols
	variantCol            int      // and variant
	single                string   // one row, with ? placeholders
	unnest                string   // PostgreSQL: the rows as one array per column
}

// insertCols are the columns an upsert binds, in order: the common ones,
// the kind's, then the key's scope and variant, the digest, the import.
func insertCols(t table) []string {
	return append(append(append([]string{}, commonCols...), t.cols...), "id_scope", "variant", "digest", "import_id")
}

// pgTypeOf is a column's PostgreSQL type, as the migrations declare it.
func pgTypeOf(t table, col string) string {
	switch col {
	case "profile_id", "account_id", "taken_at", "utc_offset", "variant", "digest", "import_id":
		return "int8"
	case "manual":
		return "bool"
	case "raw":
		return "bytea"
	}
	for i, c := range t.cols {
		if c != col {
			continue
		}
		switch t.rules[i].role {
		case roleNum:
			return "float8"
		case roleFlag:
			return "bool"
		}
	}
	return "text"
}

func upsertStatements(t table) upsertSQL {
	cols := insertCols(t)
	var sets []string
	ins := bulkInsert{cols: cols}
	var arrays []string
	for i, c := range cols {
		typ := pgTypeOf(t, c)
		ins.pgTypes = append(ins.pgTypes, typ)
		arrays = append(arrays, "?::"+typ+"[]")
		switch c {
		case "id_scope":
			ins.scopeCol = i
		case "provider_id":
			ins.providerCol = i
		case "variant":
			ins.variantCol = i
		}
		switch c {
		case "account_id", "provider_id", "id_scope", "variant", "import_id":
		default:
			sets = append(sets, c+" = ?")
		}
	}
	const conflict = ` ON CONFLICT (account_id, id_scope, provider_id, variant) DO NOTHING`
	ins.single = fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`+conflict, t.name, strings.Join(cols, ", "), placeholders(len(cols)))
	ins.unnest = fmt.Sprintf(`INSERT INTO %s (%s) SELECT * FROM unnest(%s)`+conflict+` RETURNING id, id_scope, provider_id, variant`,
		t.name, strings.Join(cols, ", "), strings.Join(arrays, ", "))
	set := strings.Join(sets, ", ") + ", filled = 0"
	return upsertSQL{
		insert:  ins,
		current: fmt.Sprintf(`SELECT id, taken_at, digest FROM %s WHERE account_id = ? AND id_scope = ? AND provider_id = ? AND variant = 0`, t.name),
		byKey: fmt.Sprintf(`SELECT id, variant, digest, taken_at, utc_offset, filled, %s FROM %s WHERE account_id = ? AND id_scope = ? AND provider_id = ? ORDER BY variant`,
			strings.Join(t.cols, ", "), t.name),
		updateByID: fmt.Sprintf(`UPDATE %s SET %s WHERE id = ?`, t.name, set),
	}
}

// incoming is one reading of a batch, bound for its INSERT.
type incoming struct {
	args       []any // insertCols' values
	p          provenance
	kind       health.Kind
	scope, pid string
	digest     int64
}

// maxGroup bounds the rows sent in one bulk INSERT.
const maxGroup = 4096

// upsertKind stores one kind's readings. A new key is one INSERT and one
// look for the same measurement in the same minute; a known one is the
// INSERT that does nothing and one UPDATE (vendor) or SELECT (file).
//
// Readings in minutes that hold no measurement yet, each the first of the
// batch in its minute and under a key the batch has not used before, are
// independent of each other: whether one is new, and what a known one
// does, never depends on another. They are inserted together, in groups
// (one statement per group on PostgreSQL); every other reading is stored
// alone, in batch order, after the group before it. The outcome is the
// one of storing every reading alone, in order.
func upsertKind[T any](u *upserter, s spec[T], rows []T, res Result) error {
	if len(rows) == 0 {
		return nil
	}
	k := &kindUpsert{upserter: u, t: s.table, q: upsertStatements(s.table)}
	lo, hi := timeRange(rows, s.meta)
	// The batch's days are summarized again only if something was
	// written: an overlapping sync, which finds every reading stored
	// already, then costs no summary work. (A correction also touches
	// where the reading was.)
	defer func() {
		if c := k.c; c.Added+c.Held+c.Updated+c.Kept > 0 {
			u.touch(u.profileID, lo, hi)
		}
	}()
	var err error
	var same map[string]bool
	if len(rows) >= u.tx.d.bulkRows() {
		if same, err = u.stored(s.table, lo, hi); err != nil {
			return fmt.Errorf("look up %s readings: %w", s.kind, err)
		}
	}
	groupMinutes, groupKeys := map[int64]bool{}, map[string]bool{}
	for i := range rows {
		m, args, digest, err := bind(s, &rows[i], u.profileID, u.accountID)
		if err != nil {
			return err
		}
		kindArgs := args[len(commonCols):]
		if same[storedKey(m.IDScope, m.ProviderID, digest)] {
			k.c.Unchanged++ // stored exactly so: a re-import, an overlapping sync
			continue
		}
		// The minutes are read once a reading needs them: a batch stored
		// already does without.
		if k.seen == nil {
			if k.seen, err = u.occupied(s.table, lo, hi); err != nil {
				return fmt.Errorf("look up %s readings: %w", s.kind, err)
			}
		}
		in := incoming{
			args: append(args, m.IDScope, 0, digest, u.importID), kind: s.kind, scope: m.IDScope, pid: m.ProviderID, digest: digest,
			p: provenance{accountID: u.accountID, scope: m.IDScope, origin: m.Origin, takenAt: m.Time.Unix(),
				offset: int64(m.Offset), vals: s.normVals(slices.Clone(kindArgs))},
		}
		minute, key := minuteOf(in.p.takenAt), rowKey(m.IDScope, m.ProviderID)
		if !k.seen[minute] && !groupMinutes[minute] && !groupKeys[key] {
			k.group = append(k.group, in)
			groupMinutes[minute], groupKeys[key] = true, true
			if len(k.group) == maxGroup {
				if err := k.flush(); err != nil {
					return err
				}
				clear(groupMinutes)
				clear(groupKeys)
			}
			continue
		}
		// This reading may depend on the group's: the group goes first.
		if err := k.flush(); err != nil {
			return err
		}
		clear(groupMinutes)
		clear(groupKeys)
		if err := k.alone(in); err != nil {
			return err
		}
	}
	if err := k.flush(); err != nil {
		return err
	}
	res[s.kind] = res[s.kind].add(k.c)
	return nil
}

// kindUpsert is the state of one kind's upsert.
type kindUpsert struct {
	*upserter
	t     table
	q     upsertSQL
	seen  map[int64]bool // UTC minutes that hold a measurement of the profile
	group []incoming     // readings to insert together (upsertKind)
	c     Counts
}

// flush inserts the group: each reading that is new is a measurement of
// its own (its minute held none); each whose key was taken goes on alone.
func (k *kindUpsert) flush() error {
	if len(k.group) == 0 {
		return nil
	}
	rows := make([][]any, len(k.group))
	for i, in := range k.group {
		rows[i] = in.args
	}
	ids, err := k.tx.d.insertNew(k.ctx, k.idTx, k.q.insert, rows)
	if err != nil {
		return fmt.Errorf("insert %s readings: %w", k.t.kind, err)
	}
	for i, in := range k.group {
		if _, ok := ids[i]; ok {
			k.seen[minuteOf(in.p.takenAt)] = true
			k.c.Added++
			continue
		}
		if err := k.known(in); err != nil {
			return err
		}
	}
	k.group = k.group[:0]
	return nil
}

// alone stores one reading.
func (k *kindUpsert) alone(in incoming) error {
	ids, err := k.tx.d.insertNew(k.ctx, k.idTx, k.q.insert, [][]any{in.args})
	if err != nil {
		return fmt.Errorf("insert %s reading %s: %w", in.kind, in.pid, err)
	}
	id, ok := ids[0]
	if !ok {
		return k.known(in)
	}
	in.p.id = id
	// Only a minute that holds a measurement can hold this one's.
	held := false
	if minute := minuteOf(in.p.takenAt); k.seen[minute] {
		if held, err = k.place(k.t, k.profileID, in.p); err != nil {
			return fmt.Errorf("place %s reading %s: %w", in.kind, in.pid, err)
		}
	} else {
		k.seen[minute] = true
	}
	if held {
		k.c.Held++
	} else {
		k.c.Added++
	}
	return nil
}

// known stores a reading whose key the route has already used.
func (k *kindUpsert) known(in incoming) error {
	// The update's arguments are the insert's minus the key columns.
	n := len(commonCols) + len(k.t.cols)
	upd := make([]any, 0, n+4)
	upd = append(upd, in.args[0])
	upd = append(upd, in.args[3:n]...)
	upd = append(upd, in.digest)
	if k.vendor {
		what, err := k.correct(k.t, k.q, upd, in.scope, in.pid, in.digest)
		if err != nil {
			return fmt.Errorf("update %s reading %s: %w", in.kind, in.pid, err)
		}
		if what == updated {
			k.c.Updated++
		} else {
			k.c.Unchanged++
		}
		return nil
	}
	// An update or a reading kept beside may take the minute.
	k.seen[minuteOf(in.p.takenAt)] = true
	what, err := k.fileKnown(k.t, k.q, upd, in.p, in.scope, in.pid, in.digest)
	if err != nil {
		return fmt.Errorf("store %s reading %s: %w", in.kind, in.pid, err)
	}
	switch what {
	case updated:
		k.c.Updated++
	case unchanged:
		k.c.Unchanged++
	case kept:
		k.c.Kept++
		if err := k.keepBeside(k.t, k.q.insert, in.args[:n], in.p, in.scope, in.pid, in.digest); err != nil {
			return fmt.Errorf("keep %s reading %s: %w", in.kind, in.pid, err)
		}
	}
	return nil
}

// timeRange is the first and last instant of a batch, in Unix seconds.
func timeRange[T any](rows []T, meta func(*T) *health.Meta) (lo, hi int64) {
	lo, hi = math.MaxInt64, math.MinInt64
	for i := range rows {
		at := meta(&rows[i]).Time.Unix()
		lo, hi = min(lo, at), max(hi, at)
	}
	return lo, hi
}

// occupied returns the UTC minutes of [lo, hi] that hold a measurement of
// the profile: one read of the (profile_id, taken_at) index, so that a
// reading in an empty minute, which is most new readings, costs its
// INSERT alone.
func (u *upserter) occupied(t table, lo, hi int64) (map[int64]bool, error) {
	st, err := u.stmt("SELECT taken_at FROM " + t.name + " WHERE profile_id = ? AND taken_at >= ? AND taken_at < ? AND measurement IS NULL")
	if err != nil {
		return nil, err
	}
	res, err := st.QueryContext(u.ctx, u.profileID, minuteOf(lo), minuteOf(hi)+60)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	seen := map[int64]bool{}
	for res.Next() {
		var at int64
		if err := res.Scan(&at); err != nil {
			return nil, err
		}
		seen[minuteOf(at)] = true
	}
	return seen, res.Err()
}

// bulkRows is the batch size from which, on SQLite, the keys and
// digests the account holds in the batch's time range are read at once:
// a re-import or an overlapping sync then costs a map lookup per reading
// instead of two statements. (On PostgreSQL each statement is a round
// trip, so always: see dialect.bulkRows.)
const bulkRows = 128

// stored returns the keys and digests of the account's rows in [lo, hi]
// (a digest covers the instant, so an unchanged reading is in range).
func (u *upserter) stored(t table, lo, hi int64) (map[string]bool, error) {
	st, err := u.stmt(storedQuery(t))
	if err != nil {
		return nil, err
	}
	res, err := st.QueryContext(u.ctx, u.profileID, u.accountID, lo, hi)
	if err != nil {
		return nil, err
	}
	return scanStored(res)
}

// storedQuery reads the keys and digests of an account's rows of table t
// in a time range.
func storedQuery(t table) string {
	return "SELECT id_scope, provider_id, digest FROM " + t.name + " WHERE profile_id = ? AND account_id = ? AND taken_at >= ? AND taken_at <= ?"
}

// scanStored reads storedQuery's rows as a set of storedKey, and closes
// them.
func scanStored(res *sql.Rows) (map[string]bool, error) {
	defer res.Close()
	same := map[string]bool{}
	for res.Next() {
		var scope, id string
		var digest int64
		if err := res.Scan(&scope, &id, &digest); err != nil {
			return nil, err
		}
		same[storedKey(scope, id, digest)] = true
	}
	return same, res.Err()
}

// rowKey is a row's key within its account, variantKey with its variant:
// what bulk inserts match their returned ids by.
func rowKey(scope, providerID string) string { return scope + "\x00" + providerID }

func variantKey(scope, providerID string, variant int64) string {
	return rowKey(scope, providerID) + "\x00" + strconv.FormatInt(variant, 10)
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	}
	return 0
}

func storedKey(scope, providerID string, digest int64) string {
	return fmt.Sprintf("%s\x00%s\x00%d", scope, providerID, digest)
}

// outcome is what happened to a reading under a known key.
type outcome int

const (
	unchanged outcome = iota
	updated
	kept
)

// correct applies a vendor's reading under a key it delivered before: the
// same content changes nothing; a different one is the vendor's
// correction, made in place, and the measurement keeps its other
// provenances.
func (u *upserter) correct(t table, q upsertSQL, upd []any, scope, providerID string, digest int64) (outcome, error) {
	// The row is read first: a correction may move the reading to
	// another day, whose summary must then be recomputed too.
	st, err := u.stmt(q.current)
	if err != nil {
		return 0, err
	}
	var id, takenAt, was int64
	err = st.QueryRowContext(u.ctx, u.accountID, scope, providerID).Scan(&id, &takenAt, &was)
	if errors.Is(err, sql.ErrNoRows) || err == nil && was == digest {
		return unchanged, nil
	}
	if err != nil {
		return 0, err
	}
	u.touch(u.profileID, takenAt, takenAt)
	if st, err = u.stmt(q.updateByID); err != nil {
		return 0, err
	}
	if _, err := st.ExecContext(u.ctx, append(slices.Clip(upd), id)...); err != nil {
		return 0, err
	}
	return updated, u.settle(t, u.profileID, id)
}

// fileKnown decides what a file's reading under a known key is: a
// duplicate of one held (unchanged); the same values at the same wall
// clock read again (another --tz, another export of the row: updated in
// place); or a different reading that reused the id (kept beside).
func (u *upserter) fileKnown(t table, q upsertSQL, upd []any, p provenance, scope, providerID string, digest int64) (outcome, error) {
	st, err := u.stmt(q.byKey)
	if err != nil {
		return 0, err
	}
	rows, err := st.QueryContext(u.ctx, u.accountID, scope, providerID)
	if err != nil {
		return 0, err
	}
	type held struct {
		id, digest, takenAt, offset int64
		own                         []any
	}
	var known []held
	for rows.Next() {
		var h held
		var variant, filled int64
		vals := make([]any, len(t.cols))
		dests := []any{&h.id, &variant, &h.digest, &h.takenAt, &h.offset, &filled}
		for i := range vals {
			dests = append(dests, &vals[i])
		}
		if err := rows.Scan(dests...); err != nil {
			rows.Close()
			return 0, err
		}
		h.own = provenance{vals: t.normVals(vals), filled: filled}.own(t)
		known = append(known, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, h := range known {
		if h.digest == digest {
			return unchanged, nil
		}
	}
	for _, h := range known {
		if h.takenAt+h.offset == p.takenAt+p.offset && slices.Equal(h.own, p.vals) {
			u.touch(u.profileID, h.takenAt, h.takenAt) // it moves from there
			st, err := u.stmt(q.updateByID)
			if err != nil {
				return 0, err
			}
			if _, err := st.ExecContext(u.ctx, append(upd, h.id)...); err != nil {
				return 0, err
			}
			return updated, u.settle(t, u.profileID, h.id)
		}
	}
	return kept, nil
}

// keepBeside stores a file's different reading under a known key as the
// key's next variant, then places it like any new reading.
func (u *upserter) keepBeside(t table, insert bulkInsert, args []any, p provenance, scope, providerID string, digest int64) error {
	st, err := u.stmt("SELECT max(variant) FROM " + t.name + " WHERE account_id = ? AND id_scope = ? AND provider_id = ?")
	if err != nil {
		return err
	}
	var last sql.NullInt64
	if err := st.QueryRowContext(u.ctx, u.accountID, scope, providerID).Scan(&last); err != nil {
		return err
	}
	ids, err := u.tx.d.insertNew(u.ctx, u.idTx, insert, [][]any{append(slices.Clip(args), scope, last.Int64+1, digest, u.importID)})
	if err != nil {
		return err
	}
	var ok bool
	if p.id, ok = ids[0]; !ok {
		return fmt.Errorf("variant %d of %s was taken meanwhile", last.Int64+1, providerID)
	}
	_, err = u.place(t, u.profileID, p)
	return err
}

func rawArg(raw []byte) any {
	if raw == nil {
		return nil
	}
	return raw
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// digestOf hashes the values a row stores, so that an upsert can tell a
// changed reading from a duplicate without comparing column by column.
func digestOf(args []any) int64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, a := range args {
		switch v := a.(type) {
		case nil:
			h.Write([]byte{0})
		case int64:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write([]byte{1})
			h.Write(buf[:])
		case int:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write([]byte{1})
			h.Write(buf[:])
		case float64:
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write([]byte{2})
			h.Write(buf[:])
		case bool:
			if v {
				h.Write([]byte{3, 1})
			} else {
				h.Write([]byte{3, 0})
			}
		case string:
			binary.LittleEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write([]byte{4})
			h.Write(buf[:])
			h.Write([]byte(v))
		case []byte:
			binary.LittleEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write([]byte{5})
			h.Write(buf[:])
			h.Write(v)
		default:
			fmt.Fprintf(h, "%T:%v", v, v)
		}
	}
	return int64(h.Sum64())
}
