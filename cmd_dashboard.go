package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"vitals/store"
	"vitals/sync"
	"vitals/tui"
)

// addDashboard makes the root command open the dashboard.
func addDashboard(root *cobra.Command, a *app) {
	var demo bool
	root.Flags().BoolVar(&demo, "demo", false, "run the dashboard on demo data from local Omron and 1upHealth servers")
	root.Example = `  vitals                      # your dashboard; linked accounts sync in the background
  vitals --profile p-1042     # another person's readings
  vitals --demo               # a demo patient fed by local stand-ins for both vendors
  vitals show --tab bp        # one screen printed, without a terminal`
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if !isTerminal(a.stdin) || !isTerminal(a.stdout) {
			return errors.New("the dashboard needs a terminal: use `vitals show` to print a screen instead")
		}
		if demo {
			return a.runDemo(ctx)
		}
		db, prof, readOnly, err := a.openProfileToRead(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if readOnly {
			// A database this user may not write: shown as it is, with
			// nothing syncing into it.
			o, err := a.dashboardOptions(db, prof)
			if err != nil {
				return err
			}
			return tui.Run(ctx, o)
		}
		// Every profile's linked accounts sync while the dashboard is open,
		// so switching person shows current numbers; the engine's events
		// say which account is syncing.
		engine := a.newEngine(db, 0, slog.New(slog.DiscardHandler))
		return a.runDashboardWithEngine(ctx, db, prof, engine, newDashboardActions(a.cfg, db, engine))
	}
}

// runDashboardWithEngine shows the dashboard on db while the sync engine
// runs in the background, and lets the engine store the page it was
// fetching when the dashboard closes.
func (a *app) runDashboardWithEngine(ctx context.Context, db *store.DB, prof store.Profile, engine *sync.Engine, actions *dashboardActions) error {
	o, err := a.dashboardOptions(db, prof)
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
	return cmp.Or(err, a.waitForEngine(ctx, ran))
}

// waitForEngine waits for the engine to store the page it was fetching
// when the dashboard closed; the terminal is the person's again by then.
// A slow provider can hold that page for a while, so after a moment it
// says what it waits for, and a signal (Ctrl-C) ends the wait: what was
// stored stays, and the next sync resumes after it.
func (a *app) waitForEngine(ctx context.Context, ran <-chan error) error {
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
			fmt.Fprintln(a.stderr, "vitals: storing the page being fetched before quitting (Ctrl-C quits at once; what is stored stays)")
		case <-interrupt:
			return nil
		}
	}
}

// dashboardOptions are the dashboard's settings from the configuration.
func (a *app) dashboardOptions(db *store.DB, prof store.Profile) (tui.Options, error) {
	units, err := a.cfg.Units()
	if err != nil {
		return tui.Options{}, err
	}
	return tui.Options{
		DB:        db,
		Profile:   prof,
		Units:     units,
		Rulebook:  a.cfg.Rulebook(),
		StepGoal:  a.cfg.Display.StepGoal,
		QuietDays: a.cfg.Display.QuietDays,
		Range:     tui.Range30d,
		Now:       time.Now,
		Location:  time.Local,
	}, nil
}
