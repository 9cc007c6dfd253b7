package app

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitals/seal"
)

// VITALS_SECRET_KEY is the key file's content, one key a line or
// separated by commas or spaces, the sealing key first.
func TestEnvSealKey(t *testing.T) {
	newKey, _ := seal.NewKey()
	oldKey, _ := seal.NewKey()
	both, _ := seal.Parse([]byte(newKey + "\n" + oldKey))
	old, _ := seal.Parse([]byte(oldKey))
	sealedOld, err := old.Seal([]byte("token"), []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, value string
		ok          bool // a keyring is given
		wantErr     bool
	}{
		{"unset", "", false, false},
		{"commas", newKey + "," + oldKey, true, false},
		{"spaces and newlines", " " + newKey + "\n " + oldKey + " ", true, false},
		{"not a key", "hunter2", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvSecretKey, tc.value)
			k, ok, err := EnvSealKey()
			if ok != tc.ok || (err != nil) != tc.wantErr {
				t.Fatalf("EnvSealKey = %v, %v, %v; want ok %v, error %v", k, ok, err, tc.ok, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), EnvSecretKey) || strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q: want the variable named and its value not shown", err)
				}
				return
			}
			if !ok {
				return
			}
			if k.Fingerprint() != both.Fingerprint() {
				t.Errorf("seals with key %s, want the first one, %s", k.Fingerprint(), both.Fingerprint())
			}
			if p, err := k.Open(sealedOld, []byte("ctx")); err != nil || string(p) != "token" {
				t.Errorf("a token sealed with the second key: %q, %v", p, err)
			}
		})
	}
}

// A hub on a clinic's database never makes a token key of its own: every
// hub must hold the same one. One person's SQLite file gets one with its
// first token.
func TestSealKeyIsMadeForAFileOnly(t *testing.T) {
	t.Setenv(EnvSecretKey, "")
	for _, tc := range []struct {
		db   string
		made bool
	}{
		{"postgres://hub@db.clinic/clinic", false},
		{"", true}, // the default file
	} {
		dir := t.TempDir()
		var notes bytes.Buffer
		a := &App{DBPath: tc.db, ConfigPath: filepath.Join(dir, "config.toml"), Notes: &notes}
		k, err := a.sealKeyFor(tc.db, "")(true)
		_, statErr := os.Stat(a.SealKeyPath())
		if made := statErr == nil; made != tc.made || (k != nil) != tc.made {
			t.Errorf("db %q: key file made %v, keyring %v, error %v; want made %v", tc.db, made, k != nil, err, tc.made)
		}
		if !tc.made && (!errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "vitals db key")) {
			t.Errorf("db %q: %v; want a missing key file, and how to make one", tc.db, err)
		}
		if tc.made && !strings.Contains(notes.String(), a.SealKeyPath()) {
			t.Errorf("the new key was not said: %q", notes.String())
		}
	}
}
