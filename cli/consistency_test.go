package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeOmronUS writes an Omron Connect export (US layout) of readings
// taken in January 2025, in file order.
func writeOmronUS(t *testing.T, path string, rows [][4]any) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "Jan %d 2025,%s,%v,%v,70,-,-,-,-\n", r[0], r[1], r[2], r[3])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// week lays readings out from 13 January, five a day (07:00–07:02 and
// 20:00–20:01), after two readings of 120/80 on day 1, 12 January.
func week(values ...[2]int) [][4]any {
	rows := [][4]any{{12, "07:00", 120, 80}, {12, "07:01", 120, 80}}
	times := []string{"07:00", "07:01", "07:02", "20:00", "20:01"}
	for i, v := range values {
		rows = append(rows, [4]any{13 + i/5, times[i%5], v[0], v[1]})
	}
	return rows
}

func times(n int, sys, dia int, extra ...[2]int) [][2]int {
	var out [][2]int
	for range n {
		out = append(out, [2]int{sys, dia})
	}
	return append(out, extra...)
}

// TestOneHomeMeanEverywhere renders the Overview, Blood pressure and
// Review screens (`vitals show`) and the md and html reports (`vitals
// report`) of the same readings and period, and checks that each gives
// the same home mean, worked by hand, with the same verdict in the same
// words, and no other verdict against the home threshold.
func TestOneHomeMeanEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rulebook string
		readings [][2]int
		office   string // an office reading typed in, or ""
		mean     string
		verdict  string
		also     []string // more that the review and the reports must say
	}{{
		// (24·135 + 134) / 25 = 3374/25 = 134.96; (24·85 + 84) / 25 = 2124/25 = 84.96.
		name: "ESH 134.96/84.96", rulebook: "esh2023", readings: times(24, 135, 85, [2]int{134, 84}),
		mean: "134.96/84.96", verdict: "below the home threshold 135/85 (ESH 2023)",
	}, {
		// 25·135 / 25 = 135; 25·85 / 25 = 85.
		name: "ESH 135.0/85.0", rulebook: "esh2023", readings: times(25, 135, 85),
		mean: "135.0/85.0", verdict: "at or above the home threshold 135/85 (ESH 2023)",
	}, {
		// (24·130 + 129) / 25 = 3249/25 = 129.96; (24·80 + 79) / 25 = 1999/25 = 79.96;
		// the office 125/75 is below 130/80 too: not masked.
		name: "AHA 129.96/79.96 with an office reading", rulebook: "aha2025", readings: times(24, 130, 80, [2]int{129, 79}),
		office: "125/75", mean: "129.96/79.96", verdict: "below the home threshold 130/80 (AHA/ACC 2025)",
		also: []string{"Normal blood pressure in the office and at home"},
	}, {
		// Eleven readings after day 1: (11·150)/11 = 150, yet no verdict.
		name: "11 readings", rulebook: "aha2025", readings: times(11, 150, 95),
		mean: "150.0/95.0", verdict: "not assessed: the protocol minimum (3 days, 12 averaged readings) is not met",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := fmt.Sprintf("keyring = false\n\n[display]\nrulebook = %q\n", tc.rulebook)
			if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			csv := filepath.Join(dir, "week.csv")
			writeOmronUS(t, csv, week(tc.readings...))
			if out, errOut, err := runClinic(t, dir, nil, "import", "--tz", "America/New_York", csv); err != nil {
				t.Fatalf("import: %v\n%s%s", err, out, errOut)
			}
			if tc.office != "" {
				if out, errOut, err := runClinic(t, dir, nil, "add", "bp", tc.office, "--office", "--at", "2025-01-14T10:30:00-05:00"); err != nil {
					t.Fatalf("add: %v\n%s%s", err, out, errOut)
				}
			}
			outputs := map[string]string{}
			for _, tab := range []string{"overview", "bp", "review"} {
				out, _, err := runClinic(t, dir, nil, "show", "--tab", tab, "--range", "7d", "--width", "200", "--height", "60")
				if err != nil {
					t.Fatalf("show %s: %v", tab, err)
				}
				outputs["show --tab "+tab] = out
			}
			for _, f := range []string{"md", "html"} {
				out, _, err := runClinic(t, dir, nil, "report", "--format", f)
				if err != nil {
					t.Fatalf("report %s: %v", f, err)
				}
				outputs["report --format "+f] = out
			}
			// The one period: the 7 days ending on the last reading, five
			// readings a day from the 13th.
			last := 13 + (len(tc.readings)-1)/5
			if !strings.Contains(outputs["report --format md"], fmt.Sprintf("2025-01-%02d to 2025-01-%02d", last-6, last)) ||
				!strings.Contains(outputs["show --tab overview"], fmt.Sprintf("%02d Jan – %02d Jan 2025", last-6, last)) {
				t.Fatalf("not the same period:\n%s\n%s", outputs["report --format md"], outputs["show --tab overview"])
			}
			// show --json gives the same mean, verdict and period as data.
			js, _, err := runClinic(t, dir, nil, "show", "--json", "--range", "7d")
			if err != nil {
				t.Fatalf("show --json: %v", err)
			}
			var facts showJSON
			if err := json.Unmarshal([]byte(js), &facts); err != nil {
				t.Fatalf("show --json is not JSON (%v):\n%s", err, js)
			}
			bp := facts.BloodPressure
			wantSys, wantDia, _ := strings.Cut(tc.mean, "/")
			if bp.HomeMean == nil || bp.HomeMean.Text != tc.mean || fmt.Sprint(bp.HomeMean.Systolic) != strings.TrimSuffix(strings.TrimSuffix(wantSys, "0"), ".") ||
				fmt.Sprint(bp.HomeMean.Diastolic) != strings.TrimSuffix(strings.TrimSuffix(wantDia, "0"), ".") || bp.VerdictText != tc.verdict ||
				facts.From != fmt.Sprintf("2025-01-%02d", last-6) || facts.To != fmt.Sprintf("2025-01-%02d", last) {
				t.Errorf("show --json: %+v %+v, want %s, %q, 2025-01-%02d to 2025-01-%02d", facts, bp.HomeMean, tc.mean, tc.verdict, last-6, last)
			}
			others := []string{"at or above the home threshold", "below the home threshold", "not assessed: the protocol minimum"}
			for name, out := range outputs {
				want := []string{tc.mean + " mmHg", tc.verdict}
				if !strings.Contains(name, "overview") && !strings.Contains(name, "bp") {
					want = append(want, tc.also...)
				}
				for _, want := range want {
					if !strings.Contains(out, want) {
						t.Errorf("%s lacks %q:\n%s", name, want, out)
					}
				}
				for _, other := range others {
					if !strings.HasPrefix(tc.verdict, other) && strings.Contains(out, other) {
						t.Errorf("%s says %q beside %q:\n%s", name, other, tc.verdict, out)
					}
				}
			}
		})
	}
}
