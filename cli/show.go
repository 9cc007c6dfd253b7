package cli

import (
	"fmt"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"vitals/tui"
)

func newShowCmd(a *invocation) *cobra.Command {
	var tab, rng string
	var width, height int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print one screen of the dashboard, without a terminal",
		Long: `Print one screen of the dashboard to standard output, drawn by the same code
as the dashboard from what the database holds: for scripts, notes and tests.

Colours are left out when the output is not a terminal or NO_COLOR is set.
When nothing is newer than the period's start, the period ends on the newest
reading instead, so an imported or old database still shows its data.

With --json, the period's summary behind the screens is printed as data
instead (the one home mean and its verdict, counts, alerts, accounts:
docs/json.md).

Tabs: ` + strings.Join(tui.TabNames(), ", ") + `.
Ranges: 7d, 30d, 90d, 1y, all.`,
		Example: `  vitals show
  vitals show --tab bp --range 90d
  vitals show --tab alerts --width 120 --height 40 > alerts.txt
  vitals show --profile p-1042 --tab review --range 7d
  vitals show --json --range 7d | jq .blood_pressure.home_mean`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := tui.ParseTab(tab)
			if err != nil {
				return fmt.Errorf("--tab: %w", err)
			}
			r, err := tui.ParseRange(rng)
			if err != nil {
				return fmt.Errorf("--range: %w", err)
			}
			// In a terminal, the screen fits the window unless the
			// flags say otherwise; a file or pipe gets the defaults.
			tty, cols, lines := terminal(a.stdout)
			if tty && !cmd.Flags().Changed("width") && cols > 0 {
				width = max(cols, 80)
			}
			if tty && !cmd.Flags().Changed("height") && lines > 0 {
				height = max(lines-1, 24) // the prompt keeps its line
			}
			if width < 80 || height < 24 {
				return fmt.Errorf("--width %d --height %d: a screen is at least 80 columns by 24 lines", width, height)
			}
			if width > 1000 || height > 1000 {
				return fmt.Errorf("--width %d --height %d: at most 1000 each", width, height)
			}
			ctx := cmd.Context()
			db, prof, _, err := a.OpenProfileToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := a.DashboardOptions(db, prof)
			if err != nil {
				return err
			}
			if asJSON {
				facts, err := tui.LoadFacts(ctx, o, tui.Screen{Tab: t, Range: r, Width: width, Height: height})
				if err != nil {
					return err
				}
				return writeJSON(a.stdout, showJSONOf(facts, r))
			}
			light := false
			in, inFile := a.stdin.(*os.File)
			if out, ok := a.stdout.(*os.File); ok && inFile && isTerminal(out) && isTerminal(in) {
				light = !lipgloss.HasDarkBackground(in, out)
			}
			screen, err := tui.Render(ctx, o, tui.Screen{Tab: t, Range: r, Width: width, Height: height, Light: light})
			if err != nil {
				return err
			}
			// The writer drops colours where they do not belong: a file,
			// a pipe, NO_COLOR. There, the padding that fills a
			// terminal's lines is only trailing spaces, and goes.
			if tty {
				_, err = fmt.Fprintln(colorprofile.NewWriter(a.stdout, os.Environ()), screen)
				return err
			}
			var plain strings.Builder
			w := colorprofile.NewWriter(&plain, os.Environ())
			w.Profile = colorprofile.Detect(a.stdout, os.Environ())
			if _, err := fmt.Fprint(w, screen); err != nil {
				return err
			}
			for line := range strings.Lines(plain.String()) {
				if _, err := fmt.Fprintln(a.stdout, strings.TrimRight(line, " \n")); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tab, "tab", "overview", "the screen: "+strings.Join(tui.TabNames(), ", "))
	f.StringVar(&rng, "range", "30d", "the period: 7d, 30d, 90d, 1y or all")
	f.BoolVar(&asJSON, "json", false, "print the period's summary as JSON instead of a screen (see docs/json.md)")
	f.IntVar(&width, "width", 100, "columns (in a terminal: its width)")
	f.IntVar(&height, "height", 30, "lines (in a terminal: its height, less the prompt's line)")
	return cmd
}
