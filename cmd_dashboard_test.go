package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestWaitForEngine: after the dashboard closes, the engine may take a
// while to store the page in flight: the person is told so, and a signal
// ends the wait; when a signal closed the dashboard, the wait is for the
// engine alone (a second signal ends the process, in main).
func TestWaitForEngine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stderr lockedBuffer
		a := &app{stderr: &stderr}
		ctx, interrupt := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		done := make(chan error, 1)
		go func() { done <- a.waitForEngine(ctx, ran) }()

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
		go func() { done <- a.waitForEngine(ctx, ran) }()
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

// TestUsageErrorsPointToHelp: a mistake on the command line says where
// the usage is, whatever cobra found wrong.
func TestUsageErrorsPointToHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"unlink"}, "see `vitals unlink --help`"},
		{[]string{"sync", "extra"}, "see `vitals sync --help`"},
		{[]string{"link", "fitbit"}, "see `vitals link --help`"},
		{[]string{"show", "--bogus"}, "see `vitals show --help`"},
		{[]string{"profile", "add"}, "see `vitals profile add --help`"},
		{[]string{"show", "--width", "wide"}, "see `vitals show --help`"},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(cfg, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		a := &app{stdin: strings.NewReader(""), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
		root := newRootCmd(a)
		root.SetArgs(append([]string{"--config", cfg, "--db", filepath.Join(dir, "v.db")}, tc.args...))
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("vitals %s: %v; want an error with %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
