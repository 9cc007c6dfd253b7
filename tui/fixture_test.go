package tui

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// The fixed dataset every golden screen is drawn from. Its clock is
// Sunday 15 March 2026, 21:30 at UTC−05:00, and every reading is taken at
// that offset, so wall-clock days are the same for readings and viewer.
var (
	fixZone   = time.FixedZone("-05:00", -5*3600)
	fixNow    = time.Date(2026, 3, 15, 21, 30, 0, 0, fixZone)
	fixOffset = -5 * 3600
)

// fixture is a seeded database and what the tests need to know of it.
type fixture struct {
	db      *store.DB
	me      store.Profile
	omron   store.Account
	scale   store.Account
	oneup   store.Account
	path    string
	options Options
}

// at is a wall-clock time of the fixture's zone.
func at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, fixZone)
}

func meta(id string, t time.Time) health.Meta {
	return health.Meta{ProviderID: id, Time: t.UTC(), Offset: fixOffset, Device: "HEM-7600T", Origin: "Omron Wellness", Setting: health.SettingHome}
}

func bp(id string, t time.Time, sys, dia, pulse float64) health.BloodPressure {
	v := func(x float64) health.Value {
		if x == 0 {
			return health.Missing
		}
		return health.Of(x)
	}
	return health.BloodPressure{Meta: meta(id, t), Systolic: v(sys), Diastolic: v(dia), Pulse: v(pulse)}
}

// dayDelta is the day's variation: −3 … +3 over each run of seven days,
// so that any seven consecutive days of the routine readings average to
// exactly 128/81 (their base values).
func dayDelta(t time.Time) float64 {
	days := int(t.Sub(at(2026, 1, 5, 0, 0)).Hours() / 24) // a Monday
	return float64(((days%7)+7)%7 - 3)
}

// routine returns one day's four home readings: two in the morning, two in
// the evening. Without dayDelta the day means 128/81:
//
//	07:30 136/86  07:32 132/84  20:15 124/78  20:17 120/76
func routine(day time.Time) []health.BloodPressure {
	dd := dayDelta(day)
	y, mo, d := day.Date()
	id := fmt.Sprintf("bp-%04d%02d%02d-", y, mo, d)
	return []health.BloodPressure{
		bp(id+"1", at(y, mo, d, 7, 30), 136+dd, 86+dd, 70),
		bp(id+"2", at(y, mo, d, 7, 32), 132+dd, 84+dd, 68),
		bp(id+"3", at(y, mo, d, 20, 15), 124+dd, 78+dd, 66),
		bp(id+"4", at(y, mo, d, 20, 17), 120+dd, 76+dd, 64),
	}
}

// The special readings of the last week, which the alerts must show.
func specialReadings() []health.BloodPressure {
	afibBlank := bp("afib-1", at(2026, 3, 12, 7, 40), 0, 0, 96) // Omron blanks the pressures
	afibBlank.PossibleAFib = true
	afib := bp("afib-2", at(2026, 3, 12, 7, 44), 142, 92, 104) // the second flag of three consecutive readings
	afib.PossibleAFib, afib.IrregularHeartbeat = true, true
	irregular := bp("irr-1", at(2026, 3, 10, 20, 30), 128, 80, 72)
	irregular.IrregularHeartbeat = true
	severe := bp("severe-1", at(2026, 3, 14, 21, 5), 186, 122, 88)
	return []health.BloodPressure{afibBlank, afib, irregular, severe}
}

// Days without any blood-pressure reading: gaps the chart must show.
var bpGaps = map[string]bool{"2026-02-20": true, "2026-03-03": true, "2026-03-04": true}

// newFixture builds the dataset in a temporary database.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), "vitals.db"), 120)
}

// newFixtureAt builds the dataset at path with days of routine readings
// before the fixture's "now".
func newFixtureAt(t testing.TB, path string, days int) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fx := &fixture{db: db, path: path}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fx.me, err = db.AddProfile(ctx, "me", "Alex Example", 1.75)
	must(err)
	_, err = db.AddProfile(ctx, "p-1042", "Pat Doe", 0)
	must(err)
	fx.omron, err = db.UpsertAccount(ctx, store.Account{ProfileID: fx.me.ID, Provider: store.ProviderOmron, ExternalID: "omron-user-1"})
	must(err)
	fx.scale, err = db.UpsertAccount(ctx, store.Account{ProfileID: fx.me.ID, Provider: store.ProviderOmron, ExternalID: "omron-user-2", Label: "Omron scale"})
	must(err)
	fx.oneup, err = db.UpsertAccount(ctx, store.Account{ProfileID: fx.me.ID, Provider: store.ProviderOneUp, ExternalID: "1up-77"})
	must(err)
	must(db.SetAccountState(ctx, fx.oneup.ID, store.StateNeedsRelink))
	must(db.SaveSystem(ctx, store.System{AccountID: fx.oneup.ID, ID: "4709", Name: "Riverside Clinic", Kind: "clinical", ConnectedAt: at(2025, 6, 1, 9, 0)}))

	var home health.Batch
	var weights health.Batch
	first := fixNow.AddDate(0, 0, -(days - 1))
	for day := first; !day.After(fixNow); day = day.AddDate(0, 0, 1) {
		y, mo, d := day.Date()
		key := fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
		if !bpGaps[key] {
			home.BloodPressure = append(home.BloodPressure, routine(day)...)
		}
		k := float64(int(day.Sub(first).Hours() / 24))
		// Steps vary over the week and the month; the hours hold them.
		steps := 4000 + float64((int(k)*1237)%8000)
		act := health.Activity{Meta: meta("act-"+key, at(y, mo, d, 0, 0)), Steps: health.Of(steps), Distance: health.Of(steps * 0.75)}
		act.Device = "HJ-325"
		for h := 7; h <= 21; h++ {
			share := steps / 15
			act.Hourly = append(act.Hourly, health.HourActivity{Hour: h, Steps: health.Of(float64(int(share) + (h%4)*40))})
		}
		home.Activity = append(home.Activity, act)
		// The scale stopped on 4 March: a source gone quiet.
		if day.Before(at(2026, 3, 5, 0, 0)) {
			kg := health.Round(84.0-0.02*k, 2)
			weights.Weight = append(weights.Weight, health.Weight{
				Meta:   health.Meta{ProviderID: "w-" + key, Time: at(y, mo, d, 7, 0).UTC(), Offset: fixOffset, Device: "HBF-702T", Origin: "Omron Wellness"},
				Weight: health.Of(kg), BMI: health.BMI(kg, 1.75), BodyFat: health.Of(health.Round(25.0-0.01*k, 2)),
			})
		}
	}
	home.BloodPressure = append(home.BloodPressure, specialReadings()...)
	for i, c := range []float64{36.6, 36.8, 37.9, 37.2} {
		home.Temperature = append(home.Temperature, health.Temperature{Meta: meta(fmt.Sprint("t", i), at(2026, 3, 9+i, 8, 0)), Celsius: health.Of(c)})
	}
	for i := range 20 {
		pct := []float64{97, 96, 98, 97, 93}[i%5]
		home.SpO2 = append(home.SpO2, health.SpO2{Meta: meta(fmt.Sprint("o", i), at(2026, 2, 24+i, 8, 5)), Percent: health.Of(pct), Pulse: health.Of(70)})
	}
	_, err = db.Upsert(ctx, fx.me.ID, fx.omron.ID, home)
	must(err)
	_, err = db.Upsert(ctx, fx.me.ID, fx.scale.ID, weights)
	must(err)

	office := bp("obs-1", at(2026, 3, 5, 10, 0), 142, 91, 76)
	office.Setting, office.Origin, office.Device = health.SettingOffice, "Riverside Clinic", ""
	_, err = db.Upsert(ctx, fx.me.ID, fx.oneup.ID, health.Batch{
		BloodPressure: []health.BloodPressure{office},
		Conditions: []health.Condition{{
			Meta:   health.Meta{ProviderID: "cond-1", Time: at(2025, 6, 1, 9, 0).UTC(), Offset: fixOffset, Origin: "Riverside Clinic", Setting: health.SettingOffice},
			System: "http://snomed.info/sct", Code: health.SNOMEDAtrialFibrillation, Display: "Atrial fibrillation", Status: "active",
		}},
	})
	must(err)

	// The store stamps sync times with the real clock; the fixture's
	// clock is fixed, so set them directly.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	must(err)
	defer raw.Close()
	set := func(id int64, created, lastSync, lastOK time.Time, lastErr string) {
		nullable := func(t time.Time) any {
			if t.IsZero() {
				return nil
			}
			return t.Unix()
		}
		_, err := raw.Exec(`UPDATE accounts SET created_at = ?, last_sync_at = ?, last_success_at = ?, last_error = ? WHERE id = ?`,
			created.Unix(), nullable(lastSync), nullable(lastOK), lastErr, id)
		must(err)
	}
	set(fx.omron.ID, at(2025, 11, 1, 9, 0), fixNow.Add(-30*time.Minute), fixNow.Add(-30*time.Minute), "")
	set(fx.scale.ID, at(2025, 11, 1, 9, 5), fixNow.Add(-30*time.Minute), fixNow.Add(-30*time.Minute), "")
	set(fx.oneup.ID, at(2025, 6, 1, 9, 0), at(2026, 3, 13, 9, 0), at(2026, 3, 12, 9, 0), "1uphealth: token refused: link the account again")
	_, err = raw.Exec(`UPDATE profiles SET created_at = ?`, at(2025, 6, 1, 8, 0).Unix())
	must(err)

	if fx.me, err = db.Profile(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	fx.options = Options{
		DB: db, Profile: fx.me,
		Units: health.MetricUnits(), Rulebook: health.AHA2025, StepGoal: 8000, QuietDays: 7,
		Now: func() time.Time { return fixNow }, Location: fixZone,
		Range: Range30d,
	}
	return fx
}
