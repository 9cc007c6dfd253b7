package oneupsim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure the server can answer a FHIR read with.
type Fault string

const (
	FaultRateLimit    Fault = "429"       // 429 Too Many Requests with Retry-After
	FaultServerError  Fault = "500"       // 500 Internal Server Error
	FaultUnavailable  Fault = "503"       // 503 Service Unavailable with Retry-After
	FaultTimeout      Fault = "timeout"   // no answer until the client gives up (or Hang passes)
	FaultMalformed    Fault = "malformed" // 200 with a truncated JSON body
	FaultUnauthorized Fault = "401"       // 401, as for an access token the server no longer accepts
)

// Faults make FHIR reads fail at random, at the given rates (0 to 1). The
// sequence is drawn from Options.Seed, so a run can be repeated. User
// management, the token endpoint, the system lists and /metadata are not
// affected.
type Faults struct {
	RateLimit    float64
	ServerError  float64
	Unavailable  float64
	Timeout      float64
	Malformed    float64
	Unauthorized float64 // an access token refused, as if revoked
	// RetryAfter is what a 429 or 503 asks the client to wait (1s when 0).
	RetryAfter time.Duration
	// Hang is how long a timeout holds the request (30s when 0).
	Hang time.Duration
}

// Validate names the first rate that is not between 0 and 1, or rates
// that add up to more than 1.
func (f Faults) Validate() error {
	sum := 0.0
	for _, r := range f.rates() {
		if r.rate < 0 || r.rate > 1 {
			return fmt.Errorf("fault %s: rate %g is not between 0 and 1", r.fault, r.rate)
		}
		sum += r.rate
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault rates add up to %g, more than 1", sum)
	}
	return nil
}

type faultRate struct {
	rate  float64
	fault Fault
}

func (f Faults) rates() []faultRate {
	return []faultRate{
		{f.RateLimit, FaultRateLimit},
		{f.ServerError, FaultServerError},
		{f.Unavailable, FaultUnavailable},
		{f.Timeout, FaultTimeout},
		{f.Malformed, FaultMalformed},
		{f.Unauthorized, FaultUnauthorized},
	}
}

// SetFaults changes the fault rates.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	return nil
}

// Inject makes the next FHIR reads fail, one fault each, in order, before
// any random fault.
func (s *Server) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injected = append(s.injected, f...)
}

// pickFault chooses the fault for this request, if any.
func (s *Server) pickFault() (Fault, Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if len(s.injected) > 0 {
		next := s.injected[0]
		s.injected = s.injected[1:]
		return next, f
	}
	x := s.rng.Float64()
	for _, c := range f.rates() {
		if x < c.rate {
			return c.fault, f
		}
		x -= c.rate
	}
	return "", f
}

// fault answers the request with a fault when one is due and reports
// whether it did.
func (s *Server) fault(w http.ResponseWriter, r *http.Request) bool {
	fault, f := s.pickFault()
	retry := f.RetryAfter
	if retry <= 0 {
		retry = time.Second
	}
	retryAfter := strconv.Itoa(int((retry + time.Second - 1) / time.Second))
	switch fault {
	case "":
		return false
	case FaultRateLimit:
		w.Header().Set("Retry-After", retryAfter)
		outcome(w, http.StatusTooManyRequests, "throttled", "too many requests")
	case FaultServerError:
		outcome(w, http.StatusInternalServerError, "exception", "internal error")
	case FaultUnavailable:
		w.Header().Set("Retry-After", retryAfter)
		outcome(w, http.StatusServiceUnavailable, "transient", "service unavailable")
	case FaultUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="1upHealth", error="invalid_token"`)
		outcome(w, http.StatusUnauthorized, "login", "the access token is missing, invalid or expired")
	case FaultTimeout:
		hang := f.Hang
		if hang <= 0 {
			hang = 30 * time.Second
		}
		t := time.NewTimer(hang)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		outcome(w, http.StatusGatewayTimeout, "timeout", "upstream timed out")
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observ`))
	}
	return true
}
