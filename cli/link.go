package cli

import (
	"context"
	"encoding/json"
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

func newLinkCmd(a *invocation) *cobra.Command {
	var list, asJSON bool
	cmd := &cobra.Command{
		Use:   "link [omron|oneup]",
		Short: "Link an Omron Wellness or 1upHealth account, or list linked accounts",
		Long: `Link an account once; vitals then syncs its readings and refreshes its
tokens by itself.

Linking Omron Wellness opens Omron's sign-in page in a browser (or prints its
address with --no-browser, or when no browser can be opened). After you
approve, the browser comes back to the redirect URL from the configuration:
vitals listens there when it is a loopback address (http://127.0.0.1:PORT/...).
When the browser runs on another machine, or the redirect URL is not loopback,
paste the address the browser ends on into the terminal and press Enter.

Linking 1upHealth needs no browser; devices and health systems are then
connected to it with ` + "`vitals connect`" + `.

Tokens are kept in the OS keyring when the configuration enables it and one
answers, otherwise in the database file (readable by you only). They are
never printed.`,
		Example: `  vitals link omron
  vitals link omron --no-browser --timeout 10m
  vitals link oneup
  vitals link --list
  vitals --profile dad link omron

  # try it without Omron credentials, against the local sandbox:
  vitals sandbox --auto-approve --write-config /tmp/vitals-sandbox.toml &
  vitals --config /tmp/vitals-sandbox.toml link omron`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if list {
				return listLinks(cmd, a, asJSON)
			}
			return cmd.Help()
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list the profile's linked accounts with their state, last sync, where their tokens are kept, and last error")
	cmd.Flags().BoolVar(&asJSON, "json", false, "with --list: print the accounts as JSON")

	omronCmd := &cobra.Command{
		Use:   "omron",
		Short: "Link an Omron Wellness account",
		Long: `Link an Omron Wellness account to the current profile, through Omron's
sign-in and consent page (OAuth 2.0 with PKCE).

It needs the partner application's client_id and client_secret under [omron]
in the configuration (or VITALS_OMRON_CLIENT_ID and VITALS_OMRON_CLIENT_SECRET),
and a redirect_url registered with Omron (default
http://127.0.0.1:53682/callback). Linking the same Omron user again renews
its tokens and makes it active again.`,
		Example: `  vitals link omron
  vitals link omron --no-browser
  vitals --config /tmp/vitals-sandbox.toml link omron   # against vitals sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return linkOmron(cmd, a) },
	}
	omronCmd.Flags().Bool("no-browser", false, "print the sign-in address instead of opening a browser")
	omronCmd.Flags().Duration("timeout", 5*time.Minute, "how long to wait for the browser to come back")
	cmd.AddCommand(omronCmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "oneup",
		Short: "Link a 1upHealth account",
		Long: `Link a 1upHealth account to the current profile. No browser is needed:
vitals creates (or finds) the profile's 1upHealth user server to server with
the application's client_id and client_secret under [oneup] in the
configuration (or VITALS_ONEUP_CLIENT_ID and VITALS_ONEUP_CLIENT_SECRET), and
keeps its tokens. Linking again renews the tokens.

1upHealth then gathers readings from the devices and health systems you
connect to it with ` + "`vitals connect`" + `; ` + "`vitals sync`" + ` fetches them.`,
		Example: `  vitals link oneup
  vitals connect --search fitbit   # then connect a device or health system to it`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return linkOneUp(cmd, a) },
	})
	return cmd
}

// linkOmron runs `vitals link omron`: the linking flow, with the address
// printed and opened in a browser.
func linkOmron(cmd *cobra.Command, a *invocation) error {
	ctx := cmd.Context()
	if err := a.Config.OmronReady(); err != nil {
		return err
	}
	noBrowser, _ := cmd.Flags().GetBool("no-browser")
	timeout, _ := cmd.Flags().GetDuration("timeout")
	if timeout <= 0 {
		return errors.New("--timeout must be positive, such as 5m")
	}
	db, prof, err := a.OpenProfile(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	flow := a.LinkFlow(db, nil)
	flow.Pasted, flow.Notes = a.stdin, errOut
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	linked, err := flow.Link(wait, prof, store.ProviderOmron, func(addr link.Address) {
		fmt.Fprintf(out, "To link Omron Wellness to profile %q, open this address in a browser, sign in and allow access:\n\n  %s\n\n", prof.Name, addr.URL)
		waitNote(out, addr, timeout)
		if !noBrowser {
			if err := browser.OpenURL(addr.URL); err != nil {
				fmt.Fprintln(errOut, "vitals: no browser could be opened; open the address above yourself.")
			}
		}
	})
	switch {
	case errors.Is(err, providers.ErrAccessDenied):
		return errors.New("link omron: access was declined on Omron's page, so nothing was linked; run `vitals link omron` again to retry")
	case errors.Is(err, providers.ErrNoAnswer):
		return fmt.Errorf("link omron: no answer came back from the browser within %s, so nothing was linked; run `vitals link omron` again (--timeout waits longer; or paste the address the browser ends on)", timeout)
	case err != nil && ctx.Err() != nil:
		return errors.New("link omron: interrupted, nothing was linked")
	case err != nil:
		return fmt.Errorf("%w%s", err, linkAdvice(err))
	}
	fmt.Fprintf(out, "\nLinked Omron Wellness account %s to profile %q (account %d).\nRun `vitals sync` to fetch its readings.\n", sanitize.Line(linked.User), prof.Name, linked.Account.ID)
	tellTokenPlace(ctx, a, db, linked.Account.ID)
	return nil
}

// tellTokenPlace says where an account's new tokens are kept, and warns
// when they are in the database unencrypted.
func tellTokenPlace(ctx context.Context, a *invocation, db *store.DB, accountID int64) {
	place, err := db.SecretPlace(ctx, accountID)
	if err != nil {
		return
	}
	switch place {
	case store.InKeyring:
		fmt.Fprintln(a.stderr, "vitals: Tokens are kept in the OS keyring.")
	case store.InDatabaseSeal:
		fmt.Fprintf(a.stderr, "vitals: Tokens are kept in the database, encrypted with the key in %s.\n", a.SealKeyPath())
	default:
		fmt.Fprintln(a.stderr, "vitals: warning: Tokens are kept in the database unencrypted (readable by you only).")
	}
}

// waitNote says where the browser will come back, and that its address
// may be pasted instead.
func waitNote(out io.Writer, addr link.Address, timeout time.Duration) {
	if addr.Listening {
		fmt.Fprintf(out, "Waiting up to %s for the browser to come back to %s.\nIf the browser runs on another machine, paste the address it ends on here and press Enter.\n", timeout, addr.Redirect)
	} else {
		fmt.Fprintf(out, "After you allow access the browser ends on %s... (the page may not load).\nPaste that whole address here and press Enter (waiting up to %s).\n", addr.Redirect, timeout)
	}
}

// linkAdvice says what to do about a failed exchange.
func linkAdvice(err error) string {
	var se *providers.StatusError
	switch {
	case errors.As(err, &se) && se.Code == "invalid_client":
		return "; check omron.client_id and omron.client_secret in the configuration"
	case errors.As(err, &se) && se.Code == "invalid_grant":
		return "; the code expired or was refused: run `vitals link omron` again"
	case errors.Is(err, providers.ErrTemporary), errors.Is(err, providers.ErrRateLimited):
		return "; Omron did not answer properly: try again in a few minutes"
	}
	return ""
}

// listLinks prints the profile's linked accounts.
func listLinks(cmd *cobra.Command, a *invocation, asJSON bool) error {
	ctx := cmd.Context()
	db, prof, _, err := a.OpenProfileToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.Accounts(ctx, prof.ID)
	if err != nil {
		return err
	}
	links := []linkJSON{}
	for _, acct := range all {
		if !acct.Syncs() {
			continue
		}
		l := linkJSON{ID: acct.ID, Provider: string(acct.Provider), Account: acct.Title(), User: acct.ExternalID,
			State: string(acct.State), LastError: acct.LastError, Systems: []systemJSON{}}
		if !acct.LastSyncAt.IsZero() {
			l.LastSync = acct.LastSyncAt.UTC().Format(time.RFC3339)
		}
		l.Tokens, l.AccessUntil = tokenState(ctx, db, acct.ID)
		if acct.Provider == store.ProviderOneUp {
			systems, err := db.Systems(ctx, acct.ID)
			if err != nil {
				return err
			}
			for _, s := range systems {
				l.Systems = append(l.Systems, systemJSON{ID: s.ID, Name: s.Name, Kind: s.Kind})
			}
		}
		links = append(links, l)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return writeJSON(out, links)
	}
	if len(links) == 0 {
		fmt.Fprintf(a.stderr, "vitals: no accounts are linked to profile %q. Link one with `vitals link omron` or `vitals link oneup`.\n", prof.Name)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROVIDER\tACCOUNT\tSTATE\tLAST SYNC\tTOKENS\tACCESS UNTIL\tLAST ERROR")
	for _, l := range links {
		state := l.State
		if l.State == string(store.StateNeedsRelink) {
			state = "needs relinking: vitals link " + l.Provider
		}
		last := "never"
		if t, err := time.Parse(time.RFC3339, l.LastSync); err == nil {
			last = t.Local().Format("2006-01-02 15:04")
		}
		until := "-"
		if t, err := time.Parse(time.RFC3339, l.AccessUntil); err == nil {
			until = t.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Provider, sanitize.Line(l.Account), state, last, orDash(l.Tokens), until, orDash(oneLine(l.LastError, 80)))
		for _, s := range l.Systems {
			fmt.Fprintf(tw, "\t\t  connected: %s (%s)\t\t\t\t\t\n", sanitize.Line(s.Name), s.Kind)
		}
		if l.Provider == string(store.ProviderOneUp) && len(l.Systems) == 0 {
			fmt.Fprintf(tw, "\t\t  no connected systems yet: vitals connect\t\t\t\t\t\n")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "vitals: access tokens refresh themselves before they expire; TOKENS says where each account's are kept.")
	return nil
}

// linkJSON is one account of `vitals link --list --json`.
type linkJSON struct {
	ID       int64  `json:"id"`
	Provider string `json:"provider"`
	Account  string `json:"account"`
	User     string `json:"user"` // the provider's user id
	State    string `json:"state"`
	LastSync string `json:"last_sync,omitempty"` // RFC 3339, UTC
	// Tokens says where the tokens are kept: "OS keyring",
	// "database, encrypted", "database, not encrypted", or "" when none
	// are (or they cannot be read here).
	Tokens      string       `json:"tokens"`
	AccessUntil string       `json:"access_token_expiry,omitempty"` // RFC 3339, UTC
	LastError   string       `json:"last_error,omitempty"`
	Systems     []systemJSON `json:"systems"` // connected through 1upHealth
}

// systemJSON is a device or health system connected through 1upHealth.
type systemJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// tokenState says where an account's tokens are kept and until when its
// access token runs ("" when that cannot be told here: no tokens, or a
// key this user does not have).
func tokenState(ctx context.Context, db *store.DB, accountID int64) (place, until string) {
	p, err := db.SecretPlace(ctx, accountID)
	if err != nil {
		return "", ""
	}
	secret, err := db.LoadSecret(ctx, accountID)
	if err != nil {
		return string(p), ""
	}
	var tok providers.Token
	if json.Unmarshal(secret, &tok) != nil || tok.Expiry.IsZero() {
		return string(p), ""
	}
	return string(p), tok.Expiry.UTC().Format(time.RFC3339)
}

// oneLine keeps a stored error to one line of at most n characters in a
// table, cut between characters, never inside one.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// linkOneUp links the profile's 1upHealth account (vitals link oneup). No
// browser is needed: the 1upHealth user is created (or found) server to
// server with the application's client secret, and its code exchanged for
// tokens. Devices and health systems are connected afterwards with
// `vitals connect`.
func linkOneUp(cmd *cobra.Command, a *invocation) error {
	ctx := cmd.Context()
	if err := a.Config.OneUpReady(); err != nil {
		return err
	}
	db, prof, err := a.OpenProfile(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	flow := a.LinkFlow(db, nil)
	flow.Retrying = func(w providers.Wait) {
		fmt.Fprintf(errOut, "vitals: 1upHealth did not answer properly (%v); trying again in %s\n", w.Err, w.For.Round(time.Second))
	}
	linked, err := flow.Link(ctx, prof, store.ProviderOneUp, nil)
	if err != nil {
		return fmt.Errorf("%w%s", err, oneUpAdvice(err, a))
	}
	acct := linked.Account
	tellTokenPlace(ctx, a, db, acct.ID)
	systems, err := db.Systems(ctx, acct.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Linked 1upHealth user %s to profile %q (account %d).\n", acct.ExternalID, prof.Name, acct.ID)
	if len(systems) == 0 {
		fmt.Fprintln(out, "Next, connect a device or health system to it:\n  vitals connect --search fitbit\n  vitals connect --system ID")
	} else {
		fmt.Fprintf(out, "%d connected system(s) keep delivering: run `vitals sync` to fetch their readings.\n", len(systems))
	}
	return nil
}

// oneUpAdvice says what to do about a failure to reach or use 1upHealth.
func oneUpAdvice(err error, a *invocation) string {
	var rl *providers.RateLimitError
	switch {
	case errors.Is(err, oneup.ErrBadClient):
		file := a.Config.Path
		if file == "" {
			file = "the configuration"
		}
		return "; fix oneup.client_id and oneup.client_secret in " + file
	case errors.Is(err, providers.ErrNeedsRelink):
		return "; run `vitals link oneup` to get new tokens"
	case errors.As(err, &rl):
		wait := "in an hour"
		if rl.RetryAfter > 0 {
			wait = "in " + rl.RetryAfter.Round(time.Minute).String()
		}
		return "; 1upHealth allows " + fmt.Sprint(oneup.UserCallsPerHour) + " user-management calls an hour: try again " + wait
	case errors.Is(err, providers.ErrTemporary):
		return "; 1upHealth did not answer properly: try again in a few minutes"
	}
	return ""
}
