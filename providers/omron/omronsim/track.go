package omronsim

import (
	"maps"
	"net/http"
	"strings"
	"time"
)

// RefreshReuse is a refresh token presented again after it was rotated
// away: by a client that lost the answer to its refresh, or by two
// processes sharing an account that raced to refresh it. The server
// refuses such a token, as rotation asks; the event is recorded so that a
// test can prove it never happened, whatever the client made of the
// refusal.
type RefreshReuse struct {
	User      string    `json:"user"`       // the Omron user id of the token's grant
	At        time.Time `json:"at"`         // when it was presented again
	RotatedAt time.Time `json:"rotated_at"` // when it was first used
	Refused   bool      `json:"refused"`
	Remote    string    `json:"remote"` // the caller's address
}

// ReuseReport is every refresh-token reuse since the server started:
// Total and ByUser count them all, Events keeps the first
// MaxReuseEvents.
type ReuseReport struct {
	Total  int            `json:"total"`
	ByUser map[string]int `json:"by_user"`
	Events []RefreshReuse `json:"events"`
	// Rotations counts the refresh tokens accepted and rotated: with
	// Total at 0, how many refreshes went right.
	Rotations int `json:"rotations"`
}

// MaxReuseEvents bounds the events a server keeps: a client that retries
// a rotated token in a loop must not grow the server without end.
const MaxReuseEvents = 10000

type reuseLog struct {
	total     int
	byUser    map[string]int
	events    []RefreshReuse
	rotations int // refresh tokens accepted
}

func newReuseLog() reuseLog { return reuseLog{byUser: map[string]int{}} }

func (l *reuseLog) add(e RefreshReuse) {
	l.total++
	l.byUser[e.User]++
	if len(l.events) < MaxReuseEvents {
		l.events = append(l.events, e)
	}
}

// RefreshReuses reports the refresh tokens presented after their
// rotation.
func (s *Server) RefreshReuses() ReuseReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ReuseReport{Total: s.reuse.total, ByUser: maps.Clone(s.reuse.byUser), Events: append([]RefreshReuse{}, s.reuse.events...), Rotations: s.reuse.rotations}
}

// DataUser returns the Omron user a measurement request acts for, from
// its bearer token. A token the server issued names its user even once it
// has expired or been revoked: the request was still made for that
// account. It reads only the method, path and headers, so a handler
// wrapping the server can call it before the request is served (the
// sandbox does, to find requests of one account that overlap in time).
func (s *Server) DataUser(r *http.Request) (string, bool) {
	if r.Method+" "+r.URL.Path != EndpointMeasurement {
		return "", false
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	s.mu.Lock()
	t, ok := s.access[strings.TrimSpace(tok)]
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	return t.grant.patient.ID, true
}
