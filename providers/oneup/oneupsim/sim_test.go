package oneupsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"vitals/clocktest"
	"vitals/fhir"
	"vitals/providers/oneup/oneupsim"
)

const (
	clientID     = "test-client"
	clientSecret = "test-secret-do-not-print"
	redirectURI  = "http://127.0.0.1:9/callback"
)

func newClock() *clocktest.Clock { return clocktest.New(time.Date(2025, 6, 10, 15, 0, 0, 0, time.UTC)) }

type harness struct {
	t     *testing.T
	sim   *oneupsim.Server
	srv   *httptest.Server
	clock *clocktest.Clock
	http  *http.Client
}

func newHarness(t *testing.T, opt oneupsim.Options) *harness {
	t.Helper()
	c := newClock()
	if opt.ClientID == "" {
		opt.ClientID, opt.ClientSecret = clientID, clientSecret
	}
	if opt.RedirectURI == "" {
		opt.RedirectURI = redirectURI
	}
	if opt.Now == nil {
		opt.Now = c.Now
	}
	sim := oneupsim.New(opt)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &harness{t: t, sim: sim, srv: srv, clock: c, http: hc}
}

func (h *harness) do(req *http.Request) (*http.Response, []byte) {
	h.t.Helper()
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return resp, body
}

func (h *harness) postForm(path string, form url.Values) (*http.Response, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := h.do(req)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return resp, m
}

func creds(extra ...string) url.Values {
	v := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// token creates a user and exchanges its code.
func (h *harness) token(appUserID string) (access, refresh string) {
	h.t.Helper()
	resp, m := h.postForm("/user-management/v1/user", creds("app_user_id", appUserID))
	if resp.StatusCode != 200 {
		h.t.Fatalf("create user: HTTP %d %v", resp.StatusCode, m)
	}
	code, _ := m["code"].(string)
	resp, m = h.postForm("/oauth2/token", creds("code", code, "grant_type", "authorization_code"))
	if resp.StatusCode != 200 {
		h.t.Fatalf("exchange: HTTP %d %v", resp.StatusCode, m)
	}
	return m["access_token"].(string), m["refresh_token"].(string)
}

// reauthorize gets new tokens for an existing user.
func (h *harness) reauthorize(appUserID string) string {
	h.t.Helper()
	resp, m := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", appUserID))
	if resp.StatusCode != 200 {
		h.t.Fatalf("auth-code: HTTP %d %v", resp.StatusCode, m)
	}
	resp, m = h.postForm("/oauth2/token", creds("code", m["code"].(string), "grant_type", "authorization_code"))
	if resp.StatusCode != 200 {
		h.t.Fatalf("exchange: HTTP %d %v", resp.StatusCode, m)
	}
	return m["access_token"].(string)
}

func (h *harness) fhirGet(tok, pathQuery string) (*http.Response, fhir.Bundle, []byte) {
	h.t.Helper()
	target := pathQuery
	if !strings.HasPrefix(target, "http") {
		target = h.srv.URL + pathQuery
	}
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, body := h.do(req)
	var b fhir.Bundle
	_ = json.Unmarshal(body, &b)
	return resp, b, body
}

// walk follows next links from the first page and returns every entry.
func (h *harness) walk(tok, first string) ([]fhir.BundleEntry, int) {
	h.t.Helper()
	var all []fhir.BundleEntry
	pages := 0
	for next := first; next != ""; {
		resp, b, body := h.fhirGet(tok, next)
		if resp.StatusCode != 200 {
			h.t.Fatalf("GET %s: HTTP %d %s", next, resp.StatusCode, body)
		}
		pages++
		all = append(all, b.Entry...)
		next = b.NextLink()
		if pages > 1000 {
			h.t.Fatal("paging does not end")
		}
	}
	return all, pages
}

func TestUserManagementAcceptsCredentialsEveryWay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	tests := []struct {
		name   string
		build  func(app string) *http.Request
		status int
	}{
		{"query parameters", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user?"+creds("app_user_id", app).Encode(), nil)
			return r
		}, 200},
		{"form fields", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader(creds("app_user_id", app).Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 200},
		{"form fields without a content type (curl -d)", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader(creds("app_user_id", app).Encode()))
			return r
		}, 200},
		{"JSON body with a numeric app_user_id", func(string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user",
				strings.NewReader(`{"app_user_id":4242,"client_id":"`+clientID+`","client_secret":"`+clientSecret+`"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 200},
		{"headers", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader("app_user_id="+app))
			r.Header.Set("client_id", clientID)
			r.Header.Set("client_secret", clientSecret)
			return r
		}, 200},
		{"HTTP Basic", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader("app_user_id="+app))
			r.SetBasicAuth(clientID, clientSecret)
			return r
		}, 200},
		{"wrong secret", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader(url.Values{"client_id": {clientID}, "client_secret": {"nope"}, "app_user_id": {app}}.Encode()))
			return r
		}, 401},
		{"no credentials", func(app string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/user-management/v1/user", strings.NewReader("app_user_id="+app))
			return r
		}, 401},
	}
	for i, tc := range tests {
		app := "person-" + string(rune('a'+i))
		resp, body := h.do(tc.build(app))
		if resp.StatusCode != tc.status {
			t.Errorf("%s: HTTP %d, want %d (%s)", tc.name, resp.StatusCode, tc.status, body)
			continue
		}
		if tc.status != 200 {
			continue
		}
		var u struct {
			Success     bool   `json:"success"`
			Code        string `json:"code"`
			OneUpUserID int64  `json:"oneup_user_id"`
			AppUserID   string `json:"app_user_id"`
			Active      bool   `json:"active"`
		}
		if err := json.Unmarshal(body, &u); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, body)
		}
		if !u.Success || u.Code == "" || u.OneUpUserID < 251 || !u.Active || u.AppUserID == "" {
			t.Errorf("%s: answer %s lacks a field of {success, code, oneup_user_id, app_user_id, active}", tc.name, body)
		}
	}
}

func TestUserExistsThenAuthCodeThenLookup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	resp, first := h.postForm("/user-management/v1/user", creds("app_user_id", "p1"))
	if resp.StatusCode != 200 || first["oneup_user_id"] != 251.0 {
		t.Fatalf("first user: HTTP %d %v, want oneup_user_id 251", resp.StatusCode, first)
	}
	resp, again := h.postForm("/user-management/v1/user", creds("app_user_id", "p1"))
	if resp.StatusCode != 400 || again["error"] != "this user already exists" || again["success"] != false {
		t.Fatalf("second create: HTTP %d %v, want 400 \"this user already exists\"", resp.StatusCode, again)
	}
	resp, code := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", "p1"))
	if resp.StatusCode != 200 || code["code"] == "" || code["code"] == first["code"] || code["oneup_user_id"] != 251.0 {
		t.Fatalf("auth-code: HTTP %d %v, want a new code for user 251", resp.StatusCode, code)
	}
	resp, missing := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", "nobody"))
	if resp.StatusCode != 404 {
		t.Errorf("auth-code for an unknown user: HTTP %d %v, want 404", resp.StatusCode, missing)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/user-management/v1/user?"+creds("app_user_id", "p1").Encode(), nil)
	resp, body := h.do(req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"oneup_user_id":251,"app_user_id":"p1","active":true}]`) {
		t.Errorf("lookup: HTTP %d %s", resp.StatusCode, body)
	}
	// Both codes work once each: the first one was never used.
	for _, c := range []any{first["code"], code["code"]} {
		resp, m := h.postForm("/fhir/oauth2/token", creds("code", c.(string), "grant_type", "authorization_code"))
		if resp.StatusCode != 200 {
			t.Errorf("exchange %v: HTTP %d %v", c, resp.StatusCode, m)
		}
	}
}

func TestUserManagementHourlyLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{UserLimit: 3})
	for i := range 3 {
		if resp, m := h.postForm("/user-management/v1/user", creds("app_user_id", "u"+string(rune('0'+i)))); resp.StatusCode != 200 {
			t.Fatalf("call %d: HTTP %d %v", i+1, resp.StatusCode, m)
		}
		h.clock.Advance(10 * time.Minute)
	}
	resp, m := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", "u0"))
	// The first call was 30 minutes ago: it leaves the window in 30 minutes.
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1800" {
		t.Fatalf("4th call in the hour: HTTP %d Retry-After %q %v, want 429 after 1800", resp.StatusCode, resp.Header.Get("Retry-After"), m)
	}
	h.clock.Advance(30 * time.Minute)
	if resp, m := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", "u0")); resp.StatusCode != 200 {
		t.Fatalf("after the window moved: HTTP %d %v", resp.StatusCode, m)
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	resp, u := h.postForm("/user-management/v1/user", creds("app_user_id", "p"))
	if resp.StatusCode != 200 {
		t.Fatal(u)
	}
	code := u["code"].(string)
	resp, tok := h.postForm("/oauth2/token", creds("code", code, "grant_type", "authorization_code"))
	if resp.StatusCode != 200 {
		t.Fatalf("exchange: %d %v", resp.StatusCode, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != 7200.0 || tok["scope"] != "user/*.*" || tok["access_token"] == "" || tok["refresh_token"] == "" {
		t.Errorf("token answer %v lacks a vendor field", tok)
	}
	steps := []struct {
		name   string
		path   string
		form   url.Values
		status int
		err    string
	}{
		{"code used twice", "/oauth2/token", creds("code", code, "grant_type", "authorization_code"), 400, "invalid_grant"},
		{"wrong client secret", "/oauth2/token", url.Values{"client_id": {clientID}, "client_secret": {"x"}, "grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}, 401, "invalid_client"},
		{"unknown grant", "/oauth2/token", creds("grant_type", "password"), 400, "unsupported_grant_type"},
		{"refresh", "/fhir/oauth2/token", creds("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string)), 200, ""},
		{"refresh token reused after rotation", "/oauth2/token", creds("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string)), 400, "invalid_grant"},
	}
	for _, s := range steps {
		resp, m := h.postForm(s.path, s.form)
		if resp.StatusCode != s.status || (s.err != "" && m["error"] != s.err) {
			t.Errorf("%s: HTTP %d %v, want %d %s", s.name, resp.StatusCode, m, s.status, s.err)
		}
		if s.status == 200 && (m["refresh_token"] == tok["refresh_token"] || m["access_token"] == tok["access_token"]) {
			t.Errorf("%s: tokens did not rotate", s.name)
		}
	}
	// An access token dies after expires_in.
	access := tok["access_token"].(string)
	if resp, _, _ := h.fhirGet(access, "/r4/Observation"); resp.StatusCode != 200 {
		t.Fatalf("fresh token: HTTP %d", resp.StatusCode)
	}
	h.clock.Advance(7200 * time.Second)
	if resp, _, body := h.fhirGet(access, "/r4/Observation"); resp.StatusCode != 401 || !strings.Contains(string(body), "OperationOutcome") {
		t.Errorf("expired token: HTTP %d %s, want 401 with an OperationOutcome", resp.StatusCode, body)
	}
}

func TestSystemLists(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	type sys struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		ResourceURL string `json:"resource_url"`
		Logo        string `json:"logo"`
		APIVersion  string `json:"api_version"`
		Status      string `json:"status"`
	}
	for _, tc := range []struct {
		kind string
		want map[int]string
	}{
		{"clinical", map[int]string{4706: "Epic test site", 4707: "Cerner Code sandbox"}},
		{"device", map[int]string{4709: "Fitbit", 4711: "Withings", 4712: "Omron Connect"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/"+tc.kind+"?"+creds().Encode(), nil)
		resp, body := h.do(req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d %s", tc.kind, resp.StatusCode, body)
		}
		var list []sys
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		got := map[int]string{}
		for _, s := range list {
			got[s.ID] = s.Name
			if s.ResourceURL == "" || s.APIVersion == "" || s.Status == "" || !strings.HasPrefix(s.Logo, h.srv.URL+"/connect/logo/") {
				t.Errorf("%s: entry %+v lacks a field", tc.kind, s)
			}
		}
		for id, name := range tc.want {
			if got[id] != name {
				t.Errorf("%s: id %d is %q, want %q", tc.kind, id, got[id], name)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/device?client_id="+clientID+"&client_secret=wrong", nil)
	if resp, _ := h.do(req); resp.StatusCode != 401 {
		t.Errorf("wrong secret: HTTP %d, want 401", resp.StatusCode)
	}
}

func TestConnectAutoApproveAndDataDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{AutoApprove: true, DataDelay: 2 * time.Second})
	tok, _ := h.token("p")
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/device/4711?client_id="+clientID+"&access_token="+tok+"&state=xyz", nil)
	resp, body := h.do(req)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("connect: HTTP %d %s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Errorf("redirected to %s, want the registered %s", got, redirectURI)
	}
	if q := loc.Query(); q.Get("state") != "xyz" || q.Get("system_id") != "4711" || q.Get("success") != "true" {
		t.Errorf("redirect query %v, want state, system_id and success", q)
	}
	if strings.Contains(loc.RawQuery, tok) {
		t.Error("the redirect carries the access token")
	}
	if got := h.sim.ConnectedSystems("p"); !slices.Equal(got, []int{4711}) {
		t.Errorf("connected systems %v", got)
	}
	// Nothing until the vendor's pull has run.
	_, b, _ := h.fhirGet(tok, "/r4/Observation?_count=1")
	if *b.Total != 0 {
		t.Errorf("before the delay: %d observations, want 0", *b.Total)
	}
	h.clock.Advance(2 * time.Second)
	_, b, _ = h.fhirGet(tok, "/r4/Observation?_count=1")
	if *b.Total == 0 {
		t.Error("after the delay: no observations")
	}

	// A device connect URL with the kind of a health system is unknown.
	req, _ = http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/clinical/4711?client_id="+clientID+"&access_token="+tok, nil)
	if resp, _ := h.do(req); resp.StatusCode != 404 {
		t.Errorf("wrong kind: HTTP %d, want 404", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/device/4709?client_id="+clientID+"&access_token=bogus", nil)
	if resp, _ := h.do(req); resp.StatusCode != 401 {
		t.Errorf("bad token: HTTP %d, want 401", resp.StatusCode)
	}
}

func TestConnectPageApproveAndDeny(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{BaseURL: "http://example.test/oneup"})
	tok, _ := h.token("p")
	for _, tc := range []struct {
		decision string
		want     url.Values
		connects bool
	}{
		{"deny", url.Values{"error": {"access_denied"}, "state": {"s1"}}, false},
		{"approve", url.Values{"success": {"true"}, "system_id": {"4706"}, "state": {"s1"}}, true},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/connect/system/clinical/4706?client_id="+clientID+"&access_token="+tok+"&state=s1", nil)
		resp, body := h.do(req)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `action="http://example.test/oneup/connect/system/clinical/4706"`) {
			t.Fatalf("page: HTTP %d %s", resp.StatusCode, body)
		}
		if strings.Contains(string(body), tok) {
			t.Error("the page carries the access token")
		}
		i := strings.Index(string(body), `name="attempt" value="`)
		attempt := string(body)[i+len(`name="attempt" value="`):]
		attempt = attempt[:strings.IndexByte(attempt, '"')]
		resp, m := h.postForm("/connect/system/clinical/4706", url.Values{"attempt": {attempt}, "decision": {tc.decision}})
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: HTTP %d %v", tc.decision, resp.StatusCode, m)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		for k := range tc.want {
			if loc.Query().Get(k) != tc.want.Get(k) {
				t.Errorf("%s: redirect %s: %s=%q, want %q", tc.decision, loc, k, loc.Query().Get(k), tc.want.Get(k))
			}
		}
		if got := len(h.sim.ConnectedSystems("p")) == 1; got != tc.connects {
			t.Errorf("%s: connected %v", tc.decision, h.sim.ConnectedSystems("p"))
		}
		// An attempt answers once.
		if resp, _ := h.postForm("/connect/system/clinical/4706", url.Values{"attempt": {attempt}, "decision": {"approve"}}); resp.StatusCode != 400 {
			t.Errorf("%s: replayed attempt: HTTP %d, want 400", tc.decision, resp.StatusCode)
		}
	}
}

func TestSearchPagingNextLinks(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"/r4", "/fhir/r4"} {
		h := newHarness(t, oneupsim.Options{})
		tok, _ := h.token("p")
		if err := h.sim.ConnectSystem("p", oneupsim.Withings); err != nil {
			t.Fatal(err)
		}
		first := prefix + "/Observation?code=http://loinc.org|85354-9&_count=7"
		entries, pages := h.walk(tok, first)
		_, b, _ := h.fhirGet(tok, first)
		total := *b.Total
		if total < 100 || len(entries) != total {
			t.Fatalf("%s: walked %d entries, total %d", prefix, len(entries), total)
		}
		if want := (total + 6) / 7; pages != want {
			t.Errorf("%s: %d pages, want %d", prefix, pages, want)
		}
		if len(b.Entry) != 7 || b.Type != "searchset" {
			t.Errorf("%s: first page has %d entries, type %q", prefix, len(b.Entry), b.Type)
		}
		if !strings.HasPrefix(b.NextLink(), h.srv.URL+prefix+"/Observation?") || !strings.Contains(b.NextLink(), "_after=") {
			t.Errorf("%s: next link %s", prefix, b.NextLink())
		}
		seen := map[string]bool{}
		var last string
		for _, e := range entries {
			var o fhir.Observation
			if err := json.Unmarshal(e.Resource, &o); err != nil {
				t.Fatal(err)
			}
			if seen[o.ID] {
				t.Fatalf("%s: %s twice", prefix, o.ID)
			}
			seen[o.ID] = true
			if !o.Code.Has(fhir.SystemLOINC, "85354-9") || len(o.Component) != 2 {
				t.Errorf("%s: %s is not a BP panel with two components", prefix, o.ID)
			}
			if o.Meta.LastUpdated < last {
				t.Errorf("%s: not in lastUpdated order", prefix)
			}
			last = o.Meta.LastUpdated
			if len(o.Meta.Tag) != 1 || o.Meta.Tag[0].System != oneupsim.TagSystemPrefix+"device" || o.Meta.Tag[0].Code != "4711" || o.Meta.Tag[0].Display != "Withings" {
				t.Errorf("%s: %s tag %+v", prefix, o.ID, o.Meta.Tag)
			}
			if e.FullURL != h.srv.URL+prefix+"/Observation/"+o.ID {
				t.Errorf("%s: fullUrl %s", prefix, e.FullURL)
			}
		}
		// Default and largest page sizes.
		for _, tc := range []struct {
			count string
			want  int
			code  int
		}{{"", 10, 200}, {"100", 100, 200}, {"500", 100, 200}, {"0", 0, 400}, {"x", 0, 400}} {
			resp, b, _ := h.fhirGet(tok, prefix+"/Observation?_count="+tc.count)
			if resp.StatusCode != tc.code || (tc.code == 200 && len(b.Entry) != tc.want) {
				t.Errorf("_count=%s: HTTP %d, %d entries; want %d, %d", tc.count, resp.StatusCode, len(b.Entry), tc.code, tc.want)
			}
		}
	}
}

func TestCodeAndLastUpdatedSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{DataDelay: time.Minute})
	tok, _ := h.token("p")
	h.sim.ConnectSystem("p", oneupsim.Fitbit)
	h.sim.ConnectSystem("p", oneupsim.EpicTestSite)
	arrived := h.clock.Now().Add(time.Minute) // history lands at once, at connect + delay
	h.clock.Advance(3 * 24 * time.Hour)       // then three days of new data
	tok = h.reauthorize("p")
	count := func(q string) int {
		t.Helper()
		resp, b, body := h.fhirGet(tok, "/r4/"+q)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d %s", q, resp.StatusCode, body)
		}
		return *b.Total
	}
	steps := count("Observation?code=http://loinc.org|66334-4")
	hr := count("Observation?code=8867-4")
	if want := 90 + 3; steps != want {
		t.Errorf("steps: %d, want %d (90 days of history, 3 new days)", steps, want)
	}
	tests := []struct {
		q    string
		want int
	}{
		{"Observation?code=http://loinc.org|66334-4,http://loinc.org|8867-4", steps + hr},
		{"Observation?code=http://loinc.org|", count("Observation")},
		{"Observation?code=|66334-4", 0},
		{"Observation?code=http://snomed.info/sct|66334-4", 0},
		{"Condition?code=http://snomed.info/sct|49436004", 1},
		{"Condition", 2},
		{"Observation?code=66334-4&_lastUpdated=le" + arrived.Format(time.RFC3339Nano), 90},
		{"Observation?code=66334-4&_lastUpdated=gt" + arrived.Format("2006-01-02T15:04:05.000Z07:00"), 3},
		{"Observation?code=66334-4&_lastUpdated=ge" + arrived.Format("2006-01-02T15:04:05.000Z07:00"), 93},
		{"Observation?code=66334-4&_lastUpdated=eq" + arrived.Format("2006-01-02"), 90},
		{"Observation?code=66334-4&_lastUpdated=lt" + arrived.Format("2006-01-02"), 0},
		{"Observation?code=66334-4&_lastUpdated=gt" + arrived.Format("2006-01-02") + "&_lastUpdated=lt2030", 3},
		{"Observation?code=66334-4&_lastUpdated=" + url.QueryEscape("gt2025-06-10T10:00:00-05:00"), 93},
		// An unescaped "+" in a query arrives as a space; the server reads it as "+".
		{"Observation?code=66334-4&_lastUpdated=gt2025-06-10T20:00:00+05:00", 93},
	}
	for _, tc := range tests {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.q, got, tc.want)
		}
	}
	resp, _, body := h.fhirGet(tok, "/r4/Observation?_lastUpdated=gtyesterday")
	if resp.StatusCode != 400 || !strings.Contains(string(body), "_lastUpdated") {
		t.Errorf("bad date: HTTP %d %s", resp.StatusCode, body)
	}
}

func TestMetadataAndUnauthorized(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	for _, p := range []string{"/r4/metadata", "/fhir/r4/metadata"} {
		resp, _, body := h.fhirGet("", p)
		var cs struct {
			ResourceType string `json:"resourceType"`
			FHIRVersion  string `json:"fhirVersion"`
		}
		json.Unmarshal(body, &cs)
		if resp.StatusCode != 200 || cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != "4.0.1" {
			t.Errorf("%s: HTTP %d %s", p, resp.StatusCode, body)
		}
	}
	for _, tok := range []string{"", "not-a-token"} {
		resp, _, body := h.fhirGet(tok, "/r4/Observation")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(body), `"OperationOutcome"`) {
			t.Errorf("token %q: HTTP %d %s", tok, resp.StatusCode, body)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{Faults: oneupsim.Faults{RetryAfter: 3 * time.Second, Hang: 50 * time.Millisecond}})
	tok, _ := h.token("p")
	h.sim.Inject(oneupsim.FaultRateLimit, oneupsim.FaultServerError, oneupsim.FaultUnavailable, oneupsim.FaultTimeout, oneupsim.FaultMalformed, oneupsim.FaultUnauthorized)
	want := []struct {
		status     int
		retryAfter string
	}{{429, "3"}, {500, ""}, {503, "3"}, {504, ""}, {200, ""}, {401, ""}, {200, ""}}
	for i, w := range want {
		resp, _, body := h.fhirGet(tok, "/r4/Observation")
		if resp.StatusCode != w.status || resp.Header.Get("Retry-After") != w.retryAfter {
			t.Errorf("request %d: HTTP %d Retry-After %q, want %d %q", i+1, resp.StatusCode, resp.Header.Get("Retry-After"), w.status, w.retryAfter)
		}
		if i == 4 && json.Valid(body) {
			t.Errorf("malformed fault sent valid JSON: %s", body)
		}
	}
	// Rates are drawn from the seed: two servers with one seed fail alike.
	sequence := func() string {
		h := newHarness(t, oneupsim.Options{Seed: 7, Faults: oneupsim.Faults{RateLimit: 0.2, ServerError: 0.2, Malformed: 0.1}})
		tok, _ := h.token("p")
		var b strings.Builder
		for range 40 {
			resp, _, body := h.fhirGet(tok, "/r4/Patient")
			if resp.StatusCode == 200 && !json.Valid(body) {
				b.WriteString("M")
			} else {
				b.WriteString(resp.Status[:3] + " ")
			}
		}
		return b.String()
	}
	s1, s2 := sequence(), sequence()
	if s1 != s2 {
		t.Errorf("same seed, different faults:\n%s\n%s", s1, s2)
	}
	n429, n500 := strings.Count(s1, "429"), strings.Count(s1, "500")
	if n429 == 0 || n500 == 0 || n429+n500 > 30 {
		t.Errorf("fault rates look wrong: %d×429, %d×500 in 40: %s", n429, n500, s1)
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	t.Parallel()
	c := newClock()
	sim := oneupsim.New(oneupsim.Options{ClientID: clientID, ClientSecret: clientSecret, Now: c.Now})
	mux := http.NewServeMux()
	mux.Handle("/oneup/", http.StripPrefix("/oneup", sim))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	h := &harness{t: t, sim: sim, srv: &httptest.Server{URL: srv.URL + "/oneup"}, clock: c, http: srv.Client()}
	tok, _ := h.token("p")
	sim.ConnectSystem("p", oneupsim.Fitbit)
	_, b, _ := h.fhirGet(tok, "/r4/Observation?_count=2")
	if next := b.NextLink(); !strings.HasPrefix(next, srv.URL+"/oneup/r4/Observation?") {
		t.Errorf("next link %s does not keep the mount point", next)
	}
	if entries, _ := h.walk(tok, "/r4/Observation?_count=50"); len(entries) != *b.Total {
		t.Errorf("walked %d of %d", len(entries), *b.Total)
	}
	got := sim.Requests()
	if got["POST /user-management/v1/user"] != 1 || got["POST /oauth2/token"] != 1 || got["GET /r4/Observation"] < 2 {
		t.Errorf("request counters %v", got)
	}
}

func TestBundleServedAsHealthSystem(t *testing.T) {
	t.Parallel()
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
	 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}},
	 {"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation","id":"o1","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/vitalsigns"],"lastUpdated":"2001-01-01T00:00:00Z"},
	   "status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2020-01-02T10:00:00-05:00","valueQuantity":{"value":81.25,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}},
	 {"fullUrl":"urn:uuid:c1","resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"49436004"}]},"onsetDateTime":"2019-05-01"}}]}`
	b, err := oneupsim.ParseBundle("inline.json", []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, oneupsim.Options{Bundle: b})
	tok, _ := h.token("p")
	h.sim.ConnectSystem("p", oneupsim.EpicTestSite)
	_, got, _ := h.fhirGet(tok, "/r4/Observation")
	if len(got.Entry) != 1 {
		t.Fatalf("%d observations, want the bundle's 1 (no synthetic data for Epic)", len(got.Entry))
	}
	var o map[string]any
	json.Unmarshal(got.Entry[0].Resource, &o)
	meta := o["meta"].(map[string]any)
	if o["valueQuantity"].(map[string]any)["value"] != 81.25 || meta["lastUpdated"] == "2001-01-01T00:00:00Z" ||
		meta["profile"] == nil || !strings.Contains(string(got.Entry[0].Resource), `"code":"4706"`) {
		t.Errorf("served resource %s", got.Entry[0].Resource)
	}
	if !strings.HasPrefix(string(got.Entry[0].Resource), `{"resourceType":"Observation"`) {
		t.Errorf("resourceType is not first: %.40s", got.Entry[0].Resource)
	}
	_, c, _ := h.fhirGet(tok, "/r4/Condition?code=http://snomed.info/sct|49436004")
	if len(c.Entry) != 1 || !strings.Contains(string(c.Entry[0].Resource), `"id":"c1"`) {
		t.Errorf("condition without id: %+v", c.Entry)
	}
	if _, err := oneupsim.ParseBundle("bad.json", []byte(`{"resourceType":"Patient"}`)); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("not a bundle: %v", err)
	}
}

func TestDeterministicPatient(t *testing.T) {
	t.Parallel()
	body := func() string {
		h := newHarness(t, oneupsim.Options{Seed: 3})
		tok, _ := h.token("p")
		h.sim.ConnectSystem("p", oneupsim.OmronConnect)
		entries, _ := h.walk(tok, "/r4/Observation?_count=100")
		var b strings.Builder
		for _, e := range entries {
			b.Write(e.Resource)
		}
		return b.String()
	}
	if a, b := body(), body(); a != b || len(a) < 1000 {
		t.Errorf("two servers with one seed serve different patients (%d and %d bytes)", len(a), len(b))
	}
}

func TestReadAndEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{})
	tok, _ := h.token("p")
	h.sim.ConnectSystem("p", oneupsim.EpicTestSite)
	_, pat, _ := h.fhirGet(tok, "/r4/Patient")
	if len(pat.Entry) != 1 {
		t.Fatalf("%d patients", len(pat.Entry))
	}
	var p struct{ ID string }
	json.Unmarshal(pat.Entry[0].Resource, &p)

	_, conds, _ := h.fhirGet(tok, "/r4/Condition")
	var c struct{ ID string }
	json.Unmarshal(conds.Entry[0].Resource, &c)
	resp, _, body := h.fhirGet(tok, "/fhir/r4/Condition/"+c.ID)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"`+c.ID+`"`) {
		t.Errorf("read Condition/%s: HTTP %d %s", c.ID, resp.StatusCode, body)
	}
	if resp, _, _ := h.fhirGet(tok, "/r4/Condition/nope"); resp.StatusCode != 404 {
		t.Errorf("read of an unknown id: HTTP %d", resp.StatusCode)
	}

	everything := func(q string) int {
		entries, _ := h.walk(tok, "/r4/Patient/"+p.ID+"/$everything?_count=50"+q)
		return len(entries)
	}
	all, obs, cond := everything(""), everything("&_type=Observation"), everything("&_type=Condition,Patient")
	if cond != 3 || obs < 30 || all != obs+cond {
		t.Errorf("$everything: %d in all, %d observations, %d conditions and patient", all, obs, cond)
	}
	if n := everything("&_since=" + url.QueryEscape(h.clock.Now().Add(time.Hour).Format(time.RFC3339))); n != 0 {
		t.Errorf("$everything since the future: %d", n)
	}
	if resp, _, _ := h.fhirGet(tok, "/r4/Patient/someone-else/$everything"); resp.StatusCode != 404 {
		t.Errorf("another patient's $everything: HTTP %d", resp.StatusCode)
	}
}
