package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"vitals/health"
)

// CSVKinds lists the kinds WriteCSV writes, in the order a multi-file
// export writes them: the measurement kinds, then conditions.
func CSVKinds() []health.Kind {
	return append(slices.Clone(health.Kinds), health.KindCondition)
}

// CSVHeader returns the columns of a kind's CSV export. Every file starts
// with the reading's instant in UTC (RFC 3339) and its wall-clock UTC
// offset (+hh:mm), and ends with the device and the source (the system
// the reading came from). Values are in canonical units, named in the
// column where the unit is not obvious; a value not measured is an empty
// cell; flags are true or false.
func CSVHeader(k health.Kind) ([]string, error) {
	switch k {
	case health.KindBloodPressure:
		return []string{"time_utc", "utc_offset", "systolic", "diastolic", "pulse", "possible_afib", "irregular_heartbeat", "device", "source"}, nil
	case health.KindWeight:
		return []string{"time_utc", "utc_offset", "weight_kg", "bmi", "body_fat_pct", "skeletal_muscle_pct", "visceral_fat_level", "resting_metabolism_kcal", "device", "source"}, nil
	case health.KindActivity:
		return []string{"time_utc", "utc_offset", "steps", "aerobic_steps", "calories_kcal", "distance_m", "device", "source"}, nil
	case health.KindTemperature:
		return []string{"time_utc", "utc_offset", "celsius", "device", "source"}, nil
	case health.KindSpO2:
		return []string{"time_utc", "utc_offset", "spo2_pct", "pulse", "device", "source"}, nil
	case health.KindHeartRate:
		return []string{"time_utc", "utc_offset", "bpm", "device", "source"}, nil
	case health.KindCondition:
		return []string{"time_utc", "utc_offset", "code_system", "code", "display", "status", "source"}, nil
	}
	return nil, fmt.Errorf("report: no CSV export for %q", k)
}

// csvRow is one reading's cells and the instant it sorts by.
type csvRow struct {
	at    time.Time
	cells []string
}

// WriteCSV writes the batch's readings of one kind as CSV: the header,
// then one row per reading ordered by time and then by the other cells,
// so that the same readings always give the same bytes.
func WriteCSV(w io.Writer, k health.Kind, b health.Batch) error {
	header, err := CSVHeader(k)
	if err != nil {
		return err
	}
	rows := csvRows(k, b)
	slices.SortFunc(rows, func(x, y csvRow) int {
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return slices.Compare(x.cells[1:], y.cells[1:])
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("report: write %s CSV: %w", k, err)
	}
	for _, r := range rows {
		if err := cw.Write(r.cells); err != nil {
			return fmt.Errorf("report: write %s CSV: %w", k, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write %s CSV: %w", k, err)
	}
	return nil
}

func csvRows(k health.Kind, b health.Batch) []csvRow {
	var rows []csvRow
	add := func(m health.Meta, values ...string) {
		cells := append([]string{m.Time.UTC().Format(time.RFC3339Nano), health.FormatOffset(m.Offset)}, values...)
		rows = append(rows, csvRow{at: m.Time, cells: cells})
	}
	num := func(v health.Value) string { return v.String() }
	flag := strconv.FormatBool
	switch k {
	case health.KindBloodPressure:
		for _, r := range b.BloodPressure {
			add(r.Meta, num(r.Systolic), num(r.Diastolic), num(r.Pulse), flag(r.PossibleAFib), flag(r.IrregularHeartbeat), r.Device, r.Origin)
		}
	case health.KindWeight:
		for _, r := range b.Weight {
			add(r.Meta, num(r.Weight), num(r.BMI), num(r.BodyFat), num(r.SkeletalMuscle), num(r.VisceralFat), num(r.RestingMetabolism), r.Device, r.Origin)
		}
	case health.KindActivity:
		for _, r := range b.Activity {
			add(r.Meta, num(r.Steps), num(r.AerobicSteps), num(r.Calories), num(r.Distance), r.Device, r.Origin)
		}
	case health.KindTemperature:
		for _, r := range b.Temperature {
			add(r.Meta, num(r.Celsius), r.Device, r.Origin)
		}
	case health.KindSpO2:
		for _, r := range b.SpO2 {
			add(r.Meta, num(r.Percent), num(r.Pulse), r.Device, r.Origin)
		}
	case health.KindHeartRate:
		for _, r := range b.HeartRate {
			add(r.Meta, num(r.BPM), r.Device, r.Origin)
		}
	case health.KindCondition:
		for _, r := range b.Conditions {
			add(r.Meta, r.System, r.Code, r.Display, r.Status, r.Origin)
		}
	}
	return rows
}
