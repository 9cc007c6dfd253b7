package omronsim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// codeTTL is how long an authorization code can be exchanged (the guide:
// "~ 10 minutes").
const codeTTL = 10 * time.Minute

// Scopes the server knows.
var knownScopes = []string{"bloodpressure", "activity", "weight", "temperature", "oxygen", "openid", "offline_access"}

type grant struct {
	client      string
	patient     *patient
	scopes      []string
	redirectURI string
	revoked     bool
}

func (g *grant) has(scope string) bool { return slices.Contains(g.scopes, scope) }

type authCode struct {
	grant     *grant
	challenge string
	method    string
	issued    time.Time
	used      bool
}

type accessToken struct {
	grant   *grant
	expires time.Time
	revoked bool
}

type refreshToken struct {
	grant   *grant
	expires time.Time // zero: never
	used    bool      // rotated away
	usedAt  time.Time
}

// authRequest is a validated authorization request.
type authRequest struct {
	client      Client
	redirectURI string
	state       string
	scopes      []string
	challenge   string
	method      string
}

// authError is a refused authorization request: sent back to the client's
// redirect URI when that URI is trusted, shown on a page otherwise (RFC
// 6749 §4.1.2.1: never redirect to an unregistered URI).
type authError struct {
	redirect    bool
	code, desc  string
	redirectURI string
	state       string
}

func (s *Server) parseAuthRequest(q url.Values) (authRequest, *authError) {
	s.mu.Lock()
	c, ok := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	if !ok {
		return authRequest{}, &authError{code: "invalid_client", desc: "Unknown client_id. The application is not registered with Omron."}
	}
	ru := q.Get("redirect_uri")
	if ru == "" || !c.Allows(ru) {
		return authRequest{}, &authError{code: "invalid_request", desc: "The redirect_uri is not one registered for this application."}
	}
	req := authRequest{client: c, redirectURI: ru, state: q.Get("state"), challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	fail := func(code, desc string) (authRequest, *authError) {
		return authRequest{}, &authError{redirect: true, code: code, desc: desc, redirectURI: ru, state: req.state}
	}
	if q.Get("response_type") != "code" {
		return fail("unsupported_response_type", "response_type must be code")
	}
	req.scopes = strings.Fields(q.Get("scope"))
	if len(req.scopes) == 0 {
		return fail("invalid_scope", "scope is required")
	}
	for _, sc := range req.scopes {
		if !slices.Contains(knownScopes, sc) {
			return fail("invalid_scope", "unknown scope "+sc)
		}
	}
	switch {
	case req.challenge == "" && req.method != "":
		return fail("invalid_request", "code_challenge_method without code_challenge")
	case req.challenge != "" && req.method == "":
		req.method = "plain" // RFC 7636 §4.3
	}
	if req.method != "" && req.method != "S256" && req.method != "plain" {
		return fail("invalid_request", "code_challenge_method must be S256 or plain")
	}
	if req.challenge != "" && !validVerifier(req.challenge) {
		return fail("invalid_request", "code_challenge is malformed")
	}
	return req, nil
}

// validVerifier checks RFC 7636's 43 to 128 unreserved characters (a
// challenge has the same alphabet).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("-._~", r):
		default:
			return false
		}
	}
	return true
}

func (s *Server) refuseAuth(w http.ResponseWriter, r *http.Request, e *authError) {
	if e.redirect {
		redirectTo(w, r, e.redirectURI, url.Values{"error": {e.code}, "error_description": {e.desc}}, e.state)
		return
	}
	renderPage(w, http.StatusBadRequest, pageData{Title: "Omron Wellness: request refused", Error: e.desc})
}

func redirectTo(w http.ResponseWriter, r *http.Request, uri string, params url.Values, state string) {
	u, _ := url.Parse(uri) // validated against the registered URIs
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	req, aerr := s.parseAuthRequest(r.URL.Query())
	if aerr != nil {
		s.refuseAuth(w, r, aerr)
		return
	}
	s.mu.Lock()
	auto := s.autoApprove
	s.mu.Unlock()
	q := r.URL.Query()
	// OpenID Connect's login_hint names who is signing in: it fills the
	// e-mail in, and auto-approval approves as that patient. A hint that
	// names nobody shows the page rather than approve as someone else.
	hint := strings.TrimSpace(q.Get("login_hint"))
	who := s.patients[0]
	if hint != "" {
		who = s.findPatient(hint)
	}
	if auto && who != nil {
		redirectTo(w, r, req.redirectURI, url.Values{"code": {s.issueCode(req, who)}}, req.state)
		return
	}
	if hint != "" && q.Get("email") == "" {
		q.Set("email", hint)
	}
	renderPage(w, http.StatusOK, s.consentData(req, q, ""))
}

func (s *Server) authorizeForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Omron Wellness: request refused", Error: "The form could not be read."})
		return
	}
	form := r.PostForm
	req, aerr := s.parseAuthRequest(form)
	if aerr != nil {
		s.refuseAuth(w, r, aerr)
		return
	}
	if form.Get("decision") != "approve" {
		redirectTo(w, r, req.redirectURI, url.Values{"error": {"access_denied"}}, req.state)
		return
	}
	// By e-mail, then the password: a sign-in costs the same among two
	// patients or ten thousand.
	who := s.byEmail[strings.ToLower(strings.TrimSpace(form.Get("email")))]
	if who != nil && subtle.ConstantTimeCompare([]byte(who.Password), []byte(form.Get("password"))) != 1 {
		who = nil
	}
	if who == nil {
		renderPage(w, http.StatusUnauthorized, s.consentData(req, form, "The e-mail address or password is not right."))
		return
	}
	redirectTo(w, r, req.redirectURI, url.Values{"code": {s.issueCode(req, who)}}, req.state)
}

func (s *Server) issueCode(req authRequest, p *patient) string {
	code := randomToken(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = &authCode{
		grant:     &grant{client: req.client.ID, patient: p, scopes: req.scopes, redirectURI: req.redirectURI},
		challenge: req.challenge,
		method:    req.method,
		issued:    s.now(),
	}
	s.issued = append(s.issued, code)
	return code
}

// token serves both grants of the token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if f := s.drawFault(EndpointToken); f != "" {
		if s.transportFault(w, r, f) {
			return
		}
		if f == FaultRevoked {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the grant has been revoked")
			return
		}
		if f == FaultMalformed {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"success": true, "access_token": "`))
			return
		}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	form := r.PostForm
	client, ok := s.authenticateClient(r, form)
	if !ok {
		if _, _, basic := r.BasicAuth(); basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="omron"`)
		}
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		s.exchange(w, client, form)
	case "refresh_token":
		s.refreshGrant(w, r, client, form)
	case "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// authenticateClient checks the client's id and secret, from the form (as
// the guide sends them) or HTTP Basic.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (Client, bool) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok {
		id, secret = bid, bsecret
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	if !ok || id == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, false
	}
	return c, true
}

func (s *Server) exchange(w http.ResponseWriter, client Client, form url.Values) {
	code := form.Get("code")
	if code == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "code is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ac, ok := s.codes[code]
	switch {
	case !ok:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown authorization code")
		return
	case ac.used:
		// RFC 6749 §4.1.2: a code used twice revokes what it gave.
		ac.grant.revoked = true
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code has already been used")
		return
	case s.now().Sub(ac.issued) > codeTTL:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code has expired")
		return
	case ac.grant.client != client.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code was issued to another client")
		return
	case form.Get("redirect_uri") != ac.grant.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	if ac.challenge != "" {
		v := form.Get("code_verifier")
		if v == "" {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier is required: the authorization request sent a code_challenge")
			return
		}
		if !validVerifier(v) || !pkceMatches(ac.challenge, ac.method, v) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
	}
	if sc := strings.Fields(form.Get("scope")); len(sc) > 0 {
		for _, x := range sc {
			if !ac.grant.has(x) {
				tokenError(w, http.StatusBadRequest, "invalid_scope", "scope "+x+" was not granted")
				return
			}
		}
	}
	ac.used = true
	g := ac.grant
	s.grants[g.patient] = append(s.grants[g.patient], g)
	s.writeTokens(w, g, true)
}

func pkceMatches(challenge, method, verifier string) bool {
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request, client Client, form url.Values) {
	rt := form.Get("refresh_token")
	if rt == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.refresh[rt]
	if ok && t.used {
		// Recorded whatever else is wrong with the request: the token
		// was presented again, and that is what a test looks for.
		s.reuse.add(RefreshReuse{User: t.grant.patient.ID, At: s.now(), RotatedAt: t.usedAt, Refused: true, Remote: r.RemoteAddr})
	}
	if form.Get("redirect_uri") == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is required")
		return
	}
	switch {
	case !ok:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
		return
	case t.used:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token has already been used")
		return
	case t.grant.revoked:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the grant has been revoked")
		return
	case !t.expires.IsZero() && !s.now().Before(t.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token has expired")
		return
	case t.grant.client != client.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
		return
	case form.Get("redirect_uri") != t.grant.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the one of the authorization")
		return
	}
	t.used, t.usedAt = true, s.now()
	s.reuse.rotations++
	s.writeTokens(w, t.grant, false)
}

// writeTokens issues tokens for a grant and answers in the guide's shape:
// success, access_token, refresh_token, id_token (first exchange, with
// openid), then expiresIn and tokenType, or expires_in and token_type.
// The caller holds s.mu.
func (s *Server) writeTokens(w http.ResponseWriter, g *grant, first bool) {
	now := s.now()
	at := randomToken(32)
	s.access[at] = &accessToken{grant: g, expires: now.Add(s.opt.AccessTokenTTL)}
	s.issued = append(s.issued, at)
	body := []pair{{"success", true}, {"access_token", at}}
	if g.has("offline_access") {
		rt := randomToken(48)
		s.refresh[rt] = &refreshToken{grant: g}
		if s.opt.RefreshTokenTTL > 0 {
			s.refresh[rt].expires = now.Add(s.opt.RefreshTokenTTL)
		}
		s.issued = append(s.issued, rt)
		body = append(body, pair{"refresh_token", rt})
	}
	if first && g.has("openid") {
		id := s.idToken(g, now)
		s.issued = append(s.issued, id)
		body = append(body, pair{"id_token", id})
	}
	camel := s.opt.TokenStyle == StyleCamel || (s.opt.TokenStyle == StyleAlternate && s.tokenAnswer%2 == 0)
	s.tokenAnswer++
	secs := int(s.opt.AccessTokenTTL / time.Second)
	if camel {
		body = append(body, pair{"expiresIn", secs}, pair{"tokenType", "Bearer"})
	} else {
		body = append(body, pair{"expires_in", secs}, pair{"token_type", "Bearer"})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOrdered(w, http.StatusOK, body)
}

// idToken is an HS256 JWT with the claims Omron's carries (sub, email and
// the Cognito-style extras), signed with the server's own key.
func (s *Server) idToken(g *grant, now time.Time) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "omronsim"})
	claims := enc(map[string]any{
		"sub":            g.patient.ID,
		"email":          g.patient.Email,
		"email_verified": true,
		"iss":            "https://omronsim.invalid",
		"aud":            g.client,
		"token_use":      "id",
		"auth_time":      now.Unix(),
		"iat":            now.Unix(),
		"exp":            now.Add(time.Hour).Unix(),
	})
	mac := hmac.New(sha256.New, s.idKey)
	mac.Write([]byte(head + "." + claims))
	return head + "." + claims + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// revocation serves RFC 7009 revocation: revoking a refresh token ends its
// grant; revoking an access token ends that token. Unknown tokens are not
// an error.
func (s *Server) revocation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	client, ok := s.authenticateClient(r, r.PostForm)
	if !ok {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	s.mu.Lock()
	if t, ok := s.refresh[tok]; ok && t.grant.client == client.ID {
		t.grant.revoked = true
	}
	if t, ok := s.access[tok]; ok && t.grant.client == client.ID {
		t.revoked = true
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// bearer returns the grant of a request's access token, or nil.
func (s *Server) bearer(r *http.Request, revokeIt bool) *grant {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.access[strings.TrimSpace(tok)]
	if !ok || t.revoked || t.grant.revoked || !s.now().Before(t.expires) {
		return nil
	}
	if revokeIt {
		t.revoked = true
		return nil
	}
	return t.grant
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeOrdered(w, status, []pair{{"success", false}, {"error", code}, {"error_description", desc}})
}

type pair struct {
	k string
	v any
}

// writeOrdered writes a JSON object with its members in the given order,
// as the guide's examples show them.
func writeOrdered(w http.ResponseWriter, status int, members []pair) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(ordered(members))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// randomToken returns n random bytes as hex, like the guide's codes.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type pageData struct {
	Title     string
	Error     string
	App       string
	Scopes    []string
	Hidden    map[string]string
	Email     string
	HintEmail string
	HintPass  string
	Others    int // patients besides the hinted one
}

func (s *Server) consentData(req authRequest, q url.Values, errText string) pageData {
	hidden := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"} {
		if v := q.Get(k); v != "" {
			hidden[k] = v
		}
	}
	first := s.patients[0]
	name := req.client.Name
	if name == "" {
		name = req.client.ID
	}
	return pageData{
		Title: "Omron Wellness: sign in", Error: errText, App: name, Scopes: req.scopes, Hidden: hidden,
		Email: q.Get("email"), HintEmail: first.Email, HintPass: first.Password, Others: len(s.patients) - 1,
	}
}

// page is the sign-in and consent page. It works without JavaScript and
// in a headless browser: a plain form that posts back to the page's own
// address (no action attribute), labelled inputs, an error a screen reader
// announces and the inputs point to, a viewport for phones, and colours
// with a contrast of at least 7:1. Deny skips the browser's check of the
// required fields (formnovalidate): refusing needs no password.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:1rem;line-height:1.5;color:#1a1a1a;background:#fff;max-width:34em;margin:2em auto;padding:0 1em}
label{display:block;margin:.9em 0 .2em;font-weight:600}
input[type=email],input[type=password]{display:block;width:100%;box-sizing:border-box;font-size:1rem;padding:.55em;border:1px solid #555;border-radius:4px;color:#1a1a1a;background:#fff}
input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.8em;margin-top:1.3em}
button{font-size:1rem;padding:.6em 1.2em;border-radius:4px;border:1px solid #1a1a1a;cursor:pointer}
.allow{background:#0b5394;border-color:#0b5394;color:#fff}
.deny{background:#fff;color:#1a1a1a}
.err{color:#7a0000;background:#fdecea;border:1px solid #7a0000;border-radius:4px;padding:.6em .8em}
.hint{color:#444;font-size:.9rem;margin-top:2em}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{with .Error}}<p class="err" id="error" role="alert">{{.}}</p>
{{end}}{{if .App}}<p><strong>{{.App}}</strong> asks to read your Omron Wellness data:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form method="post">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="email">E-mail address</label>
<input id="email" name="email" type="email" value="{{.Email}}" autocomplete="username" autocapitalize="none" spellcheck="false" required{{if .Error}} aria-invalid="true" aria-describedby="error"{{else}} autofocus{{end}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{{if .Error}} aria-invalid="true" aria-describedby="error" autofocus{{end}}>
<div class="actions">
<button type="submit" name="decision" value="approve" class="allow">Sign in and allow</button>
<button type="submit" name="decision" value="deny" class="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="hint">Sandbox patient: {{.HintEmail}}, password {{.HintPass}}{{with .Others}} ({{.}} more patients, each with a password of their own){{end}}</p>
{{end}}</main>
</body>
</html>
`))

func renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	page.Execute(w, d)
}
