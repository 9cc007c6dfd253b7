package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

// openClinicDB opens the database runClinic used, after the commands ran.
func openClinicDB(t *testing.T, dir string) (*store.DB, store.Profile) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := db.Profile(ctx, store.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}

func TestAddBloodPressure(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runClinic(t, dir, nil, "add", "bp", "142/91", "--pulse", "72", "--office", "--at", "2025-01-15 10:30",
		"--tz", "America/Chicago", "--note", "left arm")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Added 142/91 mmHg, pulse 72 (office) at 2025-01-15 10:30 -06:00 to profile me: Stage 2 (ACC/AHA 2017/2025).\n"; out != want {
		t.Errorf("said %q, want %q", out, want)
	}
	// The same reading again is a second reading: each entry has its own id.
	out, _, err = runClinic(t, dir, nil, "add", "bp", "190/100", "--afib", "--irregular", "--at", "2025-01-16T07:00:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "above 180/120") || !strings.Contains(out, "not a diagnosis") {
		t.Errorf("severe, flagged entry said %q", out)
	}

	db, p := openClinicDB(t, dir)
	ctx := context.Background()
	bps, err := db.BloodPressures(ctx, store.Filter{ProfileID: p.ID, Raw: true})
	if err != nil || len(bps) != 2 {
		t.Fatalf("%d readings, %v", len(bps), err)
	}
	accounts, _ := db.Accounts(ctx, p.ID)
	if len(accounts) != 1 || accounts[0].Provider != store.ProviderManual {
		t.Fatalf("accounts %+v", accounts)
	}
	office, home := bps[0], bps[1]
	wantAt := time.Date(2025, 1, 15, 16, 30, 0, 0, time.UTC) // 10:30 in Chicago (CST, UTC−6)
	if !office.Time.Equal(wantAt) || office.Offset != -6*3600 || office.Setting != health.SettingOffice ||
		!office.Manual || office.Origin != "Entered by hand" || office.AccountID != accounts[0].ID ||
		office.Systolic.Or(0) != 142 || office.Diastolic.Or(0) != 91 || office.Pulse.Or(0) != 72 || office.Flagged() {
		t.Errorf("office reading %+v", office)
	}
	var raw map[string]any
	if err := json.Unmarshal(office.Raw, &raw); err != nil || raw["note"] != "left arm" {
		t.Errorf("raw payload %s: %v", office.Raw, err)
	}
	if home.Setting != health.SettingHome || !home.PossibleAFib || !home.IrregularHeartbeat || home.Pulse.Valid() ||
		home.Offset != 3600 || home.ProviderID == office.ProviderID || !strings.HasPrefix(home.ProviderID, "manual-") {
		t.Errorf("home reading %+v", home)
	}
}

// Every invalid entry names the field and its range, and stores nothing.
func TestAddRejects(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "bp", "49/30"}, "systolic 49 mmHg is out of range: want 50–300 mmHg"},
		{[]string{"add", "bp", "301/90"}, "systolic 301 mmHg is out of range: want 50–300 mmHg"},
		{[]string{"add", "bp", "120/29"}, "diastolic 29 mmHg is out of range: want 30–200 mmHg"},
		{[]string{"add", "bp", "250/201"}, "diastolic 201 mmHg is out of range: want 30–200 mmHg"},
		{[]string{"add", "bp", "90/90"}, "systolic must be above diastolic"},
		{[]string{"add", "bp", "80/120"}, "systolic must be above diastolic"},
		{[]string{"add", "bp", "120/80", "--pulse", "300"}, "pulse 300 bpm is out of range: want 20–250 bpm"},
		{[]string{"add", "bp", "120-80"}, "want SYSTOLIC/DIASTOLIC in mmHg, e.g. 142/91"},
		{[]string{"add", "bp"}, "give the blood pressure as SYSTOLIC/DIASTOLIC"},
		{[]string{"add", "bp", "120/80", "--at", "yesterday"}, `--at "yesterday": want RFC 3339`},
		{[]string{"add", "bp", "120/80", "--at", "2999-01-01 08:00"}, "is in the future"},
		{[]string{"add", "bp", "120/80", "--at", "1850-03-01 08:00"}, "implausible date 1850-03-01"},
		{[]string{"add", "bp", "120/80", "--tz", "Mars/Olympus"}, "not a time zone"},
		{[]string{"add", "weight", "1.9"}, "weight 1.9 kg is out of range: want 2–500 kg"},
		{[]string{"add", "weight", "500.1"}, "weight 500.1 kg is out of range: want 2–500 kg"},
		{[]string{"add", "weight", "1103", "--unit", "lb"}, "weight 1103 lb is out of range: want 4.4–1102.3 lb (2–500 kg)"},
		{[]string{"add", "weight", "70", "--unit", "stone"}, `--unit "stone": want kg or lb`},
		{[]string{"add", "weight", "heavy"}, "want a number such as 72.4"},
		// strconv reads these as numbers; nobody measures them.
		{[]string{"add", "bp", "NaN/80"}, "want SYSTOLIC/DIASTOLIC in mmHg"},
		{[]string{"add", "bp", "120/Inf"}, "want SYSTOLIC/DIASTOLIC in mmHg"},
		{[]string{"add", "weight", "NaN"}, "want a number such as 72.4"},
		{[]string{"add", "weight", "infinity", "--unit", "lb"}, "want a number such as 72.4"},
	} {
		if _, _, err := runClinic(t, dir, nil, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ps, _ := db.ProfileSummaries(ctx); len(ps) > 0 && ps[0].Total > 0 {
		t.Errorf("a rejected entry stored something: %+v", ps)
	}
}

func TestAddWeight(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"add", "weight", "72.4", "--at", "2025-01-15T07:00:00-05:00"},
		{"add", "weight", "160", "--unit", "lb", "--at", "2025-01-16T07:00:00-05:00"},
		{"add", "weight", "2", "--at", "2025-01-17T07:00:00-05:00"}, // the lower bound
		{"add", "weight", "500kg", "--at", "2025-01-18T07:00:00-05:00"},
	} {
		if _, _, err := runClinic(t, dir, nil, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	db, p := openClinicDB(t, dir)
	ws, err := db.Weights(context.Background(), store.Filter{ProfileID: p.ID})
	if err != nil || len(ws) != 4 {
		t.Fatalf("%d weights, %v", len(ws), err)
	}
	// 160 lb × 0.45359237 = 72.5747792 kg, kept to 0.1 g.
	for i, want := range []float64{72.4, 72.5748, 2, 500} {
		if got := ws[i].Weight.Or(0); got != want || !ws[i].Manual || ws[i].Origin != "Entered by hand" {
			t.Errorf("weight %d = %v (manual %v), want %v", i, got, ws[i].Manual, want)
		}
	}
}

// TestAddInSkippedHour: 02:30 on the night New York's clocks skip from
// 02:00 to 03:00 was 07:30 UTC by a clock not yet moved; it is kept there
// (03:30 EDT), not an hour earlier.
func TestAddInSkippedHour(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runClinic(t, dir, nil, "add", "bp", "128/82", "--at", "2025-03-09 02:30", "--tz", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	db, p := openClinicDB(t, dir)
	bps, err := db.BloodPressures(context.Background(), store.Filter{ProfileID: p.ID})
	if err != nil || len(bps) != 1 {
		t.Fatalf("%d readings, %v", len(bps), err)
	}
	if want := time.Date(2025, 3, 9, 7, 30, 0, 0, time.UTC); !bps[0].Time.Equal(want) || bps[0].Offset != -4*3600 {
		t.Errorf("stored at %s offset %d, want %s offset -14400", bps[0].Time, bps[0].Offset, want)
	}
}
