package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"

	"vitals/health"
)

// Counts says what an upsert did with the readings of one kind.
type Counts struct {
	Added     int // new readings
	Updated   int // known readings whose content changed
	Unchanged int // known readings stored exactly as they were: duplicates
}

func (c Counts) add(o Counts) Counts {
	return Counts{c.Added + o.Added, c.Updated + o.Updated, c.Unchanged + o.Unchanged}
}

// Result says what an upsert did, per kind.
type Result map[health.Kind]Counts

// Merge adds o's counts to r.
func (r Result) Merge(o Result) {
	for k, c := range o {
		r[k] = r[k].add(c)
	}
}

// Total sums the counts of every kind.
func (r Result) Total() Counts {
	var t Counts
	for _, c := range r {
		t = t.add(c)
	}
	return t
}

// Upsert stores a batch for one profile and account in one transaction:
// every reading is stamped with them, and readings the account already
// delivered (the same provider id) are updated only when their content
// changed. Nothing is stored if any reading fails.
func (db *DB) Upsert(ctx context.Context, profileID, accountID int64, b health.Batch) (Result, error) {
	var res Result
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = upsertBatch(ctx, tx, profileID, accountID, b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: save readings: %w", err)
	}
	return res, nil
}

// CommitPage stores a page of a stream and moves the stream's cursor in
// the same transaction, so that a sync killed at any moment resumes from
// the last page it committed, with nothing lost and nothing doubled.
func (db *DB) CommitPage(ctx context.Context, profileID, accountID int64, stream, cursor string, b health.Batch) (Result, error) {
	var res Result
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if res, err = upsertBatch(ctx, tx, profileID, accountID, b); err != nil {
			return err
		}
		return setCursor(ctx, tx, accountID, stream, cursor, db.now().Unix())
	})
	if err != nil {
		return nil, fmt.Errorf("store: commit page of %s: %w", stream, err)
	}
	return res, nil
}

func upsertBatch(ctx context.Context, tx *sql.Tx, profileID, accountID int64, b health.Batch) (Result, error) {
	res := Result{}
	err := errors.Join(
		upsertKind(ctx, tx, bpSpec, b.BloodPressure, profileID, accountID, res),
		upsertKind(ctx, tx, weightSpec, b.Weight, profileID, accountID, res),
		upsertKind(ctx, tx, activitySpec, b.Activity, profileID, accountID, res),
		upsertKind(ctx, tx, temperatureSpec, b.Temperature, profileID, accountID, res),
		upsertKind(ctx, tx, spo2Spec, b.SpO2, profileID, accountID, res),
		upsertKind(ctx, tx, heartRateSpec, b.HeartRate, profileID, accountID, res),
		upsertKind(ctx, tx, conditionSpec, b.Conditions, profileID, accountID, res),
	)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// upsertKind inserts rows that are new and updates rows whose digest
// changed. Two statements instead of one ON CONFLICT DO UPDATE, because
// the caller is told which of the three things happened to each reading.
func upsertKind[T any](ctx context.Context, tx *sql.Tx, s spec[T], rows []T, profileID, accountID int64, res Result) error {
	if len(rows) == 0 {
		return nil
	}
	cols := append(append(append([]string{}, commonCols...), s.cols...), "digest")
	insert, err := tx.PrepareContext(ctx, fmt.Sprintf(
		`INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (account_id, provider_id) DO NOTHING`,
		s.name, strings.Join(cols, ", "), placeholders(len(cols))))
	if err != nil {
		return err
	}
	defer insert.Close()
	var sets []string
	for _, c := range cols {
		if c != "account_id" && c != "provider_id" {
			sets = append(sets, c+" = ?")
		}
	}
	update, err := tx.PrepareContext(ctx, fmt.Sprintf(
		`UPDATE %s SET %s WHERE account_id = ? AND provider_id = ? AND digest <> ?`,
		s.name, strings.Join(sets, ", ")))
	if err != nil {
		return err
	}
	defer update.Close()

	var c Counts
	args := make([]any, 0, len(cols)+3)
	for i := range rows {
		r := &rows[i]
		m := s.meta(r)
		m.ProfileID, m.AccountID = profileID, accountID
		if m.ProviderID == "" {
			return fmt.Errorf("%s reading at %s has no provider id", s.kind, m.Time.Format("2006-01-02 15:04"))
		}
		if m.Time.IsZero() {
			return fmt.Errorf("%s reading %s has no time", s.kind, m.ProviderID)
		}
		kindArgs, err := s.args(r)
		if err != nil {
			return fmt.Errorf("%s reading %s: %w", s.kind, m.ProviderID, err)
		}
		args = append(args[:0], profileID, accountID, m.ProviderID, m.Time.Unix(), m.Offset,
			m.Device, m.Origin, string(m.Setting), m.Manual, rawArg(m.Raw))
		args = append(args, kindArgs...)
		digest := digestOf(args)
		args = append(args, digest)

		out, err := insert.ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("insert %s reading %s: %w", s.kind, m.ProviderID, err)
		}
		if n, _ := out.RowsAffected(); n == 1 {
			c.Added++
			continue
		}
		// Known reading: the update's arguments are the insert's minus the
		// key columns, then the key and the digest to compare.
		upd := make([]any, 0, len(args)+1)
		upd = append(upd, args[0])
		upd = append(upd, args[3:]...)
		upd = append(upd, accountID, m.ProviderID, digest)
		out, err = update.ExecContext(ctx, upd...)
		if err != nil {
			return fmt.Errorf("update %s reading %s: %w", s.kind, m.ProviderID, err)
		}
		if n, _ := out.RowsAffected(); n == 1 {
			c.Updated++
		} else {
			c.Unchanged++
		}
	}
	res[s.kind] = res[s.kind].add(c)
	return nil
}

func rawArg(raw []byte) any {
	if raw == nil {
		return nil
	}
	return raw
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// digestOf hashes the values a row stores, so that an upsert can tell a
// changed reading from a duplicate without comparing column by column.
func digestOf(args []any) int64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, a := range args {
		switch v := a.(type) {
		case nil:
			h.Write([]byte{0})
		case int64:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write([]byte{1})
			h.Write(buf[:])
		case int:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write([]byte{1})
			h.Write(buf[:])
		case float64:
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write([]byte{2})
			h.Write(buf[:])
		case bool:
			if v {
				h.Write([]byte{3, 1})
			} else {
				h.Write([]byte{3, 0})
			}
		case string:
			binary.LittleEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write([]byte{4})
			h.Write(buf[:])
			h.Write([]byte(v))
		case []byte:
			binary.LittleEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write([]byte{5})
			h.Write(buf[:])
			h.Write(v)
		default:
			fmt.Fprintf(h, "%T:%v", v, v)
		}
	}
	return int64(h.Sum64())
}
