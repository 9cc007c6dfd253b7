package health

import (
	"math"
	"testing"
	"time"
)

func nan() float64 { return math.NaN() }

func TestParseOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"+00:00", 0, true},
		{"Z", 0, true},
		{"-21600", -21600, true}, // Omron's seconds form
		{"-06:00", -21600, true},
		{"+05:30", 19800, true},
		{"+0530", 19800, true},
		{"3600", 3600, true},
		{"", 0, false},
		{"+5", 0, false},
		{"+25:00", 0, false},
		{"99999", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseOffset(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseOffset(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := FormatOffset(-21600); got != "-06:00" {
		t.Errorf("FormatOffset(-21600) = %q", got)
	}
	if got := FormatOffset(19800); got != "+05:30" {
		t.Errorf("FormatOffset(19800) = %q", got)
	}
}

func TestWallClock(t *testing.T) {
	// The guide's weight example: 09:21:26 UTC at offset -21600 is 03:21:26 local.
	at := time.Date(2022, 2, 7, 9, 21, 26, 0, time.UTC)
	m := Meta{Time: at, Offset: -21600}
	if got := m.Local().Format("2006-01-02T15:04:05"); got != "2022-02-07T03:21:26" {
		t.Errorf("local = %s", got)
	}
	// A reading late in the evening belongs to the local day, not the UTC one.
	late := Meta{Time: time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), Offset: -5 * 3600}
	if d := DateOf(late.Local()); d.String() != "2026-03-01" {
		t.Errorf("day = %s, want 2026-03-01", d)
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2026-02-27")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(2).String(); got != "2026-03-01" {
		t.Errorf("27 Feb + 2 days = %s", got)
	}
	if got := d.AddDays(2).Sub(d); got != 2 {
		t.Errorf("Sub = %d", got)
	}
	if !d.Before(d.AddDays(1)) || d.After(d) {
		t.Error("Before/After")
	}
	if _, err := ParseDate("27/02/2026"); err == nil {
		t.Error("bad date accepted")
	}
}

// TestAtWallClock: times the clocks skipped land after the skip, read with
// the offset before it (RFC 5545); repeated times take their first
// occurrence; ordinary times are what time.Date gives.
func TestAtWallClock(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("zone %s: %v", name, err)
		}
		return loc
	}
	wall := func(s string) time.Time {
		w, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, tc := range []struct {
		zone, wall string
		want       string // the instant in UTC
		offset     int
	}{
		// New York goes from 02:00 EST to 03:00 EDT on 9 March 2025:
		// 02:30 EST is 07:30 UTC, which the clocks showed as 03:30 EDT.
		{"America/New_York", "2025-03-09 02:30", "2025-03-09T07:30:00Z", -4 * 3600},
		{"America/New_York", "2025-03-09 01:59", "2025-03-09T06:59:00Z", -5 * 3600},
		{"America/New_York", "2025-03-09 03:00", "2025-03-09T07:00:00Z", -4 * 3600},
		// 1:30 happened twice on 2 November 2025: the first is EDT.
		{"America/New_York", "2025-11-02 01:30", "2025-11-02T05:30:00Z", -4 * 3600},
		// Berlin skips 02:00–03:00 CET on 30 March 2025.
		{"Europe/Berlin", "2025-03-30 02:15", "2025-03-30T01:15:00Z", 2 * 3600},
		// Havana skips midnight (00:00 CST to 01:00 CDT) on 9 March 2025:
		// 00:30 stays on the 9th, at 01:30 CDT.
		{"America/Havana", "2025-03-09 00:30", "2025-03-09T05:30:00Z", -4 * 3600},
	} {
		got := AtWallClock(wall(tc.wall), load(tc.zone))
		if got.UTC().Format(time.RFC3339) != tc.want || OffsetOf(got) != tc.offset {
			t.Errorf("%s %s = %s (offset %d), want %s (offset %d)", tc.zone, tc.wall, got.UTC().Format(time.RFC3339), OffsetOf(got), tc.want, tc.offset)
		}
	}
	// The first instant of a day whose midnight was skipped is 01:00.
	havana := load("America/Havana")
	if got := (Date{2025, time.March, 9}).In(havana); got.Format("2006-01-02 15:04") != "2025-03-09 01:00" {
		t.Errorf("start of 9 March 2025 in Havana = %s, want 2025-03-09 01:00", got.Format("2006-01-02 15:04 -07:00"))
	}
}

// TestDayNumber: calendar days counted by arithmetic agree with the time
// package over five centuries, either side of the epoch, across every
// leap rule (2000 is a leap year, 1900 and 2100 are not).
func TestDayNumber(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for day := time.Date(1750, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2250; day = day.AddDate(0, 0, 1) {
		want := int(day.Sub(epoch).Hours() / 24) // within 292 years of 1970: no overflow
		if got := DateOf(day).dayNumber(); got != want {
			t.Fatalf("%s: day %d, want %d", day.Format(time.DateOnly), got, want)
		}
	}
	for _, tc := range []struct {
		a, b Date
		days int
	}{
		{Date{2000, time.March, 1}, Date{2000, time.February, 28}, 2},
		{Date{1900, time.March, 1}, Date{1900, time.February, 28}, 1},
		{Date{2100, time.March, 1}, Date{2100, time.February, 28}, 1},
		{Date{2000, time.January, 1}, Date{1700, time.January, 1}, 109572},
		{Date{2025, time.January, 32}, Date{2025, time.February, 1}, 0}, // normalised as time.Date does
	} {
		if got := tc.a.Sub(tc.b); got != tc.days {
			t.Errorf("%v − %v = %d days, want %d", tc.a, tc.b, got, tc.days)
		}
	}
}
