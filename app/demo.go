package app

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

	"vitals/link"
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
var demoSystems = [...]string{strconv.Itoa(oneupsim.Fitbit), strconv.Itoa(oneupsim.EpicTestSite)}

// demoLinkTimeout bounds each of the demo's linking steps: the local
// servers answer at once, so a step that takes longer is broken.
const demoLinkTimeout = 30 * time.Second

// RunDemo starts the local Omron and 1upHealth servers on free loopback
// ports, links both accounts through their real OAuth flows, and opens
// the dashboard while the first sync pulls two years of readings. The
// database is a temporary one unless --db names a file. What it is doing
// before the dashboard opens is said on stderr.
func (a *App) RunDemo(ctx context.Context, stderr io.Writer) error {
	d, err := a.StartDemo(ctx, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	defer d.SyncWhenDataLands()()
	return a.RunDashboard(ctx, d.DB, d.Profile, d.Engine, d.Actions, stderr)
}

// Demo is everything the demo runs on.
type Demo struct {
	Sandbox *sandbox.Sandbox
	DB      *store.DB
	Profile store.Profile
	OneUp   store.Account // the 1upHealth account, synced again once its data lands
	Engine  *sync.Engine
	Actions *DashboardActions
	cleanup []func()
}

// Close stops the servers and closes the database (removing it when it
// was temporary).
func (d *Demo) Close() {
	for i := len(d.cleanup) - 1; i >= 0; i-- {
		d.cleanup[i]()
	}
}

// SyncWhenDataLands syncs the 1upHealth account again once its connected
// systems' data has landed. 1upHealth pulls a new system's data in the
// background (the local server waits DataDelay, as the vendor takes
// minutes), so the first sync finds nothing there yet; the next scheduled
// round would be half an hour away. It returns a func that cancels it.
func (d *Demo) SyncWhenDataLands() (stop func()) {
	t := time.AfterFunc(d.Sandbox.OneUp.Options().DataDelay+time.Second, func() { d.Engine.SyncNow(d.OneUp.ID) })
	return func() { t.Stop() }
}

// StartDemo starts the servers, opens the database and links both
// providers through the linking flows; a plain HTTP visit stands in for
// the person's browser. a's configuration is replaced by one that points
// at the servers (the person's display settings stay). The caller runs
// the engine and closes the demo.
func (a *App) StartDemo(ctx context.Context, stderr io.Writer) (d *Demo, err error) {
	d = &Demo{}
	defer func() {
		if err != nil {
			d.Close()
			err = fmt.Errorf("demo: %w", err)
		}
	}()
	say := func(format string, args ...any) { fmt.Fprintf(stderr, "vitals demo: "+format+"\n", args...) }
	say("starting local Omron Wellness and 1upHealth servers on 127.0.0.1")
	omronRedirect, err := FreeLoopbackURL("/callback")
	if err != nil {
		return d, err
	}
	oneupRedirect, err := FreeLoopbackURL("/callback")
	if err != nil {
		return d, err
	}
	if d.Sandbox, err = sandbox.Start(sandbox.Options{AutoApprove: true, OneUpRedirectURL: oneupRedirect}); err != nil {
		return d, err
	}
	d.cleanup = append(d.cleanup, func() { d.Sandbox.Close() })

	cfg := d.Sandbox.Config(omronRedirect)
	cfg.Display = a.Config.Display // the person's units and rulebook still apply
	a.Config = cfg

	dbPath := a.DBPath
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "vitals-demo-")
		if err != nil {
			return d, fmt.Errorf("temporary database: %w", err)
		}
		d.cleanup = append(d.cleanup, func() { os.RemoveAll(dir) })
		dbPath = filepath.Join(dir, "demo.db")
	}
	if d.DB, err = store.Open(ctx, dbPath, store.Options{}); err != nil {
		return d, err
	}
	d.cleanup = append(d.cleanup, func() { d.DB.Close() })
	// The demo's database is its own: any --profile is made in it.
	name := a.Profile
	if name == "" {
		name = store.DefaultProfile
	}
	if d.Profile, err = d.DB.EnsureProfile(ctx, name); err != nil {
		return d, fmt.Errorf("profile %q: %w", name, err)
	}
	if d.Profile.DisplayName == "" {
		d.Profile.DisplayName = demoPatient
		if err := d.DB.UpdateProfile(ctx, d.Profile); err != nil {
			return d, err
		}
	}

	// The engine logs nowhere: the dashboard owns the terminal and shows
	// what goes wrong from the engine's events.
	d.Engine = a.NewEngine(d.DB, 0, slog.New(slog.DiscardHandler))
	flow := a.LinkFlow(d.DB, d.Engine)
	d.Actions = NewDashboardActions(flow)
	d.Actions.Open = Visitor(flow.HTTP)
	visit := func(addr link.Address) { d.Actions.Open(addr.URL) }

	say("linking Omron Wellness through its sign-in page (approved at once)")
	if err := withTimeout(ctx, func(ctx context.Context) error {
		_, err := flow.Link(ctx, d.Profile, store.ProviderOmron, visit)
		return err
	}); err != nil {
		return d, err
	}
	say("linking 1upHealth and connecting Fitbit and the Epic test site")
	err = withTimeout(ctx, func(ctx context.Context) error {
		l, err := flow.Link(ctx, d.Profile, store.ProviderOneUp, nil)
		if err != nil {
			return err
		}
		d.OneUp = l.Account
		all, err := flow.Systems(ctx, "")
		if err != nil {
			return fmt.Errorf("list 1upHealth systems: %w", err)
		}
		for _, id := range demoSystems {
			sys, ok := oneup.Find(all, id, "")
			if !ok {
				return fmt.Errorf("1upHealth lists no system %s", id)
			}
			if err := flow.Connect(ctx, d.OneUp, sys, visit); err != nil {
				return fmt.Errorf("connect %s: %w", sys.Name, err)
			}
		}
		return nil
	})
	return d, err
}

func withTimeout(ctx context.Context, step func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, demoLinkTimeout)
	defer cancel()
	return step(ctx)
}

// FreeLoopbackURL returns an http URL on a loopback port free right now,
// for a redirect listener that starts a moment later.
func FreeLoopbackURL(path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + path, nil
}

// Visitor stands in for a person's browser in the demo and in tests: it
// follows the address (the local servers approve at once) to the
// redirect listener. It returns at once, as opening a browser does.
func Visitor(hc *http.Client) func(string) error {
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
