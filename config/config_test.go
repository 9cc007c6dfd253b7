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
