package app

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
	"vitals/tui"
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

// TestDashboardFiles: the dashboard's reports and exports of a period,
// written with the report package: a fresh name is suggested, an existing
// file is never replaced unless asked, and only the period's readings
// (by their own wall-clock date) are exported.
func TestDashboardFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prof, err := db.EnsureProfile(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderFile, ExternalID: "files"})
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("-05:00", -5*3600)
	var b health.Batch
	for d := 1; d <= 10; d++ {
		at := time.Date(2026, 3, d, 7, 30, 0, 0, zone)
		b.BloodPressure = append(b.BloodPressure, health.BloodPressure{
			Meta:     health.Meta{ProviderID: at.Format(time.DateOnly), Time: at.UTC(), Offset: -5 * 3600, Device: "HEM-7600T", Setting: health.SettingHome},
			Systolic: health.Of(128), Diastolic: health.Of(82), Pulse: health.Of(70),
		})
	}
	b.Weight = append(b.Weight, health.Weight{Meta: health.Meta{ProviderID: "w1", Time: time.Date(2026, 3, 5, 7, 0, 0, 0, zone).UTC(), Offset: -5 * 3600}, Weight: health.Of(81.5)})
	if _, err := db.Upsert(ctx, prof.ID, acct.ID, b); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	f := NewDashboardFiles(db)
	f.Dir = func() (string, error) { return out, nil }
	f.Zone = zone
	req := tui.FileRequest{Kind: tui.ReportPDF, Profile: prof, From: health.Date{Year: 2026, Month: 3, Day: 2}, To: health.Date{Year: 2026, Month: 3, Day: 8}, Rulebook: health.AHA2025}

	path, err := f.Suggest(ctx, req)
	if err != nil || path != filepath.Join(out, "vitals-report-me-2026-03-02_2026-03-08.pdf") {
		t.Fatalf("Suggest: %q, %v", path, err)
	}
	req.Path = path
	res, err := f.Write(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 1 || res.Paths[0] != path || res.What != "AHA/ACC 2025" {
		t.Errorf("Write: %+v", res)
	}
	pdf, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("not a PDF: %.20q, %v", pdf, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: health data is for its owner only", fi.Mode().Perm())
	}
	// The name is taken now: another is suggested, and writing over it
	// is refused unless asked.
	if again, _ := f.Suggest(ctx, req); again != filepath.Join(out, "vitals-report-me-2026-03-02_2026-03-08-2.pdf") {
		t.Errorf("second Suggest: %q", again)
	}
	req.Kind = tui.ReportMarkdown
	if _, err := f.Write(ctx, req); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("over an existing file: %v, want fs.ErrExist", err)
	}
	if kept, _ := os.ReadFile(path); string(kept) != string(pdf) {
		t.Fatal("the refused write changed the file")
	}
	req.Replace = true
	if _, err := f.Write(ctx, req); err != nil {
		t.Fatal(err)
	}
	if md, _ := os.ReadFile(path); !strings.Contains(string(md), "2026-03-02") || strings.HasPrefix(string(md), "%PDF") {
		t.Errorf("replaced: %.60q", md)
	}

	// CSV: a folder, a file per type with readings in the period.
	req = tui.FileRequest{Kind: tui.ExportCSV, Profile: prof, From: req.From, To: req.To}
	req.Path, _ = f.Suggest(ctx, req)
	if filepath.Base(req.Path) != "vitals-export-me-2026-03-02_2026-03-08-csv" {
		t.Errorf("CSV folder %q", req.Path)
	}
	res, err = f.Write(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.What != "2 files, one per type: blood pressure 7, weight 1" {
		t.Errorf("CSV: %q", res.What)
	}
	csv, err := os.ReadFile(filepath.Join(req.Path, "bloodpressure.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 8 || !strings.Contains(string(csv), "2026-03-02T12:30:00Z") || strings.Contains(string(csv), "2026-03-09") {
		t.Errorf("bloodpressure.csv holds %d lines, want a header and 2–8 March:\n%s", lines, csv)
	}
	if _, err := f.Write(ctx, req); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CSV over existing files: %v", err)
	}

	// FHIR; and a period without readings writes nothing.
	req = tui.FileRequest{Kind: tui.ExportFHIR, Profile: prof, From: req.From, To: req.To, Path: filepath.Join(out, "b.json")}
	if res, err := f.Write(ctx, req); err != nil || res.What != "8 readings" {
		t.Errorf("FHIR: %+v, %v", res, err)
	}
	req.From, req.To, req.Path = health.Date{Year: 2025, Month: 1, Day: 1}, health.Date{Year: 2025, Month: 1, Day: 7}, filepath.Join(out, "none.json")
	if _, err := f.Write(ctx, req); err == nil || !strings.Contains(err.Error(), "no readings") {
		t.Errorf("empty period: %v", err)
	}
	if _, err := os.Stat(req.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("an empty export left a file")
	}
	// A report of more than a year is refused with what to do.
	req = tui.FileRequest{Kind: tui.ReportHTML, Profile: prof, From: health.Date{Year: 2024, Month: 1, Day: 1}, To: health.Date{Year: 2026, Month: 3, Day: 8}, Path: filepath.Join(out, "long.html")}
	if _, err := f.Write(ctx, req); err == nil || !strings.Contains(err.Error(), "vitals report --all") {
		t.Errorf("long period: %v", err)
	}
}
