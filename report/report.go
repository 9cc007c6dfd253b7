// Package report writes the clinician's home blood-pressure report (in
// Markdown, one self-contained HTML file, or PDF) and the readings exports.
//
// A report is gathered once (Load from the store, or New from readings in
// hand) into a Report, whose numbers all come from health.Summarize; the
// formats only lay those numbers out, so they can never disagree.
package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"vitals/health"
	"vitals/store"
)

// Format is a report's file format.
type Format string

const (
	Markdown Format = "md"
	HTML     Format = "html"
	PDF      Format = "pdf"
)

// ParseFormat accepts md (or markdown), html and pdf.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "md", "markdown":
		return Markdown, nil
	case "html", "htm":
		return HTML, nil
	case "pdf":
		return PDF, nil
	}
	return "", fmt.Errorf("report format %q: want md, html or pdf", s)
}

// Paper is the PDF page size.
type Paper string

const (
	A4     Paper = "a4"
	Letter Paper = "letter"
)

// ParsePaper accepts a4 and letter.
func ParsePaper(s string) (Paper, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "a4":
		return A4, nil
	case "letter", "us-letter":
		return Letter, nil
	}
	return "", fmt.Errorf("paper %q: want a4 or letter", s)
}

// DefaultDays is the length of the default period: the protocol's week.
const DefaultDays = 7

// ErrNoReadings is returned by Load when no period was given and the
// profile has no blood-pressure readings to take one from.
var ErrNoReadings = errors.New("no blood-pressure readings")

// Options choose what a report covers and how it is made.
type Options struct {
	// From and To are the period, inclusive wall-clock dates. Both zero:
	// the DefaultDays days ending on the day of the last home reading. One
	// zero: DefaultDays days from or to the other.
	From, To health.Date
	Rulebook health.Rulebook
	// All lets Load make a report of a period longer than MaxDays, which
	// it otherwise refuses with a *LongPeriodError.
	All bool
	// Now is when the report is made (time.Now when zero), shown in Zone
	// (time.Local when nil). Tests fix both.
	Now  time.Time
	Zone *time.Location
	// Paper is the PDF page size (A4 when empty).
	Paper Paper
}

// Device is a source of the period's readings.
type Device struct {
	Name     string // the device, or the system when the device is unknown
	Origin   string // the system the readings came from
	Setting  health.Setting
	Manual   bool
	Readings int
}

// Route is one way the period's blood pressures arrived (a linked
// account, a file's source, readings typed in) with what it delivered.
type Route struct {
	Provider store.Provider
	Origin   string // the system the readings came from
	Readings int    // the measurements it delivered
	Shared   int    // of those, measurements that another route delivered too
}

// Report is everything a report shows.
type Report struct {
	Patient string // how the person is named (the profile's title)
	Profile string // the profile's handle
	Summary health.Summary
	Devices []Device
	// Routes is every route of the period's readings; a measurement that
	// came by several is one reading in every figure but listed under
	// each route here. Load fills it; New, given readings alone, cannot.
	Routes []Route
	Made   time.Time // in the zone it is shown in
	Paper  Paper
}

// MaxDays is the longest period Load makes a report of without
// Options.All: a year, leap day included. A longer report lists every
// reading of years, which is rarely what a clinician wants to read (or
// print).
const MaxDays = 366

// LongPeriodError is Load's answer for a period longer than MaxDays
// without Options.All: how long it is and how many readings the report
// would list.
type LongPeriodError struct {
	From, To     health.Date
	Days         int
	Home, Office int // readings the report would list
}

func (e *LongPeriodError) Error() string {
	return fmt.Sprintf("report: the period %s to %s is %s long, more than a year: the report would list %s and %s",
		e.From, e.To, count(e.Days, "day"), count(e.Home, "home reading"), count(e.Office, "office reading"))
}

// Load reads a profile's blood pressures for the period from db and
// builds its report.
func Load(ctx context.Context, db *store.DB, p store.Profile, opt Options) (Report, error) {
	from, to, err := period(ctx, db, p, opt.From, opt.To)
	if err != nil {
		return Report{}, err
	}
	opt.From, opt.To = from, to
	// The store filters by instant, the protocol by each reading's own wall
	// clock: widen by the largest offsets (UTC−12 to UTC+14) and let
	// Summarize keep the readings of the period's days.
	f := store.Filter{
		ProfileID: p.ID,
		From:      from.In(time.UTC).Add(-14 * time.Hour),
		To:        to.AddDays(1).In(time.UTC).Add(12 * time.Hour),
	}
	f.Place = store.HomeOnly
	home, err := db.BloodPressures(ctx, f)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	f.Place = store.OfficeOnly
	office, err := db.BloodPressures(ctx, f)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r := New(p.Title(), p.Name, home, office, opt)
	if s := r.Summary; !opt.All && s.To.Sub(s.From)+1 > MaxDays {
		return Report{}, &LongPeriodError{From: s.From, To: s.To, Days: s.To.Sub(s.From) + 1, Home: len(s.Entries), Office: len(s.OfficeReadings)}
	}
	routes, err := db.RoutesOf(ctx, p.ID, store.RouteFilter{Kind: health.KindBloodPressure, From: from, To: to})
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	for _, rt := range routes {
		r.Routes = append(r.Routes, Route{Provider: rt.Provider, Origin: rt.Origin, Readings: rt.Measurements, Shared: rt.Measurements - rt.Alone})
	}
	return r, nil
}

// period resolves the report's dates, defaulting to the week that ends on
// the day of the last home reading (the last reading of any setting when
// there is no home reading).
func period(ctx context.Context, db *store.DB, p store.Profile, from, to health.Date) (health.Date, health.Date, error) {
	switch {
	case !from.IsZero() && !to.IsZero():
	case !from.IsZero():
		to = from.AddDays(DefaultDays - 1)
	case !to.IsZero():
		from = to.AddDays(-(DefaultDays - 1))
	default:
		var last []health.BloodPressure
		for _, place := range []store.Place{store.HomeOnly, store.AnyPlace} {
			var err error
			last, err = db.BloodPressures(ctx, store.Filter{ProfileID: p.ID, Place: place, Newest: true, Limit: 1})
			if err != nil {
				return from, to, fmt.Errorf("report: find the last reading: %w", err)
			}
			if len(last) > 0 {
				break
			}
		}
		if len(last) == 0 {
			return from, to, fmt.Errorf("report: profile %q: %w: import or sync some first, or give --from and --to", p.Name, ErrNoReadings)
		}
		to = health.DateOf(last[0].Local())
		from = to.AddDays(-(DefaultDays - 1))
	}
	if from.After(to) {
		return from, to, fmt.Errorf("report: the period starts (%s) after it ends (%s)", from, to)
	}
	return from, to, nil
}

// New builds the report of the period opt.From–opt.To from the readings
// given (readings outside the period are left out).
func New(patient, profile string, home, office []health.BloodPressure, opt Options) Report {
	now, zone := opt.Now, opt.Zone
	if now.IsZero() {
		now = time.Now()
	}
	if zone == nil {
		zone = time.Local
	}
	paper := opt.Paper
	if paper == "" {
		paper = A4
	}
	s := health.Summarize(home, office, opt.From, opt.To, opt.Rulebook)
	return Report{
		Patient: patient,
		Profile: profile,
		Summary: s,
		Devices: devices(s),
		Made:    now.In(zone),
		Paper:   paper,
	}
}

// devices lists the sources of the period's readings, most readings first.
func devices(s health.Summary) []Device {
	type key struct {
		name, origin string
		setting      health.Setting
		manual       bool
	}
	counts := map[key]int{}
	add := func(r health.BloodPressure) {
		name := r.Device
		if name == "" {
			name = r.Origin
		}
		if name == "" {
			name = "Unknown device"
		}
		counts[key{name, r.Origin, r.Setting, r.Manual}]++
	}
	for _, e := range s.Entries {
		add(e.BloodPressure)
	}
	for _, r := range s.OfficeReadings {
		add(r)
	}
	var out []Device
	for k, n := range counts {
		out = append(out, Device{Name: k.name, Origin: k.origin, Setting: k.setting, Manual: k.manual, Readings: n})
	}
	slices.SortFunc(out, func(a, b Device) int {
		return cmp.Or(cmp.Compare(b.Readings, a.Readings), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Origin, b.Origin),
			cmp.Compare(a.Setting, b.Setting))
	})
	return out
}

// Write renders the report in format f.
func (r Report) Write(w io.Writer, f Format) error {
	switch f {
	case Markdown:
		return r.Markdown(w)
	case HTML:
		return r.HTML(w)
	case PDF:
		return r.PDF(w)
	}
	return fmt.Errorf("report format %q: want md, html or pdf", f)
}
