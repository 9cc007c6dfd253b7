package report

import (
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// view is the report laid out as text: what every format prints, so the
// formats differ only in markup.
type view struct {
	Title      string
	Patient    string
	Profile    string
	Period     string
	Rulebook   string
	Guideline  string
	Made       string
	Alerts     []string // above 180/120, minimum not met, repeated flags: first thing read
	Summary    []item
	OfficeHome string
	Office     []row
	Readings   []row
	TimesNote  string
	AFibCaveat string
	Devices    []string
	Chart      chart
	Empty      bool // no home readings at all
}

// item is a line of the summary.
type item struct {
	Label, Value string
	Alert        bool
}

// row is a reading in a table.
type row struct {
	Date, Time, BP, Pulse, Slot, Category, Flags string
	Alert                                        bool // a rhythm flag, or above 180/120
	Muted                                        bool // not averaged (discarded first day, no values)
}

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02 15:04"
)

func (r Report) view() view {
	s := r.Summary
	v := view{
		Title:      "Home blood-pressure report",
		Patient:    r.Patient,
		Profile:    r.Profile,
		Period:     fmt.Sprintf("%s to %s (%d days)", s.From, s.To, s.To.Sub(s.From)+1),
		Rulebook:   s.Rulebook.Name(),
		Guideline:  s.Rulebook.Guideline().Name(),
		Made:       r.Made.Format("2006-01-02 15:04 MST"),
		AFibCaveat: health.FlagCaveat + " " + health.FlagEvidence,
		Empty:      len(s.Entries) == 0,
		Chart:      newChart(s),
	}
	if s.From.IsZero() {
		v.Period = "no readings"
	}
	zone := singleOffset(s)
	when := func(t time.Time) string {
		if zone {
			return t.Format(dateTimeLayout)
		}
		return t.Format(dateTimeLayout) + " " + health.FormatOffset(health.OffsetOf(t))
	}
	if zone && (len(s.Entries) > 0 || len(s.OfficeReadings) > 0) {
		v.TimesNote = fmt.Sprintf("Times are the wall clock where each reading was taken (UTC%s).", utcOffset(s))
	} else {
		v.TimesNote = "Times are the wall clock where each reading was taken, with its UTC offset."
	}

	if len(s.Severe) > 0 {
		var list []string
		for _, bp := range s.Severe {
			list = append(list, fmt.Sprintf("%s mmHg on %s (%s)", bpText(bp), when(bp.Local()), settingText(bp.Setting)))
		}
		verb := "is"
		if len(list) > 1 {
			verb = "are"
		}
		v.Alerts = append(v.Alerts, fmt.Sprintf("%s %s above 180/120. %s %s", strings.Join(list, "; "), verb, health.SevereAttention, health.SevereAdvice))
	}
	if !s.MinimumMet {
		v.Alerts = append(v.Alerts, fmt.Sprintf("Protocol minimum not met: %s averaged over %s; the protocol needs at least %d days and %d readings. "+
			"The means below are not a protocol result and the home threshold is not assessed.",
			count(s.Readings, "reading"), count(s.Days, "day"), health.MinimumDays, health.MinimumReadings))
	}
	if s.RepeatedFlags {
		v.Alerts = append(v.Alerts, fmt.Sprintf("Repeated rhythm flags: 2 or more flagged readings in 3 consecutive readings, from %s. "+
			"A screening signal to confirm with an ECG.", when(s.RepeatedFlagsAt)))
	}

	v.Summary = summaryItems(s, r.KeepFirstDay, when)
	v.OfficeHome = officeHomeText(s)
	for _, e := range s.Entries {
		v.Readings = append(v.Readings, readingRow(e.BloodPressure, e.Slot, s.Rulebook, zone, e, true))
	}
	for _, bp := range s.OfficeReadings {
		v.Office = append(v.Office, readingRow(bp, health.SlotOther, s.Rulebook, zone, health.Entry{}, false))
	}
	for _, d := range r.Devices {
		v.Devices = append(v.Devices, deviceText(d))
	}
	return v
}

func summaryItems(s health.Summary, keptFirstDay bool, when func(time.Time) string) []item {
	var out []item
	add := func(label, value string, alert bool) { out = append(out, item{label, value, alert}) }
	rb := s.Rulebook.Name()

	mean := "no home readings with values"
	if s.Mean.Valid() {
		mean = fmt.Sprintf("%s mmHg (%s over %s, %s)", s.Mean, count(s.Readings, "reading"), count(s.Days, "day"), count(s.Sessions, "session"))
	}
	add("Home mean", mean, false)

	threshold := fmt.Sprintf("%s mmHg (%s): ", s.HomeThreshold, rb)
	switch {
	case !s.Mean.Valid():
		threshold += "not assessed, no home readings"
	case !s.MinimumMet:
		threshold += "not assessed, protocol minimum not met"
	case s.AboveThreshold:
		threshold += "the mean is at or above it"
	default:
		threshold += "the mean is below it"
	}
	add("Home threshold", threshold, s.MinimumMet && s.AboveThreshold)

	minimum := fmt.Sprintf("%s and %s averaged (needs %d days and %d readings)", count(s.Days, "day"), count(s.Readings, "reading"),
		health.MinimumDays, health.MinimumReadings)
	if s.MinimumMet {
		add("Protocol minimum", "met: "+minimum, false)
	} else {
		add("Protocol minimum", "NOT met: "+minimum, true)
	}

	switch {
	case !s.FirstDay.IsZero():
		add("First day", fmt.Sprintf("%s discarded (%s), as the protocol says", s.FirstDay, count(s.FirstDayReadings, "reading")), false)
	case keptFirstDay:
		add("First day", "averaged too, as asked (the protocol discards it)", false)
	case s.Readings > 0:
		add("First day", "kept: readings on one day only", false)
	}

	slot := func(label string, sl health.Slot, m health.BPMean) {
		value := fmt.Sprintf("no %s readings", sl)
		if m.Valid() {
			value = fmt.Sprintf("%s mmHg (%s)", m, count(m.N, "reading"))
		}
		add(fmt.Sprintf("%s mean (%s)", label, sl.Hours()), value, false)
	}
	slot("Morning", health.SlotMorning, s.Morning)
	slot("Evening", health.SlotEvening, s.Evening)

	medif := "needs morning and evening readings"
	if d, ok := s.MEDif.Get(); ok {
		if s.MEDifHigh {
			medif = fmt.Sprintf("%s mmHg: %g mmHg or more carries extra cardiovascular risk (%s)", fmt1(d), health.MEDifRisk, health.JHOPCitation)
		} else {
			medif = fmt.Sprintf("%s mmHg (below %g)", fmt1(d), health.MEDifRisk)
		}
	}
	add("Morning − evening systolic (ME-dif)", medif, s.MEDifHigh)

	if s.Morning.Valid() {
		mh := "no"
		if s.MorningHypertension {
			mh = "yes: the morning mean is at or above " + health.MorningHypertension().String()
		}
		add("Morning hypertension (morning mean ≥ "+health.MorningHypertension().String()+")", mh, s.MorningHypertension)
	}
	if p, ok := s.Mean.Pulse.Get(); ok {
		add("Mean pulse", fmt1(p)+" bpm", false)
	}
	if s.Highest.HasPressures() {
		add("Highest", fmt.Sprintf("%s mmHg on %s", bpText(s.Highest), when(s.Highest.Local())), false)
		add("Lowest", fmt.Sprintf("%s mmHg on %s", bpText(s.Lowest), when(s.Lowest.Local())), false)
	}

	flags := func(f health.FlagCount) string {
		if f.N == 0 {
			return "none"
		}
		dates := make([]string, len(f.Dates))
		for i, d := range f.Dates {
			dates[i] = d.String()
		}
		return fmt.Sprintf("%s, on %s", count(f.N, "reading"), strings.Join(dates, ", "))
	}
	add("Possible AFib flags", flags(s.PossibleAFib), s.PossibleAFib.N > 0)
	add("Irregular heartbeat flags", flags(s.Irregular), s.Irregular.N > 0)
	var weeks []string
	for _, w := range s.Weeks {
		if w.Readings == 0 {
			continue // "0 of 0" says nothing, and a long period has many such weeks
		}
		weeks = append(weeks, fmt.Sprintf("%s to %s: %d of %s", w.From, w.To, w.Flagged, count(w.Readings, "reading")))
	}
	if len(weeks) > 0 {
		add("Flagged readings per week", strings.Join(weeks, "; "), false)
	}
	if s.Flagged > 0 {
		rep := "no"
		if s.RepeatedFlags {
			rep = "yes, from " + when(s.RepeatedFlagsAt) + ": a stronger signal"
		}
		add("2 or more flags in 3 consecutive readings", rep, s.RepeatedFlags)
	}
	if s.WithoutValues > 0 {
		add("Readings without values", count(s.WithoutValues, "reading")+" (the monitor blanked them; never averaged)", false)
	}
	severe := "none"
	if len(s.Severe) > 0 {
		var list []string
		for _, bp := range s.Severe {
			list = append(list, fmt.Sprintf("%s on %s", bpText(bp), when(bp.Local())))
		}
		severe = strings.Join(list, "; ")
	}
	add("Readings above 180/120", severe, len(s.Severe) > 0)
	return out
}

func officeHomeText(s health.Summary) string {
	if st := s.OfficeHomeStatement(); st != "" {
		return st
	}
	rb := s.Rulebook.Name()
	switch {
	case len(s.OfficeReadings) == 0:
		return "No office readings in this period: masked and white-coat hypertension cannot be assessed."
	case s.Office.Valid():
		rel := "below"
		if s.OfficeAbove {
			rel = "at or above"
		}
		return fmt.Sprintf("Office mean %s mmHg (%s) is %s the office threshold %s (%s); without home readings there is nothing to compare it with.",
			s.Office, count(s.Office.N, "reading"), rel, s.OfficeThreshold, rb)
	}
	return "The office readings of this period have no values to compare."
}

func readingRow(bp health.BloodPressure, slot health.Slot, rb health.Rulebook, oneZone bool, e health.Entry, home bool) row {
	local := bp.Local()
	r := row{Date: local.Format(dateLayout), Time: local.Format("15:04"), Slot: slot.String()}
	if !oneZone {
		r.Time += " " + health.FormatOffset(bp.Offset)
	}
	var flags []string
	if bp.HasPressures() {
		r.BP = bpText(bp)
		c, _ := bp.Category(rb.Guideline())
		r.Category = c.Name
		if c.IsolatedSystolic {
			r.Category += ", isolated systolic"
		}
	} else {
		r.BP = "no values"
		r.Muted = true
	}
	if p, ok := bp.Pulse.Get(); ok {
		r.Pulse = fmtShort(p)
	}
	if bp.PossibleAFib {
		flags = append(flags, "possible AFib")
	}
	if bp.IrregularHeartbeat {
		flags = append(flags, "irregular heartbeat")
	}
	if bp.HasPressures() && health.Severe(bp.Systolic.Or(0), bp.Diastolic.Or(0)) {
		flags = append(flags, "above 180/120")
	}
	r.Alert = len(flags) > 0
	if bp.BodyMovement {
		flags = append(flags, "body movement")
	}
	if home && e.FirstDay {
		flags = append(flags, "day 1, not averaged")
		r.Muted = true
	}
	if bp.Manual {
		flags = append(flags, "entered by hand")
	}
	r.Flags = strings.Join(flags, "; ")
	return r
}

func deviceText(d Device) string {
	var parts []string
	if d.Origin != "" && d.Origin != d.Name {
		parts = append(parts, d.Origin)
	}
	if d.Setting != health.SettingUnknown {
		parts = append(parts, string(d.Setting))
	}
	if d.Manual && d.Origin != health.OriginManual { // the name says so already
		parts = append(parts, "entered by hand")
	}
	text := d.Name
	if len(parts) > 0 {
		text += " (" + strings.Join(parts, ", ") + ")"
	}
	return text + ": " + count(d.Readings, "reading")
}

func settingText(s health.Setting) string {
	if s == health.SettingOffice {
		return "office"
	}
	return "home"
}

// singleOffset reports whether every reading of the period was taken at
// the same UTC offset, so times need not carry it.
func singleOffset(s health.Summary) bool {
	seen, first := false, 0
	check := func(off int) bool {
		if !seen {
			seen, first = true, off
		}
		return off == first
	}
	for _, e := range s.Entries {
		if !check(e.Offset) {
			return false
		}
	}
	for _, r := range s.OfficeReadings {
		if !check(r.Offset) {
			return false
		}
	}
	return true
}

func utcOffset(s health.Summary) string {
	switch {
	case len(s.Entries) > 0:
		return strings.Replace(health.FormatOffset(s.Entries[0].Offset), "-", "−", 1)
	case len(s.OfficeReadings) > 0:
		return strings.Replace(health.FormatOffset(s.OfficeReadings[0].Offset), "-", "−", 1)
	}
	return ""
}

func bpText(bp health.BloodPressure) string {
	return fmtShort(bp.Systolic.Or(0)) + "/" + fmtShort(bp.Diastolic.Or(0))
}

// fmtShort writes a reading's number as devices show it: whole numbers
// without decimals.
func fmtShort(x float64) string { return health.Of(x).String() }

func fmt1(x float64) string { return health.Of(x).Format(1) }

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
