package fhir

import (
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// ParseDateTime reads a FHIR dateTime or instant and returns the instant in
// UTC and the UTC offset the value was written in, in seconds east.
//
// A full date-time keeps its own offset ("Z" is 0). A value with only a
// date ("2021-02-16"), a month ("2021-02") or a year ("2021") carries no
// time of day and no zone: it is read as midnight UTC at the start of that
// day, month or year, with offset 0. A time of day without an offset is
// not valid FHIR and is an error, because guessing a zone would move the
// reading.
func ParseDateTime(s string) (time.Time, int, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "T") {
		for _, layout := range []string{time.DateOnly, "2006-01", "2006"} {
			if len(s) == len(layout) {
				if t, err := time.Parse(layout, s); err == nil {
					return t.UTC(), 0, nil
				}
			}
		}
		return time.Time{}, 0, fmt.Errorf("%q is not a FHIR dateTime (want YYYY-MM-DDThh:mm:ss+zz:zz or YYYY-MM-DD)", s)
	}
	if !hasZone(s) {
		return time.Time{}, 0, fmt.Errorf("%q has a time of day but no UTC offset", s)
	}
	// RFC 3339 covers FHIR's form, fractions included; a few feeds leave
	// out the seconds.
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), health.OffsetOf(t), nil
		}
	}
	return time.Time{}, 0, fmt.Errorf("%q is not a FHIR dateTime (want YYYY-MM-DDThh:mm:ss+zz:zz)", s)
}

// hasZone reports whether a date-time string ends in Z or an offset.
func hasZone(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	i := strings.LastIndexAny(s, "+-")
	return i > strings.Index(s, "T")
}

// FormatDateTime writes an instant as a FHIR dateTime on the wall clock of
// offset, so that the reading's own zone survives an export.
func FormatDateTime(t time.Time, offset int) string {
	return health.WallClock(t, offset).Format(time.RFC3339Nano)
}
