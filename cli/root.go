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
	"os"
	"runtime/debug"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"vitals/app"
	"vitals/atomicfile"
	"vitals/config"
	"vitals/sanitize"
	"vitals/store"
)

// Exit statuses, documented in `vitals --help` and the README: scripts
// branch on them.
const (
	ExitOK      = 0 // done
	ExitFailure = 1 // failed: the message says why
	ExitUsage   = 2 // the command line was wrong: see --help
	ExitPartial = 3 // a sync stored some accounts' readings but not others'
	ExitRelink  = 4 // an account must be linked again (vitals link)
)

// Main runs the command line with args (without the program's name) and
// the standard streams, and returns the exit status. ctx ends on the
// first interrupt.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &invocation{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "vitals:", sanitize.Text(err.Error()))
	return exitStatus(err)
}

// exitStatus is the status an error ends the process with.
func exitStatus(err error) int {
	var st *statusError
	var ue *usageErr
	switch {
	case errors.As(err, &st):
		return st.status
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitFailure
}

// statusError is an error that ends the process with a status of its own
// (ExitPartial, ExitRelink).
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus gives err an exit status.
func withStatus(status int, err error) error {
	if err == nil {
		return nil
	}
	return &statusError{status: status, err: err}
}

// usageErr is a mistake on the command line.
type usageErr struct{ err error }

func (e *usageErr) Error() string { return e.err.Error() }
func (e *usageErr) Unwrap() error { return e.err }

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
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			globalsFromEnv(cmd, a)
			cfg, err := config.Load(a.ConfigPath)
			if errors.Is(err, fs.ErrNotExist) && writesConfig(cmd) {
				// `config path` and `config set` work before the file exists.
				cfg, err = config.Default(), nil
			}
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
	pf.StringVar(&a.DBPath, "db", "", "database file, or a clinic's postgres:// URL (default "+config.DefaultDBPath()+"; also "+config.EnvDB+")")
	pf.StringVar(&a.Profile, "profile", store.DefaultProfile, "whose readings: a profile name (see vitals profile list; also "+config.EnvProfile+")")
	pf.StringVar(&a.ConfigPath, "config", "", "configuration file (default "+config.DefaultPath()+"; also "+config.EnvConfig+")")
	root.SetVersionTemplate("vitals {{.Version}}\n")

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
		newEnrollCmd(a),
		newShowCmd(a),
		newReportCmd(a),
		newProfileCmd(a),
		newAddCmd(a),
		newDBCmd(a),
	)
	root.AddCommand(newConfigCmd(a))
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(cmd, err) })
	pointToHelp(root)
	suggestCommands(root)
	registerCompletions(root, a)
	root.SetHelpTemplate(root.HelpTemplate() + exitStatusHelp)
	return root
}

// exitStatusHelp ends every command's help.
const exitStatusHelp = `
Exit status: 0 done; 1 failed; 2 wrong command line; 3 a sync stored some
accounts but not others; 4 an account must be linked again.
`

// writesConfig reports the commands that need no configuration file to
// exist: they name or create it.
func writesConfig(cmd *cobra.Command) bool {
	switch cmd.CommandPath() {
	case "vitals config path", "vitals config set":
		return true
	}
	return false
}

// globalsFromEnv fills the global flags the command line left unset from
// VITALS_DB, VITALS_PROFILE and VITALS_CONFIG: a clinic's hub sets
// VITALS_DB once for every command.
func globalsFromEnv(cmd *cobra.Command, a *invocation) {
	for _, g := range []struct {
		flag, env string
		dst       *string
	}{
		{"db", config.EnvDB, &a.DBPath},
		{"profile", config.EnvProfile, &a.Profile},
		{"config", config.EnvConfig, &a.ConfigPath},
	} {
		if cmd.Flags().Changed(g.flag) {
			continue
		}
		if v, ok := os.LookupEnv(g.env); ok && v != "" {
			*g.dst = v
		}
	}
}

// suggestCommands makes an unknown subcommand of the root say which
// command was meant: the root takes no arguments (it opens the
// dashboard), so cobra's own suggestions never run there.
func suggestCommands(root *cobra.Command) {
	root.SuggestionsMinimumDistance = 2
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for vitals", args[0])
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
		}
		return usageError(cmd, errors.New(msg))
	}
}

// version is the module version and the commit it was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, when string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (commit " + rev
		if dirty {
			v += ", modified"
		}
		if when != "" {
			v += ", " + when
		}
		v += ")"
	}
	return v + " " + info.GoVersion
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
	return &usageErr{fmt.Errorf("%w\n  see `%s --help` for usage and examples", err, cmd.CommandPath())}
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
