package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"
	"vitals/app"

	"vitals/config"
	"vitals/health"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/sandbox"
	"vitals/store"
)

// linkEnv is a started sandbox, a configuration file pointing vitals at
// it with the Omron redirect on redirect, and a database path.
type linkEnv struct {
	sb       *sandbox.Sandbox
	cfg      config.Config
	cfgPath  string
	db       string
	redirect string
}

// freeLoopbackRedirect is http://127.0.0.1:<a port free now>/callback.
func freeLoopbackRedirect(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprintf("http://%s/callback", ln.Addr())
}

func newLinkEnv(t *testing.T, opt sandbox.Options, redirect string, mod func(*config.Config)) linkEnv {
	t.Helper()
	sb, err := sandbox.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if redirect == "" {
		redirect = freeLoopbackRedirect(t)
	}
	dir := t.TempDir()
	e := linkEnv{sb: sb, cfg: sb.Config(redirect), cfgPath: filepath.Join(dir, "config.toml"), db: filepath.Join(dir, "vitals.db"), redirect: redirect}
	if mod != nil {
		mod(&e.cfg)
	}
	if err := config.Write(e.cfgPath, e.cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// linkOutput collects what a command writes while a test reads it.
type linkOutput struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (o *linkOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *linkOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// linkRun is vitals running in this process.
type linkRun struct {
	out, errOut linkOutput
	stdin       *io.PipeWriter
	done        chan error
	err         error
	finished    bool
}

// start runs vitals with the environment's configuration and database;
// its standard input is a pipe the test writes to.
func (e linkEnv) start(t *testing.T, ctx context.Context, args ...string) *linkRun {
	t.Helper()
	pr, pw := io.Pipe()
	r := &linkRun{stdin: pw, done: make(chan error, 1)}
	t.Cleanup(func() { pw.Close() })
	a := &invocation{stdin: pr, stdout: &r.out, stderr: &r.errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--config", e.cfgPath, "--db", e.db}, args...))
	go func() { r.done <- root.ExecuteContext(ctx) }()
	return r
}

// run runs vitals to its end with the given standard input.
func (e linkEnv) run(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &invocation{stdin: stdin, stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--config", e.cfgPath, "--db", e.db}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

// waitFor waits until the output matches re and returns the submatches.
func (r *linkRun) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a bound for a hung test; a busy CI machine is slow
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(r.out.String()); m != nil {
			return m
		}
		select {
		case err := <-r.done:
			r.finished, r.err = true, err
			t.Fatalf("vitals ended (%v) before printing %s:\n%s%s", err, re, r.out.String(), r.errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no %s in:\n%s", re, r.out.String())
	return nil
}

// wait waits for the command's end.
func (r *linkRun) wait(t *testing.T) error {
	t.Helper()
	if r.finished {
		return r.err
	}
	select {
	case r.err = <-r.done:
		r.finished = true
		return r.err
	case <-time.After(15 * time.Second):
		t.Fatalf("vitals did not end:\n%s", r.out.String())
		return nil
	}
}

var authURLLine = regexp.MustCompile(`(?m)^  (http://\S+/omron/connect/authorize\?\S+)$`)

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// browse is the browser: it opens the printed address and follows the
// redirect back to vitals' listener, returning that last page.
func browse(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// linkByCommand runs `vitals link omron --no-browser` and plays the
// browser on an auto-approving sandbox.
func (e linkEnv) linkByCommand(t *testing.T) string {
	t.Helper()
	r := e.start(t, context.Background(), "link", "omron", "--no-browser", "--timeout", "20s")
	page := browse(t, r.waitFor(t, authURLLine)[1])
	if !strings.Contains(page, "Linked") {
		t.Errorf("the listener answered %q", page)
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("link: %v\n%s%s", err, r.out.String(), r.errOut.String())
	}
	return r.out.String() + r.errOut.String()
}

func (e linkEnv) accounts(t *testing.T) []store.Account {
	t.Helper()
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.Accounts(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestLinkOmronThroughTheBrowser(t *testing.T) {
	t.Parallel()
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", nil)
	patient := e.sb.Omron.Patients()[0]
	out := e.linkByCommand(t)
	for _, want := range []string{"open this address in a browser", "Waiting up to 20s for the browser to come back to " + e.redirect,
		`Linked Omron Wellness account sandbox.patient@example.com to profile "me"`, "vitals sync"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	accts := e.accounts(t)
	if len(accts) != 1 || accts[0].Provider != store.ProviderOmron || accts[0].ExternalID != patient.ID || accts[0].State != store.StateActive {
		t.Fatalf("accounts %+v", accts)
	}
	// The stored tokens work: a Source fetches with them.
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	page, err := omron.NewSource(e.cfg.Omron, db, accts[0], nil).Fetch(context.Background(), "weight", "")
	db.Close()
	if err != nil || len(page.Batch.Weight) == 0 {
		t.Fatalf("fetch with the linked tokens: %d weights, %v", len(page.Batch.Weight), err)
	}

	// Linking the same user again renews the same account.
	e.linkByCommand(t)
	if again := e.accounts(t); len(again) != 1 || again[0].ID != accts[0].ID {
		t.Errorf("linking again made %+v", again)
	}
	list, err := e.run(t, strings.NewReader(""), "link", "--list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PROVIDER", "omron", "Omron Wellness (sandbox.patient@example.com)", "active", "never"} {
		if !strings.Contains(list, want) {
			t.Errorf("--list lacks %q:\n%s", want, list)
		}
	}
	if got := e.sb.Counts()["GET /omron/connect/authorize"]; got != 2 {
		t.Errorf("%d authorization requests, want 2", got)
	}
}

func TestLinkOmronWithAPastedURL(t *testing.T) {
	t.Parallel()
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, sandbox.PasteRedirectURL, nil)
	r := e.start(t, context.Background(), "link", "omron", "--no-browser", "--timeout", "20s")
	u := r.waitFor(t, authURLLine)[1]
	r.waitFor(t, regexp.MustCompile(`Paste that whole address here`))
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	landed := resp.Header.Get("Location")
	if !strings.HasPrefix(landed, sandbox.PasteRedirectURL+"?") {
		t.Fatalf("the browser would land on %q", landed)
	}
	// A stray line first: vitals says why it is not taken and waits on.
	fmt.Fprintf(r.stdin, "hello\n  %s  \n", landed)
	if err := r.wait(t); err != nil {
		t.Fatalf("%v\n%s%s", err, r.out.String(), r.errOut.String())
	}
	if !strings.Contains(r.errOut.String(), "That is not the redirected URL") {
		t.Errorf("no note about the stray line: %q", r.errOut.String())
	}
	if accts := e.accounts(t); len(accts) != 1 || accts[0].ExternalID != e.sb.Omron.Patients()[0].ID {
		t.Errorf("accounts %+v", accts)
	}
}

func TestLinkOmronRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     sandbox.Options
		mod     func(*config.Config)
		args    []string
		browser func(t *testing.T, e linkEnv, authURL string)
		want    []string
	}{
		{name: "declined on the page", browser: func(t *testing.T, e linkEnv, u string) {
			q := mustParseQuery(t, u)
			q.Set("decision", "deny")
			resp, err := http.PostForm(e.cfg.Omron.AuthorizeURL, q) // follows the redirect to the listener
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}, want: []string{"access was declined on Omron's page", "nothing was linked", "vitals link omron"}},
		{name: "no answer", opt: sandbox.Options{AutoApprove: true}, args: []string{"--timeout", "300ms"},
			want: []string{"no answer came back from the browser within 300ms", "--timeout"}},
		{name: "wrong client secret", opt: sandbox.Options{AutoApprove: true}, mod: func(c *config.Config) { c.Omron.ClientSecret = "guessed-secret" },
			browser: func(t *testing.T, _ linkEnv, u string) { browse(t, u) },
			want:    []string{"invalid_client", "check omron.client_id and omron.client_secret"}},
		{name: "no client id", mod: func(c *config.Config) { c.Omron.ClientID = "" },
			want: []string{"omron.client_id is not set", "VITALS_OMRON_CLIENT_ID", "vitals sandbox --write-config"}},
		{name: "bad timeout", args: []string{"--timeout", "0s"}, want: []string{"--timeout must be positive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newLinkEnv(t, tt.opt, "", tt.mod)
			r := e.start(t, context.Background(), append([]string{"link", "omron", "--no-browser"}, tt.args...)...)
			if tt.browser != nil {
				tt.browser(t, e, r.waitFor(t, authURLLine)[1])
			}
			err := r.wait(t)
			if err == nil {
				t.Fatalf("linked:\n%s", r.out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if accts := e.accounts(t); len(accts) != 0 {
				t.Errorf("a failed link stored %+v", accts)
			}
		})
	}
}

func mustParseQuery(t *testing.T, s string) url.Values {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestLinkListAndHelp(t *testing.T) {
	t.Parallel()
	e := newLinkEnv(t, sandbox.Options{}, "", nil)
	out, err := e.run(t, strings.NewReader(""), "link")
	if err != nil || !strings.Contains(out, "Usage:") || !strings.Contains(out, "vitals link omron") {
		t.Errorf("vitals link: %v\n%s", err, out)
	}
	if _, err := e.run(t, strings.NewReader(""), "link", "fitbit"); err == nil {
		t.Error("vitals link fitbit succeeded")
	}
	if _, err := e.run(t, strings.NewReader(""), "link", "--list"); !errors.Is(err, app.ErrNoDatabase) {
		t.Errorf("--list of a database that does not exist: %v, want app.ErrNoDatabase", err)
	}
	e.run(t, strings.NewReader(""), "profile", "add", "me")
	out, err = e.run(t, strings.NewReader(""), "link", "--list")
	if err != nil || !strings.Contains(out, `no accounts are linked to profile "me"`) {
		t.Errorf("empty list: %v %q", err, out)
	}

	ctx := context.Background()
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := db.EnsureProfile(ctx, store.DefaultProfile)
	om, _ := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOmron, ExternalID: "u-1"})
	db.RecordSync(ctx, om.ID, errors.New("omron: fetch weight page: the provider no longer accepts this account's credentials: link it again"))
	db.SetAccountState(ctx, om.ID, store.StateNeedsRelink)
	up, _ := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOneUp, ExternalID: "1up-7"})
	db.SaveSystem(ctx, store.System{AccountID: up.ID, ID: "4706", Name: "Epic test site", Kind: "clinical"})
	db.LocalAccount(ctx, prof.ID, store.ProviderFile) // not a linked account
	db.Close()
	out, err = e.run(t, strings.NewReader(""), "link", "--list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"needs relinking: vitals link omron", "omron: fetch weight page", "1upHealth", "connected: Epic test site (clinical)"} {
		if !strings.Contains(out, want) {
			t.Errorf("--list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "File imports") {
		t.Errorf("--list shows the file-import account:\n%s", out)
	}
}

// linkTerminal is standard input that says it is a terminal.
type linkTerminal struct{ io.Reader }

func (linkTerminal) IsTerminal() bool { return true }

func TestUnlink(t *testing.T) {
	t.Parallel()
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", nil)
	e.linkByCommand(t)
	ctx := context.Background()
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	acct := e.accounts(t)[0]
	secret, _ := db.LoadSecret(ctx, acct.ID)
	at := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
	_, err = db.Upsert(ctx, acct.ProfileID, acct.ID, health.Batch{BloodPressure: []health.BloodPressure{
		{Meta: health.Meta{ProviderID: "a", Time: at}, Systolic: health.Of(130), Diastolic: health.Of(85)},
		{Meta: health.Meta{ProviderID: "b", Time: at.Add(time.Minute)}, Systolic: health.Of(128), Diastolic: health.Of(84)},
	}, Weight: []health.Weight{{Meta: health.Meta{ProviderID: "c", Time: at}, Weight: health.Of(80)}}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	out, err := e.run(t, strings.NewReader("yes\n"), "unlink", "omron")
	if err == nil || !strings.Contains(err.Error(), "add --yes") || len(e.accounts(t)) != 1 {
		t.Fatalf("without a terminal nor --yes: %v\n%s", err, out)
	}
	out, err = e.run(t, linkTerminal{strings.NewReader("no\n")}, "unlink", "omron")
	if err != nil || !strings.Contains(out, "Nothing was changed.") || len(e.accounts(t)) != 1 {
		t.Fatalf("answered no: %v\n%s", err, out)
	}
	for _, want := range []string{"its stored tokens, its sync positions and its readings (2 blood pressure, 1 weight)", "Readings from other sources stay.", "Type yes to confirm"} {
		if !strings.Contains(out, want) {
			t.Errorf("the question lacks %q:\n%s", want, out)
		}
	}
	out, err = e.run(t, linkTerminal{strings.NewReader("yes\n")}, "unlink", "omron")
	if err != nil || !strings.Contains(out, "Revoked the account's tokens at Omron.") || !strings.Contains(out, "Unlinked Omron Wellness") {
		t.Fatalf("answered yes: %v\n%s", err, out)
	}
	if len(e.accounts(t)) != 0 {
		t.Error("the account is still there")
	}
	if got := e.sb.Counts()["POST /omron/connect/revocation"]; got != 2 {
		t.Errorf("%d revocation requests, want 2", got)
	}
	// The revoked refresh token is dead at Omron.
	var tok providers.Token
	if err := json.Unmarshal(secret, &tok); err != nil {
		t.Fatal(err)
	}
	if _, err := omron.New(e.cfg.Omron, nil).Refresh(ctx, tok.RefreshToken); !errors.Is(err, providers.ErrNeedsRelink) {
		t.Errorf("the revoked refresh token: %v", err)
	}
}

func TestUnlinkChoices(t *testing.T) {
	t.Parallel()
	// Revocation fails (nothing listens there): the account is forgotten anyway.
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", func(c *config.Config) { c.Omron.RevokeURL = "http://127.0.0.1:9/revoke" })
	ctx := context.Background()
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := db.EnsureProfile(ctx, store.DefaultProfile)
	a1, _ := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOmron, ExternalID: "u-1"})
	a2, _ := db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOmron, ExternalID: "u-2"})
	for _, a := range []store.Account{a1, a2} {
		providers.NewCredentials(db, a.ID, nil).Save(ctx, providers.Token{AccessToken: "at-" + a.ExternalID, RefreshToken: "rt-" + a.ExternalID})
	}
	db.UpsertAccount(ctx, store.Account{ProfileID: prof.ID, Provider: store.ProviderOneUp, ExternalID: "1up-7"})
	db.Close()

	tests := []struct {
		args []string
		ok   bool
		want string
	}{
		{[]string{"unlink", "fitbit", "--yes"}, false, `"fitbit" is not a provider vitals links`},
		{[]string{"unlink", "omron", "--yes"}, false, fmt.Sprintf("has 2 omron accounts: %d (Omron Wellness), %d (Omron Wellness); say which", a1.ID, a2.ID)},
		{[]string{"unlink", "omron", "u-9", "--yes"}, false, `has no omron account "u-9"`},
		{[]string{"unlink", "omron", "u-2", "--yes"}, true, "could not be revoked at Omron"},
		{[]string{"unlink", "omron", "--yes"}, true, "Unlinked Omron Wellness"},
		{[]string{"unlink", "omron", "--yes"}, false, "no omron account is linked"},
		{[]string{"unlink", "oneup", "--yes"}, true, "1upHealth documents no way to revoke"},
	}
	for _, tt := range tests {
		out, err := e.run(t, strings.NewReader(""), tt.args...)
		text := out
		if err != nil {
			text += err.Error()
		}
		if (err == nil) != tt.ok || !strings.Contains(text, tt.want) {
			t.Errorf("%v: %v\n%s\nwant %q", tt.args, err, out, tt.want)
		}
	}
	if left := e.accounts(t); len(left) != 0 {
		t.Errorf("left %+v", left)
	}
}

// TestNoSecretInAnyOutput runs linking, listing and unlinking, well and
// badly, and looks for every secret in everything vitals wrote or
// answered: the client secrets, every code and token the server issued.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	var texts []string
	keep := func(out string, err error) {
		texts = append(texts, out)
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
		}
	}
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", nil)
	keep(e.linkByCommand(t), nil)
	keep(e.run(t, strings.NewReader(""), "link", "--list"))

	// A failed exchange with a wrong secret.
	wrong := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", func(c *config.Config) { c.Omron.ClientSecret = "wrong-secret-0123456789" })
	r := wrong.start(t, context.Background(), "link", "omron", "--no-browser", "--timeout", "20s")
	browse(t, r.waitFor(t, authURLLine)[1])
	err := r.wait(t)
	keep(r.out.String()+r.errOut.String(), err)

	// A pasted URL that belongs to another attempt, then a timeout.
	paste := newLinkEnv(t, sandbox.Options{AutoApprove: true}, sandbox.PasteRedirectURL, nil)
	r = paste.start(t, context.Background(), "link", "omron", "--no-browser", "--timeout", "1s")
	resp, _ := noRedirects.Get(r.waitFor(t, authURLLine)[1])
	resp.Body.Close()
	other := strings.Replace(resp.Header.Get("Location"), "state=", "state=x", 1)
	fmt.Fprintln(r.stdin, other)
	err = r.wait(t)
	keep(r.out.String()+r.errOut.String(), err)

	// Unlinking with a revocation that fails, then one that works.
	broken := e
	broken.cfg.Omron.RevokeURL = "http://127.0.0.1:9/revoke"
	broken.cfgPath = filepath.Join(t.TempDir(), "broken.toml")
	if err := config.Write(broken.cfgPath, broken.cfg); err != nil {
		t.Fatal(err)
	}
	out, err := broken.run(t, strings.NewReader(""), "unlink", "omron", "--yes")
	if err != nil || !strings.Contains(out, "could not be revoked") {
		t.Fatalf("unlink with a failing revocation: %v\n%s", err, out)
	}
	keep(out, err)
	keep(e.linkByCommand(t), nil)
	keep(e.run(t, strings.NewReader(""), "unlink", "omron", "--yes"))

	secrets := []string{sandbox.ClientSecret, "wrong-secret-0123456789"}
	for _, sb := range []*sandbox.Sandbox{e.sb, wrong.sb, paste.sb} {
		secrets = append(secrets, sb.Omron.Issued()...)
	}
	if len(secrets) < 8 {
		t.Fatalf("only %d secrets issued: the flows did not run", len(secrets))
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret (%d chars) appears in:\n%s", len(s), text)
			}
		}
	}
}

// openAsVitals opens a database the way the commands do, with the token
// key beside the configuration, so a test can read the tokens it keeps.
func openAsVitals(db, cfgPath string) (*store.DB, error) {
	a := app.App{DBPath: db, ConfigPath: cfgPath}
	return a.OpenDB(context.Background())
}

// Linking says where the tokens went; without a keyring they are kept in
// the database encrypted, under a key made beside the configuration
// (0600), and `link --list` says so, with the access token's expiry.
func TestLinkSaysWhereTokensAre(t *testing.T) {
	t.Parallel()
	e := newLinkEnv(t, sandbox.Options{AutoApprove: true}, "", nil)
	out := e.linkByCommand(t)
	keyFile := filepath.Join(filepath.Dir(e.cfgPath), "secret.key")
	for _, want := range []string{"encrypted with a new key in " + keyFile, "Tokens are kept in the database, encrypted"} {
		if !strings.Contains(out, want) {
			t.Errorf("link output lacks %q:\n%s", want, out)
		}
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
	db, err := openAsVitals(e.db, e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	acct := e.accounts(t)[0]
	secret, err := db.LoadSecret(context.Background(), acct.ID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var tok providers.Token
	if err := json.Unmarshal(secret, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	raw, _ := os.ReadFile(e.db)
	wal, _ := os.ReadFile(e.db + "-wal")
	if bytes.Contains(raw, []byte(tok.AccessToken)) || bytes.Contains(wal, []byte(tok.AccessToken)) || bytes.Contains(wal, []byte(tok.RefreshToken)) {
		t.Error("the database file holds the access or refresh token in plain form")
	}

	var stdout, stderr bytes.Buffer
	a := &invocation{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	root := newRootCmd(a)
	root.SetArgs([]string{"--config", e.cfgPath, "--db", e.db, "link", "--list", "--json"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	var links []struct {
		Provider, Tokens, State string
		Expiry                  time.Time `json:"access_token_expiry"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &links); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, stdout.String())
	}
	if len(links) != 1 || links[0].Provider != "omron" || links[0].Tokens != "database, encrypted" || links[0].State != "active" ||
		!links[0].Expiry.After(time.Now()) {
		t.Errorf("link --list --json = %+v", links)
	}
	if strings.Contains(stdout.String(), tok.AccessToken) {
		t.Error("--list prints the access token")
	}
}
