package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"vitals/seal"
)

// ErrNoSecret is returned when an account has no stored secret.
var ErrNoSecret = errors.New("no stored credentials")

// ErrPlainSecret is returned by SaveSecret on a shared (PostgreSQL)
// database when no token key was given: there, tokens are kept sealed or
// not at all, since whoever can read the database is not only the person
// the tokens belong to.
var ErrPlainSecret = errors.New("a shared database keeps credentials encrypted only, and no token key was given")

// ErrSecretsDenied is returned when the role the database was opened as
// may not read the secrets table (a clinician's).
var ErrSecretsDenied = errors.New("this database role may not read credentials")

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
	locationDB      = "db"      // plain, protected by the file's permissions only
	locationSealed  = "sealed"  // encrypted with the Seal keyring
	locationKeyring = "keyring" // in the OS keyring; the row is a marker
)

// SecretPlace says where an account's credentials are kept, for a person
// who asks (vitals link --list).
type SecretPlace string

const (
	InKeyring       SecretPlace = "OS keyring"
	InDatabaseSeal  SecretPlace = "database, encrypted"
	InDatabasePlain SecretPlace = "database, not encrypted"
)

// secretContext binds a sealed secret to its account in this database, so
// a sealed value copied to another account's row does not open.
func (db *DB) secretContext(accountID int64) []byte {
	return []byte(db.keyringUser(accountID))
}

// keyringUser names an account's entry; the database's own id keeps two
// databases (the demo's and a real one) from sharing entries.
func (db *DB) keyringUser(accountID int64) string {
	return fmt.Sprintf("%s/account/%d", db.uid, accountID)
}

// SaveSecret stores an account's credentials (its OAuth tokens, as the
// provider serialises them): in the OS keyring when one is configured and
// answers, else in the database file, encrypted when the database was
// opened with a Seal keyring. On PostgreSQL they are always encrypted:
// without a key SaveSecret returns ErrPlainSecret. The secret never
// appears in an error.
func (db *DB) SaveSecret(ctx context.Context, accountID int64, secret []byte) error {
	if err := db.writable(fmt.Sprintf("save credentials of account %d", accountID)); err != nil {
		return err
	}
	location, stored := locationDB, secret
	if db.keyring != nil {
		if err := db.keyring.Set(ctx, db.keyringUser(accountID), string(secret)); err == nil {
			location, stored = locationKeyring, []byte{}
		}
	}
	if location == locationDB {
		keys, err := db.sealKeys(true)
		if err != nil {
			return fmt.Errorf("store: the key that encrypts credentials: %w", err)
		}
		if keys != nil {
			sealed, err := keys.Seal(secret, db.secretContext(accountID))
			if err != nil {
				return fmt.Errorf("store: encrypt credentials of account %d: %w", accountID, err)
			}
			location, stored = locationSealed, sealed
		} else if db.shared {
			return fmt.Errorf("store: save credentials of account %d: %w: give every hub the same key (VITALS_SECRET_KEY, or the key file; see docs/clinic.md)", accountID, ErrPlainSecret)
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
	if !db.secrets {
		return nil, fmt.Errorf("store: credentials of account %d: %w", accountID, ErrSecretsDenied)
	}
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
	switch location {
	case locationDB:
		return secret, nil
	case locationSealed:
		keys, err := db.sealKeys(false)
		if err != nil {
			return nil, fmt.Errorf("store: credentials of account %d are encrypted, and the key to open them could not be read: %w", accountID, err)
		}
		if keys == nil {
			return nil, fmt.Errorf("store: credentials of account %d are encrypted and no key was given to open them: %w", accountID, seal.ErrNoKey)
		}
		plain, err := keys.Open(secret, db.secretContext(accountID))
		if err != nil {
			return nil, fmt.Errorf("store: open credentials of account %d (key %s): %w", accountID, keys.Fingerprint(), err)
		}
		return plain, nil
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

// sealKeys returns the keyring from Options.SealKey (nil without one),
// asking for it once it is needed; a failure is not kept, so a key file
// fixed meanwhile is read on the next call.
func (db *DB) sealKeys(create bool) (*seal.Keyring, error) {
	if db.sealKey == nil {
		return nil, nil
	}
	db.sealMu.Lock()
	defer db.sealMu.Unlock()
	if db.seal != nil {
		return db.seal, nil
	}
	k, err := db.sealKey(create)
	if err != nil || k == nil {
		return nil, err
	}
	db.seal = k
	return k, nil
}

// SecretPlace says where an account's credentials are kept, or
// ErrNoSecret.
func (db *DB) SecretPlace(ctx context.Context, accountID int64) (SecretPlace, error) {
	var location string
	err := db.r.QueryRowContext(ctx, `SELECT location FROM secrets WHERE account_id = ?`, accountID).Scan(&location)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: credentials of account %d: %w", accountID, ErrNoSecret)
	}
	if err != nil {
		return "", fmt.Errorf("store: read credentials of account %d: %w", accountID, err)
	}
	switch location {
	case locationKeyring:
		return InKeyring, nil
	case locationSealed:
		return InDatabaseSeal, nil
	}
	return InDatabasePlain, nil
}

// ResealSecrets encrypts with the Seal keyring's current key every secret
// kept in the database that is plain or was sealed with an older key, and
// returns how many it changed: after a key is added to the key file (key
// rotation), or when a database that kept plain tokens gets a key.
func (db *DB) ResealSecrets(ctx context.Context) (int, error) {
	keys, err := db.sealKeys(true)
	if err != nil {
		return 0, fmt.Errorf("store: the key that encrypts credentials: %w", err)
	}
	if keys == nil {
		return 0, errors.New("store: no key to encrypt the credentials with")
	}
	rows, err := db.w.QueryContext(ctx, `SELECT account_id, location, secret FROM secrets WHERE location IN (?, ?)`, locationDB, locationSealed)
	if err != nil {
		return 0, fmt.Errorf("store: reseal credentials: %w", err)
	}
	type row struct {
		id       int64
		location string
		secret   []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.location, &r.secret); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: reseal credentials: %w", err)
		}
		if _, current := keys.Sealed(r.secret); r.location == locationDB || !current {
			todo = append(todo, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: reseal credentials: %w", err)
	}
	n := 0
	for _, r := range todo {
		plain := r.secret
		if r.location == locationSealed {
			if plain, err = keys.Open(r.secret, db.secretContext(r.id)); err != nil {
				return n, fmt.Errorf("store: reseal credentials of account %d: %w", r.id, err)
			}
		}
		sealed, err := keys.Seal(plain, db.secretContext(r.id))
		if err != nil {
			return n, fmt.Errorf("store: reseal credentials of account %d: %w", r.id, err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE secrets SET location = ?, secret = ?, updated_at = ? WHERE account_id = ?`,
			locationSealed, sealed, db.now().Unix(), r.id); err != nil {
			return n, fmt.Errorf("store: reseal credentials of account %d: %w", r.id, err)
		}
		n++
	}
	return n, nil
}
