package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"vitals/config"
	"vitals/providers/omron"
	"vitals/sandbox"
	"vitals/store"
)

// buildVitals builds the vitals binary for a test that runs it as a
// person would.
func buildVitals(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vitals")
	build := exec.Command("go", "build", "-o", bin, "vitals")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// exitOf runs the binary and returns its exit status.
func exitOf(t *testing.T, bin string, args ...string) int {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		t.Logf("vitals %v: %s", args, out)
		return ee.ExitCode()
	}
	t.Fatalf("run vitals %v: %v", args, err)
	return -1
}

// The documented exit statuses, through the built binary: 0 done, 1
// failed, 2 wrong command line, 3 a sync stored some accounts but not
// others, 4 an account must be linked again.
func TestExitStatuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and syncs")
	}
	bin := buildVitals(t)
	env := newSyncEnv(t, sandbox.Options{Seed: 7})
	db := env.link(t, "exit.db")
	g := []string{"--config", env.cfgPath, "--db", db}

	// Without Omron's credentials its account cannot sync, while the
	// 1upHealth one does: a partial sync.
	noOmron := env.cfg
	noOmron.Omron.ClientID = ""
	partialCfg := filepath.Join(env.dir, "no-omron.toml")
	if err := config.Write(partialCfg, noOmron); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"done", append(g, "profile", "list"), ExitOK},
		{"failed", append(g, "profile", "remove", "nobody", "--yes"), ExitFailure},
		{"misspelt command", append(g, "sycn"), ExitUsage},
		{"unknown flag", append(g, "show", "--bogus"), ExitUsage},
		{"missing argument", append(g, "profile", "add"), ExitUsage},
		{"a full sync", append(g, "sync"), ExitOK},
		{"a partial sync", []string{"--config", partialCfg, "--db", db, "sync"}, ExitPartial},
	} {
		if got := exitOf(t, bin, tc.args...); got != tc.want {
			t.Errorf("%s: exit status %d, want %d", tc.name, got, tc.want)
		}
	}

	// Omron refuses the account's tokens once they are revoked: the sync
	// says to link it again.
	ctx := context.Background()
	s, err := openAsVitals(db, env.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := s.Profile(ctx, store.DefaultProfile)
	accts, _ := s.Accounts(ctx, prof.ID)
	for _, acct := range accts {
		if acct.Provider == store.ProviderOmron {
			if err := omron.New(env.cfg.Omron, nil).RevokeAccount(ctx, s, acct.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Close()
	if got := exitOf(t, bin, append(g, "sync")...); got != ExitRelink {
		t.Errorf("a sync with revoked tokens: exit status %d, want %d", got, ExitRelink)
	}
}
