package health

import (
	"time"
)

// Kind names a type of measurement. The string is stable: it is stored,
// used on the command line (--type) and in file names.
type Kind string

const (
	KindBloodPressure Kind = "bloodpressure"
	KindWeight        Kind = "weight"
	KindActivity      Kind = "activity"
	KindTemperature   Kind = "temperature"
	KindSpO2          Kind = "spo2"
	KindHeartRate     Kind = "heartrate"

	// KindCondition names diagnoses (such as atrial fibrillation) in counts
	// and summaries. It is not a measurement: Kinds does not list it.
	KindCondition Kind = "condition"
)

// Kinds lists every measurement kind in display order.
var Kinds = []Kind{KindBloodPressure, KindWeight, KindActivity, KindTemperature, KindSpO2, KindHeartRate}

// ParseKind accepts a kind's name and a few common spellings.
func ParseKind(s string) (Kind, bool) {
	switch s {
	case "bloodpressure", "bp", "blood-pressure":
		return KindBloodPressure, true
	case "weight", "body":
		return KindWeight, true
	case "activity", "steps":
		return KindActivity, true
	case "temperature", "temp":
		return KindTemperature, true
	case "spo2", "oxygen":
		return KindSpO2, true
	case "heartrate", "hr", "heart-rate", "pulse":
		return KindHeartRate, true
	}
	return "", false
}

// Label is the kind's name for people.
func (k Kind) Label() string {
	switch k {
	case KindBloodPressure:
		return "Blood pressure"
	case KindWeight:
		return "Weight"
	case KindActivity:
		return "Activity"
	case KindTemperature:
		return "Temperature"
	case KindSpO2:
		return "SpO2"
	case KindHeartRate:
		return "Heart rate"
	case KindCondition:
		return "Conditions"
	}
	return string(k)
}

// Setting says where a reading was taken. Home and office readings are kept
// apart because guidelines give them different thresholds.
type Setting string

const (
	SettingUnknown Setting = ""
	SettingHome    Setting = "home"   // a person's own device or wearable
	SettingOffice  Setting = "office" // a clinic or hospital measurement
)

// OriginManual is the Origin of readings a person typed in: screens and
// reports name them by it, and the account they are kept in is called so.
const OriginManual = "Entered by hand"

// Meta is what every reading keeps besides its values.
type Meta struct {
	ID         int64  // the store's row id; 0 before it is stored
	ProfileID  int64  // whose reading
	AccountID  int64  // the source account it came from
	ProviderID string // the provider's own id: the deduplication key with AccountID and IDScope

	// IDScope is where ProviderID is unique within the account: "" for a
	// vendor account, whose ids are unique across it; for files, the
	// source a FHIR resource or bundle names, else the file's own
	// identity, so that two files reusing an id such as "1" never meet.
	IDScope string
	// Variant tells apart readings kept beside each other under one key
	// (a file that reused an id for a different reading): 0 for the
	// first. The store assigns it.
	Variant int

	Time   time.Time // the instant, in UTC
	Offset int       // seconds east of UTC of the wall clock at the time

	Device  string  // the measuring device, as the source names it
	Origin  string  // the system it came from ("Omron Wellness", "Fitbit", "Epic test site")
	Setting Setting // home, office or unknown
	Manual  bool    // typed in by a person, not measured by a connected device

	Raw []byte // the payload it was decoded from, kept verbatim
}

// Local returns the reading's wall-clock time.
func (m Meta) Local() time.Time { return WallClock(m.Time, m.Offset) }

// BloodPressure is one cuff measurement. A monitor that flags possible AFib
// may blank the pressures: then they are missing, never zero.
type BloodPressure struct {
	Meta
	Systolic           Value // mmHg
	Diastolic          Value // mmHg
	Pulse              Value // beats per minute
	PossibleAFib       bool
	IrregularHeartbeat bool
	BodyMovement       bool
}

// HasPressures reports whether both pressures were measured, which is what
// classification, charts and averages need.
func (b BloodPressure) HasPressures() bool { return b.Systolic.Valid() && b.Diastolic.Valid() }

// Blanked reports whether the reading has neither pressure: a monitor
// that blanks a measurement (Omron does during a rhythm error) leaves
// zeros or nothing, which Measured reads as missing. A blanked reading is
// kept and counted, never averaged or charted.
func (b BloodPressure) Blanked() bool {
	return !Measured(b.Systolic).Valid() && !Measured(b.Diastolic).Valid()
}

// Flagged reports whether the monitor raised a rhythm flag.
func (b BloodPressure) Flagged() bool { return b.PossibleAFib || b.IrregularHeartbeat }

// Weight is a body-composition measurement: a scale reading, or one of its
// parts on its own (a health system may send a BMI without a weight).
type Weight struct {
	Meta
	Weight            Value // kg
	BMI               Value // kg/m²
	BodyFat           Value // percent
	SkeletalMuscle    Value // percent
	VisceralFat       Value // level, device scale (Omron: 1–30)
	RestingMetabolism Value // kcal/day
}

// Activity is one day's totals from a pedometer or wearable. Time is the
// start of the day in the wall-clock zone at Offset.
type Activity struct {
	Meta
	Steps        Value
	AerobicSteps Value
	Calories     Value // kcal
	Distance     Value // metres
	Hourly       []HourActivity
}

// HourActivity is one hour of a day's activity.
type HourActivity struct {
	Hour         int // 0–23, local
	Steps        Value
	AerobicSteps Value
	Calories     Value // kcal
	Distance     Value // metres
}

// Temperature is a body temperature.
type Temperature struct {
	Meta
	Celsius Value
}

// SpO2 is a pulse-oximeter reading.
type SpO2 struct {
	Meta
	Percent Value
	Pulse   Value // beats per minute
}

// HeartRate is a pulse or heart-rate reading on its own.
type HeartRate struct {
	Meta
	BPM Value
}

// SNOMEDAtrialFibrillation is the SNOMED CT code of atrial fibrillation.
const SNOMEDAtrialFibrillation = "49436004"

// Condition is a diagnosis recorded by a health system, such as atrial
// fibrillation. Time is the onset, or when it was recorded.
type Condition struct {
	Meta
	System  string // code system URI, e.g. http://snomed.info/sct
	Code    string
	Display string
	Status  string // clinical status: active, resolved, ...
}

// IsAFib reports whether the condition is atrial fibrillation.
func (c Condition) IsAFib() bool { return c.Code == SNOMEDAtrialFibrillation }

// Batch carries readings of every kind, as an import or a page of a sync
// produces them, and the conditions that came with them.
type Batch struct {
	BloodPressure []BloodPressure
	Weight        []Weight
	Activity      []Activity
	Temperature   []Temperature
	SpO2          []SpO2
	HeartRate     []HeartRate
	Conditions    []Condition
}

// Len is the number of readings and conditions in the batch.
func (b *Batch) Len() int {
	return len(b.BloodPressure) + len(b.Weight) + len(b.Activity) +
		len(b.Temperature) + len(b.SpO2) + len(b.HeartRate) + len(b.Conditions)
}

// Counts returns the number of readings per kind (conditions under
// KindCondition), leaving out empty kinds.
func (b *Batch) Counts() map[Kind]int {
	c := map[Kind]int{}
	add := func(k Kind, n int) {
		if n > 0 {
			c[k] = n
		}
	}
	add(KindBloodPressure, len(b.BloodPressure))
	add(KindWeight, len(b.Weight))
	add(KindActivity, len(b.Activity))
	add(KindTemperature, len(b.Temperature))
	add(KindSpO2, len(b.SpO2))
	add(KindHeartRate, len(b.HeartRate))
	add(KindCondition, len(b.Conditions))
	return c
}

// Append adds every reading of o to b.
func (b *Batch) Append(o Batch) {
	b.BloodPressure = append(b.BloodPressure, o.BloodPressure...)
	b.Weight = append(b.Weight, o.Weight...)
	b.Activity = append(b.Activity, o.Activity...)
	b.Temperature = append(b.Temperature, o.Temperature...)
	b.SpO2 = append(b.SpO2, o.SpO2...)
	b.HeartRate = append(b.HeartRate, o.HeartRate...)
	b.Conditions = append(b.Conditions, o.Conditions...)
}

// Only returns the readings of the given kinds (conditions under
// KindCondition); the slices are shared with b.
func (b *Batch) Only(kinds ...Kind) Batch {
	var out Batch
	for _, k := range kinds {
		switch k {
		case KindBloodPressure:
			out.BloodPressure = b.BloodPressure
		case KindWeight:
			out.Weight = b.Weight
		case KindActivity:
			out.Activity = b.Activity
		case KindTemperature:
			out.Temperature = b.Temperature
		case KindSpO2:
			out.SpO2 = b.SpO2
		case KindHeartRate:
			out.HeartRate = b.HeartRate
		case KindCondition:
			out.Conditions = b.Conditions
		}
	}
	return out
}

// EachMeta calls f with a pointer to every reading's Meta, so a caller can
// stamp the profile, account or origin on a whole batch.
func (b *Batch) EachMeta(f func(*Meta)) {
	for i := range b.BloodPressure {
		f(&b.BloodPressure[i].Meta)
	}
	for i := range b.Weight {
		f(&b.Weight[i].Meta)
	}
	for i := range b.Activity {
		f(&b.Activity[i].Meta)
	}
	for i := range b.Temperature {
		f(&b.Temperature[i].Meta)
	}
	for i := range b.SpO2 {
		f(&b.SpO2[i].Meta)
	}
	for i := range b.HeartRate {
		f(&b.HeartRate[i].Meta)
	}
	for i := range b.Conditions {
		f(&b.Conditions[i].Meta)
	}
}
