package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitals/health"
	"vitals/sanitize"
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

// CSVOptions change how WriteCSV writes.
type CSVOptions struct {
	// RawText writes the cells of text (device, source, a condition's
	// code system, code, display and status) as they are, but for a NUL
	// byte, which no text file holds (it is written \x00). By default they
	// are made safe for a spreadsheet and a terminal, as sanitize.Cell
	// does: a text a spreadsheet would run as a formula (=, +, -, @ at its
	// start) gets a leading apostrophe, and control characters are written
	// as visible escapes. Text comes from files and vendors; numbers and
	// times, which vitals writes, are never changed.
	RawText bool
	// Progress, when set, is called after rows are written, with how many
	// so far.
	Progress func(rows int)
}

// Cell is the text of a CSV cell as the export writes it by default:
// sanitize.Cell's, and one more leading apostrophe on a text that starts
// with apostrophes before a formula's first character, so that vitals
// import reads every text back as it was ('=SUM(A1) is written ”=SUM(A1)).
func Cell(s string) string {
	line := sanitize.Line(s)
	if i := strings.IndexFunc(line, func(r rune) bool { return r != '\'' }); i > 0 && strings.ContainsRune(formulaStarts, rune(line[i])) {
		return "'" + line
	}
	return sanitize.Cell(s)
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@"

// csvRow is one reading's cells and the instant it sorts by.
type csvRow struct {
	at    time.Time
	cells []string
}

// WriteCSV writes the batch's readings of one kind as CSV: the header,
// then one row per reading ordered by time and then by the other cells,
// so that the same readings always give the same bytes.
func WriteCSV(w io.Writer, k health.Kind, b health.Batch, opt CSVOptions) error {
	header, err := CSVHeader(k)
	if err != nil {
		return err
	}
	text := Cell
	if opt.RawText {
		text = func(s string) string { return strings.ReplaceAll(s, "\x00", `\x00`) }
	}
	rows := csvRows(k, b, text)
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
	for i, r := range rows {
		if err := cw.Write(r.cells); err != nil {
			return fmt.Errorf("report: write %s CSV: %w", k, err)
		}
		if opt.Progress != nil && (i+1)%progressRows == 0 {
			cw.Flush()
			opt.Progress(i + 1)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write %s CSV: %w", k, err)
	}
	return nil
}

// progressRows is how many rows are written between two calls of
// CSVOptions.Progress.
const progressRows = 1000

func csvRows(k health.Kind, b health.Batch, text func(string) string) []csvRow {
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
			add(r.Meta, num(r.Systolic), num(r.Diastolic), num(r.Pulse), flag(r.PossibleAFib), flag(r.IrregularHeartbeat), text(r.Device), text(r.Origin))
		}
	case health.KindWeight:
		for _, r := range b.Weight {
			add(r.Meta, num(r.Weight), num(r.BMI), num(r.BodyFat), num(r.SkeletalMuscle), num(r.VisceralFat), num(r.RestingMetabolism), text(r.Device), text(r.Origin))
		}
	case health.KindActivity:
		for _, r := range b.Activity {
			add(r.Meta, num(r.Steps), num(r.AerobicSteps), num(r.Calories), num(r.Distance), text(r.Device), text(r.Origin))
		}
	case health.KindTemperature:
		for _, r := range b.Temperature {
			add(r.Meta, num(r.Celsius), text(r.Device), text(r.Origin))
		}
	case health.KindSpO2:
		for _, r := range b.SpO2 {
			add(r.Meta, num(r.Percent), num(r.Pulse), text(r.Device), text(r.Origin))
		}
	case health.KindHeartRate:
		for _, r := range b.HeartRate {
			add(r.Meta, num(r.BPM), text(r.Device), text(r.Origin))
		}
	case health.KindCondition:
		for _, r := range b.Conditions {
			add(r.Meta, text(r.System), text(r.Code), text(r.Display), text(r.Status), text(r.Origin))
		}
	}
	return rows
}
