// Package paneltest writes the three patients of the panel's tests, built
// from known weeks, into a database through the store's API.
package paneltest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// Now is the clock of the known weeks: 21:00 UTC on the last day, after
// every reading of that day.
func Now(today health.Date) time.Time { return today.In(time.UTC).Add(21 * time.Hour) }

// Known writes three patients whose readings end on today (UTC wall
// clock), each through a linked Omron account:
//
//   - p-above, "Ann Above": days today−6 … today, 4 readings a day at
//     07:00, 07:01, 19:00, 19:01 alternating 140/90 and 144/86; the
//     07:00 reading of today−2 carries a possible-AFib flag.
//   - p-below, "Ben Below": days today−20 … today, the same times,
//     alternating 118/76 and 122/78.
//   - p-nine, "Cy Nine": days today−16 … today−8 (9 days), 07:00 and
//     07:01 at 150/95.
//
// It returns the profiles by handle.
func Known(tb testing.TB, db *store.DB, today health.Date) map[string]store.Profile {
	tb.Helper()
	ctx := context.Background()
	out := map[string]store.Profile{}
	add := func(handle, name string, first, last int, times []time.Duration, values [][2]float64, flag func(day int, at time.Duration) bool) {
		p, err := db.AddProfile(ctx, handle, name, 0)
		if err != nil {
			tb.Fatal(err)
		}
		a, err := db.UpsertAccount(ctx, store.Account{ProfileID: p.ID, Provider: store.ProviderOmron, ExternalID: handle, Label: "Omron " + handle,
			State: store.StateActive})
		if err != nil {
			tb.Fatal(err)
		}
		var rs []health.BloodPressure
		for day := first; day <= last; day++ {
			for i, at := range times {
				v := values[i%len(values)]
				t := today.AddDays(day).In(time.UTC).Add(at)
				r := health.BloodPressure{
					Meta:      health.Meta{ProviderID: fmt.Sprintf("%s-%d-%d", handle, day, i), Time: t, Origin: "Omron Wellness", Setting: health.SettingHome, Device: "HEM-7600T"},
					Systolic:  health.Of(v[0]),
					Diastolic: health.Of(v[1]),
					Pulse:     health.Of(70),
				}
				r.PossibleAFib = flag != nil && flag(day, at)
				rs = append(rs, r)
			}
		}
		if _, err := db.CommitPage(ctx, p.ID, a.ID, "bp", "done", health.Batch{BloodPressure: rs}); err != nil {
			tb.Fatal(err)
		}
		out[handle] = p
	}
	four := []time.Duration{7 * time.Hour, 7*time.Hour + time.Minute, 19 * time.Hour, 19*time.Hour + time.Minute}
	add("p-above", "Ann Above", -6, 0, four, [][2]float64{{140, 90}, {144, 86}},
		func(day int, at time.Duration) bool { return day == -2 && at == 7*time.Hour })
	add("p-below", "Ben Below", -20, 0, four, [][2]float64{{118, 76}, {122, 78}}, nil)
	add("p-nine", "Cy Nine", -16, -8, four[:2], [][2]float64{{150, 95}}, nil)
	return out
}
