// Package config reads vitals' configuration: a TOML file (by default
// $XDG_CONFIG_HOME/vitals/config.toml) with environment overrides named
// VITALS_<SECTION>_<KEY>, e.g. VITALS_OMRON_CLIENT_ID.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/adrg/xdg"

	"vitals/health"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/sanitize"
)

// Config is the whole configuration.
type Config struct {
	// Keyring keeps OAuth tokens in the OS keyring when one answers.
	Keyring bool `toml:"keyring"`
	// Omron and OneUp are the vendor clients' own configurations: each
	// client package defines what it needs, and this package reads it.
	Omron   omron.Config `toml:"omron"`
	OneUp   oneup.Config `toml:"oneup"`
	Sync    Sync         `toml:"sync"`
	Display Display      `toml:"display"`
	Serve   Serve        `toml:"serve"`

	// Path is the file the configuration was read from ("" when none).
	Path string `toml:"-"`
	// Warnings are problems that do not stop vitals, such as a file with
	// a client secret that others can read.
	Warnings []string `toml:"-"`
}

// Sync is the background engine's schedule.
type Sync struct {
	Interval Duration `toml:"interval"` // between scheduled syncs
	Jitter   Duration `toml:"jitter"`   // up to this much is added to each wait, so clients do not sync in step
	// Notifications, when true, means Omron notifies `vitals serve` of new
	// data: scheduled syncs then skip Omron, which is fetched on each
	// notification and once a day to catch up on lost ones.
	Notifications bool     `toml:"notifications"`
	CatchUp       Duration `toml:"catch_up"` // the catch-up pull's period
	// RequestTimeout bounds one request to a provider, so that a server
	// that stops answering costs a retry, not a stuck sync.
	RequestTimeout Duration `toml:"request_timeout"`
}

// Display holds how readings are shown.
type Display struct {
	Weight      string `toml:"weight"`      // kg or lb
	Temperature string `toml:"temperature"` // C or F
	Distance    string `toml:"distance"`    // km or mi
	Rulebook    string `toml:"rulebook"`    // aha2025 or esh2023
	StepGoal    int    `toml:"step_goal"`
	QuietDays   int    `toml:"quiet_days"` // a source with no data for this many days is flagged
}

// Serve is the headless server's notification endpoint.
type Serve struct {
	Listen     string `toml:"listen"`
	NotifyPath string `toml:"notify_path"`
	// NotifySecret, when set, must be given as the last path element or in
	// the X-Vitals-Secret header: the vendor does not sign its requests.
	NotifySecret string `toml:"notify_secret"`
	// NotifyRate and NotifyBurst are each sender's token bucket at the
	// notification endpoint: requests a second, and how many at once.
	// Past it a sender is answered 429 with Retry-After.
	NotifyRate  int `toml:"notify_rate"`
	NotifyBurst int `toml:"notify_burst"`
	// PublicURL is where patients reach the hub (behind its TLS proxy):
	// enrollment links and the OAuth callbacks are made from it. Empty:
	// no enrollment pages.
	PublicURL string `toml:"public_url"`
	// Clinic names the practice on the enrollment pages (default: the
	// public URL's host).
	Clinic string `toml:"clinic"`
}

// Duration is a time.Duration written as "30m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText reads "30m", "1h30m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as 30m or 1h: %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as "30m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// The vendors' hosts.
const (
	OmronStaging    = "staging"
	OmronProduction = "production"
)

// Default returns the configuration used when no file exists.
func Default() Config {
	return Config{
		Keyring: true,
		Omron: omron.Config{
			Environment: OmronStaging,
			RedirectURL: "http://127.0.0.1:53682/callback",
			Scopes:      []string{"bloodpressure", "activity", "weight", "temperature", "oxygen", "openid", "offline_access"},
		},
		OneUp: oneup.Config{
			APIURL:      "https://api.1up.health",
			FHIRURL:     "https://api.1up.health/r4",
			TokenURL:    "https://auth.1up.health/oauth2/token",
			RedirectURL: "http://127.0.0.1:53683/callback",
		},
		Sync: Sync{
			Interval: Duration{30 * time.Minute},
			Jitter:   Duration{3 * time.Minute},
			CatchUp:  Duration{24 * time.Hour},

			RequestTimeout: Duration{30 * time.Second},
		},
		Display: Display{Weight: "kg", Temperature: "C", Distance: "km", Rulebook: "aha2025", StepGoal: 8000, QuietDays: 7},
		Serve:   Serve{Listen: "127.0.0.1:8080", NotifyPath: "/omron/notify", NotifyRate: 5, NotifyBurst: 20},
	}
}

// DefaultPath is $XDG_CONFIG_HOME/vitals/config.toml.
func DefaultPath() string { return filepath.Join(xdg.ConfigHome, "vitals", "config.toml") }

// DefaultDBPath is $XDG_DATA_HOME/vitals/vitals.db.
func DefaultDBPath() string { return filepath.Join(xdg.DataHome, "vitals", "vitals.db") }

// Load reads the file at path (the default path when ""), then the
// environment. A missing default file is not an error; a missing file that
// was asked for is. Unknown keys are errors that name the key.
func Load(path string) (Config, error) {
	c := Default()
	explicit := path != ""
	if !explicit {
		path = DefaultPath()
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		path = ""
	case err != nil:
		return c, fmt.Errorf("config: read %s: %w", path, err)
	default:
		if err := decodeFile(string(data), &c); err != nil {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
		c.Path = path
		if (c.Omron.ClientSecret != "" || c.OneUp.ClientSecret != "") && othersCanRead(path) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s holds a client secret and others can read it: run chmod 600 %s", path, path))
		}
	}
	return c, c.finish()
}

// finish is the part of Load after the file: the environment over what
// the file said, the vendor's URLs filled in, and the checks.
func (c *Config) finish() error {
	if err := checkEnv(os.Environ()); err != nil {
		return err
	}
	if err := c.applyEnv(os.LookupEnv); err != nil {
		return err
	}
	c.fillOmronURLs()
	return c.check()
}

// decodeFile reads a configuration file's text over c. A key the
// configuration does not have is an error that names it, and so is a key
// written in another case: TOML keys are case-sensitive, but the decoder
// fills a field from a key in any case, so "Client_id" and "client_id"
// in one file would both set one field, whichever it read last winning.
func decodeFile(text string, c *Config) error {
	md, err := toml.Decode(text, c)
	if err != nil {
		return parseError(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("unknown key %q: %s", und[0].String(), knownKeys(und[0]))
	}
	known := map[string]bool{}
	for _, k := range Keys() {
		known[k] = true
		if section, _, ok := strings.Cut(k, "."); ok {
			known[section] = true
		}
	}
	for _, k := range md.Keys() {
		if name := k.String(); !known[name] {
			return fmt.Errorf("unknown key %q: keys are written in lower case, like %s", name, strings.ToLower(name))
		}
	}
	return nil
}

// ErrSyntax is a configuration file that is not valid TOML.
var ErrSyntax = errors.New("not valid TOML")

// parseError says where a file is not valid TOML and what kind of mistake
// it is, without the parser's own message: that message quotes the text
// it choked on, and the text may be a client secret written without
// quotes. The last key the parser read is not named either: after some
// mistakes it is a key of an earlier line.
func parseError(err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		// A value of the wrong type for its key: the message names the
		// key and the types, never the value.
		return fmt.Errorf("%w: %s", ErrSyntax, sanitize.Line(strings.TrimPrefix(err.Error(), "toml: ")))
	}
	what := "a value is not valid TOML: text goes in double quotes, like client_id = \"abc\""
	switch m := pe.Message; {
	case strings.Contains(m, "end with a newline"), strings.Contains(m, "top-level item"):
		what = "a line goes on after its value: put one key = value on each line, and text in double quotes"
	case strings.Contains(m, "newline"):
		what = "a string is not closed on its line: end it with the quote it began with"
	case strings.Contains(m, "escape"):
		what = "a string holds an invalid backslash escape: write \\\\ for a backslash, or use single quotes"
	case strings.Contains(m, "out of range"):
		what = "a number is out of range"
	case strings.Contains(m, "incompatible types"), strings.Contains(m, "type"):
		what = "a value has the wrong type: quote text, write true or false for switches, and durations as \"30m\""
	case strings.Contains(m, "duplicate"), strings.Contains(m, "already been defined"):
		what = "a key or section is given twice"
	}
	return fmt.Errorf("%w at line %d, column %d: %s", ErrSyntax, pe.Position.Line, pe.Position.Col, what)
}

// knownKeys says which keys could have been meant by an unknown one: the
// keys of its section, or the sections and top-level keys.
func knownKeys(unknown toml.Key) string {
	bySection := map[string][]string{}
	var c Config
	_ = walk(reflect.ValueOf(&c).Elem(), "", func(section, key string, _ reflect.Value) error {
		bySection[section] = append(bySection[section], key)
		return nil
	})
	if len(unknown) > 1 {
		if keys, ok := bySection[unknown[0]]; ok {
			return fmt.Sprintf("[%s] takes %s", unknown[0], strings.Join(keys, ", "))
		}
	}
	var sections []string
	for name := range bySection {
		if name != "" {
			sections = append(sections, "["+name+"]")
		}
	}
	slices.Sort(sections)
	return fmt.Sprintf("the top level takes %s and the sections %s", strings.Join(bySection[""], ", "), strings.Join(sections, ", "))
}

func othersCanRead(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o077 != 0
}

// EnvName is the environment variable that overrides a key, e.g.
// EnvName("omron", "client_id") is VITALS_OMRON_CLIENT_ID.
func EnvName(section, key string) string {
	if section == "" {
		return "VITALS_" + strings.ToUpper(key)
	}
	return "VITALS_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
}

// applyEnv overrides every key that has an environment variable set. It
// walks the struct by its toml tags, so a new key gets its variable without
// being listed twice.
func (c *Config) applyEnv(lookup func(string) (string, bool)) error {
	return walk(reflect.ValueOf(c).Elem(), "", func(section, key string, f reflect.Value) error {
		name := EnvName(section, key)
		s, ok := lookup(name)
		if !ok {
			return nil
		}
		// TOML holds only UTF-8: taken as it is, such a value could not
		// be written back (Write). Not quoted: it may be a secret.
		if !utf8.ValidString(s) {
			return fmt.Errorf("config: %s is not UTF-8 text: set it again as plain text", name)
		}
		if err := setFromString(f, s); err != nil {
			return fmt.Errorf("config: %s=%q: %w", name, s, err)
		}
		return nil
	})
}

// walk calls fn for every settable key, with its section ("" at the top).
func walk(v reflect.Value, section string, fn func(section, key string, f reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("toml")
		if tag == "" || tag == "-" {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(Duration{}) {
			if err := walk(f, tag, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(section, tag, f); err != nil {
			return err
		}
	}
	return nil
}

func setFromString(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(s)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("want a whole number")
		}
		f.SetInt(int64(n))
	case []string:
		f.Set(reflect.ValueOf(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })))
	case Duration:
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err != nil {
			return err
		}
		f.Set(reflect.ValueOf(d))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// fillOmronURLs fills in the vendor's URLs for the environment, leaving
// any URL the file or environment gave.
func (c *Config) fillOmronURLs() {
	o := &c.Omron
	var auth, base string
	switch o.Environment {
	case OmronStaging:
		auth, base = "https://stg-oauth-website.ohiomron.com", "https://stg-oauth.ohiomron.com/stg"
	case OmronProduction:
		auth, base = "https://prd-oauth-website.ohiomron.com", "https://prd-oauth.ohiomron.com/prd"
	default:
		return // check reports it
	}
	fill := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	fill(&o.AuthorizeURL, auth+"/connect/authorize")
	fill(&o.TokenURL, base+"/connect/token")
	fill(&o.APIURL, base+"/api/measurement")
	fill(&o.RevokeURL, base+"/connect/revocation")
}

// where tells a person how to set a key.
func (c Config) where(section, key string) string {
	file := c.Path
	if file == "" {
		file = DefaultPath()
	}
	return fmt.Sprintf("put %s under [%s] in %s, or set %s", key, section, file, EnvName(section, key))
}

// check validates what every command relies on. Provider credentials are
// checked only when a provider is used (see OmronReady, OneUpReady).
func (c Config) check() error {
	if c.Omron.Environment != OmronStaging && c.Omron.Environment != OmronProduction {
		return fmt.Errorf("config: omron.environment %q: want staging or production", c.Omron.Environment)
	}
	if _, err := c.Units(); err != nil {
		return fmt.Errorf("config: display: %w", err)
	}
	if _, err := health.ParseRulebook(c.Display.Rulebook); err != nil {
		return fmt.Errorf("config: display.%w", err)
	}
	if c.Display.StepGoal <= 0 || c.Display.StepGoal > 100000 {
		return fmt.Errorf("config: display.step_goal %d: want 1 to 100000", c.Display.StepGoal)
	}
	if c.Display.QuietDays <= 0 {
		return fmt.Errorf("config: display.quiet_days %d: want at least 1", c.Display.QuietDays)
	}
	if c.Sync.Interval.Duration < time.Minute {
		return fmt.Errorf("config: sync.interval %s: want at least 1m", c.Sync.Interval)
	}
	if c.Sync.RequestTimeout.Duration <= 0 {
		return fmt.Errorf("config: sync.request_timeout %s: want a positive duration such as 30s", c.Sync.RequestTimeout)
	}
	if c.Sync.Jitter.Duration < 0 {
		return fmt.Errorf("config: sync.jitter %s: must not be negative", c.Sync.Jitter)
	}
	if !strings.HasPrefix(c.Serve.NotifyPath, "/") {
		return fmt.Errorf("config: serve.notify_path %q: must start with /", c.Serve.NotifyPath)
	}
	if c.Serve.NotifyRate < 1 {
		return fmt.Errorf("config: serve.notify_rate %d: want at least 1 request a second: %s", c.Serve.NotifyRate, c.where("serve", "notify_rate"))
	}
	if c.Serve.NotifyBurst < 1 {
		return fmt.Errorf("config: serve.notify_burst %d: want at least 1: %s", c.Serve.NotifyBurst, c.where("serve", "notify_burst"))
	}
	return nil
}

// OmronReady reports what is missing or wrong for talking to Omron.
func (c Config) OmronReady() error {
	o := c.Omron
	req := []struct{ key, v string }{{"client_id", o.ClientID}, {"client_secret", o.ClientSecret}}
	for _, r := range req {
		if r.v == "" {
			return fmt.Errorf("config: omron.%s is not set: %s (try `vitals sandbox --write-config` for a local test server)", r.key, c.where("omron", r.key))
		}
	}
	for _, r := range []struct{ key, v string }{{"authorize_url", o.AuthorizeURL}, {"token_url", o.TokenURL}, {"api_url", o.APIURL}, {"redirect_url", o.RedirectURL}} {
		if err := checkURL(r.v); err != nil {
			return fmt.Errorf("config: omron.%s %q: %v: %s", r.key, r.v, err, c.where("omron", r.key))
		}
	}
	if o.RevokeURL != "" {
		if err := checkURL(o.RevokeURL); err != nil {
			return fmt.Errorf("config: omron.revoke_url %q: %v", o.RevokeURL, err)
		}
	}
	if !slices.Contains(o.Scopes, "offline_access") {
		return fmt.Errorf("config: omron.scopes must include offline_access, or tokens cannot refresh: %s", c.where("omron", "scopes"))
	}
	return nil
}

// OneUpReady reports what is missing or wrong for talking to 1upHealth.
func (c Config) OneUpReady() error {
	o := c.OneUp
	for _, r := range []struct{ key, v string }{{"client_id", o.ClientID}, {"client_secret", o.ClientSecret}} {
		if r.v == "" {
			return fmt.Errorf("config: oneup.%s is not set: %s (try `vitals sandbox --write-config` for a local test server)", r.key, c.where("oneup", r.key))
		}
	}
	for _, r := range []struct{ key, v string }{{"api_url", o.APIURL}, {"fhir_url", o.FHIRURL}, {"token_url", o.TokenURL}, {"redirect_url", o.RedirectURL}} {
		if err := checkURL(r.v); err != nil {
			return fmt.Errorf("config: oneup.%s %q: %v: %s", r.key, r.v, err, c.where("oneup", r.key))
		}
	}
	return nil
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("is not set")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an http(s) URL")
	}
	return nil
}

// Units are the display units.
func (c Config) Units() (health.Units, error) {
	return health.ParseUnits(c.Display.Weight, c.Display.Temperature, c.Display.Distance)
}

// Rulebook is the chosen blood-pressure rulebook.
func (c Config) Rulebook() health.Rulebook {
	r, _ := health.ParseRulebook(c.Display.Rulebook) // check validated it
	return r
}

// Write saves c as TOML at path, readable by its owner only (it may hold
// client secrets), through a temporary file and a rename.
func Write(path string, c Config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: create folder for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.toml")
	if err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := encode(tmp, c); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return nil
}

// encode writes c as Write's file holds it.
func encode(w io.Writer, c Config) error {
	if _, err := fmt.Fprintln(w, "# vitals configuration. Every key can also be set as VITALS_<SECTION>_<KEY>."); err != nil {
		return err
	}
	return toml.NewEncoder(w).Encode(c)
}
