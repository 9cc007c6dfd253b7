package omronsim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the server can inject.
type Fault string

const (
	// FaultRateLimit answers 429 with Retry-After.
	FaultRateLimit Fault = "429"
	// FaultServerError answers 500.
	FaultServerError Fault = "500"
	// FaultUnavailable answers 503 with Retry-After.
	FaultUnavailable Fault = "503"
	// FaultTimeout holds the answer back for Options.SlowDelay, then
	// answers normally if the client is still there.
	FaultTimeout Fault = "timeout"
	// FaultMalformed answers 200 with the body cut in half.
	FaultMalformed Fault = "malformed"
	// FaultRevoked refuses the access token as revoked (401) and revokes
	// it: the client must refresh.
	FaultRevoked Fault = "revoked"
)

// FaultKinds lists every fault, in the order rates are drawn.
var FaultKinds = []Fault{FaultRateLimit, FaultServerError, FaultUnavailable, FaultTimeout, FaultMalformed, FaultRevoked}

// Faults are injection rates by kind, each in [0, 1], summing to at most 1.
type Faults map[Fault]float64

// Validate names the first kind or rate that is wrong.
func (f Faults) Validate() error {
	sum := 0.0
	for k, r := range f {
		if !slices.Contains(FaultKinds, k) {
			return fmt.Errorf("unknown fault %q (want %s)", k, kindList())
		}
		if r < 0 || r > 1 {
			return fmt.Errorf("fault %s: rate %g is not between 0 and 1", k, r)
		}
		sum += r
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault rates add up to %g, more than 1", sum)
	}
	return nil
}

func kindList() string {
	s := make([]string, len(FaultKinds))
	for i, k := range FaultKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// String writes the rates as KIND:RATE,... in draw order.
func (f Faults) String() string {
	var parts []string
	for _, k := range FaultKinds {
		if r, ok := f[k]; ok {
			parts = append(parts, string(k)+":"+strconv.FormatFloat(r, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// SetFaults replaces the injection rates of the measurement API.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Inject queues faults for the next requests to one endpoint (such as
// EndpointMeasurement or EndpointToken), one request each, before any
// drawn by rate. It makes a test's failure happen exactly where it wants.
func (s *Server) Inject(endpoint string, faults ...Fault) {
	s.mu.Lock()
	s.injected[endpoint] = append(s.injected[endpoint], faults...)
	s.mu.Unlock()
}

// drawFault picks the fault of one request: a queued one, else one drawn
// by rate (measurement API only). Draws come from the seeded generator, so
// the same requests in the same order meet the same faults.
func (s *Server) drawFault(endpoint string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.injected[endpoint]; len(q) > 0 {
		s.injected[endpoint] = q[1:]
		return q[0]
	}
	if endpoint != EndpointMeasurement || len(s.faults) == 0 {
		return ""
	}
	x := s.faultRand.Float64()
	for _, k := range FaultKinds {
		r := s.faults[k]
		if x < r {
			return k
		}
		x -= r
	}
	return ""
}

// transportFault answers the faults that replace an endpoint's answer
// (429, 500, 503), and holds a timeout back. It reports whether the
// request is answered; malformed and revoked are left to the endpoint.
func (s *Server) transportFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	retryAfter := strconv.Itoa(int((s.opt.RetryAfter + time.Second - 1) / time.Second))
	switch f {
	case FaultRateLimit:
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
		return true
	case FaultServerError:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal server error"})
		return true
	case FaultUnavailable:
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "Service Unavailable"})
		return true
	case FaultTimeout:
		// Read the body first: only then does the server notice a client
		// that hangs up, and end the wait with it.
		r.ParseForm()
		t := time.NewTimer(s.opt.SlowDelay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true // the client gave up
		case <-t.C:
		}
	}
	return false
}
