package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/store"
	"vitals/sync"
)

// series makes a daySeries of one value a day.
func series(values ...float64) daySeries {
	acc := &dayAcc{sum: make([]float64, len(values)), n: make([]int, len(values))}
	for i, v := range values {
		acc.sum[i], acc.n[i] = v, 1
	}
	return acc.series()
}

// TestChartScale: the y axis fits the data with modest padding on round
// steps, keeps a minimum span, draws a threshold only when it is near, and
// never runs past a ceiling. The bounds are worked by hand: the range is
// padded by 3 % of its span, then rounded out to the smallest step of 1,
// 2, 2.5 or 5 × 10ⁿ that fits the rows.
func TestChartScale(t *testing.T) {
	tests := []struct {
		name         string
		chart        lineChart
		rows         int
		lo, hi, step float64
		refs         []bool
	}{{
		// 60–186 and the thresholds inside: 56.2–189.8 → step 10, 50–190
		// (15 rows); not 20–200.
		name:  "blood pressure",
		chart: lineChart{minSpan: 20, lines: []line{{data: series(60, 186)}}, refs: []ref{{130, "t"}, {80, ""}}},
		rows:  17, lo: 50, hi: 190, step: 10, refs: []bool{true, true},
	}, {
		// 36.8–37.0 widened to the 1 °C minimum, 36.4–37.4, padded to
		// 36.37–37.43: step 0.1, 36.3–37.5 (13 rows); not 34.3–39.4.
		name:  "temperature",
		chart: lineChart{prec: 1, minSpan: 1, lines: []line{{data: series(36.8, 37.0, 36.9)}}},
		rows:  50, lo: 36.3, hi: 37.5, step: 0.1,
	}, {
		// The same in 7 rows: 0.1 needs 13 rows (11 unpadded); 0.2 needs
		// 8 padded (36.2–37.6), but 36.4–37.4 unpadded is 6: the padding
		// goes before the resolution does.
		name:  "temperature, few rows",
		chart: lineChart{prec: 1, minSpan: 1, lines: []line{{data: series(36.8, 37.0)}}},
		rows:  7, lo: 36.4, hi: 37.4, step: 0.2,
	}, {
		// 96–98 widened to 4 points, 95–99; the padding stops at 100.
		name:  "SpO2 under its ceiling",
		chart: lineChart{minSpan: 4, ceiling: 100, lines: []line{{data: series(96, 98)}}},
		rows:  20, lo: 94, hi: 100, step: 1,
	}, {
		// 99–100 widened to 4 points would reach 101.5: it moves down to
		// 96–100 instead, and the padding below makes 95.88: 95–100.
		name:  "SpO2 at its ceiling",
		chart: lineChart{minSpan: 4, ceiling: 100, lines: []line{{data: series(99, 100)}}},
		rows:  20, lo: 95, hi: 100, step: 1,
	}, {
		// Low readings and a threshold 60 above them: the threshold is
		// left off rather than squashing the data. 60–70 widened to 20,
		// 55–75, padded 54.4–75.6: step 1 needs 22 rows, 2 needs 12.
		name:  "threshold far from the data",
		chart: lineChart{minSpan: 20, lines: []line{{data: series(60, 70)}}, refs: []ref{{130, "t"}}},
		rows:  17, lo: 54, hi: 76, step: 2, refs: []bool{false},
	}, {
		// 81.84–82.2 kg widened to 2 kg: 81.02–83.02, padded
		// 80.96–83.08: 0.2 needs 13 rows, 0.5 fits: 80.5–83.5.
		name:  "weight",
		chart: lineChart{prec: 1, minSpan: 2, lines: []line{{data: series(82.2, 81.84)}}},
		rows:  10, lo: 80.5, hi: 83.5, step: 0.5,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, refs, ok := tc.chart.scale(tc.rows)
			if !ok {
				t.Fatal("no scale")
			}
			near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
			if !near(s.lo, tc.lo) || !near(s.hi, tc.hi) || !near(s.step, tc.step) {
				t.Errorf("scale %.2f–%.2f step %.2f, want %.2f–%.2f step %.2f", s.lo, s.hi, s.step, tc.lo, tc.hi, tc.step)
			}
			if s.rows > tc.rows {
				t.Errorf("%d rows, at most %d allowed", s.rows, tc.rows)
			}
			if tc.refs != nil && fmt.Sprint(refs) != fmt.Sprint(tc.refs) {
				t.Errorf("thresholds drawn %v, want %v", refs, tc.refs)
			}
		})
	}
}

// TestTallTerminal: at 200x60 no chart takes more than its cap, and the
// rows it leaves go to content: the blood-pressure table lists more
// readings, the vitals screen shows both sections and the readings.
func TestTallTerminal(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 200, 60)
	for tab := range tabCount {
		m.tab = tab
		run := 0
		for _, l := range strings.Split(screen(m), "\n") {
			if strings.Contains(l, "┤") || strings.Contains(l, "┼") {
				run++
				if run > maxChartLines-chartRows {
					t.Errorf("%s: a chart of more than %d rows:\n%s", tab, maxChartLines-chartRows, screen(m))
					break
				}
			} else {
				run = 0
			}
		}
	}
	if n := m.bpLayout.tableRows; n < 30 {
		t.Errorf("the blood-pressure table has %d rows at 200x60, want 30 or more", n)
	}
	m.tab = TabVitals
	got := screen(m)
	for _, want := range []string{"Temperature (°C): latest 37.2", "SpO2 (%): latest 93", "Readings in this period, newest first", "Thu 12 Mar 08:00 temperature 37.2 °C"} {
		if !strings.Contains(got, want) {
			t.Errorf("vitals at 200x60: want %q:\n%s", want, got)
		}
	}
}

// TestVitalsAlwaysBothSections: a kind without readings in the period
// keeps its section and says where its readings are.
func TestVitalsAlwaysBothSections(t *testing.T) {
	fx := newFixture(t)
	// A week later, with one reading that week so that the period is not
	// anchored: the temperatures (9–12 Mar) and SpO2 (to 15 Mar) are
	// before the 7 days of 16–22 Mar.
	fx.options.Now = func() time.Time { return fixNow.AddDate(0, 0, 7) }
	if _, err := fx.db.Upsert(context.Background(), fx.me.ID, fx.omron.ID, health.Batch{
		BloodPressure: []health.BloodPressure{bp("later-1", at(2026, 3, 20, 8, 0), 130, 80, 70)},
	}); err != nil {
		t.Fatal(err)
	}
	m := loaded(t, fx, 120, 36)
	m.tab = TabVitals
	press(t, m, "-")
	got := strings.Join(strings.Fields(screen(m)), " ")
	for _, want := range []string{
		"7 days: 16 Mar – 22 Mar 2026",
		"Temperature (°C) No temperature readings in these 7 days; the latest is from Thu 12 Mar: press + for a longer period.",
		"SpO2 (%) No SpO2 readings in these 7 days; the latest is from Sun 15 Mar: press + for a longer period.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q:\n%s", want, screen(m))
		}
	}
	// Moved back before them, the newest are later.
	press(t, m, "left", "left", "left", "left")
	got = strings.Join(strings.Fields(screen(m)), " ")
	want := "No temperature readings in these 7 days; the newest is from Thu 12 Mar: press t for the latest readings."
	if !strings.Contains(got, "7 days: 16 Feb – 22 Feb 2026") || !strings.Contains(got, want) {
		t.Errorf("want %q:\n%s", want, screen(m))
	}
}

// TestPeriodEndsOnTheReadingsOwnDate: a reading at 19:46 on 18 Jan at
// −05:00 is 00:46 on 19 Jan in UTC; the period anchored on it ends on
// 18 Jan for a viewer in UTC too.
func TestPeriodEndsOnTheReadingsOwnDate(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.AddProfile(ctx, "p", "Pat", 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.LocalAccount(ctx, p.ID, store.ProviderFile)
	if err != nil {
		t.Fatal(err)
	}
	est := time.FixedZone("-05:00", -5*3600)
	r := health.BloodPressure{
		Meta:     health.Meta{ProviderID: "r1", Time: time.Date(2025, 1, 18, 19, 46, 0, 0, est).UTC(), Offset: -5 * 3600, Origin: "bundle.json", Setting: health.SettingOffice},
		Systolic: health.Of(138), Diastolic: health.Of(88), Pulse: health.Of(70),
	}
	if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{r}}); err != nil {
		t.Fatal(err)
	}
	o := Options{DB: db, Profile: p, Range: Range7d, Location: time.UTC,
		Now: func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }}
	got, err := Render(ctx, o, Screen{Tab: TabBP, Range: Range7d, Width: 120, Height: 36})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"7 days: 12 Jan – 18 Jan 2025", "(ends on the newest reading)", "Sat 18 Jan 19:46  138/88"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q:\n%s", want, got)
		}
	}
}

// TestHourlyProfile: the activity screen opens on the latest day with
// steps by the hour, not on a day just begun; hours without steps draw
// no bar; the axis reads 0 and the top; a day without hours says so.
func TestHourlyProfile(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	// The next morning at 01:30: the monitor has sent the day with two
	// empty hours. A band counted 9,000 steps on 15 Mar, without hours.
	fx.options.Now = func() time.Time { return at(2026, 3, 16, 1, 30) }
	early := health.Activity{Meta: meta("act-2026-03-16", at(2026, 3, 16, 0, 0)), Steps: health.Of(0),
		Hourly: []health.HourActivity{{Hour: 0, Steps: health.Of(0)}, {Hour: 1, Steps: health.Of(0)}}}
	band := health.Activity{Meta: meta("band-15", at(2026, 3, 15, 0, 0)), Steps: health.Of(9000)}
	band.Device, band.Origin = "", "Fitbit"
	if _, err := fx.db.Upsert(ctx, fx.me.ID, fx.omron.ID, health.Batch{Activity: []health.Activity{early}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Upsert(ctx, fx.me.ID, fx.oneup.ID, health.Batch{Activity: []health.Activity{band}}); err != nil {
		t.Fatal(err)
	}
	m := loaded(t, fx, 120, 36)
	m.tab = TabActivity
	got := screen(m)
	// 15 Mar by the hour: 480 + 40·(h mod 4) for 07–21, 8,080 in all;
	// the largest hour is 600.
	for _, want := range []string{
		"Hourly steps on Sun 15 Mar: 8,080 steps by HJ-325 (the day's count: 9,000 by Fitbit)",
		" 600 ┤", "   0 ┤",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q:\n%s", want, got)
		}
	}
	lines := strings.Split(got, "\n")
	hourly := false
	for i, l := range lines {
		hourly = hourly || strings.Contains(l, "Hourly steps on")
		if !hourly || !strings.Contains(l, " 0 ┤") {
			continue
		}
		// The bottom row: no bar in the hours before 07:00.
		bars := l[strings.Index(l, "┤")+len("┤"):]
		if lead := len(bars) - len(strings.TrimLeft(bars, " ")); lead < 7*4 {
			t.Errorf("line %d: a bar before 07:00: %q", i, l)
		}
	}
	press(t, m, ".")
	got = strings.Join(strings.Fields(screen(m)), " ")
	if want := "Hourly steps on Mon 16 Mar: 0 steps"; !strings.Contains(got, want) {
		t.Errorf("want %q:\n%s", want, screen(m))
	}
	if want := "No steps in any hour of this day. The latest day with steps by the hour is Sun 15 Mar."; !strings.Contains(got, want) {
		t.Errorf("want %q:\n%s", want, screen(m))
	}
}

// TestSourcesListSystems: the systems connected through 1upHealth are
// listed under the account with their kind, connection date, readings and
// newest reading; a click on a system's row selects its account.
func TestSourcesListSystems(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 120, 36)
	m.tab = TabSources
	got := screen(m)
	// Riverside Clinic delivered the office reading of 5 Mar 10:00 and the
	// condition: 2, the newest 10 days and 11½ hours before now.
	row := ""
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "↳ Riverside Clinic") {
			row = strings.Join(strings.Fields(l), " ")
		}
	}
	if want := "↳ Riverside Clinic clinical 01 Jun 2025 2 10 days ago"; row != want {
		t.Errorf("system row %q, want %q:\n%s", row, want, got)
	}
	// Rows: title 2, header 3, Omron 4, scale 5, 1upHealth 6, Riverside 7.
	m.Update(tea.MouseClickMsg{X: 10, Y: 7, Button: tea.MouseLeft})
	if a, ok := m.selectedAccount(); !ok || a.ID != fx.oneup.ID {
		t.Errorf("a click on the system's row selects %v, want the 1upHealth account", a.Title())
	}
	got = strings.Join(strings.Fields(screen(m)), " ")
	if want := "↳ Riverside Clinic (clinical), connected 01 Jun 2025: blood pressure 1 · conditions 1"; !strings.Contains(got, want) {
		t.Errorf("detail: want %q:\n%s", want, screen(m))
	}
}

// TestShortNames: an account labelled with its email shows the provider's
// name where space is short, and the email on the Sources detail only.
func TestShortNames(t *testing.T) {
	fx := newFixture(t)
	if _, err := fx.db.UpsertAccount(context.Background(), store.Account{ProfileID: fx.me.ID, Provider: store.ProviderOmron,
		ExternalID: "omron-user-1", Label: "Omron Wellness (a.very.long.address@example.com)"}); err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{events: make(chan sync.Event, 8)}
	fx.options.Engine = eng
	m := loaded(t, fx, 80, 24)
	for _, id := range []int64{fx.omron.ID, fx.scale.ID} {
		m.Update(syncEventMsg(sync.Event{Kind: sync.Finished, At: fixNow, AccountID: id, ProfileID: fx.me.ID,
			Account: "Omron Wellness (a.very.long.address@example.com)", Added: 1234}))
	}
	m.Update(syncEventMsg(sync.Event{Kind: sync.NeedsRelink, At: fixNow, AccountID: fx.oneup.ID, ProfileID: fx.me.ID, Account: "1upHealth"}))
	lines := strings.Split(screen(m), "\n")
	status := strings.TrimSpace(lines[len(lines)-2])
	if want := "✓ Omron Wellness · ✓ Omron scale · ✗ 1upHealth needs relinking"; status != want {
		t.Errorf("status at 80 columns %q, want %q", status, want)
	}
	got := screen(m)
	if strings.Contains(got, "a.very.long") || strings.Contains(got, "Omron Wellness (") {
		t.Errorf("the overview shows the email:\n%s", got)
	}
	m.tab = TabSources
	got = screen(m)
	if !strings.Contains(got, " Omron Wellness ") || !strings.Contains(got, "Omron Wellness (a.very.long.address@example.com)") {
		t.Errorf("sources: want the short name in the table and the email in the detail:\n%s", got)
	}
}

// TestInputDoesNotDraw: keys and the mouse only read the sizes laid out
// on a resize or a new snapshot; no screen is drawn to handle them. The
// Review tab once drew itself on every scroll key of every tab to learn
// how far it scrolls.
func TestInputDoesNotDraw(t *testing.T) {
	fx := newFixture(t)
	m := loaded(t, fx, 80, 24)
	// The panel is read when its tab first opens: a new snapshot, which is
	// laid out (and so drawn) once, as any.
	press(t, m, "9")
	draws := 0
	drawHook = func() { draws++ }
	t.Cleanup(func() { drawHook = nil })
	for tab := range tabCount {
		press(t, m, fmt.Sprint(int(tab)+1))
		press(t, m, "down", "pgdown", "G", "up", "pgup", "g", "j", "k", ",", ".")
		m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
		m.Update(tea.MouseClickMsg{X: 10, Y: 5, Button: tea.MouseLeft})
		m.Update(tea.MouseClickMsg{X: 1, Y: 0, Button: tea.MouseLeft})
	}
	if draws != 0 {
		t.Errorf("keys and the mouse drew %d times", draws)
	}

	// The limit laid out is the one the review is drawn with.
	drawHook = nil
	press(t, m, "8", "G")
	if want := m.frame().reviewScroll(m.bodyW, m.bodyH); want == 0 || m.reviewOffset != want {
		t.Errorf("review scrolled to %d of %d", m.reviewOffset, want)
	}
}
