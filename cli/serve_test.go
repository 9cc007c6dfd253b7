package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/config"
	"vitals/health"
	"vitals/providers/omron"
	"vitals/sandbox"
	"vitals/store"
)

// serveAddr waits for `vitals serve` to log the address it listens on.
func serveAddr(t *testing.T, log *lockedBuffer, done <-chan error) string {
	t.Helper()
	// Piped, the log is JSON, one object a line.
	re := regexp.MustCompile(`"msg":"vitals serve started","listen":"([^"]+)"`)
	deadline := time.Now().Add(time.Minute) // a bound for a hung test; a busy CI machine is slow
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", log.String())
	return ""
}

// TestServeStoresNotifiedReading: with `vitals serve` as the sandbox's
// notification URL, a reading uploaded to the sandbox is in the database
// within five seconds, though no scheduled sync is due; SIGINT's context
// then stops it cleanly.
func TestServeStoresNotifiedReading(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	db := env.link(t, "vitals.db")
	if _, err := env.run(context.Background(), db, nil, "sync"); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var log lockedBuffer
	done := make(chan error, 1)
	go func() {
		_, err := env.run(ctx, db, &log, "serve", "--listen", "127.0.0.1:0")
		done <- err
	}()
	addr := serveAddr(t, &log, done)
	env.sb.Omron.SetNotifyURL("http://" + addr + env.cfg.Serve.NotifyPath)

	// A reading taken a minute ago, uploaded with its notification.
	taken := time.Now().Add(-time.Minute).Truncate(time.Second)
	body := fmt.Sprintf(`{"bloodPressure": [{"time": %q, "systolic": 163, "diastolic": 101, "pulse": 77}]}`, taken.Format(time.RFC3339))
	uploaded := time.Now()
	resp, err := http.Post(env.sb.URL()+sandbox.UploadPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(answer), "notifyError") {
		t.Fatalf("upload: %s %s", resp.Status, answer)
	}

	s, err := store.Open(ctx, db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prof, _ := s.Profile(ctx, store.DefaultProfile)
	var found []health.BloodPressure
	for time.Since(uploaded) < 5*time.Second {
		found, err = s.BloodPressures(ctx, store.Filter{ProfileID: prof.ID, From: taken, To: taken.Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(found) != 1 || found[0].Systolic.Or(0) != 163 || found[0].Diastolic.Or(0) != 101 {
		t.Fatalf("5 s after the upload the database holds %+v; want the 163/101 reading\n%s", found, log.String())
	}
	t.Logf("stored %v after the upload", time.Since(uploaded).Round(time.Millisecond))

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, want := range []string{"omron notification", "sync finished", "vitals serve stopped"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestServeEndpoint checks the endpoint's answers over real HTTP: the
// shared secret, the size limit, and an unknown user.
func TestServeEndpoint(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	db := env.link(t, "vitals.db")
	env.cfg.Serve.NotifySecret = "0123456789abcdef"
	if err := config.Write(env.cfgPath, env.cfg); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var log lockedBuffer
	done := make(chan error, 1)
	go func() {
		_, err := env.run(ctx, db, &log, "serve", "--listen", "127.0.0.1:0")
		done <- err
	}()
	base := "http://" + serveAddr(t, &log, done)
	post := func(path, secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Vitals-Secret", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	unknown := `{"id":"nobody-we-know","timestamp":1705851000000,"type":"weight"}`
	for _, tc := range []struct {
		path, secret, body string
		want               int
	}{
		{"/omron/notify", "", unknown, 403},
		{"/omron/notify", "wrong", unknown, 403},
		{"/omron/notify", "0123456789abcdef", unknown, 200},
		{"/omron/notify/0123456789abcdef", "", unknown, 200},
		{"/omron/notify/0123456789abcdef", "", `{"id":`, 400},
		{"/omron/notify/0123456789abcdef", "", strings.Repeat(" ", 64<<10+1), 413},
	} {
		if got := post(tc.path, tc.secret, tc.body); got != tc.want {
			t.Errorf("POST %s (secret %q): %d, want %d", tc.path, tc.secret, got, tc.want)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, err := http.Get(base + path); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", path, resp, err)
		}
	}
	// The first round has run against the sandbox: its requests and
	// readings are counted.
	deadline := time.Now().Add(time.Minute) // a bound for a hung test; a busy CI machine is slow
	var metrics string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if metrics = string(b); strings.Contains(metrics, `vitals_sync_rounds_total{provider="omron",result="ok"}`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{`vitals_sync_rounds_total{provider="omron",result="ok"}`, `vitals_readings_stored_total{outcome="added",provider="omron"}`,
		`vitals_vendor_requests_total{code="200"`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%.2000s", want, metrics)
		}
	}
	// Piped, every log line is one JSON object.
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if !json.Valid([]byte(l)) {
			t.Errorf("a log line is not JSON: %s", l)
		}
	}
	stop()
	<-done
	if strings.Contains(log.String(), "0123456789abcdef") {
		t.Errorf("the log shows the secret:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "unknown user") {
		t.Errorf("the unknown user is not logged:\n%s", log.String())
	}
}

// TestServeForOneProfile: --profile limits serve to that profile, and a
// profile that does not exist is an error, not a serve of everyone.
func TestServeForOneProfile(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	db := env.link(t, "vitals.db")
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	_, err := env.run(ctx, db, nil, "--profile", "nobody", "serve", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), `no profile "nobody"`) {
		t.Errorf("serve --profile nobody: %v; want an error naming the profile", err)
	}

	var log lockedBuffer
	done := make(chan error, 1)
	go func() {
		_, err := env.run(ctx, db, &log, "--profile", store.DefaultProfile, "serve", "--listen", "127.0.0.1:0")
		done <- err
	}()
	serveAddr(t, &log, done)
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve --profile me: %v", err)
	}
	if !strings.Contains(log.String(), `"profile":"`+store.DefaultProfile+`"`) {
		t.Errorf("the start line does not name the profile:\n%s", log.String())
	}
	if i, j := strings.LastIndex(log.String(), `"level":`), strings.Index(log.String(), "vitals serve stopped"); j < 0 || i > j {
		t.Errorf("serve logged after saying it stopped:\n%s", log.String())
	}
}

// TestServeNotificationsFrom1970CostOneRound: a burst of notifications
// with "timestamp": 1 (1970) for a caught-up account, posted to `vitals
// serve` wired to the real engine and the sandbox, costs at most one
// request per Omron stream. Before the look-back bound each such
// notification rewound every stream to 1970 and walked the whole history
// again (38 requests for this patient).
func TestServeNotificationsFrom1970CostOneRound(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	db := env.link(t, "vitals.db")
	if _, err := env.run(context.Background(), db, nil, "sync"); err != nil {
		t.Fatal(err)
	}
	// Every notification reaches the engine: what is measured is the
	// engine's bound, not the endpoint's rate limit.
	env.cfg.Serve.NotifyBurst = 100
	if err := config.Write(env.cfgPath, env.cfg); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var log lockedBuffer
	done := make(chan error, 1)
	go func() {
		_, err := env.run(ctx, db, &log, "serve", "--listen", "127.0.0.1:0")
		done <- err
	}()
	url := "http://" + serveAddr(t, &log, done) + env.cfg.Serve.NotifyPath
	before := env.measurementRequests()

	user := env.sb.Omron.Patients()[0].ID
	body := fmt.Sprintf(`{"id":%q,"timestamp":1}`, user)
	statuses := map[int]int{}
	for range 60 {
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	if statuses[200] != 60 {
		t.Errorf("answers %v: want 60 × 200", statuses)
	}

	// Wait for the notification round, then long enough for another to
	// start if the burst were not one round.
	finished := regexp.MustCompile(`"msg":"sync finished","account":\d+,"provider":"omron","trigger":"notification"`)
	deadline := time.Now().Add(20 * time.Second)
	for !finished.MatchString(log.String()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !finished.MatchString(log.String()) {
		t.Fatalf("no notification round finished:\n%s", log.String())
	}
	time.Sleep(3 * time.Second)
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	n := env.measurementRequests() - before
	t.Logf("60 notifications from 1970 (%v) cost %d measurement requests", statuses, n)
	if n > len(omron.Types) {
		t.Errorf("the burst cost %d measurement requests, want at most %d (one per stream)", n, len(omron.Types))
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.9.8.7:1": true, "localhost:8080": true, "LOCALHOST:0": true,
		"[::1]:8080": true, "[::ffff:127.0.0.1]:80": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.10:8080": false,
		"[fe80::1%eth0]:8080": false, "example.org:8080": false, "localhost.example.org:80": false,
		"8080": false, "": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServeRefusesOpenAddressWithoutSecret: beyond loopback and without
// serve.notify_secret, serve stops before opening anything, and says what
// to do.
func TestServeRefusesOpenAddressWithoutSecret(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.10:8080"} {
		db := filepath.Join(env.dir, "never.db")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := env.run(ctx, db, nil, "serve", "--listen", listen)
		cancel()
		if err == nil {
			t.Fatalf("serve --listen %s without a secret started", listen)
		}
		for _, want := range []string{"--listen " + listen, "serve.notify_secret is not set", "notify_secret", "VITALS_SERVE_NOTIFY_SECRET",
			"/omron/notify/<secret>", "--listen 127.0.0.1:8080", "--insecure-notify"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("serve --listen %s: the error does not say %q:\n%v", listen, want, err)
			}
		}
		if _, statErr := os.Stat(db); statErr == nil {
			t.Errorf("serve --listen %s created the database before refusing", listen)
		}
	}
}

// TestServeBeyondLoopback: with --insecure-notify serve listens on every
// interface and warns loudly before it starts; with a secret it needs no
// flag and does not warn.
func TestServeBeyondLoopback(t *testing.T) {
	env := newSyncEnv(t, sandbox.Options{Seed: 9})
	db := env.link(t, "vitals.db")
	start := func(args ...string) string {
		t.Helper()
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		var log lockedBuffer
		done := make(chan error, 1)
		go func() {
			_, err := env.run(ctx, db, &log, append([]string{"serve", "--listen", "0.0.0.0:0"}, args...)...)
			done <- err
		}()
		addr := serveAddr(t, &log, done)
		_, port, _ := net.SplitHostPort(addr)
		resp, err := http.Post("http://127.0.0.1:"+port+"/omron/notify", "application/json", strings.NewReader(`{"id":"nobody","timestamp":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
		return log.String()
	}

	log := start("--insecure-notify")
	warn := strings.Index(log, `"level":"WARN","msg":"INSECURE: the Omron notification endpoint accepts requests from other machines without a secret (--insecure-notify)`)
	if warn < 0 || warn > strings.Index(log, "vitals serve started") {
		t.Errorf("no loud warning before the start line:\n%s", log)
	}
	if !strings.Contains(log, "Set serve.notify_secret") {
		t.Errorf("the warning does not say what to do:\n%s", log)
	}

	env.cfg.Serve.NotifySecret = "fedcba9876543210fedcba9876543210"
	if err := config.Write(env.cfgPath, env.cfg); err != nil {
		t.Fatal(err)
	}
	log = start()
	if strings.Contains(log, "INSECURE") || strings.Contains(log, env.cfg.Serve.NotifySecret) {
		t.Errorf("with a secret: a warning, or the secret, in the log:\n%s", log)
	}
	if !strings.Contains(log, `"secret":true`) {
		t.Errorf("the start line does not say a secret is set:\n%s", log)
	}
}
