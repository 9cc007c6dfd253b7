package omron

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"vitals/health"
	"vitals/providers"
)

// fields reads the members of one JSON object by name, accepting the ways
// Omron spells a value: numbers as JSON numbers or strings, flags as
// booleans, strings or 0/1. The first member that does not decode is kept
// in err, named, so a bad payload is reported by field.
type fields struct {
	m      map[string]json.RawMessage
	prefix string // for nested objects: "hourlyActivityData[3]."
	err    error
}

func objectFields(raw json.RawMessage, prefix string) (*fields, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	return &fields{m: m, prefix: prefix}, nil
}

func (f *fields) fail(name, why string) {
	if f.err == nil {
		f.err = fmt.Errorf("field %q: %s", f.prefix+name, why)
	}
}

// get returns the first of names that is present and not null.
func (f *fields) get(names ...string) (string, json.RawMessage, bool) {
	for _, n := range names {
		if v, ok := f.m[n]; ok {
			v = bytes.TrimSpace(v)
			if len(v) > 0 && !bytes.Equal(v, []byte("null")) {
				return n, v, true
			}
		}
	}
	return "", nil, false
}

// unquote decodes a JSON string: directly when it has no escapes (nearly
// every value Omron sends), through encoding/json otherwise.
func unquote(v json.RawMessage) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err == nil
}

// Sentinels devices and exports write for "not measured".
const (
	notMeasured      = -1.0
	notMeasuredInt32 = math.MinInt32 // -2147483648
)

// number returns a measured value, or missing for an absent member, null,
// "", "-", and the sentinels -1.0 and -2147483648.
func (f *fields) number(names ...string) health.Value {
	name, v, ok := f.get(names...)
	if !ok {
		return health.Missing
	}
	s := string(v)
	if v[0] == '"' {
		var ok bool
		if s, ok = unquote(v); !ok {
			f.fail(name, "want a number")
			return health.Missing
		}
		s = strings.TrimSpace(s)
		if s == "" || s == "-" {
			return health.Missing
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(name, "want a number, got "+providers.VendorText(strconv.Quote(s), 40))
		return health.Missing
	}
	if x == notMeasured || x == notMeasuredInt32 {
		return health.Missing
	}
	return health.Of(x)
}

// measured is number with zero also missing: no cuff, scale, thermometer
// or oximeter measures a zero, and Omron's AFib readings carry zeros that
// are not readings.
func (f *fields) measured(names ...string) health.Value {
	return health.Measured(f.number(names...))
}

// str returns a string member; a number is returned as written.
func (f *fields) str(names ...string) string {
	name, v, ok := f.get(names...)
	if !ok {
		return ""
	}
	switch v[0] {
	case '"':
		s, ok := unquote(v)
		if !ok {
			f.fail(name, "want a string")
		}
		return strings.TrimSpace(s)
	case '{', '[':
		f.fail(name, "want a string, got an object or array")
		return ""
	}
	return string(v)
}

// boolean reads a flag: true/false, "true"/"false", 1/0 or "1"/"0".
// present is false for an absent member or null.
func (f *fields) boolean(names ...string) (value, present bool) {
	name, v, ok := f.get(names...)
	if !ok {
		return false, false
	}
	s := strings.Trim(strings.ToLower(string(v)), `"`)
	switch s {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no", "":
		return false, true
	}
	f.fail(name, "want true or false")
	return false, false
}

func (f *fields) flag(names ...string) bool {
	v, _ := f.boolean(names...)
	return v
}

// array returns the elements of an array member.
func (f *fields) array(name string) []json.RawMessage {
	_, v, ok := f.get(name)
	if !ok {
		return nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(v, &out); err != nil {
		f.fail(name, "want an array")
		return nil
	}
	return out
}

// Layouts of dateTime and dateTimeLocal: the API writes no zone; a zone is
// accepted when present.
var wallLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// parseWall reads a time. zoned reports whether the text carried a zone;
// without one the wall clock is returned in UTC.
func parseWall(s string) (t time.Time, zoned bool, err error) {
	if len(s) > 19 && strings.ContainsAny(s[19:], "Zz+-") {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true, nil
		}
	}
	for _, l := range wallLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, false, nil
		}
	}
	return time.Time{}, false, errors.New("want a time such as 2022-02-03T16:44:13")
}

// meta reads what every measurement has: id, dateTime (UTC),
// dateTimeLocal and dateTimeUtcOffset ("+00:00" or seconds "-21600").
//
// The offset is cross-checked with the two clocks: when the offset is
// missing or unreadable, or disagrees with dateTimeLocal − dateTime, the
// difference of the clocks wins, since it is the wall clock the person saw.
func (f *fields) meta(deviceField string) health.Meta {
	m := health.Meta{Origin: Origin, Setting: health.SettingHome}
	m.ProviderID = f.str("id")
	if m.ProviderID == "" && f.err == nil {
		f.fail("id", "missing: a measurement without its Omron id cannot be deduplicated")
	}
	m.Device = f.str(deviceField)

	var utc, local time.Time
	var hasUTC, hasLocal bool
	if s := f.str("dateTime"); s != "" {
		t, _, err := parseWall(s) // a zoned dateTime names its instant; UTC() keeps it
		if err != nil {
			f.fail("dateTime", err.Error())
		} else {
			utc, hasUTC = t.UTC(), true
		}
	}
	if s := f.str("dateTimeLocal"); s != "" {
		t, _, err := parseWall(s)
		if err != nil {
			f.fail("dateTimeLocal", err.Error())
		} else {
			// Only the wall clock matters: read it as if it were UTC.
			local = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			hasLocal = true
		}
	}
	offText := f.str("dateTimeUtcOffset", "utcOffset")
	off, offErr := 0, errors.New("missing")
	if offText != "" {
		off, offErr = health.ParseOffset(offText)
	}
	derived, derivedOK := 0, false
	if hasUTC && hasLocal {
		d := local.Sub(utc).Round(15 * time.Minute)
		if d.Abs() <= 14*time.Hour {
			derived, derivedOK = int(d/time.Second), true
		}
	}
	switch {
	case offErr == nil && (!derivedOK || derived == off):
		m.Offset = off
	case derivedOK:
		m.Offset = derived
	case offText != "":
		f.fail("dateTimeUtcOffset", offErr.Error())
	}
	switch {
	case hasUTC:
		m.Time = utc
	case hasLocal && offErr == nil:
		m.Time = local.Add(-time.Duration(m.Offset) * time.Second)
	case f.err == nil:
		f.fail("dateTime", "missing")
	}
	return m
}

// decodeBloodPressure maps one bloodPressure item. Possible AFib comes with
// systolic, diastolic and pulse all 0: those are kept as a flagged reading
// with no values, never as zeros.
func decodeBloodPressure(raw json.RawMessage) (health.BloodPressure, error) {
	f, err := objectFields(raw, "")
	if err != nil {
		return health.BloodPressure{}, err
	}
	b := health.BloodPressure{Meta: f.meta("deviceType")}
	b.Systolic, b.Diastolic = f.measured("systolic"), f.measured("diastolic")
	b.Pulse = f.measured("pulse")
	switch u := strings.ToLower(f.str("bloodPressureUnits")); u {
	case "", "mmhg":
	case "kpa":
		toMmHg := func(x float64) float64 { return health.Round(x*7.50062, 0) }
		b.Systolic, b.Diastolic = b.Systolic.Map(toMmHg), b.Diastolic.Map(toMmHg)
	default:
		f.fail("bloodPressureUnits", "want mmHg or kPa")
	}
	b.PossibleAFib = f.flag("possibleAfib", "possibleAFib")
	// Not in the partner guide: the names Omron's own app API gives these
	// flags (0/1), accepted if a device sends them.
	b.IrregularHeartbeat = f.flag("irregularHB", "irregularHeartbeat", "irregularHeartBeat")
	b.BodyMovement = f.flag("movementDetect", "bodyMovement")
	if f.err != nil {
		return b, f.err
	}
	if !b.HasPressures() && !b.Pulse.Valid() && !b.Flagged() {
		return b, errors.New("no pressures, no pulse and no flag")
	}
	b.Raw = raw
	return b, nil
}

// decodeActivity maps one activity item: a day's totals and, when asked
// for, its hours. Distances come in distanceUnits (miles, km, m) as the
// string dailyDistance or the number distance; hours use the day's unit.
func decodeActivity(raw json.RawMessage) (health.Activity, error) {
	f, err := objectFields(raw, "")
	if err != nil {
		return health.Activity{}, err
	}
	a := health.Activity{Meta: f.meta("deviceType")}
	unit := f.str("distanceUnits", "distanceUnit")
	a.Steps, a.AerobicSteps = f.number("steps"), f.number("aerobicSteps")
	a.Calories = kcal(f, "calories", f.str("caloriesUnits"))
	a.Distance = metres(f, unit, "dailyDistance", "distance")
	for i, h := range f.array("hourlyActivityData") {
		hf, err := objectFields(h, fmt.Sprintf("hourlyActivityData[%d].", i))
		if err != nil {
			f.fail(fmt.Sprintf("hourlyActivityData[%d]", i), "want an object")
			break
		}
		ha := health.HourActivity{
			Hour:         hour(hf),
			Steps:        hf.number("steps"),
			AerobicSteps: hf.number("aerobicSteps"),
			Calories:     kcal(hf, "calories", f.str("caloriesUnits")),
			Distance:     metres(hf, unit, "distance"),
		}
		if hf.err != nil {
			f.err = hf.err
			break
		}
		a.Hourly = append(a.Hourly, ha)
	}
	if f.err != nil {
		return a, f.err
	}
	a.Raw = raw
	return a, nil
}

func hour(f *fields) int {
	s := f.str("hour")
	h, _, _ := strings.Cut(s, ":")
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 || n > 23 {
		f.fail("hour", "want an hour such as 07:00")
		return 0
	}
	return n
}

func kcal(f *fields, name, unit string) health.Value {
	v := f.number(name)
	switch strings.ToLower(unit) {
	case "", "kcal", "cal": // food calories are kilocalories
		return v
	case "kj":
		return v.Map(func(x float64) float64 { return health.Round(x/4.184, 1) })
	}
	f.fail("caloriesUnits", "want kcal or kJ")
	return health.Missing
}

// metres converts a distance. Without a unit only 0 can be trusted.
func metres(f *fields, unit string, names ...string) health.Value {
	v := f.number(names...)
	x, ok := v.Get()
	if !ok {
		return v
	}
	if unit == "" {
		if x == 0 {
			return v
		}
		return health.Missing
	}
	m, err := health.ToMetres(x, unit)
	if err != nil {
		f.fail("distanceUnits", "want miles, km or m")
		return health.Missing
	}
	return health.Of(m)
}

// decodeWeight maps one weight item. Every value is a string; weightPref
// says whether weight is in kg or lbs (kg when absent); -1.0 is "not
// measured" (a scale without body composition).
func decodeWeight(raw json.RawMessage) (health.Weight, error) {
	f, err := objectFields(raw, "")
	if err != nil {
		return health.Weight{}, err
	}
	w := health.Weight{Meta: f.meta("deviceType")}
	w.Weight = f.measured("weight")
	if pref := f.str("weightPref", "weightUnits"); pref != "" {
		if x, ok := w.Weight.Get(); ok {
			kg, err := health.ToKilograms(x, pref)
			if err != nil {
				f.fail("weightPref", "want kg or lbs")
			}
			w.Weight = health.Of(kg)
		}
	}
	w.BMI = f.measured("bmiValue", "bmi")
	w.BodyFat = f.measured("bodyFatPercentage")
	w.SkeletalMuscle = f.measured("skeletalMusclePercentage")
	w.VisceralFat = f.measured("visceralFatLevel")
	w.RestingMetabolism = f.measured("restingMetabolism")
	if f.err != nil {
		return w, f.err
	}
	if !w.Weight.Valid() && !w.BMI.Valid() && !w.BodyFat.Valid() && !w.SkeletalMuscle.Valid() && !w.VisceralFat.Valid() && !w.RestingMetabolism.Valid() {
		return w, errors.New("no measured value")
	}
	w.Raw = raw
	return w, nil
}

// decodeTemperature maps one temperature item: temperature is a string in
// temperaturePref (°C or °F). Without a unit the value decides: body
// temperatures in °C (30–45) and in °F (86–113) do not overlap.
func decodeTemperature(raw json.RawMessage) (health.Temperature, error) {
	f, err := objectFields(raw, "")
	if err != nil {
		return health.Temperature{}, err
	}
	t := health.Temperature{Meta: f.meta("deviceType")}
	v := f.measured("temperature")
	pref := strings.ToUpper(f.str("temperaturePref", "temperatureUnits"))
	if x, ok := v.Get(); ok {
		fahrenheit := false
		switch {
		case strings.Contains(pref, "F"):
			fahrenheit = true
		case strings.Contains(pref, "C"):
		case pref == "":
			fahrenheit = x >= 60
		default:
			f.fail("temperaturePref", "want °C or °F")
		}
		if fahrenheit {
			v = health.Of(health.CelsiusFromFahrenheit(x))
		}
	}
	t.Celsius = v
	if f.err != nil {
		return t, f.err
	}
	if !t.Celsius.Valid() {
		return t, errors.New("no temperature")
	}
	t.Raw = raw
	return t, nil
}

// decodeOxygen maps one oxygen item: oxygenLevel (percent) and pulse, both
// strings.
func decodeOxygen(raw json.RawMessage) (health.SpO2, error) {
	f, err := objectFields(raw, "")
	if err != nil {
		return health.SpO2{}, err
	}
	s := health.SpO2{Meta: f.meta("deviceType")}
	s.Percent = f.measured("oxygenLevel", "spo2")
	s.Pulse = f.measured("pulse")
	if x, ok := s.Percent.Get(); ok && x > 100 {
		f.fail("oxygenLevel", "above 100%")
	}
	if f.err != nil {
		return s, f.err
	}
	if !s.Percent.Valid() && !s.Pulse.Valid() {
		return s, errors.New("no oxygen level and no pulse")
	}
	s.Raw = raw
	return s, nil
}

// decodeItems maps a page's items of one type. An item that does not
// decode, or whose values or date are not plausible (health.CheckValues,
// health.CheckTime against now), is skipped and counted in ignored, by
// type and reason, so one bad reading never blocks an account's sync.
// last is the newest local date among the items ("" when none decoded).
func decodeItems(t Type, items []json.RawMessage, now time.Time) (b health.Batch, ignored map[string]int, last health.Date) {
	skip := func(err error) {
		if ignored == nil {
			ignored = map[string]int{}
		}
		ignored[fmt.Sprintf("%s reading: %v", t, err)]++
	}
	see := func(m health.Meta) {
		if d := health.DateOf(m.Local()); d.After(last) {
			last = d
		}
	}
	// plausible folds the checks of a decoded reading into its decoding
	// error.
	plausible := func(m health.Meta, values, err error) error {
		if err != nil {
			return err
		}
		if values != nil {
			return values
		}
		return health.CheckTime(m.Time, now)
	}
	for _, raw := range items {
		switch t {
		case BloodPressure:
			r, err := decodeBloodPressure(raw)
			if err = plausible(r.Meta, r.CheckValues(), err); err != nil {
				skip(err)
				continue
			}
			see(r.Meta)
			b.BloodPressure = append(b.BloodPressure, r)
		case Activity:
			r, err := decodeActivity(raw)
			if err = plausible(r.Meta, r.CheckValues(), err); err != nil {
				skip(err)
				continue
			}
			see(r.Meta)
			b.Activity = append(b.Activity, r)
		case Weight:
			r, err := decodeWeight(raw)
			if err = plausible(r.Meta, r.CheckValues(), err); err != nil {
				skip(err)
				continue
			}
			see(r.Meta)
			b.Weight = append(b.Weight, r)
		case Temperature:
			r, err := decodeTemperature(raw)
			if err = plausible(r.Meta, r.CheckValues(), err); err != nil {
				skip(err)
				continue
			}
			see(r.Meta)
			b.Temperature = append(b.Temperature, r)
		case Oxygen:
			r, err := decodeOxygen(raw)
			if err = plausible(r.Meta, r.CheckValues(), err); err != nil {
				skip(err)
				continue
			}
			see(r.Meta)
			b.SpO2 = append(b.SpO2, r)
		}
	}
	return b, ignored, last
}
