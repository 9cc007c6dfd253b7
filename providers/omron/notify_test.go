package omron

import (
	"strings"
	"testing"
	"time"

	"vitals/providers"
)

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		user    string
		at      string // RFC 3339, "" for none
		typ     string
		streams int
		wantErr string
	}{
		// 1644043106941 ms is 2022-02-05T06:38:26.941Z.
		{name: "ms epoch number", body: `{"id": "71e22ae7-fc68-4ffb-9db5-6407eb5b42fd", "timestamp": 1644043106941, "type": "bloodpressure"}`,
			user: "71e22ae7-fc68-4ffb-9db5-6407eb5b42fd", at: "2022-02-05T06:38:26.941Z", typ: "bloodpressure", streams: 1},
		{name: "ISO string", body: `{"id": "u1", "timestamp": "2022-02-05T06:38:26.941Z", "type": "weight"}`, user: "u1", at: "2022-02-05T06:38:26.941Z", typ: "weight", streams: 1},
		{name: "ISO with an offset", body: `{"id": "u1", "timestamp": "2022-02-05T00:38:26-06:00"}`, user: "u1", at: "2022-02-05T06:38:26Z", streams: 5},
		{name: "ISO without a zone is UTC", body: `{"id": "u1", "timestamp": "2022-02-05T06:38:26"}`, user: "u1", at: "2022-02-05T06:38:26Z", streams: 5},
		{name: "ms as a string", body: `{"id": "u1", "timestamp": "1644043106941"}`, user: "u1", at: "2022-02-05T06:38:26.941Z", streams: 5},
		{name: "seconds", body: `{"id": "u1", "timestamp": 1644043106}`, user: "u1", at: "2022-02-05T06:38:26Z", streams: 5},
		{name: "type missing: every stream", body: `{"id": "u1", "timestamp": 1644043106941}`, user: "u1", at: "2022-02-05T06:38:26.941Z", streams: 5},
		{name: "unknown type: every stream", body: `{"id": "u1", "timestamp": 1644043106941, "type": "ecg"}`, user: "u1", at: "2022-02-05T06:38:26.941Z", typ: "ecg", streams: 5},
		{name: "no timestamp", body: `{"id": "u1", "type": "activity"}`, user: "u1", typ: "activity", streams: 1},
		{name: "id as a number", body: `{"id": 12345, "timestamp": 1644043106941}`, user: "12345", at: "2022-02-05T06:38:26.941Z", streams: 5},
		{name: "no id", body: `{"timestamp": 1644043106941}`, wantErr: `no "id"`},
		{name: "empty id", body: `{"id": "", "timestamp": 1644043106941}`, wantErr: `no "id"`},
		{name: "id an object", body: `{"id": {"a": 1}}`, wantErr: `no "id"`},
		{name: "bad timestamp", body: `{"id": "u1", "timestamp": "yesterday"}`, wantErr: `"timestamp": "yesterday" is neither`},
		{name: "negative timestamp", body: `{"id": "u1", "timestamp": -5}`, wantErr: `"timestamp"`},
		{name: "1970", body: `{"id": "u1", "timestamp": 1}`, user: "u1", at: "1970-01-01T00:00:01Z", streams: 5},
		{name: "year 9999", body: `{"id": "u1", "timestamp": "9999-12-31T23:59:59Z"}`, user: "u1", at: "9999-12-31T23:59:59Z", streams: 5},
		{name: "last millisecond of 9999", body: `{"id": "u1", "timestamp": 253402300799999}`, user: "u1", at: "9999-12-31T23:59:59.999Z", streams: 5},
		{name: "after 9999", body: `{"id": "u1", "timestamp": 253402300800000}`, wantErr: `"timestamp"`},
		{name: "1e308", body: `{"id": "u1", "timestamp": 1e308}`, wantErr: `"timestamp"`},
		{name: "id of 256 bytes", body: `{"id": "` + strings.Repeat("a", 256) + `"}`, user: strings.Repeat("a", 256), streams: 5},
		{name: "id of 257 bytes", body: `{"id": "` + strings.Repeat("a", 257) + `"}`, wantErr: "not an Omron user id (257 bytes)"},
		{name: "id with a newline", body: `{"id": "u1\nlevel=ERROR msg=forged"}`, wantErr: "not an Omron user id"},
		{name: "a form, not JSON", body: `id=u1&timestamp=1644043106941`, wantErr: "not a JSON object"},
		{name: "an array", body: `[{"id": "u1"}]`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotification([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.UserID != tt.user || n.Type != tt.typ || len(n.Streams()) != tt.streams {
				t.Errorf("got %+v with %d streams", n, len(n.Streams()))
			}
			if tt.at == "" && !n.Time.IsZero() || tt.at != "" && !n.Time.Equal(utc(tt.at)) {
				t.Errorf("time %s, want %q", n.Time, tt.at)
			}
			if !n.Time.IsZero() && n.Time.Location() != time.UTC {
				t.Errorf("time %s is not in UTC", n.Time)
			}
		})
	}
}

func TestNotificationFrom(t *testing.T) {
	// Server time 03:00 UTC on 6 January is still 5 January in Chicago:
	// the fetch starts the day before the notification's date.
	n := Notification{UserID: "u1", Time: utc("2026-01-06T03:00:00Z")}
	if got := n.From(utc("2026-01-06T03:00:05Z")); !got.Equal(utc("2026-01-05T00:00:00Z")) {
		t.Errorf("From = %s, want 2026-01-05", got)
	}
	now := utc("2026-03-10T15:00:00Z")
	if got := (Notification{UserID: "u1"}).From(now); !got.Equal(utc("2026-03-09T00:00:00Z")) {
		t.Errorf("without a timestamp From = %s, want the day before now", got)
	}
	if s := (Notification{Type: "oxygen"}).Streams(); len(s) != 1 || s[0] != providers.Stream("oxygen") {
		t.Errorf("streams %v", s)
	}
}

// TestNotificationFromBounds: From is the day before the notification's
// date, with the date taken no later than now and no earlier than
// LookBack (48 h) before now, at each side of both bounds.
func TestNotificationFromBounds(t *testing.T) {
	now := utc("2026-03-10T15:00:00Z")
	earliest := "2026-03-07" // the day before 2026-03-08, the date 48 h before now
	if got := Earliest(now); !got.Equal(utc(earliest + "T00:00:00Z")) {
		t.Fatalf("Earliest = %s, want %s", got, earliest)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"now", now, "2026-03-09"},
		{"a nanosecond after now counts as now", now.Add(time.Nanosecond), "2026-03-09"},
		{"tomorrow counts as now", now.Add(24 * time.Hour), "2026-03-09"},
		{"year 9999 counts as now", utc("9999-12-31T23:59:59Z"), "2026-03-09"},
		{"no timestamp counts as now", time.Time{}, "2026-03-09"},
		{"midnight today", utc("2026-03-10T00:00:00Z"), "2026-03-09"},
		{"a nanosecond before midnight", utc("2026-03-10T00:00:00Z").Add(-time.Nanosecond), "2026-03-08"},
		{"47 h 59 min before now", now.Add(-48*time.Hour + time.Minute), earliest},
		{"48 h before now", now.Add(-LookBack), earliest},
		{"a nanosecond more", now.Add(-LookBack - time.Nanosecond), earliest},
		{"midnight of that day", utc("2026-03-08T00:00:00Z"), earliest},
		{"a week before", now.Add(-7 * 24 * time.Hour), earliest},
		{"1970", time.Unix(1, 0).UTC(), earliest},
		{"in another zone", time.Date(2026, 3, 9, 23, 30, 0, 0, time.FixedZone("", -6*3600)), "2026-03-09"}, // 05:30 UTC on the 10th
	} {
		got := Notification{UserID: "u1", Time: tc.at}.From(now)
		if !got.Equal(utc(tc.want + "T00:00:00Z")) {
			t.Errorf("%s: From = %s, want %s", tc.name, got, tc.want)
		}
		if got.Before(Earliest(now)) || !got.Before(now) {
			t.Errorf("%s: From = %s is outside [Earliest, now)", tc.name, got)
		}
	}
}

// TestCovered: how far a stored cursor has read its stream, which the
// engine's look-back bound starts from.
func TestCovered(t *testing.T) {
	s := &Source{}
	for _, tc := range []struct {
		cursor string
		want   string // "" for not known
	}{
		{``, ""},
		{`not json`, ""},
		{`{"since":"2024-01-01","last":"2026-03-09","done":true}`, "2026-03-09"},
		{`{"since":"2026-03-08","key":"1643906653000","last":"2026-03-09"}`, "2026-03-09"},
		{`{"since":"2000-01-01","done":true}`, "2000-01-01"}, // a type this user never measured
		{`{"since":"2000-01-01","key":"17"}`, "2000-01-01"},
	} {
		got, ok := s.Covered("bloodpressure", tc.cursor)
		if tc.want == "" {
			if ok {
				t.Errorf("%s: covered %s, want not known", tc.cursor, got)
			}
			continue
		}
		if !ok || !got.Equal(utc(tc.want+"T00:00:00Z")) {
			t.Errorf("%s: covered %s %v, want %s", tc.cursor, got, ok, tc.want)
		}
	}
}

// TestRewindWithinLookBack: a caught-up stream rewound to 48 h before what
// it covered (what the engine passes for a notification from 1970) walks
// from two days before its newest reading: one request, not the history.
func TestRewindWithinLookBack(t *testing.T) {
	s := &Source{}
	cur := `{"since":"2026-03-08","last":"2026-03-09","done":true}`
	covered, _ := s.Covered("weight", cur)
	got := parseCursor(s.Rewind("weight", cur, covered.Add(-48*time.Hour)))
	if got.Since != "2026-03-07" || got.Last != "2026-03-09" || got.Key != "" || got.Done {
		t.Errorf("rewound to %+v, want a walk from 2026-03-07", got)
	}
	if again := s.Rewind("weight", cur, utc("9999-12-31T00:00:00Z")); again != cur {
		t.Errorf("a rewind to the future moved the cursor: %s", again)
	}
}
