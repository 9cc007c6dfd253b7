package fhir

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"vitals/health"
)

// ExportOptions say whose readings a bundle holds.
type ExportOptions struct {
	// PatientID is a stable id of the person (a profile's UID): it names
	// the bundle's Patient entry, which every resource refers to.
	PatientID string
	// PatientName is the person's name as the Patient entry gives it.
	PatientName string
}

// idSpace is the UUID namespace of exported resource ids (RFC 9562
// name-based UUIDs): the same reading always gets the same id.
var idSpace = uuid.MustParse("39dfae03-2cb7-4a1a-bede-ef7d1b79887e")

// ResourceID is the id an exported reading gets: a name-based UUID of its
// account, kind and provider id (and its id scope and variant, when it
// has them), so re-exports are identical and no two readings collide.
func ResourceID(kind health.Kind, m health.Meta) string {
	name := fmt.Appendf(nil, "%d\x00%s\x00%s", m.AccountID, kind, m.ProviderID)
	if m.IDScope != "" || m.Variant != 0 {
		name = fmt.Appendf(name, "\x00%s\x00%d", m.IDScope, m.Variant)
	}
	return uuid.NewSHA1(idSpace, name).String()
}

// NewBundle turns readings into a FHIR R4 collection Bundle: a Patient
// entry, then one Observation per reading (blood pressure, weight,
// activity, temperature, SpO2, heart rate, in that order, each by time)
// and one Condition per condition. MapBundle reads it back to the same
// readings (provider ids and raw payloads aside).
func NewBundle(b health.Batch, opt ExportOptions) (*Bundle, error) {
	pid := opt.PatientID
	if pid == "" {
		pid = "vitals"
	}
	patientID := uuid.NewSHA1(idSpace, []byte("patient\x00"+pid)).String()
	subject := &Reference{Reference: "urn:uuid:" + patientID}
	if opt.PatientName != "" {
		subject.Display = opt.PatientName
	}
	bundle := &Bundle{ResourceType: "Bundle", Type: "collection"}
	add := func(id string, resource any) error {
		raw, err := json.Marshal(resource)
		if err != nil {
			return fmt.Errorf("fhir: encode %s: %w", id, err)
		}
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: "urn:uuid:" + id, Resource: raw})
		return nil
	}
	p := Patient{ResourceType: "Patient", ID: patientID}
	if opt.PatientName != "" {
		p.Name = []HumanName{{Text: opt.PatientName}}
	}
	if err := add(patientID, p); err != nil {
		return nil, err
	}
	var obs []Observation
	for _, r := range sorted(b.BloodPressure, func(r health.BloodPressure) health.Meta { return r.Meta }) {
		obs = append(obs, bpObservation(r))
	}
	for _, r := range sorted(b.Weight, func(r health.Weight) health.Meta { return r.Meta }) {
		obs = append(obs, weightObservation(r))
	}
	for _, r := range sorted(b.Activity, func(r health.Activity) health.Meta { return r.Meta }) {
		obs = append(obs, activityObservation(r))
	}
	for _, r := range sorted(b.Temperature, func(r health.Temperature) health.Meta { return r.Meta }) {
		o := observation(health.KindTemperature, r.Meta, "vital-signs", concept(LOINCBodyTemperature, "Body temperature"))
		o.ValueQuantity, o.DataAbsentReason = quantity(r.Celsius, UnitCelsius)
		obs = append(obs, o)
	}
	for _, r := range sorted(b.SpO2, func(r health.SpO2) health.Meta { return r.Meta }) {
		code := concept(LOINCSpO2, "Oxygen saturation in Arterial blood by Pulse oximetry")
		code.Coding = append(code.Coding, Coding{System: SystemLOINC, Code: LOINCSpO2Arterial, Display: "Oxygen saturation in Arterial blood"})
		o := observation(health.KindSpO2, r.Meta, "vital-signs", code)
		o.ValueQuantity, o.DataAbsentReason = quantity(r.Percent, UnitPercent)
		if r.Pulse.Valid() {
			o.Component = append(o.Component, component(concept(LOINCHeartRate, "Heart rate"), r.Pulse, UnitPerMinute))
		}
		obs = append(obs, o)
	}
	for _, r := range sorted(b.HeartRate, func(r health.HeartRate) health.Meta { return r.Meta }) {
		o := observation(health.KindHeartRate, r.Meta, "vital-signs", concept(LOINCHeartRate, "Heart rate"))
		o.ValueQuantity, o.DataAbsentReason = quantity(r.BPM, UnitPerMinute)
		obs = append(obs, o)
	}
	for _, o := range obs {
		o.Subject = subject
		if err := add(o.ID, o); err != nil {
			return nil, err
		}
	}
	for _, c := range sorted(b.Conditions, func(r health.Condition) health.Meta { return r.Meta }) {
		rc := conditionResource(c)
		rc.Subject = subject
		if err := add(rc.ID, rc); err != nil {
			return nil, err
		}
	}
	return bundle, nil
}

// sorted returns the readings by time, then provider id and account, so
// that an export does not depend on the order they were loaded in.
func sorted[T any](rs []T, meta func(T) health.Meta) []T {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b T) int {
		ma, mb := meta(a), meta(b)
		if c := ma.Time.Compare(mb.Time); c != 0 {
			return c
		}
		if c := strings.Compare(ma.ProviderID, mb.ProviderID); c != 0 {
			return c
		}
		return int(ma.AccountID - mb.AccountID)
	})
	return out
}

func concept(loinc, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: loinc, Display: display}}}
}

func vitalsConcept(code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemVitals, Code: code, Display: display}}}
}

var (
	absentUnknown = &CodeableConcept{Coding: []Coding{{System: SystemDataAbsentReason, Code: "unknown", Display: "Unknown"}}}
	// absentError marks the pressures of a reading the monitor blanked
	// (Omron does during a rhythm error), so that it reads back as a
	// reading without values rather than as nothing.
	absentError = &CodeableConcept{Coding: []Coding{{System: SystemDataAbsentReason, Code: "error", Display: "Error"}}}
)

// quantity writes a value in a UCUM unit, or the reason it is absent.
func quantity(v health.Value, unit string) (*Quantity, *CodeableConcept) {
	x, ok := v.Get()
	if !ok {
		return nil, absentUnknown
	}
	return &Quantity{Value: &x, Unit: unit, System: SystemUCUM, Code: unit}, nil
}

func component(code CodeableConcept, v health.Value, unit string) Component {
	c := Component{Code: code}
	c.ValueQuantity, c.DataAbsentReason = quantity(v, unit)
	return c
}

func flag(code, display string) Component {
	t := true
	return Component{Code: vitalsConcept(code, display), ValueBoolean: &t}
}

// observation builds what every exported Observation carries.
func observation(kind health.Kind, m health.Meta, category string, code CodeableConcept) Observation {
	o := Observation{
		ResourceType:      "Observation",
		ID:                ResourceID(kind, m),
		Status:            "final",
		Category:          []CodeableConcept{{Coding: []Coding{{System: SystemObservationCategory, Code: category}}}},
		Code:              code,
		EffectiveDateTime: FormatDateTime(m.Time, m.Offset),
		Extension:         metaExtensions(m),
	}
	if m.Origin != "" {
		o.Meta = &Meta{Source: escapeSource(m.Origin)}
	}
	if m.Device != "" {
		o.Device = &Reference{Display: m.Device}
	}
	return o
}

// metaExtensions record where a reading was taken (always, so that an
// unknown setting does not turn into "home" because a device is named)
// and whether a person typed it in.
func metaExtensions(m health.Meta) []Extension {
	setting := string(m.Setting)
	if setting == "" {
		setting = "unknown"
	}
	ext := []Extension{{URL: URLSetting, ValueCode: setting}}
	if m.Manual {
		t := true
		ext = append(ext, Extension{URL: URLManual, ValueBoolean: &t})
	}
	return ext
}

func bpObservation(r health.BloodPressure) Observation {
	o := observation(health.KindBloodPressure, r.Meta, "vital-signs", concept(LOINCBloodPressurePanel, "Blood pressure panel with all children optional"))
	o.Code.Text = "Blood pressure"
	o.Component = []Component{
		component(concept(LOINCSystolic, "Systolic blood pressure"), r.Systolic, UnitMmHg),
		component(concept(LOINCDiastolic, "Diastolic blood pressure"), r.Diastolic, UnitMmHg),
	}
	if !r.Systolic.Valid() && !r.Diastolic.Valid() && !r.Pulse.Valid() {
		o.Component[0].DataAbsentReason, o.Component[1].DataAbsentReason = absentError, absentError
	}
	if r.Pulse.Valid() {
		o.Component = append(o.Component, component(concept(LOINCHeartRate, "Heart rate"), r.Pulse, UnitPerMinute))
	}
	if r.IrregularHeartbeat {
		o.Component = append(o.Component, Component{
			Code:          concept(LOINCHeartRhythm, "Heart rate rhythm"),
			ValueCodeable: &CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: SNOMEDIrregularHeartbeat, Display: "Irregular heart beat"}}},
		})
	}
	if r.PossibleAFib {
		o.Component = append(o.Component, flag(CodePossibleAFib, "Possible atrial fibrillation (monitor screening flag)"))
	}
	if r.BodyMovement {
		o.Component = append(o.Component, flag(CodeBodyMovement, "Body movement during measurement"))
	}
	return o
}

// weightPart is one body-composition value and how it is coded.
type weightPart struct {
	v    health.Value
	code CodeableConcept
	unit string
}

// weightObservation writes a scale reading as one Observation: its first
// present value (weight, BMI, body fat, ...) is the Observation's own code
// and value, the others are components.
func weightObservation(r health.Weight) Observation {
	parts := []weightPart{
		{r.Weight, concept(LOINCBodyWeight, "Body weight"), UnitKilogram},
		{r.BMI, concept(LOINCBMI, "Body mass index (BMI) [Ratio]"), UnitBMI},
		{r.BodyFat, concept(LOINCBodyFat, "Percentage of body fat Measured"), UnitPercent},
		{r.SkeletalMuscle, vitalsConcept(CodeSkeletalMuscle, "Skeletal muscle percentage"), UnitPercent},
		{r.VisceralFat, vitalsConcept(CodeVisceralFat, "Visceral fat level"), UnitLevel},
		{r.RestingMetabolism, vitalsConcept(CodeRestingMetabolism, "Resting metabolism"), UnitKcalPerDay},
	}
	first := 0
	for i, p := range parts {
		if p.v.Valid() {
			first = i
			break
		}
	}
	o := observation(health.KindWeight, r.Meta, "vital-signs", parts[first].code)
	o.ValueQuantity, o.DataAbsentReason = quantity(parts[first].v, parts[first].unit)
	for i, p := range parts {
		if i != first && p.v.Valid() {
			o.Component = append(o.Component, component(p.code, p.v, p.unit))
		}
	}
	return o
}

// activityObservation writes a day's activity as a steps Observation with
// calories, distance and aerobic steps as components and the hours as
// hourly-activity extensions.
func activityObservation(r health.Activity) Observation {
	o := observation(health.KindActivity, r.Meta, "activity", concept(LOINCSteps, "Number of steps in 24 hour Measured"))
	o.ValueQuantity, o.DataAbsentReason = quantity(r.Steps, UnitPerDay)
	if r.Calories.Valid() {
		o.Component = append(o.Component, component(concept(LOINCCalories, "Calories burned"), r.Calories, UnitKilocalory))
	}
	if r.Distance.Valid() {
		o.Component = append(o.Component, component(vitalsConcept(CodeDistance, "Distance walked"), r.Distance, UnitMetre))
	}
	if r.AerobicSteps.Valid() {
		o.Component = append(o.Component, component(vitalsConcept(CodeAerobicSteps, "Aerobic steps"), r.AerobicSteps, UnitPerDay))
	}
	for _, h := range r.Hourly {
		hour := int64(h.Hour)
		e := Extension{URL: URLHourlyActivity, Extension: []Extension{{URL: "hour", ValueInteger: &hour}}}
		for _, p := range []struct {
			url string
			v   health.Value
		}{{"steps", h.Steps}, {"aerobic-steps", h.AerobicSteps}, {"calories", h.Calories}, {"distance", h.Distance}} {
			if x, ok := p.v.Get(); ok {
				e.Extension = append(e.Extension, Extension{URL: p.url, ValueDecimal: &x})
			}
		}
		o.Extension = append(o.Extension, e)
	}
	return o
}

func conditionResource(c health.Condition) Condition {
	rc := Condition{
		ResourceType:  "Condition",
		ID:            ResourceID(health.KindCondition, c.Meta),
		Code:          CodeableConcept{Coding: []Coding{{System: c.System, Code: c.Code, Display: c.Display}}},
		OnsetDateTime: FormatDateTime(c.Time, c.Offset),
		Extension:     metaExtensions(c.Meta),
	}
	if c.Origin != "" {
		rc.Meta = &Meta{Source: escapeSource(c.Origin)}
	}
	if c.Status != "" {
		rc.ClinicalStatus = &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-clinical", Code: c.Status}}}
	}
	return rc
}

// EncodeBundle returns a bundle as indented JSON followed by a newline.
func EncodeBundle(b *Bundle) ([]byte, error) {
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fhir: encode bundle: %w", err)
	}
	return append(out, '\n'), nil
}
