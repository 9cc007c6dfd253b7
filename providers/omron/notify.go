package omron

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

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

// MaxUserID is the longest user id a notification may carry: Omron's are
// UUIDs (36 characters); anything much longer is not from Omron, and would
// only be looked up and logged.
const MaxUserID = 256

// LookBack bounds how far before now a notification may ask for readings:
// a notification only says that something new arrived, so its date is
// taken as no earlier than this before now (a forged or replayed
// "timestamp": 1 asks for the last few days, not for 1970). The sync
// engine bounds it again against what each stream has already read
// (sync.Options.LookBack).
const LookBack = 48 * time.Hour

// maxTimestamp is 9999-12-31T23:59:59.999Z in epoch milliseconds: beyond
// it a number is not a time Go can represent faithfully.
const maxTimestamp = 253402300799999

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
	if len(n.UserID) > MaxUserID || strings.ContainsFunc(n.UserID, unicode.IsControl) {
		return Notification{}, fmt.Errorf(`omron notification: "id" is not an Omron user id (%d bytes)`, len(n.UserID))
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
		if math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 || x > maxTimestamp {
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

// From is the day to fetch the notified streams from (see Source.Rewind):
// the day before the notification's date, since the notification carries
// server time while since filters on the user's local date.
//
// The notification's time is only a hint, and anyone who can reach the
// endpoint can write it: a time that is missing or later than now (a
// wrong clock, a forged year 9999) counts as now, and one more than
// LookBack before now (a forged 1970, a replay) as LookBack before now.
// So From is never before Earliest(now) and never after the day before
// now.
func (n Notification) From(now time.Time) time.Time {
	now = now.UTC()
	t := n.Time.UTC()
	switch {
	case n.Time.IsZero() || t.After(now):
		t = now
	case t.Before(now.Add(-LookBack)):
		t = now.Add(-LookBack)
	}
	return dayBefore(t)
}

// Earliest is the earliest day From returns at now.
func Earliest(now time.Time) time.Time { return dayBefore(now.UTC().Add(-LookBack)) }

// dayBefore is midnight UTC of the day before t's UTC date.
func dayBefore(t time.Time) time.Time { return health.DateOf(t).AddDays(-1).In(time.UTC) }

// Covered is how far a stored cursor has read its stream: the local date
// of the newest reading seen, or, before any reading, the day its walk
// started from; false for a stream never synced. The sync engine
// (providers.Coverage) lets a notification rewind a stream to at most
// sync.Options.LookBack before it, so that no notification, whatever its
// date, costs more than a caught-up fetch.
func (s *Source) Covered(_ providers.Stream, cur string) (time.Time, bool) {
	c := parseCursor(cur)
	if c.Since == "" {
		return time.Time{}, false
	}
	day := c.Since
	if c.Last != "" {
		day = c.Last
	}
	d, err := health.ParseDate(day)
	if err != nil {
		return time.Time{}, false
	}
	return d.In(time.UTC), true
}
