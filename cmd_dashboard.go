package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"vitals/store"
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
		db, prof, err := a.openProfile(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		// Every profile's linked accounts sync while the dashboard is open,
		// so switching person shows current numbers; the engine's events
		// say which account is syncing.
		engine := a.newEngine(db, 0, slog.New(slog.DiscardHandler))
		return a.runDashboardWithEngine(ctx, db, prof, engine, newDashboardActions(a.cfg, db, engine))
	}
}

// runDashboard shows the dashboard on db. engine and actions may be nil:
// then the dashboard shows what the database holds and says how to sync
// and link from the command line.
func (a *app) runDashboard(ctx context.Context, db *store.DB, prof store.Profile, engine tui.Engine, actions tui.Actions) error {
	o, err := a.dashboardOptions(db, prof)
	if err != nil {
		return err
	}
	o.Engine, o.Actions = engine, actions
	return tui.Run(ctx, o)
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
