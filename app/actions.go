package app

import (
	"context"
	"fmt"

	"github.com/cli/browser"

	"vitals/link"
	"vitals/providers/oneup"
	"vitals/store"
)

// DashboardActions let the dashboard's Sources screen link, relink,
// unlink and connect accounts through the linking flows the commands use
// (it implements tui.Actions). The flows' Changed hook tells the engine.
type DashboardActions struct {
	Flow *link.Flow
	// Open shows an address to a person: the system browser, or in the
	// demo a plain HTTP visit (the demo's servers approve at once). It
	// must not block: the flow starts serving the redirect after it.
	Open func(url string) error
}

// NewDashboardActions returns the actions over a flow, opening addresses
// in the system browser.
func NewDashboardActions(flow *link.Flow) *DashboardActions {
	return &DashboardActions{Flow: flow, Open: browser.OpenURL}
}

// show opens the address and keeps it on screen to copy: whole unless it
// carries a token and a browser has it.
func (d *DashboardActions) show(show func(string)) link.Show {
	return func(a link.Address) {
		if d.Open(a.URL) == nil {
			show(a.Shown)
		} else {
			show(a.URL) // a person must open it: shown whole, as `vitals connect` does
		}
	}
}

func (d *DashboardActions) Link(ctx context.Context, prof store.Profile, p store.Provider, show func(string)) (store.Account, error) {
	l, err := d.Flow.Link(ctx, prof, p, d.show(show))
	return l.Account, err
}

func (d *DashboardActions) Relink(ctx context.Context, acct store.Account, show func(string)) error {
	_, err := d.Flow.Relink(ctx, acct, d.show(show))
	return err
}

// Unlink forgets the account; revocation at Omron is best effort, and the
// tokens are forgotten here either way.
func (d *DashboardActions) Unlink(ctx context.Context, acct store.Account) error {
	_, err := d.Flow.Unlink(ctx, acct)
	return err
}

func (d *DashboardActions) Systems(ctx context.Context, acct store.Account) ([]store.System, error) {
	if acct.Provider != store.ProviderOneUp {
		return nil, link.ErrNotAggregator
	}
	all, err := d.Flow.Systems(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]store.System, len(all))
	for i, s := range all {
		out[i] = store.System{AccountID: acct.ID, ID: s.ID, Name: s.Name, Kind: s.Kind}
	}
	return out, nil
}

func (d *DashboardActions) Connect(ctx context.Context, acct store.Account, sys store.System, show func(string)) error {
	all, err := d.Flow.Systems(ctx, "")
	if err != nil {
		return err
	}
	s, ok := oneup.Find(all, sys.ID, sys.Kind)
	if !ok {
		return fmt.Errorf("1upHealth no longer lists %s (%s)", sys.Name, sys.ID)
	}
	if err := d.Flow.Connect(ctx, acct, s, d.show(show)); err != nil {
		return fmt.Errorf("connect %s: %w", sys.Name, err)
	}
	return nil
}
