package tui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"vitals/health"
	"vitals/store"
)

// query says what to load: whose readings, and which period.
type query struct {
	profile store.Profile
	rng     Range
	end     health.Date // zero: today, or the newest reading's day (see resolvePeriod)
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

	// general applies the protocol's statistics to the whole period,
	// keeping the first day: the means the overview and the blood-pressure
	// screen show. protocol discards the first day, as the review does.
	general, protocol health.Summary

	accounts   []accountInfo
	conditions []health.Condition // recorded atrial fibrillation
	alerts     []alert
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
	// marked are the period's home readings with a rhythm flag or above
	// 180/120, for the review.
	marked []health.BloodPressure
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
	byDay    map[health.Date]health.Activity
	days     []health.Date // days with a record, in order
	steps    daySeries
	distance float64 // metres, sum over the period
	hasDist  bool
	goalMet  int // days at or above the goal
	stepDays int // days with a step count
}

type vitalsData struct {
	temps     []health.Temperature
	spo2      []health.SpO2
	temp      daySeries
	oxygen    daySeries
	latestT   *health.Temperature
	latestO   *health.SpO2
	minO      health.Value
	maxT      health.Value
	hasTemp   bool
	hasOxygen bool
}

// accountInfo is a source with what it has delivered.
type accountInfo struct {
	store.Account
	systems []store.System
	counts  map[health.Kind]int
	total   int
	newest  time.Time // its newest reading of any kind
}

// load reads and computes a snapshot. It is the only place screens'
// data comes from, and it runs outside the program's Update (in a
// command, or directly for vitals show).
func load(ctx context.Context, db *store.DB, q query, set settings) (*snapshot, error) {
	pid := q.profile.ID
	s := &snapshot{profile: q.profile, today: set.today(), at: set.now()}

	// The profile's first and last reading days decide "all" and whether
	// the period must be anchored on old data.
	var first, last time.Time
	for _, k := range []health.Kind{health.KindBloodPressure, health.KindWeight, health.KindActivity, health.KindTemperature, health.KindSpO2} {
		sp, err := db.Span(ctx, k, store.Filter{ProfileID: pid})
		if err != nil {
			return nil, err
		}
		if sp.N == 0 {
			continue
		}
		if first.IsZero() || sp.First.Before(first) {
			first = sp.First
		}
		if sp.Last.After(last) {
			last = sp.Last
		}
	}
	var firstDay, lastDay health.Date
	if !first.IsZero() {
		firstDay, lastDay = health.DateOf(first.In(set.loc)), health.DateOf(last.In(set.loc))
	}
	s.period = resolvePeriod(q.rng, q.end, s.today, firstDay, lastDay)

	// Readings keep their own wall clock, which may be a day off the
	// viewer's: load a day more on each side, then keep the readings whose
	// own date is in the period.
	f := store.Filter{
		ProfileID: pid,
		From:      s.period.Start.In(set.loc).AddDate(0, 0, -1),
		To:        s.period.End.In(set.loc).AddDate(0, 0, 2),
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
	if err := s.loadSources(ctx, db); err != nil {
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

// cleanBP makes a pressure or pulse of zero or less missing: Omron zeroes
// the values of a possible-AFib measurement, and a zero is not a reading.
func cleanBP(r health.BloodPressure) health.BloodPressure {
	pos := func(v health.Value) health.Value {
		if x, ok := v.Get(); ok && x <= 0 {
			return health.Missing
		}
		return v
	}
	r.Systolic, r.Diastolic, r.Pulse = pos(r.Systolic), pos(r.Diastolic), pos(r.Pulse)
	return r
}

func (s *snapshot) loadBP(ctx context.Context, db *store.DB, f store.Filter, in func(health.Meta) bool, set settings) error {
	all, err := db.BloodPressures(ctx, f)
	if err != nil {
		return err
	}
	d := &s.bp
	for _, r := range all {
		if in(r.Meta) {
			d.readings = append(d.readings, cleanBP(r))
		}
	}
	if n := len(d.readings); n > 0 {
		r := d.readings[n-1]
		d.latest = &r
	} else {
		// Nothing in the period: the newest reading before it.
		before, err := db.BloodPressures(ctx, store.Filter{ProfileID: f.ProfileID, To: f.From, Newest: true, Limit: 1})
		if err != nil {
			return err
		}
		if len(before) > 0 {
			r := cleanBP(before[0])
			d.latest = &r
		}
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
		if r.HasPressures() && health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0)) {
			fl.severe++
			if fl.worst == nil || r.Systolic.Or(0) > fl.worst.Systolic.Or(0) {
				fl.worst = &d.readings[i]
			}
			if r.Setting != health.SettingOffice {
				d.marked = append(d.marked, r)
			}
		} else if r.Flagged() && r.Setting != health.SettingOffice {
			d.marked = append(d.marked, r)
		}
	}

	home, office := health.SplitBySetting(d.readings)
	d.office = len(office)
	chart := home
	if !slices.ContainsFunc(home, health.BloodPressure.HasPressures) && len(office) > 0 {
		chart, d.chartOffice = office, true
	}
	g := set.rulebook.Guideline()
	sys, dia, pulse := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	ms, md, es, ed := newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period), newDayAcc(s.period)
	levels := map[int]*categoryShare{}
	for _, r := range chart {
		day := health.DateOf(r.Local())
		pulse.add(day, r.Pulse)
		c, ok := r.Category(g)
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

	opt := health.SummaryOptions{Rulebook: set.rulebook, KeepFirstDay: true}
	s.general = health.Summarize(home, office, s.period.Start, s.period.End, opt)
	opt.KeepFirstDay = false
	s.protocol = health.Summarize(home, office, s.period.Start, s.period.End, opt)
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
	for _, r := range all {
		if !in(r.Meta) {
			continue
		}
		day := health.DateOf(r.Local())
		old, seen := d.byDay[day]
		if !seen || r.Steps.Or(-1) > old.Steps.Or(-1) {
			d.byDay[day] = r
		}
	}
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
	t, o := newDayAcc(s.period), newDayAcc(s.period)
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
		o.add(health.DateOf(r.Local()), r.Percent)
		minO.AddValue(r.Percent)
		d.latestO = &ox[i]
	}
	d.temp, d.oxygen = t.series(), o.series()
	d.hasTemp, d.hasOxygen = len(d.temps) > 0, len(d.spo2) > 0
	d.maxT, d.minO = maxT.Max(), minO.Min()
	return nil
}

func (s *snapshot) loadSources(ctx context.Context, db *store.DB) error {
	accounts, err := db.Accounts(ctx, s.profile.ID)
	if err != nil {
		return err
	}
	stats, err := db.SourceStats(ctx, s.profile.ID)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		info := accountInfo{Account: a, counts: map[health.Kind]int{}}
		if info.systems, err = db.Systems(ctx, a.ID); err != nil {
			return err
		}
		for _, st := range stats {
			if st.AccountID != a.ID {
				continue
			}
			info.counts[st.Kind] += st.N
			info.total += st.N
			if st.Last.After(info.newest) {
				info.newest = st.Last
			}
		}
		s.accounts = append(s.accounts, info)
	}
	return nil
}

// loadProfiles lists every profile, for the switcher.
func loadProfiles(ctx context.Context, db *store.DB) ([]store.Profile, error) {
	ps, err := db.Profiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	return ps, nil
}
