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
