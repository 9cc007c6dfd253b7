// Command vitals is a terminal dashboard for home health readings: it links
// Omron Wellness and 1upHealth accounts, syncs their readings into a local
// SQLite database, and shows blood-pressure, weight and activity trends
// with AFib alerts.
//
// This package parses the command line and wires the other packages
// together; it holds no logic of its own.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"vitals/config"
	"vitals/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if err := newRootCmd(a).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "vitals:", err)
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
}

// exitCode lets a command choose its exit status while still printing why.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is what every command shares: the global flags, the standard
// streams (tests replace them), and the configuration.
type app struct {
	dbPath     string
	profile    string
	configPath string

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	cfg config.Config
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "vitals",
		Short: "A terminal dashboard for home health readings",
		Long: `vitals links your Omron Wellness and 1upHealth accounts, syncs their readings
into a local SQLite database, and shows blood-pressure, weight and activity
trends with AFib alerts. Without a subcommand it opens the dashboard.

Try it on synthetic data, with local stand-ins for both vendors:
  vitals --demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(a.configPath)
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(a.stderr, "vitals: warning:", w)
			}
			a.cfg = cfg
			return nil
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbPath, "db", "", "database file (default "+config.DefaultDBPath()+")")
	pf.StringVar(&a.profile, "profile", store.DefaultProfile, "whose readings: a profile name (see vitals profile list)")
	pf.StringVar(&a.configPath, "config", "", "configuration file (default "+config.DefaultPath()+")")

	addDashboard(root, a)
	root.AddCommand(
		newImportCmd(a),
		newExportCmd(a),
		newLinkCmd(a),
		newUnlinkCmd(a),
		newConnectCmd(a),
		newSandboxCmd(a),
		newSyncCmd(a),
		newServeCmd(a),
		newShowCmd(a),
		newReportCmd(a),
		newProfileCmd(a),
		newAddCmd(a),
	)
	return root
}

// openDB opens the database the flags name, creating it if needed.
func (a *app) openDB(ctx context.Context) (*store.DB, error) {
	path := a.dbPath
	if path == "" {
		path = config.DefaultDBPath()
	}
	return store.Open(ctx, path, store.Options{Keyring: a.cfg.Keyring})
}

// currentProfile returns the profile --profile names, creating the default
// one on first use. Other profiles must exist (vitals profile add).
func (a *app) currentProfile(ctx context.Context, db *store.DB) (store.Profile, error) {
	if a.profile == store.DefaultProfile {
		return db.EnsureProfile(ctx, a.profile)
	}
	p, err := db.Profile(ctx, a.profile)
	if errors.Is(err, store.ErrNotFound) {
		return p, fmt.Errorf("no profile %q in %s: add it with `vitals profile add %s`, or see `vitals profile list`", a.profile, db.Path(), a.profile)
	}
	return p, err
}

// notBuilt is what a command not built yet answers: it must not pretend.
func notBuilt(name string) error {
	return fmt.Errorf("%s is not available in this build yet", name)
}
