package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"

	"vitals/seal"
)

// Without a keyring, tokens are kept encrypted when a key is given: the
// bytes on disk never show them, the row opens only for its account, and
// a key rotation reseals what the old key sealed.
func TestSealedSecrets(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		path := testLocation(t, backend)
		oldKey, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
		db, err := Open(ctx, path, Options{SealKey: fixedKey(oldKey)})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := db.EnsureProfile(ctx, "me")
		a1, _ := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
		a2, _ := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u2"})
		token := []byte(`{"access_token":"at-secret","refresh_token":"rt-secret"}`)
		if err := db.SaveSecret(ctx, a1.ID, token); err != nil {
			t.Fatal(err)
		}
		if got, err := db.LoadSecret(ctx, a1.ID); err != nil || !bytes.Equal(got, token) {
			t.Fatalf("LoadSecret = %q, %v", got, err)
		}
		if place, err := db.SecretPlace(ctx, a1.ID); err != nil || place != InDatabaseSeal {
			t.Errorf("SecretPlace = %q, %v; want %q", place, err, InDatabaseSeal)
		}
		raw := func(id int64) []byte {
			var b []byte
			if err := db.w.QueryRowContext(ctx, `SELECT secret FROM secrets WHERE account_id = ?`, id).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		if b := raw(a1.ID); bytes.Contains(b, []byte("at-secret")) || bytes.Contains(b, []byte("rt-secret")) {
			t.Fatal("the database holds the token in plain form")
		}

		// Moved to another account's row, the sealed value does not open.
		if _, err := db.w.ExecContext(ctx, `INSERT INTO secrets (account_id, location, secret, updated_at) VALUES (?, ?, ?, 0)`,
			a2.ID, locationSealed, raw(a1.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadSecret(ctx, a2.ID); !errors.Is(err, seal.ErrTampered) {
			t.Errorf("a sealed value moved to another account: %v, want ErrTampered", err)
		}
		db.Close()

		// Without the key, the tokens cannot be read, and the error says so.
		db, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadSecret(ctx, a1.ID); !errors.Is(err, seal.ErrNoKey) {
			t.Errorf("no key: %v, want ErrNoKey", err)
		}
		db.Close()

		// Rotation: the new key first, the old one second; reseal; then the
		// old key can go.
		newKey := bytes.Repeat([]byte{9}, seal.KeySize)
		both, _ := seal.New(newKey, bytes.Repeat([]byte{7}, seal.KeySize))
		db, err = Open(ctx, path, Options{SealKey: fixedKey(both)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM secrets WHERE account_id = ?`, a2.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ResealSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("ResealSecrets = %d, %v; want 1", n, err)
		}
		if n, err := db.ResealSecrets(ctx); err != nil || n != 0 {
			t.Errorf("a second ResealSecrets = %d, %v; want 0", n, err)
		}
		db.Close()
		onlyNew, _ := seal.New(newKey)
		db, err = Open(ctx, path, Options{SealKey: fixedKey(onlyNew)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got, err := db.LoadSecret(ctx, a1.ID); err != nil || !bytes.Equal(got, token) {
			t.Errorf("after rotation: %q, %v", got, err)
		}
	})
}

// A database that kept plain tokens gets them encrypted by ResealSecrets.
// Only one person's SQLite file can keep them plain.
func TestResealPlainSecrets(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		if backend != "sqlite" {
			return // TestSharedDatabaseSealsOnly
		}
		ctx := context.Background()
		path := testLocation(t, backend)
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := db.EnsureProfile(ctx, "me")
		a, _ := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOneUp, ExternalID: "251"})
		if err := db.SaveSecret(ctx, a.ID, []byte("plain-token")); err != nil {
			t.Fatal(err)
		}
		if place, _ := db.SecretPlace(ctx, a.ID); place != InDatabasePlain {
			t.Errorf("SecretPlace = %q, want %q", place, InDatabasePlain)
		}
		db.Close()
		key, _ := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
		db, err = Open(ctx, path, Options{SealKey: fixedKey(key)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if n, err := db.ResealSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("ResealSecrets = %d, %v", n, err)
		}
		var b []byte
		if err := db.w.QueryRowContext(ctx, `SELECT secret FROM secrets WHERE account_id = ?`, a.ID).Scan(&b); err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("plain-token")) {
			t.Error("still plain after ResealSecrets")
		}
		if got, err := db.LoadSecret(ctx, a.ID); err != nil || string(got) != "plain-token" {
			t.Errorf("LoadSecret = %q, %v", got, err)
		}
	})
}

func fixedKey(k *seal.Keyring) func(bool) (*seal.Keyring, error) {
	return func(bool) (*seal.Keyring, error) { return k, nil }
}

// testKey is a fixed token key.
func testKey(tb testing.TB) *seal.Keyring {
	k, err := seal.New(bytes.Repeat([]byte{5}, seal.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// A shared database never keeps a token plain, nor in some machine's OS
// keyring: without a key SaveSecret refuses; with one it seals.
func TestSharedDatabaseSealsOnly(t *testing.T) {
	ctx := context.Background()
	loc := testLocation(t, "postgres")
	db := openAt(t, loc, Options{Keyring: true})
	p, _ := db.EnsureProfile(ctx, "me")
	a, _ := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u"})
	if db.keyring != nil {
		t.Error("a shared database was given the OS keyring")
	}
	token := []byte(`{"refresh_token":"rt-secret"}`)
	if err := db.SaveSecret(ctx, a.ID, token); !errors.Is(err, ErrPlainSecret) {
		t.Fatalf("SaveSecret without a key: %v, want ErrPlainSecret", err)
	}
	if _, err := db.LoadSecret(ctx, a.ID); !errors.Is(err, ErrNoSecret) {
		t.Errorf("after a refused save: %v, want ErrNoSecret", err)
	}
	db.Close()

	db = openAt(t, loc, Options{Keyring: true, SealKey: fixedKey(testKey(t))})
	if err := db.SaveSecret(ctx, a.ID, token); err != nil {
		t.Fatal(err)
	}
	var location string
	var stored []byte
	if err := db.r.QueryRowContext(ctx, `SELECT location, secret FROM secrets WHERE account_id = ?`, a.ID).Scan(&location, &stored); err != nil {
		t.Fatal(err)
	}
	if location != locationSealed || bytes.Contains(stored, []byte("rt-secret")) {
		t.Errorf("stored %s, %d bytes (plain token inside: %v); want sealed", location, len(stored), bytes.Contains(stored, []byte("rt-secret")))
	}
	if got, err := db.LoadSecret(ctx, a.ID); err != nil || !bytes.Equal(got, token) {
		t.Errorf("LoadSecret = %q, %v", got, err)
	}
}
