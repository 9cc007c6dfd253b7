package fhir

// Mapping FHIR R4 resources to health readings.
//
// Entry points: MapResource (one resource, raw JSON: an Observation, a
// Condition, or a Bundle, whose entries are walked), MapBundle (a Bundle's
// bytes) and ReadBundle (from an io.Reader). Each returns a health.Batch
// and the counts of what it did not map, by a short description such as
// "Observation 2160-0 Creatinine" or "Claim"; those are never errors.
// Errors are for resources that are broken: invalid JSON, a value of the
// wrong JSON type, a time that is not a FHIR dateTime. They name the entry
// and the element (see EntryError and DecodeError).
//
// The mapping, code by code, is in docs/formats.md.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"vitals/health"
	"vitals/sanitize"
)

// Options tell the mapping what the resources do not say themselves.
type Options struct {
	// Origin names where readings come from when a resource has no
	// meta.source: "FHIR import", a file's name, a connected system.
	Origin string
	// Setting, when not empty, is given to every reading, instead of what
	// the resource suggests (an encounter means office, a device without
	// an encounter means home). 1upHealth sets it from the system type.
	Setting health.Setting
	// IDScope, when not empty, says that resource ids are unique only
	// within their source, as in files: each reading's IDScope is then
	// its resource's meta.source, else its bundle's meta.source or
	// identifier, else IDScope itself (a file passes its own identity).
	// Empty, for a feed whose ids are unique across the account, leaves
	// every reading's IDScope empty.
	IDScope string
	// Strict refuses what a file must not hold, as vitals import does:
	// a reading whose values are outside health's plausible ranges
	// (CheckValues) or whose time is implausible against Now (CheckTime)
	// is an error naming the entry and the element. Without it (a feed),
	// a blood pressure, temperature or SpO2 no device records makes its
	// Observation skipped, and times are not checked.
	Strict bool
	// Now is the time Strict checks times against; zero means time.Now().
	Now time.Time
}

// MapResource maps one FHIR R4 resource. An Observation or a Condition
// becomes at most one reading; a Bundle (of any type) has each entry's
// resource mapped in turn. Resources of other types, codes vitals does not
// know and values it cannot use are counted in the ignored map.
func MapResource(raw json.RawMessage, opt Options) (health.Batch, map[string]int, error) {
	m := newMapper(opt)
	if err := checkJSON(raw); err != nil {
		return health.Batch{}, nil, err
	}
	if err := m.resource(raw, "", ""); err != nil {
		return health.Batch{}, nil, err
	}
	return m.flush(true), m.ignored, nil
}

// MapBundle maps the entries of a FHIR R4 Bundle of any type
// (collection, searchset, transaction, batch, document), given as JSON.
// It is an error if data is not a Bundle.
func MapBundle(data []byte, opt Options) (health.Batch, map[string]int, error) {
	if err := checkJSON(data); err != nil {
		return health.Batch{}, nil, err
	}
	var h ResourceHeader
	if err := json.Unmarshal(data, &h); err != nil {
		return health.Batch{}, nil, decodeError(data, err)
	}
	if h.ResourceType != "Bundle" {
		return health.Batch{}, nil, fmt.Errorf("fhir: resourceType is %q, want \"Bundle\"", h.ResourceType)
	}
	return MapResource(data, opt)
}

// ReadBundle reads a Bundle from r and maps it like MapBundle.
func ReadBundle(r io.Reader, opt Options) (health.Batch, map[string]int, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return health.Batch{}, nil, fmt.Errorf("fhir: read bundle: %w", err)
	}
	return MapBundle(data, opt)
}

// EntryError says which resource could not be mapped and which of its
// elements is at fault.
type EntryError struct {
	Path     string // where the resource sits: "entry[17]"; "" for a lone resource
	Resource string // "Observation/abc", or the type alone when it has no id
	Field    string // the element: "effectiveDateTime", "component.valueQuantity.value"
	Err      error
}

func (e *EntryError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Resource != "" {
			b.WriteString(" ")
		}
	}
	b.WriteString(e.Resource)
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *EntryError) Unwrap() error { return e.Err }

// DecodeError is JSON that does not parse, or a value of the wrong JSON
// type outside any resource, at a line and column of the input.
type DecodeError struct {
	Line, Column int
	Field        string
	Err          error

	offset int64 // where, in a stream whose line is not counted yet
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("line %d, column %d: ", e.Line, e.Column)
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// checkJSON rejects input that is not one JSON value, with the line and
// column where it goes wrong.
func checkJSON(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		err = errors.New("invalid JSON")
	}
	return decodeError(data, err)
}

func decodeError(data []byte, err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		return &DecodeError{Line: line, Column: col, Err: errors.New(se.Error())}
	case errors.As(err, &te):
		line, col := position(data, te.Offset)
		return &DecodeError{Line: line, Column: col, Field: te.Field, Err: typeMismatch(te)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || len(bytes.TrimSpace(data)) == 0 {
		line, col := position(data, int64(len(data)))
		return &DecodeError{Line: line, Column: col, Err: errors.New("unexpected end of JSON input")}
	}
	return err
}

func typeMismatch(te *json.UnmarshalTypeError) error {
	return fmt.Errorf("is a JSON %s, want %s", te.Value, jsonKind(te.Type.String()))
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "float"), strings.Contains(goType, "int"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]"):
		return "an array"
	}
	return "an object"
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// mapper carries one mapping: the batch it fills, what it ignored, the
// heart-rhythm observations waiting for a blood-pressure reading, and the
// id scope of the bundle being walked.
type mapper struct {
	opt     Options
	now     time.Time // what Strict checks times against
	batch   health.Batch
	ignored map[string]int
	rhythms []pendingRhythm
	scope   string // the id scope of the bundle being walked (file mode)
	origin  string // its source's name, else Options.Origin

	// entry is the index of the top-level entry being mapped; bpEntry and
	// wEntry give, for each reading in batch.BloodPressure and
	// batch.Weight, the entry it came from, so that a page can hold back
	// the readings of its last entries for a rhythm or a weight part that
	// follows them in the next page.
	entry   int
	bpEntry []int
	wEntry  []int
	raw     int // bytes of raw payload in batch
}

type pendingRhythm struct {
	at    time.Time
	key   string
	entry int
}

func newMapper(opt Options) *mapper {
	m := &mapper{opt: opt, now: opt.Now, ignored: map[string]int{}, scope: opt.IDScope, origin: opt.Origin}
	if m.now.IsZero() {
		m.now = time.Now()
	}
	return m
}

// rhythmWindow is how close in time an irregular-heartbeat observation and
// a blood-pressure reading must be to count as one measurement.
const rhythmWindow = time.Minute

// Bounds of the ignored counts: descriptions come from the file (a code's
// display, a resource type), and a file may hold any number of them.
const (
	maxIgnoredKeys = 500 // distinct descriptions kept; the rest are counted together
	maxKeyText     = 120 // bytes of a description, and of a reason, kept
	// OtherIgnored counts what a file held beyond maxIgnoredKeys kinds.
	OtherIgnored = "other resources and codes (too many kinds to list)"
)

func (m *mapper) ignore(key string) { m.count(sanitize.Cut(key, maxKeyText)) }

func (m *mapper) count(key string) {
	if _, ok := m.ignored[key]; !ok && len(m.ignored) >= maxIgnoredKeys-1 {
		key = OtherIgnored
	}
	m.ignored[key]++
}

// skip counts a resource that looked like a reading but could not be used.
// Its key carries SkippedMarker so that callers can show these apart from
// resources vitals never maps.
func (m *mapper) skip(key, reason string) {
	m.count(sanitize.Cut(key, maxKeyText) + SkippedMarker + sanitize.Cut(reason, maxKeyText) + ")")
}

// SkippedMarker is in the ignored-count key of every resource that has a
// code vitals maps but could not be used (a unit it does not know, no
// time, no value): "Observation 29463-7 Body weight (skipped: unit "st"
// not understood)". Other keys are codes and resource types vitals does
// not map at all.
const SkippedMarker = " (skipped: "

func (m *mapper) resource(raw json.RawMessage, path, fullURL string) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		m.ignore("Bundle entry without a resource")
		return nil
	}
	var h ResourceHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return m.entryError(path, "", err)
	}
	switch h.ResourceType {
	case "":
		return &EntryError{Path: path, Err: errors.New("no resourceType: not a FHIR resource")}
	case "Bundle":
		return m.bundle(raw, path, h)
	case "Observation":
		return m.observation(raw, path, fullURL)
	case "Condition":
		return m.condition(raw, path, fullURL)
	}
	m.ignore(h.ResourceType)
	return nil
}

func (m *mapper) bundle(raw json.RawMessage, path string, h ResourceHeader) error {
	var b Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return m.entryError(path, ref("Bundle", h.ID), err)
	}
	prefix := ""
	if path != "" {
		prefix = path + ".resource."
	}
	// A bundle that names its source is where its entries that name none
	// come from, and with its identifier the namespace of their ids; a
	// bundle inside it may name another.
	outerScope, outerOrigin := m.scope, m.origin
	defer func() { m.scope, m.origin = outerScope, outerOrigin }()
	if b.Meta != nil && b.Meta.Source != "" {
		m.origin = unescapeSource(b.Meta.Source)
	}
	if m.opt.IDScope != "" {
		switch {
		case b.Meta != nil && b.Meta.Source != "":
			m.scope = "source:" + m.origin
		case b.Identifier != nil && b.Identifier.Value != "":
			m.scope = "bundle:" + b.Identifier.System + "|" + b.Identifier.Value
		}
	}
	for i, e := range b.Entry {
		if err := m.resource(e.Resource, fmt.Sprintf("%sentry[%d]", prefix, i), e.FullURL); err != nil {
			return err
		}
	}
	return nil
}

// entryError describes a resource that does not decode into its type.
func (m *mapper) entryError(path, resource string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &EntryError{Path: path, Resource: resource, Field: te.Field, Err: typeMismatch(te)}
	}
	return &EntryError{Path: path, Resource: resource, Err: err}
}

func ref(typ, id string) string {
	if id == "" {
		return typ
	}
	return typ + "/" + id
}

// describe names a code for the ignored counts: "Observation 2160-0 Creatinine".
func describe(typ string, cd Coding, text string) string {
	s := typ
	if cd.Code != "" {
		s += " " + cd.Code
	} else if text == "" && cd.Display == "" {
		return s + " (no code)"
	}
	if cd.Display != "" {
		s += " " + cd.Display
	} else if text != "" {
		s += " " + text
	}
	return s
}

func (m *mapper) observation(raw json.RawMessage, path, fullURL string) error {
	var o Observation
	if err := json.Unmarshal(raw, &o); err != nil {
		var h ResourceHeader
		_ = json.Unmarshal(raw, &h)
		return m.entryError(path, ref("Observation", h.ID), err)
	}
	self := ref("Observation", o.ID)
	f, cd := lookup(o.Code)
	key := describe("Observation", cd, o.Code.Text)
	fam := familyOf(f)
	switch {
	case fam == familyNone && f != fieldNone:
		m.skip(key, "outside a blood-pressure panel")
		return nil
	case fam == familyNone:
		m.ignore(key)
		return nil
	case o.Status == "entered-in-error" || o.Status == "cancelled":
		m.ignore(key + " (" + o.Status + ")")
		return nil
	}
	at, offset, elem, ok, err := effective(o)
	if err != nil {
		return &EntryError{Path: path, Resource: self, Field: elem, Err: err}
	}
	if !ok {
		m.skip(key, "no effective time")
		return nil
	}
	if m.opt.Strict {
		if err := health.CheckTime(at, m.now); err != nil {
			return &EntryError{Path: path, Resource: self, Field: elem, Err: err}
		}
	}
	meta := m.meta(raw, o.ID, fullURL, o.Meta, o.Extension, at, offset)
	if o.Device != nil {
		meta.Device = o.Device.Display
		if meta.Device == "" {
			meta.Device = o.Device.Reference
		}
	}
	if m.opt.Setting == "" && !hasExtension(o.Extension, URLSetting) {
		switch {
		case o.Encounter != nil:
			meta.Setting = health.SettingOffice
		case o.Device != nil:
			meta.Setting = health.SettingHome
		}
	}

	fail := func(elem string, err error) error {
		return &EntryError{Path: path, Resource: self, Field: elem, Err: err}
	}
	switch fam {
	case familyBP:
		return m.bloodPressure(o, meta, key, fail)
	case familyRhythm:
		if o.ValueCodeable != nil && o.ValueCodeable.Has(SystemSNOMED, SNOMEDIrregularHeartbeat) {
			m.rhythms = append(m.rhythms, pendingRhythm{at: at, key: key, entry: m.entry})
		} else {
			m.ignore(key + " (not irregular)")
		}
		return nil
	}

	other := o.ValueCodeable != nil
	if !other && (o.ValueQuantity == nil || o.ValueQuantity.Value == nil) && o.ValueInteger == nil {
		other = hasOtherValue(raw)
	}
	primary, reason := number(f, o.ValueQuantity, o.ValueInteger, other)
	if reason != "" {
		m.skip(key, reason)
		return nil
	}
	if !primary.Valid() && o.DataAbsentReason == nil && len(o.Component) == 0 {
		m.skip(key, "no value")
		return nil
	}
	// elems names the element each value came from, by the name health's
	// checks give it, so that a value no device records is named where it
	// is in the file.
	elems := map[string]string{}
	primaryElem := "valueQuantity"
	if o.ValueQuantity == nil || o.ValueQuantity.Value == nil {
		primaryElem = "valueInteger"
	}
	var set func(field, health.Value)
	var accept func(field) bool
	var check func() error // values a device could not have measured
	skips := false         // a feed skips what check refuses, rather than keeping it
	var store func()
	switch fam {
	case familyWeight:
		w := health.Weight{Meta: meta}
		set = func(f field, v health.Value) { setWeight(&w, f, v) }
		accept = func(f field) bool { return familyOf(f) == familyWeight }
		check = func() error { return w.CheckValues() }
		store = func() { m.addWeight(w) }
	case familyActivity:
		a := health.Activity{Meta: meta}
		hourly, err := hourlyFrom(o.Extension)
		if err != nil {
			return fail("extension", err)
		}
		a.Hourly = hourly
		set = func(f field, v health.Value) { setActivity(&a, f, v) }
		accept = func(f field) bool { return familyOf(f) == familyActivity }
		check = func() error { return a.CheckValues() }
		store = func() { m.batch.Activity = append(m.batch.Activity, a); m.raw += len(a.Raw) }
	case familySpO2:
		r := health.SpO2{Meta: meta}
		set = func(f field, v health.Value) {
			if f == fieldPulse {
				r.Pulse = v
			} else {
				r.Percent = v
			}
		}
		accept = func(f field) bool { return f == fieldPulse }
		check, skips = func() error { return r.CheckValues() }, true // not r.CheckValues: that would copy r before set fills it
		store = func() { m.batch.SpO2 = append(m.batch.SpO2, r); m.raw += len(r.Raw) }
	case familyTemperature:
		r := health.Temperature{Meta: meta}
		set = func(_ field, v health.Value) { r.Celsius = v }
		check, skips = func() error { return r.CheckValues() }, true
		store = func() { m.batch.Temperature = append(m.batch.Temperature, r); m.raw += len(r.Raw) }
	case familyHeartRate:
		r := health.HeartRate{Meta: meta}
		set = func(_ field, v health.Value) { r.BPM = v }
		check = func() error { return r.CheckValues() }
		store = func() { m.batch.HeartRate = append(m.batch.HeartRate, r); m.raw += len(r.Raw) }
	}
	set(f, primary)
	elems[checkName(fam, f)] = primaryElem
	if reason := m.components(o.Component, fam, accept, set, elems); reason != "" {
		m.skip(key, reason)
		return nil
	}
	if err := check(); err != nil {
		switch {
		case m.opt.Strict:
			return fail(elementOf(err, elems, "extension"), err)
		case skips:
			m.skip(key, err.Error())
			return nil
		}
	}
	store()
	return nil
}

// checkName is the name health's CheckValues gives a field's value in a
// reading of family fam ("systolic", "BMI", "heart rate").
func checkName(fam family, f field) string {
	switch f {
	case fieldSystolic:
		return "systolic"
	case fieldDiastolic:
		return "diastolic"
	case fieldPulse:
		if fam == familyHeartRate {
			return "heart rate"
		}
		return "pulse"
	case fieldWeight:
		return "weight"
	case fieldBMI:
		return "BMI"
	case fieldBodyFat:
		return "body fat"
	case fieldSkeletalMuscle:
		return "skeletal muscle"
	case fieldVisceralFat:
		return "visceral fat"
	case fieldRestingMetabolism:
		return "resting metabolism"
	case fieldSteps:
		return "steps"
	case fieldAerobicSteps:
		return "aerobic steps"
	case fieldCalories:
		return "calories"
	case fieldDistance:
		return "distance"
	case fieldTemperature:
		return "temperature"
	case fieldSpO2:
		return "SpO2"
	}
	return ""
}

// elementOf names the element a failed check is about: the one its value
// came from, else other (an hourly value, in an extension).
func elementOf(err error, elems map[string]string, other string) string {
	var re *health.RangeError
	if errors.As(err, &re) {
		if e, ok := elems[re.Field]; ok {
			return e
		}
	}
	return other
}

// components reads the numeric components accept allows (none when it is
// nil) into set, and counts the others as ignored. A component whose value
// cannot be used makes the whole observation unusable: reason says why.
// elems records the element of each value set.
func (m *mapper) components(cs []Component, fam family, accept func(field) bool, set func(field, health.Value), elems map[string]string) (reason string) {
	for i, c := range cs {
		cf, cd := lookup(c.Code)
		if accept == nil || !accept(cf) {
			m.ignore(describe("Observation", cd, c.Code.Text) + " (component)")
			continue
		}
		v, reason := number(cf, c.ValueQuantity, c.ValueInteger, c.ValueCodeable != nil)
		if reason != "" {
			return reason
		}
		set(cf, v)
		elems[checkName(fam, cf)] = fmt.Sprintf("component[%d]", i)
	}
	return ""
}

// hasOtherValue reports whether an Observation carries a value[x] that is
// neither a quantity nor an integer (valueString, valueRange, ...).
func hasOtherValue(raw json.RawMessage) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for k := range fields {
		if strings.HasPrefix(k, "value") && k != "valueQuantity" && k != "valueInteger" {
			return true
		}
	}
	return false
}

// bloodPressure reads a panel: systolic and diastolic components, and
// pulse and rhythm flags when present. A component that is absent or
// carries a dataAbsentReason leaves its value missing.
func (m *mapper) bloodPressure(o Observation, meta health.Meta, key string, fail func(string, error) error) error {
	if len(o.Component) == 0 {
		m.skip(key, "no components")
		return nil
	}
	bp := health.BloodPressure{Meta: meta}
	blanked := false // a pressure absent for an error: the monitor blanked it
	elems := map[string]string{}
	for i, c := range o.Component {
		cf, ccd := lookup(c.Code)
		switch cf {
		case fieldSystolic, fieldDiastolic, fieldPulse:
			if cf != fieldPulse && c.DataAbsentReason != nil && c.DataAbsentReason.Has(SystemDataAbsentReason, "error") {
				blanked = true
			}
			v, reason := number(cf, c.ValueQuantity, c.ValueInteger, c.ValueCodeable != nil || c.ValueBoolean != nil)
			if reason != "" {
				m.skip(key, reason)
				return nil
			}
			switch cf {
			case fieldSystolic:
				bp.Systolic = v
			case fieldDiastolic:
				bp.Diastolic = v
			default:
				bp.Pulse = v
			}
			elems[checkName(familyBP, cf)] = fmt.Sprintf("component[%d]", i)
		case fieldRhythm:
			if c.ValueCodeable != nil && c.ValueCodeable.Has(SystemSNOMED, SNOMEDIrregularHeartbeat) {
				bp.IrregularHeartbeat = true
			}
		case fieldPossibleAFib, fieldBodyMovement:
			if c.ValueBoolean == nil {
				if c.DataAbsentReason == nil {
					return fail(fmt.Sprintf("component[%d]", i), errors.New("a flag without valueBoolean"))
				}
				continue
			}
			if cf == fieldPossibleAFib {
				bp.PossibleAFib = *c.ValueBoolean
			} else {
				bp.BodyMovement = *c.ValueBoolean
			}
		default:
			m.ignore(describe("Observation", ccd, c.Code.Text) + " (component)")
		}
	}
	if !bp.Systolic.Valid() && !bp.Diastolic.Valid() && !bp.Pulse.Valid() && !bp.Flagged() && !blanked {
		// Nothing measured, nothing flagged and no error given: not a
		// reading, and it must not pass for one a monitor blanked.
		m.skip(key, "no value")
		return nil
	}
	if err := bp.CheckValues(); err != nil {
		if m.opt.Strict {
			return fail(elementOf(err, elems, "component"), err)
		}
		m.skip(key, err.Error())
		return nil
	}
	m.batch.BloodPressure = append(m.batch.BloodPressure, bp)
	m.bpEntry = append(m.bpEntry, m.entry)
	m.raw += len(bp.Raw)
	return nil
}

// number reads a numeric value for field f in canonical units. A value
// that is absent, or not positive where only positive values are
// readings, is missing. reason is set when the value cannot be used (a
// unit vitals does not know, a value that is not a number): the
// observation is then counted as ignored.
func number(f field, q *Quantity, integer *int64, other bool) (v health.Value, reason string) {
	var x float64
	switch {
	case q != nil && q.Value != nil:
		y, err := canonical(f, *q.Value, q)
		if err != nil {
			return health.Missing, "unit " + quoteUnit(q) + " not understood"
		}
		x = y
	case integer != nil:
		x = float64(*integer)
	case other:
		return health.Missing, "value is not a number"
	default:
		return health.Missing, ""
	}
	if x < 0 || (x == 0 && positive(f)) {
		return health.Missing, ""
	}
	return health.Of(x), ""
}

func quoteUnit(q *Quantity) string {
	if q.Code != "" {
		return fmt.Sprintf("%q", q.Code)
	}
	return fmt.Sprintf("%q", q.Unit)
}

func setWeight(w *health.Weight, f field, v health.Value) {
	switch f {
	case fieldWeight:
		w.Weight = v
	case fieldBMI:
		w.BMI = v
	case fieldBodyFat:
		w.BodyFat = v
	case fieldSkeletalMuscle:
		w.SkeletalMuscle = v
	case fieldVisceralFat:
		w.VisceralFat = v
	case fieldRestingMetabolism:
		w.RestingMetabolism = v
	}
}

func setActivity(a *health.Activity, f field, v health.Value) {
	switch f {
	case fieldSteps:
		a.Steps = v
	case fieldAerobicSteps:
		a.AerobicSteps = v
	case fieldCalories:
		a.Calories = v
	case fieldDistance:
		a.Distance = v
	}
}

// effective returns an observation's time: effectiveDateTime,
// effectiveInstant, or the start of effectivePeriod. ok is false when it
// has none; elem names the element of a malformed one.
func effective(o Observation) (at time.Time, offset int, elem string, ok bool, err error) {
	var s string
	switch {
	case o.EffectiveDateTime != "":
		s, elem = o.EffectiveDateTime, "effectiveDateTime"
	case o.EffectiveInstant != "":
		s, elem = o.EffectiveInstant, "effectiveInstant"
	case o.EffectivePeriod != nil && o.EffectivePeriod.Start != "":
		s, elem = o.EffectivePeriod.Start, "effectivePeriod.start"
	default:
		return time.Time{}, 0, "", false, nil
	}
	at, offset, err = ParseDateTime(s)
	if err != nil {
		return time.Time{}, 0, elem, false, err
	}
	return at, offset, elem, true, nil
}

// meta builds what every reading keeps from a resource's common parts.
func (m *mapper) meta(raw json.RawMessage, id, fullURL string, rm *Meta, ext []Extension, at time.Time, offset int) health.Meta {
	meta := health.Meta{
		ProviderID: id,
		Time:       at,
		Offset:     offset,
		Origin:     m.origin,
		Setting:    m.opt.Setting,
		Raw:        append([]byte(nil), raw...),
	}
	if meta.ProviderID == "" {
		meta.ProviderID = fullURL
	}
	if meta.ProviderID == "" {
		sum := sha256.Sum256(raw)
		meta.ProviderID = "sha256:" + hex.EncodeToString(sum[:20])
	}
	if rm != nil && rm.Source != "" {
		meta.Origin = unescapeSource(rm.Source)
	}
	if m.opt.IDScope != "" {
		meta.IDScope = m.scope
		if rm != nil && rm.Source != "" {
			meta.IDScope = "source:" + meta.Origin
		}
	}
	for _, e := range ext {
		switch e.URL {
		case URLSetting:
			if m.opt.Setting == "" && e.ValueCode != "unknown" {
				meta.Setting = health.Setting(e.ValueCode)
			}
		case URLManual:
			if e.ValueBoolean != nil {
				meta.Manual = *e.ValueBoolean
			}
		}
	}
	return meta
}

func hasExtension(ext []Extension, url string) bool {
	for _, e := range ext {
		if e.URL == url {
			return true
		}
	}
	return false
}

// meta.source is a uri, which may not hold spaces; an Origin such as
// "Omron Wellness" is written with percent escapes and read back here.
func escapeSource(origin string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "\t", "%09", "\n", "%0A", "\r", "%0D")
	return r.Replace(origin)
}

func unescapeSource(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func (m *mapper) condition(raw json.RawMessage, path, fullURL string) error {
	var c Condition
	if err := json.Unmarshal(raw, &c); err != nil {
		var h ResourceHeader
		_ = json.Unmarshal(raw, &h)
		return m.entryError(path, ref("Condition", h.ID), err)
	}
	var afib *Coding
	for i, cd := range c.Code.Coding {
		if cd.System == SystemSNOMED && cd.Code == health.SNOMEDAtrialFibrillation {
			afib = &c.Code.Coding[i]
			break
		}
	}
	if afib == nil {
		var first Coding
		if len(c.Code.Coding) > 0 {
			first = c.Code.Coding[0]
		}
		m.ignore(describe("Condition", first, c.Code.Text))
		return nil
	}
	key := describe("Condition", *afib, c.Code.Text)
	if v := c.VerificationStatus; v != nil {
		for _, cd := range v.Coding {
			if cd.Code == "entered-in-error" || cd.Code == "refuted" {
				m.ignore(key + " (" + cd.Code + ")")
				return nil
			}
		}
	}
	var s, elem string
	switch {
	case c.OnsetDateTime != "":
		s, elem = c.OnsetDateTime, "onsetDateTime"
	case c.OnsetPeriod != nil && c.OnsetPeriod.Start != "":
		s, elem = c.OnsetPeriod.Start, "onsetPeriod.start"
	case c.RecordedDate != "":
		s, elem = c.RecordedDate, "recordedDate"
	default:
		m.skip(key, "no onset or recorded date")
		return nil
	}
	at, offset, err := ParseDateTime(s)
	if err == nil && m.opt.Strict {
		err = health.CheckTime(at, m.now)
	}
	if err != nil {
		return &EntryError{Path: path, Resource: ref("Condition", c.ID), Field: elem, Err: err}
	}
	out := health.Condition{
		Meta:    m.meta(raw, c.ID, fullURL, c.Meta, c.Extension, at, offset),
		System:  afib.System,
		Code:    afib.Code,
		Display: afib.Display,
	}
	if cs := c.ClinicalStatus; cs != nil && len(cs.Coding) > 0 {
		out.Status = cs.Coding[0].Code
	}
	m.batch.Conditions = append(m.batch.Conditions, out)
	m.raw += len(out.Raw)
	return nil
}

// holdBack is how many entries at the end of a page keep their blood
// pressures and weights for the next page: a rhythm Observation or a part
// of a scale reading (BMI, body fat) up to that many entries away from its
// reading, across a page's end, still finds it.
const holdBack = 64

// addWeight adds a weight-family reading of the entry being mapped.
func (m *mapper) addWeight(w health.Weight) {
	m.batch.Weight = append(m.batch.Weight, w)
	m.wEntry = append(m.wEntry, m.entry)
	m.raw += len(w.Raw)
}

// flush ends a page: it puts each irregular-heartbeat observation on the
// blood-pressure reading taken within a minute of it (a rhythm flag on its
// own is not a reading vitals stores), merges the parts of scale readings,
// and returns the page's readings. Unless last, the blood pressures,
// weights and rhythms of the last holdBack entries stay for the next page;
// a rhythm older than that without a reading is counted as skipped.
func (m *mapper) flush(last bool) health.Batch {
	keep := func(entry int) bool { return !last && entry > m.entry-holdBack }
	var rhythms []pendingRhythm
	for _, r := range m.rhythms {
		best, bestGap := -1, rhythmWindow+1
		for i, bp := range m.batch.BloodPressure {
			gap := bp.Time.Sub(r.at)
			if gap < 0 {
				gap = -gap
			}
			if gap <= rhythmWindow && gap < bestGap {
				best, bestGap = i, gap
			}
		}
		switch {
		case best >= 0:
			m.batch.BloodPressure[best].IrregularHeartbeat = true
		case keep(r.entry):
			rhythms = append(rhythms, r)
		default:
			m.skip(r.key, "irregular, but no blood-pressure reading within a minute")
		}
	}
	m.rhythms = rhythms
	bps, bpEntry := m.batch.BloodPressure, m.bpEntry
	ws, wEntry := mergeWeights(m.batch.Weight, m.wEntry)

	out := m.batch
	out.BloodPressure, out.Weight = nil, nil
	m.batch, m.bpEntry, m.wEntry, m.raw = health.Batch{}, nil, nil, 0
	for i, bp := range bps {
		if keep(bpEntry[i]) {
			m.batch.BloodPressure = append(m.batch.BloodPressure, bp)
			m.bpEntry = append(m.bpEntry, bpEntry[i])
			m.raw += len(bp.Raw)
			continue
		}
		out.BloodPressure = append(out.BloodPressure, bp)
	}
	for i, w := range ws {
		if keep(wEntry[i]) {
			m.batch.Weight = append(m.batch.Weight, w)
			m.wEntry = append(m.wEntry, wEntry[i])
			m.raw += len(w.Raw)
			continue
		}
		out.Weight = append(out.Weight, w)
	}
	return out
}

// full reports whether the batch holds a page: pageSize readings, or
// pageBytes of raw payload.
func (m *mapper) full(pageSize, pageBytes int) bool {
	return m.batch.Len() >= pageSize || m.raw >= pageBytes
}

// mergeWeights makes one reading of a scale measurement sent as several
// Observations (weight, BMI, body fat, each with its own code, as every
// Synthea encounter and many health systems send them): readings of the
// same instant, source, id scope, setting and device whose values do not
// overlap. The merged reading keeps the id of the one with the weight
// (else the first) and the raw payloads of all, as a JSON array. entries
// gives the entry of each reading; the entry of a merged one is its
// latest part's.
func mergeWeights(ws []health.Weight, entries []int) ([]health.Weight, []int) {
	type key struct {
		at                    time.Time
		origin, scope, device string
		setting               health.Setting
	}
	out := ws[:0:0]
	var outEntry []int
	index := map[key][]int{} // readings of out that share the key
	for j, w := range ws {
		k := key{w.Time, w.Origin, w.IDScope, w.Device, w.Setting}
		merged := false
		for _, i := range index[k] {
			if m, ok := mergeWeight(out[i], w); ok {
				out[i], merged = m, true
				outEntry[i] = max(outEntry[i], entries[j])
				break
			}
		}
		if !merged {
			index[k] = append(index[k], len(out))
			out = append(out, w)
			outEntry = append(outEntry, entries[j])
		}
	}
	return out, outEntry
}

// mergeWeight merges two parts of one scale reading; ok is false when
// both carry the same value.
func mergeWeight(a, b health.Weight) (health.Weight, bool) {
	av := []*health.Value{&a.Weight, &a.BMI, &a.BodyFat, &a.SkeletalMuscle, &a.VisceralFat, &a.RestingMetabolism}
	bv := []health.Value{b.Weight, b.BMI, b.BodyFat, b.SkeletalMuscle, b.VisceralFat, b.RestingMetabolism}
	for i, v := range bv {
		if v.Valid() && av[i].Valid() {
			return a, false
		}
	}
	for i, v := range bv {
		if v.Valid() {
			*av[i] = v
		}
	}
	raws := [][]byte{a.Raw, b.Raw}
	if b.Weight.Valid() {
		a.Meta, raws = b.Meta, [][]byte{b.Raw, a.Raw}
	}
	a.Raw = joinRaw(raws...)
	return a, true
}

// joinRaw keeps several resources as one raw payload: a JSON array, into
// which a payload that is already a merged array is spliced.
func joinRaw(raws ...[]byte) []byte {
	var parts [][]byte
	for _, r := range raws {
		if t := bytes.TrimSpace(r); len(t) > 0 && t[0] == '[' {
			if inner := bytes.TrimSpace(t[1 : len(t)-1]); len(inner) > 0 {
				parts = append(parts, inner)
			}
			continue
		}
		parts = append(parts, r)
	}
	return append(append([]byte{'['}, bytes.Join(parts, []byte{','})...), ']')
}

// hourlyFrom reads vitals' hourly-activity extensions.
func hourlyFrom(ext []Extension) ([]health.HourActivity, error) {
	var out []health.HourActivity
	for _, e := range ext {
		if e.URL != URLHourlyActivity {
			continue
		}
		h := health.HourActivity{Hour: -1}
		for _, s := range e.Extension {
			if s.URL == "hour" {
				if s.ValueInteger == nil || *s.ValueInteger < 0 || *s.ValueInteger > 23 {
					return nil, errors.New("hourly-activity: hour must be an integer from 0 to 23")
				}
				h.Hour = int(*s.ValueInteger)
				continue
			}
			var v health.Value
			switch {
			case s.ValueDecimal != nil:
				v = health.Of(*s.ValueDecimal)
			case s.ValueInteger != nil:
				v = health.Of(float64(*s.ValueInteger))
			}
			switch s.URL {
			case "steps":
				h.Steps = v
			case "aerobic-steps":
				h.AerobicSteps = v
			case "calories":
				h.Calories = v
			case "distance":
				h.Distance = v
			}
		}
		if h.Hour < 0 {
			return nil, errors.New("hourly-activity without an hour")
		}
		out = append(out, h)
	}
	return out, nil
}
