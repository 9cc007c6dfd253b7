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

	"vitals/store"
	"vitals/sync"
)

func newSyncCmd(a *invocation) *cobra.Command {
	return &cobra.Command{
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
server errors are waited out and retried; what still fails is reported,
and the exit status is 1 if any account failed or must be linked again.`,
		Example: `  vitals sync
  vitals sync --profile p-1042
  vitals sync 2>>sync.log     # in cron: the progress becomes a log`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd, a) },
	}
}

func runSync(cmd *cobra.Command, a *invocation) error {
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
		fmt.Fprintf(a.stdout, "No linked accounts %s: nothing to sync.\nLink one with `vitals link omron` or `vitals link oneup`%s.\n", whose, profileFlag(a.Profile))
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

	summarize(a.stdout, outcomes, names)
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

// summarize prints what each account's sync did.
func summarize(w io.Writer, outcomes []sync.Outcome, names map[int64]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tACCOUNT\tADDED\tUPDATED\tUNCHANGED\tRESULT")
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
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", names[o.Account.ProfileID], o.Account.Title(), t.Added, t.Updated, t.Unchanged, result)
	}
	tw.Flush()
}

// syncVerdict is nil when every account synced, and otherwise an error
// that says, account by account, what to do.
func syncVerdict(outcomes []sync.Outcome, names map[int64]string) error {
	var problems []string
	interrupted := false
	for _, o := range outcomes {
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
	return errors.New(strings.Join(problems, "\n"))
}

// profileFlag is the --profile flag that names a profile in a suggested
// command ("" for the default profile).
func profileFlag(name string) string {
	if name == "" || name == store.DefaultProfile {
		return ""
	}
	return " --profile " + name
}
