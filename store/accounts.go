package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vitals/health"
)

// Provider names the kind of source an account is.
type Provider string

const (
	ProviderOmron  Provider = "omron"
	ProviderOneUp  Provider = "oneup"
	ProviderFile   Provider = "file"   // readings imported from files
	ProviderManual Provider = "manual" // readings typed in with vitals add
)

// AccountState says whether an account can sync.
type AccountState string

const (
	StateActive AccountState = "active"
	// StateNeedsRelink means the provider refused the refresh token: only
	// linking again (in a browser) can bring the account back.
	StateNeedsRelink AccountState = "needs_relink"
)

// Account is a source of readings for one profile.
type Account struct {
	ID            int64
	ProfileID     int64
	Provider      Provider
	ExternalID    string // the provider's user id
	Label         string
	State         AccountState
	LastSyncAt    time.Time // when a sync last ended, well or not
	LastSuccessAt time.Time // when a sync last ended well
	LastError     string    // why the last sync failed; "" after a success
	CreatedAt     time.Time
}

// Title is how screens name the account.
func (a Account) Title() string {
	if a.Label != "" {
		return a.Label
	}
	switch a.Provider {
	case ProviderOmron:
		return "Omron Wellness"
	case ProviderOneUp:
		return "1upHealth"
	case ProviderFile:
		return "File imports"
	case ProviderManual:
		return health.OriginManual
	}
	return string(a.Provider)
}

// Syncs reports whether the account is one a sync engine pulls from.
func (a Account) Syncs() bool { return a.Provider == ProviderOmron || a.Provider == ProviderOneUp }

// UpsertAccount stores an account under (profile, provider, external id),
// creating it or updating its label, and returns it. Linking an account
// again returns it to the active state.
func (db *DB) UpsertAccount(ctx context.Context, a Account) (Account, error) {
	now := db.now().Unix()
	if a.State == "" {
		a.State = StateActive
	}
	err := db.w.QueryRowContext(ctx, `
		INSERT INTO accounts (profile_id, provider, external_id, label, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (profile_id, provider, external_id)
		DO UPDATE SET label = CASE WHEN excluded.label <> '' THEN excluded.label ELSE accounts.label END,
		              state = excluded.state, last_error = ''
		RETURNING id`,
		a.ProfileID, a.Provider, a.ExternalID, a.Label, a.State, now).Scan(&a.ID)
	if err != nil {
		return a, fmt.Errorf("store: save %s account: %w", a.Provider, err)
	}
	return db.Account(ctx, a.ID)
}

// Account returns an account by id, or ErrNotFound.
func (db *DB) Account(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, accountSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	return a, err
}

// Accounts lists a profile's accounts; profileID 0 lists every profile's.
func (db *DB) Accounts(ctx context.Context, profileID int64) ([]Account, error) {
	q, args := accountSelect+` ORDER BY profile_id, provider, id`, []any{}
	if profileID != 0 {
		q, args = accountSelect+` WHERE profile_id = ? ORDER BY provider, id`, []any{profileID}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FindAccounts returns the accounts of a provider with the given external
// id, across profiles (a notification names only the provider's user).
func (db *DB) FindAccounts(ctx context.Context, p Provider, externalID string) ([]Account, error) {
	rows, err := db.r.QueryContext(ctx, accountSelect+` WHERE provider = ? AND external_id = ? ORDER BY id`, p, externalID)
	if err != nil {
		return nil, fmt.Errorf("store: find %s account: %w", p, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LocalAccount returns the profile's pseudo account for file imports or
// manual entries, creating it on first use.
func (db *DB) LocalAccount(ctx context.Context, profileID int64, p Provider) (Account, error) {
	if p != ProviderFile && p != ProviderManual {
		return Account{}, fmt.Errorf("store: %s is not a local provider", p)
	}
	return db.UpsertAccount(ctx, Account{ProfileID: profileID, Provider: p})
}

// RecordSync notes how a sync of the account ended: err nil is a success.
func (db *DB) RecordSync(ctx context.Context, accountID int64, syncErr error) error {
	now := db.now().Unix()
	var err error
	if syncErr == nil {
		_, err = db.w.ExecContext(ctx, `UPDATE accounts SET last_sync_at = ?, last_success_at = ?, last_error = '' WHERE id = ?`, now, now, accountID)
	} else {
		_, err = db.w.ExecContext(ctx, `UPDATE accounts SET last_sync_at = ?, last_error = ? WHERE id = ?`, now, syncErr.Error(), accountID)
	}
	if err != nil {
		return fmt.Errorf("store: record sync of account %d: %w", accountID, err)
	}
	return nil
}

// SetAccountState changes an account's state.
func (db *DB) SetAccountState(ctx context.Context, accountID int64, s AccountState) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE accounts SET state = ? WHERE id = ?`, s, accountID); err != nil {
		return fmt.Errorf("store: set state of account %d: %w", accountID, err)
	}
	return nil
}

// RemoveAccount deletes an account, its secrets, cursors, systems and
// readings. A measurement another route also delivered (a file of the same
// readings) stays, shown from that route's record.
func (db *DB) RemoveAccount(ctx context.Context, accountID int64) error {
	a, err := db.Account(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return nil // nothing to remove
	}
	if err != nil {
		return err
	}
	db.dropKeyringSecret(ctx, accountID)
	err = db.tx(ctx, func(tx *txn) error {
		if err := tx.d.lockProfile(ctx, tx, a.ProfileID); err != nil {
			return err
		}
		x := newIDTx(ctx, tx)
		defer x.close()
		for _, t := range allTables {
			if _, err := x.remove(t, "account_id = ?", accountID); err != nil {
				return fmt.Errorf("%s: %w", t.kind, err)
			}
		}
		if err := x.summarize(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, accountID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: remove account %d: %w", accountID, err)
	}
	return nil
}

const accountSelect = `SELECT id, profile_id, provider, external_id, label, state, last_sync_at, last_success_at, last_error, created_at FROM accounts`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var lastSync, lastOK sql.NullInt64
	var created int64
	if err := row.Scan(&a.ID, &a.ProfileID, &a.Provider, &a.ExternalID, &a.Label, &a.State, &lastSync, &lastOK, &a.LastError, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, err
		}
		return a, fmt.Errorf("store: read account: %w", err)
	}
	a.LastSyncAt, a.LastSuccessAt = fromUnix(lastSync), fromUnix(lastOK)
	a.CreatedAt = time.Unix(created, 0).UTC()
	return a, nil
}

// System is a device or health system connected through an aggregator
// account.
type System struct {
	AccountID   int64
	ID          string
	Name        string
	Kind        string // "device" or "clinical"
	ConnectedAt time.Time
}

// SaveSystem records a connected system.
func (db *DB) SaveSystem(ctx context.Context, s System) error {
	if s.ConnectedAt.IsZero() {
		s.ConnectedAt = db.now()
	}
	_, err := db.w.ExecContext(ctx, `
		INSERT INTO systems (account_id, system_id, name, kind, connected_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, system_id) DO UPDATE SET name = excluded.name, kind = excluded.kind`,
		s.AccountID, s.ID, s.Name, s.Kind, s.ConnectedAt.Unix())
	if err != nil {
		return fmt.Errorf("store: save system %s: %w", s.Name, err)
	}
	return nil
}

// Systems lists the systems connected through an account.
func (db *DB) Systems(ctx context.Context, accountID int64) ([]System, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, system_id, name, kind, connected_at FROM systems WHERE account_id = ? ORDER BY name`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list systems: %w", err)
	}
	defer rows.Close()
	var out []System
	for rows.Next() {
		var s System
		var at int64
		if err := rows.Scan(&s.AccountID, &s.ID, &s.Name, &s.Kind, &at); err != nil {
			return nil, fmt.Errorf("store: read system: %w", err)
		}
		s.ConnectedAt = time.Unix(at, 0).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}
