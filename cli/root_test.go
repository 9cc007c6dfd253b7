package cli

import (
	"context"
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
