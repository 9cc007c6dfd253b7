package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vitals/health"
)

// An alert a clinician can acknowledge is a blood-pressure reading above
// 180/120 or with a rhythm flag (possible AFib, irregular heartbeat) or
// blanked. Its id is "bp-" and the reading's row id: stable across runs,
// and when another route's copy of the measurement later becomes the
// shown row, the acknowledgement follows it (it names a row of the
// measurement, and matches through the measurement's link).

// ErrNotAlert is returned by Acknowledge for a reading that raises no
// alert (within range, no flag).
var ErrNotAlert = errors.New("not an alert")

// AlertID is the alert id of a blood-pressure reading's row.
func AlertID(readingID int64) string { return "bp-" + strconv.FormatInt(readingID, 10) }

// ParseAlertID reads an alert id ("bp-123") back into a reading's row id.
func ParseAlertID(s string) (int64, error) {
	n, ok := strings.CutPrefix(strings.TrimSpace(s), "bp-")
	id, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("alert id %q: want bp- and a number, as `vitals panel --json` and the Alerts tab show it", s)
	}
	return id, nil
}

// Ack is one acknowledgement: who reviewed which alert, when, with what
// note, and the reading as it was then.
type Ack struct {
	ID        int64
	ProfileID int64
	ReadingID int64 // the row acknowledged; it may since have gone
	// Reading is the reading as it was acknowledged; from Acks, its ID is
	// the row its measurement is shown by now (0: gone).
	Reading health.BloodPressure
	By      string
	At      time.Time
	Note    string
}

// Alert is the alert id of the acknowledged reading.
func (a Ack) Alert() string { return AlertID(a.ReadingID) }

// Severe reports whether the reading was above 180/120.
func (a Ack) Severe() bool {
	return a.Reading.HasPressures() && health.Severe(a.Reading.Systolic.Or(0), a.Reading.Diastolic.Or(0))
}

// ackTx runs f in a write transaction, also under a clinician's role,
// which may write acknowledgements and nothing else: its sessions are
// read-only by default (RolesSQL), so the transaction asks to write.
func (db *DB) ackTx(ctx context.Context, f func(*txn) error) error {
	if !db.readOnly {
		return db.tx(ctx, f)
	}
	return db.runTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `SET TRANSACTION READ WRITE`); err != nil {
			return err
		}
		return f(tx)
	})
}

// CanAcknowledge reports whether alerts may be acknowledged here: a
// writable database, or a clinician's role on a clinic's.
func (db *DB) CanAcknowledge() bool { return !db.readOnly || db.ackOnly }

// Acknowledge records that by reviewed the profile's alert readingID at
// the database's clock, with a note. The reading must be one of the
// profile's blood-pressure readings that raises an alert; otherwise
// ErrNotFound or ErrNotAlert, and nothing is written.
func (db *DB) Acknowledge(ctx context.Context, profileID, readingID int64, by, note string) (Ack, error) {
	by, note = strings.TrimSpace(by), strings.TrimSpace(note)
	if by == "" {
		return Ack{}, errors.New("store: acknowledge: who acknowledges is empty")
	}
	if db.readOnly && !db.ackOnly {
		return Ack{}, fmt.Errorf("store: acknowledge an alert: %w", ErrReadOnly)
	}
	a := Ack{ProfileID: profileID, ReadingID: readingID, By: by, Note: note, At: db.now().UTC().Truncate(time.Second)}
	err := db.ackTx(ctx, func(tx *txn) error {
		var sys, dia sql.NullFloat64
		var at, offset int64
		r := &a.Reading
		err := tx.QueryRowContext(ctx, `SELECT taken_at, utc_offset, systolic, diastolic, possible_afib, irregular FROM bp_readings WHERE id = ? AND profile_id = ?`,
			readingID, profileID).Scan(&at, &offset, &sys, &dia, &r.PossibleAFib, &r.IrregularHeartbeat)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert %s: %w for this profile", AlertID(readingID), ErrNotFound)
		}
		if err != nil {
			return err
		}
		r.Time, r.Offset = time.Unix(at, 0).UTC(), int(offset)
		r.Systolic, r.Diastolic = health.Measured(nullValue(sys)), health.Measured(nullValue(dia))
		if !a.Severe() && !r.Flagged() && r.HasPressures() {
			return fmt.Errorf("alert %s: the reading is within range and has no rhythm flag: %w", AlertID(readingID), ErrNotAlert)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO acknowledgements (profile_id, reading_id, taken_at, utc_offset, systolic, diastolic, possible_afib, irregular, acked_by, acked_at, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			profileID, readingID, at, offset, val(r.Systolic), val(r.Diastolic), r.PossibleAFib, r.IrregularHeartbeat, by, a.At.Unix(), note).Scan(&a.ID)
	})
	if err != nil {
		return Ack{}, fmt.Errorf("store: acknowledge: %w", err)
	}
	return a, nil
}

func nullValue(n sql.NullFloat64) health.Value {
	if !n.Valid {
		return health.Missing
	}
	return health.Of(n.Float64)
}

// AckFilter selects acknowledgements.
type AckFilter struct {
	ProfileID int64     // 0: every profile
	From, To  time.Time // the acknowledged readings' instants, [From, To); zero: open
}

// Acks lists acknowledgements, by profile and oldest reading first. The
// Reading of each carries in its ID the row id of the measurement as it
// is shown now (0 when the reading has gone), so that callers match it
// against shown rows.
func (db *DB) Acks(ctx context.Context, f AckFilter) ([]Ack, error) {
	q := `SELECT a.id, a.profile_id, a.reading_id, a.taken_at, a.utc_offset, a.systolic, a.diastolic, a.possible_afib, a.irregular,
		a.acked_by, a.acked_at, a.note, COALESCE(b.measurement, b.id, 0)
		FROM acknowledgements a LEFT JOIN bp_readings b ON b.id = a.reading_id WHERE 1 = 1`
	var args []any
	if f.ProfileID != 0 {
		q += ` AND a.profile_id = ?`
		args = append(args, f.ProfileID)
	}
	if !f.From.IsZero() {
		q += ` AND a.taken_at >= ?`
		args = append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		q += ` AND a.taken_at < ?`
		args = append(args, f.To.Unix())
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY a.profile_id, a.taken_at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []Ack
	for rows.Next() {
		var a Ack
		var at, offset, acked int64
		var sys, dia sql.NullFloat64
		r := &a.Reading
		if err := rows.Scan(&a.ID, &a.ProfileID, &a.ReadingID, &at, &offset, &sys, &dia, &r.PossibleAFib, &r.IrregularHeartbeat,
			&a.By, &acked, &a.Note, &r.ID); err != nil {
			return nil, fmt.Errorf("store: read acknowledgements: %w", err)
		}
		r.Time, r.Offset, a.At = time.Unix(at, 0).UTC(), int(offset), time.Unix(acked, 0).UTC()
		r.Systolic, r.Diastolic = health.Measured(nullValue(sys)), health.Measured(nullValue(dia))
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read acknowledgements: %w", err)
	}
	return out, nil
}

// acks copies a profile's acknowledgements that dst lacks. Each names the
// reading dst shows at the same instant, or none (0) when dst has no
// such reading.
func (c *copier) acks(ctx context.Context, from, to int64) error {
	list, err := c.src.Acks(ctx, AckFilter{ProfileID: from})
	if err != nil || len(list) == 0 {
		return err
	}
	return c.dst.tx(ctx, func(tx *txn) error {
		for _, a := range list {
			var held bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM acknowledgements WHERE profile_id = ? AND taken_at = ? AND acked_by = ? AND acked_at = ? AND note = ?)`,
				to, a.Reading.Time.Unix(), a.By, a.At.Unix(), a.Note).Scan(&held)
			if err != nil {
				return err
			}
			if held {
				continue
			}
			var reading int64
			err = tx.QueryRowContext(ctx, `SELECT id FROM bp_readings WHERE profile_id = ? AND taken_at = ? AND measurement IS NULL ORDER BY id LIMIT 1`,
				to, a.Reading.Time.Unix()).Scan(&reading)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			r := a.Reading
			if _, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements (profile_id, reading_id, taken_at, utc_offset, systolic, diastolic, possible_afib, irregular, acked_by, acked_at, note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				to, reading, r.Time.Unix(), r.Offset, val(r.Systolic), val(r.Diastolic), r.PossibleAFib, r.IrregularHeartbeat, a.By, a.At.Unix(), a.Note); err != nil {
				return err
			}
		}
		return nil
	})
}
