package cli

import (
	"strconv"
	"strings"
	"time"

	"vitals/health"
	"vitals/tui"
)

// showJSON is `vitals show --json`: the period's summary behind the
// screens. Shape documented in docs/json.md.
type showJSON struct {
	Profile     string `json:"profile"`
	DisplayName string `json:"display_name"`
	Range       string `json:"range"`
	From        string `json:"from"` // YYYY-MM-DD, the period's first day
	To          string `json:"to"`
	// Anchored: the period was moved back to end on the newest reading,
	// since nothing was newer than its start.
	Anchored      bool                `json:"anchored"`
	Rulebook      string              `json:"rulebook"`
	BloodPressure bpSummaryJSON       `json:"blood_pressure"`
	Readings      map[string]int      `json:"readings"`
	Alerts        []alertJSON         `json:"alerts"`
	Accounts      []accountStatusJSON `json:"accounts"`
}

// bpSummaryJSON is the protocol's summary of the period's blood pressure.
type bpSummaryJSON struct {
	HomeReadings   int    `json:"home_readings"`
	OfficeReadings int    `json:"office_readings"`
	FirstDay       string `json:"first_day,omitempty"` // day 1: listed, never averaged
	Days           int    `json:"days"`                // days with averaged readings
	Averaged       int    `json:"averaged_readings"`
	MinimumMet     bool   `json:"minimum_met"`
	Threshold      string `json:"threshold"` // the home threshold, "130/80"
	// HomeMean is the one home mean; absent when nothing was averaged.
	HomeMean     *meanJSON `json:"home_mean,omitempty"`
	Verdict      string    `json:"verdict"` // below, at_or_above, not_assessed
	VerdictText  string    `json:"verdict_text"`
	PossibleAFib int       `json:"possible_afib"`
	Irregular    int       `json:"irregular"`
	Above180_120 int       `json:"above_180_120"`
	Blanked      int       `json:"blanked"`
}

// meanJSON is a mean both ways: as shown beside its verdict, and as a
// number (rounded to two decimals) for arithmetic.
type meanJSON struct {
	Text      string   `json:"text"`
	Systolic  float64  `json:"systolic"`
	Diastolic float64  `json:"diastolic"`
	Pulse     *float64 `json:"pulse,omitempty"`
	Readings  int      `json:"readings"`
}

type alertJSON struct {
	Kind   string `json:"kind"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}

// accountStatusJSON is an account's sync state, as the Sources tab shows.
type accountStatusJSON struct {
	ID          int64  `json:"id"`
	Provider    string `json:"provider"`
	Account     string `json:"account"`
	State       string `json:"state"`
	LastSync    string `json:"last_sync,omitempty"`
	LastSuccess string `json:"last_success,omitempty"`
	LastError   string `json:"last_error,omitempty"`
}

func showJSONOf(f tui.Facts, r tui.Range) showJSON {
	s := f.Summary
	out := showJSON{
		Profile:     f.Profile.Name,
		DisplayName: f.Profile.DisplayName,
		Range:       r.Flag(),
		From:        f.Period.Start.String(),
		To:          f.Period.End.String(),
		Anchored:    f.Period.Anchored,
		Rulebook:    s.Rulebook.Name(),
		Readings:    map[string]int{},
		Alerts:      []alertJSON{},
		Accounts:    []accountStatusJSON{},
	}
	bp := bpSummaryJSON{
		HomeReadings:   len(s.Entries),
		OfficeReadings: len(s.OfficeReadings),
		Days:           s.Days,
		Averaged:       s.Readings,
		MinimumMet:     s.MinimumMet,
		Threshold:      s.HomeThreshold.String(),
		Verdict:        verdictName(s.Verdict),
		VerdictText:    s.VerdictText(),
		PossibleAFib:   s.PossibleAFib.N,
		Irregular:      s.Irregular.N,
		Above180_120:   len(s.Severe),
		Blanked:        s.Blanked,
	}
	if !s.FirstDay.IsZero() {
		bp.FirstDay = s.FirstDay.String()
	}
	if s.Mean.Valid() {
		m := &meanJSON{Text: s.MeanText(), Systolic: round2(s.Mean.Systolic), Diastolic: round2(s.Mean.Diastolic), Readings: s.Mean.N}
		if s.Mean.Pulse.Valid() {
			p := round2(s.Mean.Pulse)
			m.Pulse = &p
		}
		bp.HomeMean = m
	}
	out.BloodPressure = bp
	for k, n := range f.Readings {
		out.Readings[string(k)] = n
	}
	for _, a := range f.Alerts {
		out.Alerts = append(out.Alerts, alertJSON{Kind: a.Kind, Title: a.Title, Detail: a.Detail})
	}
	for _, a := range f.Accounts {
		out.Accounts = append(out.Accounts, accountStatusJSON{
			ID: a.ID, Provider: string(a.Provider), Account: a.Title(), State: string(a.State),
			LastSync: rfc3339(a.LastSyncAt), LastSuccess: rfc3339(a.LastSuccessAt), LastError: a.LastError,
		})
	}
	return out
}

// verdictName is the verdict's own word with underscores: at_or_above.
func verdictName(v health.Verdict) string { return strings.ReplaceAll(v.String(), " ", "_") }

// round2 is an exact mean rounded half away from zero to two decimals
// (called only on a mean that exists).
func round2(e health.Exact) float64 {
	x, _ := strconv.ParseFloat(e.Format(2), 64)
	return x
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
