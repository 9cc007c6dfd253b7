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
	"time"

	"github.com/spf13/cobra"

	"vitals/fhir"
	"vitals/health"
	"vitals/providers/files"
	"vitals/store"
)

func newImportCmd(a *invocation) *cobra.Command {
	var (
		tz      string
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import Omron Connect CSV exports and FHIR R4 JSON files",
		Long: `Import readings from files into the profile's database.

Accepted, whatever the file name says (the content decides):
  - FHIR R4 JSON: a Bundle of any type (collection, searchset, transaction,
    batch, document) or a single Observation or Condition.
  - Omron Connect CSV exports: the US layout (Jan 12 2025), the day-first
    layout (21 Nov 2024, with Measurement Mode and Device columns) and the
    layout with a Timezone column (2024/11/21 11:40, Europe/Berlin).

CSV files without a time zone are read in the zone --tz names, else in the
local zone; the import says which. Each file is imported whole or not at
all; importing a file again adds nothing. What a file holds that vitals does
not store (lab results, claims, other diagnoses) is counted, never an error.
Use - to read standard input.`,
		Example: `  vitals import ~/Downloads/OMRON-report.csv patient-bundle.json
  vitals import --tz America/Chicago omron-export.csv
  vitals --profile dad import dad-bp.csv`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name at least one file to import, e.g. vitals import OMRON-report.csv")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := files.Options{Zone: files.LocalZone()}
			fromFlag := false
			if tz != "" {
				loc, err := time.LoadLocation(tz)
				if err != nil {
					return fmt.Errorf("--tz %q is not a time zone: use an IANA name such as Europe/Berlin or America/New_York", tz)
				}
				opt.Zone, fromFlag = loc, true
			}
			return a.runImport(cmd.Context(), args, opt, fromFlag, verbose)
		},
	}
	cmd.Flags().StringVar(&tz, "tz", "", "time zone of CSV files that name none (IANA name, e.g. Europe/Berlin; default: the local zone)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list everything a file held that was not imported")
	return cmd
}

func (a *invocation) runImport(ctx context.Context, paths []string, opt files.Options, zoneFromFlag, verbose bool) error {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	// The profile is looked up first (a missing one is an error before
	// anything is read) but the default one is only created when a file
	// has readings to store, so a failed import leaves the database as it was.
	var profile *store.Profile
	if a.Profile != store.DefaultProfile {
		p, err := a.CurrentProfile(ctx, db)
		if err != nil {
			return err
		}
		profile = &p
	}

	failed := 0
	for _, path := range paths {
		f, err := files.ReadFile(path, a.stdin, opt)
		if err == nil && profile == nil && f.Batch.Len() > 0 {
			var p store.Profile
			if p, err = a.CurrentProfile(ctx, db); err == nil {
				profile = &p
			}
		}
		var res store.Result
		if err == nil && f.Batch.Len() > 0 {
			res, err = files.Import(ctx, db, profile.ID, f)
		}
		if err != nil {
			failed++
			fmt.Fprintf(a.stderr, "vitals: import %v\n  Nothing from this file was imported; fix it and import it again.\n", err)
			continue
		}
		printImport(a.stdout, f, res, zoneFromFlag, verbose)
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

// printImport says what one file gave: per kind, what was added, already
// held, updated, unchanged or kept beside; what was ignored (not
// imported); the zone zone-less rows were read in.
func printImport(w io.Writer, f *files.File, res store.Result, zoneFromFlag, verbose bool) {
	fmt.Fprintf(w, "%s: %s\n", f.Name, f.Format)
	if f.Zone != nil {
		how := "the local zone; choose another with --tz"
		if zoneFromFlag {
			how = "from --tz"
		}
		fmt.Fprintf(w, "  times read in %s (%s)\n", files.ZoneName(f.Zone), how)
	}
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
	warnSevere(w, f.Batch.BloodPressure)
	printIgnored(w, f.Ignored, verbose)
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

// severeShown is how many readings above 180/120 a warning names.
const severeShown = 3

// warnSevere names a file's readings above 180/120 mmHg: clinical-rules.md
// asks for a visible warning wherever such a reading appears, whatever the
// rulebook, and an import is where a person first sees it.
func warnSevere(w io.Writer, bps []health.BloodPressure) {
	var severe []health.BloodPressure
	for _, r := range bps {
		if r.HasPressures() && health.Severe(r.Systolic.Or(0), r.Diastolic.Or(0)) {
			severe = append(severe, r)
		}
	}
	if len(severe) == 0 {
		return
	}
	slices.SortFunc(severe, func(a, b health.BloodPressure) int { return a.Time.Compare(b.Time) })
	var list []string
	for _, r := range severe[:min(len(severe), severeShown)] {
		list = append(list, fmt.Sprintf("%s/%s on %s", r.Systolic, r.Diastolic, r.Local().Format("2006-01-02 15:04")))
	}
	if rest := len(severe) - severeShown; rest > 0 {
		list = append(list, fmt.Sprintf("%d more", rest))
	}
	fmt.Fprintf(w, "  warning: %d %s above 180/120 mmHg (%s). %s\n",
		len(severe), health.Plural(len(severe), "reading", "readings"), strings.Join(list, ", "), health.SevereAttention)
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
		fmt.Fprintf(w, "    %5d  %s\n", lines[k], k)
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
