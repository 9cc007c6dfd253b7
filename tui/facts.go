package tui

import (
	"context"
	"errors"

	"vitals/health"
	"vitals/store"
)

// Facts is what one period's screens are drawn from, as data: the
// summary behind `vitals show --json`. It is loaded by the same code as
// the screens, so a script reads the numbers the dashboard shows.
type Facts struct {
	Profile store.Profile
	Period  Period
	// Summary is the protocol's summary of the period's blood pressure:
	// the one home mean with its verdict, as on every screen.
	Summary health.Summary
	// Readings counts the period's readings of each kind, one per
	// measurement (activity: days with a record).
	Readings map[health.Kind]int
	Alerts   []Alert
	Accounts []store.Account
}

// Alert is one line of the Alerts tab.
type Alert struct {
	Kind   string // relink, severe, repeated_flags, possible_afib, irregular, blanked, quiet, condition
	Title  string
	Detail string
}

// LoadFacts loads the period s names, as Render would draw it.
func LoadFacts(ctx context.Context, o Options, s Screen) (Facts, error) {
	if o.DB == nil {
		return Facts{}, errors.New("tui: no database")
	}
	o.Tab, o.Range = s.Tab, s.Range
	m := newModel(o)
	m.ctx = ctx
	m.static = true
	snap, err := load(ctx, o.DB, m.query(), m.set)
	if err != nil {
		return Facts{}, err
	}
	f := Facts{
		Profile: snap.profile,
		Period:  snap.period,
		Summary: snap.summary,
		Readings: map[health.Kind]int{
			health.KindBloodPressure: len(snap.bp.readings),
			health.KindWeight:        len(snap.wt.readings),
			health.KindActivity:      len(snap.ac.days),
			health.KindTemperature:   len(snap.vt.temps),
			health.KindSpO2:          len(snap.vt.spo2),
		},
	}
	for _, a := range snap.accounts {
		f.Accounts = append(f.Accounts, a.Account)
	}
	for _, a := range snap.alerts {
		f.Alerts = append(f.Alerts, Alert{Kind: a.kind.name(), Title: a.title, Detail: a.detail})
	}
	return f, nil
}

// name is the alert kind's stable name in Facts.
func (k alertKind) name() string {
	switch k {
	case alertRelink:
		return "relink"
	case alertSevere:
		return "severe"
	case alertRepeated:
		return "repeated_flags"
	case alertAFib:
		return "possible_afib"
	case alertIrregular:
		return "irregular"
	case alertBlanked:
		return "blanked"
	case alertQuiet:
		return "quiet"
	}
	return "condition"
}
