package omronsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

func TestAuthorizeRequestChecks(t *testing.T) {
	t.Parallel()
	strict := omronsim.Client{ID: "strict", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:5000/cb"}}
	e := newEnv(t, func(o *omronsim.Options) { o.Clients = []omronsim.Client{omronsim.DefaultClient(), strict} })
	set := func(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
	tests := []struct {
		name     string
		q        url.Values
		redirect bool   // answered by a redirect to the client
		errCode  string // the redirect's error ("" for a code)
	}{
		{"the default client", authQuery(), true, ""},
		{"unknown client: never redirected", authQuery(set("client_id", "nobody")), false, ""},
		{"unregistered redirect URI: never redirected", authQuery(set("redirect_uri", "https://evil.example/callback")), false, ""},
		{"no redirect URI", authQuery(func(q url.Values) { q.Del("redirect_uri") }), false, ""},
		{"loopback on any port", authQuery(set("redirect_uri", "http://127.0.0.1:61234/callback")), true, ""},
		{"IPv6 loopback on any port", authQuery(set("redirect_uri", "http://[::1]:61234/callback")), true, ""},
		{"loopback, another path", authQuery(set("redirect_uri", "http://127.0.0.1:61234/other")), false, ""},
		{"localhost is not registered", authQuery(set("redirect_uri", "http://localhost:61234/callback")), false, ""},
		{"the paste URI", authQuery(set("redirect_uri", omronsim.DefaultPasteRedirectURI)), true, ""},
		{"strict client, its port", authQuery(set("client_id", "strict"), set("redirect_uri", "http://127.0.0.1:5000/cb")), true, ""},
		{"strict client, another port", authQuery(set("client_id", "strict"), set("redirect_uri", "http://127.0.0.1:5001/cb")), false, ""},
		{"response_type token", authQuery(set("response_type", "token")), true, "unsupported_response_type"},
		{"unknown scope", authQuery(set("scope", "bloodpressure email")), true, "invalid_scope"},
		{"no scope", authQuery(set("scope", "")), true, "invalid_scope"},
		{"challenge method S512", authQuery(set("code_challenge", challenge(verifier)), set("code_challenge_method", "S512")), true, "invalid_request"},
		{"challenge too short", authQuery(set("code_challenge", "abc"), set("code_challenge_method", "S256")), true, "invalid_request"},
		{"method without challenge", authQuery(set("code_challenge_method", "S256")), true, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.authorize(tt.q)
			if !tt.redirect {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("answer %d to %q, want a 400 page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			q := location(t, resp)
			if q.Get("state") != "st4te" {
				t.Errorf("state %q not carried back", q.Get("state"))
			}
			if q.Get("error") != tt.errCode || (tt.errCode == "") != (q.Get("code") != "") {
				t.Errorf("redirect %v, want error %q", q, tt.errCode)
			}
		})
	}
}

func TestConsentPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *omronsim.Options) { o.AutoApprove = false })
	p := e.sim.Patients()[0]
	resp, err := http.Get(e.base + "/connect/authorize?" + authQuery().Encode())
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		page.Write(buf[:n])
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	for _, want := range []string{`<form method="post"`, `name="password"`, `value="approve"`, `value="deny"`, `<li>bloodpressure</li>`, `name="state" value="st4te"`, "vitals (sandbox)"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}
	form := func(decision, email, password string) url.Values {
		f := authQuery()
		f.Set("decision", decision)
		f.Set("email", email)
		f.Set("password", password)
		return f
	}
	postForm := func(f url.Values) *http.Response {
		resp, err := noFollow.PostForm(e.base+"/connect/authorize", f)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if q := location(t, postForm(form("deny", "", ""))); q.Get("error") != "access_denied" || q.Get("state") != "st4te" || q.Get("code") != "" {
		t.Errorf("deny: %v", q)
	}
	if resp := postForm(form("approve", p.Email, "wrong")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d, want 401 and the page again", resp.StatusCode)
	}
	tampered := form("approve", p.Email, p.Password)
	tampered.Set("redirect_uri", "https://evil.example/callback")
	if resp := postForm(tampered); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("a tampered form: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := location(t, postForm(form("approve", strings.ToUpper(p.Email), p.Password)))
	if q.Get("code") == "" || q.Get("state") != "st4te" {
		t.Fatalf("approve: %v", q)
	}
	if status, _, raw := e.token(exchangeForm(q.Get("code"))); status != 200 {
		t.Errorf("the approved code: %d %s", status, raw)
	}
}

func TestTokenExchangeChecks(t *testing.T) {
	t.Parallel()
	other := omronsim.Client{ID: "other", Secret: "other-secret", RedirectURIs: []string{redirect}}
	e := newEnv(t, func(o *omronsim.Options) { o.Clients = []omronsim.Client{omronsim.DefaultClient(), other} })
	pkce := func(method string, c string) func(url.Values) {
		return func(q url.Values) { q.Set("code_challenge", c); q.Set("code_challenge_method", method) }
	}
	with := func(k, v string) func(url.Values) { return func(f url.Values) { f.Set(k, v) } }
	tests := []struct {
		name   string
		auth   []func(url.Values)
		form   []func(url.Values)
		header http.Header
		status int
		err    string
	}{
		{name: "plain exchange", status: 200},
		{name: "wrong secret", form: []func(url.Values){with("client_secret", "guess")}, status: 401, err: "invalid_client"},
		{name: "no client", form: []func(url.Values){with("client_id", ""), with("client_secret", "")}, status: 401, err: "invalid_client"},
		{name: "HTTP Basic", form: []func(url.Values){with("client_id", ""), with("client_secret", "")}, header: basic(clientID, secret), status: 200},
		{name: "another client's code", form: []func(url.Values){with("client_id", "other"), with("client_secret", "other-secret")}, status: 400, err: "invalid_grant"},
		{name: "no grant type", form: []func(url.Values){with("grant_type", "")}, status: 400, err: "invalid_request"},
		{name: "password grant", form: []func(url.Values){with("grant_type", "password")}, status: 400, err: "unsupported_grant_type"},
		{name: "unknown code", form: []func(url.Values){with("code", "d32af9ff1e30e34a9b1434e2ad38b6dd")}, status: 400, err: "invalid_grant"},
		{name: "redirect URI mismatch", form: []func(url.Values){with("redirect_uri", "http://127.0.0.1:1/callback")}, status: 400, err: "invalid_grant"},
		{name: "scope wider than granted", auth: []func(url.Values){func(q url.Values) { q.Set("scope", "weight openid") }}, status: 400, err: "invalid_scope"},
		{name: "PKCE S256", auth: []func(url.Values){pkce("S256", challenge(verifier))}, form: []func(url.Values){with("code_verifier", verifier)}, status: 200},
		{name: "PKCE plain", auth: []func(url.Values){pkce("plain", verifier)}, form: []func(url.Values){with("code_verifier", verifier)}, status: 200},
		{name: "PKCE wrong verifier", auth: []func(url.Values){pkce("S256", challenge(verifier))}, form: []func(url.Values){with("code_verifier", strings.Repeat("a", 43))}, status: 400, err: "invalid_grant"},
		{name: "PKCE verifier missing", auth: []func(url.Values){pkce("S256", challenge(verifier))}, status: 400, err: "invalid_grant"},
		{name: "PKCE S256 verifier sent as the challenge", auth: []func(url.Values){pkce("S256", challenge(verifier))}, form: []func(url.Values){with("code_verifier", challenge(verifier))}, status: 400, err: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := exchangeForm(e.code(tt.auth...), tt.form...)
			status, body, raw := e.post("/connect/token", f, tt.header)
			if status != tt.status || errorCode(body) != tt.err {
				t.Errorf("answer %d %s, want %d %s", status, raw, tt.status, tt.err)
			}
			if status != 200 && body["success"] != false {
				t.Errorf("an error answer without success:false: %s", raw)
			}
		})
	}
	t.Run("a form is required", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/connect/token", strings.NewReader(`{"grant_type":"authorization_code"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("JSON body: %d, want 400", resp.StatusCode)
		}
	})
}

func basic(user, pass string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return h
}

func TestCodesAreSingleUseAndShortLived(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	code := e.code()
	status, body, _ := e.token(exchangeForm(code))
	if status != 200 {
		t.Fatal(status)
	}
	access := body["access_token"].(string)
	if status, _, _ := e.api(access, url.Values{"since": {"2026-03-01"}, "type": {"weight"}}); status != 200 {
		t.Fatalf("the access token: %d", status)
	}
	status, body, _ = e.token(exchangeForm(code))
	if status != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("reused code: %d %v", status, body)
	}
	// A code used twice revokes what it gave (RFC 6749 §4.1.2).
	if status, _, _ := e.api(access, url.Values{"since": {"2026-03-01"}, "type": {"weight"}}); status != 401 {
		t.Errorf("the first exchange's token after a replay: %d, want 401", status)
	}

	young, old := e.code(), e.code()
	e.clock.Advance(9 * time.Minute)
	if status, _, raw := e.token(exchangeForm(young)); status != 200 {
		t.Errorf("a 9-minute-old code: %d %s", status, raw)
	}
	e.clock.Advance(time.Minute + time.Second)
	if status, body, _ := e.token(exchangeForm(old)); status != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("a code older than 10 minutes: %d %v", status, body)
	}
}

func TestTokenAnswerShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	p := e.sim.Patients()[0]
	status, body, raw := e.token(exchangeForm(e.code()))
	if status != 200 {
		t.Fatal(raw)
	}
	// The guide's order: success, access_token, refresh_token, (id_token,)
	// expiresIn, tokenType.
	order := []string{`"success":true`, `"access_token":`, `"refresh_token":`, `"id_token":`, `"expiresIn":3600`, `"tokenType":"Bearer"`}
	last := -1
	for _, k := range order {
		i := strings.Index(raw, k)
		if i <= last {
			t.Fatalf("%s missing or out of order in %s", k, raw)
		}
		last = i
	}
	parts := strings.Split(body["id_token"].(string), ".")
	if len(parts) != 3 {
		t.Fatalf("id_token has %d parts", len(parts))
	}
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	if !strings.Contains(string(head), `"alg":"HS256"`) || claims["sub"] != p.ID || claims["email"] != p.Email || claims["aud"] != clientID {
		t.Errorf("id_token header %s claims %v", head, claims)
	}

	// The next answer (a refresh) spells it RFC 6749's way, and has no id_token.
	status, body, raw = e.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {secret},
		"redirect_uri": {redirect}, "refresh_token": {body["refresh_token"].(string)}})
	if status != 200 || body["expires_in"] != 3600.0 || body["token_type"] != "Bearer" || body["id_token"] != nil || body["expiresIn"] != nil {
		t.Errorf("refresh answer: %d %s", status, raw)
	}

	for _, tt := range []struct {
		style     omronsim.TokenStyle
		scope     string
		want, not []string
	}{
		{omronsim.StyleCamel, scopes, []string{"expiresIn", "tokenType"}, []string{"expires_in"}},
		{omronsim.StyleSnake, scopes, []string{"expires_in", "token_type"}, []string{"expiresIn"}},
		{omronsim.StyleCamel, "weight openid", []string{"id_token"}, []string{"refresh_token"}},
		{omronsim.StyleCamel, "weight offline_access", []string{"refresh_token"}, []string{"id_token"}},
	} {
		e := newEnv(t, func(o *omronsim.Options) { o.TokenStyle = tt.style })
		code := e.code(func(q url.Values) { q.Set("scope", tt.scope) })
		_, _, raw := e.token(exchangeForm(code, func(f url.Values) { f.Set("scope", tt.scope) }))
		for _, k := range tt.want {
			if !strings.Contains(raw, `"`+k+`"`) {
				t.Errorf("style %d scope %q: no %s in %s", tt.style, tt.scope, k, raw)
			}
		}
		for _, k := range tt.not {
			if strings.Contains(raw, `"`+k+`"`) {
				t.Errorf("style %d scope %q: %s in %s", tt.style, tt.scope, k, raw)
			}
		}
	}
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {secret}, "redirect_uri": {redirect}, "refresh_token": {rt}}
}

func TestRefreshTokensRotate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *omronsim.Options) { o.RefreshTokenTTL = 48 * time.Hour })
	access, rt := e.tokens()
	status, body, raw := e.token(refreshForm(rt))
	if status != 200 {
		t.Fatal(raw)
	}
	newRT := body["refresh_token"].(string)
	if newRT == rt || body["access_token"] == access {
		t.Fatal("the refresh did not rotate the tokens")
	}
	if status, body, _ := e.token(refreshForm(rt)); status != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("the old refresh token: %d %v, want invalid_grant", status, body)
	}
	noRedirect := refreshForm(newRT)
	noRedirect.Del("redirect_uri")
	if status, body, _ := e.token(noRedirect); status != 400 || errorCode(body) != "invalid_request" {
		t.Errorf("no redirect_uri: %d %v", status, body)
	}
	otherRedirect := refreshForm(newRT)
	otherRedirect.Set("redirect_uri", "http://127.0.0.1:1/callback")
	if status, body, _ := e.token(otherRedirect); status != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("another redirect_uri: %d %v", status, body)
	}
	status, body, _ = e.token(refreshForm(newRT))
	if status != 200 {
		t.Fatal("the new refresh token was refused")
	}
	latest := body["refresh_token"].(string)

	// Access tokens expire after expiresIn; refresh tokens after their TTL.
	e.clock.Advance(3601 * time.Second)
	if status, _, _ := e.api(body["access_token"].(string), url.Values{"since": {"2026-03-01"}, "type": {"weight"}}); status != 401 {
		t.Errorf("an expired access token: %d, want 401", status)
	}
	e.clock.Advance(48 * time.Hour)
	if status, body, _ := e.token(refreshForm(latest)); status != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("an expired refresh token: %d %v", status, body)
	}
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	q := url.Values{"since": {"2026-03-01"}, "type": {"weight"}}
	revoke := func(tok, hint, sec string) int {
		status, _, _ := e.post("/connect/revocation", url.Values{"token": {tok}, "token_type_hint": {hint}, "client_id": {clientID}, "client_secret": {sec}}, nil)
		return status
	}
	access, rt := e.tokens()
	if s := revoke(access, "access_token", "guess"); s != 401 {
		t.Errorf("wrong secret: %d", s)
	}
	if s := revoke(access, "access_token", secret); s != 200 {
		t.Errorf("revoke access: %d", s)
	}
	if s, _, _ := e.api(access, q); s != 401 {
		t.Errorf("a revoked access token: %d", s)
	}
	if s, _, _ := e.token(refreshForm(rt)); s != 200 {
		t.Errorf("the refresh token after revoking an access token: %d", s)
	}
	access, rt = e.tokens()
	if s := revoke(rt, "refresh_token", secret); s != 200 {
		t.Errorf("revoke refresh: %d", s)
	}
	if s, body, _ := e.token(refreshForm(rt)); s != 400 || errorCode(body) != "invalid_grant" {
		t.Errorf("a revoked refresh token: %d %v", s, body)
	}
	if s, _, _ := e.api(access, q); s != 401 {
		t.Errorf("the grant's access token after revoking its refresh token: %d", s)
	}
	if s := revoke("unknown", "", secret); s != 200 {
		t.Errorf("an unknown token: %d, want 200 (RFC 7009)", s)
	}
	if s := revoke("", "", secret); s != 400 {
		t.Errorf("no token: %d", s)
	}
}
