package tui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"vitals/health"
	"vitals/store"
)

// query says what to load: whose readings, and which period.
type query struct {
	profile store.Profile
	rng     Range
	end     health.Date // zero: today, or the newest reading's day (see resolvePeriod)
	syncing bool        // an engine syncs the linked accounts in the background
}

// settings are the person's display choices and the clock.
type settings struct {
	units     health.Units
	rulebook  health.Rulebook
	stepGoal  int
	quietDays int
	now       func() time.Time
	loc       *time.Location
}

// today is the calendar day in the viewer's zone.
func (s settings) today() health.Date { return health.DateOf(s.now().In(s.loc)) }

// snapshot is everything the screens show for one profile and period,
// computed once when it is loaded. Screens only lay it out; nothing in it
// changes after loading, so it can be handed from the loading goroutine to
// the program without locks.
type snapshot struct {
	profile store.Profile
	period  Period
	today   health.Date
	at      time.Time // when it was loaded

	bp bpData
	wt weightData
	ac activityData
	vt vitalsData

	// summary is the protocol's summary of the period's blood pressure:
	// the one home mean that carries a verdict (day 1 left out, exact,
	// "not assessed" below the protocol minimum). The overview, the
	// blood-pressure screen, the review and the alerts all show it, and
	// no screen compares another mean with a threshold.
	summary health.Summary

	accounts []accountInfo
	// enrollments are the profile's enrollment links (vitals enroll);
	// none under a role that may not read them (a clinician's).
	enrollments []store.Enrollment
	conditions  []health.Condition // recorded atrial fibrillation
	alerts      []alert

	// firstSync names the linked accounts whose first sync is under way
	// (an engine runs, and they have neither finished a sync nor failed
	// one): their readings are still arriving, so the period is today's,
	// never one anchored on what happened to arrive first.
	firstSync    []string
	firstSyncIDs map[int64]bool // the same accounts, by id
}

type bpData struct {
	readings []health.BloodPressure // the period's readings, oldest first, zeros cleaned to missing
	latest   *health.BloodPressure  // the newest reading up to the period's end
	// The chart shows home readings, or office readings when the period
	// has no home readings (an imported clinic record).
	chartOffice     bool
	sys, dia, pulse daySeries
	morningSys      daySeries // for the review: daily means by slot
	morningDia      daySeries
	eveningSys      daySeries
	eveningDia      daySeries
	shares          []categoryShare // of the charted readings, by level
	charted         int             // readings with both pressures in the chart
	office          int             // office readings in the period
	flags           flagSummary
	// marked are the period's home readings with a rhythm flag, above
	// 180/120, or blanked without a cause given, for the review.
	marked []health.BloodPressure
	// search is each reading's text for the table's filter, lower-case,
	// beside readings.
	search []string
	// The widest category and flags cells of the period's readings, so
	// that the table gives the source column what they leave, and its
	// columns stay put while it scrolls or filters.
	catW, flagsW, flagsShortW int
}

// flagSummary counts the period's rhythm flags and severe readings (home
// and office), so that no frame walks the readings.
type flagSummary struct {
	afib, irregular int           // readings flagged possible AFib; irregular heartbeat alone
	afibDays        []health.Date // distinct days, in order
	irregularDays   []health.Date
	flagged         int                   // readings with either flag
	severe          int                   // readings above 180/120
	worst           *health.BloodPressure // the severe reading with the highest systolic
	// blanked counts readings without values and without a flag: the
	// source did not say why the monitor blanked them.
	blanked     int
	blankedDays []health.Date
}

// categoryShare is how many readings fell in one category.
type categoryShare struct {
	cat health.Category
	n   int
}

type weightData struct {
	readings                []health.Weight // the period's, oldest first
	weight, bmi, fat        daySeries
	first, last             *health.Weight // first and last in the period with a weight
	latest                  *health.Weight // newest up to the period's end with a weight
	latestBMI               *health.Weight // newest up to the period's end with a BMI
	minKg, maxKg            health.Value
	hasBMI, hasFat, hasData bool
}

type activityData struct {
	// byDay is one record per day of the period (the one with the most
	// steps when several sources report the same day: adding them would
	// count the same steps twice).
	byDay map[health.Date]health.Activity
	days  []health.Date // days with a record, in order
	// hourly is each day's record with an hourly breakdown: the one with
	// the most steps in its hours, which need not be byDay's (a source
	// that reports day totals only may count more that day).
	hourly     map[health.Date]health.Activity
	hourlyDays []health.Date // days with steps in some hour, in order
	steps      daySeries
	distance   float64 // metres, sum over the period
	hasDist    bool
	goalMet    int // days at or above the goal
	stepDays   int // days with a step count
}

type vitalsData struct {
	temps     []health.Temperature
	spo2      []health.SpO2
	temp      daySeries
	oxygen    daySeries
	pulse     daySeries // the oximeter's pulse
	latestT   *health.Temperature
	latestO   *health.SpO2
	minO      health.Value
	maxT      health.Value
	hasTemp   bool
	hasOxygen bool
	hasPulse  bool
	// newestT and newestO are the own wall-clock times of the kind's
	// newest readings of all (zero: none), for a period without any.
	newestT, newestO time.Time
}

// accountInfo is a source with what it has delivered.
type accountInfo struct {
	store.Account
	short   string // its name where space is short: the provider's, unless two accounts share it
	systems []store.System
	// subs are the systems connected through it (1upHealth) and the other
	// origins of its readings (imported files), each with what it
	// delivered; readings from the provider itself are the account's.
	subs   []sourceSub
	counts map[health.Kind]int
	total  int
	newest time.Time // its newest reading of any kind
	search string    // lower-case text for the Sources filter
}

// sourceSub is one system or origin behind an account.
type sourceSub struct {
	name      string
	kind      string    // "device" or "clinical" for a connected system; "" for another origin
	connected time.Time // zero for an origin that is not a connected system
	counts    map[health.Kind]int
	total     int
	newest    time.Time
}

// load reads and computes a snapshot. It is the only place screens'
// data comes from, and it runs outside the program's Update (in a
// command, or directly for vitals show).
func load(ctx context.Context, db *store.DB, q query, set settings) (*snapshot, error) {
	pid := q.profile.ID
	s := &snapshot{profile: q.profile, today: set.today(), at: set.now()}

	// The profile's first and last reading days decide "all" and whether
	// the period must be anchored on old data. They are the readings' own
	// wall-clock dates (a reading at 19:46 on 18 Jan at −05:00 belongs to
	// 18 Jan, whatever the viewer's zone or UTC say).
	if err := s.loadSources(ctx, db); err != nil {
		return nil, err
	}
	if q.syncing {
		for _, a := range s.accounts {
			if a.Syncs() && a.State != store.StateNeedsRelink && a.LastSuccessAt.IsZero() && a.LastError == "" {
				s.firstSync = append(s.firstSync, a.short)
				if s.firstSyncIDs == nil {
					s.firstSyncIDs = map[int64]bool{}
				}
				s.firstSyncIDs[a.ID] = true
			}
		}
	}
	firstDay, lastDay, err := readingDays(ctx, db, pid)
	if err != nil {
		return nil, err
	}
	s.period = resolvePeriod(q.rng, q.end, s.today, firstDay, lastDay, len(s.firstSync) == 0)

	// Readings keep their own wall clock, which may be more than a day off
	// the viewer's (−12:00 against +14:00): load two days more on each
	// side, then keep the readings whose own date is in the period.
	f := store.Filter{
		ProfileID: pid,
		From:      s.period.Start.In(set.loc).AddDate(0, 0, -2),
		To:        s.period.End.In(set.loc).AddDate(0, 0, 3),
	}
	in := func(m health.Meta) bool { return s.period.Contains(health.DateOf(m.Local())) }

	if err := s.loadBP(ctx, db, f, in, set); err != nil {
		return nil, err
	}
	if err := s.loadWeight(ctx, db, f, in); err != nil {
		return nil, err
	}
	if err := s.loadActivity(ctx, db, f, in, set); err != nil {
		return nil, err
	}
	if err := s.loadVitals(ctx, db, f, in); err != nil {
		return nil, err
	}
	conds, err := db.Conditions(ctx, store.Filter{ProfileID: pid})
	if err != nil {
		return nil, err
	}
	for _, c := range conds {
		if c.IsAFib() {
			s.conditions = append(s.conditions, c)
		}
	}
	s.alerts = buildAlerts(s, set)
	return s, nil
}

// readingDays returns the own wall-clock dates of the profile's oldest
// and newest readings of the kinds the screens chart (zero without
// readings). Each is one indexed lookup, whatever the database holds.
func readingDays(ctx context.Context, db *store.DB, pid int64) (first, last health.Date, err error) {
	var days []health.Date
	for _, q := range []func() ([]health.Date, error){
		func() ([]health.Date, error) { return edgeDays(ctx, db.BloodPressures, pid) },
		func() ([]health.Date, error) { return edgeDays(ctx, db.Weights, pid) },
		func() ([]health.Date, error) { return edgeDays(ctx, db.Activities, pid) },
		func() ([]health.Date, error) { return edgeDays(ctx, db.Temperatures, pid) },
		func() ([]health.Date, error) { return edgeDays(ctx, db.SpO2s, pid) },
	} {
		ds, err := q()
		if err != nil {
			return first, last, err
		}
		days = append(days, ds...)
	}
	for _, d := range days {
		if first.IsZero() || d.Before(first) {
			first = d
		}
		if d.After(last) {
			last = d
		}
	}
	return first, last, nil
}

// edgeDays returns the own dates of the oldest and the newest reading a
// query finds (none, or the same one twice).
func edgeDays[T interface{ Local() time.Time }](ctx context.Context, q func(context.Context, store.Filter) ([]T, error), pid int64) ([]health.Date, error) {
	var out []health.Date
	for _, newest := range []bool{false, true} {
		rs, err := q(ctx, store.Filter{ProfileID: pid, Newest: newest, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out = append(out, health.DateOf(r.Local()))
		}
	}
	return out, nil
}

func (s *snapshot) loadBP(ctx context.Context, db *store.DB, f store.Filter, in func(health.Meta) bool, set settings) error {
	all, err := db.BloodPressures(ctx, f)
	if err != nil {
		return err
	}
	d := &s.bp
	for _, r := range all {
		if in(r.Meta) {
			d.readings = append(d.readings, r.Cleaned())
		}
	}
	if n := len(d.readings); n > 0 {
		r := d.readings[n-1]
		d.latest = &r
	} else {
		// Nothing in the period: the newest reading before it, by its own
		// date (the query's margin may hold a few from after the period).
		before, err := db.BloodPressures(ctx, store.Filter{ProfileID: f.ProfileID, To: f.To, Newest: true, Limit: 20})
		if err != nil {
			return err
		}
		for _, r := range before {
			if !health.DateOf(r.Local()).After(s.period.End) {
				r := r.Cleaned()
				d.latest = &r
				break
			}
		}
		if d.latest == nil && len(before) == 20 {
			// Many readings in the margin: before the first instant of the
			// next day anywhere (UTC+14), every reading is dated in time.
			safe := s.period.End.AddDays(1).In(time.UTC).Add(-14 * time.Hour)
			older, err := db.BloodPressures(ctx, store.Filter{ProfileID: f.ProfileID, To: safe, Newest: true, Limit: 1})
			if err != nil {
				return err
			}
			if len(older) > 0 {
				r := older[0].Cleaned()
				d.latest = &r
			}
		}
	}

	d.search = make([]string, len(d.readings))
	for i, r := range d.readings {
		d.search[i] = bpSearchText(r, s.period, set.rulebook)
		cat, _, _ := bpCategory(r, set.rulebook)
		d.catW = max(d.catW, ansi.StringWidth(cat))
		d.flagsW = max(d.flagsW, ansi.StringWidth(bpFlags(r, false)))
		d.flagsShortW = max(d.flagsShortW, ansi.StringWidth(bpFlags(r, true)))
	}

	fl := &d.flags
	for i, r := range d.readings {
		day := health.DateOf(r.Local())
		if r.Flagged() {
			fl.flagged++
		}
		switch {
		case r.PossibleAFib:
			fl.afib++
			fl.afibDays = appendDay(fl.afibDays, day)
		case r.IrregularHeartbeat:
			fl.irregular++
			fl.irregularDays = appendDay(fl.irregularDays, day)
		}
		blankNoCause := r.Blanked() && !r.Flagged()
		if blankNoCause {
			fl.blanked++
			fl.blankedDays = appendDay(fl.blankedDays, day)
		}
		severe := r.HasPressures() && health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0))
		if severe {
			fl.severe++
			if fl.worst == nil || r.Systolic.Or(0) > fl.worst.Systolic.Or(0) {
				fl.worst = &d.readings[i]
			}
		}
		if (severe || r.Flagged() || blankNoCause) && r.Setting != health.SettingOffice {
			d.marked = append(d.marked, r)
		}
	}

	home, office := health.SplitBySetting(d.readings)
	d.office = len(office)
	chart := home
	if !slices.ContainsFunc(home, health.BloodPressure.HasPressures) && len(office) > 0 {
		chart, d.chartOffice = office, true
	}
	sys, dia, pulse := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	ms, md, es, ed := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	levels := map[int]*categoryShare{}
	for _, r := range chart {
		day := health.DateOf(r.Local())
		pulse.add(day, r.Pulse)
		c, ok := r.Category(set.rulebook)
		if !ok {
			continue
		}
		d.charted++
		sys.add(day, r.Systolic)
		dia.add(day, r.Diastolic)
		switch health.SlotOf(r.Local()) {
		case health.SlotMorning:
			ms.add(day, r.Systolic)
			md.add(day, r.Diastolic)
		case health.SlotEvening:
			es.add(day, r.Systolic)
			ed.add(day, r.Diastolic)
		}
		if levels[c.Level] == nil {
			levels[c.Level] = &categoryShare{cat: c}
		}
		levels[c.Level].n++
	}
	d.sys, d.dia, d.pulse = sys.series(), dia.series(), pulse.series()
	d.morningSys, d.morningDia, d.eveningSys, d.eveningDia = ms.series(), md.series(), es.series(), ed.series()
	for _, l := range levels {
		d.shares = append(d.shares, *l)
	}
	slices.SortFunc(d.shares, func(a, b categoryShare) int { return cmp.Compare(a.cat.Level, b.cat.Level) })

	s.summary = health.Summarize(home, office, s.period.Start, s.period.End, set.rulebook)
	return nil
}

func (s *snapshot) loadWeight(ctx context.Context, db *store.DB, f store.Filter, in func(health.Meta) bool) error {
	all, err := db.Weights(ctx, f)
	if err != nil {
		return err
	}
	d := &s.wt
	kg, bmi, fat := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	var span health.Mean
	for i, r := range all {
		if !in(r.Meta) {
			continue
		}
		d.readings = append(d.readings, r)
		day := health.DateOf(r.Local())
		kg.add(day, r.Weight)
		bmi.add(day, r.BMI)
		fat.add(day, r.BodyFat)
		span.AddValue(r.Weight)
		if r.Weight.Valid() {
			if d.first == nil {
				d.first = &all[i]
			}
			d.last = &all[i]
		}
		d.hasBMI = d.hasBMI || r.BMI.Valid()
		d.hasFat = d.hasFat || r.BodyFat.Valid()
	}
	d.hasData = len(d.readings) > 0
	d.minKg, d.maxKg = span.Min(), span.Max()
	d.weight, d.bmi, d.fat = kg.series(), bmi.series(), fat.series()

	// The newest weight and BMI up to the period's end, which may be
	// before the period.
	newest, err := db.Weights(ctx, store.Filter{ProfileID: f.ProfileID, To: f.To, Newest: true, Limit: 50})
	if err != nil {
		return err
	}
	for i := range newest {
		r := &newest[i]
		if health.DateOf(r.Local()).After(s.period.End) {
			continue
		}
		if d.latest == nil && r.Weight.Valid() {
			d.latest = r
		}
		if d.latestBMI == nil && r.BMI.Valid() {
			d.latestBMI = r
		}
	}
	return nil
}

func (s *snapshot) loadActivity(ctx context.Context, db *store.DB, f store.Filter, in func(health.Meta) bool, set settings) error {
	// The overview's 7-day average needs the week before the period's
	// end, which a 7-day period already holds; load no less than that.
	all, err := db.Activities(ctx, f)
	if err != nil {
		return err
	}
	d := &s.ac
	d.byDay = map[health.Date]health.Activity{}
	d.hourly = map[health.Date]health.Activity{}
	for _, r := range all {
		if !in(r.Meta) {
			continue
		}
		day := health.DateOf(r.Local())
		old, seen := d.byDay[day]
		if !seen || r.Steps.Or(-1) > old.Steps.Or(-1) {
			d.byDay[day] = r
		}
		if n := hourlySteps(r); n > 0 && n > hourlySteps(d.hourly[day]) {
			d.hourly[day] = r
		}
	}
	for day := range d.hourly {
		d.hourlyDays = append(d.hourlyDays, day)
	}
	slices.SortFunc(d.hourlyDays, func(a, b health.Date) int { return a.Sub(b) })
	steps := newDayAcc(s.period)
	for day, r := range d.byDay {
		d.days = append(d.days, day)
		steps.add(day, r.Steps)
		if x, ok := r.Steps.Get(); ok {
			d.stepDays++
			if x >= float64(set.stepGoal) {
				d.goalMet++
			}
		}
		if m, ok := r.Distance.Get(); ok {
			d.distance += m
			d.hasDist = true
		}
	}
	slices.SortFunc(d.days, func(a, b health.Date) int { return a.Sub(b) })
	d.steps = steps.series()
	return nil
}

// hourlySteps is the sum of a record's hourly steps.
func hourlySteps(r health.Activity) float64 {
	n := 0.0
	for _, h := range r.Hourly {
		n += max(h.Steps.Or(0), 0)
	}
	return n
}

func (s *snapshot) loadVitals(ctx context.Context, db *store.DB, f store.Filter, in func(health.Meta) bool) error {
	temps, err := db.Temperatures(ctx, f)
	if err != nil {
		return err
	}
	ox, err := db.SpO2s(ctx, f)
	if err != nil {
		return err
	}
	d := &s.vt
	t, o, p := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	var maxT, minO health.Mean
	for i, r := range temps {
		if !in(r.Meta) || !r.Celsius.Valid() {
			continue
		}
		d.temps = append(d.temps, r)
		t.add(health.DateOf(r.Local()), r.Celsius)
		maxT.AddValue(r.Celsius)
		d.latestT = &temps[i]
	}
	for i, r := range ox {
		if !in(r.Meta) || !r.Percent.Valid() {
			continue
		}
		d.spo2 = append(d.spo2, r)
		day := health.DateOf(r.Local())
		o.add(day, r.Percent)
		p.add(day, r.Pulse)
		minO.AddValue(r.Percent)
		d.latestO = &ox[i]
	}
	d.temp, d.oxygen, d.pulse = t.series(), o.series(), p.series()
	d.hasTemp, d.hasOxygen, d.hasPulse = len(d.temps) > 0, len(d.spo2) > 0, !d.pulse.empty()
	d.maxT, d.minO = maxT.Max(), minO.Min()

	// A kind without readings in the period says when its newest is.
	newest := store.Filter{ProfileID: f.ProfileID, Newest: true, Limit: 1}
	if !d.hasTemp {
		rs, err := db.Temperatures(ctx, newest)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			d.newestT = rs[0].Local()
		}
	}
	if !d.hasOxygen {
		rs, err := db.SpO2s(ctx, newest)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			d.newestO = rs[0].Local()
		}
	}
	return nil
}

func (s *snapshot) loadSources(ctx context.Context, db *store.DB) error {
	accounts, err := db.Accounts(ctx, s.profile.ID)
	if err != nil {
		return err
	}
	if db.CanReadSecrets() {
		if s.enrollments, err = db.Enrollments(ctx, s.profile.ID); err != nil {
			return err
		}
	}
	stats, err := db.SourceStats(ctx, s.profile.ID)
	if err != nil {
		return err
	}
	names := map[string]int{}
	for _, a := range accounts {
		names[shortTitle(a)]++
	}
	for _, a := range accounts {
		info := accountInfo{Account: a, short: shortTitle(a), counts: map[health.Kind]int{}}
		if names[info.short] > 1 {
			info.short = a.Title() // two of a kind: the labels tell them apart
		}
		if info.systems, err = db.Systems(ctx, a.ID); err != nil {
			return err
		}
		subs := map[string]*sourceSub{}
		for _, sys := range info.systems {
			info.subs = append(info.subs, sourceSub{name: sys.Name, kind: sys.Kind, connected: sys.ConnectedAt, counts: map[health.Kind]int{}})
		}
		for i := range info.subs {
			subs[info.subs[i].name] = &info.subs[i]
		}
		own := store.Account{Provider: a.Provider}.Title()
		for _, st := range stats {
			if st.AccountID != a.ID {
				continue
			}
			info.counts[st.Kind] += st.N
			info.total += st.N
			if st.Last.After(info.newest) {
				info.newest = st.Last
			}
			if st.Origin == "" || st.Origin == own {
				continue
			}
			sub := subs[st.Origin]
			if sub == nil {
				info.subs = append(info.subs, sourceSub{name: st.Origin, counts: map[health.Kind]int{}})
				// The slice may have moved: point the map at its elements again.
				for i := range info.subs {
					subs[info.subs[i].name] = &info.subs[i]
				}
				sub = subs[st.Origin]
			}
			sub.counts[st.Kind] += st.N
			sub.total += st.N
			if st.Last.After(sub.newest) {
				sub.newest = st.Last
			}
		}
		info.search = accountSearchText(info)
		s.accounts = append(s.accounts, info)
	}
	return nil
}

// bpSearchText is what the blood-pressure table's filter matches in a
// reading: its time as the table writes it and as a date, its values,
// category, setting, flags, device and origin.
func bpSearchText(r health.BloodPressure, p Period, rb health.Rulebook) string {
	parts := []string{p.when(r.Local()), r.Local().Format(time.DateOnly), pressure(r.Systolic, r.Diastolic), "pulse " + num(r.Pulse, 0)}
	switch c, ok := r.Category(rb); {
	case ok:
		parts = append(parts, severityMark(c.Severity)+" "+c.Name)
		if c.IsolatedSystolic {
			parts = append(parts, "ISH isolated systolic")
		}
	case r.Blanked():
		parts = append(parts, health.BlankedText(r))
	default:
		parts = append(parts, "a pressure missing")
	}
	if r.Setting == health.SettingOffice {
		parts = append(parts, "office")
	} else {
		parts = append(parts, "home")
	}
	if r.Flagged() {
		parts = append(parts, "⚠ flagged", flagWords(r))
		if r.PossibleAFib {
			parts = append(parts, "AFib")
		}
	}
	if r.Manual {
		parts = append(parts, "typed in manual")
	}
	parts = append(parts, r.Device, r.Origin)
	return strings.ToLower(strings.Join(parts, " · "))
}

// accountSearchText is what the Sources filter matches in an account:
// its names, provider, state and the systems and origins behind it.
func accountSearchText(a accountInfo) string {
	parts := []string{a.Title(), a.short, string(a.Provider), a.ExternalID}
	switch {
	case a.State == store.StateNeedsRelink:
		parts = append(parts, "✗ relink needs relinking")
	case a.Syncs() && a.LastError != "":
		parts = append(parts, "✗ failing", a.LastError)
	case a.Syncs():
		parts = append(parts, "✓ active account")
	default:
		parts = append(parts, "local")
	}
	for _, s := range a.subs {
		parts = append(parts, s.name, s.kind)
	}
	return strings.ToLower(strings.Join(parts, " · "))
}

// shortTitle is an account's name without what its label adds in
// parentheses: "Omron Wellness" for "Omron Wellness (someone@example.com)".
func shortTitle(a store.Account) string {
	t := a.Title()
	if i := strings.Index(t, " ("); i > 0 && strings.HasSuffix(t, ")") {
		return t[:i]
	}
	return t
}

// loadProfiles lists every profile, for the switcher.
func loadProfiles(ctx context.Context, db *store.DB) ([]store.Profile, error) {
	ps, err := db.Profiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	return ps, nil
}
