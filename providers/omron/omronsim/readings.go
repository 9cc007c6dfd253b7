package omronsim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// The measurement types, as the API's type parameter names them.
const (
	TypeBloodPressure = "bloodpressure"
	TypeActivity      = "activity"
	TypeWeight        = "weight"
	TypeTemperature   = "temperature"
	TypeOxygen        = "oxygen"
)

// Types lists the measurement types in the API's order.
var Types = []string{TypeBloodPressure, TypeActivity, TypeWeight, TypeTemperature, TypeOxygen}

// resultArray is the member of result that holds a type's items.
func resultArray(t string) string {
	if t == TypeBloodPressure {
		return "bloodPressure"
	}
	return t
}

// header is what every reading has.
type header struct {
	id            int64
	at            time.Time // the instant, UTC
	offset        int       // seconds east of UTC of the wall clock
	secondsOffset bool      // write dateTimeUtcOffset as "-21600" rather than "-06:00"
	device        string
}

// key orders a type's readings and is what pagination keys hold: the
// measurement time in epoch milliseconds, as in the guide's examples.
func (h *header) key() int64 { return h.at.UnixMilli() }

func (h *header) local() time.Time { return h.at.In(time.FixedZone("", h.offset)) }

func (h *header) localDate() string { return h.local().Format(time.DateOnly) }

const wallLayout = "2006-01-02T15:04:05"

func (h *header) offsetText() string {
	if h.secondsOffset {
		return strconv.Itoa(h.offset)
	}
	sign, off := '+', h.offset
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, off/3600, off%3600/60)
}

type reading interface {
	head() *header
	render(hourly bool) json.RawMessage
}

type bpReading struct {
	header
	sys, dia, pulse int
	afib            bool // the monitor blanked the values: written as 0
	irregular       bool
	movement        bool
}

func (r *bpReading) head() *header { return &r.header }

func (r *bpReading) render(bool) json.RawMessage {
	v := struct {
		ID                 int64  `json:"id"`
		DateTime           string `json:"dateTime"`
		DateTimeLocal      string `json:"dateTimeLocal"`
		DateTimeUtcOffset  string `json:"dateTimeUtcOffset"`
		Systolic           int    `json:"systolic"`
		Diastolic          int    `json:"diastolic"`
		BloodPressureUnits string `json:"bloodPressureUnits"`
		Pulse              int    `json:"pulse"`
		PulseUnits         string `json:"pulseUnits"`
		PossibleAfib       bool   `json:"possibleAfib,omitempty"`
		IrregularHB        int    `json:"irregularHB,omitempty"`
		MovementDetect     int    `json:"movementDetect,omitempty"`
		DeviceType         string `json:"deviceType"`
	}{
		ID: r.id, DateTime: r.at.Format(wallLayout), DateTimeLocal: r.local().Format(wallLayout), DateTimeUtcOffset: r.offsetText(),
		Systolic: r.sys, Diastolic: r.dia, BloodPressureUnits: "mmHg", Pulse: r.pulse, PulseUnits: "bpm",
		PossibleAfib: r.afib, IrregularHB: b2i(r.irregular), MovementDetect: b2i(r.movement), DeviceType: r.device,
	}
	if r.afib {
		v.Systolic, v.Diastolic, v.Pulse = 0, 0, 0
	}
	return marshal(v)
}

type weightReading struct {
	header
	weight     float64 // in weightPref's unit
	lbs        bool
	bmi        float64
	bodyFat    float64 // -1: not measured
	muscle     float64 // -1: not measured
	visceral   float64 // -1: not measured
	metabolism float64 // -1: not measured
}

func (r *weightReading) head() *header { return &r.header }

func (r *weightReading) render(bool) json.RawMessage {
	pref := "kg"
	if r.lbs {
		pref = "lbs"
	}
	f1 := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	return marshal(struct {
		ID                       int64  `json:"id"`
		IDExt                    int64  `json:"idExt"`
		DateTime                 string `json:"dateTime"`
		DateTimeLocal            string `json:"dateTimeLocal"`
		DateTimeUtcOffset        string `json:"dateTimeUtcOffset"`
		Weight                   string `json:"weight"`
		RestingMetabolism        string `json:"restingMetabolism"`
		VisceralFatLevel         string `json:"visceralFatLevel"`
		SkeletalMusclePercentage string `json:"skeletalMusclePercentage"`
		WeightPref               string `json:"weightPref"`
		BmiValue                 string `json:"bmiValue"`
		DeviceType               string `json:"deviceType"`
		BodyFatPercentage        string `json:"bodyFatPercentage"`
	}{
		ID: r.id, IDExt: r.id, DateTime: r.at.Format(wallLayout), DateTimeLocal: r.local().Format(wallLayout), DateTimeUtcOffset: r.offsetText(),
		Weight: f1(r.weight), RestingMetabolism: f1(r.metabolism), VisceralFatLevel: f1(r.visceral),
		SkeletalMusclePercentage: f1(r.muscle), WeightPref: pref, BmiValue: strconv.FormatFloat(r.bmi, 'f', 2, 64),
		DeviceType: r.device, BodyFatPercentage: f1(r.bodyFat),
	})
}

// hourActivity is one hour of a day's activity; its hour is its index in
// the day's list, its distance is worked out when it is rendered (see
// activityReading.hourDistances). The fields are narrow because a
// population of patients holds tens of millions of them.
type hourActivity struct {
	steps, aerobic, kcal int32
}

type activityReading struct {
	header
	steps, aerobic, kcal int
	distance             float64 // in units
	units                string  // "miles" or "km"
	distanceAsNumber     bool    // write distance (a number) rather than dailyDistance (a string)
	hours                []hourActivity
	// perStep is the stride of a generated day: an hour's distance is its
	// steps times perStep. Zero for an uploaded day, whose distance is
	// spread over the hours as its steps are.
	perStep float64
}

// hourDistances returns each hour's distance, in units. Generated hours
// walked steps × stride; an upload's day total is shared out by the
// hours' usual shape, the last hour taking what rounding left, so that
// the hours add up to the day.
func (r *activityReading) hourDistances() []float64 {
	out := make([]float64, len(r.hours))
	if r.perStep != 0 {
		for h, x := range r.hours {
			out[h] = float64(x.steps) * r.perStep
		}
		return out
	}
	sum := 0.0
	for _, w := range hourShape {
		sum += w
	}
	left := r.distance
	for h := range out {
		d := r.distance * hourShape[h] / sum
		if h == len(hourShape)-1 {
			d = math.Max(0, left)
		}
		left -= d
		out[h] = d
	}
	return out
}

func (r *activityReading) head() *header { return &r.header }

func (r *activityReading) render(hourly bool) json.RawMessage {
	type hourJSON struct {
		Hour         string  `json:"hour"`
		Distance     float64 `json:"distance"`
		AerobicSteps int     `json:"aerobicSteps"`
		Calories     int     `json:"calories"`
		Steps        int     `json:"steps"`
	}
	v := struct {
		ID                 int64      `json:"id"`
		DateTime           string     `json:"dateTime"`
		DateTimeLocal      string     `json:"dateTimeLocal"`
		DateTimeUtcOffset  string     `json:"dateTimeUtcOffset"`
		Steps              int        `json:"steps"`
		AerobicSteps       int        `json:"aerobicSteps"`
		Calories           int        `json:"calories"`
		CaloriesUnits      string     `json:"caloriesUnits"`
		DailyDistance      string     `json:"dailyDistance,omitempty"`
		Distance           *float64   `json:"distance,omitempty"`
		DistanceUnits      string     `json:"distanceUnits"`
		DeviceType         string     `json:"deviceType"`
		HourlyActivityData []hourJSON `json:"hourlyActivityData,omitempty"`
	}{
		ID: r.id, DateTime: r.at.Format(wallLayout), DateTimeLocal: r.local().Format(wallLayout), DateTimeUtcOffset: r.offsetText(),
		Steps: r.steps, AerobicSteps: r.aerobic, Calories: r.kcal, CaloriesUnits: "kcal",
		DistanceUnits: r.units, DeviceType: r.device,
	}
	d := round(r.distance, 2)
	if r.distanceAsNumber {
		v.Distance = &d
	} else {
		v.DailyDistance = strconv.FormatFloat(d, 'f', -1, 64)
	}
	if hourly {
		v.HourlyActivityData = []hourJSON{}
		dist := r.hourDistances()
		for hour, h := range r.hours {
			v.HourlyActivityData = append(v.HourlyActivityData, hourJSON{
				Hour: fmt.Sprintf("%02d:00", hour), Distance: round(dist[hour], 2),
				AerobicSteps: int(h.aerobic), Calories: int(h.kcal), Steps: int(h.steps),
			})
		}
	}
	return marshal(v)
}

type temperatureReading struct {
	header
	value      float64 // in the unit below
	fahrenheit bool
}

func (r *temperatureReading) head() *header { return &r.header }

func (r *temperatureReading) render(bool) json.RawMessage {
	pref := "°C"
	if r.fahrenheit {
		pref = "°F"
	}
	return marshal(struct {
		ID                int64  `json:"id"`
		DateTime          string `json:"dateTime"`
		DateTimeLocal     string `json:"dateTimeLocal"`
		DateTimeUtcOffset string `json:"dateTimeUtcOffset"`
		Temperature       string `json:"temperature"`
		TemperaturePref   string `json:"temperaturePref"`
		DeviceType        string `json:"deviceType"`
	}{r.id, r.at.Format(wallLayout), r.local().Format(wallLayout), r.offsetText(), strconv.FormatFloat(r.value, 'f', 1, 64), pref, r.device})
}

type oxygenReading struct {
	header
	level, pulse int
}

func (r *oxygenReading) head() *header { return &r.header }

func (r *oxygenReading) render(bool) json.RawMessage {
	return marshal(struct {
		ID                int64  `json:"id"`
		DateTime          string `json:"dateTime"`
		DateTimeLocal     string `json:"dateTimeLocal"`
		DateTimeUtcOffset string `json:"dateTimeUtcOffset"`
		OxygenLevel       string `json:"oxygenLevel"`
		Pulse             string `json:"pulse"`
		DeviceType        string `json:"deviceType"`
	}{r.id, r.at.Format(wallLayout), r.local().Format(wallLayout), r.offsetText(), strconv.Itoa(r.level), strconv.Itoa(r.pulse), r.device})
}

func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and numbers always marshal
	}
	return b
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// add stores a reading of a type, keeping the type's readings ordered by
// time. Measurement times are made unique within a type (a clash moves
// the newcomer a second later) because pagination keys are times; ids are
// made unique across the patient because they are the partner's
// deduplication key. A reading with the id of a stored one of the same
// type replaces it, as a day's activity totals are replaced as they grow.
func (p *patient) add(typ string, r reading) {
	list := p.data[typ]
	h := r.head()
	// Only an id the patient has could be in the list: the search is
	// skipped for new ids, which is every reading of a generated history.
	if p.ids[h.id] {
		if i := slices.IndexFunc(list, func(x reading) bool { return x.head().id == h.id }); i >= 0 {
			list[i] = r
			return
		}
	}
	for p.ids[h.id] {
		h.id++
	}
	for {
		_, clash := slices.BinarySearchFunc(list, h.key(), func(x reading, k int64) int { return cmpInt(x.head().key(), k) })
		if !clash {
			break
		}
		h.at = h.at.Add(time.Second)
	}
	p.ids[h.id] = true
	i, _ := slices.BinarySearchFunc(list, h.key(), func(x reading, k int64) int { return cmpInt(x.head().key(), k) })
	p.data[typ] = slices.Insert(list, i, r)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
