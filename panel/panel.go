// Package panel builds the clinician's panel: one row per patient with
// the few facts that decide who to look at today, and whether the patient
// needs attention (health.NeedsAttention).
//
// A row is read from the daily summaries the store keeps as readings are
// written (monitoring days, readings, flags, the newest reading), the
// blood-pressure readings of the last 14 days (the protocol means of this
// week and the one before) and the alert readings of the 30-day period, so
// the panel's cost grows with the number of patients, not with the length
// of their histories.
package panel

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"vitals/health"
	"vitals/store"
)

// Options are the panel's settings.
type Options struct {
	// Now is the clock and Location the clinician's zone, which say what
	// "today" is (time.Now and time.Local when nil).
	Now      func() time.Time
	Location *time.Location
	// Rulebook sets the home threshold (AHA/ACC 2025 when empty).
	Rulebook health.Rulebook
	// QuietDays without a reading needs attention (7 when 0): the
	// configuration's display.quiet_days.
	QuietDays int
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Rulebook == "" {
		o.Rulebook = health.AHA2025
	}
	if o.QuietDays <= 0 {
		o.QuietDays = 7
	}
	return o
}

// Alert is an unacknowledged reading that raises an alert: above 180/120,
// or with a rhythm flag (possible AFib, irregular heartbeat, blanked).
type Alert struct {
	ID      string // store.AlertID: what `vitals ack --alert` takes
	Reading health.BloodPressure
	Severe  bool // above 180/120
	Flag    bool // a rhythm flag or a blanked reading
}

// Source is a source account the row mentions: one that must be linked
// again or has sent nothing for the quiet days.
type Source struct {
	AccountID int64
	Title     string
	Newest    time.Time // zero: nothing yet
}

// Row is one patient's line of the panel.
type Row struct {
	ProfileID int64
	Handle    string // the profile's name (--profile)
	Name      string // the display name; "" when unset

	// Newest is the newest reading's instant (zero: none); DaysSince the
	// whole days since, −1 without readings.
	Newest    time.Time
	DaysSince int

	// The current 30-day period (today and the 29 days before), its days
	// with at least one reading, their band, and its readings.
	From, To health.Date
	Days     int
	Band     health.MonitoringBand
	Readings int

	// Week is the protocol summary of the last 7 days, Previous of the 7
	// before; Change the difference of their exact home means (missing
	// unless both have one).
	Week, Previous health.Summary
	ChangeSys      health.Exact
	ChangeDia      health.Exact

	// Rhythm flags of the period: readings with possible AFib, with an
	// irregular heartbeat.
	AFib, Irregular int
	// Severe counts the period's readings above 180/120 that no clinician
	// has acknowledged; NewFlags its rhythm flags newer than the last
	// acknowledged one. Alerts lists both, oldest first.
	Severe, NewFlags int
	Alerts           []Alert

	Relink, Quiet []Source

	// Attention is why the patient needs attention, in the rule's order;
	// empty when nothing does.
	Attention []health.Attention
}

// NeedsAttention reports whether any reason applies.
func (r Row) NeedsAttention() bool { return len(r.Attention) > 0 }

// Title is how a screen names the patient: "Ann Lee (p-1042)", or the
// handle alone.
func (r Row) Title() string {
	if r.Name == "" || r.Name == r.Handle {
		return r.Handle
	}
	return r.Name + " (" + r.Handle + ")"
}

// MeanText is the week's home mean as shown beside its verdict, "" when
// there is none.
func (r Row) MeanText() string { return r.Week.MeanText() }

// VerdictWord is the week's verdict in a word or two: "at or above",
// "below", "not assessed".
func (r Row) VerdictWord() string { return r.Week.Verdict.String() }

// ChangeText is the change of the home mean from the week before,
// "+3.2/−1.0", or "" without both means.
func (r Row) ChangeText() string {
	if !r.ChangeSys.Valid() || !r.ChangeDia.Valid() {
		return ""
	}
	return signed(r.ChangeSys) + "/" + signed(r.ChangeDia)
}

// signed writes a difference rounded once, with its sign.
func signed(x health.Exact) string { return health.FormatSigned(x, math.MaxFloat64) }

// AgeText says how long ago the newest reading was: "today", "1 day",
// "12 days", or "none".
func (r Row) AgeText() string {
	switch {
	case r.DaysSince < 0:
		return "none"
	case r.DaysSince == 0:
		return "today"
	case r.DaysSince == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", r.DaysSince)
}

// Reasons are the attention reasons in words, joined by "; ".
func (r Row) Reasons() string {
	var out []string
	for _, a := range r.Attention {
		out = append(out, a.String())
	}
	return strings.Join(out, "; ")
}

// Build reads the panel: a row per profile, in the order of
// store.Profiles (by handle).
func Build(ctx context.Context, db *store.DB, o Options) ([]Row, error) {
	o = o.withDefaults()
	now := o.Now()
	today := health.DateOf(now.In(o.Location))
	from := today.AddDays(-(health.MonitoringPeriodDays - 1))
	weekFrom, prevFrom := today.AddDays(-6), today.AddDays(-13)

	profiles, err := db.Profiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	sums, err := db.DaySummaries(ctx, 0, from, today)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	newest, err := db.NewestReadings(ctx)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	bySource, err := db.NewestBySource(ctx)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	accounts, err := db.Accounts(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	// Readings are selected by instant; a local day lies within 14 hours
	// of UTC either side, and Summarize keeps the days asked for.
	pad := 14 * time.Hour
	start := func(d health.Date) time.Time { return d.In(time.UTC).Add(-pad) }
	end := today.AddDays(1).In(time.UTC).Add(pad)
	recent, err := db.BloodPressures(ctx, store.Filter{AllProfiles: true, From: start(prevFrom), To: end})
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	alerts, err := db.BloodPressures(ctx, store.Filter{AllProfiles: true, From: start(from), To: end, Alerts: true})
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	acks, err := db.Acks(ctx, store.AckFilter{From: start(from)})
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}

	rows := make([]Row, len(profiles))
	index := make(map[int64]*Row, len(profiles))
	for i, p := range profiles {
		rows[i] = Row{ProfileID: p.ID, Handle: p.Name, Name: p.DisplayName, From: from, To: today, DaysSince: -1}
		index[p.ID] = &rows[i]
	}
	days := map[int64]map[health.Date]bool{}
	for _, s := range sums {
		r := index[s.ProfileID]
		if r == nil {
			continue
		}
		if days[s.ProfileID] == nil {
			days[s.ProfileID] = map[health.Date]bool{}
		}
		days[s.ProfileID][s.Day] = true
		r.Readings += s.Readings
		r.AFib += s.AFib
		r.Irregular += s.Irregular
	}
	bp := map[int64][]health.BloodPressure{}
	for _, b := range recent {
		bp[b.ProfileID] = append(bp[b.ProfileID], b)
	}
	acked := map[int64]bool{}            // shown rows acknowledged
	lastFlagAck := map[int64]time.Time{} // per profile: the newest acknowledged flag's instant
	for _, a := range acks {
		if a.Reading.ID != 0 {
			acked[a.Reading.ID] = true
		}
		if (a.Reading.Flagged() || a.Reading.Blanked()) && a.Reading.Time.After(lastFlagAck[a.ProfileID]) {
			lastFlagAck[a.ProfileID] = a.Reading.Time
		}
	}
	for _, b := range alerts {
		r := index[b.ProfileID]
		if r == nil || !inPeriod(b, from, today) {
			continue
		}
		c := b.Cleaned()
		al := Alert{ID: store.AlertID(b.ID), Reading: b,
			Severe: c.HasPressures() && health.Severe(c.Systolic.Or(0), c.Diastolic.Or(0)),
			Flag:   b.Flagged() || c.Blanked()}
		al.Flag = al.Flag && b.Time.After(lastFlagAck[b.ProfileID])
		if acked[b.ID] || !al.Severe && !al.Flag {
			continue
		}
		if al.Severe {
			r.Severe++
		}
		if al.Flag {
			r.NewFlags++
		}
		r.Alerts = append(r.Alerts, al)
	}
	byProfile := map[int64][]store.Account{}
	for _, a := range accounts {
		byProfile[a.ProfileID] = append(byProfile[a.ProfileID], a)
	}
	quiet := time.Duration(o.QuietDays) * 24 * time.Hour
	for i := range rows {
		r := &rows[i]
		r.Days = len(days[r.ProfileID])
		r.Band = health.BandOf(r.Days)
		if t, ok := newest[r.ProfileID]; ok {
			r.Newest = t
			r.DaysSince = max(int(now.Sub(t)/(24*time.Hour)), 0)
		}
		home, _ := health.SplitBySetting(bp[r.ProfileID])
		r.Week = health.Summarize(home, nil, weekFrom, today, o.Rulebook)
		r.Previous = health.Summarize(home, nil, prevFrom, weekFrom.AddDays(-1), o.Rulebook)
		if r.Week.Mean.Valid() && r.Previous.Mean.Valid() {
			r.ChangeSys = r.Week.Mean.Systolic.Sub(r.Previous.Mean.Systolic)
			r.ChangeDia = r.Week.Mean.Diastolic.Sub(r.Previous.Mean.Diastolic)
		}
		for _, a := range byProfile[r.ProfileID] {
			if !a.Syncs() {
				continue
			}
			s := Source{AccountID: a.ID, Title: a.Title(), Newest: bySource[a.ID]}
			switch {
			case a.State == store.StateNeedsRelink:
				r.Relink = append(r.Relink, s)
			case !s.Newest.IsZero() && now.Sub(s.Newest) >= quiet,
				s.Newest.IsZero() && now.Sub(a.CreatedAt) >= quiet:
				r.Quiet = append(r.Quiet, s)
			}
		}
		r.Attention = health.NeedsAttention(health.AttentionFacts{
			UnacknowledgedSevere: r.Severe,
			NewFlags:             r.NewFlags,
			Week:                 r.Week,
			Previous:             r.Previous,
			DaysSinceReading:     r.DaysSince,
			QuietDays:            o.QuietDays,
			NeedsRelink:          len(r.Relink),
		})
	}
	return rows, nil
}

// inPeriod reports whether a reading's wall-clock date is within from..to.
func inPeriod(b health.BloodPressure, from, to health.Date) bool {
	d := health.DateOf(b.Local())
	return !d.Before(from) && !d.After(to)
}

// Column is a column of the panel the rows can be sorted by.
type Column int

const (
	ByAttention Column = iota // reasons, most first; then the newest reading, oldest first
	ByHandle
	ByName
	ByNewest  // the newest reading, oldest first
	ByDays    // monitoring days, fewest first
	ByMean    // the week's home mean (systolic, then diastolic), highest first
	ByChange  // the change from the week before, largest rise first
	ByFlags   // AFib and irregular flags, most first
	BySevere  // unacknowledged readings above 180/120, most first
	BySources // sources needing relinking or quiet, most first
	columnCount
)

var columnNames = [columnCount]string{"attention", "handle", "name", "newest", "days", "mean", "change", "flags", "severe", "sources"}

func (c Column) String() string { return columnNames[c] }

// Columns lists the sort columns in their order.
func Columns() []Column {
	out := make([]Column, columnCount)
	for i := range out {
		out[i] = Column(i)
	}
	return out
}

// ParseColumn reads a column's name as String writes it.
func ParseColumn(s string) (Column, error) {
	for i, n := range columnNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Column(i), nil
		}
	}
	return 0, fmt.Errorf("sort column %q: want one of %s", s, strings.Join(columnNames[:], ", "))
}

// Sort orders rows by a column in its natural order (what needs a look
// first: most reasons, longest silence, highest mean, most flags; names
// alphabetically), or the other way round with reverse. Ties fall back to
// the handle, so the order is always the same.
func Sort(rows []Row, by Column, reverse bool) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		c := compare(a, b, by)
		if reverse {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.Handle, b.Handle)
		}
		return c
	})
}

func compare(a, b Row, by Column) int {
	switch by {
	case ByAttention:
		if c := len(b.Attention) - len(a.Attention); c != 0 {
			return c
		}
		return compareAge(a, b)
	case ByHandle:
		return strings.Compare(a.Handle, b.Handle)
	case ByName:
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	case ByNewest:
		return compareAge(a, b)
	case ByDays:
		return a.Days - b.Days
	case ByMean:
		return highestFirst(a.Week.Mean.Systolic, b.Week.Mean.Systolic, a.Week.Mean.Diastolic, b.Week.Mean.Diastolic)
	case ByChange:
		return highestFirst(a.ChangeSys, b.ChangeSys, a.ChangeDia, b.ChangeDia)
	case ByFlags:
		return (b.AFib + b.Irregular) - (a.AFib + a.Irregular)
	case BySevere:
		return b.Severe - a.Severe
	case BySources:
		return (len(b.Relink) + len(b.Quiet)) - (len(a.Relink) + len(a.Quiet))
	}
	return 0
}

// compareAge puts the longest silence first; no readings at all first.
func compareAge(a, b Row) int {
	switch {
	case a.Newest.IsZero() && b.Newest.IsZero():
		return 0
	case a.Newest.IsZero():
		return -1
	case b.Newest.IsZero():
		return 1
	}
	return a.Newest.Compare(b.Newest)
}

// highestFirst orders a before b when its x is higher, then its y; a
// missing value goes last.
func highestFirst(ax, bx, ay, by health.Exact) int {
	if c := descending(ax, bx); c != 0 {
		return c
	}
	return descending(ay, by)
}

func descending(a, b health.Exact) int {
	switch {
	case !a.Valid() && !b.Valid():
		return 0
	case !a.Valid():
		return 1
	case !b.Valid():
		return -1
	}
	return b.Sub(a).Cmp(0)
}

// Match reports whether a row holds every word of a filter text (in its
// handle, name or reasons), case folded; an empty text matches all.
func (r Row) Match(text string) bool {
	hay := strings.ToLower(r.Handle + " " + r.Name + " " + r.Reasons())
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
