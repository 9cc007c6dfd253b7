package omronsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	gosync "sync"
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

// SeededEmail is the e-mail address of seeded patient i (from 0), the
// i-th of Options.Population: patient-0042@sandbox.example.
func SeededEmail(i int) string { return fmt.Sprintf("patient-%04d@sandbox.example", i) }

type patient struct {
	Patient
	loc *time.Location

	// gen makes the history of a seeded patient on first use (nil for a
	// patient made at once); once runs it.
	gen  func(*patient)
	once gosync.Once

	mu   gosync.RWMutex // guards data and ids, which uploads change
	data map[string][]reading
	ids  map[int64]bool
}

// ready makes the patient's history if that has not been done yet. Every
// reader and writer of data calls it first.
func (p *patient) ready() {
	p.once.Do(func() {
		if p.gen != nil {
			p.gen(p)
			p.gen = nil
		}
	})
}

// zones loads each IANA zone once per server: loading one from the
// embedded database costs more than generating a day of readings.
type zones map[string]*time.Location

func (z zones) load(name string) (*time.Location, string) {
	if loc, ok := z[name]; ok {
		return loc, name
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc, name = time.UTC, "UTC"
	}
	z[name] = loc
	return loc, name
}

func newPatient(spec Patient, index int, rng *rand.Rand, now time.Time, days int, z zones) *patient {
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
	p := &patient{Patient: spec, data: map[string][]reading{}, ids: map[int64]bool{}}
	p.loc, p.Zone = z.load(spec.Zone)
	if !spec.Empty {
		gen := generator{p: p, rng: rng, now: now, days: days, tr: defaultTraits()}
		gen.run()
	}
	return p
}

// Streams of the seeded generators, mixed into the seed so that a
// patient's identity, traits and history do not share draws.
const (
	streamIdentity = 0x1d3471
	streamHistory  = 0x4157
)

var (
	firstNames = [...]string{"Alex", "Maria", "James", "Priya", "Wei", "Fatima", "Daniel", "Grace", "Luis", "Aisha",
		"Robert", "Mei", "Samuel", "Olga", "Kwame", "Hannah", "Diego", "Noor", "Thomas", "Yuki"}
	lastNames = [...]string{"Rivera", "Nguyen", "Smith", "Okafor", "Patel", "Kim", "Garcia", "Cohen", "Johnson", "Haddad",
		"Novak", "Brown", "Silva", "Tanaka", "Murphy", "Ivanova", "Mensah", "Lopez", "Schmidt", "Ali"}
	// seededZones are the patients' wall clocks: mostly the four big US
	// zones, with Arizona (no daylight saving), Alaska and Hawaii.
	seededZones = [...]string{"America/New_York", "America/New_York", "America/New_York", "America/Chicago", "America/Chicago",
		"America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}
)

// seededPatient is patient i of a seeded population. Everything about it
// comes from the seed and i alone (not from the other patients), so that
// patient i is the same in every run and in a population of any size,
// and its history can be made when it is first needed: a population of
// thousands starts at once and costs memory only for the patients used.
func seededPatient(seed uint64, i int, now time.Time, days int, z zones) *patient {
	rng := rand.New(rand.NewPCG(seed^streamIdentity, uint64(i)))
	spec := Patient{
		ID:       uuid(rng),
		Email:    SeededEmail(i),
		Password: "sandbox-" + randomHex(rng, 8),
		Name:     firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))],
		Zone:     seededZones[rng.IntN(len(seededZones))],
	}
	tr := drawTraits(rng, days)
	p := &patient{Patient: spec, data: map[string][]reading{}, ids: map[int64]bool{}}
	p.loc, p.Zone = z.load(spec.Zone)
	p.gen = func(p *patient) {
		g := generator{p: p, rng: rand.New(rand.NewPCG(seed^streamHistory, uint64(i))), now: now, days: days, tr: tr}
		g.run()
	}
	return p
}

// traits are what makes one synthetic patient unlike another.
type traits struct {
	sys, dia         float64 // evening baseline at the start of the history, mmHg
	sysRise, diaRise float64 // change over the whole history
	surgeSys         float64 // morning surge
	surgeDia         float64
	pulseAM, pulsePM float64
	kg, kgLoss       float64 // weight at the start, and lost over the history
	height           float64 // metres
	steps            float64 // a weekday's mean
	bodyFat, muscle  float64 // percentages at the start of the history
	visceral         float64
	metabolism       float64      // kcal a day
	afibDays         int          // possible-AFib days over the history, before the last three weeks
	recentAFib       map[int]bool // days ago with a possible-AFib reading in the morning
	crisis           int          // days ago of an evening above 180/120; -1: none
	crisisValues     [2][3]int    // its two readings: systolic, diastolic, pulse
}

// defaultTraits are the one sandbox patient's, which tests and the demo's
// alerts rely on: a slow rise of about 12/7 mmHg, possible AFib 4 and 11
// days ago, 186/122 8 days ago.
func defaultTraits() traits {
	return traits{
		sys: 124, dia: 79, sysRise: 12, diaRise: 7, surgeSys: 8, surgeDia: 4, pulseAM: 73, pulsePM: 68,
		kg: 86, kgLoss: 3.5, height: 1.78, steps: 7200,
		bodyFat: 28.5, muscle: 31.5, visceral: 9.5, metabolism: 1680,
		afibDays: 5, recentAFib: map[int]bool{4: true, 11: true},
		crisis: 8, crisisValues: [2][3]int{{186, 122, 88}, {181, 118, 86}},
	}
}

// drawTraits makes a seeded patient: blood pressure from normal to stage
// 2, rising, steady or falling at a rate per year; a body and an activity
// level of its own; and, for a few, possible AFib or a crisis reading in
// the last three weeks, so that a clinic's panel has someone to look at.
func drawTraits(rng *rand.Rand, days int) traits {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	years := float64(days) / 365
	t := traits{
		sys: u(108, 150), sysRise: u(-4, 10) * years, surgeSys: u(3, 14),
		pulseAM: u(60, 84), kg: u(52, 125), kgLoss: u(-2, 4) * years, height: u(1.52, 1.95), steps: u(2500, 12000),
		muscle: u(26, 38), visceral: u(4, 15), metabolism: u(1250, 2000),
		recentAFib: map[int]bool{}, crisis: -1,
	}
	t.dia = t.sys*0.62 + u(-5, 5)
	t.diaRise = t.sysRise * 0.55
	t.surgeDia = t.surgeSys / 2
	t.pulsePM = t.pulseAM - u(2, 7)
	t.bodyFat = u(18, 38)
	if rng.Float64() < 0.15 {
		t.afibDays = 2 + rng.IntN(5)
	}
	if rng.Float64() < 0.08 {
		t.recentAFib[2+rng.IntN(19)] = true
		if rng.Float64() < 0.5 {
			t.recentAFib[2+rng.IntN(19)] = true
		}
	}
	if rng.Float64() < 0.04 {
		t.crisis = 1 + rng.IntN(20)
		s, d := int(u(181, 198)), int(u(110, 126))
		t.crisisValues = [2][3]int{{s, d, int(u(80, 100))}, {s - 3 - rng.IntN(5), d - 2 - rng.IntN(4), int(u(78, 96))}}
	}
	return t
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
	tr   traits
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
	// A short history has fewer days to choose from than are asked for:
	// the tries end the search.
	for tries := 0; len(afibDays) < g.tr.afibDays && tries < 100; tries++ {
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
	sys := g.tr.sys + g.tr.sysRise*t + 2.5*winter
	dia := g.tr.dia + g.tr.diaRise*t + 1.2*winter
	device, seconds := "M700 Intelli IT", false
	if t >= 0.3 {
		device, seconds = "7 Series Upper Arm", true
	}
	recent := g.tr.recentAFib[ago]
	morning := g.rng.Float64() < 0.88 || recent
	evening := g.rng.Float64() < 0.72 || ago == g.tr.crisis
	mAt := g.at(day, g.uniform(6*60+20, 8*60))
	eAt := g.at(day, g.uniform(20*60+15, 22*60+25))
	if morning && g.past(mAt) {
		rs := g.session(mAt, sys+g.tr.surgeSys, dia+g.tr.surgeDia, g.tr.pulseAM, device, seconds)
		if (afibDay && t >= 0.3) || recent {
			rs[1].afib = true
		}
		g.store(rs)
	}
	if evening && g.past(eAt) {
		rs := g.session(eAt, sys, dia, g.tr.pulsePM, device, seconds)
		if ago == g.tr.crisis { // a hypertensive crisis reading: above 180/120
			for i, v := range g.tr.crisisValues {
				rs[i].sys, rs[i].dia, rs[i].pulse = v[0], v[1], v[2]
			}
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
	kg := g.norm(g.tr.kg-g.tr.kgLoss*t+0.6*math.Sin(2*math.Pi*float64(day.YearDay())/365), 0.35)
	height := g.tr.height
	r := &weightReading{bmi: round(kg/(height*height), 2), bodyFat: -1, muscle: -1, visceral: -1, metabolism: -1}
	device := "HN-300T2 Intelli IT"
	if t >= 0.4 {
		device = "HBF-702T"
		if g.rng.Float64() >= 0.05 { // bare feet on the electrodes
			r.bodyFat = round(g.norm(g.tr.bodyFat-1.5*t, 0.4), 1)
			r.muscle = round(g.norm(g.tr.muscle+0.5*t, 0.3), 1)
			r.visceral = math.Round(g.tr.visceral - t)
			r.metabolism = math.Round(g.norm(g.tr.metabolism-20*t, 8))
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
	r := &activityReading{units: "miles", hours: make([]hourActivity, 0, 24), perStep: 0.74 / 1609.344}
	device := "HJ-325"
	if t >= 0.5 {
		device, r.units, r.distanceAsNumber = "HJ-321", "km", true
	}
	r.header = g.head(day, device, false, false)
	steps := 0.0
	if g.rng.Float64() >= 0.03 { // 3% of days the pedometer stays in a drawer
		steps = math.Max(0, g.norm(g.tr.steps, g.tr.steps/3))
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			steps *= 0.8
		}
	}
	sum := 0.0
	for _, w := range hourShape {
		sum += w
	}
	walkHour := 17 + g.rng.IntN(3)
	if r.units == "km" {
		r.perStep = 0.74 / 1000 // the stride, in km rather than miles
	}
	for h := range 24 {
		if day.Add(time.Duration(h) * time.Hour).After(g.now) {
			break // the hours still to come today
		}
		hs := int(math.Round(steps * hourShape[h] / sum * g.uniform(0.7, 1.3)))
		ha := hourActivity{steps: int32(hs), kcal: int32(math.Round(float64(hs) * 0.045))}
		if h == walkHour && hs > 300 {
			ha.aerobic = int32(float64(hs) * g.uniform(0.6, 0.9))
		}
		r.hours = append(r.hours, ha)
		r.steps += int(ha.steps)
		r.aerobic += int(ha.aerobic)
		r.kcal += int(ha.kcal)
		r.distance += float64(hs) * r.perStep
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
