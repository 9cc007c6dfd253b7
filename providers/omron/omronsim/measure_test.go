package omronsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

var arrays = map[string]string{"bloodpressure": "bloodPressure", "activity": "activity", "weight": "weight", "temperature": "temperature", "oxygen": "oxygen"}

type page struct {
	items []map[string]any
	key   any // nil: null or absent
	raw   string
	body  map[string]any
}

func (e *env) page(access string, form url.Values) page {
	e.t.Helper()
	status, body, raw := e.api(access, form)
	if status != 200 || body["status"] != 0.0 {
		e.t.Fatalf("measurement: %d %s", status, raw)
	}
	res := body["result"].(map[string]any)
	var p page
	p.raw, p.body = raw, body
	typ := form.Get("type")
	for _, it := range res[arrays[typ]].([]any) {
		p.items = append(p.items, it.(map[string]any))
	}
	if keys, ok := res["paginationKey"].(map[string]any); ok {
		p.key = keys[typ+"PaginationKey"]
	}
	if n := res["measurementCount"].(float64); int(n) != len(p.items) {
		e.t.Errorf("measurementCount %v for %d items", n, len(p.items))
	}
	return p
}

// walkAll pages through a type with the documented parameters.
func (e *env) walkAll(access, typ, order string, limit int) ([]map[string]any, int) {
	e.t.Helper()
	form := url.Values{"type": {typ}, "since": {"2000-01-01"}, "limit": {strconv.Itoa(limit)}, "sortOrder": {order}, "includeHourlyActivity": {"true"}}
	var all []map[string]any
	pages := 0
	for {
		p := e.page(access, form)
		pages++
		all = append(all, p.items...)
		if p.key == nil {
			if !strings.Contains(p.raw, `"`+typ+`PaginationKey":null`) {
				e.t.Errorf("%s: the last page's key is not null: %s", typ, p.raw[max(0, len(p.raw)-200):])
			}
			return all, pages
		}
		if len(p.items) != limit {
			e.t.Errorf("%s: a page with a key has %d items, not %d", typ, len(p.items), limit)
		}
		form.Set(typ+"PaginationKey", fmt.Sprint(int64(p.key.(float64))))
		if pages > 1000 {
			e.t.Fatal("no last page")
		}
	}
}

func TestPagingThroughEveryType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	access, _ := e.tokens()
	p := e.sim.Patients()[0]
	for _, typ := range omronsim.Types {
		for _, order := range []string{"asc", "desc"} {
			items, pages := e.walkAll(access, typ, order, 50)
			want := e.sim.Count(p.ID, typ)
			if len(items) != want || pages != want/50+1 {
				t.Errorf("%s %s: %d items in %d pages, the patient has %d", typ, order, len(items), pages, want)
			}
			ids := map[float64]bool{}
			var times []string
			for _, it := range items {
				id := it["id"].(float64)
				if ids[id] {
					t.Errorf("%s %s: id %v twice", typ, order, id)
				}
				ids[id] = true
				times = append(times, it["dateTime"].(string))
			}
			sorted := slices.IsSorted(times)
			if order == "desc" {
				slices.Reverse(times)
				sorted = slices.IsSorted(times)
			}
			if !sorted {
				t.Errorf("%s: not sorted %s", typ, order)
			}
		}
	}
}

func TestMeasurementParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	access, _ := e.tokens()
	form := func(kv ...string) url.Values {
		f := url.Values{"type": {"weight"}, "since": {"2026-01-01"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return f
	}
	tests := []struct {
		name   string
		form   url.Values
		status float64
	}{
		{"since missing", form("since", ""), 1},
		{"since not a date", form("since", "yesterday"), 1},
		{"limit zero", form("limit", "0"), 1},
		{"limit not a number", form("limit", "ten"), 1},
		{"sortOrder up", form("sortOrder", "up"), 1},
		{"type unknown", form("type", "ecg"), 1},
		{"key not a key", form("weightPaginationKey", "abc"), 1},
		{"includeHourlyActivity yes", form("includeHourlyActivity", "yes"), 1},
		{"fine", form(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, raw := e.api(access, tt.form)
			if status != 200 || body["status"] != tt.status {
				t.Fatalf("answer %d %s, want status %v", status, raw, tt.status)
			}
			if tt.status != 0 && (body["reason"] == "" || body["errorCode"] != "INVALID_PARAMETER") {
				t.Errorf("error without reason or errorCode: %s", raw)
			}
		})
	}
	count := func(f url.Values) int {
		f.Set("limit", "1000")
		return len(e.page(access, f).items)
	}
	iso := count(form("since", "2026-01-01"))
	for _, s := range []string{"01-01-2026", "01/01/2026"} {
		if n := count(form("since", s)); n != iso || n == 0 {
			t.Errorf("since %s: %d readings, 2026-01-01 gives %d", s, n, iso)
		}
	}
	if p := e.page(access, form("since", "2000-01-01", "limit", "5000", "type", "bloodpressure")); len(p.items) != 1000 {
		t.Errorf("limit 5000 gave %d items, want the maximum 1000", len(p.items))
	}
	if p := e.page(access, form("since", "2000-01-01", "type", "bloodpressure")); len(p.items) != 100 {
		t.Errorf("no limit gave %d items, want the default 100", len(p.items))
	}
	// Without type: every granted type, each with its own key.
	_, body, raw := e.api(access, url.Values{"since": {"2026-03-01"}, "limit": {"2"}})
	res := body["result"].(map[string]any)
	keys := res["paginationKey"].(map[string]any)
	for typ, arr := range arrays {
		if _, ok := res[arr].([]any); !ok {
			t.Errorf("no %s array in %s", arr, raw)
		}
		if _, ok := keys[typ+"PaginationKey"]; !ok {
			t.Errorf("no %sPaginationKey", typ)
		}
	}
	// Hourly data only when asked.
	p := e.page(access, url.Values{"type": {"activity"}, "since": {"2026-03-01"}})
	if _, ok := p.items[0]["hourlyActivityData"]; ok {
		t.Error("hourly data without includeHourlyActivity")
	}
	if status, body, _ := e.api("", form()); status != 401 || body["message"] != "Unauthorized" {
		t.Errorf("no token: %d %v", status, body)
	}
	if status, _, _ := e.api("made-up", form()); status != 401 {
		t.Errorf("a made-up token: %d", status)
	}
	resp, err := http.Get(e.base + "/api/measurement")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405 (the API only accepts POST)", resp.StatusCode)
	}
}

func TestSinceFiltersOnTheLocalDate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *omronsim.Options) { o.Patients = []omronsim.Patient{{Empty: true}} })
	// 23:30 in Chicago on 1 March is 05:30 UTC on 2 March.
	if _, err := e.sim.Add(omronsim.Upload{BloodPressure: []omronsim.UploadBloodPressure{{Time: "2026-03-01T23:30:00-06:00", Systolic: 131, Diastolic: 85, Pulse: 70}}}); err != nil {
		t.Fatal(err)
	}
	access, _ := e.tokens()
	on := func(since string) []map[string]any {
		return e.page(access, url.Values{"type": {"bloodpressure"}, "since": {since}}).items
	}
	if got := on("2026-03-02"); len(got) != 0 {
		t.Errorf("since 2026-03-02 (its UTC date) returned %v", got)
	}
	got := on("2026-03-01")
	if len(got) != 1 {
		t.Fatalf("since 2026-03-01 (its local date) returned %d readings", len(got))
	}
	r := got[0]
	if r["dateTime"] != "2026-03-02T05:30:00" || r["dateTimeLocal"] != "2026-03-01T23:30:00" || r["dateTimeUtcOffset"] != "-21600" {
		t.Errorf("reading %v", r)
	}
}

func TestSyntheticPatient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	access, _ := e.tokens()
	get := func(typ string) []map[string]any {
		items, _ := e.walkAll(access, typ, "asc", 1000)
		return items
	}
	bp := get("bloodpressure")
	num := func(m map[string]any, k string) float64 { return m[k].(float64) }
	local := func(m map[string]any) time.Time {
		t, _ := time.Parse("2006-01-02T15:04:05", m["dateTimeLocal"].(string))
		return t
	}
	utcOf := func(m map[string]any) time.Time {
		t, _ := time.Parse("2006-01-02T15:04:05", m["dateTime"].(string))
		return t
	}
	if len(bp) < 2000 || len(bp) > 3000 {
		t.Errorf("%d BP readings in two years of morning and evening sessions", len(bp))
	}
	var recentAFib, oldAFib, crisis, colonOffsets, secondOffsets, irregular int
	var morning, evening, firstQuarter, lastQuarter []float64
	for i, r := range bp {
		at := utcOf(r)
		if at.After(simNow) {
			t.Errorf("a reading from the future: %v", r)
		}
		if strings.Contains(r["dateTimeUtcOffset"].(string), ":") {
			colonOffsets++
		} else {
			secondOffsets++
		}
		if r["irregularHB"] == 1.0 {
			irregular++
		}
		// Readings come in sittings of two about a minute apart.
		paired := i > 0 && at.Sub(utcOf(bp[i-1])) <= 2*time.Minute || i+1 < len(bp) && utcOf(bp[i+1]).Sub(at) <= 2*time.Minute
		if !paired {
			t.Errorf("reading %v has no partner within two minutes", r["dateTime"])
		}
		recent := simNow.Sub(at) <= 21*24*time.Hour
		if r["possibleAfib"] == true {
			if num(r, "systolic") != 0 || num(r, "diastolic") != 0 || num(r, "pulse") != 0 {
				t.Errorf("an AFib reading with values: %v", r)
			}
			if recent {
				recentAFib++
			} else {
				oldAFib++
			}
			continue
		}
		sys, dia := num(r, "systolic"), num(r, "diastolic")
		if sys < 90 || sys > 200 || dia < 55 || dia >= sys || num(r, "pulse") < 45 {
			t.Errorf("an implausible reading %v", r)
		}
		if recent && sys > 180 && dia > 120 {
			crisis++
		}
		if local(r).Hour() < 12 {
			morning = append(morning, sys)
		} else {
			evening = append(evening, sys)
		}
		if at.Before(simNow.AddDate(0, 0, -640)) {
			firstQuarter = append(firstQuarter, sys)
		}
		if at.After(simNow.AddDate(0, 0, -90)) {
			lastQuarter = append(lastQuarter, sys)
		}
	}
	if recentAFib < 2 || crisis < 1 {
		t.Errorf("the last three weeks have %d possible-AFib readings and %d above 180/120; the demo's alerts need 2 and 1", recentAFib, crisis)
	}
	if oldAFib < 3 {
		t.Errorf("%d possible-AFib readings before the last three weeks, want a few", oldAFib)
	}
	if colonOffsets == 0 || secondOffsets == 0 {
		t.Errorf("offsets as +hh:mm %d times and as seconds %d times; want both", colonOffsets, secondOffsets)
	}
	if irregular == 0 {
		t.Error("no irregular-heartbeat flags")
	}
	if d := mean(morning) - mean(evening); d < 3 {
		t.Errorf("morning surge %.1f mmHg, want a clear one", d)
	}
	if d := mean(lastQuarter) - mean(firstQuarter); d < 5 {
		t.Errorf("two-year rise %.1f mmHg, want a slight hypertension trend", d)
	}

	weights := get("weight")
	var lbs, noComposition, composition int
	for _, w := range weights {
		for _, k := range []string{"weight", "bmiValue", "bodyFatPercentage", "visceralFatLevel", "restingMetabolism", "skeletalMusclePercentage"} {
			if _, ok := w[k].(string); !ok {
				t.Fatalf("weight field %s is not a string: %v", k, w)
			}
		}
		if w["weightPref"] == "lbs" {
			lbs++
		}
		if w["bodyFatPercentage"] == "-1.0" {
			noComposition++
		} else {
			composition++
		}
	}
	if len(weights) < 250 || lbs == 0 || noComposition == 0 || composition == 0 {
		t.Errorf("%d weights: %d in lbs, %d without and %d with body composition", len(weights), lbs, noComposition, composition)
	}

	acts := get("activity")
	if len(acts) < 730 || len(acts) > 732 {
		t.Errorf("%d days of activity, want one a day", len(acts))
	}
	var strDist, numDist int
	for _, a := range acts {
		hours := a["hourlyActivityData"].([]any)
		sum := 0.0
		for _, h := range hours {
			hm := h.(map[string]any)
			if !strings.HasSuffix(hm["hour"].(string), ":00") {
				t.Fatalf("hour %v", hm["hour"])
			}
			sum += hm["steps"].(float64)
		}
		if sum != a["steps"].(float64) {
			t.Errorf("%s: hours add up to %v steps, the day says %v", a["dateTimeLocal"], sum, a["steps"])
		}
		if _, ok := a["dailyDistance"].(string); ok {
			strDist++
		}
		if _, ok := a["distance"].(float64); ok {
			numDist++
		}
	}
	if strDist == 0 || numDist == 0 {
		t.Errorf("distances as dailyDistance strings %d times and as distance numbers %d times; want both", strDist, numDist)
	}

	temps := get("temperature")
	units := map[string]int{}
	for _, x := range temps {
		units[x["temperaturePref"].(string)]++
		if _, ok := x["temperature"].(string); !ok {
			t.Fatalf("temperature %v", x)
		}
	}
	if len(temps) < 20 || units["°C"] == 0 || units["°F"] == 0 {
		t.Errorf("%d temperatures by unit %v", len(temps), units)
	}
	oxy := get("oxygen")
	for _, x := range oxy {
		if _, ok := x["oxygenLevel"].(string); !ok {
			t.Fatalf("oxygen %v", x)
		}
	}
	if len(oxy) < 40 {
		t.Errorf("%d SpO2 readings", len(oxy))
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	return s / float64(len(xs))
}

func TestSameSeedSameServer(t *testing.T) {
	t.Parallel()
	body := func(seed uint64) string {
		e := newEnv(t, func(o *omronsim.Options) { o.Seed = seed })
		access, _ := e.tokens()
		var b bytes.Buffer
		for _, typ := range omronsim.Types {
			items, _ := e.walkAll(access, typ, "asc", 1000)
			json.NewEncoder(&b).Encode(items)
		}
		return b.String()
	}
	a, b, c := body(11), body(11), body(12)
	if a != b {
		t.Error("two servers with the same seed and clock answer differently")
	}
	if a == c {
		t.Error("two seeds give the same patient")
	}
}
