package providers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"vitals/providers"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
)

// rotatingProvider is a token endpoint whose refresh tokens are good for
// one use: the second use of one is refused, as Omron's are.
type rotatingProvider struct {
	mu      gosync.Mutex
	current string
	calls   int
}

func (p *rotatingProvider) refresh(_ context.Context, rt string) (providers.Token, error) {
	time.Sleep(50 * time.Millisecond) // the token endpoint's round trip: room for a race
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if rt != p.current {
		return providers.Token{}, fmt.Errorf("invalid_grant: refresh token %s already used: %w", rt, providers.ErrNeedsRelink)
	}
	p.current = fmt.Sprintf("rt-%d", p.calls)
	return providers.Token{AccessToken: fmt.Sprintf("at-%d", p.calls), RefreshToken: p.current, Expiry: time.Now().Add(time.Hour)}, nil
}

// Two hubs on one PostgreSQL database find the same account's token
// expired at once: one refreshes, the other waits on the store's refresh
// lock and uses the token the first saved, and the rotating refresh token
// is spent once.
func TestRefreshOnceAcrossHubs(t *testing.T) {
	ctx := context.Background()
	loc := storetest.Location(t, "postgres")
	key, err := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	opt := store.Options{SealKey: func(bool) (*seal.Keyring, error) { return key, nil }}
	var hubs []*store.DB
	for range 2 {
		db, err := store.Open(ctx, loc, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		hubs = append(hubs, db)
	}
	p, _ := hubs[0].EnsureProfile(ctx, "me")
	acct, err := hubs[0].UpsertAccount(ctx, store.Account{ProfileID: p.ID, Provider: store.ProviderOmron, ExternalID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := json.Marshal(providers.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Hour)})
	if err := hubs[0].SaveSecret(ctx, acct.ID, expired); err != nil {
		t.Fatal(err)
	}
	prov := &rotatingProvider{current: "rt-0"}
	got := make([]providers.Token, len(hubs))
	errs := make([]error, len(hubs))
	var wg gosync.WaitGroup
	for i, db := range hubs {
		c := providers.NewCredentials(db, acct.ID, prov.refresh)
		wg.Go(func() { got[i], errs[i] = c.Token(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("hub %d: %v", i, err)
		}
	}
	if prov.calls != 1 || got[0].AccessToken != "at-1" || got[1].AccessToken != "at-1" {
		t.Errorf("%d refreshes, tokens %s and %s; want one refresh and at-1 for both", prov.calls, got[0].AccessToken, got[1].AccessToken)
	}
}
