package cli

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"vitals/app"
	"vitals/config"
	"vitals/store"
	"vitals/tui"
)

// addDashboard makes the root command open the dashboard.
func addDashboard(root *cobra.Command, a *invocation) {
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
			return a.RunDemo(ctx, a.stderr)
		}
		if err := a.choosePanel(ctx, cmd); err != nil {
			return err
		}
		// The dashboard makes the database on first use: a person starts
		// with it, and links accounts from its Sources screen.
		open := a.OpenProfileToRead
		if !a.Exists() {
			open = func(ctx context.Context) (*store.DB, store.Profile, bool, error) {
				db, prof, err := a.OpenProfile(ctx)
				return db, prof, false, err
			}
		}
		db, prof, readOnly, err := open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()

		if readOnly {
			// A database this user may not write: shown as it is, with
			// nothing syncing into it.
			o, err := a.DashboardOptions(db, prof)
			if err != nil {
				return err
			}
			return tui.Run(ctx, o)
		}
		// Every profile's linked accounts sync while the dashboard is open,
		// so switching person shows current numbers; the engine's events
		// say which account is syncing.
		engine := a.NewEngine(db, 0, slog.New(slog.DiscardHandler))
		return a.RunDashboard(ctx, db, prof, engine, app.NewDashboardActions(a.LinkFlow(db, engine)), a.stderr)
	}
}

// choosePanel opens the dashboard on the clinician's panel when the
// database holds several profiles and nobody is named (--profile,
// VITALS_PROFILE); then, and for vitals panel, the first profile by name
// is the current one unless the default profile exists, so that opening
// a clinic's database adds no empty profile to it.
func (a *invocation) choosePanel(ctx context.Context, cmd *cobra.Command) error {
	named := cmd.Flags().Changed("profile") || os.Getenv(config.EnvProfile) != ""
	if named || !a.Exists() {
		return nil
	}
	db, _, err := a.OpenDBToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := db.Profiles(ctx)
	if err != nil {
		return err
	}
	if len(ps) > 1 {
		a.Panel = true
	}
	if a.Panel && len(ps) > 0 && !slices.ContainsFunc(ps, func(p store.Profile) bool { return p.Name == store.DefaultProfile }) {
		a.Profile = ps[0].Name
	}
	return nil
}
