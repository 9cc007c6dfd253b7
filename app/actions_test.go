package app

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"vitals/providers"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
)

// The Sources screen's actions run the same flows as the commands against
// the local servers; a visitor plays the person's browser.
func TestDashboardActions(t *testing.T) {
	ctx := context.Background()
	omronRedirect, err := FreeLoopbackURL("/callback")
	if err != nil {
		t.Fatal(err)
	}
	oneupRedirect, err := FreeLoopbackURL("/callback")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(sandbox.Options{AutoApprove: true, OneUpRedirectURL: oneupRedirect,
		OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prof, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Config: sb.Config(omronRedirect)}
	acts := NewDashboardActions(a.LinkFlow(db, nil))
	acts.Open = Visitor(acts.Flow.HTTP)

	var shown []string
	show := func(u string) { shown = append(shown, u) }
	omronAcct, err := acts.Link(ctx, prof, store.ProviderOmron, show)
	if err != nil {
		t.Fatalf("link omron: %v", err)
	}
	if len(shown) != 1 || !strings.Contains(shown[0], "/omron/connect/authorize?") || !strings.Contains(shown[0], "code_challenge_method=S256") {
		t.Errorf("shown %q: want the authorize address with PKCE", shown)
	}
	if omronAcct.State != store.StateActive || omronAcct.ExternalID == "" {
		t.Errorf("omron account %+v", omronAcct)
	}

	oneupAcct, err := acts.Link(ctx, prof, store.ProviderOneUp, show)
	if err != nil {
		t.Fatalf("link oneup: %v", err)
	}
	systems, err := acts.Systems(ctx, oneupAcct)
	if err != nil {
		t.Fatal(err)
	}
	var fitbit store.System
	for _, s := range systems {
		if s.Name == "Fitbit" {
			fitbit = s
		}
	}
	if fitbit.ID != "4709" || fitbit.Kind != "device" {
		t.Fatalf("systems %+v: want Fitbit, 4709, a device", systems)
	}
	shown = nil
	if err := acts.Connect(ctx, oneupAcct, fitbit, show); err != nil {
		t.Fatalf("connect: %v", err)
	}
	// The browser was opened, so the address on screen is masked: the
	// access token stays off the screen.
	secret, err := db.LoadSecret(ctx, oneupAcct.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tok providers.Token
	if err := json.Unmarshal(secret, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("stored 1upHealth token: %v", err)
	}
	if len(shown) != 1 || strings.Contains(shown[0], tok.AccessToken) || !strings.Contains(shown[0], "/connect/system/device/4709") {
		t.Errorf("connect showed %q: want the device's address without the access token", shown)
	}
	if got, _ := db.Systems(ctx, oneupAcct.ID); len(got) != 1 || got[0].Name != "Fitbit" {
		t.Errorf("connected systems %+v", got)
	}

	// An account whose credentials were refused links again in place.
	if err := db.SetAccountState(ctx, omronAcct.ID, store.StateNeedsRelink); err != nil {
		t.Fatal(err)
	}
	if err := acts.Relink(ctx, omronAcct, show); err != nil {
		t.Fatalf("relink: %v", err)
	}
	if a, _ := db.Account(ctx, omronAcct.ID); a.State != store.StateActive {
		t.Errorf("after relinking the account is %s", a.State)
	}

	if err := acts.Unlink(ctx, omronAcct); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Account(ctx, omronAcct.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unlinked account still there: %v", err)
	}
	if _, err := db.LoadSecret(ctx, omronAcct.ID); !errors.Is(err, store.ErrNoSecret) {
		t.Errorf("unlinked account's tokens: %v", err)
	}
	if n := sb.Counts()["POST /omron/connect/revocation"]; n == 0 {
		t.Error("unlinking did not revoke the tokens at Omron")
	}

	if _, err := acts.Link(ctx, prof, store.ProviderFile, show); err == nil {
		t.Error("a file account was linked")
	}
	if _, err := acts.Systems(ctx, omronAcct); err == nil {
		t.Error("an Omron account listed systems to connect")
	}
}
