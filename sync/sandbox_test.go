package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"vitals/config"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
	"vitals/sync"
)

// The tests and benchmarks of this file run the engine against the local
// servers, through the real clients, over HTTP on loopback, into a real
// SQLite file.

// startSandbox serves a sandbox on a free loopback port until the test
// ends.
func startSandbox(tb testing.TB, opt sandbox.Options) *sandbox.Sandbox {
	tb.Helper()
	sb, err := sandbox.Start(opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sb.Close() })
	return sb
}

// openDB opens a new database of the backend (storetest.Location), with a
// token key, and closes it when the test ends.
func openDB(tb testing.TB, backend string) *store.DB {
	tb.Helper()
	return storetest.Open(tb, backend, store.Options{SealKey: testSealKey})
}

// testSealKey is the tests' token key: a shared database keeps tokens
// sealed only.
func testSealKey(bool) (*seal.Keyring, error) {
	return seal.New(bytes.Repeat([]byte{4}, seal.KeySize))
}

// noRedirects reads the authorization server's redirect instead of
// following it to a browser's loopback listener.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// linkOmron links a sandbox patient to a new profile through Omron's real
// authorization-code flow (with PKCE): the patient signs in and approves
// on the consent form, and the code from the redirect is exchanged and
// saved by the omron package.
func linkOmron(tb testing.TB, db *store.DB, cfg omron.Config, profile string, p omronsim.Patient) store.Account {
	tb.Helper()
	ctx := context.Background()
	prof, err := db.EnsureProfile(ctx, profile)
	if err != nil {
		tb.Fatal(err)
	}
	client := omron.New(cfg, nil)
	auth := client.NewAuthorization()
	u, err := url.Parse(auth.URL)
	if err != nil {
		tb.Fatal(err)
	}
	form := u.Query()
	form.Set("decision", "approve")
	form.Set("email", p.Email)
	form.Set("password", p.Password)
	resp, err := noRedirects.PostForm(cfg.AuthorizeURL, form)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		tb.Fatalf("authorize answered %s without a redirect", resp.Status)
	}
	if got := loc.Query().Get("state"); got != auth.State {
		tb.Fatalf("redirect state %q, want %q", got, auth.State)
	}
	g, err := client.Exchange(ctx, auth, loc.Query().Get("code"))
	if err != nil {
		tb.Fatal(err)
	}
	acct, err := omron.SaveLink(ctx, db, prof.ID, g)
	if err != nil {
		tb.Fatal(err)
	}
	return acct
}

// linkOneUp links a profile to 1upHealth as vitals does (user management
// server to server, then the code exchange), and connects systems to the
// 1upHealth user as its connect page would.
func linkOneUp(tb testing.TB, db *store.DB, sb *sandbox.Sandbox, cfg oneup.Config, profile string, systems ...int) store.Account {
	tb.Helper()
	ctx := context.Background()
	prof, err := db.EnsureProfile(ctx, profile)
	if err != nil {
		tb.Fatal(err)
	}
	acct, err := oneup.New(cfg, nil, oneup.WithUserLimit(rate.NewLimiter(rate.Inf, 0))).Link(ctx, db, prof)
	if err != nil {
		tb.Fatal(err)
	}
	for _, id := range systems {
		if err := sb.OneUp.ConnectSystem(prof.UID, id); err != nil {
			tb.Fatal(err)
		}
	}
	return acct
}

// noDataDelay makes connected systems' data visible at once, and lifts
// the user-management limit for benchmarks that link many users.
func noDataDelay(o *oneupsim.Options) {
	o.DataDelay = 0
	o.UserLimit = 1 << 30
}

// sourcesFor mirrors vitals' own sources.go (package main, which tests
// here cannot import): one Source per account, the provider's client
// over hc.
func sourcesFor(cfg config.Config, db *store.DB, hc *http.Client, pageSize int) sync.SourceFunc {
	return func(acct store.Account) (providers.Source, error) {
		switch acct.Provider {
		case store.ProviderOmron:
			s := omron.NewSource(cfg.Omron, db, acct, hc)
			if pageSize > 0 {
				s.PageSize = pageSize
			}
			return s, nil
		case store.ProviderOneUp:
			return oneup.NewSource(cfg.OneUp, db, acct, hc, db)
		}
		return nil, fmt.Errorf("no source for %s accounts", acct.Provider)
	}
}
