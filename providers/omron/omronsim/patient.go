package omronsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
	_ "time/tzdata" // the patients' zones, whatever the host has installed
)

// Patient is an Omron user of the server.
type Patient struct {
	// ID is the Omron user id, the id_token's sub (made from the seed when
	// empty).
	ID string
	// Email and Password sign in on the consent page.
	Email, Password string
	Name            string
	// Zone is the IANA zone of the patient's wall clock (America/Chicago).
	Zone string
	// Legacy patients are answered the legacy way: the truncated flag and
	// no pagination keys.
	Legacy bool
	// Empty patients have no synthetic history.
	Empty bool
}

type patient struct {
	Patient
	loc  *time.Location
	data map[string][]reading
	ids  map[int64]bool
}

func newPatient(spec Patient, index int, rng *rand.Rand, now time.Time, days int) *patient {
	if spec.ID == "" {
		spec.ID = uuid(rng)
	} else {
		uuid(rng) // keep later draws independent of the choice
	}
	if spec.Email == "" {
		spec.Email = "sandbox.patient@example.com"
		if index > 0 {
			spec.Email = fmt.Sprintf("sandbox.patient%d@example.com", index+1)
		}
	}
	if spec.Password == "" {
		spec.Password = "sandbox"
	}
	if spec.Name == "" {
		spec.Name = "Sam Sandbox"
	}
	if spec.Zone == "" {
		spec.Zone = "America/Chicago"
	}
	loc, err := time.LoadLocation(spec.Zone)
	if err != nil {
		loc = time.UTC
		spec.Zone = "UTC"
	}
	p := &patient{Patient: spec, loc: loc, data: map[string][]reading{}, ids: map[int64]bool{}}
	if !spec.Empty {
		gen := generator{p: p, rng: rng, now: now, days: days}
		gen.run()
	}
	return p
}

func uuid(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, 0x8000|rng.Uint32()&0x3fff, rng.Uint64()&0xffffffffffff)
}

// generator makes a patient's synthetic history: HistoryDays days up to
// now of
//   - blood pressure: morning (06:20–08:00) and evening (20:15–22:25)
//     sessions of two readings about a minute apart, the second a little
//     lower; a slow rise of about 12/7 mmHg over two years (untreated stage
//     1 hypertension), a winter bump, a morning surge; a few possible-AFib
//     readings (zeros), and irregular-heartbeat and body-movement flags on
//     about 1–2% of readings. In the last three weeks: possible AFib 4 and
//     11 days ago, and 186/122 (above 180/120) 8 days ago, which the
//     dashboard's alerts rely on.
//   - weight every other day or so, first on a weight-only scale (body
//     composition -1.0), then on a body-composition scale, for a while in lbs.
//   - daily activity with hourly data, in miles as dailyDistance strings,
//     later in km as distance numbers; a few days unworn (all zeros).
//   - temperature now and then (°F on one thermometer, °C on the next) and
//     a three-day fever; SpO2 now and then.
//
// Offsets are written as "+hh:mm" by some devices and as seconds by
// others, as the guide's examples do.
type generator struct {
	p    *patient
	rng  *rand.Rand
	now  time.Time
	days int
}

func (g *generator) norm(mean, sd float64) float64 { return mean + sd*g.rng.NormFloat64() }

func (g *generator) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

// at returns the instant of a local wall-clock time on a day.
func (g *generator) at(day time.Time, minutes float64) time.Time {
	return day.Add(time.Duration(minutes * float64(time.Minute)))
}

func (g *generator) head(t time.Time, device string, secondsOffset bool, uploadDelay bool) header {
	_, off := t.In(g.p.loc).Zone()
	id := t.UnixMilli()
	if uploadDelay { // the id of these types is the upload time, as in the guide's examples
		id += int64(g.uniform(15, 1200)*1000) + int64(g.rng.IntN(1000))
	}
	return header{id: id, at: t.UTC(), offset: off, secondsOffset: secondsOffset, device: device}
}

func (g *generator) run() {
	loc := g.p.loc
	today := g.now.In(loc)
	first := time.Date(today.Year(), today.Month(), today.Day()-g.days, 0, 0, 0, 0, loc)
	// Historical AFib days, on the second monitor (which detects it).
	afibDays := map[int]bool{}
	for len(afibDays) < 5 {
		afibDays[int(g.uniform(0.35, 0.95)*float64(g.days))] = true
	}
	feverStart := int(0.62 * float64(g.days))
	for d := 0; d <= g.days; d++ {
		day := time.Date(first.Year(), first.Month(), first.Day()+d, 0, 0, 0, 0, loc)
		ago := g.days - d
		g.bloodPressure(day, d, ago, afibDays[d])
		g.weight(day, d)
		g.activity(day, d)
		g.temperature(day, d, d >= feverStart && d < feverStart+3)
		g.oxygen(day, d, d >= feverStart && d < feverStart+3)
	}
}

func (g *generator) past(t time.Time) bool { return t.Before(g.now) }

func (g *generator) bloodPressure(day time.Time, d, ago int, afibDay bool) {
	t := float64(d) / float64(g.days)
	winter := math.Cos(2 * math.Pi * float64(day.YearDay()-15) / 365) // +1 mid-January
	sys := 124 + 12*t + 2.5*winter
	dia := 79 + 7*t + 1.2*winter
	device, seconds := "M700 Intelli IT", false
	if t >= 0.3 {
		device, seconds = "7 Series Upper Arm", true
	}
	morning := g.rng.Float64() < 0.88 || ago == 4 || ago == 11
	evening := g.rng.Float64() < 0.72 || ago == 8
	mAt := g.at(day, g.uniform(6*60+20, 8*60))
	eAt := g.at(day, g.uniform(20*60+15, 22*60+25))
	if morning && g.past(mAt) {
		rs := g.session(mAt, sys+8, dia+4, 73, device, seconds)
		if (afibDay && t >= 0.3) || ago == 4 || ago == 11 {
			rs[1].afib = true
		}
		g.store(rs)
	}
	if evening && g.past(eAt) {
		rs := g.session(eAt, sys, dia, 68, device, seconds)
		if ago == 8 { // a hypertensive crisis reading: above 180/120
			rs[0].sys, rs[0].dia, rs[0].pulse = 186, 122, 88
			rs[1].sys, rs[1].dia, rs[1].pulse = 181, 118, 86
		}
		g.store(rs)
	}
}

func (g *generator) session(at time.Time, sys, dia, pulse float64, device string, seconds bool) [2]*bpReading {
	s1, d1, p1 := g.norm(sys, 7), g.norm(dia, 5), g.norm(pulse, 5)
	s2 := s1 - g.uniform(0, 6) + g.norm(0, 2.5)
	d2 := d1 - g.uniform(0, 3) + g.norm(0, 2)
	p2 := p1 - g.uniform(0, 3)
	second := at.Add(time.Duration(g.uniform(60, 80)) * time.Second)
	mk := func(t time.Time, s, d, p float64) *bpReading {
		return &bpReading{
			header:    g.head(t, device, seconds, true),
			sys:       clampInt(s, 90, 200),
			dia:       clampInt(d, 55, 125),
			pulse:     clampInt(p, 45, 120),
			irregular: g.rng.Float64() < 0.015,
			movement:  g.rng.Float64() < 0.01,
		}
	}
	return [2]*bpReading{mk(at, s1, d1, p1), mk(second, s2, d2, p2)}
}

func (g *generator) store(rs [2]*bpReading) {
	for _, r := range rs {
		if r.afib {
			r.irregular, r.movement = false, false
		}
		g.p.add(TypeBloodPressure, r)
	}
}

func (g *generator) weight(day time.Time, d int) {
	if g.rng.Float64() >= 0.5 {
		return
	}
	at := g.at(day, g.uniform(7*60+5, 7*60+35))
	if !g.past(at) {
		return
	}
	t := float64(d) / float64(g.days)
	kg := g.norm(86-3.5*t+0.6*math.Sin(2*math.Pi*float64(day.YearDay())/365), 0.35)
	const height = 1.78
	r := &weightReading{bmi: round(kg/(height*height), 2), bodyFat: -1, muscle: -1, visceral: -1, metabolism: -1}
	device := "HN-300T2 Intelli IT"
	if t >= 0.4 {
		device = "HBF-702T"
		if g.rng.Float64() >= 0.05 { // bare feet on the electrodes
			r.bodyFat = round(g.norm(28.5-1.5*t, 0.4), 1)
			r.muscle = round(g.norm(31.5+0.5*t, 0.3), 1)
			r.visceral = math.Round(9.5 - t)
			r.metabolism = math.Round(g.norm(1680-20*t, 8))
		}
	}
	r.header = g.head(at, device, true, false)
	r.weight = round(kg, 1)
	if t >= 0.55 && t < 0.65 {
		r.lbs, r.weight = true, round(kg/0.45359237, 1)
	}
	g.p.add(TypeWeight, r)
}

// hourShape is how a day's steps spread over its hours.
var hourShape = [24]float64{0, 0, 0, 0, 0, 0.2, 1, 3, 4, 2, 2, 2, 4, 2, 2, 2, 3, 4, 5, 3, 2, 1, 0.5, 0.2}

func (g *generator) activity(day time.Time, d int) {
	t := float64(d) / float64(g.days)
	r := &activityReading{units: "miles", hours: nil}
	device := "HJ-325"
	if t >= 0.5 {
		device, r.units, r.distanceAsNumber = "HJ-321", "km", true
	}
	r.header = g.head(day, device, false, false)
	steps := 0.0
	if g.rng.Float64() >= 0.03 { // 3% of days the pedometer stays in a drawer
		steps = math.Max(0, g.norm(7200, 2400))
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			steps *= 0.8
		}
	}
	sum := 0.0
	for _, w := range hourShape {
		sum += w
	}
	walkHour := 17 + g.rng.IntN(3)
	perUnit := 0.74 / 1609.344 // stride in miles
	if r.units == "km" {
		perUnit = 0.74 / 1000
	}
	for h := range 24 {
		if day.Add(time.Duration(h) * time.Hour).After(g.now) {
			break // the hours still to come today
		}
		hs := int(math.Round(steps * hourShape[h] / sum * g.uniform(0.7, 1.3)))
		ha := hourActivity{hour: h, steps: hs, kcal: int(math.Round(float64(hs) * 0.045)), distance: float64(hs) * perUnit}
		if h == walkHour && hs > 300 {
			ha.aerobic = int(float64(hs) * g.uniform(0.6, 0.9))
		}
		r.hours = append(r.hours, ha)
		r.steps += ha.steps
		r.aerobic += ha.aerobic
		r.kcal += ha.kcal
		r.distance += ha.distance
	}
	g.p.add(TypeActivity, r)
}

func (g *generator) temperature(day time.Time, d int, fever bool) {
	n := 0
	switch {
	case fever:
		n = 3
	case g.rng.Float64() < 0.055:
		n = 1
	}
	t := float64(d) / float64(g.days)
	for i := range n {
		at := g.at(day, g.uniform(8*60, 9*60)+float64(i)*5*60)
		if !g.past(at) {
			return
		}
		c := g.norm(36.7, 0.2)
		if fever {
			c = g.uniform(37.8, 39.2)
		}
		r := &temperatureReading{value: round(c, 1)}
		device := "MC-280B"
		if t < 0.5 {
			r.fahrenheit, r.value = true, round(c*9/5+32, 1)
		} else {
			device = "model_mc_280b_e"
		}
		r.header = g.head(at, device, true, true)
		g.p.add(TypeTemperature, r)
	}
}

func (g *generator) oxygen(day time.Time, d int, fever bool) {
	if !fever && g.rng.Float64() >= 0.08 {
		return
	}
	at := g.at(day, g.uniform(9*60, 21*60))
	if !g.past(at) {
		return
	}
	level := g.norm(97.2, 1)
	pulse := g.norm(70, 6)
	if fever {
		level, pulse = g.uniform(93, 95.5), g.norm(92, 5)
	}
	r := &oxygenReading{level: clampInt(level, 88, 100), pulse: clampInt(pulse, 45, 130)}
	r.header = g.head(at, "blesmart_00060002b87c6f2aeac4", false, true)
	g.p.add(TypeOxygen, r)
}

func clampInt(x, lo, hi float64) int { return int(math.Round(math.Max(lo, math.Min(hi, x)))) }

func round(x float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(x*p) / p
}

func randomHex(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return string(b)
}
