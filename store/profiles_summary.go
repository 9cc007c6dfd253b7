package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// ProfileSummary is a profile with what it holds, for lists of patients.
type ProfileSummary struct {
	Profile
	Accounts int
	// Readings counts measurements by kind, and conditions under
	// health.KindCondition.
	Readings map[health.Kind]int
	// Total counts measurements of every kind; conditions are left out.
	Total int
	// LastReading is the newest measurement's instant (zero when there is
	// none) and LastOffset the wall-clock offset it was taken at.
	LastReading time.Time
	LastOffset  int
}

// ProfileSummaries lists every profile by name with its account count,
// reading counts and newest reading. It runs three queries whatever the
// number of profiles, so a clinic's list of hundreds stays quick.
func (db *DB) ProfileSummaries(ctx context.Context) ([]ProfileSummary, error) {
	profiles, err := db.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProfileSummary, len(profiles))
	index := make(map[int64]*ProfileSummary, len(profiles))
	for i, p := range profiles {
		out[i] = ProfileSummary{Profile: p, Readings: map[health.Kind]int{}}
		index[p.ID] = &out[i]
	}

	rows, err := db.r.QueryContext(ctx, `SELECT profile_id, count(*) FROM accounts GROUP BY profile_id`)
	if err != nil {
		return nil, fmt.Errorf("store: count accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: count accounts: %w", err)
		}
		if s := index[id]; s != nil {
			s.Accounts = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count accounts: %w", err)
	}
	rows.Close()

	// utc_offset is a bare column beside max(): SQLite takes it from the
	// row holding the maximum, which is the newest reading's offset.
	var parts []string
	for _, t := range allTables {
		parts = append(parts, fmt.Sprintf(
			"SELECT profile_id, '%s', count(*), max(taken_at), utc_offset FROM %s GROUP BY profile_id", t.kind, t.name))
	}
	rows, err = db.r.QueryContext(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, fmt.Errorf("store: count readings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, last int64
		var kind health.Kind
		var n, offset int
		if err := rows.Scan(&id, &kind, &n, &last, &offset); err != nil {
			return nil, fmt.Errorf("store: count readings: %w", err)
		}
		s := index[id]
		if s == nil {
			continue // a profile added since the first query
		}
		s.Readings[kind] = n
		if kind == health.KindCondition {
			continue
		}
		s.Total += n
		if at := time.Unix(last, 0).UTC(); at.After(s.LastReading) {
			s.LastReading, s.LastOffset = at, offset
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count readings: %w", err)
	}
	return out, nil
}
