package fhir

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vitals/health"
)

// exportSample has every field, flag, setting and offset the export must
// carry through.
func exportSample() health.Batch {
	m := func(id, when string, offset int) health.Meta {
		return health.Meta{AccountID: 3, ProviderID: id, Time: utc(when), Offset: offset, Origin: "Omron Wellness", Setting: health.SettingHome, Device: "HEM-7600T"}
	}
	afib := m("bp-2", "2025-01-12T15:42:00Z", 5*3600+1800)
	afib.Setting, afib.Manual, afib.Device = health.SettingUnknown, true, ""
	office := m("bp-3", "2025-01-13T15:00:00Z", 0)
	office.Setting, office.Device, office.Origin = health.SettingOffice, "", "Epic test site"
	cond := m("af", "2009-01-31T10:19:15Z", 3600)
	cond.Setting, cond.Device, cond.Origin = health.SettingOffice, "", "carin 100%"
	return health.Batch{
		BloodPressure: []health.BloodPressure{
			{Meta: m("bp-1", "2025-01-12T14:12:00Z", -6*3600), Systolic: health.Of(132), Diastolic: health.Of(84), Pulse: health.Of(66)},
			{Meta: afib, PossibleAFib: true, IrregularHeartbeat: true, BodyMovement: true},
			{Meta: office, Systolic: health.Of(141), Diastolic: health.Of(92)},
		},
		Weight: []health.Weight{
			{Meta: m("w-1", "2025-01-12T13:00:00Z", -6*3600), Weight: health.Of(71.6), BMI: health.Of(23.4), BodyFat: health.Of(21.5),
				SkeletalMuscle: health.Of(33.1), VisceralFat: health.Of(7), RestingMetabolism: health.Of(1520)},
			{Meta: m("w-2", "2025-01-13T13:00:00Z", -6*3600), BMI: health.Of(23.1)},
			{Meta: m("w-3", "2025-01-14T13:00:00Z", -6*3600), SkeletalMuscle: health.Of(32.9), VisceralFat: health.Of(6.5)},
			{Meta: m("w-4", "2025-01-15T13:00:00Z", -6*3600)},
		},
		Activity: []health.Activity{
			{Meta: m("a-1", "2025-01-12T06:00:00Z", -6*3600), Steps: health.Of(8123), AerobicSteps: health.Of(2100), Calories: health.Of(2150.5), Distance: health.Of(5321.4),
				Hourly: []health.HourActivity{
					{Hour: 7, Steps: health.Of(500), AerobicSteps: health.Of(100), Calories: health.Of(30), Distance: health.Of(320.5)},
					{Hour: 8, Steps: health.Of(1200)},
					{Hour: 23},
				}},
			{Meta: m("a-2", "2025-01-13T06:00:00Z", -6*3600), Calories: health.Of(1980)},
		},
		Temperature: []health.Temperature{{Meta: m("t-1", "2025-01-12T14:30:00Z", -6*3600), Celsius: health.Of(36.667)}},
		SpO2: []health.SpO2{
			{Meta: m("o-1", "2025-01-12T14:31:00Z", -6*3600), Percent: health.Of(97), Pulse: health.Of(68)},
			{Meta: m("o-2", "2025-01-12T14:32:00Z", -6*3600), Pulse: health.Of(70)},
		},
		HeartRate:  []health.HeartRate{{Meta: m("h-1", "2025-01-12T14:33:00.123Z", -6*3600), BPM: health.Of(72)}},
		Conditions: []health.Condition{{Meta: cond, System: SystemSNOMED, Code: "49436004", Display: "Atrial Fibrillation", Status: "active"}},
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	in := exportSample()
	bundle, err := NewBundle(in, ExportOptions{PatientID: "p1", PatientName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	got, ignored, err := MapBundle(data, Options{Origin: "should not be used"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"Patient": 1}; !reflect.DeepEqual(ignored, want) {
		t.Errorf("ignored %v, want %v", ignored, want)
	}
	// The readings come back as they went out; their provider ids are now
	// the exported resource ids, and the account is the importer's to set.
	want := exportSample()
	kinds := map[*health.Meta]health.Kind{}
	for i := range want.BloodPressure {
		kinds[&want.BloodPressure[i].Meta] = health.KindBloodPressure
	}
	for i := range want.Weight {
		kinds[&want.Weight[i].Meta] = health.KindWeight
	}
	for i := range want.Activity {
		kinds[&want.Activity[i].Meta] = health.KindActivity
	}
	for i := range want.Temperature {
		kinds[&want.Temperature[i].Meta] = health.KindTemperature
	}
	for i := range want.SpO2 {
		kinds[&want.SpO2[i].Meta] = health.KindSpO2
	}
	for i := range want.HeartRate {
		kinds[&want.HeartRate[i].Meta] = health.KindHeartRate
	}
	for i := range want.Conditions {
		kinds[&want.Conditions[i].Meta] = health.KindCondition
	}
	want.EachMeta(func(m *health.Meta) {
		m.ProviderID = ResourceID(kinds[m], *m)
		m.AccountID = 0
	})
	if got := withoutRaw(got); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the readings:\n got  %+v\n want %+v", got, want)
	}
}

func TestExportIsDeterministic(t *testing.T) {
	t.Parallel()
	a := exportSample()
	b := exportSample()
	slices.Reverse(b.BloodPressure)
	slices.Reverse(b.Weight)
	encode := func(batch health.Batch) []byte {
		bundle, err := NewBundle(batch, ExportOptions{PatientID: "p1"})
		if err != nil {
			t.Fatal(err)
		}
		data, err := EncodeBundle(bundle)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if !bytes.Equal(encode(a), encode(b)) {
		t.Error("the same readings in another order give another bundle")
	}
	// Ids depend on the account: the same provider id from two accounts
	// are two readings.
	m := health.Meta{AccountID: 1, ProviderID: "x"}
	n := m
	n.AccountID = 2
	if ResourceID(health.KindWeight, m) == ResourceID(health.KindWeight, n) {
		t.Error("two accounts' readings share an id")
	}
	if ResourceID(health.KindWeight, m) == ResourceID(health.KindBloodPressure, m) {
		t.Error("two kinds' readings share an id")
	}
}

// TestExportIsValidR4 checks the rules of R4 a collection bundle of
// Observations and Conditions must keep, on the JSON itself.
func TestExportIsValidR4(t *testing.T) {
	t.Parallel()
	bundle, err := NewBundle(exportSample(), ExportOptions{PatientID: "p1", PatientName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ResourceType != "Bundle" || doc.Type != "collection" {
		t.Fatalf("resourceType %q type %q, want a collection Bundle", doc.ResourceType, doc.Type)
	}
	idPattern := regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	fullURLs := map[string]string{}
	for _, e := range doc.Entry {
		fullURLs[e.FullURL], _ = e.Resource["resourceType"].(string)
	}
	if len(fullURLs) != len(doc.Entry) {
		t.Errorf("fullUrls are not unique")
	}
	counts := map[string]int{}
	for i, e := range doc.Entry {
		r := e.Resource
		typ, _ := r["resourceType"].(string)
		counts[typ]++
		id, _ := r["id"].(string)
		if !idPattern.MatchString(id) || e.FullURL != "urn:uuid:"+id {
			t.Errorf("entry %d: id %q, fullUrl %q", i, id, e.FullURL)
		}
		if typ == "Patient" {
			continue
		}
		subject, _ := r["subject"].(map[string]any)
		if ref, _ := subject["reference"].(string); fullURLs[ref] != "Patient" {
			t.Errorf("entry %d: subject %v does not resolve to the Patient entry", i, subject)
		}
		if meta, ok := r["meta"].(map[string]any); ok {
			if src, _ := meta["source"].(string); strings.ContainsAny(src, " \t\n") {
				t.Errorf("entry %d: meta.source %q is not a uri", i, src)
			}
		}
		if typ == "Observation" {
			if r["status"] != "final" || r["code"] == nil || r["category"] == nil {
				t.Errorf("entry %d: Observation without status, code or category", i)
			}
			if _, _, err := ParseDateTime(r["effectiveDateTime"].(string)); err != nil {
				t.Errorf("entry %d: %v", i, err)
			}
			// obs-6: dataAbsentReason only when there is no value.
			if r["dataAbsentReason"] != nil && r["valueQuantity"] != nil {
				t.Errorf("entry %d: both a value and a dataAbsentReason", i)
			}
		}
	}
	want := map[string]int{"Patient": 1, "Observation": 13, "Condition": 1}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("resources %v, want %v", counts, want)
	}
}

// TestExportCodes checks the codes and units of the exported resources
// against clinical-rules.md.
func TestExportCodes(t *testing.T) {
	t.Parallel()
	in := exportSample()
	bundle, err := NewBundle(health.Batch{BloodPressure: in.BloodPressure[:1], Weight: in.Weight[:1], Temperature: in.Temperature, SpO2: in.SpO2[:1]}, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		code, unit  string
		value       float64
		components  map[string]string // code -> unit
		exactCoding []string
	}
	wants := []want{
		{code: "85354-9", components: map[string]string{"8480-6": "mm[Hg]", "8462-4": "mm[Hg]", "8867-4": "/min"}},
		{code: "29463-7", unit: "kg", value: 71.6, components: map[string]string{"39156-5": "kg/m2", "41982-0": "%", CodeSkeletalMuscle: "%", CodeVisceralFat: "{level}", CodeRestingMetabolism: "kcal/d"}},
		{code: "8310-5", unit: "Cel", value: 36.667},
		{code: "59408-5", unit: "%", value: 97, components: map[string]string{"8867-4": "/min"}, exactCoding: []string{"59408-5", "2708-6"}},
	}
	for i, e := range bundle.Entry[1:] {
		var o Observation
		if err := json.Unmarshal(e.Resource, &o); err != nil {
			t.Fatal(err)
		}
		w := wants[i]
		if o.Code.Coding[0].Code != w.code {
			t.Errorf("observation %d: code %s, want %s", i, o.Code.Coding[0].Code, w.code)
			continue
		}
		if w.exactCoding != nil {
			var codes []string
			for _, c := range o.Code.Coding {
				codes = append(codes, c.Code)
			}
			if !slices.Equal(codes, w.exactCoding) {
				t.Errorf("observation %d: codings %v, want %v", i, codes, w.exactCoding)
			}
		}
		if w.unit != "" {
			q := o.ValueQuantity
			if q == nil || q.Code != w.unit || q.System != SystemUCUM || *q.Value != w.value {
				t.Errorf("observation %s: value %+v, want %v %s (UCUM)", w.code, q, w.value, w.unit)
			}
		}
		got := map[string]string{}
		for _, c := range o.Component {
			got[c.Code.Coding[0].Code] = c.ValueQuantity.Code
		}
		if len(w.components) > 0 && !reflect.DeepEqual(got, w.components) {
			t.Errorf("observation %s: components %v, want %v", w.code, got, w.components)
		}
		if len(o.Category) != 1 || !o.Category[0].Has(SystemObservationCategory, "vital-signs") {
			t.Errorf("observation %s: category %+v, want vital-signs", w.code, o.Category)
		}
	}
}
