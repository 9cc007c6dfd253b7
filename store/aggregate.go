package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vitals/health"
)

// Field is one measured column that can be aggregated.
type Field string

const (
	Systolic     Field = "systolic"
	Diastolic    Field = "diastolic"
	BPPulse      Field = "bp_pulse"
	WeightKg     Field = "weight_kg"
	BMI          Field = "bmi"
	BodyFat      Field = "body_fat_pct"
	Steps        Field = "steps"
	AerobicSteps Field = "aerobic_steps"
	Calories     Field = "calories_kcal"
	Distance     Field = "distance_m"
	Celsius      Field = "celsius"
	SpO2Percent  Field = "spo2_percent"
	SpO2Pulse    Field = "spo2_pulse"
	HeartRateBPM Field = "bpm"
)

func (f Field) column() (table, string, error) {
	switch f {
	case Systolic, Diastolic:
		return bpTable, string(f), nil
	case BPPulse:
		return bpTable, "pulse", nil
	case WeightKg, BMI, BodyFat:
		return weightTable, string(f), nil
	case Steps, AerobicSteps, Calories, Distance:
		return activityTable, string(f), nil
	case Celsius:
		return temperatureTable, "celsius", nil
	case SpO2Percent:
		return spo2Table, "percent", nil
	case SpO2Pulse:
		return spo2Table, "pulse", nil
	case HeartRateBPM:
		return heartRateTable, "bpm", nil
	}
	return table{}, "", fmt.Errorf("store: unknown field %q", f)
}

// Period is the width of an aggregate's buckets.
type Period int

const (
	Day  Period = iota
	Week        // weeks start on Monday
)

// Stat aggregates one field over a bucket. Missing values are left out;
// Mean is missing when the bucket has none.
type Stat struct {
	N              int
	Mean, Min, Max health.Value
}

// Bucket is one day or week of a profile's readings, on the wall clock
// where they were taken.
type Bucket struct {
	Start health.Date
	N     int    // readings in the bucket
	Stats []Stat // one per requested field, in order
}

// Aggregate groups the readings the filter selects into days or weeks of
// their own wall clock and returns the statistics of each field; every
// field must belong to the same kind. Only buckets with readings are
// returned: a gap in the data is a gap in the result.
func (db *DB) Aggregate(ctx context.Context, f Filter, by Period, fields ...Field) ([]Bucket, error) {
	if len(fields) == 0 {
		return nil, fmt.Errorf("store: aggregate needs at least one field")
	}
	var t table
	var exprs []string
	for i, fl := range fields {
		ft, col, err := fl.column()
		if err != nil {
			return nil, err
		}
		if i > 0 && ft.name != t.name {
			return nil, fmt.Errorf("store: aggregate of %s and %s: fields of different kinds", fields[0], fl)
		}
		t = ft
		exprs = append(exprs, fmt.Sprintf("count(%[1]s), avg(%[1]s), min(%[1]s), max(%[1]s)", col))
	}
	where, args := f.where(t)
	q := fmt.Sprintf("SELECT %s AS bucket, count(*), %s FROM %s%s GROUP BY bucket ORDER BY bucket",
		bucketDay(by), strings.Join(exprs, ", "), t.name, where)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: aggregate %s: %w", t.kind, err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var day int64
		b := Bucket{Stats: make([]Stat, len(fields))}
		dests := []any{&day, &b.N}
		for i := range fields {
			s := &b.Stats[i]
			dests = append(dests, &s.N, valueDest{&s.Mean}, valueDest{&s.Min}, valueDest{&s.Max})
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("store: read aggregate: %w", err)
		}
		b.Start = health.DateOf(time.Unix(day*secondsPerDay, 0).UTC())
		out = append(out, b)
	}
	return out, rows.Err()
}

const secondsPerDay = 24 * 60 * 60

// bucketDay is the SQL of a reading's bucket: the number of the day (days
// since 1970-01-01) it was taken on, on its own wall clock, or of the
// Monday that starts its week. It is integer arithmetic, which both
// backends do alike: % keeps the sign of the dividend on both, so the
// floor of a division is written out for readings before 1970.
func bucketDay(by Period) string {
	const local = "(taken_at + utc_offset)"
	day := fmt.Sprintf("((%[1]s - ((%[1]s %% %[2]d) + %[2]d) %% %[2]d) / %[2]d)", local, secondsPerDay)
	if by != Week {
		return day
	}
	// 1970-01-01 was a Thursday: day + 3 counts from a Monday.
	return fmt.Sprintf("(%[1]s - ((%[1]s + 3) %% 7 + 7) %% 7)", day)
}
