package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
)

// The redirect targets write the attempt's state and the provider's code
// as placeholders, so that the fuzzer can use the real values without
// knowing them; fuzzState and fuzzCode are what they stand for.
const (
	fuzzState = "st4te-Kq8vZx2w"
	fuzzCode  = "c0de-Wm7pQz3nR5"
)

func expand(s string) string {
	return strings.NewReplacer("$STATE", fuzzState, "$CODE", fuzzCode).Replace(s)
}

// placeholders turns a captured redirect back into the placeholders.
func placeholders(s, state, code string) string {
	if code != "" {
		s = strings.ReplaceAll(s, code, "$CODE")
	}
	return strings.ReplaceAll(s, state, "$STATE")
}

// simRedirects are the redirects the local servers really send the
// browser back with: an Omron approval (code) and denial, an Omron
// refusal of a bad request, and a 1upHealth connect approval and denial.
// They are captured once per target, with placeholders for state and code.
func simRedirects(tb testing.TB, redirectURL string) []string {
	tb.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	location := func(resp *http.Response, err error) *url.URL {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		resp.Body.Close()
		u, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil {
			tb.Fatalf("the simulator answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return u
	}
	var out []string
	keep := func(u *url.URL) {
		out = append(out, placeholders(u.String(), "sim-state", u.Query().Get("code")))
	}

	om := httptest.NewServer(omronsim.New(omronsim.Options{Seed: 1, AutoApprove: true}))
	defer om.Close()
	auth := url.Values{
		"client_id": {omronsim.DefaultClientID}, "response_type": {"code"}, "redirect_uri": {redirectURL},
		"scope": {"bloodpressure openid offline_access"}, "state": {"sim-state"},
	}
	keep(location(noFollow.Get(om.URL + "/connect/authorize?" + auth.Encode())))
	keep(location(noFollow.PostForm(om.URL+"/connect/authorize", mergeValues(auth, url.Values{"decision": {"deny"}}))))
	auth.Set("scope", "no-such-scope")
	keep(location(noFollow.Get(om.URL + "/connect/authorize?" + auth.Encode())))

	up := httptest.NewServer(oneupsim.New(oneupsim.Options{ClientID: "c", ClientSecret: "s", RedirectURI: redirectURL}))
	defer up.Close()
	tok := oneUpAccessToken(tb, up.URL)
	connect := up.URL + "/connect/system/device/" + strconv.Itoa(oneupsim.Fitbit)
	for _, decision := range []string{"approve", "deny"} {
		// The connect page is a form with the attempt's id; its answer
		// sends the browser back.
		resp, err := http.Get(connect + "?" + url.Values{"client_id": {"c"}, "access_token": {tok}, "state": {"sim-state"}}.Encode())
		if err != nil {
			tb.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="attempt" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			tb.Fatalf("the connect page has no attempt: %s", page)
		}
		keep(location(noFollow.PostForm(connect, url.Values{"attempt": {string(m[1])}, "decision": {decision}})))
	}
	return out
}

func mergeValues(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// oneUpAccessToken creates a user at a local 1upHealth and returns its
// access token, with plain HTTP as the vendor's overview shows.
func oneUpAccessToken(tb testing.TB, base string) string {
	tb.Helper()
	var user struct{ Code string }
	postJSON(tb, base+"/user-management/v1/user", url.Values{"app_user_id": {"fuzz"}, "client_id": {"c"}, "client_secret": {"s"}}, &user)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	postJSON(tb, base+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {user.Code}, "client_id": {"c"}, "client_secret": {"s"}}, &tok)
	if tok.AccessToken == "" {
		tb.Fatal("the local 1upHealth gave no access token")
	}
	return tok.AccessToken
}

func postJSON(tb testing.TB, target string, form url.Values, v any) {
	tb.Helper()
	resp, err := http.PostForm(target, form)
	if err != nil {
		tb.Fatal(err)
	}
	if err := DecodeJSON("post", resp.Body, v); err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
}

// wantTaken is the rule the callback and the pasted URL follow, written
// out on its own: a query that parses and says something, with the attempt's state exactly
// once (or, when the state is optional, no state at all), and at most one
// code (RFC 6749 §3.1: parameters are not repeated).
func wantTaken(raw, state string, optional bool) bool {
	q, err := url.ParseQuery(raw)
	if err != nil || len(q) == 0 || len(q["code"]) > 1 {
		return false
	}
	switch s := q["state"]; len(s) {
	case 0:
		return optional
	case 1:
		return s[0] == state
	}
	return false
}

// codeOnlyAsCode reports whether the code appears in the query as the
// value of its own parameter and nowhere else, the case where nothing may
// repeat it: a code written into the error text is the provider's text.
func codeOnlyAsCode(raw string) bool {
	return strings.Count(raw, fuzzCode) == 1 && strings.Contains("&"+raw+"&", "&code="+fuzzCode+"&")
}

// checkResult holds the outcome of a taken redirect to its rules.
func checkResult(t *testing.T, r Redirect, q url.Values, raw string) {
	t.Helper()
	got, err := r.result(q)
	if err != nil && codeOnlyAsCode(raw) && strings.Contains(err.Error(), fuzzCode) {
		t.Fatalf("the error quotes the code: %v", err)
	}
	switch e := q.Get("error"); {
	case e == "access_denied":
		if !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("error=access_denied: %v", err)
		}
	case e != "":
		if err == nil {
			t.Fatalf("error=%q taken as success", e)
		}
	case !r.NoCode && q.Get("code") == "":
		if err == nil {
			t.Fatal("a redirect without a code taken as success")
		}
	case err != nil:
		t.Fatalf("a good redirect: %v", err)
	case got.Get("code") != q.Get("code"):
		t.Fatalf("code %q returned, %q came", got.Get("code"), q.Get("code"))
	}
}

// FuzzRedirectCallback: the loopback listener takes a browser's request
// only on its callback path, by GET, with a loopback Host and a query
// that belongs to the attempt (wantTaken); it takes one at most, answers
// every other with the status that says why, and neither its page nor
// Wait's error repeats the code.
func FuzzRedirectCallback(f *testing.F) {
	const redirect = "http://127.0.0.1:53682/callback"
	for _, loc := range simRedirects(f, redirect) {
		u, _ := url.Parse(loc)
		for _, mode := range []uint8{0, 0b011, 0b111} {
			f.Add(u.RawQuery, mode)
		}
	}
	// The guide's own redirects, and what an attacker might send.
	for _, q := range []string{
		"code=d32af9ff1e30e34a9b1434e2ad38b6dd", "error=access_denied",
		"code=$CODE&state=$STATE", "code=$CODE&state=$STATE&state=other", "state=other&state=$STATE&code=$CODE",
		"code=$CODE&code=x&state=$STATE", "state=%zz&success=true", "state=$STATE;x=1&code=$CODE",
		"error=<script>alert(1)</script>&state=$STATE", "error=server_error&error_description=$CODE&state=$STATE",
		"success=false&state=$STATE", "", "state=",
	} {
		f.Add(q, uint8(0))
		f.Add(q, uint8(0b0011))
	}
	f.Add("code=$CODE&state=$STATE", uint8(0b1000_0000)) // asked twice
	f.Add("code=$CODE&state=$STATE", uint8(0b0100_0000)) // POST
	f.Add("code=$CODE&state=$STATE", uint8(0b0001_1000)) // another Host

	f.Fuzz(func(t *testing.T, query string, mode uint8) {
		raw := expand(query)
		r := Redirect{URL: redirect, State: fuzzState, NoCode: mode&1 != 0, StateOptional: mode&2 != 0, Connect: mode&4 != 0}
		host := []string{"127.0.0.1:53682", "localhost:53682", "[::1]:53682", "attacker.example"}[mode>>3&3]
		method := http.MethodGet
		if mode&0b0100_0000 != 0 {
			method = http.MethodPost
		}
		var offered []url.Values
		h := r.callback("/callback", func(q url.Values) bool { offered = append(offered, q); return true })
		for i := range 1 + int(mode>>7) {
			req := httptest.NewRequest(method, "/callback", nil)
			req.URL.RawQuery, req.Host = raw, host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			valid := host != "attacker.example" && method == http.MethodGet
			taken := valid && wantTaken(raw, fuzzState, r.StateOptional)
			want := http.StatusNotFound
			switch {
			case taken && i == 0:
				want = http.StatusOK
			case taken:
				want = http.StatusConflict
			case valid:
				want = http.StatusBadRequest
			}
			if rec.Code != want {
				t.Fatalf("request %d (%s, Host %s, %q): %d, want %d", i+1, method, host, raw, rec.Code, want)
			}
			body := rec.Body.String()
			if codeOnlyAsCode(raw) && strings.Contains(body, fuzzCode) {
				t.Fatalf("the page repeats the code: %s", body)
			}
			// Every tag on the page is the page's own: what came in the
			// query is escaped.
			if rec.Code != http.StatusNotFound && strings.Count(body, "<") != strings.Count(pageTemplate, "<") {
				t.Fatalf("the page carries markup from the query: %s", body)
			}
		}
		if len(offered) > 1 {
			t.Fatalf("%d redirects taken", len(offered))
		}
		for _, q := range offered {
			checkResult(t, r, q, raw)
		}
	})
}

// pageTemplate is what page writes for a text without markup.
var pageTemplate = func() string {
	rec := httptest.NewRecorder()
	page(rec, http.StatusOK, "t", "x")
	return rec.Body.String()
}()

// FuzzRedirectPasted: of the lines a person pastes, the first that is the
// redirect URL (its scheme, host and path) with a query that belongs to
// the attempt is taken, and only that one; every other non-blank line
// before it gets one note, and no note repeats the code.
func FuzzRedirectPasted(f *testing.F) {
	const redirect = "https://vitals.example/callback"
	for _, loc := range simRedirects(f, redirect) {
		f.Add(loc+"\n", uint8(0))
		f.Add("not a url\n"+loc+"\n", uint8(0b11))
	}
	f.Add("https://example.aviato.com/oauth?code=d32af9ff1e30e34a9b1434e2ad38b6dd\n", uint8(0))
	f.Add("https://example.aviato.com/oauth?error=access_denied\n", uint8(0))
	// The authorization URL itself carries the attempt's state: pasting
	// it by mistake must not end the attempt.
	f.Add("https://stg-oauth-website.ohiomron.com/connect/authorize?client_id=aviato-api&response_type=code&state=$STATE\n"+redirect+"?code=$CODE&state=$STATE\n", uint8(0))
	f.Add("http://127.0.0.1:9/connect/system/device/4709?client_id=c&access_token=tok&state=$STATE\n", uint8(0b11))
	f.Add("\n  "+redirect+"?code=$CODE&state=other\n"+redirect+"/?code=$CODE&state=$STATE\n", uint8(0))
	f.Add("HTTPS://VITALS.EXAMPLE/callback?state=%zz&success=true\n", uint8(0b11))

	f.Fuzz(func(t *testing.T, pasted string, mode uint8) {
		text := expand(pasted)
		var notes strings.Builder
		r := Redirect{URL: redirect, State: fuzzState, NoCode: mode&1 != 0, StateOptional: mode&2 != 0, Notes: &notes, Pasted: strings.NewReader(text)}
		var offered []url.Values
		r.readPasted(func(q url.Values) bool { offered = append(offered, q); return true })

		// What the person pasted, line by line, by the rule.
		want, rejected := "", 0
		lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		if len(text) > 64<<10 {
			return // beyond what the reader takes: not a paste
		}
		for _, line := range lines {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if u, err := url.Parse(line); err == nil && isRedirectURL(u) && wantTaken(u.RawQuery, fuzzState, r.StateOptional) {
				want = u.RawQuery
				break
			}
			rejected++
		}
		switch {
		case want == "" && len(offered) > 0:
			t.Fatalf("took %v from %q", offered[0], text)
		case want != "" && len(offered) != 1:
			t.Fatalf("took %d URLs from %q", len(offered), text)
		case want != "" && len(offered[0]["state"]) > 1:
			t.Fatalf("took %v", offered[0])
		}
		if got := strings.Count(notes.String(), "\n"); got != rejected {
			t.Fatalf("%d notes for %d lines not taken: %q", got, rejected, notes.String())
		}
		if strings.Contains(notes.String(), fuzzCode) {
			t.Fatalf("a note repeats the code: %q", notes.String())
		}
		if len(offered) == 1 {
			checkResult(t, r, offered[0], want)
		}
	})
}

// isRedirectURL reports whether u is https://vitals.example/callback, as
// a browser's address bar may show it: the case of scheme and host and a
// final slash aside.
func isRedirectURL(u *url.URL) bool {
	return u.Scheme == "https" && strings.EqualFold(u.Host, "vitals.example") && strings.TrimSuffix(u.Path, "/") == "/callback"
}

// FuzzRetryAfter: a Retry-After header is read as its seconds or as the
// time left until its date, never negative and never more than a day;
// through Classify it becomes the 429's RetryAfter, and Retry waits it
// only when the policy allows (MaxRateWait), else ends the round at once.
// Failures without a Retry-After back off on the policy's schedule,
// growing from Initial to Max.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// What the local servers send, and RFC 9110's own examples.
	for _, h := range []string{"1", "7", "120", "Fri, 31 Dec 1999 23:59:59 GMT", "Sun, 01 Mar 2026 12:00:30 GMT",
		"Sunday, 01-Mar-26 12:00:30 GMT", "Sun Mar  1 12:00:30 2026", "", "0", "-5", "1.5", " 30 ", "99999999999999999999999", "soon"} {
		f.Add(h, int64(0), int64(10*time.Minute), uint16(0))
		f.Add(h, int64(-86400), int64(time.Second), uint16(0b0101_0101))
	}
	f.Fuzz(func(t *testing.T, h string, shift, maxRateWait int64, seq uint16) {
		at := now.Add(time.Duration(shift%(400*365*86400)) * time.Second)
		d := RetryAfter(h, at)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("Retry-After %q = %s", h, d)
		}
		s := strings.TrimSpace(h)
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			if want := time.Duration(min(n, uint64(maxRetryAfter/time.Second))) * time.Second; d != want {
				t.Fatalf("Retry-After %q = %s, want %s", h, d, want)
			}
		} else if when, err := http.ParseTime(s); err == nil {
			if want := min(max(when.Sub(at), 0), maxRetryAfter); d != want {
				t.Fatalf("Retry-After %q at %s = %s, want %s", h, at, d, want)
			}
		} else if !allDigits(s) && d != 0 {
			t.Fatalf("Retry-After %q = %s, want 0 for what is neither seconds nor a date", h, d)
		}

		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {h}}, Body: io.NopCloser(strings.NewReader(""))}
		var rl *RateLimitError
		if err := Classify("fuzz", resp, nil); !errors.As(err, &rl) || rl.RetryAfter < 0 || rl.RetryAfter > maxRetryAfter {
			t.Fatalf("Classify(429, Retry-After %q) = %v", h, err)
		}

		checkRetry(t, d, time.Duration(maxRateWait), seq)
	})
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// checkRetry runs Retry on a sequence of failures that seq spells, two
// bits an attempt: a 429 with the header's wait d, a 429 without one, a
// temporary failure, or success. The policy's pauses are microseconds,
// and a longer wait (a real Retry-After) ends the run by cancelling it
// the moment it is announced, so nothing sleeps.
func checkRetry(t *testing.T, d, maxRateWait time.Duration, seq uint16) {
	p := RetryPolicy{Initial: 100 * time.Nanosecond, Max: time.Microsecond, Tries: 8, MaxRateWait: maxRateWait}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attempt, waits := 0, []Wait{}
	kinds := []int{}
	_, err := Retry(ctx, p, func(context.Context) (int, error) {
		k := int(seq >> (2 * (attempt % 8)) & 3)
		attempt++
		kinds = append(kinds, k)
		switch k {
		case 0:
			return 0, &RateLimitError{Op: "fuzz", RetryAfter: d}
		case 1:
			return 0, &RateLimitError{Op: "fuzz"}
		case 2:
			return 0, Temporary(errors.New("503"))
		}
		return 1, nil
	}, func(w Wait) {
		waits = append(waits, w)
		if w.For > time.Millisecond {
			cancel() // a real wait: checked, not slept
		}
	})
	if attempt > p.Tries {
		t.Fatalf("%d attempts, the policy allows %d", attempt, p.Tries)
	}
	// The schedule's interval: Initial, then half as long again each
	// pause (in whole nanoseconds) up to Max, drawn within half of it
	// either way; a waited Retry-After starts it again.
	interval := p.Initial
	for i, w := range waits {
		if w.Attempt != i+1 {
			t.Fatalf("wait %d announced for attempt %d", i+1, w.Attempt)
		}
		if w.For < 0 {
			t.Fatalf("wait %d of %s", i+1, w.For)
		}
		if kinds[i] == 0 && d > 0 {
			if w.For != d || d > maxRateWait {
				t.Fatalf("Retry-After %s under a cap of %s: waited %s", d, maxRateWait, w.For)
			}
			interval = p.Initial
			continue
		}
		half := 0.5 * float64(interval)
		lo, hi := time.Duration(float64(interval)-half), time.Duration(float64(interval)+half)+1
		if w.For < lo || w.For > hi {
			t.Fatalf("pause %d (%v) after %v: %s, want %s to %s", i+1, kinds[:i+1], waits[:i], w.For, lo, hi)
		}
		if float64(interval) >= float64(p.Max)/1.5 {
			interval = p.Max
		} else {
			interval = time.Duration(float64(interval) * 1.5)
		}
	}
	if len(kinds) > 0 && kinds[len(kinds)-1] == 0 && d > maxRateWait && d > 0 {
		if len(waits) >= len(kinds) || !errors.Is(err, ErrRateLimited) {
			t.Fatalf("Retry-After %s beyond the cap %s: waits %v, error %v", d, maxRateWait, waits, err)
		}
	}
}
