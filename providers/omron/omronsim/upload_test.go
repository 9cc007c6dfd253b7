package omronsim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

// receiver is a partner's notification endpoint that records what it gets
// and answers the statuses given, then 200.
type receiver struct {
	mu       gosync.Mutex
	bodies   []map[string]any
	types    []string
	statuses []int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, m)
	r.types = append(r.types, req.Header.Get("Content-Type"))
	if len(r.statuses) > 0 {
		w.WriteHeader(r.statuses[0])
		r.statuses = r.statuses[1:]
	}
}

func newReceiver(t *testing.T, statuses ...int) (*receiver, string) {
	r := &receiver{statuses: statuses}
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return r, ts.URL + "/omron/notify"
}

func TestUploadNotifies(t *testing.T) {
	t.Parallel()
	rec, notifyURL := newReceiver(t)
	e := newEnv(t, func(o *omronsim.Options) { o.NotifyURL = notifyURL })
	p := e.sim.Patients()[0]
	before := e.sim.Count(p.ID, "bloodpressure")
	res, err := e.sim.Upload(context.Background(), omronsim.Upload{
		User:          p.Email,
		BloodPressure: []omronsim.UploadBloodPressure{{Systolic: 152, Diastolic: 96, Pulse: 71}, {PossibleAFib: true}},
		Weight:        []omronsim.UploadWeight{{Kg: 81.2, BodyFat: 26.9}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.User != p.ID || res.Added["bloodpressure"] != 2 || res.Added["weight"] != 1 || strings.Join(res.Notified, ",") != "bloodpressure,weight" || res.NotifyError != "" {
		t.Errorf("result %+v", res)
	}
	if got := e.sim.Count(p.ID, "bloodpressure"); got != before+2 {
		t.Errorf("%d BP readings, want %d", got, before+2)
	}
	if len(rec.bodies) != 2 {
		t.Fatalf("%d notifications, want 2", len(rec.bodies))
	}
	// Raw JSON with the user id; the timestamp as ms, then as an ISO string.
	if b := rec.bodies[0]; b["id"] != p.ID || b["type"] != "bloodpressure" || b["timestamp"] != float64(simNow.UnixMilli()) || rec.types[0] != "application/json" {
		t.Errorf("first notification %v (%s)", b, rec.types[0])
	}
	if b := rec.bodies[1]; b["type"] != "weight" || b["timestamp"] != "2026-03-10T15:00:00.000Z" {
		t.Errorf("second notification %v", b)
	}
	// The upload is in the API: the AFib reading with zeros, the weight as strings.
	access, _ := e.tokens()
	_, body, _ := e.api(access, url.Values{"type": {"bloodpressure"}, "since": {"2026-03-10"}, "sortOrder": {"desc"}, "limit": {"2"}})
	items := body["result"].(map[string]any)["bloodPressure"].([]any)
	afib := items[0].(map[string]any)
	// Both readings were taken "now": the second moves a second later, as
	// times are unique within a type (pagination keys are times).
	if afib["possibleAfib"] != true || afib["systolic"] != 0.0 || afib["dateTime"] != "2026-03-10T15:00:01" || afib["dateTimeUtcOffset"] != "-18000" {
		t.Errorf("uploaded AFib reading %v", afib)
	}
}

func TestNotificationRetriesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		statuses  []int
		posts     int
		delivered bool
	}{
		{"first answer fails", []int{500}, 2, true},
		{"both fail", []int{500, 503}, 2, false},
		{"first answer 204", []int{204}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, notifyURL := newReceiver(t, tt.statuses...)
			e := newEnv(t, func(o *omronsim.Options) { o.NotifyURL = notifyURL; o.NotifyRetry = 10 * time.Millisecond })
			res, err := e.sim.Upload(context.Background(), omronsim.Upload{Oxygen: []omronsim.UploadOxygen{{Percent: 95, Pulse: 88}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.bodies) != tt.posts || (len(res.Notified) == 1) != tt.delivered || (res.NotifyError == "") != tt.delivered {
				t.Errorf("%d posts, result %+v", len(rec.bodies), res)
			}
		})
	}
	t.Run("no URL", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		res, err := e.sim.Upload(context.Background(), omronsim.Upload{Oxygen: []omronsim.UploadOxygen{{Percent: 95, Pulse: 88}}})
		if err != nil || res.Added["oxygen"] != 1 || !strings.Contains(res.NotifyError, "no notification URL") {
			t.Errorf("result %+v, %v", res, err)
		}
	})
	t.Run("notify false", func(t *testing.T) {
		t.Parallel()
		rec, notifyURL := newReceiver(t)
		e := newEnv(t, func(o *omronsim.Options) { o.NotifyURL = notifyURL })
		no := false
		if _, err := e.sim.Upload(context.Background(), omronsim.Upload{Oxygen: []omronsim.UploadOxygen{{Percent: 95}}, Notify: &no}); err != nil {
			t.Fatal(err)
		}
		if len(rec.bodies) != 0 {
			t.Error("notified although notify was false")
		}
	})
}

func TestUploadChecksEveryReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	p := e.sim.Patients()[0]
	good := omronsim.UploadBloodPressure{Systolic: 130, Diastolic: 85, Pulse: 70}
	tests := []struct {
		name string
		u    omronsim.Upload
		want string
	}{
		{"zeros without the AFib flag", omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{good, {Systolic: 0, Diastolic: 0, Pulse: 0}}}, "bloodPressure[1].systolic: 0 is not a blood pressure"},
		{"diastolic above systolic", omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{{Systolic: 80, Diastolic: 120, Pulse: 60}}}, "bloodPressure[0].diastolic"},
		{"bad time", omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{{Time: "yesterday", Systolic: 130, Diastolic: 85, Pulse: 70}}}, "bloodPressure[0].time"},
		{"unknown user", omronsim.Upload{User: "nobody@example.com", BloodPressure: []omronsim.UploadBloodPressure{good}}, `user "nobody@example.com"`},
		{"no weight", omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{good}, Weight: []omronsim.UploadWeight{{BodyFat: 20}}}, "weight[0].kg"},
		{"body fat 120%", omronsim.Upload{Weight: []omronsim.UploadWeight{{Kg: 80, BodyFat: 120}}}, "weight[0].bodyFat"},
		{"two temperature units", omronsim.Upload{Temperature: []omronsim.UploadTemperature{{Celsius: 37, Fahrenheit: 98.6}}}, "temperature[0]: give celsius or fahrenheit"},
		{"a room temperature", omronsim.Upload{Temperature: []omronsim.UploadTemperature{{Celsius: 21}}}, "temperature[0]"},
		{"SpO2 120%", omronsim.Upload{Oxygen: []omronsim.UploadOxygen{{Percent: 120}}}, "oxygen[0]"},
		{"activity date", omronsim.Upload{Activity: []omronsim.UploadActivity{{Date: "10/03/2026", Steps: 10}}}, "activity[0].date"},
	}
	before := e.sim.Count(p.ID, "bloodpressure")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.sim.Add(tt.u)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if got := e.sim.Count(p.ID, "bloodpressure"); got != before {
		t.Errorf("a refused upload stored readings: %d BP, was %d", got, before)
	}
}

func TestActivityUploadReplacesTheDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	p := e.sim.Patients()[0]
	days := e.sim.Count(p.ID, "activity")
	if _, err := e.sim.Add(omronsim.Upload{Activity: []omronsim.UploadActivity{{Date: "2026-03-10", Steps: 12000, AerobicSteps: 3000}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Count(p.ID, "activity"); got != days {
		t.Errorf("%d days after updating today, was %d", got, days)
	}
	access, _ := e.tokens()
	_, body, _ := e.api(access, url.Values{"type": {"activity"}, "since": {"2026-03-10"}, "includeHourlyActivity": {"true"}})
	day := body["result"].(map[string]any)["activity"].([]any)[0].(map[string]any)
	hours := day["hourlyActivityData"].([]any)
	sum := 0.0
	for _, h := range hours {
		sum += h.(map[string]any)["steps"].(float64)
	}
	// 12000 steps × 0.74 m = 8.88 km.
	if day["steps"] != 12000.0 || day["aerobicSteps"] != 3000.0 || day["distance"] != 8.88 || day["distanceUnits"] != "km" || sum != 12000 || len(hours) != 24 {
		t.Errorf("today %v with hours adding to %v", day, sum)
	}
}
