package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/adrg/xdg"
	"github.com/cli/browser"

	"vitals/atomicfile"
	"vitals/fhir"
	"vitals/health"
	"vitals/link"
	"vitals/providers/oneup"
	"vitals/report"
	"vitals/store"
	"vitals/tui"
)

// DashboardActions let the dashboard's Sources screen link, relink,
// unlink and connect accounts through the linking flows the commands use
// (it implements tui.Actions). The flows' Changed hook tells the engine.
type DashboardActions struct {
	Flow *link.Flow
	// Open shows an address to a person: the system browser, or in the
	// demo a plain HTTP visit (the demo's servers approve at once). It
	// must not block: the flow starts serving the redirect after it.
	Open func(url string) error
}

// NewDashboardActions returns the actions over a flow, opening addresses
// in the system browser.
func NewDashboardActions(flow *link.Flow) *DashboardActions {
	return &DashboardActions{Flow: flow, Open: browser.OpenURL}
}

// show opens the address and keeps it on screen to copy: whole unless it
// carries a token and a browser has it.
func (d *DashboardActions) show(show func(string)) link.Show {
	return func(a link.Address) {
		if d.Open(a.URL) == nil {
			show(a.Shown)
		} else {
			show(a.URL) // a person must open it: shown whole, as `vitals connect` does
		}
	}
}

func (d *DashboardActions) Link(ctx context.Context, prof store.Profile, p store.Provider, show func(string)) (store.Account, error) {
	l, err := d.Flow.Link(ctx, prof, p, d.show(show))
	return l.Account, err
}

func (d *DashboardActions) Relink(ctx context.Context, acct store.Account, show func(string)) error {
	_, err := d.Flow.Relink(ctx, acct, d.show(show))
	return err
}

// Unlink forgets the account; revocation at Omron is best effort, and the
// tokens are forgotten here either way.
func (d *DashboardActions) Unlink(ctx context.Context, acct store.Account) error {
	_, err := d.Flow.Unlink(ctx, acct)
	return err
}

func (d *DashboardActions) Systems(ctx context.Context, acct store.Account) ([]store.System, error) {
	if acct.Provider != store.ProviderOneUp {
		return nil, link.ErrNotAggregator
	}
	all, err := d.Flow.Systems(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]store.System, len(all))
	for i, s := range all {
		out[i] = store.System{AccountID: acct.ID, ID: s.ID, Name: s.Name, Kind: s.Kind}
	}
	return out, nil
}

func (d *DashboardActions) Connect(ctx context.Context, acct store.Account, sys store.System, show func(string)) error {
	all, err := d.Flow.Systems(ctx, "")
	if err != nil {
		return err
	}
	s, ok := oneup.Find(all, sys.ID, sys.Kind)
	if !ok {
		return fmt.Errorf("1upHealth no longer lists %s (%s)", sys.Name, sys.ID)
	}
	if err := d.Flow.Connect(ctx, acct, s, d.show(show)); err != nil {
		return fmt.Errorf("connect %s: %w", sys.Name, err)
	}
	return nil
}

// DashboardFiles write the clinician's report and the exports of the
// period on the dashboard's screen (it implements tui.Files) with the
// code vitals report and vitals export use. Files are readable by their
// owner only, and never written over an existing file unless the person
// said so.
type DashboardFiles struct {
	DB *store.DB
	// Dir is the folder new files go to: the current directory when it
	// can be written to, else the XDG documents folder. Tests set it.
	Dir  func() (string, error)
	Now  func() time.Time
	Zone *time.Location
}

// NewDashboardFiles returns the dashboard's writer of reports and exports
// from db.
func NewDashboardFiles(db *store.DB) *DashboardFiles {
	return &DashboardFiles{DB: db, Dir: defaultFilesDir, Now: time.Now, Zone: time.Local}
}

// defaultFilesDir is the current directory when vitals may write there
// (where vitals report --out would write), else the documents folder.
func defaultFilesDir() (string, error) {
	var tried []string
	if wd, err := os.Getwd(); err == nil {
		if writable(wd) {
			return wd, nil
		}
		tried = append(tried, wd)
	}
	if docs := xdg.UserDirs.Documents; docs != "" {
		if writable(docs) {
			return docs, nil
		}
		tried = append(tried, docs)
	}
	return "", fmt.Errorf("cannot write to %s: type a path in a folder you can write to", strings.Join(tried, " or "))
}

// writable reports whether a file can be made in dir, by making one.
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".vitals-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// Suggest names the file after the profile and the period, in Dir, with
// a number added when the name is taken: vitals-report-me-2026-03-09_2026-03-15.pdf.
func (d *DashboardFiles) Suggest(_ context.Context, req tui.FileRequest) (string, error) {
	dir, err := d.Dir()
	if err != nil {
		return "", err
	}
	what, ext := "export", ""
	switch req.Kind {
	case tui.ReportMarkdown:
		what, ext = "report", ".md"
	case tui.ReportHTML:
		what, ext = "report", ".html"
	case tui.ReportPDF:
		what, ext = "report", ".pdf"
	case tui.ExportCSV:
		ext = "-csv" // a folder
	case tui.ExportFHIR:
		ext = ".fhir.json"
	}
	stem := filepath.Join(dir, fmt.Sprintf("vitals-%s-%s-%s_%s", what, fileSafe(req.Profile.Name), req.From, req.To))
	for n := 1; n < 1000; n++ {
		path := stem + ext
		if n > 1 {
			path = fmt.Sprintf("%s-%d%s", stem, n, ext)
		}
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
	}
	return stem + ext, nil // every number taken: Write will ask before replacing
}

// fileSafe keeps a profile's handle to letters, digits, - _ and . in a
// file name.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (r == '-' || r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, s)
	return cmp.Or(strings.Trim(s, "-."), "profile")
}

// Write writes the report or export of req's period to req.Path (~ is
// the home folder; a relative path is taken from the current directory).
func (d *DashboardFiles) Write(ctx context.Context, req tui.FileRequest) (tui.FileResult, error) {
	path, err := absPath(req.Path)
	if err != nil {
		return tui.FileResult{}, err
	}
	if req.Kind.IsReport() {
		return d.writeReport(ctx, req, path)
	}
	b, err := d.periodBatch(ctx, req)
	if err != nil {
		return tui.FileResult{}, err
	}
	n := b.Len()
	if n == 0 {
		return tui.FileResult{}, fmt.Errorf("no readings from %s to %s to export: nothing written", req.From, req.To)
	}
	if req.Kind == tui.ExportFHIR {
		opt := report.FHIROptions{ExportOptions: fhir.ExportOptions{PatientID: req.Profile.UID, PatientName: req.Profile.Title()}}
		if err := writeNew(path, req.Replace, func(w io.Writer) error { return report.WriteFHIR(w, b, opt) }); err != nil {
			return tui.FileResult{}, err
		}
		return tui.FileResult{Paths: []string{path}, What: countOf(n, "reading")}, nil
	}
	return d.writeCSV(req, path, b)
}

func (d *DashboardFiles) writeReport(ctx context.Context, req tui.FileRequest, path string) (tui.FileResult, error) {
	format := map[tui.FileKind]report.Format{tui.ReportMarkdown: report.Markdown, tui.ReportHTML: report.HTML, tui.ReportPDF: report.PDF}[req.Kind]
	r, err := report.Load(ctx, d.DB, req.Profile, report.Options{From: req.From, To: req.To, Rulebook: req.Rulebook, Now: d.Now(), Zone: d.Zone})
	if long := (*report.LongPeriodError)(nil); errors.As(err, &long) {
		return tui.FileResult{}, fmt.Errorf("the period is %s long, more than the %d days a report covers: choose a shorter one (-), or run `vitals report --all --from %s --to %s`",
			countOf(long.Days, "day"), report.MaxDays, long.From, long.To)
	}
	if err != nil {
		return tui.FileResult{}, err
	}
	if err := writeNew(path, req.Replace, func(w io.Writer) error { return r.Write(w, format) }); err != nil {
		return tui.FileResult{}, err
	}
	detail := r.Summary.Rulebook.Name()
	if len(r.Summary.Entries) == 0 {
		detail = "no home readings in this period"
	}
	return tui.FileResult{Paths: []string{path}, What: detail}, nil
}

// writeCSV writes a file per measurement type with readings into the
// folder dir, as vitals export --format csv --out dir/ does; it replaces
// none of them unless req.Replace.
func (d *DashboardFiles) writeCSV(req tui.FileRequest, dir string, b health.Batch) (tui.FileResult, error) {
	counts := b.Counts()
	var kinds []health.Kind
	for _, k := range report.CSVKinds() {
		if counts[k] > 0 {
			kinds = append(kinds, k)
		}
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return tui.FileResult{}, fmt.Errorf("%s is a file: a CSV export is a folder of files, one per type", dir)
	}
	var paths, parts []string
	for _, k := range kinds {
		paths = append(paths, filepath.Join(dir, string(k)+".csv"))
		parts = append(parts, fmt.Sprintf("%s %d", strings.ToLower(k.Label()), counts[k]))
	}
	if !req.Replace {
		for _, p := range paths {
			if _, err := os.Lstat(p); err == nil {
				return tui.FileResult{}, fmt.Errorf("%s: %w", p, fs.ErrExist)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tui.FileResult{}, fmt.Errorf("create %s: %w", dir, err)
	}
	for i, k := range kinds {
		if err := atomicfile.Write(paths[i], func(w io.Writer) error { return report.WriteCSV(w, k, b, report.CSVOptions{}) }); err != nil {
			return tui.FileResult{}, err
		}
	}
	return tui.FileResult{Paths: []string{dir + string(filepath.Separator)},
		What: fmt.Sprintf("%s, one per type: %s", countOf(len(kinds), "file"), strings.Join(parts, ", "))}, nil
}

// periodBatch reads the readings whose own wall-clock date is in the
// period, as the dashboard shows them: the store filters by instant, so
// the query is widened by the largest offsets and the rest left out.
func (d *DashboardFiles) periodBatch(ctx context.Context, req tui.FileRequest) (health.Batch, error) {
	b, err := d.DB.Batch(ctx, store.Filter{
		ProfileID: req.Profile.ID,
		From:      req.From.In(time.UTC).Add(-14 * time.Hour),
		To:        req.To.AddDays(1).In(time.UTC).Add(12 * time.Hour),
	})
	if err != nil {
		return b, err
	}
	b.BloodPressure = inPeriod(b.BloodPressure, req.From, req.To)
	b.Weight = inPeriod(b.Weight, req.From, req.To)
	b.Activity = inPeriod(b.Activity, req.From, req.To)
	b.Temperature = inPeriod(b.Temperature, req.From, req.To)
	b.SpO2 = inPeriod(b.SpO2, req.From, req.To)
	b.HeartRate = inPeriod(b.HeartRate, req.From, req.To)
	b.Conditions = inPeriod(b.Conditions, req.From, req.To)
	return b, nil
}

func inPeriod[T interface{ Local() time.Time }](rs []T, from, to health.Date) []T {
	return slices.DeleteFunc(rs, func(r T) bool {
		day := health.DateOf(r.Local())
		return day.Before(from) || day.After(to)
	})
}

// writeNew writes path whole (atomicfile), refusing to replace a file
// that exists unless replace: the name is claimed first, so that no file
// made meanwhile is lost either.
func writeNew(path string, replace bool, write func(io.Writer) error) error {
	if replace {
		return atomicfile.Write(path, write)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, atomicfile.Mode)
	if err != nil {
		return err // fs.ErrExist when it exists
	}
	f.Close()
	if err := atomicfile.Write(path, write); err != nil {
		os.Remove(path) // the empty file claimed above
		return err
	}
	return nil
}

// absPath makes a typed path absolute, with ~ for the home folder.
func absPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = filepath.Join(home, p[1:])
	}
	return filepath.Abs(p)
}

// countOf writes "1 home reading", "1,234 days".
func countOf(n int, noun string) string {
	return thousands(n) + " " + health.Plural(n, noun, noun+"s")
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
