package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"
)

// Leases let several `vitals serve` hubs share one database (a clinic's,
// on PostgreSQL) without two of them syncing one account at once: a hub
// syncs an account only while it holds the account's lease, renews it
// while it works, and releases it when it stops. A hub that dies stops
// renewing; once its lease has run out another hub takes the account
// over. Each statement decides in the database, atomically, so two hubs
// racing for one account cannot both win.
//
// A notification reaches whichever hub the reverse proxy chose, which may
// not hold the account: it records a SyncRequest, and the holder takes it
// out (TakeSyncRequests) the next time it looks, typically every few
// seconds, and runs the sync it asks for.
//
// Times are the hub's clock, in milliseconds. Hubs of one clinic keep
// their clocks by NTP; a lease's time to live (tens of seconds) dwarfs
// their differences.

// ErrLeaseHeld is returned by AcquireLease while another holder's lease
// on the account has not run out.
var ErrLeaseHeld = errors.New("the account's lease is held by another hub")

// ErrLeaseLost is returned by RenewLease when the holder no longer holds
// the lease: it was released, or taken over after it ran out. The holder
// must stop syncing the account.
var ErrLeaseLost = errors.New("the account's lease was lost")

// Lease says which hub syncs an account, until when.
type Lease struct {
	AccountID int64
	Holder    string // "" when released
	Expires   time.Time
	Acquired  time.Time // when Holder took it
	// TakenFrom is the hub whose lease had run out when Holder took the
	// account over; "" when the lease was free or Holder's already.
	TakenFrom string
	Takeovers int // how many times the account was taken over, ever
}

// Live reports whether the lease is held at now.
func (l Lease) Live(now time.Time) bool { return l.Holder != "" && now.Before(l.Expires) }

func (db *DB) leaseNow() int64 { return db.now().UnixMilli() }

// AcquireLease gives holder the account's lease for ttl: when nobody holds
// it, when holder already does (it is renewed), or when another holder's
// lease has run out (a takeover, counted). Otherwise it returns
// ErrLeaseHeld with the lease as it stands.
func (db *DB) AcquireLease(ctx context.Context, accountID int64, holder string, ttl time.Duration) (Lease, error) {
	if holder == "" {
		return Lease{}, errors.New("store: acquire lease: a holder needs a name")
	}
	if err := db.writable("acquire lease"); err != nil {
		return Lease{}, err
	}
	now := db.leaseNow()
	l := Lease{AccountID: accountID}
	var expires, acquired int64
	err := db.w.QueryRowContext(ctx, `
		INSERT INTO leases (account_id, holder, expires_at, acquired_at, taken_from, takeovers) VALUES (?, ?, ?, ?, '', 0)
		ON CONFLICT (account_id) DO UPDATE SET
			holder = excluded.holder,
			expires_at = excluded.expires_at,
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
			taken_from = CASE WHEN leases.holder NOT IN ('', excluded.holder) THEN leases.holder ELSE '' END,
			takeovers = leases.takeovers + CASE WHEN leases.holder NOT IN ('', excluded.holder) THEN 1 ELSE 0 END
		WHERE leases.holder IN ('', excluded.holder) OR leases.expires_at <= ?
		RETURNING holder, expires_at, acquired_at, taken_from, takeovers`,
		accountID, holder, now+ttl.Milliseconds(), now, now).Scan(&l.Holder, &expires, &acquired, &l.TakenFrom, &l.Takeovers)
	if errors.Is(err, sql.ErrNoRows) {
		held, err := db.Lease(ctx, accountID)
		if err != nil {
			return Lease{}, err
		}
		return held, fmt.Errorf("store: lease of account %d: %w (%s, until %s)", accountID, ErrLeaseHeld, held.Holder, held.Expires.Format(time.RFC3339))
	}
	if err != nil {
		return Lease{}, fmt.Errorf("store: acquire lease of account %d: %w", accountID, err)
	}
	l.Expires, l.Acquired = time.UnixMilli(expires).UTC(), time.UnixMilli(acquired).UTC()
	return l, nil
}

// RenewLease extends holder's lease by ttl from now, or returns
// ErrLeaseLost. A lease that ran out is renewed as long as nobody took it
// over meanwhile.
func (db *DB) RenewLease(ctx context.Context, accountID int64, holder string, ttl time.Duration) (Lease, error) {
	if err := db.writable("renew lease"); err != nil {
		return Lease{}, err
	}
	l := Lease{AccountID: accountID, Holder: holder}
	var expires, acquired int64
	err := db.w.QueryRowContext(ctx, `UPDATE leases SET expires_at = ? WHERE account_id = ? AND holder = ? AND holder <> ''
		RETURNING expires_at, acquired_at, taken_from, takeovers`,
		db.leaseNow()+ttl.Milliseconds(), accountID, holder).Scan(&expires, &acquired, &l.TakenFrom, &l.Takeovers)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, fmt.Errorf("store: lease of account %d by %s: %w", accountID, holder, ErrLeaseLost)
	}
	if err != nil {
		return Lease{}, fmt.Errorf("store: renew lease of account %d: %w", accountID, err)
	}
	l.Expires, l.Acquired = time.UnixMilli(expires).UTC(), time.UnixMilli(acquired).UTC()
	return l, nil
}

// ReleaseLease gives up holder's lease on the account, so that another
// hub may take it at once; it does nothing when holder does not hold it.
func (db *DB) ReleaseLease(ctx context.Context, accountID int64, holder string) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE leases SET holder = '', expires_at = 0, taken_from = '' WHERE account_id = ? AND holder = ?`,
		accountID, holder); err != nil {
		return fmt.Errorf("store: release lease of account %d: %w", accountID, err)
	}
	return nil
}

// ReleaseLeases gives up every lease holder holds (a hub shutting down)
// and returns how many.
func (db *DB) ReleaseLeases(ctx context.Context, holder string) (int, error) {
	if holder == "" {
		return 0, nil
	}
	res, err := db.w.ExecContext(ctx, `UPDATE leases SET holder = '', expires_at = 0, taken_from = '' WHERE holder = ?`, holder)
	if err != nil {
		return 0, fmt.Errorf("store: release leases of %s: %w", holder, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Lease returns an account's lease; a never-leased account's is free.
func (db *DB) Lease(ctx context.Context, accountID int64) (Lease, error) {
	ls, err := db.leases(ctx, ` WHERE account_id = ?`, accountID)
	if err != nil || len(ls) == 0 {
		return Lease{AccountID: accountID}, err
	}
	return ls[0], nil
}

// Leases lists every account's lease, by account, for a hub's status page.
func (db *DB) Leases(ctx context.Context) ([]Lease, error) {
	return db.leases(ctx, ``)
}

func (db *DB) leases(ctx context.Context, where string, args ...any) ([]Lease, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, holder, expires_at, acquired_at, taken_from, takeovers FROM leases`+where+` ORDER BY account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		var expires, acquired int64
		if err := rows.Scan(&l.AccountID, &l.Holder, &expires, &acquired, &l.TakenFrom, &l.Takeovers); err != nil {
			return nil, fmt.Errorf("store: read leases: %w", err)
		}
		l.Expires, l.Acquired = time.UnixMilli(expires).UTC(), time.UnixMilli(acquired).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// SyncRequest asks the hub holding an account's lease for a sync: what a
// hub that received a notification, or a person's "sync now", hands over
// when another hub holds the account.
type SyncRequest struct {
	ID        int64
	AccountID int64
	Reason    string   // "notification", "manual", "linked": what the engine calls the trigger
	Streams   []string // the streams named (a notification's); nil: every stream
	// From is when the data changed, for a notification that says (the
	// streams are rewound to no later than it); zero: not said.
	From        time.Time
	RequestedAt time.Time
	RequestedBy string // the hub that received it
}

// RequestSync records a sync request for the account's holder and returns
// its id.
func (db *DB) RequestSync(ctx context.Context, r SyncRequest) (int64, error) {
	if err := db.writable("request a sync"); err != nil {
		return 0, err
	}
	streams := ""
	if len(r.Streams) > 0 {
		b, err := json.Marshal(r.Streams)
		if err != nil {
			return 0, fmt.Errorf("store: request a sync: %w", err)
		}
		streams = string(b)
	}
	var from any
	if !r.From.IsZero() {
		from = r.From.Unix()
	}
	var id int64
	err := db.w.QueryRowContext(ctx, `INSERT INTO sync_requests (account_id, reason, streams, rewind_from, requested_at, requested_by)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, r.AccountID, r.Reason, streams, from, db.leaseNow(), r.RequestedBy).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: request a sync of account %d: %w", r.AccountID, err)
	}
	return id, nil
}

// TakeSyncRequests removes and returns, oldest first, the requests for
// the accounts whose live lease holder holds. Requests for accounts
// nobody holds wait for the hub that takes them; each is taken once.
func (db *DB) TakeSyncRequests(ctx context.Context, holder string) ([]SyncRequest, error) {
	if err := db.writable("take sync requests"); err != nil {
		return nil, err
	}
	rows, err := db.w.QueryContext(ctx, `DELETE FROM sync_requests
		WHERE account_id IN (SELECT account_id FROM leases WHERE holder = ? AND expires_at > ?)
		RETURNING id, account_id, reason, streams, rewind_from, requested_at, requested_by`, holder, db.leaseNow())
	if err != nil {
		return nil, fmt.Errorf("store: take sync requests: %w", err)
	}
	defer rows.Close()
	var out []SyncRequest
	for rows.Next() {
		var r SyncRequest
		var streams string
		var from sql.NullInt64
		var at int64
		if err := rows.Scan(&r.ID, &r.AccountID, &r.Reason, &streams, &from, &at, &r.RequestedBy); err != nil {
			return nil, fmt.Errorf("store: take sync requests: %w", err)
		}
		if streams != "" {
			if err := json.Unmarshal([]byte(streams), &r.Streams); err != nil {
				return nil, fmt.Errorf("store: sync request %d: streams: %w", r.ID, err)
			}
		}
		r.From = fromUnix(from)
		r.RequestedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: take sync requests: %w", err)
	}
	slices.SortFunc(out, func(a, b SyncRequest) int { return int(a.ID - b.ID) })
	return out, nil
}

// LockRefresh holds, until unlock is called, the account's refresh lock
// across every process that shares the database: a rotating refresh
// token is spent by one hub at a time, and the next re-reads the token
// the first saved instead of spending the old one again. On PostgreSQL it
// is a session advisory lock, which a hub that dies releases with its
// connection. On SQLite it does nothing: one person's file has one writer,
// the engine of one process refreshes an account's token under the
// credentials' own mutex, and a lease keeps other hubs off the account.
func (db *DB) LockRefresh(ctx context.Context, accountID int64) (unlock func(), err error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "vitals refresh %s/%d", db.uid, accountID)
	unlock, err = db.d.advisoryLock(ctx, db.w, int64(h.Sum64()))
	if err != nil {
		return nil, fmt.Errorf("store: lock the refresh of account %d: %w", accountID, err)
	}
	return unlock, nil
}

// UnheldSyncRequests returns, by account, the accounts that have sync
// requests waiting and no live lease: their holder released the lease
// before it looked, or nobody held it. A hub that takes such an account's
// lease takes its requests with it.
func (db *DB) UnheldSyncRequests(ctx context.Context) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT account_id FROM sync_requests
		WHERE account_id NOT IN (SELECT account_id FROM leases WHERE holder <> '' AND expires_at > ?)
		ORDER BY account_id`, db.leaseNow())
	if err != nil {
		return nil, fmt.Errorf("store: read waiting sync requests: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: read waiting sync requests: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
