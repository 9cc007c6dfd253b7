package files

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"vitals/health"
	"vitals/store"
)

// TestReadVitalsCSV reads each kind of vitals' own CSV export, found by
// its header.
func TestReadVitalsCSV(t *testing.T) {
	t.Parallel()
	const bpCSV = "time_utc,utc_offset,systolic,diastolic,pulse,possible_afib,irregular_heartbeat,device,source\n" +
		"2025-01-12T14:12:00Z,-06:00,132,84,66,false,true,\"HEM-7600T, arm\",Omron Wellness\n" +
		"2025-01-12T14:13:00Z,-06:00,,,,true,false,,Omron Wellness\n" +
		"2025-02-03T13:58:00Z,-06:00,,,,false,false,,Omron Connect CSV\n" +
		"2025-02-03T13:58:00Z,-06:00,,,,false,false,,Omron Connect CSV\n"
	f, err := Read("bp.csv", []byte(bpCSV), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "vitals CSV export (blood pressure)" || len(f.Batch.BloodPressure) != 4 || f.Zone != nil {
		t.Fatalf("read %q with %d readings", f.Format, len(f.Batch.BloodPressure))
	}
	first := f.Batch.BloodPressure[0]
	if first.Systolic.Or(0) != 132 || first.Pulse.Or(0) != 66 || !first.IrregularHeartbeat || first.PossibleAFib ||
		first.Device != "HEM-7600T, arm" || first.Origin != "Omron Wellness" || first.Offset != -6*3600 ||
		!first.Time.Equal(utc("2025-01-12T14:12:00Z")) || first.IDScope != ScopeVitalsCSV || string(first.Raw) != strings.Split(bpCSV, "\n")[1] {
		t.Errorf("first row %+v", first)
	}
	if afib := f.Batch.BloodPressure[1]; afib.Systolic.Valid() || !afib.PossibleAFib {
		t.Errorf("flagged row %+v", afib)
	}
	// Two blanked readings in one minute are two readings, as exported.
	a, b := f.Batch.BloodPressure[2], f.Batch.BloodPressure[3]
	if a.Systolic.Valid() || a.Flagged() || a.ProviderID == b.ProviderID || !strings.HasSuffix(b.ProviderID, "#2") {
		t.Errorf("blanked rows %q and %q", a.ProviderID, b.ProviderID)
	}

	for _, tt := range []struct {
		csv  string
		kind health.Kind
	}{
		{"time_utc,utc_offset,weight_kg,bmi,body_fat_pct,skeletal_muscle_pct,visceral_fat_level,resting_metabolism_kcal,device,source\n2025-01-12T13:00:00Z,-06:00,71.6,23.4,,,7,,,x\n", health.KindWeight},
		{"time_utc,utc_offset,steps,aerobic_steps,calories_kcal,distance_m,device,source\n2025-01-12T06:00:00Z,-06:00,0,,2150.5,,,x\n", health.KindActivity},
		{"time_utc,utc_offset,celsius,device,source\n2025-01-12T14:30:00Z,-06:00,36.667,,x\n", health.KindTemperature},
		{"time_utc,utc_offset,spo2_pct,pulse,device,source\n2025-01-12T14:31:00Z,-06:00,97,68,,x\n", health.KindSpO2},
		{"time_utc,utc_offset,bpm,device,source\n2025-01-12T14:33:00.123Z,-06:00,72,,x\n", health.KindHeartRate},
		{"time_utc,utc_offset,code_system,code,display,status,source\n2009-01-31T10:19:15Z,+01:00,http://snomed.info/sct,49436004,Atrial Fibrillation,active,x\n", health.KindCondition},
	} {
		f, err := Read(string(tt.kind)+".csv", []byte(tt.csv), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.kind, err)
			continue
		}
		if c := f.Batch.Counts(); len(c) != 1 || c[tt.kind] != 1 {
			t.Errorf("%s: read %v", tt.kind, c)
		}
	}
}

func TestReadVitalsCSVErrors(t *testing.T) {
	t.Parallel()
	const head = "time_utc,utc_offset,systolic,diastolic,pulse,possible_afib,irregular_heartbeat,device,source\n"
	for _, tt := range []struct{ row, column string }{
		{"2025-01-12 14:12,-06:00,132,84,66,false,false,,x", "time_utc"},
		{"2025-01-12T14:12:00Z,-06:00,13x,84,66,false,false,,x", "systolic"},
		{"2025-01-12T14:12:00Z,-06:00,132,84,66,maybe,false,,x", "possible_afib"},
		{"2025-01-12T14:12:00Z,-06:00,1200,84,66,false,false,,x", "systolic"},
	} {
		_, err := Read("bp.csv", []byte(head+"2025-01-12T14:11:00Z,-06:00,120,80,60,false,false,,x\n"+tt.row+"\n"), Options{})
		var re *RowError
		if !errors.As(err, &re) || re.Line != 3 || (re.Column != tt.column && !strings.Contains(err.Error(), tt.column)) {
			t.Errorf("%s: %v, want line 3 naming %s", tt.row, err, tt.column)
		}
	}
}

// TestTwoBundlesReuseAnID: two files whose Observations share the id "1"
// are two readings, each file's its own (keyed by its source); a repeated
// id inside one file with another reading is kept beside, and said.
func TestTwoBundlesReuseAnID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, p := openStore(t)
	bundle := func(source, id, when string, sys, dia int) string {
		return `{"resourceType":"Bundle","type":"collection","meta":{"source":"` + source + `"},"entry":[` + bpEntry(id, when, sys, dia) + `]}`
	}
	a := bundle("Clinic A", "1", "2025-01-12T08:00:00-06:00", 182, 121)
	b := bundle("Clinic B", "1", "2025-01-13T08:00:00-06:00", 118, 76)
	for _, tt := range []struct {
		name string
		data string
		want store.Counts
	}{
		{"clinic A", a, store.Counts{Added: 1}},
		{"clinic B", b, store.Counts{Added: 1}},
		{"clinic A again", a, store.Counts{Unchanged: 1}},
		{"one file, one id, two readings", `{"resourceType":"Bundle","type":"collection","entry":[` +
			bpEntry("1", "2025-02-01T08:00:00Z", 140, 90) + "," + bpEntry("1", "2025-02-02T08:00:00Z", 120, 80) + `]}`,
			store.Counts{Added: 1, Kept: 1}},
	} {
		f, err := importFile(t, db, p, writeTemp(t, tt.name+".json", tt.data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Result[health.KindBloodPressure]; got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	severe, _ := db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: p.ID, Severe: true})
	all, _ := db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: p.ID})
	if severe != 1 || all != 4 {
		t.Errorf("%d readings, %d above 180/120; want 4 and the crisis reading", all, severe)
	}
}

func bpEntry(id, when string, sys, dia int) string {
	return `{"resource":{"resourceType":"Observation","id":"` + id + `","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"` + when + `",
		"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":` + strconv.Itoa(sys) + `,"unit":"mm[Hg]"}},
		{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":` + strconv.Itoa(dia) + `,"unit":"mm[Hg]"}}]}}`
}
