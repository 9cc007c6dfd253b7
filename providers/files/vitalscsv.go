package files

import (
	"bytes"
	"encoding/csv"
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
func vitalsKind(data []byte) (health.Kind, bool) {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	return VitalsCSVKind(string(bytes.TrimRight(line, "\r")))
}

// readVitalsCSV reads one kind's CSV export of vitals: every row is a
// reading (one per measurement, as the export writes them), so a row
// without values is a reading whose values the monitor blanked, and two
// identical rows are two readings. Times are RFC 3339 in UTC with the
// wall clock's offset beside them; values are canonical; flags true or
// false. What the columns do not carry (setting, manual, hourly activity,
// body movement) is left unset.
func readVitalsCSV(data []byte, kind health.Kind) (*File, error) {
	cr := &csvReader{data: data, r: csv.NewReader(bytes.NewReader(data))}
	cr.r.ReuseRecord = false
	header, _, _, err := cr.next()
	if err != nil {
		return nil, err
	}
	p := &vitalsRow{names: header, seen: map[string]int{}}
	var b health.Batch
	for {
		rec, raw, line, err := cr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &RowError{Line: pe.StartLine, Err: pe.Err}
			}
			return nil, err
		}
		if err := p.read(&b, kind, rec, raw); err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				re = &RowError{Err: err}
			}
			re.Line = line
			return nil, re
		}
	}
	return &File{Format: "vitals CSV export (" + strings.ToLower(kind.Label()) + ")", Batch: b, Ignored: map[string]int{}}, nil
}

// vitalsRow reads the rows of one export.
type vitalsRow struct {
	names []string
	seen  map[string]int // provider ids given so far, for the #2, #3 of repeats
	rec   []string
	err   error
}

// col returns the cell of a named column.
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
		p.fail(name, fmt.Errorf("%q is not a number", s))
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
		p.fail(name, fmt.Errorf("%q is not true or false", s))
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
		return &RowError{Column: "time_utc", Err: fmt.Errorf("%q is not an RFC 3339 time", p.col("time_utc"))}
	}
	offset, err := health.ParseOffset(p.col("utc_offset"))
	if err != nil {
		return &RowError{Column: "utc_offset", Err: err}
	}
	device, source := p.col("device"), p.col("source")
	// The id is the row's instant, device and source: the same reading in
	// another export of it is the same key. Repeats get #2, #3 in file
	// order, as the export writes rows in a fixed order.
	id := "vitals-csv:" + p.col("time_utc") + "/" + device + "/" + source
	p.seen[id]++
	if n := p.seen[id]; n > 1 {
		id += "#" + strconv.Itoa(n)
	}
	m := health.Meta{ProviderID: id, IDScope: ScopeVitalsCSV, Time: at.UTC(), Offset: offset,
		Device: device, Origin: source, Raw: append([]byte(nil), raw...)}
	var check func() error
	switch kind {
	case health.KindBloodPressure:
		r := health.BloodPressure{Meta: m, Systolic: p.value("systolic"), Diastolic: p.value("diastolic"), Pulse: p.value("pulse"),
			PossibleAFib: p.flag("possible_afib"), IrregularHeartbeat: p.flag("irregular_heartbeat")}
		check = r.CheckValues
		b.BloodPressure = append(b.BloodPressure, r)
	case health.KindWeight:
		b.Weight = append(b.Weight, health.Weight{Meta: m, Weight: p.value("weight_kg"), BMI: p.value("bmi"), BodyFat: p.value("body_fat_pct"),
			SkeletalMuscle: p.value("skeletal_muscle_pct"), VisceralFat: p.value("visceral_fat_level"), RestingMetabolism: p.value("resting_metabolism_kcal")})
	case health.KindActivity:
		b.Activity = append(b.Activity, health.Activity{Meta: m, Steps: p.value("steps"), AerobicSteps: p.value("aerobic_steps"),
			Calories: p.value("calories_kcal"), Distance: p.value("distance_m")})
	case health.KindTemperature:
		r := health.Temperature{Meta: m, Celsius: p.value("celsius")}
		check = r.CheckValues
		b.Temperature = append(b.Temperature, r)
	case health.KindSpO2:
		r := health.SpO2{Meta: m, Percent: p.value("spo2_pct"), Pulse: p.value("pulse")}
		check = r.CheckValues
		b.SpO2 = append(b.SpO2, r)
	case health.KindHeartRate:
		b.HeartRate = append(b.HeartRate, health.HeartRate{Meta: m, BPM: p.value("bpm")})
	case health.KindCondition:
		if p.col("code") == "" {
			return &RowError{Column: "code", Err: errors.New("no code")}
		}
		b.Conditions = append(b.Conditions, health.Condition{Meta: m, System: p.col("code_system"), Code: p.col("code"),
			Display: p.col("display"), Status: p.col("status")})
	}
	if p.err != nil {
		return p.err
	}
	if check != nil {
		// A value no device records (a hand-edited 1200) is refused, as
		// from any other file.
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}
