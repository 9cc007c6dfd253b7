package health

import (
	"fmt"
	"slices"
	"time"
)

// The home blood-pressure monitoring protocol (clinical-rules.md, "Home
// blood-pressure monitoring protocol"): two readings a minute apart,
// morning and evening, for seven days (at least three); the first day is
// discarded and the rest averaged.
//
// Decisions the protocol leaves open, taken once here:
//
//   - Means are over readings, not sessions: the protocol says "mean of all
//     readings" and "average the rest". Sessions (readings within
//     SessionWindow of a sitting's first reading) only group: a reading
//     takes the wall-clock date and the morning/evening slot of its
//     session's first reading, so a sitting that starts at 11:58 is a
//     morning sitting even if its second reading is taken at 12:00.
//   - A pressure of zero or less is not a reading (Omron zeroes the values
//     of a possible-AFib measurement): it is treated as missing. A reading
//     without both pressures is never averaged, never the highest or
//     lowest, and not counted toward the protocol minimum; its rhythm
//     flags still count, and it counts as a reading in the flags-per-week
//     rate, since the monitor did measure.
//   - Means are rounded to 0.1 mmHg before they are compared with a
//     threshold, so the number shown and the verdict always agree.
//   - The first day discarded is the first day with a reading that could be
//     averaged, and only when a later day has one too (otherwise nothing
//     would be left). Statistics (means, counts, highest, lowest, ME-dif)
//     leave it out; safety findings (rhythm flags, readings above 180/120)
//     include it.
const (
	// MinimumDays and MinimumReadings are the protocol's minimum: days with
	// averaged readings and averaged readings, after the first day is
	// discarded.
	MinimumDays     = 3
	MinimumReadings = 12

	// MEDifRisk is the morning–evening systolic difference at or above
	// which extra cardiovascular risk was found (J-HOP).
	MEDifRisk = 20.0

	// JHOPCitation is where the ME-dif risk comes from.
	JHOPCitation = "J-HOP study, Hypertens Res 2021;44:1597"
)

// MorningHypertension is the morning home mean that counts as morning
// hypertension, whatever the rulebook.
func MorningHypertension() Threshold { return Threshold{135, 85} }

// Slot is the part of the day a home reading belongs to.
type Slot int

const (
	SlotOther   Slot = iota // 00:00–03:59 and 12:00–17:59: averaged overall only
	SlotMorning             // 04:00–11:59 local
	SlotEvening             // 18:00–23:59 local
)

// SlotOf returns the slot of a wall-clock time (t in the reading's zone).
func SlotOf(t time.Time) Slot {
	switch h := t.Hour(); {
	case h >= 4 && h < 12:
		return SlotMorning
	case h >= 18:
		return SlotEvening
	}
	return SlotOther
}

func (s Slot) String() string {
	switch s {
	case SlotMorning:
		return "morning"
	case SlotEvening:
		return "evening"
	}
	return ""
}

// Hours is the slot's wall-clock window, for legends and captions.
func (s Slot) Hours() string {
	switch s {
	case SlotMorning:
		return "04:00–11:59"
	case SlotEvening:
		return "18:00–23:59"
	}
	return ""
}

// SummaryOptions choose how Summarize applies the protocol.
type SummaryOptions struct {
	// Rulebook gives the home and office thresholds and the guideline
	// that names categories; the zero value is AHA2025.
	Rulebook Rulebook
	// KeepFirstDay averages the first day too. The protocol discards it
	// (ESH: the first day's readings run high), so the default is false.
	KeepFirstDay bool
}

// BPMean is the mean of a set of readings, rounded to 0.1 mmHg (and 0.1
// beats per minute). N counts the readings averaged; pulse is averaged over
// the readings that have one.
type BPMean struct {
	Systolic, Diastolic Value
	Pulse               Value
	N                   int
}

// Valid reports whether there was anything to average.
func (m BPMean) Valid() bool { return m.N > 0 }

// String writes "131.2/82.5", or "" when there is no mean.
func (m BPMean) String() string {
	if !m.Valid() {
		return ""
	}
	return m.Systolic.Format(1) + "/" + m.Diastolic.Format(1)
}

// Exceeds reports whether the mean is at or above t; false without a mean.
func (m BPMean) Exceeds(t Threshold) bool {
	return m.Valid() && t.Exceeded(m.Systolic.Or(0), m.Diastolic.Or(0))
}

// meanOf averages the readings that have both pressures.
func meanOf(rs []BloodPressure) BPMean {
	var sys, dia, pulse Mean
	for _, r := range rs {
		if !r.HasPressures() {
			continue
		}
		sys.AddValue(r.Systolic)
		dia.AddValue(r.Diastolic)
		pulse.AddValue(r.Pulse)
	}
	round := func(x float64) float64 { return Round(x, 1) }
	return BPMean{
		Systolic:  sys.Value().Map(round),
		Diastolic: dia.Value().Map(round),
		Pulse:     pulse.Value().Map(round),
		N:         sys.N(),
	}
}

// Entry is one home reading of the period as the protocol sees it. Its
// values are cleaned: a zero pressure or pulse is missing.
type Entry struct {
	BloodPressure
	Date     Date // wall-clock date of its session's first reading
	Slot     Slot // slot of its session's first reading
	Session  int  // index of its session in the period, from 0
	FirstDay bool // on the first day, which the protocol discards
	Averaged bool // counted in the means: has both pressures, not discarded
}

// FlagCount is how many readings carried a rhythm flag, and on which days.
type FlagCount struct {
	N     int
	Dates []Date // distinct, in order
}

func (f *FlagCount) add(d Date) {
	f.N++
	if len(f.Dates) == 0 || f.Dates[len(f.Dates)-1] != d {
		f.Dates = append(f.Dates, d)
	}
}

// WeekFlags is the flag rate of one week of the period: seven days from
// the period's first day, the last week possibly shorter.
type WeekFlags struct {
	From, To Date
	Readings int // home readings, with or without values
	Flagged  int // readings with a possible-AFib or irregular-heartbeat flag
}

// OfficeHome is what comparing office with home blood pressure shows.
type OfficeHome int

const (
	// OfficeHomeUnknown: office or home readings are missing in the period.
	OfficeHomeUnknown OfficeHome = iota
	// Normotension: office and home below their thresholds.
	Normotension
	// SustainedHypertension: office and home at or above their thresholds.
	SustainedHypertension
	// MaskedHypertension: office below, home at or above.
	MaskedHypertension
	// WhiteCoatHypertension: office at or above, home below.
	WhiteCoatHypertension
)

func (o OfficeHome) String() string {
	switch o {
	case Normotension:
		return "Normal blood pressure in the office and at home"
	case SustainedHypertension:
		return "Sustained hypertension"
	case MaskedHypertension:
		return "Masked hypertension"
	case WhiteCoatHypertension:
		return "White-coat hypertension"
	}
	return ""
}

// Summary is the protocol's answer for a period. Every threshold it was
// judged against is in it, with the rulebook that set it.
type Summary struct {
	Rulebook        Rulebook
	From, To        Date // inclusive, wall-clock dates of the readings
	HomeThreshold   Threshold
	OfficeThreshold Threshold

	// Entries are the home readings of the period, oldest first.
	Entries []Entry
	// Sessions counts the sittings with at least one averaged reading.
	Sessions int

	// FirstDay is the day discarded by the protocol; zero when none was.
	FirstDay Date
	// FirstDayReadings is how many readings with values it held.
	FirstDayReadings int

	Days          int  // days with averaged readings
	Readings      int  // averaged readings
	WithoutValues int  // home readings of the period without both pressures
	MinimumMet    bool // at least MinimumDays and MinimumReadings

	Mean, Morning, Evening BPMean
	// AboveThreshold: the mean is at or above HomeThreshold.
	AboveThreshold bool
	// MEDif is the morning mean systolic minus the evening one; missing
	// unless both exist. MEDifHigh: at or above MEDifRisk.
	MEDif     Value
	MEDifHigh bool
	// MorningHypertension: the morning mean is at or above 135/85.
	MorningHypertension bool

	// Highest and Lowest are the averaged readings with the highest and
	// lowest systolic (diastolic breaks ties); zero without readings.
	Highest, Lowest BloodPressure

	// Rhythm flags of every home reading in the period, first day
	// included. A reading with both flags counts in both.
	PossibleAFib, Irregular FlagCount
	Flagged                 int // readings with either flag
	Weeks                   []WeekFlags
	// RepeatedFlags: two or more flagged readings among three consecutive
	// readings, a stronger signal than one flag. RepeatedFlagsAt is the
	// wall-clock time of the first flagged reading of the first such run.
	RepeatedFlags   bool
	RepeatedFlagsAt time.Time

	// Severe lists home and office readings of the period above 180
	// systolic and/or 120 diastolic, oldest first.
	Severe []BloodPressure

	// Office readings of the period, oldest first (cleaned), and their mean.
	OfficeReadings []BloodPressure
	Office         BPMean
	OfficeAbove    bool
	OfficeHome     OfficeHome
}

// Summarize applies the home-monitoring protocol to the readings of the
// period from–to (inclusive wall-clock dates; a zero date is taken from the
// readings). home are readings taken outside a clinic, office the clinic's
// (SplitBySetting separates a mixed list); readings outside the period are
// ignored, so callers may pass a wider window.
func Summarize(home, office []BloodPressure, from, to Date, opt SummaryOptions) Summary {
	rb := opt.Rulebook
	if rb == "" {
		rb = AHA2025
	}
	home, office = clean(home), clean(office)
	if from.IsZero() || to.IsZero() {
		first, last := dateSpan(append(slices.Clone(home), office...))
		if from.IsZero() {
			from = first
		}
		if to.IsZero() {
			to = last
		}
	}
	s := Summary{
		Rulebook:        rb,
		From:            from,
		To:              to,
		HomeThreshold:   rb.HomeThreshold(),
		OfficeThreshold: rb.OfficeThreshold(),
	}
	inPeriod := func(r BloodPressure) bool {
		d := DateOf(r.Local())
		return !d.Before(from) && !d.After(to)
	}
	home = slices.DeleteFunc(home, func(r BloodPressure) bool { return !inPeriod(r) })
	office = slices.DeleteFunc(office, func(r BloodPressure) bool { return !inPeriod(r) })

	s.entries(home, opt.KeepFirstDay)
	s.statistics()
	s.flags()

	slices.SortStableFunc(office, byTime)
	s.OfficeReadings = office
	s.Office = meanOf(office)
	s.OfficeAbove = s.Office.Exceeds(s.OfficeThreshold)
	s.OfficeHome = compare(s.Office, s.Mean, s.OfficeThreshold, s.HomeThreshold)

	for _, r := range append(entryReadings(s.Entries), office...) {
		if r.HasPressures() && Severe(r.Systolic.Or(0), r.Diastolic.Or(0)) {
			s.Severe = append(s.Severe, r)
		}
	}
	slices.SortStableFunc(s.Severe, byTime)
	return s
}

// SplitBySetting separates office readings from the rest (home, device,
// unknown), as store.HomeOnly and store.OfficeOnly do.
func SplitBySetting(rs []BloodPressure) (home, office []BloodPressure) {
	for _, r := range rs {
		if r.Setting == SettingOffice {
			office = append(office, r)
		} else {
			home = append(home, r)
		}
	}
	return home, office
}

// entries groups the home readings into sessions and marks the discarded
// first day.
func (s *Summary) entries(home []BloodPressure, keepFirstDay bool) {
	for i, sess := range Sessions(home) {
		start := sess.Local()
		for _, r := range sess.Readings {
			s.Entries = append(s.Entries, Entry{BloodPressure: r, Date: DateOf(start), Slot: SlotOf(start), Session: i})
		}
	}
	var first Date
	later := false
	for _, e := range s.Entries {
		if !e.HasPressures() {
			continue
		}
		switch {
		case first.IsZero():
			first = e.Date
		case e.Date != first:
			later = true
		}
	}
	discard := !keepFirstDay && later
	if discard {
		s.FirstDay = first
	}
	for i := range s.Entries {
		e := &s.Entries[i]
		e.FirstDay = discard && e.Date == first
		e.Averaged = e.HasPressures() && !e.FirstDay
		if e.FirstDay && e.HasPressures() {
			s.FirstDayReadings++
		}
		if !e.HasPressures() {
			s.WithoutValues++
		}
	}
}

// statistics computes the means and counts over the averaged entries.
func (s *Summary) statistics() {
	var all, morning, evening []BloodPressure
	days := map[Date]bool{}
	sessions := map[int]bool{}
	for _, e := range s.Entries {
		if !e.Averaged {
			continue
		}
		all = append(all, e.BloodPressure)
		switch e.Slot {
		case SlotMorning:
			morning = append(morning, e.BloodPressure)
		case SlotEvening:
			evening = append(evening, e.BloodPressure)
		}
		days[e.Date] = true
		sessions[e.Session] = true
		if !s.Highest.HasPressures() || higher(e.BloodPressure, s.Highest) {
			s.Highest = e.BloodPressure
		}
		if !s.Lowest.HasPressures() || higher(s.Lowest, e.BloodPressure) {
			s.Lowest = e.BloodPressure
		}
	}
	s.Readings, s.Days, s.Sessions = len(all), len(days), len(sessions)
	s.MinimumMet = s.Days >= MinimumDays && s.Readings >= MinimumReadings
	s.Mean, s.Morning, s.Evening = meanOf(all), meanOf(morning), meanOf(evening)
	s.AboveThreshold = s.Mean.Exceeds(s.HomeThreshold)
	s.MorningHypertension = s.Morning.Exceeds(MorningHypertension())
	s.MEDif = Sub(s.Morning.Systolic, s.Evening.Systolic).Map(func(x float64) float64 { return Round(x, 1) })
	s.MEDifHigh = s.MEDif.Or(0) >= MEDifRisk
}

// higher orders readings by systolic, then diastolic.
func higher(a, b BloodPressure) bool {
	as, bs := a.Systolic.Or(0), b.Systolic.Or(0)
	if as != bs {
		return as > bs
	}
	return a.Diastolic.Or(0) > b.Diastolic.Or(0)
}

// flags counts rhythm flags over every home reading of the period.
func (s *Summary) flags() {
	if !s.From.IsZero() {
		for d := s.From; !d.After(s.To); d = d.AddDays(7) {
			s.Weeks = append(s.Weeks, WeekFlags{From: d, To: minDate(d.AddDays(6), s.To)})
		}
	}
	for i, e := range s.Entries {
		d := e.Date
		if e.PossibleAFib {
			s.PossibleAFib.add(d)
		}
		if e.IrregularHeartbeat {
			s.Irregular.add(d)
		}
		if e.Flagged() {
			s.Flagged++
		}
		if w := d.Sub(s.From) / 7; w >= 0 && w < len(s.Weeks) {
			s.Weeks[w].Readings++
			if e.Flagged() {
				s.Weeks[w].Flagged++
			}
		}
		if !s.RepeatedFlags && e.Flagged() {
			// A run of up to three consecutive readings starting here.
			n := 0
			for _, f := range s.Entries[i:min(i+3, len(s.Entries))] {
				if f.Flagged() {
					n++
				}
			}
			if n >= 2 {
				s.RepeatedFlags, s.RepeatedFlagsAt = true, e.Local()
			}
		}
	}
}

func minDate(a, b Date) Date {
	if a.After(b) {
		return b
	}
	return a
}

// compare states what office and home means show together.
func compare(office, home BPMean, officeT, homeT Threshold) OfficeHome {
	if !office.Valid() || !home.Valid() {
		return OfficeHomeUnknown
	}
	o, h := office.Exceeds(officeT), home.Exceeds(homeT)
	switch {
	case o && h:
		return SustainedHypertension
	case !o && h:
		return MaskedHypertension
	case o && !h:
		return WhiteCoatHypertension
	}
	return Normotension
}

// OfficeHomeStatement says in a sentence what office and home readings
// show, naming the rulebook behind each threshold; "" when the period
// lacks office or home readings.
func (s Summary) OfficeHomeStatement() string {
	if s.OfficeHome == OfficeHomeUnknown {
		return ""
	}
	side := func(what string, m BPMean, t Threshold, above bool) string {
		rel := "below"
		if above {
			rel = "at or above"
		}
		return fmt.Sprintf("%s mean %s mmHg (%d %s) is %s the %s threshold %s (%s)",
			what, m, m.N, Plural(m.N, "reading", "readings"), rel, what, t, s.Rulebook.Name())
	}
	text := fmt.Sprintf("%s: %s; %s.", s.OfficeHome,
		side("office", s.Office, s.OfficeThreshold, s.OfficeAbove),
		side("home", s.Mean, s.HomeThreshold, s.AboveThreshold))
	if !s.MinimumMet {
		text += " The home readings fall short of the protocol minimum, so this is provisional."
	}
	return text
}

// clean returns copies of the readings, cleaned.
func clean(rs []BloodPressure) []BloodPressure {
	out := make([]BloodPressure, len(rs))
	for i, r := range rs {
		out[i] = r.Cleaned()
	}
	return out
}

// Cleaned returns r with a pressure or pulse of zero or less missing: see
// Measured.
func (r BloodPressure) Cleaned() BloodPressure {
	r.Systolic, r.Diastolic, r.Pulse = Measured(r.Systolic), Measured(r.Diastolic), Measured(r.Pulse)
	return r
}

func dateSpan(rs []BloodPressure) (first, last Date) {
	for _, r := range rs {
		d := DateOf(r.Local())
		if first.IsZero() || d.Before(first) {
			first = d
		}
		if last.IsZero() || d.After(last) {
			last = d
		}
	}
	return first, last
}

func entryReadings(es []Entry) []BloodPressure {
	out := make([]BloodPressure, len(es))
	for i, e := range es {
		out[i] = e.BloodPressure
	}
	return out
}

func byTime(a, b BloodPressure) int { return a.Time.Compare(b.Time) }
