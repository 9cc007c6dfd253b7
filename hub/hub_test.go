package hub

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vitals/store"
	"vitals/sync"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthAndReadiness(t *testing.T) {
	var dbErr error
	h := New(Options{Ready: func(context.Context) error { return dbErr }})
	for _, tc := range []struct {
		name  string
		setup func()
		path  string
		want  int
	}{
		{"alive", func() {}, "/healthz", http.StatusOK},
		{"ready", func() {}, "/readyz", http.StatusOK},
		{"database down", func() { dbErr = errors.New("connection refused") }, "/readyz", http.StatusServiceUnavailable},
		{"alive while the database is down", func() {}, "/healthz", http.StatusOK},
		{"draining", func() { dbErr = nil; h.Drain() }, "/readyz", http.StatusServiceUnavailable},
		{"no metrics without Metrics", func() {}, "/metrics", http.StatusNotFound},
	} {
		tc.setup()
		if code, body := get(t, h.Handler(), tc.path); code != tc.want {
			t.Errorf("%s: GET %s = %d %q, want %d", tc.name, tc.path, code, body, tc.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	h := New(Options{Metrics: m})
	m.Observe(sync.Event{Kind: sync.PageStored, Provider: store.ProviderOmron, Added: 100, Held: 3, Updated: 2})
	m.Observe(sync.Event{Kind: sync.Finished, Provider: store.ProviderOmron})
	m.Observe(sync.Event{Kind: sync.Failed, Provider: store.ProviderOneUp, Err: errors.New("HTTP 503")})
	m.Observe(sync.Event{Kind: sync.Failed, Provider: store.ProviderOneUp, Err: sync.ErrInterrupted})
	m.Observe(sync.Event{Kind: sync.TookOver, Provider: store.ProviderOmron, TakenFrom: "hub-a"})
	// A notified round stored 3.5 s after the notification arrived: in
	// the 5 s bucket, not the 2 s one.
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	m.Observe(sync.Event{Kind: sync.Finished, Provider: store.ProviderOmron, At: at, Notified: at.Add(-3500 * time.Millisecond)})

	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer vendor.Close()
	client := &http.Client{Transport: m.Transport(nil)}
	for _, p := range []string{"/ok", "/ok", "/busy"} {
		resp, err := client.Get(vendor.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	host := strings.TrimPrefix(vendor.URL, "http://")

	code, body := get(t, h.Handler(), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		`vitals_readings_stored_total{outcome="added",provider="omron"} 100`,
		`vitals_readings_stored_total{outcome="held",provider="omron"} 3`,
		`vitals_readings_stored_total{outcome="updated",provider="omron"} 2`,
		`vitals_sync_rounds_total{provider="omron",result="ok"} 2`,
		`vitals_sync_rounds_total{provider="oneup",result="failed"} 1`,
		`vitals_sync_rounds_total{provider="oneup",result="interrupted"} 1`,
		`vitals_lease_takeovers_total 1`,
		`vitals_notification_to_stored_seconds_bucket{le="2"} 0`,
		`vitals_notification_to_stored_seconds_bucket{le="5"} 1`,
		`vitals_notification_to_stored_seconds_count 1`,
		`vitals_vendor_requests_total{code="200",host="` + host + `"} 2`,
		`vitals_vendor_requests_total{code="429",host="` + host + `"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
