package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vitals/fhir"
	"vitals/health"
	"vitals/providers/files"
	"vitals/sanitize"
	"vitals/store"
)

func newImportCmd(a *invocation) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import Omron Connect CSV exports and FHIR R4 JSON files; list and undo imports",
		Long: `Import readings from files into the profile's database.

Accepted, whatever the file name says (the content decides):
  - FHIR R4 JSON: a Bundle of any type (collection, searchset, transaction,
    batch, document) or a single Observation or Condition.
  - Omron Connect CSV exports: the US layout (Jan 12 2025), the day-first
    layout (21 Nov 2024, with Measurement Mode and Device columns) and the
    layout with a Timezone column (2024/11/21 11:40, Europe/Berlin).
  - vitals' own CSV exports (vitals export --format csv).

CSV files without a time zone are read in the zone --tz names, else in the
local zone; the import says which. Each file is imported whole or not at
all: a reading no device records (a systolic of 1200, a date in 1800 or
next year) stops the file with its line or entry, and so does Ctrl-C,
leaving the database as it was. Importing a file again adds nothing. What
a file holds that vitals does not store (lab results, claims, other
diagnoses) is counted, never an error. Files of any size are read a part
at a time; a long import shows its progress on a terminal. Use - to read
standard input.

Every file that adds readings is one import, numbered: --list lists the
profile's imports, --undo ID takes exactly what one import added back out
(readings another route also holds stay, through that route).`,
		Example: `  vitals import ~/Downloads/OMRON-report.csv patient-bundle.json
  vitals import --tz America/Chicago omron-export.csv
  vitals --profile dad import dad-bp.csv
  vitals import --list
  vitals import --undo 7`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case o.list && o.undo != 0:
				return errors.New("--list and --undo do not go together")
			case (o.list || o.undo != 0) && len(args) > 0:
				return errors.New("--list and --undo take no files")
			case o.undo < 0:
				return fmt.Errorf("--undo %d: an import's id is a positive number (see vitals import --list)", o.undo)
			case len(args) == 0 && !o.list && o.undo == 0:
				return errors.New("name at least one file to import, e.g. vitals import OMRON-report.csv")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case o.list:
				return a.listImports(ctx, o.json)
			case o.undo != 0:
				return a.undoImport(ctx, o.undo, o.json)
			}
			opt := files.Options{Zone: files.LocalZone()}
			if o.tz != "" {
				loc, err := time.LoadLocation(o.tz)
				if err != nil {
					return fmt.Errorf("--tz %q is not a time zone: use an IANA name such as Europe/Berlin or America/New_York", o.tz)
				}
				opt.Zone = loc
			}
			return a.runImport(ctx, args, opt, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.tz, "tz", "", "time zone of CSV files that name none (IANA name, e.g. Europe/Berlin; default: the local zone)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "list everything a file held that was not imported")
	f.BoolVar(&o.list, "list", false, "list the profile's imports: id, when, file, rows added, undone")
	f.Int64Var(&o.undo, "undo", 0, "take out everything import `ID` added (see --list)")
	f.BoolVar(&o.json, "json", false, "write the results (or the list) as JSON on standard output (see docs/json.md)")
	return cmd
}

// importOptions are the flags of vitals import.
type importOptions struct {
	tz      string
	verbose bool
	list    bool
	undo    int64
	json    bool
}

func (a *invocation) runImport(ctx context.Context, paths []string, opt files.Options, o importOptions) error {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	// The profile is looked up first (a missing one is an error before
	// anything is read) but the default one is only created when a file
	// has readings to store, and taken away again if that file then fails,
	// so a failed import leaves the database as it was.
	var (
		profile *store.Profile
		created bool // this run created the profile, and nothing is in it yet
	)
	if a.Profile != store.DefaultProfile {
		p, err := a.CurrentProfile(ctx, db)
		if err != nil {
			return err
		}
		profile = &p
	}
	profileID := func(ctx context.Context) (int64, error) {
		if profile == nil {
			_, err := db.Profile(ctx, a.Profile)
			existed := err == nil
			p, err := a.CurrentProfile(ctx, db)
			if err != nil {
				return 0, err
			}
			profile, created = &p, !existed
		}
		return profile.ID, nil
	}

	tty := isTerminal(a.stderr)
	_, width, _ := terminal(a.stderr)
	var results []importResultJSON
	failed := 0
	for i, path := range paths {
		name := path
		if path == "-" {
			name = "stdin"
		}
		progress := newTransferProgress(a.stderr, tty, width, "importing "+name, time.Now)
		opt.Progress = func(p files.Progress) { progress.update(p.Bytes, p.Size, p.Readings, 0) }
		f, err := files.Import(ctx, files.DB(db), profileID, path, a.stdin, opt)
		progress.done()
		if err != nil {
			failed++
			if created {
				// The profile this file made holds nothing: take it away.
				a.dropProfile(ctx, db, profile.Name)
				profile, created = nil, false
			}
			fmt.Fprintf(a.stderr, "vitals: import %s\n", importFailure(err))
			if o.json {
				results = append(results, importResultJSON{File: name, Error: sanitize.Text(err.Error())})
			}
			if errors.Is(err, context.Canceled) {
				if rest := len(paths) - i - 1; rest > 0 {
					fmt.Fprintf(a.stderr, "vitals: %d more %s not imported\n", rest, health.Plural(rest, "file was", "files were"))
				}
				if o.json {
					if err := writeJSON(a.stdout, results); err != nil {
						return err
					}
				}
				return errors.New("import interrupted; the database is as it was before the file being read")
			}
			continue
		}
		if f.ImportID != 0 {
			created = false
		}
		if o.json {
			results = append(results, importJSON(f, a.undoCommand(f.ImportID)))
			continue
		}
		printImport(a.stdout, f, o.tz != "", o.verbose, a.undoCommand(f.ImportID))
	}
	if o.json {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	}
	switch {
	case failed == 1 && len(paths) == 1:
		return errors.New("the file could not be imported (see above)")
	case failed == len(paths):
		return fmt.Errorf("%d of %d files could not be imported (see above)", failed, len(paths))
	case failed > 0:
		return fmt.Errorf("%d of %d files could not be imported (see above); the others were", failed, len(paths))
	}
	return nil
}

// dropProfile removes a profile an import created for a file that then
// failed, even when the import was interrupted.
func (a *invocation) dropProfile(ctx context.Context, db *store.DB, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := db.RemoveProfile(ctx, name); err != nil {
		fmt.Fprintf(a.stderr, "vitals: warning: the profile %q made for the import is left empty: %v\n", name, err)
	}
}

// undoCommand is the command that undoes an import, or "" for none.
func (a *invocation) undoCommand(id int64) string {
	if id == 0 {
		return ""
	}
	if a.Profile != "" && a.Profile != store.DefaultProfile {
		return fmt.Sprintf("vitals --profile %s import --undo %d", a.Profile, id)
	}
	return fmt.Sprintf("vitals import --undo %d", id)
}

// importFailure says why a file was not imported, and what to do: fix
// the file only when the file is at fault.
func importFailure(err error) string {
	msg := sanitize.Text(err.Error())
	var fe *files.Error
	switch {
	case errors.Is(err, context.Canceled):
		return msg + "\n  Nothing from this file was imported: the import was stopped, and the database is as it was."
	case errors.As(err, &fe):
		return msg + "\n  Nothing from this file was imported; fix it and import it again."
	case diskFull(err):
		return msg + "\n  Nothing from this file was imported: the disk is full. The file is not at fault: free some space (where the database is, and the temporary folder for standard input) and import it again."
	}
	return msg + "\n  Nothing from this file was imported. The file is not at fault: the database could not store its readings; import it again, and check the database (--db) if it happens again."
}

// diskFull reports an error that says a disk is full: the system's
// ENOSPC, or SQLite's SQLITE_FULL.
func diskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == 13 { // SQLITE_FULL and its extended codes
		return true
	}
	return strings.Contains(err.Error(), "database or disk is full")
}

// printImport says what one file gave: per kind, what was added, already
// held, updated, unchanged or kept beside; what was ignored (not
// imported); the zone zone-less rows were read in; the import's id. Every
// text the file gave is made safe for the terminal.
func printImport(w io.Writer, f *files.File, zoneFromFlag, verbose bool, undo string) {
	fmt.Fprintf(w, "%s: %s\n", sanitize.Line(f.Name), sanitize.Line(f.Format))
	if f.Zone != nil {
		how := "the local zone; choose another with --tz"
		if zoneFromFlag {
			how = "from --tz"
		}
		fmt.Fprintf(w, "  times read in %s (%s)\n", sanitize.Line(files.ZoneName(f.Zone)), how)
	}
	res := f.Result
	kinds := append(slices.Clone(health.Kinds), health.KindCondition)
	stored := false
	for _, k := range kinds {
		c, ok := res[k]
		if !ok {
			continue
		}
		stored = true
		fmt.Fprintf(w, "  %-15s %s\n", kindLabel(k)+":", describeResult(c))
	}
	if !stored {
		fmt.Fprintln(w, "  no readings in this file")
	}
	if kept := res.Total().Kept; kept > 0 {
		fmt.Fprintf(w, "  note: %d %s an id this source already gave a different reading; both are kept, neither is written over.\n",
			kept, health.Plural(kept, "reading reuses", "readings reuse"))
	}
	warnSevere(w, f.Severe, f.SevereCount)
	printIgnored(w, f.Ignored, verbose)
	if undo != "" {
		t := res.Total()
		rows := t.Added + t.Held + t.Kept
		fmt.Fprintf(w, "  import %d: %d %s stored; undo with %s\n", f.ImportID, rows, health.Plural(rows, "row", "rows"), undo)
	}
}

// describeResult says what became of one kind's readings: new
// measurements, measurements already held through another route (an
// export of them, the vendor's copy), updated, unchanged, and different
// readings under a known id kept beside the one held.
func describeResult(c store.Counts) string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{
		{c.Added, "added"},
		{c.Held, "already held through another route"},
		{c.Updated, "updated"},
		{c.Unchanged, "skipped as duplicates"},
		{c.Kept, "kept beside a different reading with the same id"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

// warnSevere names a file's readings above 180/120 mmHg: clinical-rules.md
// asks for a visible warning wherever such a reading appears, whatever the
// rulebook, and an import is where a person first sees it. severe holds
// the earliest few of them, by time; n is how many there were.
func warnSevere(w io.Writer, severe []health.BloodPressure, n int) {
	if n == 0 {
		return
	}
	var list []string
	for _, r := range severe {
		list = append(list, fmt.Sprintf("%s/%s on %s", r.Systolic, r.Diastolic, r.Local().Format("2006-01-02 15:04")))
	}
	if rest := n - len(severe); rest > 0 {
		list = append(list, fmt.Sprintf("%d more", rest))
	}
	fmt.Fprintf(w, "  warning: %d %s above 180/120 mmHg (%s). %s\n",
		n, health.Plural(n, "reading", "readings"), strings.Join(list, ", "), health.SevereAttention)
}

// ignoredShown is how many lines of ignored things are listed without --verbose.
const ignoredShown = 8

// printIgnored lists what a file held that was not imported. Without
// --verbose, resources and codes vitals never maps are grouped by resource
// type; what looked like a reading but was skipped, and CSV cells not
// stored, are always listed one by one.
func printIgnored(w io.Writer, ignored map[string]int, verbose bool) {
	if len(ignored) == 0 {
		return
	}
	if len(ignored) <= ignoredShown {
		verbose = true // few enough to list one by one
	}
	lines := map[string]int{}
	var always []string
	total := 0
	for k, n := range ignored {
		total += n
		switch {
		case verbose:
			lines[k] += n
		case strings.Contains(k, fhir.SkippedMarker) || strings.HasPrefix(k, "CSV "):
			lines[k] += n
			always = append(always, k)
		default:
			typ, _, _ := strings.Cut(k, " ")
			switch {
			case typ == "Observation" && typ != k:
				typ = "Observation (codes vitals does not map)"
			case typ == "Condition" && typ != k:
				typ = "Condition (other than atrial fibrillation)"
			}
			lines[typ] += n
		}
	}
	byCount := func(x, y string) int {
		return cmp.Or(cmp.Compare(lines[y], lines[x]), strings.Compare(x, y))
	}
	keys := slices.SortedFunc(maps.Keys(lines), byCount)
	fmt.Fprintf(w, "  %-15s %d\n", "not imported:", total)
	shown := keys
	if !verbose && len(keys) > ignoredShown {
		// Skipped readings are always shown; the largest groups fill the rest.
		slices.SortFunc(always, byCount)
		shown = append([]string{}, always...)
		for _, k := range keys {
			if len(shown) >= ignoredShown {
				break
			}
			if !slices.Contains(shown, k) {
				shown = append(shown, k)
			}
		}
		slices.SortFunc(shown, byCount)
	}
	for _, k := range shown {
		fmt.Fprintf(w, "    %5d  %s\n", lines[k], sanitize.Line(k))
	}
	if rest := len(keys) - len(shown); rest > 0 {
		n := 0
		for _, k := range keys {
			if !slices.Contains(shown, k) {
				n += lines[k]
			}
		}
		fmt.Fprintf(w, "    %5d  in %d other resource types (--verbose lists everything)\n", n, rest)
	}
}

// importProfile returns the profile --profile names without creating it:
// found is false for the default profile before anything was stored.
func (a *invocation) importProfile(ctx context.Context, db *store.DB) (p store.Profile, found bool, err error) {
	p, err = db.Profile(ctx, a.Profile)
	switch {
	case err == nil:
		return p, true, nil
	case errors.Is(err, store.ErrNotFound) && (a.Profile == "" || a.Profile == store.DefaultProfile):
		return p, false, nil
	case errors.Is(err, store.ErrNotFound):
		_, err = a.CurrentProfile(ctx, db) // says how to add it
	}
	return p, false, err
}

// listImports writes the profile's imports, newest first.
func (a *invocation) listImports(ctx context.Context, asJSON bool) error {
	db, _, err := a.OpenDBToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	p, found, err := a.importProfile(ctx, db)
	if err != nil {
		return err
	}
	var list []store.ImportRecord
	if found {
		if list, err = db.Imports(ctx, p.ID); err != nil {
			return err
		}
	}
	if asJSON {
		out := make([]importRecordJSON, 0, len(list))
		for _, r := range list {
			out = append(out, importRecordOf(r))
		}
		return writeJSON(a.stdout, out)
	}
	if len(list) == 0 {
		fmt.Fprintf(a.stderr, "vitals: no file imports in profile %s\n", sanitize.Line(a.Profile))
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tIMPORTED\tROWS ADDED\tUNDONE\tFILE")
	for _, r := range list {
		undone := "-"
		if !r.UndoneAt.IsZero() {
			undone = r.UndoneAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", r.ID, r.ImportedAt.Local().Format("2006-01-02 15:04"), r.Added, undone, sanitize.Line(r.Name))
	}
	return tw.Flush()
}

// undoImport takes one import back out of the profile.
func (a *invocation) undoImport(ctx context.Context, id int64, asJSON bool) error {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	p, found, err := a.importProfile(ctx, db)
	if err != nil {
		return err
	}
	notFound := fmt.Errorf("no import %d in profile %s: see vitals import --list", id, sanitize.Line(a.Profile))
	if !found {
		return notFound
	}
	list, err := db.Imports(ctx, p.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(r store.ImportRecord) bool { return r.ID == id })
	if i < 0 {
		return notFound
	}
	rec := list[i]
	n, err := db.UndoImport(ctx, p.ID, id)
	switch {
	case errors.Is(err, store.ErrUndone):
		return fmt.Errorf("import %d (%s) was undone already, on %s", id, sanitize.Line(rec.Name), rec.UndoneAt.Local().Format("2006-01-02 15:04"))
	case errors.Is(err, store.ErrNotFound):
		return notFound
	case err != nil:
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, undoJSON{ID: id, File: rec.Name, Removed: n})
	}
	fmt.Fprintf(a.stdout, "import %d (%s, %s) undone: %d %s removed\n", id, sanitize.Line(rec.Name),
		rec.ImportedAt.Local().Format("2006-01-02 15:04"), n, health.Plural(n, "row", "rows"))
	return nil
}

// importResultJSON is one file's object in vitals import --json.
type importResultJSON struct {
	File        string                `json:"file"`
	Format      string                `json:"format,omitempty"`
	ImportID    int64                 `json:"import_id,omitempty"`
	Undo        string                `json:"undo,omitempty"`
	Readings    map[string]countsJSON `json:"readings,omitempty"`
	Severe      int                   `json:"above_180_120,omitempty"`
	NotImported map[string]int        `json:"not_imported,omitempty"`
	Zone        string                `json:"zone,omitempty"`
	Error       string                `json:"error,omitempty"`
}

// countsJSON is what became of one kind's readings.
type countsJSON struct {
	Added     int `json:"added"`
	Held      int `json:"held"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Kept      int `json:"kept"`
}

func importJSON(f *files.File, undo string) importResultJSON {
	r := importResultJSON{File: f.Name, Format: f.Format, ImportID: f.ImportID, Undo: undo, Severe: f.SevereCount,
		Readings: map[string]countsJSON{}, NotImported: f.Ignored}
	for k, c := range f.Result {
		r.Readings[string(k)] = countsJSON{Added: c.Added, Held: c.Held, Updated: c.Updated, Unchanged: c.Unchanged, Kept: c.Kept}
	}
	if f.Zone != nil {
		r.Zone = files.ZoneName(f.Zone)
	}
	return r
}

// importRecordJSON is one import in vitals import --list --json.
type importRecordJSON struct {
	ID         int64  `json:"id"`
	File       string `json:"file"`
	SHA256     string `json:"sha256"`
	ImportedAt string `json:"imported_at"`
	Added      int    `json:"added"`
	UndoneAt   string `json:"undone_at,omitempty"`
}

func importRecordOf(r store.ImportRecord) importRecordJSON {
	out := importRecordJSON{ID: r.ID, File: r.Name, SHA256: r.SHA256, ImportedAt: r.ImportedAt.UTC().Format(time.RFC3339), Added: r.Added}
	if !r.UndoneAt.IsZero() {
		out.UndoneAt = r.UndoneAt.UTC().Format(time.RFC3339)
	}
	return out
}

// undoJSON is what vitals import --undo --json writes.
type undoJSON struct {
	ID      int64  `json:"id"`
	File    string `json:"file"`
	Removed int    `json:"removed"`
}
