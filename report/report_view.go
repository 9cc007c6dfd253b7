package report

import (
	"fmt"
	"strings"
	"time"

	"vitals/health"
	"vitals/store"
)

// view is the report laid out as text: what every format prints, so the
// formats differ only in markup.
type view struct {
	Title       string
	Patient     string
	Profile     string
	Period      string
	Rulebook    string
	HomeScale   string // the scale home readings are classified on
	OfficeScale string // the scale office readings are classified on
	Made        string
	Alerts      []string // above 180/120, minimum not met, repeated flags: first thing read
	Summary     []item
	Weeks       []week
	OfficeHome  string
	Office      []row
	Readings    []row
	TimesNote   string
	AFibCaveat  string
	BlankedNote string // when the period has blanked readings
	Devices     []string
	Routes      []string // shown when readings arrived by more than one route
	RoutesNote  string
	Chart       chart
	Empty       bool // no home readings at all
}

// item is a line of the summary.
type item struct {
	Label, Value string
	Alert        bool
}

// week is a row of the flags-per-week table.
type week struct {
	From, To                   string
	Readings, Flagged, Blanked int // Blanked: without values and without a cause given
	Alert                      bool
}

// row is a reading in a table.
type row struct {
	Date, Time, BP, Pulse, Slot, Category, Flags string
	Alert                                        bool // a rhythm flag, or above 180/120
	Muted                                        bool // not averaged (day 1, no values)
}

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02 15:04"
)

func (r Report) view() view {
	s := r.Summary
	v := view{
		Title:       "Home blood-pressure report",
		Patient:     r.Patient,
		Profile:     r.Profile,
		Period:      fmt.Sprintf("%s to %s (%s)", s.From, s.To, count(s.To.Sub(s.From)+1, "day")),
		Rulebook:    s.Rulebook.Name(),
		HomeScale:   s.Rulebook.HomeGuideline().Name(),
		OfficeScale: s.Rulebook.Guideline().Name(),
		Made:        r.Made.Format("2006-01-02 15:04 MST"),
		AFibCaveat:  health.FlagCaveat + " " + health.FlagEvidence,
		Empty:       len(s.Entries) == 0,
		Chart:       newChart(s),
	}
	if s.From.IsZero() {
		v.Period = "no readings"
	}
	if s.Blanked > 0 {
		v.BlankedNote = health.BlankedNote
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
			"The means below are not a protocol result: the home threshold, morning hypertension and the ME-dif flag are not assessed.",
			count(s.Readings, "reading"), count(s.Days, "day"), health.MinimumDays, health.MinimumReadings))
	}
	if s.RepeatedFlags {
		v.Alerts = append(v.Alerts, fmt.Sprintf("Repeated rhythm flags: 2 or more flagged readings in 3 consecutive readings, from %s. "+
			"A screening signal to confirm with an ECG.", when(s.RepeatedFlagsAt)))
	}

	v.Summary = summaryItems(s, when)
	for _, w := range s.Weeks {
		if w.Readings == 0 {
			continue // "0 of 0" says nothing, and a long period has many such weeks
		}
		v.Weeks = append(v.Weeks, week{From: w.From.String(), To: w.To.String(), Readings: w.Readings, Flagged: w.Flagged,
			Blanked: w.BlankedNoCause, Alert: w.Flagged > 0 || w.BlankedNoCause > 0})
	}
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
	if len(r.Routes) > 1 {
		v.RoutesNote = "The readings arrived by these routes. A measurement that arrived by several is one reading in every figure of this report, and is listed under each route here:"
		for _, rt := range r.Routes {
			v.Routes = append(v.Routes, routeText(rt))
		}
	}
	return v
}

// routeText is a route's line: where the readings came from, how, and
// how many another route brought as well.
func routeText(rt Route) string {
	how := map[store.Provider]string{
		store.ProviderOmron:  "Omron account",
		store.ProviderOneUp:  "1upHealth account",
		store.ProviderFile:   "imported file",
		store.ProviderManual: "typed in",
	}[rt.Provider]
	if how == "" {
		how = string(rt.Provider)
	}
	text := how
	if rt.Origin != "" && rt.Origin != health.OriginManual {
		text = rt.Origin + " (" + how + ")"
	}
	text += ": " + count(rt.Readings, "reading")
	if rt.Shared > 0 {
		text += fmt.Sprintf(", %d of them also by another route", rt.Shared)
	}
	return text
}

// summaryItems are the summary's lines. Every mean compared with a limit
// and every verdict is the Summary's own text (health), as on the
// dashboard's screens.
func summaryItems(s health.Summary, when func(time.Time) string) []item {
	var out []item
	add := func(label, value string, alert bool) { out = append(out, item{label, value, alert}) }

	mean := "no home readings averaged"
	if s.Mean.Valid() {
		mean = fmt.Sprintf("%s mmHg (%s over %s, %s)", s.MeanText(), count(s.Readings, "reading"), count(s.Days, "day"), count(s.Sessions, "sitting"))
	}
	add("Home mean", mean, false)
	add("Against the home threshold", s.VerdictText(), s.Verdict == health.AtOrAbove)

	minimum := fmt.Sprintf("%s and %s averaged (needs %d days and %d readings)", count(s.Days, "day"), count(s.Readings, "reading"),
		health.MinimumDays, health.MinimumReadings)
	if s.MinimumMet {
		add("Protocol minimum", "met: "+minimum, false)
	} else {
		add("Protocol minimum", "NOT met: "+minimum, true)
	}
	if !s.FirstDay.IsZero() {
		add("Day 1", fmt.Sprintf("%s (%s) shown, not averaged, as the protocol says", s.FirstDay, count(s.FirstDayReadings, "reading")), false)
	}

	morning := "no morning readings averaged"
	if s.Morning.Valid() {
		morning = fmt.Sprintf("%s mmHg (%s)", s.MorningText(), count(s.Morning.N, "reading"))
	}
	add(fmt.Sprintf("Morning mean (%s)", health.SlotMorning.Hours()), morning, false)
	evening := "no evening readings averaged"
	if s.Evening.Valid() {
		evening = fmt.Sprintf("%s mmHg (%s)", s.Evening, count(s.Evening.N, "reading"))
	}
	add(fmt.Sprintf("Evening mean (%s)", health.SlotEvening.Hours()), evening, false)
	add("Morning hypertension (morning mean ≥ "+health.MorningHypertension().String()+")", s.MorningVerdictText(), s.MorningVerdict == health.AtOrAbove)

	medif := s.MEDifVerdictText()
	if s.MEDif.Valid() {
		medif = s.MEDifText() + " mmHg: " + medif
	}
	add("Morning − evening systolic (ME-dif)", medif, s.MEDifVerdict == health.AtOrAbove)

	if s.Mean.Pulse.Valid() {
		add("Mean pulse", s.Mean.Pulse.String()+" bpm", false)
	}
	if s.Highest.HasPressures() {
		add("Highest", fmt.Sprintf("%s mmHg on %s", bpText(s.Highest), when(s.Highest.Local())), false)
		add("Lowest", fmt.Sprintf("%s mmHg on %s", bpText(s.Lowest), when(s.Lowest.Local())), false)
	}

	dates := func(ds []health.Date) string {
		out := make([]string, len(ds))
		for i, d := range ds {
			out[i] = d.String()
		}
		return strings.Join(out, ", ")
	}
	flags := func(f health.FlagCount) string {
		if f.N == 0 {
			return "none"
		}
		return fmt.Sprintf("%s, on %s", count(f.N, "reading"), dates(f.Dates))
	}
	afib := flags(s.PossibleAFib)
	if n := s.BlankedNoCause.N; n > 0 {
		// Omron blanks a measurement during a rhythm error; a source
		// without a flag column cannot say whether this was one.
		if s.PossibleAFib.N == 0 {
			afib = "none flagged"
		}
		afib += fmt.Sprintf(", but %s %s %s (see Blanked readings)", count(n, "reading"), health.Plural(n, "was", "were"), health.BlankedNoCause)
	}
	add("Possible AFib flags", afib, s.PossibleAFib.N > 0)
	add("Irregular heartbeat flags", flags(s.Irregular), s.Irregular.N > 0)
	if s.Blanked > 0 {
		blank := count(s.Blanked, "reading") + " without values"
		if flagged := s.Blanked - s.BlankedNoCause.N; flagged > 0 {
			blank += fmt.Sprintf("; %d with a rhythm flag", flagged)
		}
		if n := s.BlankedNoCause.N; n > 0 {
			blank += fmt.Sprintf("; %d %s, on %s", n, health.BlankedNoCause, dates(s.BlankedNoCause.Dates))
		}
		add("Blanked readings", blank+": counted in the flag rates, never averaged or charted", s.BlankedNoCause.N > 0)
	}
	if s.Flagged > 0 {
		rep := "no"
		if s.RepeatedFlags {
			rep = "yes, from " + when(s.RepeatedFlagsAt) + ": a stronger signal"
		}
		add("2 or more flags in 3 consecutive readings", rep, s.RepeatedFlags)
	}
	if s.Incomplete > 0 {
		add("Incomplete readings", count(s.Incomplete, "reading")+" with one pressure only: never averaged", false)
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
	switch {
	case len(s.OfficeReadings) == 0:
		return "No office readings in this period: masked and white-coat hypertension cannot be assessed."
	case s.Office.Valid():
		return fmt.Sprintf("Office mean %s mmHg (%s) is %s; without home readings there is nothing to compare it with.",
			s.OfficeText(), count(s.Office.N, "reading"), s.OfficeVerdictText())
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
	switch c, ok := bp.Category(rb); {
	case ok:
		r.BP = bpText(bp)
		r.Category = c.Name
		if c.IsolatedSystolic {
			r.Category += ", isolated systolic"
		}
	case bp.Blanked():
		r.BP = "no values"
		r.Category = health.BlankedText(bp)
		r.Muted = true
	default:
		r.BP = pressureText(bp)
		r.Category = "incomplete: not classified"
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

// pressureText writes a reading's pressures, a dash for a missing one.
func pressureText(bp health.BloodPressure) string {
	part := func(v health.Value) string {
		if !v.Valid() {
			return "—"
		}
		return v.String()
	}
	return part(bp.Systolic) + "/" + part(bp.Diastolic)
}

// fmtShort writes a reading's number as devices show it: whole numbers
// without decimals.
func fmtShort(x float64) string { return health.Of(x).String() }

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
