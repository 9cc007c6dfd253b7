package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
		a := &invocation{stdin: strings.NewReader(""), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
		root := newRootCmd(a)
		root.SetArgs(append([]string{"--config", cfg, "--db", filepath.Join(dir, "v.db")}, tc.args...))
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("vitals %s: %v; want an error with %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// run runs vitals in this process with a fresh configuration and
// database in dir, and returns both streams and the exit status.
func runIn(t *testing.T, dir string, env map[string]string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	status = Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), status
}

func TestVersion(t *testing.T) {
	out, _, status := runIn(t, t.TempDir(), nil, "--version")
	if status != 0 || !strings.HasPrefix(out, "vitals ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: status %d, %q", status, out)
	}
}

func TestDidYouMean(t *testing.T) {
	dir := t.TempDir()
	_, errOut, status := runIn(t, dir, nil, "--config", filepath.Join(dir, "none.toml"), "sycn")
	if status != ExitUsage || !strings.Contains(errOut, `unknown command "sycn"`) || !strings.Contains(errOut, "did you mean sync?") {
		t.Errorf("vitals sycn: status %d, %q", status, errOut)
	}
}

func TestGlobalsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte("[display]\nweight = \"lb\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "clinic.db")
	env := map[string]string{"VITALS_DB": db, "VITALS_CONFIG": cfg, "VITALS_PROFILE": "p-1"}
	if _, errOut, status := runIn(t, dir, env, "profile", "add", "p-1"); status != 0 {
		t.Fatalf("profile add: %d %s", status, errOut)
	}
	out, _, status := runIn(t, dir, env, "profile", "list", "--json")
	var list []struct {
		Name    string
		Current bool
	}
	if status != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != "p-1" || !list[0].Current {
		t.Errorf("profile list --json under VITALS_DB/VITALS_PROFILE: %d %q", status, out)
	}
	if out, _, _ := runIn(t, dir, env, "config", "get", "display.weight"); strings.TrimSpace(out) != "lb" {
		t.Errorf("config get under VITALS_CONFIG = %q, want lb", out)
	}
	if out, _, _ := runIn(t, dir, env, "config", "path"); strings.TrimSpace(out) != cfg {
		t.Errorf("config path = %q, want %s", out, cfg)
	}
	// The flag wins over the variable.
	if out, _, _ := runIn(t, dir, env, "--config", filepath.Join(dir, "other.toml"), "config", "path"); !strings.Contains(out, "other.toml") {
		t.Errorf("--config did not win over VITALS_CONFIG: %q", out)
	}
	_, errOut, status := runIn(t, dir, map[string]string{"VITALS_DISPLAY_WEGHT": "lb"}, "profile", "list")
	if status != ExitFailure || !strings.Contains(errOut, "VITALS_DISPLAY_WEGHT") || !strings.Contains(errOut, "did you mean VITALS_DISPLAY_WEIGHT?") {
		t.Errorf("a misspelt variable: %d %q", status, errOut)
	}
}

func TestConfigCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	base := []string{"--config", cfg, "--db", filepath.Join(dir, "v.db")}
	if _, errOut, status := runIn(t, dir, nil, append(base, "config", "set", "display.rulebook", "esh2023")...); status != 0 {
		t.Fatalf("config set: %d %s", status, errOut)
	}
	if _, errOut, status := runIn(t, dir, nil, append(base, "config", "set", "display.rulebook", "who")...); status == 0 || !strings.Contains(errOut, "rulebook") {
		t.Errorf("config set of a bad value: %d %s", status, errOut)
	}
	if _, errOut, status := runIn(t, dir, nil, append(base, "config", "get", "display.rulbook")...); status != ExitUsage || !strings.Contains(errOut, "unknown key") {
		t.Errorf("config get of an unknown key: %d %s", status, errOut)
	}
	var out, errOut bytes.Buffer
	st := Main(context.Background(), append(base, "config", "set", "omron.client_secret"), strings.NewReader("hunter2-secret\n"), &out, &errOut)
	if st != 0 || strings.Contains(errOut.String(), "hunter2") {
		t.Fatalf("config set of a secret from stdin: %d %s", st, errOut.String())
	}
	show, _, _ := runIn(t, dir, nil, append(base, "config", "show")...)
	if strings.Contains(show, "hunter2") || !strings.Contains(show, `rulebook = "esh2023"`) {
		t.Errorf("config show:\n%s", show)
	}
	if got, _, _ := runIn(t, dir, nil, append(base, "config", "get", "omron.client_secret", "--reveal")...); strings.TrimSpace(got) != "hunter2-secret" {
		t.Errorf("config get --reveal = %q", got)
	}
}

// Completion goes through cobra's hidden __complete command, as a shell
// calls it.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, nil, 0o600)
	db := filepath.Join(dir, "v.db")
	base := []string{"--config", cfg, "--db", db}
	for _, name := range []string{"p-1042", "p-2000"} {
		if _, e, st := runIn(t, dir, nil, append(base, "profile", "add", name)...); st != 0 {
			t.Fatal(e)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"show", "--tab", ""}, []string{"overview", "bp", "review"}},
		{[]string{"show", "--range", ""}, []string{"7d", "30d", "90d", "1y", "all"}},
		{[]string{"export", "--type", ""}, []string{"bloodpressure", "weight"}},
		{[]string{"export", "--format", ""}, []string{"csv", "fhir"}},
		{[]string{"report", "--format", ""}, []string{"md", "html", "pdf"}},
		{[]string{"link", ""}, []string{"omron", "oneup"}},
		{[]string{"unlink", ""}, []string{"omron", "oneup"}},
		{[]string{"connect", "--kind", ""}, []string{"clinical", "device"}},
		{[]string{"--profile", "p-"}, []string{"p-1042", "p-2000"}},
		{[]string{"profile", "remove", ""}, []string{"p-1042", "p-2000"}},
		{[]string{"config", "get", ""}, []string{"display.weight", "omron.client_id"}},
		{[]string{"config", "set", "display.weight", ""}, []string{"kg", "lb"}},
	} {
		out, errOut, st := runIn(t, dir, nil, append(append([]string{"__complete"}, base...), tc.args...)...)
		if st != 0 {
			t.Errorf("complete %v: %d %s", tc.args, st, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("complete %v lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

// A command that only reads refuses a database that does not exist, and
// makes none; a folder given as --db is named as such.
func TestReadCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, nil, 0o600)
	missing := filepath.Join(dir, "vitlas.db")
	for _, args := range [][]string{
		{"show"}, {"report"}, {"export", "--format", "fhir"}, {"profile", "list"}, {"link", "--list"},
	} {
		_, errOut, status := runIn(t, dir, nil, append([]string{"--config", cfg, "--db", missing}, args...)...)
		if status != ExitFailure || !strings.Contains(errOut, "there is no database at "+missing) || !strings.Contains(errOut, "vitals import") {
			t.Errorf("%v on a missing database: %d %q", args, status, errOut)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%v created %s", args, missing)
		}
	}
	_, errOut, _ := runIn(t, dir, nil, "--config", cfg, "--db", dir, "show")
	if !strings.Contains(errOut, "is a folder") || !strings.Contains(errOut, filepath.Join(dir, "vitals.db")) {
		t.Errorf("--db naming a folder: %q", errOut)
	}
}
