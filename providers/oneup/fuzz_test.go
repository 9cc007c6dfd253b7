package oneup

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"vitals/providers"
	"vitals/providers/providertest"
	"vitals/store"
)

// The secrets the targets hand the client: what a next link, a cursor or
// an error must never carry away.
const (
	fuzzToken        = "tok-Vb8mQx3zK7wN"
	fuzzRefresh      = "ref-Lc5hGt9pD2sJ"
	fuzzOldRefresh   = "old-Ys4kWn6rB1qF"
	fuzzCode         = "code-Ae7uMz2xP9vH"
	fuzzClientSecret = "sec-Nd3jRf8cT5yL"
)

// withSecrets writes the secrets and addresses a seed holds as
// placeholders out: $HOST the FHIR server, $EVIL another server, $TOKEN
// the access token, $ACCESS and $REFRESH the tokens an answer gives.
func withSecrets(s, host, evil string) string {
	return strings.NewReplacer("$HOST", host, "$EVIL", evil, "$TOKEN", fuzzToken, "$ACCESS", fuzzToken, "$REFRESH", fuzzRefresh).Replace(s)
}

// secretParam reports whether a query parameter's name is one of the
// secrets a next link must not carry into a cursor, in any case.
func secretParam(name string) bool {
	return slices.Contains(secretParams, strings.ToLower(name))
}

// underBase checks the rule every request the client sends a token with
// keeps: the FHIR base's scheme and host, a path inside the base's as
// sent (escaped) with no dot segment or escaped separator (a server may
// resolve "r4/%2e%2e/x" or "r4%2F..%2Fx" to "/x"), and no secret
// parameter in the query, whatever separator or escape hides it.
func underBase(base *url.URL, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return errors.New("another scheme or host")
	}
	// The path as the server receives it, escaped.
	if !strings.HasPrefix(u.EscapedPath(), base.EscapedPath()+"/") {
		return errors.New("a path outside the base")
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if dec, err := url.PathUnescape(seg); err != nil || dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
			return errors.New("a dot segment or an escaped separator")
		}
	}
	for _, pair := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		k, _, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); secretParam(k) || (err == nil && secretParam(uk)) {
			return errors.New("a secret parameter " + k)
		}
	}
	return nil
}

var fuzzBases = []string{"/r4", "/fhir/r4", ""}

// FuzzNextLink: a next link is kept only when it stays on the FHIR base
// (underBase), and it is kept as the same page: the same path, and the
// same query less the secret parameters. Checking the link it keeps
// again gives it back unchanged. An error names where a refused link
// pointed, never the token or the query.
func FuzzNextLink(f *testing.F) {
	got := simCapture(f)
	for _, e := range got.of(http.MethodGet, "/r4/") {
		var b struct {
			Link []struct{ Relation, URL string }
		}
		json.Unmarshal([]byte(e.body), &b)
		for _, l := range b.Link {
			f.Add(l.URL, uint8(0))
		}
	}
	for _, link := range []string{
		"Observation?_after=x", "/r4/Observation?page=2", "$HOST/r4/Observation?page=2&access_token=$TOKEN",
		"$EVIL/r4/Observation?page=2", "//evil.example/r4/Observation", "$HOST/r4/../admin", "$HOST/r4/%2e%2e/admin",
		"$HOST/r4/Observation?_after=x;access_token=$TOKEN", "$HOST/r4/Observation?_after=x&access_token=$TOKEN%zz",
		"$HOST/r4/Observation?ACCESS_TOKEN=$TOKEN", "$HOST/r4/Observation?access%5Ftoken=$TOKEN", "$HOST/r4",
		"$HOST/r4x/Observation", "https://user:pw@127.0.0.1:8080/r4/Observation", "javascript:alert(1)", "%zz", "",
		"$HOST/r4%2FObservation", "$HOST/r4/..%2F..%2Fadmin", "$HOST/r4/Observation%5C..%5Cadmin",
	} {
		f.Add(link, uint8(0))
		f.Add(link, uint8(1))
		f.Add(link, uint8(2))
	}
	const host = "http://127.0.0.1:8080"
	f.Fuzz(func(t *testing.T, link string, variant uint8) {
		base, _ := url.Parse(host + fuzzBases[int(variant)%len(fuzzBases)])
		s := &Source{base: base}
		next := withSecrets(link, host, "http://127.0.0.1:9")
		rel, err := s.relative(next)
		if err != nil {
			if strings.Contains(err.Error(), fuzzToken) {
				t.Fatalf("the error repeats the token: %v", err)
			}
			if u, perr := url.Parse(next); perr == nil && u.RawQuery != "" && len(u.RawQuery) > 3 && strings.Contains(err.Error(), u.RawQuery) {
				t.Fatalf("the error repeats the query: %v", err)
			}
			return
		}
		target := base.String() + "/" + rel
		if err := underBase(base, target); err != nil {
			t.Fatalf("%q kept as %q: %v", next, rel, err)
		}
		if again, err := s.relative(target); err != nil || again != rel {
			t.Fatalf("%q kept as %q, which checks as %q, %v", next, rel, again, err)
		}
		// The same page: the link resolved as a browser would, less the
		// secrets.
		dir := *base
		dir.Path += "/"
		ref, _ := url.Parse(next)
		want, kept := dir.ResolveReference(ref), mustParse(t, target)
		wq, _ := url.ParseQuery(want.RawQuery)
		kq, _ := url.ParseQuery(kept.RawQuery)
		for k := range wq {
			if secretParam(k) {
				delete(wq, k)
			}
		}
		if want.Path != kept.Path || !equalValues(wq, kq) {
			t.Fatalf("%q kept as %q: another page", next, rel)
		}
	})
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// fhirServer answers searches with the body it is given (and its Date),
// and the system lists with nothing; it keeps the last search's request.
type fhirServer struct {
	*httptest.Server
	mu         gosync.Mutex
	status     int
	body, date string
	uri, auth  string
}

func newFHIRServer(tb testing.TB) *fhirServer {
	s := &fhirServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/connect/system/") {
			w.Write([]byte("[]"))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.uri, s.auth = r.URL.RequestURI(), r.Header.Get("Authorization")
		if s.date != "" {
			w.Header()["Date"] = []string{s.date}
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(s.status)
		w.Write([]byte(s.body))
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *fhirServer) answer(status int, body, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.date, s.uri, s.auth = status, body, date, "", ""
}

func (s *fhirServer) last() (uri, auth string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uri, s.auth
}

// instant reads a watermark; ok is false for none.
func instant(t *testing.T, s string) (time.Time, bool) {
	t.Helper()
	if s == "" {
		return time.Time{}, false
	}
	v, ok := parseInstant(s)
	if !ok {
		t.Fatalf("watermark %q does not read", s)
	}
	return v, true
}

// FuzzSearchPage: whatever a stored cursor holds and whatever a FHIR
// server answers (any bundle, any next link, any Date), Fetch sends the
// token only to the FHIR base (underBase; another server never hears of
// it), asks for the page the cursor names, and returns a cursor that
// re-encodes to the same string, whose next link is under the base with
// no secret in it, that never asks for the same page again while it says
// more follow, and whose watermark never moves back: the next sync asks
// for nothing older than the last one did.
func FuzzSearchPage(f *testing.F) {
	got := simCapture(f)
	for _, e := range got.of(http.MethodGet, "/r4/") {
		f.Add(e.cursor, e.body, e.date, uint8(e.stream))
	}
	for _, cur := range []string{
		"", `{"since":"2025-06-01T10:00:05.000Z"}`, `{"next":"Observation?_after=x","since":"2025-06-01T10:00:05.000Z","start":"2025-06-02T00:00:00.000Z"}`,
		`{"next":"../admin"}`, `{"next":"%2e%2e/admin"}`, `{"next":"Observation?access_token=$TOKEN"}`, `{"since":"yesterday"}`, `{"since":"2025"}`, `not json`,
	} {
		for _, body := range []string{
			`{"resourceType":"Bundle","type":"searchset","entry":[]}`,
			`{"resourceType":"Bundle","type":"searchset","meta":{"lastUpdated":"2020-01-01T00:00:00Z"},"link":[{"relation":"next","url":"$HOST/r4/Observation?_after=y"}],"entry":[]}`,
			`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"$EVIL/r4/Observation?_after=y"}],"entry":[]}`,
			`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"$HOST/r4/Observation?_after=y;access_token=$TOKEN"}]}`,
			`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"o","meta":{"lastUpdated":"2019-05-01T00:00:00Z"}}}]}`,
			`{"resourceType":"OperationOutcome"}`,
		} {
			f.Add(cur, body, "Sat, 01 Jan 2000 00:00:00 GMT", uint8(1))
		}
	}

	srv := newFHIRServer(f)
	var elsewhere atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	f.Cleanup(evil.Close)
	f.Fuzz(func(t *testing.T, cur, body, date string, mode uint8) {
		ctx := context.Background()
		sr := searches()[int(mode)%len(searches())]
		cfg := Config{APIURL: srv.URL, FHIRURL: srv.URL + fuzzBases[int(mode>>4)%len(fuzzBases)]}
		src, err := New(cfg, srv.Client()).Source(secretsWith(t, providers.Token{AccessToken: fuzzToken}), store.Account{ID: 1, ProfileID: 1, Provider: store.ProviderOneUp}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cur = withSecrets(cur, srv.URL, evil.URL)
		c := decodeCursor(cur)
		if again := decodeCursor(c.encode()); again != c {
			t.Fatalf("cursor %q reads as %+v, which re-reads as %+v", cur, c, again)
		}

		srv.answer(http.StatusOK, withSecrets(body, srv.URL, evil.URL), date)
		page, err := src.Fetch(ctx, sr.stream, cur)
		uri, auth := srv.last()
		if n := elsewhere.Load(); n != 0 {
			t.Fatalf("another server was asked %d times", n)
		}
		if err != nil && strings.Contains(err.Error(), fuzzToken) {
			t.Fatalf("the error repeats the token: %v", err)
		}
		if uri == "" {
			if err == nil {
				t.Fatalf("cursor %q: a page without a request", cur)
			}
			return
		}
		asked := srv.URL + uri
		if auth != "Bearer "+fuzzToken {
			t.Fatalf("asked with %q", auth)
		}
		if err := underBase(src.base, asked); err != nil {
			t.Fatalf("cursor %q: asked %s: %v", cur, uri, err)
		}
		if q := mustParse(t, asked).Query(); c.Next == "" && q.Get("_count") != strconv.Itoa(PageSize) {
			t.Fatalf("cursor %q: asked %s", cur, uri)
		} else if lu := q.Get("_lastUpdated"); lu != "" {
			if _, ok := parseInstant(strings.TrimPrefix(lu, "gt")); !ok || !strings.HasPrefix(lu, "gt") {
				t.Fatalf("cursor %q: asked for _lastUpdated=%s", cur, lu)
			}
		}
		if err != nil {
			if page.Cursor != "" || page.More {
				t.Fatalf("a failed fetch moved the cursor to %q", page.Cursor)
			}
			return
		}

		n := decodeCursor(page.Cursor)
		if n.encode() != page.Cursor {
			t.Fatalf("the new cursor %q re-encodes as %q", page.Cursor, n.encode())
		}
		if page.More != (n.Next != "") {
			t.Fatalf("cursor %q: more %v", page.Cursor, page.More)
		}
		if n.Next != "" {
			next := src.base.String() + "/" + n.Next
			if err := underBase(src.base, next); err != nil {
				t.Fatalf("cursor %q: next %s: %v", page.Cursor, n.Next, err)
			}
			if next == asked {
				t.Fatalf("cursor %q: asks for %s again", page.Cursor, uri)
			}
		}
		// The watermark: kept through a walk, and never moved back.
		was, wasOK := instant(t, validSince(c))
		now, nowOK := instant(t, n.Since)
		if wasOK && (!nowOK || now.Before(was)) {
			t.Fatalf("cursor %q then %q: the watermark went back", cur, page.Cursor)
		}
		if n.Next == "" && (n.Seen != "" || n.Start != "") {
			t.Fatalf("a walk ended with %q", page.Cursor)
		}
		if n.Since != validSince(c) && n.Since != "" {
			if v, _ := instant(t, n.Since); v.UTC().Format(instantLayout) != n.Since {
				t.Fatalf("watermark %q is not written with milliseconds in UTC", n.Since)
			}
		}
	})
}

// validSince is the watermark a cursor holds, "" when it holds none that
// reads.
func validSince(c cursor) string {
	if _, ok := parseInstant(c.Since); ok {
		return c.Since
	}
	return ""
}

// checkToken holds a token the client returned or saved to the rules: an
// access token, of Bearer type (or none said), an expiry within a year.
func checkToken(t *testing.T, tok providers.Token, before time.Time) {
	t.Helper()
	if tok.AccessToken == "" {
		t.Fatal("a token without an access token")
	}
	if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "Bearer") {
		t.Fatalf("a %q token taken", tok.TokenType)
	}
	if !tok.Expiry.IsZero() && (tok.Expiry.Before(before) || tok.Expiry.After(time.Now().Add(366*24*time.Hour))) {
		t.Fatalf("expiry %s", tok.Expiry)
	}
}

// tokenServer answers the token endpoint and user management with the
// bodies it is given, by path, and keeps the last form it was sent.
type tokenServer struct {
	*httptest.Server
	mu      gosync.Mutex
	answers map[string]exchange // by method and path
	forms   map[string]url.Values
}

func newTokenServer(tb testing.TB) *tokenServer {
	s := &tokenServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		key := r.Method + " " + r.URL.Path
		s.mu.Lock()
		defer s.mu.Unlock()
		s.forms[key] = r.Form
		a, ok := s.answers[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		w.Write([]byte(a.body))
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *tokenServer) answer(answers map[string]exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers, s.forms = answers, map[string]url.Values{}
}

func (s *tokenServer) form(key string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forms[key]
}

// httpStatus makes a fuzzed number an HTTP status.
func httpStatus(n uint16) int {
	if n < 200 || n > 599 {
		return http.StatusOK
	}
	return int(n)
}

// checkErr holds an error to the rules every client error keeps: it
// says what failed, repeats no secret, and is classed by the status.
func checkErr(t *testing.T, what string, err error, status int, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, fuzzClientSecret) {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("%s: the error repeats %q: %v", what, s, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "oneup: ") {
		t.Fatalf("%s: the error does not say what failed: %v", what, err)
	}
	switch {
	case status >= 500 && !errors.Is(err, providers.ErrTemporary):
		t.Fatalf("%s: HTTP %d not temporary: %v", what, status, err)
	case status == http.StatusTooManyRequests && !errors.Is(err, providers.ErrRateLimited):
		t.Fatalf("%s: HTTP 429 not a rate limit: %v", what, err)
	}
}

// FuzzTokenAnswer: whatever the token endpoint answers, Exchange gives a
// token with an access token, Bearer (or untyped), expiring within a
// year, or an error; a refresh through Credentials saves such a token
// (with a refresh token: the new one, or the old when none came) or
// saves nothing. Only a refusal asks to link again (400 invalid_grant, a
// 401 other than invalid_client); invalid_client is ErrBadClient. No
// error repeats the code, the refresh token, the client secret or a token
// the answer carried.
func FuzzTokenAnswer(f *testing.F) {
	got := simCapture(f)
	for _, e := range got.of(http.MethodPost, "/oauth2/token") {
		f.Add(tokenPlaceholders(e.body), uint16(e.status))
	}
	for _, body := range []string{
		`{"access_token":"$ACCESS","token_type":"Bearer","expires_in":3599,"refresh_token":"$REFRESH","scope":"user/*.*"}`,
		`{"access_token":"$ACCESS","expires_in":"7200"}`, `{"access_token":"$ACCESS","token_type":"mac"}`,
		`{"access_token":"$ACCESS","expires_in":1e400}`, `{"access_token":"$ACCESS","expires_in":{}}`,
		`{"access_token":""}`, `{"access_token":null}`, `{"success":false,"error":"nope"}`, `{}`, `[]`, `{"access_token":`,
		"{\"access_token\":\"\xb0\"}", `{"access_token":"$ACCESS","refresh_token":"a\r\nb"}`,
	} {
		f.Add(body, uint16(200))
	}
	f.Add(`{"error":"invalid_grant","error_description":"refresh token is invalid or was already used"}`, uint16(400))
	f.Add(`{"error":"invalid_client"}`, uint16(401))
	f.Add(`{"error":"invalid_request"}`, uint16(400))
	f.Add(`{"message":"Unauthorized"}`, uint16(401))
	f.Add(``, uint16(503))

	srv := newTokenServer(f)
	c := New(Config{ClientID: "c", ClientSecret: fuzzClientSecret, TokenURL: srv.URL + "/oauth2/token"}, srv.Client())
	f.Fuzz(func(t *testing.T, raw string, status uint16) {
		ctx := context.Background()
		body := withSecrets(raw, "", "")
		code := httpStatus(status)
		secrets := []string{fuzzCode, fuzzOldRefresh}
		if onlyAsField(body, fuzzToken, "access_token") {
			secrets = append(secrets, fuzzToken)
		}
		if onlyAsField(body, fuzzRefresh, "refresh_token") {
			secrets = append(secrets, fuzzRefresh)
		}
		srv.answer(map[string]exchange{"POST /oauth2/token": {status: code, body: body}})
		before := time.Now()
		tok, err := c.Exchange(ctx, fuzzCode)
		if form := srv.form("POST /oauth2/token"); form.Get("code") != fuzzCode || form.Get("client_secret") != fuzzClientSecret {
			t.Fatalf("exchange sent %v", form)
		}
		if err != nil {
			checkErr(t, "exchange", err, code, secrets...)
			if tok != (providers.Token{}) {
				t.Fatalf("a failed exchange returned %v", tok)
			}
		} else {
			if code >= 300 {
				t.Fatalf("HTTP %d taken", code)
			}
			checkToken(t, tok, before)
		}

		mem := secretsWith(t, providers.Token{AccessToken: "old-access", RefreshToken: fuzzOldRefresh, Expiry: before.Add(-time.Hour)})
		stored := mem.stored()
		tok, err = c.Credentials(mem, 1).Token(ctx)
		if form := srv.form("POST /oauth2/token"); form.Get("refresh_token") != fuzzOldRefresh {
			t.Fatalf("refresh sent %v", form)
		}
		if err != nil {
			checkErr(t, "refresh", err, code, secrets...)
			if err := providertest.FailedRefreshKept(stored, mem.stored()); err != nil {
				t.Fatal(err)
			}
			// The answer as every client reads a refusal: the rule of
			// RFC 6749 §5.2 decides on it.
			refusal := providers.Classify("", &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader(body))}, nil)
			if errors.Is(err, providers.ErrNeedsRelink) != providers.RefreshRefused(refusal) {
				t.Fatalf("HTTP %d %q: %v", code, body, err)
			}
			if se := (*providers.StatusError)(nil); errors.As(refusal, &se) && se.Code == "invalid_client" && !errors.Is(err, ErrBadClient) {
				t.Fatalf("invalid_client: %v", err)
			}
			return
		}
		var saved providers.Token
		if json.Unmarshal(mem.stored(), &saved) != nil || saved.AccessToken != tok.AccessToken || saved.RefreshToken != tok.RefreshToken || !saved.Expiry.Equal(tok.Expiry) {
			t.Fatalf("saved %s, returned %v", mem.stored(), tok)
		}
		checkToken(t, saved, before)
		if saved.RefreshToken == "" {
			t.Fatal("a refresh lost the refresh token")
		}
	})
}

// tokenPlaceholders writes a captured answer's tokens as $ACCESS and
// $REFRESH.
func tokenPlaceholders(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	for k, p := range map[string]string{"access_token": "$ACCESS", "refresh_token": "$REFRESH", "code": "$CODE"} {
		if v, ok := m[k].(string); ok && v != "" {
			body = strings.ReplaceAll(body, v, p)
		}
	}
	return body
}

// onlyAsField reports whether value appears in body once, as the string
// value of one of keys: then no message may repeat it (text the vendor
// put in a reason is the vendor's to quote).
func onlyAsField(body, value string, keys ...string) bool {
	var m map[string]json.RawMessage
	if strings.Count(body, value) != 1 || json.Unmarshal([]byte(body), &m) != nil {
		return false
	}
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s == value {
			return true
		}
	}
	return false
}

// FuzzUserAnswer: whatever user management answers to create, auth-code
// and look-up, EnsureUser gives the person's 1upHealth user (its vendor
// id, the app user id asked for) with an authorization code, or an error
// that says what failed; Link then stores the account under that id with
// a token, or stores nothing. No answer gives an account without an id or
// tokens without an access token.
func FuzzUserAnswer(f *testing.F) {
	got := simCapture(f)
	create := got.of(http.MethodPost, "/user-management/v1/user")
	var creates, codes, lookups []exchange
	for _, e := range create {
		if e.path == "/user-management/v1/user" {
			creates = append(creates, e)
		} else {
			codes = append(codes, e)
		}
	}
	lookups = got.of(http.MethodGet, "/user-management/v1/user")
	for i := range max(len(creates), len(codes), len(lookups)) {
		cr, co, lo := creates[i%len(creates)], codes[i%len(codes)], lookups[i%len(lookups)]
		f.Add(tokenPlaceholders(cr.body), uint16(cr.status), tokenPlaceholders(co.body), uint16(co.status), lo.body, uint16(lo.status))
	}
	const exists = `{"success":false,"error":"this user already exists"}`
	for _, tc := range []struct {
		create, code, lookup string
		cst, cost, lst       uint16
	}{
		{`{"success":true,"code":"$CODE","oneup_user_id":251,"app_user_id":"fuzz-profile-uid","active":true}`, ``, ``, 200, 404, 404},
		{`{"success":true,"code":"$CODE","app_user_id":"fuzz-profile-uid"}`, ``, `{"success":true,"entry":[{"app_user_id":"fuzz-profile-uid","active":true}]}`, 200, 404, 200},
		{`{"success":true,"code":"$CODE"}`, ``, `{"success":true,"entry":[{"oneup_user_id":"251","app_user_id":"fuzz-profile-uid"}]}`, 200, 404, 200},
		{exists, `{"success":true,"code":"$CODE","oneup_user_id":"251"}`, ``, 400, 200, 404},
		{exists, `{"success":true,"oneup_user_id":251}`, ``, 200, 200, 404},
		{exists, `{"error":"user not found"}`, ``, 400, 404, 404},
		{`{"success":true,"code":"","oneup_user_id":251}`, ``, ``, 200, 404, 404},
		{`{"success":true,"code":"$CODE","oneup_user_id":2.51e2}`, ``, ``, 200, 404, 404},
		{`{"success":true,"code":"$CODE","oneup_user_id":{}}`, ``, ``, 200, 404, 404},
		{`{"success":true,"code":"$CODE","oneup_user_id":251,"app_user_id":"someone-else"}`, ``, ``, 200, 404, 404},
		{`{"error":"unauthorized"}`, ``, ``, 401, 401, 401},
		{``, ``, ``, 429, 429, 429},
	} {
		f.Add(tc.create, tc.cst, tc.code, tc.cost, tc.lookup, tc.lst)
	}

	srv := newTokenServer(f)
	cfg := Config{ClientID: "c", ClientSecret: fuzzClientSecret, APIURL: srv.URL, TokenURL: srv.URL + "/oauth2/token"}
	c := New(cfg, srv.Client(), WithUserLimit(rate.NewLimiter(rate.Inf, 1)))
	const appUser = "fuzz-profile-uid"
	f.Fuzz(func(t *testing.T, create string, cst uint16, code string, cost uint16, lookup string, lst uint16) {
		ctx := context.Background()
		srv.answer(map[string]exchange{
			"POST /user-management/v1/user":           {status: httpStatus(cst), body: withSecrets(create, "", "")},
			"POST /user-management/v1/user/auth-code": {status: httpStatus(cost), body: withSecrets(code, "", "")},
			"GET /user-management/v1/user":            {status: httpStatus(lst), body: withSecrets(lookup, "", "")},
			"POST /oauth2/token":                      {status: 200, body: `{"access_token":"` + fuzzToken + `","refresh_token":"` + fuzzRefresh + `","token_type":"Bearer","expires_in":7200}`},
		})
		u, authCode, err := c.EnsureUser(ctx, appUser)
		if err != nil {
			checkErr(t, "ensure user", err, 0, fuzzToken)
			if u != (User{}) || authCode != "" {
				t.Fatalf("a failed EnsureUser returned %+v, %q", u, authCode)
			}
		} else {
			if u.ID == "" || authCode == "" {
				t.Fatalf("EnsureUser = %+v, code %q", u, authCode)
			}
			if u.AppUserID != appUser {
				t.Fatalf("EnsureUser(%q) = user of %q", appUser, u.AppUserID)
			}
		}

		db := &memAccounts{}
		acct, err := c.Link(ctx, db, store.Profile{ID: 7, UID: appUser, Name: "me"})
		if err != nil {
			if len(db.accounts) != 0 || db.stored() != nil {
				t.Fatalf("a failed link stored %+v, %s", db.accounts, db.stored())
			}
			return
		}
		var tok providers.Token
		if acct.ExternalID == "" || acct.ExternalID != u.ID || json.Unmarshal(db.stored(), &tok) != nil || tok.AccessToken != fuzzToken {
			t.Fatalf("linked %+v with %s (the user was %+v)", acct, db.stored(), u)
		}
	})
}

// memAccounts is an AccountStore in memory.
type memAccounts struct {
	memSecrets
	accounts []store.Account
}

func (m *memAccounts) UpsertAccount(_ context.Context, a store.Account) (store.Account, error) {
	a.ID = int64(len(m.accounts) + 1)
	m.accounts = append(m.accounts, a)
	return a, nil
}
