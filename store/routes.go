package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// Route is one way a profile's readings of one kind arrived: an account (a
// linked vendor account, or the file-import or manual pseudo account)
// and, within it, one origin and id scope: a system connected through
// 1upHealth, the Omron Connect CSV exports, the files that name one FHIR
// source, one file that names none.
type Route struct {
	AccountID int64
	Provider  Provider
	Origin    string // the system the readings came from, as screens name it
	IDScope   string // where the route's provider ids are unique (health.Meta.IDScope)
	Kind      health.Kind

	Rows         int // readings the route delivered: one per provenance
	Measurements int // the measurements those readings are
	// Alone counts the measurements no other route delivered: what
	// removing this route would take out of every count. Measurements
	// minus Alone are held through another route too.
	Alone int

	First, Last time.Time // the route's first and newest reading
}

// Routes lists every route of a profile's readings, kind by kind, with
// what each delivered and how many measurements it alone supplies: the
// report's "Sources" section, and what to check before unlinking an
// account or removing a file's readings. Ordered by account, origin, id
// scope and kind.
func (db *DB) Routes(ctx context.Context, profileID int64) ([]Route, error) {
	return db.RoutesOf(ctx, profileID, RouteFilter{})
}

// RouteFilter narrows Routes to one kind of reading and to the days of a
// period by each reading's own wall clock, as the protocol counts them
// (a report's Sources section).
type RouteFilter struct {
	Kind     health.Kind // "" for every kind
	From, To health.Date // the period's first and last day; zero: unbounded
}

// RoutesOf is Routes narrowed by f.
func (db *DB) RoutesOf(ctx context.Context, profileID int64, f RouteFilter) ([]Route, error) {
	var parts []string
	var args []any
	var within string
	var bounds []any
	if !f.From.IsZero() {
		// The instant bound lets the index narrow the rows (offsets run
		// from UTC−12 to UTC+14); the wall-clock bound is the rule.
		lo := f.From.In(time.UTC).Unix()
		within += " AND r.taken_at >= ? AND r.taken_at + r.utc_offset >= ?"
		bounds = append(bounds, lo-14*3600, lo)
	}
	if !f.To.IsZero() {
		hi := f.To.AddDays(1).In(time.UTC).Unix()
		within += " AND r.taken_at < ? AND r.taken_at + r.utc_offset < ?"
		bounds = append(bounds, hi+12*3600, hi)
	}
	for _, t := range allTables {
		if f.Kind != "" && t.kind != f.Kind {
			continue
		}
		// g is the measurement of row r: its shown row's id. A row is its
		// route's alone when no row of another route shares g.
		parts = append(parts, fmt.Sprintf(`SELECT r.account_id, a.provider, r.origin, r.id_scope, '%[1]s',
			count(*), count(DISTINCT COALESCE(r.measurement, r.id)),
			count(DISTINCT CASE WHEN
				NOT EXISTS (SELECT 1 FROM %[2]s o WHERE o.id = COALESCE(r.measurement, r.id)
					AND (o.account_id <> r.account_id OR o.origin <> r.origin OR o.id_scope <> r.id_scope))
				AND NOT EXISTS (SELECT 1 FROM %[2]s o WHERE o.measurement = COALESCE(r.measurement, r.id)
					AND (o.account_id <> r.account_id OR o.origin <> r.origin OR o.id_scope <> r.id_scope))
				THEN COALESCE(r.measurement, r.id) END),
			min(r.taken_at), max(r.taken_at)
			FROM %[2]s r JOIN accounts a ON a.id = r.account_id
			WHERE r.profile_id = ?`+within+`
			GROUP BY r.account_id, a.provider, r.origin, r.id_scope`, t.kind, t.name))
		args = append(append(args, profileID), bounds...)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("store: list routes: no readings of kind %q", f.Kind)
	}
	rows, err := db.r.QueryContext(ctx, strings.Join(parts, " UNION ALL ")+" ORDER BY 1, 3, 4, 5", args...)
	if err != nil {
		return nil, fmt.Errorf("store: list routes: %w", err)
	}
	defer rows.Close()
	var out []Route
	for rows.Next() {
		var r Route
		var first, last int64
		if err := rows.Scan(&r.AccountID, &r.Provider, &r.Origin, &r.IDScope, &r.Kind, &r.Rows, &r.Measurements, &r.Alone, &first, &last); err != nil {
			return nil, fmt.Errorf("store: read routes: %w", err)
		}
		r.First, r.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// RemoveRoute deletes the readings one route delivered to a profile (an
// account's readings of one origin and id scope, e.g. a file imported by
// mistake), of every kind, and returns how many rows went. Measurements
// that another route also delivered stay, shown from what remains.
func (db *DB) RemoveRoute(ctx context.Context, profileID, accountID int64, origin, idScope string) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *txn) error {
		if err := tx.d.lockProfile(ctx, tx, profileID); err != nil {
			return err
		}
		x := newIDTx(ctx, tx)
		defer x.close()
		for _, t := range allTables {
			m, err := x.remove(t, "profile_id = ? AND account_id = ? AND origin = ? AND id_scope = ?", profileID, accountID, origin, idScope)
			if err != nil {
				return fmt.Errorf("%s: %w", t.kind, err)
			}
			n += int(m)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: remove readings of %q: %w", origin, err)
	}
	return n, nil
}
