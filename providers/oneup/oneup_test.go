package oneup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"vitals/health"
	"vitals/providers"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/store"
)

func TestEnsureUserCreatesThenAsksForANewCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	u1, code1, err := e.client.EnsureUser(e.ctx, "app-1")
	if err != nil {
		t.Fatal(err)
	}
	u2, code2, err := e.client.EnsureUser(e.ctx, "app-1")
	if err != nil {
		t.Fatal(err)
	}
	if u1.ID != "251" || u2.ID != "251" || u1.AppUserID != "app-1" || !u2.Active || code1 == "" || code2 == "" || code1 == code2 {
		t.Errorf("users %+v %+v, codes %q %q: want user 251 twice with two codes", u1, u2, code1, code2)
	}
	got := e.sim.Requests()
	if got["POST /user-management/v1/user"] != 2 || got["POST /user-management/v1/user/auth-code"] != 1 {
		t.Errorf("requests %v: want 2 creates and 1 auth-code", got)
	}
	if _, _, err := e.client.CreateUser(e.ctx, "app-1"); !errors.Is(err, oneup.ErrUserExists) {
		t.Errorf("create again: %v, want ErrUserExists", err)
	}
	if u, err := e.client.LookupUser(e.ctx, "app-1"); err != nil || u.ID != "251" {
		t.Errorf("lookup: %+v %v", u, err)
	}
	if _, err := e.client.LookupUser(e.ctx, "nobody"); !errors.Is(err, oneup.ErrNoUser) {
		t.Errorf("lookup of nobody: %v, want ErrNoUser", err)
	}
}

func TestTokenExchangeAndRotatingRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{TokenTTL: 3599 * time.Second})
	_, code, err := e.client.EnsureUser(e.ctx, "app-1")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.client.Exchange(e.ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	// expires_in is trusted as sent: 3599 here.
	if want := e.clock.Now().Add(3599 * time.Second); !tok.Expiry.Equal(want) || tok.TokenType != "Bearer" {
		t.Errorf("token %v expires %s, want %s", tok, tok.Expiry, want)
	}
	if _, err := e.client.Exchange(e.ctx, code); err == nil || !strings.Contains(err.Error(), "vitals link oneup") || strings.Contains(err.Error(), code) {
		t.Errorf("code reused: %v", err)
	}
	next, err := e.client.Refresh(e.ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken || next.RefreshToken == "" {
		t.Error("refresh did not rotate both tokens")
	}
	_, err = e.client.Refresh(e.ctx, tok.RefreshToken)
	if !errors.Is(err, providers.ErrNeedsRelink) {
		t.Errorf("rotated-out refresh token: %v, want ErrNeedsRelink", err)
	}
	if err != nil && strings.Contains(err.Error(), tok.RefreshToken) {
		t.Error("error quotes the refresh token")
	}
}

func TestWrongClientSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	cfg := e.cfg
	cfg.ClientSecret = "wrong-secret-value"
	c := oneup.New(cfg, e.hc)
	checks := map[string]func() error{
		"create user":  func() error { _, _, err := c.CreateUser(e.ctx, "x"); return err },
		"exchange":     func() error { _, err := c.Exchange(e.ctx, "code"); return err },
		"refresh":      func() error { _, err := c.Refresh(e.ctx, "rt"); return err },
		"list systems": func() error { _, err := c.Systems(e.ctx, oneup.KindDevice); return err },
	}
	for name, f := range checks {
		err := f()
		if !errors.Is(err, oneup.ErrBadClient) || errors.Is(err, providers.ErrNeedsRelink) {
			t.Errorf("%s: %v, want ErrBadClient (a configuration problem, not a relink)", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-secret-value") {
			t.Errorf("%s: the error quotes the secret", name)
		}
	}
}

func TestUserManagementRateLimit(t *testing.T) {
	t.Parallel()
	// The sim allows 2 calls an hour; the client's own limiter is off.
	e := newEnv(t, oneupsim.Options{UserLimit: 2})
	for i := range 2 {
		if _, _, err := e.client.CreateUser(e.ctx, fmt.Sprint("u", i)); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := e.client.CreateUser(e.ctx, "u9")
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Hour {
		t.Fatalf("third call: %v, want a 429 asking to wait an hour", err)
	}
	// The client-side limiter waits before the server has to refuse:
	// with one call an hour and a burst of 1, the second call cannot go
	// out before its context ends.
	limited := oneup.New(e.cfg, e.hc, oneup.WithUserLimit(rate.NewLimiter(rate.Every(time.Hour/oneup.UserCallsPerHour), 1)))
	e.sim.ResetRequests()
	limited.LookupUser(e.ctx, "u0")
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := limited.LookupUser(ctx, "u0"); err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("second call within 12s: %v, want the limiter to hold it", err)
	}
	if n := e.sim.Requests()["GET /user-management/v1/user"]; n != 1 {
		t.Errorf("%d lookups reached the server, want 1", n)
	}
}

func TestSystemsAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	all, err := e.client.AllSystems(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(e.sim.Systems()) {
		t.Fatalf("%d systems, the server lists %d", len(all), len(e.sim.Systems()))
	}
	tests := []struct {
		text string
		want []string
	}{
		{"fit", []string{"Fitbit"}},
		{"EPIC", []string{"Epic test site"}},
		{"  withings ", []string{"Withings"}},
		{"4709", []string{"Fitbit"}},
		{"sandbox", []string{"Cerner Code sandbox"}},
		{"no such thing", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, s := range oneup.Search(all, tc.text) {
			got = append(got, s.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("search %q: %v, want %v", tc.text, got, tc.want)
		}
	}
	if n := len(oneup.Search(all, "")); n != len(all) {
		t.Errorf("empty search kept %d of %d", n, len(all))
	}
	fitbit, ok := oneup.Find(all, "4709", "")
	if !ok || fitbit.Kind != oneup.KindDevice || !fitbit.Working() || fitbit.ResourceURL == "" {
		t.Errorf("Fitbit: %+v", fitbit)
	}
	if _, ok := oneup.Find(all, "4709", oneup.KindClinical); ok {
		t.Error("Fitbit found as a health system")
	}
	jawbone, _ := oneup.Find(all, "4715", "")
	if jawbone.Working() {
		t.Errorf("%s reports %s but Working() is true", jawbone.Name, jawbone.Status)
	}
}

func TestConnectLinkShapeAndMasking(t *testing.T) {
	t.Parallel()
	cfg := newEnv(t, oneupsim.Options{}).cfg
	cfg.APIURL = "https://api.1up.health/"
	c := oneup.New(cfg, nil)
	const tok = "user-access-token-123"
	link := c.ConnectLink(oneup.System{ID: "4706", Kind: oneup.KindClinical, Name: "Epic test site"}, tok, "st4te")
	u, err := url.Parse(link.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host+u.Path != "https://api.1up.health/connect/system/clinical/4706" {
		t.Errorf("connect URL %s://%s%s", u.Scheme, u.Host, u.Path)
	}
	if q := u.Query(); q.Get("client_id") != clientID || q.Get("access_token") != tok || q.Get("state") != "st4te" || q.Has("client_secret") {
		t.Errorf("connect URL query %v", q)
	}
	device := c.ConnectLink(oneup.System{ID: "4709", Kind: oneup.KindDevice}, tok, "")
	if !strings.HasPrefix(device.Reveal(), "https://api.1up.health/connect/system/device/4709?") || strings.Contains(device.Reveal(), "state=") {
		t.Errorf("device link %s", device.Reveal())
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		s := fmt.Sprintf(format, link)
		if strings.Contains(s, tok) || (format != "%x" && format != "%d" && !strings.Contains(s, "REDACTED")) {
			t.Errorf("%s prints %s", format, s)
		}
	}
	if s := fmt.Sprint(struct{ L oneup.ConnectLink }{link}); strings.Contains(s, tok) {
		t.Errorf("inside a struct: %s", s)
	}
}

func TestConnectThroughTheLoopbackRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{AutoApprove: true})
	acct := e.link()
	all, err := e.client.AllSystems(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	fitbit, _ := oneup.Find(all, "4709", "")
	cn, err := e.client.NewConnect(e.ctx, e.client.Credentials(e.db, acct.ID), fitbit)
	if err != nil {
		t.Fatal(err)
	}
	rd := cn.Redirect(e.cfg.RedirectURL, nil, io.Discard)
	ln, err := rd.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var q url.Values
	go func() {
		var err error
		q, err = rd.Wait(e.ctx, ln)
		done <- err
	}()
	// The browser: follow the connect link through the sim's redirect.
	resp, err := http.Get(cn.Link.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/callback" {
		t.Fatalf("browser ended at %s with HTTP %d: %s", resp.Request.URL.Path, resp.StatusCode, body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := cn.Finish(q); err != nil {
		t.Fatal(err)
	}
	if err := cn.Save(e.ctx, e.db, acct.ID); err != nil {
		t.Fatal(err)
	}
	systems, _ := e.db.Systems(e.ctx, acct.ID)
	if len(systems) != 1 || systems[0].ID != "4709" || systems[0].Name != "Fitbit" || systems[0].Kind != "device" {
		t.Errorf("stored systems %+v", systems)
	}
	if got := e.sim.ConnectedSystems(e.profile.UID); len(got) != 1 || got[0] != 4709 {
		t.Errorf("the sim connected %v", got)
	}
	// A redirect naming another system is refused.
	if err := cn.Finish(url.Values{"system_id": {"4706"}}); err == nil {
		t.Error("a redirect for another system was accepted")
	}
}

func TestConnectRedirectState(t *testing.T) {
	t.Parallel()
	cn := &oneup.Connect{System: oneup.System{ID: "4709", Name: "Fitbit"}, State: "right"}
	tests := []struct {
		pasted string
		ok     bool
	}{
		{"https://app.example/callback?state=right&success=true&system_id=4709", true},
		{"https://app.example/callback?success=true", true}, // the real vendor may not echo state
		{"https://app.example/callback?state=wrong&success=true", false},
		{"https://app.example/callback?state=right&error=access_denied", false},
		// The connect link itself carries the state: pasted by mistake,
		// it must not pass for the redirect.
		{"https://api.1up.health/connect/system/device/4709?client_id=c&access_token=t&state=right", false},
	}
	for _, tc := range tests {
		rd := cn.Redirect("https://app.example/callback", strings.NewReader(tc.pasted+"\n"), io.Discard)
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		_, err := rd.Wait(ctx, nil)
		cancel()
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.pasted, err, tc.ok)
		}
	}
}

func TestSyncPagesThenOneRequestPerStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link(oneupsim.Withings, oneupsim.EpicTestSite)
	tok := e.accessToken(acct)
	totals := map[providers.Stream]int{
		oneup.StreamBloodPressure: e.total(tok, "Observation?"+query("code", "85354-9,55284-4")),
		oneup.StreamWeight:        e.total(tok, "Observation?"+query("code", "29463-7")),
		oneup.StreamBMI:           e.total(tok, "Observation?"+query("code", "39156-5")),
		oneup.StreamBodyFat:       e.total(tok, "Observation?"+query("code", "41982-0")),
		oneup.StreamHeartRate:     e.total(tok, "Observation?"+query("code", "8867-4")),
		oneup.StreamTemperature:   e.total(tok, "Observation?"+query("code", "8310-5")),
		oneup.StreamAFib:          1,
	}
	if totals[oneup.StreamBloodPressure] <= 100 || totals[oneup.StreamHeartRate] <= 100 {
		t.Fatalf("totals %v: want more than one page of BP and heart rate", totals)
	}
	e.sim.ResetRequests()
	src := e.source(acct)
	first := e.syncAll(src, acct)
	for _, st := range src.Streams() {
		want := max(1, (totals[st]+99)/100)
		if first.pages[st] != want {
			t.Errorf("first sync: %s took %d pages, want %d for %d resources", st, first.pages[st], want, totals[st])
		}
	}
	wantBP := totals[oneup.StreamBloodPressure]
	wantWeight := totals[oneup.StreamWeight] + totals[oneup.StreamBMI] + totals[oneup.StreamBodyFat]
	if first.counts[health.KindBloodPressure] != wantBP || first.counts[health.KindWeight] != wantWeight ||
		first.counts[health.KindHeartRate] != totals[oneup.StreamHeartRate] || first.counts[health.KindTemperature] != totals[oneup.StreamTemperature] ||
		first.counts[health.KindCondition] != 1 {
		t.Errorf("first sync mapped %v, want BP %d, weight %d, HR %d, temperature %d, 1 condition",
			first.counts, wantBP, wantWeight, totals[oneup.StreamHeartRate], totals[oneup.StreamTemperature])
	}
	if len(first.ignored) != 0 {
		t.Errorf("ignored %v", first.ignored)
	}
	// Every BMI and body fat is sent apart from the weight of its scale
	// reading: one weight measurement each, the parts held with it.
	if first.added != wantBP+totals[oneup.StreamWeight]+totals[oneup.StreamHeartRate]+totals[oneup.StreamTemperature]+1 ||
		first.held != totals[oneup.StreamBMI]+totals[oneup.StreamBodyFat] {
		t.Errorf("stored %d measurements and %d parts of them", first.added, first.held)
	}

	// Where each reading came from, and whether at home or in the office.
	stats, err := e.db.SourceStats(e.ctx, e.profile.ID)
	if err != nil {
		t.Fatal(err)
	}
	origins := map[string]int{}
	for _, s := range stats {
		origins[s.Origin+"/"+string(s.Kind)] += s.N
	}
	for _, k := range []string{"Withings/bloodpressure", "Withings/weight", "Withings/heartrate", "Epic test site/bloodpressure", "Epic test site/weight", "Epic test site/condition"} {
		if origins[k] == 0 {
			t.Errorf("no readings from %s (have %v)", k, origins)
		}
	}
	office, _ := e.db.BloodPressures(e.ctx, store.Filter{ProfileID: e.profile.ID, Place: store.OfficeOnly})
	home, _ := e.db.BloodPressures(e.ctx, store.Filter{ProfileID: e.profile.ID, Place: store.HomeOnly})
	for _, bp := range office {
		if bp.Origin != "Epic test site" || bp.Setting != health.SettingOffice {
			t.Errorf("office reading from %q setting %q", bp.Origin, bp.Setting)
		}
	}
	for _, bp := range home {
		if bp.Origin != "Withings" || bp.Setting != health.SettingHome || !bp.HasPressures() {
			t.Errorf("home reading from %q setting %q", bp.Origin, bp.Setting)
		}
	}
	if len(office) == 0 || len(home) == 0 || len(office)+len(home) != wantBP {
		t.Errorf("%d office and %d home readings, want %d in all", len(office), len(home), wantBP)
	}

	// Nothing new: one request per stream, no readings.
	e.sim.ResetRequests()
	second := e.syncAll(src, acct)
	reqs := e.sim.Requests()
	if n := reqs["GET /r4/Observation"] + reqs["GET /r4/Condition"]; n != len(src.Streams()) {
		t.Errorf("a sync with nothing new made %d FHIR requests (%v), want %d", n, reqs, len(src.Streams()))
	}
	if second.added != 0 || len(second.counts) != 0 {
		t.Errorf("second sync brought %v", second.counts)
	}

	// A day later, only the new day's readings arrive.
	e.clock.Advance(24 * time.Hour)
	third := e.syncAll(e.source(acct), acct)
	if third.added == 0 || third.added > 12 || third.counts[health.KindCondition] != 0 {
		t.Errorf("a day later: %d added (%v), want the day's few readings", third.added, third.counts)
	}
	for st, n := range third.pages {
		if n != 1 {
			t.Errorf("a day later: %s took %d pages", st, n)
		}
	}
}

func TestInterruptedSyncResumesFromLastCommittedPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link(oneupsim.Withings)
	src := e.source(acct)
	st := oneup.StreamBloodPressure
	p, err := src.Fetch(e.ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.More || len(p.Batch.BloodPressure) != 100 {
		t.Fatalf("first page: more=%v, %d readings", p.More, len(p.Batch.BloodPressure))
	}
	if strings.Contains(p.Cursor, e.accessToken(acct)) || strings.Contains(p.Cursor, "127.0.0.1") {
		t.Errorf("cursor %s carries a token or the host", p.Cursor)
	}
	if _, err := e.db.CommitPage(e.ctx, acct.ProfileID, acct.ID, string(st), p.Cursor, p.Batch); err != nil {
		t.Fatal(err)
	}
	// The process dies here; a new one picks up the stored cursor.
	r := e.syncAll(e.source(acct), acct)
	n, _ := e.db.Count(e.ctx, health.KindBloodPressure, store.Filter{ProfileID: e.profile.ID})
	if want := e.total(e.accessToken(acct), "Observation?code=85354-9"); n != want || r.pages[st] != (want-100+99)/100 {
		t.Errorf("after resuming: %d readings in %d more pages, want %d", n, r.pages[st], want)
	}
}

func TestAFibConditionFromHealthSystem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link(oneupsim.EpicTestSite, oneupsim.CernerSandbox)
	p, err := e.source(acct).Fetch(e.ctx, oneup.StreamAFib, "")
	if err != nil {
		t.Fatal(err)
	}
	cs := p.Batch.Conditions
	if len(cs) != 1 || !cs[0].IsAFib() || cs[0].Origin != "Epic test site" || cs[0].Setting != health.SettingOffice || cs[0].Status != "active" {
		t.Fatalf("conditions %+v: want Epic's one active AFib", cs)
	}
	// The hypertension on the same problem list is not asked for.
	if len(p.Ignored) != 0 || p.More {
		t.Errorf("ignored %v, more %v", p.Ignored, p.More)
	}
}

func TestRateLimitedPageWaitsForRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{Faults: oneupsim.Faults{RetryAfter: time.Second}})
	acct := e.link(oneupsim.Fitbit)
	src := e.source(acct)
	e.sim.Inject(oneupsim.FaultRateLimit)
	_, err := src.Fetch(e.ctx, oneup.StreamActivity, "")
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("429: %v, want a RateLimitError asking for 1s", err)
	}
	e.sim.Inject(oneupsim.FaultRateLimit)
	var waits []providers.Wait
	start := time.Now()
	p, err := providers.Retry(e.ctx, providers.DefaultRetry(), func(ctx context.Context) (providers.Page, error) {
		return src.Fetch(ctx, oneup.StreamActivity, "")
	}, func(w providers.Wait) { waits = append(waits, w) })
	if err != nil || len(p.Batch.Activity) == 0 {
		t.Fatalf("after the wait: %v", err)
	}
	if len(waits) != 1 || !waits[0].RateLimited() || waits[0].For != time.Second || time.Since(start) < time.Second {
		t.Errorf("waits %+v", waits)
	}
}

func TestFaultsAreTemporary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{Faults: oneupsim.Faults{Hang: 2 * time.Second}})
	acct := e.link(oneupsim.Fitbit)
	e.hc.Timeout = 300 * time.Millisecond
	src := e.source(acct)
	for _, f := range []oneupsim.Fault{oneupsim.FaultServerError, oneupsim.FaultUnavailable, oneupsim.FaultMalformed, oneupsim.FaultTimeout} {
		e.sim.Inject(f)
		_, err := src.Fetch(e.ctx, oneup.StreamHeartRate, "")
		if !errors.Is(err, providers.ErrTemporary) {
			t.Errorf("%s: %v, want a temporary error", f, err)
		}
	}
	if _, err := src.Fetch(e.ctx, oneup.StreamHeartRate, ""); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

func TestUnauthorizedRefreshesOnceThenNeedsRelink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link(oneupsim.Fitbit)
	src := e.source(acct)
	before := e.accessToken(acct)

	// The server forgot the access token: one refresh, then success.
	e.sim.ExpireAccessTokens()
	if _, err := src.Fetch(e.ctx, oneup.StreamActivity, ""); err != nil {
		t.Fatalf("after a refresh: %v", err)
	}
	if after := e.accessToken(acct); after == before {
		t.Error("the refreshed token was not saved")
	}
	if n := e.sim.Requests()["POST /oauth2/token"]; n != 2 { // the link's exchange, the refresh
		t.Errorf("%d token requests, want 2", n)
	}

	// The fresh token is refused too.
	e.sim.Inject(oneupsim.FaultUnauthorized, oneupsim.FaultUnauthorized)
	if _, err := src.Fetch(e.ctx, oneup.StreamActivity, ""); !errors.Is(err, providers.ErrNeedsRelink) {
		t.Errorf("401 twice: %v, want ErrNeedsRelink", err)
	}

	// The refresh token is refused.
	e.sim.RevokeTokens()
	if _, err := e.source(acct).Fetch(e.ctx, oneup.StreamActivity, ""); !errors.Is(err, providers.ErrNeedsRelink) {
		t.Errorf("refresh refused: %v, want ErrNeedsRelink", err)
	}
}

func TestNextLinkMustStayUnderTheFHIRBase(t *testing.T) {
	t.Parallel()
	var elsewhere int
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer evil.Close()
	var fhirSrv *httptest.Server
	fhirSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var next string
		switch q := r.URL.Query(); {
		case q.Get("page") == "2": // the last page
		case q.Get("case") == "evil":
			next = evil.URL + "/r4/Observation?page=2"
		default: // a first page whose next link carries a secret
			next = fhirSrv.URL + "/r4/Observation?page=2&access_token=leaked"
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":%q}],"entry":[]}`, next)
	}))
	defer fhirSrv.Close()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link()
	cfg := e.cfg
	cfg.FHIRURL = fhirSrv.URL + "/r4"
	src, err := oneup.New(cfg, e.hc).Source(e.db, acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Fetch(e.ctx, oneup.StreamWeight, "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.More || strings.Contains(p.Cursor, "leaked") || !strings.Contains(p.Cursor, "page=2") {
		t.Errorf("cursor %s: want page 2 without the access_token parameter", p.Cursor)
	}
	// Now a server that points elsewhere.
	cfg.FHIRURL = fhirSrv.URL + "/r4/"
	src2, _ := oneup.New(cfg, e.hc).Source(e.db, acct, nil)
	_, err = src2.Fetch(e.ctx, oneup.StreamWeight, `{"next":"Observation?case=evil"}`)
	if err == nil || !strings.Contains(err.Error(), "leaves the FHIR base") || elsewhere != 0 {
		t.Errorf("next link to another host: %v (%d requests there)", err, elsewhere)
	}
}

func TestNoSecretInErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{AutoApprove: true})
	acct := e.link(oneupsim.Fitbit)
	tok, err := e.client.Credentials(e.db, acct.ID).Token(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, code, _ := e.client.EnsureUser(e.ctx, "someone")
	secrets := []string{clientSecret, tok.AccessToken, tok.RefreshToken, code}

	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	deadCfg := e.cfg
	deadCfg.APIURL, deadCfg.TokenURL, deadCfg.FHIRURL = deadURL, deadURL+"/oauth2/token", deadURL+"/r4"
	dc := oneup.New(deadCfg, e.hc)
	deadSrc, _ := dc.Source(e.db, acct, e.db)

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Error("expected an error")
		}
		errs = append(errs, err)
	}
	_, err = dc.Systems(e.ctx, oneup.KindDevice) // the secret is in the query
	collect(err)
	_, _, err = dc.CreateUser(e.ctx, "x")
	collect(err)
	_, err = dc.Exchange(e.ctx, code)
	collect(err)
	_, err = dc.Refresh(e.ctx, tok.RefreshToken)
	collect(err)
	_, err = deadSrc.Fetch(e.ctx, oneup.StreamWeight, "")
	collect(err)
	_, err = e.client.Exchange(e.ctx, "not-"+code)
	collect(err)
	e.sim.Inject(oneupsim.FaultMalformed)
	_, err = e.source(acct).Fetch(e.ctx, oneup.StreamWeight, "")
	collect(err)
	e.sim.RevokeTokens()
	_, err = e.source(acct).Fetch(e.ctx, oneup.StreamWeight, "")
	collect(err)
	// A connect attempt, however it is printed.
	cn := &oneup.Connect{System: oneup.System{ID: "4709", Kind: "device"}, Link: e.client.ConnectLink(oneup.System{ID: "4709", Kind: "device"}, tok.AccessToken, "st")}
	// The client holds the client secret in its configuration. %d and %x
	// walk a struct's fields unless the type formats itself.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		for _, v := range []any{cn, *cn, cn.Link, e.client, *e.client, e.cfg} {
			errs = append(errs, errors.New(fmt.Sprintf(verb, v)))
		}
	}
	for _, err := range errs {
		for _, s := range secrets {
			if err != nil && s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("error %q quotes a secret", err)
			}
		}
	}
}

// failingLookup is a store that cannot list an account's systems.
type failingLookup struct{ err error }

func (l failingLookup) Systems(context.Context, int64) ([]store.System, error) { return nil, l.err }

// TestStoreErrorFailsThePage: when the store cannot say which systems are
// connected, the page fails with the store's error rather than storing
// readings under a name and setting guessed without it.
func TestStoreErrorFailsThePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link(oneupsim.Withings)
	broken := errors.New("database is locked")
	src, err := e.client.Source(e.db, acct, failingLookup{broken})
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Fetch(e.ctx, oneup.StreamWeight, "")
	if !errors.Is(err, broken) {
		t.Fatalf("Fetch = %d readings, %v; want the store's error", p.Batch.Len(), err)
	}
	if !strings.HasPrefix(err.Error(), "oneup: fetch weight page: list the systems connected to account") {
		t.Errorf("error %q does not say what was being done", err)
	}
	if p.Cursor != "" || p.Batch.Len() != 0 {
		t.Errorf("a failed fetch returned a page: cursor %q, %d readings", p.Cursor, p.Batch.Len())
	}
}

// TestSystemListsDownCostOneRequestAPage: a system connected outside
// vitals is looked up in the vendor's lists; when they fail, the readings
// keep their tag's name, and the lists are asked once for the page, not
// once for each resource.
func TestSystemListsDownCostOneRequestAPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, oneupsim.Options{})
	acct := e.link() // the store knows no system...
	if err := e.sim.ConnectSystem(e.profile.UID, oneupsim.Withings); err != nil {
		t.Fatal(err) // ...connected here, as by the vendor's own app
	}
	var lists atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/connect/system/") {
			lists.Add(1)
			http.Error(w, `{"error": "down"}`, http.StatusInternalServerError)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	cfg := e.cfg
	cfg.APIURL, cfg.FHIRURL, cfg.TokenURL = front.URL, front.URL+"/r4", front.URL+"/oauth2/token"
	src, err := oneup.New(cfg, e.hc).Source(e.db, acct, e.db)
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Fetch(e.ctx, oneup.StreamWeight, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Batch.Weight) < 2 {
		t.Fatalf("%d weights on the page: want several resources to look up", len(p.Batch.Weight))
	}
	for _, w := range p.Batch.Weight {
		if w.Origin != "Withings" || w.Setting != health.SettingHome {
			t.Fatalf("weight from %q (%s), want the tag's Withings at home", w.Origin, w.Setting)
		}
	}
	if n := lists.Load(); n != 1 {
		t.Errorf("the failing lists were asked %d times for one page, want 1", n)
	}
}
