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
