package enroll_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/enroll"
	"vitals/store"
	"vitals/store/storetest"
)

// page is one answer, read whole.
type page struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) page {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, html.UnescapeString(string(b))}
}

// hidden reads a form's hidden inputs.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signIn goes from the link's page to the hub's callback the way curl
// would: the button's POST, Omron's sign-in form, the redirect back. It
// returns the callback's address (not yet visited).
func signIn(t *testing.T, c *http.Client, link, email, password, decision string) string {
	t.Helper()
	start := post(t, c, link, url.Values{"go": {"1"}})
	if start.status != http.StatusSeeOther {
		t.Fatalf("the button's POST answered %d, want 303 to Omron:\n%s", start.status, start.body)
	}
	authorize := start.header.Get("Location")
	au, _ := url.Parse(authorize)
	if au.Query().Get("state") == "" || au.Query().Get("code_challenge_method") != "S256" || !strings.HasSuffix(au.Query().Get("redirect_uri"), enroll.OmronCallback) {
		t.Fatalf("authorization request %s: want a state, PKCE S256 and the hub's callback", authorize)
	}
	signin := get(t, c, authorize)
	if signin.status != http.StatusOK || !strings.Contains(signin.body, `name="password"`) {
		t.Fatalf("Omron's sign-in page: %d\n%s", signin.status, signin.body)
	}
	form := hidden(signin.body)
	form.Set("email", email)
	form.Set("password", password)
	form.Set("decision", decision)
	back := post(t, c, authorize, form)
	if back.status != http.StatusFound {
		t.Fatalf("Omron's form answered %d, want 302 back to the hub:\n%s", back.status, back.body)
	}
	return back.header.Get("Location")
}

// Through the whole Omron flow with a plain HTTP client (docs/enroll.md
// shows the same with curl), and every way it must refuse.
func TestEnrollOmronWithoutABrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		c := client(t)
		l := f.create(store.ProviderOmron, 7*24*time.Hour)
		token := strings.TrimPrefix(l.URL, f.url+enroll.Prefix)
		if len(token) < 26 {
			t.Fatalf("token %q: want at least 26 base32 characters (128 bits)", token)
		}

		landing := get(t, c, l.URL)
		if landing.status != http.StatusOK || !strings.Contains(landing.body, "Riverside Clinic asks to receive") ||
			!strings.Contains(landing.body, "Continue to Omron sign-in") || !strings.Contains(landing.body, `<html lang="en">`) {
			t.Fatalf("landing page %d:\n%s", landing.status, landing.body)
		}
		for name, want := range map[string]string{
			"Content-Security-Policy": "frame-ancestors 'none'",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
			"X-Content-Type-Options":  "nosniff",
		} {
			if got := landing.header.Get(name); !strings.Contains(got, want) {
				t.Errorf("%s: %q, want %q in it", name, got, want)
			}
		}
		if strings.Contains(landing.body, token) || strings.Contains(landing.body, "<script") {
			t.Errorf("the landing page holds the token or a script:\n%s", landing.body)
		}

		callback := signIn(t, c, l.URL, f.patient.Email, f.patient.Password, "approve")
		cu, _ := url.Parse(callback)
		code, state := cu.Query().Get("code"), cu.Query().Get("state")
		if cu.Path != enroll.OmronCallback || code == "" || state == "" {
			t.Fatalf("Omron sent the browser to %s: want the hub's callback with a code and the state", callback)
		}

		// A forged state, and the real one without this browser's
		// session, are refused; neither spends anything.
		if p := get(t, c, f.url+enroll.OmronCallback+"?code=x&state=forged"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "Nothing was shared") {
			t.Errorf("forged state: %d\n%s", p.status, p.body)
		}

		done := get(t, c, callback)
		if done.status != http.StatusOK || !strings.Contains(done.body, "Connected — your readings will reach Riverside Clinic.") {
			t.Fatalf("callback %d:\n%s", done.status, done.body)
		}
		for _, secret := range []string{code, state, token} {
			if strings.Contains(done.body, secret) {
				t.Errorf("the success page holds a code, state or token")
			}
		}
		accts, err := f.db.Accounts(context.Background(), f.prof.ID)
		if err != nil || len(accts) != 1 || accts[0].Provider != store.ProviderOmron || accts[0].ExternalID != f.patient.ID {
			t.Fatalf("accounts after enrolling: %+v, %v; want the Omron account of user %s", accts, err, f.patient.ID)
		}
		if len(f.told) != 1 || f.told[0] != accts[0].ID {
			t.Errorf("engine hook heard %v, want [%d]", f.told, accts[0].ID)
		}
		if n := f.readings(); n == 0 {
			t.Error("no blood-pressure readings arrived after the link was used")
		}

		// The same callback again is a replay; the link again says it
		// was used and offers nothing.
		if p := get(t, c, callback); p.status != http.StatusConflict || strings.Contains(p.body, "<form") {
			t.Errorf("replayed callback: %d\n%s", p.status, p.body)
		}
		used := get(t, c, l.URL)
		if used.status != http.StatusGone || !strings.Contains(used.body, "already used") || strings.Contains(used.body, "<form") {
			t.Errorf("used link: %d\n%s", used.status, used.body)
		}
		if p := post(t, c, l.URL, url.Values{"go": {"1"}}); p.status != http.StatusGone {
			t.Errorf("POST to a used link: %d, want 410", p.status)
		}

		want := "created@ opened@127.0.0.1 started@127.0.0.1 completed@127.0.0.1 opened@127.0.0.1"
		if got := f.trail(l.ID); !strings.HasPrefix(got, "created@ opened@127.0.0.1 started@127.0.0.1 completed@127.0.0.1") {
			t.Errorf("trail %q, want %q", got, want)
		}
		logs := f.logs.String()
		for _, secret := range []string{code, state, token, f.patient.Password} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds a code, state, token or password:\n%s", logs)
			}
		}
	})
}

// A state taken to another browser, or into another link's session, is
// refused, and spent.
func TestEnrollStateCannotMove(t *testing.T) {
	f := newFixture(t, "sqlite")
	a, b := f.create(store.ProviderOmron, time.Hour), f.create(store.ProviderOmron, time.Hour)
	browserA, browserB, stranger := client(t), client(t), client(t)
	get(t, browserA, a.URL)
	get(t, browserB, b.URL)
	callbackA := signIn(t, browserA, a.URL, f.patient.Email, f.patient.Password, "approve")
	signIn(t, browserB, b.URL, f.patient.Email, f.patient.Password, "approve")

	if p := get(t, stranger, callbackA); p.status != http.StatusBadRequest || !strings.Contains(p.body, "does not match a link opened in this browser") {
		t.Errorf("A's state without a session: %d\n%s", p.status, p.body)
	}
	if p := get(t, browserA, callbackA); p.status != http.StatusConflict {
		t.Errorf("A's state, once refused, came back %d: want 409, it is spent", p.status)
	}
	callbackA2 := signIn(t, browserA, a.URL, f.patient.Email, f.patient.Password, "approve")
	if p := get(t, browserB, callbackA2); p.status != http.StatusBadRequest {
		t.Errorf("A's state in B's session: %d, want 400\n%s", p.status, p.body)
	}
	accts, _ := f.db.Accounts(context.Background(), f.prof.ID)
	if len(accts) != 0 {
		t.Errorf("%d accounts linked by moved states, want none", len(accts))
	}
	if got := f.trail(a.ID); !strings.Contains(got, "failed@127.0.0.1") {
		t.Errorf("trail %q: want the refusals as failures", got)
	}
}

// Expired, revoked and unknown links, a denial at Omron, and the rate
// limit: each says what happened and what to do.
func TestEnrollRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		c := client(t)
		ctx := context.Background()

		expiring := f.create(store.ProviderOmron, time.Hour)
		f.clock.Advance(time.Hour)
		if p := get(t, c, expiring.URL); p.status != http.StatusGone || !strings.Contains(p.body, "This link expired on") ||
			!strings.Contains(p.body, "Ask Riverside Clinic to send you a new one") || strings.Contains(p.body, "<form") {
			t.Errorf("expired link: %d\n%s", p.status, p.body)
		}

		revoked := f.create(store.ProviderOmron, time.Hour)
		if err := enroll.Revoke(ctx, f.db, revoked.ID, "", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := enroll.Revoke(ctx, f.db, revoked.ID, "", f.clock.Now()); err == nil || !strings.Contains(err.Error(), "revoked already") {
			t.Errorf("revoke twice: %v", err)
		}
		if p := get(t, c, revoked.URL); p.status != http.StatusGone || !strings.Contains(p.body, "withdrew this link") || strings.Contains(p.body, "<form") {
			t.Errorf("revoked link: %d\n%s", p.status, p.body)
		}
		if got := f.trail(revoked.ID); got != "created@ revoked@" {
			t.Errorf("revoked trail %q", got)
		}

		if p := get(t, c, f.url+enroll.Prefix+"AAAAAAAAAAAAAAAAAAAAAAAAAA"); p.status != http.StatusNotFound || !strings.Contains(p.body, "not one we know") {
			t.Errorf("unknown link: %d\n%s", p.status, p.body)
		}

		denied := f.create(store.ProviderOmron, time.Hour)
		get(t, c, denied.URL)
		callback := signIn(t, c, denied.URL, "", "", "deny")
		p := get(t, c, callback)
		if !strings.Contains(p.body, "You chose not to share your Omron readings. Nothing was shared.") || !strings.Contains(p.body, "Try again") {
			t.Errorf("denied: %d\n%s", p.status, p.body)
		}
		if got := f.trail(denied.ID); !strings.HasSuffix(got, "started@127.0.0.1 failed@127.0.0.1") {
			t.Errorf("denied trail %q", got)
		}
	})
}

func TestEnrollRateLimit(t *testing.T) {
	f := newFixture(t, "sqlite")
	svc, err := enroll.New(enroll.Options{DB: f.db, Config: f.sb.Config(""), Flow: nil, PublicURL: f.url})
	if err == nil || svc != nil {
		t.Fatal("a service without a link flow was made")
	}
	limited, err := enroll.New(enroll.Options{DB: f.db, Config: f.sb.Config(""), Flow: f.flow, PublicURL: f.url, Rate: 1, Burst: 5, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	lh := limited.Handler()
	var codes []int
	for i := 0; i < 7; i++ {
		r, _ := http.NewRequest("GET", f.url+enroll.Prefix+"AAAAAAAAAAAAAAAAAAAAAAAAAA", nil)
		r.RemoteAddr = "192.0.2.9:5000"
		w := httptest.NewRecorder()
		lh.ServeHTTP(w, r)
		codes = append(codes, w.Code)
		if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if fmt.Sprint(codes) != "[404 404 404 404 404 429 429]" {
		t.Errorf("seven requests at once against a burst of 5: %v", codes)
	}
	r, _ := http.NewRequest("GET", f.url+enroll.Prefix+"AAAAAAAAAAAAAAAAAAAAAAAAAA", nil)
	r.RemoteAddr = "192.0.2.10:5000"
	w := httptest.NewRecorder()
	lh.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound {
		t.Errorf("another address: %d, want its own bucket", w.Code)
	}
}

// 1upHealth: the user is created, a system is connected through the
// connect page and back, and another may be connected in the same
// session; the link itself is then used.
func TestEnrollOneUpWithoutABrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		c := client(t)
		l := f.create(store.ProviderOneUp, time.Hour)
		landing := get(t, c, l.URL)
		if landing.status != http.StatusOK || !strings.Contains(landing.body, `name="system" value="4709"`) {
			t.Fatalf("landing %d:\n%s", landing.status, landing.body)
		}
		connect := func(from, system string) page {
			t.Helper()
			start := post(t, c, from, url.Values{"system": {system}})
			if start.status != http.StatusSeeOther {
				t.Fatalf("connect %s: %d\n%s", system, start.status, start.body)
			}
			target := start.header.Get("Location")
			if !strings.HasPrefix(target, f.sb.URL()) {
				t.Fatalf("connect %s went to %s, want the 1upHealth host", system, target)
			}
			approve := get(t, c, target)
			form := hidden(approve.body)
			form.Set("decision", "approve")
			action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(approve.body)
			if len(action) < 2 {
				t.Fatalf("1upHealth's connect page has no form:\n%s", approve.body)
			}
			back := post(t, c, html.UnescapeString(action[1]), form)
			if back.status != http.StatusFound || !strings.Contains(back.header.Get("Location"), enroll.OneUpCallback) {
				t.Fatalf("1upHealth answered %d to %s", back.status, back.header.Get("Location"))
			}
			return get(t, c, back.header.Get("Location"))
		}
		done := connect(l.URL, "4709")
		if done.status != http.StatusOK || !strings.Contains(done.body, "Connected — your readings from Fitbit will reach Riverside Clinic.") ||
			!strings.Contains(done.body, "✓ Fitbit is connected") {
			t.Fatalf("after connecting: %d\n%s", done.status, done.body)
		}
		more := connect(f.url+"/enroll/session", "4711")
		if !strings.Contains(more.body, "✓ Fitbit is connected") || !strings.Contains(more.body, "✓ Withings is connected") {
			t.Errorf("second system:\n%s", more.body)
		}
		accts, err := f.db.Accounts(context.Background(), f.prof.ID)
		if err != nil || len(accts) != 1 || accts[0].Provider != store.ProviderOneUp {
			t.Fatalf("accounts %+v, %v", accts, err)
		}
		systems, _ := f.db.Systems(context.Background(), accts[0].ID)
		if len(systems) != 2 {
			t.Errorf("systems %+v, want Fitbit and Withings", systems)
		}
		if p := get(t, client(t), l.URL); p.status != http.StatusGone || !strings.Contains(p.body, "already used") {
			t.Errorf("the link after connecting: %d", p.status)
		}
		tok, err := f.db.LoadSecret(context.Background(), accts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range strings.Split(string(tok), `"`) {
			if len(part) > 20 && (strings.Contains(done.body, part) || strings.Contains(f.logs.String(), part)) {
				t.Errorf("a token reached a page or the log")
			}
		}
	})
}
