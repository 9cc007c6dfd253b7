package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// ErrNoSecret is returned when an account has no stored secret.
var ErrNoSecret = errors.New("no stored credentials")

// keyringTimeout bounds every keyring call: on Linux the Secret Service
// sits behind D-Bus and can hang on servers, containers and CI.
const keyringTimeout = 3 * time.Second

const keyringService = "vitals"

// keyring is the OS keyring, behind an interface so tests can replace it.
type keyring interface {
	Set(ctx context.Context, user, secret string) error
	Get(ctx context.Context, user string) (string, error)
	Delete(ctx context.Context, user string) error
}

type osKeyring struct{}

func newOSKeyring() keyring { return osKeyring{} }

// bounded runs f with a deadline; a call still stuck when it passes is
// abandoned (the goroutine ends when the keyring answers, if ever).
func bounded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, keyringTimeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("OS keyring did not answer: %w", ctx.Err())
	}
}

func (osKeyring) Set(ctx context.Context, user, secret string) error {
	_, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Set(keyringService, user, secret) })
	return err
}

func (osKeyring) Get(ctx context.Context, user string) (string, error) {
	return bounded(ctx, func() (string, error) { return gokeyring.Get(keyringService, user) })
}

func (osKeyring) Delete(ctx context.Context, user string) error {
	_, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Delete(keyringService, user) })
	return err
}

const (
	locationDB      = "db"
	locationKeyring = "keyring"
)

// keyringUser names an account's entry; the database's own id keeps two
// databases (the demo's and a real one) from sharing entries.
func (db *DB) keyringUser(accountID int64) string {
	return fmt.Sprintf("%s/account/%d", db.uid, accountID)
}

// SaveSecret stores an account's credentials (its OAuth tokens, as the
// provider serialises them): in the OS keyring when one is configured and
// answers, else in the database file. The secret never appears in an error.
func (db *DB) SaveSecret(ctx context.Context, accountID int64, secret []byte) error {
	location, stored := locationDB, secret
	if db.keyring != nil {
		if err := db.keyring.Set(ctx, db.keyringUser(accountID), string(secret)); err == nil {
			location, stored = locationKeyring, []byte{}
		}
	}
	_, err := db.w.ExecContext(ctx, `
		INSERT INTO secrets (account_id, location, secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET location = excluded.location, secret = excluded.secret, updated_at = excluded.updated_at`,
		accountID, location, stored, db.now().Unix())
	if err != nil {
		return fmt.Errorf("store: save credentials of account %d: %w", accountID, err)
	}
	return nil
}

// LoadSecret returns an account's credentials, or ErrNoSecret.
func (db *DB) LoadSecret(ctx context.Context, accountID int64) ([]byte, error) {
	var location string
	var secret []byte
	// Read through the writer: a secret saved a moment ago by a refresh
	// must be seen at once.
	err := db.w.QueryRowContext(ctx, `SELECT location, secret FROM secrets WHERE account_id = ?`, accountID).Scan(&location, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: credentials of account %d: %w", accountID, ErrNoSecret)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read credentials of account %d: %w", accountID, err)
	}
	if location != locationKeyring {
		return secret, nil
	}
	kr := db.keyring
	if kr == nil {
		kr = newOSKeyring() // stored there by a run that had the keyring on
	}
	s, err := kr.Get(ctx, db.keyringUser(accountID))
	if errors.Is(err, gokeyring.ErrNotFound) {
		return nil, fmt.Errorf("store: credentials of account %d are gone from the OS keyring: %w", accountID, ErrNoSecret)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read credentials of account %d from the OS keyring: %w", accountID, err)
	}
	return []byte(s), nil
}

// DeleteSecret forgets an account's credentials.
func (db *DB) DeleteSecret(ctx context.Context, accountID int64) error {
	db.dropKeyringSecret(ctx, accountID)
	if _, err := db.w.ExecContext(ctx, `DELETE FROM secrets WHERE account_id = ?`, accountID); err != nil {
		return fmt.Errorf("store: delete credentials of account %d: %w", accountID, err)
	}
	return nil
}

// dropKeyringSecret deletes the keyring entry of an account whose secret
// lives there; best effort, as the entry may already be gone.
func (db *DB) dropKeyringSecret(ctx context.Context, accountID int64) {
	var location string
	err := db.r.QueryRowContext(ctx, `SELECT location FROM secrets WHERE account_id = ?`, accountID).Scan(&location)
	if err != nil || location != locationKeyring {
		return
	}
	kr := db.keyring
	if kr == nil {
		kr = newOSKeyring()
	}
	_ = kr.Delete(ctx, db.keyringUser(accountID))
}
