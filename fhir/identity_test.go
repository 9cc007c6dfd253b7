package fhir

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"vitals/health"
)

// hr is a heart-rate Observation with an id, a time and optional meta.source.
func hr(id, when, source string) string {
	meta := ""
	if source != "" {
		meta = fmt.Sprintf(`"meta":{"source":%q},`, source)
	}
	return fmt.Sprintf(`{"resourceType":"Observation","id":%q,%s"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":%q,"valueQuantity":{"value":61,"unit":"/min"}}`, id, meta, when)
}

func bundleOf(head string, resources ...string) string {
	var entries []string
	for _, r := range resources {
		entries = append(entries, `{"resource":`+r+`}`)
	}
	return `{"resourceType":"Bundle","type":"collection"` + head + `,"entry":[` + strings.Join(entries, ",") + `]}`
}

// TestMapIDScope: in file mode a reading's id scope is its resource's
// source, else its bundle's source or identifier, else the file's own;
// a feed (no IDScope option) gives none.
func TestMapIDScope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, json, fileScope string
		want                  []string
	}{
		{"resource source first", bundleOf(`,"meta":{"source":"Clinic%20B"}`, hr("1", "2024-01-01T08:00:00Z", "Clinic A"), hr("2", "2024-01-01T09:00:00Z", "")),
			"sha256:f", []string{"source:Clinic A", "source:Clinic B"}},
		{"bundle identifier", bundleOf(`,"identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:9"}`, hr("1", "2024-01-01T08:00:00Z", "")),
			"sha256:f", []string{"bundle:urn:ietf:rfc:3986|urn:uuid:9"}},
		{"the file's own", bundleOf("", hr("1", "2024-01-01T08:00:00Z", "")), "sha256:f", []string{"sha256:f"}},
		{"a nested bundle names its own", bundleOf(`,"meta":{"source":"outer"}`,
			bundleOf(`,"meta":{"source":"inner"}`, hr("1", "2024-01-01T08:00:00Z", "")), hr("1", "2024-01-01T09:00:00Z", "")),
			"sha256:f", []string{"source:inner", "source:outer"}},
		{"a feed has none", bundleOf(`,"meta":{"source":"x"}`, hr("1", "2024-01-01T08:00:00Z", "Clinic A")), "", []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _, err := MapResource(json.RawMessage(tt.json), Options{Origin: "f.json", IDScope: tt.fileScope})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range b.HeartRate {
				got = append(got, r.IDScope)
				// A reading is from its resource's source, else its bundle's.
				if origin := strings.TrimPrefix(r.IDScope, "source:"); r.IDScope != origin && r.Origin != origin {
					t.Errorf("%s: origin %q, want %q", r.ProviderID, r.Origin, origin)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("scopes %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMapMergesWeightParts: a weight and a BMI of the same instant and
// source are one weight reading, keeping the weight's id and both
// payloads; parts of other instants, or two weights, stay apart.
func TestMapMergesWeightParts(t *testing.T) {
	t.Parallel()
	obs := func(id, code, when string, v float64, unit string) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"code":{"coding":[{"system":"http://loinc.org","code":%q}]},"encounter":{"reference":"Encounter/e"},"effectiveDateTime":%q,"valueQuantity":{"value":%v,"unit":%q}}`, id, code, when, v, unit)
	}
	const at, later = "2020-03-01T10:00:00-05:00", "2020-03-01T10:05:00-05:00"
	bmi := obs("bmi", "39156-5", at, 27.1, "kg/m2")
	weight := obs("w", "29463-7", at, 80.2, "kg")
	for _, tt := range []struct {
		name   string
		json   string
		want   int
		wantID string
	}{
		{"BMI first, then its weight", bundleOf("", bmi, weight), 1, "w"},
		{"weight, body fat and BMI", bundleOf("", weight, obs("fat", "41982-0", at, 24.0, "%"), bmi), 1, "w"},
		{"a BMI five minutes later", bundleOf("", weight, obs("bmi", "39156-5", later, 27.1, "kg/m2")), 2, "w"},
		{"two weights at one instant", bundleOf("", weight, obs("w2", "29463-7", at, 80.4, "kg")), 2, "w"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _, err := MapBundle([]byte(tt.json), Options{Origin: "f.json"})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Weight) != tt.want || b.Weight[0].ProviderID != tt.wantID {
				t.Fatalf("%d weight readings (first %q), want %d (first %q)", len(b.Weight), b.Weight[0].ProviderID, tt.want, tt.wantID)
			}
			if tt.want == 1 {
				w := b.Weight[0]
				if w.Weight.Or(0) != 80.2 || w.BMI.Or(0) != 27.1 || w.Setting != health.SettingOffice {
					t.Errorf("merged %+v", w)
				}
				var raws []map[string]any
				if err := json.Unmarshal(w.Raw, &raws); err != nil || len(raws) != strings.Count(tt.json, `"Observation"`) {
					t.Errorf("raw %s: want every part's resource in a JSON array (%v)", w.Raw, err)
				}
			}
		})
	}
}

// TestBlankedReadingRoundTrip: a blood pressure the monitor blanked
// without saying why (no value, no flag) is exported with its pressures
// absent for an error and read back as the same blanked reading; a panel
// with nothing and no such reason is still no reading.
func TestBlankedReadingRoundTrip(t *testing.T) {
	t.Parallel()
	blank := health.BloodPressure{Meta: health.Meta{AccountID: 1, ProviderID: "omron-csv:x", Time: utc("2025-01-12T14:12:00Z"), Origin: "Omron Connect CSV", Setting: health.SettingHome}}
	bundle, err := NewBundle(health.Batch{BloodPressure: []health.BloodPressure{blank}}, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := EncodeBundle(bundle)
	if !strings.Contains(string(data), `"code": "error"`) {
		t.Errorf("export does not say the values are absent for an error:\n%s", data)
	}
	b, ignored, err := MapBundle(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.BloodPressure) != 1 || b.BloodPressure[0].Systolic.Valid() || b.BloodPressure[0].Flagged() {
		t.Fatalf("read back %+v (ignored %v), want one blanked reading", b.BloodPressure, ignored)
	}
	empty := strings.ReplaceAll(string(data), `"code": "error"`, `"code": "unknown"`)
	if b, _, _ := MapBundle([]byte(empty), Options{}); len(b.BloodPressure) != 0 {
		t.Errorf("a panel with nothing and no error became %+v", b.BloodPressure)
	}
}
