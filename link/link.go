// Package link is the one way vitals links an account, links it again,
// unlinks it, or connects a device or health system to it. The command
// line, the dashboard and the demo all run these flows; they differ only
// in how they show a person the address to open (print it, open a
// browser, or in the demo visit it themselves).
package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"vitals/config"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/store"
)

// An Address is a page a person must open for a flow to go on.
type Address struct {
	Provider store.Provider
	// URL is the whole address, to open in a browser. A 1upHealth connect
	// address carries the account's access token: see Secret.
	URL string
	// Shown is the address as it may be printed or kept on screen once a
	// browser has it: equal to URL unless URL holds a secret.
	Shown string
	// Secret reports that URL carries a token: print it whole only when
	// no browser could be opened for the person.
	Secret bool
	// Listening reports that a loopback listener waits for the browser's
	// return; otherwise only an address pasted back can answer.
	Listening bool
	// Redirect is where the browser comes back to.
	Redirect string
}

// Show presents an address to a person. It is called once the listener,
// if any, is ready, and must return without waiting for the browser.
type Show func(Address)

// Flow runs the linking flows against one database, as the configuration
// describes the providers.
type Flow struct {
	Config config.Config
	DB     *store.DB
	HTTP   *http.Client

	// Pasted, when set, is read for a redirected address pasted back by a
	// person whose browser runs elsewhere; Notes hears why a pasted line
	// was not taken. Both are nil where nothing can be pasted.
	Pasted io.Reader
	Notes  io.Writer

	// Retrying hears of each wait before 1upHealth's user management is
	// tried again; nil to wait silently.
	Retrying func(providers.Wait)

	// Changed is told of every account linked, linked again, given a new
	// system or forgotten, so that a running sync engine picks it up at
	// once; nil when nothing runs. Its error is returned by the flow,
	// after the change itself was made.
	Changed func(ctx context.Context, accountID int64) error
}

// oneUpRetry is how 1upHealth's user management is retried: its answers
// are slow and often 5xx for a moment, and a rate limit of a minute or
// less is worth waiting out while a person watches.
var oneUpRetry = providers.RetryPolicy{Initial: time.Second, Max: 10 * time.Second, Tries: 4, MaxRateWait: time.Minute}

// Linked is an account just linked.
type Linked struct {
	Account store.Account
	// User is how the provider names the person: an e-mail address when
	// it says one, else its user id.
	User string
}

// Link links an account of the provider to the profile: Omron through
// its sign-in page (state and PKCE, the loopback redirect or a pasted
// address), 1upHealth server to server. Linking the same provider user
// again renews the tokens and makes the account active. It returns
// providers.ErrAccessDenied when the person declines and
// providers.ErrNoAnswer when ctx's deadline passes first.
func (f *Flow) Link(ctx context.Context, prof store.Profile, p store.Provider, show Show) (Linked, error) {
	var l Linked
	var err error
	switch p {
	case store.ProviderOmron:
		l, err = f.linkOmron(ctx, prof, show)
	case store.ProviderOneUp:
		l, err = f.linkOneUp(ctx, prof)
	default:
		return l, fmt.Errorf("%s accounts are not linked: they hold imported or typed-in readings", p)
	}
	if err != nil {
		return l, fmt.Errorf("link %s: %w", p, err)
	}
	return l, f.changed(ctx, l.Account.ID)
}

func (f *Flow) linkOmron(ctx context.Context, prof store.Profile, show Show) (Linked, error) {
	if err := f.Config.OmronReady(); err != nil {
		return Linked{}, err
	}
	g, err := omron.New(f.Config.Omron, f.HTTP).Link(ctx, omron.LinkOptions{
		Show: func(authURL string, listening bool) {
			if show != nil {
				show(Address{Provider: store.ProviderOmron, URL: authURL, Shown: authURL, Listening: listening, Redirect: f.Config.Omron.RedirectURL})
			}
		},
		Pasted: f.Pasted,
		Notes:  f.Notes,
	})
	if err != nil {
		return Linked{}, err
	}
	acct, err := omron.SaveLink(ctx, f.DB, prof.ID, g)
	if err != nil {
		return Linked{}, err
	}
	who := g.Email
	if who == "" {
		who = "user " + g.UserID
	}
	return Linked{Account: acct, User: who}, nil
}

func (f *Flow) linkOneUp(ctx context.Context, prof store.Profile) (Linked, error) {
	if err := f.Config.OneUpReady(); err != nil {
		return Linked{}, err
	}
	client := oneup.New(f.Config.OneUp, f.HTTP)
	acct, err := providers.Retry(ctx, oneUpRetry, func(ctx context.Context) (store.Account, error) {
		return client.Link(ctx, f.DB, prof)
	}, func(w providers.Wait) {
		if f.Retrying != nil {
			f.Retrying(w)
		}
	})
	if err != nil {
		return Linked{}, err
	}
	return Linked{Account: acct, User: "user " + acct.ExternalID}, nil
}

// Relink links an account again after its provider refused its
// credentials: the same flow as Link, for the account's profile.
func (f *Flow) Relink(ctx context.Context, acct store.Account, show Show) (Linked, error) {
	prof, err := f.DB.ProfileByID(ctx, acct.ProfileID)
	if err != nil {
		return Linked{}, fmt.Errorf("link %s again: %w", acct.Provider, err)
	}
	return f.Link(ctx, prof, acct.Provider, show)
}

// Unlinked says what unlinking did at the provider.
type Unlinked struct {
	// Revoked reports that the provider revoked the tokens; RevokeErr
	// says why not when it was tried. 1upHealth documents no revocation.
	Revoked   bool
	RevokeErr error
}

// revokeTimeout bounds the best-effort revocation: Omron no longer
// documents it, and unlinking must not hang on it.
const revokeTimeout = 20 * time.Second

// Unlink forgets an account: its tokens (revoked at Omron first, best
// effort), its sync positions and the readings it brought.
func (f *Flow) Unlink(ctx context.Context, acct store.Account) (Unlinked, error) {
	var u Unlinked
	if acct.Provider == store.ProviderOmron {
		u.RevokeErr = f.Config.OmronReady()
		if u.RevokeErr == nil {
			rctx, cancel := context.WithTimeout(ctx, revokeTimeout)
			u.RevokeErr = omron.New(f.Config.Omron, f.HTTP).RevokeAccount(rctx, f.DB, acct.ID)
			cancel()
			u.Revoked = u.RevokeErr == nil
		}
	}
	if err := f.DB.RemoveAccount(ctx, acct.ID); err != nil {
		return u, fmt.Errorf("unlink %s: %w", acct.Title(), err)
	}
	return u, f.changed(ctx, acct.ID)
}

// ErrNotAggregator is returned for systems of an account that does not
// connect any.
var ErrNotAggregator = errors.New("only 1upHealth accounts connect devices and health systems")

// Systems lists the devices and health systems 1upHealth offers, of one
// kind (oneup.KindClinical, oneup.KindDevice) or of both when kind is "".
func (f *Flow) Systems(ctx context.Context, kind string) ([]oneup.System, error) {
	if err := f.Config.OneUpReady(); err != nil {
		return nil, err
	}
	client := oneup.New(f.Config.OneUp, f.HTTP)
	if kind != "" {
		return client.Systems(ctx, kind)
	}
	return client.AllSystems(ctx)
}

// Connect connects a device or health system to a 1upHealth account: the
// connect address (carrying the account's access token, refreshed first
// when due), the loopback redirect or a pasted address, and recording the
// system under the account.
func (f *Flow) Connect(ctx context.Context, acct store.Account, sys oneup.System, show Show) error {
	if acct.Provider != store.ProviderOneUp {
		return ErrNotAggregator
	}
	if err := f.Config.OneUpReady(); err != nil {
		return err
	}
	client := oneup.New(f.Config.OneUp, f.HTTP)
	cn, err := client.NewConnect(ctx, client.Credentials(f.DB, acct.ID), sys)
	if err != nil {
		return err
	}
	rd := cn.Redirect(f.Config.OneUp.RedirectURL, f.Pasted, f.Notes)
	ln, err := rd.Listen()
	if err != nil {
		return err
	}
	if show != nil {
		show(Address{Provider: store.ProviderOneUp, URL: cn.Link.Reveal(), Shown: cn.Link.String(), Secret: true,
			Listening: ln != nil, Redirect: f.Config.OneUp.RedirectURL})
	}
	q, err := rd.Wait(ctx, ln)
	if err != nil {
		return err
	}
	if err := cn.Finish(q); err != nil {
		return err
	}
	if err := cn.Save(ctx, f.DB, acct.ID); err != nil {
		return fmt.Errorf("connect %s: %w", sys.Name, err)
	}
	return f.changed(ctx, acct.ID)
}

func (f *Flow) changed(ctx context.Context, accountID int64) error {
	if f.Changed == nil {
		return nil
	}
	if err := f.Changed(ctx, accountID); err != nil {
		return fmt.Errorf("the change is saved, but the sync engine did not take it up (it will at the next start): %w", err)
	}
	return nil
}
