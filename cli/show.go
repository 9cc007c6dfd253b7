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
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print one screen of the dashboard, without a terminal",
		Long: `Print one screen of the dashboard to standard output, drawn by the same code
as the dashboard from what the database holds: for scripts, notes and tests.

Colours are left out when the output is not a terminal or NO_COLOR is set.
When nothing is newer than the period's start, the period ends on the newest
reading instead, so an imported or old database still shows its data.

Tabs: ` + strings.Join(tui.TabNames(), ", ") + `.
Ranges: 7d, 30d, 90d, 1y, all.`,
		Example: `  vitals show
  vitals show --tab bp --range 90d
  vitals show --tab alerts --width 120 --height 40 > alerts.txt
  vitals show --profile p-1042 --tab review --range 7d
  vitals show --tab panel --width 160`,
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
			if width < 80 || height < 24 {
				return fmt.Errorf("--width %d --height %d: a screen is at least 80 columns by 24 lines", width, height)
			}
			if width > 1000 || height > 1000 {
				return fmt.Errorf("--width %d --height %d: at most 1000 each", width, height)
			}
			ctx := cmd.Context()
			if t == tui.TabPanel {
				// Every patient: no profile is added to show them.
				a.Panel = true
				if err := a.choosePanel(ctx, cmd); err != nil {
					return err
				}
			}
			db, prof, _, err := a.OpenProfileToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := a.DashboardOptions(db, prof)
			if err != nil {
				return err
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
			// a pipe, NO_COLOR.
			w := colorprofile.NewWriter(a.stdout, os.Environ())
			_, err = fmt.Fprintln(w, screen)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&tab, "tab", "overview", "the screen: "+strings.Join(tui.TabNames(), ", "))
	f.StringVar(&rng, "range", "30d", "the period: 7d, 30d, 90d, 1y or all")
	f.IntVar(&width, "width", 100, "columns")
	f.IntVar(&height, "height", 30, "lines")
	return cmd
}
