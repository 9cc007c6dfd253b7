package omron

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A vendor page carrying an implausible value or date keeps its other
// readings; the bad one is skipped and counted with its reason.
func TestImplausibleReadingsAreSkipped(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	item := func(id, when, weight string) string {
		return `{"id":` + id + `,"dateTime":"` + when + `","dateTimeLocal":"` + when + `","dateTimeUtcOffset":"+00:00","weight":"` + weight + `","weightPref":"kg","deviceType":"HN-300T2"}`
	}
	for _, tc := range []struct {
		name   string
		item   string
		reason string
	}{
		{"a million kilograms", item("2", "2026-11-30T07:00:00", "1000000"), "weight 1e+06 kg is out of range"},
		{"dated 9999", item("3", "9999-12-31T07:00:00", "70.1"), "implausible date 9999-12-31"},
		{"dated year 1", item("4", "0001-01-01T07:00:00", "70.1"), "implausible date 0001-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := `{"status":0,"result":{"weight":[` + item("1", "2026-11-30T06:59:00", "70.4") + `,` + tc.item + `]}}`
			var top map[string]json.RawMessage
			if err := json.Unmarshal([]byte(page), &top); err != nil {
				t.Fatal(err)
			}
			res, err := decodeMeasurements("test", http.StatusOK, Weight, top, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Batch.Weight) != 1 || res.Batch.Weight[0].Weight.String() != "70.4" {
				t.Errorf("kept %+v, want only the 70.4 kg reading", res.Batch.Weight)
			}
			found := false
			for reason, n := range res.Ignored {
				found = found || (n == 1 && strings.Contains(reason, tc.reason))
			}
			if !found {
				t.Errorf("ignored %v, want one with %q", res.Ignored, tc.reason)
			}
		})
	}
}
