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
	if got := n.From(time.Time{}); !got.Equal(utc("2026-01-05T00:00:00Z")) {
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
