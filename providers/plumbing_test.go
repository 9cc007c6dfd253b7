package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	secretAccess  = "access-TOKEN-d41d8cd9"
	secretRefresh = "refresh-TOKEN-8f00b204"
)

// TestTokenNeverPrintsSecrets: every verb a log line or an error might use.
func TestTokenNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: secretAccess, RefreshToken: secretRefresh, Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{tok, &tok, struct{ T Token }{tok}} {
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
	} {
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", h, got, want)
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
