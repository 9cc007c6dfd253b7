package omron

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"
	"time"

	"vitals/health"
)

// FuzzDecodeMeasurements: whatever the measurement API answers, decoding
// never panics, and what it keeps is a reading: an Omron id, an instant,
// and no zero, negative or non-finite value where a device measures.
func FuzzDecodeMeasurements(f *testing.F) {
	for _, doc := range []string{guideBloodPressure, guideBloodPressureAFib, guideActivity, guideWeight, guideTemperature, guideOxygen} {
		f.Add(stripGuideComments(doc))
	}
	f.Add(`{"status": 3, "reason": "x", "errorCode": 9}`)
	f.Add(`{"status": {}, "result": {"weight": [{"id": 1, "dateTime": "2022-02-07T09:21:26", "weight": "1e400"}]}}`)
	f.Add(`{"result": {"activity": [{"id": "1", "dateTimeLocal": "2021-12-09T00:00:00", "dateTimeUtcOffset": "+14:00", "hourlyActivityData": [{"hour": "25:00"}, 3]}]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var top map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &top) != nil {
			return
		}
		for _, typ := range Types {
			res, err := decodeMeasurements("fuzz", http.StatusOK, typ, top, time.Now())
			if err != nil {
				continue
			}
			positive := func(what string, v health.Value) {
				if x, ok := v.Get(); ok && (x <= 0 || math.IsNaN(x) || math.IsInf(x, 0)) {
					t.Errorf("%s %s = %v kept as a reading", typ, what, x)
				}
			}
			finite := func(what string, v health.Value) {
				if x, ok := v.Get(); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
					t.Errorf("%s %s = %v kept", typ, what, x)
				}
			}
			res.Batch.EachMeta(func(m *health.Meta) {
				if m.ProviderID == "" || m.Time.IsZero() {
					t.Errorf("%s reading without id or time: %+v", typ, m)
				}
			})
			for _, b := range res.Batch.BloodPressure {
				positive("systolic", b.Systolic)
				positive("diastolic", b.Diastolic)
				positive("pulse", b.Pulse)
			}
			for _, w := range res.Batch.Weight {
				positive("weight", w.Weight)
				positive("bmi", w.BMI)
			}
			for _, a := range res.Batch.Activity {
				finite("steps", a.Steps)
				finite("distance", a.Distance)
				for _, h := range a.Hourly {
					if h.Hour < 0 || h.Hour > 23 {
						t.Errorf("hour %d", h.Hour)
					}
				}
			}
			for _, x := range res.Batch.Temperature {
				positive("temperature", x.Celsius)
			}
			for _, s := range res.Batch.SpO2 {
				positive("oxygen", s.Percent)
				if p, ok := s.Percent.Get(); ok && p > 100 {
					t.Errorf("oxygen %v%% kept", p)
				}
			}
		}
	})
}

// FuzzParseNotification: any body is a notification or an error, never a
// panic; a notification always names its user.
func FuzzParseNotification(f *testing.F) {
	f.Add(`{"id": "u1", "timestamp": 1644043106941, "type": "bloodpressure"}`)
	f.Add(`{"id": 12, "timestamp": "2022-02-05T06:38:26.941Z"}`)
	f.Add(`{"id": "u", "timestamp": 1e308}`)
	f.Fuzz(func(t *testing.T, body string) {
		n, err := ParseNotification([]byte(body))
		if err == nil && n.UserID == "" {
			t.Errorf("notification without a user from %q", body)
		}
	})
}

// FuzzTokenResponse: a token answer decodes to a token with an access
// token, or to an error; never a panic.
func FuzzTokenResponse(f *testing.F) {
	f.Add(guideTokenResponse)
	f.Add(`{"success": "false", "reason": 3}`)
	f.Add(`{"access_token": "a", "expiresIn": "1e999", "tokenType": "Bearer"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &m) != nil {
			return
		}
		tr, err := decodeTokenResponse("fuzz", m)
		if err == nil && tr.access == "" {
			t.Errorf("a token without an access token from %q", body)
		}
		_, _ = parseIDToken(tr.idToken)
	})
}
