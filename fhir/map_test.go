package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"vitals/health"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// withoutRaw returns the batch with raw payloads dropped, for comparing
// values; raw payloads are checked on their own.
func withoutRaw(b health.Batch) health.Batch {
	b.EachMeta(func(m *health.Meta) { m.Raw = nil })
	return b
}

func TestMapObservation(t *testing.T) {
	t.Parallel()
	const origin = "test.json"
	meta := func(id, when string, offset int, setting health.Setting) health.Meta {
		return health.Meta{ProviderID: id, Time: utc(when), Offset: offset, Origin: origin, Setting: setting}
	}
	tests := []struct {
		name string
		json string
		want health.Batch
	}{
		{
			name: "BP panel 85354-9 in an encounter is an office reading",
			json: `{"resourceType":"Observation","id":"bp1","status":"final",
				"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
				"encounter":{"reference":"Encounter/e1"},
				"effectiveDateTime":"2012-02-05T12:38:41-05:00",
				"component":[
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":77,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":133,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp1", "2012-02-05T17:38:41Z", -5*3600, health.SettingOffice), Systolic: health.Of(133), Diastolic: health.Of(77)}}},
		},
		{
			name: "older panel code 55284-4 with a pulse component",
			json: `{"resourceType":"Observation","id":"bp2",
				"code":{"coding":[{"system":"http://loinc.org","code":"55284-4"}]},
				"effectiveDateTime":"2020-06-01T07:00:00+02:00",
				"component":[
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":121,"unit":"mmHg"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":79,"unit":"mmHg"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":64,"unit":"/min"}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp2", "2020-06-01T05:00:00Z", 2*3600, ""), Systolic: health.Of(121), Diastolic: health.Of(79), Pulse: health.Of(64)}}},
		},
		{
			name: "MDC-only panel from a device is a home reading",
			json: `{"resourceType":"Observation","id":"bp3",
				"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"150020","display":"MDC_PRESS_BLD_NONINV"}]},
				"device":{"reference":"Device/cuff","display":"BP7000"},
				"effectiveDateTime":"2024-03-01T06:30:00-08:00",
				"component":[
				 {"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"150021"}]},"valueQuantity":{"value":128,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"150022"}]},"valueQuantity":{"value":82,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"149546"}]},"valueQuantity":{"value":71,"unit":"bpm","system":"http://unitsofmeasure.org","code":"/min"}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta:     health.Meta{ProviderID: "bp3", Time: utc("2024-03-01T14:30:00Z"), Offset: -8 * 3600, Origin: origin, Setting: health.SettingHome, Device: "BP7000"},
				Systolic: health.Of(128), Diastolic: health.Of(82), Pulse: health.Of(71)}}},
		},
		{
			name: "LOINC decides over MDC; a kPa component is converted",
			json: `{"resourceType":"Observation","id":"bp4",
				"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"150020"},{"system":"http://loinc.org","code":"85354-9"}]},
				"effectiveDateTime":"2024-03-01T06:30:00Z",
				"component":[
				 {"code":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"150022"},{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":16,"code":"kPa"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"},{"system":"urn:iso:std:iso:11073:10101","code":"150021"}]},"valueQuantity":{"value":80,"code":"mm[Hg]"}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp4", "2024-03-01T06:30:00Z", 0, ""), Systolic: health.Of(120), Diastolic: health.Of(80)}}},
		},
		{
			name: "a panel lacking diastolic (dataAbsentReason) keeps systolic and records diastolic missing",
			json: `{"resourceType":"Observation","id":"bp5",
				"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
				"effectiveDateTime":"2012-09-17",
				"component":[
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":107,"unit":"mmHg","code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"dataAbsentReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"not-performed"}]}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp5", "2012-09-17T00:00:00Z", 0, ""), Systolic: health.Of(107)}}},
		},
		{
			name: "rhythm component and vitals flags; zero pressures with a flag are missing",
			json: `{"resourceType":"Observation","id":"bp6",
				"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
				"effectiveDateTime":"2025-01-12T08:12:00-06:00",
				"component":[
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":0,"code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":0,"code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8884-9"}]},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"361137007"}]}},
				 {"code":{"coding":[{"system":"https://vitals.invalid/fhir/CodeSystem/vitals","code":"possible-afib"}]},"valueBoolean":true},
				 {"code":{"coding":[{"system":"https://vitals.invalid/fhir/CodeSystem/vitals","code":"body-movement"}]},"valueBoolean":false}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp6", "2025-01-12T14:12:00Z", -6*3600, ""), PossibleAFib: true, IrregularHeartbeat: true}}},
		},
		{
			name: "weight 29463-7 in [lb_av]",
			json: `{"resourceType":"Observation","id":"w1","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
				"effectiveDateTime":"2021-02-18T21:12:29.000Z","valueQuantity":{"value":165,"unit":"lb","system":"http://unitsofmeasure.org","code":"[lb_av]"}}`,
			want: health.Batch{Weight: []health.Weight{{Meta: meta("w1", "2021-02-18T21:12:29Z", 0, ""), Weight: health.Of(74.8427)}}},
		},
		{
			name: "weight 3141-9 in g",
			json: `{"resourceType":"Observation","id":"w2","code":{"coding":[{"system":"http://loinc.org","code":"3141-9"}]},
				"effectiveDateTime":"2021-02-18T08:00:00+01:00","valueQuantity":{"value":3250,"unit":"g","code":"g"}}`,
			want: health.Batch{Weight: []health.Weight{{Meta: meta("w2", "2021-02-18T07:00:00Z", 3600, ""), Weight: health.Of(3.25)}}},
		},
		{
			name: "weight with the unit only as text: lb and lbs",
			json: `{"resourceType":"Bundle","type":"collection","entry":[
				{"resource":{"resourceType":"Observation","id":"w3","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2021-02-18T21:12:29Z","valueQuantity":{"value":164,"unit":"lb"}}},
				{"resource":{"resourceType":"Observation","id":"w4","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2021-02-19T21:12:29Z","valueQuantity":{"value":100,"unit":"lbs"}}}]}`,
			want: health.Batch{Weight: []health.Weight{
				{Meta: meta("w3", "2021-02-18T21:12:29Z", 0, ""), Weight: health.Of(74.3891)},
				{Meta: meta("w4", "2021-02-19T21:12:29Z", 0, ""), Weight: health.Of(45.3592)}}},
		},
		{
			name: "BMI becomes a weight reading with only BMI",
			json: `{"resourceType":"Observation","id":"b1","code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},
				"effectiveDateTime":"2019-05-01T10:00:00-04:00","valueQuantity":{"value":27.3,"unit":"kg/m2","code":"kg/m2"}}`,
			want: health.Batch{Weight: []health.Weight{{Meta: meta("b1", "2019-05-01T14:00:00Z", -4*3600, ""), BMI: health.Of(27.3)}}},
		},
		{
			name: "body fat 41982-0",
			json: `{"resourceType":"Observation","id":"f1","code":{"coding":[{"system":"http://loinc.org","code":"41982-0"}]},
				"effectiveDateTime":"2019-05-01T10:00:00Z","valueQuantity":{"value":22.5,"unit":"%","code":"%"}}`,
			want: health.Batch{Weight: []health.Weight{{Meta: meta("f1", "2019-05-01T10:00:00Z", 0, ""), BodyFat: health.Of(22.5)}}},
		},
		{
			name: "steps in all three codes, integer and period start",
			json: `{"resourceType":"Bundle","type":"searchset","entry":[
				{"resource":{"resourceType":"Observation","id":"s1","code":{"coding":[{"system":"http://loinc.org","code":"41950-7"}]},"effectiveDateTime":"2025-01-12T00:00:00-06:00","valueQuantity":{"value":8123,"unit":"steps","code":"/d"}}},
				{"resource":{"resourceType":"Observation","id":"s2","code":{"coding":[{"system":"http://loinc.org","code":"55423-8"}]},"effectivePeriod":{"start":"2025-01-13T00:00:00-06:00","end":"2025-01-14T00:00:00-06:00"},"valueInteger":0}},
				{"resource":{"resourceType":"Observation","id":"s3","code":{"coding":[{"system":"http://loinc.org","code":"66334-4"}]},"effectiveInstant":"2025-01-14T06:00:00Z","valueQuantity":{"value":12000}}}]}`,
			want: health.Batch{Activity: []health.Activity{
				{Meta: meta("s1", "2025-01-12T06:00:00Z", -6*3600, ""), Steps: health.Of(8123)},
				{Meta: meta("s2", "2025-01-13T06:00:00Z", -6*3600, ""), Steps: health.Of(0)},
				{Meta: meta("s3", "2025-01-14T06:00:00Z", 0, ""), Steps: health.Of(12000)}}},
		},
		{
			name: "calories 41981-2 go on an activity reading",
			json: `{"resourceType":"Observation","id":"c1","code":{"coding":[{"system":"http://loinc.org","code":"41981-2"}]},
				"effectiveDateTime":"2025-01-12T00:00:00Z","valueQuantity":{"value":2150,"unit":"kcal","code":"kcal"}}`,
			want: health.Batch{Activity: []health.Activity{{Meta: meta("c1", "2025-01-12T00:00:00Z", 0, ""), Calories: health.Of(2150)}}},
		},
		{
			name: "temperature in Cel, [degF], °F and °C",
			json: `{"resourceType":"Bundle","type":"collection","entry":[
				{"resource":{"resourceType":"Observation","id":"t1","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"},{"system":"http://loinc.org","code":"8331-1"}]},"effectiveDateTime":"2021-03-18T21:12:29Z","valueQuantity":{"value":37.2,"unit":"Cel","code":"Cel"}}},
				{"resource":{"resourceType":"Observation","id":"t2","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"effectiveDateTime":"2021-03-19T21:12:29Z","valueQuantity":{"value":98.6,"unit":"degF","code":"[degF]"}}},
				{"resource":{"resourceType":"Observation","id":"t3","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"effectiveDateTime":"2021-03-20T21:12:29Z","valueQuantity":{"value":98,"unit":"°F","code":"°F"}}},
				{"resource":{"resourceType":"Observation","id":"t4","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"effectiveDateTime":"2021-03-21T21:12:29Z","valueQuantity":{"value":36.5,"unit":"°C"}}}]}`,
			want: health.Batch{Temperature: []health.Temperature{
				{Meta: meta("t1", "2021-03-18T21:12:29Z", 0, ""), Celsius: health.Of(37.2)},
				{Meta: meta("t2", "2021-03-19T21:12:29Z", 0, ""), Celsius: health.Of(37)},
				{Meta: meta("t3", "2021-03-20T21:12:29Z", 0, ""), Celsius: health.Of(36.667)},
				{Meta: meta("t4", "2021-03-21T21:12:29Z", 0, ""), Celsius: health.Of(36.5)}}},
		},
		{
			name: "SpO2 carrying both codes is one reading, with its pulse",
			json: `{"resourceType":"Observation","id":"o1",
				"code":{"coding":[{"system":"http://loinc.org","code":"2708-6"},{"system":"http://loinc.org","code":"59408-5"}]},
				"effectiveDateTime":"2020-01-01T09:00:00+09:00","valueQuantity":{"value":97,"unit":"%","code":"%"},
				"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":68,"code":"/min"}}]}`,
			want: health.Batch{SpO2: []health.SpO2{{Meta: meta("o1", "2020-01-01T00:00:00Z", 9*3600, ""), Percent: health.Of(97), Pulse: health.Of(68)}}},
		},
		{
			name: "heart rate 8867-4",
			json: `{"resourceType":"Observation","id":"h1","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
				"effectiveInstant":"2020-01-01T09:00:00.123Z","valueQuantity":{"value":72,"unit":"beats/minute","code":"/min"}}`,
			want: health.Batch{HeartRate: []health.HeartRate{{Meta: meta("h1", "2020-01-01T09:00:00.123Z", 0, ""), BPM: health.Of(72)}}},
		},
		{
			name: "meta.source names the origin",
			json: `{"resourceType":"Observation","id":"h2","meta":{"source":"Epic%20test%20site"},"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
				"effectiveDateTime":"2020-01-01T09:00:00Z","valueQuantity":{"value":61,"code":"/min"}}`,
			want: health.Batch{HeartRate: []health.HeartRate{{
				Meta: health.Meta{ProviderID: "h2", Time: utc("2020-01-01T09:00:00Z"), Origin: "Epic test site"}, BPM: health.Of(61)}}},
		},
		{
			name: "irregular rhythm observation flags the BP reading taken within a minute",
			json: `{"resourceType":"Bundle","type":"collection","entry":[
				{"resource":{"resourceType":"Observation","id":"r1","code":{"coding":[{"system":"http://loinc.org","code":"8884-9"}]},"effectiveDateTime":"2025-02-01T07:00:30Z","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"361137007","display":"Irregular heart beat"}]}}},
				{"resource":{"resourceType":"Observation","id":"bp7","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"2025-02-01T07:00:00Z","component":[
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":141,"code":"mm[Hg]"}},
				 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":92,"code":"mm[Hg]"}}]}}]}`,
			want: health.Batch{BloodPressure: []health.BloodPressure{{
				Meta: meta("bp7", "2025-02-01T07:00:00Z", 0, ""), Systolic: health.Of(141), Diastolic: health.Of(92), IrregularHeartbeat: true}}},
		},
		{
			name: "atrial fibrillation Condition",
			json: `{"resourceType":"Condition","id":"af1",
				"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
				"code":{"coding":[{"system":"http://snomed.info/sct","code":"49436004","display":"Atrial Fibrillation"}]},
				"onsetDateTime":"2009-01-31T11:19:15+01:00"}`,
			want: health.Batch{Conditions: []health.Condition{{
				Meta:   meta("af1", "2009-01-31T10:19:15Z", 3600, ""),
				System: SystemSNOMED, Code: "49436004", Display: "Atrial Fibrillation", Status: "active"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, ignored, err := MapResource(json.RawMessage(tt.json), Options{Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			if got := withoutRaw(b); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if len(ignored) != 0 {
				t.Errorf("ignored %v, want nothing", ignored)
			}
		})
	}
}

func TestMapIgnores(t *testing.T) {
	t.Parallel()
	obs := func(id, code, rest string) string {
		return fmt.Sprintf(`{"resource":{"resourceType":"Observation","id":%q,"code":{"coding":[{"system":"http://loinc.org","code":%q,"display":"D"}]}%s}}`, id, code, rest)
	}
	const when = `,"effectiveDateTime":"2021-01-01T00:00:00Z"`
	entries := []string{
		obs("a", "2160-0", when+`,"valueQuantity":{"value":2.46,"code":"mg/dL"}`),
		obs("b", "2160-0", when+`,"valueQuantity":{"value":1.1,"code":"mg/dL"}`),
		obs("c", "29463-7", when+`,"valueQuantity":{"value":12,"unit":"st"}`),
		obs("d", "8867-4", when+`,"status":"entered-in-error","valueQuantity":{"value":70,"code":"/min"}`),
		obs("e", "8480-6", when+`,"valueQuantity":{"value":120,"code":"mm[Hg]"}`),
		obs("f", "8867-4", `,"valueQuantity":{"value":70,"code":"/min"}`),
		obs("g", "8867-4", when+`,"valueString":"seventy"`),
		obs("h", "8884-9", when+`,"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"361137007"}]}`),
		obs("i", "8310-5", when+`,"valueQuantity":{"value":37,"unit":"K"}`),
		obs("j", "85354-9", when),
		// Values no device could measure: a typo, or a unit mix-up.
		obs("k", "85354-9", when+`,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":1200,"code":"mm[Hg]"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"code":"mm[Hg]"}}]`),
		obs("l", "8310-5", when+`,"valueQuantity":{"value":98.6,"code":"Cel"}`),
		obs("m", "59408-5", when+`,"valueQuantity":{"value":0.97,"code":"%"}`),
		// A panel whose every component is absent holds no reading.
		obs("n", "85354-9", when+`,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"dataAbsentReason":{"text":"x"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"dataAbsentReason":{"text":"x"}}]`),
		`{"resource":{"resourceType":"Claim","id":"x"}}`,
		`{"resource":{"resourceType":"Claim","id":"y"}}`,
		`{"resource":{"resourceType":"Condition","id":"z","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2010-01-01"}}`,
		`{"resource":{"resourceType":"Condition","id":"w","verificationStatus":{"coding":[{"code":"refuted"}]},"code":{"coding":[{"system":"http://snomed.info/sct","code":"49436004","display":"AF"}]},"onsetDateTime":"2010-01-01"}}`,
		`{"request":{"method":"DELETE","url":"Observation/old"}}`,
	}
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entries, ",") + `]}`
	b, ignored, err := MapBundle([]byte(bundle), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := b.Len(); n != 0 {
		t.Errorf("mapped %d readings (%v), want none", n, b.Counts())
	}
	want := map[string]int{
		"Observation 2160-0 D": 2,
		"Observation 29463-7 D (skipped: unit \"st\" not understood)":                              1,
		"Observation 8867-4 D (entered-in-error)":                                                  1,
		"Observation 8480-6 D (skipped: outside a blood-pressure panel)":                           1,
		"Observation 8867-4 D (skipped: no effective time)":                                        1,
		"Observation 8867-4 D (skipped: value is not a number)":                                    1,
		"Observation 8884-9 D (skipped: irregular, but no blood-pressure reading within a minute)": 1,
		"Observation 8310-5 D (skipped: unit \"K\" not understood)":                                1,
		"Observation 85354-9 D (skipped: no components)":                                           1,
		"Observation 85354-9 D (skipped: systolic 1200 mmHg is out of range: want 50–300 mmHg)":    1,
		"Observation 8310-5 D (skipped: temperature 98.6 °C is out of range: want 25–45 °C)":       1,
		"Observation 59408-5 D (skipped: SpO2 0.97 % is out of range: want 50–100 %)":              1,
		"Observation 85354-9 D (skipped: no value)":                                                1,
		"Claim":                           2,
		"Condition 44054006 Diabetes":     1,
		"Condition 49436004 AF (refuted)": 1,
		"Bundle entry without a resource": 1,
	}
	if !reflect.DeepEqual(ignored, want) {
		t.Errorf("ignored:\n got  %v\n want %v", ignored, want)
	}
}

func TestMapProviderIDAndRaw(t *testing.T) {
	t.Parallel()
	hr := `{"resourceType":"Observation",%s"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2020-01-01T09:00:00Z","valueQuantity":{"value":61,"code":"/min"}}`
	withID := fmt.Sprintf(hr, `"id":"abc",`)
	noID := fmt.Sprintf(hr, "")
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
		{"fullUrl":"urn:uuid:0d1c","resource":` + withID + `},
		{"fullUrl":"urn:uuid:5e6f","resource":` + noID + `},
		{"resource":` + noID + `}]}`
	b, _, err := MapBundle([]byte(bundle), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.HeartRate) != 3 {
		t.Fatalf("got %d heart rates, want 3", len(b.HeartRate))
	}
	if got := b.HeartRate[0].ProviderID; got != "abc" {
		t.Errorf("with an id: provider id %q, want abc", got)
	}
	if got := b.HeartRate[1].ProviderID; got != "urn:uuid:5e6f" {
		t.Errorf("without an id: provider id %q, want the fullUrl", got)
	}
	if got := b.HeartRate[2].ProviderID; !strings.HasPrefix(got, "sha256:") {
		t.Errorf("without id or fullUrl: provider id %q, want a hash", got)
	}
	if got := string(b.HeartRate[0].Raw); got != withID {
		t.Errorf("raw = %s\nwant the resource verbatim: %s", got, withID)
	}
	// The same bytes give the same hash, in any bundle.
	again, _, _ := MapResource(json.RawMessage(noID), Options{})
	if again.HeartRate[0].ProviderID != b.HeartRate[2].ProviderID {
		t.Errorf("hash ids differ for the same resource: %s, %s", again.HeartRate[0].ProviderID, b.HeartRate[2].ProviderID)
	}
}

func TestMapSetting(t *testing.T) {
	t.Parallel()
	base := `{"resourceType":"Observation","id":"s","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2020-01-01T09:00:00Z","valueQuantity":{"value":61,"code":"/min"}%s}`
	tests := []struct {
		extra    string
		override health.Setting
		want     health.Setting
	}{
		{``, "", health.SettingUnknown},
		{`,"encounter":{"reference":"Encounter/1"}`, "", health.SettingOffice},
		{`,"device":{"display":"Watch"}`, "", health.SettingHome},
		{`,"device":{"display":"Cuff"},"encounter":{"display":"visit"}`, "", health.SettingOffice},
		{`,"device":{"display":"Watch"}`, health.SettingOffice, health.SettingOffice},
		{`,"encounter":{"reference":"Encounter/1"}`, health.SettingHome, health.SettingHome},
		{`,"device":{"display":"Watch"},"extension":[{"url":"` + URLSetting + `","valueCode":"unknown"}]`, "", health.SettingUnknown},
		{`,"extension":[{"url":"` + URLSetting + `","valueCode":"office"}]`, "", health.SettingOffice},
	}
	for _, tt := range tests {
		b, _, err := MapResource(json.RawMessage(fmt.Sprintf(base, tt.extra)), Options{Setting: tt.override})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.HeartRate[0].Setting; got != tt.want {
			t.Errorf("%s (override %q): setting %q, want %q", tt.extra, tt.override, got, tt.want)
		}
	}
}

func TestMapErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		json  string
		check func(error) bool
		text  string
	}{
		{
			name: "malformed JSON names line and column",
			json: "{\"resourceType\":\"Bundle\",\n\"entry\":[\n {\"resource\": {,}}]}",
			check: func(err error) bool {
				var de *DecodeError
				return errors.As(err, &de) && de.Line == 3 && de.Column > 1
			},
			text: "line 3",
		},
		{
			name: "truncated JSON",
			json: "{\"resourceType\":\"Bundle\",\n\"entry\":[",
			check: func(err error) bool {
				var de *DecodeError
				return errors.As(err, &de) && de.Line == 2
			},
			text: "line 2",
		},
		{
			name: "bad effectiveDateTime names the entry and the field",
			json: `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Observation","id":"x","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2021-13-45T00:00:00Z","valueQuantity":{"value":60}}}]}`,
			check: func(err error) bool {
				var ee *EntryError
				return errors.As(err, &ee) && ee.Path == "entry[1]" && ee.Field == "effectiveDateTime" && ee.Resource == "Observation/x"
			},
			text: `entry[1] Observation/x, effectiveDateTime: "2021-13-45T00:00:00Z"`,
		},
		{
			name: "a value of the wrong JSON type names the field",
			json: `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"y","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2021-01-01T00:00:00Z","valueQuantity":{"value":"sixty"}}}]}`,
			check: func(err error) bool {
				var ee *EntryError
				return errors.As(err, &ee) && ee.Path == "entry[0]" && ee.Field == "valueQuantity.value"
			},
			text: "valueQuantity.value: is a JSON string, want a number",
		},
		{
			name: "a resource without resourceType",
			json: `{"resourceType":"Bundle","entry":[{"resource":{"id":"z"}}]}`,
			check: func(err error) bool {
				var ee *EntryError
				return errors.As(err, &ee) && ee.Path == "entry[0]"
			},
			text: "not a FHIR resource",
		},
		{
			name: "entry is not an array",
			json: "{\"resourceType\":\"Bundle\",\n \"entry\":{}}",
			check: func(err error) bool {
				var ee *EntryError
				return errors.As(err, &ee) && ee.Field == "entry"
			},
			text: "entry: is a JSON object, want an array",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, _, err := MapResource(json.RawMessage(tt.json), Options{})
			if err == nil {
				t.Fatalf("no error; mapped %v", b.Counts())
			}
			if !tt.check(err) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q (%T), want one with %q", err, err, tt.text)
			}
		})
	}
}

func TestMapBundleWantsABundle(t *testing.T) {
	t.Parallel()
	_, _, err := MapBundle([]byte(`{"resourceType":"Observation"}`), Options{})
	if err == nil || !strings.Contains(err.Error(), "Bundle") {
		t.Errorf("MapBundle(Observation) error = %v, want one saying it is not a Bundle", err)
	}
	b, _, err := ReadBundle(strings.NewReader(`{"resourceType":"Bundle","type":"batch","entry":[]}`), Options{})
	if err != nil || b.Len() != 0 {
		t.Errorf("ReadBundle(empty batch) = %v, %v; want nothing, no error", b.Counts(), err)
	}
}
