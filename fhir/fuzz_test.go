package fhir

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/fhir/fhirtest"
	"vitals/health"
)

// specBloodPressure is the blood-pressure example of the FHIR R4
// specification (observation-example-bloodpressure), its narrative left
// out: 107/60 mmHg on 2012-09-17, with SNOMED codes beside the LOINC ones,
// interpretations and a body site.
const specBloodPressure = `{
  "resourceType": "Observation",
  "id": "blood-pressure",
  "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
  "identifier": [{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:187e0c12-8dd2-67e2-99b2-bf273c878281"}],
  "basedOn": [{"identifier": {"system": "https://acme.org/identifiers", "value": "1234"}}],
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel with all children optional"}], "text": "Blood pressure systolic & diastolic"},
  "subject": {"reference": "Patient/example"},
  "effectiveDateTime": "2012-09-17",
  "performer": [{"reference": "Practitioner/example"}],
  "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "L", "display": "low"}], "text": "Below low normal"}],
  "bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": "368209003", "display": "Right arm"}]},
  "component": [
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}, {"system": "http://snomed.info/sct", "code": "271649006", "display": "Systolic blood pressure"}, {"system": "http://acme.org/devices/clinical-codes", "code": "bp-s", "display": "Systolic Blood pressure"}]},
     "valueQuantity": {"value": 107, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
     "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N", "display": "normal"}], "text": "Normal"}]},
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}]},
     "valueQuantity": {"value": 60, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
     "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "L", "display": "low"}], "text": "Below low normal"}]}
  ]
}`

// fuzzNow is the time the fuzz targets check readings against.
var fuzzNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fileOptions map as vitals import does.
var fileOptions = Options{Origin: "f.json", IDScope: "sha256:f", Strict: true, Now: fuzzNow}

// FuzzMapResource feeds the mapping arbitrary JSON, starting from real
// payloads: the FHIR specification's blood-pressure example and every
// Observation and Condition vitals maps in the public Synthea bundles
// (single resources: small inputs fuzz and minimise faster). A file's mapping (Strict) must map or fail,
// never panic, and give only readings with an id, values within health's
// ranges (a value not measured is missing, never 0), plausible times, and
// that export and map back to the same readings. A feed's mapping must
// not panic either, nor give a 0 or a negative for a missing value.
func FuzzMapResource(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if feed, _, err := MapResource(data, Options{Origin: "feed"}); err == nil {
			checkNoFakeZeros(t, feed)
		}
		b, _, err := MapResource(data, fileOptions)
		if err != nil {
			return
		}
		b.EachMeta(func(m *health.Meta) {
			if m.ProviderID == "" {
				t.Fatalf("reading without provider id: %+v", m)
			}
		})
		checkNoFakeZeros(t, b)
		if err := b.Check(fuzzNow); err != nil {
			t.Fatalf("a file's reading health refuses: %v", err)
		}
		bundle, err := NewBundle(b, ExportOptions{PatientID: "p"})
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		out, err := EncodeBundle(bundle)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		back, _, err := MapBundle(out, fileOptions)
		if err != nil {
			t.Fatalf("the export does not map back: %v\n%s", err, out)
		}
		if got, want := carried(back), carried(b); !slices.Equal(got, want) {
			t.Fatalf("map, export, map:\n got  %q\n want %q", got, want)
		}
	})
}

// fuzzSeeds are the seeds of FuzzMapResource.
func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		[]byte(specBloodPressure),
		[]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"a","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"2020-01-01T00:00:00Z","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"code":"mm[Hg]"}}]}}]}`),
		[]byte(`{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2020-01","valueQuantity":{"value":150,"unit":"lb"}}`),
		[]byte(`{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"49436004"}]},"recordedDate":"2020"}`),
	}
	paths := fhirtest.SyntheaFilesIfAny()
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var b Bundle
		if err := json.Unmarshal(data, &b); err != nil {
			f.Fatal(err)
		}
		for _, e := range b.Entry {
			var h struct {
				ResourceType string          `json:"resourceType"`
				Code         CodeableConcept `json:"code"`
			}
			if json.Unmarshal(e.Resource, &h) != nil {
				continue
			}
			fld, _ := lookup(h.Code)
			switch {
			case h.ResourceType == "Observation" && familyOf(fld) != familyNone,
				h.ResourceType == "Condition" && h.Code.Has(SystemSNOMED, health.SNOMEDAtrialFibrillation):
				seeds = append(seeds, e.Resource)
			}
		}
	}
	return seeds
}

// checkNoFakeZeros fails on a value that is 0 where 0 is not a
// measurement (pressures, pulse, weight, body composition, temperature,
// SpO2, heart rate), or negative, or not a number.
func checkNoFakeZeros(t *testing.T, b health.Batch) {
	t.Helper()
	check := func(what string, positive bool, vs ...health.Value) {
		for _, v := range vs {
			x, ok := v.Get()
			if ok && (math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || (positive && x == 0)) {
				t.Fatalf("%s holds %v: a value not measured must be missing", what, x)
			}
		}
	}
	for _, r := range b.BloodPressure {
		check("a blood pressure", true, r.Systolic, r.Diastolic, r.Pulse)
	}
	for _, r := range b.Weight {
		check("a weight", true, r.Weight, r.BMI, r.BodyFat, r.SkeletalMuscle, r.VisceralFat, r.RestingMetabolism)
	}
	for _, r := range b.Temperature {
		check("a temperature", true, r.Celsius)
	}
	for _, r := range b.SpO2 {
		check("an SpO2", true, r.Percent, r.Pulse)
	}
	for _, r := range b.HeartRate {
		check("a heart rate", true, r.BPM)
	}
	for _, r := range b.Activity {
		check("an activity", false, r.Steps, r.AerobicSteps, r.Calories, r.Distance)
	}
}

// carried describes each reading by what an export carries (values,
// flags, time, offset, device, origin, setting, manual, hourly data; not
// its id, scope or raw payload), sorted.
func carried(b health.Batch) []string {
	var out []string
	num := func(vs ...health.Value) string {
		var s []string
		for _, v := range vs {
			if x, ok := v.Get(); ok {
				s = append(s, strconv.FormatFloat(x, 'g', -1, 64))
			} else {
				s = append(s, "-")
			}
		}
		return strings.Join(s, "/")
	}
	meta := func(m health.Meta) string {
		return fmt.Sprintf("%s%+d %q %q %s manual=%v", m.Time.UTC().Format(time.RFC3339Nano), m.Offset, m.Device, m.Origin, m.Setting, m.Manual)
	}
	for _, r := range b.BloodPressure {
		out = append(out, fmt.Sprintf("bp %s %s afib=%v ihb=%v move=%v", meta(r.Meta), num(r.Systolic, r.Diastolic, r.Pulse), r.PossibleAFib, r.IrregularHeartbeat, r.BodyMovement))
	}
	for _, r := range b.Weight {
		out = append(out, fmt.Sprintf("weight %s %s", meta(r.Meta), num(r.Weight, r.BMI, r.BodyFat, r.SkeletalMuscle, r.VisceralFat, r.RestingMetabolism)))
	}
	for _, r := range b.Activity {
		hours := ""
		for _, h := range r.Hourly {
			hours += fmt.Sprintf(" %d:%s", h.Hour, num(h.Steps, h.AerobicSteps, h.Calories, h.Distance))
		}
		out = append(out, fmt.Sprintf("activity %s %s%s", meta(r.Meta), num(r.Steps, r.AerobicSteps, r.Calories, r.Distance), hours))
	}
	for _, r := range b.Temperature {
		out = append(out, fmt.Sprintf("temperature %s %s", meta(r.Meta), num(r.Celsius)))
	}
	for _, r := range b.SpO2 {
		out = append(out, fmt.Sprintf("spo2 %s %s", meta(r.Meta), num(r.Percent, r.Pulse)))
	}
	for _, r := range b.HeartRate {
		out = append(out, fmt.Sprintf("hr %s %s", meta(r.Meta), num(r.BPM)))
	}
	for _, r := range b.Conditions {
		out = append(out, fmt.Sprintf("condition %s %q %q %q %q", meta(r.Meta), r.System, r.Code, r.Display, r.Status))
	}
	slices.Sort(out)
	return out
}
