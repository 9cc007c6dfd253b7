package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetKeepsTheRestOfTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	orig := "# my settings\nkeyring = false\n\n[display]\n# pounds for dad\nweight = \"kg\"\n\n[omron]\nclient_id = \"abc\" # from the portal\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ key, value string }{
		{"display.weight", "lb"},
		{"display.step_goal", "10000"},
		{"sync.interval", "45m"},
		{"keyring", "true"},
		{"omron.scopes", "bloodpressure,openid,offline_access"},
	} {
		if err := Set(path, step.key, step.value); err != nil {
			t.Fatalf("Set %s: %v", step.key, err)
		}
	}
	got, _ := os.ReadFile(path)
	want := "# my settings\nkeyring = true\n\n[display]\n# pounds for dad\nweight = \"lb\"\nstep_goal = 10000\n\n[omron]\nclient_id = \"abc\" # from the portal\n" +
		"scopes = [\"bloodpressure\", \"openid\", \"offline_access\"]\n\n[sync]\ninterval = \"45m0s\"\n"
	if string(got) != want {
		t.Errorf("file after Set:\n%s\nwant:\n%s", got, want)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Display.Weight != "lb" || c.Display.StepGoal != 10000 || c.Sync.Interval.Minutes() != 45 || !c.Keyring {
		t.Errorf("loaded %+v", c.Display)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

// TestSetFindsTheKeyHoweverItIsWritten: Set replaces the statement that
// sets a key, whatever TOML spelling the file uses, rather than adding a
// second one the file could not load with (FuzzConfigSet found these).
func TestSetFindsTheKeyHoweverItIsWritten(t *testing.T) {
	for _, tc := range []struct{ file, key, value, want string }{
		{"[omron] # the vendor\nclient_id = \"x\"\n", "omron.client_id", "y", "[omron] # the vendor\nclient_id = \"y\"\n"},
		{"omron.client_id = \"x\"\n", "omron.client_id", "y", "omron.client_id = \"y\"\n"},
		{"omron.client_id = \"x\"\n", "omron.client_secret", "s", "omron.client_id = \"x\"\nomron.client_secret = \"s\"\n"},
		{"\"keyring\" = false\n", "keyring", "true", "\"keyring\" = true\n"},
		{"[ \"omron\" ]\nclient_id = \"x\"\n", "omron.client_id", "y", "[ \"omron\" ]\nclient_id = \"y\"\n"},
		{"[omron]\nscopes = [\n  \"openid\",\n]\n# kept\nclient_id = \"x\"\n", "omron.scopes", "offline_access",
			"[omron]\nscopes = [\"offline_access\"]\n# kept\nclient_id = \"x\"\n"},
		{"[serve]\nnotify_secret = \"\"\"\n[omron]\"\"\"\n", "omron.client_id", "y", "[serve]\nnotify_secret = \"\"\"\n[omron]\"\"\"\n\n[omron]\nclient_id = \"y\"\n"},
	} {
		path := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Set(path, tc.key, tc.value); err != nil {
			t.Errorf("Set %s in %q: %v", tc.key, tc.file, err)
			continue
		}
		if got, _ := os.ReadFile(path); string(got) != tc.want {
			t.Errorf("Set %s in %q:\n%s\nwant\n%s", tc.key, tc.file, got, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte("omron = { client_id = \"x\" }\n"), 0o600)
	if err := Set(path, "omron.client_id", "y"); err == nil || !strings.Contains(err.Error(), "inline table") {
		t.Errorf("Set in an inline table: %v", err)
	}
}

// TestKeysAreCaseSensitive: the decoder fills a field from a key in any
// case, so two spellings of one key would race; a key in another case is
// refused by name.
func TestKeysAreCaseSensitive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte("[omron]\nclient_id = \"x\"\nClient_ID = \"y\"\n"), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), `unknown key "omron.Client_ID": keys are written in lower case`) {
		t.Errorf("Load: %v", err)
	}
}

func TestSetRefusesWithoutTouchingTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	orig := "[display]\nweight = \"kg\"\n"
	os.WriteFile(path, []byte(orig), 0o600)
	for _, tc := range []struct{ key, value, want string }{
		{"display.wieght", "lb", "unknown key"},
		{"display.weight", "stone", "display"},
		{"display.step_goal", "many", "want a whole number"},
		{"sync.interval", "10s", "want at least 1m"},
	} {
		err := Set(path, tc.key, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set %s=%s: %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != orig {
		t.Errorf("a refused Set changed the file:\n%s", got)
	}
}

func TestGetAndShowMaskSecrets(t *testing.T) {
	c := Default()
	c.Omron.ClientSecret = "very-secret-value"
	c.Serve.NotifySecret = "another-secret"
	if s, _ := c.Get("omron.client_secret", false); strings.Contains(s, "very-secret") {
		t.Errorf("Get shows the secret: %q", s)
	}
	if s, _ := c.Get("omron.client_secret", true); s != "very-secret-value" {
		t.Errorf("Get with reveal = %q", s)
	}
	if s, _ := c.Get("display.weight", false); s != "kg" {
		t.Errorf("Get display.weight = %q", s)
	}
	if _, err := c.Get("nope", false); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Get of an unknown key: %v", err)
	}
	show := c.Show()
	if strings.Contains(show, "very-secret") || strings.Contains(show, "another-secret") || !strings.Contains(show, "[display]") {
		t.Errorf("Show:\n%s", show)
	}
}

func TestUnknownEnvironmentVariables(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string // "" for accepted
	}{
		{[]string{"VITALS_DISPLAY_WEIGHT=lb", "VITALS_DB=/x", "VITALS_PROFILE=me", "VITALS_CONFIG=/c", "VITALS_TEST_POSTGRES=postgres://", "HOME=/root"}, ""},
		{[]string{"VITALS_DISPLAY_WEGHT=lb"}, "did you mean VITALS_DISPLAY_WEIGHT?"},
		{[]string{"VITALS_PROFLE=me"}, "did you mean VITALS_PROFILE?"},
		{[]string{"VITALS_SOMETHING_ELSE_ENTIRELY=1"}, "VITALS_<SECTION>_<KEY>"},
	} {
		err := checkEnv(tc.env)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUnknownKey)):
			t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
		}
	}
}
