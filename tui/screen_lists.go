package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"vitals/health"
	"vitals/store"
)

// alertsHeader is the number of lines above the alerts list.
const alertsHeader = 3

func (f frame) alertsScreen(w, h int) string {
	st, d := f.st, f.d
	as := d.alerts
	title := fmt.Sprintf("Alerts, %s: %s", d.period.Range, howMany(len(as), "alert", "alerts"))
	if f.rows.alerts != nil {
		as = make([]alert, len(f.rows.alerts))
		for i, j := range f.rows.alerts {
			as[i] = d.alerts[j]
		}
		title = fmt.Sprintf("Alerts, %s: %d of %s match the filter", d.period.Range, len(as), howMany(len(d.alerts), "alert", "alerts"))
	}
	off := min(max(f.alertOffset, 0), max(len(as)-1, 0))
	out := []string{st.title.Render(fit(title, w))}
	out = append(out, wrapLines([]string{f.weeklyFlags()}, w)...)
	out = append(out, "")
	if len(as) == 0 && f.rows.alerts != nil {
		return strings.Join(append(out, f.noMatch(TabAlerts, "alert", w)...), "\n")
	}
	if len(as) == 0 && len(d.firstSync) > 0 {
		out = append(out, wrapStyled(st.muted, "Nothing to flag yet. "+f.firstSyncNote(), w)...)
		return strings.Join(out, "\n")
	}
	if len(as) == 0 {
		out = append(out, wrapStyled(st.good, "✓ Nothing to flag in this period: no rhythm flags, no reading above 180/120, and every linked source is current.", w)...)
		return strings.Join(out, "\n")
	}
	// Whole alerts only: each is its title and its explanation.
	shown := off
	for _, a := range as[off:] {
		style := st.banner
		switch a.kind {
		case alertRelink, alertSevere:
			style = st.bannerBad
		case alertQuiet, alertCondition:
			style = st.bold
		}
		var lines []string
		// The title's parts (what · when · values · device) break between
		// them, not inside a device's name.
		for i, l := range wrapLines(flow(strings.Split(a.kind.mark()+" "+a.title, " · "), w-3), w-3) {
			if i > 0 {
				l = "   " + l
			}
			lines = append(lines, style.Render(l))
		}
		for _, l := range wrap(a.detail, w-3) {
			lines = append(lines, "   "+st.muted.Render(l))
		}
		if len(out)+len(lines) > h-1 && shown > off {
			break
		}
		out = append(out, lines...)
		shown++
	}
	if rest := len(as) - shown; rest > 0 || off > 0 {
		more := fmt.Sprintf(" alerts %d–%d of %d · ↑/↓ scroll ", off+1, shown, len(as))
		out = append(out, st.selected.Render(more))
	}
	return strings.Join(out, "\n")
}

// noMatch says that the filter of tab keeps no row, and how to clear it.
func (f frame) noMatch(tab Tab, what string, w int) []string {
	return wrapStyled(f.st.muted, fmt.Sprintf("No %s matches the filter /%s: esc clears it, / changes it.", what, f.filters[tab]), w)
}

// weeklyFlags is the rate of rhythm flags per week of the period, for the
// weeks that had any.
func (f frame) weeklyFlags() string {
	g := f.d.summary
	var flagged []string
	quiet, readings := 0, 0
	for _, wk := range g.Weeks {
		readings += wk.Readings
		if wk.Flagged == 0 && wk.BlankedNoCause == 0 {
			if wk.Readings > 0 {
				quiet++
			}
			continue
		}
		item := fmt.Sprintf("week of %s %d/%d", shortDay(wk.From), wk.Flagged, wk.Readings)
		if wk.BlankedNoCause > 0 {
			item += fmt.Sprintf(" (%d %s)", wk.BlankedNoCause, health.BlankedNoCause)
		}
		flagged = append(flagged, item)
	}
	if readings == 0 {
		return f.st.muted.Render("No home blood-pressure readings in this period.")
	}
	text := "Rhythm flags a week (flagged/readings): "
	if len(flagged) == 0 {
		text += "none"
	} else {
		text += strings.Join(flagged, ", ")
	}
	if quiet > 0 {
		text += fmt.Sprintf("; none in %s", howMany(quiet, "other week", "other weeks"))
	}
	return f.st.muted.Render(text)
}

// sourceRowAt maps a line of the sources screen to the account whose
// row (or whose system's row) it is; -1 for none. vis are the accounts
// listed, in order.
func sourceRowAt(accounts []accountInfo, vis []int, line int) int {
	row := line - 2 // the title and the table's header
	for _, i := range vis {
		a := accounts[i]
		if row >= 0 && row <= len(a.subs) {
			return i
		}
		row -= 1 + len(a.subs)
	}
	return -1
}

func (f frame) sources(w, h int) string {
	st, d := f.st, f.d
	out := []string{st.title.Render("Sources: linked accounts, connected systems and imports")}
	if len(d.accounts) == 0 {
		out = append(out, "", "No sources yet.")
		out = append(out, wrapLines(f.sourceHelp(), w)...)
		return strings.Join(out, "\n")
	}
	wide := w >= 100
	cols := []column{
		{title: "State", width: 10},
		{title: "Source", width: 18, words: true},
		{title: "Kind", width: 8},
	}
	if wide {
		cols[0].width, cols[1].width = 12, 22
		cols = append(cols, column{title: "Linked", width: 11})
	}
	cols = append(cols,
		column{title: "Last sync", width: 11},
		column{title: "Readings", width: 8, right: true},
		column{title: "Newest reading", width: 11, grow: true},
	)
	t := table{sel: -1, cols: cols}
	row := func(cells ...string) []string {
		if !wide {
			cells = append(cells[:3], cells[4:]...) // no Linked column
		}
		return cells
	}
	vis := visibleSources(d, f.rows.sources)
	for _, i := range vis {
		a := d.accounts[i]
		if i == f.sourceSel {
			t.sel = len(t.rows)
		}
		state := "• local"
		switch {
		case a.State == store.StateNeedsRelink:
			state = st.bad.Render("✗ relink")
		case a.Syncs() && a.LastError != "":
			state = st.bad.Render("✗ failing")
		case a.Syncs():
			state = st.good.Render("✓ active")
		}
		last := dash
		if a.Syncs() {
			last = ago(f.now, a.LastSyncAt)
		}
		kind := "account"
		if !a.Syncs() {
			kind = "local"
		}
		t.rows = append(t.rows, row(state, a.short, kind, a.CreatedAt.In(f.set.loc).Format(fmtDayYear), last, thousands(float64(a.total)), agoOr(f.now, a.newest)))
		for _, s := range a.subs {
			since, kind := "", st.muted.Render("origin")
			if !s.connected.IsZero() {
				since, kind = s.connected.In(f.set.loc).Format(fmtDayYear), s.kind
			}
			t.rows = append(t.rows, row("", "↳ "+s.name, kind, since, "", thousands(float64(s.total)), agoOr(f.now, s.newest)))
		}
	}
	out = append(out, t.render(st, w))
	if len(vis) == 0 {
		out = append(out, f.noMatch(TabSources, "source", w)...)
	}
	out = append(out, "")
	if slices.Contains(vis, f.sourceSel) {
		out = append(out, f.sourceDetail(d.accounts[f.sourceSel], w)...)
	}
	out = append(out, f.enrollmentLines(w)...)
	out = append(out, "")
	out = append(out, wrapLines(f.sourceHelp(), w)...)
	return strings.Join(out, "\n")
}

// enrollmentLines list the profile's pending and used enrollment links
// (vitals enroll), newest first; nothing when there are none.
func (f frame) enrollmentLines(w int) []string {
	var out []string
	for i := len(f.d.enrollments) - 1; i >= 0; i-- {
		e := f.d.enrollments[i]
		var what string
		switch e.Status(f.now) {
		case store.EnrollmentPending:
			opened := "not opened yet"
			if !e.Opened.IsZero() {
				opened = "opened " + ago(f.now, e.Opened)
			}
			what = f.st.warn.Render("… pending") + fmt.Sprintf(" until %s, %s", e.Expires.In(f.set.loc).Format(fmtDayYear), opened)
		case store.EnrollmentUsed:
			what = f.st.good.Render("✓ used") + " " + ago(f.now, e.Completed)
		default:
			continue // expired and revoked links: vitals enroll --list
		}
		out = append(out, fmt.Sprintf("  #%d %s: %s", e.ID, store.Account{Provider: e.Provider}.Title(), what))
	}
	if f.enroll && !f.static {
		hint := f.st.helpKey.Render(f.keys.Enroll.Help().Key) + " " + f.st.helpDesc.Render("makes an enrollment link for the patient's phone")
		if len(out) == 0 {
			return []string{"", hint}
		}
		return append([]string{"", f.st.title.Render("Enrollment links") + " (" + hint + "; vitals enroll --list shows all)"}, wrapLines(out, w)...)
	}
	if len(out) == 0 {
		return nil
	}
	return append([]string{"", f.st.title.Render("Enrollment links") + " (vitals enroll PROFILE makes one; --list shows all)"}, wrapLines(out, w)...)
}

// agoOr says how long ago t was, or a dash when it never was.
func agoOr(now, t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return ago(now, t)
}

// kindWord names a kind inside a sentence: "blood pressure", but "SpO2".
func kindWord(k health.Kind) string {
	if k == health.KindSpO2 {
		return k.Label()
	}
	return strings.ToLower(k.Label())
}

// kindCounts lists readings by kind: "blood pressure 2,346 · weight 373".
func kindCounts(counts map[health.Kind]int) string {
	var kinds []string
	for _, k := range append(health.Kinds, health.KindCondition) {
		if n := counts[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %s", kindWord(k), thousands(float64(n))))
		}
	}
	return strings.Join(kinds, " · ")
}

func (f frame) sourceDetail(a accountInfo, w int) []string {
	st := f.st
	head := a.Title()
	if a.ExternalID != "" {
		head += st.muted.Render(" · user " + a.ExternalID)
	}
	head += st.muted.Render(" · added " + a.CreatedAt.In(f.set.loc).Format(fmtDayYear))
	out := []string{st.bold.Render(head)}
	if a.Syncs() {
		line := "last sync " + ago(f.now, a.LastSyncAt)
		if !a.LastSuccessAt.IsZero() {
			line += " · last success " + a.LastSuccessAt.In(f.set.loc).Format(fmtDateTime)
		}
		out = append(out, line)
		if a.LastError != "" {
			out = append(out, st.bad.Render("last error: "+a.LastError))
		}
		if a.State == store.StateNeedsRelink {
			out = append(out, st.bad.Render("The provider refused the saved credentials: relink to sync again."))
		}
	}
	if kinds := kindCounts(a.counts); kinds == "" {
		out = append(out, st.muted.Render("no readings yet"))
	} else {
		out = append(out, "readings: "+kinds)
	}
	if !a.newest.IsZero() {
		out = append(out, "newest reading "+a.newest.In(f.set.loc).Format(fmtDateTime)+" ("+ago(f.now, a.newest)+")")
	}
	for _, s := range a.subs {
		line := "↳ " + s.name
		if !s.connected.IsZero() {
			line += fmt.Sprintf(" (%s), connected %s", s.kind, s.connected.In(f.set.loc).Format(fmtDayYear))
		}
		if kinds := kindCounts(s.counts); kinds != "" {
			line += ": " + kinds
		} else {
			line += st.muted.Render(": no readings yet")
		}
		out = append(out, line)
	}
	return wrapLines(out, w)
}

func (f frame) sourceHelp() []string {
	st, k := f.st, f.keys
	key := func(b key.Binding) string {
		return st.helpKey.Render(b.Help().Key) + " " + st.helpDesc.Render(b.Help().Desc)
	}
	if f.actions && !f.static {
		lines := []string{
			strings.Join([]string{key(k.Link), key(k.Connect) + st.helpDesc.Render(" (1upHealth)"), key(k.Relink), key(k.Unlink)}, "  "),
		}
		second := []string{st.helpKey.Render("↑/↓") + " " + st.helpDesc.Render("choose")}
		if f.engine {
			second = append(second, key(k.SyncOne), key(k.Sync)+st.helpDesc.Render(" all"))
		}
		second = append(second, st.helpKey.Render(k.Filter.Help().Key)+" "+st.helpDesc.Render("filter"))
		return append(lines, strings.Join(second, "  "))
	}
	return []string{
		st.muted.Render("From a shell: `vitals link omron` or `vitals link oneup` links an account, `vitals connect` a health system, `vitals unlink` removes one, `vitals sync` syncs them, `vitals import FILE` reads exports."),
	}
}

// review is the clinician's screen: the protocol's summary of the
// period, a chart with mornings and evenings apart, office beside home,
// and the flagged readings. It scrolls as one page when the terminal is
// shorter than its content.
func (f frame) review(w, h int) string {
	lines := f.reviewLines(w, h)
	if len(lines) <= h {
		return strings.Join(lines, "\n")
	}
	// h-1 lines of the review, and a line that says where they are: it
	// hides none of them, the last included.
	off := min(max(f.reviewOffset, 0), len(lines)-(h-1))
	view := slices.Clone(lines[off : off+h-1])
	more := fmt.Sprintf(" ↓ %s (↑/↓ scroll) ", howMany(len(lines)-(off+h-1), "more line", "more lines"))
	if off+h-1 == len(lines) {
		more = fmt.Sprintf(" ↑ %s above ", howMany(off, "line", "lines"))
	}
	view = append(view, f.st.selected.Render(more))
	return strings.Join(view, "\n")
}

// reviewScroll is the largest useful scroll position of the review: its
// last line just above the line that says where the view is.
func (f frame) reviewScroll(w, h int) int {
	n := len(f.reviewLines(w, h))
	if n <= h {
		return 0
	}
	return n - (h - 1)
}

func (f frame) reviewLines(w, h int) []string {
	st, s, p := f.st, f.d.summary, f.d.period
	rb := f.set.rulebook
	out := []string{st.title.Render(fit(fmt.Sprintf("Home blood-pressure review, %s · rulebook %s", periodLabel(p), rb.Name()), w))}
	if p.Range != Range7d {
		out = append(out, st.muted.Render(fit("The protocol covers 7 days: choose a week with - and ← →.", w)))
	}
	if len(s.Entries) == 0 {
		out = append(out, "")
		none := "No home readings in this period to review."
		if note := f.firstSyncNote(); note != "" {
			none += " " + note
		}
		out = append(out, wrapLines([]string{
			none,
			"The protocol: two readings a minute apart, morning (before medication and breakfast) and evening (before dinner), for 7 days; at least 3 days. Choose the week with - and + (7 days) and ← →.",
		}, w)...)
		if s.Office.Valid() {
			out = append(out, "")
			out = append(out, wrap(fmt.Sprintf("Office mean %s mmHg (%s) is %s.", s.OfficeText(), howMany(s.Office.N, "reading", "readings"), s.OfficeVerdictText()), w)...)
		}
		return out
	}

	var items []string
	items = append(items, fmt.Sprintf("%s on %s", howMany(s.Readings, "reading", "readings"), howMany(s.Days, "day", "days")))
	items = append(items, fmt.Sprintf("day 1 (%s, %s) not averaged", shortDay(s.FirstDay), howMany(s.FirstDayReadings, "reading", "readings")))
	if s.MinimumMet {
		items = append(items, st.good.Render(fmt.Sprintf("✓ protocol minimum met (%d days, %d readings)", health.MinimumDays, health.MinimumReadings)))
	} else {
		items = append(items, st.warn.Render(fmt.Sprintf("△ below the protocol minimum (%d days, %d readings): no verdict", health.MinimumDays, health.MinimumReadings)))
	}
	if s.Blanked > 0 {
		blank := howMany(s.Blanked, "reading", "readings") + " blanked"
		if n := s.BlankedNoCause.N; n > 0 {
			blank += fmt.Sprintf(" (%d %s)", n, strings.TrimPrefix(health.BlankedNoCause, "blanked, "))
		}
		items = append(items, blank)
	}
	out = append(out, flow(items, w)...)
	if s.Mean.Valid() {
		out = append(out, wrap("Mean "+st.value.Render(s.MeanText())+" mmHg  "+f.verdict(s.Verdict, s.VerdictText()), w)...)
	}
	if s.Morning.Valid() {
		out = append(out, wrap(fmt.Sprintf("Morning %s (%d)  ", s.MorningText(), s.Morning.N)+f.verdict(s.MorningVerdict, s.MorningVerdictText()), w)...)
	}
	var slot []string
	if s.Evening.Valid() {
		slot = append(slot, fmt.Sprintf("Evening %s (%d)", s.Evening, s.Evening.N))
	}
	if s.MEDif.Valid() {
		slot = append(slot, fmt.Sprintf("ME-dif %s mmHg  %s", s.MEDifText(), f.verdict(s.MEDifVerdict, s.MEDifVerdictText())))
	}
	out = append(out, flow(slot, w)...)
	if s.Highest.HasPressures() {
		out = append(out, flow([]string{
			fmt.Sprintf("highest %s (%s)", pressure(s.Highest.Systolic, s.Highest.Diastolic), f.when(s.Highest.Local())),
			fmt.Sprintf("lowest %s (%s)", pressure(s.Lowest.Systolic, s.Lowest.Diastolic), f.when(s.Lowest.Local())),
		}, w)...)
	}

	out = append(out, st.title.Render("Morning and evening, daily means (systolic above, diastolic below)"))
	mc, ec := st.morning, st.evening
	c := lineChart{start: p.Start, days: p.Days(), refColor: st.threshold, minSpan: 20,
		refs: []ref{{s.HomeThreshold.Systolic, fmt.Sprintf("home threshold %s", s.HomeThreshold)}, {s.HomeThreshold.Diastolic, ""}},
		lines: []line{
			{data: f.d.bp.eveningDia, chars: doubleLine, color: ec},
			{data: f.d.bp.eveningSys, name: "evening 18:00–23:59", mark: "══", chars: doubleLine, color: ec},
			{data: f.d.bp.morningDia, chars: solidLine, color: mc},
			{data: f.d.bp.morningSys, name: "morning 04:00–11:59", mark: "──", chars: solidLine, color: mc},
		}}
	out = append(out, strings.Split(c.render(st, w, min(max(h/2, 12), maxChartLines)), "\n")...)

	office := "No office readings in this period to compare with the home mean."
	if text := s.OfficeHomeStatement(); text != "" {
		office = text
	} else if s.Office.Valid() {
		office = fmt.Sprintf("Office mean %s mmHg (%s) is %s.", s.OfficeText(), howMany(s.Office.N, "reading", "readings"), s.OfficeVerdictText())
	}
	out = append(out, wrap("Office vs home: "+office, w)...)
	if n := len(s.OfficeReadings); n > 0 {
		var items []string
		for i, r := range s.OfficeReadings {
			if i == 5 {
				items = append(items, fmt.Sprintf("and %d more", n-5))
				break
			}
			item := fmt.Sprintf("%s on %s", pressure(r.Systolic, r.Diastolic), f.when(r.Local()))
			if src := cmp.Or(r.Origin, r.Device); src != "" {
				item += " (" + src + ")"
			}
			if i == 0 {
				item = "Office readings: " + item
			}
			items = append(items, item)
		}
		out = append(out, flow(items, w)...)
	}

	flagged := f.reviewFlagged()
	if len(flagged) == 0 {
		return append(out, st.good.Render("✓ No rhythm flags, no blanked reading and no reading above 180/120 in this period."))
	}
	out = append(out, st.title.Render(fmt.Sprintf("Flagged and blanked readings (%d)", len(flagged))))
	if f.d.bp.flags.flagged > 0 {
		out = append(out, wrapStyled(st.muted, health.FlagCaveat, w)...)
	}
	if s.Blanked > 0 {
		out = append(out, wrapStyled(st.muted, health.BlankedNote, w)...)
	}
	return append(out, flagged...)
}

// reviewFlagged lists the period's flagged and severe home readings.
func (f frame) reviewFlagged() []string {
	st := f.st
	var out []string
	for _, r := range f.d.bp.marked {
		severe := r.HasPressures() && health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0))
		var marks []string
		switch {
		case r.Blanked() && r.Flagged():
			marks = append(marks, st.banner.Render("⚠ "+health.BlankedText(r)))
		case r.Blanked():
			marks = append(marks, st.banner.Render("○ "+health.BlankedText(r)))
		case r.Flagged():
			marks = append(marks, st.banner.Render("⚠ "+flagWords(r)))
		}
		if severe {
			marks = append(marks, st.bannerBad.Render("!! above 180/120"))
		}
		out = append(out, fmt.Sprintf("  %s  %7s mmHg  pulse %3s  %s", f.when(r.Local()),
			pressure(r.Systolic, r.Diastolic), num(r.Pulse, 0), strings.Join(marks, " ")))
	}
	return out
}
