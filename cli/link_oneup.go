package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"vitals/providers"
	"vitals/providers/oneup"
	"vitals/store"
)

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
