package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"vitals/atomicfile"
	"vitals/providers"
)

// The variables that set the global flags rather than a key of the file.
const (
	EnvDB      = "VITALS_DB"      // --db
	EnvProfile = "VITALS_PROFILE" // --profile
	EnvConfig  = "VITALS_CONFIG"  // --config
	// EnvSecretKey is the token key itself, for hubs given it without a
	// key file (app.EnvSealKey reads it).
	EnvSecretKey = "VITALS_SECRET_KEY"
)

// envTestPrefix names variables the test suites read (such as
// VITALS_TEST_POSTGRES): not configuration, never refused.
const envTestPrefix = "VITALS_TEST_"

// ErrUnknownKey is a key the configuration does not have, in a file, the
// environment or on the command line.
var ErrUnknownKey = errors.New("unknown key")

// Keys lists every key as section.key (top-level keys bare), in the
// order of the file.
func Keys() []string {
	var out []string
	var c Config
	_ = walk(reflect.ValueOf(&c).Elem(), "", func(section, key string, _ reflect.Value) error {
		out = append(out, joinKey(section, key))
		return nil
	})
	return out
}

func joinKey(section, key string) string {
	if section == "" {
		return key
	}
	return section + "." + key
}

// IsSecret reports whether a key holds a secret, which is shown masked.
func IsSecret(key string) bool {
	return strings.HasSuffix(key, "secret") || strings.HasSuffix(key, "password") || strings.HasSuffix(key, "token")
}

// field finds the field of a key.
func (c *Config) field(key string) (reflect.Value, error) {
	var found reflect.Value
	_ = walk(reflect.ValueOf(c).Elem(), "", func(section, k string, f reflect.Value) error {
		if joinKey(section, k) == key {
			found = f
		}
		return nil
	})
	if !found.IsValid() {
		return found, fmt.Errorf("config: %w %q: see `vitals config show` for the keys", ErrUnknownKey, key)
	}
	return found, nil
}

// Get returns a key's value as text (a list joined by commas), masked
// when the key holds a secret unless reveal is set.
func (c Config) Get(key string, reveal bool) (string, error) {
	f, err := c.field(key)
	if err != nil {
		return "", err
	}
	s := valueText(f)
	if IsSecret(key) && !reveal {
		s = providers.MaskSecret(s)
	}
	return s, nil
}

func valueText(f reflect.Value) string {
	switch v := f.Interface().(type) {
	case []string:
		return strings.Join(v, ",")
	case Duration:
		return v.Duration.String()
	}
	return fmt.Sprint(f.Interface())
}

// Show writes the configuration as TOML, every key with its value, the
// secrets masked: for reading and for bug reports.
func (c Config) Show() string {
	masked := c
	_ = walk(reflect.ValueOf(&masked).Elem(), "", func(section, key string, f reflect.Value) error {
		if IsSecret(key) && f.Kind() == reflect.String {
			f.SetString(providers.MaskSecret(f.String()))
		}
		return nil
	})
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(masked); err != nil {
		return "# " + err.Error() + "\n"
	}
	return b.String()
}

// Set writes key = value into the file at path (creating it, 0600), then
// checks the result loads: a value that does not fit the key, or a
// configuration that would no longer load, is refused and the file is left
// as it was. The rest of the file, comments included, stays as written.
func Set(path, key, value string) error {
	var probe Config = Default()
	f, err := probe.field(key)
	if err != nil {
		return err
	}
	if err := setFromString(f, value); err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config: read %s: %w", path, err)
	}
	section, name, _ := strings.Cut(key, ".")
	if name == "" {
		section, name = "", key
	}
	line, err := tomlLine(name, f.Interface())
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	updated := setLine(string(old), section, name, line)
	// Check before writing: the new file must load as a whole.
	var c Config = Default()
	md, err := toml.Decode(updated, &c)
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, parseError(err))
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("config: %s: unknown key %q", path, und[0].String())
	}
	c.fillOmronURLs()
	if err := c.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: create folder for %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write([]byte(updated))
		return err
	})
}

// tomlLine writes `name = value` as TOML spells the value.
func tomlLine(name string, v any) (string, error) {
	if d, ok := v.(Duration); ok {
		v = d.Duration.String()
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(map[string]any{name: v}); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// setLine replaces the line of name in section (or adds it at the end of
// the section, or adds the section at the end of the file).
func setLine(file, section, name, line string) string {
	lines := strings.Split(strings.TrimRight(file, "\n"), "\n")
	if file == "" {
		lines = nil
	}
	cur, end := "", -1 // end: the index after the last line of the wanted section
	if section == "" {
		end = 0
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(t, "[] \t")
			continue
		}
		if cur != section {
			continue
		}
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == name && !strings.HasPrefix(t, "#") {
			lines[i] = line
			return strings.Join(lines, "\n") + "\n"
		}
		if t != "" {
			end = i + 1
		}
	}
	switch {
	case section == "":
		// Top-level keys go before the first section.
		at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "[") })
		if at < 0 {
			at = len(lines)
		}
		lines = slices.Insert(lines, at, line)
	case end >= 0:
		lines = slices.Insert(lines, end, line)
	default:
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, "["+section+"]", line)
	}
	return strings.Join(lines, "\n") + "\n"
}

// checkEnv refuses a VITALS_ variable that names no key, as an unknown
// key of the file is refused: a misspelt variable would otherwise be
// silently ignored.
func checkEnv(environ []string) error {
	known := map[string]bool{EnvDB: true, EnvProfile: true, EnvConfig: true, EnvSecretKey: true}
	for _, k := range Keys() {
		section, key, _ := strings.Cut(k, ".")
		if key == "" {
			section, key = "", k
		}
		known[EnvName(section, key)] = true
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "VITALS_") || strings.HasPrefix(name, envTestPrefix) || known[name] {
			continue
		}
		return fmt.Errorf("config: %w: the environment variable %s names no key: %s", ErrUnknownKey, name, envAdvice(name, known))
	}
	return nil
}

// envAdvice names the closest known variable.
func envAdvice(name string, known map[string]bool) string {
	best, bestD := "", len(name)
	for k := range known {
		if d := distance(name, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= 3 {
		return "did you mean " + best + "?"
	}
	return "variables are VITALS_<SECTION>_<KEY> for the keys `vitals config show` lists, and VITALS_DB, VITALS_PROFILE, VITALS_CONFIG"
}

// distance is the Levenshtein distance of two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
