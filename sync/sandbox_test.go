package sync_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
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
	"vitals/store"
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

func openDB(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "vitals.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
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
func linkOmron(tb testing.TB, db *store.DB, cfg config.Omron, profile string, p omronsim.Patient) store.Account {
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
func linkOneUp(tb testing.TB, db *store.DB, sb *sandbox.Sandbox, cfg config.OneUp, profile string, systems ...int) store.Account {
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

// dump is the full contents of a database's reading tables, row ids left
// out: two databases that stored the same readings dump the same. Cursors
// are not compared: a sync resumed after an interruption or a failed round
// starts a new walk of the streams it had finished, so their cursors are
// equivalent (the next sync asks for the same thing) without being equal.
func dump(tb testing.TB, path string) string {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range []string{"bp_readings", "weight_readings", "activity_readings", "temperature_readings", "spo2_readings", "heartrate_readings", "conditions"} {
		rows, err := db.Query(`SELECT * FROM ` + table + ` ORDER BY account_id, provider_id`)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintf(&b, "%s", table)
			for i, c := range cols {
				if c == "id" {
					continue
				}
				fmt.Fprintf(&b, " %s=%v", c, vals[i])
			}
			b.WriteByte('\n')
			n++
		}
		rows.Close()
		fmt.Fprintf(&b, "%s: %d rows\n", table, n)
	}
	return b.String()
}

// firstDiff shows where two dumps part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got %.300s\nwant %.300s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}
