package store

import (
	"context"
	"fmt"
	"strings"

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
	day := "date(taken_at + utc_offset, 'unixepoch')"
	if by == Week {
		day = "date(taken_at + utc_offset, 'unixepoch', 'weekday 0', '-6 days')"
	}
	where, args := f.where(t)
	q := fmt.Sprintf("SELECT %s AS bucket, count(*), %s FROM %s%s GROUP BY bucket ORDER BY bucket",
		day, strings.Join(exprs, ", "), t.name, where)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: aggregate %s: %w", t.kind, err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var date string
		b := Bucket{Stats: make([]Stat, len(fields))}
		dests := []any{&date, &b.N}
		for i := range fields {
			s := &b.Stats[i]
			dests = append(dests, &s.N, valueDest{&s.Mean}, valueDest{&s.Min}, valueDest{&s.Max})
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, fmt.Errorf("store: read aggregate: %w", err)
		}
		if b.Start, err = health.ParseDate(date); err != nil {
			return nil, fmt.Errorf("store: read aggregate: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
