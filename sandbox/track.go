package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	gosync "sync"
	"time"
)

// Request is one data request, as the sandbox saw it.
//
// A data request reads an account's readings: Omron's
// POST /api/measurement and 1upHealth's FHIR reads (GET /r4/... and
// /fhir/r4/..., /metadata aside). It belongs to the account its bearer
// token was issued for (an Omron user id; a 1upHealth oneup_user_id),
// whether or not the server accepts the token any longer; a request whose
// token the server never issued belongs to no account. Sign-in, token and
// user-management requests are not data requests (refresh races are
// RefreshReuse's).
//
// A data request lasts from when the sandbox receives it until its answer
// is written: the latency and a held "timeout" fault are inside it, and so
// is a held answer whose client has gone, until the server notices.
//
// Two data requests of one account overlap when the second begins before
// the first has ended. A sync engine that fetches each account from one
// worker at a time never causes one.
type Request struct {
	Endpoint string    `json:"endpoint"` // such as "POST /omron/api/measurement"
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`    // zero while it is in flight
	Remote   string    `json:"remote"` // the caller's address
	// Token is a fingerprint of the bearer token (the first 8 hex digits
	// of its SHA-256), to tell callers apart without keeping the token.
	Token string `json:"token"`
}

// Overlap is two data requests of one account in flight at once.
type Overlap struct {
	Provider string  `json:"provider"` // "omron" or "oneup"
	Account  string  `json:"account"`  // the Omron user id, or the oneup_user_id
	First    Request `json:"first"`    // began first
	Second   Request `json:"second"`   // began while First was in flight
}

// OverlapReport is every overlap since the sandbox started: Total and
// Accounts (by provider, then account) count them all; Events keeps the
// first MaxEvents.
type OverlapReport struct {
	Total    int                       `json:"total"`
	Accounts map[string]map[string]int `json:"accounts"`
	Events   []Overlap                 `json:"events"`
}

// RefreshReuse is a refresh token presented after it was rotated away,
// as the vendor's server recorded it.
type RefreshReuse struct {
	Provider  string    `json:"provider"`
	Account   string    `json:"account"`
	At        time.Time `json:"at"`
	RotatedAt time.Time `json:"rotated_at"`
	Refused   bool      `json:"refused"`
	Remote    string    `json:"remote"`
}

// ReuseReport is every refresh-token reuse since the sandbox started:
// Total and Accounts count them all; Events keeps the first the servers
// kept.
type ReuseReport struct {
	Total    int                       `json:"total"`
	Accounts map[string]map[string]int `json:"accounts"`
	Events   []RefreshReuse            `json:"events"`
	// OmronRotations counts the refresh tokens Omron's server accepted
	// and rotated: the refreshes that went right beside Total.
	OmronRotations int `json:"omron_rotations"`
}

// MaxEvents bounds the overlaps the sandbox keeps in detail: a client
// that fetches one account from many goroutines must not grow it without
// end. The counts stay exact.
const MaxEvents = 10000

type accountKey struct{ provider, account string }

// tracker finds data requests of one account that overlap in time. Its
// cost per request does not grow with the number of accounts: one map
// entry per account with a request in flight.
type tracker struct {
	now func() time.Time

	mu       gosync.Mutex
	inFlight map[accountKey][]*Request
	total    int
	counts   map[accountKey]int
	events   []overlapEvent
}

type overlapEvent struct {
	key           accountKey
	first, second *Request // End is set when each ends: read under mu
}

func newTracker(now func() time.Time) *tracker {
	return &tracker{now: now, inFlight: map[accountKey][]*Request{}, counts: map[accountKey]int{}}
}

// begin records a data request's start and returns the func that records
// its end.
func (t *tracker) begin(key accountKey, r Request) func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.Start = t.now()
	req := &r
	for _, other := range t.inFlight[key] {
		t.total++
		t.counts[key]++
		if len(t.events) < MaxEvents {
			t.events = append(t.events, overlapEvent{key: key, first: other, second: req})
		}
	}
	t.inFlight[key] = append(t.inFlight[key], req)
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		req.End = t.now()
		list := slices.DeleteFunc(t.inFlight[key], func(x *Request) bool { return x == req })
		if len(list) == 0 {
			delete(t.inFlight, key) // the map holds accounts in flight, not every account
			return
		}
		t.inFlight[key] = list
	}
}

func (t *tracker) report() OverlapReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := OverlapReport{Total: t.total, Accounts: map[string]map[string]int{}, Events: make([]Overlap, 0, len(t.events))}
	for k, n := range t.counts {
		if out.Accounts[k.provider] == nil {
			out.Accounts[k.provider] = map[string]int{}
		}
		out.Accounts[k.provider][k.account] = n
	}
	for _, e := range t.events {
		out.Events = append(out.Events, Overlap{Provider: e.key.provider, Account: e.key.account, First: *e.first, Second: *e.second})
	}
	return out
}

// tokenPrint is the fingerprint of a request's bearer token ("" without one).
func tokenPrint(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return hex.EncodeToString(sum[:4])
}

// maxVendorBody bounds a vendor request's body held during the latency:
// more than either server reads (1 MiB forms).
const maxVendorBody = 4 << 20

// vendor wraps a vendor's server: it tracks its data requests and holds
// every request for the latency first. A request whose client gives up
// during the wait is not served.
func (s *Sandbox) vendor(svc service, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if account, ok := svc.account(r); ok {
			done := s.tracker.begin(accountKey{svc.name, account}, Request{
				Endpoint: r.Method + " " + svc.prefix + r.URL.Path,
				Remote:   r.RemoteAddr,
				Token:    tokenPrint(r),
			})
			defer done()
		}
		if s.latency > 0 {
			// The server notices a client that hangs up only once the
			// request's body has been read: read it before the wait, and
			// serve it from memory.
			if r.Body != nil && r.Body != http.NoBody {
				body, err := io.ReadAll(io.LimitReader(r.Body, maxVendorBody))
				if err != nil {
					return // the client has gone
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			t := time.NewTimer(s.latency)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
			// A select with both ready picks either: a request given up
			// just as its wait ended is not served either.
			if r.Context().Err() != nil {
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
