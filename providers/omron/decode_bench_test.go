package omron

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchPage is a page of 100 blood-pressure items as the API sends them.
func benchPage() []byte {
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id": %d, "dateTime": "2022-02-03T16:%02d:13", "dateTimeLocal": "2022-02-03T10:%02d:13", "dateTimeUtcOffset": "-21600", "systolic": %d, "diastolic": 81, "bloodPressureUnits": "mmHg", "pulse": 70, "pulseUnits": "bpm", "deviceType": "M700 Intelli IT"}`,
			1644043106941+i, i%60, i%60, 120+i%30)
	}
	return []byte(`{"status": 0, "result": {"bloodPressure": [` + strings.Join(items, ",") + `], "paginationKey": {"bloodpressurePaginationKey": 1643906653000}, "truncated": false, "measurementCount": 100}}`)
}

// BenchmarkDecodePage is the quirk-tolerant decoder on a page of 100
// readings, through to health readings.
func BenchmarkDecodePage(b *testing.B) {
	page := benchPage()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(page, &top); err != nil {
			b.Fatal(err)
		}
		res, err := decodeMeasurements("bench", http.StatusOK, BloodPressure, top, time.Now())
		if err != nil || len(res.Batch.BloodPressure) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePageNaive is encoding/json into fixed types, which would
// fail on the first number sent as a string: the baseline the tolerant
// decoder's cost is measured against.
func BenchmarkDecodePageNaive(b *testing.B) {
	page := benchPage()
	b.SetBytes(int64(len(page)))
	type bp struct {
		ID                                         int64
		DateTime, DateTimeLocal, DateTimeUtcOffset string
		Systolic, Diastolic, Pulse                 float64
		DeviceType                                 string
	}
	for b.Loop() {
		var env struct {
			Status int
			Result struct {
				BloodPressure []bp
			}
		}
		if err := json.Unmarshal(page, &env); err != nil || len(env.Result.BloodPressure) != 100 {
			b.Fatal(err)
		}
	}
}
