package report

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// longStore holds three years of home readings, one a day at 07:00
// (UTC−05:00) from 1 Jan 2022 to 31 Dec 2024, all 125/82: 365 + 365 + 366
// = 1 096 readings; an irregular-heartbeat flag on 15 Jun 2023, and a
// reading blanked without a flag at 20:00 on 10 Mar 2024: 1 097 home
// readings.
func longStore(t *testing.T) (*store.DB, store.Profile) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := db.AddProfile(ctx, "p-1042", "Jane Q. Doe", 0)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := db.LocalAccount(ctx, p.ID, store.ProviderFile)
	if err != nil {
		t.Fatal(err)
	}
	zone := health.FixedZone(eastern)
	reading := func(local time.Time, sys, dia float64) health.BloodPressure {
		return health.BloodPressure{
			Meta:     health.Meta{ProviderID: local.Format(time.RFC3339), Time: local.UTC(), Offset: eastern, Setting: health.SettingHome},
			Systolic: health.Of(sys), Diastolic: health.Of(dia), Pulse: health.Of(70),
		}
	}
	var home []health.BloodPressure
	for d := time.Date(2022, 1, 1, 7, 0, 0, 0, zone); d.Year() < 2025; d = d.AddDate(0, 0, 1) {
		r := reading(d, 125, 82)
		if d.Year() == 2023 && d.Month() == time.June && d.Day() == 15 {
			r.IrregularHeartbeat = true
		}
		home = append(home, r)
	}
	home = append(home, reading(time.Date(2024, 3, 10, 20, 0, 0, 0, zone), 0, 0))
	if _, err := db.Upsert(ctx, p.ID, acc.ID, health.Batch{BloodPressure: home}); err != nil {
		t.Fatal(err)
	}
	return db, p
}

// TestLongPeriod: a report over more than a year is refused without All,
// with what it would hold; with All, the weekly flag table and the
// statistics are right over three centuries.
//
// Days from 1 Jan 1700 to 1 Jan 2000: 300·365 + 72 leap days (75 years
// divisible by 4 in 1700–1999, less 1700, 1800, 1900) = 109 572; to 1 Jan
// 2025, 25·365 + 7 leap days (2000, 2004, …, 2024) = 9 132 more: 118 704.
// So 1700-01-01 to 2024-12-31 is 118 704 days.
//
// Weeks run from 1700-01-01 in sevens. 1 Jan 2022 is day 118 704 − 1 096
// = 117 608 = 7·16 801 + 1: its week starts the day before, 2021-12-31,
// and holds 1–6 Jan: 6 readings. 15 Jun 2023 is day 117 608 + 365 + 165
// = 118 138 = 7·16 876 + 6: week 2023-06-09 to 2023-06-15, 7 readings, 1
// flagged. 10 Mar 2024 is day 118 704 − 366 + 69 = 118 407 = 7·16 915 +
// 2: week 2024-03-08 to 2024-03-14, 7 + 1 = 8 readings, 1 blanked
// without a cause. 31 Dec 2024 is day 118 703 = 7·16 957 + 4: the last
// week, 27 to 31 Dec, 5 readings. Weeks 16 801 to 16 957 hold readings:
// 157 rows.
//
// Day 1 is 2022-01-01: 1 096 − 1 = 1 095 readings averaged on 1 095
// days, mean 125.0/82.0, at or above 130/80 (82 ≥ 80).
func TestLongPeriod(t *testing.T) {
	db, p := longStore(t)
	ctx := context.Background()
	from, to := health.Date{Year: 1700, Month: time.January, Day: 1}, health.Date{Year: 2024, Month: time.December, Day: 31}

	_, err := Load(ctx, db, p, Options{From: from, To: to})
	var long *LongPeriodError
	if !errors.As(err, &long) || long.Days != 118704 || long.Home != 1097 || long.Office != 0 {
		t.Fatalf("1700–2024 without All: %v (%+v), want 118704 days, 1097 home readings", err, long)
	}
	if want := "report: the period 1700-01-01 to 2024-12-31 is 118704 days long, more than a year: " +
		"the report would list 1097 home readings and 0 office readings"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	r, err := Load(ctx, db, p, Options{From: from, To: to, All: true, Now: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	if s.FirstDay != (health.Date{Year: 2022, Month: time.January, Day: 1}) || s.Readings != 1095 || s.Days != 1095 ||
		s.MeanText() != "125.0/82.0" || s.Verdict != health.AtOrAbove || s.Blanked != 1 || s.Irregular.N != 1 {
		t.Errorf("day 1 %v, %d readings on %d days, mean %s %v, blanked %d, irregular %d",
			s.FirstDay, s.Readings, s.Days, s.MeanText(), s.Verdict, s.Blanked, s.Irregular.N)
	}
	var b bytes.Buffer
	if err := r.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| Period | 1700-01-01 to 2024-12-31 (118704 days) |",
		"| Home mean | 125.0/82.0 mmHg (1095 readings over 1095 days, 1095 sittings) |",
		"| 2021-12-31 to 2022-01-06 | 6 | 0 | 0 |",
		"| **2023-06-09 to 2023-06-15** | 7 | 1 | 0 |",
		"| **2024-03-08 to 2024-03-14** | 8 | 0 | 1 |",
		"| 2024-12-27 to 2024-12-31 | 5 | 0 | 0 |",
		"| **Irregular heartbeat flags** | 1 reading, on 2023-06-15 |",
		"| Possible AFib flags | none flagged, but 1 reading was blanked, cause not given (see Blanked readings) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^\| (\*\*)?\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d(\*\*)? \| \d+ \| \d+ \| \d+ \|$`).FindAllString(md, -1)); n != 157 {
		t.Errorf("%d weeks in the flags table, want 157", n)
	}
	// The chart draws a line a year, not one a day: 325 years.
	var svg strings.Builder
	r.view().Chart.draw(svgCanvas{&svg})
	if n := strings.Count(svg.String(), "<line"); n > 500 {
		t.Errorf("%d lines in the chart of a long period", n)
	}
}

// TestLongPeriodBoundary: 366 days (a leap year) is a year; 367 is more.
func TestLongPeriodBoundary(t *testing.T) {
	db, p := longStore(t)
	ctx := context.Background()
	dec31 := health.Date{Year: 2024, Month: time.December, Day: 31}
	for _, tc := range []struct {
		from    health.Date
		days    int
		refused bool
	}{
		{health.Date{Year: 2024, Month: time.January, Day: 1}, 366, false},
		{health.Date{Year: 2023, Month: time.December, Day: 31}, 367, true},
	} {
		_, err := Load(ctx, db, p, Options{From: tc.from, To: dec31})
		var long *LongPeriodError
		if got := errors.As(err, &long); got != tc.refused || (got && long.Days != tc.days) {
			t.Errorf("%s to %s (%d days): %v", tc.from, dec31, tc.days, err)
		}
	}
}
