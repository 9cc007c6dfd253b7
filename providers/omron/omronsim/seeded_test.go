package omronsim_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

func seeded(n int, seed uint64, days int) func(*omronsim.Options) {
	return func(o *omronsim.Options) { o.Population, o.Seed, o.HistoryDays, o.AutoApprove = n, seed, days, false }
}

// firstPage signs patient p in through the consent form and returns the
// first page of a type's readings.
func (e *env) firstPage(p omronsim.Patient, typ string) string {
	e.t.Helper()
	resp := e.signIn(authQuery(), p.Email, p.Password, "approve")
	q := location(e.t, resp)
	status, body, raw := e.token(exchangeForm(q.Get("code")))
	if status != 200 {
		e.t.Fatalf("exchange for %s: %d %s", p.Email, status, raw)
	}
	return e.page(body["access_token"].(string), url.Values{"type": {typ}, "since": {"2000-01-01"}, "limit": {"100"}, "sortOrder": {"asc"}, "includeHourlyActivity": {"true"}}).raw
}

func TestSeededPopulationIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newEnv(t, seeded(40, 7, 90)), newEnv(t, seeded(40, 7, 90))
	pa, pb := a.sim.Patients(), b.sim.Patients()
	if len(pa) != 40 || !slices.Equal(pa, pb) {
		t.Fatalf("two servers with seed 7 and 40 patients list %d and %d patients, equal %v", len(pa), len(pb), slices.Equal(pa, pb))
	}
	ids, passwords := map[string]bool{}, map[string]bool{}
	for i, p := range pa {
		if p.Email != omronsim.SeededEmail(i) || p.Email != fmt.Sprintf("patient-%04d@sandbox.example", i) {
			t.Errorf("patient %d signs in as %s", i, p.Email)
		}
		if p.ID == "" || p.Password == "" || p.Name == "" || p.Zone == "" {
			t.Errorf("patient %d: %+v", i, p)
		}
		ids[p.ID], passwords[p.Password] = true, true
	}
	if len(ids) != 40 || len(passwords) != 40 {
		t.Errorf("%d ids and %d passwords for 40 patients", len(ids), len(passwords))
	}
	for _, i := range []int{0, 17, 39} {
		for _, typ := range []string{omronsim.TypeBloodPressure, omronsim.TypeActivity, omronsim.TypeWeight} {
			if x, y := a.firstPage(pa[i], typ), b.firstPage(pb[i], typ); x != y {
				t.Errorf("patient %d, %s: the first pages differ", i, typ)
			}
		}
	}

	// Patient i is the same in a population of any size; another seed
	// makes other patients.
	small := newEnv(t, seeded(18, 7, 90))
	if p := small.sim.Patients()[17]; p != pa[17] || small.firstPage(p, omronsim.TypeBloodPressure) != a.firstPage(pa[17], omronsim.TypeBloodPressure) {
		t.Errorf("patient 17 of 18 is not patient 17 of 40: %+v, %+v", p, pa[17])
	}
	other := newEnv(t, seeded(40, 8, 90))
	if po := other.sim.Patients(); po[0].ID == pa[0].ID || po[0].Password == pa[0].Password || po[0].Email != pa[0].Email {
		t.Errorf("seed 8 gives patient 0 %+v, seed 7 %+v", po[0], pa[0])
	}
}

func TestSeededPatientsVary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded(200, 3, 60))
	ps := e.sim.Patients()
	var lowest, highest float64 = 1e9, 0
	afib, crisis, zones := 0, 0, map[string]bool{}
	for i, p := range ps {
		zones[p.Zone] = true
		n := e.sim.Count(p.ID, omronsim.TypeBloodPressure)
		// Two sessions of two readings on most days of the 61.
		if n < 150 || n > 250 {
			t.Errorf("patient %d has %d blood pressures in 60 days", i, n)
		}
		if i >= 60 {
			continue // reading every page of 200 patients takes long under -race
		}
		items := e.readAll(p, omronsim.TypeBloodPressure)
		sum, count, hasAFib, hasCrisis := 0.0, 0, false, false
		for _, it := range items {
			sys, _ := it["systolic"].(float64)
			dia, _ := it["diastolic"].(float64)
			if it["possibleAfib"] == true {
				hasAFib = true
				continue
			}
			if sys > 180 || dia > 120 {
				hasCrisis = true
			}
			sum += sys
			count++
		}
		mean := sum / float64(count)
		lowest, highest = min(lowest, mean), max(highest, mean)
		if hasAFib {
			afib++
		}
		if hasCrisis {
			crisis++
		}
	}
	// Worked out from the traits: baselines from 108 to 150 plus a surge.
	if highest-lowest < 25 {
		t.Errorf("mean systolic from %.0f to %.0f among 60 patients: not varied", lowest, highest)
	}
	if afib == 0 || afib > 30 || crisis == 0 || crisis > 20 {
		t.Errorf("%d of 60 patients with possible AFib and %d with a crisis reading", afib, crisis)
	}
	if len(zones) < 5 {
		t.Errorf("the patients live in %d zones", len(zones))
	}
}

// readAll walks every page of a type for a patient signed in through the
// form.
func (e *env) readAll(p omronsim.Patient, typ string) []map[string]any {
	e.t.Helper()
	q := location(e.t, e.signIn(authQuery(), p.Email, p.Password, "approve"))
	_, body, _ := e.token(exchangeForm(q.Get("code")))
	items, _ := e.walkAll(body["access_token"].(string), typ, "asc", 1000)
	return items
}

func TestHistoryDays(t *testing.T) {
	t.Parallel()
	for _, days := range []int{1, 7, 30, 90} {
		t.Run(strconv.Itoa(days), func(t *testing.T) {
			e := newEnv(t, seeded(3, 1, days))
			for _, p := range e.sim.Patients() {
				items := e.readAll(p, omronsim.TypeActivity)
				// One activity day for each day of the history and today.
				if len(items) != days+1 {
					t.Errorf("%s: %d activity days for a history of %d", p.Email, len(items), days)
				}
				first, _ := time.Parse("2006-01-02T15:04:05", items[0]["dateTimeLocal"].(string))
				if age := simNow.Sub(first); age > time.Duration(days+1)*24*time.Hour {
					t.Errorf("%s: the first day is %v old", p.Email, age)
				}
			}
		})
	}
}

func TestPopulationAfterGivenPatients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *omronsim.Options) {
		o.Patients = []omronsim.Patient{{Email: "given@example.com", Empty: true}}
		o.Population = 2
	})
	ps := e.sim.Patients()
	if len(ps) != 3 || ps[0].Email != "given@example.com" || ps[1].Email != omronsim.SeededEmail(0) || ps[2].Email != omronsim.SeededEmail(1) {
		t.Errorf("patients %+v", ps)
	}
	if n := e.sim.Count(ps[2].Email, omronsim.TypeWeight); n == 0 {
		t.Error("seeded patient 1 has no weights")
	}
}
