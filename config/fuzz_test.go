package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"vitals/config"
	"vitals/sandbox"
)

// fuzzSecret stands for "$SECRET" where a seed writes a secret's value.
const fuzzSecret = "Zq8xSecRetVw3k"

// secretLine matches a line that sets a secret key: a placeholder on it
// is a secret's value. Elsewhere (a section, a key, another key's value)
// it is left as written: a message may name a key, and may quote the
// value of a key that holds no secret.
var secretLine = regexp.MustCompile(`(?i)^\s*["']?[a-z_.]*(secret|password|token)["']?\s*=`)

func expandSecret(doc string) string {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if secretLine.MatchString(l) {
			lines[i] = strings.ReplaceAll(l, "$SECRET", fuzzSecret)
		}
	}
	return strings.Join(lines, "\n")
}

// leaks reports whether s repeats any six characters of the secret.
func leaks(s string) bool {
	for i := 0; i+6 <= len(fuzzSecret); i++ {
		if strings.Contains(s, fuzzSecret[i:i+6]) {
			return true
		}
	}
	return false
}

// isolate keeps the process's VITALS_ variables out of a target, and
// gives it a folder for its files.
func isolate(f *testing.F) string {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "VITALS_") {
			f.Setenv(name, "") // restored after the target
			os.Unsetenv(name)
		}
	}
	return f.TempDir()
}

// realFiles are configuration files as vitals writes them: the defaults,
// and what `vitals sandbox --write-config` writes, with the sandbox's
// client secrets as $SECRET.
func realFiles(f *testing.F, dir string) []string {
	var out []string
	for _, c := range []config.Config{config.Default(), sandbox.ConfigFor("http://127.0.0.1:8700", "")} {
		path := filepath.Join(dir, "seed.toml")
		if err := config.Write(path, c); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, strings.NewReplacer(sandbox.ClientSecret, "$SECRET", sandbox.OneUpClientSecret, "$SECRET").Replace(string(b)))
	}
	return out
}

// handWritten are files as people write them, mistakes included.
var handWritten = []string{
	"# my settings\nkeyring = false\n\n[display]\n# pounds for dad\nweight = \"lb\"\n\n[omron]\nclient_id = \"abc\" # from the portal\nclient_secret = \"$SECRET\"\n",
	"[omron]\nclient_id = \"aviato-api\"\nclient_secret = $SECRET\n",
	"[omron]\nclient_secret = \"$SECRET\n",
	"[omron]\nclient_secret = '$SECRET'\nclient_secret = \"$SECRET\"\n",
	"[serve]\nnotify_secret = \"\"\"\n$SECRET\"\"\"\n",
	"[serve]\nnotify_secret = \"$SECRET\" extra\n",
	"[oneup]\nclient_secret = \"$SECRET\\q\"\n",
	"omron.client_secret = \"$SECRET\"\n[display]\nstep_goal = 0\n",
	"[omron]\nenvironment = \"prod\"\nclient_secret = \"$SECRET\"\n",
	"[omron]\nclient_secret = 123456789012345678901\n",
	"[sync]\ninterval = \"soon\"\n[serve]\nnotify_secret = \"$SECRET\"\n",
	"[omron]\nscopes = []\nclient_secret = \"$SECRET\"\n",
	"[omron] # the vendor\nclient_id = \"x\"\n",
	"\"keyring\" = false\n[omron]\n\"client_id\" = \"x\"\n",
	"[display]\nweight = \"kg\"\r\n[sync]\r\njitter = \"0s\"\r\n",
	"[omron]\nclient_id = \"x\"\nClient_ID = \"y\"\n", // one field twice: which wins is chance
	"[display]\nweight = \"lb\"\nstep_goal = 9000\n[omron]\nscopes = [\n  \"bloodpressure\",\n  \"offline_access\", # needed to refresh\n]\n[serve]\nnotify_secret = \"\"\"\n[omron]\n$SECRET\"\"\"\n",
	"omron = { client_id = \"x\", client_secret = \"$SECRET\" }\n",
	"[oneup]\nclient_secret = \"$SECRET\"\nfhir_url = \"https://api.1up.health/fhir/r4\"\n[serve]\nnotify_rate = 9223372036854775807\n",
}

// comparable is a configuration without where it came from.
func comparable(c config.Config) config.Config {
	c.Path, c.Warnings = "", nil
	return c
}

// FuzzConfigFile: whatever a configuration file holds, Load gives a
// configuration or an error that quotes no secret's value nor a control
// character (nor do its warnings, Show, or any fmt verb); and what loads,
// written as Write writes it and read again, is the same configuration.
// It reads the text as Load reads a file's (Parse), without the file:
// thousands a second, so that minimizing a long seed takes seconds, not
// the whole run. FuzzConfigEnv goes through real files.
func FuzzConfigFile(f *testing.F) {
	dir := isolate(f)
	for _, doc := range append(realFiles(f, dir), handWritten...) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := config.Parse([]byte(expandSecret(doc)))
		if err != nil {
			if leaks(err.Error()) || strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("the error quotes the secret or a control character: %q", err)
			}
			return
		}
		shown := append(c.Warnings, c.Show())
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			shown = append(shown, fmt.Sprintf(verb, c))
		}
		for _, s := range shown {
			if leaks(s) {
				t.Fatalf("the secret shows: %s", s)
			}
		}
		text, err := config.Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := config.Parse(text)
		if err != nil {
			t.Fatalf("a written configuration does not load: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(comparable(c), comparable(back)) {
			t.Fatalf("written and loaded again:\n%s\nwas\n%s", comparable(back).Show(), comparable(c).Show())
		}
	})
}

// envSecret reports whether a variable holds a secret.
func envSecret(name string) bool {
	return strings.HasSuffix(name, "SECRET") || strings.HasSuffix(name, "PASSWORD") || strings.HasSuffix(name, "TOKEN")
}

// envKeys maps each VITALS_ variable to its key.
var envKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range config.Keys() {
		section, key, ok := strings.Cut(k, ".")
		if !ok {
			section, key = "", k
		}
		m[config.EnvName(section, key)] = k
	}
	return m
}()

// FuzzConfigEnv: whatever VITALS_ variables say, Load takes each known
// one as its key's value (text as it is; a switch, a number, a duration
// or a list as read the usual way), refuses an unknown one or a value of
// the wrong kind by the variable's name, and never quotes a secret; what
// loads, written and loaded again without the variables, is the same.
func FuzzConfigEnv(f *testing.F) {
	dir := isolate(f)
	f.Add("VITALS_OMRON_CLIENT_ID=aviato-api\nVITALS_OMRON_CLIENT_SECRET=$SECRET\nVITALS_OMRON_REDIRECT_URL=https://example.aviato.com/oauth")
	f.Add("VITALS_OMRON_ENVIRONMENT=production\nVITALS_OMRON_SCOPES=bloodpressure activity weight temperature oxygen openid offline_access")
	f.Add("VITALS_ONEUP_CLIENT_SECRET=$SECRET\nVITALS_ONEUP_FHIR_URL=https://api.1up.health/fhir/r4\nVITALS_ONEUP_TOKEN_URL=https://api.1up.health/fhir/oauth2/token")
	f.Add("VITALS_SYNC_INTERVAL=45m\nVITALS_SYNC_JITTER=0s\nVITALS_SYNC_NOTIFICATIONS=1\nVITALS_KEYRING=F")
	f.Add("VITALS_DISPLAY_STEP_GOAL=+9000\nVITALS_DISPLAY_RULEBOOK=esh2023\nVITALS_SERVE_NOTIFY_BURST=0")
	f.Add("VITALS_SERVE_NOTIFY_SECRET=$SECRET\nVITALS_SERVE_NOTIFY_PATH=/omron/notify\nVITALS_SERVE_NOTIFY_RATE=many")
	f.Add("VITALS_OMRON_CLIENT_SECRETS=$SECRET")
	f.Add("VITALS_OMRON_SCOPES=\nVITALS_DB=/tmp/x.db\nVITALS_PROFILE=dad\nVITALS_TEST_POSTGRES=postgres://x")
	f.Add("VITALS_SYNC_REQUEST_TIMEOUT=-1s\nVITALS_OMRON_CLIENT_SECRET=$SECRET")
	f.Add("VITALS_OMRON_CLIENT_SECRET=$SECRET\xff")     // not UTF-8: could not be written back
	f.Add("VITALS_\x1b[2J=1\nVITALS_OMRON_CLIENT_ID=x") // a name that would drive the terminal
	path, again := filepath.Join(dir, "none.toml"), filepath.Join(dir, "written.toml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, blob string) {
		vars := map[string]string{}
		for _, line := range strings.Split(blob, "\n") {
			name, value, _ := strings.Cut(line, "=")
			// Only VITALS_ variables: the rest of the environment
			// (PATH, HOME, GODEBUG) is not the target's to change.
			if !strings.HasPrefix(name, "VITALS_") || strings.ContainsAny(name, "=\x00") || strings.Contains(value, "\x00") {
				continue
			}
			if envSecret(name) {
				value = strings.ReplaceAll(value, "$SECRET", fuzzSecret)
			}
			vars[name] = value
		}
		for name, value := range vars {
			t.Setenv(name, value)
		}
		c, err := config.Load(path)
		if err != nil {
			if leaks(err.Error()) || strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("the error quotes the secret or a control character: %q", err)
			}
			if !strings.Contains(err.Error(), "VITALS_") && !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("the error does not say where to look: %v", err)
			}
			for name := range vars {
				if _, known := envKeys[name]; !known && name != config.EnvDB && name != config.EnvProfile && name != config.EnvConfig && !strings.HasPrefix(name, "VITALS_TEST_") {
					return // an unknown variable is refused
				}
			}
			// Every variable names a key: the refusal is a value's.
			return
		}
		for name, value := range vars {
			key, ok := envKeys[name]
			if !ok {
				if name != config.EnvDB && name != config.EnvProfile && name != config.EnvConfig && !strings.HasPrefix(name, "VITALS_TEST_") {
					t.Fatalf("unknown variable %s taken", name)
				}
				continue
			}
			got, err := c.Get(key, true)
			if err != nil {
				t.Fatal(err)
			}
			if want, ok := asRead(key, value); !ok || got != want {
				t.Fatalf("%s=%q: %s is %q, want %q", name, value, key, got, want)
			}
		}
		if err := config.Write(again, c); err != nil {
			t.Fatal(err)
		}
		for name := range vars {
			os.Unsetenv(name) // restored by Setenv's cleanup
		}
		back, err := config.Load(again)
		if err != nil {
			t.Fatalf("a written configuration does not load: %v", err)
		}
		if !reflect.DeepEqual(comparable(c), comparable(back)) {
			t.Fatalf("written and loaded again:\n%s\nwas\n%s", comparable(back).Show(), comparable(c).Show())
		}
	})
}

// asRead is how a value set from text reads back with Get, by the kind
// of the key (what it takes tells): false when the text is not of that
// kind.
func asRead(key, value string) (string, bool) {
	takes := func(v string) bool {
		probe := config.Default()
		return config.SetKey(&probe, key, v) == nil
	}
	switch {
	case takes("x") && strings.HasSuffix(key, "scopes"):
		return strings.Join(strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' }), ","), true
	case takes("x"):
		return value, true
	case takes("true"):
		b, err := strconv.ParseBool(value)
		return strconv.FormatBool(b), err == nil
	case takes("7"):
		n, err := strconv.Atoi(value)
		return strconv.Itoa(n), err == nil
	}
	d, err := time.ParseDuration(value)
	return d.String(), err == nil
}

// multiLine finds a value written over several lines: an array left open
// at the end of a line, or a multi-line string.
var multiLine = regexp.MustCompile(`\[\s*(#.*)?\r?\n|"""|'''`)

// FuzzConfigSet: `vitals config set KEY VALUE` on any file that loads
// sets that key to the value and nothing else, keeping the file's own
// text (comments included); it refuses only a value that does not fit
// the key, a configuration that would not load, or a section the file
// writes inline, and then leaves the file as it was. A refusal quotes no
// secret.
func FuzzConfigSet(f *testing.F) {
	dir := isolate(f)
	keys := config.Keys()
	values := []string{"$SECRET", "lb", "10000", "45m", "true", "bloodpressure,openid,offline_access", "production", "https://example.aviato.com/oauth", ""}
	for i, doc := range append(realFiles(f, dir), handWritten...) {
		f.Add(doc, uint8(i), values[i%len(values)])
	}
	f.Add("[omron] # the vendor\nclient_id = \"x\"\n", uint8(slices.Index(keys, "omron.client_id")), "y")
	f.Add("omron.client_id = \"x\"\n", uint8(slices.Index(keys, "omron.client_id")), "y")
	f.Add("\"keyring\" = false\n", uint8(slices.Index(keys, "keyring")), "true")
	f.Add("[omron]\nclient_secret = \"\"\n", uint8(slices.Index(keys, "omron.client_secret")), "$SECRET")
	path := filepath.Join(dir, "config.toml")
	// The URLs each Omron environment fills in, by key.
	filled := map[string]map[string]string{}
	for _, env := range []string{config.OmronStaging, config.OmronProduction} {
		if err := os.WriteFile(path, []byte("[omron]\nenvironment = \""+env+"\"\n"), 0o600); err != nil {
			f.Fatal(err)
		}
		c, err := config.Load(path)
		if err != nil {
			f.Fatal(err)
		}
		filled[env] = map[string]string{}
		for _, k := range []string{"omron.authorize_url", "omron.token_url", "omron.api_url", "omron.revoke_url"} {
			filled[env][k], _ = c.Get(k, true)
		}
	}
	f.Fuzz(func(t *testing.T, doc string, k uint8, value string) {
		key := keys[int(k)%len(keys)]
		if config.IsSecret(key) {
			value = strings.ReplaceAll(value, "$SECRET", fuzzSecret)
		}
		file := expandSecret(doc)
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		before, err := config.Load(path)
		if err != nil {
			return // Set is for files that load
		}
		// What the file would say with the key set, written whole. The
		// Omron URLs the file leaves to its environment follow it.
		want := comparable(before)
		if key == "omron.environment" {
			for k, v := range filled[before.Omron.Environment] {
				if got, _ := before.Get(k, true); got == v {
					config.SetKey(&want, k, "")
				}
			}
		}
		fits := config.SetKey(&want, key, value) == nil
		valid := false
		if fits {
			tmp := filepath.Join(dir, "want.toml")
			if err := config.Write(tmp, want); err != nil {
				t.Fatal(err)
			}
			w, err := config.Load(tmp)
			valid = err == nil
			want = comparable(w)
		}

		err = config.Set(path, key, value)
		if err != nil {
			if leaks(err.Error()) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
			// A section written inline is refused by name: a line
			// cannot be added to it.
			if valid && !strings.Contains(err.Error(), "inline table") {
				t.Fatalf("set %s = %q in\n%s\nrefused: %v", key, value, file, err)
			}
			if b, _ := os.ReadFile(path); string(b) != file {
				t.Fatalf("a refused set changed the file to\n%s", b)
			}
			return
		}
		if !valid {
			t.Fatalf("set %s = %q taken, but the result should not load", key, value)
		}
		after, err := config.Load(path)
		if err != nil {
			t.Fatalf("set %s = %q: the file no longer loads: %v", key, value, err)
		}
		if !reflect.DeepEqual(comparable(after), want) {
			t.Fatalf("set %s = %q in\n%s\ngave\n%s\nwant\n%s", key, value, file, comparable(after).Show(), want.Show())
		}
		// Comments outside the statement replaced stay. (A comment
		// inside a value written over several lines goes with it.)
		b, _ := os.ReadFile(path)
		if multiLine.MatchString(file) {
			return
		}
		for _, l := range strings.Split(file, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.Contains(string(b), l) {
				t.Fatalf("set %s dropped the comment %q", key, l)
			}
		}
	})
}
