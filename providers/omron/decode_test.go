package omron

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/providers"
)

// stripGuideComments removes the guide's // annotations ("// AFib detected
// → systolic set to 0"), which run up to the next quoted name.
func stripGuideComments(s string) string {
	return regexp.MustCompile(`//[^"]*`).ReplaceAllString(s, "")
}

func decodeGuide(t *testing.T, typ Type, doc string) Result {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stripGuideComments(doc)), &top); err != nil {
		t.Fatalf("the guide's %s example does not parse: %v", typ, err)
	}
	res, err := decodeMeasurements("test", http.StatusOK, typ, top, time.Now())
	if err != nil {
		t.Fatalf("decode the guide's %s example: %v", typ, err)
	}
	if len(res.Ignored) > 0 {
		t.Fatalf("the guide's %s example had items ignored: %v", typ, res.Ignored)
	}
	return res
}

// v writes a value for comparison: its number, or "missing".
func v(x health.Value) string {
	if !x.Valid() {
		return "missing"
	}
	return x.String()
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestGuideExamplesDecode(t *testing.T) {
	t.Run("blood pressure", func(t *testing.T) {
		res := decodeGuide(t, BloodPressure, guideBloodPressure)
		if len(res.Batch.BloodPressure) != 1 {
			t.Fatalf("got %d readings, want 1", len(res.Batch.BloodPressure))
		}
		b := res.Batch.BloodPressure[0]
		got := []string{b.ProviderID, b.Time.Format(time.RFC3339), v(b.Systolic), v(b.Diastolic), v(b.Pulse), b.Device, b.Origin, string(b.Setting)}
		want := []string{"1644043106941", "2022-02-03T16:44:13Z", "92", "71", "78", "M700 Intelli IT", "Omron Wellness", "home"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("got %q\nwant %q", got, want)
		}
		if b.Offset != 0 || b.Flagged() || b.BodyMovement {
			t.Errorf("offset %d, flagged %v, movement %v: want 0, false, false", b.Offset, b.Flagged(), b.BodyMovement)
		}
		if res.PaginationKey != "1643906653000" || res.Truncated || res.Items != 1 {
			t.Errorf("key %q truncated %v items %d: want 1643906653000 false 1", res.PaginationKey, res.Truncated, res.Items)
		}
		var raw map[string]any
		if err := json.Unmarshal(b.Raw, &raw); err != nil || raw["deviceType"] != "M700 Intelli IT" {
			t.Errorf("Raw is not the item's JSON: %s", b.Raw)
		}
	})
	t.Run("possible AFib: zeros are no reading", func(t *testing.T) {
		res := decodeGuide(t, BloodPressure, guideBloodPressureAFib)
		b := res.Batch.BloodPressure[0]
		if !b.PossibleAFib {
			t.Error("possibleAfib was not kept")
		}
		if b.Systolic.Valid() || b.Diastolic.Valid() || b.Pulse.Valid() {
			t.Errorf("the AFib zeros became values: %s/%s pulse %s", v(b.Systolic), v(b.Diastolic), v(b.Pulse))
		}
		if b.Time != utc("2026-01-06T06:03:13Z") || b.Device != "7 Series Upper Arm" || res.PaginationKey != "1767593042000" {
			t.Errorf("time %s device %q key %q", b.Time, b.Device, res.PaginationKey)
		}
	})
	t.Run("activity with hours", func(t *testing.T) {
		res := decodeGuide(t, Activity, guideActivity)
		a := res.Batch.Activity[0]
		// A pedometer's zero steps is a count, unlike a cuff's zero.
		got := []string{a.ProviderID, a.Time.Format(time.RFC3339), v(a.Steps), v(a.AerobicSteps), v(a.Calories), v(a.Distance), a.Device}
		want := []string{"1639008000000", "2021-12-09T00:00:00Z", "0", "0", "0", "0", "HCR-6900T"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("got %q\nwant %q", got, want)
		}
		if len(a.Hourly) != 2 || a.Hourly[0].Hour != 0 || a.Hourly[1].Hour != 1 || v(a.Hourly[1].Steps) != "0" || v(a.Hourly[1].Distance) != "0" {
			t.Errorf("hours: %+v", a.Hourly)
		}
		if res.PaginationKey != "1639008000000" {
			t.Errorf("key %q", res.PaginationKey)
		}
	})
	t.Run("weight: strings, -1.0 and a seconds offset", func(t *testing.T) {
		res := decodeGuide(t, Weight, guideWeight)
		w := res.Batch.Weight[0]
		got := []string{w.ProviderID, w.Time.Format(time.RFC3339), w.Local().Format(time.RFC3339), v(w.Weight), v(w.BMI), v(w.BodyFat), v(w.SkeletalMuscle), v(w.VisceralFat), v(w.RestingMetabolism)}
		want := []string{"1644225686000", "2022-02-07T09:21:26Z", "2022-02-07T03:21:26-06:00", "71.6", "25.52", "missing", "missing", "missing", "missing"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("got %q\nwant %q", got, want)
		}
		if w.Offset != -21600 {
			t.Errorf("offset %d, want -21600", w.Offset)
		}
	})
	t.Run("temperature: a null key is the last page", func(t *testing.T) {
		res := decodeGuide(t, Temperature, guideTemperature)
		if got := v(res.Batch.Temperature[0].Celsius); got != "33.8" {
			t.Errorf("celsius %s, want 33.8", got)
		}
		if res.PaginationKey != "" {
			t.Errorf("key %q, want none", res.PaginationKey)
		}
	})
	t.Run("oxygen: strings", func(t *testing.T) {
		res := decodeGuide(t, Oxygen, guideOxygen)
		s := res.Batch.SpO2[0]
		if v(s.Percent) != "99" || v(s.Pulse) != "73" || s.Device != "blesmart_00060002b87c6f2aeac4" || res.PaginationKey != "" {
			t.Errorf("got %s%% pulse %s device %q key %q", v(s.Percent), v(s.Pulse), s.Device, res.PaginationKey)
		}
	})
}

// item builds a measurement with the common fields of the guide's
// examples and the given extra members.
func item(extra string) json.RawMessage {
	return json.RawMessage(`{"id": 1644043106941, "dateTime": "2022-02-03T16:44:13", "dateTimeLocal": "2022-02-03T10:44:13", "dateTimeUtcOffset": "-21600", ` + extra + `}`)
}

func TestBloodPressureQuirks(t *testing.T) {
	tests := []struct {
		name                    string
		raw                     json.RawMessage
		sys, dia, pulse         string
		afib, irregular, moving bool
		wantErr                 string
	}{
		{name: "numbers", raw: item(`"systolic": 128, "diastolic": 84, "pulse": 66`), sys: "128", dia: "84", pulse: "66"},
		{name: "numbers as strings", raw: item(`"systolic": "128", "diastolic": " 84 ", "pulse": "66"`), sys: "128", dia: "84", pulse: "66"},
		{name: "no pulse", raw: item(`"systolic": 128, "diastolic": 84, "pulse": 0`), sys: "128", dia: "84", pulse: "missing"},
		{name: "-1.0 and -2147483648 are not measured", raw: item(`"systolic": 128, "diastolic": 84, "pulse": -2147483648, "bloodPressureUnits": "mmHg"`), sys: "128", dia: "84", pulse: "missing"},
		{name: "pulse -1", raw: item(`"systolic": 128, "diastolic": 84, "pulse": "-1.0"`), sys: "128", dia: "84", pulse: "missing"},
		{name: "AFib flag as a string", raw: item(`"systolic": 0, "diastolic": 0, "pulse": 0, "possibleAfib": "true"`), sys: "missing", dia: "missing", pulse: "missing", afib: true},
		{name: "AFib with values kept", raw: item(`"systolic": 141, "diastolic": 90, "pulse": 97, "possibleAfib": true`), sys: "141", dia: "90", pulse: "97", afib: true},
		{name: "app-API flags as 0/1", raw: item(`"systolic": 150, "diastolic": 95, "pulse": 70, "irregularHB": 1, "movementDetect": "1"`), sys: "150", dia: "95", pulse: "70", irregular: true, moving: true},
		{name: "flags 0", raw: item(`"systolic": 150, "diastolic": 95, "pulse": 70, "irregularHB": 0, "movementDetect": false, "possibleAfib": false`), sys: "150", dia: "95", pulse: "70"},
		{name: "kPa", raw: item(`"systolic": 16, "diastolic": 10.7, "pulse": 70, "bloodPressureUnits": "kPa"`), sys: "120", dia: "80", pulse: "70"},
		{name: "zeros without a flag are nothing", raw: item(`"systolic": 0, "diastolic": 0, "pulse": 0`), wantErr: "no pressures"},
		{name: "a word for a number", raw: item(`"systolic": "high", "diastolic": 84, "pulse": 66`), wantErr: `field "systolic"`},
		{name: "unknown unit", raw: item(`"systolic": 120, "diastolic": 84, "bloodPressureUnits": "psi"`), wantErr: `field "bloodPressureUnits"`},
		{name: "bad flag", raw: item(`"systolic": 120, "diastolic": 84, "possibleAfib": "maybe"`), wantErr: `field "possibleAfib"`},
		{name: "no id", raw: json.RawMessage(`{"dateTime": "2022-02-03T16:44:13", "systolic": 120, "diastolic": 80}`), wantErr: `field "id"`},
		{name: "bad time", raw: json.RawMessage(`{"id": 1, "dateTime": "03/02/2022 16:44", "systolic": 120, "diastolic": 80}`), wantErr: `field "dateTime"`},
		{name: "no time", raw: json.RawMessage(`{"id": 1, "systolic": 120, "diastolic": 80}`), wantErr: `field "dateTime"`},
		{name: "not an object", raw: json.RawMessage(`[1, 2]`), wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decodeBloodPressure(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v(b.Systolic) != tt.sys || v(b.Diastolic) != tt.dia || v(b.Pulse) != tt.pulse {
				t.Errorf("got %s/%s pulse %s, want %s/%s pulse %s", v(b.Systolic), v(b.Diastolic), v(b.Pulse), tt.sys, tt.dia, tt.pulse)
			}
			if b.PossibleAFib != tt.afib || b.IrregularHeartbeat != tt.irregular || b.BodyMovement != tt.moving {
				t.Errorf("flags afib %v irregular %v movement %v, want %v %v %v", b.PossibleAFib, b.IrregularHeartbeat, b.BodyMovement, tt.afib, tt.irregular, tt.moving)
			}
		})
	}
}

func TestTimeAndOffset(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		time    string // UTC
		offset  int
		wantErr string
	}{
		{"+hh:mm agreeing with the clocks", `"dateTime": "2022-02-03T16:44:13", "dateTimeLocal": "2022-02-04T01:44:13", "dateTimeUtcOffset": "+09:00"`, "2022-02-03T16:44:13Z", 9 * 3600, ""},
		{"seconds", `"dateTime": "2022-02-07T09:21:26", "dateTimeLocal": "2022-02-07T03:21:26", "dateTimeUtcOffset": "-21600"`, "2022-02-07T09:21:26Z", -21600, ""},
		{"half-hour zone", `"dateTime": "2022-02-07T09:21:26", "dateTimeLocal": "2022-02-07T14:51:26", "dateTimeUtcOffset": "+05:30"`, "2022-02-07T09:21:26Z", 19800, ""},
		{"offset missing: from the clocks", `"dateTime": "2022-02-07T09:21:26", "dateTimeLocal": "2022-02-07T04:21:26"`, "2022-02-07T09:21:26Z", -18000, ""},
		{"offset disagreeing: the clocks win", `"dateTime": "2022-02-07T09:21:26", "dateTimeLocal": "2022-02-07T04:21:26", "dateTimeUtcOffset": "+00:00"`, "2022-02-07T09:21:26Z", -18000, ""},
		{"offset unreadable: from the clocks", `"dateTime": "2022-02-07T09:21:26", "dateTimeLocal": "2022-02-07T04:21:26", "dateTimeUtcOffset": "CST"`, "2022-02-07T09:21:26Z", -18000, ""},
		{"only UTC", `"dateTime": "2022-02-07T09:21:26"`, "2022-02-07T09:21:26Z", 0, ""},
		{"only local and offset", `"dateTimeLocal": "2022-02-07T03:21:26", "dateTimeUtcOffset": "-21600"`, "2022-02-07T09:21:26Z", -21600, ""},
		{"fractional seconds", `"dateTime": "2022-02-07T09:21:26.500", "dateTimeLocal": "2022-02-07T09:21:26.500", "dateTimeUtcOffset": "+00:00"`, "2022-02-07T09:21:26.5Z", 0, ""},
		{"a zone on dateTime", `"dateTime": "2022-02-07T10:21:26+01:00", "dateTimeUtcOffset": "+01:00"`, "2022-02-07T09:21:26Z", 3600, ""},
		{"offset unreadable and nothing to check it", `"dateTime": "2022-02-07T09:21:26", "dateTimeUtcOffset": "CST"`, "", 0, `field "dateTimeUtcOffset"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decodeBloodPressure(json.RawMessage(`{"id": "x1", "systolic": 120, "diastolic": 80, ` + tt.raw + `}`))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !b.Time.Equal(utc(tt.time)) || b.Time.Location() != time.UTC || b.Offset != tt.offset {
				t.Errorf("got %s offset %d, want %s offset %d", b.Time, b.Offset, tt.time, tt.offset)
			}
		})
	}
}

func TestWeightQuirks(t *testing.T) {
	tests := []struct {
		name                   string
		raw                    json.RawMessage
		kg, bmi, fat, visceral string
		wantErr                string
	}{
		{name: "lbs converted", raw: item(`"weight": "170.0", "weightPref": "lbs", "bmiValue": "24.39", "bodyFatPercentage": "27.1", "visceralFatLevel": "9.0"`),
			kg: "77.1107", bmi: "24.39", fat: "27.1", visceral: "9"}, // 170 × 0.45359237 = 77.11070…
		{name: "kg as a number", raw: item(`"weight": 71.6, "weightPref": "kg"`), kg: "71.6", bmi: "missing", fat: "missing", visceral: "missing"},
		{name: "no unit is kg", raw: item(`"weight": "71.6"`), kg: "71.6", bmi: "missing", fat: "missing", visceral: "missing"},
		{name: "sentinels", raw: item(`"weight": "71.6", "bmiValue": "-2147483648", "bodyFatPercentage": "-1", "visceralFatLevel": "0.0"`), kg: "71.6", bmi: "missing", fat: "missing", visceral: "missing"},
		{name: "composition without weight", raw: item(`"weight": "-1.0", "bodyFatPercentage": "30.2"`), kg: "missing", bmi: "missing", fat: "30.2", visceral: "missing"},
		{name: "nothing measured", raw: item(`"weight": "-1.0", "bmiValue": "-1.0"`), wantErr: "no measured value"},
		{name: "unknown unit", raw: item(`"weight": "11.2", "weightPref": "stone"`), wantErr: `field "weightPref"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := decodeWeight(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := []string{v(w.Weight), v(w.BMI), v(w.BodyFat), v(w.VisceralFat)}; strings.Join(got, " ") != strings.Join([]string{tt.kg, tt.bmi, tt.fat, tt.visceral}, " ") {
				t.Errorf("got %q, want %s %s %s %s", got, tt.kg, tt.bmi, tt.fat, tt.visceral)
			}
		})
	}
}

func TestTemperatureAndOxygenQuirks(t *testing.T) {
	temps := []struct {
		name, raw, celsius, wantErr string
	}{
		{"°C", `"temperature": "36.9", "temperaturePref": "°C"`, "36.9", ""},
		{"°F converted", `"temperature": "98.6", "temperaturePref": "°F"`, "37", ""},
		{"F without the degree sign", `"temperature": 100.4, "temperaturePref": "F"`, "38", ""},
		{"no unit, a Fahrenheit value", `"temperature": "99.5"`, "37.5", ""},
		{"no unit, a Celsius value", `"temperature": "37.5"`, "37.5", ""},
		{"-1.0", `"temperature": "-1.0", "temperaturePref": "°C"`, "", "no temperature"},
		{"unknown unit", `"temperature": "300", "temperaturePref": "K"`, "", `field "temperaturePref"`},
	}
	for _, tt := range temps {
		t.Run("temperature "+tt.name, func(t *testing.T) {
			r, err := decodeTemperature(item(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || v(r.Celsius) != tt.celsius {
				t.Fatalf("got %s (err %v), want %s", v(r.Celsius), err, tt.celsius)
			}
		})
	}
	oxygen := []struct {
		name, raw, pct, pulse, wantErr string
	}{
		{"strings", `"oxygenLevel": "97", "pulse": "64"`, "97", "64", ""},
		{"numbers", `"oxygenLevel": 95, "pulse": 88`, "95", "88", ""},
		{"no pulse", `"oxygenLevel": "97", "pulse": "0"`, "97", "missing", ""},
		{"over 100", `"oxygenLevel": "170", "pulse": "64"`, "", "", `field "oxygenLevel"`},
		{"nothing", `"oxygenLevel": "-1", "pulse": ""`, "", "", "no oxygen level"},
	}
	for _, tt := range oxygen {
		t.Run("oxygen "+tt.name, func(t *testing.T) {
			r, err := decodeOxygen(item(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || v(r.Percent) != tt.pct || v(r.Pulse) != tt.pulse {
				t.Fatalf("got %s%% pulse %s (err %v), want %s pulse %s", v(r.Percent), v(r.Pulse), err, tt.pct, tt.pulse)
			}
		})
	}
}

func TestActivityQuirks(t *testing.T) {
	tests := []struct {
		name     string
		raw      json.RawMessage
		distance string // metres
		hours    []string
		wantErr  string
	}{
		// 3.1 mi × 1609.344 = 4988.9664 m; 0.5 mi = 804.672 m.
		{name: "dailyDistance string in miles", raw: item(`"steps": 6500, "dailyDistance": "3.1", "distanceUnits": "miles", "hourlyActivityData": [{"hour": "07:00", "steps": 1000, "distance": 0.5, "calories": 45, "aerobicSteps": 0}]`),
			distance: "4988.97", hours: []string{"7:1000:804.67"}},
		{name: "distance number in km", raw: item(`"steps": 6500, "distance": 5.2, "distanceUnits": "km"`), distance: "5200"},
		{name: "metres", raw: item(`"steps": 6500, "distance": "4810", "distanceUnits": "m"`), distance: "4810"},
		{name: "no unit: a distance cannot be trusted", raw: item(`"steps": 6500, "dailyDistance": "3.1"`), distance: "missing"},
		{name: "no unit, zero", raw: item(`"steps": 0, "dailyDistance": "0"`), distance: "0"},
		{name: "hour as a number", raw: item(`"steps": 10, "hourlyActivityData": [{"hour": 23, "steps": 10}]`), distance: "missing", hours: []string{"23:10:missing"}},
		{name: "bad hour", raw: item(`"steps": 10, "hourlyActivityData": [{"hour": "25:00", "steps": 10}]`), wantErr: `field "hourlyActivityData[0].hour"`},
		{name: "bad unit", raw: item(`"steps": 10, "distance": 3, "distanceUnits": "leagues"`), wantErr: `field "distanceUnits"`},
		{name: "hours not an array", raw: item(`"steps": 10, "hourlyActivityData": {"hour": 1}`), wantErr: `field "hourlyActivityData"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := decodeActivity(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v(a.Distance) != tt.distance {
				t.Errorf("distance %s m, want %s", v(a.Distance), tt.distance)
			}
			var hours []string
			for _, h := range a.Hourly {
				hours = append(hours, strconv.Itoa(h.Hour)+":"+v(h.Steps)+":"+v(h.Distance))
			}
			if strings.Join(hours, ",") != strings.Join(tt.hours, ",") {
				t.Errorf("hours %q, want %q", hours, tt.hours)
			}
		})
	}
}

func TestEnvelope(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		key       string
		truncated bool
		items     int
		ignored   int
		apiErr    *APIError
		temporary bool
	}{
		{name: "status as a string", body: `{"status": "0", "result": {"bloodPressure": [], "paginationKey": {"bloodpressurePaginationKey": null}}}`},
		{name: "key as a string", body: `{"status": 0, "result": {"bloodPressure": [], "paginationKey": {"bloodpressurePaginationKey": "abc"}}}`, key: "abc"},
		{name: "another type's key only", body: `{"status": 0, "result": {"bloodPressure": [], "paginationKey": {"weightPaginationKey": 17}}}`},
		{name: "legacy truncated, no keys", body: `{"status": 0, "result": {"bloodPressure": [], "truncated": true, "measurementCount": 0}}`, truncated: true},
		{name: "truncated as a string", body: `{"status": 0, "result": {"bloodPressure": [], "truncated": "true"}}`, truncated: true},
		{name: "a bad item is skipped and counted", body: `{"status": 0, "result": {"bloodPressure": [` + string(item(`"systolic": 120, "diastolic": 80`)) + `, {"id": 2, "dateTime": "2022-02-03T16:44:13", "systolic": "?"}]}}`, items: 2, ignored: 1},
		{name: "status error", body: `{"status": 3, "reason": "Invalid request parameter", "errorCode": "E003"}`, apiErr: &APIError{Status: 3, StatusError: &providers.StatusError{Code: "E003", Reason: "Invalid request parameter"}}},
		{name: "status error with a numeric code", body: `{"status": 5, "reason": "quota", "errorCode": 429}`, apiErr: &APIError{Status: 5, StatusError: &providers.StatusError{Code: "429", Reason: "quota"}}},
		{name: "neither status nor result", body: `{"message": "Internal server error"}`, temporary: true},
		{name: "result not an object", body: `{"status": 0, "result": [1]}`, temporary: true},
		{name: "items not an array", body: `{"status": 0, "result": {"bloodPressure": {"id": 1}}}`, temporary: true},
		{name: "status not a number", body: `{"status": "ok"}`, temporary: true},
		{name: "status an object", body: `{"status": {"code": 3}, "result": {"bloodPressure": []}}`, temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var top map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.body), &top); err != nil {
				t.Fatal(err)
			}
			res, err := decodeMeasurements("omron: fetch bloodpressure page", http.StatusOK, BloodPressure, top, time.Now())
			switch {
			case tt.apiErr != nil:
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != tt.apiErr.Status || ae.Code != tt.apiErr.Code || ae.Reason != tt.apiErr.Reason {
					t.Fatalf("error %#v, want %+v", err, tt.apiErr)
				}
				if errors.Is(err, providers.ErrTemporary) {
					t.Error("a status error must not be retried as temporary")
				}
				var se *providers.StatusError
				if !errors.As(err, &se) || se.StatusCode != http.StatusOK || se.Code != tt.apiErr.Code || se.Op != "omron: fetch bloodpressure page" {
					t.Errorf("errors.As(%v, *providers.StatusError) = %+v, want the answer's HTTP status and code", err, se)
				}
				return
			case tt.temporary:
				if !errors.Is(err, providers.ErrTemporary) {
					t.Fatalf("error %v, want a temporary one", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if res.PaginationKey != tt.key || res.Truncated != tt.truncated || res.Items != tt.items || len(res.Ignored) != tt.ignored {
				t.Errorf("key %q truncated %v items %d ignored %v", res.PaginationKey, res.Truncated, res.Items, res.Ignored)
			}
		})
	}
}
