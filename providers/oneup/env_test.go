package oneup_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"vitals/clocktest"
	"vitals/fhir"
	"vitals/health"
	"vitals/providers"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/store"
)

const (
	clientID     = "vitals-test-client"
	clientSecret = "s3cr3t-client-value-never-printed"
)

// env is a simulated 1upHealth, a client configured for it, and a
// database with one profile.
type env struct {
	t       testing.TB
	ctx     context.Context
	clock   *clocktest.Clock
	sim     *oneupsim.Server
	srv     *httptest.Server
	cfg     oneup.Config
	hc      *http.Client
	client  *oneup.Client
	db      *store.DB
	profile store.Profile
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func newEnv(t testing.TB, opt oneupsim.Options) *env {
	t.Helper()
	// The sim's clock runs with real time from a fixed day, so that the
	// client's token expiries (real time) and the sim's agree.
	c := clocktest.New(time.Now().UTC().Truncate(time.Millisecond))
	opt.ClientID, opt.ClientSecret = clientID, clientSecret
	if opt.RedirectURI == "" {
		opt.RedirectURI = "http://127.0.0.1:" + freePort(t) + "/callback"
	}
	opt.Now = c.Now
	sim := oneupsim.New(opt)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := oneup.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		APIURL:       srv.URL,
		FHIRURL:      srv.URL + "/r4",
		TokenURL:     srv.URL + "/oauth2/token",
		RedirectURL:  opt.RedirectURI,
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := db.EnsureProfile(ctx, store.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, clock: c, sim: sim, srv: srv, cfg: cfg, hc: hc,
		client: oneup.New(cfg, hc, oneup.WithClock(c.Now), oneup.WithUserLimit(rate.NewLimiter(rate.Inf, 1))),
		db:     db, profile: p}
}

// link links the profile and connects systems server side.
func (e *env) link(systems ...int) store.Account {
	e.t.Helper()
	acct, err := e.client.Link(e.ctx, e.db, e.profile)
	if err != nil {
		e.t.Fatalf("link: %v", err)
	}
	for _, id := range systems {
		if err := e.sim.ConnectSystem(e.profile.UID, id); err != nil {
			e.t.Fatal(err)
		}
		sys, ok := e.simSystem(id)
		if !ok {
			e.t.Fatalf("no system %d", id)
		}
		if err := e.db.SaveSystem(e.ctx, store.System{AccountID: acct.ID, ID: fmt.Sprint(id), Name: sys.Name, Kind: sys.Kind}); err != nil {
			e.t.Fatal(err)
		}
	}
	return acct
}

func (e *env) simSystem(id int) (oneupsim.System, bool) {
	for _, s := range e.sim.Systems() {
		if s.ID == id {
			return s, true
		}
	}
	return oneupsim.System{}, false
}

func (e *env) source(acct store.Account) *oneup.Source {
	e.t.Helper()
	src, err := e.client.Source(e.db, acct, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	return src
}

// syncResult is what one sync of every stream did.
type syncResult struct {
	pages   map[providers.Stream]int
	added   int                 // new measurements
	held    int                 // readings of measurements already held (a weight's BMI, sent apart)
	counts  map[health.Kind]int // readings the pages carried
	ignored map[string]int
}

// syncAll walks every stream to its end, committing each page with its
// cursor as the engine does.
func (e *env) syncAll(src *oneup.Source, acct store.Account) syncResult {
	e.t.Helper()
	r := syncResult{pages: map[providers.Stream]int{}, counts: map[health.Kind]int{}, ignored: map[string]int{}}
	cursors, err := e.db.Cursors(e.ctx, acct.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, st := range src.Streams() {
		cur := cursors[string(st)]
		for {
			p, err := src.Fetch(e.ctx, st, cur)
			if err != nil {
				e.t.Fatalf("fetch %s: %v", st, err)
			}
			r.pages[st]++
			res, err := e.db.CommitPage(e.ctx, acct.ProfileID, acct.ID, string(st), p.Cursor, p.Batch)
			if err != nil {
				e.t.Fatal(err)
			}
			r.added += res.Total().Added
			r.held += res.Total().Held
			for k, n := range p.Batch.Counts() {
				r.counts[k] += n
			}
			for k, n := range p.Ignored {
				r.ignored[k] += n
			}
			cur = p.Cursor
			if !p.More {
				break
			}
			if r.pages[st] > 500 {
				e.t.Fatalf("stream %s does not end", st)
			}
		}
	}
	return r
}

// total asks the sim, with plain HTTP, how many resources a search has.
func (e *env) total(tok, search string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/r4/"+search, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b fhir.Bundle
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil || b.Total == nil {
		e.t.Fatalf("%s: %v", search, err)
	}
	return *b.Total
}

// accessToken is the account's stored access token.
func (e *env) accessToken(acct store.Account) string {
	e.t.Helper()
	tok, err := e.client.Credentials(e.db, acct.ID).Token(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.AccessToken
}

func query(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v.Encode()
}
