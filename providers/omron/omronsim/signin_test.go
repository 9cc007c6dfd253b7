package omronsim_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vitals/providers/omron/omronsim"
)

var (
	formTag     = regexp.MustCompile(`<form[^>]*>`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// getPage GETs the sign-in page and returns its HTML.
func (e *env) getPage(q url.Values) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.base + "/connect/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// submit does what a browser does with the page's form, and nothing
// more: it posts the form's hidden fields with the ones a person fills in,
// to the page's own address (the form has no action), and does not
// follow the redirect.
func (e *env) submit(pageURL, page string, fields url.Values) *http.Response {
	e.t.Helper()
	tag := formTag.FindString(page)
	if tag != `<form method="post">` {
		e.t.Fatalf("the form is %q, want a plain POST to the page's address", tag)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	resp, err := noFollow.PostForm(pageURL, form)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn opens the sign-in page and submits it.
func (e *env) signIn(q url.Values, email, password, decision string) *http.Response {
	e.t.Helper()
	status, page := e.getPage(q)
	if status != 200 {
		e.t.Fatalf("the sign-in page: %d", status)
	}
	fields := url.Values{"decision": {decision}}
	if decision == "approve" {
		fields.Set("email", email)
		fields.Set("password", password)
	}
	return e.submit(e.base+"/connect/authorize?"+q.Encode(), page, fields)
}

func TestSignInFormAsABrowserPostsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded(12, 5, 30))
	ps := e.sim.Patients()
	pageURL := e.base + "/connect/authorize?" + authQuery().Encode()
	tests := []struct {
		name            string
		decision, email string
		password        string
		status          int
		want            string // in the redirect (code or error) or the page
	}{
		{"the first patient", "approve", ps[0].Email, ps[0].Password, http.StatusFound, "code"},
		{"patient 11", "approve", ps[11].Email, ps[11].Password, http.StatusFound, "code"},
		{"an e-mail typed in capitals with spaces", "approve", "  " + strings.ToUpper(ps[4].Email) + " ", ps[4].Password, http.StatusFound, "code"},
		{"another patient's password", "approve", ps[3].Email, ps[2].Password, http.StatusUnauthorized, "The e-mail address or password is not right."},
		{"an unknown e-mail", "approve", "patient-0012@sandbox.example", ps[0].Password, http.StatusUnauthorized, "The e-mail address or password is not right."},
		{"no password", "approve", ps[0].Email, "", http.StatusUnauthorized, "The e-mail address or password is not right."},
		{"deny, nothing filled in", "deny", "", "", http.StatusFound, "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := e.getPage(authQuery())
			resp := e.submit(pageURL, page, url.Values{"decision": {tt.decision}, "email": {tt.email}, "password": {tt.password}})
			if resp.StatusCode != tt.status {
				t.Fatalf("answer %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusFound {
				q := location(t, resp)
				if q.Get("state") != "st4te" || (tt.want == "code" && q.Get("code") == "") || (tt.want != "code" && q.Get("error") != tt.want) {
					t.Errorf("redirect %v, want %s", q, tt.want)
				}
				return
			}
			// The wrong password: the page again, with a plain error, the
			// e-mail kept, and a form that still works.
			again := e.submitted(pageURL, url.Values{"decision": {tt.decision}, "email": {tt.email}, "password": {tt.password}}, page)
			if !strings.Contains(again, `role="alert">`+tt.want+`</p>`) || !strings.Contains(again, `aria-invalid="true"`) {
				t.Errorf("the error page lacks the error:\n%s", again)
			}
			if strings.TrimSpace(tt.email) != "" && !strings.Contains(again, `value="`+html.EscapeString(tt.email)+`"`) {
				t.Errorf("the e-mail %q is not kept", tt.email)
			}
			if pw := regexp.MustCompile(`<input id="password"[^>]*>`).FindString(again); pw == "" || strings.Contains(pw, "value=") {
				t.Errorf("the password input is %q: it must come back empty", pw)
			}
			resp = e.submit(pageURL, again, url.Values{"decision": {"approve"}, "email": {ps[1].Email}, "password": {ps[1].Password}})
			if q := location(t, resp); q.Get("code") == "" {
				t.Errorf("signing in from the error page: %v", q)
			}
		})
	}
}

// submitted posts a form and returns the page it answers with.
func (e *env) submitted(pageURL string, fields url.Values, page string) string {
	e.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	resp, err := noFollow.PostForm(pageURL, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestSignInPageIsAccessible(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *omronsim.Options) { o.AutoApprove = false })
	_, page := e.getPage(authQuery())
	for _, want := range []string{
		`<html lang="en">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<meta charset="utf-8">`,
		`<title>Omron Wellness: sign in</title>`,
		`<main>`,
		`<label for="email">E-mail address</label>`,
		`<input id="email" name="email" type="email"`,
		`autocomplete="username"`,
		`<label for="password">Password</label>`,
		`<input id="password" name="password" type="password" autocomplete="current-password"`,
		`<button type="submit" name="decision" value="approve"`,
		`<button type="submit" name="decision" value="deny" class="deny" formnovalidate>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Every label names an input that exists.
	for _, m := range regexp.MustCompile(`<label for="([^"]+)">`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+m[1]+`"`) {
			t.Errorf("label for %q has no input", m[1])
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, " on") && regexp.MustCompile(` on[a-z]+=`).MatchString(page) {
		t.Error("the page uses JavaScript")
	}
	// The colours meet WCAG AAA (7:1) for text: each pair as the page
	// sets it.
	for _, c := range []struct{ fg, bg string }{
		{"#1a1a1a", "#fff"}, // text
		{"#fff", "#0b5394"}, // the allow button
		{"#7a0000", "#fdecea"},
		{"#444", "#fff"}, // the hint
	} {
		if !strings.Contains(page, c.fg) || !strings.Contains(page, c.bg) {
			t.Errorf("the page no longer uses %s on %s", c.fg, c.bg)
		}
		if r := contrast(c.fg, c.bg); r < 7 {
			t.Errorf("%s on %s: contrast %.1f, want 7 or more", c.fg, c.bg, r)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two #rgb or #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	hex = strings.TrimPrefix(hex, "#")
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	var ch [3]float64
	for i := range ch {
		var v int
		fmt.Sscanf(hex[2*i:2*i+2], "%02x", &v)
		c := float64(v) / 255
		if c <= 0.03928 {
			ch[i] = c / 12.92
		} else {
			ch[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*ch[0] + 0.7152*ch[1] + 0.0722*ch[2]
}

func TestLoginHint(t *testing.T) {
	t.Parallel()
	auto := newEnv(t, func(o *omronsim.Options) { o.Population, o.HistoryDays, o.AutoApprove = 5, 7, true })
	ps := auto.sim.Patients()
	hint := func(h string) func(url.Values) { return func(q url.Values) { q.Set("login_hint", h) } }
	for _, h := range []string{ps[3].Email, ps[3].ID, strings.ToUpper(ps[3].Email)} {
		status, body, raw := auto.token(exchangeForm(auto.code(hint(h))))
		if status != 200 {
			t.Fatal(raw)
		}
		if claims := idClaims(t, body["id_token"].(string)); claims["sub"] != ps[3].ID {
			t.Errorf("login_hint %s approved as %v", h, claims["sub"])
		}
	}
	// A hint that names nobody is not approved as someone else: the page
	// asks, with the e-mail filled in.
	resp := auto.authorize(authQuery(hint("nobody@sandbox.example")))
	if resp.StatusCode != 200 {
		t.Errorf("an unknown login_hint: %d, want the sign-in page", resp.StatusCode)
	}
	manual := newEnv(t, func(o *omronsim.Options) { o.Population, o.HistoryDays, o.AutoApprove = 5, 7, false })
	if _, page := manual.getPage(authQuery(hint(manual.sim.Patients()[2].Email))); !strings.Contains(page, `value="patient-0002@sandbox.example"`) {
		t.Error("the login_hint does not fill the e-mail in")
	}
}

func idClaims(t *testing.T, idToken string) map[string]any {
	t.Helper()
	parts := strings.Split(idToken, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	return claims
}
