package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"vitals/health"
	"vitals/store"
)

func newUnlinkCmd(a *invocation) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "unlink omron|oneup [ACCOUNT]",
		Short: "Forget a linked account, its tokens and the readings it brought",
		Long: `Unlink an account from the current profile: vitals forgets its tokens, its
sync positions and every reading it brought. Readings from other sources
(other accounts, imports, entries by hand) stay.

For Omron Wellness the tokens are first revoked at Omron (best effort: Omron
no longer documents revocation; the tokens are forgotten here either way).
1upHealth documents no revocation endpoint: its tokens are only forgotten
here.

ACCOUNT is the account's id or provider user id from ` + "`vitals link --list`" + `; it
is needed only when the profile has several accounts of the provider.
On a terminal vitals asks before deleting; --yes skips the question (and is
required when standard input is not a terminal).`,
		Example: `  vitals unlink omron
  vitals unlink oneup --yes
  vitals --profile dad unlink omron 3`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return errors.New("name the provider, and the account when the profile has several: vitals unlink omron|oneup [ACCOUNT]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return unlink(cmd, a, args, yes)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "unlink without asking for confirmation")
	return cmd
}

func unlink(cmd *cobra.Command, a *invocation, args []string, yes bool) error {
	ctx := cmd.Context()
	provider := store.Provider(args[0])
	if provider != store.ProviderOmron && provider != store.ProviderOneUp {
		return fmt.Errorf("unlink: %q is not a provider vitals links: want omron or oneup", args[0])
	}
	db, prof, err := a.OpenProfile(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	acct, err := pickAccount(ctx, db, prof, provider, args[1:])
	if err != nil {
		return err
	}
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	held, err := accountReadings(ctx, db, prof.ID, acct.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "This forgets %s (account %d) of profile %q: its stored tokens, its sync positions and %s.\nReadings from other sources stay.\n", acct.Title(), acct.ID, prof.Name, held)
	if !yes {
		if !isTerminal(a.stdin) {
			return errors.New("unlink: nothing was changed: there is no terminal to confirm on; add --yes to unlink")
		}
		fmt.Fprint(out, "Unlink it? Type yes to confirm: ")
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "yes" && a != "y" {
			fmt.Fprintln(out, "Nothing was changed.")
			return nil
		}
	}
	u, err := a.LinkFlow(db, nil).Unlink(ctx, acct)
	if err != nil {
		return err
	}
	switch {
	case provider == store.ProviderOneUp:
		fmt.Fprintln(out, "1upHealth documents no way to revoke tokens: they are forgotten here.")
	case u.Revoked:
		fmt.Fprintln(out, "Revoked the account's tokens at Omron.")
	default:
		fmt.Fprintf(errOut, "vitals: the tokens could not be revoked at Omron (%v); they are forgotten here and expire on their own.\n", u.RevokeErr)
	}
	fmt.Fprintf(out, "Unlinked %s from profile %q.\n", acct.Title(), prof.Name)
	return nil
}

// pickAccount finds the account to unlink: the profile's only account of
// the provider, or the one the argument names by id or provider user id.
func pickAccount(ctx context.Context, db *store.DB, prof store.Profile, p store.Provider, args []string) (store.Account, error) {
	all, err := db.Accounts(ctx, prof.ID)
	if err != nil {
		return store.Account{}, err
	}
	var found []store.Account
	for _, acct := range all {
		if acct.Provider != p {
			continue
		}
		if len(args) == 1 && strconv.FormatInt(acct.ID, 10) != args[0] && acct.ExternalID != args[0] {
			continue
		}
		found = append(found, acct)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0 && len(args) == 1:
		return store.Account{}, fmt.Errorf("unlink: profile %q has no %s account %q: see `vitals link --list`", prof.Name, p, args[0])
	case len(found) == 0:
		return store.Account{}, fmt.Errorf("unlink: no %s account is linked to profile %q: see `vitals link --list`", p, prof.Name)
	}
	var names []string
	for _, acct := range found {
		names = append(names, fmt.Sprintf("%d (%s)", acct.ID, acct.Title()))
	}
	return store.Account{}, fmt.Errorf("unlink: profile %q has %d %s accounts: %s; say which, e.g. `vitals unlink %s %d`",
		prof.Name, len(found), p, strings.Join(names, ", "), p, found[0].ID)
}

// accountReadings says how many readings of each kind an account brought.
func accountReadings(ctx context.Context, db *store.DB, profileID, accountID int64) (string, error) {
	var parts []string
	for _, k := range append(health.Kinds[:len(health.Kinds):len(health.Kinds)], health.KindCondition) {
		n, err := db.Count(ctx, k, store.Filter{ProfileID: profileID, AccountID: accountID})
		if err != nil {
			return "", err
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(k.Label())))
		}
	}
	if len(parts) == 0 {
		return "no readings", nil
	}
	return "its readings (" + strings.Join(parts, ", ") + ")", nil
}
