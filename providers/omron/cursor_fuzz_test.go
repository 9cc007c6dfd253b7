package omron

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers"
	"vitals/providers/omron/omronsim"
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

func (m *memSecrets) token(tb testing.TB) providers.Token {
	tb.Helper()
	var t providers.Token
	if err := json.Unmarshal(m.data, &t); err != nil {
		tb.Fatal(err)
	}
	return t
}

func secretsWith(tb testing.TB, t providers.Token) *memSecrets {
	tb.Helper()
	b, err := json.Marshal(t)
	if err != nil {
		tb.Fatal(err)
	}
	return &memSecrets{data: b}
}

// cannedServer answers every request with the body it is given, and keeps
// the last request's form: one per target, on 127.0.0.1.
type cannedServer struct {
	*httptest.Server
	mu     gosync.Mutex
	status int
	body   string
	form   url.Values
	auth   string
}

func newCannedServer(tb testing.TB) *cannedServer {
	s := &cannedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.form, s.auth = r.PostForm, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		w.Write([]byte(s.body))
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *cannedServer) answer(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.form, s.auth = status, body, nil, ""
}

func (s *cannedServer) last() (url.Values, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.form, s.auth
}

// answer is one response of a local server: its status and body.
type answer struct {
	status int
	body   string
}

// step is one measurement request of a walk: the type, the cursor it
// was made from, and the body the server answered.
type step struct {
	typ          Type
	cursor, body string
}

// simAnswers links an account at a local Omron server with the real
// client, refreshes its token twice (the second time with the refresh
// token the first rotated away), and walks every type three readings a
// page. It returns the token endpoint's answers and the walks' requests.
func simAnswers(tb testing.TB) (tokens []answer, steps []step) {
	tb.Helper()
	var pages []string
	sim := omronsim.New(omronsim.Options{Seed: 7, AutoApprove: true, HistoryDays: 20})
	var mu gosync.Mutex
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		mu.Lock()
		switch r.URL.Path {
		case "/api/measurement":
			pages = append(pages, rec.Body.String())
		case "/connect/token":
			tokens = append(tokens, answer{rec.Code, rec.Body.String()})
		}
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer ts.Close()
	cfg := Config{
		ClientID: omronsim.DefaultClientID, ClientSecret: omronsim.DefaultClientSecret,
		AuthorizeURL: ts.URL + "/connect/authorize", TokenURL: ts.URL + "/connect/token", APIURL: ts.URL + "/api/measurement",
		RedirectURL: "http://127.0.0.1:53682/callback", Scopes: []string{"bloodpressure", "activity", "weight", "temperature", "oxygen", "openid", "offline_access"},
	}
	ctx := context.Background()
	c := New(cfg, ts.Client())
	a := c.NewAuthorization()
	g, err := c.Exchange(ctx, a, simCode(tb, a))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := c.Refresh(ctx, g.Token.RefreshToken)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Refresh(ctx, g.Token.RefreshToken); err == nil {
		tb.Fatal("a rotated refresh token was taken")
	}
	src := NewSource(cfg, secretsWith(tb, tok), store.Account{ID: 1, ProfileID: 1, Provider: store.ProviderOmron}, ts.Client())
	src.PageSize = 3
	for _, typ := range Types {
		// A few pages, to the end of the walk and once more: a caught-up
		// stream's one request.
		cur, done := "", 0
		for range 6 {
			steps = append(steps, step{typ: typ, cursor: cur})
			p, err := src.Fetch(ctx, providers.Stream(typ), cur)
			if err != nil {
				tb.Fatal(err)
			}
			if cur = p.Cursor; !p.More {
				if done++; done == 2 {
					break
				}
			}
		}
	}
	if len(steps) != len(pages) {
		tb.Fatalf("%d requests for %d pages", len(steps), len(pages))
	}
	for i := range steps {
		steps[i].body = pages[i]
	}
	return tokens, steps
}

// simCode follows an authorization URL at a local server that approves at
// once, and returns the code its redirect carries.
func simCode(tb testing.TB, a Authorization) string {
	tb.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(a.URL)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		tb.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// FuzzCursor: whatever a stored cursor holds and whatever the measurement
// API answers, Fetch asks for the page the cursor names (its since, and
// its key under the type's own name), and the cursor it returns re-encodes
// to the same string, reads back (an unreadable one would start the
// stream over), never moves the stream backwards (not its next since, nor
// the newest day seen, nor how far it has read), and never asks for the
// same page again while it says more follow. Rewind moves a stream only
// back, to the day asked, and keeps what it has seen.
func FuzzCursor(f *testing.F) {
	_, steps := simAnswers(f)
	bodies := []string{stripGuideComments(guideBloodPressure), guideActivity, guideWeight, guideTemperature, guideOxygen, stripGuideComments(guideBloodPressureAFib)}
	for _, st := range steps {
		f.Add(st.cursor, st.body, uint8(slices.Index(Types, st.typ)), int16(-3))
		bodies = append(bodies, st.body)
	}
	for i, body := range bodies {
		for _, cur := range []string{
			"", `{"since":"2024-01-01","key":"1643906653000","last":"2026-03-09","done":true}`,
			`{"since":"2022-02-01"}`, `{"since":"2022-02-01","key":"1643906653000"}`,
			`{"since":"2022-02-03","last":"2022-01-01"}`, `{"since":"2022-02-03","last":"2022-02-01","done":true}`,
			`{"since":"2022-13-01"}`, `{"since":"2022-02-01","last":"x"}`, `not json`,
		} {
			f.Add(cur, body, uint8(i), int16(-1))
		}
	}
	f.Add(`{"since":"2022-02-03"}`, `{"status":0,"result":{"bloodPressure":[],"truncated":true}}`, uint8(0), int16(5))
	f.Add(`{"since":"2022-02-03","key":"7"}`, `{"status":0,"result":{"paginationKey":{"bloodpressurePaginationKey":7}}}`, uint8(0), int16(0))

	srv := newCannedServer(f)
	cfg := Config{APIURL: srv.URL}
	f.Fuzz(func(t *testing.T, cur, body string, typ uint8, rewind int16) {
		ctx := context.Background()
		tp := Types[int(typ)%len(Types)]
		stream := providers.Stream(tp)
		src := NewSource(cfg, secretsWith(t, providers.Token{AccessToken: "at"}), store.Account{ID: 1, ProfileID: 1, Provider: store.ProviderOmron}, srv.Client())
		c := parseCursor(cur)
		if again := parseCursor(c.String()); again != c {
			t.Fatalf("cursor %q reads as %+v, which re-reads as %+v", cur, c, again)
		}
		since, key := c.next(src.start())

		// Rewind, from any day around where the stream would go next.
		from := since.AddDays(int(rewind)).In(time.UTC)
		r := src.Rewind(stream, cur, from)
		rc := parseCursor(r)
		rs, rk := rc.next(src.start())
		switch {
		case c.Since == "" || !health.DateOf(from).Before(since):
			if r != cur {
				t.Fatalf("Rewind(%q, %s) = %q: want it unchanged", cur, from, r)
			}
		case rc.String() != r || rs != health.DateOf(from) || rk != "" || rc.Last != c.Last || rc.Done:
			t.Fatalf("Rewind(%q, %s) = %q: want a walk from %s that keeps last %q", cur, from, r, health.DateOf(from), c.Last)
		}

		srv.answer(http.StatusOK, body)
		page, err := src.Fetch(ctx, stream, cur)
		form, auth := srv.last()
		if form.Get("type") != string(tp) || form.Get("since") != since.String() || auth != "Bearer at" {
			t.Fatalf("cursor %q: asked for %v (%q), want type %s since %s", cur, form, auth, tp, since)
		}
		for _, other := range Types {
			if want := ""; other == tp {
				want = key
				if got := form.Get(other.PaginationKey()); got != want {
					t.Fatalf("cursor %q: sent %s %q, want %q", cur, other.PaginationKey(), got, want)
				}
			} else if form.Has(other.PaginationKey()) {
				t.Fatalf("a %s page sent %s", tp, other.PaginationKey())
			}
		}
		if err != nil {
			if page.Cursor != "" || page.More {
				t.Fatalf("a failed fetch moved the cursor to %q", page.Cursor)
			}
			return
		}

		n := parseCursor(page.Cursor)
		if n.String() != page.Cursor || n.Since == "" {
			t.Fatalf("the new cursor %q reads as %+v", page.Cursor, n)
		}
		ns, nk := n.next(src.start())
		switch {
		case ns.Before(since):
			t.Fatalf("cursor %q then %q: the next since %s is before %s", cur, page.Cursor, ns, since)
		case lastDate(n.Last).Before(lastDate(c.Last)):
			t.Fatalf("cursor %q then %q: the newest day seen went back", cur, page.Cursor)
		case coveredBefore(src, stream, page.Cursor, cur):
			t.Fatalf("cursor %q then %q: covers less of the stream", cur, page.Cursor)
		case page.More == n.Done:
			t.Fatalf("cursor %q: more %v, done %v", page.Cursor, page.More, n.Done)
		case page.More && ns == since && nk == key:
			t.Fatalf("cursor %q then %q: asks for the same page again", cur, page.Cursor)
		}
		page.Batch.EachMeta(func(m *health.Meta) {
			if d := health.DateOf(m.Local()); !d.Before(since) && d.After(lastDate(n.Last)) {
				t.Fatalf("a reading of %s, but the cursor's newest day is %q", d, n.Last)
			}
		})
		if !strings.HasPrefix(page.Cursor, "{") {
			t.Fatalf("cursor %q is not JSON", page.Cursor)
		}
	})
}

// coveredBefore reports whether cursor b has read further than cursor a
// (Source.Covered, which bounds how far a notification rewinds).
func coveredBefore(s *Source, stream providers.Stream, a, b string) bool {
	ta, aok := s.Covered(stream, a)
	tb, bok := s.Covered(stream, b)
	return bok && (!aok || ta.Before(tb))
}
