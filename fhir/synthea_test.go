package fhir

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"vitals/fhir/fhirtest"
	"vitals/health"
)

// plainObservation is what the independent count reads of an Observation.
type plainObservation struct {
	ResourceType      string `json:"resourceType"`
	ID                string `json:"id"`
	EffectiveDateTime string `json:"effectiveDateTime"`
	Code              struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	} `json:"code"`
	ValueQuantity *struct {
		Value float64 `json:"value"`
		Unit  string  `json:"unit"`
	} `json:"valueQuantity"`
	Component []struct {
		Code struct {
			Coding []struct {
				Code string `json:"code"`
			} `json:"coding"`
		} `json:"code"`
		ValueQuantity *struct {
			Value float64 `json:"value"`
		} `json:"valueQuantity"`
	} `json:"component"`
}

func (o plainObservation) has(codes ...string) bool {
	for _, c := range o.Code.Coding {
		for _, want := range codes {
			if c.System == "http://loinc.org" && c.Code == want {
				return true
			}
		}
	}
	return false
}

// TestSyntheaCounts maps every public bundle and checks the readings
// against a plain count of the LOINC codes in the file, one per
// Observation, and their values against the file's.
func TestSyntheaCounts(t *testing.T) {
	t.Parallel()
	for _, path := range fhirtest.SyntheaFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Entry []struct {
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			var obs []plainObservation
			afib := 0
			for _, e := range doc.Entry {
				var h struct {
					ResourceType string `json:"resourceType"`
				}
				if err := json.Unmarshal(e.Resource, &h); err != nil {
					t.Fatal(err)
				}
				if h.ResourceType == "Condition" {
					var c struct {
						Code CodeableConcept `json:"code"`
					}
					_ = json.Unmarshal(e.Resource, &c)
					if c.Code.Has("http://snomed.info/sct", "49436004") {
						afib++
					}
				}
				if h.ResourceType != "Observation" {
					continue
				}
				var o plainObservation
				if err := json.Unmarshal(e.Resource, &o); err != nil {
					t.Fatal(err)
				}
				obs = append(obs, o)
				for kind, codes := range map[string][]string{
					"bp": {"85354-9", "55284-4"}, "weight": {"29463-7", "3141-9"}, "bmi": {"39156-5"},
					"hr": {"8867-4"}, "temp": {"8310-5"}, "spo2": {"59408-5", "2708-6"},
				} {
					if o.has(codes...) {
						want[kind]++
					}
				}
			}

			b, _, err := MapBundle(data, Options{Origin: "synthea"})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			got := map[string]int{"bp": len(b.BloodPressure), "hr": len(b.HeartRate), "temp": len(b.Temperature), "spo2": len(b.SpO2)}
			for _, w := range b.Weight {
				if w.Weight.Valid() {
					got["weight"]++
				}
				if w.BMI.Valid() {
					got["bmi"]++
				}
			}
			for k, n := range got {
				if n == 0 {
					delete(got, k)
				}
			}
			if !equalCounts(got, want) {
				t.Errorf("readings %v, plain LOINC count %v", got, want)
			}
			// A BMI taken with a weight (the same instant: every Synthea
			// encounter) is part of that weight reading; only a BMI
			// without one is a reading of its own.
			weighed := map[string]bool{}
			for _, o := range obs {
				if o.has("29463-7", "3141-9") {
					weighed[o.EffectiveDateTime] = true
				}
			}
			alone, attached := 0, 0
			for _, o := range obs {
				if o.has("39156-5") {
					if weighed[o.EffectiveDateTime] {
						attached++
					} else {
						alone++
					}
				}
			}
			if len(b.Weight) != want["weight"]+alone {
				t.Errorf("%d weight readings, want one per weight observation and one per BMI without a weight (%d + %d)", len(b.Weight), want["weight"], alone)
			}
			if attached == 0 && want["bmi"] > 0 {
				t.Errorf("no BMI shares an instant with a weight: the bundle does not test the merge")
			}
			if len(b.Conditions) != afib {
				t.Errorf("%d conditions, want the %d atrial-fibrillation Conditions", len(b.Conditions), afib)
			}
			checkValues(t, obs, b)
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkValues compares each mapped reading with its Observation's own
// numbers, converting units by hand (pounds and °F appear in one file).
func checkValues(t *testing.T, obs []plainObservation, b health.Batch) {
	t.Helper()
	byID := map[string]plainObservation{}
	for _, o := range obs {
		byID[o.ID] = o
	}
	near := func(what string, got health.Value, want float64) {
		t.Helper()
		if x, ok := got.Get(); !ok || math.Abs(x-want) > 0.001 {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	value := func(o plainObservation) float64 {
		v, u := o.ValueQuantity.Value, o.ValueQuantity.Unit
		switch u {
		case "lb", "[lb_av]", "lbs":
			return v * 0.45359237
		case "°F", "[degF]":
			return (v - 32) / 1.8
		}
		return v
	}
	for _, r := range b.BloodPressure {
		o := byID[r.ProviderID]
		for _, c := range o.Component {
			switch c.Code.Coding[0].Code {
			case "8480-6":
				near(r.ProviderID+" systolic", r.Systolic, c.ValueQuantity.Value)
			case "8462-4":
				near(r.ProviderID+" diastolic", r.Diastolic, c.ValueQuantity.Value)
			}
		}
	}
	bmiAt := map[string]plainObservation{}
	for _, o := range obs {
		if o.has("39156-5") {
			bmiAt[o.EffectiveDateTime] = o
		}
	}
	for _, r := range b.Weight {
		o := byID[r.ProviderID]
		if o.has("39156-5") {
			near(r.ProviderID+" BMI", r.BMI, value(o))
			continue
		}
		near(r.ProviderID+" weight", r.Weight, value(o))
		if bmi, ok := bmiAt[o.EffectiveDateTime]; ok {
			near(r.ProviderID+" BMI taken with it", r.BMI, value(bmi))
		} else if r.BMI.Valid() {
			t.Errorf("%s: BMI %v, but no BMI observation shares its instant", r.ProviderID, r.BMI)
		}
	}
	for _, r := range b.HeartRate {
		near(r.ProviderID+" heart rate", r.BPM, value(byID[r.ProviderID]))
	}
	for _, r := range b.Temperature {
		near(r.ProviderID+" temperature", r.Celsius, value(byID[r.ProviderID]))
	}
	for _, r := range b.SpO2 {
		near(r.ProviderID+" SpO2", r.Percent, value(byID[r.ProviderID]))
	}
}
