package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/fhir"
	"vitals/health"
	"vitals/providers/files"
	"vitals/report"
	"vitals/sanitize"
	"vitals/store"
)

// exportOptions are the flags of vitals export.
type exportOptions struct {
	format string
	types  []string
	from   string
	to     string
	out    string
	tz     string
	raw    bool
	month  string // --format rpm: the month whose first day starts the period
}

func newExportCmd(a *invocation) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export readings as CSV or as a FHIR R4 bundle",
		Long: `Export the profile's readings.

--format csv writes one measurement type per file: a header row, the time in
UTC (RFC 3339) and the reading's UTC offset, values in canonical units (mmHg,
kg, °C, metres, kcal), empty cells for values not measured, flags as
true/false. Types: bloodpressure, weight, activity, temperature, spo2,
heartrate, condition. To standard output, name one --type. With --out and
several types (or none: every type that has readings), each type goes to its
own file: --out bp.csv writes bp-bloodpressure.csv, bp-weight.csv, ...; an
--out that is a directory (or ends in /) gets bloodpressure.csv, weight.csv, ...

Cells of text (device, source, a condition's display) come from devices,
vendors and files: a text a spreadsheet would run as a formula (=, +, -, @
at its start, as in =HYPERLINK(...)) is written after an apostrophe, and
control characters as visible escapes; vitals import reads them back as
they were. --raw-text writes them as they are. Numbers are never changed.

--format fhir writes one FHIR R4 collection Bundle (LOINC codes, UCUM units)
that vitals import reads back to the same readings. Without --format, the
extension of --out decides (.json: fhir; .csv: csv), else csv; an --out
whose extension names another format is refused.

--format rpm writes remote-monitoring days, one row per patient (every
profile), for the 30-day period that starts on the first day of --month
(YYYY-MM): profile, period_start, period_end, days (with at least one
reading), band (0–1, 2–15 or 16–30: the bands the 2026 device codes 99445
and 99454 use), readings, sources. Facts only: what may be billed is for the
clinic to decide. A 31-day month's last day starts the next period.

--from and --to take dates (YYYY-MM-DD, both days included, midnight in the
--tz zone, default the local zone) or RFC 3339 instants (2025-01-12T08:00:00Z,
--to included). Files are written readable by you only: they are health data.`,
		Example: `  vitals export --format csv --type bloodpressure --out bp.csv
  vitals export --format csv --type bp --from 2025-01-01 --to 2025-01-31
  vitals export --format csv --out exports/
  vitals export --format fhir --out all.json
  vitals export --format rpm --month 2026-11 --out rpm.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("format") {
				o.format = ""
			}
			if strings.EqualFold(o.format, "rpm") {
				return a.runExportRPM(cmd.Context(), o)
			}
			if o.month != "" {
				return errors.New("--month is for --format rpm; --from and --to choose the readings of csv and fhir")
			}
			return a.runExport(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "csv", "csv, fhir or rpm (monitoring days)")
	f.StringVar(&o.month, "month", "", "rpm: the month (YYYY-MM) whose first day starts the 30-day period")
	f.StringSliceVar(&o.types, "type", nil, "measurement types, repeated or comma-separated (default: all)")
	f.StringVar(&o.from, "from", "", "first day (YYYY-MM-DD) or instant (RFC 3339)")
	f.StringVar(&o.to, "to", "", "last day (YYYY-MM-DD, included) or instant (RFC 3339, included)")
	f.StringVar(&o.out, "out", "", "file or directory to write (default: standard output)")
	f.StringVar(&o.tz, "tz", "", "time zone of --from and --to dates (IANA name; default: the local zone)")
	f.BoolVar(&o.raw, "raw-text", false, "CSV: write text cells as they are, without the apostrophe before =, +, -, @ and the escapes of control characters")
	return cmd
}

func (a *invocation) runExport(ctx context.Context, o exportOptions) error {
	format, err := exportFormat(o.format, o.out)
	if err != nil {
		return err
	}
	kinds, err := exportKinds(o.types)
	if err != nil {
		return err
	}
	loc := files.LocalZone()
	if o.tz != "" {
		if loc, err = time.LoadLocation(o.tz); err != nil {
			return fmt.Errorf("--tz %q is not a time zone: use an IANA name such as Europe/Berlin", o.tz)
		}
	}
	from, err := parseBound("--from", o.from, loc, false)
	if err != nil {
		return err
	}
	to, err := parseBound("--to", o.to, loc, true)
	if err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return fmt.Errorf("--from %s is after --to %s", o.from, o.to)
	}
	if format == "csv" && o.out == "" && len(kinds) != 1 {
		return errors.New("a CSV file holds one type: name it with --type (e.g. --type bloodpressure), or give --out to write one file per type")
	}
	if o.raw && format != "csv" {
		return errors.New("--raw-text is for CSV: a FHIR bundle's text is JSON, which escapes what a screen would act on and reads back the same")
	}

	db, profile, _, err := a.OpenProfileToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	filter := store.Filter{ProfileID: profile.ID, From: from, To: to}
	if len(kinds) == 0 {
		kinds = report.CSVKinds()
	}
	counts := map[health.Kind]int{}
	total := 0
	for _, k := range kinds {
		if counts[k], err = db.Count(ctx, k, filter); err != nil {
			return err
		}
		total += counts[k]
	}
	tty := isTerminal(a.stderr)
	_, width, _ := terminal(a.stderr)

	if format == "fhir" {
		progress := newTransferProgress(a.stderr, tty, width, "exporting as FHIR R4", time.Now)
		progress.status(fmt.Sprintf("reading %s from the database", countOf(total, "reading")))
		var batch health.Batch
		for _, k := range kinds {
			b, err := loadKind(ctx, db, k, filter)
			if err != nil {
				progress.done()
				return err
			}
			batch.Append(b)
		}
		progress.restart()
		opt := report.FHIROptions{ExportOptions: fhir.ExportOptions{PatientID: profile.UID, PatientName: profile.Title()}}
		write := func(w io.Writer) error {
			cw := &countingWriter{w: w}
			opt.Progress = func(n int) { progress.update(cw.n, 0, n, total) }
			return report.WriteFHIR(cw, batch, opt)
		}
		err := writeOutput(a.stdout, o.out, write)
		progress.done()
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "exported %s as FHIR R4 to %s\n", describeCounts(counts), sanitize.Line(outName(o.out)))
		return nil
	}

	if len(o.types) == 0 {
		var have []health.Kind
		for _, k := range kinds {
			if counts[k] > 0 {
				have = append(have, k)
			}
		}
		if kinds = have; len(kinds) == 0 {
			fmt.Fprintf(a.stderr, "no readings to export for profile %s in that range; nothing written\n", sanitize.Line(profile.Name))
			return nil
		}
	}
	multi := len(kinds) > 1
	for _, k := range kinds {
		path, err := csvPath(o.out, k, multi)
		if err != nil {
			return err
		}
		// One kind at a time: memory holds the readings of one file.
		progress := newTransferProgress(a.stderr, tty, width, "exporting "+readingsOf(k, 2), time.Now)
		progress.status(fmt.Sprintf("reading %s from the database", countOf(counts[k], "reading")))
		batch, err := loadKind(ctx, db, k, filter)
		if err != nil {
			progress.done()
			return err
		}
		progress.restart()
		write := func(w io.Writer) error {
			cw := &countingWriter{w: w}
			opt := report.CSVOptions{RawText: o.raw, Progress: func(n int) { progress.update(cw.n, 0, n, counts[k]) }}
			return report.WriteCSV(cw, k, batch, opt)
		}
		err = writeOutput(a.stdout, path, write)
		progress.done()
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "exported %d %s to %s\n", counts[k], readingsOf(k, counts[k]), sanitize.Line(outName(path)))
	}
	return nil
}

// loadKind reads one kind's readings of the filter.
func loadKind(ctx context.Context, db *store.DB, k health.Kind, f store.Filter) (health.Batch, error) {
	var (
		b   health.Batch
		err error
	)
	switch k {
	case health.KindBloodPressure:
		b.BloodPressure, err = db.BloodPressures(ctx, f)
	case health.KindWeight:
		b.Weight, err = db.Weights(ctx, f)
	case health.KindActivity:
		b.Activity, err = db.Activities(ctx, f)
	case health.KindTemperature:
		b.Temperature, err = db.Temperatures(ctx, f)
	case health.KindSpO2:
		b.SpO2, err = db.SpO2s(ctx, f)
	case health.KindHeartRate:
		b.HeartRate, err = db.HeartRates(ctx, f)
	case health.KindCondition:
		b.Conditions, err = db.Conditions(ctx, f)
	}
	return b, err
}

// exportExtensions are the extensions of --out each format may have; an
// --out without an extension, or a folder, takes any.
var exportExtensions = map[string][]string{
	"csv":  {".csv", ".txt"},
	"fhir": {".json"},
}

// exportFormat is --format, checked against the extension of --out; or,
// without --format, the format the extension names, else csv.
func exportFormat(format, out string) (string, error) {
	format = strings.ToLower(format)
	if format != "" && format != "csv" && format != "fhir" {
		return "", fmt.Errorf("--format %q: want csv or fhir, or rpm for monitoring days", format)
	}
	ext := strings.ToLower(filepath.Ext(out))
	if out == "" || out == "-" || ext == "" || strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		if format == "" {
			format = "csv"
		}
		return format, nil
	}
	named := ""
	for f, exts := range exportExtensions {
		if slices.Contains(exts, ext) {
			named = f
		}
	}
	switch {
	case named == "" && format == "":
		return "", fmt.Errorf("--out %s: vitals exports CSV (.csv) or a FHIR bundle (.json); name the file for one of them, or give --format", sanitize.Line(out))
	case named == "":
		return "", fmt.Errorf("--out %s: a %s file does not hold %s; name it %s, or choose the format by the extension (.csv: csv, .json: fhir)",
			sanitize.Line(out), ext, formatName(format), strings.Join(exportExtensions[format], " or "))
	case format != "" && named != format:
		return "", fmt.Errorf("--out %s: a %s file holds %s, and --format asks for %s: name it %s, or give --format %s",
			sanitize.Line(out), ext, formatName(named), formatName(format), strings.Join(exportExtensions[format], " or "), named)
	}
	return named, nil
}

// formatName names an export format in a sentence.
func formatName(format string) string {
	if format == "fhir" {
		return "a FHIR bundle (JSON)"
	}
	return "CSV"
}

// exportKinds reads --type: kind names, repeated or comma-separated.
func exportKinds(types []string) ([]health.Kind, error) {
	var kinds []health.Kind
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		k, ok := health.ParseKind(t)
		if t == "condition" || t == "conditions" {
			k, ok = health.KindCondition, true
		}
		if !ok {
			return nil, fmt.Errorf("--type %q: want one of bloodpressure, weight, activity, temperature, spo2, heartrate, condition", t)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

// parseBound reads --from or --to: a date (midnight in loc; for --to, the
// end of that day) or an RFC 3339 instant (for --to, included).
func parseBound(flag, s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := health.ParseDate(s); err == nil {
		if end {
			d = d.AddDays(1)
		}
		return d.In(loc), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a date (2025-01-31) or an RFC 3339 time (2025-01-31T18:00:00+01:00)", flag, s)
	}
	if end {
		// The store keeps whole seconds; the bound is exclusive.
		t = t.Truncate(time.Second).Add(time.Second)
	}
	return t, nil
}

// csvPath is where a kind's CSV goes: --out itself for one kind, a file
// per kind beside it (bp.csv -> bp-weight.csv) for several, or kind.csv
// inside a directory.
func csvPath(out string, k health.Kind, multi bool) (string, error) {
	if out == "" || out == "-" {
		return out, nil
	}
	if strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		if err := os.MkdirAll(out, 0o700); err != nil {
			return "", fmt.Errorf("create %s: %w", out, err)
		}
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return filepath.Join(out, string(k)+".csv"), nil
	}
	if !multi {
		return out, nil
	}
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(out, ext)
	if ext == "" {
		ext = ".csv"
	}
	return stem + "-" + string(k) + ext, nil
}

func outName(path string) string {
	if path == "" || path == "-" {
		return "standard output"
	}
	return path
}

func readingsOf(k health.Kind, n int) string {
	if k == health.KindCondition {
		if n == 1 {
			return "condition"
		}
		return "conditions"
	}
	s := kindLabel(k) + " reading"
	if n != 1 {
		s += "s"
	}
	return s
}

func describeCounts(counts map[health.Kind]int) string {
	var parts []string
	for _, k := range report.CSVKinds() {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, readingsOf(k, n)))
		}
	}
	if len(parts) == 0 {
		return "no readings"
	}
	return strings.Join(parts, ", ")
}

// kindLabel is a kind's name inside a sentence: "blood pressure", "SpO2".
func kindLabel(k health.Kind) string {
	if k == health.KindSpO2 {
		return k.Label()
	}
	return strings.ToLower(k.Label())
}

// runExportRPM writes the monitoring days of every patient for the
// 30-day period starting on the first of --month.
func (a *invocation) runExportRPM(ctx context.Context, o exportOptions) error {
	if o.month == "" {
		return errors.New("--format rpm needs --month YYYY-MM: the period starts on its first day")
	}
	m, err := time.Parse("2006-01", o.month)
	if err != nil {
		return fmt.Errorf("--month %q: want YYYY-MM, such as 2026-11", o.month)
	}
	if len(o.types) > 0 || o.from != "" || o.to != "" || o.tz != "" {
		return errors.New("--format rpm takes --month only: it counts readings of every type, on each reading's own wall-clock day")
	}
	if ext := strings.ToLower(filepath.Ext(o.out)); o.out != "" && ext != "" && ext != ".csv" && ext != ".txt" {
		return fmt.Errorf("--out %s: the monitoring days are CSV: name it .csv", sanitize.Line(o.out))
	}
	from := health.DateOf(m)
	to := from.AddDays(health.MonitoringPeriodDays - 1)
	db, _, err := a.OpenDBToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	periods, err := db.Monitoring(ctx, from, to)
	if err != nil {
		return err
	}
	profiles, err := db.Profiles(ctx)
	if err != nil {
		return err
	}
	accounts, err := db.Accounts(ctx, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range profiles {
		names[p.ID] = p.Name
	}
	titles := map[int64]string{}
	for _, acc := range accounts {
		titles[acc.ID] = acc.Title()
	}
	rows := make([]report.RPMRow, 0, len(periods))
	for _, p := range periods {
		r := report.RPMRow{Profile: names[p.ProfileID], From: p.From, To: p.To, Days: p.Days, Band: p.Band, Readings: p.Readings}
		for _, id := range p.Sources {
			r.Sources = append(r.Sources, titles[id])
		}
		rows = append(rows, r)
	}
	if err := writeOutput(a.stdout, o.out, func(w io.Writer) error { return report.WriteRPM(w, rows, o.raw) }); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "exported the monitoring days of %s, %s to %s, to %s\n", countOf(len(rows), "patient"), from, to, sanitize.Line(outName(o.out)))
	return nil
}
