package app

import (
	"context"
	"errors"
	"strings"
	gosync "sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is a buffer safe for the writer and the test to share.
type lockedBuffer struct {
	mu  gosync.Mutex
	buf strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestWaitForEngine: after the dashboard closes, the engine may take a
// while to store the page in flight: the person is told so, and a signal
// ends the wait; when a signal closed the dashboard, the wait is for the
// engine alone (a second signal ends the process, in main).
func TestWaitForEngine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stderr lockedBuffer
		ctx, interrupt := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		done := make(chan error, 1)
		go func() { done <- waitForEngine(ctx, ran, &stderr) }()

		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if stderr.String() != "" {
			t.Errorf("a quick stop should pass in silence; said %q", stderr.String())
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if !strings.Contains(stderr.String(), "storing the page being fetched before quitting (Ctrl-C quits at once") {
			t.Errorf("after a second, stderr holds %q: want a word on what it waits for", stderr.String())
		}
		interrupt()
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("interrupted wait: %v", err)
			}
		default:
			t.Fatal("a signal did not end the wait")
		}

		// Closed by a signal: wait for the engine, and return its error.
		go func() { done <- waitForEngine(ctx, ran, &stderr) }()
		time.Sleep(time.Minute)
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("the wait ended before the engine, though a signal closed the dashboard")
		default:
		}
		failed := errors.New("engine: load accounts")
		ran <- failed
		if err := <-done; !errors.Is(err, failed) {
			t.Errorf("wait returned %v, want the engine's error", err)
		}
	})
}
