package omronsim_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
)

// BenchmarkNew is the cost of a server with its two-year synthetic patient
// (what the demo and every test pay at start).
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		omronsim.New(omronsim.Options{Now: func() time.Time { return simNow }})
	}
}

// BenchmarkMeasurementPage is one page of 100 blood-pressure readings,
// rendered in the guide's shape, served in process.
func BenchmarkMeasurementPage(b *testing.B) {
	e := newEnv(b, nil)
	s := e.sim
	access, _ := e.tokens()
	body := "type=bloodpressure&since=2000-01-01&limit=100&sortOrder=asc"
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/measurement", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+access)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
