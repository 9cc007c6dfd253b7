package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/panel/paneltest"
	"vitals/store"
)

// panelToday is the last day of the known weeks.
var panelToday = health.Date{Year: 2026, Month: 11, Day: 30}

// runAt runs vitals with args at the known weeks' clock, in UTC.
func runAt(t *testing.T, db string, args ...string) (string, string, error) {
	t.Helper()
	config := filepath.Join(filepath.Dir(db), "config.toml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	a := &invocation{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	a.Now = func() time.Time { return paneltest.Now(panelToday) }
	a.Location = time.UTC
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", db, "--config", config}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// knownDB is a database holding the three patients of the known weeks.
func knownDB(t *testing.T) (string, map[string]store.Profile) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vitals.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return path, paneltest.Known(t, db, panelToday)
}

func panelRows(t *testing.T, db string) map[string]panelRowJSON {
	t.Helper()
	out, _, err := runAt(t, db, "panel", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got panelJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if got.Today != "2026-11-30" || got.From != "2026-11-01" || got.To != "2026-11-30" || got.Threshold != "130/80" || got.QuietDays != 7 {
		t.Errorf("header: %+v", got)
	}
	rows := map[string]panelRowJSON{}
	for _, r := range got.Patients {
		rows[r.Profile] = r
	}
	return rows
}

// TestPanelJSONKnownWeeks checks the panel of the three patients of
// paneltest.Known against values worked out by hand (today 30 Nov 2026,
// 21:00 UTC; AHA/ACC 2025 home threshold 130/80):
//
//   - p-above: 24–30 Nov, 4 readings a day (28), 7 monitoring days (band
//     2–15). Day 1 (24 Nov) is left out: 24 readings over 6 days, half
//     140/90 and half 144/86, mean 142/88: at or above. The week before
//     has no readings, so the mean is rising. One possible-AFib flag
//     (28 Nov 07:00), not acknowledged: a new flag. Reasons: flag, rising.
//   - p-below: 10–30 Nov, 84 readings on 21 days (band 16–30); both weeks
//     24 averaged readings of 118/76 and 122/78, mean 120/77: below, change
//     ±0.0/±0.0. Nothing needs attention.
//   - p-nine: 14–22 Nov, 2 readings a day on 9 days (18, band 2–15). The
//     newest, 22 Nov 07:01, is 8 days old: quiet (7 days), and its Omron
//     account too. No reading in the last 7 days: no mean, not assessed.
//     The week before (17–23 Nov) leaves out 17 Nov: 10 readings of
//     150/95 on 5 days, below the minimum (12): not assessed.
func TestPanelJSONKnownWeeks(t *testing.T) {
	db, _ := knownDB(t)
	rows := panelRows(t, db)

	a := rows["p-above"]
	if a.Name != "Ann Above" || a.MonitoringDays != 7 || a.Band != "2–15" || a.Readings != 28 || a.DaysSince == nil || *a.DaysSince != 0 {
		t.Errorf("p-above monitoring: %+v", a)
	}
	if a.Week.Mean != "142.0/88.0" || a.Week.Readings != 24 || a.Week.Days != 6 || a.Week.Verdict != "at or above" ||
		a.Previous.Verdict != "not assessed" || a.Previous.Mean != "" || a.Change != "" {
		t.Errorf("p-above week: %+v, previous %+v, change %q", a.Week, a.Previous, a.Change)
	}
	if a.AFib != 1 || a.Irregular != 0 || a.NewFlags != 1 || a.Severe != 0 || len(a.Alerts) != 1 ||
		a.Alerts[0].Time != "2026-11-28T07:00:00Z" || !a.Alerts[0].PossibleAFib || a.Alerts[0].Severe {
		t.Errorf("p-above flags: %+v", a)
	}
	if !a.NeedsAttention || strings.Join(a.AttentionReasons, ",") != "flag,rising" {
		t.Errorf("p-above attention: %v %v", a.NeedsAttention, a.AttentionReasons)
	}

	b := rows["p-below"]
	if b.MonitoringDays != 21 || b.Band != "16–30" || b.Readings != 84 || b.Week.Mean != "120.0/77.0" || b.Week.Verdict != "below" ||
		b.Previous.Mean != "120.0/77.0" || b.Previous.Readings != 24 || b.Change != "±0.0/±0.0" || b.NeedsAttention || len(b.Alerts) != 0 {
		t.Errorf("p-below: %+v", b)
	}

	c := rows["p-nine"]
	if c.MonitoringDays != 9 || c.Band != "2–15" || c.Readings != 18 || c.DaysSince == nil || *c.DaysSince != 8 ||
		c.NewestReading != "2026-11-22T07:01:00Z" {
		t.Errorf("p-nine monitoring: %+v", c)
	}
	if c.Week.Mean != "" || c.Week.Verdict != "not assessed" || c.Previous.Mean != "150.0/95.0" || c.Previous.Readings != 10 ||
		c.Previous.Days != 5 || c.Previous.Verdict != "not assessed" || c.Change != "" {
		t.Errorf("p-nine weeks: %+v / %+v", c.Week, c.Previous)
	}
	if !c.NeedsAttention || strings.Join(c.AttentionReasons, ",") != "quiet" || len(c.Quiet) != 1 || len(c.Relink) != 0 {
		t.Errorf("p-nine attention: %+v", c)
	}
}

// TestAckLeavesAttentionAndReports acknowledges a reading above 180/120:
// the patient no longer needs attention, and the report of the week lists
// who acknowledged it, when, and the note.
func TestAckLeavesAttentionAndReports(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vitals.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.AddProfile(context.Background(), "p-1042", "Dee High", 0)
	acc, _ := db.LocalAccount(context.Background(), p.ID, store.ProviderManual)
	at := panelToday.In(time.UTC).Add(8 * time.Hour)
	if _, err := db.Upsert(context.Background(), p.ID, acc.ID, health.Batch{BloodPressure: []health.BloodPressure{
		{Meta: health.Meta{ProviderID: "m1", Time: at, Setting: health.SettingHome}, Systolic: health.Of(120), Diastolic: health.Of(78)},
		{Meta: health.Meta{ProviderID: "m2", Time: at.Add(time.Hour), Setting: health.SettingHome}, Systolic: health.Of(186), Diastolic: health.Of(96)},
	}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	before := panelRows(t, path)["p-1042"]
	if !before.NeedsAttention || strings.Join(before.AttentionReasons, ",") != "severe" || before.Severe != 1 || len(before.Alerts) != 1 {
		t.Fatalf("before: %+v", before)
	}
	id := before.Alerts[0].ID
	if _, _, err := runAt(t, path, "ack", "p-1042", "--alert", "bp-999999", "--by", "dr-lee"); err == nil {
		t.Error("an alert the patient does not have was acknowledged")
	}
	out, _, err := runAt(t, path, "ack", "p-1042", "--alert", id, "--by", "dr-lee", "--note", "called, repeat in clinic")
	if err != nil || !strings.Contains(out, "acknowledged "+id) {
		t.Fatalf("ack: %q, %v", out, err)
	}
	after := panelRows(t, path)["p-1042"]
	if after.NeedsAttention || after.Severe != 0 || len(after.Alerts) != 0 {
		t.Errorf("after the acknowledgement: %+v", after)
	}
	rep, _, err := runAt(t, path, "report", "--profile", "p-1042", "--format", "md", "--from", "2026-11-24", "--to", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Acknowledged alerts", "2026-11-30 09:00, 186/96 mmHg (above 180/120, alert " + id + "): acknowledged by dr-lee on ",
		"called, repeat in clinic"} {
		if !strings.Contains(rep, want) {
			t.Errorf("the report lacks %q:\n%s", want, rep)
		}
	}
}

// TestExportRPM writes the monitoring days of the known weeks for
// November 2026 (1–30 Nov).
func TestExportRPM(t *testing.T) {
	db, _ := knownDB(t)
	out, _, err := runAt(t, db, "export", "--format", "rpm", "--month", "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	want := "profile,period_start,period_end,days,band,readings,sources\n" +
		"p-above,2026-11-01,2026-11-30,7,2–15,28,Omron p-above\n" +
		"p-below,2026-11-01,2026-11-30,21,16–30,84,Omron p-below\n" +
		"p-nine,2026-11-01,2026-11-30,9,2–15,18,Omron p-nine\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if _, _, err := runAt(t, db, "export", "--format", "rpm"); err == nil {
		t.Error("rpm without --month was taken")
	}
	if _, _, err := runAt(t, db, "export", "--format", "rpm", "--month", "2026-13"); err == nil {
		t.Error("--month 2026-13 was taken")
	}
}

// TestShowPanel prints the panel of the known weeks, as on screen.
func TestShowPanel(t *testing.T) {
	db, _ := knownDB(t)
	out, _, err := runAt(t, db, "show", "--tab", "panel", "--width", "160", "--height", "24")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[9 Panel]", "Panel: 3 patients, 2 need attention",
		"▲ Ann Above (p-above)  today   7 2–15  142.0/88.0 ▲ at/abv",
		"▲ Cy Nine (p-nine)    8 days   9 2–15           — △ n/a",
		"  Ben Below (p-below)  today 21 16–30  120.0/77.0 ✓ below   ±0.0/±0.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, " me ") {
		t.Error("showing the panel added the default profile")
	}
}
