package omronsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

func TestEachFault(t *testing.T) {
	t.Parallel()
	q := url.Values{"type": {"weight"}, "since": {"2026-03-01"}}
	tests := []struct {
		fault omronsim.Fault
		check func(t *testing.T, e *env, access string, resp *http.Response, body []byte, err error)
	}{
		{omronsim.FaultRateLimit, func(t *testing.T, _ *env, _ string, resp *http.Response, _ []byte, err error) {
			if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
				t.Errorf("answer %v %v, want 429 with Retry-After: 7", resp, err)
			}
		}},
		{omronsim.FaultServerError, func(t *testing.T, _ *env, _ string, resp *http.Response, _ []byte, err error) {
			if err != nil || resp.StatusCode != 500 {
				t.Errorf("answer %v %v, want 500", resp, err)
			}
		}},
		{omronsim.FaultUnavailable, func(t *testing.T, _ *env, _ string, resp *http.Response, _ []byte, err error) {
			if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
				t.Errorf("answer %v %v, want 503 with Retry-After", resp, err)
			}
		}},
		{omronsim.FaultMalformed, func(t *testing.T, _ *env, _ string, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || json.Valid(body) || !strings.HasPrefix(string(body), `{"status":0,"result":{"weight":[`) {
				t.Errorf("answer %v %q, want 200 with the body cut short", err, body)
			}
		}},
		{omronsim.FaultTimeout, func(t *testing.T, e *env, access string, _ *http.Response, _ []byte, err error) {
			if err == nil {
				t.Error("the answer came before the client's timeout")
			}
			if status, _, _ := e.api(access, q); status != 200 {
				t.Errorf("the next request: %d", status)
			}
		}},
		{omronsim.FaultRevoked, func(t *testing.T, e *env, access string, resp *http.Response, _ []byte, err error) {
			if err != nil || resp.StatusCode != 401 {
				t.Errorf("answer %v %v, want 401", resp, err)
			}
			if status, _, _ := e.api(access, q); status != 401 {
				t.Errorf("the revoked token still works: %d", status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *omronsim.Options) { o.RetryAfter = 7 * time.Second; o.SlowDelay = 5 * time.Second })
			access, _ := e.tokens()
			e.sim.Inject(omronsim.EndpointMeasurement, tt.fault)
			req, _ := http.NewRequest(http.MethodPost, e.base+"/api/measurement", strings.NewReader(q.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+access)
			start := time.Now()
			resp, err := (&http.Client{Timeout: 200 * time.Millisecond}).Do(req)
			var body []byte
			if err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			tt.check(t, e, access, resp, body, err)
			if time.Since(start) > 2*time.Second {
				t.Errorf("the fault took %s", time.Since(start))
			}
		})
	}
	t.Run("token endpoint", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		code := e.code()
		e.sim.Inject(omronsim.EndpointToken, omronsim.FaultUnavailable)
		if status, _, _ := e.token(exchangeForm(code)); status != 503 {
			t.Errorf("injected 503: %d", status)
		}
		if status, _, raw := e.token(exchangeForm(code)); status != 200 {
			t.Errorf("after the fault: %d %s", status, raw)
		}
	})
}

// statuses sends n measurement requests and returns their HTTP statuses.
func statuses(t *testing.T, seed uint64, faults omronsim.Faults, n int) []int {
	e := newEnv(t, func(o *omronsim.Options) { o.Seed = seed; o.Faults = faults })
	access, _ := e.tokens()
	var out []int
	for range n {
		status, _, _ := e.api(access, url.Values{"type": {"oxygen"}, "since": {"2026-03-01"}})
		out = append(out, status)
	}
	return out
}

func TestFaultRatesAreSeeded(t *testing.T) {
	t.Parallel()
	f := omronsim.Faults{omronsim.FaultRateLimit: 0.3, omronsim.FaultServerError: 0.2}
	a, b, c := statuses(t, 42, f, 60), statuses(t, 42, f, 60), statuses(t, 43, f, 60)
	if !slicesEqual(a, b) {
		t.Errorf("the same seed gave\n%v\n%v", a, b)
	}
	if slicesEqual(a, c) {
		t.Error("another seed gave the same faults")
	}
	counts := map[int]int{}
	for _, s := range a {
		counts[s]++
	}
	if counts[429] == 0 || counts[500] == 0 || counts[200] == 0 {
		t.Errorf("statuses %v: want some of each at rates 0.3 and 0.2", counts)
	}
	for _, s := range statuses(t, 1, omronsim.Faults{omronsim.FaultUnavailable: 1}, 10) {
		if s != 503 {
			t.Fatalf("rate 1: %d", s)
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaultValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    omronsim.Faults
		want string
	}{
		{omronsim.Faults{"418": 0.1}, `unknown fault "418"`},
		{omronsim.Faults{omronsim.FaultRateLimit: 1.5}, "not between 0 and 1"},
		{omronsim.Faults{omronsim.FaultRateLimit: -0.1}, "not between 0 and 1"},
		{omronsim.Faults{omronsim.FaultRateLimit: 0.7, omronsim.FaultTimeout: 0.5}, "more than 1"},
		{omronsim.Faults{omronsim.FaultRateLimit: 0.5, omronsim.FaultTimeout: 0.5}, ""},
	}
	e := newEnv(t, nil)
	for _, tt := range tests {
		err := e.sim.SetFaults(tt.f)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%v: %v, want %q", tt.f, err, tt.want)
		}
	}
	if got := (omronsim.Faults{omronsim.FaultTimeout: 0.05, omronsim.FaultRateLimit: 0.2}).String(); got != "429:0.2,timeout:0.05" {
		t.Errorf("String() = %q", got)
	}
}

func TestCountsUnderLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	access, _ := e.tokens()
	var wg gosync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				req, _ := http.NewRequest(http.MethodPost, e.base+"/api/measurement", strings.NewReader("type=oxygen&since=2026-03-01"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Bearer "+access)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]int{omronsim.EndpointAuthorize: 1, omronsim.EndpointToken: 1, omronsim.EndpointMeasurement: 100}
	got := e.sim.Counts()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d requests counted, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("counts %v", got)
	}
}
