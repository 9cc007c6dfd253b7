package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/config"
	"vitals/health"
	"vitals/store"
	"vitals/tui"
)

// The demo links both providers through their real flows against the
// local servers, and the first sync brings what the dashboard promises on
// first start: two years of home readings, office readings and a recorded
// AFib diagnosis from the health system, and in the last weeks
// possible-AFib flags and a reading above 180/120.
func TestDemoFillsTheDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs two years of readings")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log bytes.Buffer
	a := &App{DBPath: filepath.Join(t.TempDir(), "demo.db"), Profile: store.DefaultProfile, Config: config.Default()}
	start := time.Now()
	d, err := a.StartDemo(ctx, &log)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer d.Close()
	defer d.SyncWhenDataLands()()

	accts, err := d.DB.Accounts(ctx, d.Profile.ID)
	if err != nil || len(accts) != 2 {
		t.Fatalf("accounts %+v, %v: want Omron and 1upHealth", accts, err)
	}
	for _, acct := range accts {
		if acct.State != store.StateActive || acct.ExternalID == "" {
			t.Errorf("account %+v: want active with the provider's user id", acct)
		}
	}
	if sys, _ := d.DB.Systems(ctx, d.OneUp.ID); len(sys) != 2 {
		t.Errorf("connected systems %+v: want Fitbit and the Epic test site", sys)
	}

	done := make(chan error, 1)
	go func() { done <- d.Engine.Run(ctx) }()
	d.Engine.SyncNow()
	f := store.Filter{ProfileID: d.Profile.ID}
	office := f
	office.Place = store.OfficeOnly
	// The alerts the demo promises are in the last three weeks, which
	// the sync reaches last (pages come oldest first): wait for them too.
	recent := f
	recent.From = time.Now().AddDate(0, 0, -21)
	flagged := recent
	flagged.Flagged = true
	severe := recent
	severe.Severe = true
	// A bound for a hung sync; a busy CI machine is slow.
	deadline := time.Now().Add(90 * time.Second)
	var home, clinic, conditions, nFlagged, nSevere int
	for time.Now().Before(deadline) {
		home, _ = d.DB.Count(ctx, health.KindBloodPressure, f)
		clinic, _ = d.DB.Count(ctx, health.KindBloodPressure, office)
		conditions, _ = d.DB.Count(ctx, health.KindCondition, f)
		nFlagged, _ = d.DB.Count(ctx, health.KindBloodPressure, flagged)
		nSevere, _ = d.DB.Count(ctx, health.KindBloodPressure, severe)
		if home > 1000 && clinic > 0 && conditions > 0 && nFlagged >= 2 && nSevere >= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("demo: accounts linked and readings stored %s after start (%d blood pressures, %d office)", time.Since(start).Round(time.Millisecond), home, clinic)
	if home <= 1000 || clinic == 0 || conditions == 0 {
		t.Fatalf("after 90 s: %d blood pressures, %d office, %d conditions", home, clinic, conditions)
	}
	if nFlagged < 2 {
		t.Errorf("%d flagged readings in the last 3 weeks, want at least 2", nFlagged)
	}
	if nSevere < 1 {
		t.Errorf("%d readings above 180/120 in the last 3 weeks, want at least 1", nSevere)
	}

	o, err := a.DashboardOptions(d.DB, d.Profile)
	if err != nil {
		t.Fatal(err)
	}
	screen, err := tui.Render(ctx, o, tui.Screen{Tab: tui.TabAlerts, Range: tui.Range30d, Width: 120, Height: 36})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Possible AFib", "Above 180/120", "confirm it with an ECG", "Epic test site"} {
		if !strings.Contains(screen, want) {
			t.Errorf("alerts screen lacks %q:\n%s", want, screen)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("engine: %v", err)
	}
}
