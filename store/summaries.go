package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"vitals/health"
)

// Daily summaries: per profile, local day and source account, what the
// shown readings of that day add up to (migrations/*/0007_panel.sql). They
// are kept by recomputing, never by adding up deltas: every write of
// readings records the instants it touched (idTx.touch), and before its
// transaction commits the days those instants may fall on are recomputed
// from the shown rows (idTx.summarize). A measurement that gains a route,
// a vendor's correction that moves a reading, an undone import: whatever
// changed which rows are shown, the day is read again as it now is.

// maxOffset bounds a wall-clock offset from UTC (+14:00 is the furthest
// east; −12:00 the furthest west): a reading taken at a UTC instant falls
// on a local day within this much of it.
const maxOffset = 14 * 3600

const daySeconds = 86400

// DayNumber is a calendar day as daily summaries store it: days since
// 1970-01-01.
func DayNumber(d health.Date) int64 { return floorDiv(d.In(time.UTC).Unix(), daySeconds) }

// DateOfDay is the calendar day of a day number.
func DateOfDay(n int64) health.Date { return health.DateOf(time.Unix(n*daySeconds, 0).UTC()) }

// dayOf is the local day of a reading taken at a UTC instant with an
// offset.
func dayOf(takenAt, offset int64) int64 { return floorDiv(takenAt+offset, daySeconds) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// span is a range of UTC instants a transaction wrote readings at.
type span struct{ lo, hi int64 }

// touch records that the profile's readings at UTC instants lo..hi
// changed: their days are recomputed before the transaction commits.
func (x *idTx) touch(profileID, lo, hi int64) {
	if lo > hi {
		return
	}
	if x.dirty == nil {
		x.dirty = map[int64]span{}
	}
	s, ok := x.dirty[profileID]
	if !ok {
		x.dirty[profileID] = span{lo, hi}
		return
	}
	x.dirty[profileID] = span{min(s.lo, lo), max(s.hi, hi)}
}

// summarize recomputes the daily summaries of every day the transaction's
// writes may have changed. Each write path calls it last, in the same
// transaction as the readings it wrote.
func (x *idTx) summarize() error {
	for profileID, s := range x.dirty {
		if err := x.summarizeDays(profileID, dayOf(s.lo, -maxOffset), dayOf(s.hi, maxOffset)); err != nil {
			return fmt.Errorf("summarize the days of profile %d: %w", profileID, err)
		}
	}
	clear(x.dirty)
	return nil
}

// dayKey is one row of daily_summaries.
type dayKey struct{ day, account int64 }

type dayRow struct {
	readings, bp, afib, irregular, blanked, severe int64
	first, last                                    int64
}

func (r *dayRow) add(at int64) {
	if r.readings == 0 || at < r.first {
		r.first = at
	}
	if r.readings == 0 || at > r.last {
		r.last = at
	}
	r.readings++
}

// summaryTables are the tables whose readings the summaries count:
// conditions are diagnoses from a record, not transmitted readings.
func summaryTables() []table {
	var out []table
	for _, t := range allTables {
		if t.kind != health.KindCondition {
			out = append(out, t)
		}
	}
	return out
}

// summarizeDays recomputes the profile's summaries of local days from..to
// (day numbers, inclusive) from its shown readings.
func (x *idTx) summarizeDays(profileID, from, to int64) error {
	rows := map[dayKey]*dayRow{}
	lo, hi := from*daySeconds-maxOffset, (to+1)*daySeconds+maxOffset
	for _, t := range summaryTables() {
		cols := "account_id, taken_at, utc_offset"
		bp := t.kind == health.KindBloodPressure
		if bp {
			cols += ", systolic, diastolic, possible_afib, irregular"
		}
		st, err := x.stmt("SELECT " + cols + " FROM " + t.name +
			" WHERE profile_id = ? AND taken_at >= ? AND taken_at < ? AND measurement IS NULL")
		if err != nil {
			return err
		}
		res, err := st.QueryContext(x.ctx, profileID, lo, hi)
		if err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		for res.Next() {
			var account, at, offset int64
			var sys, dia sql.NullFloat64
			var afib, irregular bool
			dest := []any{&account, &at, &offset}
			if bp {
				dest = append(dest, &sys, &dia, &afib, &irregular)
			}
			if err := res.Scan(dest...); err != nil {
				res.Close()
				return err
			}
			day := dayOf(at, offset)
			if day < from || day > to {
				continue
			}
			k := dayKey{day, account}
			r := rows[k]
			if r == nil {
				r = &dayRow{}
				rows[k] = r
			}
			r.add(at)
			if !bp {
				continue
			}
			r.bp++
			if afib {
				r.afib++
			}
			if irregular {
				r.irregular++
			}
			// As the protocol cleans them: a pressure of zero or less is
			// no pressure (health.Measured); blanked has neither.
			hasSys, hasDia := sys.Float64 > 0, dia.Float64 > 0
			switch {
			case !hasSys && !hasDia:
				r.blanked++
			case hasSys && hasDia && health.Severe(sys.Float64, dia.Float64):
				r.severe++
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
	}
	del, err := x.stmt("DELETE FROM daily_summaries WHERE profile_id = ? AND day >= ? AND day <= ?")
	if err != nil {
		return err
	}
	if _, err := del.ExecContext(x.ctx, profileID, from, to); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	out := make([][]int64, 0, len(rows))
	for k, r := range rows {
		out = append(out, []int64{profileID, k.day, k.account, r.readings, r.bp, r.afib, r.irregular, r.blanked, r.severe, r.first, r.last})
	}
	return x.tx.d.insertInts(x.ctx, x, "daily_summaries", summaryCols, out)
}

// summaryCols are the columns of daily_summaries, as summarizeDays fills
// them.
var summaryCols = []string{"profile_id", "day", "account_id", "readings", "bp", "afib", "irregular", "blanked", "severe", "first_at", "last_at"}

// touchAll marks every reading of every profile for summarizing: what
// migration 7 does for a database that held readings before summaries
// existed, and what a copy does for the profile it filled.
func (x *idTx) touchAll(profileID int64) error {
	for _, t := range summaryTables() {
		q := "SELECT profile_id, min(taken_at), max(taken_at) FROM " + t.name + " WHERE measurement IS NULL"
		args := []any{}
		if profileID != 0 {
			q += " AND profile_id = ?"
			args = append(args, profileID)
		}
		rows, err := x.tx.QueryContext(x.ctx, q+" GROUP BY profile_id", args...)
		if err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		for rows.Next() {
			var p, lo, hi int64
			if err := rows.Scan(&p, &lo, &hi); err != nil {
				rows.Close()
				return err
			}
			x.touch(p, lo, hi)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// touchWhere records the instants of the rows of t that where selects,
// before they are deleted.
func (x *idTx) touchWhere(t table, where string, args ...any) error {
	rows, err := x.tx.QueryContext(x.ctx, "SELECT profile_id, min(taken_at), max(taken_at) FROM "+t.name+" WHERE "+where+" GROUP BY profile_id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p, lo, hi int64
		if err := rows.Scan(&p, &lo, &hi); err != nil {
			return err
		}
		x.touch(p, lo, hi)
	}
	return rows.Err()
}

// DaySummary is what one profile's shown readings of one local day, from
// one source account, add up to.
type DaySummary struct {
	ProfileID, AccountID int64
	Day                  health.Date
	Readings             int // readings of every kind (conditions left out)
	BP                   int // blood-pressure readings
	AFib, Irregular      int // readings with that rhythm flag
	Blanked              int // blood-pressure readings without both pressures
	Severe               int // blood-pressure readings above 180 and/or 120
	First, Last          time.Time
}

// DaySummaries returns the daily summaries of local days from..to
// (inclusive) of every profile (profileID 0) or one, ordered by profile,
// day and account. It reads the days asked for only, through the index
// on day, whatever the length of the history.
func (db *DB) DaySummaries(ctx context.Context, profileID int64, from, to health.Date) ([]DaySummary, error) {
	q := `SELECT profile_id, day, account_id, readings, bp, afib, irregular, blanked, severe, first_at, last_at
		FROM daily_summaries WHERE day >= ? AND day <= ?`
	args := []any{DayNumber(from), DayNumber(to)}
	if profileID != 0 {
		q += ` AND profile_id = ?`
		args = append(args, profileID)
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY profile_id, day, account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read daily summaries: %w", err)
	}
	defer rows.Close()
	var out []DaySummary
	for rows.Next() {
		var s DaySummary
		var day, first, last int64
		if err := rows.Scan(&s.ProfileID, &day, &s.AccountID, &s.Readings, &s.BP, &s.AFib, &s.Irregular, &s.Blanked, &s.Severe, &first, &last); err != nil {
			return nil, fmt.Errorf("store: read daily summaries: %w", err)
		}
		s.Day, s.First, s.Last = DateOfDay(day), time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read daily summaries: %w", err)
	}
	return out, nil
}

// Newest is the instant of a profile's or an account's newest reading
// (conditions left out), from the daily summaries.
type Newest struct {
	ID   int64 // the profile's or the account's
	Last time.Time
}

// NewestReadings returns the newest reading's instant of every profile
// that has readings, by profile id. Each is two lookups of the summaries'
// key, whatever the length of the history.
func (db *DB) NewestReadings(ctx context.Context) (map[int64]time.Time, error) {
	return db.newest(ctx, `SELECT p.id, (SELECT max(s.last_at) FROM daily_summaries s WHERE s.profile_id = p.id
		AND s.day = (SELECT max(m.day) FROM daily_summaries m WHERE m.profile_id = p.id)) FROM profiles p`)
}

// NewestBySource returns the newest reading's instant of every account
// that has readings, by account id.
func (db *DB) NewestBySource(ctx context.Context) (map[int64]time.Time, error) {
	// An account is one profile's: one row a day, the newest found by
	// walking its index back one step.
	return db.newest(ctx, `SELECT a.id, (SELECT s.last_at FROM daily_summaries s WHERE s.account_id = a.id
		ORDER BY s.day DESC LIMIT 1) FROM accounts a`)
}

func (db *DB) newest(ctx context.Context, q string) (map[int64]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: read newest readings: %w", err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var last sql.NullInt64
		if err := rows.Scan(&id, &last); err != nil {
			return nil, fmt.Errorf("store: read newest readings: %w", err)
		}
		if last.Valid {
			out[id] = time.Unix(last.Int64, 0).UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read newest readings: %w", err)
	}
	return out, nil
}

// MonitoringPeriod is one profile's remote-monitoring facts for a period
// of local days: the days with at least one transmitted reading, the
// readings and the sources they came from.
type MonitoringPeriod struct {
	ProfileID int64
	From, To  health.Date
	Days      int
	Band      health.MonitoringBand
	Readings  int
	Sources   []int64 // account ids, ascending
}

// Monitoring returns every profile's monitoring facts for local days
// from..to (inclusive), profiles without readings included (0 days), in
// the order of Profiles (by name).
func (db *DB) Monitoring(ctx context.Context, from, to health.Date) ([]MonitoringPeriod, error) {
	profiles, err := db.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	sums, err := db.DaySummaries(ctx, 0, from, to)
	if err != nil {
		return nil, err
	}
	by := map[int64]*MonitoringPeriod{}
	days := map[int64]map[health.Date]bool{}
	sources := map[int64]map[int64]bool{}
	for _, s := range sums {
		m := by[s.ProfileID]
		if m == nil {
			m = &MonitoringPeriod{}
			by[s.ProfileID] = m
			days[s.ProfileID], sources[s.ProfileID] = map[health.Date]bool{}, map[int64]bool{}
		}
		m.Readings += s.Readings
		days[s.ProfileID][s.Day] = true
		sources[s.ProfileID][s.AccountID] = true
	}
	out := make([]MonitoringPeriod, 0, len(profiles))
	for _, p := range profiles {
		m := MonitoringPeriod{ProfileID: p.ID, From: from, To: to}
		if got := by[p.ID]; got != nil {
			m.Readings, m.Days = got.Readings, len(days[p.ID])
			for a := range sources[p.ID] {
				m.Sources = append(m.Sources, a)
			}
			slices.Sort(m.Sources)
		}
		m.Band = health.BandOf(m.Days)
		out = append(out, m)
	}
	return out, nil
}
