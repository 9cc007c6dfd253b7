package oneup

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"

	"golang.org/x/time/rate"

	"vitals/fhir"
	"vitals/providers"
	"vitals/providers/oneup/oneupsim"
	"vitals/store"
)

// memSecrets is a SecretStore in memory.
type memSecrets struct {
	mu   gosync.Mutex
	data []byte
}

func (m *memSecrets) LoadSecret(context.Context, int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.data), nil
}

func (m *memSecrets) SaveSecret(_ context.Context, _ int64, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = bytes.Clone(b)
	return nil
}

func (m *memSecrets) stored() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.data)
}

func secretsWith(tb testing.TB, t providers.Token) *memSecrets {
	tb.Helper()
	b, err := json.Marshal(t)
	if err != nil {
		tb.Fatal(err)
	}
	return &memSecrets{data: b}
}

// exchange is one request to a local 1upHealth and its answer.
type exchange struct {
	method, path string
	cursor       string // for a FHIR search: the cursor it was made from
	stream       int    // for a FHIR search: its index in searches()
	status       int
	date         string // the Date header
	body         string
}

// capture is what the fuzz targets seed from: the answers of a local
// 1upHealth to the real client, with the server's address written as
// $HOST so that a seed can be served from any address.
type capture struct {
	host      string
	exchanges []exchange
}

func (c capture) of(method, prefix string) []exchange {
	var out []exchange
	for _, e := range c.exchanges {
		if e.method == method && strings.HasPrefix(e.path, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// simCapture links a person at a local 1upHealth with the real client
// (user created, created again, looked up; code exchanged, token
// refreshed, a rotated refresh token refused), connects a device and a
// health system for every stream, and walks each stream's first pages.
// Searchset bundles keep their first entry: a seed of a hundred
// resources makes every execution slower, and the fuzzer's minimizing of
// each new input (up to a minute) longer, without finding more.
func simCapture(tb testing.TB) capture {
	tb.Helper()
	const appUser = "fuzz-profile-uid"
	sim := oneupsim.New(oneupsim.Options{ClientID: "c", ClientSecret: "s", Seed: 5})
	var (
		mu   gosync.Mutex
		got  capture
		curs struct {
			cursor string
			stream int
		}
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		body := rec.Body.String()
		date := rec.Header().Get("Date")
		mu.Lock()
		e := exchange{method: r.Method, path: r.URL.Path, status: rec.Code, date: date, body: body, cursor: curs.cursor, stream: curs.stream}
		if strings.HasPrefix(r.URL.Path, "/r4/") {
			e.body = trimBundle(tb, body)
		}
		got.exchanges = append(got.exchanges, e)
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write([]byte(body))
	}))
	defer ts.Close()
	cfg := Config{ClientID: "c", ClientSecret: "s", APIURL: ts.URL, FHIRURL: ts.URL + "/r4", TokenURL: ts.URL + "/oauth2/token"}
	ctx := context.Background()
	c := New(cfg, ts.Client(), WithUserLimit(rate.NewLimiter(rate.Inf, 1)))
	if _, _, err := c.EnsureUser(ctx, appUser); err != nil {
		tb.Fatal(err)
	}
	_, code, err := c.EnsureUser(ctx, appUser) // exists: a new code
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.LookupUser(ctx, "nobody"); err == nil {
		tb.Fatal("a user nobody created was found")
	}
	first, err := c.Exchange(ctx, code)
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := c.Refresh(ctx, first.RefreshToken)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Refresh(ctx, first.RefreshToken); err == nil {
		tb.Fatal("a rotated refresh token was taken")
	}
	for _, sys := range []int{oneupsim.Withings, oneupsim.EpicTestSite, oneupsim.Fitbit, oneupsim.Garmin, oneupsim.Kinsa} {
		if err := sim.ConnectSystem(appUser, sys); err != nil {
			tb.Fatal(err)
		}
	}
	src, err := c.Source(secretsWith(tb, tok), store.Account{ID: 1, ProfileID: 1, Provider: store.ProviderOneUp}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i, sr := range searches() {
		cur := ""
		for range 3 {
			mu.Lock()
			curs.cursor, curs.stream = cur, i
			mu.Unlock()
			p, err := src.Fetch(ctx, sr.stream, cur)
			if err != nil {
				tb.Fatalf("%s: %v", sr.stream, err)
			}
			cur = p.Cursor
		}
	}
	for i := range got.exchanges {
		e := &got.exchanges[i]
		e.body = strings.ReplaceAll(e.body, ts.URL, "$HOST")
		e.cursor = strings.ReplaceAll(e.cursor, ts.URL, "$HOST")
	}
	got.host = ts.URL
	return got
}

// trimBundle keeps a searchset's first entry.
func trimBundle(tb testing.TB, body string) string {
	var b fhir.Bundle
	if json.Unmarshal([]byte(body), &b) != nil || b.ResourceType != "Bundle" {
		return body
	}
	b.Entry = b.Entry[:min(len(b.Entry), 1)]
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}
