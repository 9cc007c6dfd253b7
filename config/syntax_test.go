package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A configuration that is not valid TOML is named by line and column and
// the kind of mistake, and never quotes what the parser choked on: that
// may be a client secret written without quotes.
func TestSyntaxErrorsQuoteNoSecret(t *testing.T) {
	const secret = "s3cr3tVALUE"
	for _, tc := range []struct {
		name, value, want string
	}{
		{"unquoted", secret, "line 3, column 17: a value is not valid TOML"},
		{"unclosed", `"` + secret, "a string is not closed"},
		{"bad escape", `"` + secret + `\q"`, "invalid backslash escape"},
		{"starts with digits", "12" + secret, "a line goes on after its value"},
		{"huge number", "123456789012345678901" + secret, "line 3"},
		{"hex-like", "0x" + secret, "line 3"},
		{"truncated keyword", "tru" + secret, "line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			body := "[omron]\nclient_id = \"abc\"\nclient_secret = " + tc.value + "\n"
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Load: %v, want ErrSyntax", err)
			}
			msg := err.Error()
			for i := 3; i <= len(secret); i++ {
				if strings.Contains(msg, secret[:i]) || strings.Contains(msg, secret[len(secret)-i:]) {
					t.Fatalf("the error quotes part of the secret (%q): %s", secret[:i], msg)
				}
			}
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, path) {
				t.Errorf("error %q: want the file and %q", msg, tc.want)
			}
		})
	}
}
