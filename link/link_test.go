package link

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"vitals/config"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
)

func openDB(t *testing.T) (*store.DB, store.Profile) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prof, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	return db, prof
}

// Every change the flows make is told to the engine hook, after it is
// saved; a hook that fails says the change was saved all the same.
func TestFlowTellsTheEngine(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.Start(sandbox.Options{AutoApprove: true, OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, prof := openDB(t)
	var told []int64
	f := &Flow{Config: sb.Config(""), DB: db, Changed: func(_ context.Context, id int64) error {
		told = append(told, id)
		return nil
	}}
	l, err := f.Link(ctx, prof, store.ProviderOneUp, nil)
	if err != nil {
		t.Fatalf("link oneup: %v", err)
	}
	if l.Account.ExternalID == "" || l.User != "user "+l.Account.ExternalID {
		t.Errorf("linked %+v: want the 1upHealth user id named", l)
	}
	if len(told) != 1 || told[0] != l.Account.ID {
		t.Errorf("engine told %v after linking, want [%d]", told, l.Account.ID)
	}

	broken := errors.New("engine stopped")
	f.Changed = func(context.Context, int64) error { return broken }
	u, err := f.Unlink(ctx, l.Account)
	if !errors.Is(err, broken) {
		t.Errorf("unlink with a failing hook: %v, want its error", err)
	}
	if u.Revoked || u.RevokeErr != nil {
		t.Errorf("unlinking 1upHealth: %+v; it documents no revocation, so none is tried", u)
	}
	if _, err := db.Account(ctx, l.Account.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the account outlived unlinking: %v", err)
	}
}

// Unlinking an Omron account forgets it even when its tokens cannot be
// revoked, and says why they were not.
func TestUnlinkWithoutOmronCredentials(t *testing.T) {
	ctx := context.Background()
	db, prof := openDB(t)
	acct, err := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOmron, ExternalID: "u-1"})
	if err != nil {
		t.Fatal(err)
	}
	f := &Flow{Config: config.Default(), DB: db}
	u, err := f.Unlink(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if u.Revoked || u.RevokeErr == nil {
		t.Errorf("unlinked %+v: want no revocation, with the missing credentials as the reason", u)
	}
	if _, err := db.Account(ctx, acct.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the account outlived unlinking: %v", err)
	}
}

func TestConnectNeedsAnAggregator(t *testing.T) {
	db, _ := openDB(t)
	f := &Flow{Config: config.Default(), DB: db}
	err := f.Connect(context.Background(), store.Account{Provider: store.ProviderOmron}, oneup.System{ID: "4709", Name: "Fitbit", Kind: oneup.KindDevice}, nil)
	if !errors.Is(err, ErrNotAggregator) {
		t.Errorf("connect through an Omron account: %v, want ErrNotAggregator", err)
	}
}
