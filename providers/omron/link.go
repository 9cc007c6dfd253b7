package omron

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"vitals/providers"
	"vitals/store"
)

// LinkOptions are the person-facing parts of linking.
type LinkOptions struct {
	// Show presents the authorization URL (print it, open a browser). It
	// is called once the loopback listener, if any, is ready; listening
	// reports whether the redirect will be caught on it. It must return
	// without waiting for the redirect: the listener answers after it.
	Show func(authURL string, listening bool)
	// Pasted, when set, is read for the redirected URL, for redirect URIs
	// that are not loopback or a browser on another machine.
	Pasted io.Reader
	// Notes hears why a pasted line was not taken.
	Notes io.Writer
}

// Link runs the authorization-code flow: it starts the loopback listener
// of the configured redirect URL, shows the authorization URL, waits for
// the redirect (or a pasted URL) with the matching state until ctx ends,
// and exchanges the code. It returns providers.ErrAccessDenied when the
// person declines and providers.ErrNoAnswer when ctx's deadline passes.
func (c *Client) Link(ctx context.Context, opt LinkOptions) (Grant, error) {
	auth := c.NewAuthorization()
	r := providers.Redirect{URL: c.cfg.RedirectURL, State: auth.State, Pasted: opt.Pasted, Notes: opt.Notes}
	ln, err := r.Listen()
	if err != nil {
		return Grant{}, fmt.Errorf("omron: %w", err)
	}
	if ln != nil {
		defer ln.Close()
	}
	if ln == nil && opt.Pasted == nil {
		return Grant{}, fmt.Errorf("omron: redirect_url %s is not a loopback http URL, and nothing can be pasted", c.cfg.RedirectURL)
	}
	if opt.Show != nil {
		opt.Show(auth.URL, ln != nil)
	}
	q, err := r.Wait(ctx, ln)
	if err != nil {
		return Grant{}, err
	}
	return c.Exchange(ctx, auth, q.Get("code"))
}

// SaveLink stores a linked account under a profile: the account, keyed by
// the Omron user id (linking again updates it and makes it active), and
// its tokens (OS keyring or database, as db was opened).
func SaveLink(ctx context.Context, db *store.DB, profileID int64, g Grant) (store.Account, error) {
	label := ""
	if g.Email != "" {
		label = Origin + " (" + g.Email + ")"
	}
	acct, err := db.UpsertAccount(ctx, store.Account{
		ProfileID:  profileID,
		Provider:   store.ProviderOmron,
		ExternalID: g.UserID,
		Label:      label,
	})
	if err != nil {
		return acct, fmt.Errorf("omron: save the account of user %s: %w", g.UserID, err)
	}
	creds := providers.NewCredentials(db, acct.ID, nil)
	if err := creds.Save(ctx, g.Token); err != nil {
		return acct, fmt.Errorf("omron: save the tokens of account %d: %w", acct.ID, err)
	}
	return acct, nil
}

// RevokeAccount revokes an account's stored tokens at Omron, best effort
// (see Revoke). It does not forget them: the caller removes the account.
func (c *Client) RevokeAccount(ctx context.Context, secrets providers.SecretStore, accountID int64) error {
	data, err := secrets.LoadSecret(ctx, accountID)
	if err != nil {
		return fmt.Errorf("omron: revoke: %w", err)
	}
	var t providers.Token
	if err := json.Unmarshal(data, &t); err != nil {
		// The decoder's message is left out: it can quote the bytes it
		// choked on, which are the tokens.
		return errors.New("omron: revoke: the stored tokens do not decode")
	}
	return c.Revoke(ctx, t)
}
