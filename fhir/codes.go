package fhir

// LOINC codes vitals reads and writes (clinical-rules.md lists them).
const (
	LOINCBloodPressurePanel    = "85354-9"
	LOINCBloodPressurePanelOld = "55284-4" // older feeds, Synthea
	LOINCSystolic              = "8480-6"
	LOINCDiastolic             = "8462-4"
	LOINCMeanBloodPressure     = "8478-0"
	LOINCHeartRate             = "8867-4"
	LOINCBodyWeight            = "29463-7"
	LOINCBodyWeightMeasured    = "3141-9"
	LOINCBMI                   = "39156-5"
	LOINCBodyFat               = "41982-0"
	LOINCSteps                 = "41950-7"
	LOINCStepsOther            = "55423-8"
	LOINCStepsOneUp            = "66334-4"
	LOINCCalories              = "41981-2"
	LOINCCalories24h           = "41979-6"
	LOINCBodyTemperature       = "8310-5"
	LOINCSpO2                  = "59408-5"
	LOINCSpO2Arterial          = "2708-6"
	LOINCHeartRhythm           = "8884-9"
)

// ISO/IEEE 11073 (MDC) codes that personal-health-device feeds send beside
// or instead of LOINC.
const (
	MDCBloodPressure = "150020"
	MDCSystolic      = "150021"
	MDCDiastolic     = "150022"
	MDCMean          = "150023"
	MDCPulseRate     = "149546"
)

// SNOMEDIrregularHeartbeat is the heart-rhythm value "Irregular heart beat".
const SNOMEDIrregularHeartbeat = "361137007"

// UCUM units vitals writes.
const (
	UnitMmHg       = "mm[Hg]"
	UnitPerMinute  = "/min"
	UnitKilogram   = "kg"
	UnitBMI        = "kg/m2"
	UnitPercent    = "%"
	UnitCelsius    = "Cel"
	UnitPerDay     = "/d"
	UnitKilocalory = "kcal"
	UnitKcalPerDay = "kcal/d"
	UnitMetre      = "m"
	UnitLevel      = "{level}"
)

// vitals' own codes and extensions, for values no standard code carries.
// They live under one base so that a project home can replace it in one
// place; the .invalid domain (RFC 2606) says plainly that nothing is
// published there.
const (
	// VitalsBase is the root of vitals' own FHIR URIs.
	VitalsBase = "https://vitals.invalid/fhir"
	// SystemVitals is vitals' code system: the codes below.
	SystemVitals = VitalsBase + "/CodeSystem/vitals"

	// URLSetting is an extension (valueCode home, office or unknown) that
	// records where a reading was taken.
	URLSetting = VitalsBase + "/StructureDefinition/setting"
	// URLManual is an extension (valueBoolean) set on readings a person
	// typed in.
	URLManual = VitalsBase + "/StructureDefinition/manual"
	// URLHourlyActivity is a complex extension on a steps Observation, one
	// per hour of the day, with sub-extensions hour (valueInteger 0–23)
	// and steps, aerobic-steps, calories (kcal), distance (m) as
	// valueDecimal; an absent sub-extension is a value not measured.
	URLHourlyActivity = VitalsBase + "/StructureDefinition/hourly-activity"
)

// Codes in SystemVitals.
const (
	CodePossibleAFib      = "possible-afib"      // BP component, valueBoolean
	CodeBodyMovement      = "body-movement"      // BP component, valueBoolean
	CodeSkeletalMuscle    = "skeletal-muscle"    // %, weight component or observation
	CodeVisceralFat       = "visceral-fat"       // device level, weight component or observation
	CodeRestingMetabolism = "resting-metabolism" // kcal/d, weight component or observation
	CodeAerobicSteps      = "aerobic-steps"      // /d, activity component or observation
	CodeDistance          = "distance"           // m, activity component or observation
)

// field is one value vitals knows how to read from a code.
type field int

const (
	fieldNone field = iota
	fieldBPPanel
	fieldSystolic
	fieldDiastolic
	fieldMeanBP
	fieldPulse // heart rate: a reading of its own, or the pulse of a BP or SpO2 reading
	fieldRhythm
	fieldPossibleAFib
	fieldBodyMovement
	fieldWeight
	fieldBMI
	fieldBodyFat
	fieldSkeletalMuscle
	fieldVisceralFat
	fieldRestingMetabolism
	fieldSteps
	fieldAerobicSteps
	fieldCalories
	fieldDistance
	fieldTemperature
	fieldSpO2
)

var loincFields = map[string]field{
	LOINCBloodPressurePanel:    fieldBPPanel,
	LOINCBloodPressurePanelOld: fieldBPPanel,
	LOINCSystolic:              fieldSystolic,
	LOINCDiastolic:             fieldDiastolic,
	LOINCMeanBloodPressure:     fieldMeanBP,
	LOINCHeartRate:             fieldPulse,
	LOINCHeartRhythm:           fieldRhythm,
	LOINCBodyWeight:            fieldWeight,
	LOINCBodyWeightMeasured:    fieldWeight,
	LOINCBMI:                   fieldBMI,
	LOINCBodyFat:               fieldBodyFat,
	LOINCSteps:                 fieldSteps,
	LOINCStepsOther:            fieldSteps,
	LOINCStepsOneUp:            fieldSteps,
	LOINCCalories:              fieldCalories,
	LOINCCalories24h:           fieldCalories,
	LOINCBodyTemperature:       fieldTemperature,
	LOINCSpO2:                  fieldSpO2,
	LOINCSpO2Arterial:          fieldSpO2,
}

var mdcFields = map[string]field{
	MDCBloodPressure: fieldBPPanel,
	MDCSystolic:      fieldSystolic,
	MDCDiastolic:     fieldDiastolic,
	MDCMean:          fieldMeanBP,
	MDCPulseRate:     fieldPulse,
}

var vitalsFields = map[string]field{
	CodePossibleAFib:      fieldPossibleAFib,
	CodeBodyMovement:      fieldBodyMovement,
	CodeSkeletalMuscle:    fieldSkeletalMuscle,
	CodeVisceralFat:       fieldVisceralFat,
	CodeRestingMetabolism: fieldRestingMetabolism,
	CodeAerobicSteps:      fieldAerobicSteps,
	CodeDistance:          fieldDistance,
}

// lookup finds the field a concept names. LOINC decides when the concept
// carries any LOINC coding (an unknown LOINC code is not rescued by an MDC
// code beside it); MDC and then vitals' own codes decide otherwise. The
// coding returned is the one that decided, or the first one, to name the
// concept in the ignored counts.
func lookup(c CodeableConcept) (field, Coding) {
	var first Coding
	if len(c.Coding) > 0 {
		first = c.Coding[0]
	}
	var loinc *Coding
	for i, cd := range c.Coding {
		if cd.System != SystemLOINC {
			continue
		}
		if f, ok := loincFields[cd.Code]; ok {
			return f, cd
		}
		if loinc == nil {
			loinc = &c.Coding[i]
		}
	}
	if loinc != nil {
		return fieldNone, *loinc
	}
	for _, cd := range c.Coding {
		if cd.System == SystemMDC {
			if f, ok := mdcFields[cd.Code]; ok {
				return f, cd
			}
		}
	}
	for _, cd := range c.Coding {
		if cd.System == SystemVitals {
			if f, ok := vitalsFields[cd.Code]; ok {
				return f, cd
			}
		}
	}
	return fieldNone, first
}

// family is the reading kind a field belongs to as an Observation's own code.
type family int

const (
	familyNone family = iota
	familyBP
	familyWeight
	familyActivity
	familyTemperature
	familySpO2
	familyHeartRate
	familyRhythm
)

func familyOf(f field) family {
	switch f {
	case fieldBPPanel:
		return familyBP
	case fieldWeight, fieldBMI, fieldBodyFat, fieldSkeletalMuscle, fieldVisceralFat, fieldRestingMetabolism:
		return familyWeight
	case fieldSteps, fieldAerobicSteps, fieldCalories, fieldDistance:
		return familyActivity
	case fieldTemperature:
		return familyTemperature
	case fieldSpO2:
		return familySpO2
	case fieldPulse:
		return familyHeartRate
	case fieldRhythm:
		return familyRhythm
	}
	return familyNone
}
