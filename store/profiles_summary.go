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
	return db.summarize(ctx, profiles, 0)
}

// ProfileSummary returns one profile's summary: what removing it would
// delete, or its line in a list.
func (db *DB) ProfileSummary(ctx context.Context, profileID int64) (ProfileSummary, error) {
	p, err := db.ProfileByID(ctx, profileID)
	if err != nil {
		return ProfileSummary{}, err
	}
	out, err := db.summarize(ctx, []Profile{p}, profileID)
	if err != nil {
		return ProfileSummary{}, err
	}
	return out[0], nil
}

// summarize counts the accounts and readings of the given profiles; only
// is the one profile to count (0: every profile).
func (db *DB) summarize(ctx context.Context, profiles []Profile, only int64) ([]ProfileSummary, error) {
	out := make([]ProfileSummary, len(profiles))
	index := make(map[int64]*ProfileSummary, len(profiles))
	for i, p := range profiles {
		out[i] = ProfileSummary{Profile: p, Readings: map[health.Kind]int{}}
		index[p.ID] = &out[i]
	}
	where, args := "", []any(nil)
	if only != 0 {
		where, args = " WHERE profile_id = ?", []any{only}
	}

	// Readings are counted as measurements: shown rows only.
	shown := " WHERE measurement IS NULL"
	if only != 0 {
		shown = " WHERE profile_id = ? AND measurement IS NULL"
	}

	rows, err := db.r.QueryContext(ctx, `SELECT profile_id, count(*) FROM accounts`+where+` GROUP BY profile_id`, args...)
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

	// Counts and newest times come from the (profile_id, taken_at) index
	// of shown rows alone; only the newest reading's row is read, for its
	// offset. A bare utc_offset beside max() would read every row of the
	// table.
	var parts []string
	var partArgs []any
	for _, t := range allTables {
		parts = append(parts, fmt.Sprintf(`SELECT g.profile_id, '%[1]s', g.n, g.last,
			(SELECT utc_offset FROM %[2]s x WHERE x.profile_id = g.profile_id AND x.taken_at = g.last AND x.measurement IS NULL LIMIT 1)
			FROM (SELECT profile_id, count(*) AS n, max(taken_at) AS last FROM %[2]s%[3]s GROUP BY profile_id) g`,
			t.kind, t.name, shown))
		partArgs = append(partArgs, args...)
	}
	rows, err = db.r.QueryContext(ctx, strings.Join(parts, " UNION ALL "), partArgs...)
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
			continue // a profile added since the profiles were listed
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
