package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cli/browser"

	"vitals/config"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/store"
	"vitals/sync"
)

// The flows below are shared by the commands (vitals link, connect, unlink)
// and the dashboard's Sources screen; each caller only decides how to
// present the address a person must open.

// connectFlow connects a 1upHealth system to an account: the connect link,
// the loopback redirect, and recording the system. present is called with
// the link once something listens for the browser's return (listening is
// false when the redirect URL is not loopback and only a pasted address
// can answer).
func connectFlow(ctx context.Context, db *store.DB, client *oneup.Client, acct store.Account, sys oneup.System,
	redirectURL string, pasted io.Reader, notes io.Writer, present func(link oneup.ConnectLink, listening bool)) error {
	cn, err := client.NewConnect(ctx, client.Credentials(db, acct.ID), sys)
	if err != nil {
		return err
	}
	rd := cn.Redirect(redirectURL, pasted, notes)
	ln, err := rd.Listen()
	if err != nil {
		return err
	}
	present(cn.Link, ln != nil)
	q, err := rd.Wait(ctx, ln)
	if err != nil {
		return err
	}
	if err := cn.Finish(q); err != nil {
		return err
	}
	return cn.Save(ctx, db, acct.ID)
}

// revokeOmron revokes an Omron account's tokens at Omron, best effort and
// bounded in time: the vendor no longer documents revocation.
func revokeOmron(ctx context.Context, cfg config.Config, db *store.DB, accountID int64) error {
	if err := cfg.OmronReady(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return omron.New(cfg.Omron, &http.Client{Timeout: 15 * time.Second}).RevokeAccount(ctx, db, accountID)
}

// dashboardActions let the dashboard's Sources screen link, relink, unlink
// and connect accounts through the same flows as the commands. Every
// change is followed by an engine reload and a sync of the account, so
// its readings start arriving at once.
type dashboardActions struct {
	cfg    config.Config
	db     *store.DB
	hc     *http.Client
	engine *sync.Engine // nil when the dashboard runs without one
	// open shows an address to a person: the system browser, or in the
	// demo a plain HTTP visit (the demo's servers approve at once). It
	// must not block: the flow starts serving the redirect after it.
	open func(url string) error
}

func newDashboardActions(cfg config.Config, db *store.DB, engine *sync.Engine) *dashboardActions {
	return &dashboardActions{cfg: cfg, db: db, hc: providerClient(cfg.Sync.RequestTimeout.Duration), engine: engine, open: browser.OpenURL}
}

// started tells the engine about a new or renewed account.
func (d *dashboardActions) started(ctx context.Context, accountID int64) {
	if d.engine == nil {
		return
	}
	if err := d.engine.Reload(ctx); err == nil {
		d.engine.SyncNow(accountID)
	}
}

func (d *dashboardActions) Link(ctx context.Context, prof store.Profile, p store.Provider, show func(string)) (store.Account, error) {
	var acct store.Account
	var err error
	switch p {
	case store.ProviderOmron:
		if err = d.cfg.OmronReady(); err != nil {
			return acct, err
		}
		var g omron.Grant
		g, err = omron.New(d.cfg.Omron, d.hc).Link(ctx, omron.LinkOptions{Show: func(u string, _ bool) {
			show(u)
			d.open(u) // on failure the address stays on screen to copy
		}})
		if err != nil {
			return acct, fmt.Errorf("link omron: %w", err)
		}
		acct, err = omron.SaveLink(ctx, d.db, prof.ID, g)
	case store.ProviderOneUp:
		if err = d.cfg.OneUpReady(); err != nil {
			return acct, err
		}
		acct, err = oneup.New(d.cfg.OneUp, d.hc).Link(ctx, d.db, prof)
	default:
		return acct, fmt.Errorf("%s accounts are not linked: they hold imported or typed-in readings", p)
	}
	if err != nil {
		return acct, fmt.Errorf("link %s: %w", p, err)
	}
	d.started(ctx, acct.ID)
	return acct, nil
}

func (d *dashboardActions) Relink(ctx context.Context, acct store.Account, show func(string)) error {
	prof, err := d.db.ProfileByID(ctx, acct.ProfileID)
	if err != nil {
		return err
	}
	_, err = d.Link(ctx, prof, acct.Provider, show)
	return err
}

func (d *dashboardActions) Unlink(ctx context.Context, acct store.Account) error {
	if acct.Provider == store.ProviderOmron {
		_ = revokeOmron(ctx, d.cfg, d.db, acct.ID) // best effort: the tokens are forgotten either way
	}
	if err := d.db.RemoveAccount(ctx, acct.ID); err != nil {
		return err
	}
	if d.engine != nil {
		return d.engine.Reload(ctx)
	}
	return nil
}

func (d *dashboardActions) Systems(ctx context.Context, acct store.Account) ([]store.System, error) {
	if acct.Provider != store.ProviderOneUp {
		return nil, errors.New("only 1upHealth accounts connect devices and health systems")
	}
	if err := d.cfg.OneUpReady(); err != nil {
		return nil, err
	}
	all, err := oneup.New(d.cfg.OneUp, d.hc).AllSystems(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.System, len(all))
	for i, s := range all {
		out[i] = store.System{AccountID: acct.ID, ID: s.ID, Name: s.Name, Kind: s.Kind}
	}
	return out, nil
}

func (d *dashboardActions) Connect(ctx context.Context, acct store.Account, sys store.System, show func(string)) error {
	if err := d.cfg.OneUpReady(); err != nil {
		return err
	}
	client := oneup.New(d.cfg.OneUp, d.hc)
	all, err := client.AllSystems(ctx)
	if err != nil {
		return err
	}
	s, ok := oneup.Find(all, sys.ID, sys.Kind)
	if !ok {
		return fmt.Errorf("1upHealth no longer lists %s (%s)", sys.Name, sys.ID)
	}
	err = connectFlow(ctx, d.db, client, acct, s, d.cfg.OneUp.RedirectURL, nil, nil, func(link oneup.ConnectLink, _ bool) {
		if d.open(link.Reveal()) == nil {
			show(link.String()) // opened: keep the access token off the screen
		} else {
			show(link.Reveal()) // a person must open it: shown whole, as `vitals connect` does
		}
	})
	if err != nil {
		return fmt.Errorf("connect %s: %w", sys.Name, err)
	}
	d.started(ctx, acct.ID)
	return nil
}
