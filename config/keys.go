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
	"vitals/sanitize"
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
	text, err := tomlValue(f.Interface())
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	updated, err := setLine(string(old), section, name, text)
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	// Check before writing: the new file must load as a whole.
	var c Config = Default()
	if err := decodeFile(updated, &c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
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

// tomlValue writes a value as TOML spells it.
func tomlValue(v any) (string, error) {
	if d, ok := v.(Duration); ok {
		v = d.Duration.String()
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(map[string]any{"k": v}); err != nil {
		return "", err
	}
	_, text, _ := strings.Cut(strings.TrimSpace(b.String()), " = ")
	return text, nil
}

// setLine sets section.name to value (TOML text) in file: where the
// file already sets it, however it spells the key (under its [section],
// dotted or quoted, a value over several lines), that statement is
// replaced; otherwise a line is added at the end of the section, before
// the first section for a top-level key, or in a new section at the end.
// The rest of the file, comments included, stays as it was. A section
// the file writes as an inline table is refused: a line cannot be added
// to it.
func setLine(file, section, name, value string) (string, error) {
	lines := strings.Split(strings.TrimRight(file, "\n"), "\n")
	if file == "" {
		lines = nil
	}
	want := []string{name}
	if section != "" {
		want = []string{section, name}
	}
	var (
		cur               []string // the table the lines are in
		inArray           bool     // an array of tables: not a section of ours
		firstHeader       = -1
		header, sectEnd   = false, -1 // [section] seen; the index after its last line
		dotted, inlineSec bool        // the section is set by dotted keys or inline at the top
	)
	for i := 0; i < len(lines); {
		t := strings.TrimSpace(lines[i])
		if t == "" || strings.HasPrefix(t, "#") {
			if header && slices.Equal(cur, []string{section}) && t != "" {
				sectEnd = i + 1
			}
			i++
			continue
		}
		if strings.HasPrefix(t, "[") {
			if firstHeader < 0 {
				firstHeader = i
			}
			cur, inArray = tableHeader(t)
			if !inArray && section != "" && slices.Equal(cur, []string{section}) {
				header, sectEnd = true, i+1
			}
			i++
			continue
		}
		end := valueEnd(lines, i)
		keyText, _, ok := strings.Cut(lines[i], "=")
		if path := keyPath(keyText); ok && path != nil && !inArray {
			full := append(slices.Clone(cur), path...)
			if slices.Equal(full, want) {
				lines = slices.Replace(lines, i, end, strings.TrimRight(keyText, " \t")+" = "+value)
				return strings.Join(lines, "\n") + "\n", nil
			}
			if len(cur) == 0 && section != "" && path[0] == section {
				dotted = dotted || len(path) > 1
				inlineSec = inlineSec || len(path) == 1
			}
			if header && slices.Equal(cur, []string{section}) {
				sectEnd = end
			}
		}
		i = end
	}
	line := name + " = " + value
	top := firstHeader
	if top < 0 {
		top = len(lines)
	}
	switch {
	case section == "":
		lines = slices.Insert(lines, top, line)
	case header:
		lines = slices.Insert(lines, sectEnd, line)
	case inlineSec:
		return "", fmt.Errorf("the file writes %s as an inline table (%s = { ... }): set %s there by hand, or write it as a [%s] section", section, section, name, section)
	case dotted:
		// The section is made of dotted keys at the top: a [section]
		// header after them would define it twice.
		lines = slices.Insert(lines, top, section+"."+line)
	default:
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, "["+section+"]", line)
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// valueEnd is the index after the last line of the key = value statement
// that starts at line i: the first run of lines that is valid TOML by
// itself, so that a multi-line string or array is taken whole.
func valueEnd(lines []string, i int) int {
	for j := i + 1; j <= len(lines); j++ {
		var m map[string]any
		if toml.Unmarshal([]byte(strings.Join(lines[i:j], "\n")), &m) == nil {
			return j
		}
	}
	return i + 1
}

// tableHeader reads a [table] or [[array]] header line.
func tableHeader(t string) (path []string, array bool) {
	array = strings.HasPrefix(t, "[[")
	var m map[string]any
	// The parser reads the header (quotes, spaces, a comment after it);
	// the table it defines is the one path of the result's nesting.
	if _, err := toml.Decode(t, &m); err != nil {
		return nil, array
	}
	for len(m) == 1 {
		var next map[string]any
		for k, v := range m {
			path = append(path, k)
			switch v := v.(type) {
			case map[string]any:
				next = v
			case []map[string]any:
				if len(v) == 1 {
					next = v[0]
				}
			}
		}
		m = next
	}
	return path, array
}

// keyPath reads a key as TOML spells it (dotted, bare or quoted parts)
// into its parts, nil when it is not a key.
func keyPath(text string) []string {
	var m map[string]any
	if _, err := toml.Decode(strings.TrimSpace(text)+" = 0", &m); err != nil {
		return nil
	}
	var path []string
	for len(m) == 1 {
		var next map[string]any
		for k, v := range m {
			path = append(path, k)
			next, _ = v.(map[string]any)
		}
		if next == nil {
			return path
		}
		m = next
	}
	return nil
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
		// The name is the environment's: escaped, so that it cannot
		// drive the terminal that shows the error.
		return fmt.Errorf("config: %w: the environment variable %s names no key: %s", ErrUnknownKey, sanitize.Line(name), envAdvice(name, known))
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
