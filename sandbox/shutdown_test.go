package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"vitals/sandbox"
)

// TestShutdownEndsHeldAnswers: a request held by a "timeout" fault (35 s
// in the sandbox) does not keep Ctrl-C waiting: Shutdown ends it and
// returns at once.
func TestShutdownEndsHeldAnswers(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{Faults: sandbox.Faults{"timeout": 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	held := make(chan error, 2)
	for _, path := range []string{"/omron/api/measurement", "/oneup/r4/Observation"} {
		go func() {
			var resp *http.Response
			var err error
			if strings.HasPrefix(path, "/omron") {
				resp, err = http.Post(sb.URL()+path, "application/x-www-form-urlencoded", strings.NewReader("since=2026-01-01"))
			} else {
				req, _ := http.NewRequest(http.MethodGet, sb.URL()+path, nil)
				req.Header.Set("Authorization", "Bearer nothing")
				resp, err = http.DefaultClient.Do(req)
			}
			if err == nil {
				resp.Body.Close()
			}
			held <- err
		}()
	}
	// Wait until both requests are in the server, held.
	deadline := time.Now().Add(5 * time.Second)
	for sb.Counts()["POST /omron/api/measurement"] == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := sb.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %s, want the held answers ended", err, time.Since(start).Round(time.Millisecond))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %s", d)
	}
	for range 2 {
		select {
		case <-held:
		case <-time.After(5 * time.Second):
			t.Fatal("a held request is still held after Shutdown")
		}
	}
}
