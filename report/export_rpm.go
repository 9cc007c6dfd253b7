package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"vitals/health"
	"vitals/sanitize"
)

// RPMRow is one patient's remote-monitoring facts for a 30-day period:
// the days with at least one transmitted reading, their band (0–1, 2–15,
// 16–30: the bands the 2026 device codes 99445 and 99454 use), the
// readings and the sources they came from. Facts only: whether anything
// may be billed is for the clinic to decide.
type RPMRow struct {
	Profile  string
	From, To health.Date
	Days     int
	Band     health.MonitoringBand
	Readings int
	Sources  []string // the source accounts' titles
}

// RPMHeader is the header row of the monitoring-days export.
var RPMHeader = []string{"profile", "period_start", "period_end", "days", "band", "readings", "sources"}

// WriteRPM writes the monitoring-days export: a header, then a row per
// patient in the order given. Text cells come from outside (handles,
// account labels) and are made safe for a spreadsheet as in WriteCSV,
// unless raw.
func WriteRPM(w io.Writer, rows []RPMRow, raw bool) error {
	text := Cell
	if raw {
		text = func(s string) string { return s }
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(RPMHeader); err != nil {
		return fmt.Errorf("write monitoring days: %w", err)
	}
	for _, r := range rows {
		sources := make([]string, len(r.Sources))
		for i, s := range r.Sources {
			sources[i] = sanitize.Line(s)
		}
		rec := []string{text(r.Profile), r.From.String(), r.To.String(), strconv.Itoa(r.Days), r.Band.String(),
			strconv.Itoa(r.Readings), text(strings.Join(sources, "; "))}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write monitoring days: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write monitoring days: %w", err)
	}
	return nil
}
