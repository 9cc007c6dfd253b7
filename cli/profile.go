package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vitals/health"
	"vitals/report"
	"vitals/sanitize"
	"vitals/store"
)

func newProfileCmd(a *invocation) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Add, list, rename and remove the people whose readings the database holds",
		Long: `A profile is one person: their linked accounts, imports and readings.
A clinician keeps one profile per patient; every command takes --profile NAME
to choose whose readings it works on (default "me").`,
		Example: `  vitals profile add p-1042 --display-name "Jane Doe" --height 1.68
  vitals profile list
  vitals --profile p-1042 import jane-omron.csv
  vitals profile rename p-1042 jane-doe
  vitals profile remove jane-doe`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newProfileAddCmd(a), newProfileListCmd(a), newProfileRenameCmd(a), newProfileRemoveCmd(a))
	return cmd
}

func newProfileAddCmd(a *invocation) *cobra.Command {
	var (
		display string
		height  float64
	)
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a profile",
		Long: `Add a profile. NAME is the handle --profile takes: 1 to 64 letters, digits,
'.', '_' or '-', starting with a letter or digit (e.g. a chart number such as
p-1042). --display-name is how reports and screens name the person.`,
		Example: `  vitals profile add p-1042 --display-name "Jane Doe" --height 1.68
  vitals profile add dad`,
		Args: argsOrUsage(1, "name the profile to add, e.g. vitals profile add p-1042"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if height != 0 && (height < 0.3 || height > 2.75) {
				hint := ""
				if height > 30 && height < 275 {
					hint = fmt.Sprintf(" (%g cm is --height %g)", height, height/100)
				}
				return fmt.Errorf("--height %g is out of range: give metres, 0.3 to 2.75%s", height, hint)
			}
			ctx := cmd.Context()
			db, err := a.OpenDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := db.AddProfile(ctx, args[0], display, height)
			switch {
			case errors.Is(err, store.ErrProfileExists):
				return fmt.Errorf("profile %q already exists: see vitals profile list, or choose another name", args[0])
			case errors.Is(err, store.ErrBadProfileName):
				return fmt.Errorf("profile name %q: %w", args[0], store.ErrBadProfileName)
			case err != nil:
				return err
			}
			fmt.Fprintf(a.stdout, "Added profile %s (%s). Use it with --profile %s, e.g. vitals --profile %s import FILE\n",
				p.Name, p.Title(), p.Name, p.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&display, "display-name", "", `how reports and screens name the person, e.g. "Jane Doe"`)
	cmd.Flags().Float64Var(&height, "height", 0, "height in metres, e.g. 1.72 (for BMI)")
	return cmd
}

// profileJSON is one profile of `vitals profile list --json`.
type profileJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Readings    int    `json:"readings"`
	Accounts    int    `json:"accounts"`
	// LastReading is the newest reading's instant (RFC 3339, UTC) and
	// LastOffset its wall clock's offset; absent without readings.
	LastReading string `json:"last_reading,omitempty"`
	LastOffset  string `json:"last_utc_offset,omitempty"`
	Current     bool   `json:"current"` // the profile --profile names
}

func newProfileListCmd(a *invocation) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles with their readings, accounts and last reading",
		Long: `List every profile: its name, display name, number of readings, number of
accounts, and when its last reading was taken (on the wall clock where it was
taken). The profile --profile names is marked with *.`,
		Example: `  vitals profile list
  vitals --db clinic.db profile list
  vitals profile list --json | jq -r '.[].name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, _, err := a.OpenDBToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.ProfileSummaries(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]profileJSON, 0, len(list))
				for _, s := range list {
					p := profileJSON{Name: s.Name, DisplayName: s.DisplayName, Readings: s.Total, Accounts: s.Accounts, Current: s.Name == a.Profile}
					if !s.LastReading.IsZero() {
						p.LastReading = s.LastReading.UTC().Format(time.RFC3339)
						p.LastOffset = health.FormatOffset(s.LastOffset)
					}
					out = append(out, p)
				}
				return writeJSON(a.stdout, out)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stderr, "vitals: no profiles yet: add one with vitals profile add NAME, or import readings (they go to the profile \"me\").")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\tNAME\tDISPLAY NAME\tREADINGS\tACCOUNTS\tLAST READING")
			for _, s := range list {
				mark, last := "", "-"
				if s.Name == a.Profile {
					mark = "*"
				}
				if !s.LastReading.IsZero() {
					t := health.WallClock(s.LastReading, s.LastOffset)
					last = t.Format("2006-01-02 15:04") + " " + health.FormatOffset(s.LastOffset)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", mark, s.Name, orDash(sanitize.Line(s.DisplayName)), s.Total, s.Accounts, last)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the profiles as JSON")
	return cmd
}

func newProfileRenameCmd(a *invocation) *cobra.Command {
	return &cobra.Command{
		Use:   "rename OLD NEW",
		Short: "Rename a profile (its handle; readings and accounts stay with it)",
		Long: `Change the handle a profile is known by in --profile. Its readings, accounts
and display name stay as they are.`,
		Example: `  vitals profile rename p-1042 jane-doe`,
		Args:    argsOrUsage(2, "name the profile and its new name, e.g. vitals profile rename p-1042 jane-doe"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.OpenDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			err = db.RenameProfile(ctx, args[0], args[1])
			switch {
			case errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("no profile %q: see vitals profile list", args[0])
			case errors.Is(err, store.ErrProfileExists):
				return fmt.Errorf("profile %q already exists: choose another name, or remove that profile first", args[1])
			case errors.Is(err, store.ErrBadProfileName):
				return fmt.Errorf("profile name %q: %w", args[1], store.ErrBadProfileName)
			case err != nil:
				return err
			}
			fmt.Fprintf(a.stdout, "Renamed profile %s to %s.\n", args[0], args[1])
			return nil
		},
	}
}

func newProfileRemoveCmd(a *invocation) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a profile with its accounts and readings",
		Long: `Remove a profile and everything it holds: its linked accounts (and their
saved tokens), its imports and its readings of every kind. It says what it
will delete and asks first; --yes skips the question. Without a terminal to
ask on, it refuses unless --yes is given.`,
		Example: `  vitals profile remove p-1042
  vitals profile remove p-1042 --yes`,
		Args: argsOrUsage(1, "name the profile to remove, e.g. vitals profile remove p-1042"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.OpenDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := db.Profile(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no profile %q: see vitals profile list", args[0])
			} else if err != nil {
				return err
			}
			summary, err := db.ProfileSummary(ctx, p.ID)
			if err != nil {
				return err
			}
			accounts, err := db.Accounts(ctx, p.ID)
			if err != nil {
				return err
			}
			what := describeProfile(summary, accounts)
			if !yes {
				if !isTerminal(a.stdin) {
					fmt.Fprint(a.stderr, what)
					return fmt.Errorf("not removing profile %s: there is no terminal to confirm on; add --yes to remove it", p.Name)
				}
				fmt.Fprint(a.stdout, what)
				fmt.Fprintf(a.stdout, "Remove profile %s? Type yes to confirm: ", p.Name)
				answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
				if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "yes" && ans != "y" {
					fmt.Fprintln(a.stdout, "Nothing removed.")
					return nil
				}
			}
			if err := db.RemoveProfile(ctx, p.Name); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Removed profile %s.\n", p.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}

// describeProfile says exactly what removing a profile deletes.
func describeProfile(s store.ProfileSummary, accounts []store.Account) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Removing profile %s (%s) deletes:\n", s.Name, s.Title())
	if len(accounts) == 0 {
		b.WriteString("  no accounts\n")
	}
	for _, acc := range accounts {
		line := acc.Title()
		if acc.ExternalID != "" {
			line += " (user " + acc.ExternalID + ")"
		}
		if acc.Syncs() {
			line += ", with its saved tokens"
		}
		fmt.Fprintf(&b, "  account: %s\n", line)
	}
	for _, k := range report.CSVKinds() {
		if n := s.Readings[k]; n > 0 {
			fmt.Fprintf(&b, "  %d %s\n", n, readingsOf(k, n))
		}
	}
	if len(s.Readings) == 0 {
		b.WriteString("  no readings\n")
	}
	b.WriteString("This cannot be undone.\n")
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// argsOrUsage is cobra.ExactArgs with an error that says what to type.
func argsOrUsage(n int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return errors.New(usage)
		}
		return nil
	}
}
