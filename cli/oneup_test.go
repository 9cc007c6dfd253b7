package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	configpkg "vitals/config"
	"vitals/health"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
)

// oneUpCmdEnv is `vitals sandbox --auto-approve` in process and a
// configuration pointing at it.
type oneUpCmdEnv struct {
	sb              *sandbox.Sandbox
	db, config, url string
}

func newOneUpCmdEnv(t *testing.T) oneUpCmdEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	sb, err := sandbox.Start(sandbox.Options{AutoApprove: true, OneUpRedirectURL: redirect, OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	cfg := sb.Config("")
	// The older path forms work by changing URLs only.
	cfg.OneUp.FHIRURL = sb.URL() + sandbox.OneUpPrefix + "/fhir/r4"
	cfg.OneUp.TokenURL = sb.URL() + sandbox.OneUpPrefix + "/fhir/oauth2/token"
	dir := t.TempDir()
	config := filepath.Join(dir, "config.toml")
	if err := configpkg.Write(config, cfg); err != nil {
		t.Fatal(err)
	}
	return oneUpCmdEnv{sb: sb, db: filepath.Join(dir, "vitals.db"), config: config, url: sb.URL() + sandbox.OneUpPrefix}
}

func (e oneUpCmdEnv) run(t *testing.T, stdout io.Writer, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	if stdout == nil {
		stdout = &out
	}
	a := &invocation{stdin: strings.NewReader(""), stdout: stdout, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--db", e.db, "--config", e.config}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

func TestLinkOneUpAndConnectCommands(t *testing.T) {
	t.Parallel()
	e := newOneUpCmdEnv(t)

	// Before linking, connect --system says what to do.
	_, err := e.run(t, nil, "connect", "--system", "4709", "--no-browser")
	if err == nil || !strings.Contains(err.Error(), "vitals link oneup") {
		t.Fatalf("connect before link: %v", err)
	}

	out, err := e.run(t, nil, "link", "oneup")
	if err != nil {
		t.Fatalf("link oneup: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Linked 1upHealth user 251 to profile \"me\"") || strings.Contains(out, sandbox.OneUpClientSecret) {
		t.Errorf("link output:\n%s", out)
	}
	// Linking again finds the same user (the vendor's "already exists").
	if out, err := e.run(t, nil, "link", "oneup"); err != nil || !strings.Contains(out, "user 251") {
		t.Fatalf("link again: %v\n%s", err, out)
	}

	out, err = e.run(t, nil, "connect")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "NAME", "KIND", "STATUS", "4706", "Epic test site", "clinical", "4709", "Fitbit", "device", "connection working"} {
		if !strings.Contains(out, want) {
			t.Errorf("system list lacks %q:\n%s", want, out)
		}
	}
	out, _ = e.run(t, nil, "connect", "--search", "FIT")
	// One id column: the row numbers beside ID read as a second id.
	if !strings.Contains(out, "4709  Fitbit") || strings.Contains(out, "Withings") || strings.Contains(out, "#") {
		t.Errorf("search fit:\n%s", out)
	}
	out, _ = e.run(t, nil, "connect", "--kind", "clinical")
	if strings.Contains(out, "Fitbit") || !strings.Contains(out, "Epic") {
		t.Errorf("--kind clinical:\n%s", out)
	}
	if _, err := e.run(t, nil, "connect", "--kind", "wearable"); err == nil {
		t.Error("--kind wearable was accepted")
	}
	if _, err := e.run(t, nil, "connect", "--system", "99999", "--no-browser"); err == nil || !strings.Contains(err.Error(), "--search") {
		t.Errorf("unknown system: %v", err)
	}

	// connect --system 4709 --no-browser: the test is the browser.
	pr, pw := io.Pipe()
	links := make(chan string, 1)
	var printed strings.Builder
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			printed.WriteString(line + "\n")
			if s := strings.TrimSpace(line); strings.HasPrefix(s, "http") {
				links <- s
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		_, err := e.run(t, pw, "connect", "--system", "4709", "--no-browser", "--timeout", "10s")
		pw.Close()
		done <- err
	}()
	select {
	case link := <-links:
		if !strings.HasPrefix(link, e.url+"/connect/system/device/4709?") || !strings.Contains(link, "access_token=") {
			t.Errorf("printed link %s", link)
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("the browser ended with HTTP %d at %s", resp.StatusCode, resp.Request.URL)
		}
	case <-time.After(time.Minute):
		t.Fatal("no link printed")
	}
	err = <-done
	<-scanned
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, printed.String())
	}
	if !strings.Contains(printed.String(), "Connected Fitbit") {
		t.Errorf("connect output:\n%s", printed.String())
	}

	db, err := store.Open(context.Background(), e.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, _ := db.Profile(context.Background(), "me")
	accts, _ := db.Accounts(context.Background(), p.ID)
	if len(accts) != 1 || accts[0].Provider != store.ProviderOneUp || accts[0].ExternalID != "251" {
		t.Fatalf("accounts %+v", accts)
	}
	systems, _ := db.Systems(context.Background(), accts[0].ID)
	if len(systems) != 1 || systems[0].Name != "Fitbit" || systems[0].Kind != "device" {
		t.Errorf("systems %+v", systems)
	}
	if got := e.sb.OneUp.ConnectedSystems(p.UID); len(got) != 1 || got[0] != 4709 {
		t.Errorf("the sim connected %v for app_user_id %s", got, p.UID)
	}
	out, _ = e.run(t, nil, "connect", "--search", "fitbit")
	if !strings.Contains(out, "connection working  yes") {
		t.Errorf("the list does not mark Fitbit connected:\n%s", out)
	}
	// --json: the data alone on stdout, the sandbox's device list with
	// Fitbit marked (oneupsim lists 4709 Fitbit, working, and 4715 Jawbone
	// UP, "connection_not_working", among its devices).
	var data bytes.Buffer
	if _, err := e.run(t, &data, "connect", "--kind", "device", "--json"); err != nil {
		t.Fatal(err)
	}
	var listed []struct {
		ID, Name, Kind, Status string
		Connected              bool
	}
	if err := json.Unmarshal(data.Bytes(), &listed); err != nil {
		t.Fatalf("connect --json is not JSON (%v):\n%s", err, data.String())
	}
	byID := map[string]int{}
	for i, s := range listed {
		byID[s.ID] = i
		if s.Kind != "device" {
			t.Errorf("--kind device listed %+v", s)
		}
	}
	if i, ok := byID["4709"]; !ok || listed[i].Name != "Fitbit" || !listed[i].Connected || listed[i].Status != "connection_working" {
		t.Errorf("connect --json: %+v, want 4709 Fitbit connected and working", listed)
	}
	if i, ok := byID["4715"]; !ok || listed[i].Connected || listed[i].Status != "connection_not_working" {
		t.Errorf("connect --json: %+v, want 4715 Jawbone listed, not working and not connected", listed)
	}
	if _, err := e.run(t, nil, "connect", "--system", "4709", "--json"); err == nil || !strings.Contains(err.Error(), "--json lists systems") {
		t.Errorf("connect --system --json: %v", err)
	}

	// The connected device's readings arrive with a sync, named after it.
	if out, err := e.run(t, nil, "sync"); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	acts, err := db.Activities(context.Background(), store.Filter{ProfileID: p.ID})
	if err != nil || len(acts) < 90 {
		t.Fatalf("%d activity days after the sync (%v), want Fitbit's 90 days of history", len(acts), err)
	}
	for _, a := range acts {
		if a.Origin != "Fitbit" || a.Setting != health.SettingHome || !a.Steps.Valid() {
			t.Fatalf("activity %+v: want Fitbit steps at home", a.Meta)
		}
	}
	if n := e.sb.Counts()["GET "+sandbox.OneUpPrefix+"/r4/Observation"]; n < 8 {
		t.Errorf("counted %d FHIR Observation searches under %s", n, sandbox.OneUpPrefix)
	}
}

func TestLinkOneUpWithoutConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.toml")
	os.WriteFile(config, []byte("keyring = false\n"), 0o600)
	a := &invocation{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	root := newRootCmd(a)
	root.SetArgs([]string{"--db", filepath.Join(dir, "v.db"), "--config", config, "link", "oneup"})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "oneup.client_id") || !strings.Contains(err.Error(), "VITALS_ONEUP_CLIENT_ID") {
		t.Errorf("link oneup without credentials: %v", err)
	}
}
