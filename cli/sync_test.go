package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/config"
	"vitals/providers/omron"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
	"vitals/store/storetest"
)

// syncEnv is a sandbox with linked accounts, a configuration file that
// points vitals at it, and a database.
type syncEnv struct {
	sb      *sandbox.Sandbox
	cfg     config.Config
	cfgPath string
	dir     string
}

func newSyncEnv(t *testing.T, opt sandbox.Options) syncEnv {
	t.Helper()
	if opt.OneUp == nil {
		opt.OneUp = func(o *oneupsim.Options) { o.DataDelay = 0 } // connected systems' data at once
	}
	sb, err := sandbox.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	dir := t.TempDir()
	env := syncEnv{sb: sb, cfg: sb.Config(""), cfgPath: filepath.Join(dir, "config.toml"), dir: dir}
	if err := config.Write(env.cfgPath, env.cfg); err != nil {
		t.Fatal(err)
	}
	return env
}

// link links the sandbox's first Omron patient to profile me of a new
// database, through Omron's authorization-code flow (consent form, PKCE,
// exchange), then the profile's 1upHealth user (user management and code
// exchange, with a clinic and a home monitor connected), and returns the
// database's path.
func (e syncEnv) link(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(e.dir, name)
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prof, err := db.EnsureProfile(ctx, store.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	p := e.sb.Omron.Patients()[0]
	client := omron.New(e.cfg.Omron, nil)
	auth := client.NewAuthorization()
	u, _ := url.Parse(auth.URL)
	form := u.Query()
	form.Set("decision", "approve")
	form.Set("email", p.Email)
	form.Set("password", p.Password)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(e.cfg.Omron.AuthorizeURL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("state") != auth.State {
		t.Fatalf("authorize answered %s, %v", resp.Status, err)
	}
	g, err := client.Exchange(ctx, auth, loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := omron.SaveLink(ctx, db, prof.ID, g); err != nil {
		t.Fatal(err)
	}
	if _, err := oneup.New(e.cfg.OneUp, nil).Link(ctx, db, prof); err != nil {
		t.Fatal(err)
	}
	for _, sys := range []int{oneupsim.EpicTestSite, oneupsim.Withings} {
		if err := e.sb.OneUp.ConnectSystem(prof.UID, sys); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// copyDB copies a closed database file, so that two runs start from the
// same linked accounts (and so fetch the same readings).
func copyDB(t *testing.T, from, to string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}

// dataRequests counts the requests the sandbox's data APIs answered
// (Omron's measurement endpoint and 1upHealth's FHIR searches), as
// GET /_sandbox/requests reports them.
func (e syncEnv) dataRequests(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(e.sb.URL() + sandbox.RequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Counts by endpoint, beside the overlap and refresh-reuse reports.
	var answer map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, raw := range answer {
		if strings.HasSuffix(k, "/api/measurement") || strings.Contains(k, " "+sandbox.OneUpPrefix+"/r4/") {
			var v int
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			n += v
		}
	}
	return n
}

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// run runs vitals in this process with the environment's configuration.
func (e syncEnv) run(ctx context.Context, db string, stderr *lockedBuffer, args ...string) (string, error) {
	var out bytes.Buffer
	if stderr == nil {
		stderr = &lockedBuffer{}
	}
	a := &invocation{stdin: strings.NewReader(""), stdout: &out, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(append([]string{"--config", e.cfgPath, "--db", db}, args...))
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func (e syncEnv) measurementRequests() int {
	return e.sb.Counts()["POST "+sandbox.OmronPrefix+"/api/measurement"]
}

func TestSyncWithoutLinkedAccounts(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{})
	var stderr lockedBuffer
	out, err := env.run(context.Background(), filepath.Join(env.dir, "empty.db"), &stderr, "sync")
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	// A message, on stderr: stdout stays for data.
	if out != "" || !strings.Contains(stderr.String(), "no linked accounts") || !strings.Contains(stderr.String(), "vitals link omron") {
		t.Errorf("stdout %q, stderr %q: want a note on stderr saying how to link an account", out, stderr.String())
	}
	out, err = env.run(context.Background(), filepath.Join(env.dir, "empty.db"), nil, "sync", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("sync --json with nothing linked: %v %q, want []", err, out)
	}
}

// TestSyncTwice: a first sync stores the history and prints a summary; a
// second one right after makes one request per (account, type).
func TestSyncTwice(t *testing.T) {
	ctx := context.Background()
	env := newSyncEnv(t, sandbox.Options{Seed: 2})
	db := env.link(t, "vitals.db")
	var stderr lockedBuffer
	out, err := env.run(ctx, db, &stderr, "sync")
	if err != nil {
		t.Fatalf("first sync: %v\n%s", err, stderr.String())
	}
	p := env.sb.Omron.Patients()[0]
	want := env.sb.Omron.Count(p.ID, "bloodpressure")
	if !strings.Contains(out, "me") || !strings.Contains(out, "Omron Wellness") || !strings.Contains(out, "1upHealth") || strings.Count(out, " ok") != 2 {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(stderr.String(), "✓ done") || strings.Contains(stderr.String(), "\x1b[") {
		t.Errorf("progress on a non-terminal stderr should be a plain log:\n%s", stderr.String())
	}
	s, err := store.Open(ctx, db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := s.Profile(ctx, store.DefaultProfile)
	omronAcct, _ := s.FindAccounts(ctx, store.ProviderOmron, p.ID)
	n, _ := s.Count(ctx, "bloodpressure", store.Filter{ProfileID: prof.ID, AccountID: omronAcct[0].ID})
	s.Close()
	if n != want {
		t.Errorf("stored %d blood-pressure readings, the server has %d", n, want)
	}

	before := env.dataRequests(t)
	if out, err = env.run(ctx, db, nil, "sync"); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	// One request per (account, stream): Omron's five types, 1upHealth's
	// nine searches.
	oneupStreams, _ := oneup.NewSource(env.cfg.OneUp, nil, store.Account{Provider: store.ProviderOneUp}, nil, nil)
	if n, want := env.dataRequests(t)-before, len(omron.Types)+len(oneupStreams.Streams()); n != want {
		t.Errorf("second sync made %d data requests, want %d (one per account and stream)", n, want)
	}
	if !strings.Contains(out, "  0  ") {
		t.Errorf("second sync's summary should add nothing:\n%s", out)
	}
}

func TestSyncAccountThatMustBeLinkedAgain(t *testing.T) {
	ctx := context.Background()
	env := newSyncEnv(t, sandbox.Options{})
	db := env.link(t, "vitals.db")
	env.sb.Omron.RevokeUser(env.sb.Omron.Patients()[0].ID)
	var stderr lockedBuffer
	_, err := env.run(ctx, db, &stderr, "sync")
	if err == nil || !strings.Contains(err.Error(), "run `vitals link omron`") {
		t.Fatalf("sync of a revoked account: %v; want an error saying to link it again", err)
	}
	if strings.Contains(err.Error(), "oneup") {
		t.Errorf("the 1upHealth account should not be affected: %v", err)
	}
	s, _ := store.Open(ctx, db, store.Options{ReadOnly: true})
	defer s.Close()
	accts, _ := s.Accounts(ctx, 0)
	for _, a := range accts {
		want := store.StateActive
		if a.Provider == store.ProviderOmron {
			want = store.StateNeedsRelink
		}
		if a.State != want {
			t.Errorf("%s account is %s, want %s", a.Provider, a.State, want)
		}
		n, _ := s.Count(ctx, "bloodpressure", store.Filter{ProfileID: a.ProfileID, AccountID: a.ID})
		if (a.Provider == store.ProviderOneUp) != (n > 0) {
			t.Errorf("%s account stored %d readings; want the 1upHealth account synced and nothing from Omron", a.Provider, n)
		}
	}
	// The next sync does not ask Omron again.
	before := env.measurementRequests()
	if _, err := env.run(ctx, db, nil, "sync"); err == nil || !strings.Contains(err.Error(), "vitals link omron") {
		t.Errorf("second sync: %v", err)
	}
	if n := env.measurementRequests() - before; n != 0 {
		t.Errorf("%d requests for an account that must be linked again", n)
	}
}

// TestSyncKilledAtRandomPoints: `vitals sync`, killed with SIGKILL ten
// times at random points and then run to the end, leaves the readings one
// clean run stores.
func TestSyncKilledAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it a dozen times")
	}
	bin := buildVitals(t)
	env := newSyncEnv(t, sandbox.Options{Seed: 4})
	cleanDB := env.link(t, "clean.db")
	killedDB := copyDB(t, cleanDB, filepath.Join(env.dir, "killed.db"))
	vitals := func(ctx context.Context, db string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, "--config", env.cfgPath, "--db", db, "sync")
		cmd.Env = append(os.Environ(), "HOME="+env.dir, "XDG_CONFIG_HOME="+env.dir, "XDG_DATA_HOME="+env.dir)
		return cmd
	}

	start := time.Now()
	if out, err := vitals(context.Background(), cleanDB).CombinedOutput(); err != nil {
		t.Fatalf("clean sync: %v\n%s", err, out)
	}
	clean := time.Since(start)

	// Each run is killed a page or two in, plus up to 10 ms: between pages,
	// during a fetch or during a commit.
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("clean sync took %v; kill points drawn with seed %d", clean, seed)
	killed := 0
	for range 10 {
		cmd := vitals(context.Background(), killedDB)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pages, lines := 1+rng.IntN(2), bufio.NewScanner(stderr)
		for lines.Scan() {
			if strings.Contains(lines.Text(), " stored; ") {
				if pages--; pages == 0 {
					break
				}
			}
		}
		time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Millisecond))))
		cmd.Process.Kill() // SIGKILL: no chance to finish anything
		go io.Copy(io.Discard, stderr)
		if err := cmd.Wait(); err != nil {
			killed++
		}
	}
	if killed < 8 {
		t.Errorf("only %d of 10 runs were killed before they finished: the test does not test", killed)
	}
	final := vitals(context.Background(), killedDB)
	var finalErr bytes.Buffer
	final.Stderr = &finalErr
	out, err := final.Output()
	if err != nil {
		t.Fatalf("final sync: %v\n%s", err, finalErr.String())
	}
	t.Logf("the final run:\n%s", out)
	if got, want := storetest.Readings(t, killedDB), storetest.Readings(t, cleanDB); got != want {
		t.Errorf("database after ten kills differs from a clean run: %s", storetest.Diff(got, want))
	}
}

// Against servers that answer 20% of data requests with 429, 10% with 500
// and hold 5% past the client's timeout (vitals sandbox --faults
// 429:0.2,500:0.1,timeout:0.05), `vitals sync`, run again while a round
// gives up, ends with exactly the readings a fault-free sync stores.
func TestSyncCommandUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out Retry-After and timeouts")
	}
	ctx := context.Background()
	faults, err := sandbox.ParseFaults("429:0.2,500:0.1,timeout:0.05")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	env := newSyncEnv(t, sandbox.Options{Seed: 5, Now: func() time.Time { return now }, Faults: faults,
		Omron: func(o *omronsim.Options) { o.SlowDelay = 2 * time.Second },
		OneUp: func(o *oneupsim.Options) { o.DataDelay = 0; o.Faults.Hang = 2 * time.Second },
	})
	// A held answer costs the client half a second, not the default 30.
	env.cfg.Sync.RequestTimeout = config.Duration{Duration: 500 * time.Millisecond}
	if err := config.Write(env.cfgPath, env.cfg); err != nil {
		t.Fatal(err)
	}
	linked := env.link(t, "linked.db")
	faulty := copyDB(t, linked, filepath.Join(env.dir, "faulty.db"))
	clean := copyDB(t, linked, filepath.Join(env.dir, "clean.db"))

	before := env.dataRequests(t)
	runs := 0
	for {
		runs++
		var stderr lockedBuffer
		_, err := env.run(ctx, faulty, &stderr, "sync")
		if err == nil {
			break
		}
		if !strings.Contains(stderr.String(), "failed") {
			t.Fatalf("run %d failed without saying so on stderr: %v\n%s", runs, err, stderr.String())
		}
		if runs == 20 {
			t.Fatalf("still failing after %d runs: %v", runs, err)
		}
	}
	faultyRequests := env.dataRequests(t) - before
	if err := env.sb.Omron.SetFaults(omronsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	if err := env.sb.OneUp.SetFaults(oneupsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	before = env.dataRequests(t)
	if _, err := env.run(ctx, clean, nil, "sync"); err != nil {
		t.Fatalf("fault-free sync: %v", err)
	}
	cleanRequests := env.dataRequests(t) - before
	if faultyRequests <= cleanRequests {
		t.Errorf("%d data requests under faults, %d without: the faults did not fire", faultyRequests, cleanRequests)
	}
	got, want := storetest.Readings(t, faulty), storetest.Readings(t, clean)
	if got != want {
		t.Errorf("after %d runs under faults the readings differ from a fault-free sync", runs)
	}
	t.Logf("%d run(s) of vitals sync under faults (%d data requests, %d without faults) ended with the fault-free readings", runs, faultyRequests, cleanRequests)
}
