package oneupsim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitals/fhir"
)

// record is one resource the FHIR server holds for a user.
type record struct {
	typ     string
	id      string
	updated time.Time     // meta.lastUpdated, millisecond precision, UTC
	codes   []fhir.Coding // what a code search matches (Observation.code, Condition.code)
	// A synthetic Observation is made again from its generator and day
	// when its body is asked for; other records have a func.
	gen  *generator
	day  int32 // days after the generator's first day
	item uint8 // which of the day's items made it
	make func() ([]byte, error)
}

// body is the resource's JSON.
func (r *record) body() ([]byte, error) {
	if r.gen != nil {
		return r.gen.body(r.day, r.item, r.id)
	}
	return r.make()
}

// patientZone is the synthetic patient's wall clock (US Eastern, standard time).
var patientZone = time.FixedZone("-05:00", -5*3600)

const (
	loinc  = fhir.SystemLOINC
	snomed = fhir.SystemSNOMED
	ucum   = fhir.SystemUCUM
	mdc    = fhir.SystemMDC
)

// fhirInstant writes t as a FHIR instant with milliseconds.
func fhirInstant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// fhirDateTime writes a wall-clock time with its offset.
func fhirDateTime(t time.Time) string { return t.Format(time.RFC3339) }

type synthKey struct {
	user   int64
	system int
}

type synthEntry struct {
	through string // the last day generated, yyyy-mm-dd
	records []record
}

// traits are how a seeded patient's readings differ from the common
// ones; the zero value changes nothing.
type traits struct {
	bp    float64 // mmHg added to systolic pressures (half of it to diastolic)
	hr    float64 // beats a minute added to heart rates
	kg    float64 // added to weights
	steps float64 // factor on step counts (0 means 1)
}

// synthetic returns the records of a connected system for a user, every
// one generated through today (the caller keeps those already visible).
// The values depend only on the seed, the system, the day and the user's
// variant, so two runs serve the same patient.
//
// A record keeps what searches need (type, id, lastUpdated, codes) and
// makes its body again when a page is written: a population of thousands
// of users would otherwise hold every Observation in memory.
func (s *Server) synthetic(u *user, sys System, connected time.Time) []record {
	now := s.now().In(patientZone)
	today := now.Format(time.DateOnly)
	key := synthKey{u.id, sys.ID}
	s.mu.Lock()
	e, ok := s.synthMemo[key]
	variant := u.variant
	s.mu.Unlock()
	if ok && e.through == today {
		return e.records
	}
	g := &generator{
		seed:     s.opt.Seed,
		user:     u.id,
		variant:  variant,
		sys:      sys,
		arrives:  connected.Add(s.opt.DataDelay).UTC().Truncate(time.Millisecond),
		patient:  "Patient/" + u.patientID(),
		lastDay:  dayStart(now),
		firstDay: dayStart(connected.In(patientZone)),
		history:  s.history(sys),
		codes:    map[string][]fhir.Coding{},
	}
	if variant > 0 {
		g.tr, _ = plan(s.opt.Seed, variant-1)
	}
	g.generate()
	g.codes = nil // only generation interns codes; bodies are made from copies
	s.mu.Lock()
	if u.variant == variant { // not given another patient's readings meanwhile
		s.synthMemo[key] = synthEntry{through: today, records: g.records}
	}
	s.mu.Unlock()
	return g.records
}

// history is how many days back a system's data goes when it is connected.
func (s *Server) history(sys System) int {
	switch {
	case s.opt.HistoryDays > 0:
		return s.opt.HistoryDays
	case sys.Kind == KindClinical:
		return clinicalHistoryDays
	}
	return deviceHistoryDays
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// generator writes one system's synthetic resources.
type generator struct {
	seed     uint64
	user     int64
	variant  int
	tr       traits
	sys      System
	arrives  time.Time // when the vendor's pull made the history available
	patient  string
	firstDay time.Time // the day the system was connected
	lastDay  time.Time // today
	history  int       // days before firstDay
	records  []record

	dayIndex int32                    // the day being generated, from the first
	codes    map[string][]fhir.Coding // one copy of each code list, shared by records
	item     uint8                    // the item of the day being generated
	// want, when set, asks for one resource again: generation stores no
	// record, runs only item wantItem of the day, and puts the resource
	// with this id in got.
	want     string
	wantItem uint8
	got      *fhir.Observation
}

func (g *generator) generate() {
	if g.sys.Status != statusWorking {
		return // connects, but the vendor's pull never brings anything
	}
	for i := 0; ; i++ {
		day := g.start(i)
		if day.After(g.lastDay) {
			break
		}
		g.dayIndex = int32(i)
		g.generateDay(day)
	}
	if g.sys.ID == EpicTestSite {
		g.conditions()
	}
	// Kept for as long as the user is served: without the spare room
	// appending left.
	g.records = slices.Clone(g.records)
}

// start is the i-th day of the history.
func (g *generator) start(i int) time.Time { return g.firstDay.AddDate(0, 0, i-g.history) }

// generateDay writes one day's resources of the system: a few items
// (a morning reading, a scale, ...), each drawing from a source of its own.
func (g *generator) generateDay(day time.Time) {
	switch g.sys.ID {
	case Fitbit:
		g.items(func() { g.steps(day, "66334-4", "Steps", 7800) }, func() { g.restingHR(day, 64) })
	case Withings:
		g.items(func() { g.homeBP(day, "am", 7, 10, false) }, func() { g.homeBP(day, "pm", 21, 5, false) }, func() { g.scale(day) })
	case OmronConnect:
		g.items(func() { g.homeBP(day, "am", 6, 50, true) }, func() { g.homeBP(day, "pm", 20, 40, true) },
			func() { g.steps(day, "41950-7", "Number of steps in 24 hour Measured", 6500) })
	case Garmin:
		g.items(func() { g.steps(day, "55423-8", "Number of steps in unspecified time Pedometer", 9100) },
			func() { g.restingHR(day, 61) }, func() { g.spo2(day) })
	case Kinsa:
		g.items(func() { g.thermometer(day) })
	case EpicTestSite:
		g.items(func() { g.visit(day, 91, 17, false) })
	case CernerSandbox:
		g.items(func() { g.visit(day, 120, 44, true) })
	default:
		g.items(func() { g.visit(day, 180, g.sys.ID%180, false) })
	}
}

// items runs a day's items: all of them when the history is made, only
// the one that made the resource asked for when its body is made again.
func (g *generator) items(fns ...func()) {
	for i, f := range fns {
		if g.want != "" && i != int(g.wantItem) {
			continue
		}
		g.item = uint8(i)
		f()
	}
}

// body makes the JSON of one Observation again, from its day: every item
// draws from a source of its own (see rand), so the same day gives the
// same values. Copies of the generator make bodies at once.
func (g *generator) body(day int32, item uint8, id string) ([]byte, error) {
	again := *g
	again.records, again.codes, again.want, again.wantItem, again.got = nil, nil, id, item, nil
	again.generateDay(g.start(int(day)))
	if again.got == nil {
		return nil, fmt.Errorf("oneupsim: %s is no longer made", id)
	}
	return json.Marshal(again.got)
}

// shared returns the one stored copy of a code list.
func (g *generator) shared(codes []fhir.Coding) []fhir.Coding {
	var k strings.Builder
	for _, c := range codes {
		k.WriteString(c.System + "|" + c.Code + "|" + c.Display + "\n")
	}
	if c, ok := g.codes[k.String()]; ok {
		return c
	}
	g.codes[k.String()] = codes
	return codes
}

// rand returns the random source of one item: the same seed, system, day
// and slot always give the same numbers.
func (g *generator) rand(day time.Time, slot string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s", g.sys.ID, day.Format(time.DateOnly), slot)
	if g.variant > 0 { // a seeded patient's own values
		fmt.Fprintf(h, "/v%d", g.variant)
	}
	return rand.New(rand.NewPCG(g.seed, h.Sum64()))
}

func (g *generator) id(what string, day time.Time) string {
	return fmt.Sprintf("u%d-%d-%s-%s", g.user, g.sys.ID, what, day.Format("20060102"))
}

func (g *generator) meta(updated time.Time) *fhir.Meta {
	return &fhir.Meta{
		VersionID:   "1",
		LastUpdated: fhirInstant(updated),
		Source:      g.sys.ResourceURL,
		Tag:         []fhir.Coding{{System: TagSystemPrefix + g.sys.Kind, Code: strconv.Itoa(g.sys.ID), Display: g.sys.Name}},
	}
}

// updated is when a resource about something that ended at t lands in the
// user's FHIR store: when the vendor first pulls the system, or soon after
// the measurement for later ones.
func (g *generator) updated(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Millisecond)
	if t.Before(g.arrives) {
		return g.arrives
	}
	return t
}

func (g *generator) add(o fhir.Observation, ended time.Time) {
	up := g.updated(ended)
	if g.want != "" {
		if o.ID == g.want {
			o.ResourceType = "Observation"
			o.Meta = g.meta(up)
			o.Status = "final"
			o.Subject = &fhir.Reference{Reference: g.patient}
			g.got = &o
		}
		return
	}
	g.records = append(g.records, record{
		typ: "Observation", id: o.ID, updated: up, codes: g.shared(o.Code.Coding),
		gen: g, day: g.dayIndex, item: g.item,
	})
}

func category(code, display string) []fhir.CodeableConcept {
	return []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: fhir.SystemObservationCategory, Code: code, Display: display}}}}
}

func qty(v float64, unit, code string) *fhir.Quantity {
	return &fhir.Quantity{Value: &v, Unit: unit, System: ucum, Code: code}
}

func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}

func (g *generator) steps(day time.Time, code, display string, mean float64) {
	r := g.rand(day, "steps")
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		mean *= 0.8
	}
	n := math.Max(300, math.Round(mean+r.NormFloat64()*2200))
	if g.tr.steps > 0 {
		n = math.Max(300, math.Round(n*g.tr.steps))
	}
	end := day.AddDate(0, 0, 1).Add(-time.Second)
	g.add(fhir.Observation{
		ID:              g.id("steps", day),
		Category:        category("activity", "Activity"),
		Code:            fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: code, Display: display}}, Text: "Steps"},
		EffectivePeriod: &fhir.Period{Start: fhirDateTime(day), End: fhirDateTime(end)},
		ValueQuantity:   qty(n, "steps/day", "/d"),
		Device:          &fhir.Reference{Display: g.sys.Name},
	}, end.Add(time.Second))
}

func (g *generator) restingHR(day time.Time, mean float64) {
	r := g.rand(day, "hr")
	at := day.Add(6*time.Hour + time.Duration(r.IntN(90))*time.Minute)
	g.add(fhir.Observation{
		ID:                g.id("hr", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8867-4", Display: "Heart rate"}}, Text: "Resting heart rate"},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(math.Round(mean+r.NormFloat64()*3+g.tr.hr), "beats/minute", "/min"),
		Device:            &fhir.Reference{Display: g.sys.Name},
	}, at)
}

// homeBP is a morning or evening cuff reading (two readings a minute
// apart for Omron, as the home protocol asks). Omron's feed carries the
// ISO/IEEE 11073 codes beside LOINC, as personal health devices do.
func (g *generator) homeBP(day time.Time, slot string, hour, skipPct int, pair bool) {
	r := g.rand(day, "bp-"+slot)
	if r.IntN(100) < skipPct {
		return
	}
	at := day.Add(time.Duration(hour)*time.Hour + time.Duration(r.IntN(45))*time.Minute)
	morning := 0.0
	if slot == "am" {
		morning = 5
	}
	// A slow drift with the seasons, and now and then a high day.
	dayN := float64(day.Unix() / 86400)
	sys := 129 + morning + 4*math.Sin(dayN/29) + r.NormFloat64()*6 + g.tr.bp
	dia := 82 + morning/2 + r.NormFloat64()*4 + g.tr.bp/2
	if r.IntN(100) < 3 {
		sys, dia = sys+28, dia+14
	}
	pulse := 71 + r.NormFloat64()*5 + g.tr.hr
	n := 1
	if pair {
		n = 2
	}
	for i := range n {
		t := at.Add(time.Duration(i) * time.Minute)
		s, d, p := math.Round(sys+float64(i)*r.NormFloat64()*3), math.Round(dia+float64(i)*r.NormFloat64()*2), math.Round(pulse-float64(i)*2)
		what := "bp-" + slot
		hrWhat := "bp-hr-" + slot
		if pair {
			what, hrWhat = fmt.Sprintf("bp-%s%d", slot, i+1), fmt.Sprintf("bp-hr-%s%d", slot, i+1)
		}
		panel := fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "85354-9", Display: "Blood pressure panel with all children optional"}}, Text: "Blood pressure"}
		sysCode := fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8480-6", Display: "Systolic blood pressure"}}}
		diaCode := fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8462-4", Display: "Diastolic blood pressure"}}}
		if g.sys.ID == OmronConnect {
			panel.Coding = append(panel.Coding, fhir.Coding{System: mdc, Code: "150020", Display: "MDC_PRESS_BLD_NONINV"})
			sysCode.Coding = append(sysCode.Coding, fhir.Coding{System: mdc, Code: "150021", Display: "MDC_PRESS_BLD_NONINV_SYS"})
			diaCode.Coding = append(diaCode.Coding, fhir.Coding{System: mdc, Code: "150022", Display: "MDC_PRESS_BLD_NONINV_DIA"})
		}
		g.add(fhir.Observation{
			ID:                g.id(what, day),
			Category:          category("vital-signs", "Vital Signs"),
			Code:              panel,
			EffectiveDateTime: fhirDateTime(t),
			Device:            &fhir.Reference{Display: g.sys.Name + " blood pressure monitor"},
			Component: []fhir.Component{
				{Code: sysCode, ValueQuantity: qty(s, "mmHg", "mm[Hg]")},
				{Code: diaCode, ValueQuantity: qty(d, "mmHg", "mm[Hg]")},
			},
		}, t)
		g.add(fhir.Observation{
			ID:                g.id(hrWhat, day),
			Category:          category("vital-signs", "Vital Signs"),
			Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8867-4", Display: "Heart rate"}}},
			EffectiveDateTime: fhirDateTime(t),
			Device:            &fhir.Reference{Display: g.sys.Name + " blood pressure monitor"},
			ValueQuantity:     qty(p, "beats/minute", "/min"),
		}, t)
	}
}

// weightOn is the patient's weight on a day: a slow loss over the years.
func (g *generator) weightOn(day time.Time, r *rand.Rand) float64 {
	years := float64(day.Unix()-1704067200) / (365.25 * 86400) // since 2024-01-01
	return 86 - 1.5*years + r.NormFloat64()*0.4 + g.tr.kg
}

const heightM = 1.76

func (g *generator) scale(day time.Time) {
	r := g.rand(day, "scale")
	if r.IntN(100) < 25 {
		return
	}
	at := day.Add(6*time.Hour + 30*time.Minute + time.Duration(r.IntN(40))*time.Minute)
	kg := round(g.weightOn(day, r), 1)
	dev := &fhir.Reference{Display: "Withings Body+"}
	g.add(fhir.Observation{
		ID:                g.id("weight", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "29463-7", Display: "Body weight"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(kg, "kg", "kg"),
		Device:            dev,
	}, at)
	g.add(fhir.Observation{
		ID:                g.id("fat", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "41982-0", Display: "Percentage of body fat Measured"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(round(27.5+r.NormFloat64()*0.8, 1), "%", "%"),
		Device:            dev,
	}, at)
}

func (g *generator) spo2(day time.Time) {
	r := g.rand(day, "spo2")
	at := day.Add(4*time.Hour + time.Duration(r.IntN(60))*time.Minute)
	g.add(fhir.Observation{
		ID:                g.id("spo2", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "59408-5", Display: "Oxygen saturation in Arterial blood by Pulse oximetry"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(math.Min(100, math.Round(96+r.NormFloat64()*1.3)), "%", "%"),
		Device:            &fhir.Reference{Display: "Garmin watch"},
	}, at)
}

// thermometer takes the temperature on a few days, in Fahrenheit as US
// thermometers report it.
func (g *generator) thermometer(day time.Time) {
	r := g.rand(day, "temp")
	if r.IntN(100) >= 12 {
		return
	}
	at := day.Add(19*time.Hour + time.Duration(r.IntN(120))*time.Minute)
	g.add(fhir.Observation{
		ID:                g.id("temp", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8310-5", Display: "Body temperature"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(round(98.6+math.Abs(r.NormFloat64())*0.9, 1), "°F", "[degF]"),
		Device:            &fhir.Reference{Display: "Kinsa QuickCare"},
	}, at)
}

// visit writes an office visit's vital signs every period days. Cerner's
// older feed codes the panel 55284-4 and weighs in pounds.
func (g *generator) visit(day time.Time, period, phase int, older bool) {
	if int(day.Unix()/86400)%period != phase {
		return
	}
	r := g.rand(day, "visit")
	at := day.Add(10*time.Hour + time.Duration(r.IntN(300))*time.Minute)
	panel := fhir.Coding{System: loinc, Code: "85354-9", Display: "Blood pressure panel with all children optional"}
	if older {
		panel = fhir.Coding{System: loinc, Code: "55284-4", Display: "Blood pressure systolic and diastolic"}
	}
	g.add(fhir.Observation{
		ID:                g.id("office-bp", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{panel}, Text: "Blood pressure"},
		EffectiveDateTime: fhirDateTime(at),
		Component: []fhir.Component{
			{Code: fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8480-6", Display: "Systolic blood pressure"}}}, ValueQuantity: qty(math.Round(137+r.NormFloat64()*7+g.tr.bp), "mmHg", "mm[Hg]")},
			{Code: fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8462-4", Display: "Diastolic blood pressure"}}}, ValueQuantity: qty(math.Round(87+r.NormFloat64()*4+g.tr.bp/2), "mmHg", "mm[Hg]")},
		},
	}, at)
	g.add(fhir.Observation{
		ID:                g.id("office-hr", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8867-4", Display: "Heart rate"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(math.Round(74+r.NormFloat64()*5+g.tr.hr), "beats/minute", "/min"),
	}, at)
	kg := g.weightOn(day, r)
	weight := qty(round(kg, 1), "kg", "kg")
	if older {
		weight = qty(round(kg/0.45359237, 1), "lb", "[lb_av]")
	}
	g.add(fhir.Observation{
		ID:                g.id("office-weight", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "29463-7", Display: "Body weight"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     weight,
	}, at)
	g.add(fhir.Observation{
		ID:                g.id("office-bmi", day),
		Category:          category("vital-signs", "Vital Signs"),
		Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "39156-5", Display: "Body mass index (BMI) [Ratio]"}}},
		EffectiveDateTime: fhirDateTime(at),
		ValueQuantity:     qty(round(kg/(heightM*heightM), 1), "kg/m2", "kg/m2"),
	}, at)
	if !older {
		g.add(fhir.Observation{
			ID:                g.id("office-temp", day),
			Category:          category("vital-signs", "Vital Signs"),
			Code:              fhir.CodeableConcept{Coding: []fhir.Coding{{System: loinc, Code: "8310-5", Display: "Body temperature"}}},
			EffectiveDateTime: fhirDateTime(at),
			ValueQuantity:     qty(round(36.7+r.NormFloat64()*0.2, 1), "Cel", "Cel"),
		}, at)
	}
}

// conditions are the health system's problem list: atrial fibrillation,
// diagnosed about fourteen months before the system was connected, and
// hypertension.
func (g *generator) conditions() {
	add := func(what, code, display string, onset time.Time) {
		c := fhir.Condition{
			ResourceType:       "Condition",
			ID:                 g.id(what, onset),
			ClinicalStatus:     &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-clinical", Code: "active", Display: "Active"}}},
			VerificationStatus: &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-ver-status", Code: "confirmed", Display: "Confirmed"}}},
			Category:           []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-category", Code: "problem-list-item", Display: "Problem List Item"}}}},
			Code:               fhir.CodeableConcept{Coding: []fhir.Coding{{System: snomed, Code: code, Display: display}}, Text: display},
			Subject:            &fhir.Reference{Reference: g.patient},
			OnsetDateTime:      fhirDateTime(onset),
			RecordedDate:       fhirDateTime(onset),
		}
		up := g.updated(onset)
		c.Meta = g.meta(up)
		g.records = append(g.records, record{
			typ: "Condition", id: c.ID, updated: up, codes: c.Code.Coding,
			make: func() ([]byte, error) { return json.Marshal(c) },
		})
	}
	add("afib", "49436004", "Atrial fibrillation", g.firstDay.AddDate(0, -14, 0).Add(11*time.Hour))
	add("htn", "38341003", "Hypertensive disorder, systemic arterial (disorder)", g.firstDay.AddDate(-1, -8, 0).Add(10*time.Hour))
}

// patientRecord is the user's own Patient resource.
func (s *Server) patientRecord(u *user) record {
	up := u.created.UTC().Truncate(time.Millisecond)
	p := map[string]any{
		"resourceType": "Patient",
		"id":           u.patientID(),
		"meta":         fhir.Meta{VersionID: "1", LastUpdated: fhirInstant(up)},
		"name":         []map[string]any{{"use": "official", "family": "Rivera", "given": []string{"Alex"}}},
		"gender":       "female",
		"birthDate":    "1958-04-12",
		"identifier":   []fhir.Identifier{{System: "https://api.1up.health/user", Value: strconv.FormatInt(u.id, 10)}},
	}
	return record{typ: "Patient", id: u.patientID(), updated: up, make: func() ([]byte, error) { return json.Marshal(p) }}
}
