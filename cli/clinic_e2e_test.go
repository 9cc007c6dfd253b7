package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"vitals/app"
	"vitals/config"
	"vitals/providers"
	"vitals/sandbox"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
)

// The clinic's end to end test: real `vitals sandbox` and `vitals serve`
// processes, built from this tree, as a clinic runs them.

// e2eFaults are the sandbox's failures: rate limits, server errors and
// answers held past the client's timeout. Not "revoked": the fault may
// refuse the token a refresh just gave, which the client rightly takes
// for an account to link again.
const e2eFaults = "429:0.003,500:0.005,503:0.002,timeout:0.001"

// TestClinicServeWorkers: against `vitals sandbox --patients 2000` with
// faults, three `vitals serve` workers on one PostgreSQL database, one of
// them SIGKILLed mid-run and started again, end with exactly the readings
// a clean single-process `vitals sync` stores (every reading compared),
// while the sandbox saw no account fetched by two workers at once and no
// refresh token spent twice. The same with one worker on a SQLite file.
// -short makes it 200 patients.
func TestClinicServeWorkers(t *testing.T) {
	patients := 2000
	if testing.Short() {
		patients = 200
	}
	bin := buildVitals(t)
	dir := t.TempDir()
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "NO_COLOR=1", app.EnvSecretKey+"="+key, "VITALS_DB=")

	// Access tokens of 62 s: vitals refreshes a token in its last minute,
	// so every round past a token's first 2 s refreshes, and the SIGKILL
	// lands among refreshes.
	base := startSandboxProcess(t, bin, env, "--patients", fmt.Sprint(patients), "--history", "7d",
		"--faults", e2eFaults, "--auto-approve", "--seed", "14", "--token-ttl", "62s")
	cfg := config.Default()
	cfg.Keyring = false
	cfg.Omron = sandbox.OmronConfig(base, "")
	cfg.Sync.RequestTimeout = config.Duration{Duration: 2 * time.Second}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := config.Write(cfgPath, cfg); err != nil {
		t.Fatal(err)
	}
	c := clinic{t: t, bin: bin, helper: buildHelper(t), env: env, cfgPath: cfgPath, base: base, patients: patients}

	start := time.Now()
	ref := filepath.Join(dir, "reference.db")
	c.link(ref)
	t.Logf("%d patients linked in %s", patients, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for try := 1; ; try++ {
		out, err := c.vitals("--db", ref, "sync")
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("the reference sync: %v\n%s", err, tail(out, 2000))
		}
	}
	t.Logf("the reference: one `vitals sync` in %s", time.Since(start).Round(time.Millisecond))
	want := filepath.Join(dir, "reference.dump")
	c.dump(ref, want)

	t.Run("postgres three workers", func(t *testing.T) {
		c := c
		c.t = t
		c.serveWorkers(storetest.Location(t, "postgres"), 3, want)
	})
	t.Run("sqlite one worker", func(t *testing.T) {
		c := c
		c.t = t
		c.serveWorkers(filepath.Join(t.TempDir(), "worker.db"), 1, want)
	})

	var report struct {
		Overlaps     sandbox.OverlapReport `json:"overlaps"`
		RefreshReuse sandbox.ReuseReport   `json:"refresh_reuse"`
	}
	getJSON(t, base+sandbox.RequestsPath, &report)
	if report.Overlaps.Total != 0 {
		t.Errorf("the sandbox saw %d data requests of one account overlap: %+v", report.Overlaps.Total, report.Overlaps.Events[:min(3, len(report.Overlaps.Events))])
	}
	if report.RefreshReuse.Total != 0 {
		t.Errorf("the sandbox saw %d refresh tokens presented twice: %+v", report.RefreshReuse.Total, report.RefreshReuse.Events[:min(3, len(report.RefreshReuse.Events))])
	}
	if rot := report.RefreshReuse.OmronRotations; rot < patients {
		t.Errorf("Omron rotated %d refresh tokens, want refreshes throughout (at least %d)", rot, patients)
	}
	t.Logf("Omron rotated %d refresh tokens, none presented twice", report.RefreshReuse.OmronRotations)
}

type clinic struct {
	t        *testing.T
	bin      string
	helper   string // cli/testdata/clinichelper, built
	env      []string
	cfgPath  string
	base     string // the sandbox's
	patients int
}

// buildHelper builds the program that links patients and dumps readings
// for the test: the test binary runs under the race detector, where
// SQLite (pure Go) is many times slower.
func buildHelper(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "clinichelper")
	build := exec.Command("go", "build", "-o", bin, "vitals/cli/testdata/clinichelper")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// link makes a profile per patient in the database at loc and links it
// to the patient's Omron user, in patient order, so that every database
// numbers profiles and accounts alike. Each database has grants of its
// own: a refresh token rotated in one is never presented by another.
func (c clinic) link(loc string, only ...int) {
	c.t.Helper()
	args := []string{"link", c.base, loc, fmt.Sprint(c.patients)}
	for _, i := range only {
		args = append(args, fmt.Sprint(i))
	}
	c.run(c.helper, args...)
}

// dump writes every reading of the database at loc to path.
func (c clinic) dump(loc, path string) {
	c.t.Helper()
	c.run(c.helper, "dump", loc, path)
}

func (c clinic) run(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = c.env
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), args[0], err, tail(string(out), 2000))
	}
}

// vitals runs the binary with the clinic's configuration.
func (c clinic) vitals(args ...string) (string, error) {
	cmd := exec.Command(c.bin, append([]string{"--config", c.cfgPath}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// worker is one `vitals serve` process.
type worker struct {
	name string
	cmd  *exec.Cmd
	log  string // its log file
	done chan error
}

func (c clinic) startWorker(loc, name string) *worker {
	t := c.t
	w := &worker{name: name, log: filepath.Join(t.TempDir(), name+".log"), done: make(chan error, 1)}
	f, err := os.Create(w.log)
	if err != nil {
		t.Fatal(err)
	}
	w.cmd = exec.Command(c.bin, "--config", c.cfgPath, "--db", loc, "serve", "--listen", "127.0.0.1:0",
		"--hub-name", name, "--lease-ttl", "3s", "--request-poll", "500ms")
	w.cmd.Env = c.env
	w.cmd.Stdout, w.cmd.Stderr = f, f
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w.done <- w.cmd.Wait()
		f.Close()
	}()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// addr is where the worker listens, once it has said so.
func (w *worker) addr(t *testing.T) string {
	re := regexp.MustCompile(`"msg":"vitals serve started","listen":"([^"]+)"`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(w.log)
		if m := re.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	b, _ := os.ReadFile(w.log)
	t.Fatalf("%s did not start:\n%s", w.name, tail(string(b), 2000))
	return ""
}

// serveWorkers links the patients into the database at loc, runs n serve
// workers on it until every account has synced, SIGKILLing the first
// when a third of them have and starting it again, then stops them with
// SIGTERM and compares the readings with want. Accounts whose refresh
// the SIGKILL cut off are linked again on the way (relink).
func (c clinic) serveWorkers(loc string, n int, want string) {
	t := c.t
	ctx := context.Background()
	c.link(loc)
	db, err := store.Open(ctx, loc, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// synced counts the accounts that have synced; refused, those whose
	// refresh token Omron refused.
	count := func() (synced, refused int) {
		list, err := db.Accounts(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			switch {
			case !a.LastSuccessAt.IsZero():
				synced++
			case a.State == store.StateNeedsRelink:
				refused++
			}
		}
		return synced, refused
	}
	synced := func() int { k, _ := count(); return k }

	start := time.Now()
	var workers []*worker
	for i := range n {
		workers = append(workers, c.startWorker(loc, fmt.Sprintf("w%d", i)))
	}
	for _, w := range workers {
		w.addr(t)
	}
	// The victim is killed while it holds leases: rounds in the middle
	// of their pages, whose accounts the others must take over.
	victim := workers[0]
	var orphaned int
	held := map[int64]bool{} // the accounts the victim held when it died
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accounts synced after 3 minutes", synced(), c.patients)
		}
		if synced() < c.patients/3 {
			continue
		}
		leases, err := db.Leases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(leases, func(l store.Lease) bool { return l.Holder == victim.name && l.Live(time.Now()) }) {
			continue
		}
		if err := victim.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-victim.done
		// Read again: the victim may have taken leases since.
		if leases, err = db.Leases(ctx); err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			if l.Holder == victim.name {
				held[l.AccountID] = true
			}
		}
		for id := range held {
			if a, err := db.Account(ctx, id); err == nil && a.LastSuccessAt.IsZero() {
				orphaned++
			}
		}
		t.Logf("SIGKILLed %s at %d of %d accounts synced, holding %d accounts (%d unfinished)", victim.name, synced(), c.patients, len(held), orphaned)
		break
	}
	again := c.startWorker(loc, victim.name+"-again")
	again.addr(t)
	workers[0] = again

	for deadline := time.Now().Add(4 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		k, refused := count()
		if k+refused == c.patients {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accounts synced (%d refused) after 4 minutes", k, c.patients, refused)
		}
	}
	t.Logf("%d accounts synced by %d workers in %s", synced(), n, time.Since(start).Round(time.Millisecond))
	c.relink(db, loc, held)

	takeovers := 0
	for _, w := range workers {
		takeovers += metric(t, "http://"+w.addr(t)+"/metrics", "vitals_lease_takeovers_total")
	}
	if orphaned > 0 && takeovers == 0 {
		t.Errorf("the killed worker left %d accounts unfinished, and no worker counted a lease takeover", orphaned)
	}
	t.Logf("lease takeovers: %d", takeovers)

	for _, w := range workers {
		w.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, w := range workers {
		select {
		case err := <-w.done:
			if err != nil {
				b, _ := os.ReadFile(w.log)
				t.Errorf("%s stopped with %v:\n%s", w.name, err, tail(string(b), 2000))
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not stop within 30 s of SIGTERM", w.name)
		}
	}
	// A stopped worker hands its leases back; the killed one's run out.
	leases, err := db.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leases {
		if l.Holder != "" && l.Holder != victim.name {
			t.Errorf("account %d still held by %s, which stopped", l.AccountID, l.Holder)
		}
	}

	got := filepath.Join(t.TempDir(), "workers.dump")
	c.dump(loc, got)
	if diff := diffFiles(t, got, want); diff != "" {
		t.Errorf("the workers' readings differ from a clean sync's: %s", diff)
	}
}

// relink handles the accounts the SIGKILL cut off mid-refresh. With
// rotating refresh tokens, a process killed between sending a refresh
// and saving the answer has taken the new token with it: no other can
// recover an answer a dead one received. The token was marked as sent
// before it went out, so the worker that takes the account over does
// not present it again (a rotated token is spent once) but marks the
// account to be linked again, saying why. relink checks that only
// accounts the victim held were stopped so, links them again as their
// patients would, and waits for the workers to sync them.
func (c clinic) relink(db *store.DB, loc string, held map[int64]bool) {
	t := c.t
	ctx := context.Background()
	list, err := db.Accounts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := db.Profiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	patient := map[int64]int{}
	for _, p := range profiles {
		var i int
		if _, err := fmt.Sscanf(p.Name, "patient-%d", &i); err == nil {
			patient[p.ID] = i
		}
	}
	var again []int
	var ids []int64
	for _, a := range list {
		if a.State != store.StateNeedsRelink {
			continue
		}
		if !held[a.ID] || !strings.Contains(a.LastError, providers.ErrRefreshLost.Error()) {
			t.Errorf("account %d refused (held by the killed worker: %v): %s", a.ID, held[a.ID], a.LastError)
			continue
		}
		again = append(again, patient[a.ProfileID])
		ids = append(ids, a.ID)
	}
	if len(again) == 0 {
		return
	}
	t.Logf("%d accounts lost their refresh token with the killed worker, linked again: %v", len(again), again)
	relinked := time.Now().Truncate(time.Second) // the stores keep seconds
	c.link(loc, again...)
	// The hubs read the accounts again every minute; a relinked account
	// syncs as soon as they see it.
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		done := 0
		for _, id := range ids {
			if a, err := db.Account(ctx, id); err == nil && !a.LastSuccessAt.Before(relinked) {
				done++
			}
		}
		if done == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d relinked accounts synced after 3 minutes", done, len(ids))
		}
	}
}

// startSandboxProcess runs `vitals sandbox` on a free port until the test
// ends, and returns its address.
func startSandboxProcess(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	lines := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`serving on (http://\S+)`)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			return m[1]
		}
	}
	t.Fatalf("vitals sandbox did not say where it serves: %v", lines.Err())
	return ""
}

// diffFiles compares two dumps line by line and says where they part
// ("" when they are the same, byte for byte).
func diffFiles(t *testing.T, got, want string) string {
	t.Helper()
	g, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(g, w) {
		return ""
	}
	return storetest.Diff(string(g), string(w))
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// metric reads a counter without labels from a Prometheus text page.
func metric(t *testing.T, u, name string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s has no %s", u, name)
	}
	var n int
	fmt.Sscan(string(m[1]), &n)
	return n
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
