package store

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"vitals/health"
)

// table describes one reading table: the columns every reading table
// shares come first, then the kind's own, each with the rule that says how
// it takes part in a measurement's identity (identity.go).
type table struct {
	kind  health.Kind
	name  string
	cols  []string
	rules []rule // one per column of cols
	// parts: readings of one source at one instant are parts of one
	// measurement even under different ids (a scale's weight, BMI and
	// body fat sent as separate observations).
	parts bool
}

// commonCols are the columns every reading table starts with, in the order
// spec.args binds them. The digest covers them and the kind's columns;
// id_scope and variant, bound after those, are part of the key instead.
var commonCols = []string{"profile_id", "account_id", "provider_id", "taken_at", "utc_offset", "device", "origin", "setting", "manual", "raw"}

// Tolerances absorb the rounding of unit conversions: a weight exported in
// pounds with one decimal reads back within 0.05 kg, a temperature in °F
// within 0.03 °C, and whole mmHg, beats and steps are compared to 0.5.
var (
	bpTable = table{kind: health.KindBloodPressure, name: "bp_readings",
		cols:  []string{"systolic", "diastolic", "pulse", "possible_afib", "irregular", "body_movement"},
		rules: []rule{num(0.5), num(0.5), num(0.5), flag(), flag(), flag()}}
	weightTable = table{kind: health.KindWeight, name: "weight_readings",
		cols:  []string{"weight_kg", "bmi", "body_fat_pct", "skeletal_muscle_pct", "visceral_fat", "resting_kcal"},
		rules: []rule{num(0.06), num(0.06), num(0.06), num(0.06), num(0.5), num(0.5)}, parts: true}
	activityTable = table{kind: health.KindActivity, name: "activity_readings",
		cols:  []string{"steps", "aerobic_steps", "calories_kcal", "distance_m", "hourly"},
		rules: []rule{num(0.5), num(0.5), num(0.5), num(0.5), aux()}}
	temperatureTable = table{kind: health.KindTemperature, name: "temperature_readings",
		cols: []string{"celsius"}, rules: []rule{num(0.06)}}
	spo2Table = table{kind: health.KindSpO2, name: "spo2_readings",
		cols: []string{"percent", "pulse"}, rules: []rule{num(0.5), num(0.5)}}
	heartRateTable = table{kind: health.KindHeartRate, name: "heartrate_readings",
		cols: []string{"bpm"}, rules: []rule{num(0.5)}}
	conditionTable = table{kind: health.KindCondition, name: "conditions",
		cols:  []string{"code_system", "code", "display", "status"},
		rules: []rule{code(), code(), text(), text()}}
)

var allTables = []table{bpTable, weightTable, activityTable, temperatureTable, spo2Table, heartRateTable, conditionTable}

func tableOf(k health.Kind) (table, error) {
	for _, t := range allTables {
		if t.kind == k {
			return t, nil
		}
	}
	return table{}, fmt.Errorf("store: unknown kind %q", k)
}

// spec binds a table to its Go type: how to get a reading's Meta, the
// values of the kind's columns, and scan destinations for them.
type spec[T any] struct {
	table
	meta  func(*T) *health.Meta
	args  func(*T) ([]any, error)
	dests func(*T) []any
}

var bpSpec = spec[health.BloodPressure]{
	table: bpTable,
	meta:  func(r *health.BloodPressure) *health.Meta { return &r.Meta },
	args: func(r *health.BloodPressure) ([]any, error) {
		return []any{val(r.Systolic), val(r.Diastolic), val(r.Pulse), r.PossibleAFib, r.IrregularHeartbeat, r.BodyMovement}, nil
	},
	dests: func(r *health.BloodPressure) []any {
		return []any{valueDest{&r.Systolic}, valueDest{&r.Diastolic}, valueDest{&r.Pulse}, &r.PossibleAFib, &r.IrregularHeartbeat, &r.BodyMovement}
	},
}

var weightSpec = spec[health.Weight]{
	table: weightTable,
	meta:  func(r *health.Weight) *health.Meta { return &r.Meta },
	args: func(r *health.Weight) ([]any, error) {
		return []any{val(r.Weight), val(r.BMI), val(r.BodyFat), val(r.SkeletalMuscle), val(r.VisceralFat), val(r.RestingMetabolism)}, nil
	},
	dests: func(r *health.Weight) []any {
		return []any{valueDest{&r.Weight}, valueDest{&r.BMI}, valueDest{&r.BodyFat}, valueDest{&r.SkeletalMuscle}, valueDest{&r.VisceralFat}, valueDest{&r.RestingMetabolism}}
	},
}

var activitySpec = spec[health.Activity]{
	table: activityTable,
	meta:  func(r *health.Activity) *health.Meta { return &r.Meta },
	args: func(r *health.Activity) ([]any, error) {
		hourly, err := encodeHourly(r.Hourly)
		if err != nil {
			return nil, err
		}
		return []any{val(r.Steps), val(r.AerobicSteps), val(r.Calories), val(r.Distance), hourly}, nil
	},
	dests: func(r *health.Activity) []any {
		return []any{valueDest{&r.Steps}, valueDest{&r.AerobicSteps}, valueDest{&r.Calories}, valueDest{&r.Distance}, hourlyDest{&r.Hourly}}
	},
}

var temperatureSpec = spec[health.Temperature]{
	table: temperatureTable,
	meta:  func(r *health.Temperature) *health.Meta { return &r.Meta },
	args:  func(r *health.Temperature) ([]any, error) { return []any{val(r.Celsius)}, nil },
	dests: func(r *health.Temperature) []any { return []any{valueDest{&r.Celsius}} },
}

var spo2Spec = spec[health.SpO2]{
	table: spo2Table,
	meta:  func(r *health.SpO2) *health.Meta { return &r.Meta },
	args:  func(r *health.SpO2) ([]any, error) { return []any{val(r.Percent), val(r.Pulse)}, nil },
	dests: func(r *health.SpO2) []any { return []any{valueDest{&r.Percent}, valueDest{&r.Pulse}} },
}

var heartRateSpec = spec[health.HeartRate]{
	table: heartRateTable,
	meta:  func(r *health.HeartRate) *health.Meta { return &r.Meta },
	args:  func(r *health.HeartRate) ([]any, error) { return []any{val(r.BPM)}, nil },
	dests: func(r *health.HeartRate) []any { return []any{valueDest{&r.BPM}} },
}

var conditionSpec = spec[health.Condition]{
	table: conditionTable,
	meta:  func(r *health.Condition) *health.Meta { return &r.Meta },
	args: func(r *health.Condition) ([]any, error) {
		return []any{r.System, r.Code, r.Display, r.Status}, nil
	},
	dests: func(r *health.Condition) []any { return []any{&r.System, &r.Code, &r.Display, &r.Status} },
}

// val binds a health.Value: NULL when it was not measured.
func val(v health.Value) any {
	if x, ok := v.Get(); ok {
		return x
	}
	return nil
}

// valueDest scans a nullable REAL into a health.Value.
type valueDest struct{ v *health.Value }

func (d valueDest) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*d.v = health.Missing
	case float64:
		*d.v = health.Of(x)
	case int64:
		*d.v = health.Of(float64(x))
	default:
		return fmt.Errorf("store: a measured value is %T, want a number", src)
	}
	return nil
}

// hourJSON is how an hour of activity is kept in the hourly column, in
// canonical units, with null for what was not measured.
type hourJSON struct {
	Hour         int      `json:"hour"`
	Steps        *float64 `json:"steps"`
	AerobicSteps *float64 `json:"aerobic_steps"`
	Calories     *float64 `json:"calories_kcal"`
	Distance     *float64 `json:"distance_m"`
}

func ptr(v health.Value) *float64 {
	if x, ok := v.Get(); ok {
		return &x
	}
	return nil
}

func unptr(p *float64) health.Value {
	if p == nil {
		return health.Missing
	}
	return health.Of(*p)
}

func encodeHourly(hours []health.HourActivity) (any, error) {
	if len(hours) == 0 {
		return nil, nil
	}
	out := make([]hourJSON, len(hours))
	for i, h := range hours {
		out[i] = hourJSON{h.Hour, ptr(h.Steps), ptr(h.AerobicSteps), ptr(h.Calories), ptr(h.Distance)}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode hourly activity: %w", err)
	}
	return string(b), nil
}

type hourlyDest struct{ h *[]health.HourActivity }

func (d hourlyDest) Scan(src any) error {
	var s sql.NullString
	if err := s.Scan(src); err != nil {
		return err
	}
	*d.h = nil
	if !s.Valid || s.String == "" {
		return nil
	}
	var hours []hourJSON
	if err := json.Unmarshal([]byte(s.String), &hours); err != nil {
		return fmt.Errorf("store: decode hourly activity: %w", err)
	}
	out := make([]health.HourActivity, len(hours))
	for i, h := range hours {
		out[i] = health.HourActivity{Hour: h.Hour, Steps: unptr(h.Steps), AerobicSteps: unptr(h.AerobicSteps), Calories: unptr(h.Calories), Distance: unptr(h.Distance)}
	}
	*d.h = out
	return nil
}
