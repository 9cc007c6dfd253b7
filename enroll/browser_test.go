package enroll_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vitals/enroll"
	"vitals/store"
	"vitals/store/storetest"
)

// screenshotsEnv names a folder to save each page's screenshot in, at a
// phone's width (go test ./enroll -run Browser with
// VITALS_ENROLL_SCREENSHOTS=$PWD/docs/enroll).
const screenshotsEnv = "VITALS_ENROLL_SCREENSHOTS"

// chromium finds headless Chromium, or skips the test saying how to get it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIP browser test: headless Chromium not found (apt-get install chromium); the same flow is tested without a browser in TestEnrollOmronWithoutABrowser")
	return ""
}

// browser is a headless Chromium at a phone's width (390 px).
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(390, 844),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// shot saves the page as name.png when screenshots are asked for.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// text is the page's h1 and main text.
func text(t *testing.T, ctx context.Context) (h1, body string) {
	t.Helper()
	h1, err := chromedp.Run(ctx, chromedp.Text("h1"))
	if err == nil {
		body, err = chromedp.Run(ctx, chromedp.Text("main"))
	}
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return h1, body
}

func forms(t *testing.T, ctx context.Context) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.forms.length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The done-when: a patient opens the link in a browser, reads the
// page, presses the button, signs in on the sandbox's Omron page and
// approves, and lands on the success page; the account is linked and its
// readings arrive. The link then says it was used; an expired and a
// revoked link say so; a forged state is refused.
func TestEnrollOmronInBrowser(t *testing.T) {
	chromium(t)
	storetest.Each(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := browser(t)
		l := f.create(store.ProviderOmron, 7*24*time.Hour)

		if err := chromedp.Do(ctx, chromedp.Navigate(l.URL), chromedp.WaitVisible("button")); err != nil {
			t.Fatal(err)
		}
		h1, body := text(t, ctx)
		if h1 != "Share your Omron readings with Riverside Clinic" || !strings.Contains(body, "never sees your Omron password") ||
			!strings.Contains(body, "You can stop sharing at any time") {
			t.Fatalf("landing page: %q\n%s", h1, body)
		}
		shot(t, ctx, "1-invitation")

		if err := chromedp.Do(ctx,
			chromedp.Click("button"),
			chromedp.WaitVisible("#password"),
		); err != nil {
			t.Fatalf("press the button: %v", err)
		}
		shot(t, ctx, "2-omron-sign-in")
		if err := chromedp.Do(ctx,
			chromedp.SendKeys("#email", f.patient.Email),
			chromedp.SendKeys("#password", f.patient.Password),
			chromedp.Click(`button[value="approve"]`),
			chromedp.WaitVisible(".done"),
		); err != nil {
			t.Fatalf("sign in at Omron: %v", err)
		}
		h1, body = text(t, ctx)
		if h1 != "Connected" || !strings.Contains(body, "Connected — your readings will reach Riverside Clinic.") {
			t.Fatalf("after signing in: %q\n%s", h1, body)
		}
		shot(t, ctx, "3-connected")

		accts, err := f.db.Accounts(context.Background(), f.prof.ID)
		if err != nil || len(accts) != 1 || accts[0].ExternalID != f.patient.ID {
			t.Fatalf("accounts: %+v, %v; want the Omron account of %s", accts, err, f.patient.ID)
		}
		if n := f.readings(); n == 0 {
			t.Error("no readings arrived")
		}

		// The link again: used, nothing offered.
		if err := chromedp.Do(ctx, chromedp.Navigate(l.URL), chromedp.WaitVisible("h1")); err != nil {
			t.Fatal(err)
		}
		if h1, _ = text(t, ctx); h1 != "This link was already used" || forms(t, ctx) != 0 {
			t.Errorf("used link: %q with %d forms", h1, forms(t, ctx))
		}
		shot(t, ctx, "4-used")

		// A forged state.
		if err := chromedp.Do(ctx, chromedp.Navigate(f.url+enroll.OmronCallback+"?code=made-up&state=made-up"), chromedp.WaitVisible("h1")); err != nil {
			t.Fatal(err)
		}
		if h1, body = text(t, ctx); h1 != "Sign-in not accepted" || !strings.Contains(body, "Nothing was shared") {
			t.Errorf("forged state: %q\n%s", h1, body)
		}
		shot(t, ctx, "5-refused")

		// Expired and revoked links.
		expiring := f.create(store.ProviderOmron, time.Hour)
		revoked := f.create(store.ProviderOmron, 48*time.Hour)
		if err := enroll.Revoke(context.Background(), f.db, revoked.ID, "", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Hour)
		for _, c := range []struct{ url, h1, name string }{
			{expiring.URL, "This link has expired", "6-expired"},
			{revoked.URL, "This link was withdrawn", "7-revoked"},
		} {
			if err := chromedp.Do(ctx, chromedp.Navigate(c.url), chromedp.WaitVisible("h1")); err != nil {
				t.Fatal(err)
			}
			if h1, _ = text(t, ctx); h1 != c.h1 || forms(t, ctx) != 0 {
				t.Errorf("%s: %q with %d forms, want %q and none", c.name, h1, forms(t, ctx), c.h1)
			}
			shot(t, ctx, c.name)
		}

		// A patient who declines at Omron is told nothing was shared.
		denied := f.create(store.ProviderOmron, time.Hour)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(denied.URL),
			chromedp.WaitVisible("button"),
			chromedp.Click("button"),
			chromedp.WaitVisible(`button[value="deny"]`),
			chromedp.Click(`button[value="deny"]`),
			chromedp.WaitVisible(".alert"),
		); err != nil {
			t.Fatalf("decline at Omron: %v", err)
		}
		if _, body = text(t, ctx); !strings.Contains(body, "You chose not to share your Omron readings. Nothing was shared.") {
			t.Errorf("declined:\n%s", body)
		}
		shot(t, ctx, "8-declined")
	})
}

// The 1upHealth page lists what may be connected; screenshots only (the
// flow itself is TestEnrollOneUpWithoutABrowser).
func TestEnrollOneUpPageInBrowser(t *testing.T) {
	chromium(t)
	f := newFixture(t, "sqlite")
	ctx := browser(t)
	l := f.create(store.ProviderOneUp, time.Hour)
	if err := chromedp.Do(ctx, chromedp.Navigate(l.URL), chromedp.WaitVisible("fieldset")); err != nil {
		t.Fatal(err)
	}
	h1, body := text(t, ctx)
	if h1 != "Share your health data with Riverside Clinic" || !strings.Contains(body, "Connect ") {
		t.Errorf("1upHealth page: %q\n%s", h1, body)
	}
	shot(t, ctx, "9-oneup-choose")
}
