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
	"io/fs"
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
	// The first signal asks the command to stop cleanly (a sync stores the
	// page in flight); a second one ends the process at once.
	context.AfterFunc(ctx, stop)
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
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: check the path given to --config, or leave --config out to use %s", err, config.DefaultPath())
			}
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
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(cmd, err) })
	pointToHelp(root)
	return root
}

// pointToHelp makes every command's argument errors say where the usage
// is: cobra's own ("accepts 1 arg(s), received 0", "unknown command") do
// not say what to do.
func pointToHelp(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError(c, err)
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		pointToHelp(sub)
	}
}

// usageError is a command-line mistake, with where to read the usage.
func usageError(cmd *cobra.Command, err error) error {
	return fmt.Errorf("%w\n  see `%s --help` for usage and examples", err, cmd.CommandPath())
}

// databasePath is the database file the flags name.
func (a *app) databasePath() string {
	if a.dbPath == "" {
		return config.DefaultDBPath()
	}
	return a.dbPath
}

// openDB opens the database the flags name, creating it if needed, for a
// command that writes to it.
func (a *app) openDB(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, a.databasePath(), store.Options{Keyring: a.cfg.Keyring})
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%w: this command writes to the database, and you may not: check the permissions of the file and its folder, or name another with --db", err)
	}
	return db, err
}

// openDBToRead opens the database for a command that only reads it. A
// database this user may read but not write (a copy shared read-only, an
// archive) opens read-only rather than failing; readOnly says so.
func (a *app) openDBToRead(ctx context.Context) (db *store.DB, readOnly bool, err error) {
	path := a.databasePath()
	db, err = store.Open(ctx, path, store.Options{Keyring: a.cfg.Keyring})
	if !errors.Is(err, fs.ErrPermission) {
		return db, false, err
	}
	if _, statErr := os.Stat(path); statErr != nil {
		return nil, false, fmt.Errorf("%w: check the permissions of the folder, or name another database with --db", err)
	}
	db, roErr := store.Open(ctx, path, store.Options{Keyring: a.cfg.Keyring, ReadOnly: true})
	if roErr != nil {
		return nil, false, fmt.Errorf("%w; read-only, it fails too: %w", err, roErr)
	}
	return db, true, nil
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

// openProfile opens the database and the profile --profile names, for a
// command that writes to the database. The caller closes the database.
func (a *app) openProfile(ctx context.Context) (*store.DB, store.Profile, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, store.Profile{}, err
	}
	return a.withProfile(ctx, db)
}

// openProfileToRead is openProfile for a command that only reads: see
// openDBToRead.
func (a *app) openProfileToRead(ctx context.Context) (*store.DB, store.Profile, bool, error) {
	db, readOnly, err := a.openDBToRead(ctx)
	if err != nil {
		return nil, store.Profile{}, false, err
	}
	db, p, err := a.withProfile(ctx, db)
	return db, p, readOnly, err
}

// withProfile returns db with the profile --profile names, or closes db
// and says why there is none.
func (a *app) withProfile(ctx context.Context, db *store.DB) (*store.DB, store.Profile, error) {
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
