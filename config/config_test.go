package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownKeyNamesTheKnownOnes: a misspelt key is an error that lists
// what could have been meant, not a pointer to help that does not exist.
func TestUnknownKeyNamesTheKnownOnes(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
	}{
		{"[omron]\nclient_idd = \"x\"\n", `unknown key "omron.client_idd": [omron] takes environment, client_id, client_secret,`},
		{"[omrom]\nclient_id = \"x\"\n", `unknown key "omrom": the top level takes keyring and the sections [display], [omron], [oneup], [serve], [sync]`},
		{"keyrign = false\n", `unknown key "keyrign": the top level takes keyring and`},
	} {
		path := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error with %q", tc.file, err, tc.want)
		}
	}
}

// TestEnvironmentOverridesFile: VITALS_<SECTION>_<KEY> wins over the file,
// and a value of the wrong kind names the variable.
func TestEnvironmentOverridesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[display]\nrulebook = \"aha2025\"\nstep_goal = 9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VITALS_DISPLAY_RULEBOOK", "esh2023")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Display.Rulebook != "esh2023" || c.Display.StepGoal != 9000 {
		t.Errorf("rulebook %q, step goal %d; want esh2023 from the environment, 9000 from the file", c.Display.Rulebook, c.Display.StepGoal)
	}
	t.Setenv("VITALS_DISPLAY_STEP_GOAL", "many")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "VITALS_DISPLAY_STEP_GOAL") {
		t.Errorf("bad step goal: %v", err)
	}
}

// TestNotifyRateKeys: the endpoint's per-sender limit has defaults, is
// set from the file or the environment, and a limit of 0 is refused with
// the key's name and where to set it.
func TestNotifyRateKeys(t *testing.T) {
	if d := Default().Serve; d.NotifyRate != 5 || d.NotifyBurst != 20 {
		t.Errorf("defaults %d a second, bursts of %d; want 5 and 20", d.NotifyRate, d.NotifyBurst)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[serve]\nnotify_rate = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VITALS_SERVE_NOTIFY_BURST", "8")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.NotifyRate != 2 || c.Serve.NotifyBurst != 8 {
		t.Errorf("rate %d, burst %d; want 2 from the file, 8 from the environment", c.Serve.NotifyRate, c.Serve.NotifyBurst)
	}
	t.Setenv("VITALS_SERVE_NOTIFY_BURST", "0")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "serve.notify_burst 0") || !strings.Contains(err.Error(), "VITALS_SERVE_NOTIFY_BURST") {
		t.Errorf("a burst of 0: %v", err)
	}
}
