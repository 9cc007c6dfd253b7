// Package cli is the vitals command line: one file per command (cobra),
// their flags, what they print and their exit statuses. The wiring the
// commands share with the dashboard and the demo is in package app; the
// linking flows are in package link.
package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"vitals/app"
	"vitals/atomicfile"
	"vitals/config"
	"vitals/store"
)

// Main runs the command line with args (without the program's name) and
// the standard streams, and returns the exit status. ctx ends on the
// first interrupt.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &invocation{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "vitals:", err)
		var ec exitCode
		if errors.As(err, &ec) {
			return int(ec)
		}
		return 1
	}
	return 0
}

// exitCode lets a command choose its exit status while still printing why.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// invocation is one run of the command tree: the global flags and the
// configuration (app.App), and the standard streams, which tests replace.
type invocation struct {
	app.App

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func newRootCmd(a *invocation) *cobra.Command {
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
			cfg, err := config.Load(a.ConfigPath)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: check the path given to --config, or leave --config out to use %s", err, config.DefaultPath())
			}
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(a.stderr, "vitals: warning:", w)
			}
			a.Config = cfg
			a.Notes = a.stderr
			return nil
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.DBPath, "db", "", "database file (default "+config.DefaultDBPath()+")")
	pf.StringVar(&a.Profile, "profile", store.DefaultProfile, "whose readings: a profile name (see vitals profile list)")
	pf.StringVar(&a.ConfigPath, "config", "", "configuration file (default "+config.DefaultPath()+")")

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
// "-", else to the file at path, whole or not at all and readable by its
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
	return atomicfile.Write(path, write)
}
