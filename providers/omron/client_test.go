package omron

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/clocktest"
	"vitals/health"
	"vitals/providers"
	"vitals/providers/omron/omronsim"
	"vitals/store"
)

// simNow is the simulator's "now" in these tests: its history ends here.
var simNow = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

type fixture struct {
	sim    *omronsim.Server
	ts     *httptest.Server
	clock  *clocktest.Clock // the simulator's clock, moved by tests
	cfg    Config
	db     *store.DB
	prof   store.Profile
	client *Client
	acct   store.Account
	src    *Source
	user   omronsim.Patient
}

// simConfig points a client at a simulator.
func simConfig(base string) Config {
	return Config{
		Environment:  "staging",
		ClientID:     omronsim.DefaultClientID,
		ClientSecret: omronsim.DefaultClientSecret,
		AuthorizeURL: base + "/connect/authorize",
		TokenURL:     base + "/connect/token",
		APIURL:       base + "/api/measurement",
		RevokeURL:    base + "/connect/revocation",
		RedirectURL:  "http://127.0.0.1:53682/callback",
		Scopes:       []string{"bloodpressure", "activity", "weight", "temperature", "oxygen", "openid", "offline_access"},
	}
}

// newFixture starts a simulator (auto-approving, seed 7, history up to
// simNow) and links its patient into a fresh database; mod adjusts the
// simulator's options and cfg the client's configuration.
func newFixture(t *testing.T, mod func(*omronsim.Options), cfgMod func(*Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: clocktest.New(simNow)}
	opt := omronsim.Options{Now: f.clock.Now, Seed: 7, AutoApprove: true, RetryAfter: 7 * time.Second, SlowDelay: 3 * time.Second}
	if mod != nil {
		mod(&opt)
	}
	f.sim = omronsim.New(opt)
	f.ts = httptest.NewServer(f.sim)
	t.Cleanup(f.ts.Close)
	f.cfg = simConfig(f.ts.URL)
	if cfgMod != nil {
		cfgMod(&f.cfg)
	}
	var err error
	f.db, err = store.Open(ctx, filepath.Join(t.TempDir(), "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	f.prof, err = f.db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	f.client = New(f.cfg, f.ts.Client())
	g := f.link(t)
	f.acct, err = SaveLink(ctx, f.db, f.prof.ID, g)
	if err != nil {
		t.Fatal(err)
	}
	f.src = NewSource(f.cfg, f.db, f.acct, f.ts.Client())
	f.user = f.sim.Patients()[0]
	return f
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorizeCode follows an authorization URL (auto-approved) and returns
// the code the redirect carries.
func authorizeCode(t *testing.T, a Authorization) string {
	t.Helper()
	resp, err := noFollow.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != a.State {
		t.Fatalf("state %q came back, want %q", loc.Query().Get("state"), a.State)
	}
	return loc.Query().Get("code")
}

func (f *fixture) link(t *testing.T) Grant {
	t.Helper()
	a := f.client.NewAuthorization()
	g, err := f.client.Exchange(context.Background(), a, authorizeCode(t, a))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fixture) requests(endpoint string) int { return f.sim.Counts()[endpoint] }

func (f *fixture) storedToken(t *testing.T) providers.Token {
	t.Helper()
	data, err := f.db.LoadSecret(context.Background(), f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tok providers.Token
	if err := json.Unmarshal(data, &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// walk fetches a stream until it is caught up, committing each page with
// its cursor as the sync engine does, and returns the final cursor, the
// pages fetched and the distinct provider ids seen.
func (f *fixture) walk(t *testing.T, src *Source, stream providers.Stream, cursor string) (string, int, map[string]bool) {
	return f.walkOrdered(t, src, stream, cursor, true)
}

// walkOrdered is walk; ordered says whether readings must come oldest
// first across pages (legacy paging re-reads a day, so they do not).
func (f *fixture) walkOrdered(t *testing.T, src *Source, stream providers.Stream, cursor string, ordered bool) (string, int, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	var last time.Time
	pages := 0
	for {
		page, err := src.Fetch(ctx, stream, cursor)
		if err != nil {
			t.Fatalf("%s page %d: %v", stream, pages+1, err)
		}
		pages++
		page.Batch.EachMeta(func(m *health.Meta) {
			if ordered && m.Time.Before(last) {
				t.Errorf("%s: %s comes after %s", stream, m.Time, last)
			}
			last = m.Time
			seen[m.ProviderID] = true
		})
		if len(page.Ignored) > 0 {
			t.Errorf("%s: ignored %v", stream, page.Ignored)
		}
		if _, err := f.db.CommitPage(ctx, f.prof.ID, f.acct.ID, string(stream), page.Cursor, page.Batch); err != nil {
			t.Fatal(err)
		}
		cursor = page.Cursor
		if !page.More {
			return cursor, pages, seen
		}
		if pages > 500 {
			t.Fatalf("%s: no end after %d pages", stream, pages)
		}
	}
}

var kindOf = map[Type]health.Kind{
	BloodPressure: health.KindBloodPressure, Activity: health.KindActivity, Weight: health.KindWeight,
	Temperature: health.KindTemperature, Oxygen: health.KindSpO2,
}

func TestSourceWalksEveryTypeToItsLastPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	for _, typ := range Types {
		want := f.sim.Count(f.user.ID, string(typ))
		if want == 0 {
			t.Fatalf("the simulator has no %s readings", typ)
		}
		before := f.requests(omronsim.EndpointMeasurement)
		_, pages, seen := f.walk(t, f.src, providers.Stream(typ), "")
		if len(seen) != want {
			t.Errorf("%s: %d distinct readings, the server has %d", typ, len(seen), want)
		}
		// The last page comes with a null key, so a walk costs exactly
		// ceil(n / page size) requests.
		if wantPages := (want + DefaultPageSize - 1) / DefaultPageSize; pages != wantPages {
			t.Errorf("%s: %d pages for %d readings, want %d", typ, pages, want, wantPages)
		}
		if got := f.requests(omronsim.EndpointMeasurement) - before; got != pages {
			t.Errorf("%s: %d requests for %d pages", typ, got, pages)
		}
		n, err := f.db.Count(context.Background(), kindOf[typ], store.Filter{ProfileID: f.prof.ID})
		if err != nil || n != want {
			t.Errorf("%s: %d stored (%v), want %d", typ, n, err, want)
		}
	}
	bps, err := f.db.BloodPressures(context.Background(), store.Filter{ProfileID: f.prof.ID, Flagged: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bps {
		if b.PossibleAFib && (b.Systolic.Valid() || b.Diastolic.Valid() || b.Pulse.Valid()) {
			t.Errorf("AFib reading %s stored with values %s/%s", b.ProviderID, v(b.Systolic), v(b.Diastolic))
		}
	}
}

func TestSourceCaughtUpCostsOneRequestPerType(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	cursors := map[providers.Stream]string{}
	for _, s := range f.src.Streams() {
		cursors[s], _, _ = f.walk(t, f.src, s, "")
	}
	before := f.requests(omronsim.EndpointMeasurement)
	for _, s := range f.src.Streams() {
		page, err := f.src.Fetch(context.Background(), s, cursors[s])
		if err != nil {
			t.Fatal(err)
		}
		if page.More {
			t.Errorf("%s: a caught-up stream asked for more", s)
		}
		var c cursor
		json.Unmarshal([]byte(cursors[s]), &c)
		last, _ := health.ParseDate(c.Last)
		page.Batch.EachMeta(func(m *health.Meta) {
			if health.DateOf(m.Local()).Before(last.AddDays(-1)) {
				t.Errorf("%s: caught-up fetch returned %s, before the day before the last reading (%s)", s, m.Local(), c.Last)
			}
		})
		cursors[s] = page.Cursor
	}
	if got := f.requests(omronsim.EndpointMeasurement) - before; got != len(Types) {
		t.Errorf("a caught-up sync cost %d requests, want one per type (%d)", got, len(Types))
	}

	// A new reading arrives: the next caught-up fetch has it.
	f.clock.Advance(time.Hour)
	if _, err := f.sim.Add(omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{{Systolic: 171, Diastolic: 104, Pulse: 77}}}); err != nil {
		t.Fatal(err)
	}
	page, err := f.src.Fetch(context.Background(), providers.Stream(BloodPressure), cursors[providers.Stream(BloodPressure)])
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range page.Batch.BloodPressure {
		found = found || v(b.Systolic) == "171" && v(b.Diastolic) == "104" && b.Time.Equal(simNow.Add(time.Hour))
	}
	if !found {
		t.Errorf("the new reading 171/104 at %s is not in the next fetch", simNow.Add(time.Hour))
	}
}

func TestSourceResumesAnInterruptedWalk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	stream := providers.Stream(BloodPressure)
	first, err := f.src.Fetch(context.Background(), stream, "")
	if err != nil {
		t.Fatal(err)
	}
	if !first.More || len(first.Batch.BloodPressure) != DefaultPageSize {
		t.Fatalf("first page: %d readings, more %v", len(first.Batch.BloodPressure), first.More)
	}
	// The process dies; a new Source resumes from the stored cursor.
	again := NewSource(f.cfg, f.db, f.acct, f.ts.Client())
	second, err := again.Fetch(context.Background(), stream, first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	lastOfFirst := first.Batch.BloodPressure[len(first.Batch.BloodPressure)-1]
	if !second.Batch.BloodPressure[0].Time.After(lastOfFirst.Time) {
		t.Errorf("the second page starts at %s, not after the first page's last reading %s", second.Batch.BloodPressure[0].Time, lastOfFirst.Time)
	}
	_, _, seen := f.walk(t, again, stream, second.Cursor)
	total := len(first.Batch.BloodPressure) + len(second.Batch.BloodPressure) + len(seen)
	if want := f.sim.Count(f.user.ID, "bloodpressure"); total != want {
		t.Errorf("%d readings over the resumed walk, the server has %d", total, want)
	}
}

func TestSourceLegacyTruncatedPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *omronsim.Options) { o.Patients = []omronsim.Patient{{Legacy: true}} }, nil)
	for _, typ := range []Type{BloodPressure, Weight} {
		_, pages, seen := f.walkOrdered(t, f.src, providers.Stream(typ), "", false)
		want := f.sim.Count(f.user.ID, string(typ))
		if len(seen) != want {
			t.Errorf("%s: %d distinct readings over %d legacy pages, the server has %d", typ, len(seen), pages, want)
		}
		if pages < (want+DefaultPageSize-1)/DefaultPageSize {
			t.Errorf("%s: %d pages cannot hold %d readings", typ, pages, want)
		}
	}
}

func TestRewind(t *testing.T) {
	t.Parallel()
	src := &Source{}
	day := func(s string) time.Time { return utc(s + "T00:00:00Z") }
	done := cursor{Since: "2024-01-01", Last: "2026-03-10", Done: true}.String()
	mid := cursor{Since: "2000-01-01", Key: "123", Last: "2010-05-01"}.String()
	tests := []struct {
		name, cur string
		from      time.Time
		want      string
	}{
		{"never synced stays so", "", day("2026-03-01"), ""},
		{"caught up, rewound further back", done, day("2026-03-01"), cursor{Since: "2026-03-01", Last: "2026-03-10"}.String()},
		{"caught up, the next walk already covers it", done, day("2026-03-09"), done},
		{"mid-walk, covered", mid, day("2026-03-01"), mid},
		{"mid-walk, before it", mid, day("1999-06-01"), cursor{Since: "1999-06-01", Last: "2010-05-01"}.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := src.Rewind("bloodpressure", tt.cur, tt.from); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}

	// A reading uploaded late, for a day before the caught-up window, is
	// found only after a rewind.
	f := newFixture(t, nil, nil)
	stream := providers.Stream(Weight)
	cur, _, _ := f.walk(t, f.src, stream, "")
	late := simNow.Add(-10 * 24 * time.Hour)
	if _, err := f.sim.Add(omronsim.Upload{Weight: []omronsim.UploadWeight{{Time: late.Format(time.RFC3339), Kg: 91.3}}}); err != nil {
		t.Fatal(err)
	}
	has := func(page providers.Page) bool {
		for _, w := range page.Batch.Weight {
			if w.Time.Equal(late) {
				return true
			}
		}
		return false
	}
	plain, err := f.src.Fetch(context.Background(), stream, cur)
	if err != nil || has(plain) {
		t.Fatalf("a plain caught-up fetch found the late reading (%v)", err)
	}
	_, _, seen := f.walk(t, f.src, stream, f.src.Rewind(stream, plain.Cursor, late.Add(-24*time.Hour)))
	n, _ := f.db.Count(context.Background(), health.KindWeight, store.Filter{ProfileID: f.prof.ID})
	if want := f.sim.Count(f.user.ID, "weight"); n != want || len(seen) == 0 {
		t.Errorf("after the rewind %d weights stored, the server has %d", n, want)
	}
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults []omronsim.Fault
		check  func(t *testing.T, f *fixture, err error)
	}{
		{"429 with Retry-After", []omronsim.Fault{omronsim.FaultRateLimit}, func(t *testing.T, f *fixture, err error) {
			var rl *providers.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
				t.Errorf("error %v, want a rate limit asking for 7s", err)
			}
		}},
		{"500", []omronsim.Fault{omronsim.FaultServerError}, wantTemporaryStatus(500)},
		{"503", []omronsim.Fault{omronsim.FaultUnavailable}, wantTemporaryStatus(503)},
		{"malformed JSON", []omronsim.Fault{omronsim.FaultMalformed}, func(t *testing.T, f *fixture, err error) {
			if !errors.Is(err, providers.ErrTemporary) || !strings.Contains(err.Error(), "malformed") {
				t.Errorf("error %v, want a temporary malformed response", err)
			}
		}},
		{"timeout", []omronsim.Fault{omronsim.FaultTimeout}, func(t *testing.T, f *fixture, err error) {
			if !errors.Is(err, providers.ErrTemporary) {
				t.Errorf("error %v, want a temporary timeout", err)
			}
		}},
		{"401, refresh, success", []omronsim.Fault{omronsim.FaultRevoked}, func(t *testing.T, f *fixture, err error) {
			if err != nil {
				t.Errorf("error %v, want success after one refresh", err)
			}
			if got := f.requests(omronsim.EndpointToken); got != 2 { // the exchange and one refresh
				t.Errorf("%d token requests, want 2", got)
			}
		}},
		{"401 twice: relink", []omronsim.Fault{omronsim.FaultRevoked, omronsim.FaultRevoked}, func(t *testing.T, f *fixture, err error) {
			if !errors.Is(err, providers.ErrNeedsRelink) {
				t.Errorf("error %v, want ErrNeedsRelink", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, nil)
			hc := &http.Client{Timeout: 300 * time.Millisecond, Transport: f.ts.Client().Transport}
			src := NewSource(f.cfg, f.db, f.acct, hc)
			f.sim.Inject(omronsim.EndpointMeasurement, tt.faults...)
			page, err := src.Fetch(context.Background(), providers.Stream(Weight), "")
			if err != nil && (page.Cursor != "" || page.Batch.Len() != 0) {
				t.Errorf("a failed fetch returned a page: %+v", page)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "omron: fetch weight page") {
				t.Errorf("error %q does not say what was being done", err)
			}
			tt.check(t, f, err)
		})
	}
}

func wantTemporaryStatus(code int) func(t *testing.T, f *fixture, err error) {
	return func(t *testing.T, f *fixture, err error) {
		var se *providers.StatusError
		if !errors.Is(err, providers.ErrTemporary) || !errors.As(err, &se) || se.StatusCode != code {
			t.Errorf("error %v, want a temporary HTTP %d", err, code)
		}
	}
}

func TestTokensRotateAndExpire(t *testing.T) {
	t.Parallel()
	t.Run("expired on the server: refreshed once, rotated, saved", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		old := f.storedToken(t)
		f.clock.Advance(2 * time.Hour) // the server's tokens expire; the client's clock has not moved
		if _, err := f.src.Fetch(context.Background(), "oxygen", ""); err != nil {
			t.Fatal(err)
		}
		now := f.storedToken(t)
		if now.RefreshToken == old.RefreshToken || now.AccessToken == old.AccessToken {
			t.Fatal("the refreshed tokens were not saved")
		}
		// The old refresh token is refused: rotation.
		if _, err := f.client.Refresh(context.Background(), old.RefreshToken); !errors.Is(err, providers.ErrNeedsRelink) {
			t.Errorf("the old refresh token: %v, want ErrNeedsRelink", err)
		}
		if _, err := f.client.Refresh(context.Background(), now.RefreshToken); err != nil {
			t.Errorf("the new refresh token: %v", err)
		}
	})
	t.Run("due by its expiry: refreshed before the request", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(o *omronsim.Options) { o.AccessTokenTTL = 30 * time.Second }, nil)
		if _, err := f.src.Fetch(context.Background(), "oxygen", ""); err != nil {
			t.Fatal(err)
		}
		if got := f.sim.Counts(); got[omronsim.EndpointToken] != 2 || got[omronsim.EndpointMeasurement] != 1 {
			t.Errorf("requests %v: want the exchange, one refresh and one measurement request (no 401)", got)
		}
	})
	t.Run("grant revoked by the user: relink", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		f.sim.RevokeUser(f.user.Email)
		_, err := f.src.Fetch(context.Background(), "weight", "")
		if !errors.Is(err, providers.ErrNeedsRelink) {
			t.Errorf("error %v, want ErrNeedsRelink", err)
		}
	})
	t.Run("revoked on unlink", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		if err := f.client.RevokeAccount(context.Background(), f.db, f.acct.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.requests(omronsim.EndpointRevocation); got != 2 {
			t.Errorf("%d revocation requests, want 2 (refresh and access token)", got)
		}
		if _, err := f.src.Fetch(context.Background(), "weight", ""); !errors.Is(err, providers.ErrNeedsRelink) {
			t.Errorf("after revocation: %v, want ErrNeedsRelink", err)
		}
	})
}

func TestScopeNotGrantedIsAStatusError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(c *Config) {
		c.Scopes = []string{"bloodpressure", "weight", "openid", "offline_access"}
	})
	_, err := f.src.Fetch(context.Background(), "oxygen", "")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != omronsim.StatusScopeNotGranted || ae.Code != "SCOPE_NOT_GRANTED" || !strings.Contains(ae.Reason, "oxygen") {
		t.Fatalf("error %v, want status %d SCOPE_NOT_GRANTED", err, omronsim.StatusScopeNotGranted)
	}
	// Callers test both vendors' refusals as one type.
	var se *providers.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusOK || se.Code != "SCOPE_NOT_GRANTED" || se.Reason != ae.Reason {
		t.Errorf("errors.As(%v, *providers.StatusError) = %+v, want HTTP 200 with the body's code and reason", err, se)
	}
	if _, err := f.src.Fetch(context.Background(), "weight", ""); err != nil {
		t.Errorf("a granted type: %v", err)
	}
	if _, err := f.src.Fetch(context.Background(), "steps", ""); err == nil || !strings.Contains(err.Error(), `no stream "steps"`) {
		t.Errorf("unknown stream: %v", err)
	}
}

func TestExchangeRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	t.Run("code reused", func(t *testing.T) {
		a := f.client.NewAuthorization()
		code := authorizeCode(t, a)
		if _, err := f.client.Exchange(ctx, a, code); err != nil {
			t.Fatal(err)
		}
		_, err := f.client.Exchange(ctx, a, code)
		var se *providers.StatusError
		if !errors.As(err, &se) || se.Code != "invalid_grant" {
			t.Errorf("error %v, want invalid_grant", err)
		}
	})
	t.Run("PKCE verifier of another attempt", func(t *testing.T) {
		a, b := f.client.NewAuthorization(), f.client.NewAuthorization()
		a.verifier = b.verifier
		_, err := f.client.Exchange(ctx, a, authorizeCode(t, a))
		if err == nil || !strings.Contains(err.Error(), "code_verifier does not match") {
			t.Errorf("error %v, want a PKCE refusal", err)
		}
	})
	t.Run("redirect URI of another attempt", func(t *testing.T) {
		a := f.client.NewAuthorization()
		cfg := f.cfg
		cfg.RedirectURL = "http://127.0.0.1:9/callback"
		_, err := New(cfg, f.ts.Client()).Exchange(ctx, a, authorizeCode(t, a))
		if err == nil || !strings.Contains(err.Error(), "redirect_uri does not match") {
			t.Errorf("error %v, want a redirect_uri refusal", err)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		a := f.client.NewAuthorization()
		cfg := f.cfg
		cfg.ClientSecret = "not-the-secret"
		_, err := New(cfg, f.ts.Client()).Exchange(ctx, a, authorizeCode(t, a))
		var se *providers.StatusError
		if !errors.As(err, &se) || se.StatusCode != 401 || se.Code != "invalid_client" {
			t.Errorf("error %v, want 401 invalid_client", err)
		}
		_, err = New(cfg, f.ts.Client()).Refresh(ctx, f.storedToken(t).RefreshToken)
		if err == nil || errors.Is(err, providers.ErrNeedsRelink) || !strings.Contains(err.Error(), "client_secret") {
			t.Errorf("refresh with a wrong secret: %v, want advice about the configuration, not a relink", err)
		}
	})
	t.Run("token endpoint down", func(t *testing.T) {
		a := f.client.NewAuthorization()
		code := authorizeCode(t, a)
		f.sim.Inject(omronsim.EndpointToken, omronsim.FaultUnavailable)
		if _, err := f.client.Exchange(ctx, a, code); !errors.Is(err, providers.ErrTemporary) {
			t.Errorf("error %v, want temporary", err)
		}
		f.sim.Inject(omronsim.EndpointToken, omronsim.FaultMalformed)
		if _, err := f.client.Refresh(ctx, f.storedToken(t).RefreshToken); !errors.Is(err, providers.ErrTemporary) || errors.Is(err, providers.ErrNeedsRelink) {
			t.Errorf("malformed refresh answer: %v, want temporary", err)
		}
	})
}

// freeRedirect returns a loopback redirect URL on a port free right now.
func freeRedirect(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprintf("http://%s/callback", ln.Addr())
}

func TestLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("loopback, auto-approved", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		cfg := f.cfg
		cfg.RedirectURL = freeRedirect(t)
		var shown string
		g, err := New(cfg, f.ts.Client()).Link(ctx, LinkOptions{Show: func(u string, listening bool) {
			shown = u
			if !listening {
				t.Error("a loopback redirect is not listened on")
			}
			go func() { // the browser; Show must not wait for it
				resp, err := http.Get(u) // follows the redirect to the listener
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}()
		}})
		if err != nil {
			t.Fatal(err)
		}
		if g.UserID != f.user.ID || g.Email != f.user.Email || g.Token.RefreshToken == "" || g.Token.Expiry.IsZero() {
			t.Errorf("grant %+v", g)
		}
		q := mustQuery(t, shown)
		for k, want := range map[string]string{"response_type": "code", "client_id": omronsim.DefaultClientID, "redirect_uri": cfg.RedirectURL,
			"scope": "bloodpressure activity weight temperature oxygen openid offline_access", "code_challenge_method": "S256"} {
			if q.Get(k) != want {
				t.Errorf("authorization URL %s = %q, want %q", k, q.Get(k), want)
			}
		}
		if q.Get("state") == "" || len(q.Get("code_challenge")) != 43 {
			t.Errorf("state %q, code_challenge %q", q.Get("state"), q.Get("code_challenge"))
		}
	})
	t.Run("signed in on the page", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		f.sim.SetAutoApprove(false)
		cfg := f.cfg
		cfg.RedirectURL = freeRedirect(t)
		g, err := New(cfg, f.ts.Client()).Link(ctx, LinkOptions{Show: func(u string, _ bool) {
			go submitConsent(t, f.ts.URL, u, "approve", f.user.Email, f.user.Password)
		}})
		if err != nil || g.UserID != f.user.ID {
			t.Fatalf("grant %+v, error %v", g, err)
		}
	})
	t.Run("denied", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		f.sim.SetAutoApprove(false)
		cfg := f.cfg
		cfg.RedirectURL = freeRedirect(t)
		_, err := New(cfg, f.ts.Client()).Link(ctx, LinkOptions{Show: func(u string, _ bool) {
			go submitConsent(t, f.ts.URL, u, "deny", "", "")
		}})
		if !errors.Is(err, providers.ErrAccessDenied) {
			t.Errorf("error %v, want ErrAccessDenied", err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		cfg := f.cfg
		cfg.RedirectURL = freeRedirect(t)
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := New(cfg, f.ts.Client()).Link(short, LinkOptions{})
		if !errors.Is(err, providers.ErrNoAnswer) {
			t.Errorf("error %v, want ErrNoAnswer", err)
		}
	})
	t.Run("pasted redirect", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil, nil)
		cfg := f.cfg
		cfg.RedirectURL = omronsim.DefaultPasteRedirectURI
		pr, pw := io.Pipe()
		defer pw.Close()
		g, err := New(cfg, f.ts.Client()).Link(ctx, LinkOptions{Pasted: pr, Show: func(u string, listening bool) {
			if listening {
				t.Error("a non-loopback redirect cannot be listened on")
			}
			resp, err := noFollow.Get(u)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			go fmt.Fprintf(pw, "not a url\n%s\n", resp.Header.Get("Location"))
		}})
		if err != nil || g.UserID != f.user.ID {
			t.Fatalf("grant %+v, error %v", g, err)
		}
	})
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// submitConsent answers the sign-in page as a browser would: it posts the
// page's form with the decision and follows the redirect.
func submitConsent(t *testing.T, base, authURL, decision, email, password string) {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Error(err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `name="decision" value="approve"`) {
		t.Errorf("sign-in page: %d", resp.StatusCode)
	}
	form := mustQuery(t, authURL) // the page's hidden fields carry the request
	form.Set("decision", decision)
	form.Set("email", email)
	form.Set("password", password)
	u, _ := url.Parse(authURL)
	resp, err = http.PostForm(base+u.Path, form)
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
}

func TestNoSecretInErrorsOrPrints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	var texts []string
	note := func(v ...any) {
		for _, x := range v {
			texts = append(texts, fmt.Sprint(x), fmt.Sprintf("%+v", x), fmt.Sprintf("%#v", x), fmt.Sprintf("%d", x), fmt.Sprintf("%x", x))
		}
	}
	note(f.client, *f.client, f.src, f.cfg)
	a := f.client.NewAuthorization()
	code := authorizeCode(t, a)
	g, err := f.client.Exchange(ctx, a, code)
	note(a, g, g.Token, err)
	_, err = f.client.Exchange(ctx, a, code) // reused
	note(err)
	bad := f.cfg
	bad.ClientSecret = "wrong-" + f.cfg.ClientSecret
	_, err = New(bad, f.ts.Client()).Refresh(ctx, g.Token.RefreshToken)
	note(err)
	tok := f.storedToken(t)
	note(tok)
	f.sim.Inject(omronsim.EndpointMeasurement, omronsim.FaultRevoked, omronsim.FaultRevoked)
	_, err = f.src.Fetch(ctx, "weight", "")
	note(err)
	f.sim.RevokeUser(f.user.ID)
	_, err = f.src.Fetch(ctx, "weight", "")
	note(err)
	_, err = f.client.Refresh(ctx, tok.RefreshToken)
	note(err)
	note(f.client.Revoke(ctx, tok))
	secrets := append(f.sim.Issued(), f.cfg.ClientSecret, a.verifier)
	for _, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a secret leaked into %q", text)
			}
		}
	}
}

// TestSourceStopsOnARepeatedKey: a server that answers a page's key with
// the same key again would be walked for ever; the walk ends instead.
func TestSourceStopsOnARepeatedKey(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":0,"result":{"weight":[{"id":1644225686000,"dateTime":"2022-02-07T09:21:26","dateTimeLocal":"2022-02-07T03:21:26","dateTimeUtcOffset":"-21600","weight":"71.6","weightPref":"kg"}],"paginationKey":{"weightPaginationKey":1644225686000},"truncated":false,"measurementCount":1}}`)
	}))
	defer api.Close()
	f := newFixture(t, nil, func(c *Config) { c.APIURL = api.URL })
	cur := ""
	for i := range 10 {
		page, err := f.src.Fetch(context.Background(), providers.Stream(Weight), cur)
		if err != nil {
			t.Fatal(err)
		}
		cur = page.Cursor
		if !page.More {
			if i != 1 { // the first page's key is new, the second's is the same
				t.Errorf("the walk ended after %d pages, want 2", i+1)
			}
			return
		}
	}
	t.Fatalf("still walking after 10 pages of the same key (cursor %s)", cur)
}
