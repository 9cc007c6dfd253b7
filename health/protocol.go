package health

import (
	"slices"
	"time"
)

// The home blood-pressure monitoring protocol (clinical-rules.md, "Home
// blood-pressure monitoring protocol"): two readings a minute apart,
// morning and evening, for seven days (at least three); the first day is
// discarded and the rest averaged.
//
// The choices the guidelines leave open follow clinical-rules.md,
// "Conventions where the guidelines leave a choice open", and are taken
// here only:
//
//   - Sittings: readings within SessionWindow of the sitting's first
//     reading. A reading takes the wall-clock date and the morning/evening
//     slot of its sitting's first reading, so a sitting that starts at
//     11:58 is a morning sitting even if its second reading is at 12:00.
//   - Day 1 is the earliest date of the period (by sitting) that holds a
//     home reading, whatever that reading is (a blanked one too). Its
//     readings are shown but never averaged; a period whose readings all
//     fall on day 1 has no mean.
//   - Means are over readings, not sittings, and exact (Exact: sum ÷
//     count as a fraction). Verdicts compare the exact values; numbers are
//     rounded once, for display (FormatMean), so the figure shown never
//     contradicts the verdict beside it.
//   - The home mean of a Summary is the one home mean that carries a
//     verdict. Below the protocol minimum (MinimumDays days and
//     MinimumReadings averaged readings) the threshold verdict, morning
//     hypertension, the ME-dif flag and masked or white-coat hypertension
//     are all NotAssessed.
//   - A reading without both pressures (Omron blanks a measurement during
//     a rhythm error; a pressure of zero or less is no pressure) is never
//     averaged, highest or lowest, and does not count toward the minimum.
//     It is kept: it counts as a reading in the flags-per-week rate, its
//     rhythm flags count, and it is listed with its cause, or as blanked
//     with the cause not given.
//   - Statistics (means, counts, highest, lowest, ME-dif) leave day 1
//     out; safety findings (rhythm flags, readings above 180/120) keep it.
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

// Verdict is where a mean stands against its limit.
type Verdict int

const (
	// NotAssessed: no mean, or the protocol minimum is not met.
	NotAssessed Verdict = iota
	// Below: the exact mean is below the limit (both parts, for a pair).
	Below
	// AtOrAbove: the exact mean is at or above the limit (either part).
	AtOrAbove
)

func (v Verdict) String() string {
	switch v {
	case Below:
		return "below"
	case AtOrAbove:
		return "at or above"
	}
	return "not assessed"
}

// BPMean is the exact mean of a set of readings. N counts the readings
// averaged; pulse is averaged over those of them that have one.
type BPMean struct {
	Systolic, Diastolic Exact
	Pulse               Exact
	N                   int
}

// Valid reports whether there was anything to average.
func (m BPMean) Valid() bool { return m.N > 0 }

// String writes "131.2/82.5", rounded half away from zero, or "" when
// there is no mean: for a mean no verdict stands beside. A mean shown
// beside a verdict is written by Text.
func (m BPMean) String() string {
	if !m.Valid() {
		return ""
	}
	return m.Systolic.String() + "/" + m.Diastolic.String()
}

// Text writes the mean as it is shown beside a verdict against t: each
// part by FormatMean against its own limit ("134.96/84.96" under 135/85),
// or "" when there is no mean.
func (m BPMean) Text(t Threshold) string {
	if !m.Valid() {
		return ""
	}
	return FormatMean(m.Systolic, t.Systolic) + "/" + FormatMean(m.Diastolic, t.Diastolic)
}

// AtOrAbove reports whether the exact mean is at or above t: systolic at
// or above its limit, or diastolic at or above its. False without a mean.
func (m BPMean) AtOrAbove(t Threshold) bool {
	return m.Valid() && (m.Systolic.AtLeast(t.Systolic) || m.Diastolic.AtLeast(t.Diastolic))
}

// judge is the verdict of the mean against t; NotAssessed without a mean
// or when assess is false.
func (m BPMean) judge(t Threshold, assess bool) Verdict {
	switch {
	case !assess || !m.Valid():
		return NotAssessed
	case m.AtOrAbove(t):
		return AtOrAbove
	}
	return Below
}

// meanOf averages the readings that have both pressures, exactly.
func meanOf(rs []BloodPressure) BPMean {
	var sys, dia, pulse exactMean
	for _, r := range rs {
		if !r.HasPressures() {
			continue
		}
		sys.add(r.Systolic)
		dia.add(r.Diastolic)
		pulse.add(r.Pulse)
	}
	return BPMean{Systolic: sys.mean(), Diastolic: dia.mean(), Pulse: pulse.mean(), N: sys.n}
}

// Entry is one home reading of the period as the protocol sees it. Its
// values are cleaned: a zero pressure or pulse is missing.
type Entry struct {
	BloodPressure
	Date     Date // wall-clock date of its sitting's first reading
	Slot     Slot // slot of its sitting's first reading
	Session  int  // index of its sitting in the period, from 0
	FirstDay bool // on day 1: shown, never averaged
	Averaged bool // counted in the means: has both pressures, not on day 1
}

// FlagCount is how many readings carried a flag, and on which days.
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
	// BlankedNoCause counts readings without values and without a flag:
	// the source did not say why they were blanked.
	BlankedNoCause int
}

// OfficeHome is what comparing office with home blood pressure shows.
type OfficeHome int

const (
	// OfficeHomeUnknown: office or home readings are missing in the period.
	OfficeHomeUnknown OfficeHome = iota
	// OfficeHomeNotAssessed: both exist, but the home readings fall short
	// of the protocol minimum.
	OfficeHomeNotAssessed
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
	case OfficeHomeNotAssessed:
		return "Masked or white-coat hypertension not assessed"
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

// Summary is the protocol's answer for a period: the one home mean that
// carries a verdict, and everything a screen or report says about the
// period's blood pressure. Every threshold it was judged against is in it,
// with the rulebook that set it.
type Summary struct {
	Rulebook        Rulebook
	From, To        Date // inclusive, wall-clock dates of the readings
	HomeThreshold   Threshold
	OfficeThreshold Threshold

	// Entries are the home readings of the period, oldest first.
	Entries []Entry
	// Sessions counts the sittings with at least one averaged reading.
	Sessions int

	// FirstDay is day 1, whose readings are shown but not averaged; zero
	// without home readings.
	FirstDay Date
	// FirstDayReadings is how many home readings it holds (blanked too).
	FirstDayReadings int

	Days       int  // days with averaged readings
	Readings   int  // averaged readings
	MinimumMet bool // at least MinimumDays and MinimumReadings

	// Blanked counts the home readings of the period without both
	// pressures (day 1 included); BlankedNoCause those of them without a
	// rhythm flag, whose source gave no cause. Incomplete counts readings
	// with one pressure only.
	Blanked        int
	BlankedNoCause FlagCount
	Incomplete     int

	// Mean is the one home mean that carries a verdict: Verdict, against
	// HomeThreshold.
	Mean    BPMean
	Verdict Verdict
	// Morning and Evening are the means of the averaged readings whose
	// sittings began in those slots. MorningVerdict is morning
	// hypertension: the morning mean against MorningHypertension().
	Morning, Evening BPMean
	MorningVerdict   Verdict
	// MEDif is the exact morning mean systolic minus the evening one;
	// missing unless both exist. MEDifVerdict is against MEDifRisk.
	MEDif        Exact
	MEDifVerdict Verdict

	// Highest and Lowest are the averaged readings with the highest and
	// lowest systolic (diastolic breaks ties); zero without readings.
	Highest, Lowest BloodPressure

	// Rhythm flags of every home reading in the period, day 1 included.
	// A reading with both flags counts in both.
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

	// Office readings of the period, oldest first (cleaned), their mean
	// and its verdict against OfficeThreshold (office readings have no
	// minimum), and what office and home show together.
	OfficeReadings []BloodPressure
	Office         BPMean
	OfficeVerdict  Verdict
	OfficeHome     OfficeHome
}

// Summarize applies the home-monitoring protocol to the readings of the
// period from–to (inclusive wall-clock dates; a zero date is taken from the
// readings). home are readings taken outside a clinic, office the clinic's
// (SplitBySetting separates a mixed list); readings outside the period are
// ignored, so callers may pass a wider window.
func Summarize(home, office []BloodPressure, from, to Date, rb Rulebook) Summary {
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

	s.entries(home)
	s.statistics()
	s.flags()

	slices.SortStableFunc(office, byTime)
	s.OfficeReadings = office
	s.Office = meanOf(office)
	s.OfficeVerdict = s.Office.judge(s.OfficeThreshold, true)
	s.OfficeHome = s.compare()

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

// entries groups the home readings into sittings and marks day 1.
func (s *Summary) entries(home []BloodPressure) {
	for i, sess := range Sessions(home) {
		start := sess.Local()
		for _, r := range sess.Readings {
			s.Entries = append(s.Entries, Entry{BloodPressure: r, Date: DateOf(start), Slot: SlotOf(start), Session: i})
		}
	}
	for _, e := range s.Entries {
		if s.FirstDay.IsZero() || e.Date.Before(s.FirstDay) {
			s.FirstDay = e.Date
		}
	}
	for i := range s.Entries {
		e := &s.Entries[i]
		e.FirstDay = e.Date == s.FirstDay
		e.Averaged = e.HasPressures() && !e.FirstDay
		if e.FirstDay {
			s.FirstDayReadings++
		}
		switch {
		case e.Blanked():
			s.Blanked++
			if !e.Flagged() {
				s.BlankedNoCause.add(e.Date)
			}
		case !e.HasPressures():
			s.Incomplete++
		}
	}
}

// statistics computes the means, counts and verdicts over the averaged
// entries.
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
	s.Verdict = s.Mean.judge(s.HomeThreshold, s.MinimumMet)
	s.MorningVerdict = s.Morning.judge(MorningHypertension(), s.MinimumMet)
	s.MEDif = s.Morning.Systolic.Sub(s.Evening.Systolic)
	switch {
	case !s.MinimumMet || !s.MEDif.Valid():
		s.MEDifVerdict = NotAssessed
	case s.MEDif.AtLeast(MEDifRisk):
		s.MEDifVerdict = AtOrAbove
	default:
		s.MEDifVerdict = Below
	}
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
	if !s.From.IsZero() && !s.To.Before(s.From) {
		s.Weeks = make([]WeekFlags, 0, s.To.Sub(s.From)/7+1)
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
			wk := &s.Weeks[w]
			wk.Readings++
			if e.Flagged() {
				wk.Flagged++
			}
			if e.Blanked() && !e.Flagged() {
				wk.BlankedNoCause++
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

// compare states what office and home means show together: only with an
// office mean and a home verdict.
func (s *Summary) compare() OfficeHome {
	switch {
	case !s.Office.Valid() || len(s.Entries) == 0:
		return OfficeHomeUnknown
	case s.Verdict == NotAssessed:
		return OfficeHomeNotAssessed
	}
	o, h := s.OfficeVerdict == AtOrAbove, s.Verdict == AtOrAbove
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
