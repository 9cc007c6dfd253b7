// Command vitals is a terminal dashboard for home health readings: it links
// Omron Wellness and 1upHealth accounts, syncs their readings into a local
// SQLite database, and shows blood-pressure, weight and activity trends
// with AFib alerts.
//
// This package parses the command line and wires the other packages
// together; it holds no logic of its own.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/charmbracelet/x/term"
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

// openProfile opens the database and the profile --profile names. The
// caller closes the database.
func (a *app) openProfile(ctx context.Context) (*store.DB, store.Profile, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, store.Profile{}, err
	}
	p, err := a.currentProfile(ctx, db)
	if err != nil {
		db.Close()
		return nil, store.Profile{}, err
	}
	return db, p, nil
}

// isTerminal reports whether a stream is an interactive terminal; tests
// stand in for one with a type that says it is.
func isTerminal(stream any) bool {
	switch s := stream.(type) {
	case interface{ IsTerminal() bool }:
		return s.IsTerminal()
	case interface{ Fd() uintptr }:
		return term.IsTerminal(s.Fd())
	}
	return false
}

// writeOutput writes what write produces to stdout when path is "" or
// "-", else to the file at path: through a temporary file renamed into
// place, so that a failure never leaves half a file, and readable by its
// owner only, because exports and reports are health data.
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		// Buffered, so that a failure half way prints nothing.
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w (does the folder exist, and can you write to it?)", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
