package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"vitals/sanitize"
	"vitals/store"
	"vitals/sync"
)

func newSyncCmd(a *invocation) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync every linked account once, with progress on stderr",
		Long: `Sync fetches what is new from every linked Omron Wellness and 1upHealth
account in the database (or only the profile's, when --profile is given),
once, and stores it. Progress goes to stderr: a line per account redrawn in
place on a terminal, a plain log otherwise. A summary of what was added,
updated and left unchanged goes to stdout.

An interrupted sync loses nothing: each page is stored with its position,
and the next sync resumes from there. Ctrl-C stops it once the page being
fetched is stored; a second Ctrl-C stops it at once. Rate limits and
server errors are waited out and retried; what still fails is reported.
The exit status is 0 when every account synced, 3 when some did and others
failed, 4 when an account must be linked again, 1 when none synced.

--json prints the summary as JSON instead (see docs/json.md).`,
		Example: `  vitals sync
  vitals sync --profile p-1042
  vitals sync 2>>sync.log     # in cron: the progress becomes a log
  vitals sync --json | jq '.[] | select(.result != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd, a, asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func runSync(cmd *cobra.Command, a *invocation, asJSON bool) error {
	ctx := cmd.Context()
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	var profileID int64
	if cmd.Flags().Changed("profile") {
		p, err := a.CurrentProfile(ctx, db)
		if err != nil {
			return err
		}
		profileID = p.ID
	}
	all, err := db.Accounts(ctx, profileID)
	if err != nil {
		return err
	}
	var accts []store.Account
	for _, acct := range all {
		if acct.Syncs() {
			accts = append(accts, acct)
		}
	}
	if len(accts) == 0 {
		whose := "in " + db.Path()
		if profileID != 0 {
			whose = fmt.Sprintf("for profile %q", a.Profile)
		}
		fmt.Fprintf(a.stderr, "vitals: no linked accounts %s: nothing to sync.\nLink one with `vitals link omron` or `vitals link oneup`%s.\n", whose, profileFlag(a.Profile))
		if asJSON {
			return writeJSON(a.stdout, []syncResultJSON{})
		}
		return nil
	}
	names, err := profileNames(cmd, db, accts)
	if err != nil {
		return err
	}

	e := a.NewEngine(db, profileID, nil)
	events, unsubscribe := e.Subscribe()
	tty, width, height := terminal(a.stderr)
	progress := newSyncProgress(a.stderr, accts, names, tty, width, height)
	shown := make(chan struct{})
	go func() {
		// The one goroutine that draws: Progress is not safe for
		// concurrent use.
		defer close(shown)
		stopping := ctx.Done()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					return
				}
				progress.Handle(ev)
			case <-stopping:
				progress.Stopping()
				stopping = nil
			}
		}
	}()
	outcomes := e.RunOnce(ctx, accts)
	unsubscribe()
	<-shown
	progress.Close()

	if asJSON {
		if err := writeJSON(a.stdout, syncResults(outcomes, names)); err != nil {
			return err
		}
	} else {
		summarize(a.stdout, outcomes, names)
	}
	return syncVerdict(outcomes, names)
}

// profileNames maps the accounts' profile ids to their names.
func profileNames(cmd *cobra.Command, db *store.DB, accts []store.Account) (map[int64]string, error) {
	names := map[int64]string{}
	for _, acct := range accts {
		if _, ok := names[acct.ProfileID]; ok {
			continue
		}
		p, err := db.ProfileByID(cmd.Context(), acct.ProfileID)
		if err != nil {
			return nil, err
		}
		names[p.ID] = p.Name
	}
	return names, nil
}

// terminal reports whether w is a terminal, and its size.
func terminal(w io.Writer) (tty bool, width, height int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return false, 0, 0
	}
	width, height, err := term.GetSize(f.Fd())
	if err != nil {
		return true, 0, 0
	}
	return true, width, height
}

// syncResultJSON is one account's line of `vitals sync --json`.
type syncResultJSON struct {
	Profile   string `json:"profile"`
	AccountID int64  `json:"account_id"`
	Provider  string `json:"provider"`
	Account   string `json:"account"`
	Added     int    `json:"added"`
	Held      int    `json:"held"` // readings of measurements already held through another route
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Pages     int    `json:"pages"`
	// Result is ok, failed, needs_relink or interrupted.
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

func syncResults(outcomes []sync.Outcome, names map[int64]string) []syncResultJSON {
	out := make([]syncResultJSON, 0, len(outcomes))
	for _, o := range outcomes {
		t := o.Totals()
		r := syncResultJSON{Profile: names[o.Account.ProfileID], AccountID: o.Account.ID, Provider: string(o.Account.Provider),
			Account: o.Account.Title(), Added: t.Added, Held: t.Held, Updated: t.Updated, Unchanged: t.Unchanged, Pages: o.Pages, Result: "ok"}
		switch {
		case o.NeedsRelink():
			r.Result = "needs_relink"
		case errors.Is(o.Err, sync.ErrInterrupted):
			r.Result = "interrupted"
		case o.Err != nil:
			r.Result = "failed"
		}
		if o.Err != nil {
			r.Error = o.Err.Error()
		}
		out = append(out, r)
	}
	return out
}

// summarize prints what each account's sync did.
func summarize(w io.Writer, outcomes []sync.Outcome, names map[int64]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tACCOUNT\tADDED\tALREADY HELD\tUPDATED\tUNCHANGED\tRESULT")
	for _, o := range outcomes {
		t := o.Totals()
		result := "ok"
		switch {
		case o.NeedsRelink():
			result = "must be linked again"
		case errors.Is(o.Err, sync.ErrInterrupted):
			result = "interrupted"
		case o.Err != nil:
			result = "failed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", names[o.Account.ProfileID], sanitize.Line(o.Account.Title()), t.Added, t.Held, t.Updated, t.Unchanged, result)
	}
	tw.Flush()
}

// syncVerdict is nil when every account synced, and otherwise an error
// that says, account by account, what to do, with the exit status: 4 when
// an account must be linked again, 3 when some accounts synced and others
// failed, 1 when none synced.
func syncVerdict(outcomes []sync.Outcome, names map[int64]string) error {
	var problems []string
	interrupted, relink, ok := false, false, 0
	for _, o := range outcomes {
		switch {
		case o.Err == nil:
			ok++
		case o.NeedsRelink():
			relink = true
		}
		name := names[o.Account.ProfileID] + " · " + o.Account.Title()
		switch {
		case o.Err == nil:
		case o.NeedsRelink():
			problems = append(problems, fmt.Sprintf("%s: the provider no longer accepts its credentials: run `vitals link %s%s`",
				name, o.Account.Provider, profileFlag(names[o.Account.ProfileID])))
		case errors.Is(o.Err, sync.ErrInterrupted):
			interrupted = true
		default:
			problems = append(problems, fmt.Sprintf("%s: %v\n  what was fetched is kept; run `vitals sync` again later to continue", name, o.Err))
		}
	}
	if interrupted {
		problems = append(problems, "sync interrupted: what was fetched is kept; run `vitals sync` again to continue where it stopped")
	}
	if len(problems) == 0 {
		return nil
	}
	err := errors.New(strings.Join(problems, "\n"))
	switch {
	case relink:
		return withStatus(ExitRelink, err)
	case ok > 0:
		return withStatus(ExitPartial, err)
	}
	return err
}

// profileFlag is the --profile flag that names a profile in a suggested
// command ("" for the default profile).
func profileFlag(name string) string {
	if name == "" || name == store.DefaultProfile {
		return ""
	}
	return " --profile " + name
}
