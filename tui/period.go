package tui

import (
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// Range is the length of the period the screens show.
type Range int

const (
	Range7d Range = iota
	Range30d
	Range90d
	Range1y
	RangeAll
)

var ranges = [...]struct {
	flag, name string
	days       int
}{
	{"7d", "7 days", 7},
	{"30d", "30 days", 30},
	{"90d", "90 days", 90},
	{"1y", "1 year", 365},
	{"all", "all readings", 0},
}

// Days is the number of days the range covers; 0 for all readings.
func (r Range) Days() int { return ranges[r].days }

func (r Range) String() string { return ranges[r].name }

// Flag is the range as the command line spells it ("30d").
func (r Range) Flag() string { return ranges[r].flag }

// ParseRange reads 7d, 30d, 90d, 1y or all.
func ParseRange(s string) (Range, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, r := range ranges {
		if s == r.flag {
			return Range(i), nil
		}
	}
	switch s {
	case "7", "week", "1w":
		return Range7d, nil
	case "30", "month", "1m":
		return Range30d, nil
	case "90", "3m":
		return Range90d, nil
	case "365", "year", "12m":
		return Range1y, nil
	}
	return 0, fmt.Errorf("range %q: want 7d, 30d, 90d, 1y or all", s)
}

// Period is the days a screen covers, inclusive, as wall-clock dates.
type Period struct {
	Range      Range
	Start, End health.Date
	// Anchored is set when the period was moved back to end on the newest
	// reading because nothing was newer than its start (an old or
	// imported database viewed offline).
	Anchored bool
}

// Days is the number of days in the period.
func (p Period) Days() int {
	if p.Start.IsZero() || p.End.IsZero() {
		return 0
	}
	return p.End.Sub(p.Start) + 1
}

// Contains reports whether d is in the period.
func (p Period) Contains(d health.Date) bool { return !d.Before(p.Start) && !d.After(p.End) }

// resolvePeriod works out the period of range r ending on end (today when
// end is zero). first and last are the profile's oldest and newest reading
// days (zero without readings). anchor lets a period that would hold no
// reading end on the newest instead; it is off while a first sync brings
// the readings, oldest first, so that the period does not follow them.
func resolvePeriod(r Range, end, today, first, last health.Date, anchor bool) Period {
	p := Period{Range: r, End: end}
	if p.End.IsZero() {
		p.End = today
		// Nothing newer than the period's start: show the newest data
		// rather than an empty screen.
		if anchor && r != RangeAll && !last.IsZero() && last.Before(today.AddDays(1-r.Days())) {
			p.End, p.Anchored = last, true
		}
	}
	if r == RangeAll {
		// Every reading: from the first to the newest.
		if anchor && end.IsZero() && !last.IsZero() && last.Before(p.End) {
			p.End, p.Anchored = last, true
		}
		p.Start = first
		if p.Start.IsZero() || p.Start.After(p.End) {
			p.Start = p.End
		}
		return p
	}
	p.Start = p.End.AddDays(1 - r.Days())
	return p
}

// when writes a wall-clock time, with the year when the period spans more
// than one.
func (p Period) when(t time.Time) string {
	if p.Start.Year != p.End.Year {
		return t.Format("02 Jan 2006 15:04")
	}
	return t.Format("Mon 02 Jan 15:04")
}
