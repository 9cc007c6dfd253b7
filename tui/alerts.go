package tui

import (
	"fmt"
	"strings"
	"time"

	"vitals/health"
	"vitals/store"
)

// alertKind orders alerts: what needs action first.
type alertKind int

const (
	alertRelink alertKind = iota
	alertSevere
	alertRepeated
	alertAFib
	alertIrregular
	alertBlanked
	alertQuiet
	alertCondition
)

// mark is the alert's symbol, which carries its meaning without colour.
func (k alertKind) mark() string {
	switch k {
	case alertRelink:
		return "✗"
	case alertSevere:
		return "!!"
	case alertRepeated, alertAFib, alertIrregular:
		return "⚠"
	case alertQuiet, alertBlanked:
		return "○"
	}
	return "•"
}

// alert is one thing the alerts screen explains.
type alert struct {
	kind   alertKind
	title  string
	detail string
	search string // lower-case text for the filter
	// reading is the row id of the reading an alert about one reading
	// names (above 180/120, a rhythm flag, blanked): a clinician can
	// acknowledge it (A); acked is its acknowledgement, if any.
	reading int64
	acked   *store.Ack
}

// ackable reports whether the alert names a reading not yet acknowledged.
func (a alert) ackable() bool { return a.reading != 0 && a.acked == nil }

// buildAlerts lists what the period's readings and the sources call for.
func buildAlerts(s *snapshot, set settings) []alert {
	var out []alert
	now := set.now()
	for _, a := range s.accounts {
		if a.State == store.StateNeedsRelink {
			out = append(out, alert{
				kind:  alertRelink,
				title: a.Title() + " needs relinking",
				detail: fmt.Sprintf("The provider refused the saved credentials, so syncing stopped. Press r on %s, or run `vitals link %s`.",
					TabSources.ref(), a.Provider),
			})
		}
	}
	for _, r := range s.bp.readings {
		if r.HasPressures() && health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0)) {
			out = append(out, alert{
				reading: r.ID,
				kind:    alertSevere,
				title:   fmt.Sprintf("Above 180/120 · %s · %s mmHg%s", s.period.when(r.Local()), pressure(r.Systolic, r.Diastolic), where(r.Meta)),
				detail:  health.SevereAdvice,
			})
		}
	}
	if g := s.summary; g.RepeatedFlags {
		out = append(out, alert{
			kind:   alertRepeated,
			title:  "Repeated rhythm flags from " + s.period.when(g.RepeatedFlagsAt),
			detail: health.RepeatedFlags,
		})
	}
	for _, r := range s.bp.readings {
		if !r.Flagged() {
			continue
		}
		a := alert{kind: alertIrregular, detail: health.IrregularCaveat, reading: r.ID}
		name := "Irregular heartbeat"
		if r.PossibleAFib {
			a.kind, a.detail, name = alertAFib, health.AFibCaveat, "Possible AFib"
			if r.IrregularHeartbeat {
				name += " + irregular heartbeat"
			}
		}
		values := pressure(r.Systolic, r.Diastolic) + " mmHg"
		if !r.HasPressures() {
			values += " (blanked)"
		}
		if p, ok := r.Pulse.Get(); ok {
			values += fmt.Sprintf(", pulse %.0f", p)
		}
		a.title = fmt.Sprintf("%s · %s · %s%s", name, s.period.when(r.Local()), values, where(r.Meta))
		out = append(out, a)
	}
	for _, r := range s.bp.readings {
		if !r.Blanked() || r.Flagged() {
			continue
		}
		values := "no values"
		if p, ok := r.Pulse.Get(); ok {
			values += fmt.Sprintf(", pulse %.0f", p)
		}
		out = append(out, alert{
			reading: r.ID,
			kind:    alertBlanked,
			title:   fmt.Sprintf("Blanked reading, cause not given · %s · %s%s", s.period.when(r.Local()), values, where(r.Meta)),
			detail:  health.BlankedNoCauseDetail,
		})
	}
	quiet := time.Duration(set.quietDays) * 24 * time.Hour
	for _, a := range s.accounts {
		// An account in its first sync is not quiet: its newest reading
		// so far is whatever arrived first, and the rest is on its way.
		if !a.Syncs() || a.State == store.StateNeedsRelink || s.firstSyncIDs[a.ID] {
			continue
		}
		since := a.newest
		what := "newest reading " + ago(now, a.newest)
		if since.IsZero() {
			since, what = a.CreatedAt, "no readings since it was linked "+ago(now, a.CreatedAt)
		}
		if since.IsZero() || now.Sub(since) < quiet {
			continue
		}
		out = append(out, alert{
			kind:  alertQuiet,
			title: fmt.Sprintf("%s has gone quiet: %s", a.Title(), what),
			detail: fmt.Sprintf("No new data for %d days or more (display.quiet_days). Check that the device still syncs with its app and that the connection works.",
				set.quietDays),
		})
	}
	for _, c := range s.conditions {
		origin := c.Origin
		if origin == "" {
			origin = "a health record"
		}
		status := ""
		if c.Status != "" {
			status = " (" + c.Status + ")"
		}
		out = append(out, alert{
			kind:   alertCondition,
			title:  fmt.Sprintf("Atrial fibrillation recorded by %s%s, %s", origin, status, c.Local().Format(fmtDayYear)),
			detail: "A diagnosis in a health record, unlike a monitor's screening flag.",
		})
	}
	for i, a := range out {
		if a.reading == 0 {
			continue
		}
		out[i].title += " · " + store.AlertID(a.reading)
		if ack, ok := s.acks[a.reading]; ok {
			out[i].acked = &ack
			note := ""
			if ack.Note != "" {
				note = ": " + ack.Note
			}
			out[i].title += " · ✓ acknowledged"
			out[i].detail = fmt.Sprintf("Acknowledged by %s on %s%s. %s", ack.By, ack.At.In(set.loc).Format(fmtDayYear+" 15:04"), note, a.detail)
		}
	}
	for i, a := range out {
		out[i].search = strings.ToLower(a.kind.mark() + " " + a.title + " · " + a.detail)
	}
	return out
}

// where names a reading's device or origin, and marks office readings.
func where(m health.Meta) string {
	s := m.Device
	if s == "" {
		s = m.Origin
	}
	if m.Setting == health.SettingOffice {
		if s == "" {
			return " · office"
		}
		return " · office, " + s
	}
	if s == "" {
		return ""
	}
	return " · " + s
}
