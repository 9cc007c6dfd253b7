package omron

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"vitals/health"
	"vitals/providers"
)

// Notification is what Omron POSTs to the partner's notification URI when
// a user uploads readings: raw JSON (not a form),
//
//	{"id": "<Omron user id>", "timestamp": 1644043106941, "type": "bloodpressure"}
//
// where timestamp is epoch milliseconds or an ISO 8601 string and type may
// be absent. Answer it with a plain 200, quickly.
type Notification struct {
	UserID string    // the id_token sub of the account (store.Account.ExternalID)
	Time   time.Time // when Omron sent it (server time, UTC); zero if it did not say
	Type   string    // the measurement type as sent; "" when absent
}

// ParseNotification reads a notification body.
func ParseNotification(body []byte) (Notification, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return Notification{}, errors.New("omron notification: the body is not a JSON object")
	}
	f := &fields{m: m}
	var n Notification
	if _, v, ok := f.get("id"); ok && v[0] != '{' && v[0] != '[' {
		n.UserID = f.str("id")
	}
	if n.UserID == "" {
		return Notification{}, errors.New(`omron notification: no "id" (the Omron user id)`)
	}
	n.Type = f.str("type")
	if f.err != nil {
		return Notification{}, fmt.Errorf("omron notification: %w", f.err)
	}
	if _, v, ok := f.get("timestamp"); ok {
		t, err := parseTimestamp(v)
		if err != nil {
			return Notification{}, fmt.Errorf("omron notification: field \"timestamp\": %w", err)
		}
		n.Time = t
	}
	return n, nil
}

// parseTimestamp reads epoch milliseconds (a number or a numeric string;
// values too small to be milliseconds since 2001 are read as seconds) or
// an ISO 8601 time (UTC when it names no zone).
func parseTimestamp(v json.RawMessage) (time.Time, error) {
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return time.Time{}, errors.New("want epoch milliseconds or an ISO 8601 time")
		}
		s = strings.TrimSpace(s)
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
			return time.Time{}, errors.New("want epoch milliseconds or an ISO 8601 time")
		}
		if x < 1e12 { // seconds: 1e12 ms is September 2001
			return time.Unix(0, int64(x*1e9)).UTC(), nil
		}
		return time.UnixMilli(int64(x)).UTC(), nil
	}
	if t, zoned, err := parseWall(s); err == nil {
		if zoned {
			return t.UTC(), nil
		}
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05Z0700", s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s is neither epoch milliseconds nor an ISO 8601 time", providers.VendorText(strconv.Quote(s), 40))
}

// Streams are the streams the notification concerns: its type's, or every
// type when it names none or one vitals does not know.
func (n Notification) Streams() []providers.Stream {
	if t, ok := ParseType(n.Type); ok {
		return []providers.Stream{providers.Stream(t)}
	}
	return Streams()
}

// From is the time to rewind the streams to (see Source.Rewind): the day
// before the notification's date, since the notification carries server
// time while since filters on the user's local date. now stands in for a
// notification without a timestamp.
func (n Notification) From(now time.Time) time.Time {
	t := n.Time
	if t.IsZero() {
		t = now.UTC()
	}
	return health.DateOf(t.UTC()).AddDays(-1).In(time.UTC)
}
