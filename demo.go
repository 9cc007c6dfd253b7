package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"vitals/config"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
	"vitals/sync"
)

// demoPatient is the name the demo's profile shows.
const demoPatient = "Alex Morgan (demo)"

// The systems the demo connects through 1upHealth: a wearable and a
// health system, so home and office readings both appear.
var demoSystems = []string{strconv.Itoa(oneupsim.Fitbit), strconv.Itoa(oneupsim.EpicTestSite)}

// runDemo starts the local Omron and 1upHealth servers on free loopback
// ports, links both accounts through their real OAuth flows, and opens
// the dashboard while the first sync pulls two years of readings. The
// database is a temporary one unless --db names a file.
func (a *app) runDemo(ctx context.Context) error {
	d, err := a.startDemo(ctx)
	if err != nil {
		return err
	}
	defer d.close()
	defer d.syncWhenDataLands()()
	return a.runDashboardWithEngine(ctx, d.db, d.profile, d.engine, d.actions)
}

// syncWhenDataLands syncs the 1upHealth account again once its connected
// systems' data has landed. 1upHealth pulls a new system's data in the
// background (the local server waits DataDelay, as the vendor takes
// minutes), so the first sync finds nothing there yet; the next scheduled
// round would be half an hour away. It returns a func that cancels it.
func (d *demo) syncWhenDataLands() (stop func()) {
	t := time.AfterFunc(d.sandbox.OneUp.Options().DataDelay+time.Second, func() { d.engine.SyncNow(d.oneup.ID) })
	return func() { t.Stop() }
}

// demo is everything the demo runs on.
type demo struct {
	sandbox *sandbox.Sandbox
	db      *store.DB
	profile store.Profile
	oneup   store.Account // the 1upHealth account, synced again once its data lands
	engine  *sync.Engine
	actions *dashboardActions
	cleanup []func()
}

func (d *demo) close() {
	for i := len(d.cleanup) - 1; i >= 0; i-- {
		d.cleanup[i]()
	}
}

// startDemo starts the servers, opens the database and links both
// providers; the caller runs the engine and closes the demo.
func (a *app) startDemo(ctx context.Context) (d *demo, err error) {
	d = &demo{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	say := func(format string, args ...any) { fmt.Fprintf(a.stderr, "vitals demo: "+format+"\n", args...) }
	say("starting local Omron Wellness and 1upHealth servers on 127.0.0.1")
	omronRedirect, err := freeLoopbackURL("/callback")
	if err != nil {
		return d, err
	}
	oneupRedirect, err := freeLoopbackURL("/callback")
	if err != nil {
		return d, err
	}
	if d.sandbox, err = sandbox.Start(sandbox.Options{AutoApprove: true, OneUpRedirectURL: oneupRedirect}); err != nil {
		return d, fmt.Errorf("demo: %w", err)
	}
	d.cleanup = append(d.cleanup, func() { d.sandbox.Close() })

	cfg := d.sandbox.Config(omronRedirect)
	cfg.Display = a.cfg.Display // the person's units and rulebook still apply
	a.cfg = cfg

	dbPath := a.dbPath
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "vitals-demo-")
		if err != nil {
			return d, fmt.Errorf("demo: temporary database: %w", err)
		}
		d.cleanup = append(d.cleanup, func() { os.RemoveAll(dir) })
		dbPath = filepath.Join(dir, "demo.db")
	}
	if d.db, err = store.Open(ctx, dbPath, store.Options{}); err != nil {
		return d, err
	}
	d.cleanup = append(d.cleanup, func() { d.db.Close() })
	// The demo's database is its own: any --profile is made in it.
	if d.profile, err = d.db.EnsureProfile(ctx, a.profile); err != nil {
		return d, fmt.Errorf("demo: profile %q: %w", a.profile, err)
	}
	if d.profile.DisplayName == "" {
		d.profile.DisplayName = demoPatient
		if err := d.db.UpdateProfile(ctx, d.profile); err != nil {
			return d, err
		}
	}

	hc := providerClient(cfg.Sync.RequestTimeout.Duration)
	say("linking Omron Wellness through its sign-in page (approved at once)")
	if err := linkDemoOmron(ctx, cfg, d.db, d.profile, hc); err != nil {
		return d, fmt.Errorf("demo: %w", err)
	}
	say("linking 1upHealth and connecting Fitbit and the Epic test site")
	if d.oneup, err = linkDemoOneUp(ctx, cfg, d.db, d.profile, hc); err != nil {
		return d, fmt.Errorf("demo: %w", err)
	}
	// The engine logs nowhere: the dashboard owns the terminal and shows
	// what goes wrong from the engine's events.
	d.engine = a.newEngine(d.db, 0, slog.New(slog.DiscardHandler))
	d.actions = newDashboardActions(cfg, d.db, d.engine)
	d.actions.open = visitor(hc)
	return d, nil
}

// freeLoopbackURL returns an http URL on a loopback port free right now,
// for a redirect listener that starts a moment later.
func freeLoopbackURL(path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo: find a free port: %w", err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + path, nil
}

// visitor stands in for a person's browser in the demo: it follows the
// address (the demo's servers approve at once) to the redirect listener.
// It returns at once, as opening a browser does.
func visitor(hc *http.Client) func(string) error {
	return func(u string) error {
		go func() {
			resp, err := hc.Get(u)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
}

func linkDemoOmron(ctx context.Context, cfg config.Config, db *store.DB, prof store.Profile, hc *http.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	visit := visitor(hc)
	g, err := omron.New(cfg.Omron, hc).Link(ctx, omron.LinkOptions{Show: func(u string, _ bool) { visit(u) }})
	if err != nil {
		return fmt.Errorf("link omron: %w", err)
	}
	_, err = omron.SaveLink(ctx, db, prof.ID, g)
	return err
}

func linkDemoOneUp(ctx context.Context, cfg config.Config, db *store.DB, prof store.Profile, hc *http.Client) (store.Account, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := oneup.New(cfg.OneUp, hc)
	acct, err := client.Link(ctx, db, prof)
	if err != nil {
		return acct, fmt.Errorf("link oneup: %w", err)
	}
	all, err := client.AllSystems(ctx)
	if err != nil {
		return acct, fmt.Errorf("list 1upHealth systems: %w", err)
	}
	visit := visitor(hc)
	for _, id := range demoSystems {
		sys, ok := oneup.Find(all, id, "")
		if !ok {
			return acct, fmt.Errorf("1upHealth lists no system %s", id)
		}
		err := connectFlow(ctx, db, client, acct, sys, cfg.OneUp.RedirectURL, nil, nil, func(link oneup.ConnectLink, _ bool) {
			visit(link.Reveal())
		})
		if err != nil {
			return acct, fmt.Errorf("connect %s: %w", sys.Name, err)
		}
	}
	return acct, nil
}
