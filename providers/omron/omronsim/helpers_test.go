package omronsim_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"vitals/clocktest"
	"vitals/providers/omron/omronsim"
)

// These tests speak to the server only in HTTP, as a partner would.

var simNow = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

type env struct {
	sim   *omronsim.Server
	base  string
	clock *clocktest.Clock
	t     testing.TB
}

const (
	clientID = omronsim.DefaultClientID
	secret   = omronsim.DefaultClientSecret
	redirect = "http://127.0.0.1:53682/callback"
	scopes   = "bloodpressure activity weight temperature oxygen openid offline_access"
)

func newEnv(t testing.TB, mod func(*omronsim.Options)) *env {
	t.Helper()
	e := &env{clock: clocktest.New(simNow), t: t}
	opt := omronsim.Options{Now: e.clock.Now, Seed: 1, AutoApprove: true}
	if mod != nil {
		mod(&opt)
	}
	e.sim = omronsim.New(opt)
	ts := httptest.NewServer(e.sim)
	t.Cleanup(ts.Close)
	e.base = ts.URL
	return e
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize GETs the authorization endpoint and returns the answer,
// without following a redirect.
func (e *env) authorize(q url.Values) *http.Response {
	e.t.Helper()
	resp, err := noFollow.Get(e.base + "/connect/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func authQuery(mods ...func(url.Values)) url.Values {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirect}, "scope": {scopes}, "state": {"st4te"}}
	for _, m := range mods {
		m(q)
	}
	return q
}

func location(t testing.TB, resp *http.Response) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("answer %d, want a 302 redirect", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// code runs an auto-approved authorization and returns its code.
func (e *env) code(mods ...func(url.Values)) string {
	e.t.Helper()
	q := location(e.t, e.authorize(authQuery(mods...)))
	if q.Get("code") == "" {
		e.t.Fatalf("no code in the redirect: %v", q)
	}
	return q.Get("code")
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636's example

// post sends a form and returns the status, the decoded JSON object and
// the raw body.
func (e *env) post(path string, form url.Values, header http.Header) (int, map[string]any, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func (e *env) token(form url.Values) (int, map[string]any, string) {
	e.t.Helper()
	return e.post("/connect/token", form, nil)
}

func exchangeForm(code string, mods ...func(url.Values)) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "client_secret": {secret}, "redirect_uri": {redirect}, "code": {code}, "scope": {scopes}}
	for _, m := range mods {
		m(f)
	}
	return f
}

// tokens links the first patient and returns the access and refresh tokens.
func (e *env) tokens() (string, string) {
	e.t.Helper()
	status, body, raw := e.token(exchangeForm(e.code()))
	if status != 200 {
		e.t.Fatalf("exchange: %d %s", status, raw)
	}
	return body["access_token"].(string), body["refresh_token"].(string)
}

func (e *env) api(accessToken string, form url.Values) (int, map[string]any, string) {
	e.t.Helper()
	h := http.Header{}
	if accessToken != "" {
		h.Set("Authorization", "Bearer "+accessToken)
	}
	return e.post("/api/measurement", form, h)
}

func errorCode(body map[string]any) string {
	s, _ := body["error"].(string)
	return s
}
