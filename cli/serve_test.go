package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitals/config"
	"vitals/health"
	"vitals/sandbox"
	"vitals/store"
)

// serveAddr waits for `vitals serve` to log the address it listens on.
func serveAddr(t *testing.T, log *lockedBuffer, done <-chan error) string {
	t.Helper()
	re := regexp.MustCompile(`msg="vitals serve started" listen=(\S+)`)
	deadline := time.Now().Add(10 * time.Second)
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
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
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
	if !strings.Contains(log.String(), "profile="+store.DefaultProfile) {
		t.Errorf("the start line does not name the profile:\n%s", log.String())
	}
	if i, j := strings.LastIndex(log.String(), "level="), strings.Index(log.String(), "vitals serve stopped"); j < 0 || i > j {
		t.Errorf("serve logged after saying it stopped:\n%s", log.String())
	}
}
