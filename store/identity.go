package store

// One measurement, counted once.
//
// A reading table keeps one row per provenance: what one route (a vendor
// account, a file's source, an Omron CSV export, vitals' own export)
// delivered. Rows that are one measurement are linked: the shown row has
// measurement NULL, the others hold its id. Queries read shown rows only.
//
// The rule, in one place (docs/architecture.md, "Measurements and
// provenance", says it for people): two readings of one profile and kind
// are one measurement when they were taken in the same UTC minute, share
// at least one present value (or both are blanked: no value at all), and
// every value present in both agrees within its column's tolerance. Within
// one route (an account and id scope) distinct provider ids are distinct
// measurements: a monitor that records two equal readings in a minute
// recorded two. Weight is the exception a scale makes: a weight, its BMI
// and its body composition sent apart by one source at one instant are one
// measurement when the values both have agree.
//
// Which row is shown: a vendor account's over a typed-in one over a file's,
// then the first stored. It takes each value it lacks from the others, in
// that order, and marks it in its filled bits, so a weight shows its BMI
// and the row's own values can always be told apart.
//
// Everything here is plain SQL on the row's columns (no SQLite functions),
// so a PostgreSQL backend can run the same statements.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// roleKind says how a kind's column takes part in identity.
type roleKind uint8

const (
	roleNum  roleKind = iota // a measured number: compared within a tolerance
	roleFlag                 // a yes/no flag: not compared; a shown row takes a raised flag
	roleCode                 // a code (a condition's): compared exactly
	roleText                 // carried along ('' when missing): not compared
	roleAux                  // carried along (NULL when missing): not compared
)

// rule is one column's part in identity.
type rule struct {
	role roleKind
	tol  float64 // roleNum: the largest difference that still agrees
}

func num(tol float64) rule { return rule{role: roleNum, tol: tol} }
func flag() rule           { return rule{role: roleFlag} }
func code() rule           { return rule{role: roleCode} }
func text() rule           { return rule{role: roleText} }
func aux() rule            { return rule{role: roleAux} }

// norm turns a value as bound or as scanned into nil, float64, bool or
// string, so values from both sides compare with ==.
func (r rule) norm(v any) any {
	switch x := v.(type) {
	case nil:
		return r.zero()
	case bool:
		if r.role == roleFlag {
			return x
		}
		return float64(b2i(x))
	case int64:
		if r.role == roleFlag {
			return x != 0
		}
		return float64(x)
	case int:
		return r.norm(int64(x))
	case float64:
		if r.role == roleFlag {
			return x != 0
		}
		return x
	case []byte:
		return string(x)
	}
	return v
}

// zero is what the column holds when the value is missing.
func (r rule) zero() any {
	switch r.role {
	case roleFlag:
		return false
	case roleCode, roleText:
		return ""
	}
	return nil
}

func (r rule) missing(v any) bool { return v == r.zero() }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// agree applies the identity rule to two rows' values of table t. With
// shared, at least one value must be present in both (or neither row has
// any value: both blanked); without it, a row's parts need only not
// contradict each other.
func (t table) agree(a, b []any, shared bool) bool {
	both, blankA, blankB := false, true, true
	for i, r := range t.rules {
		switch r.role {
		case roleNum:
			x, okx := a[i].(float64)
			y, oky := b[i].(float64)
			blankA, blankB = blankA && !okx, blankB && !oky
			if okx && oky {
				// The epsilon keeps 0.5 within 0.5 after float arithmetic.
				if math.Abs(x-y) > r.tol+1e-9 {
					return false
				}
				both = true
			}
		case roleCode:
			x, y := a[i].(string), b[i].(string)
			blankA, blankB = blankA && x == "", blankB && y == ""
			if x != "" && y != "" {
				if x != y {
					return false
				}
				both = true
			}
		}
	}
	return !shared || both || (blankA && blankB)
}

// normVals normalises a row's kind values in place.
func (t table) normVals(vals []any) []any {
	for i, r := range t.rules {
		vals[i] = r.norm(vals[i])
	}
	return vals
}

// provenance is one stored row as identity sees it.
type provenance struct {
	id          int64
	accountID   int64
	scope       string
	origin      string
	takenAt     int64
	offset      int64
	measurement int64 // 0 on a shown row
	filled      int64
	vals        []any // as stored: a shown row's include the values it filled
}

// own returns the row's own values: filled ones back to missing.
func (p provenance) own(t table) []any {
	out := slices.Clone(p.vals)
	for i, r := range t.rules {
		if p.filled&(1<<i) != 0 {
			out[i] = r.zero()
		}
	}
	return out
}

// provCols selects a provenance; scanProv reads it.
func provCols(t table) string {
	return "id, account_id, id_scope, origin, taken_at, utc_offset, COALESCE(measurement, 0), filled, " + strings.Join(t.cols, ", ")
}

func scanProv(t table, rows *sql.Rows) ([]provenance, error) {
	defer rows.Close()
	var out []provenance
	for rows.Next() {
		p := provenance{vals: make([]any, len(t.cols))}
		dests := []any{&p.id, &p.accountID, &p.scope, &p.origin, &p.takenAt, &p.offset, &p.measurement, &p.filled}
		for i := range p.vals {
			dests = append(dests, &p.vals[i])
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		t.normVals(p.vals)
		out = append(out, p)
	}
	return out, rows.Err()
}

// minuteOf is the start of the UTC minute of a Unix time.
func minuteOf(unix int64) int64 {
	m := unix % 60
	if m < 0 {
		m += 60
	}
	return unix - m
}

// rankOf orders the records of one measurement: the lowest is shown. A
// vendor's record carries the most (flags, device, corrections); a typed
// one was at least seen by a person; a file's is a copy of either.
func rankOf(p Provider) int {
	switch p {
	case ProviderOmron, ProviderOneUp:
		return 0
	case ProviderManual:
		return 1
	}
	return 2
}

// idTx is the identity work of one write transaction: it caches the
// statements it runs (stmt) and account ranks.
type idTx struct {
	ctx   context.Context
	tx    *txn
	ranks map[int64]int
	stmts map[string]stmt
	dirty map[int64]span // profile → instants whose days summarize recomputes
}

func newIDTx(ctx context.Context, tx *txn) *idTx {
	return &idTx{ctx: ctx, tx: tx, ranks: map[int64]int{}, stmts: map[string]stmt{}}
}

func (x *idTx) close() {
	for _, st := range x.stmts {
		if c, ok := st.(interface{ Close() error }); ok {
			c.Close()
		}
	}
}

func (x *idTx) stmt(q string) (stmt, error) {
	if st, ok := x.stmts[q]; ok {
		return st, nil
	}
	st, err := x.tx.d.prepare(x.ctx, x.tx, q)
	if err != nil {
		return nil, err
	}
	x.stmts[q] = st
	return st, nil
}

// rank returns the precedence of an account's records (rankOf).
func (x *idTx) rank(accountID int64) (int, error) {
	if r, ok := x.ranks[accountID]; ok {
		return r, nil
	}
	p, err := accountProvider(x.ctx, x.tx, accountID)
	if err != nil {
		return 0, err
	}
	x.ranks[accountID] = rankOf(p)
	return x.ranks[accountID], nil
}

// accountProvider reads which provider an account is of.
func accountProvider(ctx context.Context, tx *txn, accountID int64) (Provider, error) {
	var p Provider
	err := tx.QueryRowContext(ctx, `SELECT provider FROM accounts WHERE id = ?`, accountID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read account %d: %w", accountID, err)
	}
	return p, nil
}

func (x *idTx) query(t table, q string, args ...any) ([]provenance, error) {
	st, err := x.stmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(x.ctx, args...)
	if err != nil {
		return nil, err
	}
	return scanProv(t, rows)
}

// row reads one row by id.
func (x *idTx) row(t table, id int64) (provenance, error) {
	ps, err := x.query(t, "SELECT "+provCols(t)+" FROM "+t.name+" WHERE id = ?", id)
	if err != nil {
		return provenance{}, err
	}
	if len(ps) == 0 {
		return provenance{}, fmt.Errorf("%s row %d: %w", t.kind, id, ErrNotFound)
	}
	return ps[0], nil
}

// members returns the rows of the measurement whose shown row is (or was)
// id: that row, if it is still there, and every row pointing at it.
func (x *idTx) members(t table, id int64) ([]provenance, error) {
	cols := provCols(t)
	return x.query(t, "SELECT "+cols+" FROM "+t.name+" WHERE id = ? UNION ALL SELECT "+cols+" FROM "+t.name+" WHERE measurement = ?", id, id)
}

// place links a row that is a measurement of its own (shown, nothing
// pointing at it) to the measurement it is another provenance of, if
// there is one, and reports whether it found one.
func (x *idTx) place(t table, profileID int64, p provenance) (bool, error) {
	from := minuteOf(p.takenAt)
	cands, err := x.query(t, "SELECT "+provCols(t)+" FROM "+t.name+
		" WHERE profile_id = ? AND taken_at >= ? AND taken_at < ? AND measurement IS NULL AND id <> ?",
		profileID, from, from+60, p.id)
	if err != nil || len(cands) == 0 {
		return false, err
	}
	var best *provenance
	var bestMembers []provenance
	var bestGap int64
	for i := range cands {
		c := &cands[i]
		ms, err := x.members(t, c.id)
		if err != nil {
			return false, err
		}
		if !t.joins(p, *c, ms) {
			continue
		}
		gap := c.takenAt - p.takenAt
		if gap < 0 {
			gap = -gap
		}
		if best == nil || gap < bestGap || (gap == bestGap && c.id < best.id) {
			best, bestMembers, bestGap = c, ms, gap
		}
	}
	if best == nil {
		return false, nil
	}
	st, err := x.stmt("UPDATE " + t.name + " SET measurement = ? WHERE id = ?")
	if err != nil {
		return false, err
	}
	if _, err := st.ExecContext(x.ctx, best.id, p.id); err != nil {
		return false, err
	}
	p.measurement = best.id
	return true, x.arrange(t, append(bestMembers, p))
}

// joins applies the identity rule to a row and a measurement, given by its
// shown row c and all its rows ms.
func (t table) joins(p, c provenance, ms []provenance) bool {
	sameRoute := false
	for _, m := range ms {
		if m.accountID != p.accountID || m.scope != p.scope {
			continue
		}
		if t.parts && m.origin == p.origin && m.takenAt == p.takenAt {
			return t.agree(p.vals, c.vals, false)
		}
		sameRoute = true
	}
	return !sameRoute && t.agree(p.vals, c.vals, true)
}

// refresh makes one row of the measurement whose shown row is (or was) id
// the shown one, fills what it lacks from the others, and points the
// others at it. It is called whenever a measurement gains, changes or
// loses a row.
func (x *idTx) refresh(t table, id int64) error {
	ms, err := x.members(t, id)
	if err != nil || len(ms) == 0 {
		return err
	}
	return x.arrange(t, ms)
}

// arrange is refresh given the measurement's rows as stored.
func (x *idTx) arrange(t table, ms []provenance) error {
	var err error
	ranks := make([]int, len(ms))
	for i, m := range ms {
		if ranks[i], err = x.rank(m.accountID); err != nil {
			return err
		}
	}
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if ranks[a] != ranks[b] {
			return ranks[a] - ranks[b]
		}
		return cmp.Compare(ms[a].id, ms[b].id)
	})
	shown := ms[order[0]]
	merged := shown.own(t)
	var bits int64
	for i, r := range t.rules {
		if r.role == roleCode || !r.missing(merged[i]) {
			continue
		}
		for _, k := range order[1:] {
			if v := ms[k].own(t)[i]; !r.missing(v) {
				merged[i], bits = v, bits|1<<i
				break
			}
		}
	}
	if err := x.setRow(t, shown, 0, bits, merged); err != nil {
		return err
	}
	for _, k := range order[1:] {
		if err := x.setRow(t, ms[k], shown.id, 0, ms[k].own(t)); err != nil {
			return err
		}
	}
	return nil
}

// setRow writes a row's link, filled bits and values when they changed.
func (x *idTx) setRow(t table, p provenance, measurement, filled int64, vals []any) error {
	if p.measurement == measurement && p.filled == filled && slices.Equal(p.vals, vals) {
		return nil
	}
	sets := []string{"measurement = ?", "filled = ?"}
	args := []any{nullID(measurement), filled}
	for i, c := range t.cols {
		sets = append(sets, c+" = ?")
		args = append(args, vals[i])
	}
	st, err := x.stmt("UPDATE " + t.name + " SET " + strings.Join(sets, ", ") + " WHERE id = ?")
	if err != nil {
		return err
	}
	_, err = st.ExecContext(x.ctx, append(args, p.id)...)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// settle re-applies identity to a row whose content changed in place (a
// vendor's correction, a file read again in another zone): the
// measurement it belongs to recomputes what it shows; a row that was a
// measurement of its own may now be another provenance of one.
func (x *idTx) settle(t table, profileID, id int64) error {
	p, err := x.row(t, id)
	if err != nil {
		return err
	}
	if p.measurement != 0 {
		return x.refresh(t, p.measurement)
	}
	ms, err := x.members(t, id)
	if err != nil {
		return err
	}
	if len(ms) > 1 {
		return x.refresh(t, id)
	}
	_, err = x.place(t, profileID, p)
	return err
}

// remove deletes the rows of table t that where selects (a condition on
// the table's own columns) and gives every measurement that loses its
// shown row another one from what remains: unlinking an account keeps the
// measurements a file also holds.
func (x *idTx) remove(t table, where string, args ...any) (int64, error) {
	rows, err := x.tx.QueryContext(x.ctx, "SELECT DISTINCT COALESCE(measurement, id) FROM "+t.name+" WHERE ("+where+
		") AND (measurement IS NOT NULL OR EXISTS (SELECT 1 FROM "+t.name+" h WHERE h.measurement = "+t.name+".id))", args...)
	if err != nil {
		return 0, err
	}
	var groups []int64
	for rows.Next() {
		var g int64
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return 0, err
		}
		groups = append(groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := x.touchWhere(t, where, args...); err != nil {
		return 0, err
	}
	res, err := x.tx.ExecContext(x.ctx, "DELETE FROM "+t.name+" WHERE "+where, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	for _, g := range groups {
		if err := x.refresh(t, g); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// linkAll links the rows of table t that are one measurement, oldest
// first: what migration 3 does to a database whose routes each kept their
// own copy.
func (x *idTx) linkAll(t table) error {
	rows, err := x.tx.QueryContext(x.ctx, "SELECT profile_id, id FROM "+t.name+" ORDER BY profile_id, taken_at, id")
	if err != nil {
		return err
	}
	type ref struct{ profile, id int64 }
	var all []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.profile, &r.id); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		p, err := x.row(t, r.id)
		if err != nil {
			return err
		}
		if p.measurement != 0 {
			continue // already another provenance of an earlier row's measurement
		}
		ms, err := x.members(t, p.id)
		if err != nil {
			return err
		}
		if len(ms) > 1 {
			continue // already a measurement others joined
		}
		if _, err := x.place(t, r.profile, p); err != nil {
			return fmt.Errorf("link %s row %d: %w", t.kind, p.id, err)
		}
	}
	return nil
}
