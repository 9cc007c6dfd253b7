package panel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"vitals/health"
	"vitals/panel"
	"vitals/panel/paneltest"
	"vitals/store"
	"vitals/store/storetest"
)

// TestBuildKnownWeeks builds the panel of paneltest.Known on both
// backends; the values are worked out by hand in cli's
// TestPanelJSONKnownWeeks. Acknowledging p-above's flag leaves only its
// rising mean; a linked account that never delivered is quiet once it is
// quiet_days old.
func TestBuildKnownWeeks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := storetest.Open(t, backend, store.Options{})
		today := health.Date{Year: 2026, Month: 11, Day: 30}
		ps := paneltest.Known(t, db, today)
		o := panel.Options{Now: func() time.Time { return paneltest.Now(today) }, Location: time.UTC}
		rows, err := panel.Build(ctx, db, o)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]panel.Row{}
		for _, r := range rows {
			by[r.Handle] = r
		}
		a := by["p-above"]
		if a.Days != 7 || a.Band != health.Band2to15 || a.MeanText() != "142.0/88.0" || a.VerdictWord() != "at or above" ||
			!slices.Equal(a.Attention, []health.Attention{health.AttentionFlag, health.AttentionRising}) || len(a.Alerts) != 1 {
			t.Fatalf("p-above: %+v", a)
		}
		if b := by["p-below"]; b.NeedsAttention() || b.ChangeText() != "±0.0/±0.0" || b.Days != 21 || b.Band != health.Band16to30 {
			t.Errorf("p-below: %+v", b)
		}
		if c := by["p-nine"]; c.DaysSince != 8 || c.Days != 9 || len(c.Quiet) != 1 || !slices.Equal(c.Attention, []health.Attention{health.AttentionQuiet}) {
			t.Errorf("p-nine: %+v", c)
		}

		id, err := store.ParseAlertID(a.Alerts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Acknowledge(ctx, ps["p-above"].ID, id, "dr-lee", "ECG booked"); err != nil {
			t.Fatal(err)
		}
		rows, _ = panel.Build(ctx, db, o)
		for _, r := range rows {
			if r.Handle == "p-above" && (r.NewFlags != 0 || r.AFib != 1 || !slices.Equal(r.Attention, []health.Attention{health.AttentionRising})) {
				t.Errorf("p-above after the acknowledgement: %+v", r)
			}
		}

		// Sorting: by monitoring days, fewest first; reversed, most first.
		panel.Sort(rows, panel.ByDays, false)
		if rows[0].Handle != "p-above" || rows[2].Handle != "p-below" {
			t.Errorf("by days: %s, %s, %s", rows[0].Handle, rows[1].Handle, rows[2].Handle)
		}
		panel.Sort(rows, panel.ByMean, false) // highest first, no mean last
		if rows[0].Handle != "p-above" || rows[1].Handle != "p-below" || rows[2].Handle != "p-nine" {
			t.Errorf("by mean: %s, %s, %s", rows[0].Handle, rows[1].Handle, rows[2].Handle)
		}
		if !by["p-nine"].Match("cy NINE") || by["p-nine"].Match("ann") || !by["p-nine"].Match("no readings") {
			t.Error("Match")
		}
	})
}
