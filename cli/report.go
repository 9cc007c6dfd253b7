package cli

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/health"
	"vitals/report"
	"vitals/sanitize"
)

func newReportCmd(a *invocation) *cobra.Command {
	var (
		from, to, format, out, rulebook, paper string
		all                                    bool
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the clinician's home blood-pressure report (md, html or pdf)",
		Long: `Write a profile's home blood-pressure report for a period, by the home
monitoring protocol: two readings morning and evening for up to 7 days, the
first day discarded, the rest averaged and compared with the home threshold
of the chosen rulebook (AHA/ACC 2025: 130/80; ESH 2023: 135/85).

The report gives the patient, the period, the home mean and whether the
protocol minimum (3 days, 12 averaged readings) was met, morning and
evening means, the morning-evening difference, highest and lowest
readings, rhythm flags (possible AFib, irregular heartbeat) with their
dates and a table of flags per week, blanked readings (no values; with
their cause, or "blanked, cause not given"), readings above 180/120,
office readings against home (masked or white-coat hypertension), every
reading with its category and flags, and the source devices.

The numbers follow one set of conventions, the same as the dashboard's:
day 1 (the first date with a home reading) is shown but not averaged;
means are exact and verdicts compare the exact values (a mean of 134.96
is below 135 and shown as 134.96, not 135.0); below the protocol minimum
the home threshold, morning hypertension and the ME-dif flag are "not
assessed". Home readings are classified on the rulebook's home scale,
office readings on its office scale.

The period defaults to the 7 days ending on the day of the last home
reading; --from or --to alone gives 7 days from or to that date. Dates are
the wall-clock dates where the readings were taken.

A period longer than a year (366 days) is refused: vitals says how many
readings the report would list and asks for --all, which writes it anyway
(every reading of the period, and a row a week in the flags table).

Formats: md (Markdown, to standard output unless --out), html (one
self-contained file that prints well on A4 and Letter) and pdf (with the
chart drawn). Without --format, the extension of --out decides (.md,
.html, .pdf); an --out whose extension names another format (.docx, or
.pdf with --format md) is refused. Text from devices and files (device
names, sources) is written with what a terminal would act on escaped.
Files are written readable by their owner only: they hold health data.`,
		Example: `  vitals report
  vitals report --profile p-1042 --from 2026-10-01 --to 2026-10-07 --format pdf --out p-1042.pdf
  vitals report --format html --out week.html --rulebook esh2023
  vitals report --to 2026-10-07 > week.md
  vitals report --from 2024-01-01 --to 2025-12-31 --all --format html --out two-years.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			opt := report.Options{All: all, Now: time.Now(), Zone: time.Local}
			var err error
			if opt.From, err = parseReportDate("--from", from); err != nil {
				return err
			}
			if opt.To, err = parseReportDate("--to", to); err != nil {
				return err
			}
			if rulebook == "" {
				opt.Rulebook = a.Config.Rulebook()
			} else if opt.Rulebook, err = health.ParseRulebook(rulebook); err != nil {
				return fmt.Errorf("--rulebook: %w", err)
			}
			if opt.Paper, err = report.ParsePaper(paper); err != nil {
				return fmt.Errorf("--paper: %w", err)
			}
			f, err := reportFormat(format, out)
			if err != nil {
				return err
			}
			if f == report.PDF && (out == "" || out == "-") && isTerminal(a.stdout) {
				return errors.New("a PDF is not for the terminal: give --out FILE.pdf, or redirect the output to a file")
			}

			db, p, _, err := a.OpenProfileToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := report.Load(ctx, db, p, opt)
			if long := (*report.LongPeriodError)(nil); errors.As(err, &long) {
				return fmt.Errorf("the period %s to %s is %s long, more than a year: the report would list %s and %s. "+
					"Give --all to write it anyway, or choose at most %d days with --from and --to (the protocol covers 7)",
					long.From, long.To, countOf(long.Days, "day"), countOf(long.Home, "home reading"), countOf(long.Office, "office reading"), report.MaxDays)
			}
			if err != nil {
				return err
			}
			write := func(w io.Writer) error { return r.Write(w, f) }
			if f != report.PDF {
				write = sanitizedText(write)
			}
			if err := writeOutput(a.stdout, out, write); err != nil {
				return err
			}
			if out != "" && out != "-" {
				s := r.Summary
				fmt.Fprintf(a.stderr, "vitals: wrote the %s report for %s, %s to %s (%d home readings, %s), to %s\n",
					strings.ToUpper(string(f)), sanitize.Line(p.Title()), s.From, s.To, len(s.Entries), s.Rulebook.Name(), sanitize.Line(out))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day of the period, YYYY-MM-DD (default: 6 days before --to)")
	fl.StringVar(&to, "to", "", "last day of the period, YYYY-MM-DD (default: the day of the last home reading)")
	fl.StringVar(&format, "format", "", "md, html or pdf (default: from the --out extension, else md)")
	fl.StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	fl.StringVar(&rulebook, "rulebook", "", "aha2025 or esh2023 (default: display.rulebook in the config)")
	fl.StringVar(&paper, "paper", "a4", "PDF page size: a4 or letter")
	fl.BoolVar(&all, "all", false, "write the report even for a period longer than a year (366 days)")
	return cmd
}

// countOf writes "1 day", "1,234 home readings".
func countOf(n int, noun string) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " " + health.Plural(n, noun, noun+"s")
}

func parseReportDate(flag, s string) (health.Date, error) {
	if s == "" {
		return health.Date{}, nil
	}
	d, err := health.ParseDate(s)
	if err != nil {
		return d, fmt.Errorf("%s: %w, e.g. 2026-10-07", flag, err)
	}
	return d, nil
}

// reportExtensions are the extensions of --out each report format may
// have; an --out without an extension takes any.
var reportExtensions = map[report.Format][]string{
	report.Markdown: {".md", ".markdown", ".txt"},
	report.HTML:     {".html", ".htm"},
	report.PDF:      {".pdf"},
}

// reportFormat is --format, checked against the extension of --out; or,
// without --format, the format the extension names, else md.
func reportFormat(format, out string) (report.Format, error) {
	var f report.Format
	if format != "" {
		var err error
		if f, err = report.ParseFormat(format); err != nil {
			return f, fmt.Errorf("--format: %w", err)
		}
	}
	ext := strings.ToLower(filepath.Ext(out))
	if out == "" || out == "-" || ext == "" {
		return cmp.Or(f, report.Markdown), nil
	}
	var named report.Format
	for g, exts := range reportExtensions {
		if slices.Contains(exts, ext) {
			named = g
		}
	}
	const formats = "md (.md), html (.html) or pdf (.pdf)"
	switch {
	case named == "" && f == "":
		return "", fmt.Errorf("--out %s: vitals writes reports as %s; a %s file would not open as one: name the file for a format, or give --format", sanitize.Line(out), formats, ext)
	case named == "":
		return "", fmt.Errorf("--out %s: a %s file does not hold a %s report: name it %s (formats: %s)", sanitize.Line(out), ext, f, strings.Join(reportExtensions[f], " or "), formats)
	case f != "" && named != f:
		return "", fmt.Errorf("--out %s: a %s file holds a %s report, and --format asks for %s: name it %s, or give --format %s", sanitize.Line(out), ext, named, f, strings.Join(reportExtensions[f], " or "), named)
	}
	return named, nil
}

// sanitizedText makes what write writes safe for a terminal and an editor
// (sanitize.Text): a report quotes device names and sources from outside.
func sanitizedText(write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		_, err := io.WriteString(w, sanitize.Text(buf.String()))
		return err
	}
}
