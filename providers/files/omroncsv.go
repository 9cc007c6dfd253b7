package files

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"vitals/health"
)

// OriginOmronCSV is the origin of readings from Omron Connect CSV exports.
const OriginOmronCSV = "Omron Connect CSV"

// ScopeOmronCSV is the id scope of readings from Omron Connect CSV
// exports: their ids are derived from the rows, so the same reading in two
// overlapping exports is one key.
const ScopeOmronCSV = "omron-csv"

// RowError is a CSV row vitals cannot read, at a 1-based line of the file.
type RowError struct {
	Line   int
	Column string // the header's name of the column at fault, if one is
	Err    error
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %s: %v", e.Line, quote(e.Column), e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// column is what a CSV column holds.
type column int

const (
	colUnknown      column = iota
	colDate                // a date, or a date and time when there is no time column
	colTime                // a time of day
	colDateTime            // a date and time
	colZone                // an IANA zone name or a UTC offset
	colSystolic            // mmHg
	colDiastolic           // mmHg
	colPulse               // beats per minute
	colIrregular           // irregular heartbeat flag
	colIHBCount            // how many irregular beats were detected
	colAFib                // possible AFib flag
	colBodyMovement        // body movement flag
	colDevice              // the monitor's model
	colNotStored           // known, not stored: notes, symptoms, mode, cuff guide...
)

// headerNames maps a header, folded by foldHeader, to its column.
var headerNames = map[string]column{
	"date": colDate, "measurementday": colDate,
	"time": colTime, "measurementtime": colTime,
	"measurementdate": colDateTime, "datetime": colDateTime, "measurementdatetime": colDateTime, "dateandtime": colDateTime,
	"timezone": colZone, "tz": colZone, "zone": colZone,
	"systolic": colSystolic, "sys": colSystolic, "systolicpressure": colSystolic, "systolicbloodpressure": colSystolic,
	"diastolic": colDiastolic, "dia": colDiastolic, "diastolicpressure": colDiastolic, "diastolicbloodpressure": colDiastolic,
	"pulse": colPulse, "pulserate": colPulse, "heartrate": colPulse, "pul": colPulse,
	"irregularheartbeat": colIrregular, "irregularheartbeatdetected": colIrregular, "ihb": colIrregular, "irregularheartbeatdetection": colIrregular, "irregularheartbeats": colIrregular,
	"ihbdetectioncounts": colIHBCount, "ihbcount": colIHBCount, "ihbcounts": colIHBCount, "ihbdetectioncount": colIHBCount,
	"possibleafib": colAFib, "afib": colAFib, "afibdetected": colAFib, "possibleafibdetected": colAFib, "atrialfibrillation": colAFib, "afibdetection": colAFib,
	"bodymovement": colBodyMovement, "bodymovementdetected": colBodyMovement, "movement": colBodyMovement, "movementdetected": colBodyMovement,
	"device": colDevice, "devicemodel": colDevice, "model": colDevice, "devicename": colDevice,
	"symptoms": colNotStored, "consumed": colNotStored, "truread": colNotStored, "notes": colNotStored, "note": colNotStored,
	"measurementmode": colNotStored, "mode": colNotStored, "cuffwrapguide": colNotStored, "cuffwrap": colNotStored,
	"positioningindicator": colNotStored, "positioning": colNotStored, "roomtemperature": colNotStored,
}

// foldHeader reduces a header to lower-case letters and digits, without
// the unit in parentheses: "SYS(mmHg)" and "Systolic (mmHg)" give "sys"
// and "systolic".
func foldHeader(h string) string {
	if i := strings.IndexAny(h, "(["); i > 0 {
		h = h[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// csvLayout is a header vitals recognised: which column holds what.
type csvLayout struct {
	names []string // the header as written
	cols  []column
	index map[column]int
}

// parseHeader recognises an Omron Connect header: a date (or date and
// time) column and both pressures are required; other columns are
// optional and unknown ones are kept aside.
func parseHeader(rec []string) (*csvLayout, bool) {
	l := &csvLayout{names: rec, cols: make([]column, len(rec)), index: map[column]int{}}
	for i, h := range rec {
		c := headerNames[foldHeader(h)]
		l.cols[i] = c
		if c != colUnknown && c != colNotStored {
			if _, dup := l.index[c]; !dup {
				l.index[c] = i
			}
		}
	}
	_, date := l.index[colDate]
	_, dateTime := l.index[colDateTime]
	_, sys := l.index[colSystolic]
	_, dia := l.index[colDiastolic]
	return l, (date || dateTime) && sys && dia
}

// headerSearchRows is how many records before the header a file may hold
// (a report title, a name, an empty line).
const headerSearchRows = 10

// readOmronCSV reads an Omron Connect export line by line. The delimiter
// (comma, semicolon or tab) is the first that yields a recognisable header
// in the first headerSearchRows records.
func (pg *pager) readOmronCSV(src *source) error {
	for _, delim := range []rune{',', ';', '\t'} {
		if _, err := src.Seek(0, io.SeekStart); err != nil {
			return err
		}
		rr := newRecordReader(src, delim)
		layout, err := findHeader(rr)
		if err != nil {
			return err
		}
		if layout != nil {
			return pg.readOmronRows(rr, layout)
		}
	}
	first := firstLine(pg.in.content(), 80)
	return fmt.Errorf("%w: not FHIR JSON, and no Omron Connect CSV header (a Date or Measurement Date column, Systolic and Diastolic) in the first %d lines; line 1 is %q", ErrUnrecognized, headerSearchRows, first)
}

// findHeader looks for an Omron Connect header in the first
// headerSearchRows records. It returns nil when there is none with this
// reader's delimiter, and an error only for what no delimiter would read:
// a record too long, a failing read.
func findHeader(rr *recordReader) (*csvLayout, error) {
	for range headerSearchRows {
		rec, _, _, err := rr.next()
		var re *RowError
		switch {
		case errors.As(err, &re) && errors.Is(err, ErrRecordTooLong):
			return nil, err
		case errors.Is(err, io.EOF), errors.As(err, &re):
			return nil, nil // not this delimiter, or not a CSV at all
		case err != nil:
			return nil, err
		}
		if l, ok := parseHeader(rec); ok {
			return l, nil
		}
	}
	return nil, nil
}

// firstLine returns the start of r's first line, cut to n bytes with "...".
func firstLine(r io.Reader, n int) string {
	buf := make([]byte, n+1)
	m, _ := io.ReadFull(r, buf)
	line := buf[:m]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	} else if len(line) > n {
		return string(line[:n]) + "..."
	}
	return string(line)
}

// readOmronRows reads the rows after the header.
func (pg *pager) readOmronRows(rr *recordReader, layout *csvLayout) error {
	p := &rowParser{layout: layout, zone: pg.opt.Zone, now: pg.now, ignored: map[string]int{}, zones: map[string]*time.Location{}}
	if p.zone == nil {
		p.zone = time.Local
	}
	out := &page{p: pg}
	for {
		rec, raw, line, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		bp, ok, err := p.row(rec, raw)
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				re.Line = line
				return re
			}
			return &RowError{Line: line, Err: err}
		}
		if ok {
			out.b.BloodPressure = append(out.b.BloodPressure, bp)
			if err := out.added(len(bp.Raw)); err != nil {
				return err
			}
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	f := pg.file
	f.Format, f.Ignored = p.describe(), p.ignored
	if p.zoneUsed {
		f.Zone = p.zone
	}
	return nil
}

// rowParser turns rows into readings.
type rowParser struct {
	layout   *csvLayout
	zone     *time.Location // for rows without a zone
	zoneUsed bool
	zones    map[string]*time.Location
	now      time.Time      // readings after it (and before 1900) are refused
	lastFmt  string         // the date layout that matched last
	order    string         // "month first", "day first", "year first"
	seen     recent[uint64] // recent provider ids -> a hash of the row, to tell repeats from same-minute readings
	ignored  map[string]int
}

func (p *rowParser) describe() string {
	if _, ok := p.layout.index[colZone]; ok {
		return "Omron Connect CSV with a Timezone column"
	}
	switch p.order {
	case "month first":
		return "Omron Connect CSV, US layout (month-first dates)"
	case "day first":
		return "Omron Connect CSV, day-first layout"
	}
	return "Omron Connect CSV"
}

func (p *rowParser) cell(rec []string, c column) (string, bool) {
	i, ok := p.layout.index[c]
	if !ok || i >= len(rec) {
		return "", false
	}
	return strings.TrimSpace(rec[i]), true
}

func (p *rowParser) row(rec []string, raw []byte) (health.BloodPressure, bool, error) {
	var bp health.BloodPressure
	names := p.layout.names
	if len(rec) < len(names) {
		return bp, false, fmt.Errorf("%d fields, the header has %d", len(rec), len(names))
	}
	for i := len(names); i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			return bp, false, fmt.Errorf("%d fields, the header has %d", len(rec), len(names))
		}
	}
	colErr := func(c column, err error) error {
		return &RowError{Column: names[p.layout.index[c]], Err: err}
	}

	local, loc, err := p.when(rec)
	if err != nil {
		return bp, false, err
	}
	for _, c := range []struct {
		col column
		v   *health.Value
	}{{colSystolic, &bp.Systolic}, {colDiastolic, &bp.Diastolic}, {colPulse, &bp.Pulse}} {
		s, ok := p.cell(rec, c.col)
		if !ok {
			continue
		}
		if *c.v, err = parseMeasure(s); err != nil {
			return bp, false, colErr(c.col, err)
		}
	}
	for _, c := range []struct {
		col column
		v   *bool
	}{{colIrregular, &bp.IrregularHeartbeat}, {colAFib, &bp.PossibleAFib}, {colBodyMovement, &bp.BodyMovement}} {
		s, ok := p.cell(rec, c.col)
		if !ok {
			continue
		}
		if *c.v, err = parseFlag(s); err != nil {
			return bp, false, colErr(c.col, err)
		}
	}
	if s, ok := p.cell(rec, colIHBCount); ok {
		n, err := parseMeasure(s)
		if err != nil {
			return bp, false, colErr(colIHBCount, err)
		}
		if n.Valid() {
			bp.IrregularHeartbeat = true
		}
	}
	bp.Device, _ = p.cell(rec, colDevice)
	if isMissing(bp.Device) {
		bp.Device = ""
	}
	for i, c := range p.layout.cols {
		if c != colUnknown && c != colNotStored {
			continue
		}
		if i < len(rec) && !isMissing(strings.TrimSpace(rec[i])) {
			p.ignored["CSV column "+quote(names[i])]++
		}
	}
	if !bp.Systolic.Valid() && !bp.Diastolic.Valid() && !bp.Pulse.Valid() && !bp.Flagged() && !p.zeroed(rec) {
		p.ignored["CSV row without a measurement"]++
		return bp, false, nil
	}
	if err := bp.CheckValues(); err != nil {
		var re *health.RangeError
		if errors.As(err, &re) {
			if c := columnOfField(re.Field); c != colUnknown {
				return bp, false, colErr(c, err)
			}
		}
		return bp, false, err
	}

	at := health.AtWallClock(local, loc)
	if err := health.CheckTime(at, p.now); err != nil {
		return bp, false, &RowError{Column: p.dateColumn(), Err: err}
	}
	id := "omron-csv:" + local.Format("2006-01-02T15:04:05")
	if bp.Device != "" {
		id += "/" + bp.Device
	}
	content := rowHash(rec)
	for n := 2; ; n++ {
		prev, dup := p.seen.get(id)
		if !dup {
			break
		}
		if prev == content {
			p.ignored["CSV row repeated in the file"]++
			return bp, false, nil
		}
		// Two different readings in the same minute: number them in file
		// order, which a later export of the same readings keeps.
		id = fmt.Sprintf("%s#%d", strings.SplitN(id, "#", 2)[0], n)
	}
	p.seen.put(id, content)
	bp.Meta = health.Meta{
		ProviderID: id,
		IDScope:    ScopeOmronCSV,
		Time:       at.UTC(),
		Offset:     health.OffsetOf(at),
		Device:     bp.Device,
		Origin:     OriginOmronCSV,
		Setting:    health.SettingHome,
		Raw:        append([]byte(nil), raw...),
	}
	return bp, true, nil
}

// zeroed reports whether a row's pressures are written as zeros: a
// measurement the monitor blanked (during a rhythm error). The US layout
// has no flag column to say so, so the zeros are all there is; the row is
// a reading without values, not an empty line.
func (p *rowParser) zeroed(rec []string) bool {
	for _, c := range []column{colSystolic, colDiastolic} {
		s, ok := p.cell(rec, c)
		if !ok {
			return false
		}
		if x, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err != nil || x != 0 {
			return false
		}
	}
	return true
}

// columnOfField is the column of a field health.BloodPressure's
// CheckValues names.
func columnOfField(field string) column {
	switch field {
	case "systolic":
		return colSystolic
	case "diastolic":
		return colDiastolic
	case "pulse":
		return colPulse
	}
	return colUnknown
}

// Date layouts, tried in order; "month first" and "day first" name the
// US and the other regions' exports. Numeric dates with the year last
// (01/02/2025) are refused: the day and month cannot be told apart.
var dateLayouts = []struct{ layout, order string }{
	{"Jan 2 2006", "month first"}, {"Jan 2, 2006", "month first"},
	{"January 2 2006", "month first"}, {"January 2, 2006", "month first"},
	{"2 Jan 2006", "day first"}, {"2 January 2006", "day first"}, {"2-Jan-2006", "day first"},
	{"2006/1/2", "year first"}, {"2006-1-2", "year first"}, {"2006.1.2", "year first"},
}

var timeLayouts = []string{"15:04", "15:04:05", "3:04 PM", "3:04:05 PM", "3:04PM", "3:04:05PM"}

// dateColumn is the name of the column the row's date is read from.
func (p *rowParser) dateColumn() string {
	if i, ok := p.layout.index[colDateTime]; ok {
		return p.layout.names[i]
	}
	return p.layout.names[p.layout.index[colDate]]
}

// when returns the row's wall-clock time (in a UTC placeholder zone) and
// the zone it is to be read in.
func (p *rowParser) when(rec []string) (time.Time, *time.Location, error) {
	var s, colName string
	if dt, ok := p.cell(rec, colDateTime); ok {
		s, colName = dt, p.layout.names[p.layout.index[colDateTime]]
	} else {
		d, _ := p.cell(rec, colDate)
		s, colName = d, p.layout.names[p.layout.index[colDate]]
		if isMissing(d) {
			return time.Time{}, nil, &RowError{Column: colName, Err: errors.New("no date")}
		}
		if t, ok := p.cell(rec, colTime); ok {
			s += " " + t
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	local, err := p.parseLocal(s)
	if err != nil {
		return time.Time{}, nil, &RowError{Column: colName, Err: err}
	}
	loc := p.zone
	if z, ok := p.cell(rec, colZone); ok && !isMissing(z) {
		if loc, err = p.loadZone(z); err != nil {
			return time.Time{}, nil, &RowError{Column: p.layout.names[p.layout.index[colZone]], Err: err}
		}
	} else {
		p.zoneUsed = true
	}
	return local, loc, nil
}

func (p *rowParser) parseLocal(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("no date")
	}
	up := strings.ToUpper(s)
	if p.lastFmt != "" {
		if t, err := time.Parse(p.lastFmt, up); err == nil {
			return t, nil
		}
	}
	for _, d := range dateLayouts {
		for _, tl := range timeLayouts {
			layout := d.layout + " " + tl
			if t, err := time.Parse(layout, up); err == nil {
				p.lastFmt = layout
				if p.order == "" {
					p.order = d.order
				}
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%s is not a date and time vitals reads (like Jan 12 2025 08:12, 21 Nov 2024 08:12 or 2024/11/21 11:40)", quote(s))
}

// loadZone reads a zone cell: an IANA name ("Europe/Berlin"), or an offset
// ("+01:00", "GMT+01:00", "UTC-5").
func (p *rowParser) loadZone(z string) (*time.Location, error) {
	if loc, ok := p.zones[z]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(z)
	if err != nil {
		off := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(z), "GMT"), "UTC")
		if len(off) >= 2 && len(off) <= 3 && (off[0] == '+' || off[0] == '-') {
			off += ":00" // "UTC-5"
			if len(off) == 5 {
				off = off[:1] + "0" + off[1:]
			}
		}
		secs, perr := health.ParseOffset(off)
		if perr != nil || strings.Trim(off, "+-0123456789:") != "" {
			return nil, fmt.Errorf("%s is not a time zone (want an IANA name like Europe/Berlin, or an offset like +01:00)", quote(z))
		}
		loc = health.FixedZone(secs)
	}
	p.zones[z] = loc
	return loc, nil
}

// isMissing reports whether a cell says "no value": empty, a dash, or the
// -2147483648 some exports write.
func isMissing(s string) bool {
	switch s {
	case "", "-", "--", "—", "–", "-2147483648", "N/A", "n/a", "NA":
		return true
	}
	return false
}

// parseMeasure reads a pressure or a pulse. Missing markers, -1 (Omron's
// "not measured") and 0 (what a monitor writes when it flags possible
// AFib) are missing values, never numbers.
func parseMeasure(s string) (health.Value, error) {
	if isMissing(s) || s == "-1" {
		return health.Missing, nil
	}
	// A decimal comma ("71,5") in regions that write one.
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return health.Missing, fmt.Errorf("%s is not a number", quote(s))
	}
	if x < 0 {
		return health.Missing, fmt.Errorf("%s is negative", quote(s))
	}
	if x == 0 {
		return health.Missing, nil
	}
	return health.Of(x), nil
}

// parseFlag reads a yes/no cell in the spellings exports use.
func parseFlag(s string) (bool, error) {
	if isMissing(s) {
		return false, nil
	}
	switch strings.ToLower(s) {
	case "no", "n", "false", "0", "off", "none", "not detected", "undetected":
		return false, nil
	case "yes", "y", "true", "1", "on", "detected", "+", "✓", "○", "●":
		return true, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return true, nil // a count of detections
	}
	return false, fmt.Errorf("%s is not a yes/no value", quote(s))
}

// rowHash is a hash of a row's cells, to tell a repeated row.
func rowHash(rec []string) uint64 {
	h := fnv.New64a()
	for _, c := range rec {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
