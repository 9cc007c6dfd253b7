package oneup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"

	"vitals/providers"
	"vitals/store"
)

// Linking a profile to 1upHealth needs no browser: the application creates
// (or finds) the person's 1upHealth user server to server and exchanges the
// code it gets. Connecting a device or health system to that user does
// need the browser: the person logs in at the system.

// AccountStore keeps accounts and their tokens (*store.DB does).
type AccountStore interface {
	providers.SecretStore
	UpsertAccount(ctx context.Context, a store.Account) (store.Account, error)
}

// Link creates the profile's 1upHealth user (app_user_id is the profile's
// stable UID), or asks for a new code when it exists already, exchanges
// the code, and stores the account and its tokens. Linking again is safe:
// it finds the same user and replaces the tokens.
func (c *Client) Link(ctx context.Context, db AccountStore, p store.Profile) (store.Account, error) {
	if p.UID == "" {
		return store.Account{}, fmt.Errorf("oneup: link: profile %q has no stable id", p.Name)
	}
	user, code, err := c.EnsureUser(ctx, p.UID)
	if err != nil {
		return store.Account{}, err
	}
	tok, err := c.Exchange(ctx, code)
	if err != nil {
		return store.Account{}, err
	}
	acct, err := db.UpsertAccount(ctx, store.Account{ProfileID: p.ID, Provider: store.ProviderOneUp, ExternalID: user.ID})
	if err != nil {
		return store.Account{}, fmt.Errorf("oneup: link: %w", err)
	}
	if err := c.Credentials(db, acct.ID).Save(ctx, tok); err != nil {
		return store.Account{}, fmt.Errorf("oneup: link: save tokens: %w", err)
	}
	return acct, nil
}

// FindAccount returns the profile's 1upHealth account (the latest linked,
// should there be several), or ErrNotLinked.
func FindAccount(ctx context.Context, db interface {
	Accounts(ctx context.Context, profileID int64) ([]store.Account, error)
}, profileID int64) (store.Account, error) {
	accts, err := db.Accounts(ctx, profileID)
	if err != nil {
		return store.Account{}, fmt.Errorf("oneup: find the profile's account: %w", err)
	}
	var found *store.Account
	for i, a := range accts {
		if a.Provider == store.ProviderOneUp && (found == nil || a.ID > found.ID) {
			found = &accts[i]
		}
	}
	if found == nil {
		return store.Account{}, ErrNotLinked
	}
	return *found, nil
}

// Connect is one attempt to connect a system to a linked account.
//
// The vendor documents no state parameter for its connect page, only that
// the browser returns to the application's registered redirect URI. To
// bind the redirect to this attempt, the connect link carries a random
// state, which vitals' local server echoes; a redirect with another state
// is refused. A redirect with no state at all is accepted (the real vendor
// may drop it): it carries no code or token, so a forged one could at most
// record a system as connected, and only while this attempt listens on
// 127.0.0.1.
type Connect struct {
	System System
	Link   ConnectLink // prints masked; Link.Reveal() for the browser
	State  string
}

// NewConnect prepares the connect link of a system for an account,
// refreshing the account's access token first when it is about to expire.
func (c *Client) NewConnect(ctx context.Context, creds *providers.Credentials, sys System) (*Connect, error) {
	tok, err := creds.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("oneup: connect %s: %w", sys.Name, err)
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("oneup: connect: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(b)
	return &Connect{System: sys, Link: c.ConnectLink(sys, tok.AccessToken, state), State: state}, nil
}

// Redirect is the listener that waits for the browser to come back.
func (cn *Connect) Redirect(redirectURL string, pasted io.Reader, notes io.Writer) providers.Redirect {
	return providers.Redirect{URL: redirectURL, State: cn.State, Pasted: pasted, Notes: notes, NoCode: true, StateOptional: true, Connect: true}
}

// Finish checks the redirect's query: a system id other than the one asked
// for is refused.
func (cn *Connect) Finish(q url.Values) error {
	if id := q.Get("system_id"); id != "" && id != cn.System.ID {
		return fmt.Errorf("oneup: connect %s: the redirect names system %s, not %s: start again", cn.System.Name, providers.VendorText(id, 20), cn.System.ID)
	}
	if q.Get("success") == "false" {
		return errors.New("oneup: connect " + cn.System.Name + ": 1upHealth reports the connection failed")
	}
	return nil
}

// Save records the connected system under the account.
func (cn *Connect) Save(ctx context.Context, db interface {
	SaveSystem(ctx context.Context, s store.System) error
}, accountID int64) error {
	err := db.SaveSystem(ctx, store.System{AccountID: accountID, ID: cn.System.ID, Name: cn.System.Name, Kind: cn.System.Kind})
	if err != nil {
		return fmt.Errorf("oneup: connect %s: save it under account %d: %w", cn.System.Name, accountID, err)
	}
	return nil
}
