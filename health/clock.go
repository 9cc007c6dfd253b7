package health

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WallClock returns the instant t as the clock on the wall read it, in a
// fixed zone offset seconds east of UTC. A reading keeps its own offset
// because people travel and clocks change: Tuesday morning is the morning
// where the reading was taken, not where it is viewed.
func WallClock(t time.Time, offset int) time.Time {
	return t.In(FixedZone(offset))
}

// FixedZone returns a zone named like "+05:30" for the offset.
func FixedZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	return time.FixedZone(FormatOffset(offset), offset)
}

// FormatOffset writes an offset in seconds as "+hh:mm" (RFC 3339's form).
func FormatOffset(offset int) string {
	sign := '+'
	if offset < 0 {
		sign = '-'
		offset = -offset
	}
	return fmt.Sprintf("%c%02d:%02d", sign, offset/3600, offset%3600/60)
}

// ParseOffset reads a UTC offset as "+hh:mm", "+hhmm", "Z", or a number of
// seconds ("-21600"); data feeds use all of them.
func ParseOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "Z" || s == "z":
		return 0, nil
	case s == "":
		return 0, fmt.Errorf("empty UTC offset")
	}
	// "+0530" is hours and minutes; any other integer is seconds, which
	// must be whole minutes, as every zone in use is.
	hhmm := (s[0] == '+' || s[0] == '-') && len(s) == 5
	if n, err := strconv.Atoi(s); err == nil && !hhmm {
		if n < -14*3600 || n > 14*3600 || n%60 != 0 {
			return 0, fmt.Errorf("UTC offset %q is not a whole number of minutes within ±14 hours", s)
		}
		return n, nil
	}
	if s[0] != '+' && s[0] != '-' {
		return 0, fmt.Errorf("UTC offset %q: want +hh:mm or seconds", s)
	}
	body := strings.ReplaceAll(s[1:], ":", "")
	if len(body) != 4 {
		return 0, fmt.Errorf("UTC offset %q: want +hh:mm or seconds", s)
	}
	h, err1 := strconv.Atoi(body[:2])
	m, err2 := strconv.Atoi(body[2:])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return 0, fmt.Errorf("UTC offset %q: want +hh:mm or seconds", s)
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// OffsetOf returns the offset of t's zone at t, in seconds east of UTC.
func OffsetOf(t time.Time) int {
	_, off := t.Zone()
	return off
}

// Date is a calendar day without a zone: the day a reading belongs to on
// the wall clock where it was taken.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's own zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// In returns the first instant of the day in loc: midnight, or the end of
// the gap where clocks skip midnight (Havana, Santiago, Beirut).
func (d Date) In(loc *time.Location) time.Time {
	return AtWallClock(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), loc)
}

// AtWallClock returns the instant a wall clock in loc showed wall's date
// and time of day (wall's own zone is ignored). A time the clocks skipped
// (02:30 on the night they go forward) is read with the offset in force
// before the skip, so it lands after it, as RFC 5545 does: 02:30 becomes
// 03:30 summer time, not 01:30, and never another day. A time the clocks
// showed twice (the hour repeated in autumn) is its first occurrence.
func AtWallClock(wall time.Time, loc *time.Location) time.Time {
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	ns := wall.Nanosecond()
	t := time.Date(y, mo, d, h, mi, s, ns, loc)
	ty, tmo, td := t.Date()
	th, tmi, ts := t.Clock()
	if ty == y && tmo == mo && td == d && th == h && tmi == mi && ts == s {
		return t // the time exists: time.Date already took the first of two
	}
	// In a gap. The offset a day earlier is the one before the gap: zones
	// never change their offset twice within a day and a half.
	naive := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	return naive.Add(-time.Duration(before) * time.Second).In(loc)
}

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// Sub returns the number of days from o to d. It counts calendar days,
// not a time.Duration, which would overflow beyond 292 years.
func (d Date) Sub(o Date) int { return d.dayNumber() - o.dayNumber() }

// dayNumber is the number of days from 1970-01-01 to d in the proleptic
// Gregorian calendar (negative before it), by the civil-from-days
// arithmetic: years start in March, so the leap day ends a year.
func (d Date) dayNumber() int {
	// Normalise an out-of-range month or day as time.Date would.
	if d.Month < time.January || d.Month > time.December || d.Day < 1 || d.Day > 28 {
		n := DateOf(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
		if n != d {
			return n.dayNumber()
		}
	}
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                     // [0, 399]
	mp := (m + 9) % 12                     // March = 0
	doy := (153*mp+2)/5 + d.Day - 1        // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Sub(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Sub(o) > 0 }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

func (d Date) String() string { return d.In(time.UTC).Format(time.DateOnly) }
