package fhir

import (
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   time.Time
		offset int
	}{
		{"2012-02-05T12:38:41-05:00", time.Date(2012, 2, 5, 17, 38, 41, 0, time.UTC), -5 * 3600},
		{"2021-01-18T21:12:29.000Z", time.Date(2021, 1, 18, 21, 12, 29, 0, time.UTC), 0},
		{"2024-11-21T11:40:00.250+05:30", time.Date(2024, 11, 21, 6, 10, 0, 250e6, time.UTC), 5*3600 + 1800},
		{"2024-11-21T11:40+01:00", time.Date(2024, 11, 21, 10, 40, 0, 0, time.UTC), 3600},
		// Date-only values carry no zone: midnight UTC, offset 0.
		{"2021-02-16", time.Date(2021, 2, 16, 0, 0, 0, 0, time.UTC), 0},
		{"2021-02", time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC), 0},
		{"2021", time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		got, off, err := ParseDateTime(tt.in)
		if err != nil {
			t.Errorf("ParseDateTime(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || off != tt.offset {
			t.Errorf("ParseDateTime(%q) = %v, %d; want %v, %d", tt.in, got, off, tt.want, tt.offset)
		}
	}
}

func TestParseDateTimeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "yesterday", "2021-13-01", "2021-02-30", "21-02-16",
		"2021-02-16T10:00:00", // a time of day without an offset
		"2021-02-16 10:00:00Z",
		"2021-02-16T25:00:00Z",
	} {
		if got, off, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) = %v, %d; want an error", in, got, off)
		}
	}
}

func TestFormatDateTimeKeepsOffset(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 12, 13, 12, 0, 0, time.UTC)
	if got, want := FormatDateTime(at, -5*3600), "2025-01-12T08:12:00-05:00"; got != want {
		t.Errorf("FormatDateTime = %q, want %q", got, want)
	}
	if got, want := FormatDateTime(at, 0), "2025-01-12T13:12:00Z"; got != want {
		t.Errorf("FormatDateTime = %q, want %q", got, want)
	}
}
