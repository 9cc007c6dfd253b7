package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	secretAccess  = "access-TOKEN-d41d8cd9"
	secretRefresh = "refresh-TOKEN-8f00b204"
)

// TestTokenNeverPrintsSecrets: every verb a log line or an error might use.
func TestTokenNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: secretAccess, RefreshToken: secretRefresh, Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	// %d and %x walk a struct's fields unless the type formats itself.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%10.3v"} {
		for _, v := range []any{tok, &tok, struct{ T Token }{tok}, []Token{tok}, map[string]Token{"k": tok}} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "TOKEN") {
				t.Errorf("%s of %T printed a secret: %s", verb, v, out)
			}
		}
	}
	if got := tok.String(); got != "Token{access:set refresh:set expiry:2026-01-02T03:04:05Z}" {
		t.Errorf("String() = %q", got)
	}
}

// respond serves one canned answer.
func respond(status int, header http.Header, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		is         []error // errors.Is must hold for each
		isNot      []error
		message    string
		retryAfter time.Duration
	}{
		{name: "success", status: 200},
		{name: "no content", status: 204},
		{name: "rate limited, seconds", status: 429, header: http.Header{"Retry-After": {"7"}},
			is: []error{ErrRateLimited}, isNot: []error{ErrTemporary}, message: "omron: fetch: rate limited, retry after 7s", retryAfter: 7 * time.Second},
		{name: "rate limited, no advice", status: 429, is: []error{ErrRateLimited}, message: "omron: fetch: rate limited"},
		{name: "server error", status: 503, is: []error{ErrTemporary}, isNot: []error{ErrUnauthorized, ErrRateLimited}, message: "omron: fetch: HTTP 503"},
		{name: "unauthorized", status: 401, is: []error{ErrUnauthorized}, isNot: []error{ErrTemporary}},
		{name: "vendor reason", status: 400, body: `{"status":1,"errorCode":"E-17","reason":"since is required"}`,
			isNot: []error{ErrTemporary, ErrUnauthorized}, message: "omron: fetch: HTTP 400 (E-17): since is required"},
		{name: "OAuth error", status: 400, body: `{"error":"invalid_grant","error_description":"refresh token expired"}`,
			message: "omron: fetch: HTTP 400 (invalid_grant): refresh token expired"},
		{name: "bidi and escapes in a vendor's reason are shown, not obeyed", status: 400,
			body:    `{"error":"invalid_grant","error_description":"token \u202eexpired\u001b[2J"}`,
			message: `omron: fetch: HTTP 400 (invalid_grant): token \u202eexpired\x1b[2J`},
		{name: "body not JSON is not quoted", status: 500, body: "<html>" + secretAccess + "</html>", is: []error{ErrTemporary}, message: "omron: fetch: HTTP 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := respond(tc.status, tc.header, tc.body)
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			err = Classify("omron: fetch", resp, err)
			if tc.status < 300 {
				if err != nil {
					t.Fatalf("HTTP %d: %v", tc.status, err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				t.Fatalf("HTTP %d: no error", tc.status)
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("%v is not %v", err, target)
				}
			}
			for _, target := range tc.isNot {
				if errors.Is(err, target) {
					t.Errorf("%v is %v", err, target)
				}
			}
			if tc.message != "" && err.Error() != tc.message {
				t.Errorf("message %q, want %q", err, tc.message)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) && rl.RetryAfter != tc.retryAfter {
				t.Errorf("retry after %s, want %s", rl.RetryAfter, tc.retryAfter)
			}
		})
	}
}

// TestClassifyKeepsURLsOut: a transport error names no URL, whose query
// may hold a token (1upHealth's connect links carry one).
func TestClassifyKeepsURLsOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	url := srv.URL + "/connect?access_token=" + secretAccess
	srv.Close() // nothing listens any more: the request fails in transport
	resp, err := http.Get(url)
	err = Classify("oneup: connect", resp, err)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "TOKEN") || strings.Contains(err.Error(), "access_token") {
		t.Errorf("error shows the URL: %v", err)
	}
	if !errors.Is(err, ErrTemporary) || !strings.HasPrefix(err.Error(), "oneup: connect: ") {
		t.Errorf("error %q: want a temporary failure named by its operation", err)
	}
}

// TestClassifyTransportErrors: failures of the network are worth another
// try; a URL the configuration got wrong is not, and says so.
func TestClassifyTransportErrors(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close) // the subtests run after this function returns
	for _, tc := range []struct {
		name      string
		do        func() (*http.Response, error)
		temporary bool
		message   string
	}{
		{"client timeout", func() (*http.Response, error) {
			return (&http.Client{Timeout: 20 * time.Millisecond}).Get(slow.URL + "?access_token=" + secretAccess)
		}, true, "request timed out"},
		{"another scheme", func() (*http.Response, error) { return http.Get("ftp://127.0.0.1:1/x?access_token=" + secretAccess) }, false, "unsupported protocol scheme"},
		{"not a URL", func() (*http.Response, error) { return http.Get("http://[::1/x?access_token=" + secretAccess) }, false, "missing ']' in host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := tc.do()
			err = Classify("omron: fetch", resp, err)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrTemporary) != tc.temporary {
				t.Errorf("%v: temporary %v, want %v", err, !tc.temporary, tc.temporary)
			}
			if !strings.HasPrefix(err.Error(), "omron: fetch: ") || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q, want one naming the operation and %q", err, tc.message)
			}
			if strings.Contains(err.Error(), "TOKEN") {
				t.Errorf("error shows the URL: %v", err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"soon":                          0,
		"Sun, 01 Mar 2026 12:00:30 GMT": 30 * time.Second,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0, // in the past
		// Beyond time.Duration: capped, never wrapped round to a short
		// or negative wait.
		"99999999999":                   maxRetryAfter,
		"9223372036854775807":           maxRetryAfter,
		"Sun, 01 Mar 2226 12:00:00 GMT": maxRetryAfter,
		"86400":                         24 * time.Hour,
	} {
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", h, got, want)
		}
	}
}

func TestTokenText(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"eyJraWQiOiJX.eyJzdWIi.VK9Rv3LL-_": true, // the guide's JWTs
		"3f9a0c1e5b2d48e6a0f1c3b5d7e9a2b4": true, // 1upHealth's hex
		"a b~!":                            true,
		"":                                 false,
		"a\r\nb":                           false, // would split a header
		"\xb0":                             false, // not UTF-8: JSON would save another token
		"tök":                              false,
	} {
		if got := TokenText(s); got != want {
			t.Errorf("TokenText(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestVendorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"invalid_grant", 20, "invalid_grant"},
		{"invalid_grant", 7, "invalid…"},
		{"température", 4, "temp…"},
		{"température", 5, "temp…"}, // byte 5 is inside "é": cut before it
		{"température", 6, "tempé…"},
		{"日本語", 4, "日…"},
		{"日本語", 2, "…"},
	} {
		got := VendorText(tc.s, tc.n)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("VendorText(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestExpiryIn(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		secs float64
		want time.Time // zero: no expiry
	}{
		{3600, time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)},   // the Omron guide's expiresIn
		{3599, time.Date(2026, 3, 1, 12, 59, 59, 0, time.UTC)}, // 1upHealth's
		{7200, time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)},   // 1upHealth's
		{0.5, time.Date(2026, 3, 1, 12, 0, 0, 5e8, time.UTC)},  // a fraction is kept
		{86400 * 365, time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)},
		{0, time.Time{}},
		{-60, time.Time{}},
		{math.NaN(), time.Time{}},
		{math.Inf(1), time.Time{}},
		{1e300, time.Time{}}, // would wrap time.Duration into the past
		{1e10, time.Time{}},  // three centuries: not believable
	} {
		if got := ExpiryIn(now, tc.secs); !got.Equal(tc.want) {
			t.Errorf("ExpiryIn(%g) = %s, want %s", tc.secs, got, tc.want)
		}
	}
}

func TestDecodeJSONMalformedIsTemporary(t *testing.T) {
	t.Parallel()
	var v struct{ A int }
	if err := DecodeJSON("omron: fetch", strings.NewReader(`{"A":`), &v); !errors.Is(err, ErrTemporary) {
		t.Errorf("truncated body: %v, want a temporary failure", err)
	}
	if err := DecodeJSON("omron: fetch", strings.NewReader(`{"A":3}`), &v); err != nil || v.A != 3 {
		t.Errorf("good body: %v, %+v", err, v)
	}
	// A runaway body is refused after MaxBody bytes, whatever follows.
	huge := io.MultiReader(strings.NewReader(`{"A":`), strings.NewReader(strings.Repeat(" ", MaxBody)), strings.NewReader(`4}`))
	err := DecodeJSON("omron: fetch", huge, &v)
	if err == nil || !strings.Contains(err.Error(), "omron: fetch: the answer is larger than 32 MiB") || errors.Is(err, ErrTemporary) {
		t.Errorf("a body over MaxBody: %v, want a permanent refusal", err)
	}
	exact := io.MultiReader(strings.NewReader(`{"A":5`), strings.NewReader(strings.Repeat(" ", MaxBody-len(`{"A":5}`))), strings.NewReader(`}`))
	if err := DecodeJSON("omron: fetch", exact, &v); err != nil || v.A != 5 {
		t.Errorf("a body of exactly MaxBody bytes: %v, %+v", err, v)
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	fast := RetryPolicy{Initial: time.Millisecond, Max: 2 * time.Millisecond, Tries: 4, MaxRateWait: time.Second}
	permanent := errors.New("bad request")
	for _, tc := range []struct {
		name     string
		errs     []error // what each attempt returns; nil is success
		attempts int
		want     error
		waits    int
	}{
		{"success at once", []error{nil}, 1, nil, 0},
		{"temporary twice", []error{Temporary(errors.New("503")), Temporary(errors.New("503")), nil}, 3, nil, 2},
		{"permanent stops", []error{permanent, nil}, 1, permanent, 0},
		{"tries run out", []error{Temporary(errors.New("a")), Temporary(errors.New("b")), Temporary(errors.New("c")), Temporary(errors.New("d")), nil}, 4, ErrTemporary, 3},
		{"short rate limit is waited", []error{&RateLimitError{Op: "x", RetryAfter: time.Millisecond}, nil}, 2, nil, 1},
		{"long rate limit ends the round", []error{&RateLimitError{Op: "x", RetryAfter: time.Hour}, nil}, 1, ErrRateLimited, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			attempts, waits := 0, 0
			v, err := Retry(context.Background(), fast, func(context.Context) (int, error) {
				err := tc.errs[attempts]
				attempts++
				return attempts, err
			}, func(w Wait) {
				waits++
				if w.Attempt != waits || w.Err == nil {
					t.Errorf("wait %d: %+v", waits, w)
				}
			})
			if attempts != tc.attempts || waits != tc.waits {
				t.Errorf("%d attempts and %d waits, want %d and %d", attempts, waits, tc.attempts, tc.waits)
			}
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if err == nil && v != tc.attempts {
				t.Errorf("value %d, want the last attempt's %d", v, tc.attempts)
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	p := RetryPolicy{Initial: time.Hour, Max: time.Hour, Tries: 5, MaxRateWait: time.Hour}
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	_, err := Retry(ctx, p, func(context.Context) (int, error) { return 0, Temporary(errors.New("503")) }, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// memStore is a SecretStore in memory that counts saves.
type memStore struct {
	mu    gosync.Mutex
	data  []byte
	saves int
}

func (m *memStore) LoadSecret(context.Context, int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.data...), nil
}

func (m *memStore) SaveSecret(_ context.Context, _ int64, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data, m.saves = append([]byte(nil), b...), m.saves+1
	return nil
}

// TestCredentialsRefreshOnceAndSaveRotation: many callers with an expired
// token cause one refresh; the rotated refresh token is saved at once.
func TestCredentialsRefreshOnceAndSaveRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &memStore{}
	var refreshes atomic.Int32
	c := NewCredentials(st, 1, func(_ context.Context, rt string) (Token, error) {
		refreshes.Add(1)
		if rt != "r1" {
			return Token{}, fmt.Errorf("refresh with %q: %w", rt, ErrNeedsRelink)
		}
		time.Sleep(5 * time.Millisecond) // let the other callers queue up
		return Token{AccessToken: "a2", RefreshToken: "r2", Expiry: time.Now().Add(time.Hour)}, nil
	})
	if err := c.Save(ctx, Token{AccessToken: "a1", RefreshToken: "r1", Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tok, err := c.Token(ctx)
			if err != nil || tok.AccessToken != "a2" {
				t.Errorf("token %v, %v", tok, err)
			}
		})
	}
	wg.Wait()
	if n := refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if !strings.Contains(string(st.data), `"refresh_token":"r2"`) {
		t.Errorf("stored %s, want the rotated refresh token", st.data)
	}
	// A token about to expire (inside the leeway) is refreshed too; the
	// refresh token r2 is unknown to this provider, so linking is needed.
	c.Save(ctx, Token{AccessToken: "a3", RefreshToken: "r2", Expiry: time.Now().Add(30 * time.Second)})
	if _, err := c.Token(ctx); !errors.Is(err, ErrNeedsRelink) {
		t.Errorf("refused refresh: %v, want ErrNeedsRelink", err)
	}
}

// TestCredentialsDo: a 401 refreshes once and retries; a second 401
// means the account must be linked again.
func TestCredentialsDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		accepted string // the access token the API takes
		want     error
		requests int32
	}{
		{"fresh token works", "a1", nil, 1},
		{"refused, refreshed, works", "a2", nil, 2},
		{"refused twice", "nothing", ErrNeedsRelink, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if r.Header.Get("Authorization") != "Bearer "+tc.accepted {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				io.WriteString(w, "ok")
			}))
			defer srv.Close()
			c := NewCredentials(&memStore{}, 1, func(context.Context, string) (Token, error) {
				return Token{AccessToken: "a2", RefreshToken: "r2", Expiry: time.Now().Add(time.Hour)}, nil
			})
			c.Save(ctx, Token{AccessToken: "a1", RefreshToken: "r1", Expiry: time.Now().Add(time.Hour)})
			resp, err := c.Do(ctx, srv.Client(), "api: get", func(ctx context.Context, access string) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				if err == nil {
					req.Header.Set("Authorization", "Bearer "+access)
				}
				return req, err
			})
			if resp != nil {
				resp.Body.Close()
			}
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if n := requests.Load(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestRefreshRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"400 invalid_grant", &StatusError{StatusCode: 400, Code: "invalid_grant"}, true},
		{"wrapped", fmt.Errorf("oneup: refresh: %w", &StatusError{StatusCode: 400, Code: "invalid_grant"}), true},
		{"401", &StatusError{StatusCode: 401}, true},
		{"401 invalid_client: the configuration", &StatusError{StatusCode: 401, Code: "invalid_client"}, false},
		{"400 invalid_client", &StatusError{StatusCode: 400, Code: "invalid_client"}, false},
		{"400 invalid_request: our request", &StatusError{StatusCode: 400, Code: "invalid_request"}, false},
		{"500", &StatusError{StatusCode: 500}, false},
		{"rate limited", &RateLimitError{Op: "x"}, false},
		{"transport", Temporary(errors.New("connection reset")), false},
		{"nil", nil, false},
	} {
		if got := RefreshRefused(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNewHTTPClient: a bounded wait, a pool for concurrent workers, and
// http.DefaultTransport left as it was.
func TestNewHTTPClient(t *testing.T) {
	t.Parallel()
	before := http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost
	hc := NewHTTPClient(7 * time.Second)
	if hc.Timeout != 7*time.Second {
		t.Errorf("timeout %s, want 7s", hc.Timeout)
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport {
		t.Fatalf("transport %T: want a copy of http.DefaultTransport", hc.Transport)
	}
	if tr.MaxIdleConnsPerHost != MaxIdleConnsPerHost {
		t.Errorf("MaxIdleConnsPerHost %d, want %d", tr.MaxIdleConnsPerHost, MaxIdleConnsPerHost)
	}
	if tr.Proxy == nil {
		t.Error("the copy lost http.DefaultTransport's proxy from the environment")
	}
	if after := http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost; after != before {
		t.Errorf("http.DefaultTransport changed: MaxIdleConnsPerHost %d, was %d", after, before)
	}
}

// rotatingProvider is a token endpoint that rotates strictly: it takes
// only its current refresh token, and a refresh spends it.
type rotatingProvider struct {
	mu        gosync.Mutex
	current   string // the refresh token it takes
	n         int    // rotations so far
	presented []string
	down      bool // answer with a dropped connection
}

func (p *rotatingProvider) refresh(_ context.Context, rt string) (Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.presented = append(p.presented, rt)
	if p.down {
		return Token{}, Temporary(errors.New("connection reset"))
	}
	if rt != p.current {
		return Token{}, fmt.Errorf("HTTP 400 invalid_grant: %w", ErrNeedsRelink)
	}
	p.n++
	p.current = fmt.Sprintf("r%d", p.n+1)
	return Token{AccessToken: fmt.Sprintf("a%d", p.n+1), RefreshToken: p.current, Expiry: time.Now().Add(time.Hour)}, nil
}

// TestCredentialsLostRefresh: a refresh token is marked as sent before it
// goes out, so that a process killed between the provider's rotation and
// the save leaves a trace. A token whose sender stopped mid-refresh is
// never sent again (a rotated token is spent once): the account must be
// linked again, and the error says why. A token whose sender saw the
// refresh fail without an answer is sent once more: if it never arrived,
// that keeps the grant.
func TestCredentialsLostRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sent := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	expired := Token{AccessToken: "a1", RefreshToken: "r1", Expiry: time.Now().Add(-time.Minute)}
	stopped := expired // as a process killed mid-refresh leaves it
	stopped.RefreshSent = sent
	unanswered := stopped // as a refresh that timed out leaves it
	unanswered.RefreshUnanswered = true
	for _, tc := range []struct {
		name       string
		stored     Token
		current    string // the refresh token the provider takes
		down       bool
		presented  []string
		wantToken  string // "" for a failure
		wantLost   bool
		wantMarked bool // the stored token is still marked as sent
	}{
		{"sender stopped mid-refresh", stopped, "r2", false, nil, "", true, true},
		{"sender stopped before the request left", stopped, "r1", false, nil, "", true, true},
		{"unanswered, never arrived", unanswered, "r1", false, []string{"r1"}, "a2", false, false},
		{"unanswered, rotated", unanswered, "r2", false, []string{"r1"}, "", true, false},
		{"refused with no refresh in flight", expired, "r9", false, []string{"r1"}, "", false, false},
		{"no answer keeps the mark", expired, "r1", true, []string{"r1"}, "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &memStore{}
			p := &rotatingProvider{current: tc.current, down: tc.down}
			c := NewCredentials(st, 1, p.refresh)
			if err := c.Save(ctx, tc.stored); err != nil {
				t.Fatal(err)
			}
			tok, err := c.Token(ctx)
			if tok.AccessToken != tc.wantToken || (tc.wantToken == "") != (err != nil) {
				t.Fatalf("token %v, %v; want access token %q", tok, err, tc.wantToken)
			}
			if lost := errors.Is(err, ErrRefreshLost); lost != tc.wantLost || lost && (!errors.Is(err, ErrNeedsRelink) || !strings.Contains(err.Error(), "2026-03-01T08:00:00Z")) {
				t.Errorf("error %v: lost %v, want %v, with ErrNeedsRelink and the time it was sent", err, lost, tc.wantLost)
			}
			if !slices.Equal(p.presented, tc.presented) {
				t.Errorf("presented %q, want %q", p.presented, tc.presented)
			}
			got, err := c.load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if marked := !got.RefreshSent.IsZero(); marked != tc.wantMarked {
				t.Errorf("stored %s: marked %v, want %v", st.data, marked, tc.wantMarked)
			}
			if tc.down && !got.RefreshUnanswered {
				t.Errorf("stored %s: a refresh with no answer not noted as such", st.data)
			}
			if tc.wantToken != "" && got.RefreshToken != "r2" {
				t.Errorf("stored %s, want the rotated refresh token r2", st.data)
			}
			if tc.wantToken == "" && (got.AccessToken != "a1" || got.RefreshToken != "r1") {
				t.Errorf("a failed refresh stored %s", st.data)
			}
		})
	}
}

// TestCredentialsRefreshOutlivesCaller: a caller that gives up while its
// refresh is under way (a SIGTERM drain) does not lose the rotated token:
// the refresh and its save run to the end. A caller that gave up before
// sends nothing.
func TestCredentialsRefreshOutlivesCaller(t *testing.T) {
	t.Parallel()
	st := &memStore{}
	ctx, cancel := context.WithCancel(context.Background())
	p := &rotatingProvider{current: "r1"}
	c := NewCredentials(st, 1, func(rctx context.Context, rt string) (Token, error) {
		cancel() // the caller gives up with the request on the wire
		if err := rctx.Err(); err != nil {
			return Token{}, err
		}
		return p.refresh(rctx, rt)
	})
	if err := c.Save(context.Background(), Token{AccessToken: "a0", RefreshToken: "r1", Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(ctx); err != nil {
		t.Fatalf("a refresh the caller left: %v", err)
	}
	got, _ := c.load(context.Background())
	if got.RefreshToken != "r2" || !got.RefreshSent.IsZero() {
		t.Errorf("stored %s, want the rotated refresh token r2 with no mark", st.data)
	}

	c.Save(context.Background(), Token{AccessToken: "a0", RefreshToken: "r2", Expiry: time.Now().Add(-time.Minute)})
	if _, err := c.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a caller that had given up: %v, want context.Canceled", err)
	}
	if len(p.presented) != 1 {
		t.Errorf("presented %q, want one refresh", p.presented)
	}
}
