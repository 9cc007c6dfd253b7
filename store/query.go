package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// Place selects readings by where they were taken.
type Place int

const (
	AnyPlace   Place = iota
	HomeOnly         // every reading not taken in a clinic (home, device, unknown)
	OfficeOnly       // readings a health system or a person marked as office readings
)

// Filter selects measurements of one profile. Every query returns one
// reading per measurement (its shown record, see identity.go), however
// many routes delivered it, so counts, means and flag rates count each
// measurement once.
type Filter struct {
	ProfileID int64
	// AllProfiles selects the measurements of every profile instead of
	// ProfileID's (the clinician's panel): each profile's are read through
	// the (profile_id, taken_at) index, so a window costs what it holds.
	AllProfiles bool
	From, To    time.Time // [From, To); a zero time leaves that end open
	// AccountID, when not 0, selects the measurements that account
	// delivered, alone or with other routes; each is still returned as its
	// shown record, which may be another route's.
	AccountID int64
	Place     Place
	Limit     int  // 0: no limit
	Newest    bool // newest first; oldest first otherwise
	Raw       bool // load raw payloads too (they are large)

	// Blood pressure only: each narrows the selection.
	Flagged bool // possible AFib or irregular heartbeat
	Severe  bool // above 180 systolic and/or 120 diastolic
	// Alerts: flagged, above 180/120, or without a pressure (blanked):
	// what may raise an alert.
	Alerts bool
}

func (f Filter) where(t table) (string, []any) {
	conds, args := []string{"profile_id = ?", "measurement IS NULL"}, []any{f.ProfileID}
	if f.AllProfiles {
		conds, args = []string{"profile_id IN (SELECT id FROM profiles)", "measurement IS NULL"}, nil
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "taken_at >= ?"), append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "taken_at < ?"), append(args, f.To.Unix())
	}
	if f.AccountID != 0 {
		conds = append(conds, fmt.Sprintf("(account_id = ? OR EXISTS (SELECT 1 FROM %[1]s p WHERE p.measurement = %[1]s.id AND p.account_id = ?))", t.name))
		args = append(args, f.AccountID, f.AccountID)
	}
	switch f.Place {
	case HomeOnly:
		conds = append(conds, "setting <> 'office'")
	case OfficeOnly:
		conds = append(conds, "setting = 'office'")
	}
	if f.Flagged {
		conds = append(conds, "(possible_afib OR irregular)") // a flag is a boolean on PostgreSQL, 0 or 1 on SQLite
	}
	if f.Severe {
		conds = append(conds, "(systolic > 180 OR diastolic > 120)")
	}
	if f.Alerts {
		conds = append(conds, "(possible_afib OR irregular OR systolic > 180 OR diastolic > 120 OR systolic IS NULL OR diastolic IS NULL OR systolic <= 0 OR diastolic <= 0)")
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func selectReadings[T any](ctx context.Context, db *DB, s spec[T], f Filter) ([]T, error) {
	if (f.Flagged || f.Severe || f.Alerts) && s.kind != health.KindBloodPressure {
		return nil, fmt.Errorf("store: flagged and severe apply to blood pressure, not %s", s.kind)
	}
	raw := "NULL"
	if f.Raw {
		raw = "raw"
	}
	where, args := f.where(s.table)
	order := " ORDER BY taken_at, id"
	if f.Newest {
		order = " ORDER BY taken_at DESC, id DESC"
	}
	q := "SELECT id, profile_id, account_id, id_scope, provider_id, variant, taken_at, utc_offset, device, origin, setting, manual, " +
		raw + ", " + strings.Join(s.cols, ", ") + " FROM " + s.name + where + order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query %s: %w", s.kind, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var r T
		m := s.meta(&r)
		var takenAt int64
		dests := append([]any{&m.ID, &m.ProfileID, &m.AccountID, &m.IDScope, &m.ProviderID, &m.Variant, &takenAt, &m.Offset,
			&m.Device, &m.Origin, &m.Setting, &m.Manual, &m.Raw}, s.dests(&r)...)
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("store: read %s: %w", s.kind, err)
		}
		m.Time = time.Unix(takenAt, 0).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query %s: %w", s.kind, err)
	}
	return out, nil
}

// BloodPressures returns the blood-pressure readings the filter selects.
func (db *DB) BloodPressures(ctx context.Context, f Filter) ([]health.BloodPressure, error) {
	return selectReadings(ctx, db, bpSpec, f)
}

// Weights returns the weight readings the filter selects.
func (db *DB) Weights(ctx context.Context, f Filter) ([]health.Weight, error) {
	return selectReadings(ctx, db, weightSpec, f)
}

// Activities returns the daily activity readings the filter selects.
func (db *DB) Activities(ctx context.Context, f Filter) ([]health.Activity, error) {
	return selectReadings(ctx, db, activitySpec, f)
}

// Temperatures returns the temperature readings the filter selects.
func (db *DB) Temperatures(ctx context.Context, f Filter) ([]health.Temperature, error) {
	return selectReadings(ctx, db, temperatureSpec, f)
}

// SpO2s returns the SpO2 readings the filter selects.
func (db *DB) SpO2s(ctx context.Context, f Filter) ([]health.SpO2, error) {
	return selectReadings(ctx, db, spo2Spec, f)
}

// HeartRates returns the heart-rate readings the filter selects.
func (db *DB) HeartRates(ctx context.Context, f Filter) ([]health.HeartRate, error) {
	return selectReadings(ctx, db, heartRateSpec, f)
}

// Conditions returns the conditions the filter selects.
func (db *DB) Conditions(ctx context.Context, f Filter) ([]health.Condition, error) {
	return selectReadings(ctx, db, conditionSpec, f)
}

// Batch returns every reading and condition the filter selects, as one
// batch (for exports).
func (db *DB) Batch(ctx context.Context, f Filter) (health.Batch, error) {
	var b health.Batch
	var err error
	if b.BloodPressure, err = db.BloodPressures(ctx, f); err != nil {
		return b, err
	}
	if b.Weight, err = db.Weights(ctx, f); err != nil {
		return b, err
	}
	if b.Activity, err = db.Activities(ctx, f); err != nil {
		return b, err
	}
	if b.Temperature, err = db.Temperatures(ctx, f); err != nil {
		return b, err
	}
	if b.SpO2, err = db.SpO2s(ctx, f); err != nil {
		return b, err
	}
	if b.HeartRate, err = db.HeartRates(ctx, f); err != nil {
		return b, err
	}
	b.Conditions, err = db.Conditions(ctx, f)
	return b, err
}

// Count returns how many measurements of a kind the filter selects.
func (db *DB) Count(ctx context.Context, k health.Kind, f Filter) (int, error) {
	t, err := tableOf(k)
	if err != nil {
		return 0, err
	}
	where, args := f.where(t)
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", k, err)
	}
	return n, nil
}

// Span is the time range a profile's readings of one kind cover.
type Span struct {
	First, Last time.Time
	N           int
}

// Span returns the first and last reading times of a kind; N is 0 when
// there are none.
func (db *DB) Span(ctx context.Context, k health.Kind, f Filter) (Span, error) {
	t, err := tableOf(k)
	if err != nil {
		return Span{}, err
	}
	where, args := f.where(t)
	var first, last sql.NullInt64
	var s Span
	err = db.r.QueryRowContext(ctx, "SELECT min(taken_at), max(taken_at), count(*) FROM "+t.name+where, args...).Scan(&first, &last, &s.N)
	if err != nil {
		return s, fmt.Errorf("store: span of %s: %w", k, err)
	}
	s.First, s.Last = fromUnix(first), fromUnix(last)
	return s, nil
}

// SourceStat is what one source has delivered of one kind. N counts the
// readings it delivered: a measurement that also arrived by another route
// counts under both (Routes tells how many only one route holds).
type SourceStat struct {
	AccountID int64
	Origin    string
	Kind      health.Kind
	N         int
	First     time.Time
	Last      time.Time // the newest reading: a source that has gone quiet shows here
}

// SourceStats summarises a profile's readings by account, origin and kind.
func (db *DB) SourceStats(ctx context.Context, profileID int64) ([]SourceStat, error) {
	var parts []string
	var args []any
	for _, t := range allTables {
		parts = append(parts, fmt.Sprintf(
			"SELECT account_id, origin, '%s', count(*), min(taken_at), max(taken_at) FROM %s WHERE profile_id = ? GROUP BY account_id, origin",
			t.kind, t.name))
		args = append(args, profileID)
	}
	rows, err := db.r.QueryContext(ctx, strings.Join(parts, " UNION ALL ")+" ORDER BY 1, 2, 3", args...)
	if err != nil {
		return nil, fmt.Errorf("store: source summary: %w", err)
	}
	defer rows.Close()
	var out []SourceStat
	for rows.Next() {
		var s SourceStat
		var first, last int64
		if err := rows.Scan(&s.AccountID, &s.Origin, &s.Kind, &s.N, &first, &last); err != nil {
			return nil, fmt.Errorf("store: read source summary: %w", err)
		}
		s.First, s.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}
