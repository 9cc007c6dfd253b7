package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Enrollment links let a patient link an account from their own phone:
// the clinic makes a link (`vitals enroll`), the patient opens it on the
// pages `vitals serve` hosts and signs in at the provider, and the hub
// stores the account under the patient's profile. The store keeps no
// secret of the flow: the link's token, each OAuth state and each browser
// session are kept as SHA-256 hashes (hex), which the caller computes.
// Times are the caller's clock, so a hub and a command line agree on what
// has expired only as far as their clocks do.

// ErrEnrollmentClosed is returned when an enrollment can no longer be
// started or revoked: it was used, revoked, or it expired.
var ErrEnrollmentClosed = errors.New("the enrollment link is no longer open")

// ErrAttemptUsed is returned when the state of a trip to the provider
// comes back a second time.
var ErrAttemptUsed = errors.New("this sign-in was already used")

// EnrollmentStatus is where an enrollment link stands.
type EnrollmentStatus string

const (
	EnrollmentPending EnrollmentStatus = "pending" // may be opened and used
	EnrollmentUsed    EnrollmentStatus = "used"    // an account was linked through it
	EnrollmentExpired EnrollmentStatus = "expired"
	EnrollmentRevoked EnrollmentStatus = "revoked"
)

// Enrollment is a link sent to a patient.
type Enrollment struct {
	ID        int64
	ProfileID int64
	Profile   string // the profile's name, as read
	Provider  Provider
	Created   time.Time
	Expires   time.Time
	CreatedBy string
	Opened    time.Time // zero: never opened
	Completed time.Time // zero: no account linked yet
	Revoked   time.Time // zero: not revoked
	AccountID int64     // the account linked; 0 before, or once removed
	// SessionExpires is when the browser session that started the link
	// ends (zero: none started).
	SessionExpires time.Time
}

// Status says where the link stands at now: revoked and used win over
// expired, which wins over pending.
func (e Enrollment) Status(now time.Time) EnrollmentStatus {
	switch {
	case !e.Revoked.IsZero():
		return EnrollmentRevoked
	case !e.Completed.IsZero():
		return EnrollmentUsed
	case !now.Before(e.Expires):
		return EnrollmentExpired
	}
	return EnrollmentPending
}

// EnrollmentAttempt is one trip to the provider: its state must come back
// once, before it expires.
type EnrollmentAttempt struct {
	ID           int64
	EnrollmentID int64
	StateHash    string
	// The 1upHealth system being connected; empty for Omron.
	SystemID, SystemName, SystemKind string
	Created, Expires                 time.Time
	Used                             time.Time
}

// EnrollmentEvent is a line of an enrollment's audit trail.
type EnrollmentEvent struct {
	EnrollmentID int64
	At           time.Time
	Event        string // created, opened, started, completed, failed, revoked
	Address      string // the client's address; "" from the command line
	Detail       string
}

const enrollmentColumns = `e.id, e.profile_id, p.name, e.provider, e.created_at, e.expires_at, e.created_by,
	e.opened_at, e.completed_at, e.revoked_at, e.account_id, e.session_expires`

func scanEnrollment(row interface{ Scan(...any) error }) (Enrollment, error) {
	var e Enrollment
	var created, expires, session int64
	var opened, completed, revoked, account sql.NullInt64
	err := row.Scan(&e.ID, &e.ProfileID, &e.Profile, &e.Provider, &created, &expires, &e.CreatedBy,
		&opened, &completed, &revoked, &account, &session)
	if err != nil {
		return e, err
	}
	e.Created, e.Expires = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	e.Opened, e.Completed, e.Revoked = fromUnix(opened), fromUnix(completed), fromUnix(revoked)
	e.AccountID = account.Int64
	if session > 0 {
		e.SessionExpires = time.Unix(session, 0).UTC()
	}
	return e, nil
}

// CreateEnrollment records a new link (e's profile, provider, times and
// maker) under the hash of its token, with its "created" event from addr,
// and returns it with its id.
func (db *DB) CreateEnrollment(ctx context.Context, e Enrollment, tokenHash, addr string) (Enrollment, error) {
	if err := db.writable("create an enrollment link"); err != nil {
		return e, err
	}
	if tokenHash == "" || !e.Expires.After(e.Created) {
		return e, errors.New("store: create an enrollment link: it needs a token hash and an expiry after its creation")
	}
	err := db.tx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO enrollments (profile_id, provider, token_hash, created_at, expires_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			e.ProfileID, e.Provider, tokenHash, e.Created.Unix(), e.Expires.Unix(), e.CreatedBy).Scan(&e.ID)
		if err != nil {
			return err
		}
		return addEnrollmentEvent(ctx, tx, EnrollmentEvent{EnrollmentID: e.ID, At: e.Created, Event: "created", Address: addr,
			Detail: "expires " + e.Expires.Format(time.RFC3339)})
	})
	if err != nil {
		return e, fmt.Errorf("store: create an enrollment link for profile %d: %w", e.ProfileID, err)
	}
	return db.Enrollment(ctx, e.ID)
}

// Enrollment returns the link with the id, or ErrNotFound.
func (db *DB) Enrollment(ctx context.Context, id int64) (Enrollment, error) {
	return db.enrollmentWhere(ctx, "e.id = ?", id)
}

// EnrollmentByToken returns the link whose token hashes to tokenHash, or
// ErrNotFound.
func (db *DB) EnrollmentByToken(ctx context.Context, tokenHash string) (Enrollment, error) {
	return db.enrollmentWhere(ctx, "e.token_hash = ?", tokenHash)
}

// EnrollmentBySession returns the link a browser session started, while
// the session lasts at now; ErrNotFound otherwise.
func (db *DB) EnrollmentBySession(ctx context.Context, sessionHash string, now time.Time) (Enrollment, error) {
	if sessionHash == "" {
		return Enrollment{}, fmt.Errorf("store: enrollment session: %w", ErrNotFound)
	}
	return db.enrollmentWhere(ctx, "e.session_hash = ? AND e.session_expires > ?", sessionHash, now.Unix())
}

func (db *DB) enrollmentWhere(ctx context.Context, where string, args ...any) (Enrollment, error) {
	e, err := scanEnrollment(db.r.QueryRowContext(ctx, `SELECT `+enrollmentColumns+`
		FROM enrollments e JOIN profiles p ON p.id = e.profile_id WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("store: enrollment link: %w", ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("store: read an enrollment link: %w", err)
	}
	return e, nil
}

// Enrollments lists the links of a profile (every profile's when
// profileID is 0), oldest first.
func (db *DB) Enrollments(ctx context.Context, profileID int64) ([]Enrollment, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+enrollmentColumns+`
		FROM enrollments e JOIN profiles p ON p.id = e.profile_id
		WHERE ? = 0 OR e.profile_id = ? ORDER BY e.id`, profileID, profileID)
	if err != nil {
		return nil, fmt.Errorf("store: list enrollment links: %w", err)
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		e, err := scanEnrollment(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list enrollment links: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list enrollment links: %w", err)
	}
	return out, nil
}

// OpenEnrollment records that the link was opened at ev.At: the first
// time sets its opened time; every time adds ev to the trail.
func (db *DB) OpenEnrollment(ctx context.Context, ev EnrollmentEvent) error {
	ev.Event = "opened"
	err := db.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET opened_at = ? WHERE id = ? AND opened_at IS NULL`,
			ev.At.Unix(), ev.EnrollmentID); err != nil {
			return err
		}
		return addEnrollmentEvent(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: record enrollment link %d opened: %w", ev.EnrollmentID, err)
	}
	return nil
}

// StartEnrollment gives a pending link a new browser session (replacing
// any earlier one, whose attempts then fail) and records the trip to the
// provider that starts it, with its "started" event, in one transaction.
// A link that is used, revoked or expired at a.Created returns
// ErrEnrollmentClosed and changes nothing.
func (db *DB) StartEnrollment(ctx context.Context, sessionHash string, sessionExpires time.Time, a EnrollmentAttempt, addr string) error {
	if sessionHash == "" || a.StateHash == "" {
		return errors.New("store: start an enrollment: it needs a session and a state")
	}
	return db.startAttempt(ctx, a, addr, func(tx *txn) (sql.Result, error) {
		return tx.ExecContext(ctx, `UPDATE enrollments SET session_hash = ?, session_expires = ?
			WHERE id = ? AND revoked_at IS NULL AND completed_at IS NULL AND expires_at > ?`,
			sessionHash, sessionExpires.Unix(), a.EnrollmentID, a.Created.Unix())
	})
}

// ContinueEnrollment records another trip to the provider in the browser
// session that started the link (1upHealth: connecting one more system),
// while that session lasts, even once the link is used; a revoked link
// returns ErrEnrollmentClosed.
func (db *DB) ContinueEnrollment(ctx context.Context, sessionHash string, a EnrollmentAttempt, addr string) error {
	return db.startAttempt(ctx, a, addr, func(tx *txn) (sql.Result, error) {
		return tx.ExecContext(ctx, `UPDATE enrollments SET session_expires = session_expires
			WHERE id = ? AND session_hash = ? AND session_expires > ? AND revoked_at IS NULL`,
			a.EnrollmentID, sessionHash, a.Created.Unix())
	})
}

func (db *DB) startAttempt(ctx context.Context, a EnrollmentAttempt, addr string, claim func(*txn) (sql.Result, error)) error {
	if err := db.writable("start an enrollment"); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx *txn) error {
		res, err := claim(tx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrEnrollmentClosed
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_attempts
			(enrollment_id, state_hash, system_id, system_name, system_kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.EnrollmentID, a.StateHash, a.SystemID, a.SystemName, a.SystemKind, a.Created.Unix(), a.Expires.Unix()); err != nil {
			return err
		}
		detail := "to the sign-in"
		if a.SystemName != "" {
			detail = "to connect " + a.SystemName
		}
		return addEnrollmentEvent(ctx, tx, EnrollmentEvent{EnrollmentID: a.EnrollmentID, At: a.Created, Event: "started", Address: addr, Detail: detail})
	})
	if err != nil {
		return fmt.Errorf("store: start enrollment link %d: %w", a.EnrollmentID, err)
	}
	return nil
}

const attemptColumns = `id, enrollment_id, state_hash, system_id, system_name, system_kind, created_at, expires_at, used_at`

func scanAttempt(row interface{ Scan(...any) error }) (EnrollmentAttempt, error) {
	var a EnrollmentAttempt
	var created, expires int64
	var used sql.NullInt64
	err := row.Scan(&a.ID, &a.EnrollmentID, &a.StateHash, &a.SystemID, &a.SystemName, &a.SystemKind, &created, &expires, &used)
	a.Created, a.Expires, a.Used = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC(), fromUnix(used)
	return a, err
}

// UseEnrollmentAttempt marks the trip whose state hashes to stateHash as
// come back at now and returns it: once only (ErrAttemptUsed after), and
// ErrNotFound for a state never given. The caller checks its expiry and
// its session: a state is spent even when what follows fails, so it can
// never be replayed.
func (db *DB) UseEnrollmentAttempt(ctx context.Context, stateHash string, now time.Time) (EnrollmentAttempt, error) {
	if err := db.writable("use an enrollment sign-in"); err != nil {
		return EnrollmentAttempt{}, err
	}
	a, err := scanAttempt(db.w.QueryRowContext(ctx, `UPDATE enrollment_attempts SET used_at = ?
		WHERE state_hash = ? AND used_at IS NULL RETURNING `+attemptColumns, now.Unix(), stateHash))
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM enrollment_attempts WHERE state_hash = ?`, stateHash).Scan(&n); err != nil {
			return a, fmt.Errorf("store: enrollment sign-in: %w", err)
		}
		if n > 0 {
			return a, fmt.Errorf("store: enrollment sign-in: %w", ErrAttemptUsed)
		}
		return a, fmt.Errorf("store: enrollment sign-in: %w", ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: use an enrollment sign-in: %w", err)
	}
	return a, nil
}

// UseLatestEnrollmentAttempt is UseEnrollmentAttempt for a redirect that
// came back without its state (1upHealth may drop it): the newest unused
// trip of the enrollment, or ErrNotFound.
func (db *DB) UseLatestEnrollmentAttempt(ctx context.Context, enrollmentID int64, now time.Time) (EnrollmentAttempt, error) {
	var hash string
	err := db.w.QueryRowContext(ctx, `SELECT state_hash FROM enrollment_attempts
		WHERE enrollment_id = ? AND used_at IS NULL ORDER BY id DESC LIMIT 1`, enrollmentID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return EnrollmentAttempt{}, fmt.Errorf("store: enrollment sign-in: %w", ErrNotFound)
	}
	if err != nil {
		return EnrollmentAttempt{}, fmt.Errorf("store: enrollment sign-in: %w", err)
	}
	return db.UseEnrollmentAttempt(ctx, hash, now)
}

// CompleteEnrollment records the account linked through the link and
// its "completed" event. The first account makes the link used; a later
// one (another 1upHealth system) adds only the event.
func (db *DB) CompleteEnrollment(ctx context.Context, ev EnrollmentEvent, accountID int64) error {
	ev.Event = "completed"
	err := db.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET completed_at = ?, account_id = ?
			WHERE id = ? AND completed_at IS NULL`, ev.At.Unix(), accountID, ev.EnrollmentID); err != nil {
			return err
		}
		return addEnrollmentEvent(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: record enrollment link %d completed: %w", ev.EnrollmentID, err)
	}
	return nil
}

// RevokeEnrollment withdraws a link that was not used (ErrEnrollmentClosed
// for one used or revoked already; ErrNotFound for no such link) and
// records ev as its "revoked" event. Its browser session ends with it.
func (db *DB) RevokeEnrollment(ctx context.Context, ev EnrollmentEvent) error {
	if err := db.writable("revoke an enrollment link"); err != nil {
		return err
	}
	ev.Event = "revoked"
	err := db.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE enrollments SET revoked_at = ?, session_expires = 0
			WHERE id = ? AND revoked_at IS NULL AND completed_at IS NULL`, ev.At.Unix(), ev.EnrollmentID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM enrollments WHERE id = ?`, ev.EnrollmentID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			return ErrEnrollmentClosed
		}
		return addEnrollmentEvent(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: revoke enrollment link %d: %w", ev.EnrollmentID, err)
	}
	return nil
}

// RecordEnrollmentEvent adds a line to a link's audit trail (a failure,
// typically: the other events are recorded with the change they log).
func (db *DB) RecordEnrollmentEvent(ctx context.Context, ev EnrollmentEvent) error {
	if err := db.writable("record an enrollment event"); err != nil {
		return err
	}
	if err := db.tx(ctx, func(tx *txn) error { return addEnrollmentEvent(ctx, tx, ev) }); err != nil {
		return fmt.Errorf("store: record enrollment link %d %s: %w", ev.EnrollmentID, ev.Event, err)
	}
	return nil
}

func addEnrollmentEvent(ctx context.Context, tx *txn, ev EnrollmentEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO enrollment_events (enrollment_id, at, event, address, detail) VALUES (?, ?, ?, ?, ?)`,
		ev.EnrollmentID, ev.At.Unix(), ev.Event, ev.Address, ev.Detail)
	return err
}

// EnrollmentEvents returns a link's audit trail, oldest first.
func (db *DB) EnrollmentEvents(ctx context.Context, enrollmentID int64) ([]EnrollmentEvent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT enrollment_id, at, event, address, detail FROM enrollment_events
		WHERE enrollment_id = ? ORDER BY id`, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("store: read the trail of enrollment link %d: %w", enrollmentID, err)
	}
	defer rows.Close()
	var out []EnrollmentEvent
	for rows.Next() {
		var ev EnrollmentEvent
		var at int64
		if err := rows.Scan(&ev.EnrollmentID, &at, &ev.Event, &ev.Address, &ev.Detail); err != nil {
			return nil, fmt.Errorf("store: read the trail of enrollment link %d: %w", enrollmentID, err)
		}
		ev.At = time.Unix(at, 0).UTC()
		out = append(out, ev)
	}
	return out, rows.Err()
}
