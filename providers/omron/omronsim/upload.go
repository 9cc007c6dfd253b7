package omronsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Upload is readings a user's devices send to the Omron cloud, as the
// staging upload tool would, in JSON:
//
//	{"user": "sandbox.patient@example.com",
//	 "bloodPressure": [{"time": "2026-03-01T07:12:00-06:00", "systolic": 152, "diastolic": 95, "pulse": 71},
//	                   {"time": "2026-03-01T07:13:10-06:00", "possibleAfib": true}],
//	 "weight": [{"kg": 81.2, "bodyFat": 26.9}],
//	 "activity": [{"date": "2026-03-01", "steps": 8042}],
//	 "temperature": [{"celsius": 37.9}],
//	 "oxygen": [{"percent": 95, "pulse": 88}],
//	 "notify": true}
//
// user is the Omron user id or e-mail ("" for the first patient). time is
// RFC 3339 with the wall clock's offset, or a local "2006-01-02T15:04:05"
// in the patient's zone, or absent for now. A possible-AFib reading may
// leave out its values: the monitor blanks them, and they are sent as 0.
// notify (default true) sends the notification of each type uploaded.
type Upload struct {
	User          string                `json:"user"`
	BloodPressure []UploadBloodPressure `json:"bloodPressure"`
	Weight        []UploadWeight        `json:"weight"`
	Activity      []UploadActivity      `json:"activity"`
	Temperature   []UploadTemperature   `json:"temperature"`
	Oxygen        []UploadOxygen        `json:"oxygen"`
	Notify        *bool                 `json:"notify"`
}

// UploadBloodPressure is one cuff reading.
type UploadBloodPressure struct {
	Time           string `json:"time"`
	Systolic       int    `json:"systolic"`
	Diastolic      int    `json:"diastolic"`
	Pulse          int    `json:"pulse"`
	PossibleAFib   bool   `json:"possibleAfib"`
	IrregularHB    bool   `json:"irregularHB"`
	MovementDetect bool   `json:"movementDetect"`
	Device         string `json:"device"`
}

// UploadWeight is one scale reading; zero body-composition values are
// "not measured" (written as -1.0). With lbs the scale shows pounds.
type UploadWeight struct {
	Time              string  `json:"time"`
	Kg                float64 `json:"kg"`
	Lbs               bool    `json:"lbs"`
	BodyFat           float64 `json:"bodyFat"`
	SkeletalMuscle    float64 `json:"skeletalMuscle"`
	VisceralFat       float64 `json:"visceralFat"`
	RestingMetabolism float64 `json:"restingMetabolism"`
	Device            string  `json:"device"`
}

// UploadActivity is one day's totals (replacing the day's earlier totals);
// its hours are spread from the total.
type UploadActivity struct {
	Date         string  `json:"date"` // local yyyy-MM-dd; today when absent
	Steps        int     `json:"steps"`
	AerobicSteps int     `json:"aerobicSteps"`
	Calories     int     `json:"calories"`   // kcal; from steps when 0
	DistanceKm   float64 `json:"distanceKm"` // from steps when 0
	Device       string  `json:"device"`
}

// UploadTemperature is one thermometer reading: celsius, or fahrenheit
// for a thermometer set to °F.
type UploadTemperature struct {
	Time       string  `json:"time"`
	Celsius    float64 `json:"celsius"`
	Fahrenheit float64 `json:"fahrenheit"`
	Device     string  `json:"device"`
}

// UploadOxygen is one pulse-oximeter reading.
type UploadOxygen struct {
	Time    string `json:"time"`
	Percent int    `json:"percent"`
	Pulse   int    `json:"pulse"`
	Device  string `json:"device"`
}

// UploadResult says what an upload did.
type UploadResult struct {
	User        string         `json:"user"`                  // the Omron user id
	Added       map[string]int `json:"added"`                 // readings stored, by type
	Notified    []string       `json:"notified"`              // types whose notification was answered 2xx
	NotifyError string         `json:"notifyError,omitempty"` // why a notification failed, or was not sent
}

// ErrNoNotifyURL is returned by Notify when no notification URL is set.
var ErrNoNotifyURL = errors.New("omronsim: no notification URL is configured")

// Upload stores the readings (all or none) and, unless u.Notify is false,
// POSTs the notification of each type uploaded to the notification URL.
// An upload that cannot be stored is an error naming the field; a
// notification that fails is reported in the result.
func (s *Server) Upload(ctx context.Context, u Upload) (UploadResult, error) {
	res, err := s.Add(u)
	if err != nil || (u.Notify != nil && !*u.Notify) {
		return res, err
	}
	res.Notified = []string{}
	var errs []error
	for _, t := range Types {
		if res.Added[t] == 0 {
			continue
		}
		if err := s.Notify(ctx, res.User, t); err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrNoNotifyURL) {
				break
			}
			continue
		}
		res.Notified = append(res.Notified, t)
	}
	if err := errors.Join(errs...); err != nil {
		res.NotifyError = err.Error()
	}
	return res, nil
}

// Add stores an upload's readings without notifying. It checks every
// reading first: one bad reading stores nothing.
func (s *Server) Add(u Upload) (UploadResult, error) {
	p := s.findPatient(u.User)
	if p == nil {
		return UploadResult{}, fmt.Errorf("user %q: no such Omron user (give the user id or e-mail)", u.User)
	}
	p.ready() // the upload lands on the history, as it would at Omron
	now := s.now()
	upload := now.UnixMilli() // the id of cuff, thermometer and oximeter readings is the upload time
	type entry struct {
		typ string
		r   reading
	}
	var out []entry
	for i, x := range u.BloodPressure {
		at, err := p.when(x.Time, now)
		if err != nil {
			return UploadResult{}, fmt.Errorf("bloodPressure[%d].time: %w", i, err)
		}
		if err := checkBP(x); err != nil {
			return UploadResult{}, fmt.Errorf("bloodPressure[%d].%w", i, err)
		}
		r := &bpReading{header: p.header(at, orDefault(x.Device, "7 Series Upper Arm"), true, upload+int64(len(out))),
			sys: x.Systolic, dia: x.Diastolic, pulse: x.Pulse, afib: x.PossibleAFib, irregular: x.IrregularHB, movement: x.MovementDetect}
		out = append(out, entry{TypeBloodPressure, r})
	}
	for i, x := range u.Weight {
		at, err := p.when(x.Time, now)
		if err != nil {
			return UploadResult{}, fmt.Errorf("weight[%d].time: %w", i, err)
		}
		if x.Kg < 2 || x.Kg > 400 {
			return UploadResult{}, fmt.Errorf("weight[%d].kg: %g is not a body weight (want 2 to 400)", i, x.Kg)
		}
		for name, v := range map[string]float64{"bodyFat": x.BodyFat, "skeletalMuscle": x.SkeletalMuscle} {
			if v < 0 || v > 80 {
				return UploadResult{}, fmt.Errorf("weight[%d].%s: %g is not a percentage of body mass (want 0 for none, or up to 80)", i, name, v)
			}
		}
		if x.VisceralFat < 0 || x.VisceralFat > 30 || x.RestingMetabolism < 0 || x.RestingMetabolism > 5000 {
			return UploadResult{}, fmt.Errorf("weight[%d]: visceralFat wants 0 to 30, restingMetabolism 0 to 5000 kcal", i)
		}
		const height = 1.78
		r := &weightReading{header: p.header(at, orDefault(x.Device, "HBF-702T"), true, at.UnixMilli()),
			weight: round(x.Kg, 1), bmi: round(x.Kg/(height*height), 2),
			bodyFat: orMissing(x.BodyFat), muscle: orMissing(x.SkeletalMuscle), visceral: orMissing(x.VisceralFat), metabolism: orMissing(x.RestingMetabolism)}
		if x.Lbs {
			r.lbs, r.weight = true, round(x.Kg/0.45359237, 1)
		}
		out = append(out, entry{TypeWeight, r})
	}
	for i, x := range u.Activity {
		day := now.In(p.loc)
		if x.Date != "" {
			d, err := time.ParseInLocation(time.DateOnly, x.Date, p.loc)
			if err != nil {
				return UploadResult{}, fmt.Errorf("activity[%d].date: want yyyy-MM-dd", i)
			}
			day = d
		}
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, p.loc)
		if x.Steps < 0 || x.Steps > 200000 || x.AerobicSteps < 0 || x.AerobicSteps > x.Steps || x.Calories < 0 || x.Calories > 100000 || x.DistanceKm < 0 {
			return UploadResult{}, fmt.Errorf("activity[%d]: steps want 0 to 200000, aerobicSteps at most steps, calories 0 to 100000, distanceKm not negative", i)
		}
		out = append(out, entry{TypeActivity, p.activityDay(day, x)})
	}
	for i, x := range u.Temperature {
		at, err := p.when(x.Time, now)
		if err != nil {
			return UploadResult{}, fmt.Errorf("temperature[%d].time: %w", i, err)
		}
		r := &temperatureReading{header: p.header(at, orDefault(x.Device, "MC-280B"), true, upload+int64(len(out)))}
		switch {
		case x.Celsius != 0 && x.Fahrenheit != 0:
			return UploadResult{}, fmt.Errorf("temperature[%d]: give celsius or fahrenheit, not both", i)
		case x.Celsius >= 30 && x.Celsius <= 45:
			r.value = round(x.Celsius, 1)
		case x.Fahrenheit >= 86 && x.Fahrenheit <= 113:
			r.value, r.fahrenheit = round(x.Fahrenheit, 1), true
		default:
			return UploadResult{}, fmt.Errorf("temperature[%d]: want celsius 30 to 45 or fahrenheit 86 to 113", i)
		}
		out = append(out, entry{TypeTemperature, r})
	}
	for i, x := range u.Oxygen {
		at, err := p.when(x.Time, now)
		if err != nil {
			return UploadResult{}, fmt.Errorf("oxygen[%d].time: %w", i, err)
		}
		if x.Percent < 50 || x.Percent > 100 || x.Pulse < 0 || x.Pulse > 250 {
			return UploadResult{}, fmt.Errorf("oxygen[%d]: percent wants 50 to 100, pulse 0 to 250", i)
		}
		r := &oxygenReading{header: p.header(at, orDefault(x.Device, "blesmart_00060002b87c6f2aeac4"), false, upload+int64(len(out))), level: x.Percent, pulse: x.Pulse}
		out = append(out, entry{TypeOxygen, r})
	}
	res := UploadResult{User: p.ID, Added: map[string]int{}}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range out {
		p.add(e.typ, e.r)
		res.Added[e.typ]++
	}
	return res, nil
}

func checkBP(x UploadBloodPressure) error {
	if x.PossibleAFib && x.Systolic == 0 && x.Diastolic == 0 && x.Pulse == 0 {
		return nil // blanked by the monitor
	}
	switch {
	case x.Systolic < 60 || x.Systolic > 300:
		return fmt.Errorf("systolic: %d is not a blood pressure (want 60 to 300; for a monitor's AFib flag set possibleAfib and leave the values out)", x.Systolic)
	case x.Diastolic < 30 || x.Diastolic > 200:
		return fmt.Errorf("diastolic: %d is not a blood pressure (want 30 to 200)", x.Diastolic)
	case x.Diastolic >= x.Systolic:
		return fmt.Errorf("diastolic: %d is not below systolic %d", x.Diastolic, x.Systolic)
	case x.Pulse < 30 || x.Pulse > 250:
		return fmt.Errorf("pulse: %d is not a pulse (want 30 to 250)", x.Pulse)
	}
	return nil
}

// when reads an upload's time: RFC 3339 (its offset is the wall clock's),
// a local wall-clock time in the patient's zone, or now.
func (p *patient) when(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.In(p.loc), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(wallLayout, s, p.loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 such as 2026-03-01T07:12:00-06:00", s)
}

// header makes a reading's header from a time that carries its wall
// clock's zone.
func (p *patient) header(t time.Time, device string, secondsOffset bool, id int64) header {
	_, off := t.Zone()
	return header{id: id, at: t.UTC(), offset: off, secondsOffset: secondsOffset, device: device}
}

func (p *patient) activityDay(day time.Time, x UploadActivity) *activityReading {
	r := &activityReading{units: "km", distanceAsNumber: true, steps: x.Steps, aerobic: x.AerobicSteps, kcal: x.Calories, distance: x.DistanceKm}
	r.header = p.header(day, orDefault(x.Device, "HJ-321"), false, day.UnixMilli())
	if r.kcal == 0 {
		r.kcal = int(math.Round(float64(x.Steps) * 0.045))
	}
	if r.distance == 0 {
		r.distance = float64(x.Steps) * 0.74 / 1000
	}
	sum := 0.0
	for _, w := range hourShape {
		sum += w
	}
	left := [3]int{r.steps, r.aerobic, r.kcal}
	r.hours = make([]hourActivity, 0, 24)
	for h := range 24 {
		share := hourShape[h] / sum
		steps, aerobic, kcal := int(math.Round(float64(r.steps)*share)), int(math.Round(float64(r.aerobic)*share)), int(math.Round(float64(r.kcal)*share))
		if h == 23 { // the rounding remainder, so the hours add up to the day
			steps, aerobic, kcal = left[0], left[1], left[2]
		}
		left[0] -= steps
		left[1] -= aerobic
		left[2] -= kcal
		r.hours = append(r.hours, hourActivity{steps: int32(steps), aerobic: int32(aerobic), kcal: int32(kcal)})
	}
	return r
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orMissing(x float64) float64 {
	if x == 0 {
		return -1
	}
	return x
}

// Notify POSTs the notification Omron sends when a user uploads: raw JSON
// {"id": <user id>, "timestamp": ..., "type": ...} ("type" left out when
// typ is ""). The timestamp alternates between epoch milliseconds and an
// ISO 8601 string, both seen in the wild. Like Omron, it retries once
// when the answer is not a 2xx.
func (s *Server) Notify(ctx context.Context, user, typ string) error {
	p := s.findPatient(user)
	s.mu.Lock()
	target := s.notifyURL
	n := s.notices
	s.notices++
	now := s.now().UTC()
	s.mu.Unlock()
	if target == "" {
		return ErrNoNotifyURL
	}
	if p == nil {
		return fmt.Errorf("omronsim: notify: no such user %q", user)
	}
	msg := []pair{{"id", p.ID}}
	if n%2 == 0 {
		msg = append(msg, pair{"timestamp", now.UnixMilli()})
	} else {
		msg = append(msg, pair{"timestamp", now.Format("2006-01-02T15:04:05.000Z")})
	}
	if typ != "" {
		msg = append(msg, pair{"type", typ})
	}
	body := ordered(msg)
	var last error
	for attempt := range 2 {
		if attempt > 0 {
			t := time.NewTimer(s.opt.NotifyRetry)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		last = s.post(ctx, target, body)
		if last == nil {
			return nil
		}
	}
	return fmt.Errorf("omronsim: notify %s of %s: %w", target, orDefault(typ, "new data"), last)
}

func (s *Server) post(ctx context.Context, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opt.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered HTTP %d", resp.StatusCode)
	}
	return nil
}

func ordered(members []pair) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		v, _ := json.Marshal(m.v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}
