package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"vitals/enroll"
	"vitals/store"
	"vitals/sync"
	"vitals/tui"
)

// DashboardOptions are the dashboard's settings from the configuration.
func (a *App) DashboardOptions(db *store.DB, prof store.Profile) (tui.Options, error) {
	units, err := a.Config.Units()
	if err != nil {
		return tui.Options{}, err
	}
	now, loc := a.Clock()
	tab := tui.TabOverview
	if a.Panel {
		tab = tui.TabPanel
	}
	return tui.Options{
		Tab:       tab,
		Who:       OSUser(),
		DB:        db,
		Profile:   prof,
		Units:     units,
		Rulebook:  a.Config.Rulebook(),
		StepGoal:  a.Config.Display.StepGoal,
		QuietDays: a.Config.Display.QuietDays,
		Range:     tui.Range30d,
		Now:       now,
		Location:  loc,
		// Reports and exports of the period on screen (w): they only
		// read the database, so a read-only one may write them too.
		Files:  NewDashboardFiles(db),
		Enroll: a.dashboardEnroll(db),
	}, nil
}

// dashboardEnroll makes enrollment links from the dashboard (E) as
// `vitals enroll` does, when the configuration names the hub's public
// address and the database may be written; nil otherwise.
func (a *App) dashboardEnroll(db *store.DB) func(context.Context, store.Profile, store.Provider) (tui.EnrollmentLink, error) {
	public := a.Config.Serve.PublicURL
	if public == "" || db.ReadOnly() {
		return nil
	}
	return func(ctx context.Context, prof store.Profile, p store.Provider) (tui.EnrollmentLink, error) {
		l, err := enroll.Create(ctx, db, public, prof, p, 0, OSUser(), "", time.Now())
		if err != nil {
			return tui.EnrollmentLink{}, err
		}
		qr, err := enroll.QR(l.URL)
		if err != nil {
			return tui.EnrollmentLink{}, err
		}
		return tui.EnrollmentLink{ID: l.ID, Provider: p, URL: l.URL, QR: qr, Expires: l.Expires}, nil
	}
}

// RunDashboard shows the dashboard on db while the sync engine runs in
// the background, and lets the engine store the page it was fetching
// when the dashboard closes. Notes about that wait go to stderr.
func (a *App) RunDashboard(ctx context.Context, db *store.DB, prof store.Profile, engine *sync.Engine, actions tui.Actions, stderr io.Writer) error {
	o, err := a.DashboardOptions(db, prof)
	if err != nil {
		return err
	}
	o.Engine, o.Actions = engine, actions
	// The engine learns the accounts before the dashboard asks for a sync
	// as it opens: SyncNow reaches only the accounts the engine has
	// loaded, and Run loads them in its own time.
	if err := engine.Reload(ctx); err != nil {
		return err
	}
	engine.SyncNow()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- engine.Run(runCtx) }()
	err = tui.Run(runCtx, o)
	cancel()
	return cmp.Or(err, waitForEngine(ctx, ran, stderr))
}

// waitForEngine waits for the engine to store the page it was fetching
// when the dashboard closed; the terminal is the person's again by then.
// A slow provider can hold that page for a while, so after a moment it
// says what it waits for, and a signal (Ctrl-C) ends the wait: what was
// stored stays, and the next sync resumes after it.
func waitForEngine(ctx context.Context, ran <-chan error, stderr io.Writer) error {
	interrupt := ctx.Done()
	if ctx.Err() != nil {
		// A signal closed the dashboard: main lets a second one end the
		// process at once.
		interrupt = nil
	}
	notice := time.NewTimer(300 * time.Millisecond)
	defer notice.Stop()
	for {
		select {
		case err := <-ran:
			return err
		case <-notice.C:
			fmt.Fprintln(stderr, "vitals: storing the page being fetched before quitting (Ctrl-C quits at once; what is stored stays)")
		case <-interrupt:
			return nil
		}
	}
}

// OSUser is the name of the user running vitals (who acknowledges an
// alert unless told otherwise), or "".
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
