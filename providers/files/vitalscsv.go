package files

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"vitals/health"
)

// ScopeVitalsCSV is the id scope of readings read from vitals' own CSV
// exports: their ids are derived from the rows' content, so the same
// reading in two exports is one key.
const ScopeVitalsCSV = "vitals-csv"

// vitalsHeaders are the headers of vitals' own CSV export, one per kind,
// as report.CSVHeader writes them (a test in cli checks they agree; the
// report package sits above this one and cannot be imported here).
var vitalsHeaders = map[string]health.Kind{
	"time_utc,utc_offset,systolic,diastolic,pulse,possible_afib,irregular_heartbeat,device,source":                                health.KindBloodPressure,
	"time_utc,utc_offset,weight_kg,bmi,body_fat_pct,skeletal_muscle_pct,visceral_fat_level,resting_metabolism_kcal,device,source": health.KindWeight,
	"time_utc,utc_offset,steps,aerobic_steps,calories_kcal,distance_m,device,source":                                              health.KindActivity,
	"time_utc,utc_offset,celsius,device,source":                                                                                   health.KindTemperature,
	"time_utc,utc_offset,spo2_pct,pulse,device,source":                                                                            health.KindSpO2,
	"time_utc,utc_offset,bpm,device,source":                                                                                       health.KindHeartRate,
	"time_utc,utc_offset,code_system,code,display,status,source":                                                                  health.KindCondition,
}

// VitalsCSVKind returns the kind of a vitals CSV export header (its
// columns joined by commas), or false when it is not one.
func VitalsCSVKind(header string) (health.Kind, bool) {
	k, ok := vitalsHeaders[header]
	return k, ok
}

// vitalsKind recognises a vitals CSV export by its first line.
func vitalsKind(r io.Reader) (health.Kind, bool, error) {
	var line []byte
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		line = append(line, buf[:n]...)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
			break
		}
		if len(line) > MaxRecord {
			return "", false, &RowError{Line: 1, Err: ErrRecordTooLong}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", false, err
		}
	}
	k, ok := VitalsCSVKind(string(bytes.TrimRight(line, "\r")))
	return k, ok, nil
}

// readVitalsCSV reads one kind's CSV export of vitals, line by line: every
// row is a reading (one per measurement, as the export writes them), so a
// row without values is a reading whose values the monitor blanked, and
// two identical rows are two readings. Times are RFC 3339 in UTC with the
// wall clock's offset beside them; values are canonical; flags true or
// false. What the columns do not carry (setting, manual, hourly activity,
// body movement) is left unset.
func (pg *pager) readVitalsCSV(src *source, kind health.Kind) error {
	rr := newRecordReader(src, ',')
	header, _, _, err := rr.next()
	if err != nil {
		return err
	}
	p := &vitalsRow{names: header, now: pg.now}
	out := &page{p: pg}
	for {
		rec, raw, line, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := p.read(&out.b, kind, rec, raw); err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				re = &RowError{Err: err}
			}
			re.Line = line
			return re
		}
		if err := out.added(len(raw)); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	pg.file.Format = "vitals CSV export (" + strings.ToLower(kind.Label()) + ")"
	pg.file.Ignored = map[string]int{}
	return nil
}

// vitalsRow reads the rows of one export.
type vitalsRow struct {
	names []string
	now   time.Time   // readings after it (and before 1900) are refused
	seen  recent[int] // recent provider ids, for the #2, #3 of repeats
	rec   []string
	err   error
}

// col returns the cell of a named column.
//
// Cells of text are read back as they were before the export made them
// safe for a spreadsheet: see unescapeCell.
func (p *vitalsRow) col(name string) string {
	for i, n := range p.names {
		if n == name {
			return p.rec[i]
		}
	}
	return ""
}

func (p *vitalsRow) fail(name string, err error) {
	if p.err == nil {
		p.err = &RowError{Column: name, Err: err}
	}
}

func (p *vitalsRow) value(name string) health.Value {
	s := p.col(name)
	if s == "" {
		return health.Missing
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		p.fail(name, fmt.Errorf("%s is not a number", quote(s)))
		return health.Missing
	}
	return health.Of(x)
}

func (p *vitalsRow) flag(name string) bool {
	s := p.col(name)
	if s == "" {
		return false
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		p.fail(name, fmt.Errorf("%s is not true or false", quote(s)))
	}
	return v
}

func (p *vitalsRow) read(b *health.Batch, kind health.Kind, rec []string, raw []byte) error {
	if len(rec) != len(p.names) {
		return fmt.Errorf("%d fields, the header has %d", len(rec), len(p.names))
	}
	p.rec, p.err = rec, nil
	at, err := time.Parse(time.RFC3339Nano, p.col("time_utc"))
	if err != nil {
		return &RowError{Column: "time_utc", Err: fmt.Errorf("%s is not an RFC 3339 time", quote(p.col("time_utc")))}
	}
	offset, err := health.ParseOffset(p.col("utc_offset"))
	if err != nil {
		return &RowError{Column: "utc_offset", Err: err}
	}
	if err := health.CheckTime(at, p.now); err != nil {
		return &RowError{Column: "time_utc", Err: err}
	}
	device, source := unescapeCell(p.col("device")), unescapeCell(p.col("source"))
	// The id is the row's instant, device and source: the same reading in
	// another export of it is the same key. Repeats get #2, #3 in file
	// order, as the export writes rows in a fixed order.
	id := "vitals-csv:" + p.col("time_utc") + "/" + device + "/" + source
	n, _ := p.seen.get(id)
	p.seen.put(id, n+1)
	if n > 0 {
		id += "#" + strconv.Itoa(n+1)
	}
	m := health.Meta{ProviderID: id, IDScope: ScopeVitalsCSV, Time: at.UTC(), Offset: offset,
		Device: device, Origin: source, Raw: append([]byte(nil), raw...)}
	var check func() error // the values a device could record
	switch kind {
	case health.KindBloodPressure:
		r := health.BloodPressure{Meta: m, Systolic: p.value("systolic"), Diastolic: p.value("diastolic"), Pulse: p.value("pulse"),
			PossibleAFib: p.flag("possible_afib"), IrregularHeartbeat: p.flag("irregular_heartbeat")}
		check = r.CheckValues
		b.BloodPressure = append(b.BloodPressure, r)
	case health.KindWeight:
		r := health.Weight{Meta: m, Weight: p.value("weight_kg"), BMI: p.value("bmi"), BodyFat: p.value("body_fat_pct"),
			SkeletalMuscle: p.value("skeletal_muscle_pct"), VisceralFat: p.value("visceral_fat_level"), RestingMetabolism: p.value("resting_metabolism_kcal")}
		check = r.CheckValues
		b.Weight = append(b.Weight, r)
	case health.KindActivity:
		r := health.Activity{Meta: m, Steps: p.value("steps"), AerobicSteps: p.value("aerobic_steps"),
			Calories: p.value("calories_kcal"), Distance: p.value("distance_m")}
		check = r.CheckValues
		b.Activity = append(b.Activity, r)
	case health.KindTemperature:
		r := health.Temperature{Meta: m, Celsius: p.value("celsius")}
		check = r.CheckValues
		b.Temperature = append(b.Temperature, r)
	case health.KindSpO2:
		r := health.SpO2{Meta: m, Percent: p.value("spo2_pct"), Pulse: p.value("pulse")}
		check = r.CheckValues
		b.SpO2 = append(b.SpO2, r)
	case health.KindHeartRate:
		r := health.HeartRate{Meta: m, BPM: p.value("bpm")}
		check = r.CheckValues
		b.HeartRate = append(b.HeartRate, r)
	case health.KindCondition:
		code := unescapeCell(p.col("code"))
		if code == "" {
			return &RowError{Column: "code", Err: errors.New("no code")}
		}
		b.Conditions = append(b.Conditions, health.Condition{Meta: m, System: unescapeCell(p.col("code_system")), Code: code,
			Display: unescapeCell(p.col("display")), Status: unescapeCell(p.col("status"))})
	}
	if p.err != nil {
		return p.err
	}
	if check != nil {
		// A value no device records (a hand-edited 1200) is refused, as
		// from any other file, naming its column.
		if err := check(); err != nil {
			var re *health.RangeError
			if errors.As(err, &re) {
				if c, ok := vitalsColumns[kind][re.Field]; ok {
					return &RowError{Column: c, Err: err}
				}
			}
			return err
		}
	}
	return nil
}

// vitalsColumns names the column of each value health's checks name, by
// kind.
var vitalsColumns = map[health.Kind]map[string]string{
	health.KindBloodPressure: {"systolic": "systolic", "diastolic": "diastolic", "pulse": "pulse"},
	health.KindWeight: {"weight": "weight_kg", "BMI": "bmi", "body fat": "body_fat_pct", "skeletal muscle": "skeletal_muscle_pct",
		"visceral fat": "visceral_fat_level", "resting metabolism": "resting_metabolism_kcal"},
	health.KindActivity:    {"steps": "steps", "aerobic steps": "aerobic_steps", "calories": "calories_kcal", "distance": "distance_m"},
	health.KindTemperature: {"temperature": "celsius"},
	health.KindSpO2:        {"SpO2": "spo2_pct", "pulse": "pulse"},
	health.KindHeartRate:   {"heart rate": "bpm"},
}

// unescapeCell undoes what vitals' CSV export does to a cell of text that
// a spreadsheet would run as a formula: it writes it after an apostrophe
// ('=HYPERLINK(...)), and gives one more apostrophe to a text that starts
// with apostrophes before such a character, so that the text is always
// read back as it was. The export's --raw-text leaves cells as they are.
func unescapeCell(s string) string {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i > 0 && i < len(s) && strings.IndexByte(formulaStarts, s[i]) >= 0 {
		return s[1:]
	}
	return s
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (sanitize.Cell).
const formulaStarts = "=+-@\t\r"
