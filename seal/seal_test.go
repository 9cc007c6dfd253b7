package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	a := bytes.Repeat([]byte{1}, KeySize)
	b := bytes.Repeat([]byte{2}, KeySize)
	ka, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	token := []byte(`{"access_token":"at-123","refresh_token":"rt-456"}`)
	sealed, err := ka.Seal(token, []byte("account/7"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("at-123")) || bytes.Contains(sealed, []byte("rt-456")) {
		t.Fatal("the sealed value shows the token")
	}
	for _, tc := range []struct {
		name    string
		keys    [][]byte
		value   []byte
		context string
		want    error
	}{
		{"same key and context", [][]byte{a}, sealed, "account/7", nil},
		{"rotated: old key second", [][]byte{b, a}, sealed, "account/7", nil},
		{"moved to another account", [][]byte{a}, sealed, "account/8", ErrTampered},
		{"key gone", [][]byte{b}, sealed, "account/7", ErrNoKey},
		{"one byte changed", [][]byte{a}, flip(sealed, len(sealed)-1), "account/7", ErrTampered},
		{"cut short", [][]byte{a}, sealed[:10], "account/7", ErrTampered},
		{"plain text", [][]byte{a}, token, "account/7", ErrTampered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := New(tc.keys...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Open(tc.value, []byte(tc.context))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if tc.want == nil && !bytes.Equal(got, token) {
				t.Errorf("opened %q", got)
			}
		})
	}
	kb, _ := New(b, a)
	if s, cur := kb.Sealed(sealed); !s || cur {
		t.Errorf("Sealed after rotation = %v, %v: want sealed, not with the current key", s, cur)
	}
	if s, _ := ka.Sealed(token); s {
		t.Error("plain JSON reported as sealed")
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "secret.key")
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created %v, %v", created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created %v, %v", created, err)
	}
	if k1.Fingerprint() != k2.Fingerprint() {
		t.Error("the key changed between loads")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file: %v, want a refusal saying chmod 600", err)
	}

	bad := filepath.Join(dir, "bad.key")
	secretish := "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
	os.WriteFile(bad, []byte("# comment\n\n"+secretish+"\n"), 0o600)
	_, err = Load(bad)
	if err == nil || !strings.Contains(err.Error(), "line 3") || strings.Contains(err.Error(), secretish) {
		t.Errorf("a short key: %v; want the line named and the text not quoted", err)
	}
}
