package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"vitals/health"
	"vitals/panel"
	"vitals/sanitize"
	"vitals/store"
)

// attentionRule is the needs-attention rule as --help and the README say
// it (health.NeedsAttention applies it).
const attentionRule = `A patient needs attention when any of these holds:
  - a reading above 180/120 in the 30-day period that no clinician has
    acknowledged (vitals ack);
  - a rhythm flag (possible AFib, irregular heartbeat, a blanked reading)
    in the period newer than the last acknowledged one;
  - the protocol home mean of the last 7 days is at or above the home
    threshold (a verdict: 3 days and 12 averaged readings, day 1 left out)
    and higher, in systolic or diastolic, than the 7 days before (or the
    week before had no assessed mean);
  - no reading for display.quiet_days days (7 unless set), or none at all;
  - a linked source that must be linked again.`

func newPanelCmd(a *invocation) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "panel",
		Short: "The clinician's patient list: who needs attention, monitoring days",
		Long: `Every patient (profile) of the database on one line: the age of the newest
reading; the days with at least one reading in the current 30-day period
(today and the 29 days before) and their band (0–1, 2–15, 16–30, the bands of
the 2026 remote-monitoring device codes 99445 and 99454; facts, not billing
advice); the protocol home mean of the last 7 days with its verdict, or "not
assessed" below the protocol minimum; its change from the 7 days before;
possible-AFib and irregular-heartbeat flags in the period; readings above
180/120 not yet acknowledged; sources that need relinking or are quiet.

Without --json it opens the dashboard on its Panel tab: sort by any column,
filter by text or by "needs attention", enter opens the patient and esc comes
back to the same row. The dashboard also opens there by default when the
database holds several profiles and no --profile is given.

` + attentionRule + `

Days are the wall-clock days of each reading; "today" is the local date.`,
		Example: `  vitals panel
  vitals panel --json | jq '.patients[] | select(.needs_attention) | .profile'
  vitals show --tab panel --width 160`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !asJSON {
				if !isTerminal(a.stdin) || !isTerminal(a.stdout) {
					return errors.New("the panel needs a terminal: use `vitals panel --json`, or `vitals show --tab panel`")
				}
				a.Panel = true
				return cmd.Root().RunE(cmd, nil)
			}
			db, _, err := a.OpenDBToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			return a.writePanelJSON(ctx, db)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the rows as JSON (docs/json.md) instead of opening the dashboard")
	return cmd
}

// PanelOptions are the panel's settings from the configuration and the
// clock.
func (a *invocation) panelOptions() panel.Options {
	now, loc := a.Clock()
	return panel.Options{Now: now, Location: loc, Rulebook: a.Config.Rulebook(), QuietDays: a.Config.Display.QuietDays}
}

// The shapes of `vitals panel --json` (docs/json.md).
type (
	panelJSON struct {
		Today     string         `json:"today"`
		From      string         `json:"period_start"`
		To        string         `json:"period_end"`
		Rulebook  string         `json:"rulebook"`
		Threshold string         `json:"home_threshold"`
		QuietDays int            `json:"quiet_days"`
		Patients  []panelRowJSON `json:"patients"`
	}
	panelRowJSON struct {
		Profile          string            `json:"profile"`
		Name             string            `json:"name"`
		NewestReading    string            `json:"newest_reading,omitempty"`
		DaysSince        *int              `json:"days_since_reading"`
		MonitoringDays   int               `json:"monitoring_days"`
		Band             string            `json:"band"`
		Readings         int               `json:"readings"`
		Week             panelWeekJSON     `json:"week"`
		Previous         panelWeekJSON     `json:"previous_week"`
		Change           string            `json:"change,omitempty"`
		AFib             int               `json:"afib_flags"`
		Irregular        int               `json:"irregular_flags"`
		Severe           int               `json:"unacknowledged_severe"`
		NewFlags         int               `json:"new_flags"`
		Alerts           []panelAlertJSON  `json:"alerts"`
		Relink           []panelSourceJSON `json:"relink"`
		Quiet            []panelSourceJSON `json:"quiet"`
		NeedsAttention   bool              `json:"needs_attention"`
		Attention        []string          `json:"attention"`
		AttentionReasons []string          `json:"attention_codes"`
	}
	panelWeekJSON struct {
		From     string   `json:"from"`
		To       string   `json:"to"`
		Mean     string   `json:"mean,omitempty"`
		Systolic *float64 `json:"systolic,omitempty"`
		Diastol  *float64 `json:"diastolic,omitempty"`
		Readings int      `json:"readings"`
		Days     int      `json:"days"`
		Verdict  string   `json:"verdict"`
	}
	panelAlertJSON struct {
		ID           string   `json:"id"`
		Time         string   `json:"time"`
		Offset       string   `json:"utc_offset"`
		Systolic     *float64 `json:"systolic,omitempty"`
		Diastolic    *float64 `json:"diastolic,omitempty"`
		Severe       bool     `json:"severe"`
		PossibleAFib bool     `json:"possible_afib"`
		Irregular    bool     `json:"irregular_heartbeat"`
		Blanked      bool     `json:"blanked"`
	}
	panelSourceJSON struct {
		ID     int64  `json:"id"`
		Source string `json:"source"`
		Newest string `json:"newest_reading,omitempty"`
	}
)

// attentionCodes are the reasons as scripts match them.
var attentionCodes = map[health.Attention]string{
	health.AttentionSevere: "severe", health.AttentionFlag: "flag", health.AttentionRising: "rising",
	health.AttentionQuiet: "quiet", health.AttentionRelink: "relink",
}

func (a *invocation) writePanelJSON(ctx context.Context, db *store.DB) error {
	o := a.panelOptions()
	rows, err := panel.Build(ctx, db, o)
	if err != nil {
		return err
	}
	now, loc := a.Clock()
	today := health.DateOf(now().In(loc))
	rb := a.Config.Rulebook()
	if rb == "" {
		rb = health.AHA2025
	}
	out := panelJSON{Today: today.String(), From: today.AddDays(-(health.MonitoringPeriodDays - 1)).String(), To: today.String(),
		Rulebook: rb.Name(), Threshold: rb.HomeThreshold().String(), QuietDays: max(o.QuietDays, 0), Patients: []panelRowJSON{}}
	if out.QuietDays == 0 {
		out.QuietDays = 7
	}
	for _, r := range rows {
		j := panelRowJSON{
			Profile: sanitize.Line(r.Handle), Name: sanitize.Line(r.Name),
			MonitoringDays: r.Days, Band: r.Band.String(), Readings: r.Readings,
			Week: weekJSON(r.Week), Previous: weekJSON(r.Previous), Change: r.ChangeText(),
			AFib: r.AFib, Irregular: r.Irregular, Severe: r.Severe, NewFlags: r.NewFlags,
			Alerts: []panelAlertJSON{}, Relink: sourcesJSON(r.Relink), Quiet: sourcesJSON(r.Quiet),
			NeedsAttention: r.NeedsAttention(), Attention: []string{}, AttentionReasons: []string{},
		}
		if !r.Newest.IsZero() {
			j.NewestReading = r.Newest.UTC().Format(time.RFC3339)
			d := r.DaysSince
			j.DaysSince = &d
		}
		for _, al := range r.Alerts {
			b := al.Reading.Cleaned()
			j.Alerts = append(j.Alerts, panelAlertJSON{ID: al.ID, Time: b.Time.UTC().Format(time.RFC3339), Offset: offsetText(b.Offset),
				Systolic: valuePtr(b.Systolic), Diastolic: valuePtr(b.Diastolic), Severe: al.Severe,
				PossibleAFib: b.PossibleAFib, Irregular: b.IrregularHeartbeat, Blanked: b.Blanked()})
		}
		for _, at := range r.Attention {
			j.Attention = append(j.Attention, at.String())
			j.AttentionReasons = append(j.AttentionReasons, attentionCodes[at])
		}
		out.Patients = append(out.Patients, j)
	}
	return writeJSON(a.stdout, out)
}

func weekJSON(s health.Summary) panelWeekJSON {
	w := panelWeekJSON{From: s.From.String(), To: s.To.String(), Mean: s.MeanText(), Readings: s.Readings, Days: s.Days, Verdict: s.Verdict.String()}
	if s.Mean.Valid() {
		w.Systolic, w.Diastol = valuePtr(s.Mean.Systolic.Value()), valuePtr(s.Mean.Diastolic.Value())
	}
	return w
}

func sourcesJSON(ss []panel.Source) []panelSourceJSON {
	out := []panelSourceJSON{}
	for _, s := range ss {
		j := panelSourceJSON{ID: s.AccountID, Source: sanitize.Line(s.Title)}
		if !s.Newest.IsZero() {
			j.Newest = s.Newest.UTC().Format(time.RFC3339)
		}
		out = append(out, j)
	}
	return out
}

func valuePtr(v health.Value) *float64 {
	if x, ok := v.Get(); ok {
		return &x
	}
	return nil
}

// offsetText writes a UTC offset in seconds as +hh:mm.
func offsetText(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("%c%02d:%02d", sign, sec/3600, sec%3600/60)
}
