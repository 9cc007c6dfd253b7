package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cli/browser"
	"github.com/spf13/cobra"

	"vitals/link"
	"vitals/providers"
	"vitals/providers/oneup"
	"vitals/sanitize"
	"vitals/store"
)

func newConnectCmd(a *invocation) *cobra.Command {
	var (
		search, systemID, kind string
		noBrowser, asJSON      bool
		timeout                time.Duration
	)
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "Connect a device or health system to your 1upHealth account",
		Long: `1upHealth gathers readings from the wearables, scales and health systems you
connect to your 1upHealth account. Without --system, connect lists the
systems 1upHealth offers (--search filters them by name, --kind by type).
With --system ID it opens the system's sign-in page in a browser (or prints
its address with --no-browser); after you sign in there and allow access, the
browser comes back to the redirect URL of the configuration (oneup.redirect_url),
where vitals listens on 127.0.0.1. If the browser runs on another machine,
paste the address it ends on into the terminal and press Enter.

1upHealth then pulls the system's data in the background, every few minutes;
` + "`vitals sync`" + ` fetches it. Readings keep the system's name, and count as home
readings for devices and office readings for health systems.

The profile needs a 1upHealth account first: ` + "`vitals link oneup`" + `.
The sign-in address carries your access token: share it with no one.`,
		Example: `  vitals connect                      # every system 1upHealth offers
  vitals connect --search fitbit
  vitals connect --kind clinical --search epic
  vitals connect --system 4709
  vitals connect --kind device --json | jq -r '.[] | select(.connected) | .name'
  vitals connect --system 4706 --no-browser --timeout 10m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind != "" && kind != oneup.KindClinical && kind != oneup.KindDevice {
				return fmt.Errorf("--kind %q: want clinical (health systems) or device (wearables, scales)", kind)
			}
			if timeout <= 0 {
				return errors.New("--timeout must be positive, such as 5m")
			}
			if asJSON && systemID != "" {
				return errors.New("--json lists systems: it cannot be given with --system")
			}
			return connectOneUp(cmd, a, connectOptions{search: search, systemID: strings.TrimSpace(systemID), kind: kind, noBrowser: noBrowser, asJSON: asJSON, timeout: timeout})
		},
	}
	f := cmd.Flags()
	f.StringVar(&search, "search", "", "list only systems whose name contains this text (any case)")
	f.StringVar(&systemID, "system", "", "connect the system with this id (see the list)")
	f.StringVar(&kind, "kind", "", "clinical or device: list or connect only systems of this type")
	f.BoolVar(&noBrowser, "no-browser", false, "print the sign-in address instead of opening a browser")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the browser to come back")
	f.BoolVar(&asJSON, "json", false, "print the systems as JSON (see docs/json.md)")
	return cmd
}

type connectOptions struct {
	search, systemID, kind string
	noBrowser, asJSON      bool
	timeout                time.Duration
}

func connectOneUp(cmd *cobra.Command, a *invocation, opt connectOptions) error {
	ctx := cmd.Context()
	if err := a.Config.OneUpReady(); err != nil {
		return err
	}
	db, prof, err := a.OpenProfile(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	acct, err := oneup.FindAccount(ctx, db, prof.ID)
	linked := err == nil
	switch {
	case errors.Is(err, oneup.ErrNotLinked) && opt.systemID != "":
		return fmt.Errorf("connect: profile %q has no 1upHealth account yet: run `vitals link oneup` first", prof.Name)
	case err != nil && !errors.Is(err, oneup.ErrNotLinked):
		return err
	case linked && acct.State == store.StateNeedsRelink && opt.systemID != "":
		return fmt.Errorf("connect: 1upHealth no longer accepts the tokens of profile %q: run `vitals link oneup` again, then connect", prof.Name)
	}
	flow := a.LinkFlow(db, nil)
	systems, err := flow.Systems(ctx, opt.kind)
	if err != nil {
		return fmt.Errorf("connect: %w%s", err, oneUpAdvice(err, a))
	}
	if opt.systemID == "" {
		var connected []store.System
		if linked {
			if connected, err = db.Systems(ctx, acct.ID); err != nil {
				return err
			}
		}
		found := oneup.Search(systems, opt.search)
		if opt.asJSON {
			err = writeJSON(a.stdout, systemsJSON(found, connected))
		} else {
			err = listSystems(a.stdout, a.stderr, found, connected, opt.search)
		}
		if err != nil {
			return err
		}
		if !linked {
			fmt.Fprintf(a.stderr, "vitals: profile %q has no 1upHealth account yet: run `vitals link oneup` first, then connect.\n", sanitize.Line(prof.Name))
		}
		return nil
	}
	sys, ok := oneup.Find(systems, opt.systemID, "")
	if !ok {
		what := "systems"
		if opt.kind != "" {
			what = opt.kind + " systems"
		}
		return fmt.Errorf("connect: 1upHealth lists no %s with id %q: see `vitals connect --search NAME` for the ids", what, opt.systemID)
	}
	return connectSystem(ctx, cmd, a, flow, acct, sys, opt)
}

// offeredSystemJSON is one system of `vitals connect --json`: the
// fields of link --list's systemJSON, and more.
type offeredSystemJSON struct {
	systemJSON
	Status    string `json:"status"` // 1upHealth's word for the connection, "" when it gives none
	Connected bool   `json:"connected"`
}

// systemsJSON is the list of systems with whether the profile connected
// each; an empty list is [], not null.
func systemsJSON(systems []oneup.System, connected []store.System) []offeredSystemJSON {
	have := map[string]bool{}
	for _, s := range connected {
		have[s.ID] = true
	}
	out := make([]offeredSystemJSON, 0, len(systems))
	for _, s := range systems {
		out = append(out, offeredSystemJSON{systemJSON{ID: s.ID, Name: s.Name, Kind: s.Kind}, s.Status, have[s.ID]})
	}
	return out
}

// listSystems prints the table of systems on out, and what to do next on
// msgs.
func listSystems(out, msgs io.Writer, systems []oneup.System, connected []store.System, search string) error {
	if len(systems) == 0 {
		fmt.Fprintf(msgs, "vitals: no system's name contains %q: try a shorter text, or `vitals connect` for the whole list.\n", sanitize.Line(search))
		return nil
	}
	have := map[string]bool{}
	for _, s := range connected {
		have[s.ID] = true
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tSTATUS\tCONNECTED")
	for _, s := range systems {
		status := strings.ReplaceAll(s.Status, "_", " ")
		if status == "" {
			status = "-"
		}
		mark := "-"
		if have[s.ID] {
			mark = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sanitize.Line(s.ID), sanitize.Line(s.Name), s.Kind, sanitize.Line(status), mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(msgs, "vitals: connect one with: vitals connect --system ID")
	return nil
}

// connectSystem runs the browser part: the connect link, the loopback
// redirect, and recording the system.
func connectSystem(ctx context.Context, cmd *cobra.Command, a *invocation, flow *link.Flow, acct store.Account, sys oneup.System, opt connectOptions) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if !sys.Working() {
		fmt.Fprintf(errOut, "vitals: warning: 1upHealth reports %s as %q: it may connect but deliver nothing.\n", sys.Name, sys.Status)
	}
	where := "health system"
	if sys.Kind == oneup.KindDevice {
		where = "device maker"
	}
	wait, cancel := context.WithTimeout(ctx, opt.timeout)
	defer cancel()
	flow.Pasted, flow.Notes = a.stdin, errOut
	err := flow.Connect(wait, acct, sys, func(addr link.Address) {
		fmt.Fprintf(out, "To connect %s (%s) to profile %q, sign in at the %s's page and allow access.\n", sys.Name, sys.Kind, a.Profile, where)
		opened := false
		if !opt.noBrowser {
			if err := browser.OpenURL(addr.URL); err == nil {
				opened = true
				fmt.Fprintf(out, "Opened %s in your browser.\n", addr.Shown) // masked: the token stays off the screen
			} else {
				fmt.Fprintln(errOut, "vitals: no browser could be opened; open the address below yourself.")
			}
		}
		if !opened {
			// Shown whole, once, because a person has to open it; it carries
			// the access token, so it is not logged anywhere else.
			fmt.Fprintf(out, "Open this address in a browser (it holds your access token: do not share it):\n\n  %s\n\n", addr.URL)
		}
		waitNote(out, addr, opt.timeout)
	})
	switch {
	case errors.Is(err, providers.ErrAccessDenied):
		return fmt.Errorf("connect: access to %s was declined, so nothing was connected; run `vitals connect --system %s` again to retry", sys.Name, sys.ID)
	case errors.Is(err, providers.ErrNoAnswer):
		return fmt.Errorf("connect: no answer came back from the browser within %s, so nothing was connected; run `vitals connect --system %s` again (--timeout waits longer)", opt.timeout, sys.ID)
	case err != nil && ctx.Err() != nil:
		return errors.New("connect: interrupted, nothing was connected")
	case err != nil:
		return fmt.Errorf("connect: %w%s", err, oneUpAdvice(err, a))
	}
	fmt.Fprintf(out, "\nConnected %s to the 1upHealth account of profile %q.\n1upHealth pulls its data in the background within a few minutes; `vitals sync` then fetches it.\n", sys.Name, a.Profile)
	return nil
}
